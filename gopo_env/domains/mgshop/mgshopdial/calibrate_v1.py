"""The numbers behind ``GOPO-Mgshop-v1``'s customer, measured on MG-ShopDial, and its fidelity.

Every v1 behaviour (``gopo_env.domains.mgshop.v1``) reads one number of
:class:`~gopo_env.domains.mgshop.v1.MgshopV1Params`; this module measures each on the 64 real
dialogues with the records and counting rules of :mod:`.calibrate` (majority intents, turns as
runs of one speaker; docs/calibration.md), writes ``calibrated_v1.json`` and reports real
against simulated statistics: the v0 table (every statistic of :func:`.calibrate.compare`) plus
the v1 rows below, for the SOP assistant on ``GOPO-Mgshop-v1``.

    gopo-bench calibrate mgshop --version 1 [--out gopo_env/domains/mgshop/calibrated_v1.json] [--report]

Definitions (customer turns pooled by their weight; "preference statement" = disclose or answer
mass of a customer turn after an elicitation — elicit_need, elicit_preferences, clarify — or
disclose mass after a product move — search, recommend, explain):

* ``latent_share`` (sets ``p_latent``): preference statements made after a product move / all;
* ``explorer_share`` (sets ``p_explorer``): dialogues with more statements after product moves
  than after elicitations;
* ``reveal_on_reject`` (sets ``reveal_on_reject``): customer turns with negative-feedback mass
  that also carry disclose mass / turns with negative-feedback mass (real only: a simulated turn
  has one intent, so this cannot be read off simulated records);
* ``low_prefs_share`` (sets ``p_low_prefs``): low-constraint dialogues whose customer makes a
  statement after elicit_preferences, clarify or a product move;
* ``nf_after_product`` (checked, not fitted): negative-feedback mass per customer turn after a
  product move;
* ``presentations`` (checked): search + recommend moves per dialogue.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from gopo_env.domains.mgshop.mgshopdial.fidelity import Row, _fmt, compare, relative_error, verdict
from gopo_env.domains.mgshop.mgshopdial.fit import data_sha256
from gopo_env.domains.mgshop.mgshopdial.stats import DialogueRecord, real_record, simulate, statistics
from gopo_env.domains.mgshop.params import MgshopParams
from gopo_env.domains.mgshop.v1 import V1_PARAMS_PATH, MgshopV1Params

ELICITATIONS = ("elicit_need", "elicit_preferences", "clarify")
PRODUCT_MOVES = ("search", "recommend", "explain")
FITTED = {"latent_share": "p_latent", "explorer_share": "p_explorer",
          "reveal_on_reject": "reveal_on_reject", "low_prefs_share": "p_low_prefs"}


def v1_statistics(records: Sequence[DialogueRecord]) -> dict[str, float | None]:
    """The v1 statistics of real or simulated records (definitions in the module docstring)."""
    if not records:
        raise ValueError("no dialogues to compute statistics on")
    elicited = latent = 0.0
    nf_turns = nf_with_disclose = 0.0
    after_product = nf_after = 0.0
    explorers = low = low_prefs = 0
    presentations = []
    for r in records:
        e = lat = late_any = 0.0
        for prev, mass in r.customer:
            m = dict(mass)
            if prev in ELICITATIONS:
                e += m.get("disclose", 0.0) + m.get("answer", 0.0)
                if prev != "elicit_need":
                    late_any += m.get("disclose", 0.0) + m.get("answer", 0.0)
            elif prev in PRODUCT_MOVES:
                lat += m.get("disclose", 0.0)
                late_any += m.get("disclose", 0.0)
                after_product += 1.0
                nf_after += m.get("nf", 0.0)
            if m.get("nf", 0.0) > 0:
                nf_turns += 1.0
                nf_with_disclose += m.get("disclose", 0.0) > 0
        elicited += e
        latent += lat
        explorers += lat > e
        if r.constraint == "low":
            low += 1
            low_prefs += late_any > 0
        presentations.append(sum(m in ("search", "recommend") for m in r.moves))
    single_intent = all(len(mass) == 1 for r in records for _, mass in r.customer)
    return {
        "latent_share": latent / (latent + elicited) if latent + elicited else 0.0,
        "explorer_share": explorers / len(records),
        "reveal_on_reject": None if single_intent or not nf_turns else nf_with_disclose / nf_turns,
        "low_prefs_share": low_prefs / low if low else None,
        "nf_after_product": nf_after / after_product if after_product else 0.0,
        "presentations": sum(presentations) / len(presentations),
    }


def estimate(real: dict[str, float | None], base: MgshopV1Params | None = None) -> MgshopV1Params:
    """The v1 parameters read off the real statistics (a statistic that is None keeps ``base``)."""
    base = base or MgshopV1Params()
    return replace(base, **{p: round(float(real[s]), 4) for s, p in FITTED.items() if real[s] is not None})


FIT_EPISODES = 300
"""Simulated episodes (train split, seeds ``seed..seed+299``) per point of the v1 fit."""


def _bisect(stat, target: float, lo: float = 0.0, hi: float = 1.0, steps: int = 6) -> float:
    """The x in [lo, hi] where the (increasing) simulated statistic ``stat(x)`` meets ``target``."""
    for _ in range(steps):
        mid = (lo + hi) / 2
        if stat(mid) < target:
            lo = mid
        else:
            hi = mid
    return round((lo + hi) / 2, 4)


def fit_v1(real_records: Sequence[DialogueRecord], base: MgshopParams, *,
           episodes: int = FIT_EPISODES, seed: int = 0) -> MgshopV1Params:
    """Direct estimates (:func:`estimate`), then two seeded bisections under the scripted SOP:
    ``p_latent`` so that the simulated ``latent_share`` meets the real one (statements include
    the need and the budget, which are never latent, so the per-attribute chance is higher than
    the share), and ``p_taste_reject`` so that the share of dialogues with a second
    recommendation meets the real one (critiques also cause second recommendations). Nothing
    here looks at any agent's score."""
    from gopo_env.domains.mgshop import v1 as v1mod

    real_v1 = v1_statistics(real_records)
    real = statistics(real_records)
    params = estimate(real_v1)

    def sim(p: MgshopV1Params) -> tuple[DialogueRecord, ...]:
        v1mod.v1_params.cache_clear()
        v1mod._OVERRIDE = p
        try:
            return simulate(base, episodes, seed, env_id="GOPO-Mgshop-v1")
        finally:
            v1mod._OVERRIDE = None
            v1mod.v1_params.cache_clear()

    params = replace(params, p_latent=_bisect(
        lambda x: v1_statistics(sim(replace(params, p_latent=x)))["latent_share"], real_v1["latent_share"]))
    if real.second_recommend is not None:
        params = replace(params, p_taste_reject=_bisect(
            lambda x: statistics(sim(replace(params, p_taste_reject=x))).second_recommend or 0.0,
            real.second_recommend))
    return params


