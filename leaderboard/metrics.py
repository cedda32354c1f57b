"""The leaderboard's metrics (docs/metrics.md), each a function of a recorded episode.

A recorded episode is the JSON record written by the runner (``docs/submission.md``): its turns
(strategy, response, customer act, reward), the scenario's agenda gains and reference strategy
sequence, and the outcome. Replay verifies the record against the simulator first; then every
number here follows from the record alone, so a claimed metric can be recomputed exactly.

TSE and ESNDCG are *defined* in :mod:`gopo_env.core.scoring` (the environment's reward uses them
too); this module only feeds them. Formulas and properties: ``docs/metrics.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from gopo_env.core.rewards import RewardConfig
from gopo_env.core.scoring import TSE_VERSIONS
from gopo_env.core.scoring import esndcg as _esndcg

Record = Mapping[str, Any]

BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20260215
"""Fixed, so that a recomputed confidence interval equals the claimed one exactly."""
TSE_LAMBDA = RewardConfig().tse_lambda


# ---------------------------------------------------------------------- task metrics
def success(ep: Record) -> float:
    """1.0 if the customer's task was achieved (the simulator's verdict, checked by replay)."""
    return 1.0 if ep["outcome"]["success"] else 0.0


def achieved_turns(ep: Record) -> list[int | None]:
    """The 1-based assistant turn at which each agenda item was first achieved (``None``: never)."""
    first: dict[str, int] = {}
    for t in ep["turns"]:
        for item in t["achieved"]:
            first.setdefault(item, t["turn"])
    return [first.get(item) for item in ep["agenda"]["items"]]


def negative_share(ep: Record) -> float:
    """Share of the customer's replies (to assistant turns) that carry negative feedback."""
    turns = ep["turns"]
    return sum(1 for t in turns if t["polarity"] < 0) / len(turns) if turns else 0.0


def tse(ep: Record, lam: float = TSE_LAMBDA) -> float:
    """Task-focused Sequential Engagement of the episode: ``gopo_env.core.scoring.tse`` for a v0
    record, ``tse_sound`` where the record's agenda says ``"tse_version": 1`` (v1 envs)."""
    version = ep["agenda"].get("tse_version", 0)
    return TSE_VERSIONS[version](ep["agenda"]["gains"], achieved_turns(ep), negative_share(ep), lam)


def esndcg(ep: Record) -> float:
    """The expert's strategy sequence scored against the scenario's reference sequence."""
    return _esndcg([t["strategy"] for t in ep["turns"]], ep["reference_strategies"])


def gre(ep: Record) -> float:
    """Generation reward: mean over service turns of aligned × faithful (0 with no turns)."""
    turns = ep["turns"]
    return sum(1 for t in turns if t["aligned"] and t["faithful"]) / len(turns) if turns else 0.0


def episode_return(ep: Record) -> float:
    """The sequence-level reward: the sum of the joint rewards of every turn."""
    return math.fsum(t["reward"] for t in ep["turns"])


def turns(ep: Record) -> float:
    """Number of assistant turns (not in [0, 1]; lower is not always better)."""
    return float(len(ep["turns"]))


