"""Training data for Hugging Face TRL from gopo-bench rollouts: preference pairs and SFT dialogues.

Rollouts of any agents on any GOPO env (:func:`collect`) become four datasets, each written with
``datasets`` as parquet plus a dataset card (:func:`write_dataset`):

``strategy``  *strategy-level trajectory pairs* (what the GOPO objective trains on): two Expert
    strategy sequences played on the same scenario with the same episode seed, the one with the
    higher sequence-level reward ``J`` chosen. Conversational, with an explicit prompt (system +
    the customer's opening); chosen/rejected alternate the strategy names (``assistant``) and the
    customer's replies (``user``) up to the last strategy. Train with
    :class:`agents.llm.expert.GOPOTrainer`, which puts only the strategy tokens in the loss (plain
    ``DPOTrainer`` would also train on the customer turns inside chosen/rejected).
``turn``  *per-turn divergence pairs*: two service rollouts of one scenario and seed are identical
    up to the first assistant turn where their texts differ; the prompt is that shared prefix (the
    conversation up to the customer's line before it, with the turn's catalogue facts), chosen and
    rejected are one assistant message each, ordered by the rollouts' ``J``. Every trained token
    is the assistant's: the form that never trains on simulated-customer text with TRL's
    ``DPOTrainer``, which does not mask inside chosen/rejected.
``dialogue``  *whole-dialogue pairs* (flagged): prompt = system + opening, chosen/rejected = the
    whole rest of each dialogue. With ``DPOTrainer`` the customer's turns inside them are trained
    on; every row carries ``trains_on_customer_turns = True`` and the card says so.
``sft``  conversational ``messages`` of a reference policy's dialogues (the domain's built-in SOP
    expert + realizer by default) for ``SFTTrainer`` with ``assistant_only_loss=True``: the
    assistant turns are the trained ones, the customer's are context.

Chat conventions (roles, catalogue facts, strategy names) are those of :mod:`agents.llm.chat`.
The reward is the sequence-level objective of GOPO (``agents.gopo.GOPOConfig.objective``):
``J = w_tse·TSE + w_esndcg·ESNDCG + w_success·success``, by default ``TSE + 0.25·ESNDCG``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.llm.chat import expert_messages, service_messages
from gopo_env.core.files import staged_dir
from gopo_env.protocol import episode_seed

KINDS = ("strategy", "turn", "dialogue", "sft")
REWARD_WEIGHTS = {"tse": 1.0, "esndcg": 0.25, "success": 0.0}
"""Default weights of J, those of ``agents.gopo.GOPOConfig`` (w_tse, w_esndcg, w_success)."""
BUILTIN = "builtin"
"""Agent name of the domain's reference policy (SOP expert + realizer): pass ``None`` as the agent."""
DATA_FILE = "data/train.parquet"
META_FILE = "gopo_export.json"


class ExportError(ValueError):
    """Export cannot produce the requested dataset (bad options, or rollouts that form no rows)."""


def reward_definition(weights: Mapping[str, float]) -> str:
    """``J = ...`` in words, for the dataset card."""
    terms = [f"{w:g}·{k.upper() if k != 'success' else 'success'}" for k, w in weights.items() if w]
    return "J = " + " + ".join(terms) + " (sequence-level, per episode; agents.gopo.GOPOConfig.objective)"


def objective(summary: Mapping[str, Any], weights: Mapping[str, float] = REWARD_WEIGHTS) -> float:
    """The sequence-level reward J of one episode summary (``Dialogue.summary()``)."""
    return (weights.get("tse", 0.0) * float(summary["tse"])
            + weights.get("esndcg", 0.0) * float(summary["esndcg"])
            + weights.get("success", 0.0) * float(summary["success"]))


# ---------------------------------------------------------------------- rollouts
@dataclass
class Rollout:
    """One finished episode of one agent, with what a writer saw at each turn."""

    agent: str
    scenario_id: str
    episode_seed: int
    trial: int
    records: list[Any]
    """The transcript (``TurnRecord``): the opening, then one record per assistant turn."""
    contexts: list[dict[str, Any]]
    """Catalogue facts before each assistant turn (``DomainEpisode.context()``), one per turn."""
    summary: dict[str, Any]
    reward: float
    strategies: tuple[str, ...] = field(default=())
    """The domain's strategy names (index = strategy id)."""

    def responses(self) -> list[str]:
        return [r.response or "" for r in self.records[1:]]

    def strategy_names(self) -> list[str]:
        n = len(self.strategies)
        return [self.strategies[r.strategy] if r.strategy is not None and 0 <= r.strategy < n else "none"
                for r in self.records[1:]]


