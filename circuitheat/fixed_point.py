r"""Fixed points of trace-preserving step maps: dense (batched, exact) and matrix-free (Krylov).

The steady state of a collision model or network is the fixed point
:math:`\Phi[\rho^*] = \rho^*`, :math:`\mathrm{Tr}\rho^* = 1` of its step map. Uniqueness is
decided from the map itself, never from a model parameter:

* **dense** (:func:`fixed_point`): :math:`\Phi - I` with its first row replaced by the trace
  functional is non-singular exactly when the fixed point is unique (for a trace-preserving
  map the rows of :math:`\Phi - I` belonging to diagonal entries sum to zero, and the trace
  functional vanishes on no fixed point). One batched solve; a singular or numerically
  singular matrix (a solution that is no state, or a reciprocal condition number below
  :data:`RCOND_TOLERANCE` for a single map) is refused.
* **matrix-free** (:func:`fixed_point_krylov`): GMRES on
  :math:`\mathcal L(x) = x - \Phi[x] + \sigma\,\mathrm{Tr}\,x = \sigma` with
  :math:`\sigma = I/d`, invertible exactly when the fixed point is unique (taking the trace
  of :math:`\mathcal L(x) = 0` gives :math:`\mathrm{Tr}\,x = 0`, then :math:`x = \Phi[x]`), so
  its solution is :math:`\rho^*`. Converged to a stated residual
  :math:`\|\Phi[\rho] - \rho\|_F`, or refused.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg
from numpy.typing import NDArray
from scipy.sparse.linalg import LinearOperator, gmres

from .validation import InputValueError

__all__ = ["KRYLOV_RESIDUAL", "RCOND_TOLERANCE", "STATE_NORM_SLACK", "fixed_point", "fixed_point_krylov"]

#: Smallest reciprocal condition number (1-norm) of the bordered matrix accepted for one
#: map: below it the fixed point is not unique or not resolvable in double precision
#: (the error of the solution is ~ machine epsilon / rcond ~ 1e-6 at this limit).
RCOND_TOLERANCE = 1e-10

#: A density matrix has Frobenius norm <= 1; a solution beyond 1 + this slack is not a
#: state, which is what a (numerically) singular bordered matrix produces.
STATE_NORM_SLACK = 1e-6

#: Default residual :math:`\|\Phi[\rho]-\rho\|_F` of the matrix-free solve.
KRYLOV_RESIDUAL = 1e-10


def _not_unique(detail: str) -> InputValueError:
    return InputValueError(
        "the steady state is not unique: " + detail + " (the step map has more than one fixed point, "
        "e.g. a site that no reservoir reaches, or collisions that exchange nothing)"
    )


def _bordered(superoperator: NDArray) -> NDArray:
    r""":math:`\Phi - I` with its first row replaced by the trace functional."""
    d2 = superoperator.shape[-1]
    d = math.isqrt(d2)
    a = superoperator - np.eye(d2)
    a[..., 0, :] = np.eye(d).reshape(d2)
    return a


def fixed_point(superoperator: NDArray) -> NDArray:
    r"""Unique fixed points (..., d, d) of batched trace-preserving maps (..., d², d²).

    Solves :math:`\Phi[\rho] = \rho`, :math:`\mathrm{Tr}\rho = 1` by one (batched) linear solve
    of the bordered matrix (module docstring), and returns the Hermitian part.

    Raises
    ------
    ValueError
        If the fixed point is not unique (singular bordered matrix, a solution that is no
        state, or, for a single map, a reciprocal condition number below
        :data:`RCOND_TOLERANCE`).
    """
    a = _bordered(np.asarray(superoperator))
    d2 = a.shape[-1]
    d = math.isqrt(d2)
    if a.ndim == 2:
        with warnings.catch_warnings():  # an exactly singular matrix is reported below, by rcond
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            lu, piv = scipy.linalg.lu_factor(a, check_finite=False)
        gecon = scipy.linalg.get_lapack_funcs("gecon", (lu,))
        rcond, _ = gecon(lu, np.linalg.norm(a, 1), norm="1")
        if not rcond >= RCOND_TOLERANCE:
            raise _not_unique(f"reciprocal condition number {rcond:.2e} < {RCOND_TOLERANCE:g}")
        rhs = np.zeros(d2, dtype=complex)
        rhs[0] = 1.0
        x = scipy.linalg.lu_solve((lu, piv), rhs, check_finite=False).reshape(d, d)
    else:
        rhs = np.zeros(a.shape[:-1], dtype=complex)
        rhs[..., 0] = 1.0
        try:
            x = np.linalg.solve(a, rhs[..., None])[..., 0].reshape(a.shape[:-2] + (d, d))
        except np.linalg.LinAlgError:
            raise _not_unique("the bordered matrix is singular") from None
    norms = np.linalg.norm(x.reshape(*x.shape[:-2], d2), axis=-1)
    if not np.all(norms <= 1 + STATE_NORM_SLACK):
        worst = float(np.max(np.where(np.isfinite(norms), norms, np.inf)))
        raise _not_unique(f"the solution is no state (Frobenius norm {worst:.3g} > 1)")
    return 0.5 * (x + np.swapaxes(x.conj(), -1, -2))


def fixed_point_krylov(step, *, residual: float = KRYLOV_RESIDUAL, maxiter: int = 2000) -> tuple[NDArray, float]:
    r"""Fixed point of a matrix-free step map by GMRES (module docstring), to ``residual``.

    Parameters
    ----------
    step : StepMap
        Applies :math:`\Phi` (``step.apply``); dimension ``step.dim``.
    residual : float
        Required :math:`\|\Phi[\rho]-\rho\|_F` of the returned state.
    maxiter : int
        Largest number of GMRES restarts (each of up to 60 applications of :math:`\Phi`).

    Returns
    -------
    (rho, achieved) : (ndarray (d, d), float)
        The fixed point (Hermitian part, trace 1) and its residual :math:`\|\Phi[\rho]-\rho\|_F`.

    Raises
    ------
    ValueError
        If GMRES does not reach ``residual`` (a non-unique or extremely slowly mixing map).
    """
    d = step.dim
    sigma = np.eye(d, dtype=complex) / d

    def apply(x: NDArray) -> NDArray:
        rho = x.reshape(1, d, d)
        after = step.apply(rho)[0][0]
        return (rho[0] - after + sigma * np.trace(rho[0])).reshape(-1)

    op = LinearOperator((d * d, d * d), matvec=apply, dtype=complex)
    x, _info = gmres(op, sigma.reshape(-1), x0=sigma.reshape(-1), rtol=0.1 * residual, atol=0.0, restart=60, maxiter=maxiter)
    rho = x.reshape(d, d)
    rho = 0.5 * (rho + rho.conj().T)
    rho = rho / np.trace(rho).real
    achieved = float(np.linalg.norm(step.apply(rho[None])[0][0] - rho))
    if not achieved <= residual:
        raise _not_unique(f"GMRES reached residual ||Phi(rho) - rho|| = {achieved:.2e} > {residual:g}")
    return rho, achieved
