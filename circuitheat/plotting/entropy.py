r"""Figures of Sec. IV: the entropy balance versus n and the second law in the reversed regime.

Both functions take ``ax=None`` (a new figure if None) and return the Axes;
``circuitheat reproduce`` calls them by these names.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.typing import NDArray

from ..model import CollisionModel, Reservoir
from ..thermo import EntropyBalance, second_law_scan
from .labels import MATHTEXT_NAME, format_angle, plain_text

__all__ = ["plot_entropy_balance", "plot_network_second_law", "plot_second_law"]


def _fig2_model(phase_difference: float = 5 * math.pi / 4) -> CollisionModel:
    r"""The paper's Fig. 2 model (:math:`\gamma=\pi/32, \delta=\pi/4, T_h=2, T_c=1, p=0.8`) at a phase difference."""
    from ..paper import FIG2

    hot = Reservoir(FIG2["t_hot"], FIG2["coherence"], phase_difference, FIG2["omega"])
    cold = Reservoir(FIG2["t_cold"], FIG2["coherence"], 0.0, FIG2["omega"])
    return CollisionModel(gamma=FIG2["gamma"], delta=FIG2["delta"], hot=hot, cold=cold)


def _finite(values: NDArray) -> NDArray:
    """Non-finite entries (a divergent logarithm, p = 1) become gaps in the curve."""
    v = np.asarray(values, dtype=float)
    return np.where(np.isfinite(v), v, np.nan)


def _tex_angle(value: float | None) -> str:
    """An angle for a title: a multiple of pi where it is one, ``?`` when unknown."""
    return "?" if value is None or not np.isfinite(value) else format_angle(float(value), "tex")


def _title(model: CollisionModel) -> str:
    return (
        rf"$\gamma={format_angle(model.gamma, 'tex')}$, $\delta={format_angle(model.delta, 'tex')}$, "
        rf"$T_h={model.hot.temperature:.4g}$, "
        rf"$T_c={model.cold.temperature:.4g}$, $p_h={model.hot.coherence:.3g}$, $p_c={model.cold.coherence:.3g}$"
    )


#: Labels of the paper's two reservoirs: (name of Delta S_re part, its equation, thermal form's equation, beta symbol).
_PAPER_PARTS = {"hot": ("re1", 22, 23, "h"), "cold": ("re2", 25, 26, "c")}


def _part_labels(name: str, paper: bool) -> tuple[str, str]:
    r"""Legend labels of :math:`\Delta S_{re,r}` and of its thermal form :math:`-\beta_r Q_r` for reservoir ``name``.

    ``paper``: the paper's model, whose two reservoirs have the equations of Sec. IV; a network's
    reservoirs (even if named "hot" and "cold") get the generic labels, with the name as plain text.
    """
    if paper and name in _PAPER_PARTS:
        sub, eq, eq_thermal, r = _PAPER_PARTS[name]
        return (
            rf"$\Delta S_{{{sub}}}$, {name} (Eq. {eq})",
            rf"$-\beta_{r} Q_{r}$, $Q_{r}=\sum_k J_{r}(k)$ (Eq. {eq_thermal} form)",
        )
    return rf"$\Delta S_{{re}}$, {plain_text(name)}", rf"$-\beta Q$, {plain_text(name)} (thermal form)"


