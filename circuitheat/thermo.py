r"""Entropy bookkeeping of Sec. IV: entropy change, exchanged entropy, entropy production.

The system :math:`S = S_AS_B` starts uncorrelated from fresh ancilla pairs
:math:`\eta_j = \eta^h\otimes\eta^c` (Eqs. 12–13), and the evolution of system plus all
ancillas is unitary (Eq. 8). After collision :math:`k` the paper splits the change of the
system's von Neumann entropy into two terms (Eq. 16):

.. math::
    \Delta S = S(\rho^S_k) - S(\rho^S_0)
      = \underbrace{D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j\le k}\eta_j\big]}_{\Delta S_{ir}
        \ \text{(Eq. 20)}}
      + \underbrace{\textstyle\sum_{j\le k}\mathrm{Tr}\big[(\tilde\eta_j-\eta_j)\ln\eta_j\big]}_{\Delta S_{re}\ \text{(Eq. 17)}},

with :math:`D(\rho_1\|\rho_2) = \mathrm{Tr}\rho_1\ln\rho_1 - \mathrm{Tr}\rho_1\ln\rho_2` and
:math:`\tilde\eta_j` the :math:`(R^h_j, R^c_j)` marginal right after collision j (it never
changes afterwards: ancilla j never meets the system again).

**Signs (derived, and the paper's printed signs are consistent).** With
:math:`\rho^{tot}_k = W(\rho^S_0\otimes\bigotimes_j\eta_j)W^\dagger` (W unitary),
:math:`S(\rho^{tot}_k) = S(\rho^S_0) + \sum_j S(\eta_j)`, and because
:math:`\ln(\rho^S\otimes\bigotimes_j\eta_j) = \ln\rho^S\otimes I + \sum_j I\otimes\ln\eta_j\otimes I`,

.. math::
    D = -S(\rho^{tot}_k) + S(\rho^S_k) - \textstyle\sum_j\mathrm{Tr}[\tilde\eta_j\ln\eta_j]
      = \Delta S - \textstyle\sum_j\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j],

so Eq. (16) holds as printed with Eq. (17)'s sign, :math:`\Delta S_{re} = +\sum_j
\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]`. For a thermal ancilla,
:math:`\ln\eta = -\beta H - \ln Z`, so :math:`\mathrm{Tr}[(\tilde\eta-\eta)\ln\eta] =
-\beta\,\mathrm{Tr}[H(\tilde\eta-\eta)] = -\beta\Delta Q^R` (Eq. 18), and with energy
conservation :math:`\Delta Q^R = -\Delta Q^S` (Eq. 19). Eqs. (16)–(19) and (22)–(26) are
therefore mutually consistent as printed; nothing here deviates from them.

**Per-collision production.** Applying the same argument to collision k alone (system
state :math:`\rho^S_{k-1}` meets :math:`\eta_k`, giving :math:`\Omega_k =
\hat U(\rho^S_{k-1}\otimes\eta_k)\hat U^\dagger`), the increment of Eq. (20) is itself a
relative entropy,

.. math::
    \Delta S_{ir}(k) - \Delta S_{ir}(k-1) = D[\Omega_k\,\|\,\rho^S_k\otimes\eta_k] \ge 0,

so the entropy production is non-decreasing in k (:func:`collision_entropy_production`).
In the steady state :math:`\rho^S_k = \rho^*` the system entropy no longer changes and the
production per collision is :math:`\sigma = -\mathrm{Tr}[(\tilde\eta^*-\eta)\ln\eta] \ge 0`
(:func:`steady_entropy_production`).

**Efficient route.** Because :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` exactly,
:func:`entropy_balance` takes :math:`\Delta S` from the system states and
:math:`\Delta S_{re}` from the two-ancilla marginals, which are linear in the system state
before each collision (a 16×16 map, like the one-collision map :math:`\Phi`). For
n ≤ :data:`JOINT_MAX_COLLISIONS` it also evaluates Eq. (20) directly on the joint state
of the system and every ancilla (:func:`joint_relative_entropy`).

**Honest logarithms.** Ancilla logarithms use the closed-form spectrum of Eq. (12)
(:func:`ancilla_spectrum`), finite for every p < 1 down to T → 0. A pure ancilla
(p = 1) has a zero eigenvalue: :math:`0\ln 0 = 0`, and where the support condition
fails (a state puts weight where :math:`\ln\eta = -\infty`) the result is ``-inf``
(:math:`\Delta S_{re}`) or ``+inf`` (:math:`D`, :math:`\Delta S_{ir}`) with a
:class:`SupportWarning`, never NaN.
"""

from __future__ import annotations

import math
import os
import sys
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .channel import ancilla_pair_state, collision_unitary, partial_swap
from .model import CollisionModel, Reservoir
from .states import system_hamiltonian, system_initial_state
from .steady import steady_state
from .validation import check_choice, check_count

__all__ = [
    "BALANCE_COLUMNS",
    "ENTROPY_ENGINES",
    "JOINT_AUTO_COLLISIONS",
    "JOINT_MAX_COLLISIONS",
    "JOINT_METHODS",
    "SUPPORT_TOLERANCE",
    "ZERO_EIGENVALUE",
    "EntropyBalance",
    "Spectrum",
    "SteadyEntropyProduction",
    "SupportWarning",
    "ancilla_pair_map",
    "ancilla_spectrum",
    "collision_entropy_production",
    "entropy_balance",
    "joint_relative_entropy",
    "relative_entropy",
    "second_law_scan",
    "spectrum",
    "steady_entropy_production",
    "von_neumann_entropy",
]

#: The per-collision arrays of an :class:`EntropyBalance`, in the order written to files.
BALANCE_COLUMNS = (
    "delta_s",
    "delta_s_re",
    "delta_s_re_hot",
    "delta_s_re_cold",
    "production",
    "production_joint",
    "heat_hot",
    "heat_cold",
    "heat_system",
    "exchanged_pair",
    "exchanged_hot",
    "exchanged_cold",
    "current_hot",
    "current_cold",
    "entropy_system",
)

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

