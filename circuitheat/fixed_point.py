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
* **matrix-free** (:func:`fixed_point_krylov`): BiCGSTAB (GMRES as fallback) on the traceless Pauli coefficients,
  :math:`(I-\Phi_0)x = b` (the affine action of :math:`\Phi` on trace-1 states), invertible
  exactly when the fixed point is unique (a traceless :math:`x = \Phi_0x` would make
  :math:`\rho^* + \epsilon x` a second fixed point). Converged to a stated residual
  :math:`\|\Phi[\rho] - \rho\|_F`, or refused.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.linalg
from numpy.typing import NDArray
from scipy.sparse.linalg import LinearOperator, bicgstab, gmres

from .validation import InputValueError

__all__ = [
    "BICGSTAB_MAXITER",
    "GMRES_RESTART",
    "KRYLOV_RESIDUAL",
    "KRYLOV_SAFETY",
    "RCOND_TOLERANCE",
    "STATE_NORM_SLACK",
    "fixed_point",
    "fixed_point_krylov",
]

#: Smallest reciprocal condition number (1-norm) of the bordered matrix accepted for one
#: map: below it the fixed point is not unique or not resolvable in double precision
#: (the error of the solution is ~ machine epsilon / rcond ~ 1e-6 at this limit).
RCOND_TOLERANCE = 1e-10

#: A density matrix has Frobenius norm <= 1; a solution beyond 1 + this slack is not a
#: state, which is what a (numerically) singular bordered matrix produces.
STATE_NORM_SLACK = 1e-6

#: Default residual :math:`\|\Phi[\rho]-\rho\|_F` of the matrix-free solve.
KRYLOV_RESIDUAL = 1e-10

#: The Krylov solvers are asked for this fraction of the required residual: theirs is the
#: recurrence's estimate, and the true residual, recomputed at the end, may be a little larger.
KRYLOV_SAFETY = 0.1

#: Iterations of BiCGSTAB (two applications of the step each) before GMRES takes over.
BICGSTAB_MAXITER = 5000

#: Krylov vectors kept between GMRES restarts: restart x 4^N x 8 bytes (480 MiB at N = 10).
GMRES_RESTART = 60


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
    r"""Fixed point of a matrix-free step map by a Krylov solve in the real Pauli basis, to ``residual``.

    With :math:`\rho = 2^{-N}\sum_{\mathbf p}c_{\mathbf p}P_{\mathbf p}`
    (:mod:`circuitheat.network.pauli`), a trace-preserving :math:`\Phi` keeps
    :math:`c_0 = \mathrm{Tr}\,\rho = 1` and acts on the other :math:`4^N-1` (real)
    coefficients :math:`x` as :math:`x\mapsto\Phi_0x+b`, :math:`b` the traceless part of
    :math:`\Phi[I/2^N]`. The fixed point solves :math:`(I-\Phi_0)\,x = b`, non-singular
    exactly when the fixed point is unique (module docstring); BiCGSTAB (then GMRES if it
    does not converge) solves it in real arithmetic with :math:`\|\Phi[\rho]-\rho\|_F = 2^{-N/2}\|(\Phi_0-I)x+b\|_2`.

    Parameters
    ----------
    step : StepMap
        A matrix-free step map (its :attr:`~circuitheat.network.step.StepMap.pauli` step).
    residual : float
        Required :math:`\|\Phi[\rho]-\rho\|_F` of the returned state.
    maxiter : int
        Largest number of GMRES restarts (each of up to :data:`GMRES_RESTART` applications of
        :math:`\Phi`), when BiCGSTAB (:data:`BICGSTAB_MAXITER` iterations) has not converged.

    Returns
    -------
    (rho, achieved) : (ndarray (d, d), float)
        The fixed point (Hermitian, trace 1) and its residual :math:`\|\Phi[\rho]-\rho\|_F`.

    Raises
    ------
    ValueError
        If neither solver reaches ``residual`` (a non-unique or extremely slowly mixing map).
    """
    from .network.pauli import from_pauli

    pauli = step.pauli
    size, scale = 4**step.sites, math.sqrt(step.dim)

    def advance(c: NDArray) -> NDArray:
        return pauli.advance(c[None], readout=False)[0][0]

    mixed = np.zeros(size)
    mixed[0] = 1.0
    b = advance(mixed)[1:]

    def matvec(x: NDArray) -> NDArray:
        return x - advance(np.concatenate(([0.0], x)))[1:]

    op = LinearOperator((size - 1, size - 1), matvec=matvec, dtype=float)
    target = KRYLOV_SAFETY * residual * scale

    def achieved_by(x: NDArray) -> tuple[NDArray, float]:
        c = np.concatenate(([1.0], x))
        value = float(np.linalg.norm(advance(c) - c)) / scale
        return c, value if np.isfinite(value) else math.inf

    # BiCGSTAB first: short recurrences, two applications of the step per iteration and
    # no orthogonalisation (at N = 8-10 GMRES(60)'s Gram-Schmidt cost more than the step
    # itself); GMRES, which cannot break down, if it does not converge.
    x, _info = bicgstab(op, b, x0=np.zeros(size - 1), rtol=0.0, atol=target, maxiter=BICGSTAB_MAXITER)
    c, achieved = achieved_by(x)
    if not achieved <= residual:
        start = x if np.all(np.isfinite(x)) else np.zeros(size - 1)
        x, _info = gmres(op, b, x0=start, rtol=0.0, atol=target, restart=GMRES_RESTART, maxiter=maxiter)
        c, achieved = achieved_by(x)
    if not achieved <= residual:
        raise _not_unique(f"the Krylov solve reached residual ||Phi(rho) - rho|| = {achieved:.2e} > {residual:g}")
    rho = from_pauli(c[None])[0]
    return 0.5 * (rho + rho.conj().T), achieved