def plot_entropy_balance(balance: EntropyBalance, ax: Axes | None = None) -> Axes:
    r"""Entropy flows of Sec. IV versus the collision (step) number n, for a model or a network.

    Plots :math:`\Delta S` (Eq. 16), :math:`\Delta S_{re}` (Eq. 17) and its part per
    reservoir (:math:`\Delta S_{re1}, \Delta S_{re2}`, Eqs. 22, 25), the entropy production
    :math:`\Delta S_{ir}` (Eq. 20; markers: the direct joint-state value when
    available), and, dotted, the thermal forms :math:`-\beta_r Q_r` with the cumulative heat
    :math:`Q_r(n) = \sum_{k\le n}J_r(k)` (Eqs. 23, 26), which :math:`\Delta S_{re1}`,
    :math:`\Delta S_{re2}` follow only for thermal reservoirs. Divergent entries (pure
    ancillas, p = 1) are left out of the curves and named in the legend.

    Parameters
    ----------
    balance : EntropyBalance
        From :func:`circuitheat.thermo.entropy_balance`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if not isinstance(balance, EntropyBalance):
        raise TypeError(f"balance must be an EntropyBalance, got {type(balance).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    n = balance.collisions
    parts, clausius = balance.delta_s_re_parts, balance.clausius
    curves = [
        (balance.delta_s, r"$\Delta S$ (Eq. 16)", {"color": "k", "lw": 1.8}),
        (balance.delta_s_re, r"$\Delta S_{re}$ (Eq. 17)", {"color": "C0", "lw": 1.8}),
    ]
    colors = {name: f"C{(1 + k) if k < 2 else 2 + k}" for k, name in enumerate(balance.names)}  # C3: production
    paper = isinstance(balance.model, CollisionModel)
    curves += [(parts[r], _part_labels(r, paper)[0], {"color": colors[r], "lw": 1.2}) for r in balance.names]
    curves.append((balance.production, r"$\Delta S_{ir}$ (Eq. 20)", {"color": "C3", "lw": 1.8}))
    curves += [(clausius[r], _part_labels(r, paper)[1], {"color": colors[r], "lw": 1.0, "ls": ":"}) for r in balance.names]
    for values, label, style in curves:
        if not np.all(np.isfinite(values)):
            label += r" ($\pm\infty$ omitted)"
        ax.plot(n, _finite(values), label=label, **style)
    if balance.production_joint is not None:
        ax.plot(n, _finite(balance.production_joint), "o", color="C3", mfc="none", ms=6, label="joint-state $D$ (Eq. 20)")
    ax.axhline(0.0, color="0.6", lw=0.6)
    ax.set_xlabel(r"collision $n$" if isinstance(balance.model, CollisionModel) else r"step $n$")
    ax.set_ylabel("entropy (nats)")
    if isinstance(balance.model, CollisionModel):
        dphi = format_angle(balance.model.phase_difference, "tex")
        ax.set_title(_title(balance.model) + rf", $\phi_h-\phi_c={dphi}$", fontsize=8)
    else:
        ax.set_title(f"{_network_text(balance.model)}, {len(balance.model.step)} operations per step", fontsize=8)
    ax.legend(fontsize=7, loc="best")
    return ax


def _network_text(network) -> str:
    """``N sites, reservoirs a, b`` for a figure title (names mathtext-safe)."""
    return f"{network.sites} sites, reservoirs {', '.join(plain_text(r) for r in network.reservoir_names)}"


def _runs(mask: NDArray) -> list[tuple[int, int]]:
    """Index ranges [start, stop] (inclusive) of the True runs of a boolean array."""
    runs, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if not m and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def plot_second_law(data=None, ax: Axes | None = None, *, mark: float | None = 5 * math.pi / 4) -> Axes:
    r"""Steady-state entropy production versus the Clausius-like flow, against :math:`\phi_h-\phi_c`.

    Per collision in the steady state: the true entropy production
    :math:`\sigma = -\Delta S_{re}` per collision (Eqs. 16, 20; :math:`\ge 0`) and
    :math:`\beta_hJ_h+\beta_cJ_c` built from the effective temperatures. The second turns
    negative where heat flows from the cold into the hot reservoir (:math:`J_h > 0`,
    shaded), while :math:`\sigma` stays non-negative: the reservoirs' coherence pays.

    Parameters
    ----------
    data : xarray.Dataset, CollisionModel or None
        A :func:`circuitheat.thermo.second_law_scan` result; a model (scanned on the
        default grid); or None for the paper's Fig. 2 parameters
        (:math:`\gamma=\pi/32, \delta=\pi/4, T_h=2, T_c=1, p=0.8`).
    ax : matplotlib Axes, optional
    mark : float or None
        A phase difference (rad) to mark with a vertical line (default :math:`5\pi/4`).

    Returns
    -------
    matplotlib Axes
    """
    if data is None:
        data = _fig2_model()
    if isinstance(data, CollisionModel):
        data = second_law_scan(data)
    if not hasattr(data, "data_vars") or "production" not in data or "clausius" not in data:
        raise TypeError(f"data must be a second_law_scan Dataset, a CollisionModel or None, got {type(data).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    x = np.asarray(data["phase_difference"]) / np.pi
    heat_hot = np.asarray(data["heat_hot"])
    first = True
    for i, j in _runs(heat_hot > 0):
        lo = x[i] if i == 0 else 0.5 * (x[i - 1] + x[i])
        hi = x[j] if j == len(x) - 1 else 0.5 * (x[j] + x[j + 1])
        ax.axvspan(lo, hi, color="C1", alpha=0.15, lw=0, label=r"$J_h>0$: cold $\to$ hot" if first else None)
        first = False
    production = np.asarray(data["production"])
    label = r"entropy production $\sigma$ per collision (Eq. 20)"
    if not np.all(np.isfinite(production)):
        label += r" ($+\infty$ omitted)"
    ax.plot(x, _finite(production), color="C3", lw=1.8, label=label)
    ax.plot(x, np.asarray(data["clausius"]), color="C0", lw=1.8, label=r"$\beta_hJ_h+\beta_cJ_c$ (effective $T$)")
    ax.axhline(0.0, color="0.4", lw=0.7)
    if mark is not None:
        _mark_phase(ax, mark, r"$\Delta\phi={}$")
    ax.set_xlabel(r"$(\phi_h-\phi_c)/\pi$")
    ax.set_ylabel("nats per collision")
    ax.set_xlim(x[0], x[-1])
    attrs = data.attrs
    ax.set_title(
        rf"steady state: $\gamma={_tex_angle(attrs.get('gamma'))}$, $\delta={_tex_angle(attrs.get('delta'))}$, "
        rf"$T_h={attrs.get('t_hot', float('nan')):.4g}$, $T_c={attrs.get('t_cold', float('nan')):.4g}$, "
        rf"$p={attrs.get('coherence_hot', float('nan')):.3g}$",
        fontsize=8,
    )
    ax.legend(fontsize=7, loc="best")
    return ax


def _phase_axis_label(scanned: str, reference: str) -> str:
    r"""x label of the scan, :math:`(\phi_s-\phi_r)/\pi` with the reservoirs' names."""
    if MATHTEXT_NAME.fullmatch(scanned) and MATHTEXT_NAME.fullmatch(reference):
        return rf"$(\phi_{{\mathrm{{{scanned}}}}}-\phi_{{\mathrm{{{reference}}}}})/\pi$"
    return rf"(phase of {plain_text(scanned)} $-$ phase of {plain_text(reference)})$/\pi$"


