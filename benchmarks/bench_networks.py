"""The network core (issue 11) side by side with its peers, in one process; ratios printed.

* the paper's model through the general network path (``ch.simulate(model.network, n)``:
  the step map built by the generic core) vs the paper's factorised fast path
  (``ch.simulate(model, n)``), 1500 collisions; and the steady state both ways;
* the paper's 201×201 steady-state grid through the network core (a vectorised sweep builder,
  the general batched path, and a point-by-point builder) vs ``ch.steady_heat_current``;
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
from circuitheat.sweeps import sweep

__all__ = [
    "brute_force_chain",
    "chain",
    "chain_row",
    "large_chain_steady",
    "large_chain_trajectory",
    "main",
    "paper_grid_rows",
    "paper_model_rows",
    "paper_network",
    "paper_network_vectorized",
    "vectorised_chain_rows",
]

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


def paper_model_rows(n: int = 1500, repeats: int = 3) -> list[bench_direct.Row]:
    """The paper's model through the network core (``model.network``) vs the fast path: trajectory and steady state.

    ``t_engine`` is the network path, ``t_peer`` the fast path, so ``ratio`` = fast / network
    (issue 11 item 11 asks for network / fast = 1 / ratio <= 1.5).
    """
    model = bench_direct.fig2_model()
    network = model.network  # built once, as a user would keep it (its step map is cached on it)
    a, b = ch.simulate(model, n), ch.simulate(network, n)
    diff = float(np.max(np.abs(a.heat_hot - b.currents["hot"])))
    t_fast = bench_direct.time_call(lambda: ch.simulate(model, n), repeats=repeats)
    t_net = bench_direct.time_call(lambda: ch.simulate(network, n), repeats=repeats)
    rows = [
        bench_direct.Row(
            "network",
            f"paper model, {n}-collision trajectory",
            n,
            "ch.simulate(model.network, n) (network core)",
            "ch.simulate(model, n) (fast path)",
            t_net,
            t_fast,
            f"max |dJ_h| = {diff:.1e}",
        )
    ]
    diff = abs(ch.steady_state(model).heat_hot - ch.steady_state(network).currents["hot"])
    t_fast = bench_direct.time_call(lambda: ch.steady_state(model), repeats=repeats)
    t_net = bench_direct.time_call(lambda: ch.steady_state(network), repeats=repeats)
    rows.append(
        bench_direct.Row(
            "network",
            "paper model, steady state",
            1,
            "ch.steady_state(model.network) (network core)",
            "ch.steady_state(model) (fast path)",
            t_net,
            t_fast,
            f"|dJ_h| = {diff:.1e}",
        )
    )
    return rows


def paper_network(phase_difference: float, gamma: float) -> ch.CollisionNetwork:
    """The Fig. 2 model at (phi_h - phi_c, gamma) as a network: a point-by-point builder (numbers only)."""
    return bench_direct.fig2_model(phase_difference, gamma).network


def paper_network_vectorized(phase_difference: np.ndarray, gamma: np.ndarray) -> ch.CollisionNetwork:
    """The Fig. 2 model at arrays of (phi_h - phi_c, gamma): the batched network of a vectorised sweep builder."""
    hot = ch.Ancilla.from_reservoir(bench_direct.T_HOT, bench_direct.P, phase_difference)
    cold = ch.Reservoir(bench_direct.T_COLD, bench_direct.P, 0.0)
    return ch.presets.paper_model(gamma, bench_direct.DELTA, hot, cold)


def paper_grid_rows(size: int = 201, budget: float = 8.0, seed: int = 8, repeats: int = 3) -> list[bench_direct.Row]:
    """The size x size grid of bench_direct through the network core, three ways, against ``ch.steady_heat_current``.

    * ``sweep(axes, build=paper_network_vectorized, vectorized=True)``: the builder is called on
      arrays and returns one batched network; its steady currents come from
      :func:`circuitheat.network.batch.batch_steady`, which recognises the paper's structure and
      uses the partial swap's closed-form batched solver (the goal row);
    * the same batched network through the general batched path
      (``batch_steady(net, closed_form=False)``: every point's 16×16 step matrix and a real
      15×15 solve), the figure for any other network of two sites;
    * ``sweep(axes, build=paper_network)``: the builder called once per point (numbers), every
      point through ``ch.steady_state``; every point costs the same, so beyond ``budget``
      seconds it runs on all phases and a seeded random subset of the gamma columns, and its
      time is scaled to the full grid.

    Every variant's currents are checked against the batched ones first.
    """
    from circuitheat.network.batch import batch_steady

    phases, gammas = bench_direct.grid_axes(size)
    reference = bench_direct.direct_grid(size)
    t_batched = bench_direct.time_call(lambda: bench_direct.direct_grid(size), repeats=repeats)
    axes = {"phase_difference": phases, "gamma": gammas}

    def vectorized_sweep():
        return sweep(axes, build=paper_network_vectorized, vectorized=True, progress=False)

    diff = float(np.max(np.abs(vectorized_sweep()["heat_hot"].values - reference)))
    assert diff < bench_direct.STEADY_AGREEMENT, diff
    t_vectorized = bench_direct.time_call(vectorized_sweep, repeats=repeats)
    network = paper_network_vectorized(phases[:, None], gammas[None, :])
    general = batch_steady(network, closed_form=False).currents["hot"]
    diff_general = float(np.max(np.abs(general - reference)))
    assert diff_general < bench_direct.STEADY_AGREEMENT, diff_general
    t_general = bench_direct.time_call(lambda: batch_steady(network, closed_form=False), repeats=repeats)

    def network_sweep(columns: np.ndarray) -> float:
        start = time.perf_counter()
        ds = sweep({"phase_difference": phases, "gamma": gammas[columns]}, build=paper_network, progress=False)
        elapsed = time.perf_counter() - start
        diff = float(np.max(np.abs(ds["heat_hot"].values - reference[:, columns])))
        assert diff < bench_direct.STEADY_AGREEMENT, diff
        return elapsed

    first = network_sweep(np.array([size // 3]))
    n_columns = int(min(size, max(1, budget // first)))
    columns = np.sort(np.random.default_rng(seed).choice(size, n_columns, replace=False))
    t_points = network_sweep(columns) * size / n_columns
    note = "all points" if n_columns == size else f"timed on {size}x{n_columns} random gamma columns, scaled"
    peer = "ch.steady_heat_current (batched fast path)"
    return [
        bench_direct.Row(
            "network",
            f"paper model, {size}x{size} steady-state grid",
            size * size,
            "sweep(axes, build=paper_network_vectorized, vectorized=True) (network core)",
            peer,
            t_vectorized,
            t_batched,
            f"max |dJ_h| = {diff:.1e}; the batched network has the paper's structure, so batch_steady uses the "
            "partial swap's closed-form batched solver (tested equal to the general path)",
        ),
        bench_direct.Row(
            "network",
            f"paper model, {size}x{size} grid, general batched path",
            size * size,
            "batch_steady(network, closed_form=False) (16x16 step matrix and 15x15 solve per point)",
            peer,
            t_general,
            t_batched,
            f"max |dJ_h| = {diff_general:.1e}; what any other two-site network costs",
        ),
        bench_direct.Row(
            "network",
            f"paper model, {size}x{size} grid, point-by-point builder",
            size * size,
            "sweep(axes, build=paper_network) (one network per point)",
            peer,
            t_points,
            t_batched,
            note,
        ),
    ]


def vectorised_chain_rows(sites: tuple[int, ...] = (2, 3, 4), shape: tuple[int, int] = (20, 10), peer_points: int = 20) -> list:
    """XXZ chains of N sites: ``batch_steady`` of a (anisotropy, gamma) batch vs ``ch.steady_state`` point by point.

    Times per point (the batch includes compiling it; the peer is timed on ``peer_points``
    points of the grid). The batch's currents are checked against the peer's first.
    """
    from circuitheat.network.batch import batch_steady

    anisotropies = np.linspace(-2.0, 2.0, shape[0])
    gammas = np.linspace(0.1, 1.5, shape[1])
    rows = []
    for n in sites:
        network = ch.presets.boundary_driven_chain(n, "xxz", anisotropy=anisotropies[:, None], gamma=gammas[None, :])
        batched = batch_steady(network).currents["hot"]
        points = [(i, j) for i in range(shape[0]) for j in range(shape[1])][:: max(1, shape[0] * shape[1] // peer_points)]

        def peer(points=points, n=n):
            return [
                ch.steady_state(
                    ch.presets.boundary_driven_chain(n, "xxz", anisotropy=float(anisotropies[i]), gamma=float(gammas[j]))
                ).currents["hot"]
                for i, j in points
            ]

        diff = max(abs(v - batched[i, j]) for v, (i, j) in zip(peer(), points, strict=True))
        assert diff < bench_direct.STEADY_AGREEMENT, diff
        t_batch = bench_direct.time_call(lambda network=network: batch_steady(network), repeats=2) / batched.size
        t_peer = bench_direct.time_call(peer, repeats=2) / len(points)
        rows.append(
            bench_direct.Row(
                "network",
                f"N = {n} XXZ chain, steady state per point",
                1,
                f"batch_steady of a {shape[0]}x{shape[1]} batch",
                "ch.steady_state point by point",
                t_batch,
                t_peer,
                f"max |dJ| = {diff:.1e}",
            )
        )
    return rows


def chain_row(sites: int = 6, steps: int = 1000, peer_steps: int = 100, repeats: int = 2) -> bench_direct.Row:
    """N-site chain, ``steps`` steps: the direct engine vs :func:`brute_force_chain` (timed over ``peer_steps``, scaled)."""
    net = chain(sites)
    ours = ch.simulate(net, steps, store_states=False)
    ref = brute_force_chain(net, peer_steps)
    diff = float(np.max(np.abs(ours.currents["hot"][:peer_steps] - ref)))
    t_ours = bench_direct.time_call(lambda: ch.simulate(net, steps, store_states=False), repeats=repeats, min_time=0)
    t_peer = bench_direct.time_call(lambda: brute_force_chain(net, peer_steps), repeats=repeats, min_time=0)
    return bench_direct.Row(
        "network",
        f"N = {sites} chain, {steps} steps",
        steps,
        "ch.simulate(chain, n, store_states=False) (direct)",
        "brute-force numpy loop (full unitary, partial trace)",
        t_ours,
        t_peer * steps / peer_steps,
        f"peer timed over {peer_steps} steps and scaled; max |dJ| = {diff:.1e}",
    )


def large_chain_trajectory(sites: int = 10, steps: int = 1000) -> dict[str, float]:
    """An N-site chain, ``steps`` steps with states not stored (matrix-free), timed once.

    Returns ``seconds``, ``state_mib`` (one state as the engine steps it: the 4^N real Pauli
    coefficients, :mod:`circuitheat.network.pauli`) and ``first_law``
    (max |energy balance|).
    """
    net = chain(sites)
    start = time.perf_counter()
    traj = ch.simulate(net, steps, store_states=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "state_mib": 8 * 4**sites / 2**20, "first_law": float(np.max(np.abs(traj.energy_balance)))}


def large_chain_steady(sites: int = 10) -> dict[str, float]:
    """The matrix-free (Krylov) steady state of an N-site chain, timed once: ``seconds``, ``residual``, currents."""
    net = chain(sites)
    start = time.perf_counter()
    ss = ch.steady_state(net, method="krylov")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "residual": float(ss.residual), "j_hot": ss.currents["hot"], "j_cold": ss.currents["cold"]}


def _rows(quick: bool) -> list[str]:
    lines = []
    for row in paper_model_rows():
        lines.append(
            f"{row.case}: fast path {row.t_peer * 1e3:.3f} ms, network path {row.t_engine * 1e3:.3f} ms, "
            f"ratio network/fast {row.t_engine / row.t_peer:.2f} ({row.note})"
        )
    for row in paper_grid_rows(51 if quick else 201, budget=1.0 if quick else 8.0):
        lines.append(
            f"{row.case}: {row.engine} {row.t_engine * 1e3:,.1f} ms, {row.peer} {row.t_peer * 1e3:.1f} ms, "
            f"ratio {row.t_engine / row.t_peer:.2f} ({row.note})"
        )
    for row in vectorised_chain_rows():
        lines.append(f"{row.case}: batched {row.t_engine * 1e3:.3f} ms, point by point {row.t_peer * 1e3:.2f} ms ({row.note})")
    row = chain_row(6, 100 if quick else 1000, 20 if quick else 100)
    lines.append(
        f"{row.case}: direct engine {row.t_engine:.3f} s, brute-force numpy loop {row.t_peer:.2f} s, "
        f"ratio {row.ratio:.0f}x ({row.note})"
    )
    sites = 8 if quick else 10
    steps = 20 if quick else 1000
    traj = large_chain_trajectory(sites, steps)
    lines.append(
        f"N={sites} chain, {steps} steps (states not stored): {traj['seconds']:.1f} s, "
        f"{traj['seconds'] / steps * 1e3:.1f} ms/step; one state {traj['state_mib']:.0f} MiB, first law "
        f"max {traj['first_law']:.1e}"
    )
    ss = large_chain_steady(sites)
    lines.append(
        f"N={sites} chain steady state (Krylov, matrix-free): {ss['seconds']:.1f} s, residual "
        f"{ss['residual']:.1e}, J_hot {ss['j_hot']:+.6f}, J_cold {ss['j_cold']:+.6f}"
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
