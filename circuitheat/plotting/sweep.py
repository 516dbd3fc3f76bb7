r"""Quick-look figures of a sweep :class:`xarray.Dataset`: a line plot for one axis, a heat map for two."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm

from ..sweeps.grid import AXES
from ..validation import InputValueError

__all__ = ["KINDS", "MAX_LINES", "plot_sweep", "select"]

#: Valid values of ``kind``.
KINDS = ("auto", "line", "map")
#: With two dimensions and ``kind="auto"``, a dimension with at most this many values is
#: drawn as a family of lines (one per value) instead of a heat map.
MAX_LINES = 8

#: An angle within this of a fraction k pi/m (m <= 64) is labelled as that fraction
#: (values typed as pi/32 and parsed to double precision are ~1e-16 away).
_PI_FRACTION_TOLERANCE = 1e-9

_LABELS = {
    "gamma": r"$\gamma$",
    "delta": r"$\delta$",
    "omega": r"$\omega$",
    "t_hot": r"$T_h$",
    "t_cold": r"$T_c$",
    "temperature": r"$T$",
    "delta_t": r"$\Delta T$",
    "coherence": r"$p$",
    "phase_hot": r"$\phi_h$",
    "phase_cold": r"$\phi_c$",
    "phase_difference": r"$\phi_h-\phi_c$",
    "collision": r"$n$",
    "heat_hot": r"$J_h^{steady}$",
    "heat_cold": r"$J_c^{steady}$",
    "conductance": r"$\lambda$ (Eq. 30)",
    "current_offset": r"$c$ (Eq. 30)",
    "trajectory_heat_hot": r"$J_h(n)$",
    "trajectory_heat_cold": r"$J_c(n)$",
    "work": r"$W^{steady}$",
    "trajectory_work": r"$W(n)$",
}


#: Units appended to axis and colour-bar labels (energies and temperatures in units of omega, k_B = 1).
_UNITS = {
    "omega": "energy units",
    "t_hot": r"units of $\omega$",
    "t_cold": r"units of $\omega$",
    "temperature": r"units of $\omega$",
    "delta_t": r"units of $\omega$",
    "collision": "",
    "conductance": r"dimensionless, $k_B=1$",
    "current_offset": r"units of $\omega$ per collision",
}


def _label(name: str) -> str:
    """Axis label of a variable: steady ``heat_<r>`` is :math:`J_r^{steady}`, ``trajectory_heat_<r>`` is :math:`J_r(n)`."""
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("trajectory_heat_"):
        return f"$J_{{{name.removeprefix('trajectory_heat_')}}}(n)$"
    if name.startswith("heat_"):
        return f"$J_{{{name.removeprefix('heat_')}}}^{{steady}}$"
    return name


def _axis_label(name: str) -> str:
    """The label of ``name`` with its units, e.g. ``J_h^steady (units of omega per collision)``."""
    units = _UNITS.get(name, r"units of $\omega$ per collision" if name.startswith(("heat_", "trajectory_heat_")) else "")
    return f"{_label(name)} ({units})" if units else _label(name)


def _is_angle(dim: str) -> bool:
    return dim in AXES and AXES[dim].is_angle


def _coord(da: xr.DataArray, dim: str) -> tuple[np.ndarray, str]:
    """Coordinate values and axis label; angles are shown in units of pi."""
    values = np.asarray(da[dim].values, dtype=float)
    if _is_angle(dim):
        return values / np.pi, f"({_LABELS.get(dim, dim)}) / $\\pi$"
    return values, _axis_label(dim)


def _pi_text(value: float) -> str:
    """``value`` as a simple fraction of pi when it is one (denominator <= 64), else in units of pi."""
    frac = Fraction(value / np.pi).limit_denominator(64)
    if abs(float(frac) * np.pi - value) > _PI_FRACTION_TOLERANCE:
        return f"{value / np.pi:.4g}\\pi"
    num, den = frac.numerator, frac.denominator
    head = "" if num == 1 else "-" if num == -1 else str(num)
    return "0" if num == 0 else f"{head}\\pi" + (f"/{den}" if den != 1 else "")


def _format_value(dim: str, value: float) -> str:
    if _is_angle(dim):
        return f"{_LABELS.get(dim, dim)}$={_pi_text(value)}$"
    return f"{_LABELS.get(dim, dim)}$={value:.4g}$"


def _base_text(ds: xr.Dataset) -> str:
    """The parameters of the base model that no axis overrides, for the title."""
    attrs = ds.attrs
    if not all(f"base_{k}" in attrs for k in ("gamma", "delta", "t_hot", "t_cold", "coherence")):
        return ""
    values = {k: float(attrs[f"base_{k}"]) for k in ("gamma", "delta", "t_hot", "t_cold", "coherence")}
    if "temperature" in ds.dims or "delta_t" in ds.dims:
        t_hot, t_cold = values.pop("t_hot"), values.pop("t_cold")
        values["temperature"], values["delta_t"] = 0.5 * (t_hot + t_cold), t_hot - t_cold
    return ", ".join(_format_value(k, v) for k, v in values.items() if k not in ds.dims)


def select(ds: xr.Dataset | xr.DataArray, selection: Mapping[str, float] | None = None):
    """``ds.sel(selection, method="nearest")`` with a ValueError naming an unknown dimension."""
    selection = dict(selection or {})
    for dim in selection:
        if dim not in ds.dims:
            raise InputValueError(
                f"cannot select {dim!r}: not a dimension of the sweep (dimensions: {', '.join(map(str, ds.dims))})"
            )
    return ds.sel(selection, method="nearest") if selection else ds


def plot_sweep(
    ds: xr.Dataset,
    variable: str = "heat_hot",
    ax: Axes | None = None,
    *,
    kind: str = "auto",
    selection: Mapping[str, float] | None = None,
) -> Axes:
    r"""Plot one data variable of a sweep against its (at most two) remaining dimensions.

    One dimension: a line. Two dimensions: a heat map (diverging colours centred on
    zero when the values change sign, with the contour where they vanish — for
    ``heat_hot`` the boundary of the reversed current :math:`J_h > 0`), or with
    ``kind="auto"`` a family of lines when one dimension has at most
    :data:`MAX_LINES` values. Angles are shown in units of :math:`\pi`.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep (:func:`circuitheat.sweeps.sweep` or :func:`circuitheat.sweeps.load_sweep`).
    variable : str
        Data variable, e.g. ``"heat_hot"`` (steady), ``"conductance"``, ``"trajectory_heat_hot"``.
    ax : matplotlib Axes, optional
    kind : {"auto", "line", "map"}
    selection : mapping, optional
        Values (nearest) of dimensions to fix, to bring the variable down to one or two
        dimensions.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if variable not in ds.data_vars:
        raise InputValueError(f"unknown variable {variable!r}; valid: {', '.join(map(str, ds.data_vars))}")
    if kind not in KINDS:
        raise InputValueError(f"unknown kind {kind!r}; valid: {', '.join(repr(k) for k in KINDS)}")
    da = select(ds[variable], selection)
    fixed = {d: float(da[d]) for d in (selection or {}) if d in da.coords}
    da = da.squeeze(drop=False)
    dims = [str(d) for d in da.dims]
    if not 1 <= len(dims) <= 2:
        raise InputValueError(
            f"{variable} has {len(dims)} dimensions after selection ({', '.join(dims) or 'none'}); "
            "select values of all but one or two (selection={...}, CLI --select NAME=VALUE)"
        )
    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    ylabel = _axis_label(variable)
    if len(dims) == 2 and kind == "line" and min(da.sizes[d] for d in dims) > 4 * MAX_LINES:
        raise InputValueError(f"kind='line' with {min(da.sizes[d] for d in dims)} lines; use kind='map'")
    if len(dims) == 1 or kind == "line" or (kind == "auto" and min(da.sizes[d] for d in dims) <= MAX_LINES):
        if len(dims) == 1:
            x, xlabel = _coord(da, dims[0])
            ax.plot(x, da.values, label=ylabel)
        else:
            family = min(dims, key=lambda d: (da.sizes[d], dims.index(d)))
            xdim = dims[1 - dims.index(family)]
            x, xlabel = _coord(da, xdim)
            for value in da[family].values:
                ax.plot(x, da.sel({family: value}).values, label=_format_value(family, float(value)))
            ax.legend(fontsize=8)
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    else:
        xdim, ydim = dims  # the first axis of the sweep along x
        x, xlabel = _coord(da, xdim)
        y, ylabel_axis = _coord(da, ydim)
        values = np.asarray(da.transpose(ydim, xdim).values, dtype=float)
        lo, hi = np.nanmin(values), np.nanmax(values)
        signed = lo < 0 < hi
        norm = TwoSlopeNorm(0.0, lo, hi) if signed else None
        mesh = ax.pcolormesh(x, y, values, shading="nearest", cmap="RdBu_r" if signed else "viridis", norm=norm)
        if signed:
            ax.contour(x, y, values, levels=[0.0], colors="k", linewidths=0.8)
        ax.figure.colorbar(mesh, ax=ax, label=ylabel)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel_axis)
    fixed_text = ", ".join(_format_value(d, v) for d, v in fixed.items())
    base = _base_text(ds)
    title = "; ".join(t for t in (fixed_text, f"base: {base}" if base else "") if t)
    if title:
        ax.set_title(title, fontsize=8)
    return ax
