r"""Computing the chunks of a sweep: in process, or on any :class:`concurrent.futures.Executor`.

:func:`compute_chunk` is a pure, top-level (picklable) function of a
:class:`~circuitheat.sweeps.grid.SweepSpec` and a chunk index, so the same code runs in
process, in a :class:`~concurrent.futures.ProcessPoolExecutor`, or on the workers of a
``dask.distributed`` cluster, and gives bit-for-bit the same arrays everywhere (the
chunking does not depend on where a chunk runs).

The paper's sweep computes a chunk in batched calls (:mod:`.paper`: steady states,
conductance and direct-engine trajectories of all its points at once); a network sweep
evaluates each point through the core (:mod:`.points`).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator

from numpy.typing import NDArray

from ..threads import blas_single_thread
from ..validation import InputTypeError, check_count
from .batched import batched_chunk
from .grid import SweepSpec
from .paper import paper_chunk
from .points import point_chunk

__all__ = ["DEFAULT_MAX_PENDING", "as_executor", "compute_chunk", "iter_chunks", "process_pool"]

#: Chunks submitted to an executor ahead of the ones being collected. Bounds the memory
#: held by finished-but-uncollected results and how much work a Ctrl-C discards.
DEFAULT_MAX_PENDING = 16


def compute_chunk(spec: SweepSpec, index: int) -> dict[str, NDArray]:
    r"""Every output variable on the block of chunk ``index`` (names: :mod:`.naming`).

    The paper's sweep is batched over the chunk (:func:`.paper.paper_chunk`), and so is a
    vectorised network sweep (:func:`.batched.batched_chunk`); a network sweep otherwise
    evaluates its points one by one through :func:`circuitheat.steady_state` and
    :func:`circuitheat.simulate` (:func:`.points.point_chunk`). BLAS runs on one thread
    meanwhile (:mod:`circuitheat.threads`): the work is many tiny matrices, where threads only lose.
    """
    with blas_single_thread():
        if spec.is_paper:
            return paper_chunk(spec, index)
        if spec.vectorized:
            return batched_chunk(spec, index)
        return point_chunk(spec, index)


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


def _start_workers_ignoring_sigint(pool: cf.ProcessPoolExecutor) -> None:
    """Start the pool's workers with SIGINT ignored from their first instruction.

    The initializer ignores SIGINT only once a worker runs it: a Ctrl-C between the fork
    (or exec) and that moment raised ``KeyboardInterrupt`` in the worker, whose traceback
    landed on the shared stderr (seen once in a loaded test run). A process inherits an
    ignored SIGINT across fork and exec, and Python keeps it ignored at start-up, so the
    parent ignores it for the few milliseconds in which the first task starts the workers
    (with ``fork``, all of them at once) and then restores its own handler. Outside the
    main thread signals cannot be changed and the workers start as before.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return
    try:
        pool.submit(_ignore_sigint)
    finally:
        signal.signal(signal.SIGINT, previous)


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
        _start_workers_ignoring_sigint(pool)
        yield pool
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
