"""Benchmark: the Aer circuit engine against a naive first attempt, side by side.

Both approaches compute the same thing — J_h(k), J_c(k) (Eqs. 10-11) and the system
state after each of n collisions (Eq. 8) at the Fig. 2 parameters, from one
density-matrix simulation on ``AerSimulator(method="density_matrix")`` — for both
ancilla preparations:

* **naive**: the circuit is built gate by gate per collision (RXX, RYY, RZZ appended one
  by one for each of the three interactions, the ancilla preparation rebuilt at every
  step), with one ``save_density_matrix`` of the full state per step; results are read
  with ``partial_trace``. With ``purification`` the circuit contains ``cry``, which
  Aer's density-matrix method does not run directly, so it is transpiled first (as a
  first attempt would).
* **engine**: :func:`circuitheat.engines.aer.run_collision_circuit_timed`, the path of
  ``simulate(model, n, engine="aer")``: the collision block is built and made Aer-native
  once and appended n times; after each collision only the 2-qubit system and ancilla-pair
  density matrices are saved.

The time is split into: build (circuit construction; for naive, plus ``transpile`` when
needed, shown separately), convert (Aer's own conversion of the QuantumCircuit into its
C++ circuit: ``result.time_taken`` minus Aer's execution time), simulate (Aer's C++
execution, ``result.metadata["time_taken_execute"]``) and read (Result formatting plus
turning the saved states into J_h, J_c and system states).

Every (approach, preparation) run happens in a fresh process, so its peak resident
memory (``resource.getrusage``, ``ru_maxrss``) is its own; the table shows that peak and
its increase over the same process after imports and a 2-collision warm-up run. The
runs are interleaved and repeated ``--repeat`` times; the table shows, per column, the
median. Timings on a shared machine are noisy: compare the ratios, measured side by side.

Usage::

    python benchmarks/bench_aer.py            # n = 1500, both preparations
    python benchmarks/bench_aer.py --n 300 --repeat 3
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import resource
import statistics
import sys
import time

import numpy as np

__all__ = ["COLUMNS", "engine_run", "main", "measure", "naive_run"]

#: Largest |difference| accepted between the two approaches and the direct engine: both
#: are exact up to rounding (~1e-14 after 1500 collisions); the benchmark refuses to
#: report timings for results that disagree.
AGREEMENT_TOL = 1e-10

PREPARATIONS = ("channel", "purification")
APPROACHES = ("naive", "engine")


def fig2_model():
    """Fig. 2 parameters with phi_h - phi_c = pi (gamma = pi/32, delta = pi/4, T_h = 2 T_c = 2, p = 0.8)."""
    import circuitheat as ch

    hot = ch.Reservoir(2.0, 0.8, math.pi)
    cold = ch.Reservoir(1.0, 0.8, 0.0)
    return ch.CollisionModel(math.pi / 32, math.pi / 4, hot, cold)


def naive_run(model, n: int, preparation: str) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The naive first attempt (see the module docstring); returns results and timings (s)."""
    from qiskit import QuantumCircuit, transpile
    from qiskit.quantum_info import partial_trace

    from circuitheat.circuits import ancilla_preparation, num_circuit_qubits, to_system_matrix
    from circuitheat.engines.aer import aer_simulator

    sim = aer_simulator()
    n_qubits = num_circuit_qubits(preparation)
    t0 = time.perf_counter()
    qc = QuantumCircuit(n_qubits)
    qc.x(0)
    qc.x(1)
    for k in range(1, n + 1):
        for reservoir, qubits in ((model.hot, [2, 4]), (model.cold, [3, 5])):
            prep = ancilla_preparation(reservoir, preparation)  # rebuilt at every step
            qubits = qubits[: prep.num_qubits]
            for inst in prep.definition.data:
                qc.append(inst.operation, [qubits[prep.definition.find_bit(q).index] for q in inst.qubits])
        for theta, a, b in ((model.delta, 0, 1), (model.gamma, 0, 2), (model.gamma, 1, 3)):
            qc.rxx(-theta, a, b)
            qc.ryy(-theta, a, b)
            qc.rzz(-theta, a, b)
        qc.save_density_matrix(label=f"state_{k}")
    t1 = time.perf_counter()
    needs_transpile = not set(qc.count_ops()) <= set(sim.target.operation_names)
    if needs_transpile:
        qc = transpile(qc, sim)
    t2 = time.perf_counter()
    result = sim.run(qc, shots=1).result()
    t3 = time.perf_counter()
    data = result.data(0)
    h_half = 0.5 * model.omega
    heat_hot, heat_cold, systems = np.empty(n), np.empty(n), np.empty((n, 4, 4), dtype=complex)
    for k in range(1, n + 1):
        state = data[f"state_{k}"]
        hot = partial_trace(state, [q for q in range(n_qubits) if q != 2]).data
        cold = partial_trace(state, [q for q in range(n_qubits) if q != 3]).data
        heat_hot[k - 1] = h_half * (hot[0, 0] - hot[1, 1]).real - model.hot.energy
        heat_cold[k - 1] = h_half * (cold[0, 0] - cold[1, 1]).real - model.cold.energy
        systems[k - 1] = to_system_matrix(partial_trace(state, list(range(2, n_qubits))))
    t4 = time.perf_counter()
    aer_total = float(result.time_taken)
    execute = float(result.metadata["time_taken_execute"])
    timings = {
        "build": t1 - t0,
        "transpile": t2 - t1,
        "convert": aer_total - execute,
        "simulate": execute,
        "read": (t3 - t2 - aer_total) + (t4 - t3),
    }
    return {"heat_hot": heat_hot, "heat_cold": heat_cold, "system": systems}, timings