#: Largest number of collisions for which the joint state of the system and every
#: ancilla is built (:func:`joint_relative_entropy`, method "purified"): 2 + 2n qubits
#: plus one purifying qubit per mixed ancilla, i.e. a 4096 x 1024 complex matrix
#: (64 MiB) and a 1024 x 1024 Hermitian eigenproblem at n = 5 for a pure initial system state.
JOINT_MAX_COLLISIONS = 5

#: :func:`entropy_balance` adds the joint-state value of Eq. (20) by default up to this n
#: (n = 4: a 256 x 256 eigenproblem, ~0.1 s; n = 5 costs seconds, so it is on request).
JOINT_AUTO_COLLISIONS = 4

#: The dense method forms the (2^(2+2n))^2 joint density matrix and diagonalises it:
#: 16 MiB at n = 4; n = 5 would need 256 MiB and a 4096 x 4096 eigendecomposition.
_DENSE_MAX_COLLISIONS = 4

#: Valid ``method`` names of :func:`joint_relative_entropy`.
JOINT_METHODS = ("purified", "dense")

#: Valid ``engine`` names of :func:`entropy_balance`.
ENTROPY_ENGINES = ("direct", "aer")

_LN2 = math.log(2.0)
#: Directory of the package: warnings point at the first frame outside it.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class SupportWarning(UserWarning):
    """A logarithm diverged: a state has weight where the reference state has none.

    Raised (as a warning) when :math:`\\mathrm{Tr}[\\rho\\ln\\sigma]` needs
    :math:`\\ln 0` on the support of :math:`\\rho`; the quantity is then returned as
    ``+inf`` or ``-inf`` (never NaN).
    """


# --------------------------------------------------------------------------- spectra


