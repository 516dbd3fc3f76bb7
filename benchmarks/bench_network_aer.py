"""Benchmark: the Aer engine on an N = 6 collision network against a naive Aer build, side by side.

Both compute the same thing for n steps of an N = 6 boundary-driven chain (XXZ bonds, a hot
collision on site 0 and a cold one on site 5, non-resonant sites, issue 11 item 11): the
system state after every step and J_hot(k), J_cold(k), from one run of
``AerSimulator(method="density_matrix")``, for both ancilla preparations.

* **naive** — written plainly, as a user would: the whole n-step circuit built gate by gate
  with Qiskit's standard gates (each ancilla's reset and preparation appended at every
  step; every XXZ or partial-swap gate as RXX, RYY, RZZ), ``transpile`` to the simulator,
  one ``save_density_matrix`` of the sites and ancillas after each step, results read with
  ``partial_trace``. Same qubit layout as the engine (one ancilla per collision, a partner
  per ancilla with ``purification``).
* **engine** — ``circuitheat.simulate(net, n, engine="aer", preparation=...)``: the step
  block built once from the network's gates and made Aer-native once
  (:func:`circuitheat.engines.aer.to_aer_native`: one exact ``unitary`` per gate, the
  purification fused to one unitary), appended n times; after each step only the system
  density matrix and the ancilla populations are saved.

The naive build runs twice: with Aer's default OpenMP threads (what a user gets) and with
one thread, as the engine runs (:data:`circuitheat.engines.aer.AER_THREADS`), so the table
separates what the threads cost on a busy machine from what the circuit construction
gains. All runs happen in this one process, interleaved and repeated ``--repeat`` times;
the table shows the median wall time of each and the ratios naive / engine. Both results are
checked against ``engine="direct"`` (1e-10) before any time is printed. Timings on a
shared machine are noisy: the ratio, measured side by side, is the number to read.

Usage::

    python benchmarks/bench_network_aer.py                 # n = 40 (channel), 10 (purification)
    python benchmarks/bench_network_aer.py --n 100 --repeat 3 --preparation channel
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

__all__ = ["chain_network", "compare", "engine_run", "main", "naive_run"]

#: Largest |difference| from the direct engine accepted before timings are reported: all
#: three are exact up to rounding (~1e-14).
AGREEMENT_TOL = 1e-10

#: Sites of the benchmarked network (issue 11 item 11: "an N = 6 network").
SITES = 6

#: Default steps per preparation: the purification circuit has 10 qubits instead of 8, so
#: every operation costs ~16x more in Aer's density-matrix method.
DEFAULT_STEPS = {"channel": 40, "purification": 10}


def chain_network(sites: int = SITES):
    """N-site chain: XXZ bonds (J = 1, Delta = 0.5, t = 0.4), partial-swap contacts to a hot and a cold bath."""
    import circuitheat as ch

    omega = np.linspace(0.9, 1.1, sites)  # non-resonant sites
    reservoirs = {"hot": ch.Reservoir(2.0, 0.5, 0.3), "cold": ch.Reservoir(0.5, 0.0)}
    step = [ch.Interaction((i, i + 1), ch.heisenberg(1.0, 1.0, 0.5, 0.4)) for i in range(sites - 1)]
    step += [ch.Collision("hot", 0, ch.partial_swap(0.3)), ch.Collision("cold", sites - 1, ch.partial_swap(0.3))]
    return ch.CollisionNetwork(sites, omega, reservoirs, step)


def _append_standard(qc, gate, qubits) -> None:
    """A network gate by hand with standard gates: RXX, RYY, RZZ for the Heisenberg and partial-swap gates."""
    from circuitheat.network.gates import HeisenbergGate, PartialSwapGate

    a, b = qubits
    if isinstance(gate, PartialSwapGate):
        theta = float(gate.params[0])
        angles = (-theta, -theta, -theta)  # up to the global phase theta/2
    elif isinstance(gate, HeisenbergGate):
        jx, jy, jz, t = (float(p) for p in gate.params)
        angles = (2 * t * jx, 2 * t * jy, 2 * t * jz)
    else:
        raise TypeError(f"the naive build writes partial swaps and Heisenberg gates only, got {gate!r}")
    qc.rxx(angles[0], a, b)
    qc.ryy(angles[1], a, b)
    qc.rzz(angles[2], a, b)


def naive_run(net, n: int, preparation: str, threads: int | None = None) -> dict[str, np.ndarray]:
    """The naive build (module docstring): returns the system states and the currents.

    ``threads=None`` runs with Aer's default OpenMP threads (as a user would); an integer
    sets ``max_parallel_threads`` (the engine uses :data:`circuitheat.engines.aer.AER_THREADS`).
    """
    from qiskit import QuantumCircuit, transpile
    from qiskit.quantum_info import partial_trace

    import circuitheat as ch
    from circuitheat.circuits import ancilla_preparation
    from circuitheat.engines.aer import aer_simulator

    sim = aer_simulator()
    sites, collisions = net.sites, net.collisions
    m = len(collisions)
    n_qubits = sites + m * (2 if preparation == "purification" else 1)
    qc = QuantumCircuit(n_qubits)
    qc.x(range(sites))  # all sites in the ground state |1>
    for k in range(n):
        for c, col in enumerate(collisions):
            prep = ancilla_preparation(net.reservoirs[col.reservoir], preparation)  # rebuilt every step
            targets = [sites + c, sites + m + c][: prep.num_qubits]
            for inst in prep.definition.data:
                qc.append(inst.operation, [targets[prep.definition.find_bit(q).index] for q in inst.qubits])
        c = 0
        for op in net.step:
            if isinstance(op, ch.Interaction):
                _append_standard(qc, op.gate, op.sites)
            else:
                _append_standard(qc, op.gate, (op.site, sites + c))
                c += 1
        qc.save_density_matrix(list(range(sites + m)), label=f"rho_{k}")
    qc = transpile(qc, sim)
    options = {} if threads is None else {"max_parallel_threads": threads}
    data = sim.run(qc, shots=1, **options).result().data(0)
    states = np.empty((n, 2**sites, 2**sites), dtype=complex)
    currents = {name: np.zeros(n) for name in net.reservoir_names}
    for k in range(n):
        rho = data[f"rho_{k}"]
        # Qiskit is little-endian: reverse the site order to get site 0 most significant.
        system = partial_trace(rho, list(range(sites, sites + m))).reverse_qargs()
        states[k] = system.data
        for c, col in enumerate(collisions):
            eta = partial_trace(rho, [q for q in range(sites + m) if q != sites + c]).data
            anc = net.ancilla(col.reservoir)
            currents[col.reservoir][k] += 0.5 * anc.omega * (eta[0, 0] - eta[1, 1]).real - anc.energy
    return {"states": states, **{f"heat_{name}": j for name, j in currents.items()}}


def engine_run(net, n: int, preparation: str) -> dict[str, np.ndarray]:
    """The engine's path, ``simulate(net, n, engine="aer", preparation=...)``."""
    import circuitheat as ch

    traj = ch.simulate(net, n, engine="aer", preparation=preparation)
    return {"states": traj.system_states, **{f"heat_{name}": j for name, j in traj.currents.items()}}


