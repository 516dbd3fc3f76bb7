r"""Chunks of a vectorised network sweep: one call of the builder on arrays, every point of the block at once.

With ``sweep(axes, build=f, vectorized=True)`` the builder is called once per chunk with every
axis as a numpy array that broadcasts over the chunk's block (axis k has shape
``(1, ..., n_k, ..., 1)``), and returns a batched :class:`~circuitheat.CollisionNetwork`
(:attr:`~circuitheat.CollisionNetwork.batch_shape` broadcasting to the block; an unbatched
network means the axes change nothing). Its steady currents and work
(:func:`circuitheat.network.batch.batch_steady`) and, with ``n_collisions``, its trajectories
(:func:`circuitheat.network.batch.batch_trajectories`) are computed for the whole block at once.
Variables as in :mod:`.points`: ``heat_<r>``, ``work``, ``trajectory_heat_<r>``, ``trajectory_work``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..validation import BatchPointError, InputTypeError, InputValueError
from .grid import SweepSpec, point_text
from .naming import TRAJECTORY_PREFIX, WORK, heat_name

__all__ = ["batched_chunk", "block_arguments", "build_block", "grid_point", "refused_at_grid_point"]


def block_arguments(spec: SweepSpec, selection: tuple[slice, ...]) -> dict[str, NDArray]:
    """Each axis's values on the block, as an array shaped to broadcast over it (ints stay ints)."""
    ndim = len(spec.axes)
    out = {}
    for k, ((name, values), sel) in enumerate(zip(spec.axes, selection, strict=True)):
        shape = [1] * ndim
        shape[k] = -1
        out[name] = np.asarray(values[sel]).reshape(shape)
    return out


def build_block(spec: SweepSpec, selection: tuple[slice, ...]):
    """The builder's batched network on the block ``selection``.

    Raises
    ------
    TypeError
        ``build`` returned no :class:`~circuitheat.CollisionNetwork` (a
        :class:`~circuitheat.CollisionModel` takes numbers only).
    ValueError
        ``build`` refused the arrays, or its network's batch shape does not broadcast to the block.
    """
    from ..network.spec import CollisionNetwork

    shape = tuple(s.stop - s.start for s in selection)
    arguments = block_arguments(spec, selection)
    where = ", ".join(f"{name}=<array {a.shape}>" for name, a in arguments.items())
    try:
        network = spec.build(**arguments)
    except (ValueError, TypeError) as exc:
        raise type(exc)(f"build({where}) failed: {exc}") from None
    if not isinstance(network, CollisionNetwork):
        raise InputTypeError(
            f"build({where}) returned {type(network).__name__}; with vectorized=True it must return a (batched) "
            "CollisionNetwork, e.g. ch.presets.paper_model of arrays (a CollisionModel takes numbers only)"
        )
    batch = network.batch_shape
    if len(batch) > len(shape) or any(b not in (1, n) for b, n in zip(batch[::-1], shape[::-1], strict=False)):
        raise InputValueError(
            f"build({where}) returned a network of batch shape {batch}, which does not broadcast to the block {shape} "
            "(axis k of the sweep is dimension k of the batch)"
        )
    return network


def grid_point(spec: SweepSpec, selection: tuple[slice, ...], batch_shape: tuple[int, ...], index: tuple[int, ...]) -> str:
    """``name=value, ...`` of the grid point at ``index`` of a batch (of shape ``batch_shape``) built on the block ``selection``.

    The batch's dimensions are the block's last ones (broadcasting); along a dimension of
    length 1 the batch is the same at every grid value, so the first one is named.
    """
    offset = len(selection) - len(batch_shape)
    point = {}
    for d, ((name, values), sel) in enumerate(zip(spec.axes, selection, strict=True)):
        k = index[d - offset] if d >= offset and batch_shape[d - offset] > 1 else 0
        point[name] = values[sel.start + k]
    return point_text(point)


def refused_at_grid_point(spec: SweepSpec, selection: tuple[slice, ...], batch_shape: tuple[int, ...], exc: BatchPointError):
    """``exc`` as an :class:`InputValueError` naming the grid point (axis values) instead of the batch index."""
    return InputValueError(f"at {grid_point(spec, selection, batch_shape, exc.index)}: {exc.reason}")


def batched_chunk(spec: SweepSpec, index: int) -> dict[str, NDArray]:
    """The variables of chunk ``index`` of a vectorised sweep (module docstring)."""
    from ..engines import simulate
    from ..network.batch import batch_steady, batch_trajectories
    from ..steady import steady_state

    selection = spec.chunk(index)
    shape = tuple(s.stop - s.start for s in selection)
    network = build_block(spec, selection)
    n = spec.n_collisions
    out: dict[str, NDArray] = {}

    def put(name: str, values, trailing: tuple[int, ...] = ()) -> None:
        out[name] = np.array(np.broadcast_to(values, shape + trailing), dtype=float)

    if not network.batch_shape:  # the axes change nothing: one network, broadcast
        ss = steady_state(network)
        steady, work = ss.currents, ss.work
    else:
        try:
            batched = batch_steady(network)
        except BatchPointError as exc:
            raise refused_at_grid_point(spec, selection, network.batch_shape, exc) from None
        steady, work = batched.currents, batched.work
    for name, value in steady.items():
        put(heat_name(name), value)
    put(WORK, work)
    if n is not None:
        if not network.batch_shape:
            traj = simulate(network, n, initial_state=spec.initial_state, store_states=False)
            currents, traj_work = traj.currents, traj.work
        else:
            batched_traj = batch_trajectories(network, n, spec.initial_state)
            currents, traj_work = batched_traj.currents, batched_traj.work
        for name, values in currents.items():
            put(heat_name(name, trajectory=True), _padded(values, len(shape)), (n,))
        put(TRAJECTORY_PREFIX + WORK, _padded(traj_work, len(shape)), (n,))
    return out


def _padded(values: NDArray, ndim: int) -> NDArray:
    """Trajectory values (batch..., n) with the batch dimensions left-padded to ``ndim`` (for broadcasting)."""
    values = np.asarray(values)
    return values.reshape((1,) * (ndim + 1 - values.ndim) + values.shape)
