"""Grounding report of the MultiWOZ customer: simulated vs real dialogue statistics.

    gopo-bench calibrate multiwoz --report [--data-dir DIR] [--seed 0] [--json PATH]
    python -m gopo_env.domains.multiwoz.fidelity [same options]

Real side: the 999 validation dialogues of MultiWOZ 2.1 (human customer, human wizard).
Simulated side: one episode per validation goal (the same 999 goals), the agenda customer
(:mod:`.simulator`) served by the built-in SOP expert and template writer, seed ``seed + i``
for goal ``i``. Both sides are reduced to the same :class:`DialogueStats` by one function
each and compared statistic by statistic, as the Mgshop fidelity report does
(``docs/calibration.md``): Jensen-Shannon divergence (base 2, 0 = identical, 1 = disjoint)
for distributions, relative error ``|sim - real| / real`` for means; a statistic *matches*
when JS ≤ 0.2 or relative error ≤ 0.25 (the same thresholds).

User acts are counted from the 2.1 ``dialog_act`` annotation of user turns (real) and from the
simulated customer's hidden acts (``CustomerAct.disclosed``), mapped to the 2.1 intents:
``inform`` (constraints and booking details), ``request``, ``bye``, ``thank``, ``greet``, and
``accept/decline`` (the simulated customer's answer to a booking offer, which the 2.1 scheme
leaves unlabelled or labels as the booking details). The simulated customer thanks in the text
of every turn that answers a served agenda item; such a turn counts one ``thank`` act (our
reading of its behaviour, an interpretation). The SOP expert is not a human wizard: turn counts
and the customer's reactions depend on it, so the report measures the *pair*.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gopo_env.domains.multiwoz.data import DOMAINS, load_dialogues

INTENTS = ("inform", "request", "thank", "bye", "greet", "accept/decline")
THRESHOLDS = {"js": 0.2, "rel": 0.25}
"""A statistic matches when its JS divergence or relative error is at most this (as for Mgshop)."""
TURN_BINS = ("1-3", "4-5", "6-7", "8-9", "10-11", "12-14", "15-19", "20+")


@dataclass
class DialogueStats:
    """One dialogue reduced to what the report compares (the same fields for real and simulated)."""

    user_turns: int
    """Customer turns (the real dialogues alternate user/system and end on a system turn; the
    simulated ones end on the customer's goodbye, which no system turn follows)."""
    user_intents: Counter = field(default_factory=Counter)
    """User acts by intent (:data:`INTENTS`)."""
    user_domains: Counter = field(default_factory=Counter)
    """Domain user acts (inform/request) by domain."""
    acts_per_turn: list[int] = field(default_factory=list)
    """Domain acts (inform/request) per user turn that has at least one."""
    words_per_turn: list[int] = field(default_factory=list)
    """Words per user turn."""

    @property
    def domains_talked(self) -> int:
        return len(self.user_domains)


def _turn_bin(turns: int) -> str:
    bounds = ((3, "1-3"), (5, "4-5"), (7, "6-7"), (9, "8-9"), (11, "10-11"), (14, "12-14"), (19, "15-19"))
    for upper, name in bounds:
        if turns <= upper:
            return name
    return "20+"


# -------------------------------------------------------------------------------- the two sides

def real_stats(dialogue: Any) -> DialogueStats:
    """Statistics of one loaded 2.1 dialogue (``data.Dialogue``: ``log`` with user turns even)."""
    log = dialogue.log
    stats = DialogueStats(user_turns=len(log[0::2]))
    for turn in log[0::2]:
        stats.words_per_turn.append(len(str(turn.get("text", "")).split()))
        n_domain = 0
        for act, pairs in (turn.get("dialog_act") or {}).items():
            domain, _, intent = str(act).partition("-")
            domain, intent = domain.lower(), intent.lower()
            for _ in pairs:
                if domain == "general":
                    if intent in ("thank", "bye", "greet"):
                        stats.user_intents[intent] += 1
                    continue
                if domain in DOMAINS and intent in ("inform", "request"):
                    stats.user_intents[intent] += 1
                    stats.user_domains[domain] += 1
                    n_domain += 1
        if n_domain:
            stats.acts_per_turn.append(n_domain)
    return stats


def _sim_turn(stats: DialogueStats, utterance: str, intent: str, achieved: Sequence[str],
              disclosed: Sequence[tuple[str, str]]) -> None:
    stats.words_per_turn.append(len(utterance.split()))
    n_domain = 0
    for key, _value in disclosed:
        domain, _, rest = key.partition("-")
        if domain == "general":
            if rest in ("thank", "bye", "greet"):
                stats.user_intents[rest] += 1
            continue
        if rest == "booking":
            stats.user_intents["accept/decline"] += 1
            continue
        intent_name = "request" if rest == "request" else "inform"
        stats.user_intents[intent_name] += 1
        stats.user_domains[domain] += 1
        n_domain += 1
    if achieved and intent != "bye":
        stats.user_intents["thank"] += 1
    if n_domain:
        stats.acts_per_turn.append(n_domain)


def simulated_stats(data_dir: str | Path | None = None, seed: int = 0,
                    limit: int | None = None) -> list[DialogueStats]:
    """One SOP-expert episode per validation goal (goal ``i`` with seed ``seed + i``).

    Each customer turn is read from the transcript (text, intent, achieved items) and the
    episode's log of the customer's hidden acts (``disclosed_log``, one entry per turn).
    """
    from gopo_env.core.dialogue import Dialogue
    from gopo_env.domains.multiwoz.domain import MultiwozDomain

    dialogue = Dialogue(MultiwozDomain(data_dir), split="dev")
    ids = [f"multiwoz-dev-{d.id}" for d in load_dialogues("dev", data_dir)[:limit]]
    out = []
    for i, scenario_id in enumerate(ids):
        dialogue.reset(seed=seed + i, scenario_id=scenario_id)
        while not dialogue.done:
            dialogue.choose(dialogue.builtin_strategy())
            dialogue.respond(dialogue.realize())
        acts = dialogue.episode.disclosed_log  # type: ignore[union-attr]
        if len(acts) != len(dialogue.transcript):
            raise RuntimeError(f"{scenario_id}: {len(acts)} logged customer acts for "
                               f"{len(dialogue.transcript)} customer turns")
        stats = DialogueStats(user_turns=len(dialogue.transcript))
        for record, disclosed in zip(dialogue.transcript, acts):
            _sim_turn(stats, record.customer, record.intent, record.achieved, disclosed)
        out.append(stats)
    return out


# ---------------------------------------------------------------------------------- comparison

def js_divergence(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """Jensen-Shannon divergence, base 2, of two (unnormalised) distributions over string keys."""
    keys = sorted(set(p) | set(q))
    sp, sq = sum(p.values()) or 1.0, sum(q.values()) or 1.0
    total = 0.0
    for k in keys:
        a, b = p.get(k, 0.0) / sp, q.get(k, 0.0) / sq
        m = (a + b) / 2
        if a:
            total += 0.5 * a * math.log2(a / m)
        if b:
            total += 0.5 * b * math.log2(b / m)
    return max(total, 0.0)


def relative_error(sim: float, real: float) -> float:
    """``|sim - real| / |real|`` (1.0 when real is 0 and sim is not)."""
    if real == 0:
        return 0.0 if sim == 0 else 1.0
    return abs(sim - real) / abs(real)


def _mean(xs: Iterable[float]) -> float:
    xs = list(xs)
    return sum(xs) / len(xs) if xs else 0.0


def _pooled(stats: Sequence[DialogueStats], attr: str) -> Counter:
    total: Counter = Counter()
    for s in stats:
        total.update(getattr(s, attr))
    return total


def summarise(stats: Sequence[DialogueStats]) -> dict[str, Any]:
    """The compared statistics of one side (JSON-able)."""
    acts = [n for s in stats for n in s.acts_per_turn]
    return {
        "n_dialogues": len(stats),
        "turns_mean": _mean(s.user_turns for s in stats),
        "turns_hist": dict(Counter(_turn_bin(s.user_turns) for s in stats)),
        "user_intents": dict(_pooled(stats, "user_intents")),
        "user_domains": dict(_pooled(stats, "user_domains")),
        "domains_per_dialogue_mean": _mean(s.domains_talked for s in stats),
        "domains_per_dialogue_hist": {str(k): v for k, v in Counter(min(s.domains_talked, 4)
                                                                     for s in stats).items()},
        "acts_per_turn_mean": _mean(acts),
        "acts_per_turn_hist": {str(k): v for k, v in Counter(min(n, 5) for n in acts).items()},
        "requests_per_dialogue_mean": _mean(s.user_intents["request"] for s in stats),
        "words_per_user_turn_mean": _mean(n for s in stats for n in s.words_per_turn),
    }


ROWS = (
    ("user turns per dialogue", "js", "turns_hist"),
    ("user turns per dialogue (mean)", "rel", "turns_mean"),
    ("user act intents", "js", "user_intents"),
    ("user act domains", "js", "user_domains"),
    ("domains per dialogue (talked about)", "js", "domains_per_dialogue_hist"),
    ("domains per dialogue (mean)", "rel", "domains_per_dialogue_mean"),
    ("domain acts per user turn", "js", "acts_per_turn_hist"),
    ("domain acts per user turn (mean)", "rel", "acts_per_turn_mean"),
    ("requests per dialogue (mean)", "rel", "requests_per_dialogue_mean"),
    ("words per user turn (mean)", "rel", "words_per_user_turn_mean"),
)


def compare(real: Mapping[str, Any], sim: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per statistic: kind (``js``/``rel``), real, simulated, the divergence, match."""
    rows = []
    for name, kind, key in ROWS:
        value = js_divergence(real[key], sim[key]) if kind == "js" else relative_error(sim[key], real[key])
        rows.append({"statistic": name, "kind": kind, "real": real[key], "sim": sim[key],
                     "value": value, "match": value <= THRESHOLDS[kind]})
    return rows


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        total = sum(value.values()) or 1
        top = sorted(value.items(), key=lambda kv: -kv[1])[:4]
        return " ".join(f"{k}:{v / total:.2f}" for k, v in top)
    return f"{value:.2f}"


def format_report(rows: Sequence[Mapping[str, Any]]) -> str:
    """The comparison as a Markdown table, with the share of matching statistics."""
    lines = ["| statistic | kind | real | simulated | value | match |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['statistic']} | {r['kind']} | {_show(r['real'])} | {_show(r['sim'])} | "
                     f"{r['value']:.3f} | {'ok' if r['match'] else '--'} |")
    n_ok = sum(r["match"] for r in rows)
    lines.append("")
    lines.append(f"{n_ok} of {len(rows)} statistics match (JS <= {THRESHOLDS['js']}, "
                 f"relative error <= {THRESHOLDS['rel']}).")
    return "\n".join(lines)


def report(data_dir: str | Path | None = None, seed: int = 0, limit: int | None = None) -> dict[str, Any]:
    """Real and simulated summaries of the validation dialogues and their comparison rows."""
    real = summarise([real_stats(d) for d in load_dialogues("dev", data_dir)[:limit]])
    sim = summarise(simulated_stats(data_dir, seed, limit))
    return {"real": real, "simulated": sim, "rows": compare(real, sim), "seed": seed,
            "simulated_by": "agenda customer + built-in SOP expert and template writer"}


def calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gopo-bench calibrate multiwoz`` (a ``Domain.commands`` entry)."""
    parser.add_argument("--data-dir", default=None, metavar="PATH",
                        help="MultiWOZ folder (default: $GOPO_DATA_DIR/multiwoz, else the fetch cache)")
    parser.add_argument("--report", action="store_true",
                        help="print the grounding report (simulated vs real validation statistics)")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="without --report: write the fitted goal/turn statistics (fitted.json) here")
    parser.add_argument("--seed", type=int, default=0,
                        help="simulator seed of --report (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="--report on the first N validation goals only")
    parser.add_argument("--json", default=None, metavar="PATH", help="--report: also write it as JSON")


def calibrate(args: argparse.Namespace) -> str:
    """Fit the goal generator's statistics (``--out``) or print the grounding report (``--report``).

    Returns the text to print; ``ValueError`` when neither is asked for, ``DataError`` when
    MultiWOZ is absent.
    """
    if args.report:
        result = report(args.data_dir, args.seed, args.limit)
        text = format_report(result["rows"]) + "\n"
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            text += f"wrote {args.json}\n"
        return text
    if not args.out:
        raise ValueError("calibrate multiwoz: pass --report for the grounding report, or --out FILE to "
                         "write freshly fitted statistics (the shipped ones are gopo_env/domains/multiwoz/"
                         "fitted.json)")
    from gopo_env.domains.multiwoz.fit import fit

    fitted = fit(args.data_dir)
    Path(args.out).write_text(json.dumps(fitted, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return f"wrote {args.out} (fitted on {fitted['n_dialogues']} validation dialogues)\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    calibrate_arguments(p)
    args = p.parse_args(argv)
    args.report = args.report or not args.out
    print(calibrate(args), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
