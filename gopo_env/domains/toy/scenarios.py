"""The toy scenarios: 24 deterministic customers, split 16 train / 4 dev / 4 test (disjoint)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from gopo_env.domains.toy.language import ITEMS


@dataclass(frozen=True, slots=True)
class ToyScenario:
    """One hidden customer of the café (every field but ``id``/``split`` is hidden from agents)."""

    id: str
    split: str
    want: str
    """The menu item the customer will accept (the only one)."""
    patience: int
    """The customer leaves unserved after this many assistant turns (4 or 6)."""
    vague: float
    """Probability in [0, 1] that a question about the want gets a vague answer instead."""

    def describe(self) -> str:
        return f"wants {self.want}; leaves unserved after {self.patience} turns; vague answers p={self.vague}"

    def reference_strategies(self) -> tuple[int, ...]:
        """greet, ask, offer, bye (the ESNDCG reference)."""
        return (0, 1, 2, 3)


def toy_scenarios() -> dict[str, tuple[ToyScenario, ...]]:
    """Split -> scenarios. Every (want, patience, vague) combination once; with ``w`` the want's
    menu index and ``c`` the index of (patience, vague) in (4, 0.0), (4, 0.5), (6, 0.0), (6, 0.5),
    a combination is test if ``(w - c) % 6 == 0``, dev if ``== 1``, else train: test and dev
    each hold every (patience, vague) pair once, with four different wants."""
    out: dict[str, list[ToyScenario]] = {"train": [], "dev": [], "test": []}
    for w, c in product(range(len(ITEMS)), range(4)):
        want, patience, vague = ITEMS[w], (4, 6)[c // 2], (0.0, 0.5)[c % 2]
        split = {0: "test", 1: "dev"}.get((w - c) % 6, "train")
        out[split].append(ToyScenario(f"toy-{split}-{len(out[split]):02d}", split, want, patience, vague))
    return {k: tuple(v) for k, v in out.items()}
