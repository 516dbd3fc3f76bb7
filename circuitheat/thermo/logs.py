r"""Spectra, von Neumann and relative entropies with honest logarithms (Sec. IV).

Every entropy of :mod:`circuitheat.thermo` is a sum :math:`\sum_i w_i\ln\lambda_i` over a
spectrum. This module holds the pieces that make those sums safe:

* :class:`Spectrum`: an eigendecomposition that stores :math:`\ln\lambda_i` (``-inf`` on
  the kernel) instead of :math:`\lambda_i`, so logarithms of underflowing eigenvalues stay
  finite;
* :func:`spectrum` for numerically computed states (eigenvalues at or below
  :data:`ZERO_EIGENVALUE` are exact zeros) and :func:`ancilla_spectrum`, the closed form
  for the ancilla state of Eq. (12), finite for every p < 1 down to T → 0;
* :func:`von_neumann_entropy` (:math:`0\ln 0 = 0`) and :func:`relative_entropy`
  (``+inf`` plus a :class:`SupportWarning` where the support condition fails, never NaN).
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import Reservoir
from ..network.spec import Ancilla
from ..trajectory import frozen_array
from ..validation import InputTypeError

__all__ = [
    "SUPPORT_TOLERANCE",
    "ZERO_EIGENVALUE",
    "Spectrum",
    "SupportWarning",
    "ancilla_spectrum",
    "relative_entropy",
    "spectrum",
    "von_neumann_entropy",
]

#: Eigenvalues of a *numerically computed* density matrix at or below this are taken as
#: exact zeros (their logarithm is -inf): the eigenvalues of a unit-trace matrix built
#: by a few hundred floating-point operations carry absolute rounding errors ~1e-15, so a
#: smaller eigenvalue cannot be told from zero (or from a slightly negative one, whose
#: logarithm would be NaN). Ancilla states never go through this threshold: their
#: spectrum is closed-form (:func:`ancilla_spectrum`).
ZERO_EIGENVALUE = 1e-14

#: Weight of a state on the kernel of the reference state (where ln sigma = -inf) up to
#: which it counts as rounding, not as a failure of the support condition. Weights that
#: are exactly zero in exact arithmetic come out of unitary evolution and partial traces
#: at ~1e-16; 1e-12 leaves four orders of margin. Dropping a weight q <= 1e-12 on an
#: eigenvalue lambda changes a result by q*|ln lambda|: < 3e-11 for lambda = ZERO_EIGENVALUE,
#: < 1e-9 even for lambda = 1e-300. (A genuine weight below 1e-12 on an exactly zero
#: eigenvalue would be reported as finite; double precision cannot tell it from rounding.)
SUPPORT_TOLERANCE = 1e-12

_LN2 = math.log(2.0)
#: Directory of the circuitheat package (the parent of this subpackage), with a trailing
#: separator: warnings point at the first frame outside it.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class SupportWarning(UserWarning):
    """A logarithm diverged: a state has weight where the reference state has none.

    Raised (as a warning) when :math:`\\mathrm{Tr}[\\rho\\ln\\sigma]` needs
    :math:`\\ln 0` on the support of :math:`\\rho`; the quantity is then returned as
    ``+inf`` or ``-inf`` (never NaN).
    """


# --------------------------------------------------------------------------- spectra


@dataclass(frozen=True)
class Spectrum:
    r"""Eigendecomposition :math:`\sigma = \sum_i \lambda_i |v_i\rangle\langle v_i|` with honest logarithms.

    Batched: every leading axis is a batch axis, and the methods broadcast.

    Attributes
    ----------
    log_eigenvalues : ndarray (..., d)
        :math:`\ln\lambda_i`; ``-inf`` marks an exact zero eigenvalue (the kernel).
    eigenvectors : ndarray (..., d, d)
        Orthonormal columns :math:`v_i`.
    """

    log_eigenvalues: NDArray = field(repr=False)
    eigenvectors: NDArray = field(repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "log_eigenvalues", frozen_array(self.log_eigenvalues))
        object.__setattr__(self, "eigenvectors", frozen_array(self.eigenvectors))

    @property
    def eigenvalues(self) -> NDArray[np.float64]:
        r""":math:`\lambda_i = e^{\ln\lambda_i}` (exactly 0 on the kernel)."""
        return np.exp(self.log_eigenvalues)

    @property
    def matrix(self) -> NDArray[np.complex128]:
        r"""The reconstructed matrix :math:`\sum_i\lambda_i|v_i\rangle\langle v_i|`."""
        v = self.eigenvectors
        return np.einsum("...ik,...k,...jk->...ij", v, self.eigenvalues, v.conj())

    def populations(self, rho: NDArray) -> NDArray[np.float64]:
        r""":math:`q_i = \langle v_i|\rho|v_i\rangle` of a (batch of) matrices ``rho`` (..., d, d)."""
        v = self.eigenvectors
        return np.sum(v.conj() * (rho @ v), axis=-2).real

    def kron(self, other: Spectrum) -> Spectrum:
        r"""Spectrum of :math:`\sigma\otimes\sigma'` (logs add, eigenvectors are Kronecker products); batch axes broadcast."""
        logs = self.log_eigenvalues[..., :, None] + other.log_eigenvalues[..., None, :]
        a, b = self.eigenvectors, other.eigenvectors
        vec = np.einsum("...ij,...kl->...ikjl", a, b)
        d = a.shape[-1] * b.shape[-1]
        return Spectrum(logs.reshape(logs.shape[:-2] + (d,)), vec.reshape(vec.shape[:-4] + (d, d)))


def spectrum(rho: ArrayLike) -> Spectrum:
    r"""Spectrum of a numerically computed density matrix (batched, (..., d, d)).

    The matrix is symmetrised, diagonalised with ``eigh``, and eigenvalues at or below
    :data:`ZERO_EIGENVALUE` (rounding level) are exact zeros with logarithm ``-inf``.
    """
    m = np.asarray(rho, dtype=complex)
    m = 0.5 * (m + np.swapaxes(m.conj(), -1, -2))
    vals, vecs = np.linalg.eigh(m)
    zero = vals <= ZERO_EIGENVALUE
    logs = np.log(np.where(zero, 1.0, vals))
    logs[zero] = -np.inf
    return Spectrum(logs, vecs)


def ancilla_spectrum(reservoir: Reservoir | Ancilla) -> Spectrum:
    r"""Spectrum of a reservoir's ancilla state: closed form for Eq. (12), numerical for an :class:`~circuitheat.Ancilla`.

    For a :class:`~circuitheat.Reservoir`, with :math:`x = \beta\omega/2` the Bloch vector of
    :math:`\eta` is :math:`(p\,\mathrm{sech}x\cos\phi,\ p\,\mathrm{sech}x\sin\phi,\ -\tanh x)`, of length
    :math:`r = \sqrt{\tanh^2x + p^2\mathrm{sech}^2x}`, so

    .. math::
        \lambda_+ = \frac{1+r}{2},\qquad
        \lambda_- = \frac{1-r^2}{2(1+r)} = \frac{(1-p^2)\,\mathrm{sech}^2x}{2(1+r)},

    and :math:`\ln\lambda_-` is evaluated as a sum of logarithms: finite for p < 1 even
    where :math:`\lambda_-` underflows (T → 0), and ``-inf`` exactly when p = 1 (the pure
    state :math:`|\psi\rangle`). The eigenvectors are
    :math:`|+\rangle = (\cos\tfrac\theta2, e^{i\phi}\sin\tfrac\theta2)`,
    :math:`|-\rangle = (-e^{-i\phi}\sin\tfrac\theta2, \cos\tfrac\theta2)` with
    :math:`\theta = \mathrm{atan2}(p\,\mathrm{sech}x, -\tanh x)`.

    An :class:`~circuitheat.Ancilla` (any 2×2 state) goes through :func:`spectrum`: an
    eigenvalue at or below :data:`ZERO_EIGENVALUE` is an exact zero.

    Returns
    -------
    Spectrum
        Eigenvalues in ascending order (:math:`\lambda_-, \lambda_+`); basis {|0>, |1>}, |0> excited.
    """
    if isinstance(reservoir, Ancilla):
        return spectrum(reservoir.state)
    if not isinstance(reservoir, Reservoir):
        raise InputTypeError(f"reservoir must be a Reservoir or an Ancilla, got {reservoir!r} of type {type(reservoir).__name__}")
    return _ancilla_spectra(0.5 * reservoir.beta * reservoir.omega, reservoir.coherence, reservoir.phase)


def _ancilla_spectra(half_beta_omega: ArrayLike, coherence: ArrayLike, phase: ArrayLike) -> Spectrum:
    r""":func:`ancilla_spectrum` broadcast over :math:`x = \beta\omega/2` (>= 0), p in [0, 1] and :math:`\phi` (rad).

    The inputs are not validated (they come from :class:`~circuitheat.model.Reservoir`
    objects). Returns a :class:`Spectrum` with batch shape the broadcast shape of the inputs.
    """
    x, p, phi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (half_beta_omega, coherence, phase)))
    e2 = np.exp(-2.0 * x)  # in (0, 1]; underflows harmlessly to 0 for x > ~370
    tanh = (1.0 - e2) / (1.0 + e2)
    sech = 2.0 * np.exp(-x) / (1.0 + e2)
    log_sech = _LN2 - x - np.log1p(e2)
    r = np.minimum(np.hypot(tanh, p * sech), 1.0)
    log_plus = np.log1p(r) - _LN2
    pure = p >= 1.0
    q = np.where(pure, 0.0, p)  # p = 1 would need log1p(-1) = -inf; that entry is replaced below
    log_minus = np.where(pure, -np.inf, 2.0 * log_sech + np.log1p(-q) + np.log1p(q) - np.log(2.0 * (1.0 + r)))
    theta = np.arctan2(p * sech, -tanh)
    c, s = np.cos(0.5 * theta), np.sin(0.5 * theta)
    ph = np.cos(phi) + 1j * np.sin(phi)
    vecs = np.stack([np.stack([-ph.conj() * s, c + 0j], axis=-1), np.stack([c + 0j, ph * s], axis=-1)], axis=-2)
    return Spectrum(np.stack([log_minus, log_plus], axis=-1), vecs)


# --------------------------------------------------------------------------- sums of logarithms


def _weighted_logs(weights: NDArray, logs: NDArray) -> tuple[NDArray, NDArray]:
    r""":math:`\sum_i w_i\ln\lambda_i` over the last axis with :math:`0\cdot(-\infty) = 0`.

    ``weights`` are the populations :math:`q_i` (or differences :math:`q_i-\lambda_i`,
    which equal :math:`q_i` on the kernel). On the kernel (``logs == -inf``) a weight
    <= :data:`SUPPORT_TOLERANCE` contributes 0 and a larger one makes the sum ``-inf``.
    Returns the sums and a boolean mask of the entries that diverged.
    """
    kernel = np.isneginf(logs)
    kernel = np.broadcast_to(kernel, np.broadcast_shapes(kernel.shape, weights.shape))
    finite_logs = np.where(kernel, 0.0, logs)
    total = np.sum(weights * finite_logs, axis=-1)
    diverged = np.any(kernel & (weights > SUPPORT_TOLERANCE), axis=-1)
    return np.where(diverged, -np.inf, total), diverged


def _stacklevel_outside_package() -> int:
    """``stacklevel`` that makes a warning issued by our caller point at the first frame outside circuitheat."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _warn_support(quantity: str, diverged: NDArray, detail: str, sign: str, where: str | None = None) -> None:
    """Warn once if any entry diverged; ``where`` ("" for nothing) replaces "first in collision k" (entry k-1)."""
    if np.any(diverged):
        if where is None:
            where = f"first in collision {int(np.flatnonzero(np.ravel(diverged))[0]) + 1}"
        where = f"; {where}" if where else ""
        warnings.warn(
            f"{quantity}: support condition fails ({detail}{where}), so a logarithm of a zero "
            f"eigenvalue is needed on the support of the state; returning {sign}inf there",
            SupportWarning,
            stacklevel=_stacklevel_outside_package(),
        )


