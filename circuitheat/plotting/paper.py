r"""The paper's Figs. 2–5, drawn from the data of :mod:`circuitheat.reproduce.figures`.

Axis labels are the paper's symbols (:math:`n`, :math:`J_h`, :math:`J_h^{steady}`,
:math:`\phi_h-\phi_c`, :math:`T`, :math:`\Delta T`, :math:`\kappa`); each figure has a
legend or panel labels and a title line giving its parameters. Single-axes figures
take ``ax=None`` and return the Axes; multi-panel figures take ``fig=None`` and
return the Figure.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from ..validation import InputValueError
from .labels import format_angle

__all__ = [
    "CASE_COLORS",
    "parameter_title",
    "plot_fig2",
    "plot_fig3",
    "plot_fig3_panel",
    "plot_fig4",
    "plot_fig5",
    "plot_fig5_delta_t",
    "plot_fig5_panel",
    "set_phase_axis",
]

#: Line colours of the phase differences (labels as in ``format_angle``); the thermal
#: curve is dashed black as in the paper.
CASE_COLORS = {
    "0": "tab:blue",
    "π/4": "tab:orange",
    "π/2": "tab:green",
    "π": "tab:red",
    "5π/4": "tab:purple",
    "3π/2": "tab:brown",
    "thermal": "black",
}

_TITLE_SIZE = 9


def _style(label: str) -> dict:
    if label == "thermal":
        return {"color": "black", "ls": "--", "lw": 1.4}
    return {"color": CASE_COLORS.get(label, None), "ls": "-", "lw": 1.1}


def parameter_title(attrs: dict, *, coherence: bool = True, temperatures: str = "fixed", extra: str = "") -> str:
    r"""A mathtext title line with the figure's parameters (from a data object's ``attrs``).

    Parameters
    ----------
    attrs : dict
        ``gamma``, ``delta``, ``t_hot``, ``t_cold``, ``coherence``, ``omega``, ``initial_state``.
    coherence : bool
        Include :math:`p`.
    temperatures : {"fixed", "linear"}
        ``"fixed"``: :math:`T_h = 2, T_c = 1`; ``"linear"``: :math:`T_{h,c} = T\pm\Delta T/2` (Sec. V).
    extra : str
        Appended text (mathtext allowed).
    """
    parts = []
    if coherence:
        parts.append(rf"$p={attrs['coherence']:g}$")
    if "gamma" in attrs:
        parts.append(rf"$\gamma={format_angle(attrs['gamma'], 'tex')}$")
    parts.append(rf"$\delta={format_angle(attrs['delta'], 'tex')}$")
    if temperatures == "fixed":
        parts.append(rf"$T_h={attrs['t_hot']:g}$, $T_c={attrs['t_cold']:g}$")
    else:
        parts.append(r"$T_{h,c}=T\pm\Delta T/2$")
    parts.append(rf"$\omega={attrs['omega']:g}$")
    if "initial_state" in attrs and temperatures == "fixed":
        parts.append(rf"$\rho_S(0)=|{attrs['initial_state']}\rangle\langle {attrs['initial_state']}|$")
    text = ", ".join(parts)
    return f"{text}{', ' + extra if extra else ''}"


def set_phase_axis(ax: Axes, axis: str = "x") -> None:
    r"""Ticks at 0, :math:`\pi/2`, :math:`\pi`, :math:`3\pi/2`, :math:`2\pi` on a phase-difference axis."""
    ticks = [0, math.pi / 2, math.pi, 3 * math.pi / 2, 2 * math.pi]
    labels = ["$0$", r"$\pi/2$", r"$\pi$", r"$3\pi/2$", r"$2\pi$"]
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(ticks))
    (ax.set_xticklabels if axis == "x" else ax.set_yticklabels)(labels)


def plot_fig2(data: xr.Dataset, ax: Axes | None = None, *, inset: bool = True, title: bool = True) -> Axes:
    r"""Fig. 2: heat current :math:`J_h(n)` (Eqs. 10–11) against the collision number n.

    Six coherent curves (p = 0.8, :math:`\phi_h-\phi_c \in \{0, \pi/4, \pi/2, \pi, 5\pi/4,
    3\pi/2\}`) and the thermal one (dashed black); the inset magnifies the thermal,
    :math:`0` and :math:`\pi` curves, whose steady values differ by a few
    :math:`10^{-4}` (paper: :math:`|J(0)| < |J(\pi)| < |J(\rho_\beta)|`).

    The :math:`\pi` curve looks like a thick band: it oscillates with period ≈ 4
    collisions, because the one-collision map has eigenvalues
    :math:`\approx -0.04 \pm 0.99i` (:data:`~circuitheat.reproduce.figures.FIG2_OSCILLATION_NOTE`).

    Parameters
    ----------
    data : xarray.Dataset
        From :func:`circuitheat.reproduce.figures.fig2_data`.
    ax : Axes, optional
    inset : bool
        Draw the magnifying inset (needs the ``"thermal"``, ``"0"`` and ``"π"`` curves).
    title : bool
        Put the parameter line above the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.0), layout="constrained")
    n = data.collision.values
    for case in data.case.values:
        curve = data.heat_hot.sel(case=case)
        ax.plot(n, curve.values, label=str(data.legend.sel(case=case).item()), **_style(str(case)))
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=0)
    ax.set_xlim(0, n[-1])
    lo, hi = float(data.heat_hot.min()), float(data.heat_hot.max())
    span = hi - lo
    # headroom above the curves for the inset, below them for the legend
    ax.set_ylim(lo - 0.32 * span, hi + 0.62 * span)
    ax.set_xlabel(r"collision $n$")
    ax.set_ylabel(r"$J_h(n)$ (units of $\omega$ per collision)")
    ax.legend(loc="lower center", ncol=4, fontsize=8, frameon=False)
    if title:
        ax.set_title("Fig. 2: " + parameter_title(data.attrs) + r" (thermal: $p=0$)", fontsize=_TITLE_SIZE)
    if inset and {"thermal", "0", "π"} <= set(map(str, data.case.values)):
        ins = ax.inset_axes((0.42, 0.585, 0.56, 0.335))
        for case in ("0", "π", "thermal"):
            ins.plot(n, data.heat_hot.sel(case=case).values, **{**_style(case), "lw": 0.9})
            ins.axhline(float(data.steady_hot.sel(case=case)), color=_style(case)["color"], lw=0.5, ls=":")
        ins.axhline(0.0, color="0.6", lw=0.5, zorder=0)
        thermal_min = float(data.heat_hot.sel(case="thermal").min())
        ins.set_ylim(1.1 * thermal_min, -0.45 * thermal_min)
        ins.set_xlim(0, n[-1])
        ins.tick_params(labelsize=7)
        ins.yaxis.get_offset_text().set_fontsize(7)
        ins.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
        ins.set_title(r"magnified: thermal and $\phi_h-\phi_c=0,\pi$ (dotted: steady values)", fontsize=7, loc="right")
    return ax


