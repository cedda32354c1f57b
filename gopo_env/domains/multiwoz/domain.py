"""The MultiWOZ domain: real MultiWOZ 2.1 goals and databases, an agenda-based customer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gopo_env.core.domain import SPLITS, Domain
from gopo_env.core.errors import DataError, ScenarioError
from gopo_env.domains.multiwoz.data import FETCH_HINT, has_split, load_dialogues, locate
from gopo_env.domains.multiwoz.db import load_database
from gopo_env.domains.multiwoz.episode import FEATURE_NAMES, N_FEATURES, MultiwozEpisode
from gopo_env.domains.multiwoz.goalgen import GoalGenerator, load_fitted
from gopo_env.domains.multiwoz.parser import Parser
from gopo_env.domains.multiwoz.scenarios import MultiwozScenario, corpus_scenarios, effective_goal
from gopo_env.domains.multiwoz.strategies import STRATEGIES
from gopo_env.domains.multiwoz.toolkit import MultiwozToolkit

N_TRAIN = 5000
"""Generated training goals (indices 0..N_TRAIN-1 before removing dev/test duplicates)."""
MAX_TURNS = 40
"""ConvLab's dialogue length limit (assistant turns)."""


class MultiwozDomain(Domain):
    """MultiWOZ 2.1 task-oriented dialogues over seven domains (see ``docs/multiwoz.md``).

    ``data_dir``: the MultiWOZ folder (the one holding ``data/multiwoz/val.json.zip``), else
    ``$GOPO_DATA_DIR/multiwoz``, else the fetch cache; without it a :class:`DataError` names
    ``gopo-bench data fetch multiwoz``. ``n_train``: how many goals the generator draws for the
    ``train`` split.
    """

    name = "multiwoz"
    title = "MultiWOZ"
    versions = (0,)
    views = ("expert", "text")
    strategies = STRATEGIES
    n_features = N_FEATURES
    feature_names = FEATURE_NAMES
    max_turns = MAX_TURNS
    max_response_chars = 2000
    datasets = {"multiwoz": "gopo_env.domains.multiwoz.data:MANIFEST"}
    commands = {"evaluate-corpus": "gopo_env.domains.multiwoz.corpus.command:evaluate_corpus",
                "calibrate": "gopo_env.domains.multiwoz.fidelity:calibrate"}

    def __init__(self, data_dir: str | Path | None = None, n_train: int = N_TRAIN) -> None:
        if not isinstance(n_train, int) or isinstance(n_train, bool) or n_train < 1:
            raise ValueError(f"multiwoz: n_train must be a positive int, got {n_train!r}")
        self.root = locate(data_dir)
        self.data_dir = self.root
        self.db = load_database(self.root)
        self.parser = Parser(self.db)
        self.n_train = n_train
        fitted = load_fitted()
        self.act_counts = tuple(float(p) for p in fitted["user"]["acts_per_turn"])
        self._fitted = fitted
        self._splits: dict[str, tuple[MultiwozScenario, ...]] = {}
        self._toolkit = MultiwozToolkit(self.db, self.parser, self.max_response_chars)

    def toolkit(self) -> MultiwozToolkit:
        """Database, parser, template writer and rule SOP over ``info["state"]`` (public)."""
        return self._toolkit

    def demonstrations(self, split: str) -> list[tuple[str, tuple[int, ...]]]:
        """The gold dialogues' system-act strategies of a corpus split (``dev``, ``test``):
        ``(scenario id, strategies)``; the generated ``train`` split has none."""
        if split == "train":
            return []
        return [(s.id, s.reference) for s in self.scenarios(split) if s.reference]

    def has_test(self) -> bool:
        """Whether the official test split is present (fetched)."""
        return has_split(self.root, "test")

    def scenarios(self, split: str) -> Sequence[MultiwozScenario]:
        if split not in SPLITS:
            raise ScenarioError(f"multiwoz: unknown split {split!r}; choose one of {SPLITS}")
        cached = self._splits.get(split)
        if cached is not None:
            return cached
        if split == "test" and not self.has_test():
            raise DataError(
                f"multiwoz: the official test split is not in {self.root} (shared copies hold only "
                f"the validation set); download and verify it with {FETCH_HINT}, or use split='dev'"
            )
        if split in ("dev", "test"):
            out = corpus_scenarios(split, load_dialogues(split, self.root), self.db)
        else:
            out = self._generated()
        self._splits[split] = out
        return out

    def _generated(self) -> tuple[MultiwozScenario, ...]:
        taken = {s.source_goal.key() for s in self.scenarios("dev")}
        if self.has_test():
            taken |= {s.source_goal.key() for s in self.scenarios("test")}
        gen = GoalGenerator(self.db, self._fitted)
        out = []
        for i in range(self.n_train):
            goal = gen.goal(i)
            if goal.key() in taken:
                continue
            out.append(MultiwozScenario(f"multiwoz-train-{i:05d}", "train",
                                        effective_goal(goal, self.db), goal))
        return tuple(out)

    def scenario(self, scenario_id: str) -> MultiwozScenario:
        """Look a scenario up by id; only its own split is loaded (``multiwoz-<split>-...``)."""
        parts = scenario_id.split("-", 2) if isinstance(scenario_id, str) else []
        if len(parts) == 3 and parts[0] == "multiwoz" and parts[1] in SPLITS:
            for s in self.scenarios(parts[1]):
                if s.id == scenario_id:
                    return s
        raise ScenarioError(
            f"multiwoz: no scenario with id {scenario_id!r} (ids look like multiwoz-dev-PMUL1635, "
            "multiwoz-train-00042; list them with env.unwrapped.scenario_ids(split))"
        )

    def start(self, scenario: MultiwozScenario, seed: int) -> MultiwozEpisode:  # type: ignore[override]
        return MultiwozEpisode(scenario, self.db, self.parser, self.act_counts, seed, self.max_turns)
