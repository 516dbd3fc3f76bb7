r"""Parameter grids at the solver limit (issue 12, items 2 and 3), timed side by side in one process.

Steady grids (item 3): ``ch.steady_heat_current`` and ``sweep(..., conductance=False)`` on the
201×201 (φ_h − φ_c) × γ grid of the README benchmarks, against

* **bare solve**: one batched :func:`numpy.linalg.solve` of as many random, well-conditioned
  real 15×15 systems (the fixed point of a trace-preserving map on Hermitian 4×4 matrices has
  15 real unknowns) — the floor for any solver of this problem with numpy;
* **complex 16×16 (before)**: the previous path — the batched complex superoperator
  (:class:`circuitheat.channel.Channel`) and its bordered 16×16 complex solve
  (:func:`circuitheat.fixed_point.fixed_point`), in the same chunks.

Trajectory sweeps (item 2): ``sweep({"coherence": 101 values, "phase_difference": 101 values},
n_collisions=1500)`` (conductance included, as the CLI's default), against the previous
per-point loop (``ch.simulate`` for every grid point, as the sweep did before), timed on a
seeded random subsample of points and extrapolated (every point costs the same); the
subsample is also checked against the batched sweep to :data:`TRAJECTORY_AGREEMENT`.

Everything runs twice: in the default environment (no thread variables set; circuitheat limits
BLAS to one thread inside its own calls) and inside ``threadpool_limits(1)``. Every time is the
best of interleaved repeats. Run: ``python benchmarks/bench_grids.py [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

import circuitheat as ch
from circuitheat.channel import Channel
from circuitheat.fixed_point import fixed_point
from circuitheat.states import ancilla_state
from circuitheat.steady import CHUNK_POINTS
from circuitheat.sweeps import sweep

__all__ = ["TRAJECTORY_AGREEMENT", "bare_solve", "complex_steady_grid", "main", "per_point_trajectories", "steady_rows"]

#: Batched real doubling vs the per-point complex doubling (issue 12: same numbers to 1e-12).
TRAJECTORY_AGREEMENT = 1e-12
#: The real 15×15 path vs the complex 16×16 bordered solve: both backward stable on a
#: well-conditioned system; currents of order 1e-2 agree to rounding.
STEADY_AGREEMENT = 1e-13

GAMMA_RANGE = (math.pi / 64, math.pi / 2)
DELTA, T_HOT, T_COLD, P = math.pi / 4, 2.0, 1.0, 0.8


def best_of(functions: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Best wall time (s) of each function over ``repeats`` interleaved rounds."""
    times = {name: math.inf for name in functions}
    for _ in range(repeats):
        for name, f in functions.items():
            start = time.perf_counter()
            f()
            times[name] = min(times[name], time.perf_counter() - start)
    return times