# ---------------------------------------------------------------------- generation quality
_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens (for distinct-n and length)."""
    return _TOKEN.findall(text.lower())


class GenerationScorer:
    """BLEU and ROUGE-L of responses against reference responses for the same strategy.

    ``references[s]`` lists reference texts for strategy ``s``: on the leaderboard, real
    MG-ShopDial assistant turns (:func:`generation_references`). A response whose strategy has
    no reference (e.g. an unparseable text-view turn) scores 0.
    """

    def __init__(self, references: Mapping[int, Sequence[str]]) -> None:
        try:
            from rouge_score import rouge_scorer
            from sacrebleu.metrics import BLEU
        except ImportError as e:
            raise ImportError(f"the generation metrics need the [metrics] extra ({e}): "
                              "pip install 'gopo-bench[metrics]'") from e

        self.references = {int(k): list(v) for k, v in references.items()}
        self._bleu = BLEU(effective_order=True)
        self._rouge = rouge_scorer.RougeScorer(["rougeL"])
        self.score = lru_cache(maxsize=65536)(self._score)

    def _score(self, strategy: int, text: str) -> tuple[float, float]:
        refs = self.references.get(strategy)
        if not refs or not text:
            return 0.0, 0.0
        bleu = self._bleu.sentence_score(text, refs).score / 100.0
        rouge = self._rouge.score_multi(refs, text)["rougeL"].fmeasure
        return min(max(bleu, 0.0), 1.0), rouge

    def episode(self, ep: Record) -> dict[str, float]:
        """Mean BLEU, ROUGE-L and length (tokens) over the episode's responses."""
        texts = [(t["strategy"], t["response"] or "") for t in ep["turns"]]
        if not texts:
            return {"bleu": 0.0, "rouge_l": 0.0}
        scores = [self.score(s, x) for s, x in texts]
        return {
            "bleu": math.fsum(b for b, _ in scores) / len(scores),
            "rouge_l": math.fsum(r for _, r in scores) / len(scores),
        }


def response_length(ep: Record) -> float:
    """Mean response length in tokens (:func:`tokens`) over the episode's turns (0 with none)."""
    texts = [t["response"] or "" for t in ep["turns"]]
    return sum(len(tokens(x)) for x in texts) / len(texts) if texts else 0.0