# --------------------------------------------------------------------------- entropies


def _entropy_from_eigenvalues(vals: NDArray) -> NDArray[np.float64]:
    """:math:`-\\sum\\lambda\\ln\\lambda` with 0 ln 0 = 0; rounding-level negative eigenvalues count as 0."""
    lam = np.clip(vals, 0.0, None)
    safe = np.where(lam > 0, lam, 1.0)
    return 0.0 - np.sum(np.where(lam > 0, lam * np.log(safe), 0.0), axis=-1)  # 0.0 - x: no "-0.0" for pure states


def von_neumann_entropy(rho: ArrayLike) -> NDArray[np.float64]:
    r"""Von Neumann entropy :math:`S(\rho) = -\mathrm{Tr}\rho\ln\rho` in nats, batched over (..., d, d).

    Uses :math:`0\ln 0 = 0`; eigenvalues below zero by rounding are treated as 0
    (:math:`x\ln x` is continuous there, so this changes S by less than 1e-14).
    """
    m = np.asarray(rho, dtype=complex)
    m = 0.5 * (m + np.swapaxes(m.conj(), -1, -2))
    return _entropy_from_eigenvalues(np.linalg.eigvalsh(m))


def _relative_entropy(rho: NDArray, spec: Spectrum) -> tuple[NDArray, NDArray]:
    """:func:`relative_entropy` without the warning: the values and the mask of entries that are ``+inf``."""
    neg_s = -von_neumann_entropy(rho)
    cross, diverged = _weighted_logs(spec.populations(rho), spec.log_eigenvalues)
    return np.where(diverged, np.inf, neg_s - np.where(diverged, 0.0, cross)), diverged