def write_v1_params(params: MgshopV1Params, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write the parameter file atomically (a ``_meta`` header first)."""
    path = Path(path)
    text = json.dumps({"_meta": meta, **asdict(params)}, indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def v1_rows(real: dict[str, float | None], sim: dict[str, float | None]) -> list[Row]:
    rows = []
    for name in ("latent_share", "explorer_share", "low_prefs_share", "nf_after_product", "presentations"):
        r, s = real[name], sim[name]
        if r is None or s is None:
            continue
        div = relative_error(r, s)
        rows.append(Row(name, "rel", r, s, div))
    return rows


def run_calibrate_v1(data_dir: str | Path | None = None, *, out: str | Path | None = None,
                     report: bool = False, episodes: int = 600, seed: int = 0,
                     params: str | Path | MgshopParams = "calibrated") -> str:
    """What ``gopo-bench calibrate mgshop --version 1`` does; returns the text to print."""
    from gopo_env.domains.mgshop.mgshopdial.loader import load_mgshopdial

    if episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {episodes}")
    data = load_mgshopdial(data_dir)
    records = [real_record(d) for d in data.dialogues]
    real_v1 = v1_statistics(records)
    base = params if isinstance(params, MgshopParams) else MgshopParams.load(params)
    lines = []
    fitted = None
    if out is not None or not report:
        fitted = fit_v1(records, base, seed=seed)
        source = Path(data.root) / "MGShopDial" / "MGShopDial.json"
        meta = {"source": "MG-ShopDial (MGShopDial/MGShopDial.json)",
                "data_sha256": data_sha256(source) if source.is_file() else None,
                "dialogues": len(records),
                "command": "gopo-bench calibrate mgshop --version 1 --data-dir ../shared/data/mgshopdial "
                           "--out gopo_env/domains/mgshop/calibrated_v1.json",
                "doc": "docs/calibration.md (GOPO-Mgshop-v1)"}
        if out is None:
            return json.dumps({"_meta": meta, **asdict(fitted)}, indent=2) + "\n"
        write_v1_params(fitted, out, meta)
        lines.append(f"wrote {out} (measured on {len(records)} MG-ShopDial dialogues)")
    if report:
        from gopo_env.domains.mgshop import v1 as v1mod

        v1mod._OVERRIDE = fitted
        v1mod.v1_params.cache_clear()
        try:
            sim_records = simulate(base, episodes, seed, env_id="GOPO-Mgshop-v1")
        finally:
            v1mod._OVERRIDE = None
            v1mod.v1_params.cache_clear()
        real, sim = statistics(records), statistics(sim_records)
        rows = compare(real, sim) + v1_rows(real_v1, v1_statistics(sim_records))
        lines.append(f"GOPO-Mgshop-v1 fidelity: {len(records)} real dialogues vs {episodes} simulated "
                     "(scripted SOP, train split)")
        lines.append("| statistic | measure | real | sim v1 | div | |")
        lines.append("|---|---|---|---|---|---|")
        for row in rows:
            star = "" if row.judged else "*"
            mark = ("ok" if row.ok else "--") if row.judged else ""
            lines.append(f"| {row.name} | {row.kind}{star} | {_fmt(row.real)} | {_fmt(row.sim)} | "
                         f"{row.divergence:.3f} | {mark} |")
        name, n_ok, n = verdict(rows)
        lines.append(f"verdict: {name} ({n_ok}/{n} judged statistics match)")
        lines.append("reveal_on_reject (real): " + (f"{real_v1['reveal_on_reject']:.3f}"
                                                   if real_v1["reveal_on_reject"] is not None else "n/a")
                     + " — set directly; a simulated turn has one intent, so it is not re-measured")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="GOPO-Mgshop-v1 customer numbers from MG-ShopDial")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help=f"write the parameter file (shipped: {V1_PARAMS_PATH.name})")
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--episodes", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    print(run_calibrate_v1(args.data_dir, out=args.out, report=args.report, episodes=args.episodes,
                           seed=args.seed), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
