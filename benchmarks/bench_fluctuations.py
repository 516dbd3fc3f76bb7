r"""Heat fluctuations (issue 15): exact counting statistics against brute-force branching, timed side by side.

Goals of the issue
------------------
* the variance of :math:`Q_h` after 1500 collisions of the paper's model in under 10 ms;
* a 101-point scan of the long-time noise over :math:`\phi_h-\phi_c` in under a second.

Timings
-------
* ``heat_statistics`` **cold**: a model never seen before (its count-resolved step maps are
  built from the compiled step, then the O(n) derivative recursion); **warm**: the same model
  again (the maps are cached), i.e. the recursion alone.
* ``fluctuation_scan``: 101 phase differences, one map per point, one batched perturbation solve.
* **brute-force branching** (the peer): every one of the :math:`2^n` outcome strings of the hot
  ancilla, each branch's system state propagated with the 16×16 collision unitary of Eq. (8)
  (:func:`circuitheat.channel.collision_unitary`) on :math:`\rho_S\otimes\eta^h\otimes\eta^c`,
  projected and traced (vectorised over the branches of one level), then the variance of
  :math:`Q_h(n)` from the :math:`2^n` probabilities. Run at increasing n until one run exceeds
  ``--budget`` seconds; the exact recursion is timed at that same n and both variances compared.

Run: ``python benchmarks/bench_fluctuations.py [--budget 5] [--pinned]``. Best of repeats, in the
environment the script is started in (circuitheat limits BLAS to one thread inside its own
calls; nothing is set at import); ``--pinned`` runs everything under ``threadpool_limits(1)``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

import circuitheat as ch
from circuitheat.channel import collision_unitary
from circuitheat.fluctuations import fluctuation_scan, heat_statistics

__all__ = ["brute_force_variance", "fig2_model", "main", "time_call", "time_calls"]

#: Brute force and recursion must agree on Var Q_h(n) to this (both exact; sums of 2^n terms).
AGREEMENT = 1e-9


def time_call(fn: Callable[[], object], repeats: int = 5) -> float:
    """Best wall time of ``fn()`` over ``repeats`` calls (s)."""
    return time_calls(fn, repeats)[0]


def time_calls(fn: Callable[[], object], repeats: int = 5) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of ``fn()`` over ``repeats`` calls (s).

    On a loaded machine the wall time exceeds the CPU time by the time the process waited for a core.
    """
    wall = cpu = math.inf
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def fig2_model(phase_difference: float = 5 * math.pi / 4, gamma: float = math.pi / 32) -> ch.CollisionModel:
    """The paper's Fig. 2 parameters (delta = pi/4, T_h = 2, T_c = 1, p = 0.8)."""
    return ch.CollisionModel(gamma, math.pi / 4, ch.Reservoir(2.0, 0.8, phase_difference), ch.Reservoir(1.0, 0.8, 0.0))


def brute_force_variance(model: ch.CollisionModel, n: int) -> float:
    """Var Q_h(n) by enumerating all 2^n hot outcome strings (module docstring)."""
    u = collision_unitary(model.gamma, model.delta)  # qubits S_A, S_B, R^h, R^c
    pair = np.kron(model.hot.state, model.cold.state)
    energy = model.hot.energy
    states = np.zeros((1, 4, 4), dtype=complex)
    states[0, 3, 3] = 1.0  # |11>
    heat = np.zeros(1)
    for _ in range(n):
        joint = np.einsum("bij,kl->bikjl", states, pair).reshape(-1, 16, 16)
        joint = u @ joint @ u.conj().T
        t = joint.reshape(-1, 4, 2, 2, 4, 2, 2)  # b, s, h, c, s', h', c'
        branches = [np.einsum("bshcthc->bst", t[:, :, e : e + 1, :, :, e : e + 1, :]) for e in (0, 1)]
        states = np.concatenate(branches)
        heat = np.concatenate([heat + 0.5 * model.omega - energy, heat - 0.5 * model.omega - energy])
    prob = np.einsum("bii->b", states).real
    mean = prob @ heat
    return float(prob @ (heat - mean) ** 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=5.0, help="largest brute-force run (s) (default 5)")
    parser.add_argument("--pinned", action="store_true", help="run under threadpool_limits(1)")
    args = parser.parse_args(argv)
    with threadpool_limits(1) if args.pinned else contextlib.nullcontext():
        return _run(args.budget)


def _run(budget: float) -> int:
    """The measurements of :func:`main`."""

    model = fig2_model()
    phases = np.linspace(0.0, 2 * np.pi, 101)
    counter = iter(range(10**6))

    def cold():  # a new phase each call: the count-resolved maps are built anew
        heat_statistics(fig2_model(5 * math.pi / 4 + 1e-9 * next(counter)), 1500)

    heat_statistics(model, 1500)
    t_cold, c_cold = time_calls(cold)
    t_warm, c_warm = time_calls(lambda: heat_statistics(model, 1500))
    shift = iter(range(1, 10**6))  # new phases each call: no cached maps
    t_scan, c_scan = time_calls(lambda: fluctuation_scan(model, phases + 1e-9 * next(shift)), repeats=3)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"variance of Q_h after 1500 collisions: {t_cold * 1e3:.2f} ms wall / {c_cold * 1e3:.2f} ms CPU (new model), "
        f"{t_warm * 1e3:.2f} ms / {c_warm * 1e3:.2f} ms (cached maps); goal < 10 ms"
    )
    print(f"101-point scan of the long-time noise: {t_scan * 1e3:.0f} ms wall / {c_scan * 1e3:.0f} ms CPU; goal < 1 s")

    n, last = 4, None
    while True:
        t_brute = time_call(lambda n=n: brute_force_variance(model, n), repeats=1)
        last = (n, t_brute)
        if t_brute > budget or n >= 24:
            break
        n += 2
    n, t_brute = last
    exact = heat_statistics(model, n, distribution=False)
    brute = brute_force_variance(model, n)
    assert abs(exact.variance - brute) < AGREEMENT, (exact.variance, brute)
    t_exact = time_call(lambda: heat_statistics(model, n, distribution=False))
    print(
        f"brute-force branching at n = {n} (2^{n} = {2**n} branches): {t_brute:.2f} s; "
        f"exact recursion at the same n: {t_exact * 1e3:.2f} ms; ratio {t_brute / t_exact:.0f}x; "
        f"|dVar| = {abs(exact.variance - brute):.1e}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