def _frozen(a: NDArray | None) -> NDArray | None:
    if a is None:
        return None
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Spectrum:
    r"""Eigendecomposition :math:`\sigma = \sum_i \lambda_i |v_i\rangle\langle v_i|` with honest logarithms.

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
        object.__setattr__(self, "log_eigenvalues", _frozen(self.log_eigenvalues))
        object.__setattr__(self, "eigenvectors", _frozen(self.eigenvectors))

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
        return np.einsum("...ki,...kl,...li->...i", v.conj(), rho, v).real

    def kron(self, other: Spectrum) -> Spectrum:
        r"""Spectrum of :math:`\sigma\otimes\sigma'` (logs add, eigenvectors are Kronecker products)."""
        logs = (self.log_eigenvalues[..., :, None] + other.log_eigenvalues[..., None, :]).reshape(
            self.log_eigenvalues.shape[:-1] + (-1,)
        )
        a, b = self.eigenvectors, other.eigenvectors
        vec = np.einsum("...ij,...kl->...ikjl", a, b)
        d = a.shape[-1] * b.shape[-1]
        return Spectrum(logs, vec.reshape(vec.shape[:-4] + (d, d)))


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


def ancilla_spectrum(reservoir: Reservoir) -> Spectrum:
    r"""Closed-form spectrum of the ancilla state of Eq. (12), stable for every T and p.

    With :math:`x = \beta\omega/2` the Bloch vector of :math:`\eta` is
    :math:`(p\,\mathrm{sech}x\cos\phi,\ p\,\mathrm{sech}x\sin\phi,\ -\tanh x)`, of length
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

    Returns
    -------
    Spectrum
        Eigenvalues ordered :math:`(\lambda_-, \lambda_+)`; basis {|0>, |1>}, |0> excited.
    """
    if not isinstance(reservoir, Reservoir):
        raise TypeError(f"reservoir must be a Reservoir, got {reservoir!r} of type {type(reservoir).__name__}")
    x = 0.5 * reservoir.beta * reservoir.omega
    p, phi = reservoir.coherence, reservoir.phase
    e2 = math.exp(-2.0 * x)  # in (0, 1]; underflows harmlessly to 0 for x > ~370
    tanh = (1.0 - e2) / (1.0 + e2)
    sech = 2.0 * math.exp(-x) / (1.0 + e2)
    log_sech = _LN2 - x - math.log1p(e2)
    r = min(math.hypot(tanh, p * sech), 1.0)
    log_plus = math.log1p(r) - _LN2
    log_minus = -math.inf if p >= 1.0 else 2.0 * log_sech + math.log1p(-p) + math.log1p(p) - math.log(2.0 * (1.0 + r))
    theta = math.atan2(p * sech, -tanh)
    c, s = math.cos(0.5 * theta), math.sin(0.5 * theta)
    ph = complex(math.cos(phi), math.sin(phi))
    vecs = np.array([[-ph.conjugate() * s, c], [c, ph * s]], dtype=complex)
    return Spectrum(np.array([log_minus, log_plus]), vecs)


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
    neg_s = -von_neumann_entropy(r)
    cross, diverged = _weighted_logs(spec.populations(r), spec.log_eigenvalues)
    if np.any(diverged):
        where = "" if np.ndim(diverged) == 0 else f"first at entry {int(np.flatnonzero(np.ravel(diverged))[0])}"
        _warn_support(name, diverged, "rho has weight on the kernel of sigma", "+", where)
    return np.where(diverged, np.inf, neg_s - np.where(diverged, 0.0, cross))


# --------------------------------------------------------------------------- one collision


def ancilla_pair_map(unitary: NDArray, eta_pair: NDArray) -> NDArray[np.complex128]:
    r"""16×16 map from the system state before a collision to the ancilla pair after it.

    .. math::
        \tilde\eta = \mathrm{Tr}_S\big[\hat U(\rho^S\otimes\eta^h\otimes\eta^c)\hat U^\dagger\big],
        \qquad \mathrm{vec}\,\tilde\eta = A\,\mathrm{vec}\,\rho^S,\quad
        A_{(xy),(kl)} = \sum_{i,a,b} U_{(ix),(ka)}\,\eta_{ab}\,\overline{U_{(iy),(lb)}}

    on row-major vectorisations; the pair basis is :math:`|R^hR^c\rangle` with
    :math:`R^h` the left factor. ``unitary`` is the 16×16 collision unitary of Eq. (8)
    in qubit order :math:`(S_A, S_B, R^h, R^c)`, ``eta_pair`` the 4×4 :math:`\eta^h\otimes\eta^c`.
    """
    u = np.asarray(unitary).reshape(4, 4, 4, 4)  # [i, x, k, a]: system out, pair out, system in, pair in
    a = np.einsum("ixka,ab,iylb->xykl", u, np.asarray(eta_pair), u.conj())
    return a.reshape(16, 16)


def _marginals(pair: NDArray) -> tuple[NDArray, NDArray]:
    """Hot and cold one-ancilla marginals (..., 2, 2) of pair states (..., 4, 4), basis |R^h R^c>."""
    t = pair.reshape(pair.shape[:-2] + (2, 2, 2, 2))
    return np.einsum("...acbc->...ab", t), np.einsum("...cacb->...ab", t)


def _exchanged(after: NDArray, eta: NDArray, spec: Spectrum) -> tuple[NDArray, NDArray]:
    r""":math:`\mathrm{Tr}[(\tilde\eta-\eta)\ln\eta]` of each ``after`` state, and the divergence mask."""
    weights = spec.populations(after) - spec.populations(eta)
    return _weighted_logs(weights, spec.log_eigenvalues)


@dataclass(frozen=True)
class _CollisionTerms:
    exchanged_pair: NDArray
    exchanged_hot: NDArray
    exchanged_cold: NDArray
    current_hot: NDArray
    current_cold: NDArray


def _collision_terms(model: CollisionModel, pairs: NDArray, where: str | None = None) -> _CollisionTerms:
    """Per-collision exchanged entropies (Eqs. 17, 22, 25) and heats (Eqs. 10–11) from ancilla pairs after."""
    spec_h, spec_c = ancilla_spectrum(model.hot), ancilla_spectrum(model.cold)
    eta_h, eta_c = model.hot.state, model.cold.state
    eta_pair = ancilla_pair_state(eta_h, eta_c)
    # Renormalise: the trace of a state propagated over many collisions drifts by rounding
    # (~1e-16 per collision); with Tr = 1 + eps the sum of Eq. 17 picks up eps * ln(lambda),
    # which would break the exact thermal identities (Eqs. 18, 23, 26) at ~n * 1e-16.
    pairs = pairs / np.einsum("...ii->...", pairs).real[..., None, None]
    after_h, after_c = _marginals(pairs)
    pair_re, div_pair = _exchanged(pairs, eta_pair, spec_h.kron(spec_c))
    hot_re, div_h = _exchanged(after_h, eta_h, spec_h)
    cold_re, div_c = _exchanged(after_c, eta_c, spec_c)
    _warn_support(
        "delta_s_re (Eq. 17)", div_pair, "the pair state after a collision leaves the support of eta_h x eta_c", "-", where
    )
    _warn_support("delta_s_re_hot (Eq. 22)", div_h, "p_h = 1 and the hot ancilla leaves its pure state", "-", where)
    _warn_support("delta_s_re_cold (Eq. 25)", div_c, "p_c = 1 and the cold ancilla leaves its pure state", "-", where)
    h_z = 0.5 * model.omega * np.array([1.0, -1.0])
    current_hot = np.einsum("...ii,i->...", after_h, h_z).real - model.hot.energy
    current_cold = np.einsum("...ii,i->...", after_c, h_z).real - model.cold.energy
    return _CollisionTerms(pair_re, hot_re, cold_re, current_hot, current_cold)


def _product_relative_entropy(omega: NDArray, rho_after: NDArray, spec_pair: Spectrum, name: str) -> NDArray:
    r""":math:`D[\Omega\|\rho\otimes\eta]` for 16×16 states :math:`\Omega` (qubits S_A, S_B, R^h, R^c)."""
    specs = spectrum(rho_after)
    logs = (specs.log_eigenvalues[..., :, None] + spec_pair.log_eigenvalues[None, :]).reshape(
        specs.log_eigenvalues.shape[:-1] + (16,)
    )
    vecs = np.einsum("...ij,kl->...ikjl", specs.eigenvectors, spec_pair.eigenvectors).reshape(
        specs.eigenvectors.shape[:-2] + (16, 16)
    )
    return relative_entropy(omega, Spectrum(logs, vecs), name=name)


def collision_entropy_production(model: CollisionModel, rho_before: ArrayLike) -> NDArray[np.float64]:
    r"""Entropy produced in one collision, as a relative entropy on system ⊗ ancilla pair (nats).

    .. math::
        \sigma_k = D\big[\Omega_k\,\big\|\,\rho^S_k\otimes\eta^h\otimes\eta^c\big],\qquad
        \Omega_k = \hat U(\rho^S_{k-1}\otimes\eta^h\otimes\eta^c)\hat U^\dagger,\quad
        \rho^S_k = \mathrm{Tr}_{R^hR^c}\Omega_k,

    which equals the increment of Eq. (20) in collision k (module docstring), so
    :math:`\Delta S_{ir}(n) = \sum_{k\le n}\sigma_k` and :math:`\sigma_k \ge 0`. Computed
    from the eigenvalues of the 16×16 :math:`\Omega_k` and the populations of
    :math:`\Omega_k` in the product eigenbasis — independent of the route of
    :func:`entropy_balance`, which uses neither.

    Parameters
    ----------
    model : CollisionModel
    rho_before : array_like (..., 4, 4)
        System state(s) :math:`\rho^S_{k-1}` before the collision, basis :math:`|S_AS_B\rangle`.

    Returns
    -------
    ndarray (...)
        :math:`\sigma_k`; ``+inf`` with a :class:`SupportWarning` where the support
        condition fails (p = 1 reservoirs).
    """
    _check_model(model)
    rho = np.asarray(rho_before, dtype=complex)
    if rho.shape[-2:] != (4, 4):
        raise ValueError(f"rho_before must have shape (..., 4, 4), got {rho.shape}")
    u = collision_unitary(model.gamma, model.delta)
    eta_pair = ancilla_pair_state(model.hot.state, model.cold.state)
    full = np.einsum("...ij,kl->...ikjl", rho, eta_pair).reshape(rho.shape[:-2] + (16, 16))
    omega = u @ full @ u.conj().T
    rho_after = np.einsum("...iaja->...ij", omega.reshape(omega.shape[:-2] + (4, 4, 4, 4)))
    spec_pair = ancilla_spectrum(model.hot).kron(ancilla_spectrum(model.cold))
    return _product_relative_entropy(omega, rho_after, spec_pair, "entropy production (Eq. 20, one collision)")


# --------------------------------------------------------------------------- joint state (direct Eq. 20)


def _apply_gate(state: NDArray, gate: NDArray, i: int, j: int) -> NDArray:
    """Apply a 4×4 two-qubit gate to axes (i, j) of a state tensor (i the gate's left factor)."""
    g = gate.reshape(2, 2, 2, 2)
    out = np.tensordot(g, state, axes=([2, 3], [i, j]))  # new axes 0, 1 in front
    return np.moveaxis(out, [0, 1], [i, j])


def _purification(vals: NDArray, vecs: NDArray) -> NDArray:
    """Columns sqrt(lambda_i) v_i of the non-zero eigenvalues: a (d, rank) purification factor."""
    keep = vals > 0
    return vecs[:, keep] * np.sqrt(vals[keep])


def _system_purification(rho0: NDArray) -> NDArray:
    vals, vecs = np.linalg.eigh(rho0)
    vals = np.where(vals > ZERO_EIGENVALUE, vals, 0.0)
    return _purification(vals / vals.sum(), vecs)


def _collision_gates(model: CollisionModel) -> tuple[NDArray, NDArray]:
    return partial_swap(model.delta), partial_swap(model.gamma)


def _joint_purified(model: CollisionModel, rho0: NDArray, n: int) -> NDArray:
    r"""Eq. (20) after each collision from a purification of the joint state.

    The state of system + ancillas (2 + 2k qubits, axes S_A, S_B, R^h_1, R^c_1, ...) is
    held as a matrix M (main × reference) with :math:`\rho^{tot} = MM^\dagger`; the
    reference purifies the mixed initial states. :math:`S(\rho^{tot})` comes from the
    eigenvalues of the smaller Gram matrix (:math:`MM^\dagger` and :math:`M^\dagger M`
    share their non-zero spectrum) of the *evolved* M; :math:`\mathrm{Tr}[\rho^{tot}
    \ln(\rho^S\otimes\bigotimes_j\eta_j)]` from the populations of :math:`\rho^{tot}` in
    the product eigenbasis, obtained by rotating M with local eigenvector matrices.
    """
    v_gate, u_gate = _collision_gates(model)
    spec_h, spec_c = ancilla_spectrum(model.hot), ancilla_spectrum(model.cold)
    fac_h = _purification(spec_h.eigenvalues, spec_h.eigenvectors)
    fac_c = _purification(spec_c.eigenvalues, spec_c.eigenvectors)
    fac_s = _system_purification(rho0)
    state = fac_s.reshape(2, 2, -1)  # axes: S_A, S_B, reference
    out = np.empty(n)
    for k in range(1, n + 1):
        # add the fresh pair (R^h_k, R^c_k) in front of the reference axis
        state = np.einsum("...r,ah,cg->...acrhg", state, fac_h, fac_c)
        state = state.reshape(state.shape[:-3] + (-1,))
        h_ax, c_ax = 2 * k, 2 * k + 1
        state = _apply_gate(state, v_gate, 0, 1)
        state = _apply_gate(state, u_gate, 0, h_ax)
        state = _apply_gate(state, u_gate, 1, c_ax)
        main = 4 ** (k + 1)
        m = state.reshape(main, -1)
        gram = m.conj().T @ m if m.shape[1] <= main else m @ m.conj().T
        s_tot = float(_entropy_from_eigenvalues(np.linalg.eigvalsh(gram)))
        ms = m.reshape(4, -1)
        spec_s = spectrum(ms @ ms.conj().T)
        # rotate every factor into its eigenbasis; populations = sum over the reference
        rot = np.tensordot(spec_s.eigenvectors.conj().T, state.reshape((4,) + state.shape[2:]), axes=(1, 0))
        for j in range(1, k + 1):
            for ax, spec in ((2 * j - 1, spec_h), (2 * j, spec_c)):
                rot = np.moveaxis(np.tensordot(spec.eigenvectors.conj().T, rot, axes=(1, ax)), 0, ax)
        pops = np.sum(np.abs(rot) ** 2, axis=-1).reshape(-1)
        logs = spec_s.log_eigenvalues
        for _ in range(k):
            logs = (logs[:, None] + spec_h.log_eigenvalues[None, :]).reshape(-1)
            logs = (logs[:, None] + spec_c.log_eigenvalues[None, :]).reshape(-1)
        cross, diverged = _weighted_logs(pops, logs)
        out[k - 1] = math.inf if diverged else -s_tot - float(cross)
    _warn_support("production_joint (Eq. 20)", np.isposinf(out), "a pure ancilla left its pure state", "+")
    return out


def _joint_dense(model: CollisionModel, rho0: NDArray, n: int) -> NDArray:
    """Eq. (20) the naive way: full joint density matrix, full reference matrix, two eigendecompositions."""
    v_gate, u_gate = _collision_gates(model)
    pair = np.kron(model.hot.state, model.cold.state)
    rho = rho0
    sigma_anc = np.ones((1, 1), dtype=complex)
    out = np.empty(n)
    for k in range(1, n + 1):
        rho = np.kron(rho, pair)  # qubits S_A, S_B, R^h_1, R^c_1, ..., R^h_k, R^c_k
        nq = 2 + 2 * k
        dim = 2**nq
        t = rho.reshape((2,) * (2 * nq))  # ket axes 0..nq-1, bra axes nq..2nq-1
        for gate, i, j in ((v_gate, 0, 1), (u_gate, 0, nq - 2), (u_gate, 1, nq - 1)):
            t = _apply_gate(t, gate, i, j)  # G rho
            t = _apply_gate(t, gate.conj(), nq + i, nq + j)  # (G rho) G^dagger
        rho = t.reshape(dim, dim)
        rho_s = np.einsum("axbx->ab", rho.reshape(4, dim // 4, 4, dim // 4))
        sigma_anc = np.kron(sigma_anc, pair)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupportWarning)  # reported once below
            out[k - 1] = float(relative_entropy(rho, np.kron(rho_s, sigma_anc)))
    detail = "the joint state has weight where a numerical eigenvalue of the reference state is <= ZERO_EIGENVALUE"
    _warn_support("production_joint (Eq. 20, dense)", np.isposinf(out), detail, "+")
    return out


def joint_relative_entropy(
    model: CollisionModel, n_collisions: int, initial_state: str | ArrayLike = "11", method: str = "purified"
) -> NDArray[np.float64]:
    r"""Entropy production of Eq. (20) computed on the full joint state, after collisions k = 1..n (nats).

    .. math::
        \Delta S_{ir}(k) = D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j\le k}\eta^h\otimes\eta^c\big]
        = -S(\rho^{tot}_k) - \mathrm{Tr}\big[\rho^{tot}_k\ln(\rho^S_k\otimes\textstyle\bigotimes_j\eta_j)\big]

    Both terms are evaluated on :math:`\rho^{tot}_k`, the state of the system and all 2k
    ancillas it has met, evolved gate by gate (:math:`V(\delta)`, then
    :math:`U(\gamma)` on :math:`S_AR^h_k` and on :math:`S_BR^c_k`, Eqs. 3–8, built from
    :func:`~circuitheat.channel.partial_swap`, not from the 16×16 collision map). No
    shortcut through unitarity (:math:`S(\rho^{tot}) = S(\rho^S_0) + \sum_j S(\eta_j)`) is
    used. This is the brute-force check of the identity behind :func:`entropy_balance`.

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        1 <= n <= :data:`JOINT_MAX_COLLISIONS` (``"dense"``: n <= 4).
    initial_state : str or array_like
        System initial state (see :func:`circuitheat.simulate`).
    method : {"purified", "dense"}
        ``"purified"``: the joint state as a purification (state vector of
        system + ancillas + one reference qubit per mixed ancilla); the entropy from the
        Gram matrix of the evolved state, the cross term from populations in the product
        eigenbasis with closed-form ancilla logarithms. ``"dense"``: the
        :math:`2^{2+2n}`-dimensional density matrix and the dense reference state, both
        diagonalised numerically (the most naive route; its logarithms are numerical, so
        it reports ``+inf`` where the joint state has weight on an eigenvalue of the
        reference state below :data:`ZERO_EIGENVALUE`, which happens near T = 0 where
        the purified route is still finite).

    Returns
    -------
    ndarray (n,)
        :math:`\Delta S_{ir}(k)`; ``+inf`` with a :class:`SupportWarning` where the
        support condition fails.
    """
    _check_model(model)
    method = check_choice("method", method, JOINT_METHODS)
    limit = JOINT_MAX_COLLISIONS if method == "purified" else _DENSE_MAX_COLLISIONS
    n = check_count("n_collisions", n_collisions)
    if n > limit:
        raise ValueError(f"n_collisions must be <= {limit} for method {method!r} (the joint state grows as 4^n), got {n}")
    rho0 = system_initial_state(initial_state)
    return _joint_purified(model, rho0, n) if method == "purified" else _joint_dense(model, rho0, n)


# --------------------------------------------------------------------------- the balance


@dataclass(frozen=True)
class EntropyBalance:
    r"""Entropy and heat bookkeeping of Sec. IV after each collision k = 1..n (nats, energy units).

    Cumulative arrays (shape (n,), value after collision k, counted from the start):

    Attributes
    ----------
    model : CollisionModel
    engine : str
        ``"direct"`` or ``"aer"`` (where the states came from).
    initial_state : ndarray (4, 4)
        :math:`\rho^S_0`.
    entropy_initial : float
        :math:`S(\rho^S_0)`.
    entropy_system : ndarray (n,)
        :math:`S(\rho^S_k)` (von Neumann, nats).
    delta_s : ndarray (n,)
        :math:`\Delta S = S(\rho^S_k) - S(\rho^S_0)` (Eq. 16, left-hand side).
    delta_s_re : ndarray (n,)
        :math:`\Delta S_{re} = \sum_{j\le k}\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]`
        from the two-ancilla marginals :math:`\tilde\eta_j` (Eq. 17). ``-inf`` if the
        support condition fails (pure ancillas, p = 1).
    delta_s_re_hot, delta_s_re_cold : ndarray (n,)
        :math:`\Delta S_{re1}` (Eq. 22) and :math:`\Delta S_{re2}` (Eq. 25) from the
        one-ancilla marginals; :math:`\Delta S_{re} = \Delta S_{re1}+\Delta S_{re2}`.
    production : ndarray (n,)
        :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}`, which equals
        :math:`D[\rho^{tot}_k\|\rho^S_k\otimes\bigotimes_j\eta_j]` (Eq. 20) exactly;
        non-negative and non-decreasing; ``+inf`` where :math:`\Delta S_{re} = -\infty`.
    production_joint : ndarray (n,) or None
        Eq. (20) evaluated directly on the joint state of system and all ancillas
        (:func:`joint_relative_entropy`); by default computed when n <= :data:`JOINT_AUTO_COLLISIONS`.
    heat_hot, heat_cold : ndarray (n,)
        :math:`\sum_{j\le k}\Delta Q^h_j` and :math:`\sum_{j\le k}\Delta Q^c_j`: the energy
        gained by each reservoir so far, the sums of Eqs. (23), (26), (27)
        (:math:`\Delta Q^h_j = J_h(j)`, Eqs. 10–11; positive = into the reservoir).
    heat_system : ndarray (n,)
        :math:`\sum_{j\le k}\Delta Q^S_j = \mathrm{Tr}[H_S(\rho^S_k-\rho^S_0)]` (Eq. 19).

    Per-collision arrays (value of collision k alone):

    exchanged_pair, exchanged_hot, exchanged_cold : ndarray (n,)
        :math:`\mathrm{Tr}[(\tilde\eta_k-\eta)\ln\eta]` for the pair, the hot and the cold
        ancilla (the terms of Eqs. 17, 22, 25).
    current_hot, current_cold : ndarray (n,)
        :math:`J_h(k), J_c(k)` (Eqs. 10–11), from the ancilla marginals.

    Notes
    -----
    The paper's Eqs. (16)–(19) are consistent as printed (derivation in
    :mod:`circuitheat.thermo`): :math:`\Delta S_{re}` enters Eq. (16) with a plus sign
    and equals :math:`-\beta\sum_j\Delta Q^R_j = +\beta\sum_j\Delta Q^S_j` for thermal
    reservoirs at one temperature.
    """

    model: CollisionModel
    engine: str
    initial_state: NDArray = field(repr=False)
    entropy_initial: float
    entropy_system: NDArray = field(repr=False)
    delta_s: NDArray = field(repr=False)
    delta_s_re: NDArray = field(repr=False)
    delta_s_re_hot: NDArray = field(repr=False)
    delta_s_re_cold: NDArray = field(repr=False)
    production: NDArray = field(repr=False)
    heat_hot: NDArray = field(repr=False)
    heat_cold: NDArray = field(repr=False)
    heat_system: NDArray = field(repr=False)
    exchanged_pair: NDArray = field(repr=False)
    exchanged_hot: NDArray = field(repr=False)
    exchanged_cold: NDArray = field(repr=False)
    current_hot: NDArray = field(repr=False)
    current_cold: NDArray = field(repr=False)
    production_joint: NDArray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for f in self.__dataclass_fields__.values():
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, f.name, _frozen(value))

    @property
    def n_collisions(self) -> int:
        """Number of collisions n."""
        return int(self.delta_s.shape[0])

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Collision numbers k = 1..n."""
        return np.arange(1, self.n_collisions + 1)

    @property
    def heat_reservoirs(self) -> NDArray[np.float64]:
        r""":math:`\sum_{j\le k}\Delta Q^R_j = \sum_{j\le k}(\Delta Q^h_j+\Delta Q^c_j)` (Eqs. 18, 27)."""
        return self.heat_hot + self.heat_cold

    @property
    def clausius_hot(self) -> NDArray[np.float64]:
        r""":math:`-\beta_h\sum_{j\le k}\Delta Q^h_j`: what Eq. (23) says :math:`\Delta S_{re1}` is (thermal :math:`R^h`)."""
        return -self.model.hot.beta * self.heat_hot

    @property
    def clausius_cold(self) -> NDArray[np.float64]:
        r""":math:`-\beta_c\sum_{j\le k}\Delta Q^c_j`: what Eq. (26) says :math:`\Delta S_{re2}` is (thermal :math:`R^c`)."""
        return -self.model.cold.beta * self.heat_cold

    @property
    def production_steps(self) -> NDArray[np.float64]:
        r"""Per-collision entropy production :math:`\Delta S_{ir}(k)-\Delta S_{ir}(k-1) \ge 0`.

        Computed as :math:`[S(\rho^S_k)-S(\rho^S_{k-1})] - \mathrm{Tr}[(\tilde\eta_k-\eta)\ln\eta]`
        (``+inf`` where the exchanged term is ``-inf``, never NaN); equals
        :func:`collision_entropy_production` of the state before collision k.
        """
        entropies = np.concatenate([[self.entropy_initial], self.entropy_system])
        return np.diff(entropies) - self.exchanged_pair

    def to_dataset(self):
        """The balance as an :class:`xarray.Dataset` over ``collision`` (k = 1..n), with units in attrs."""
        import xarray as xr

        names = [name for name in BALANCE_COLUMNS if name != "production_joint"]
        data = {name: ("collision", np.asarray(getattr(self, name))) for name in names}
        if self.production_joint is not None:
            data["production_joint"] = ("collision", np.asarray(self.production_joint))
        ds = xr.Dataset(data, coords={"collision": self.collisions})
        for name in ds.data_vars:
            ds[name].attrs["units"] = "energy (omega units)" if ("heat" in name or "current" in name) else "nats"
        ds.attrs.update(
            engine=self.engine,
            entropy_initial=self.entropy_initial,
            gamma=self.model.gamma,
            delta=self.model.delta,
            t_hot=self.model.hot.temperature,
            t_cold=self.model.cold.temperature,
            coherence_hot=self.model.hot.coherence,
            coherence_cold=self.model.cold.coherence,
            phase_hot=self.model.hot.phase,
            phase_cold=self.model.cold.phase,
            omega=self.model.omega,
        )
        return ds


def _check_model(model: object) -> None:
    if not isinstance(model, CollisionModel):
        raise TypeError(f"model must be a CollisionModel, got {model!r} of type {type(model).__name__}")


def _direct_states(model: CollisionModel, n: int, rho0: NDArray) -> tuple[NDArray, NDArray]:
    """System states after each collision (direct engine) and the ancilla pairs after each collision."""
    from .engines import simulate

    traj = simulate(model, n, engine="direct", initial_state=rho0)
    after = np.asarray(traj.system_states)
    before = np.concatenate([rho0[None], after[:-1]])
    u = collision_unitary(model.gamma, model.delta)
    a = ancilla_pair_map(u, ancilla_pair_state(model.hot.state, model.cold.state))
    pairs = (before.reshape(n, 16) @ a.T).reshape(n, 4, 4)
    return after, pairs


def _aer_states(model: CollisionModel, n: int, initial_state: str | ArrayLike, preparation: str) -> tuple[NDArray, NDArray]:
    """System states and ancilla pairs after each collision from the Aer circuit engine."""
    try:
        from .engines.aer import run_collision_circuit
    except ImportError as exc:  # the circuit engine is optional at import time
        raise ValueError(
            f"engine 'aer' needs circuitheat.engines.aer.run_collision_circuit, which cannot be imported ({exc})"
        ) from None
    result = run_collision_circuit(
        model, n, preparation=preparation, initial_state=initial_state, save=("system", "ancilla_pair")
    )
    system = np.asarray(result["system"], dtype=complex)
    pairs = np.asarray(result["ancilla_pair"], dtype=complex)
    for name, arr in (("system", system), ("ancilla_pair", pairs)):
        if arr.shape != (n, 4, 4):
            raise ValueError(f"run_collision_circuit returned {name!r} of shape {arr.shape}, expected ({n}, 4, 4)")
    return system, pairs


def entropy_balance(
    model: CollisionModel,
    n_collisions: int,
    engine: str = "direct",
    initial_state: str | ArrayLike = "11",
    *,
    joint: bool | None = None,
    preparation: str | None = None,
) -> EntropyBalance:
    r"""Entropy and heat bookkeeping of Sec. IV (Eqs. 16–27) after each of n collisions.

    :math:`\Delta S` comes from the system states, :math:`\Delta S_{re}` (Eq. 17) from
    the :math:`(R^h_j, R^c_j)` marginal after each collision j, :math:`\Delta S_{re1}`,
    :math:`\Delta S_{re2}` (Eqs. 22, 25) from the one-ancilla marginals, and the entropy
    production (Eq. 20) from the exact identity :math:`\Delta S_{ir} = \Delta S -
    \Delta S_{re}` (Eq. 16; derivation in :mod:`circuitheat.thermo`). For small n the
    production is also evaluated directly on the joint state (``production_joint``).

    Cost: O(n) small matrix products plus 4×4 eigendecompositions (1500 collisions in a
    few tens of ms); the joint-state check grows as 4^n.

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        Number of collisions n >= 1.
    engine : {"direct", "aer"}
        ``"direct"``: system states from the direct engine, ancilla pairs from the exact
        16×16 map :func:`ancilla_pair_map` applied to the state before each collision.
        ``"aer"``: both read from density matrices saved in one Aer circuit run
        (:func:`circuitheat.engines.aer.run_collision_circuit`).
    initial_state : str or array_like
        System initial state (see :func:`circuitheat.simulate`); default ``"11"``.
    joint : bool or None
        Whether to compute ``production_joint`` with :func:`joint_relative_entropy`
        (cost grows as 4^n; True allows n <= :data:`JOINT_MAX_COLLISIONS`); None: when
        n <= :data:`JOINT_AUTO_COLLISIONS`.
    preparation : {"channel", "purification"}, optional
        Ancilla preparation of the Aer circuits (``engine="aer"`` only; default
        ``"channel"``).

    Returns
    -------
    EntropyBalance

    Warns
    -----
    SupportWarning
        If a pure ancilla (p = 1) leaves its pure state, so :math:`\ln\eta` is needed at
        a zero eigenvalue; the affected entries are ``-inf`` (:math:`\Delta S_{re}`) and
        ``+inf`` (:math:`\Delta S_{ir}`).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> from circuitheat.thermo import entropy_balance
    >>> hot, cold = ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0)
    >>> bal = entropy_balance(ch.CollisionModel(np.pi / 32, np.pi / 4, hot, cold), 100)
    >>> bool(np.all(bal.production >= 0))
    True
    """
    _check_model(model)
    n = check_count("n_collisions", n_collisions)
    engine = check_choice("engine", engine, ENTROPY_ENGINES)
    if joint is not None and not isinstance(joint, bool):
        raise TypeError(f"joint must be True, False or None, got {joint!r}")
    rho0 = system_initial_state(initial_state)
    if joint and n > JOINT_MAX_COLLISIONS:
        raise ValueError(f"joint=True needs n_collisions <= {JOINT_MAX_COLLISIONS} (the joint state grows as 4^n), got {n}")
    if engine == "direct":
        if preparation is not None:
            raise ValueError(f"preparation applies to engine 'aer' only, got preparation={preparation!r} with engine 'direct'")
        after, pairs = _direct_states(model, n, rho0)
    else:
        after, pairs = _aer_states(model, n, initial_state, "channel" if preparation is None else preparation)
    terms = _collision_terms(model, pairs)
    s0 = float(von_neumann_entropy(rho0))
    s = von_neumann_entropy(after)
    h_s = system_hamiltonian(model.omega)
    e0 = float(np.trace(rho0 @ h_s).real)
    energies = np.einsum("nij,ji->n", after, h_s).real
    delta_s = s - s0
    delta_s_re = np.cumsum(terms.exchanged_pair)
    production = delta_s - delta_s_re
    do_joint = n <= JOINT_AUTO_COLLISIONS if joint is None else joint
    production_joint = joint_relative_entropy(model, n, rho0) if do_joint else None
    return EntropyBalance(
        model=model,
        engine=engine,
        initial_state=rho0,
        entropy_initial=s0,
        entropy_system=s,
        delta_s=delta_s,
        delta_s_re=delta_s_re,
        delta_s_re_hot=np.cumsum(terms.exchanged_hot),
        delta_s_re_cold=np.cumsum(terms.exchanged_cold),
        production=production,
        heat_hot=np.cumsum(terms.current_hot),
        heat_cold=np.cumsum(terms.current_cold),
        heat_system=energies - e0,
        exchanged_pair=terms.exchanged_pair,
        exchanged_hot=terms.exchanged_hot,
        exchanged_cold=terms.exchanged_cold,
        current_hot=terms.current_hot,
        current_cold=terms.current_cold,
        production_joint=production_joint,
    )


# --------------------------------------------------------------------------- steady state: the second law


@dataclass(frozen=True)
class SteadyEntropyProduction:
    r"""Entropy flows per collision in the steady state :math:`\rho^*` (Sec. IV applied to :math:`\Phi[\rho^*]=\rho^*`).

    Attributes
    ----------
    model : CollisionModel
    heat_hot, heat_cold : float
        :math:`J_h, J_c` per collision (Eqs. 10–11); positive = into that reservoir,
        :math:`J_h = -J_c`.
    exchanged_hot, exchanged_cold : float
        :math:`\mathrm{Tr}[(\tilde\eta^{h,c}-\eta^{h,c})\ln\eta^{h,c}]` per collision: the
        steady-state increments of :math:`\Delta S_{re1}`, :math:`\Delta S_{re2}` (Eqs. 22, 25).
    production : float
        True entropy production per collision :math:`\sigma = -(\text{exchanged\_hot} +
        \text{exchanged\_cold})` (:math:`\Delta S` per collision is 0 in the steady state,
        so Eq. 16 gives :math:`\Delta S_{ir}` per collision :math:`= -\Delta S_{re}` per
        collision). :math:`\ge 0`; ``+inf`` for a pure reservoir that is disturbed.
    production_local : float
        The same quantity evaluated as a relative entropy,
        :math:`D[\hat U(\rho^*\otimes\eta)\hat U^\dagger\,\|\,\rho^*\otimes\eta]`
        (:func:`collision_entropy_production`), an independent check.
    clausius : float
        :math:`\beta_h J_h + \beta_c J_c` with the *effective* inverse temperatures
        (Eq. 12): the entropy the reservoirs would gain per collision if they were
        thermal. For thermal reservoirs it equals ``production`` (Eqs. 23, 26).

    Notes
    -----
    With :math:`\ln\eta = -\beta H - \ln Z + \Lambda`, :math:`\Lambda = \ln\eta - \ln\rho_\beta`
    the non-thermal part, :math:`\sigma = \beta_hJ_h + \beta_cJ_c + C` with the coherence
    term :math:`C = -\sum_{r=h,c}\mathrm{Tr}[(\tilde\eta^r-\eta^r)\Lambda_r]`
    (:attr:`coherence_term`). Where the current is reversed (:math:`J_h > 0` with
    :math:`T_h > T_c`), ``clausius`` :math:`= J_h(\beta_h-\beta_c) < 0` while
    :math:`\sigma \ge 0`: the coherence of the reservoirs pays for it.
    """

    model: CollisionModel
    heat_hot: float
    heat_cold: float
    exchanged_hot: float
    exchanged_cold: float
    production: float
    production_local: float
    clausius: float

    @property
    def coherence_term(self) -> float:
        r""":math:`C = \sigma - (\beta_hJ_h + \beta_cJ_c)`: the entropy paid by the reservoirs' coherence."""
        if math.isinf(self.production):
            return self.production
        return self.production - self.clausius

    @property
    def is_reversed(self) -> bool:
        """True if heat flows into the hotter reservoir (against the effective-temperature gradient)."""
        t_h, t_c = self.model.hot.temperature, self.model.cold.temperature
        return (self.heat_hot > 0 and t_h > t_c) or (self.heat_cold > 0 and t_c > t_h)


