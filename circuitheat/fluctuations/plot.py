r"""Figure of the long-time heat noise and the TUR ratio versus the phase difference (takes ``axes=None``, returns them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..plotting.labels import format_angle
from ..validation import InputTypeError
from .long_time import FluctuationScan

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_fluctuation_scan"]


def plot_fluctuation_scan(
    scan: FluctuationScan, reference: FluctuationScan | None = None, axes: tuple[Axes, Axes] | None = None
) -> tuple[Axes, Axes]:
    r"""Noise :math:`D = \lim\mathrm{Var}\,Q/n` and TUR ratio :math:`D\sigma/(2J^2)` versus :math:`\phi_h-\phi_c`.

    Parameters
    ----------
    scan : FluctuationScan
        Coherent reservoirs (:func:`~circuitheat.fluctuations.fluctuation_scan`).
    reference : FluctuationScan, optional
        Drawn dashed, e.g. the thermal reservoirs (p = 0) of the same model.
    axes : pair of matplotlib Axes, optional
        Top: the noise per step; bottom: the TUR ratio (log scale) with the classical bound 1.

    Returns
    -------
    (Axes, Axes)
    """
    if not isinstance(scan, FluctuationScan):
        raise InputTypeError(f"scan must be a FluctuationScan, got {type(scan).__name__}")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(6.4, 6.8), sharex=True, layout="constrained")
    top, bottom = axes
    m = scan.model
    x = scan.phase_difference / np.pi
    label = rf"$p_h={m.hot.coherence:.3g}$, $p_c={m.cold.coherence:.3g}$"
    top.plot(x, scan.diffusion, color="C0", lw=1.8, label=label)
    bottom.plot(x, scan.tur_ratio, color="C0", lw=1.8, label=label + r", $\sigma$ = true production")
    clausius = r"$\sigma\to\beta_hJ_h+\beta_cJ_c$ (Clausius; shown where > 0)"
    positive = np.where(scan.tur_ratio_clausius > 0, scan.tur_ratio_clausius, np.nan)  # log axis: reversed = gap
    bottom.plot(x, positive, color="C0", lw=1.0, ls=":", label=clausius)
    if reference is not None:
        r = reference.model
        ref_label = rf"$p_h={r.hot.coherence:.3g}$, $p_c={r.cold.coherence:.3g}$"
        top.plot(reference.phase_difference / np.pi, reference.diffusion, "k--", lw=1.2, label=ref_label)
        bottom.plot(reference.phase_difference / np.pi, reference.tur_ratio, "k--", lw=1.2, label=ref_label)
    bottom.axhline(1.0, color="C3", lw=1.0, label="classical TUR bound")
    bottom.set_yscale("log")
    top.set_ylabel(rf"$D_{{{scan.reservoir[0]}}} = \lim\,\mathrm{{Var}}\,Q_{scan.reservoir[0]}/n$")
    bottom.set_ylabel(r"$\mathrm{Var}\,Q\;\sigma\,/\,(2\langle Q\rangle^2)$")
    bottom.set_xlabel(r"$(\phi_h-\phi_c)/\pi$")
    top.set_title(
        rf"{scan.measurement.replace('_', '-')} heat statistics, $\gamma={format_angle(m.gamma, 'tex')}$, "
        rf"$\delta={format_angle(m.delta, 'tex')}$, $T_h={m.hot.temperature:.3g}$, $T_c={m.cold.temperature:.3g}$",
        fontsize=10,
    )
    top.legend(fontsize=8)
    bottom.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below: the curves fill the axes
    return top, bottom
