r"""One collision: the ancilla pair it leaves behind, the entropy it exchanges and produces.

Shared by the n-collision balance (:mod:`.balance`) and the steady state
(:mod:`.second_law`). For a system state :math:`\rho^S` before a collision,

* the ancilla pair after it, :math:`\tilde\eta = \mathrm{Tr}_S[\hat U(\rho^S\otimes\eta^h\otimes
  \eta^c)\hat U^\dagger]`, is linear in :math:`\rho^S` (:func:`ancilla_pair_map`);
* the exchanged entropies :math:`\mathrm{Tr}[(\tilde\eta-\eta)\ln\eta]` of the pair and of each
  ancilla (the terms of Eqs. 17, 22, 25) and the heats :math:`J_h, J_c` (Eqs. 10–11) follow
  from :math:`\tilde\eta` and its one-ancilla marginals;
* the entropy produced is the relative entropy
  :math:`D[\hat U(\rho^S\otimes\eta)\hat U^\dagger\,\|\,\rho^S_{after}\otimes\eta]`
  (:func:`collision_entropy_production`).

Everything broadcasts over leading axes of the system states *and* of the ancilla
parameters, so a scan over reservoir phases is one batched computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..channel import ancilla_pair_state, collision_unitary
from ..model import CollisionModel, Reservoir, check_model
from ..states import ancilla_state
from .logs import (
    Spectrum,
    _ancilla_spectra,
    _relative_entropy,
    _warn_relative_entropy,
    _warn_support,
    _weighted_logs,
    ancilla_spectrum,
    spectrum,
)

__all__ = ["ancilla_pair_map", "collision_entropy_production"]

#: Name under which the one-collision production is reported in a :class:`~.logs.SupportWarning`.
_LOCAL_PRODUCTION = "entropy production (Eq. 20, one collision)"


@dataclass(frozen=True)
class _Ancilla:
    r"""The ancillas of one reservoir, or a broadcast batch of them (batch axes lead).

    ``state`` (..., 2, 2) is :math:`\eta` of Eq. (12), ``spectrum`` its closed-form
    spectrum, ``energy`` :math:`\mathrm{Tr}[H\eta]` and ``beta`` the inverse effective
    temperature (neither depends on the phase).
    """

    state: NDArray
    spectrum: Spectrum
    energy: float
    beta: float


def _ancilla(reservoir: Reservoir, phase: ArrayLike | None = None) -> _Ancilla:
    """The ancillas of ``reservoir``; with ``phase`` (rad, validated by the caller) a batch over that phase instead."""
    if phase is None:
        state, spec = reservoir.state, ancilla_spectrum(reservoir)
    else:
        state = ancilla_state(reservoir.temperature, reservoir.coherence, phase, reservoir.omega)
        spec = _ancilla_spectra(0.5 * reservoir.beta * reservoir.omega, reservoir.coherence, phase)
    return _Ancilla(state=state, spectrum=spec, energy=reservoir.energy, beta=reservoir.beta)


@dataclass(frozen=True)
class _Collision:
    """What the entropy bookkeeping needs of one collision of a model; the ancillas may be a batch.

    The derived matrices are computed on first use and cached (read-only use only).
    """

    gamma: float
    delta: float
    omega: float
    hot: _Ancilla
    cold: _Ancilla

    @cached_property
    def unitary(self) -> NDArray[np.complex128]:
        """The 16×16 collision unitary of Eq. (8), qubits (S_A, S_B, R^h, R^c)."""
        return collision_unitary(self.gamma, self.delta)

    @cached_property
    def eta_pair(self) -> NDArray[np.complex128]:
        r""":math:`\eta^h\otimes\eta^c` (..., 4, 4)."""
        return ancilla_pair_state(self.hot.state, self.cold.state)

    @cached_property
    def pair_map(self) -> NDArray[np.complex128]:
        """The map :func:`ancilla_pair_map` (..., 16, 16) of this collision."""
        return ancilla_pair_map(self.unitary, self.eta_pair)


def _collision(model: CollisionModel, hot_phase: ArrayLike | None = None) -> _Collision:
    """The collision of ``model``; with ``hot_phase`` a batch over the hot reservoir's phase."""
    return _Collision(model.gamma, model.delta, model.omega, _ancilla(model.hot, hot_phase), _ancilla(model.cold))


