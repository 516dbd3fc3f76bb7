r"""Leading eigenvalue of the tilted map and its derivatives by perturbation theory (no finite differences).

For large n, :math:`M_n(\chi) = \mathrm{Tr}[\Phi_\chi^n\rho_0] \sim \lambda(\chi)^n`, with
:math:`\lambda(\chi)` the leading eigenvalue of the tilted map (:mod:`.branches`), so the
scaled cumulant generating function is :math:`\theta(\chi) = \ln[\lambda(\chi)/\lambda(0)]`
and :math:`\lim_n \kappa_m(Q_n)/n = \theta^{(m)}(0)` (Gärtner–Ellis).

Rayleigh–Schrödinger perturbation theory gives the Taylor coefficients :math:`\mu_k` of
:math:`\lambda(\chi) = \sum_k \mu_k\chi^k` exactly. With :math:`\Phi_\chi = \sum_j A_j\chi^j`,
:math:`A_j = \Phi^{(j)}/j!` (:meth:`~.branches.CountingMap.moment_maps`), the right and left
eigenvectors :math:`r, l` of :math:`A_0 = \Phi` (:math:`A_0 r = \mu_0 r`, :math:`l A_0 = \mu_0 l`,
:math:`l\cdot r = 1`), and the eigenvector expansion :math:`r(\chi) = \sum_k x_k\chi^k`,
:math:`x_0 = r`, :math:`l\cdot x_k = 0`:

.. math::
    \mu_k = l\cdot\sum_{j=1}^{k}A_jx_{k-j},\qquad
    (\mu_0 - A_0 + r\,l^T)\,x_k = \sum_{j=1}^{k}(A_j - \mu_j)\,x_{k-j},

one LU factorisation of the bordered matrix (invertible exactly when :math:`\mu_0` is a simple
eigenvalue, i.e. the steady state is unique) and one solve per order. For :math:`k = 2` this is
the familiar :math:`\lambda'' = l\Phi''r + 2\,l\Phi'\,S\,\Phi'r` with :math:`S` the reduced
resolvent (Drazin inverse of :math:`1-\Phi`). Everything is batched over leading axes.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..fixed_point import fixed_point
from ..validation import InputValueError

__all__ = ["TRACE_PRESERVING_TOLERANCE", "leading_eigenpair", "scgf_derivatives"]

#: Largest trace defect :math:`\max|1-\mathrm{Tr}\,\Phi[\rho]|` (entrywise on the trace row)
#: for which a map is treated as trace preserving, with :math:`l = \mathrm{vec}(I)`,
#: :math:`\mu_0 = 1` and :math:`r` from :func:`circuitheat.fixed_point.fixed_point`. Exact
#: channels are TP to ~1e-15; Aer's device noise only to ~1e-9
#: (:attr:`circuitheat.hardware.NoisyCollisionMap.trace_defect`), and those maps take the
#: general eigen-decomposition instead.
TRACE_PRESERVING_TOLERANCE = 1e-12


def leading_eigenpair(superoperator: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    r"""Leading eigenvalue :math:`\mu_0` and right/left eigenvectors of :math:`\Phi` (..., D, D), :math:`l\cdot r = 1`.

    Returns
    -------
    mu0 : ndarray (...)
    right : ndarray (..., D)
        Normalised to :math:`\mathrm{Tr}\,r = 1` (the steady state, row-major vec).
    left : ndarray (..., D)

    Raises
    ------
    ValueError
        If the fixed point is not unique (trace-preserving maps, from
        :func:`~circuitheat.fixed_point.fixed_point`).
    """
    s = np.asarray(superoperator)
    dd = s.shape[-1]
    trace = np.eye(math.isqrt(dd)).reshape(dd)
    defect = np.abs(trace @ s - trace).max() if s.size else 0.0
    batch = s.shape[:-2]
    if defect <= TRACE_PRESERVING_TOLERANCE:
        right = fixed_point(s).reshape(*batch, dd)
        return np.ones(batch), right, np.broadcast_to(trace, (*batch, dd)).astype(complex)
    vals, vecs = np.linalg.eig(s)
    k = np.argmax(np.abs(vals), axis=-1)[..., None]
    mu0 = np.take_along_axis(vals, k, axis=-1)[..., 0]
    right = np.take_along_axis(vecs, k[..., None, :], axis=-1)[..., 0]
    lvals, lvecs = np.linalg.eig(np.swapaxes(s, -1, -2))
    kl = np.argmin(np.abs(lvals - mu0[..., None]), axis=-1)[..., None]
    left = np.take_along_axis(lvecs, kl[..., None, :], axis=-1)[..., 0]
    right = right / (right @ trace)[..., None]
    left = left / np.einsum("...i,...i->...", left, right)[..., None]
    return mu0.real, right, left


def scgf_derivatives(taylor_maps: list[NDArray], order: int = 3) -> NDArray[np.float64]:
    r""":math:`\theta^{(m)}(0)`, m = 1..order, from :math:`A_j = \Phi^{(j)}/j!` (module docstring).

    Parameters
    ----------
    taylor_maps : list of ndarray (..., D, D)
        :math:`A_0 = \Phi, A_1, \dots, A_{\text{order}}`.
    order : {1, 2, 3}

    Returns
    -------
    ndarray (..., order)
        :math:`\theta'(0), \theta''(0), \theta'''(0)`: the long-time mean, variance and third
        cumulant of Q per step.
    """
    if order not in (1, 2, 3):
        raise InputValueError(f"order must be 1, 2 or 3, got {order!r}")
    a0 = taylor_maps[0]
    mu0, right, left = leading_eigenpair(a0)
    dd = a0.shape[-1]
    bordered = mu0[..., None, None] * np.eye(dd) - a0 + right[..., :, None] * left[..., None, :]
    xs = [right]
    mu = [mu0.astype(complex)]
    for k in range(1, order + 1):
        rhs = sum(np.einsum("...ij,...j->...i", taylor_maps[j], xs[k - j]) for j in range(1, k + 1))
        mu.append(np.einsum("...i,...i->...", left, rhs))
        if k < order:
            y = rhs - sum(mu[j][..., None] * xs[k - j] for j in range(1, k + 1))
            xs.append(np.linalg.solve(bordered, y[..., None])[..., 0])
    a = [(m / mu[0]).real for m in mu]
    out = [a[1]]
    if order >= 2:
        out.append(2 * a[2] - a[1] ** 2)
    if order >= 3:
        out.append(6 * a[3] - 6 * a[1] * a[2] + 2 * a[1] ** 3)
    return np.stack(out, axis=-1)
