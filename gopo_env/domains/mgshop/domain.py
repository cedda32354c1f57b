"""The Mgshop domain: MG-ShopDial-style e-commerce shopping dialogues (docs/environment.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gopo_env.core.domain import SPLITS, Domain
from gopo_env.core.errors import DataError, DomainError, ScenarioError
from gopo_env.domains.mgshop.catalogue import Product, embedded_catalogue
from gopo_env.domains.mgshop.episode import FEATURE_NAMES, N_FEATURES, MgshopEpisode
from gopo_env.domains.mgshop.mgshopdial import surface as _real_surface  # noqa: F401 (registers it)
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.scenarios import MgshopScenario, embedded_scenarios
from gopo_env.domains.mgshop.strategies import STRATEGIES
from gopo_env.domains.mgshop.surface import SurfaceSpec, resolve_surface
from gopo_env.domains.mgshop.toolkit import MgshopToolkit

SOURCES = ("embedded", "mgshopdial")


class MgshopDomain(Domain):
    """Shopping dialogues over four product categories.

    ``source="embedded"`` (the default) uses the project's own scenario generator and
    catalogue and needs no data; ``source="mgshopdial"`` runs the 64 real MG-ShopDial scenarios
    on the real catalogues (``data_dir``, else ``$GOPO_DATA_DIR/mgshopdial``, else the fetch
    cache; see ``docs/data.md``). ``params`` (an :class:`MgshopParams`, a path to a parameter
    file, ``"calibrated"`` — the default: fitted to MG-ShopDial, docs/calibration.md — or
    ``"handset"``, the pre-calibration values) sets the simulator's parameters. ``surface``
    rewrites the customer's words without changing what the customer does (see :mod:`.surface`).
    ``scenario_seed`` (embedded source only) replaces the public scenario set by a fresh one
    drawn from the same generator with that seed (:func:`.scenarios.generate`); ``None``, the
    default, is the public set. ``v1_params`` (version 1 only: a
    :class:`~.v1.MgshopV1Params` or a path to a JSON file like ``calibrated_v1.json``) replaces
    the shipped v1 customer numbers, for ablations and sensitivity studies of the customer
    (``benchmarks/headroom_v1.py``); ``None``, the default, is the shipped calibration.
    """

    name = "mgshop"
    title = "Mgshop"
    views = ("expert", "text", "flat")
    strategies = STRATEGIES
    n_features = N_FEATURES
    feature_names = FEATURE_NAMES
    datasets = {"mgshopdial": "gopo_env.domains.mgshop.mgshopdial.manifest:MANIFEST"}
    commands = {"calibrate": "gopo_env.domains.mgshop.commands:calibrate"}

    tse_version = 0
    versions = (0, 1)
    """Dynamics versions (``GOPO-Mgshop-v0``, ``-v1``); CHANGELOG.md says what changed."""

    def __init__(self, source: str = "embedded", params: MgshopParams | str | Path | None = None,
                 data_dir: str | Path | None = None, surface: SurfaceSpec = None,
                 version: int = 0, scenario_seed: int | None = None,
                 v1_params: object = None) -> None:
        if version not in self.versions:
            raise DomainError(f"mgshop: unknown version {version!r}; choose one of {self.versions}")
        self.version = version
        if v1_params is not None and version != 1:
            raise DomainError(f"mgshop: v1_params applies to version 1 only (GOPO-Mgshop-v1), "
                              f"not version {version}; drop it or use a v1 env id")
        if source not in SOURCES:
            raise DomainError(f"mgshop: unknown scenario source {source!r}; choose one of {SOURCES}")
        if isinstance(params, (str, Path)) or params is None:
            params = MgshopParams.load("calibrated" if params is None else params)
        self.params = params
        self.max_turns = self.params.max_turns
        self.source = source
        self.data_dir = data_dir
        if scenario_seed is not None and source != "embedded":
            raise DomainError("mgshop: scenario_seed draws fresh scenarios from the embedded generator; "
                              f"the {source!r} source has a fixed scenario set")
        if source == "mgshopdial":
            from gopo_env.domains.mgshop.mgshopdial.real import real_source

            real = real_source(data_dir)
            self.data_dir = real.data.root
            self._scenarios: dict[str, tuple[MgshopScenario, ...]] = real.scenarios  # type: ignore[assignment]
            self._catalogue: dict[str, tuple[Product, ...]] = real.catalogues  # type: ignore[assignment]
        if version == 1:
            from gopo_env.domains.mgshop.v1 import (
                FEATURE_NAMES_V1_EXTRA,
                N_FEATURES_V1,
                MgshopV1Params,
                v1_catalogue,
                v1_scenarios,
            )
            from gopo_env.domains.mgshop.v1 import v1_params as shipped_v1

            if v1_params is None:
                self.v1_params = shipped_v1()
            elif isinstance(v1_params, MgshopV1Params):
                self.v1_params = v1_params
            elif isinstance(v1_params, (str, Path)):
                self.v1_params = MgshopV1Params.load(v1_params)
            else:
                raise DomainError(f"mgshop: v1_params must be an MgshopV1Params or a path to a JSON "
                                  f"file, got {type(v1_params).__name__}")
            if source == "embedded":
                self._scenarios = v1_scenarios(self.params, self.v1_params,  # type: ignore[assignment]
                                               scenario_seed)
                self._catalogue = v1_catalogue()
            self.n_features = N_FEATURES_V1
            self.feature_names = FEATURE_NAMES + FEATURE_NAMES_V1_EXTRA
            self.tse_version = 1
        elif source == "embedded":
            self._scenarios = embedded_scenarios(self.params, scenario_seed)
            self._catalogue = embedded_catalogue()
        self.surface = resolve_surface(surface, self)
        every = [sc for split in SPLITS for sc in self._scenarios[split]]
        # feature scale: counts of items / disclosed attributes over the largest a scenario has
        # (at least 2, the embedded scale; MG-ShopDial has scenarios with 3-4 items)
        self.feature_scale = (max(2, max(len(sc.items) for sc in every)),
                              max(2, max(len(it.attributes) for sc in every for it in sc.items)))

    @property
    def catalogues(self) -> dict[str, tuple[Product, ...]]:
        """Category -> its products (the embedded catalogue, or the real one for ``mgshopdial``)."""
        return dict(self._catalogue)

    def toolkit(self) -> MgshopToolkit:
        """Parser, fact check, template writer, SOP and flat acts over the public catalogues."""
        if getattr(self, "_toolkit", None) is None:
            self._toolkit = MgshopToolkit(self._catalogue, self.max_response_chars)
        return self._toolkit

    @classmethod
    def reference_responses(cls, data_dir: str | None = None) -> dict[int, list[str]] | None:
        """MG-ShopDial's assistant turns per strategy (the calibration mapping's labels), or
        ``None`` when the data cannot be located (``docs/data.md``)."""
        from gopo_env.domains.mgshop.mgshopdial.loader import load_mgshopdial
        from gopo_env.domains.mgshop.mgshopdial.surface import reference_utterances

        try:
            data = load_mgshopdial(data_dir)
        except (DataError, OSError):
            return None
        return {s: list(reference_utterances(data, name)) for s, name in enumerate(STRATEGIES)}

    def demonstrations(self, split: str) -> list[tuple[str, tuple[int, ...]]]:
        """MG-ShopDial's assistant moves on its real scenarios of ``split`` (``source="mgshopdial"``)."""
        if self.source != "mgshopdial":
            return []
        from gopo_env.domains.mgshop.mgshopdial.intents import assistant_strategy_sequence
        from gopo_env.domains.mgshop.mgshopdial.loader import load_mgshopdial

        ids = {s.id for s in self.scenarios(split)}
        out = []
        for real in load_mgshopdial(self.data_dir).dialogues:
            sid = f"mgshopdial-{split}-{real.id}"
            if sid in ids:
                out.append((sid, tuple(assistant_strategy_sequence(real))))
        return out

    def scenarios(self, split: str) -> Sequence[MgshopScenario]:
        if split not in SPLITS:
            raise ScenarioError(f"mgshop: unknown split {split!r}; choose one of {SPLITS}")
        return self._scenarios[split]

    def start(self, scenario: MgshopScenario, seed: int) -> MgshopEpisode:  # type: ignore[override]
        if self.version == 1:
            from gopo_env.domains.mgshop.v1 import MgshopEpisodeV1

            return MgshopEpisodeV1(scenario, self._catalogue[scenario.category], self.params, seed,
                                   self.max_turns, self.v1_params, self.surface, self.feature_scale)
        return MgshopEpisode(scenario, self._catalogue[scenario.category], self.params, seed,
                             self.max_turns, self.surface, self.feature_scale)
