"""Dialogue domains: each a folder; the registry maps names to them.

Adding a domain is one line here (its env ids are generated from the class, see
``gopo_env/registration.py`` and ``gopo_env/domains/README.md``).
"""

from gopo_env.domains.registry import domain_names, make_domain, register_domain, unregister_domain

register_domain("mgshop", "gopo_env.domains.mgshop:MgshopDomain")
register_domain("toy", "gopo_env.domains.toy:ToyDomain")
register_domain("multiwoz", "gopo_env.domains.multiwoz:MultiwozDomain")

__all__ = ["domain_names", "make_domain", "register_domain", "unregister_domain"]
