"""The toy domain: a café counter with four strategies and 24 scripted customers."""

from __future__ import annotations

from collections.abc import Sequence

from gopo_env.core.domain import SPLITS, Domain
from gopo_env.core.errors import ScenarioError
from gopo_env.domains.toy.episode import FEATURE_NAMES, N_FEATURES, ToyEpisode
from gopo_env.domains.toy.language import STRATEGIES
from gopo_env.domains.toy.scenarios import ToyScenario, toy_scenarios
from gopo_env.domains.toy.toolkit import ToyToolkit


class ToyDomain(Domain):
    """greet / ask / offer / bye at a café counter (no data, no options).

    Built for tests and as the worked example of the domain contract; its customer is
    hand-written (``customer.py``), not calibrated.
    """

    name = "toy"
    title = "Toy"
    versions = (0,)
    views = ("expert", "text")
    strategies = STRATEGIES
    n_features = N_FEATURES
    feature_names = FEATURE_NAMES
    max_turns = 8
    max_response_chars = 500
    datasets: dict[str, str] = {}
    commands: dict[str, str] = {}

    def __init__(self) -> None:
        self._scenarios = toy_scenarios()
        self._toolkit = ToyToolkit(self.max_response_chars)

    def toolkit(self) -> ToyToolkit:
        return self._toolkit

    def scenarios(self, split: str) -> Sequence[ToyScenario]:
        if split not in SPLITS:
            raise ScenarioError(f"toy: unknown split {split!r}; choose one of {SPLITS}")
        return self._scenarios[split]

    def start(self, scenario: ToyScenario, seed: int) -> ToyEpisode:  # type: ignore[override]
        if not isinstance(scenario, ToyScenario):
            raise ScenarioError(f"toy: cannot start {scenario!r}; pass one of domain.scenarios(split)")
        return ToyEpisode(scenario, seed, self.max_turns)
