"""The network core (issue 11) side by side with its peers, in one process; ratios printed.

* the paper's model through the general network path (``ch.simulate(model.network, n)``:
  the step map built by the generic core) vs the paper's factorised fast path
  (``ch.simulate(model, n)``), 1500 collisions; and the steady state both ways;
* an N = 6 boundary-driven chain, 1000 steps: the direct engine (matrix-free) vs a
  brute-force numpy loop written by hand (the step's full unitary on the 6 sites and the
  step's 2 ancillas built once, then per step: ``kron`` with the fresh ancillas,
  ``U @ rho @ U^dagger``, partial trace, ancilla energies);
* an N = 10 chain: 1000 steps (states not stored) and the matrix-free steady state, with
  the memory they need.

Run: ``python benchmarks/bench_networks.py [--quick] [--pinned]``. By default BLAS keeps
the environment's thread count (circuitheat limits itself to one BLAS thread inside its
calls); ``--pinned`` runs everything under ``threadpool_limits(1)``.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_direct

import circuitheat as ch

__all__ = ["brute_force_chain", "chain", "main"]

H_UNIT = np.diag([0.5, -0.5])


def chain(n: int) -> ch.CollisionNetwork:
    """N sites, partial swaps pi/4 between neighbours, hot bath on site 0, cold on N-1 (coherent hot ancillas)."""
    res = {"hot": ch.Reservoir(2.0, 0.8, 5 * math.pi / 4), "cold": ch.Reservoir(1.0, 0.8, 0.0)}
    step = [ch.Interaction((i, i + 1), ch.partial_swap(math.pi / 4)) for i in range(n - 1)]
    step += [ch.Collision("hot", 0, ch.partial_swap(math.pi / 4)), ch.Collision("cold", n - 1, ch.partial_swap(math.pi / 4))]
    return ch.CollisionNetwork(n, 1.0, res, step)


def _embed(gate: np.ndarray, a: int, b: int, nq: int) -> np.ndarray:
    """Gate on adjacent or any qubits (a, b) of nq, by explicit permutation of a kron product."""
    full = np.kron(gate, np.eye(2 ** (nq - 2)))
    order = [a, b] + [q for q in range(nq) if q not in (a, b)]
    t = full.reshape((2,) * (2 * nq))
    inverse = np.argsort(order)
    t = t.transpose([*inverse, *(nq + inverse)])
    return t.reshape(2**nq, 2**nq)


def brute_force_chain(net: ch.CollisionNetwork, n_steps: int) -> np.ndarray:
    """J_hot(k) by the by-hand loop: full unitary on system + the step's ancillas, partial trace."""
    n = net.sites
    colls = net.collisions
    nq = n + len(colls)
    u = np.eye(2**nq, dtype=complex)
    k = 0
    for op in net.step:
        if isinstance(op, ch.Interaction):
            u = _embed(op.matrix, *op.sites, nq) @ u
        else:
            u = _embed(op.matrix, op.site, n + k, nq) @ u
            k += 1
    eta = np.array([[1.0]])
    for c in colls:
        eta = np.kron(eta, net.ancilla(c.reservoir).state)
    z_hot = np.kron(np.eye(2**n), np.kron(H_UNIT, np.eye(2)))  # the hot ancilla is the first one (omega = 1)
    rho = np.zeros((2**n, 2**n), dtype=complex)
    rho[-1, -1] = 1.0
    out = np.empty(n_steps)
    e_hot = net.ancilla("hot").energy
    for s in range(n_steps):
        joint = u @ np.kron(rho, eta) @ u.conj().T
        out[s] = np.trace(z_hot @ joint).real - e_hot
        rho = np.trace(joint.reshape(2**n, 4, 2**n, 4), axis1=1, axis2=3)
    return out


def _rows(quick: bool) -> list[str]:
    lines = []
    model = bench_direct.fig2_model()
    n = 1500
    network = model.network  # built once, as a user would keep it (its step map is cached on it)
    a = ch.simulate(model, n)
    b = ch.simulate(network, n)
    diff = float(np.max(np.abs(a.heat_hot - b.currents["hot"])))
    t_fast = bench_direct.time_call(lambda: ch.simulate(model, n))
    t_net = bench_direct.time_call(lambda: ch.simulate(network, n))
    lines.append(
        f"paper model, {n} collisions: fast path {t_fast * 1e3:.2f} ms, network path {t_net * 1e3:.2f} ms, "
        f"ratio network/fast {t_net / t_fast:.2f} (max |dJ_h| {diff:.1e})"
    )
    t_fast = bench_direct.time_call(lambda: ch.steady_state(model))
    t_net = bench_direct.time_call(lambda: ch.steady_state(network))
    lines.append(
        f"paper model steady state: fast path {t_fast * 1e3:.3f} ms, network path {t_net * 1e3:.3f} ms, "
        f"ratio {t_net / t_fast:.2f}"
    )

    net6 = chain(6)
    steps = 100 if quick else 1000
    ours = ch.simulate(net6, steps, store_states=False)
    peer_steps = 20 if quick else 100
    ref = brute_force_chain(net6, peer_steps)
    diff = float(np.max(np.abs(ours.currents["hot"][:peer_steps] - ref)))
    t_ours = bench_direct.time_call(lambda: ch.simulate(net6, steps, store_states=False), repeats=2, min_time=0)
    t_peer = bench_direct.time_call(lambda: brute_force_chain(net6, peer_steps), repeats=2, min_time=0) * steps / peer_steps
    lines.append(
        f"N=6 chain, {steps} steps: direct engine {t_ours:.3f} s, brute-force numpy loop {t_peer:.2f} s "
        f"(timed over {peer_steps} steps, scaled), ratio {t_peer / t_ours:.0f}x (max |dJ| {diff:.1e})"
    )

    n10 = 8 if quick else 10
    net10 = chain(n10)
    steps10 = 20 if quick else 1000
    start = time.perf_counter()
    traj = ch.simulate(net10, steps10, store_states=False)
    t_traj = time.perf_counter() - start
    state_mib = 16 * 4**n10 / 2**20
    lines.append(
        f"N={n10} chain, {steps10} steps (states not stored): {t_traj:.1f} s, "
        f"{t_traj / steps10 * 1e3:.1f} ms/step; one state {state_mib:.0f} MiB, first law "
        f"max {np.max(np.abs(traj.energy_balance)):.1e}"
    )
    start = time.perf_counter()
    ss = ch.steady_state(net10, method="krylov")
    t_ss = time.perf_counter() - start
    lines.append(
        f"N={n10} chain steady state (GMRES, matrix-free): {t_ss:.1f} s, residual {ss.residual:.1e}, "
        f"J_hot {ss.currents['hot']:+.6f}, J_cold {ss.currents['cold']:+.6f}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--pinned", action="store_true", help="run under threadpool_limits(1) (as CI)")
    args = parser.parse_args(argv)
    limit = threadpool_limits(1) if args.pinned else contextlib.nullcontext()
    with limit:
        for line in _rows(args.quick):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