def ancilla_pair_map(unitary: NDArray, eta_pair: NDArray) -> NDArray[np.complex128]:
    r"""16×16 map from the system state before a collision to the ancilla pair after it.

    .. math::
        \tilde\eta = \mathrm{Tr}_S\big[\hat U(\rho^S\otimes\eta^h\otimes\eta^c)\hat U^\dagger\big],
        \qquad \mathrm{vec}\,\tilde\eta = A\,\mathrm{vec}\,\rho^S,\quad
        A_{(xy),(kl)} = \sum_{i,a,b} U_{(ix),(ka)}\,\eta_{ab}\,\overline{U_{(iy),(lb)}}

    on row-major vectorisations; the pair basis is :math:`|R^hR^c\rangle` with
    :math:`R^h` the left factor. ``unitary`` is the 16×16 collision unitary of Eq. (8)
    in qubit order :math:`(S_A, S_B, R^h, R^c)`, ``eta_pair`` the 4×4 :math:`\eta^h\otimes\eta^c`.
    Both may carry leading batch axes (..., 16, 16) and (..., 4, 4), which broadcast;
    the result is (..., 16, 16).

    :math:`A` is linear in :math:`\eta`: the sum over :math:`i` is done first,
    :math:`B_{(ab),(xykl)} = \sum_i U_{(ix),(ka)}\overline{U_{(iy),(lb)}}`, then
    :math:`A = \mathrm{vec}(\eta)^T B` is one matrix product, so a batch of ancilla states
    sharing one unitary costs a single 16×256 product.
    """
    u = np.asarray(unitary)
    u = u.reshape(u.shape[:-2] + (4, 4, 4, 4))  # [i, x, k, a]: system out, pair out, system in, pair in
    b = np.einsum("...ixka,...iylb->...abxykl", u, u.conj())
    b = b.reshape(b.shape[:-6] + (16, 256))
    eta = np.asarray(eta_pair)
    a = eta.reshape(eta.shape[:-2] + (1, 16)) @ b
    return a.reshape(a.shape[:-2] + (16, 16))


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
    """Per-collision exchanged entropies (nats), heats (energy) and the masks of the exchanged terms that are -inf."""

    exchanged_pair: NDArray
    exchanged_hot: NDArray
    exchanged_cold: NDArray
    current_hot: NDArray
    current_cold: NDArray
    diverged_pair: NDArray
    diverged_hot: NDArray
    diverged_cold: NDArray


def _collision_terms(collision: _Collision, pairs: NDArray) -> _CollisionTerms:
    """Per-collision exchanged entropies (Eqs. 17, 22, 25) and heats (Eqs. 10–11) from ancilla pairs after.

    Issues no warning: pass the result to :func:`_warn_collision_terms`.
    """
    hot, cold = collision.hot, collision.cold
    # Renormalise: the trace of a state propagated over many collisions drifts by rounding
    # (~1e-16 per collision); with Tr = 1 + eps the sum of Eq. 17 picks up eps * ln(lambda),
    # which would break the exact thermal identities (Eqs. 18, 23, 26) at ~n * 1e-16.
    pairs = pairs / np.einsum("...ii->...", pairs).real[..., None, None]
    after_h, after_c = _marginals(pairs)
    pair_re, div_pair = _exchanged(pairs, collision.eta_pair, hot.spectrum.kron(cold.spectrum))
    hot_re, div_h = _exchanged(after_h, hot.state, hot.spectrum)
    cold_re, div_c = _exchanged(after_c, cold.state, cold.spectrum)
    h_z = 0.5 * collision.omega * np.array([1.0, -1.0])
    current_hot = np.einsum("...ii,i->...", after_h, h_z).real - hot.energy
    current_cold = np.einsum("...ii,i->...", after_c, h_z).real - cold.energy
    return _CollisionTerms(pair_re, hot_re, cold_re, current_hot, current_cold, div_pair, div_h, div_c)


