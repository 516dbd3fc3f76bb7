r"""Per-shot cumulative heats from recorded ancilla bits, and their comparison with the exact statistics.

A shot of the device protocol (:func:`circuitheat.hardware.hardware_circuit`) records, for
every collision k, the measured bit of each ancilla (registers ``hot`` and ``cold``, bit k-1);
with the encoding's sign s (:func:`circuitheat.hardware.protocol.excited_sign`) a bit b means
the energy :math:`(\omega/2)\,s\,(1-2b)` (as :func:`circuitheat.hardware.heat_currents_from_bits`),
so a shot's cumulative heat is

.. math:: Q_r(k) = \sum_{j\le k}\big[(\omega/2)\,s\,(1-2b_j) - \mathrm{Tr}[H\eta_r]\big],

one sample of exactly the random variable of :func:`~circuitheat.fluctuations.heat_statistics`.
:func:`compare_with_shots` tests the samples against the exact distribution with a Pearson
:math:`\chi^2` test and compares the sample cumulants (k-statistics) with the exact ones in units
of their standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import CollisionModel, check_model
from ..validation import InputValueError
from .finite import HeatStatistics

__all__ = [
    "MIN_EXPECTED_COUNT",
    "ShotComparison",
    "compare_with_shots",
    "cumulative_heats_from_bits",
    "sample_cumulative_heats",
]

#: Pearson's chi^2 statistic is chi^2-distributed only if every bin expects at least about
#: 5 counts (Cochran's rule); lattice points expecting fewer are pooled into one bin.
MIN_EXPECTED_COUNT = 5.0


def cumulative_heats_from_bits(
    model: CollisionModel, hot_bits: ArrayLike, cold_bits: ArrayLike, *, encoding: str = "ground_is_0"
) -> dict[str, NDArray[np.float64]]:
    r"""Per-shot cumulative heats :math:`Q_h(k), Q_c(k)` (shots, n) from recorded bits (module docstring).

    Parameters
    ----------
    model : CollisionModel
    hot_bits, cold_bits : array_like (shots, n) of 0/1
        Column k-1 holds collision k (:func:`circuitheat.hardware.bits_from_result`).
    encoding : {"ground_is_0", "excited_is_0"}
        How the circuit encoded the model's levels (default: the device default,
        :data:`circuitheat.hardware.DEFAULT_ENCODING`).

    Returns
    -------
    dict
        ``{"hot": Q_h, "cold": Q_c}``, each (shots, n), column k-1 = after collision k.
    """
    from ..hardware.protocol import excited_sign  # the hardware package loads only when used

    check_model(model)
    sign = excited_sign(encoding)
    out = {}
    for name, bits, res in (("hot", hot_bits, model.hot), ("cold", cold_bits, model.cold)):
        b = np.asarray(bits)
        if b.ndim != 2 or b.shape[1] < 1:
            raise InputValueError(f"{name}_bits must have shape (shots, n) with n >= 1, got {b.shape}")
        if not np.isin(b, (0, 1)).all():
            raise InputValueError(f"{name}_bits must contain only 0 and 1")
        out[name] = np.cumsum(0.5 * model.omega * sign * (1.0 - 2.0 * b) - res.energy, axis=1)
    if out["hot"].shape != out["cold"].shape:
        raise InputValueError(f"hot_bits and cold_bits must have the same shape, got {out['hot'].shape} and {out['cold'].shape}")
    return out


def sample_cumulative_heats(
    model: CollisionModel, n_collisions: int, *, shots: int, **options
) -> tuple[dict[str, NDArray[np.float64]], object]:
    """Run the device protocol (:func:`circuitheat.hardware.estimate_heat_currents`) and return per-shot heats.

    ``options`` go to :func:`~circuitheat.hardware.estimate_heat_currents` (``seed``,
    ``backend``, ``encoding``, ``initial_state``, ``sampler``, ...). Returns the per-shot cumulative
    heats (:func:`cumulative_heats_from_bits`) and the
    :class:`~circuitheat.hardware.HeatCurrentEstimate` (which holds the bits).
    """
    from ..hardware.sampling import estimate_heat_currents

    est = estimate_heat_currents(model, n_collisions, shots=shots, **options)
    return cumulative_heats_from_bits(model, est.hot_bits, est.cold_bits, encoding=est.encoding), est


@dataclass(frozen=True)
class ShotComparison:
    r"""Samples of :math:`Q_r(n)` against the exact statistics.

    Attributes
    ----------
    shots : int
    chi2, dof, p_value : float, int, float
        Pearson's statistic over the bins (lattice points expecting >= :data:`MIN_EXPECTED_COUNT`
        counts, the rest pooled), its degrees of freedom (bins - 1) and p-value.
    sample_cumulants, standard_errors, exact_cumulants : ndarray (R, 3)
        k-statistics :math:`k_1, k_2, k_3` of the samples, their standard errors, and the exact
        :math:`\kappa_1, \kappa_2, \kappa_3`.
    """

    shots: int
    chi2: float
    dof: int
    p_value: float
    sample_cumulants: NDArray = field(repr=False)
    standard_errors: NDArray = field(repr=False)
    exact_cumulants: NDArray = field(repr=False)

    @property
    def z_scores(self) -> NDArray[np.float64]:
        """(sample - exact) / standard error, per reservoir and order."""
        return (self.sample_cumulants - self.exact_cumulants) / self.standard_errors


def _kstat_errors(x: NDArray) -> tuple[NDArray, NDArray]:
    r"""k-statistics k1..k3 and their standard errors (large-sample, from sample central moments).

    :math:`\mathrm{Var}\,k_1 = m_2/N`, :math:`\mathrm{Var}\,k_2 \approx (m_4 - m_2^2)/N`,
    :math:`\mathrm{Var}\,k_3 \approx (m_6 - m_3^2 - 6m_4m_2 + 9m_2^3)/N` (Kendall & Stuart, Vol. 1, §10.5, 12.14).
    """
    import scipy.stats

    n = x.size
    k = np.array([scipy.stats.kstat(x, j) for j in (1, 2, 3)])
    m = {j: float(scipy.stats.moment(x, j)) for j in (2, 3, 4, 6)}
    var = np.array([m[2], m[4] - m[2] ** 2, m[6] - m[3] ** 2 - 6 * m[4] * m[2] + 9 * m[2] ** 3]) / n
    return k, np.sqrt(np.maximum(var, 0.0))


def compare_with_shots(statistics: HeatStatistics, samples: ArrayLike) -> ShotComparison:
    r"""Test samples of :math:`Q(n)` against ``statistics`` (its exact distribution and cumulants).

    Parameters
    ----------
    statistics : HeatStatistics
        With its distribution (``heat_statistics(..., distribution=True)``).
    samples : array_like (shots,) or (shots, 2)
        Per-shot :math:`Q_r(n)` of the counted reservoir(s), in the order of
        ``statistics.reservoirs`` (e.g. the last column of :func:`cumulative_heats_from_bits`).

    Returns
    -------
    ShotComparison

    Raises
    ------
    ValueError
        Without a distribution, for a wrong shape, fewer than 8 shots, or a sample off the lattice.
    """
    if statistics.probabilities is None:
        raise InputValueError("statistics has no distribution; call heat_statistics(..., distribution=True)")
    r = len(statistics.reservoirs)
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1 and r == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != r or x.shape[0] < 8:
        raise InputValueError(f"samples must have shape (shots >= 8,{' 2' if r == 2 else ''}), got {np.shape(samples)}")
    shots = x.shape[0]
    index = []
    for j, values in enumerate(statistics.values):
        step = values[1] - values[0] if values.size > 1 else 1.0
        pos = np.rint((x[:, j] - values[0]) / step).astype(int)
        if pos.min() < 0 or pos.max() >= values.size or np.abs(values[np.clip(pos, 0, values.size - 1)] - x[:, j]).max() > 1e-6:
            raise InputValueError(f"samples of {statistics.reservoirs[j]!r} are not on the lattice of Q(n)")
        index.append(pos)
    prob = np.asarray(statistics.probabilities)
    observed = np.zeros(prob.shape)
    np.add.at(observed, tuple(index), 1.0)
    expected = (shots * np.clip(prob, 0.0, None)).reshape(-1)
    observed = observed.reshape(-1)
    big = expected >= MIN_EXPECTED_COUNT
    e_bins, o_bins = list(expected[big]), list(observed[big])
    if (~big).any():
        e_bins.append(expected[~big].sum())
        o_bins.append(observed[~big].sum())
    e, o = np.array(e_bins), np.array(o_bins)
    keep = e > 0
    chi2 = float(np.sum((o[keep] - e[keep]) ** 2 / e[keep]))
    dof = int(keep.sum() - 1)
    import scipy.stats

    p_value = float(scipy.stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan
    ks, errs = zip(*(_kstat_errors(x[:, j]) for j in range(r)), strict=True)
    exact = np.asarray(statistics.cumulants).reshape(r, 3)
    return ShotComparison(
        shots=shots,
        chi2=chi2,
        dof=dof,
        p_value=p_value,
        sample_cumulants=np.array(ks),
        standard_errors=np.array(errs),
        exact_cumulants=exact,
    )