def _record_contexts(dialogue: Any) -> list[dict[str, Any]]:
    """Wrap the dialogue's response methods so that each turn's catalogue facts are kept."""
    contexts: list[dict[str, Any]] = []
    respond, respond_directly = dialogue.respond, dialogue.respond_directly

    def recorded_respond(text: Any) -> float:
        contexts.append(dialogue.episode.context())
        return respond(text)

    def recorded_respond_directly(text: Any, agent: str = "agent") -> float:
        contexts.append(dialogue.episode.context())
        return respond_directly(text, agent=agent)

    dialogue.respond, dialogue.respond_directly = recorded_respond, recorded_respond_directly
    return contexts


def collect(env_id: str, agents: Mapping[str, Any], *, split: str = "train", seeds: Sequence[int] = (0,),
            episodes: int | None = None, strict: bool = True,
            weights: Mapping[str, float] = REWARD_WEIGHTS, progress: bool = False) -> list[Rollout]:
    """Play every agent on the first ``episodes`` scenarios of ``split`` (all: ``None``) × ``seeds``.

    ``agents`` maps a name to an agent (the protocol of ``gopo_env.protocol``, played by its
    one driver ``play``) or to ``None`` for the domain's reference policy. Every agent meets the
    same customers (``gopo_env.protocol.episode_seed(trial seed, scenario id)``), which is what
    makes pairs comparable. Roles an agent does not play are the built-ins'; on a text env the
    agent writes every response. Raises :class:`ExportError` for no agents, an unknown env id or
    a bad option.
    """
    from gopo_env.protocol import dialogue_of, make_view, play, roles_of
    from gopo_env.registration import spec_of

    if not agents:
        raise ExportError("collect: give at least one agent (name -> agent, or None for the built-in policy)")
    try:
        spec = spec_of(env_id)
    except KeyError as e:
        raise ExportError(str(e.args[0])) from None
    if episodes is not None and episodes < 1:
        raise ExportError(f"episodes must be >= 1 (or None for the whole split), got {episodes}")
    text_mode = spec.view == "text"
    out: list[Rollout] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit="episode", desc="collect")
    for name, agent in agents.items():
        if text_mode and agent is None:
            raise ExportError(f"{env_id} is a text view: the built-in policy does not write there; "
                              "collect on the turn env (e.g. GOPO-Mgshop-v0) instead")
        roles = ("expert",) if agent is None else roles_of(agent)
        try:
            view = make_view(env_id, roles, split=split, strict=strict)
        except ValueError as e:
            raise ExportError(f"agent {name!r}: {e}") from None
        dialogue = dialogue_of(view)
        ids = dialogue.scenario_ids(split)[:episodes]
        names = dialogue.domain.strategies
        for trial, t_seed, sid in [(k, t, s) for k, t in enumerate(seeds) for s in ids]:
            seed = episode_seed(t_seed, sid)
            contexts = _record_contexts(dialogue)
            try:
                if agent is None:
                    _play_builtin(dialogue, seed, sid)
                else:
                    play(view, agent, seed=seed, scenario_id=sid, roles=roles)
            finally:
                del dialogue.respond, dialogue.respond_directly  # back to the class's methods
            summary = dialogue.summary()
            out.append(Rollout(name, sid, seed, trial, list(dialogue.transcript), contexts, summary,
                               objective(summary, weights), tuple(names)))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return out


def _play_builtin(dialogue: Any, seed: int, scenario_id: str) -> None:
    """The domain's reference policy: the SOP expert chooses, the realizer writes."""
    dialogue.reset(seed, scenario_id)
    while not dialogue.done:
        dialogue.choose(dialogue.builtin_strategy())
        dialogue.respond(dialogue.realize())


# ---------------------------------------------------------------------- pairing
def _groups(rollouts: Iterable[Rollout]) -> list[list[Rollout]]:
    groups: dict[tuple[str, int], list[Rollout]] = {}
    for r in rollouts:
        groups.setdefault((r.scenario_id, r.episode_seed), []).append(r)
    return list(groups.values())