def _warn_collision_terms(
    diverged_pair: NDArray, diverged_hot: NDArray, diverged_cold: NDArray, where: str | None = None
) -> None:
    """The :class:`~.logs.SupportWarning` of each exchanged term that diverged (``where`` as in ``_warn_support``)."""
    _warn_support(
        "delta_s_re (Eq. 17)", diverged_pair, "the pair state after a collision leaves the support of eta_h x eta_c", "-", where
    )
    _warn_support(
        "delta_s_re_hot (Eq. 22)",
        diverged_hot,
        "the hot ancilla state is pure (p_h = 1, or T_h so low that it is the ground state) and the ancilla leaves it",
        "-",
        where,
    )
    _warn_support(
        "delta_s_re_cold (Eq. 25)",
        diverged_cold,
        "the cold ancilla state is pure (p_c = 1, or T_c so low that it is the ground state) and the ancilla leaves it",
        "-",
        where,
    )


def _local_production(collision: _Collision, rho_before: NDArray) -> tuple[NDArray, NDArray]:
    r""":func:`collision_entropy_production` without validation or warning: values and the mask of ``+inf`` entries."""
    u = collision.unitary
    eta_pair = collision.eta_pair
    full = np.einsum("...ij,...kl->...ikjl", rho_before, eta_pair)
    full = full.reshape(full.shape[:-4] + (16, 16))
    omega = u @ full @ u.conj().T
    rho_after = np.einsum("...iaja->...ij", omega.reshape(omega.shape[:-2] + (4, 4, 4, 4)))
    reference = spectrum(rho_after).kron(collision.hot.spectrum.kron(collision.cold.spectrum))
    return _relative_entropy(omega, reference)


def collision_entropy_production(model: CollisionModel, rho_before: ArrayLike) -> NDArray[np.float64]:
    r"""Entropy produced in one collision, as a relative entropy on system ⊗ ancilla pair (nats).

    .. math::
        \sigma_k = D\big[\Omega_k\,\big\|\,\rho^S_k\otimes\eta^h\otimes\eta^c\big],\qquad
        \Omega_k = \hat U(\rho^S_{k-1}\otimes\eta^h\otimes\eta^c)\hat U^\dagger,\quad
        \rho^S_k = \mathrm{Tr}_{R^hR^c}\Omega_k,

    which equals the increment of Eq. (20) in collision k (:mod:`circuitheat.thermo`), so
    :math:`\Delta S_{ir}(n) = \sum_{k\le n}\sigma_k` and :math:`\sigma_k \ge 0`. Computed
    from the eigenvalues of the 16×16 :math:`\Omega_k` and the populations of
    :math:`\Omega_k` in the product eigenbasis — independent of the route of
    :func:`~circuitheat.thermo.entropy_balance`, which uses neither.

    Parameters
    ----------
    model : CollisionModel
    rho_before : array_like (..., 4, 4)
        System state(s) :math:`\rho^S_{k-1}` before the collision, basis :math:`|S_AS_B\rangle`.

    Returns
    -------
    ndarray (...)
        :math:`\sigma_k`; ``+inf`` with a :class:`~circuitheat.thermo.SupportWarning` where
        the support condition fails (p = 1 reservoirs).
    """
    check_model(model)
    rho = np.asarray(rho_before, dtype=complex)
    if rho.shape[-2:] != (4, 4):
        raise ValueError(f"rho_before must have shape (..., 4, 4), got {rho.shape}")
    values, diverged = _local_production(_collision(model), rho)
    _warn_relative_entropy(_LOCAL_PRODUCTION, diverged)
    return values
