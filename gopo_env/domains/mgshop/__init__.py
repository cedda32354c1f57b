"""Mgshop: e-commerce shopping dialogues in the style of MG-ShopDial (the default domain)."""

from gopo_env.domains.mgshop.domain import MgshopDomain
from gopo_env.domains.mgshop.strategies import STRATEGIES, sop_allows, sop_next

__all__ = ["STRATEGIES", "MgshopDomain", "sop_allows", "sop_next"]