def plot_fig3_panel(curve: xr.DataArray, ax: Axes | None = None, *, printed_limits: bool = True) -> Axes:
    r"""One panel of Fig. 3: :math:`J_h^{steady}` versus :math:`\phi_h-\phi_c` at one :math:`\gamma`.

    ``curve`` is ``fig3_data().sel(gamma=...)``. With ``printed_limits`` the y-range is
    the paper's printed ±limit (its ``axis_limit`` coordinate) and the ticks are
    :math:`-\text{limit}, 0, +\text{limit}` as in the paper.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.0, 3.0), layout="constrained")
    phases = curve.phase_difference.values
    ax.plot(phases, curve.values, color="tab:blue", lw=1.4)
    ax.axhline(0.0, color="0.6", lw=0.6, zorder=0)
    ax.fill_between(phases, 0, curve.values, where=curve.values > 0, color="tab:red", alpha=0.15, lw=0, label=r"$J_h^{steady}>0$")
    ax.set_xlim(0, 2 * math.pi)
    set_phase_axis(ax)
    if printed_limits and "axis_limit" in curve.coords:
        lim = float(curve.axis_limit)
        ax.set_ylim(-lim, lim)
        ax.yaxis.set_major_locator(FixedLocator([-lim, 0.0, lim]))
        ax.set_yticklabels([f"${-lim:g}$", "$0$", f"${lim:g}$"])
    ax.set_xlabel(r"$\phi_h-\phi_c$ (rad)")
    ax.set_ylabel(r"$J_h^{steady}$ (units of $\omega$)")
    gamma = format_angle(float(curve.gamma), "tex")
    panel = str(curve.panel.item()) if "panel" in curve.coords else ""
    ax.text(0.03, 0.95, rf"{panel} $\gamma={gamma}$", transform=ax.transAxes, va="top", fontsize=9)
    return ax


def plot_fig3(data: xr.DataArray, fig: Figure | None = None) -> Figure:
    r"""Fig. 3: four panels (a)–(d), :math:`\gamma = \pi/2, \pi/4, \pi/12, \pi/32`, with the paper's axis ranges."""
    if fig is None:
        fig = plt.figure(figsize=(8.0, 6.0), layout="constrained")
    axes = fig.subplots(2, 2)
    for ax, gamma in zip(axes.flat, data.gamma.values, strict=True):
        plot_fig3_panel(data.sel(gamma=gamma), ax)
    axes.flat[0].legend(loc="lower right", fontsize=8, frameon=False)
    attrs = {k: v for k, v in data.attrs.items() if k != "gamma"}
    fig.suptitle(
        "Fig. 3: " + parameter_title(attrs) + r"; shaded: heat flows from $R^c$ into $R^h$",
        fontsize=_TITLE_SIZE,
    )
    return fig


