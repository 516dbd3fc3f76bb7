r"""The reference checks of ``circuitheat reproduce``: every number the paper prints, recomputed.

Each check is a function returning one or more :class:`CheckResult` rows: the
paper's value (as printed, from :mod:`circuitheat.paper`), the computed value, their
difference, the tolerance and the verdict. Printed numbers are compared at the
paper's printed precision (±1 in the last printed digit,
:func:`circuitheat.paper.printed_tolerance`); closed forms (Eqs. 14, 15, 33, B1) are
compared with the engine at double precision; statements of the text (orderings,
signs, peak positions) are checked as stated. :data:`CHECKS` lists them in report
order; :func:`run_checks` runs them on the figure data.

Nothing here adjusts a tolerance to make a row pass: a row that fails is reported as
``"fail"``. Where the paper's printed value disagrees with the exact computation by
more than its printed precision, the row fails and is listed in
:data:`KNOWN_DISCREPANCIES` with the reason.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import xarray as xr
from scipy.optimize import minimize_scalar

from ..channel import Channel
from ..closed_forms import (
    conductance_thermal,
    conductance_thermal_high_temperature,
    critical_coherence_full_swap,
    linear_response_full_swap,
    steady_heat_current_full_swap,
)
from ..paper import EQ31, EQ32, FIG2, FIG3_AXIS_LIMITS, FIG4_PEAK_RANGE, P_CRITICAL_PARTIAL_SWAP, PaperValue
from ..plotting.labels import format_angle
from ..states import ancilla_state, system_initial_state
from ..steady import conductance, critical_coherence, linear_response, steady_heat_current
from .figures import FIG3_GAMMAS, FIG4_CASES

__all__ = [
    "AER_ATOL",
    "B1_RTOL",
    "CHECKS",
    "CRITICAL_COHERENCE_ATOL",
    "ENGINE_ATOL",
    "FIG3_MIN_FILL",
    "KNOWN_DISCREPANCIES",
    "PRINTED_SLACK",
    "RANDOM_SEED",
    "RANDOM_SETS",
    "STATUSES",
    "STEADY_REACHED_FRACTION",
    "CheckResult",
    "FigureData",
    "check_aer",
    "run_checks",
    "summarize",
]

#: Possible verdicts of a row. "skipped" is never counted as a pass.
STATUSES = ("pass", "fail", "skipped")

#: Engine versus an exact identity or closed form (Eqs. 14, 15, 33; J_h = -J_c; phases only
#: through phi_h - phi_c): steady currents are O(0.1-1), the fixed point is one 16x16 solve,
#: so agreement is at the level of double-precision rounding (~1e-16); 1e-12 leaves
#: margin for ill-conditioned parameter sets while catching any real error.
ENGINE_ATOL = 1e-12
#: Aer density-matrix circuits versus the direct engine over the Fig. 2 curves: both are
#: exact, Aer accumulates rounding over ~10^4 gates per circuit, so 1e-10 (absolute,
#: currents are <= 0.04).
AER_ATOL = 1e-10
#: Relative tolerance between the engine's conductance and Eq. (B1): kappa spans
#: e^{-1/T}/T^2 ~ 1e-6..1e-3 on the plotted range; both are evaluated stably and agree
#: to ~1e-13 relative, so 1e-10 catches any error in either.
B1_RTOL = 1e-10
#: critical_coherence(pi/2, ...) versus the minimum over phase of Eq. (15): the root
#: is found to 1e-13 in p and the maximum over phase to 1e-12 rad (J is quadratic there),
#: so 1e-10 is far below anything physical and far above the numerical error.
CRITICAL_COHERENCE_ATOL = 1e-10
#: Fig. 3: the paper set each panel's y-range just above its curve (the printed limits
#: 0.2, 0.14, 0.05, 0.018 are not round multiples of one step). A computed extreme
#: inside the range but filling less than 3/4 of it would mean a curve the paper
#: could not have drawn with that range.
FIG3_MIN_FILL = 0.75
#: Fig. 2 reaches its steady state when, at the last plotted collision, |J_h(n) - J^steady|
#: is below this fraction of the curve's largest transient deviation |J_h(n) - J^steady|.
STEADY_REACHED_FRACTION = 0.01
#: Number of random parameter sets for the invariant checks (each costs one 16x16 solve
#: in a batched call).
RANDOM_SETS = 200
#: Seed of the random parameter sets (the checks are deterministic).
RANDOM_SEED = 20261124
#: Temperatures at which Eq. (B2) is compared with Eq. (B1).
B2_TEMPERATURES = (10.0, 100.0, 1000.0)
#: T^2 (B2/B1 - 1) must agree between the two highest temperatures to this relative
#: precision for the deviation to scale as T^-2 (B2 the leading high-T term of B1).
B2_SCALING_RTOL = 0.01

#: Relative slack on "±1 unit of the last printed digit": the printed value and the unit
#: are decimal, their float versions are not, so a difference of exactly one unit must not
#: be decided by binary rounding (1e-9 of a unit is far below any computed difference).
PRINTED_SLACK = 1e-9

#: Rows whose failure is a documented disagreement with a printed number, not a bug.
KNOWN_DISCREPANCIES: dict[str, str] = {
    "p_c partial swap": (
        "Known discrepancy: the exact critical coherence (first root in p of max over φ_h−φ_c of "
        "J_h^steady, solved to 1e-13 by critical_coherence) is 0.1563; the paper prints ≈ 0.155, "
        "1.3 units of its last printed digit below."
    ),
}

_PI = math.pi


@dataclass(frozen=True)
class CheckResult:
    """One row of the reference table.

    Attributes
    ----------
    id : str
        Short unique name of the row.
    quantity : str
        What is compared, in words.
    source : str
        Where the paper states it (equation, figure, section).
    parameters : str
        Parameters of the comparison.
    paper : str
        The paper's value as printed, or its statement.
    computed : float or str
        The computed value (a string when it is a list or a statement).
    difference : float or None
        computed - paper for printed numbers; the largest deviation for identities.
    tolerance : float or None
        The pass criterion's tolerance (see ``criterion``).
    criterion : str
        How pass/fail is decided.
    status : {"pass", "fail", "skipped"}
    note : str
        Anything a reader must know (why skipped, a known discrepancy, a caveat).
    """

    id: str
    quantity: str
    source: str
    parameters: str
    paper: str
    computed: float | str
    difference: float | None
    tolerance: float | None
    criterion: str
    status: str
    note: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def known_discrepancy(self) -> bool:
        """True for a failing row listed in :data:`KNOWN_DISCREPANCIES`."""
        return self.status == "fail" and self.id in KNOWN_DISCREPANCIES

    def to_dict(self) -> dict:
        """JSON-ready mapping (floats stay floats, ``known_discrepancy`` included)."""
        return {
            "id": self.id,
            "quantity": self.quantity,
            "source": self.source,
            "parameters": self.parameters,
            "paper": self.paper,
            "computed": self.computed,
            "difference": self.difference,
            "tolerance": self.tolerance,
            "criterion": self.criterion,
            "status": self.status,
            "known_discrepancy": self.known_discrepancy,
            "note": self.note,
        }


@dataclass(frozen=True)
class FigureData:
    """The computed figure data the checks read (see :mod:`circuitheat.reproduce.figures`)."""

    fig2: xr.Dataset
    fig3: xr.DataArray
    fig4: xr.DataArray
    fig5: xr.DataArray


def _verdict(ok: bool) -> str:
    return "pass" if bool(ok) else "fail"


_SEC5 = "p=0.8, γ=π/32, δ=π/4, T=1, T_h,c=T±ΔT/2, ω=1"
_FIG2_PARAMS = "p=0.8, γ=π/32, δ=π/4, T_h=2, T_c=1, ω=1"


def _printed_row(row_id: str, quantity: str, ref: PaperValue, computed: float, parameters: str) -> CheckResult:
    """Compare a computed number with a printed one at ±1 in the printed last digit."""
    diff = float(computed) - ref.value
    return CheckResult(
        id=row_id,
        quantity=quantity,
        source=ref.where,
        parameters=parameters,
        paper=ref.printed,
        computed=float(computed),
        difference=diff,
        tolerance=ref.tolerance,
        criterion="|computed − printed| ≤ 1 unit of the last printed digit",
        status=_verdict(abs(diff) <= ref.tolerance * (1 + PRINTED_SLACK)),
        note=KNOWN_DISCREPANCIES.get(row_id, "") if abs(diff) > ref.tolerance * (1 + PRINTED_SLACK) else "",
    )


def _random_parameters(n: int = RANDOM_SETS, seed: int = RANDOM_SEED) -> dict[str, np.ndarray]:
    """Seeded random parameter sets spanning the physical range (T in [0.1, 10], p in [0, 1])."""
    rng = np.random.default_rng(seed)
    return {
        "t_hot": rng.uniform(0.1, 10.0, n),
        "t_cold": rng.uniform(0.1, 10.0, n),
        "coherence": rng.uniform(0.0, 1.0, n),
        "delta": rng.uniform(0.01, _PI / 2 - 0.01, n),  # Eq. (14) is stated for delta in (0, pi/2)
        "phase_difference": rng.uniform(0.0, 2 * _PI, n),
        "phase_cold": rng.uniform(-_PI, 3 * _PI, n),
        "gamma": rng.uniform(0.05, _PI - 0.05, n),
    }


# --- Sec. III, Eqs. (14), (15) -------------------------------------------------------------


def check_eq14(data: FigureData) -> list[CheckResult]:
    r"""Eq. (14) against the engine at :math:`\gamma=\pi/2`: random sets and the Fig. 3(a) curve."""
    r = _random_parameters()
    engine = steady_heat_current(_PI / 2, r["delta"], r["t_hot"], r["t_cold"], r["coherence"], r["phase_difference"], 0.0)
    closed = steady_heat_current_full_swap(r["delta"], r["t_hot"], r["t_cold"], r["coherence"], r["phase_difference"])
    fig3a = data.fig3.sel(gamma=_PI / 2)
    closed_a = steady_heat_current_full_swap(
        FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"], FIG2["coherence"], fig3a.phase_difference.values
    )
    err = max(float(np.max(np.abs(engine - closed))), float(np.max(np.abs(fig3a.values - closed_a))))
    return [
        CheckResult(
            id="Eq. 14",
            quantity="J_h^steady at γ = π/2: closed form vs engine, max |Δ|",
            source="Eq. 14",
            parameters=f"{RANDOM_SETS} random sets (T_h, T_c ∈ [0.1, 10], p ∈ [0, 1], δ ∈ (0, π/2), any φ_h−φ_c) "
            "and the Fig. 3(a) curve",
            paper="formula",
            computed=err,
            difference=err,
            tolerance=ENGINE_ATOL,
            criterion="max |J_engine − J_Eq.14| ≤ tolerance",
            status=_verdict(err <= ENGINE_ATOL),
        )
    ]


def check_eq15(data: FigureData) -> list[CheckResult]:
    r"""Eq. (15): the engine's current vanishes at :math:`p_c`, and the minimum over phase is the critical coherence."""
    delta, th, tc = FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"]
    phases = np.linspace(_PI, 2 * _PI, 41)[1:-1]
    p_c = critical_coherence_full_swap(delta, th, tc, phases)
    admissible = np.isfinite(p_c) & (p_c <= 1.0)
    j = steady_heat_current(_PI / 2, delta, th, tc, p_c[admissible], phases[admissible], 0.0)
    zero_err = float(np.max(np.abs(j)))
    # Minimum over phase of Eq. (15): sin(phi_h - phi_c) = -1, i.e. phi_h - phi_c = 3 pi / 2.
    p_min = float(critical_coherence_full_swap(delta, th, tc, 3 * _PI / 2))
    p_root = critical_coherence(_PI / 2, delta, th, tc)
    return [
        CheckResult(
            id="Eq. 15 (J = 0 at p_c)",
            quantity="engine J_h^steady at γ = π/2, p = p_c(Eq. 15), max |J|",
            source="Eq. 15",
            parameters=f"δ=π/4, T_h=2, T_c=1; {int(admissible.sum())} phases in (π, 2π) with p_c ≤ 1",
            paper="0",
            computed=zero_err,
            difference=zero_err,
            tolerance=ENGINE_ATOL,
            criterion="max |J| ≤ tolerance",
            status=_verdict(zero_err <= ENGINE_ATOL),
        ),
        CheckResult(
            id="Eq. 15 (min over phase)",
            quantity="critical_coherence(γ = π/2) vs min over φ_h−φ_c of Eq. 15 (at 3π/2)",
            source="Eq. 15",
            parameters="δ=π/4, T_h=2, T_c=1, ω=1",
            paper=f"{p_min:.10f} (Eq. 15 at φ_h−φ_c = 3π/2)",
            computed=p_root,
            difference=p_root - p_min,
            tolerance=CRITICAL_COHERENCE_ATOL,
            criterion="|Δ| ≤ tolerance",
            status=_verdict(abs(p_root - p_min) <= CRITICAL_COHERENCE_ATOL),
        ),
    ]


