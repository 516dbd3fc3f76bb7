r"""Chunks computed point by point through the core: :func:`circuitheat.steady_state` and :func:`circuitheat.simulate`.

Every grid point of a network sweep (and every point of a paper sweep whose trajectories run
on an engine other than the batched direct path, e.g. ``engine="aer"``) is one system
(:meth:`~circuitheat.sweeps.grid.SweepSpec.points`), evaluated by the package's one core.
Variables follow :mod:`.naming`: ``heat_<r>`` and ``work`` in the steady state,
``trajectory_heat_<r>`` and ``trajectory_work`` along a trajectory (trailing collision axis).
A reservoir missing at some points of a chunk is NaN there.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .grid import SweepSpec
from .naming import TRAJECTORY_PREFIX, WORK, heat_name

__all__ = ["point_chunk"]


def point_chunk(spec: SweepSpec, index: int, *, steady: bool = True, work: bool = True) -> dict[str, NDArray]:
    r"""The variables of chunk ``index``, one grid point at a time.

    Parameters
    ----------
    spec : SweepSpec
    index : int
        Chunk index.
    steady : bool
        Compute the steady state (:func:`circuitheat.steady_state`): ``heat_<r>``, ``work``.
    work : bool
        Also store the work variables.

    Returns
    -------
    dict of ndarray
        Block-shaped steady variables; with ``spec.n_collisions`` also the trajectory
        variables with a trailing axis k = 1..n (:func:`circuitheat.simulate` from
        ``spec.initial_state``; ``None`` = every site in its ground state).
    """
    from ..engines import simulate
    from ..steady import steady_state

    selection = spec.chunk(index)
    shape = tuple(s.stop - s.start for s in selection)
    n = spec.n_collisions
    out: dict[str, NDArray] = {}

    def put(name: str, point: tuple[int, ...], value) -> None:
        if name not in out:
            out[name] = np.full(shape + ((n,) if name.startswith(TRAJECTORY_PREFIX) else ()), np.nan)
        out[name][point] = value

    options = {"store_states": False} if spec.engine == "direct" else {}
    for point, system in spec.points(selection):
        if steady:
            ss = steady_state(system)
            for name, value in ss.currents.items():
                put(heat_name(name), point, value)
            if work:
                put(WORK, point, ss.work)
        if n is not None:
            traj = simulate(system, n, engine=spec.engine, initial_state=spec.initial_state, **options)
            for name, values in traj.currents.items():
                put(heat_name(name, trajectory=True), point, values)
            if work:
                put(TRAJECTORY_PREFIX + WORK, point, traj.work)
    return out