def _error(out: dict[str, np.ndarray], reference) -> float:
    err = float(np.max(np.abs(out["states"] - reference.system_states)))
    for name, j in reference.currents.items():
        err = max(err, float(np.max(np.abs(out[f"heat_{name}"] - j))))
    return err


def compare(n: int, preparation: str, repeat: int = 1) -> dict[str, float]:
    """Time the naive build and the engine side by side (interleaved, ``repeat`` times) on :func:`chain_network`.

    Returns
    -------
    dict
        ``naive`` (Aer's default threads), ``naive_1_thread`` and ``engine``: median wall
        times (s); ``ratio`` = naive / engine, ``ratio_1_thread`` = naive_1_thread / engine;
        ``error``: the largest deviation of any run from ``engine="direct"``.
    """
    import circuitheat as ch
    from circuitheat.engines.aer import AER_THREADS

    net = chain_network()
    reference = ch.simulate(net, n)
    engine_run(net, 2, preparation)  # warm-up: imports, Aer initialisation
    runs = {
        "naive": lambda: naive_run(net, n, preparation),
        "naive_1_thread": lambda: naive_run(net, n, preparation, threads=AER_THREADS),
        "engine": lambda: engine_run(net, n, preparation),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    error = 0.0
    for _ in range(repeat):
        for name, run in runs.items():
            t0 = time.perf_counter()
            out = run()
            times[name].append(time.perf_counter() - t0)
            error = max(error, _error(out, reference))
    if error > AGREEMENT_TOL:
        raise RuntimeError(f"{preparation}: the Aer runs differ from the direct engine by {error:.3g}")
    out = {name: statistics.median(t) for name, t in times.items()}
    out["ratio"] = out["naive"] / out["engine"]
    out["ratio_1_thread"] = out["naive_1_thread"] / out["engine"]
    out["error"] = error
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print one row per preparation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=None, help="steps (default 40 channel, 10 purification)")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved repetitions; the median is shown (default 1)")
    parser.add_argument("--preparation", choices=("channel", "purification", "both"), default="both")
    args = parser.parse_args(argv)
    if (args.n is not None and args.n < 2) or args.repeat < 1:
        parser.error(f"--n must be >= 2 and --repeat >= 1, got {args.n} and {args.repeat}")
    preparations = ("channel", "purification") if args.preparation == "both" else (args.preparation,)
    print(f"Aer engine vs naive Aer build, N = {SITES} chain (2 collisions per step), median of {args.repeat}")
    print(f"python {' '.join(sys.argv)}")
    print(
        "| preparation  | qubits | steps | naive (s) | naive, 1 thread (s) | engine (s) | naive/engine "
        "| naive 1 thread/engine | max error vs direct |"
    )
    print(
        "|:-------------|-------:|------:|----------:|--------------------:|-----------:|-------------:|----------------------:|--------------------:|"
    )
    for prep in preparations:
        n = DEFAULT_STEPS[prep] if args.n is None else args.n
        r = compare(n, prep, args.repeat)
        qubits = SITES + 2 * (2 if prep == "purification" else 1)
        print(
            f"| {prep:<12} | {qubits:>6} | {n:>5} | {r['naive']:>9.2f} | {r['naive_1_thread']:>19.2f} | {r['engine']:>10.2f} | "
            f"{r['ratio']:>11.2f}x | {r['ratio_1_thread']:>20.2f}x | {r['error']:>19.1e} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