def steady_entropy_production(model: CollisionModel) -> SteadyEntropyProduction:
    r"""True entropy production and Clausius-like entropy flow per collision in the steady state.

    Uses the exact steady state :math:`\rho^*` (:func:`circuitheat.steady_state`); the
    ancilla pair after a steady collision is :math:`\tilde\eta^* = A\,\rho^*` with the map
    :func:`ancilla_pair_map`. See :class:`SteadyEntropyProduction` for the quantities.

    Raises
    ------
    ValueError
        If the steady state is not unique (``gamma`` a multiple of pi).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> hot, cold = ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0)
    >>> r = steady_entropy_production(ch.CollisionModel(np.pi / 32, np.pi / 4, hot, cold))
    >>> r.heat_hot > 0, r.clausius < 0, r.production >= 0
    (True, True, True)
    """
    _check_model(model)
    ss = steady_state(model)
    rho = np.asarray(ss.system_state)
    u = collision_unitary(model.gamma, model.delta)
    a = ancilla_pair_map(u, ancilla_pair_state(model.hot.state, model.cold.state))
    pair = (a @ rho.reshape(16)).reshape(4, 4)
    terms = _collision_terms(model, pair[None], "in the steady state")
    ex_h, ex_c = float(terms.exchanged_hot[0]), float(terms.exchanged_cold[0])
    production = -(ex_h + ex_c) if math.isfinite(ex_h + ex_c) else math.inf
    local = float(collision_entropy_production(model, rho))
    clausius = model.hot.beta * ss.heat_hot + model.cold.beta * ss.heat_cold
    return SteadyEntropyProduction(
        model=model,
        heat_hot=ss.heat_hot,
        heat_cold=ss.heat_cold,
        exchanged_hot=ex_h,
        exchanged_cold=ex_c,
        production=production,
        production_local=local,
        clausius=clausius,
    )