def engine_run(model, n: int, preparation: str) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The engine's path (``simulate(..., engine="aer")``); returns results and timings (s)."""
    from circuitheat.engines.aer import ancilla_energies, run_collision_circuit_timed

    saved, t = run_collision_circuit_timed(model, n, preparation=preparation)
    t0 = time.perf_counter()
    e_hot, e_cold = ancilla_energies(saved["ancilla_pair"], model.omega)
    out = {"heat_hot": e_hot - model.hot.energy, "heat_cold": e_cold - model.cold.energy, "system": saved["system"]}
    read_extra = time.perf_counter() - t0
    timings = {"build": t.build, "transpile": 0.0, "convert": t.convert, "simulate": t.simulate, "read": t.read + read_extra}
    return out, timings


def _child(approach: str, preparation: str, n: int, queue) -> None:
    """One measured run in a fresh process: warm up, then time it and record peak memory."""
    run = naive_run if approach == "naive" else engine_run
    model = fig2_model()
    run(model, 2, preparation)  # imports, Aer initialisation
    base_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    out, timings = run(model, n, preparation)
    timings["total"] = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((out, timings, peak_kib / 1024, (peak_kib - base_kib) / 1024))


def _measure(approach: str, preparation: str, n: int):
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(approach, preparation, n, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"{approach}/{preparation} run failed with exit code {proc.exitcode}")
    return result


COLUMNS = ("build", "transpile", "convert", "simulate", "read", "total")


def measure(n: int, preparations=PREPARATIONS, repeat: int = 1) -> dict[str, dict[str, dict[str, float]]]:
    """Run both approaches (fresh processes, interleaved, ``repeat`` times), checked against the direct engine.

    Returns
    -------
    dict
        ``{preparation: {approach: {column: median}}}`` with the time columns of
        :data:`COLUMNS` (s), ``peak`` and ``extra`` (peak RSS and its increase, MiB) and
        ``err`` (largest deviation from ``engine="direct"``).
    """
    import circuitheat as ch

    direct = ch.simulate(fig2_model(), n)
    rows: dict[tuple[str, str], list] = {}
    for _ in range(repeat):
        for prep in preparations:
            for approach in APPROACHES:
                out, timings, peak, extra = _measure(approach, prep, n)
                err = max(
                    float(np.max(np.abs(out["heat_hot"] - direct.heat_hot))),
                    float(np.max(np.abs(out["heat_cold"] - direct.heat_cold))),
                    float(np.max(np.abs(out["system"] - direct.system_states))),
                )
                if err > AGREEMENT_TOL:
                    raise SystemExit(f"{approach}/{prep}: differs from the direct engine by {err:.3g}")
                rows.setdefault((prep, approach), []).append((timings, peak, extra, err))
    result: dict[str, dict[str, dict[str, float]]] = {}
    for prep in preparations:
        for approach in APPROACHES:
            runs = rows[(prep, approach)]
            medians = {c: statistics.median(r[0][c] for r in runs) for c in COLUMNS}
            medians["peak"] = statistics.median(r[1] for r in runs)
            medians["extra"] = statistics.median(r[2] for r in runs)
            medians["err"] = max(r[3] for r in runs)
            result.setdefault(prep, {})[approach] = medians
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1500, help="number of collisions (default 1500)")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved repetitions; the median is shown (default 1)")
    parser.add_argument(
        "--preparation", choices=(*PREPARATIONS, "both"), default="both", help="ancilla preparation (default both)"
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error(f"--n and --repeat must be >= 1, got {args.n} and {args.repeat}")
    preparations = PREPARATIONS if args.preparation == "both" else (args.preparation,)

    medians_by_prep = measure(args.n, preparations, args.repeat)
    cols = COLUMNS
    print(f"Aer density-matrix engine vs naive, n = {args.n} collisions, Fig. 2 parameters, median of {args.repeat}")
    print(f"python {' '.join(sys.argv)}")
    titles = ["preparation", "approach", *(f"{c} (s)" for c in cols), "peak RSS (MiB)", "RSS increase (MiB)"]
    titles += ["naive/engine", "max error vs direct"]
    widths = [12, 8, *(13,) * len(cols), 14, 18, 12, 19]
    print("| " + " | ".join(f"{t:>{w}}" for t, w in zip(titles, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    for prep in preparations:
        medians = medians_by_prep[prep]
        speedup = medians["naive"]["total"] / medians["engine"]["total"]
        for approach in APPROACHES:
            m = medians[approach]
            ratio = f"{speedup:.1f}x faster" if approach == "engine" else ""
            line = f"| {prep:<12} | {approach:<8} | " + " | ".join(f"{m[c]:>13.3f}" for c in cols)
            line += f" | {m['peak']:>14.0f} | {m['extra']:>18.0f} | {ratio:>12} | {m['err']:>17.1e} |"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
