r"""``reproduce``: compute, draw and check everything, with a progress bar on stderr.

One call writes into an output directory:

* ``fig2.{png,pdf}`` … ``fig5.{png,pdf}`` — the paper's Figs. 2–5 (Fig. 5 as the
  paper's 3-D surfaces), and ``fig_entropy.{png,pdf}`` — the entropy balance of
  Sec. IV (when :mod:`circuitheat.thermo` and :mod:`circuitheat.plotting.entropy` are
  importable);
* ``fig2.csv`` … ``fig5.csv`` — the numbers behind each figure;
* ``report.json`` and ``report.md`` — the reference table of
  :mod:`circuitheat.reproduce.checks`, the Aer-versus-direct deviation over the Fig. 2
  curves, the parameters, the package version and the wall time.

Every file is written atomically (:mod:`circuitheat.io`), and the reports last: a
directory without ``report.json`` is an interrupted run.
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import os
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from tqdm import tqdm

from .. import __version__
from ..io import atomic_savefig, atomic_write, prepare_output_dir
from ..paper import FIG2, FIG4_PEAK_RANGE
from ..plotting.labels import format_angle
from ..validation import check_count
from .checks import CHECKS, CheckResult, FigureData, check_aer, run_checks, summarize
from .figures import (
    FIG2_CASES,
    FIG2_COLLISIONS,
    FIG2_OSCILLATION_NOTE,
    FIG3_GAMMAS,
    fig2_data,
    fig2_model,
    fig3_data,
    fig4_data,
    fig4_temperatures,
    fig5_data,
    fig5_grid,
)
from .report import build_report, write_report_json, write_report_markdown

__all__ = ["ENTROPY_PHASE_DIFFERENCE", "ReproduceResult", "ReproduceSettings", "reproduce"]

#: Phase difference of the entropy figure: 5 pi/4, a Fig. 2 curve whose steady heat flows
#: from the cold into the hot reservoir (J_h^steady > 0), where the Clausius form of the
#: second law with effective temperatures fails but the entropy production stays >= 0.
ENTROPY_PHASE_DIFFERENCE = 5 * math.pi / 4


@dataclass(frozen=True)
class ReproduceSettings:
    """Resolution of every figure and the scope of the Aer comparison.

    Attributes
    ----------
    mode : str
        ``"default"`` or ``"quick"`` (for the report).
    fig2_collisions : int
        Collisions in Fig. 2 (x-axis range).
    fig3_points : int
        Phase differences per Fig. 3 panel.
    fig4_points : int
        Temperatures in Fig. 4.
    fig5_temperatures, fig5_differences : int
        Grid of Fig. 5 over T and ΔT.
    aer : bool
        Run the Aer circuit engine on the Fig. 2 curves (otherwise the row is "skipped").
    aer_collisions : int or None
        Collisions of each Fig. 2 curve run on Aer (a prefix); None: all of them.
    entropy : bool
        Draw the entropy figure when the entropy modules are available.
    dpi : int
        Resolution of the PNG files.
    """

    mode: str = "default"
    fig2_collisions: int = FIG2_COLLISIONS
    fig3_points: int = 721
    fig4_points: int = 600
    fig5_temperatures: int = 121
    fig5_differences: int = 41
    aer: bool = True
    aer_collisions: int | None = None
    entropy: bool = True
    dpi: int = 150

    def __post_init__(self) -> None:
        if self.mode not in ("default", "quick"):
            raise ValueError(f"mode must be 'default' or 'quick', got {self.mode!r}")
        check_count("fig2_collisions", self.fig2_collisions)
        check_count("fig3_points", self.fig3_points, minimum=3)
        check_count("fig4_points", self.fig4_points, minimum=2)
        check_count("fig5_temperatures", self.fig5_temperatures, minimum=2)
        check_count("fig5_differences", self.fig5_differences, minimum=2)
        check_count("dpi", self.dpi)
        if self.aer_collisions is not None:
            check_count("aer_collisions", self.aer_collisions)
            if self.aer_collisions > self.fig2_collisions:
                raise ValueError(f"aer_collisions must be <= fig2_collisions={self.fig2_collisions}, got {self.aer_collisions!r}")

    @classmethod
    def quick(cls, **changes) -> ReproduceSettings:
        """Coarser grids and Aer on the first 200 collisions of each curve (Fig. 2 keeps its full range)."""
        base = cls(
            mode="quick", fig3_points=181, fig4_points=150, fig5_temperatures=41, fig5_differences=11, aer_collisions=200, dpi=100
        )
        return replace(base, **changes)

    @property
    def n_aer(self) -> int:
        """Number of collisions per curve actually run on Aer."""
        return self.fig2_collisions if self.aer_collisions is None else self.aer_collisions


@dataclass(frozen=True)
class ReproduceResult:
    """What :func:`reproduce` wrote and found.

    Attributes
    ----------
    out_dir : Path
    files : tuple of str
        Names of the files written into ``out_dir``.
    checks : tuple of CheckResult
        Every row of the report, the Aer row last.
    summary : dict
        Counts by status (:func:`circuitheat.reproduce.checks.summarize`).
    wall_time : float
        Seconds from start to the report (the number in the report).
    report : dict
        The content of ``report.json``.
    """

    out_dir: Path
    files: tuple[str, ...]
    checks: tuple[CheckResult, ...]
    summary: dict
    wall_time: float
    report: dict

    @property
    def ok(self) -> bool:
        """True when no row failed except documented known discrepancies."""
        return self.summary["unexpected_failures"] == 0


def _environment() -> dict[str, str]:
    env = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": str(os.cpu_count())}
    for dist in ("numpy", "scipy", "xarray", "matplotlib", "qiskit", "qiskit-aer"):
        try:
            env[dist] = _dist_version(dist)
        except PackageNotFoundError:
            env[dist] = "not installed"
    return env


def _parameters(settings: ReproduceSettings) -> dict:
    t4 = fig4_temperatures(settings.fig4_points)
    t5, dt5 = fig5_grid(settings.fig5_temperatures, settings.fig5_differences)
    common = {
        "gamma": format_angle(FIG2["gamma"]),
        "delta": format_angle(FIG2["delta"]),
        "coherence_p": FIG2["coherence"],
        "omega": FIG2["omega"],
    }
    return {
        "settings": asdict(settings),
        "fig2": {
            **common,
            "t_hot": FIG2["t_hot"],
            "t_cold": FIG2["t_cold"],
            "initial_state": "|11> (ground)",
            "phase_differences": [c.label for c in FIG2_CASES if c.label != "thermal"],
            "thermal_curve": "p = 0",
            "collisions": settings.fig2_collisions,
        },
        "fig3": {
            "gamma": [format_angle(g) for g in FIG3_GAMMAS],
            "delta": common["delta"],
            "coherence_p": FIG2["coherence"],
            "t_hot": FIG2["t_hot"],
            "t_cold": FIG2["t_cold"],
            "omega": FIG2["omega"],
            "phase_points": settings.fig3_points,
        },
        "fig4": {
            **common,
            "curves": ["φ_h−φ_c = 0 (p=0.8)", "φ_h−φ_c = π (p=0.8)", "thermal (p=0)"],
            "temperatures": [float(t4[0]), float(t4[-1]), int(t4.size)],
            "peak_range": list(FIG4_PEAK_RANGE),
            "temperature_split": "T_h,c = T ± ΔT/2, ΔT → 0 (exact derivative)",
        },
        "fig5": {
            **common,
            "phase_differences": ["π/4", "5π/4"],
            "temperatures": [float(t5[0]), float(t5[-1]), int(t5.size)],
            "temperature_differences": [float(dt5[0]), float(dt5[-1]), int(dt5.size)],
            "temperature_split": "T_h,c = T ± ΔT/2",
        },
        "aer": {
            "enabled": settings.aer,
            "curves": len(FIG2_CASES),
            "collisions_per_curve": settings.n_aer if settings.aer else 0,
        },
    }


class _Progress:
    """A tqdm bar on stderr counting steps, with the current stage as its description."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = tqdm(total=total, file=sys.stderr, disable=not enabled, unit="step", dynamic_ncols=True, leave=True)
        self.stages: dict[str, float] = {}

    def step(self, text: str = "") -> None:
        if text:
            self.bar.set_postfix_str(text, refresh=False)
        self.bar.update(1)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.bar.set_description_str(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start

    def close(self) -> None:
        self.bar.close()


def _write_csv(path: Path, header: list[str], rows) -> None:
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([int(x) if isinstance(x, int | np.integer) else repr(float(x)) for x in row])


def _write_data(out: Path, data: FigureData) -> list[str]:
    """The numbers behind each figure, one CSV per figure (plain columns, one header row)."""
    f2, f3, f4, f5 = data.fig2, data.fig3, data.fig4, data.fig5
    cases = [str(c) for c in f2.case.values]
    _write_csv(
        out / "fig2.csv",
        ["n"] + [f"J_h[{c}]" for c in cases],
        ([n, *f2.heat_hot.sel(collision=n).values] for n in f2.collision.values),
    )
    gammas = [format_angle(float(g)) for g in f3.gamma.values]
    _write_csv(
        out / "fig3.csv",
        ["phi_h-phi_c"] + [f"J_h_steady[gamma={g}]" for g in gammas],
        ([phi, *f3.sel(phase_difference=phi).values] for phi in f3.phase_difference.values),
    )
    _write_csv(
        out / "fig4.csv",
        ["T"] + [f"kappa[{c}]" for c in f4.case.values],
        ([t, *f4.sel(temperature=t).values] for t in f4.temperature.values),
    )
    phases = [format_angle(float(p)) for p in f5.phase_difference.values]
    stacked = f5.transpose("temperature", "temperature_difference", "phase_difference")
    _write_csv(
        out / "fig5.csv",
        ["T", "dT"] + [f"J_h_steady[phi_h-phi_c={p}]" for p in phases],
        (
            [t, dt, *stacked.values[i, k]]
            for i, t in enumerate(f5.temperature.values)
            for k, dt in enumerate(f5.temperature_difference.values)
        ),
    )
    return ["fig2.csv", "fig3.csv", "fig4.csv", "fig5.csv"]


def _save(fig: Figure, out: Path, stem: str, dpi: int) -> list[str]:
    atomic_savefig(fig, out / f"{stem}.png", dpi=dpi)
    atomic_savefig(fig, out / f"{stem}.pdf")
    return [f"{stem}.png", f"{stem}.pdf"]


def _entropy_figure(settings: ReproduceSettings) -> tuple[Figure | None, str]:
    """The Sec. IV figure, or (None, reason) when the entropy modules are missing.

    Hook: uses :func:`circuitheat.thermo.entropy_balance` and
    :func:`circuitheat.plotting.entropy.plot_entropy_balance` / ``plot_second_law``.
    """
    try:
        from ..plotting.entropy import plot_entropy_balance, plot_second_law
        from ..thermo import entropy_balance, second_law_scan
    except ImportError as exc:  # the entropy modules are optional for reproduce
        return None, f"entropy figure not drawn: {exc}"
    from ..plotting.paper import parameter_title

    case = next(c for c in FIG2_CASES if abs(c.phase_difference - ENTROPY_PHASE_DIFFERENCE) < 1e-12 and c.coherence > 0)
    model = fig2_model(case)
    balance = entropy_balance(model, settings.fig2_collisions)
    fig = Figure(figsize=(12.0, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    plot_entropy_balance(balance, ax=ax1)
    ax1.set_title(rf"(a) entropy balance, $\phi_h-\phi_c={format_angle(case.phase_difference, 'tex')}$", fontsize=9)
    plot_second_law(second_law_scan(model), ax=ax2)
    ax2.set_title(r"(b) steady state versus $\phi_h-\phi_c$", fontsize=9)
    fig.suptitle("Sec. IV entropy: " + parameter_title({**FIG2, "initial_state": "11"}), fontsize=9)
    return fig, ""


def reproduce(
    out: str | os.PathLike,
    *,
    quick: bool = False,
    force: bool = False,
    aer: bool = True,
    progress: bool = True,
    settings: ReproduceSettings | None = None,
    command: str | None = None,
) -> ReproduceResult:
    """Reproduce the paper's Figs. 2–5 and printed numbers into ``out``.

    Parameters
    ----------
    out : path
        Output directory; created if missing. Must be empty unless ``force``.
    quick : bool
        Coarser grids and Aer on a prefix of each Fig. 2 curve
        (:meth:`ReproduceSettings.quick`); ignored when ``settings`` is given.
    force : bool
        Write into a non-empty directory (existing files of the same names are replaced).
    aer : bool
        Run the Aer circuit engine on the Fig. 2 curves. Without it the Aer row of the
        report is ``"skipped"`` (never ``"pass"``).
    progress : bool
        Show a progress bar on stderr.
    settings : ReproduceSettings, optional
        Full control over the resolutions (overrides ``quick``).
    command : str, optional
        The command line to record in the report.

    Returns
    -------
    ReproduceResult

    Raises
    ------
    FileExistsError
        If ``out`` is a non-empty directory and ``force`` is False.
    NotADirectoryError
        If ``out`` exists and is not a directory.
    """
    if settings is None:
        settings = ReproduceSettings.quick() if quick else ReproduceSettings()
    if not isinstance(settings, ReproduceSettings):
        raise TypeError(f"settings must be a ReproduceSettings, got {type(settings).__name__}")
    if not aer:
        settings = replace(settings, aer=False)
    out_dir = prepare_output_dir(out, force)
    started = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()
    n_cases = len(FIG2_CASES)
    total = n_cases + 3 + 5 + len(CHECKS) + (n_cases if settings.aer else 1) + 2
    bar = _Progress(total, progress)
    files: list[str] = []
    notes: list[str] = []
    try:
        from ..plotting.paper import plot_fig2, plot_fig3, plot_fig4, plot_fig5

        with bar.stage("Fig. 2 trajectories"):
            cases_done = []
            for case in FIG2_CASES:
                cases_done.append(fig2_data(settings.fig2_collisions, cases=(case,)))
                bar.step(case.label)
            f2 = xr.concat(cases_done, dim="case")
            f2.attrs = cases_done[0].attrs
        with bar.stage("Figs. 3-5 steady states"):
            f3 = fig3_data(settings.fig3_points)
            bar.step("Fig. 3")
            f4 = fig4_data(fig4_temperatures(settings.fig4_points))
            bar.step("Fig. 4")
            f5 = fig5_data(*fig5_grid(settings.fig5_temperatures, settings.fig5_differences))
            bar.step("Fig. 5")
        data = FigureData(f2, f3, f4, f5)

        with bar.stage("figures"):
            fig = Figure(figsize=(7.5, 5.0), layout="constrained")
            plot_fig2(f2, fig.add_subplot())
            files += _save(fig, out_dir, "fig2", settings.dpi)
            notes.append(FIG2_OSCILLATION_NOTE)
            bar.step("fig2")
            fig = Figure(figsize=(8.0, 6.0), layout="constrained")
            plot_fig3(f3, fig)
            files += _save(fig, out_dir, "fig3", settings.dpi)
            bar.step("fig3")
            fig = Figure(figsize=(6.4, 4.4), layout="constrained")
            plot_fig4(f4, fig.add_subplot())
            files += _save(fig, out_dir, "fig4", settings.dpi)
            bar.step("fig4")
            fig = Figure(figsize=(10.0, 8.0), layout="constrained")  # surfaces, then their Delta T dependence
            plot_fig5(f5, fig, kind="surface")
            files += _save(fig, out_dir, "fig5", settings.dpi)
            bar.step("fig5")
        with bar.stage("entropy figure"):
            if settings.entropy:
                efig, reason = _entropy_figure(settings)
                if efig is None:
                    notes.append(reason)
                else:
                    files += _save(efig, out_dir, "fig_entropy", settings.dpi)
                    notes.append(
                        "fig_entropy: Sec. IV entropy balance (Eqs. 16-27) for the Fig. 2 model at φ_h−φ_c = 5π/4, "
                        "and the steady entropy production versus the Clausius form with effective temperatures"
                    )
            else:
                notes.append("entropy figure not requested")
            bar.step("entropy")

        with bar.stage("reference checks"):
            rows = run_checks(data, callback=bar.step)

        with bar.stage("Aer circuits"):
            if not settings.aer:
                rows.append(check_aer(f2, None, reason="Aer comparison not run (--no-aer): this row is not a pass"))
                bar.step("Aer skipped")
            else:
                try:
                    from ..engines import aer as _aer  # noqa: F401 - fail early if the circuit engine is missing
                except ImportError as exc:
                    rows.append(check_aer(f2, None, reason=f"the Aer circuit engine is not available: {exc}"))
                    for _ in range(n_cases):
                        bar.step("Aer unavailable")
                else:
                    curves = []
                    for case in FIG2_CASES:
                        curves.append(fig2_data(settings.n_aer, engine="aer", cases=(case,)))
                        bar.step(f"Aer {case.label}")
                    aer_data = xr.concat(curves, dim="case")
                    note = ""
                    if settings.n_aer < settings.fig2_collisions:
                        note = (
                            f"{settings.mode} mode: Aer ran the first {settings.n_aer} of the {settings.fig2_collisions} "
                            "collisions of each curve; the default mode runs every collision"
                        )
                    rows.append(check_aer(f2, aer_data, note=note))

        with bar.stage("data files"):
            files += _write_data(out_dir, data)
            bar.step("csv")

        wall = time.perf_counter() - t0
        files += ["report.json", "report.md"]
        version = __version__
        report = build_report(
            rows,
            version=version,
            command=command or f"circuitheat reproduce --out {out_dir}" + (" --quick" if settings.mode == "quick" else ""),
            mode=settings.mode,
            started_utc=started,
            wall_time=wall,
            stage_seconds=bar.stages,
            parameters=_parameters(settings),
            environment=_environment(),
            files=files,
            notes=notes,
        )
        with bar.stage("report"):
            write_report_json(report, out_dir / "report.json")
            write_report_markdown(report, out_dir / "report.md")
            bar.step("report")
    finally:
        bar.close()
    return ReproduceResult(
        out_dir=out_dir, files=tuple(sorted(files)), checks=tuple(rows), summary=summarize(rows), wall_time=wall, report=report
    )
