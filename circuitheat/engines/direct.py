r"""The direct matrix engine: powers of the 16×16 one-collision map, by doubling.

Instead of a Python loop over collisions, the states are advanced by doubling (see
:func:`propagate`): ~log2(n) matrix products for n collisions. Every number is exact up
to floating-point rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..channel import Channel
from ..model import CollisionModel
from ..states import system_hamiltonian, system_initial_state
from ..trajectory import Trajectory

__all__ = ["propagate", "simulate_direct"]


def propagate(superoperator: NDArray, rho0: NDArray, n_collisions: int) -> NDArray[np.complex128]:
    r"""States :math:`\Phi^k[\rho_0]` for k = 1..n, shape (n, 4, 4), by doubling.

    With the first k states known and :math:`P = \Phi^k`, the next k states are
    :math:`\Phi^{k+j}\rho_0 = P\,\Phi^{j}\rho_0`: one matrix product of the known block
    with :math:`P^T`, then :math:`P \leftarrow P^2`. About :math:`\log_2 n` NumPy calls in
    all, no eigendecomposition (so defective or non-normal maps are as exact as any other);
    each state carries the rounding of at most :math:`\log_2 n` products.
    """
    out = np.empty((n_collisions, 16), dtype=complex)
    out[0] = superoperator @ rho0.reshape(16)
    power = superoperator
    known = 1
    while known < n_collisions:
        step = min(known, n_collisions - known)
        out[known : known + step] = out[:step] @ power.T
        known += step
        if known < n_collisions:
            power = power @ power
    return out.reshape(n_collisions, 4, 4)


def simulate_direct(
    model: CollisionModel, n_collisions: int, initial_state: str | ArrayLike = "11", *, store_states: bool = True
) -> Trajectory:
    """Trajectory of ``model`` from the direct matrix engine (see :func:`circuitheat.simulate`)."""
    rho0 = system_initial_state(initial_state)
    channel = Channel.from_model(model)
    after = propagate(channel.superoperator, rho0, n_collisions)
    before = np.concatenate([rho0[None], after[:-1]])
    heat_hot, heat_cold = channel.heat_currents(before)
    h_s = system_hamiltonian(model.omega)
    energy = after.reshape(n_collisions, 16) @ h_s.T.reshape(16)
    energy = energy.real
    return Trajectory(
        model=model,
        engine="direct",
        initial_state=rho0,
        heat_hot=heat_hot,
        heat_cold=heat_cold,
        system_energy=energy,
        initial_energy=float(np.trace(rho0 @ h_s).real),
        system_states=after if store_states else None,
    )