def plot_network_second_law(scan, steady, ax: Axes | None = None, *, mark: float | None = None) -> Axes:
    r"""Steady :math:`\sigma` and :math:`\sum_r\beta_rJ_r` versus the scanned phase difference, and each reservoir's share.

    Per reservoir r: the entropy it receives per step, :math:`-\mathrm{Tr}[(\tilde\eta^*_r-\eta_r)\ln\eta_r]`
    (``-exchanged_<r>``; these add up to :math:`\sigma`, Eq. 16 in the steady state), and dotted its
    thermal form :math:`\beta_rJ_r` (Eqs. 23, 26; these add up to the Clausius-like flow). Shaded:
    where the Clausius-like flow is negative while :math:`\sigma \ge 0`.

    Parameters
    ----------
    scan : xarray.Dataset
        A :func:`~circuitheat.thermo.second_law_scan` of a network.
    steady : SteadyEntropyProduction
        Of the same network (for the effective inverse temperatures :math:`\beta_r`, Eq. 12).
    ax : matplotlib Axes, optional
    mark : float, optional
        The network's own phase difference (rad), marked by a vertical line.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    x = np.asarray(scan["phase_difference"]) / np.pi
    scanned, reference = scan.attrs["scanned"], scan.attrs["reference"]
    clausius = np.asarray(scan["clausius"])
    negative = clausius < 0
    if np.any(negative):
        ax.fill_between(
            x,
            0,
            1,
            where=negative,
            transform=ax.get_xaxis_transform(),
            color="C1",
            alpha=0.15,
            lw=0,
            label=r"$\Sigma_r\beta_rJ_r<0$",
        )
    production = np.asarray(scan["production"], dtype=float)
    ax.plot(x, np.where(np.isfinite(production), production, np.nan), color="k", lw=1.8, label=r"$\sigma$ per step (Eq. 20)")
    ax.plot(x, clausius, color="k", lw=1.4, ls="--", label=r"$\Sigma_r\beta_rJ_r$ (effective $T$)")
    for k, name in enumerate(steady.names):
        color = f"C{k if k < 1 else k + 1}"  # C1 is the shading
        exchanged = -np.asarray(scan[f"exchanged_{name}"], dtype=float)
        label = rf"$-\mathrm{{Tr}}[(\tilde\eta-\eta)\ln\eta]$, {plain_text(name)}"
        ax.plot(x, np.where(np.isfinite(exchanged), exchanged, np.nan), color=color, lw=1.2, label=label)
        beta_j = steady.beta[name] * np.asarray(scan[f"heat_{name}"])
        label = rf"$\beta J$, {plain_text(name)} ($\beta={steady.beta[name]:.3g}$)"
        ax.plot(x, beta_j, color=color, lw=1.0, ls=":", label=label)
    ax.axhline(0.0, color="0.4", lw=0.7)
    if mark is not None:
        _mark_phase(ax, mark, r"file: $\Delta\phi={}$")
    ax.set_xlabel(_phase_axis_label(scanned, reference))
    ax.set_ylabel("entropy per step (nats)")
    ax.set_xlim(x[0], x[-1])
    scan_text = f"scanned: phase of {plain_text(scanned)} relative to {plain_text(reference)}"
    ax.set_title(f"steady state: {_network_text(steady.model)}; {scan_text}", fontsize=8)
    ax.legend(fontsize=7, loc="best")
    return ax


def _mark_phase(ax: Axes, mark: float, text: str) -> None:
    """A vertical line at the phase difference ``mark`` (rad), labelled ``text`` with ``{}`` the angle (mathtext)."""
    ax.axvline(mark / np.pi, color="0.3", lw=0.8, ls="--")
    ax.annotate(
        text.replace("{}", format_angle(mark, "tex")),
        (mark / np.pi, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(3, -12),
        textcoords="offset points",
        fontsize=8,
    )
