r"""The direct matrix engine: exact powers of the step map, by doubling or matrix-free stepping.

For small systems (dense map of at most :data:`DOUBLING_MAX_DIM` rows) the states are
advanced by doubling (:func:`propagate`): ~log2(n) matrix products for n steps. Larger
networks are stepped matrix-free in the real Pauli basis
(:class:`circuitheat.network.pauli.PauliStep`: one real :math:`16\times16` product per gate,
cost :math:`O(4^N)` per gate per step), so N = 10 sites fit in memory. Every number is exact up
to floating-point rounding.

With ``ancillas=True`` the engine also returns the joint state of each step's ancillas right
after the step (:attr:`~circuitheat.engines.EngineRun.ancilla_states`): the linear map
:func:`circuitheat.engines.dilation.ancilla_map` applied to the state before each step.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..model import CollisionModel
from ..network.pauli import ENERGY_AFTER, from_pauli, to_pauli
from ..network.step import WORK, StepMap, step_map
from ..resources import check_memory
from ..validation import InputTypeError
from .base import EngineRun, register_engine
from .dilation import ancilla_map

__all__ = ["DOUBLING_MAX_DIM", "DirectEngine", "propagate"]

#: Largest superoperator size :math:`4^N` advanced by doubling (N <= 4): beyond it a
#: product of two maps (:math:`16^N` operations) costs more than ~n matrix-free steps.
DOUBLING_MAX_DIM = 256


def propagate(superoperator: NDArray, rho0: NDArray, n_collisions: int) -> NDArray[np.complex128]:
    r"""States :math:`\Phi^k[\rho_0]` for k = 1..n, shape (n, d, d), by doubling.

    With the first k states known and :math:`P = \Phi^k`, the next k states are
    :math:`\Phi^{k+j}\rho_0 = P\,\Phi^{j}\rho_0`: one matrix product of the known block
    with :math:`P^T`, then :math:`P \leftarrow P^2`. About :math:`\log_2 n` NumPy calls in
    all, no eigendecomposition (so defective or non-normal maps are as exact as any other);
    each state carries the rounding of at most :math:`\log_2 n` products.
    """
    d2 = superoperator.shape[-1]
    d = rho0.shape[-1]
    out = np.empty((n_collisions, d2), dtype=complex)
    out[0] = superoperator @ rho0.reshape(d2)
    power = superoperator
    known = 1
    while known < n_collisions:
        step = min(known, n_collisions - known)
        out[known : known + step] = out[:step] @ power.T
        known += step
        if known < n_collisions:
            power = power @ power
    return out.reshape(n_collisions, d, d)


#: States converted from Pauli vectors to matrices per batch at the end of a stored trajectory
#: (bounds the temporary memory to this many complex states).
_CONVERT_CHUNK = 64


def _stepwise(
    step: StepMap, rho0: NDArray, n: int, store_states: bool, amap: NDArray | None = None
) -> tuple[NDArray | None, dict, NDArray, NDArray, NDArray | None]:
    """n matrix-free steps in the Pauli basis (:class:`~circuitheat.network.pauli.PauliStep`).

    Currents, work and the system energy are read off the coefficient vector during each
    step; states (if stored) are kept as real vectors and turned into matrices at the end.
    With ``amap``, the ancilla states are read from the matrix before each step.
    """
    pauli = step.pauli
    c = to_pauli(rho0[None]).real  # rho0 is a state: its Pauli coefficients are real
    vectors = np.empty((n, c.shape[1])) if store_states else None
    currents = {name: np.empty(n) for name in step.names}
    work = np.empty(n)
    energy = np.empty(n)
    anc = None if amap is None else np.empty((n, amap.shape[0]), dtype=complex)
    for k in range(n):
        if anc is not None:
            anc[k] = amap @ from_pauli(c).reshape(-1)
        c, readout = pauli.advance(c)
        for name in step.names:
            currents[name][k] = readout[name][0] - step.ancilla_energies[name]
        work[k] = readout[WORK][0]
        energy[k] = readout[ENERGY_AFTER][0]
        if vectors is not None:
            vectors[k] = c[0]
    states = None
    if vectors is not None:
        states = np.empty((n, step.dim, step.dim), dtype=complex)
        for start in range(0, n, _CONVERT_CHUNK):
            states[start : start + _CONVERT_CHUNK] = from_pauli(vectors[start : start + _CONVERT_CHUNK])
    return states, currents, work, energy, anc


class DirectEngine:
    """The exact numpy engine (registered as ``"direct"``)."""

    name = "direct"
    options = frozenset({"store_states", "ancillas"})

    def run(self, system: object, n_steps: int, rho0: NDArray, *, store_states: bool = True, ancillas: bool = False) -> EngineRun:
        """Run ``n_steps`` steps of ``system`` (model or network) from ``rho0`` (see :class:`EngineRun`).

        ``ancillas=True`` also fills ``ancilla_states`` (n, 2**m, 2**m); refused up front
        (ValueError, with the memory needed) where the step's dilation does not fit.
        """
        if not isinstance(ancillas, bool):
            raise InputTypeError(f"ancillas must be True or False, got {ancillas!r}")
        amap = _ancilla_map(system, n_steps) if ancillas else None
        dense = rho0.shape[-1] ** 2 <= DOUBLING_MAX_DIM
        step = step_map(system) if dense else step_map(system, dense=False)
        if dense:
            after = propagate(step.superoperator, rho0, n_steps)
            before = np.concatenate([rho0[None], after[:-1]])
            return EngineRun(
                states=after if store_states else None,
                currents=step.currents(before),
                work=step.work(before),
                system_energy=step.energy(after),
                ancilla_states=None if amap is None else _reshape_ancillas(before.reshape(n_steps, -1) @ amap.T),
            )
        states, currents, work, energy, anc = _stepwise(step, rho0, n_steps, store_states, amap)
        return EngineRun(
            states=states,
            currents=currents,
            work=work,
            system_energy=energy,
            ancilla_states=None if anc is None else _reshape_ancillas(anc),
        )


def _ancilla_map(system: object, n_steps: int) -> NDArray:
    """The step's ancilla map (:func:`~circuitheat.engines.dilation.ancilla_map`), after checking the n results fit."""
    network = system.network if isinstance(system, CollisionModel) else system
    check_memory(f"ancillas=True with n_steps={n_steps}", 16 * n_steps * 4 ** len(network.collisions))
    return ancilla_map(network)


def _reshape_ancillas(flat: NDArray) -> NDArray:
    """(n, 4**m) row-major vectors -> (n, 2**m, 2**m) matrices."""
    a = math.isqrt(flat.shape[-1])
    return flat.reshape(flat.shape[0], a, a)


register_engine(DirectEngine())
