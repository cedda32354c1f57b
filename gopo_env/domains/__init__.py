"""Dialogue domains: each a folder; the registry maps names to them."""

from gopo_env.domains.mgshop import MgshopDomain
from gopo_env.domains.multiwoz import MultiwozDomain
from gopo_env.domains.registry import domain_names, make_domain, register_domain, unregister_domain

register_domain("mgshop", MgshopDomain)
register_domain("multiwoz", MultiwozDomain)

__all__ = ["domain_names", "make_domain", "register_domain", "unregister_domain"]
