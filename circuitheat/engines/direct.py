r"""The direct matrix engine: exact powers of the step map, by doubling or matrix-free stepping.

For small systems (dense map of at most :data:`DOUBLING_MAX_DIM` rows) the states are
advanced by doubling (:func:`propagate`): ~log2(n) matrix products for n steps. Larger
networks are stepped matrix-free (:func:`circuitheat.network.step.apply_step`, cost
:math:`O(4^N)` per gate per step), so N = 10 sites fit in memory. Every number is exact up
to floating-point rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..network.step import StepMap, step_map
from .base import EngineRun, register_engine

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


def _stepwise(step: StepMap, rho0: NDArray, n: int, store_states: bool) -> tuple[NDArray | None, dict, NDArray, NDArray]:
    """n matrix-free steps; currents, work and energies read during each step."""
    states = np.empty((n, step.dim, step.dim), dtype=complex) if store_states else None
    currents = {name: np.empty(n) for name in step.names}
    work = np.empty(n)
    energy = np.empty(n)
    rho = rho0[None]
    for k in range(n):
        rho, cur, w = step.apply(rho)
        for name in step.names:
            currents[name][k] = cur[name][0]
        work[k] = w[0]
        energy[k] = step.energy(rho[0])
        if states is not None:
            states[k] = rho[0]
    return states, currents, work, energy


class DirectEngine:
    """The exact numpy engine (registered as ``"direct"``)."""

    name = "direct"
    options = frozenset({"store_states"})

    def run(self, system: object, n_steps: int, rho0: NDArray, *, store_states: bool = True) -> EngineRun:
        """Run ``n_steps`` steps of ``system`` (model or network) from ``rho0`` (see :class:`EngineRun`)."""
        dense = rho0.shape[-1] ** 2 <= DOUBLING_MAX_DIM
        step = step_map(system) if dense else step_map(system, dense=False)
        if dense:
            after = propagate(step.superoperator, rho0, n_steps)
            before = np.concatenate([rho0[None], after[:-1]])
            currents = step.currents(before)
            return EngineRun(
                states=after if store_states else None,
                currents=currents,
                work=step.work(before),
                system_energy=step.energy(after),
            )
        states, currents, work, energy = _stepwise(step, rho0, n_steps, store_states)
        return EngineRun(states=states, currents=currents, work=work, system_energy=energy)


register_engine(DirectEngine())
