"""Basic figures of a trajectory."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from ..trajectory import Trajectory

__all__ = ["plot_heat_currents"]


def plot_heat_currents(traj: Trajectory, ax: Axes | None = None) -> Axes:
    r"""Plot :math:`J_h(n)` and :math:`J_c(n)` (Eqs. 10–11) versus the collision number n."""
    if ax is None:
        _, ax = plt.subplots()
    m = traj.model
    ax.plot(traj.collisions, traj.heat_hot, label=r"$J_h$")
    ax.plot(traj.collisions, traj.heat_cold, label=r"$J_c$")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel(r"$n$")
    ax.set_ylabel(r"$J$")
    ax.set_title(
        rf"$\gamma={m.gamma:.4g}$, $\delta={m.delta:.4g}$, $T_h={m.hot.temperature:.4g}$, $T_c={m.cold.temperature:.4g}$, "
        rf"$p={m.hot.coherence:.3g}$, $\phi_h-\phi_c={m.phase_difference:.4g}$",
        fontsize=9,
    )
    ax.legend()
    return ax