#: Phase differences scanned when asking whether a finite run (the Fig. 2 range) could
#: explain the printed p_c: a uniform grid over [0, 2 pi), spacing 0.025 rad. J_h(n) is
#: smooth in the phase with amplitude ~0.016, so the grid maximum is within
#: 0.016 * (0.0125)^2 / 2 ~ 1e-6 of the true maximum.
_FINITE_RUN_PHASES = 256


def _finite_run_maximum(coherence: float, n_collisions: int) -> float:
    r"""max over :math:`\phi_h-\phi_c` of :math:`J_h(n)` at collision ``n_collisions`` (Fig. 2 parameters, :math:`|11\rangle`).

    :math:`J_h(n) = \mathrm{Tr}[G_h\,\Phi^{n-1}\rho_0] - \mathrm{Tr}[H\eta^h]`, one batched
    matrix power over the phase grid.
    """
    phases = np.linspace(0.0, 2 * _PI, _FINITE_RUN_PHASES, endpoint=False)
    eta_hot = ancilla_state(FIG2["t_hot"], coherence, phases, FIG2["omega"])
    eta_cold = ancilla_state(FIG2["t_cold"], coherence, 0.0, FIG2["omega"])
    channel = Channel(FIG2["gamma"], FIG2["delta"], eta_hot, eta_cold, FIG2["omega"])
    powers = np.linalg.matrix_power(np.broadcast_to(channel.superoperator, (phases.size, 16, 16)), n_collisions - 1)
    rho = (powers @ system_initial_state("11").reshape(16)).reshape(phases.size, 4, 4)
    return float(np.max(channel.heat_currents(rho)[0]))