def _warn_relative_entropy(name: str, diverged: NDArray) -> None:
    """The :class:`SupportWarning` of :func:`relative_entropy` for quantity ``name`` (first entry named if batched)."""
    if np.any(diverged):
        where = "" if np.ndim(diverged) == 0 else f"first at entry {int(np.flatnonzero(np.ravel(diverged))[0])}"
        _warn_support(name, diverged, "rho has weight on the kernel of sigma", "+", where)


def relative_entropy(rho: ArrayLike, sigma: ArrayLike | Spectrum, *, name: str = "relative entropy") -> NDArray[np.float64]:
    r"""Quantum relative entropy :math:`D(\rho\|\sigma) = \mathrm{Tr}\rho\ln\rho - \mathrm{Tr}\rho\ln\sigma` (nats).

    Batched over leading axes. :math:`\sigma` may be given as a matrix (its spectrum is
    computed with :func:`spectrum`) or as a :class:`Spectrum` (e.g. a Kronecker product of
    closed-form ancilla spectra). If :math:`\rho` has weight above
    :data:`SUPPORT_TOLERANCE` on the kernel of :math:`\sigma` the result is ``+inf``
    and a :class:`SupportWarning` naming ``name`` is issued; never NaN.
    """
    r = np.asarray(rho, dtype=complex)
    spec = sigma if isinstance(sigma, Spectrum) else spectrum(sigma)
    values, diverged = _relative_entropy(r, spec)
    _warn_relative_entropy(name, diverged)
    return values
