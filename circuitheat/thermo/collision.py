r"""One step: what it leaves in its ancillas, and the entropy it produces.

Shared by the n-step balance (:mod:`.balance`) and the steady state (:mod:`.second_law`).
A step starts from the system state :math:`\rho` and meets m fresh ancillas
:math:`\eta_1,\dots,\eta_m` (one per collision, in the order of ``network.collisions``); with
the step's unitary :math:`U` on system and ancillas (:mod:`circuitheat.engines.dilation`,
built from the network's own gates), :math:`\Omega = U(\rho\otimes\eta_A)U^\dagger`,
:math:`\eta_A = \bigotimes_c\eta_c`, and the ancillas leave in the joint state
:math:`\tilde\eta_A = \mathrm{Tr}_S\,\Omega` with marginals :math:`\tilde\eta_c`. From it:

* the exchanged entropy of each ancilla, :math:`\mathrm{Tr}[(\tilde\eta_c-\eta_c)\ln\eta_c]`
  (the terms of Eqs. 17, 22, 25), summed per reservoir, and of all of them jointly,
  :math:`\mathrm{Tr}[(\tilde\eta_A-\eta_A)\ln\eta_A]`, which equals the sum because
  :math:`\ln\eta_A = \sum_c I\otimes\ln\eta_c\otimes I`;
* the heat current :math:`J_r = \sum_{c\in r}\mathrm{Tr}[H_r(\tilde\eta_c-\eta_c)]`
  (Eqs. 10–11; positive into r), equal to the one step map's
  (:meth:`circuitheat.network.StepMap.currents`) up to rounding;
* the information terms of the entropy produced in the step,

  .. math::
      \sigma = D[\Omega\,\|\,\rho'\otimes\eta_A]
             = I(S{:}A) + \Big[\sum_c S(\tilde\eta_c) - S(\tilde\eta_A)\Big] + \sum_r\sum_{c\in r}D[\tilde\eta_c\|\eta_c],

  with :math:`\rho' = \mathrm{Tr}_A\Omega`, the mutual information :math:`I(S{:}A) = S(\rho') +
  S(\tilde\eta_A) - S(\Omega)` between the system and the step's ancillas, the total
  correlation among the ancillas, and the relative entropy of each reservoir's ancillas.
  (Expand both sides with :math:`S(\Omega) = S(\rho) + \sum_c S(\eta_c)`, unitarity.)

Everything broadcasts over leading axes of the ancilla joint states *and* of the ancilla
states, so a scan over a reservoir's phase is one batched computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..engines import check_system
from ..engines.dilation import step_joint_state
from ..model import CollisionModel, Reservoir
from ..network.spec import CollisionNetwork
from ..states import ancilla_state
from ..threads import single_blas_thread
from ..validation import InputValueError
from .logs import (
    Spectrum,
    _ancilla_spectra,
    _entropy_from_eigenvalues,
    _relative_entropy,
    _warn_relative_entropy,
    _warn_support,
    _weighted_logs,
    ancilla_spectrum,
    spectrum,
    von_neumann_entropy,
)

__all__ = ["collision_entropy_production"]

_Z_HALF = np.array([0.5, -0.5])  # diagonal of sigma_z / 2 (|0> excited)

#: Name under which the one-step production is reported in a :class:`~.logs.SupportWarning`.
_LOCAL_PRODUCTION = "entropy production (Eq. 20, one step)"


def _system_network(system: object) -> CollisionNetwork:
    """The :class:`CollisionNetwork` of a model (:attr:`CollisionModel.network`) or network; TypeError otherwise."""
    check_system(system)
    return system.network if isinstance(system, CollisionModel) else system


def _system_attrs(system: CollisionModel | CollisionNetwork) -> dict:
    """Parameters of a model or network for the attrs of an :class:`xarray.Dataset`."""
    if isinstance(system, CollisionModel):
        return {
            "gamma": system.gamma,
            "delta": system.delta,
            "t_hot": system.hot.temperature,
            "t_cold": system.cold.temperature,
            "coherence_hot": system.hot.coherence,
            "coherence_cold": system.cold.coherence,
            "phase_hot": system.hot.phase,
            "phase_cold": system.cold.phase,
            "omega": system.omega,
        }
    return {"sites": system.sites, "omega": np.asarray(system.omega), "reservoirs": ",".join(system.reservoir_names)}


@dataclass(frozen=True)
class _StepAncilla:
    r"""The fresh ancilla of one collision, or a broadcast batch of them (batch axes lead).

    ``state`` (..., 2, 2) is :math:`\eta_c`, ``spectrum`` its spectrum (closed form for a
    :class:`~circuitheat.Reservoir`), ``omega`` its level splitting and ``beta`` its
    effective inverse temperature (Eq. 12: fixed by the diagonal of :math:`\eta_c` alone).

    """

    reservoir: str
    state: NDArray
    spectrum: Spectrum
    omega: float
    beta: NDArray

    @property
    def energy(self) -> NDArray:
        r""":math:`\mathrm{Tr}[H_r\eta_c]` with :math:`H_r = (\omega_r/2)\sigma_z`."""
        return self.omega * np.einsum("...ii,i->...", self.state, _Z_HALF).real

    @property
    def entropy(self) -> NDArray:
        r""":math:`S(\eta_c)` (nats), from the spectrum (:math:`0\ln 0 = 0`)."""
        return _entropy_from_eigenvalues(self.spectrum.eigenvalues)


def _effective_beta(state: NDArray, omega: float) -> NDArray:
    r"""Inverse temperature of the diagonal of a 2×2 state: :math:`e^{-\beta\omega} = \eta_{00}/\eta_{11}` (±inf if one is 0)."""
    excited, ground = np.clip(state[..., 0, 0].real, 0, None), np.clip(state[..., 1, 1].real, 0, None)
    with np.errstate(divide="ignore"):
        return (np.log(ground) - np.log(excited)) / omega


def _fresh_ancillas(network: CollisionNetwork, phases: Mapping[str, ArrayLike] | None = None) -> tuple[_StepAncilla, ...]:
    """The step's fresh ancillas; ``phases`` {reservoir: phases (rad)} makes those reservoirs' ancillas a batch over the phase.

    A reservoir in ``phases`` must be a :class:`~circuitheat.Reservoir` (Eq. 12); its
    spectra then come from the batched closed form.
    """
    phases = phases or {}
    out = []
    for col in network.collisions:
        res = network.reservoirs[col.reservoir]
        if col.reservoir in phases:
            phase = np.asarray(phases[col.reservoir], dtype=float)
            state = ancilla_state(res.temperature, res.coherence, phase, res.omega)
            spec = _ancilla_spectra(0.5 * res.beta * res.omega, res.coherence, phase)
            beta = np.asarray(res.beta)
        elif isinstance(res, Reservoir):
            state, spec, beta = res.state, ancilla_spectrum(res), np.asarray(res.beta)
        else:
            state, spec, beta = res.state, ancilla_spectrum(res), _effective_beta(res.state, res.omega)
        out.append(_StepAncilla(col.reservoir, state, spec, res.omega, beta))
    return tuple(out)


def _ancilla_marginals(joint: NDArray, m: int) -> list[NDArray]:
    """One-ancilla marginals (..., 2, 2) of joint states (..., 2**m, 2**m), first ancilla most significant."""
    out = []
    for c in range(m):
        t = joint.reshape(joint.shape[:-2] + (2**c, 2, 2 ** (m - c - 1)) * 2)
        out.append(np.einsum("...iajibj->...ab", t))
    return out


def _joint_spectrum(ancillas: tuple[_StepAncilla, ...]) -> Spectrum:
    r"""Spectrum of :math:`\eta_A = \bigotimes_c\eta_c` (a 1×1 unit for a step without collisions)."""
    unit = Spectrum(np.zeros(1), np.ones((1, 1), dtype=complex))
    return reduce(lambda acc, anc: acc.kron(anc.spectrum), ancillas, unit)


def _joint_state(ancillas: tuple[_StepAncilla, ...]) -> NDArray:
    r""":math:`\eta_A = \bigotimes_c\eta_c`, batched."""

    def kron(a: NDArray, b: NDArray) -> NDArray:
        out = np.einsum("...ij,...kl->...ikjl", a, b)
        return out.reshape(out.shape[:-4] + (out.shape[-4] * 2, out.shape[-4] * 2))

    return reduce(lambda acc, anc: kron(acc, anc.state), ancillas, np.ones((1, 1), dtype=complex))


def _exchanged(after: NDArray, eta: NDArray, spec: Spectrum) -> tuple[NDArray, NDArray]:
    r""":math:`\mathrm{Tr}[(\tilde\eta-\eta)\ln\eta]` of each ``after`` state, and the divergence mask."""
    weights = spec.populations(after) - spec.populations(eta)
    return _weighted_logs(weights, spec.log_eigenvalues)


@dataclass(frozen=True)
class _StepTerms:
    """What a step leaves in its ancillas, per step (batch axes lead); see the module docstring.

    ``exchanged``, ``currents`` and ``relative_entropy`` are mappings reservoir -> array; the
    ``diverged_*`` masks mark the entries that are infinite (support condition failed).
    """

    names: tuple[str, ...]
    exchanged_total: NDArray
    exchanged: Mapping[str, NDArray]
    currents: Mapping[str, NDArray]
    relative_entropy: Mapping[str, NDArray]
    ancilla_entropy: NDArray
    ancilla_correlation: NDArray
    fresh_entropy: NDArray
    diverged_total: NDArray
    diverged: Mapping[str, NDArray]

    def warn(self, where: str | None = None) -> None:
        """The :class:`~circuitheat.thermo.SupportWarning` of each quantity that diverged (``where`` as in ``_warn_support``)."""
        _warn_terms(self.names, self.diverged_total, self.diverged, where)


def _warn_terms(
    names: tuple[str, ...], diverged_total: NDArray, diverged: Mapping[str, NDArray], where: str | None = None
) -> None:
    """One :class:`~circuitheat.thermo.SupportWarning` per diverged quantity of :class:`_StepTerms`."""
    detail = "the step's ancillas leave the support of their fresh state (a pure ancilla, e.g. p = 1, was disturbed)"
    _warn_support("delta_s_re (Eq. 17)", diverged_total, detail, "-", where)
    for name in names:
        what = (
            f"reservoir {name!r} has a pure ancilla (p = 1, or a temperature so low that it is its ground state) "
            "and it leaves its pure state"
        )
        _warn_support(f"delta_s_re_{name} (Eqs. 22, 25)", diverged[name], what, "-", where)
        _warn_support(f"relative_entropy_{name}", diverged[name], what, "+", where)


def _step_terms(ancillas: tuple[_StepAncilla, ...], names: tuple[str, ...], joint: NDArray) -> _StepTerms:
    """Exchanged entropies (Eqs. 17, 22, 25), heats (Eqs. 10–11) and information terms from the step's ancillas.

    ``joint`` (..., 2**m, 2**m) holds :math:`\\tilde\\eta_A` after each step (batch axes
    broadcast with those of the ancilla states). Issues no warning: call :meth:`_StepTerms.warn`.
    """
    # Renormalise: the trace of a state propagated over many steps drifts by rounding
    # (~1e-16 per step); with Tr = 1 + eps the sum of Eq. 17 picks up eps * ln(lambda),
    # which would break the exact thermal identities (Eqs. 18, 23, 26) at ~n * 1e-16.
    joint = joint / np.einsum("...ii->...", joint).real[..., None, None]
    marginals = _ancilla_marginals(joint, len(ancillas))
    total, diverged_total = _exchanged(joint, _joint_state(ancillas), _joint_spectrum(ancillas))
    ancilla_entropy = von_neumann_entropy(joint)
    zero = np.zeros(np.shape(total))
    exchanged = {name: zero for name in names}
    currents = {name: zero for name in names}
    relative = {name: zero for name in names}
    diverged = {name: np.zeros(np.shape(total), dtype=bool) for name in names}
    marginal_entropy, fresh_entropy = zero, zero
    for anc, after in zip(ancillas, marginals, strict=True):
        r = anc.reservoir
        ex, div = _exchanged(after, anc.state, anc.spectrum)
        rel, _ = _relative_entropy(after, anc.spectrum)  # diverges exactly where ex does: weight on ker(eta)
        exchanged[r] = exchanged[r] + ex
        relative[r] = relative[r] + rel
        diverged[r] = diverged[r] | div
        currents[r] = currents[r] + anc.omega * np.einsum("...ii,i->...", after, _Z_HALF).real - anc.energy
        marginal_entropy = marginal_entropy + von_neumann_entropy(after)
        fresh_entropy = fresh_entropy + anc.entropy
    return _StepTerms(
        names=tuple(names),
        exchanged_total=total,
        exchanged=exchanged,
        currents=currents,
        relative_entropy=relative,
        ancilla_entropy=ancilla_entropy,
        ancilla_correlation=marginal_entropy - ancilla_entropy,
        fresh_entropy=fresh_entropy,
        diverged_total=diverged_total,
        diverged=diverged,
    )


def _local_production(
    network: CollisionNetwork, ancillas: tuple[_StepAncilla, ...], rho_before: NDArray
) -> tuple[NDArray, NDArray]:
    r""":func:`collision_entropy_production` without validation or warning: values and the mask of ``+inf`` entries."""
    omega = step_joint_state(network, rho_before, [anc.state for anc in ancillas])
    d = rho_before.shape[-1]
    a = omega.shape[-1] // d
    rho_after = np.einsum("...iaja->...ij", omega.reshape(omega.shape[:-2] + (d, a, d, a)))
    reference = spectrum(rho_after).kron(_joint_spectrum(ancillas))
    return _relative_entropy(omega, reference)


@single_blas_thread
def collision_entropy_production(system: CollisionModel | CollisionNetwork, rho_before: ArrayLike) -> NDArray[np.float64]:
    r"""Entropy produced in one step (one collision of the paper's model), as a relative entropy (nats).

    .. math::
        \sigma_k = D\big[\Omega_k\,\big\|\,\rho^S_k\otimes\eta_A\big],\qquad
        \Omega_k = U(\rho^S_{k-1}\otimes\eta_A)U^\dagger,\quad
        \rho^S_k = \mathrm{Tr}_A\,\Omega_k,

    with :math:`\eta_A` the step's fresh ancillas (:math:`\eta^h\otimes\eta^c` for the paper's
    model) and :math:`U` the step on system and ancillas
    (:func:`circuitheat.engines.dilation.step_joint_state`). It equals the increment of
    Eq. (20) in step k (:mod:`circuitheat.thermo`), so :math:`\Delta S_{ir}(n) =
    \sum_{k\le n}\sigma_k` and :math:`\sigma_k \ge 0`. Computed from the eigenvalues of
    :math:`\Omega_k` and its populations in the product eigenbasis, independently of the
    route of :func:`~circuitheat.thermo.entropy_balance`.

    Parameters
    ----------
    system : CollisionModel or CollisionNetwork
    rho_before : array_like (..., 2**N, 2**N)
        System state(s) :math:`\rho^S_{k-1}` before the step, kron basis of the sites.

    Returns
    -------
    ndarray (...)
        :math:`\sigma_k`; ``+inf`` with a :class:`~circuitheat.thermo.SupportWarning` where
        the support condition fails (a pure ancilla, p = 1, disturbed).
    """
    network = _system_network(system)
    rho = np.asarray(rho_before, dtype=complex)
    d = network.dim
    if rho.shape[-2:] != (d, d):
        raise InputValueError(f"rho_before must have shape (..., {d}, {d}), got {rho.shape}")
    values, diverged = _local_production(network, _fresh_ancillas(network), rho)
    _warn_relative_entropy(_LOCAL_PRODUCTION, diverged)
    return values
