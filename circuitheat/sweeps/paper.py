r"""Chunks of the paper's sweep, batched: every grid point of a chunk in one computation.

The paper's sweep (builder :func:`~circuitheat.sweeps.grid.paper_model`) computes a chunk
with batched real linear algebra in the Pauli-transfer-matrix basis (:mod:`circuitheat.ptm`)
instead of one system at a time:

* steady currents: as :func:`circuitheat.steady.steady_heat_current` (one real 15×15 solve
  per point, all points of the chunk in batched :func:`numpy.linalg.solve` calls), without
  validating the parameters again (:func:`~circuitheat.sweeps.grid.make_spec` checked every value);
* conductance: as :func:`circuitheat.steady.linear_response` (Eq. 30);
* trajectories (``engine="direct"``): the chunk's step maps stacked, (B, 16, 16) real, and
  advanced together by batched doubling, reading only the currents
  :math:`J_{h,c}(k) = r_{k-1}\cdot G_{h,c} - \mathrm{Tr}[H\eta^{h,c}]` (Eqs. 10–11), never
  storing the n states (:func:`circuitheat.ptm.propagate_observed`).
  **Memory per chunk**: about :math:`64\,B\,n` bytes for B points × n collisions (the two
  currents, float64, and the buffers of their products and reordering), i.e. ~13 MB at the
  default :data:`~circuitheat.sweeps.grid._TRAJECTORY_WORK` = 2e5 collisions per chunk,
  whatever n.

Other engines (``engine="aer"``) run point by point (:mod:`.points`), through the same core
as every network sweep.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ..ptm import propagate_observed, state_vector
from ..states import system_initial_state
from ..steady import _grid_linear_response, _grid_steady_heat_current, _paper_ptm
from .grid import MODEL_PARAMETERS, SweepSpec
from .naming import heat_name
from .points import point_chunk

__all__ = ["paper_chunk", "paper_trajectories"]


def paper_trajectories(params: dict[str, NDArray], shape: tuple[int, ...], n: int, initial_state: str) -> dict[str, NDArray]:
    r"""Trajectories :math:`J_h(k), J_c(k)`, k = 1..n, of every point of a block at once (batched doubling).

    Parameters
    ----------
    params : dict of ndarray
        The block's model parameters (:data:`~circuitheat.sweeps.grid.MODEL_PARAMETERS`),
        broadcasting to ``shape``, already validated.
    shape : tuple of int
        Block shape.
    n : int
        Number of collisions.
    initial_state : str
        :math:`|S_AS_B\rangle` label (0 = excited).

    Returns
    -------
    dict
        ``trajectory_heat_hot``, ``trajectory_heat_cold``: shape ``shape + (n,)``.
    """
    size = math.prod(shape)
    # one value for the whole block stays a scalar (e.g. one delta: one partial-swap map)
    flat = [
        a.reshape(()) if a.size == 1 else np.broadcast_to(a, shape).reshape(-1) for a in (params[k] for k in MODEL_PARAMETERS)
    ]
    system = _paper_ptm(*flat)
    observables = np.stack([np.broadcast_to(g, (size, 16)) for g in system.observables()], axis=-2)
    matrix = np.broadcast_to(system.matrix(), (size, 16, 16))
    r0 = state_vector(system_initial_state(initial_state))
    currents = propagate_observed(matrix, r0, observables, n)  # (B, 2, n)
    currents[:, 0] -= np.broadcast_to(system.energy_hot, (size,))[:, None]
    currents[:, 1] -= np.broadcast_to(system.energy_cold, (size,))[:, None]
    return {
        heat_name("hot", trajectory=True): currents[:, 0].reshape(shape + (n,)),
        heat_name("cold", trajectory=True): currents[:, 1].reshape(shape + (n,)),
    }


def paper_chunk(spec: SweepSpec, index: int) -> dict[str, NDArray]:
    r"""Every output variable of the paper's sweep on the block of chunk ``index``.

    Returns
    -------
    dict of ndarray
        ``heat_hot`` (:math:`J_h^{steady}`, Eqs. 10–11), ``heat_cold``
        (:math:`=-J_h^{steady}`), on the block's shape; with ``spec.conductance``
        ``conductance`` (:math:`\lambda` of Eq. 30) and ``current_offset`` (c of
        Eq. 30); with ``spec.n_collisions`` ``trajectory_heat_hot`` and
        ``trajectory_heat_cold`` with a trailing collision axis (k = 1..n).
    """
    selection = spec.chunk(index)
    shape = tuple(s.stop - s.start for s in selection)
    p = spec.parameters(selection)
    heat_hot = _grid_steady_heat_current(*(p[k] for k in MODEL_PARAMETERS))  # validated by make_spec
    heat_hot = np.ascontiguousarray(np.broadcast_to(heat_hot, shape), dtype=float)
    out = {heat_name("hot"): heat_hot, heat_name("cold"): -heat_hot}
    if spec.conductance:
        lam, c = _grid_linear_response(
            p["gamma"], p["delta"], p["mean_temperature"], p["coherence"], p["phase_difference"], p["omega"]
        )
        out["conductance"] = np.ascontiguousarray(np.broadcast_to(lam, shape), dtype=float)
        out["current_offset"] = np.ascontiguousarray(np.broadcast_to(c, shape), dtype=float)
    if spec.n_collisions is not None:
        if spec.engine == "direct":
            out.update(paper_trajectories(p, shape, spec.n_collisions, spec.initial_state))
        else:
            out.update(point_chunk(spec, index, steady=False, work=False))
    return out