def check_critical_partial_swap(data: FigureData) -> list[CheckResult]:
    r"""Sec. III: :math:`p_c \approx 0.155` for the partial swap :math:`\gamma=\pi/32`.

    Also evaluates whether a finite run explains the printed value: the largest
    :math:`J_h(n)` over the phase difference at the last collision of Fig. 2, at the
    printed :math:`p = 0.155`.
    """
    p_c = critical_coherence(FIG2["gamma"], FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"], FIG2["omega"])
    row = _printed_row(
        "p_c partial swap",
        "smallest p with J_h^steady > 0 for some φ_h−φ_c",
        P_CRITICAL_PARTIAL_SWAP,
        p_c,
        "γ=π/32, δ=π/4, T_h=2, T_c=1, ω=1",
    )
    n = int(data.fig2.sizes["collision"])
    finite = _finite_run_maximum(P_CRITICAL_PARTIAL_SWAP.value, n)
    extra = (
        f"At the printed p = {P_CRITICAL_PARTIAL_SWAP.printed}, max over φ_h−φ_c ({_FINITE_RUN_PHASES} phases) of J_h(n = {n}) "
        f"= {finite:+.3e}"
        + (" < 0: a finite run of Fig. 2's length does not explain the printed value either." if finite < 0 else ".")
    )
    return [replace(row, note=(row.note + " " + extra).strip())]


def check_phase_difference_only(data: FigureData) -> list[CheckResult]:
    r"""Sec. III: :math:`J_h^{steady}` depends on the phases only through :math:`\phi_h-\phi_c`."""
    r = _random_parameters()
    shifted = steady_heat_current(
        r["gamma"], r["delta"], r["t_hot"], r["t_cold"], r["coherence"], r["phase_cold"] + r["phase_difference"], r["phase_cold"]
    )
    plain = steady_heat_current(r["gamma"], r["delta"], r["t_hot"], r["t_cold"], r["coherence"], r["phase_difference"], 0.0)
    err = float(np.max(np.abs(shifted - plain)))
    return [
        CheckResult(
            id="Sec. III phases",
            quantity="J_h^steady(φ_h, φ_c) − J_h^steady(φ_h−φ_c, 0), max |Δ|",
            source="Sec. III",
            parameters=f"{RANDOM_SETS} random sets (γ, δ, T_h, T_c, p, φ_c, φ_h−φ_c)",
            paper="J_h depends only on φ_h − φ_c",
            computed=err,
            difference=err,
            tolerance=ENGINE_ATOL,
            criterion="max |Δ| ≤ tolerance",
            status=_verdict(err <= ENGINE_ATOL),
        )
    ]


def check_steady_balance(data: FigureData) -> list[CheckResult]:
    r"""Sec. III: :math:`J_h^{steady} = -J_c^{steady}` (Fig. 2 curves)."""
    err = float(np.max(np.abs(data.fig2.steady_hot.values + data.fig2.steady_cold.values)))
    return [
        CheckResult(
            id="Sec. III J_h = −J_c",
            quantity="J_h^steady + J_c^steady, max |·| over the Fig. 2 curves",
            source="Sec. III (after Eq. 11)",
            parameters=_FIG2_PARAMS + "; all 7 curves",
            paper="J_h^steady = −J_c^steady",
            computed=err,
            difference=err,
            tolerance=ENGINE_ATOL,
            criterion="max |J_h + J_c| ≤ tolerance",
            status=_verdict(err <= ENGINE_ATOL),
        )
    ]


# --- Fig. 2 statements ----------------------------------------------------------------------


def check_fig2(data: FigureData) -> list[CheckResult]:
    """Fig. 2 / Sec. III statements: steady signs, thermal unidirectional, backflow, inset order, steady reached."""
    ds = data.fig2
    steady = ds.steady_hot
    rows: list[CheckResult] = []
    coherent = [c for c in ds.case.values if c != "thermal"]
    expected = {c: (-1 if float(ds.phase_difference.sel(case=c)) <= _PI + 1e-12 else 1) for c in coherent}
    signs = {c: int(np.sign(float(steady.sel(case=c)))) for c in coherent}
    listing = ", ".join(f"{c}: {float(steady.sel(case=c)):+.4e}" for c in coherent)
    rows.append(
        CheckResult(
            id="Fig. 2 steady signs",
            quantity="sign of J_h^steady for the six phase differences",
            source="Sec. III, Fig. 2",
            parameters=_FIG2_PARAMS,
            paper="< 0 for φ_h−φ_c ∈ [0, π]; > 0 for 5π/4, 3π/2 (heat from R^c into R^h)",
            computed=listing,
            difference=None,
            tolerance=None,
            criterion="every sign as stated",
            status=_verdict(all(signs[c] == expected[c] for c in coherent)),
        )
    )
    thermal = ds.heat_hot.sel(case="thermal").values
    rows.append(
        CheckResult(
            id="Fig. 2 thermal unidirectional",
            quantity="max_n J_h(n), thermal reservoirs",
            source="Sec. III, Fig. 2",
            parameters=_FIG2_PARAMS.replace("p=0.8", "p=0") + f", n ≤ {ds.sizes['collision']}",
            paper="J_h(n) < 0 for every n",
            computed=float(thermal.max()),
            difference=None,
            tolerance=None,
            criterion="max_n J_h(n) < 0",
            status=_verdict(float(thermal.max()) < 0),
        )
    )
    back = {c: float(ds.heat_hot.sel(case=c).max()) for c in ("0", "π")}
    rows.append(
        CheckResult(
            id="Fig. 2 backflow",
            quantity="max_n J_h(n) for φ_h−φ_c = 0, π",
            source="Sec. III, Fig. 2 inset",
            parameters=_FIG2_PARAMS,
            paper="heat flows back into R^h before the steady state (J_h(n) > 0 for some n)",
            computed=", ".join(f"{c}: {v:+.4e}" for c, v in back.items()),
            difference=None,
            tolerance=None,
            criterion="max_n J_h(n) > 0 for both",
            status=_verdict(all(v > 0 for v in back.values())),
        )
    )
    mags = [abs(float(steady.sel(case=c))) for c in ("0", "π", "thermal")]
    rows.append(
        CheckResult(
            id="Fig. 2 inset order",
            quantity="|J_h^steady| for φ_h−φ_c = 0, π and thermal (read as magnitudes; signed, the order is reversed)",
            source="Sec. III, Fig. 2 inset",
            parameters=_FIG2_PARAMS,
            paper="J^steady(0) < J^steady(π) < J^steady(ρ_β) (as printed; true for |J|, false for the signed values)",
            computed=f"{mags[0]:.4e} < {mags[1]:.4e} < {mags[2]:.4e}",
            difference=None,
            tolerance=None,
            criterion="|J(0)| < |J(π)| < |J(ρ_β)|",
            status=_verdict(mags[0] < mags[1] < mags[2]),
            note="the paper's ordering holds for the magnitudes (the currents are negative, so the signed values "
            "order the other way); it is the ordering of the conductances in Fig. 4",
        )
    )
    dev = np.abs(ds.heat_hot - steady)
    last = dev.isel(collision=-1) / dev.max("collision")
    worst = str(last.idxmax("case").item())
    rows.append(
        CheckResult(
            id="Fig. 2 steady reached",
            quantity="|J_h(n_max) − J^steady| / max_n |J_h(n) − J^steady|, worst curve",
            source="Fig. 2",
            parameters=_FIG2_PARAMS + f", n_max = {ds.sizes['collision']}",
            paper="the curves reach their stationary values",
            computed=float(last.max()),
            difference=None,
            tolerance=STEADY_REACHED_FRACTION,
            criterion="≤ tolerance for every curve",
            status=_verdict(float(last.max()) <= STEADY_REACHED_FRACTION),
            note=f"slowest curve: φ_h−φ_c = {worst}",
        )
    )
    return rows


# --- Fig. 3 ---------------------------------------------------------------------------------

#: Phase points used to locate each Fig. 3 extreme (independent of the plotted grid; the
#: extreme is then refined by a bounded scalar search).
_FIG3_SEARCH_POINTS = 1441


def _extreme_abs(gamma: float) -> tuple[float, float]:
    """max over phi of |J_h^steady| at ``gamma`` (Fig. 3 parameters), and where."""
    args = (gamma, FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"], FIG2["coherence"])
    grid = np.linspace(0, 2 * _PI, _FIG3_SEARCH_POINTS)
    values = np.abs(steady_heat_current(*args, grid, 0.0))
    k = int(np.argmax(values))
    step = grid[1] - grid[0]
    res = minimize_scalar(
        lambda phi: -abs(float(steady_heat_current(*args, phi, 0.0))),
        bounds=(grid[k] - step, grid[k] + step),
        method="bounded",
        options={"xatol": 1e-10},
    )
    return (-float(res.fun), float(res.x)) if -res.fun >= values[k] else (float(values[k]), float(grid[k]))


def check_fig3(data: FigureData) -> list[CheckResult]:
    """Fig. 3: each panel's extreme |J_h^steady| lies inside, and fills, the printed axis range."""
    rows = []
    for gamma, panel in zip(FIG3_GAMMAS, "abcd", strict=True):
        limit_text = FIG3_AXIS_LIMITS[gamma]
        limit = float(limit_text)
        extreme, where = _extreme_abs(gamma)
        ratio = extreme / limit
        rows.append(
            CheckResult(
                id=f"Fig. 3({panel}) range",
                quantity=f"max over φ_h−φ_c of |J_h^steady|, γ = {format_angle(gamma)}",
                source=f"Fig. 3({panel})",
                parameters="p=0.8, δ=π/4, T_h=2, T_c=1, ω=1",
                paper=f"axis ±{limit_text}",
                computed=extreme,
                difference=extreme - limit,
                tolerance=None,
                criterion=f"{FIG3_MIN_FILL} ≤ extreme/limit ≤ 1",
                status=_verdict(FIG3_MIN_FILL <= ratio <= 1.0),
                note=f"extreme/limit = {ratio:.3f}, at φ_h−φ_c = {where:.4f} rad",
            )
        )
    means = data.fig3.isel(phase_difference=slice(0, -1)).mean("phase_difference")  # one period, endpoint dropped
    ordered = [float(means.sel(gamma=g)) for g in sorted(FIG3_GAMMAS)]
    rows.append(
        CheckResult(
            id="Fig. 3 moves down with γ",
            quantity="mean over φ_h−φ_c of J_h^steady for γ = π/32, π/12, π/4, π/2",
            source="Sec. III, Fig. 3",
            parameters="p=0.8, δ=π/4, T_h=2, T_c=1, ω=1",
            paper="J_h^steady moves down overall as γ increases",
            computed=", ".join(f"{v:+.4e}" for v in ordered),
            difference=None,
            tolerance=None,
            criterion="strictly decreasing in γ",
            status=_verdict(all(a > b for a, b in itertools.pairwise(ordered))),
        )
    )
    return rows


# --- Sec. V: Eqs. (31), (32), (33), Fig. 4, Fig. 5, Appendix B -------------------------------


def check_eq31_eq32(data: FigureData) -> list[CheckResult]:
    """Eqs. (31)-(32): lambda and c of J = -lambda dT + c at the printed digits; c = 0 for 0 and pi."""
    rows = []
    for dphi, refs in EQ31.items():
        lam, c = linear_response(FIG2["gamma"], FIG2["delta"], 1.0, FIG2["coherence"], dphi)
        label = format_angle(dphi)
        rows.append(_printed_row(f"Eq. 31 λ ({label})", f"λ for φ_h−φ_c = {label}", refs["lambda"], float(lam), _SEC5))
        rows.append(
            CheckResult(
                id=f"Eq. 31 c ({label})",
                quantity=f"c for φ_h−φ_c = {label}",
                source="Eq. 31",
                parameters=_SEC5,
                paper="0",
                computed=float(c),
                difference=float(c),
                tolerance=ENGINE_ATOL,
                criterion="|c| ≤ tolerance",
                status=_verdict(abs(float(c)) <= ENGINE_ATOL),
            )
        )
    for dphi, refs in EQ32.items():
        lam, c = linear_response(FIG2["gamma"], FIG2["delta"], 1.0, FIG2["coherence"], dphi)
        label = format_angle(dphi)
        rows.append(_printed_row(f"Eq. 32 λ ({label})", f"λ for φ_h−φ_c = {label}", refs["lambda"], float(lam), _SEC5))
        rows.append(_printed_row(f"Eq. 32 c ({label})", f"c for φ_h−φ_c = {label}", refs["c"], float(c), _SEC5))
    return rows


def check_eq33(data: FigureData) -> list[CheckResult]:
    r"""Eq. (33): at :math:`\gamma=\pi/2` the exact linear response equals the expansion of Eq. (14)."""
    t = data.fig4.temperature.values
    phases = np.array([0.0, _PI / 4, _PI, 5 * _PI / 4])[:, None]
    lam, c = linear_response(_PI / 2, FIG2["delta"], t[None, :], FIG2["coherence"], phases)
    lam1, c1 = linear_response_full_swap(FIG2["delta"], t[None, :], FIG2["coherence"], phases)
    err_lam = float(np.max(np.abs(lam - lam1) / np.max(np.abs(lam1))))
    err_c = float(np.max(np.abs(c - c1)))
    err = max(err_lam, err_c)
    return [
        CheckResult(
            id="Eq. 33",
            quantity="(λ, c) at γ = π/2: exact derivative vs Eq. 33, max |Δ| (λ relative to max λ)",
            source="Eq. 33",
            parameters=f"p=0.8, δ=π/4, φ_h−φ_c ∈ {{0, π/4, π, 5π/4}}, T ∈ [{t[0]:g}, {t[-1]:g}]",
            paper="λ₁ = sin²δ sech²(1/2T)/(4T²), c₁ = −p² sech²(1/2T) sin2δ sin(φ_h−φ_c)/4",
            computed=err,
            difference=err,
            tolerance=ENGINE_ATOL,
            criterion="max |Δ| ≤ tolerance",
            status=_verdict(err <= ENGINE_ATOL),
        )
    ]


def check_b1_b2(data: FigureData) -> list[CheckResult]:
    """Eq. (B1) against the engine's conductance; Eq. (B2) as the high-temperature limit of (B1)."""
    t = data.fig4.temperature.values
    gammas = np.array([_PI / 32, _PI / 12, _PI / 4, _PI / 2])[:, None]
    engine = conductance(gammas, FIG2["delta"], t[None, :])
    closed = conductance_thermal(gammas, FIG2["delta"], t[None, :])
    rel = float(np.max(np.abs(engine / closed - 1)))
    temps = np.array(B2_TEMPERATURES)
    b1 = conductance_thermal(FIG2["gamma"], FIG2["delta"], temps)
    b2 = conductance_thermal_high_temperature(FIG2["gamma"], FIG2["delta"], temps)
    dev = np.abs(b2 / b1 - 1)
    scaled = dev * temps**2
    converges = bool(np.all(np.diff(dev) < 0)) and abs(scaled[-1] / scaled[-2] - 1) <= B2_SCALING_RTOL
    return [
        CheckResult(
            id="Eq. B1",
            quantity="thermal conductance κ(T): engine vs Eq. B1, max relative |Δ|",
            source="Eq. B1",
            parameters=f"γ ∈ {{π/32, π/12, π/4, π/2}}, δ=π/4, ω=1, T ∈ [{t[0]:g}, {t[-1]:g}] ({t.size} points)",
            paper="formula",
            computed=rel,
            difference=rel,
            tolerance=B1_RTOL,
            criterion="max |κ_engine/κ_B1 − 1| ≤ tolerance",
            status=_verdict(rel <= B1_RTOL),
        ),
        CheckResult(
            id="Eq. B2",
            quantity="|κ_B2/κ_B1 − 1| at T = " + ", ".join(f"{x:g}" for x in temps),
            source="Eq. B2",
            parameters="γ=π/32, δ=π/4, ω=1",
            paper="B2 is the high-temperature limit of B1",
            computed=", ".join(f"{d:.3e}" for d in dev) + "; T²·|Δ| = " + ", ".join(f"{s:.4f}" for s in scaled),
            difference=float(dev[-1]),
            tolerance=B2_SCALING_RTOL,
            criterion="|Δ| decreases with T as T⁻² (T²·|Δ| at the two highest T agree within tolerance, relative)",
            status=_verdict(converges),
        ),
    ]


def _peak_temperature(coherence: float, phase_difference: float) -> float:
    """T of the conductance maximum (Fig. 4), refined by a bounded scalar search on [0.2, 0.8]."""
    res = minimize_scalar(
        lambda t: -float(conductance(FIG2["gamma"], FIG2["delta"], t, coherence, phase_difference, FIG2["omega"])),
        bounds=(0.2, 0.8),
        method="bounded",
        options={"xatol": 1e-8},
    )
    return float(res.x)


def check_fig4(data: FigureData) -> list[CheckResult]:
    """Fig. 4: kappa(0) < kappa(pi) < kappa(thermal) on the plotted range; each peaks in [0.40, 0.45]."""
    k = data.fig4
    t = k.temperature.values
    k0, kpi, kth = (k.sel(case=c).values for c in ("0", "π", "thermal"))
    margin_lo = float(np.min(kpi / k0 - 1))
    margin_hi = float(np.min(kth / kpi - 1))
    rows = [
        CheckResult(
            id="Fig. 4 ordering",
            quantity="min over T of κ(π)/κ(0) − 1 and κ(ρ_β)/κ(π) − 1",
            source="Sec. V, Fig. 4",
            parameters=f"p=0.8, γ=π/32, δ=π/4, ω=1, T ∈ [{t[0]:g}, {t[-1]:g}] ({t.size} points)",
            paper="κ(φ_h−φ_c=0) < κ(φ_h−φ_c=π) < κ(ρ_β) for all T",
            computed=f"{margin_lo:.3e}, {margin_hi:.3e}",
            difference=None,
            tolerance=None,
            criterion="both minima > 0",
            status=_verdict(margin_lo > 0 and margin_hi > 0),
            note="the κ(π)/κ(0) margin shrinks to ~1e-9 at the lowest T, where both are ~e^{-1/T}",
        )
    ]
    lo, hi = FIG4_PEAK_RANGE
    for label, p, dphi in FIG4_CASES:
        t_peak = _peak_temperature(p, dphi)
        name = "ρ_β" if label == "thermal" else f"φ_h−φ_c = {label}"
        rows.append(
            CheckResult(
                id=f"Fig. 4 peak ({label})",
                quantity=f"T at the maximum of κ(T), {name}",
                source="Sec. V, Fig. 4",
                parameters="γ=π/32, δ=π/4, ω=1" + ("" if label == "thermal" else ", p=0.8"),
                paper=f"T ≈ 0.45 (rises below, falls above); peak in [{lo}, {hi}]",
                computed=t_peak,
                difference=t_peak - 0.45,
                tolerance=None,
                criterion=f"{lo} ≤ T_peak ≤ {hi}",
                status=_verdict(lo <= t_peak <= hi),
            )
        )
    return rows


def check_fig5(data: FigureData) -> list[CheckResult]:
    r"""Fig. 5 / Eq. (35): for :math:`\phi_h-\phi_c=\pi/4, 5\pi/4`, :math:`|J_h^{steady}|` grows with T (ΔT → 0).

    At the lowest temperatures of the grid the current is :math:`\sim e^{-1/T}` and
    rounds to zero; the growth is checked where :math:`|J| >` :data:`ENGINE_ATOL`, and
    below that the current must be ≤ :data:`ENGINE_ATOL`.
    """
    j = data.fig5.isel(temperature_difference=0)
    t = data.fig5.temperature.values
    rows = []
    for dphi in data.fig5.phase_difference.values:
        curve = np.abs(j.sel(phase_difference=dphi).values)
        resolved = curve > ENGINE_ATOL
        first = int(np.argmax(resolved))
        grows = bool(resolved[first:].all() and np.all(np.diff(curve[first:]) > 0))
        label = format_angle(float(dphi))
        rows.append(
            CheckResult(
                id=f"Fig. 5 grows with T ({label})",
                quantity=f"|J_h^steady(ΔT=0)| on T ∈ [{t[0]:g}, {t[-1]:g}], φ_h−φ_c = {label}",
                source="Sec. V, Fig. 5, Eq. 35",
                parameters="p=0.8, γ=π/32, δ=π/4, ω=1",
                paper="the steady current increases with T (towards a constant at high T)",
                computed=f"{curve[first]:.3e} at T = {t[first]:.3g} → {curve[-1]:.3e} at T = {t[-1]:g}",
                difference=None,
                tolerance=ENGINE_ATOL,
                criterion="strictly increasing in T wherever |J| > tolerance (below: rounds to 0)",
                status=_verdict(grows),
            )
        )
    return rows


#: The checks in report order: (name shown in the progress bar, function(FigureData) -> rows).
CHECKS: tuple[tuple[str, Callable[[FigureData], list[CheckResult]]], ...] = (
    ("Eq. 14", check_eq14),
    ("Eq. 15", check_eq15),
    ("p_c partial swap", check_critical_partial_swap),
    ("Sec. III phases", check_phase_difference_only),
    ("Sec. III J_h = -J_c", check_steady_balance),
    ("Fig. 2", check_fig2),
    ("Fig. 3", check_fig3),
    ("Eqs. 31-32", check_eq31_eq32),
    ("Eq. 33", check_eq33),
    ("Eqs. B1-B2", check_b1_b2),
    ("Fig. 4", check_fig4),
    ("Fig. 5", check_fig5),
)


def run_checks(data: FigureData, callback: Callable[[str], None] | None = None) -> list[CheckResult]:
    """Run every check of :data:`CHECKS` on ``data``; ``callback(name)`` after each."""
    rows: list[CheckResult] = []
    for name, fn in CHECKS:
        rows.extend(fn(data))
        if callback is not None:
            callback(name)
    return rows


def check_aer(direct: xr.Dataset, aer: xr.Dataset | None, reason: str = "", note: str = "") -> CheckResult:
    """The Aer circuit engine against the direct engine over the Fig. 2 curves, max |ΔJ|.

    Parameters
    ----------
    direct : xarray.Dataset
        Fig. 2 data from the direct engine (:func:`~circuitheat.reproduce.figures.fig2_data`).
    aer : xarray.Dataset or None
        The same curves from ``engine="aer"`` (possibly a prefix of the collisions), or
        None if Aer was not run.
    reason : str
        Why Aer was not run (required when ``aer`` is None); the row is then ``"skipped"``.
    note : str
        Extra text for the row (e.g. that only a prefix of each curve was run).
    """
    n_total = direct.sizes["collision"]
    if aer is None:
        if not reason:
            raise ValueError("reason must say why the Aer comparison was skipped")
        return CheckResult(
            id="Aer vs direct",
            quantity="max |ΔJ| between the Aer circuits and the direct engine over the Fig. 2 curves",
            source="Fig. 2 (engines)",
            parameters=_FIG2_PARAMS,
            paper="—",
            computed="not computed",
            difference=None,
            tolerance=AER_ATOL,
            criterion="max |ΔJ_h|, |ΔJ_c| ≤ tolerance",
            status="skipped",
            note=reason,
        )
    n = aer.sizes["collision"]
    ref = direct.isel(collision=slice(0, n))
    err = max(
        float(np.max(np.abs(aer.heat_hot.values - ref.heat_hot.values))),
        float(np.max(np.abs(aer.heat_cold.values - ref.heat_cold.values))),
    )
    span = f"all {n_total} collisions" if n == n_total else f"the first {n} of {n_total} collisions"
    return CheckResult(
        id="Aer vs direct",
        quantity="max |ΔJ| between the Aer circuits and the direct engine over the Fig. 2 curves",
        source="Fig. 2 (engines)",
        parameters=f"{_FIG2_PARAMS}; {aer.sizes['case']} curves, {span}",
        paper="—",
        computed=err,
        difference=err,
        tolerance=AER_ATOL,
        criterion="max |ΔJ_h|, |ΔJ_c| ≤ tolerance",
        status=_verdict(err <= AER_ATOL),
        note=note,
    )


def summarize(rows: list[CheckResult]) -> dict[str, int]:
    """Counts of rows by status, plus ``known_discrepancies`` and ``unexpected_failures``."""
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    counts["known_discrepancies"] = sum(r.known_discrepancy for r in rows)
    counts["unexpected_failures"] = counts["fail"] - counts["known_discrepancies"]
    return counts