#: Default phase-difference grid of :func:`second_law_scan`: 0..2 pi inclusive in steps
#: of pi/180, fine enough to resolve the sign changes of J_h seen in Fig. 3.
_DEFAULT_PHASES = 361


def second_law_scan(model: CollisionModel, phase_differences: ArrayLike | None = None):
    r"""Steady entropy production and Clausius-like flow versus :math:`\Delta\phi = \phi_h - \phi_c`.

    For each :math:`\Delta\phi` the hot phase is set to :math:`\phi_c + \Delta\phi` (only
    the difference matters, Sec. III) and :func:`steady_entropy_production` is evaluated.

    Parameters
    ----------
    model : CollisionModel
        All other parameters (the paper's Fig. 2 set is the natural choice).
    phase_differences : array_like, optional
        :math:`\Delta\phi` values (rad); default 361 points on [0, 2π].

    Returns
    -------
    xarray.Dataset
        Over ``phase_difference``: ``production`` (σ, nats per collision),
        ``production_local``, ``clausius`` (:math:`\beta_hJ_h+\beta_cJ_c`),
        ``coherence_term``, ``exchanged_hot``, ``exchanged_cold`` (nats per collision),
        ``heat_hot``, ``heat_cold`` (energy per collision).
    """
    import xarray as xr

    _check_model(model)
    if phase_differences is None:
        phases = np.linspace(0.0, 2 * np.pi, _DEFAULT_PHASES)
    else:
        phases = np.atleast_1d(np.asarray(phase_differences, dtype=float))
        if phases.ndim != 1 or phases.size == 0 or not np.all(np.isfinite(phases)):
            raise ValueError(f"phase_differences must be a non-empty 1-D array of finite angles, got {phase_differences!r}")
    names = (
        "production",
        "production_local",
        "clausius",
        "coherence_term",
        "exchanged_hot",
        "exchanged_cold",
        "heat_hot",
        "heat_cold",
    )
    values = {name: np.empty(phases.size) for name in names}
    for i, dphi in enumerate(phases):
        m = replace(model, hot=replace(model.hot, phase=model.cold.phase + float(dphi)))
        r = steady_entropy_production(m)
        for name in names:
            values[name][i] = getattr(r, name)
    units = {"heat_hot": "energy per collision", "heat_cold": "energy per collision"}
    ds = xr.Dataset(
        {name: ("phase_difference", v, {"units": units.get(name, "nats per collision")}) for name, v in values.items()},
        coords={"phase_difference": ("phase_difference", phases, {"units": "rad"})},
    )
    ds.attrs.update(
        gamma=model.gamma,
        delta=model.delta,
        t_hot=model.hot.temperature,
        t_cold=model.cold.temperature,
        coherence_hot=model.hot.coherence,
        coherence_cold=model.cold.coherence,
        phase_cold=model.cold.phase,
        omega=model.omega,
    )
    return ds
