"""circuitheat's compute calls run with one BLAS thread and leave the caller's limits alone (issue 12)."""

from __future__ import annotations

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
