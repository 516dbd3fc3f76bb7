r"""Steady-state entropy production per step of a collision network, for the TUR.

For a step in which each collision c meets a fresh ancilla :math:`\eta_{r(c)}`, unitarity
gives (Esposito, Lindenberg & Van den Broeck, New J. Phys. 12, 013013 (2010); the paper's
Eqs. 16–20 for the two-reservoir model)

.. math::
    \Sigma = \Delta S_S - \sum_c \mathrm{Tr}\big[(\tilde\eta_c - \eta_{r(c)})\ln\eta_{r(c)}\big]
           = D\big(\rho'_{SR}\,\big\|\,\rho'_S\otimes\textstyle\bigotimes_c\eta_{r(c)}\big) \ge 0,

and in the steady state :math:`\Delta S_S = 0`, so the production per step is
:math:`\sigma = \sum_c\big(\mathrm{Tr}[\tilde\eta_c(-\ln\eta_{r(c)})] - S(\eta_{r(c)})\big)`.
Each :math:`\mathrm{Tr}[\tilde\eta_c A]` is linear in the site's state before the collision
(:func:`~circuitheat.network.step.collision_observable`), so :math:`\sigma` is read off the
step's own Pauli-basis application (:func:`~circuitheat.network.pauli.pauli_step`) with the
ancilla-energy observables replaced by :math:`-\ln\eta`. For thermal ancillas
:math:`-\ln\eta = \beta H + \ln Z` and :math:`\sigma = \sum_r\beta_rJ_r` (the Clausius form);
for coherent ones :math:`\sigma` exceeds :math:`\sum_r\beta_rJ_r` by the coherence term of
:class:`circuitheat.SteadyEntropyProduction` (tested equal to its ``production``).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from ..model import Reservoir
from ..network.pauli import pauli_step, to_pauli
from ..network.step import LocalChannel, collision_observable

__all__ = ["clausius_flow", "steady_entropy_production_rate"]

#: Weight of a disturbed ancilla on the kernel of a pure (p = 1) reservoir state above which
#: the entropy production is +inf: rounding of an undisturbed one leaves ~1e-16.
KERNEL_WEIGHT_TOLERANCE = 1e-13


def _ancilla_terms(reservoir, eta: NDArray) -> tuple[NDArray, NDArray, float]:
    """-ln(eta) on its support, the projector on its kernel, and S(eta) (nats), for a non-diagonal eta.

    The small eigenvalue is det/large (no cancellation): det = (1 - p^2) eta_00 eta_11 exactly for
    Eq. (12), so a pure state (p = 1) has an exact kernel and a mixed one keeps its tiny eigenvalue.
    """
    w, v = np.linalg.eigh(eta)
    if isinstance(reservoir, Reservoir):
        det = (1.0 - reservoir.coherence**2) * float(eta[0, 0].real * eta[1, 1].real)
    else:
        det = max(float((eta[0, 0] * eta[1, 1]).real - abs(eta[0, 1]) ** 2), 0.0)
    w = np.array([det / w[1], w[1]])
    support = w > 0
    neg_log = (v[:, support] * -np.log(w[support])) @ v[:, support].conj().T
    kernel = v[:, ~support] @ v[:, ~support].conj().T
    entropy = float(-np.sum(w[support] * np.log(w[support])))
    return neg_log, kernel, entropy


def _per_reservoir(counting, rho: NDArray, observable_of, etas: dict[str, NDArray]) -> dict[str, float]:
    """Sum over reservoir r's collisions of Tr[A_r U(sigma_c x eta_r)U^dagger], A_r = observable_of(r), for r in ``etas``."""
    network = counting.network
    ops = []
    for op, item in zip(counting.ops, network.step, strict=True):
        if isinstance(op, LocalChannel) and op.reservoir in etas:
            eta = etas[op.reservoir]
            op = replace(op, observable=collision_observable(item.matrix, eta, np.kron(np.eye(2), observable_of(op.reservoir))))
        ops.append(op)
    pauli = pauli_step(tuple(ops), network.sites, network.reservoir_names, network.omega)
    values = pauli.advance(to_pauli(rho[None]).real)[1]
    return {name: float(values[name][0]) for name in etas}


def steady_entropy_production_rate(counting, rho: NDArray) -> float:
    r"""Entropy production per step :math:`\sigma` (nats) in the steady state ``rho`` (module docstring).

    A thermal (diagonal) ancilla contributes :math:`\beta_rJ_r` exactly (:math:`-\ln\eta = \beta H + \ln Z`),
    so no logarithm of a tiny population is taken; a coherent one contributes
    :math:`\sum_c\mathrm{Tr}[\tilde\eta_c(-\ln\eta)] - S(\eta)`.

    Parameters
    ----------
    counting : CountingMap
        Of a model or network (it carries the compiled step).
    rho : ndarray (d, d)
        The steady state.

    Returns
    -------
    float
        :math:`\sigma \ge 0`; ``inf`` if a pure ancilla state (p = 1) is disturbed (its
        :math:`-\ln\eta` is infinite on the part it is moved into).
    """
    network = counting.network
    names = network.reservoir_names
    ancillas = {n: network.ancilla(n) for n in names}  # built and validated once each
    etas = {n: ancillas[n].state for n in names if ancillas[n].state[0, 1] != 0}  # the coherent ones
    trace = np.eye(counting.dim).reshape(-1)
    currents = {n: float((trace @ counting.marginal((n,)).moment_maps((1,)) @ rho.reshape(-1)).real) for n in names}
    total = clausius_flow(network, {n: currents[n] for n in names if n not in etas}, ancillas)
    if not etas:
        return total
    terms = {n: _ancilla_terms(network.reservoirs[n], eta) for n, eta in etas.items()}
    kernel = _per_reservoir(counting, rho, lambda n: terms[n][1], etas)
    if any(k > KERNEL_WEIGHT_TOLERANCE for k in kernel.values()):
        return math.inf
    flow = _per_reservoir(counting, rho, lambda n: terms[n][0], etas)
    counts = {n: sum(1 for c in network.collisions if c.reservoir == n) for n in etas}
    return float(total + sum(flow[n] - counts[n] * terms[n][2] for n in etas))


def _beta(ancilla_or_reservoir, state: NDArray, omega: float) -> float:
    """Effective inverse temperature fixed by the diagonal (Eq. 12): exp(-beta omega) = p_excited / p_ground."""
    if isinstance(ancilla_or_reservoir, Reservoir):
        return 1.0 / ancilla_or_reservoir.temperature
    excited, ground = float(state[0, 0].real), float(state[1, 1].real)
    if excited == ground:
        return 0.0
    if excited == 0.0 or ground == 0.0:
        return math.inf if excited == 0.0 else -math.inf
    return math.log(ground / excited) / omega


def clausius_flow(network, currents: dict[str, float], ancillas: dict | None = None) -> float:
    r""":math:`\sum_r\beta_rJ_r` with each reservoir's effective :math:`\beta_r` (Eq. 12: from the diagonal of :math:`\eta_r`).

    Equals the entropy production for thermal reservoirs; can be negative for coherent ones
    (the reversed current). A reservoir with zero current contributes 0 even at infinite
    :math:`\beta_r`. ``ancillas`` (name -> :class:`~circuitheat.Ancilla`) saves rebuilding them.
    """
    total = 0.0
    for name in network.reservoir_names:
        j = currents.get(name, 0.0)
        if j == 0.0:
            continue
        anc = network.ancilla(name) if ancillas is None else ancillas[name]
        total += _beta(network.reservoirs[name], anc.state, anc.omega) * j
    return float(total)