def bare_solve(n_points: int, seed: int = 0) -> Callable[[], object]:
    """One batched numpy.linalg.solve of ``n_points`` random well-conditioned real 15×15 systems."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n_points, 15, 15)) + 6.0 * np.eye(15)
    b = rng.standard_normal((n_points, 15, 1))
    return lambda: np.linalg.solve(a, b)


def complex_steady_grid(gamma: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """J_h^steady by the previous path: complex 16×16 Channel and bordered solve, in chunks of CHUNK_POINTS."""
    g, phi = (np.ascontiguousarray(x).reshape(-1) for x in np.broadcast_arrays(gamma, phase))
    out = np.empty(g.size)
    for start in range(0, g.size, CHUNK_POINTS):
        sl = slice(start, start + CHUNK_POINTS)
        channel = Channel(g[sl], DELTA, ancilla_state(T_HOT, P, phi[sl]), ancilla_state(T_COLD, P, 0.0))
        out[sl] = channel.heat_currents(fixed_point(channel.superoperator))[0]
    return out.reshape(np.broadcast_shapes(gamma.shape, phase.shape))


def steady_rows(n: int, repeats: int) -> list[tuple[str, float, float]]:
    """(name, seconds, ratio to the bare solve) for the n×n steady grid."""
    phase = np.linspace(0, 2 * np.pi, n)[:, None]
    gamma = np.linspace(*GAMMA_RANGE, n)[None, :]
    axes = {"phase_difference": phase[:, 0], "gamma": gamma[0]}
    new = ch.steady_heat_current(gamma, DELTA, T_HOT, T_COLD, P, phase, 0.0)
    old = complex_steady_grid(gamma, phase)
    diff = float(np.max(np.abs(new - old)))
    assert diff < STEADY_AGREEMENT, diff
    functions = {
        "bare numpy.linalg.solve, real 15x15": bare_solve(n * n),
        "steady_heat_current": lambda: ch.steady_heat_current(gamma, DELTA, T_HOT, T_COLD, P, phase, 0.0),
        "sweep(conductance=False)": lambda: sweep(axes, conductance=False, progress=False),
        "sweep() with conductance": lambda: sweep(axes, progress=False),
        "complex 16x16 path (before)": lambda: complex_steady_grid(gamma, phase),
    }
    times = best_of(functions, repeats)
    floor = times["bare numpy.linalg.solve, real 15x15"]
    print(f"  (real 15x15 vs complex 16x16 currents: max |dJ| = {diff:.1e})")
    return [(name, t, t / floor) for name, t in times.items()]


def per_point_trajectories(coherence: np.ndarray, phase: np.ndarray, n: int) -> np.ndarray:
    """J_h(k) of every (p, φ_h − φ_c) point by one ch.simulate each (the previous sweep loop)."""
    out = np.empty((coherence.size, n))
    for i, (p, phi) in enumerate(zip(coherence, phase, strict=True)):
        model = ch.CollisionModel(
            gamma=math.pi / 32, delta=DELTA, hot=ch.Reservoir(T_HOT, p, phi), cold=ch.Reservoir(T_COLD, p, 0.0)
        )
        out[i] = ch.simulate(model, n, store_states=False).heat_hot
    return out


def trajectory_rows(n_axis: int, n: int, sample: int, repeats: int) -> list[tuple[str, float, float]]:
    """The issue's 101×101×1500 trajectory sweep, batched, against the per-point loop (extrapolated)."""
    coherence, phase = np.linspace(0, 1, n_axis), np.linspace(0, 2 * np.pi, n_axis)
    axes = {"coherence": coherence, "phase_difference": phase}
    ds = sweep(axes, n_collisions=n, progress=False)
    rng = np.random.default_rng(20261201)
    pick = rng.choice(n_axis * n_axis, size=min(sample, n_axis * n_axis), replace=False)
    ip, jp = np.unravel_index(pick, (n_axis, n_axis))
    reference = per_point_trajectories(coherence[ip], phase[jp], n)
    diff = float(np.max(np.abs(ds["trajectory_heat_hot"].values[ip, jp] - reference)))
    assert diff < TRAJECTORY_AGREEMENT, diff
    times = best_of(
        {
            "sweep(n_collisions) batched": lambda: sweep(axes, n_collisions=n, progress=False),
            "per-point loop, subsample": lambda: per_point_trajectories(coherence[ip], phase[jp], n),
        },
        repeats,
    )
    loop = times["per-point loop, subsample"] * (n_axis * n_axis) / pick.size
    batched = times["sweep(n_collisions) batched"]
    print(f"  (per-point loop timed on {pick.size} random points and extrapolated; max |dJ| = {diff:.1e})")
    return [("sweep(n_collisions) batched", batched, 1.0), ("per-point ch.simulate loop (before)", loop, loop / batched)]


def _print(title: str, rows: list[tuple[str, float, float]], ratio_label: str) -> None:
    print(title)
    for name, t, ratio in rows:
        print(f"  {name:40s} {t * 1e3:10.1f} ms   {ratio_label} {ratio:6.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run both benchmarks in the default environment and pinned to one BLAS thread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args(argv)
    grid, n_axis, n, sample, repeats = (41, 21, 200, 20, 2) if args.quick else (201, 101, 1500, 200, 5)
    # threadpool_limits applies its limit when constructed: build it only for the pinned pass.
    for label, context in (
        ("default environment", contextlib.nullcontext),
        ("pinned: threadpool_limits(1)", lambda: threadpool_limits(1)),
    ):
        print(f"== {label}")
        with context():
            _print(f"steady grid {grid}x{grid} = {grid * grid} points", steady_rows(grid, repeats), "x bare solve:")
            _print(
                f"trajectory sweep {n_axis}x{n_axis} points x {n} collisions",
                trajectory_rows(n_axis, n, sample, max(2, repeats // 2)),
                "speed-up:",
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
