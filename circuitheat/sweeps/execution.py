r"""Computing the chunks of a sweep: in process, or on any :class:`concurrent.futures.Executor`.

:func:`compute_chunk` is a pure, top-level (picklable) function of a
:class:`~circuitheat.sweeps.grid.SweepSpec` and a chunk index, so the same code runs in
process, in a :class:`~concurrent.futures.ProcessPoolExecutor`, or on the workers of a
``dask.distributed`` cluster, and gives bit-for-bit the same arrays everywhere (the
chunking does not depend on where a chunk runs).

Steady-state quantities are computed by one batched call per chunk
(:func:`~circuitheat.steady.steady_heat_current`, :func:`~circuitheat.steady.linear_response`);
trajectories call :func:`~circuitheat.engines.simulate` once per grid point.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from ..engines import simulate
from ..model import CollisionModel, Reservoir
from ..steady import linear_response, steady_heat_current
from ..validation import InputTypeError, check_count
from .grid import SweepSpec

__all__ = ["DEFAULT_MAX_PENDING", "as_executor", "compute_chunk", "iter_chunks", "process_pool"]

#: Chunks submitted to an executor ahead of the ones being collected. Bounds the memory
#: held by finished-but-uncollected results and how much work a Ctrl-C discards.
DEFAULT_MAX_PENDING = 16


def _point_model(params: dict[str, NDArray], index: tuple[int, ...], shape: tuple[int, ...]) -> CollisionModel:
    """The :class:`CollisionModel` at one point of a block (validated again by its constructor)."""

    def at(name: str) -> float:
        return float(np.broadcast_to(params[name], shape)[index])

    omega = at("omega")
    hot = Reservoir(at("t_hot"), at("coherence"), at("phase_hot"), omega)
    cold = Reservoir(at("t_cold"), at("coherence"), at("phase_cold"), omega)
    return CollisionModel(gamma=at("gamma"), delta=at("delta"), hot=hot, cold=cold)


def compute_chunk(spec: SweepSpec, index: int) -> dict[str, NDArray]:
    r"""Every output variable on the block of chunk ``index``.

    Returns
    -------
    dict of ndarray
        ``heat_hot`` (:math:`J_h^{steady}`, Eqs. 10–11), ``heat_cold``
        (:math:`=-J_h^{steady}`), on the block's shape; with ``spec.conductance``
        ``conductance`` (:math:`\lambda` of Eq. 30) and ``current_offset`` (c of
        Eq. 30); with ``spec.n_collisions`` ``heat_hot_trajectory`` and
        ``heat_cold_trajectory`` with a trailing collision axis (k = 1..n).
    """
    selection = spec.chunk(index)
    shape = tuple(s.stop - s.start for s in selection)
    p = spec.parameters(selection)
    heat_hot = steady_heat_current(
        p["gamma"], p["delta"], p["t_hot"], p["t_cold"], p["coherence"], p["phase_hot"], p["phase_cold"], p["omega"]
    )
    heat_hot = np.ascontiguousarray(np.broadcast_to(heat_hot, shape), dtype=float)
    out = {"heat_hot": heat_hot, "heat_cold": -heat_hot}
    if spec.conductance:
        lam, c = linear_response(p["gamma"], p["delta"], p["mean_temperature"], p["coherence"], p["phase_difference"], p["omega"])
        out["conductance"] = np.ascontiguousarray(np.broadcast_to(lam, shape), dtype=float)
        out["current_offset"] = np.ascontiguousarray(np.broadcast_to(c, shape), dtype=float)
    if spec.n_collisions is not None:
        n = spec.n_collisions
        traj_hot = np.empty(shape + (n,))
        traj_cold = np.empty(shape + (n,))
        options = {"store_states": False} if spec.engine == "direct" else {}
        for point in np.ndindex(*shape):
            model = _point_model(p, point, shape)
            traj = simulate(model, n, engine=spec.engine, initial_state=spec.initial_state, **options)
            traj_hot[point] = traj.heat_hot
            traj_cold[point] = traj.heat_cold
        out["heat_hot_trajectory"] = traj_hot
        out["heat_cold_trajectory"] = traj_cold
    return out


def as_executor(executor: object) -> cf.Executor:
    """Accept a :class:`concurrent.futures.Executor` or a ``dask.distributed.Client`` (via ``get_executor()``)."""
    if isinstance(executor, cf.Executor):
        return executor
    get = getattr(executor, "get_executor", None)
    if callable(get):
        inner = get()
        if isinstance(inner, cf.Executor):
            return inner
    raise InputTypeError(
        f"executor must be a concurrent.futures.Executor or a dask.distributed.Client, got {type(executor).__name__}"
    )


def iter_chunks(
    spec: SweepSpec, todo: Iterable[int], executor: cf.Executor | None = None, max_pending: int = DEFAULT_MAX_PENDING
) -> Iterator[tuple[int, dict[str, NDArray]]]:
    """Compute the chunks ``todo``; yield ``(index, arrays)`` as each finishes.

    In process (``executor=None``) the chunks run in order. On an executor at most
    ``max_pending`` chunks are in flight; when the consumer stops (an exception, a
    ``KeyboardInterrupt``, or closing the generator) the chunks not yet started are
    cancelled.
    """
    todo = list(todo)
    if executor is None:
        for index in todo:
            yield index, compute_chunk(spec, index)
        return
    max_pending = check_count("max_pending", max_pending)
    pending: dict[cf.Future, int] = {}
    queue = iter(todo)
    try:
        while True:
            while len(pending) < max_pending:
                index = next(queue, None)
                if index is None:
                    break
                pending[executor.submit(compute_chunk, spec, index)] = index
            if not pending:
                return
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                index = pending.pop(future)
                yield index, future.result()
    finally:
        for future in pending:
            future.cancel()


def _ignore_sigint() -> None:
    """Worker initializer: Ctrl-C is for the parent, which stops the workers itself (no worker tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Longest wait (s) for the pool's manager thread after its workers were terminated; it notices
#: their exit within milliseconds, the bound only keeps a misbehaving interpreter from hanging.
MANAGER_JOIN_TIMEOUT = 10.0


def _quiet_invalid_state(hook):
    """A ``threading.excepthook`` that drops the manager thread's ``InvalidStateError`` on a cancelled future.

    Before Python 3.12 the pool's manager thread, on finding terminated workers, calls
    ``set_exception`` on every pending future, including the ones just cancelled, and
    prints that ``InvalidStateError`` (CPython gh-94777); it is harmless here.
    """

    def quiet(args):
        if not (issubclass(args.exc_type, cf.InvalidStateError) and "Manager" in type(args.thread).__name__):
            hook(args)

    return quiet


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and terminate the worker processes at once (not after their chunk)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if callable(terminate):
        terminate()
        return
    # Before Python 3.14 the pool does not expose its workers; ``_processes`` is cleared by shutdown(),
    # so the processes (and the manager thread) are taken first, then the queued chunks cancelled,
    # then the workers terminated and the manager thread given the time to notice.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    hook = threading.excepthook
    threading.excepthook = _quiet_invalid_state(hook)
    try:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.terminate()
        for process in processes:
            with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
                process.join()
        if manager is not None:
            manager.join(MANAGER_JOIN_TIMEOUT)
    finally:
        threading.excepthook = hook


@contextlib.contextmanager
def process_pool(max_workers: int) -> Iterator[cf.ProcessPoolExecutor]:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` for :func:`~circuitheat.sweeps.sweep` that stops promptly.

    Its workers ignore SIGINT, so Ctrl-C (which the terminal sends to the whole process
    group) reaches only the parent: :func:`iter_chunks` cancels the chunks not yet
    started and, when the block is left by an exception (``KeyboardInterrupt``
    included), the running workers are terminated instead of being waited for. Chunks
    are stored by the parent only, so a terminated worker leaves no partial file.

    Parameters
    ----------
    max_workers : int
        Worker processes (>= 1).
    """
    max_workers = check_count("max_workers", max_workers)
    pool = cf.ProcessPoolExecutor(max_workers=max_workers, initializer=_ignore_sigint)
    try:
        yield pool
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