def _ordered_pairs(group: Sequence[Rollout], min_gap: float, pairing: str,
                   differ: Callable[[Rollout, Rollout], bool]) -> list[tuple[Rollout, Rollout]]:
    """(better, worse) pairs of a group whose J differ by more than ``min_gap`` (GOPO's pairing)."""
    if pairing not in ("all", "best"):
        raise ExportError(f"pairing must be 'all' or 'best', got {pairing!r}")
    winners = group if pairing == "all" else [max(group, key=lambda r: r.reward)]
    seen: set[tuple[int, int]] = set()
    pairs = []
    for w in winners:
        for lo in group:
            if w.reward - lo.reward > min_gap and differ(w, lo) and (id(w), id(lo)) not in seen:
                seen.add((id(w), id(lo)))
                pairs.append((w, lo))
    return pairs


def _pair_meta(w: Rollout, lo: Rollout) -> dict[str, Any]:
    return {"scenario_id": w.scenario_id, "episode_seed": w.episode_seed,
            "chosen_agent": w.agent, "rejected_agent": lo.agent,
            "chosen_reward": w.reward, "rejected_reward": lo.reward,
            "chosen_success": bool(w.summary["success"]), "rejected_success": bool(lo.summary["success"]),
            "chosen_tse": float(w.summary["tse"]), "rejected_tse": float(lo.summary["tse"])}


