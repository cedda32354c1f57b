"""The headline benchmark, by job: :mod:`.entrants` (what is compared, budgets), :mod:`.run`
(training, evaluation, aggregation) and :mod:`.report` (table, plots)."""

from leaderboard.bench.entrants import BUDGETS, ENTRANTS, BenchmarkError, Budget, Entrant, select
from leaderboard.bench.report import markdown, write_plots
from leaderboard.bench.run import check_env, env_overrides, parse_env_kwargs, run, run_one

__all__ = ["BUDGETS", "ENTRANTS", "BenchmarkError", "Budget", "Entrant", "check_env", "env_overrides",
           "markdown", "parse_env_kwargs", "run", "run_one", "select", "write_plots"]
