"""Toy: a four-strategy café counter, the smallest complete domain (like τ²-bench's ``mock``).

It exists to test the core, the views, the agent protocol and the leaderboard on a domain that
is not Mgshop, and as the worked example of ``gopo_env/domains/README.md``. Its customer is a
hand-written rule set, **not** calibrated to any data: never report results on it as findings
about dialogue agents.
"""

from gopo_env.domains.toy.domain import ToyDomain
from gopo_env.domains.toy.language import MENU, STRATEGIES

__all__ = ["MENU", "STRATEGIES", "ToyDomain"]