def plot_fig4(data: xr.DataArray, ax: Axes | None = None, *, title: bool = True, mark_peaks: bool = True) -> Axes:
    r"""Fig. 4: conductance :math:`\kappa(T)` (Eqs. 29–31, B1) for :math:`\phi_h-\phi_c = 0, \pi` and :math:`\rho_\beta`."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    t = data.temperature.values
    styles = {"0": ("tab:blue", "-"), "π": ("tab:red", "-"), "thermal": ("black", "--")}
    labels = {"0": r"$\phi_h-\phi_c=0$", "π": r"$\phi_h-\phi_c=\pi$", "thermal": r"$\rho_\beta$ ($p=0$)"}
    for case in data.case.values:
        color, ls = styles.get(str(case), (None, "-"))
        k = data.sel(case=case).values
        ax.plot(t, k, color=color, ls=ls, lw=1.4, label=labels.get(str(case), str(case)))
        if mark_peaks:
            i = int(np.argmax(k))
            ax.plot(t[i], k[i], marker="o", ms=3.5, color=color)
    ax.set_xlim(0, max(3.0, t[-1]))
    ax.set_ylim(0, 1.15 * float(data.max()))
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    ax.set_xlabel(r"$T$ (units of $\omega$, $k_B=1$)")
    ax.set_ylabel(r"$\kappa$ (dimensionless, $k_B=1$)")
    ax.legend(frameon=False)
    if title:
        attrs = dict(data.attrs)
        ax.set_title(
            "Fig. 4: "
            + parameter_title(
                attrs,
                coherence=False,
                temperatures="linear",
                extra=rf"$\Delta T\to 0$, $p={attrs['coherence']:g}$ (thermal: $p=0$); dots: maxima",
            ),
            fontsize=_TITLE_SIZE - 1,
        )
    return ax


def plot_fig5_panel(surface: xr.DataArray, ax: Axes | None = None, *, kind: str = "map") -> Axes:
    r"""One panel of Fig. 5: :math:`J_h^{steady}(\Delta T, T)` at one :math:`\phi_h-\phi_c`.

    Parameters
    ----------
    surface : xarray.DataArray
        ``fig5_data().sel(phase_difference=...)``, dims (temperature, temperature_difference).
    ax : Axes, optional
        For ``kind="surface"`` a 3-D Axes (``projection="3d"``).
    kind : {"map", "surface"}
        ``"map"``: colour map over (T, ΔT) with the contour :math:`J_h^{steady}=0`
        (where the current changes direction) and a colour bar; ``"surface"``: the
        paper's 3-D surface.
    """
    if kind not in ("map", "surface"):
        raise InputValueError(f"kind must be one of 'map', 'surface', got {kind!r}")
    t = surface.temperature.values
    dt = surface.temperature_difference.values
    j = surface.transpose("temperature_difference", "temperature").values
    dphi = format_angle(float(surface.phase_difference), "tex")
    panel = str(surface.panel.item()) if "panel" in surface.coords else ""
    if kind == "surface":
        if ax is None:
            fig = plt.figure(figsize=(5.0, 4.4), layout="constrained")
            ax = fig.add_subplot(projection="3d")
        tt, dd = np.meshgrid(t, dt)
        # the power of ten goes into the axis label: a 3-D axis places matplotlib's offset text
        # ("1e-2") far from its axis, where it reads as a stray label
        z_exp = _decade(float(np.max(np.abs(j))))
        ax.plot_surface(dd, tt, j / 10.0**z_exp, cmap="viridis", rstride=1, cstride=2, linewidth=0.1, edgecolor="0.3")
        ax.set_xlabel(r"$\Delta T$ (units of $\omega$)", labelpad=6)
        ax.set_ylabel(r"$T$ (units of $\omega$)")
        ax.set_zlabel(rf"$J_h^{{steady}}$ ($10^{{{z_exp}}}\,\omega$)", labelpad=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(FixedLocator([0, dt[-1] / 2, dt[-1]]))
        ax.set_box_aspect(None, zoom=0.88)  # room for the z label inside the panel
        ax.view_init(elev=22, azim=-135 if float(surface.phase_difference) < math.pi else -50)
        ax.set_title(rf"{panel} $\phi_h-\phi_c={dphi}$", fontsize=10)
        return ax
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 4.0), layout="constrained")
    vmax = float(np.max(np.abs(j)))
    mesh = ax.pcolormesh(t, dt, j, cmap="RdBu_r", vmin=-vmax, vmax=vmax, shading="auto", rasterized=True)
    cbar = ax.figure.colorbar(mesh, ax=ax)
    cbar.set_label(r"$J_h^{steady}$ (units of $\omega$)")
    cbar.formatter.set_powerlimits((-2, 2))
    ax.contour(t, dt, j, levels=8, colors="0.25", linewidths=0.4)
    if np.any(j > 0) and np.any(j < 0):
        zero = ax.contour(t, dt, j, levels=[0.0], colors="black", linewidths=1.6)
        ax.clabel(zero, fmt={0.0: r"$J_h^{steady}=0$"}, fontsize=7)
    ax.set_xlabel(r"$T$ (units of $\omega$)")
    ax.set_ylabel(r"$\Delta T$ (units of $\omega$)")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    ax.set_title(rf"{panel} $\phi_h-\phi_c={dphi}$", fontsize=10)
    return ax


def _decade(x: float) -> int:
    """The power of ten of ``x`` (> 0), rounded down: 0.014 -> -2; 0 for x = 0."""
    return math.floor(math.log10(x)) if x > 0 else 0


def plot_fig5_delta_t(surface: xr.DataArray, ax: Axes | None = None) -> Axes:
    r"""The :math:`\Delta T` dependence of one Fig. 5 panel: :math:`J_h^{steady}(T,\Delta T) - J_h^{steady}(T, 0)`.

    On the paper's surface the :math:`\Delta T` dependence, :math:`-\lambda(T)\Delta T` of Eq. (30)
    with :math:`\lambda \sim 10^{-3}`, is ~1e-3 of the offset c(T) and cannot be seen; this map
    subtracts the :math:`\Delta T = 0` (first) row so it can. Lines: contours of the difference.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.6), layout="constrained")
    t = surface.temperature.values
    dt = surface.temperature_difference.values
    j = surface.transpose("temperature_difference", "temperature").values
    diff = j - j[:1, :]
    exp = _decade(float(np.max(np.abs(diff))))
    vmax = float(np.max(np.abs(diff))) / 10.0**exp or 1.0
    mesh = ax.pcolormesh(t, dt, diff / 10.0**exp, cmap="RdBu_r", vmin=-vmax, vmax=vmax, shading="auto", rasterized=True)
    ax.contour(t, dt, diff, levels=6, colors="0.25", linewidths=0.4)
    cbar = ax.figure.colorbar(mesh, ax=ax)
    d0 = f"{dt[0]:g}"
    cbar.set_label(rf"$J_h^{{steady}}-J_h^{{steady}}|_{{\Delta T={d0}}}$ ($10^{{{exp}}}\,\omega$)", fontsize=8)
    ax.set_xlabel(r"$T$ (units of $\omega$)")
    ax.set_ylabel(rf"$\Delta T$ ($10^{{{_decade(float(dt[-1]))}}}\,\omega$)")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 10.0 ** _decade(float(dt[-1])):g}")
    dphi = format_angle(float(surface.phase_difference), "tex")
    ax.set_title(rf"$\Delta T$ dependence at $\phi_h-\phi_c={dphi}$: $-\lambda(T)\,\Delta T$ (Eq. 30)", fontsize=9)
    return ax


