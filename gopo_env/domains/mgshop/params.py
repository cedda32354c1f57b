"""Every tunable number of the Mgshop customer simulator and scenario mix, in one place.

The defaults are set by hand to plausible values; the calibration against MG-ShopDial
(a separate command) fits them to the real dialogues and writes a parameter file that
``MgshopParams.load`` reads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

from gopo_env.core.errors import DomainError
from gopo_env.core.frozen import share_on_deepcopy

CALIBRATED_PATH = Path(__file__).with_name("calibrated.json")
"""The parameter file fitted to MG-ShopDial (``params="calibrated"``; docs/calibration.md)."""


@share_on_deepcopy
@dataclass(frozen=True)
class MgshopParams:
    """Simulator and scenario-generator parameters (ranges are uniform draws per persona)."""

    # persona
    patience: tuple[float, float] = (3.0, 6.0)
    """Units of patience a customer starts with; negative feedback spends them."""
    decisiveness: tuple[float, float] = (0.2, 0.9)
    """Chance of stating all remaining requirements at once when asked (else two)."""
    curiosity: tuple[float, float] = (0.3, 0.9)
    """Chance of asking a pending question right after accepting a product."""
    price_sensitivity: tuple[float, float] = (0.0, 1.0)
    """Chance of lukewarm (neutral) feedback on a product in the top fifth of the budget."""
    search_decisiveness_bonus: float = 0.3
    """Search-goal customers know what they want: added to decisiveness."""

    # costs in patience units
    negative_cost: float = 1.0
    """A rejected product, an unanswered question, a wrong fact, a confused turn."""
    repeat_cost: float = 1.0
    """The assistant repeats a move that already got its answer."""
    early_close_cost: float = 1.0
    """Proposing the purchase before the customer chose a product."""
    mild_cost: float = 0.5
    """Mildly annoying moves (closing with questions still open, idle explanations)."""
    reveal_on_reject: float = 0.5
    """Chance that a customer rejecting a product says which requirement it breaks."""

    # behaviours fitted to MG-ShopDial (docs/calibration.md); the defaults (0 or 1) switch each
    # one off and draw no random number, so default episodes stay exactly as they were
    p_answer_label: float = 0.0
    """Chance that requirements stated because the assistant asked for them are an *answer*
    (act ``answer``) rather than a *disclosure*; volunteered facts stay disclosures."""
    p_ask_recommendation: float = 0.0
    """Chance that, having stated every requirement, the customer asks what the assistant would
    recommend (act ``o_question``): a pending need that only showing products serves."""
    p_clarify: float = 0.0
    """Chance of asking to clarify a detail of the item just accepted or just discussed (act
    ``clarify``): a pending question, outside the agenda, that ANSWER or EXPLAIN must serve."""
    p_thanks: float = 1.0
    """Chance that a satisfied customer says so (praise, thanks: ``pf``, polarity +1) rather than
    a neutral "okay" (``interaction``, polarity 0)."""
    p_taste_reject: float = 0.0
    """Chance, once per item, of disliking the first product that meets every hard constraint
    (``nf``, no patience cost) and asking for another; only while another such product exists."""
    p_chitchat: float = 0.0
    """Chance of answering the assistant's greeting with small talk (``interaction``)."""

    # episode
    max_turns: int = 20
    """Assistant turns before truncation."""

    # scenario mix of the embedded generator
    n_scenarios: int = 600
    p_complex: float = 0.4
    """Share of scenarios with two items to buy."""
    constraint_levels: tuple[float, float, float] = (0.35, 0.3, 0.35)
    """Shares of low / medium / high constraint scenarios."""
    p_qa: float = 0.5
    """Share of scenarios with a QA goal."""
    questions_per_qa: tuple[int, int] = (1, 2)
    """Questions of a QA scenario: a uniform integer in this range (fewer if none is left to ask)."""
    p_search: float = 0.4
    """Share of search (vs recommendation) scenarios."""
    p_min_rating: float = 0.3
    """Share of customers with a soft preference for well-rated items."""

    def __post_init__(self) -> None:
        bad = [f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)
               if f.name.startswith("p_") and not 0.0 <= getattr(self, f.name) <= 1.0]
        if bad:
            raise ValueError(f"MgshopParams: {', '.join(bad)}: a probability (p_*) must lie in [0, 1]")

    @classmethod
    def load(cls, path: str | Path) -> MgshopParams:
        """Read a parameter file (JSON object of field -> value); unknown keys are an error.

        ``"calibrated"`` names the shipped file fitted to MG-ShopDial (the environment's
        default), ``"handset"`` the hand-set class defaults used before calibration; a
        ``"_meta"`` key (provenance: data hash, the command that wrote it) is skipped.
        """
        if str(path) == "handset":
            return cls()
        if str(path) == "calibrated":
            return _calibrated(cls)
        if not Path(path).is_file():
            raise DomainError(f"mgshop: params={str(path)!r} is neither 'calibrated' (the default), "
                              "'handset' nor a parameter file (JSON) that exists; pass one of those")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data.pop("_meta", None)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{path}: unknown Mgshop parameter(s) {unknown}; known: {sorted(known)}")
        try:
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
        except ValueError as e:
            raise ValueError(f"{path}: {e}; fix the value in that file") from None

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=1)
def _calibrated(cls: type[MgshopParams]) -> MgshopParams:
    return cls.load(CALIBRATED_PATH)
