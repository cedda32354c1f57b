"""Calibrate the Mgshop customer simulator to MG-ShopDial, and measure its fidelity.

Real and simulated dialogues are first reduced to the same :class:`DialogueRecord` (the
assistant's moves as strategies, the customer's turns as MG-ShopDial intent mass, the
scenario's type, constraint level and goals), using the tables of :mod:`.intents`; every
statistic is then computed by one function, :func:`statistics`, on either side.

The fit (:func:`fit`) sets each scenario-mix parameter and each behaviour probability
(``p_answer_label``, ``p_ask_recommendation``, ``p_clarify``, ``p_thanks``, ``p_taste_reject``,
``p_chitchat``) by a direct estimator on the real dialogues, and the persona ranges by a small
seeded grid search over simulated statistics;
:func:`write_params` writes the result atomically with a ``_meta`` header. :func:`compare`
and :func:`format_report` give the fidelity table (Jensen-Shannon divergence, base 2, for
distributions; relative error for means) and :func:`plot_intents` the intent plot.
See ``docs/calibration.md``. By job: :mod:`.stats` (records, statistics), :mod:`.fidelity`
(comparison, report, plot) and :mod:`.fit` (estimators, search, parameter file, the command);
this module is their public face.
"""


from gopo_env.domains.mgshop.mgshopdial.fidelity import (
    THRESHOLDS,
    Row,
    compare,
    format_report,
    js_divergence,
    plot_intents,
    relative_error,
    verdict,
)
from gopo_env.domains.mgshop.mgshopdial.fit import (
    DECISIVENESS_GRID,
    calibrate_mgshop,
    direct_estimates,
    fit,
    params_document,
    per_item_rate,
    run_calibrate,
    share_after,
    write_params,
)
from gopo_env.domains.mgshop.mgshopdial.stats import (
    FILLER,
    OPENING,
    DialogueRecord,
    Statistics,
    real_record,
    sim_record,
    simulate,
    statistics,
)
from gopo_env.domains.mgshop.params import CALIBRATED_PATH

__all__ = [
    "CALIBRATED_PATH", "DECISIVENESS_GRID", "FILLER", "OPENING", "THRESHOLDS", "DialogueRecord", "Row",
    "Statistics", "calibrate_mgshop", "compare",
    "direct_estimates", "fit", "format_report", "js_divergence", "params_document", "per_item_rate",
    "plot_intents",
    "real_record", "run_calibrate", "relative_error", "share_after", "sim_record", "simulate",
    "statistics", "verdict", "write_params",
]

