r"""Figures of the device study: :math:`J_h(k)` exact, device prediction, and shot estimates."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ..engines import simulate
from ..hardware.noise_map import NoisyCollisionMap
from ..hardware.sampling import HeatCurrentEstimate
from ..steady import steady_state

__all__ = ["plot_device_heat_current"]


def plot_device_heat_current(
    noisy_map: NoisyCollisionMap,
    n_collisions: int,
    estimate: HeatCurrentEstimate | None = None,
    *,
    tail_start: int | None = None,
    sigmas: float = 3.0,
    mitigated: bool = False,
    control_map: NoisyCollisionMap | None = None,
    zoom_tail: bool = True,
    ax: Axes | None = None,
) -> Axes:
    r"""Plot :math:`J_h(k)` (Eqs. 10–11): exact, predicted on the device, and estimated from shots.

    Parameters
    ----------
    noisy_map : NoisyCollisionMap
        The device's one-collision map (its model gives the exact curve).
    n_collisions : int
        Collisions shown, k = 1..n.
    estimate : HeatCurrentEstimate, optional
        Shot estimates, drawn with 1-sigma error bars, and their tail average with its
        ``sigmas``-sigma band.
    tail_start : int, optional
        First collision of the tail (shaded); default: ``estimate.tail_start`` if given.
    sigmas : float
        Width of the band around the estimated steady current.
    mitigated : bool
        Draw the readout-mitigated prediction instead of the raw one.
    control_map : NoisyCollisionMap, optional
        The device map of the thermal control (p = 0,
        :func:`~circuitheat.hardware.observability.thermal_control`): its predicted
        :math:`J_h(k)` is drawn dotted. A reversal is only evidence if this stays < 0.
    zoom_tail : bool
        Scale the y-axis to the tail (and zero), where the sign of the steady current is
        read; earlier collisions outside that range are drawn as triangles on the frame
        with their value written next to them.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    model = noisy_map.model
    exact = simulate(model, n_collisions, store_states=False)
    pred = noisy_map.trajectory(n_collisions)
    k = exact.collisions
    device = pred.heat_hot_mitigated if mitigated else pred.heat_hot
    if tail_start is None and estimate is not None:
        tail_start = estimate.tail_start
    if tail_start is not None:
        ax.axvspan(tail_start - 0.5, n_collisions + 0.5, color="0.93", zorder=0, label=f"tail (k ≥ {tail_start})")
    ax.axhline(0.0, color="0.5", lw=0.7)
    ax.plot(k, exact.heat_hot, "-", color="black", lw=1.4, label="exact")
    steady = steady_state(model).heat_hot
    ax.axhline(steady, color="black", lw=0.8, ls="-.", label=rf"exact $J_h^{{steady}}$ = {steady:+.4f}")
    label = f"{noisy_map.backend_name} prediction" + (" (readout-mitigated)" if mitigated else " (raw readout)")
    ax.plot(k, device, "--", color="tab:red", lw=1.6, label=label)
    curves = [exact.heat_hot, device]
    if control_map is not None:
        ctrl = control_map.trajectory(n_collisions)
        ctrl_values = ctrl.heat_hot_mitigated if mitigated else ctrl.heat_hot
        ax.plot(k, ctrl_values, ":", color="tab:green", lw=1.6, label="thermal control (p=0), device prediction")
        curves.append(ctrl_values)
    if estimate is not None:
        ax.errorbar(
            estimate.collisions,
            estimate.heat_hot,
            yerr=estimate.heat_hot_stderr,
            fmt="o",
            ms=4,
            color="tab:blue",
            capsize=2,
            label=f"{estimate.shots} shots ({estimate.backend_name}), ±1σ",
        )
        lo = estimate.steady_hot - sigmas * estimate.steady_hot_stderr
        hi = estimate.steady_hot + sigmas * estimate.steady_hot_stderr
        ax.fill_between(
            [estimate.tail_start - 0.5, estimate.n_collisions + 0.5],
            lo,
            hi,
            color="tab:blue",
            alpha=0.2,
            label=f"tail mean ±{sigmas:g}σ: {estimate.steady_hot:+.4f}",
        )
    if zoom_tail and tail_start is not None and tail_start > 1:
        _zoom(ax, k, tail_start, curves, estimate)
    ax.set_xlabel(r"collision $n$")
    ax.set_ylabel(r"$J_h(n)$  (units of $\omega$)")
    if n_collisions <= 30:
        ax.set_xticks(np.arange(1, n_collisions + 1, max(1, n_collisions // 10)))
    ax.set_title(
        rf"$\gamma={model.gamma:.4g}$, $\delta={model.delta:.4g}$, $T_h={model.hot.temperature:g}$, "
        rf"$T_c={model.cold.temperature:g}$, $p={model.hot.coherence:g}$, $\phi_h-\phi_c={model.phase_difference:.4g}$; "
        rf"qubits {list(noisy_map.physical_qubits)}",
        fontsize=8,
    )
    # Outside the axes: the shot estimates fill the whole plot area for long circuits.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return ax


#: Margin added around the tail's values when zooming (fraction of their span).
_ZOOM_MARGIN = 0.35


def _zoom(ax: Axes, k: np.ndarray, tail_start: int, curves: list, estimate: HeatCurrentEstimate | None) -> None:
    """Limit the y-axis to the tail values and zero; mark earlier points that fall outside."""
    tail = k >= tail_start
    values = [0.0, *(c[tail] for c in curves)]
    if estimate is not None:
        values += [
            estimate.heat_hot[tail] - estimate.heat_hot_stderr[tail],
            estimate.heat_hot[tail] + estimate.heat_hot_stderr[tail],
        ]
    flat = np.concatenate([np.atleast_1d(v) for v in values])
    lo, hi = float(flat.min()), float(flat.max())
    pad = _ZOOM_MARGIN * (hi - lo if hi > lo else 1.0)
    lo, hi = lo - pad, hi + pad
    ax.set_ylim(lo, hi)
    points = [(int(kk), float(c[i])) for c in curves[:1] for i, kk in enumerate(k) if not lo <= c[i] <= hi]
    for kk, value in points:
        edge = lo if value < lo else hi
        ax.plot([kk], [edge], marker="v" if value < lo else "^", color="black", ms=7, clip_on=False, zorder=5)
        ax.annotate(
            f"exact {value:+.3f}",
            (kk, edge),
            xytext=(6, 8 if value < lo else -12),
            textcoords="offset points",
            fontsize=7,
        )
