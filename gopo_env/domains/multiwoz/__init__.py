"""MultiWOZ 2.1: real goals and venue databases, an agenda-based customer, ConvLab metrics."""

from gopo_env.domains.multiwoz.domain import MultiwozDomain

__all__ = ["MultiwozDomain"]