def plot_fig5(data: xr.DataArray, fig: Figure | None = None, *, kind: str = "surface") -> Figure:
    r"""Fig. 5: :math:`J_h^{steady}` over (:math:`\Delta T`, T), panels (a) :math:`\pi/4` and (b) :math:`5\pi/4`.

    ``kind="surface"`` draws the paper's 3-D surfaces; ``kind="map"`` colour maps with the
    :math:`J_h^{steady} = 0` contour (see :func:`plot_fig5_panel`). A second row shows the
    :math:`\Delta T` dependence, which the offset c(T) of Eq. (30) hides on the
    first (:func:`plot_fig5_delta_t`).
    """
    if fig is None:
        fig = plt.figure(figsize=(10.0, 8.0), layout="constrained")
    n = data.sizes["phase_difference"]
    for k, dphi in enumerate(data.phase_difference.values):
        kw = {"projection": "3d"} if kind == "surface" else {}
        ax = fig.add_subplot(2, n, k + 1, **kw)
        plot_fig5_panel(data.sel(phase_difference=dphi), ax, kind=kind)
        plot_fig5_delta_t(data.sel(phase_difference=dphi), fig.add_subplot(2, n, n + k + 1))
    fig.suptitle("Fig. 5: " + parameter_title(dict(data.attrs), temperatures="linear"), fontsize=_TITLE_SIZE)
    return fig
