"""Mgshop's command-line commands, registered through ``MgshopDomain.commands``.

``gopo-bench calibrate mgshop ...`` is built from :func:`calibrate_arguments` and runs
:func:`calibrate`; the CLI knows nothing of the domain beyond these two names.
"""

from __future__ import annotations

import argparse


def calibrate_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``gopo-bench calibrate mgshop``."""
    parser.add_argument("--data-dir", default=None, metavar="PATH",
                        help="MG-ShopDial folder (default: $GOPO_DATA_DIR/mgshopdial, else the fetch cache)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the fitted parameter file here")
    parser.add_argument("--report", action="store_true",
                        help="print real vs simulated statistics (defaults and --params) and save --plot")
    parser.add_argument("--params", default="calibrated", metavar="FILE",
                        help="parameters the report compares besides the defaults (default: the shipped "
                             "'calibrated'; the freshly fitted ones with --out)")
    parser.add_argument("--plot", default="intents_real_vs_sim.png", metavar="FILE",
                        help="intent plot of --report (default: %(default)s)")
    parser.add_argument("--episodes", type=int, default=None, metavar="N",
                        help="simulated episodes (default: 400 per fit grid point, 600 for the report)")
    parser.add_argument("--seed", type=int, default=0, help="simulator seed (default: %(default)s)")
    parser.add_argument("--version", type=int, default=0, choices=(0, 1),
                        help="dynamics version: 0 fits MgshopParams (calibrated.json); 1 measures the "
                             "GOPO-Mgshop-v1 customer's numbers (calibrated_v1.json) and reports v1 "
                             "fidelity (default: %(default)s)")


def calibrate(args: argparse.Namespace) -> str:
    """Fit the simulator to MG-ShopDial (or report fidelity); returns the text to print.

    Raises ``GopoError`` / ``ValueError`` / ``OSError`` / ``ImportError`` with a message that
    says what to fix.
    """
    if getattr(args, "version", 0) == 1:
        from gopo_env.domains.mgshop.mgshopdial.calibrate_v1 import run_calibrate_v1

        return run_calibrate_v1(args.data_dir, out=args.out, report=args.report, params=args.params,
                                episodes=args.episodes or 600, seed=args.seed)
    from gopo_env.domains.mgshop.mgshopdial.calibrate import run_calibrate

    return run_calibrate(args.data_dir, out=args.out, report=args.report, plot=args.plot,
                         params=args.params, episodes=args.episodes, seed=args.seed)