def _after_opening(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """The messages after system + opening, cut after the last assistant message."""
    rest = messages[2:]
    while rest and rest[-1]["role"] != "assistant":
        rest.pop()
    return rest


def strategy_pairs(rollouts: Iterable[Rollout], min_gap: float = 0.01, pairing: str = "all",
                   facts: bool = False) -> list[dict[str, Any]]:
    """Strategy-level trajectory pairs (see the module docstring). ``facts``: add the catalogue
    facts to the customer's messages (the LLM Expert's default prompt has none)."""
    rows = []
    for group in _groups(rollouts):
        for w, lo in _ordered_pairs(group, min_gap, pairing,
                                    lambda a, b: a.strategy_names() != b.strategy_names()):
            cw = expert_messages(w.records, w.strategies, w.contexts if facts else ())
            cl = expert_messages(lo.records, lo.strategies, lo.contexts if facts else ())
            rows.append({"prompt": cw[:2], "chosen": _after_opening(cw), "rejected": _after_opening(cl),
                         "chosen_strategies": w.strategy_names(), "rejected_strategies": lo.strategy_names(),
                         **_pair_meta(w, lo)})
    return rows


def divergence(a: Rollout, b: Rollout) -> int | None:
    """The first assistant turn (1-based) where two rollouts' texts differ (``None``: never)."""
    for t, (x, y) in enumerate(zip(a.responses(), b.responses()), start=1):
        if x != y:
            return t
    return None


def turn_pairs(rollouts: Iterable[Rollout], min_gap: float = 0.01, pairing: str = "all"
               ) -> list[dict[str, Any]]:
    """Per-turn divergence pairs (see the module docstring)."""
    rows = []
    for group in _groups(rollouts):
        for w, lo in _ordered_pairs(group, min_gap, pairing, lambda a, b: divergence(a, b) is not None):
            t = divergence(w, lo)
            assert t is not None
            shared_w, shared_l = w.records[:t], lo.records[:t]
            if [r.customer for r in shared_w] != [r.customer for r in shared_l]:
                raise ExportError(f"rollouts of {w.agent!r} and {lo.agent!r} on {w.scenario_id} (seed "
                                  f"{w.episode_seed}) differ before turn {t} with equal responses: the env "
                                  "is not deterministic for these agents")
            prompt = service_messages(shared_w, w.contexts[:t])
            rows.append({"prompt": prompt,
                         "chosen": [{"role": "assistant", "content": w.responses()[t - 1]}],
                         "rejected": [{"role": "assistant", "content": lo.responses()[t - 1]}],
                         "turn": t, **_pair_meta(w, lo)})
    return rows


def dialogue_pairs(rollouts: Iterable[Rollout], min_gap: float = 0.01, pairing: str = "all"
                   ) -> list[dict[str, Any]]:
    """Whole-dialogue pairs (flagged: the customer's turns are inside chosen/rejected)."""
    rows = []
    for group in _groups(rollouts):
        for w, lo in _ordered_pairs(group, min_gap, pairing, lambda a, b: a.responses() != b.responses()):
            cw, cl = service_messages(w.records, w.contexts), service_messages(lo.records, lo.contexts)
            rows.append({"prompt": cw[:2], "chosen": _after_opening(cw), "rejected": _after_opening(cl),
                         "trains_on_customer_turns": True, **_pair_meta(w, lo)})
    return rows


def sft_examples(rollouts: Iterable[Rollout], role: str = "service", min_reward: float | None = None
                 ) -> list[dict[str, Any]]:
    """Conversational SFT rows (``messages``) of the rollouts: ``role="service"`` (responses) or
    ``"expert"`` (strategy names). ``min_reward``: keep only dialogues with ``J >= min_reward``."""
    if role not in ("service", "expert"):
        raise ExportError(f"role must be 'service' or 'expert', got {role!r}")
    rows = []
    for r in rollouts:
        if min_reward is not None and r.reward < min_reward:
            continue
        messages = (service_messages(r.records, r.contexts) if role == "service"
                    else expert_messages(r.records, r.strategies))
        while messages and messages[-1]["role"] != "assistant":
            messages.pop()
        rows.append({"messages": messages, "agent": r.agent, "scenario_id": r.scenario_id,
                     "episode_seed": r.episode_seed, "reward": r.reward,
                     "success": bool(r.summary["success"])})
    return rows


def build(kind: str, rollouts: Sequence[Rollout], **options: Any) -> list[dict[str, Any]]:
    """The rows of dataset ``kind`` (one of :data:`KINDS`) from ``rollouts``."""
    makers: dict[str, Callable[..., list[dict[str, Any]]]] = {
        "strategy": strategy_pairs, "turn": turn_pairs, "dialogue": dialogue_pairs, "sft": sft_examples}
    if kind not in makers:
        raise ExportError(f"unknown dataset kind {kind!r}; choose from {KINDS}")
    return makers[kind](rollouts, **options)


# ---------------------------------------------------------------------- writing
_DESCRIPTIONS = {
    "strategy": "Strategy-level trajectory pairs: two Expert strategy sequences on the same scenario and "
                "episode seed, the higher-J one chosen. Train with agents.llm.expert.GOPOTrainer (only the "
                "strategy tokens are in the loss); plain DPOTrainer would also train on the customer turns "
                "inside chosen/rejected.",
    "turn": "Per-turn divergence pairs: the shared dialogue prefix as prompt, one assistant message each as "
            "chosen/rejected (first turn where two rollouts with the same customer differ), ordered by the "
            "episodes' J. Only assistant tokens are trained by TRL's DPOTrainer.",
    "dialogue": "Whole-dialogue pairs. WARNING: chosen/rejected contain the simulated customer's turns, "
                "which TRL's DPOTrainer trains on (it does not mask inside chosen/rejected). Prefer the "
                "'turn' dataset, or a trainer that masks user turns.",
    "sft": "Conversational dialogues of the reference policies; train with SFTTrainer and "
           "SFTConfig(assistant_only_loss=True) so that only the assistant turns are trained on.",
}
_TRL_FORMAT = {"strategy": "conversational preference (explicit prompt)",
               "turn": "conversational preference (explicit prompt)",
               "dialogue": "conversational preference (explicit prompt)",
               "sft": "conversational language modeling (messages)"}


def _card(kind: str, meta: dict[str, Any]) -> str:
    header = ["---", "tags:", "- trl", "- gopo-bench", "- dialogue", "configs:", "- config_name: default",
              "  data_files:", "  - split: train", f"    path: {DATA_FILE}", "---", ""]
    lines = [f"# gopo-bench export: {kind}", "", _DESCRIPTIONS[kind], "",
             f"- TRL format: {_TRL_FORMAT[kind]}",
             f"- rows: {meta['rows']}",
             f"- env: {meta['env_id']} (version {meta['env_version']}), split {meta['split']}, "
             f"strict={meta['strict']}",
             f"- agents: {', '.join(f'{k} = {v}' for k, v in meta['agents'].items())}",
             f"- trial seeds: {meta['seeds']}; episodes per agent: {meta['episodes']}; episode seed = "
             "sha256('gopo-bench:{trial seed}:{scenario id}') (the evaluation runner's)",
             f"- reward: {meta['reward']}",
             f"- options: {json.dumps(meta['options'], sort_keys=True)}",
             f"- gopo-bench {meta['package_version']}",
             "", "Load it with:", "", "```python", "from datasets import load_dataset",
             f"ds = load_dataset(\"parquet\", data_files=\"{DATA_FILE}\", split=\"train\")", "```", ""]
    if kind == "dialogue":
        lines.insert(3, "**Flagged: trains on simulated-customer text.**\n")
    return "\n".join(header + lines)


def write_dataset(rows: list[dict[str, Any]], out: str | Path, kind: str, meta: Mapping[str, Any]) -> Path:
    """Write ``rows`` as ``out/data/train.parquet`` with ``README.md`` (card) and ``gopo_export.json``.

    ``meta``: env_id, env_version, split, strict, agents (name -> spec), seeds, episodes, reward,
    options, package_version. ``out`` is replaced atomically (never half written). Raises
    :class:`ExportError` for no rows (e.g. no pair of rollouts differed by more than ``min_gap``).
    """
    from datasets import Dataset

    if kind not in KINDS:
        raise ExportError(f"unknown dataset kind {kind!r}; choose from {KINDS}")
    if not rows:
        raise ExportError(f"no {kind} rows: the rollouts formed no pair (same scenario and seed, J "
                          "differing by more than min_gap, different moves); collect more agents, seeds "
                          "or episodes")
    out = Path(out).expanduser()
    full = {**meta, "kind": kind, "rows": len(rows), "format": 1}
    with staged_dir(out) as staging:
        (staging / "data").mkdir()
        Dataset.from_list(rows).to_parquet(str(staging / DATA_FILE))
        (staging / "README.md").write_text(_card(kind, full), encoding="utf-8")
        (staging / META_FILE).write_text(json.dumps(full, indent=2, sort_keys=True, default=str) + "\n")
    return out


def export(kind: str, out: str | Path, env_id: str, agents: Mapping[str, Any], *, split: str = "train",
           seeds: Sequence[int] = (0,), episodes: int | None = None, strict: bool = True,
           weights: Mapping[str, float] = REWARD_WEIGHTS, specs: Mapping[str, str] | None = None,
           progress: bool = False, **options: Any) -> dict[str, Any]:
    """Collect rollouts, build the ``kind`` dataset and write it to ``out``; returns its metadata.

    ``options`` go to the row builder (``min_gap``, ``pairing``, ``facts``, ``role``,
    ``min_reward``); ``specs`` names each agent in the card (default: its class).
    """
    import gymnasium as gym

    import gopo_env

    if kind not in KINDS:
        raise ExportError(f"unknown dataset kind {kind!r}; choose from {KINDS}")
    rollouts = collect(env_id, agents, split=split, seeds=seeds, episodes=episodes, strict=strict,
                       weights=weights, progress=progress)
    rows = build(kind, rollouts, **options)
    specs = dict(specs or {})
    names = {k: specs.get(k) or ("built-in SOP expert + realizer" if a is None
                                 else f"{type(a).__module__}:{type(a).__qualname__}")
             for k, a in agents.items()}
    meta = {"env_id": env_id, "env_version": gym.registry[env_id].version, "split": split, "strict": strict,
            "agents": names, "seeds": list(seeds), "episodes": len({r.scenario_id for r in rollouts}),
            "rollouts": len(rollouts), "reward": reward_definition(weights), "reward_weights": dict(weights),
            "options": options, "package_version": gopo_env.__version__,
            "mean_reward": {k: sum(r.reward for r in rollouts if r.agent == k)
                            / max(1, sum(1 for r in rollouts if r.agent == k)) for k in agents}}
    write_dataset(rows, out, kind, meta)
    return {**meta, "kind": kind, "rows": len(rows)}


__all__ = ["BUILTIN", "KINDS", "REWARD_WEIGHTS", "ExportError", "Rollout", "build", "collect",
           "dialogue_pairs", "divergence", "export", "objective", "sft_examples", "strategy_pairs",
           "turn_pairs", "write_dataset"]
