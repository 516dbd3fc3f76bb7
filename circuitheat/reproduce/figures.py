r"""The data behind the paper's Figs. 2–5, as labelled xarray objects.

Each function computes one figure's curves or surfaces with the exact machinery of
the package (the direct engine for trajectories, the exact fixed point for steady
currents, the exact derivative of the fixed point for the conductance) and returns
them with coordinates and the parameters as ``attrs``. Plotting is separate
(:mod:`circuitheat.plotting.paper`).

Parameters are the paper's, from :data:`circuitheat.paper.FIG2`: :math:`\gamma=\pi/32`,
:math:`\delta=\pi/4`, :math:`T_h = 2T_c = 2`, :math:`p = 0.8`, :math:`\omega = 1`, system
initially in :math:`|11\rangle` (ground state).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..engines import simulate
from ..model import CollisionModel, Reservoir
from ..paper import FIG2, FIG3_AXIS_LIMITS
from ..plotting.labels import format_angle
from ..steady import conductance, steady_heat_current, steady_state
from ..validation import InputValueError, check_count

__all__ = [
    "FIG2_CASES",
    "FIG2_COLLISIONS",
    "FIG2_OSCILLATION_NOTE",
    "FIG3_GAMMAS",
    "FIG4_CASES",
    "FIG5_PHASES",
    "Fig2Case",
    "fig2_data",
    "fig2_model",
    "fig3_data",
    "fig4_data",
    "fig4_temperatures",
    "fig5_data",
    "fig5_grid",
]

#: Collisions shown in Fig. 2. With gamma = pi/32 the slowest transient (phi_h - phi_c = 0)
#: decays below 1% of its steady value after ~1430 collisions (measured with the direct
#: engine: the envelope of |J_h(n) - J_h^steady|), so 1500 collisions show the approach
#: to the steady state of every curve, as the paper's Fig. 2 does.
FIG2_COLLISIONS = 1500


@dataclass(frozen=True)
class Fig2Case:
    r"""One curve of Fig. 2.

    Attributes
    ----------
    label : str
        Plain label (``"5π/4"``, ``"thermal"``), the ``case`` coordinate of the data.
    tex : str
        Legend entry in Matplotlib mathtext.
    coherence : float
        p of Eq. (12) for both reservoirs (0: thermal :math:`\rho_\beta`).
    phase_difference : float
        :math:`\phi_h - \phi_c` (rad), with :math:`\phi_c = 0`.
    """

    label: str
    tex: str
    coherence: float
    phase_difference: float


def _coherent_case(phase: float) -> Fig2Case:
    return Fig2Case(format_angle(phase), rf"$\phi_h-\phi_c={format_angle(phase, 'tex')}$", FIG2["coherence"], phase)


#: The seven curves of Fig. 2: p = 0.8 with phi_h - phi_c in {0, pi/4, pi/2, pi, 5pi/4, 3pi/2},
#: and the thermal reservoirs (p = 0, dashed black in the paper).
FIG2_CASES: tuple[Fig2Case, ...] = (
    *(_coherent_case(k * math.pi / 4) for k in (0, 1, 2, 4, 5, 6)),
    Fig2Case("thermal", r"thermal $\rho_\beta$ ($p=0$)", 0.0, 0.0),
)

#: Fig. 3 panels (a)-(d): gamma = pi/2, pi/4, pi/12, pi/32 (the keys of the printed axis limits).
FIG3_GAMMAS: tuple[float, ...] = tuple(FIG3_AXIS_LIMITS)

#: Fig. 4 curves: (label, coherence p, phase difference) — p = 0.8 with phi_h - phi_c = 0, pi,
#: and the thermal state.
FIG4_CASES: tuple[tuple[str, float, float], ...] = (
    ("0", FIG2["coherence"], 0.0),
    ("π", FIG2["coherence"], math.pi),
    ("thermal", 0.0, 0.0),
)

#: Fig. 5 panels: (a) phi_h - phi_c = pi/4, (b) 5 pi/4.
FIG5_PHASES: tuple[float, ...] = (math.pi / 4, 5 * math.pi / 4)


def fig2_model(case: Fig2Case) -> CollisionModel:
    """The :class:`CollisionModel` of one Fig. 2 curve (paper parameters, :data:`FIG2`)."""
    hot = Reservoir(FIG2["t_hot"], case.coherence, case.phase_difference, FIG2["omega"])
    cold = Reservoir(FIG2["t_cold"], case.coherence, 0.0, FIG2["omega"])
    return CollisionModel(gamma=FIG2["gamma"], delta=FIG2["delta"], hot=hot, cold=cold)


def _common_attrs() -> dict[str, float | str]:
    return {**{k: float(v) for k, v in FIG2.items()}, "initial_state": "11"}


#: Caption note of Fig. 2 (report.md): the thick band of the phi_h - phi_c = pi curve is resolved
#: motion, not noise. The one-collision map Phi of that model (gamma = pi/32, delta = pi/4) has the
#: eigenvalue pair -0.039 +- 0.990i (tests/test_reliability.py checks it): V(delta) rotates the
#: coherence between |01> and |10> by 2 delta = pi/2 per collision, and the weak coupling gamma
#: damps it only by |lambda| = 0.99 per collision.
FIG2_OSCILLATION_NOTE = (
    "fig2: the thick band of the φ_h−φ_c = π curve is a real oscillation of period ≈ 4 collisions, "
    "not noise: the one-collision map Φ has eigenvalues −0.039 ± 0.990i (phase ≈ ±π/2 per collision, "
    "from V(δ) rotating the |01⟩–|10⟩ coherence by 2δ = π/2), damped by only |λ| ≈ 0.99 per collision, "
    "so J_h alternates over 4 collisions for hundreds of collisions; the other curves excite this mode "
    "too weakly to be seen"
)


def fig2_data(
    n_collisions: int = FIG2_COLLISIONS, engine: str = "direct", cases: tuple[Fig2Case, ...] = FIG2_CASES
) -> xr.Dataset:
    r"""Fig. 2: :math:`J_h(n)` for every curve, with the exact steady values.

    Parameters
    ----------
    n_collisions : int
        Number of collisions n (x-axis), default :data:`FIG2_COLLISIONS`.
    engine : {"direct", "aer"}
        Engine passed to :func:`circuitheat.simulate`.
    cases : tuple of Fig2Case
        The curves (default: the paper's seven, :data:`FIG2_CASES`).

    Returns
    -------
    xarray.Dataset
        ``heat_hot``, ``heat_cold`` (case, collision): :math:`J_h(n), J_c(n)`
        (Eqs. 10–11, energy units of :math:`\omega`); ``steady_hot``, ``steady_cold``
        (case): the exact steady currents; coordinates ``case`` (labels),
        ``coherence`` and ``phase_difference`` (rad) along ``case``, ``collision`` = 1..n.
    """
    n = check_count("n_collisions", n_collisions)
    hot, cold, s_hot, s_cold = [], [], [], []
    for case in cases:
        model = fig2_model(case)
        traj = simulate(model, n, engine=engine, store_states=False) if engine == "direct" else simulate(model, n, engine=engine)
        ss = steady_state(model)
        hot.append(traj.heat_hot)
        cold.append(traj.heat_cold)
        s_hot.append(ss.heat_hot)
        s_cold.append(ss.heat_cold)
    coords = {
        "case": [c.label for c in cases],
        "collision": np.arange(1, n + 1),
        "coherence": ("case", [c.coherence for c in cases]),
        "phase_difference": ("case", [c.phase_difference for c in cases]),
        "legend": ("case", [c.tex for c in cases]),
    }
    return xr.Dataset(
        {
            "heat_hot": (("case", "collision"), np.array(hot), {"long_name": "J_h(n)", "source": "Eqs. 10-11"}),
            "heat_cold": (("case", "collision"), np.array(cold), {"long_name": "J_c(n)", "source": "Eqs. 10-11"}),
            "steady_hot": ("case", np.array(s_hot), {"long_name": "J_h^steady"}),
            "steady_cold": ("case", np.array(s_cold), {"long_name": "J_c^steady"}),
        },
        coords=coords,
        attrs={**_common_attrs(), "engine": engine, "figure": "Fig. 2"},
    )


def fig3_data(n_points: int = 721) -> xr.DataArray:
    r"""Fig. 3: :math:`J_h^{steady}` versus :math:`\phi_h-\phi_c \in [0, 2\pi]` for the four :math:`\gamma`.

    One batched fixed-point solve over (gamma, phase difference); p = 0.8,
    :math:`\delta=\pi/4`, :math:`T_h=2T_c=2`, :math:`\omega=1`.

    Parameters
    ----------
    n_points : int
        Number of phase differences, endpoints included (>= 3).

    Returns
    -------
    xarray.DataArray
        dims (``gamma``, ``phase_difference``); coordinates ``panel`` ("(a)".."(d)") and
        ``axis_limit`` (the paper's printed ±y-limit, float) along ``gamma``.
    """
    n = check_count("n_points", n_points, minimum=3)
    phases = np.linspace(0.0, 2 * math.pi, n)
    gammas = np.array(FIG3_GAMMAS)
    j = steady_heat_current(
        gammas[:, None], FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"], FIG2["coherence"], phases[None, :], 0.0, FIG2["omega"]
    )
    return xr.DataArray(
        j,
        dims=("gamma", "phase_difference"),
        coords={
            "gamma": gammas,
            "phase_difference": phases,
            "panel": ("gamma", ["(a)", "(b)", "(c)", "(d)"]),
            "axis_limit": ("gamma", [float(FIG3_AXIS_LIMITS[g]) for g in FIG3_GAMMAS]),
        },
        name="steady_heat_hot",
        attrs={**_common_attrs(), "figure": "Fig. 3", "long_name": "J_h^steady"},
    )


def fig4_temperatures(n_points: int = 600, t_min: float = 0.05, t_max: float = 3.0) -> np.ndarray:
    """Temperature grid of Fig. 4 (the paper's axis is 0 <= T <= 3; T = 0 itself is excluded)."""
    n = check_count("n_points", n_points, minimum=2)
    if not 0 < t_min < t_max:
        raise InputValueError(f"need 0 < t_min < t_max, got t_min={t_min!r}, t_max={t_max!r}")
    return np.linspace(t_min, t_max, n)


def fig4_data(temperatures: ArrayLike | None = None) -> xr.DataArray:
    r"""Fig. 4: conductance :math:`\kappa(T)` (Eqs. 29–31, B1) for :math:`\phi_h-\phi_c = 0, \pi` (p = 0.8) and thermal.

    :math:`\kappa = -\partial J_h^{steady}/\partial\Delta T` at :math:`\Delta T = 0` with
    :math:`T_{h,c} = T\pm\Delta T/2`, computed exactly (:func:`circuitheat.conductance`);
    :math:`\gamma=\pi/32`, :math:`\delta=\pi/4`, :math:`\omega=1`.

    Returns
    -------
    xarray.DataArray
        dims (``case``, ``temperature``), case labels ``"0"``, ``"π"``, ``"thermal"``;
        dimensionless (:math:`k_B = 1`).
    """
    t = fig4_temperatures() if temperatures is None else np.asarray(temperatures, dtype=float)
    p = np.array([c[1] for c in FIG4_CASES])[:, None]
    dphi = np.array([c[2] for c in FIG4_CASES])[:, None]
    kappa = conductance(FIG2["gamma"], FIG2["delta"], t[None, :], p, dphi, FIG2["omega"])
    return xr.DataArray(
        kappa,
        dims=("case", "temperature"),
        coords={
            "case": [c[0] for c in FIG4_CASES],
            "temperature": t,
            "coherence": ("case", p[:, 0]),
            "phase_difference": ("case", dphi[:, 0]),
        },
        name="conductance",
        attrs={**_common_attrs(), "figure": "Fig. 4", "long_name": "kappa"},
    )


def fig5_grid(
    n_temperature: int = 121, n_difference: int = 41, t_min: float = 0.02, t_max: float = 3.0, dt_max: float = 0.01
) -> tuple[np.ndarray, np.ndarray]:
    r"""The (T, ΔT) grid of Fig. 5: the paper's axes, :math:`0\le\Delta T\le 0.01`, :math:`0 < T \le 3`.

    Requires :math:`T_c = T - \Delta T/2 > 0` everywhere, i.e. ``t_min > dt_max / 2``.
    """
    nt = check_count("n_temperature", n_temperature, minimum=2)
    nd = check_count("n_difference", n_difference, minimum=2)
    if not dt_max / 2 < t_min < t_max:
        raise InputValueError(f"need dt_max/2 < t_min < t_max so that T_c = T - dT/2 > 0, got t_min={t_min!r}, dt_max={dt_max!r}")
    return np.linspace(t_min, t_max, nt), np.linspace(0.0, dt_max, nd)


def fig5_data(temperatures: ArrayLike | None = None, differences: ArrayLike | None = None) -> xr.DataArray:
    r"""Fig. 5: :math:`J_h^{steady}` over (:math:`\Delta T`, T) for :math:`\phi_h-\phi_c = \pi/4, 5\pi/4`.

    :math:`T_{h,c} = T \pm \Delta T/2`; p = 0.8, :math:`\gamma=\pi/32`, :math:`\delta=\pi/4`,
    :math:`\omega=1`. One batched fixed-point solve.

    Returns
    -------
    xarray.DataArray
        dims (``phase_difference``, ``temperature``, ``temperature_difference``), with
        coordinate ``panel`` ("(a)", "(b)") along ``phase_difference``.
    """
    if temperatures is None or differences is None:
        t_grid, dt_grid = fig5_grid()
        t = t_grid if temperatures is None else np.asarray(temperatures, dtype=float)
        dt = dt_grid if differences is None else np.asarray(differences, dtype=float)
    else:
        t, dt = np.asarray(temperatures, dtype=float), np.asarray(differences, dtype=float)
    if np.any(t[:, None] - dt[None, :] / 2 <= 0):
        raise InputValueError(f"T - dT/2 must be > 0 everywhere, got min T = {t.min()!r} and max dT = {dt.max()!r}")
    phases = np.array(FIG5_PHASES)
    tt, dd = t[None, :, None], dt[None, None, :]
    j = steady_heat_current(
        FIG2["gamma"], FIG2["delta"], tt + dd / 2, tt - dd / 2, FIG2["coherence"], phases[:, None, None], 0.0, FIG2["omega"]
    )
    return xr.DataArray(
        j,
        dims=("phase_difference", "temperature", "temperature_difference"),
        coords={
            "phase_difference": phases,
            "temperature": t,
            "temperature_difference": dt,
            "panel": ("phase_difference", ["(a)", "(b)"]),
        },
        name="steady_heat_hot",
        attrs={**_common_attrs(), "figure": "Fig. 5", "long_name": "J_h^steady"},
    )
