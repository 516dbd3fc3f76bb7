"""``circuitheat reproduce``: the paper's Figs. 2–5 and every printed number, recomputed and checked.

- :mod:`.figures` — the data behind each figure (labelled xarray objects);
- :mod:`.checks` — the reference table: paper value, computed value, difference, verdict;
- :mod:`.report` — ``report.json`` and ``report.md``;
- :mod:`.runner` — :func:`reproduce`, which computes, draws, checks and writes everything.

Plotting lives in :mod:`circuitheat.plotting.paper`.
"""

from __future__ import annotations

from .checks import CHECKS, KNOWN_DISCREPANCIES, CheckResult, FigureData, run_checks
from .figures import FIG2_CASES, fig2_data, fig3_data, fig4_data, fig5_data
from .runner import ReproduceResult, ReproduceSettings, reproduce

__all__ = [
    "CHECKS",
    "FIG2_CASES",
    "KNOWN_DISCREPANCIES",
    "CheckResult",
    "FigureData",
    "ReproduceResult",
    "ReproduceSettings",
    "fig2_data",
    "fig3_data",
    "fig4_data",
    "fig5_data",
    "reproduce",
    "run_checks",
]
