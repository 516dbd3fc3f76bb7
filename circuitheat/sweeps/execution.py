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
from collections.abc import Iterable, Iterator

from numpy.typing import NDArray

from ..threads import blas_single_thread
from .grid import SweepSpec
from .paper import paper_chunk
from .points import point_chunk

__all__ = ["DEFAULT_MAX_PENDING", "as_executor", "compute_chunk", "iter_chunks"]

#: Chunks submitted to an executor ahead of the ones being collected. Bounds the memory
#: held by finished-but-uncollected results and how much work a Ctrl-C discards.
DEFAULT_MAX_PENDING = 16


def compute_chunk(spec: SweepSpec, index: int) -> dict[str, NDArray]:
    r"""Every output variable on the block of chunk ``index`` (names: :mod:`.naming`).

    The paper's sweep is batched over the chunk (:func:`.paper.paper_chunk`); a network sweep
    evaluates its points one by one through :func:`circuitheat.steady_state` and
    :func:`circuitheat.simulate` (:func:`.points.point_chunk`). BLAS runs on one thread
    meanwhile (:mod:`circuitheat.threads`): the work is many tiny matrices, where threads only lose.
    """
    with blas_single_thread():
        if spec.is_paper:
            return paper_chunk(spec, index)
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
    raise TypeError(f"executor must be a concurrent.futures.Executor or a dask.distributed.Client, got {type(executor).__name__}")


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
    if max_pending < 1:
        raise ValueError(f"max_pending must be >= 1, got {max_pending!r}")
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
