"""Basic figures of a trajectory."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ..trajectory import Trajectory
from .labels import format_angle

__all__ = ["plot_heat_currents"]


def plot_heat_currents(traj: Trajectory, ax: Axes | None = None) -> Axes:
    r"""Plot :math:`J_h(n)` and :math:`J_c(n)` (Eqs. 10–11) versus the collision number n."""
    if ax is None:
        _, ax = plt.subplots()
    m = traj.model
    ax.plot(traj.collisions, traj.heat_hot, label=r"$J_h$")
    ax.plot(traj.collisions, traj.heat_cold, label=r"$J_c$")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel(r"collision $n$")
    ax.set_ylabel(r"$J$ (units of $\omega$ per collision)")
    coherence = (
        f"{m.hot.coherence:.3g}" if m.hot.coherence == m.cold.coherence else f"{m.hot.coherence:.3g}, {m.cold.coherence:.3g}"
    )
    ax.set_title(
        rf"$\gamma={format_angle(m.gamma, 'tex')}$, $\delta={format_angle(m.delta, 'tex')}$, "
        rf"$T_h={m.hot.temperature:.4g}$, $T_c={m.cold.temperature:.4g}$, $p={coherence}$, "
        rf"$\phi_h-\phi_c={format_angle(m.phase_difference, 'tex')}$, $\omega={m.omega:.4g}$",
        fontsize=9,
    )
    ax.legend()
    return ax
