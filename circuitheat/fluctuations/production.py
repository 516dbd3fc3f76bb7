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
(:func:`~circuitheat.network.step.collision_observable`), so :math:`\sigma` is the step's own
matrix-free application (:func:`~circuitheat.network.step.apply_step`) with the ancilla-energy
observables replaced by :math:`-\ln\eta`. For thermal ancillas
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
from ..network.step import LocalChannel, apply_step, collision_observable

__all__ = ["clausius_flow", "steady_entropy_production_rate"]

#: Weight of a disturbed ancilla on the kernel of a pure (p = 1) reservoir state above which
#: the entropy production is +inf: rounding of an undisturbed one leaves ~1e-16.
KERNEL_WEIGHT_TOLERANCE = 1e-13


def _ancilla_terms(eta: NDArray) -> tuple[NDArray, NDArray, float]:
    """-ln(eta) on its support, the projector on its kernel, and S(eta) (nats)."""
    w, v = np.linalg.eigh(eta)
    support = w > 1e-300
    neg_log = (v[:, support] * -np.log(w[support])) @ v[:, support].conj().T
    kernel = v[:, ~support] @ v[:, ~support].conj().T
    entropy = float(-np.sum(w[support] * np.log(w[support])))
    return neg_log, kernel, entropy


def _per_reservoir(counting, rho: NDArray, observable_of) -> dict[str, float]:
    """Sum over each reservoir's collisions of Tr[sigma_c observable_of(collision, eta)] in the step from ``rho``."""
    network = counting.network
    ops = []
    for op, item in zip(counting.ops, network.step, strict=True):
        if isinstance(op, LocalChannel):
            eta = network.ancilla(op.reservoir).state
            op = replace(op, observable=collision_observable(item.matrix, eta, np.kron(np.eye(2), observable_of(op.reservoir))))
        ops.append(op)
    values = apply_step(tuple(ops), network.sites, rho[None], network.reservoir_names, with_work=False)[1]
    return {name: float(values[name][0].real) for name in network.reservoir_names}


def steady_entropy_production_rate(counting, rho: NDArray) -> float:
    r"""Entropy production per step :math:`\sigma` (nats) in the steady state ``rho`` (module docstring).

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
    terms = {name: _ancilla_terms(network.ancilla(name).state) for name in network.reservoir_names}
    kernel = _per_reservoir(counting, rho, lambda name: terms[name][1])
    if any(k > KERNEL_WEIGHT_TOLERANCE for k in kernel.values()):
        return math.inf
    flow = _per_reservoir(counting, rho, lambda name: terms[name][0])
    counts = {name: sum(1 for c in network.collisions if c.reservoir == name) for name in network.reservoir_names}
    return float(sum(flow[name] - counts[name] * terms[name][2] for name in network.reservoir_names))


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


def clausius_flow(network, currents: dict[str, float]) -> float:
    r""":math:`\sum_r\beta_rJ_r` with each reservoir's effective :math:`\beta_r` (Eq. 12: from the diagonal of :math:`\eta_r`).

    Equals the entropy production for thermal reservoirs; can be negative for coherent ones
    (the reversed current). A reservoir with zero current contributes 0 even at infinite
    :math:`\beta_r`.
    """
    total = 0.0
    for name in network.reservoir_names:
        j = currents.get(name, 0.0)
        if j == 0.0:
            continue
        anc = network.ancilla(name)
        total += _beta(network.reservoirs[name], anc.state, anc.omega) * j
    return float(total)
