"""circuitheat's compute calls run with one BLAS thread and leave the caller's limits alone (issue 12)."""

from __future__ import annotations

import threading
from typing import ClassVar

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import circuitheat as ch
from circuitheat.engines.base import ENGINES, EngineRun
from circuitheat.threads import blas_single_thread


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class _SpyEngine:
    """An engine that records the BLAS thread counts it runs under (registered for this test only)."""

    name = "spy"
    options = frozenset({"store_states"})
    seen: ClassVar[set[int]] = set()

    def run(self, system, n_steps, rho0, *, store_states=True):
        _SpyEngine.seen = _blas_threads()
        z = np.zeros(n_steps)
        return EngineRun(states=None, currents={"hot": z, "cold": z}, work=z, system_energy=z)


def test_simulate_runs_single_threaded_and_restores_the_callers_limits():
    model = ch.CollisionModel(0.3, 0.2, ch.Reservoir(2.0), ch.Reservoir(1.0))
    ch.register_engine(_SpyEngine())
    try:
        with threadpool_limits(limits=2, user_api="blas"):
            before = _blas_threads()
            assert 2 in before  # (a BLAS built single-threaded, e.g. Aer's, stays at 1)
            ch.simulate(model, 3, engine="spy", store_states=False)
            assert _SpyEngine.seen == {1}
            assert _blas_threads() == before  # the caller's setting is back
    finally:
        del ENGINES["spy"]


def test_nested_limits_restore_once():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with blas_single_thread():
            with blas_single_thread():
                assert _blas_threads() == {1}
            assert _blas_threads() == {1}
        assert _blas_threads() == before


def test_limit_lifted_from_a_worker_thread_restores_the_main_threads_count():
    """The last call to leave runs in a worker thread: the main thread's BLAS count must come back.

    OpenBLAS ignores openblas_set_num_threads from a non-main thread once the main thread has
    called it (threadpoolctl's restore alone left the main thread at one thread).
    """
    worker_inside, main_left = threading.Event(), threading.Event()

    def worker():
        with blas_single_thread():
            worker_inside.set()
            main_left.wait(timeout=30)

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        assert 2 in before
        thread = threading.Thread(target=worker)
        with blas_single_thread():  # the main thread enters first and sets the count from the main thread
            thread.start()
            assert worker_inside.wait(timeout=30)
            assert _blas_threads() == {1}
        assert _blas_threads() == {1}  # the worker is still inside
        main_left.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert _blas_threads() == before


def test_limit_set_from_a_worker_thread_holds():
    """A call made only from a worker thread (a thread-pool sweep) still runs with one BLAS thread."""
    seen = []

    def worker():
        with blas_single_thread():
            seen.append(_blas_threads())

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=30)
        assert seen == [{1}]
        assert _blas_threads() == before