def distinct_n(texts: Iterable[str], n: int) -> float:
    """Distinct-n: unique n-grams / all n-grams over a corpus of responses (0 for no n-grams)."""
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        toks = tokens(text)
        grams = [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 0.0


class DistinctCounter:
    """Distinct-1 and distinct-2 of a stream of responses in O(8 bytes) per n-gram.

    Each n-gram is kept as the first 8 bytes of its BLAKE2b digest (deterministic across
    processes), so memory is bounded by the text seen, not by Python objects per n-gram.
    Equals :func:`distinct_n` unless two of the n-grams collide in 64 bits.
    """

    def __init__(self, orders: tuple[int, ...] = (1, 2)) -> None:
        from array import array

        self.orders = orders
        self._grams = {n: array("Q") for n in orders}
        self._total = dict.fromkeys(orders, 0)
        self.responses = 0
        """Responses added (the ``n`` of distinct-n)."""

    def add(self, text: str) -> None:
        import hashlib

        self.responses += 1
        toks = tokens(text)
        for n in self.orders:
            grams = self._grams[n]
            for i in range(len(toks) - n + 1):
                key = "\x1f".join(toks[i:i + n]).encode("utf-8", "surrogatepass")
                grams.append(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big"))
                self._total[n] += 1
            if len(grams) > 1 << 16:  # fold duplicates now and then: memory ~ distinct n-grams
                folded = type(grams)("Q")
                folded.frombytes(np.unique(np.frombuffer(grams, dtype=np.uint64)).tobytes())
                self._grams[n] = folded

    def value(self, n: int) -> float:
        total = self._total[n]
        return len(np.unique(np.frombuffer(self._grams[n], dtype=np.uint64))) / total if total else 0.0


def generation_references(env_id: str, data_dir: str | None = None) -> dict[int, list[str]] | None:
    """Real assistant turns per strategy (MG-ShopDial), or ``None`` when they are not available.

    For the Mgshop envs only, and only when the MG-ShopDial data can be located
    (``data_dir``, ``$GOPO_DATA_DIR/mgshopdial`` or the fetch cache; ``docs/data.md``): each
    strategy's references are the real assistant turns the calibration mapping labels with it
    (``mgshopdial.surface.reference_utterances``). Without the data no BLEU/ROUGE-L is
    computed: scoring against the built-in writer's own templates would reward copying them
    (the random expert scored BLEU 0.95 there, above the scripted SOP).
    """
    from gopo_env.domains.registry import domain_factory
    from gopo_env.registration import spec_of

    try:
        domain = spec_of(env_id).domain
    except KeyError:
        return None
    key = f"real:{domain}:{data_dir}"
    if key not in _REFERENCES:
        # the domain's own hook (Domain.reference_responses), called on the class: no scenarios built
        _REFERENCES[key] = domain_factory(domain).reference_responses(data_dir)  # type: ignore[assignment]
    return _REFERENCES[key]


_REFERENCES: dict[str, dict[int, list[str]]] = {}


def realizer_references(env_id: str, per_strategy: int = 16) -> dict[int, list[str]]:
    """The built-in realizer's texts per strategy on the train split (for diagnostics only).

    Not used for scoring: a response copied from the realizer would score near 1.

    At every turn of the built-in SOP agent on each train scenario (seed 0) the realizer writes
    a response for every strategy; the first ``per_strategy`` distinct texts of each strategy
    are kept. Deterministic, computed once per process and env.
    """
    if env_id in _REFERENCES:
        return _REFERENCES[env_id]
    import gymnasium as gym

    d = gym.make(env_id.removeprefix("gopo_env:"), split="train").unwrapped.dialogue
    refs: dict[int, list[str]] = {s: [] for s in range(d.n_strategies)}
    for sid in d.scenario_ids("train"):
        d.reset(0, sid)
        while not d.done:
            for s, found in refs.items():
                if len(found) < per_strategy:
                    text = d.episode.realize(s)
                    if text not in found:
                        found.append(text)
            d.choose(d.builtin_strategy())
            d.respond(d.realize())
        if all(len(v) >= per_strategy for v in refs.values()):
            break
    _REFERENCES[env_id] = refs
    return refs


# ---------------------------------------------------------------------- per episode, all
EPISODE_METRICS: dict[str, Callable[[Record], float]] = {
    "success": success, "tse": tse, "esndcg": esndcg, "gre": gre, "return": episode_return,
    "turns": turns, "length": response_length,
}
GENERATION_METRICS = ("bleu", "rouge_l")
"""Against real references, for entries that write their own text; never claimed, never ranked."""
CORPUS_METRICS = ("distinct_1", "distinct_2")
HEADLINE = "tse"


def episode_metrics(ep: Record, scorer: GenerationScorer | None) -> dict[str, float]:
    """Every per-episode metric of one recorded episode (generation ones if a scorer is given)."""
    out = {name: float(fn(ep)) for name, fn in EPISODE_METRICS.items()}
    if scorer is not None:
        out.update(scorer.episode(ep))
    return out


# ---------------------------------------------------------------------- reliability
def pass_hat_k(successes: Mapping[str, Sequence[bool]], k: int) -> float:
    """pass^k: the chance that k runs of a scenario all succeed, averaged over scenarios.

    With ``n`` recorded runs of a scenario of which ``c`` succeeded, the unbiased estimate is
    ``C(c, k) / C(n, k)`` (τ-bench); for ``k = n`` it is "solved in all runs".
    """
    if not successes:
        return 0.0
    total = 0.0
    for runs in successes.values():
        n, c = len(runs), sum(bool(r) for r in runs)
        if k > n:
            raise ValueError(f"pass^{k} needs at least {k} runs per scenario, got {n}")
        total += math.comb(c, k) / math.comb(n, k)
    return total / len(successes)


# ---------------------------------------------------------------------- aggregation
def _by_scenario(values: Mapping[tuple[str, int], float]) -> tuple[list[str], np.ndarray]:
    """Scenario ids and per-scenario means over trials (the bootstrap resamples scenarios)."""
    groups: dict[str, list[float]] = {}
    for (sid, _trial), v in sorted(values.items()):
        groups.setdefault(sid, []).append(v)
    ids = sorted(groups)
    return ids, np.array([math.fsum(groups[s]) / len(groups[s]) for s in ids], dtype=np.float64)


def bootstrap_ci(x: np.ndarray, level: float = 0.95, samples: int = BOOTSTRAP_SAMPLES,
                 seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``x`` (seeded: the same input, the same CI)."""
    if len(x) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(samples, len(x)))].mean(axis=1)
    alpha = (1.0 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def summarize(per_episode: Mapping[tuple[str, int], Mapping[str, float]]) -> dict[str, dict[str, Any]]:
    """Mean and 95% bootstrap CI of each metric over scenarios (trials averaged per scenario)."""
    names = list(next(iter(per_episode.values()))) if per_episode else []
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        ids, x = _by_scenario({key: m[name] for key, m in per_episode.items()})
        lo, hi = bootstrap_ci(x)
        out[name] = {"mean": float(x.mean()) if len(x) else 0.0, "ci": [lo, hi], "n": len(ids)}
    return out


def aggregate(episodes: Sequence[Record], per_episode: Sequence[Mapping[str, float]],
              trials: int) -> dict[str, dict[str, Any]]:
    """The claimed metrics of a submission: per-episode means with CIs, pass^k, distinct-n."""
    keyed = {(ep["scenario_id"], ep["trial"]): m for ep, m in zip(episodes, per_episode)}
    out = summarize(keyed)
    runs: dict[str, list[bool]] = {}
    for ep in sorted(episodes, key=lambda e: (e["scenario_id"], e["trial"])):
        runs.setdefault(ep["scenario_id"], []).append(bool(ep["outcome"]["success"]))
    for k in range(1, trials + 1):
        out[f"pass^{k}"] = {"mean": pass_hat_k(runs, k), "ci": None, "n": len(runs)}
    texts = [t["response"] or "" for ep in episodes for t in ep["turns"]]
    for n, name in enumerate(CORPUS_METRICS, 1):
        out[name] = {"mean": distinct_n(texts, n), "ci": None, "n": len(texts)}
    return out


def aggregate_light(per_episode: Sequence[tuple[str, int, bool, Mapping[str, float]]], trials: int,
                    distinct: DistinctCounter) -> dict[str, dict[str, Any]]:
    """:func:`aggregate` from (scenario id, trial, success, metrics) tuples and a distinct counter.

    What streaming validation keeps per episode; equal to :func:`aggregate` on the same run.
    """
    out = summarize({(sid, trial): m for sid, trial, _, m in per_episode})
    runs: dict[str, list[bool]] = {}
    for sid, _trial, ok, _ in sorted(per_episode, key=lambda e: (e[0], e[1])):
        runs.setdefault(sid, []).append(ok)
    for k in range(1, trials + 1):
        out[f"pass^{k}"] = {"mean": pass_hat_k(runs, k), "ci": None, "n": len(runs)}
    for n, name in enumerate(CORPUS_METRICS, 1):
        out[name] = {"mean": distinct.value(n), "ci": None, "n": distinct.responses}
    return out


def paired_bootstrap(a: Mapping[tuple[str, int], float], b: Mapping[tuple[str, int], float],
                     samples: int = BOOTSTRAP_SAMPLES, seed: int = BOOTSTRAP_SEED) -> dict[str, Any]:
    """Paired bootstrap test of mean(a) - mean(b) over the episodes both share.

    Episodes are paired by (scenario id, seed); the bootstrap resamples scenarios. The p-value
    is two-sided: twice the share of resampled differences on the far side of zero (capped at 1).
    Returns ``n = 0`` and ``p_value = None`` when nothing is shared.
    """
    common = sorted(set(a) & set(b))
    if not common:
        return {"delta": None, "ci": None, "p_value": None, "n": 0}
    _, xa = _by_scenario({k: a[k] for k in common})
    _, xb = _by_scenario({k: b[k] for k in common})
    diff = xa - xb
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(samples, len(diff)))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    delta = float(diff.mean())
    if np.all(diff == 0):
        p = 1.0
    else:
        far = np.mean(means <= 0.0) if delta > 0 else np.mean(means >= 0.0)
        p = min(1.0, 2.0 * float(far))
    return {"delta": delta, "ci": [float(lo), float(hi)], "p_value": p, "n": len(diff)}
