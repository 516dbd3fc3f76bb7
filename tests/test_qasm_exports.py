"""The committed OpenQASM 3 files in circuits/ are up to date and still do what they say.

Staleness: the files are regenerated into tmp_path with the CLI and compared byte for
byte with the committed ones (fix: ``circuitheat export-qasm --out circuits/ --force``).
Behaviour: the files are loaded back with ``qiskit.qasm3.loads`` and simulated on Aer;
the states they produce are compared with the direct matrix engine (exact Eq. 8 and
Eqs. 10-11), and the mid-circuit measurement record with the exact outcome probabilities.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.circuit import CircuitInstruction
from qiskit.quantum_info import random_statevector
from qiskit_aer import AerSimulator
from qiskit_aer.library import SaveDensityMatrix

import circuitheat as ch
from circuitheat.channel import ancilla_pair_state, collision_unitary
from circuitheat.circuits import COLD, HOT, SYSTEM_A, SYSTEM_B, initial_state_circuit, to_ancilla_pair_matrix, to_system_matrix
from circuitheat.cli import main
from circuitheat.cli.export_qasm import DEFAULT_N_COLLISIONS, STEP_FILE, protocol_file
from circuitheat.engines.aer import aer_simulator, ancilla_energies
from circuitheat.paper import FIG2

CIRCUITS_DIR = Path(__file__).resolve().parents[1] / "circuits"
FILES = (STEP_FILE, protocol_file(DEFAULT_N_COLLISIONS))

#: The loaded files are simulated exactly (density matrix); only rounding separates them
#: from the direct engine. Same tolerance as the engine agreement tests.
AGREEMENT_TOL = 1e-10

#: Shots for the measured protocol, and the allowed deviation of each outcome frequency
#: in binomial standard deviations (seeded, so the test is deterministic; 5 sigma keeps
#: it meaningful without being fragile to a change of seed).
SHOTS = 4000
N_SIGMA = 5.0


def fig2_model() -> ch.CollisionModel:
    """The exports' model: the CLI defaults, i.e. Fig. 2 with phi_h - phi_c = 0."""
    hot = ch.Reservoir(FIG2["t_hot"], FIG2["coherence"], 0.0, FIG2["omega"])
    cold = ch.Reservoir(FIG2["t_cold"], FIG2["coherence"], 0.0, FIG2["omega"])
    return ch.CollisionModel(FIG2["gamma"], FIG2["delta"], hot, cold)


def load(name: str) -> QuantumCircuit:
    return qasm3.loads((CIRCUITS_DIR / name).read_text(encoding="utf-8"))


def test_committed_files_are_up_to_date(tmp_path, capsys):
    assert main(["export-qasm", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    for name in FILES:
        committed = CIRCUITS_DIR / name
        assert committed.exists(), f"circuits/{name} is missing; run: circuitheat export-qasm --out circuits/"
        assert (tmp_path / name).read_bytes() == committed.read_bytes(), (
            f"circuits/{name} is stale; regenerate with: circuitheat export-qasm --out circuits/ --force"
        )
    assert (CIRCUITS_DIR / "README.md").exists()


def test_cli_refuses_to_overwrite_different_content(tmp_path, capsys):
    assert main(["export-qasm", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    # Identical content: fine, reported as unchanged.
    assert main(["export-qasm", "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("unchanged:") == 2
    # Different content (another model): refused with exit 2 and one line on stderr.
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert main(["export-qasm", "--out", str(tmp_path), "--gamma", "pi/8"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "exists with different content; pass --force" in err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert main(["export-qasm", "--out", str(tmp_path), "--gamma", "pi/8", "--force"]) == 0
    assert (tmp_path / STEP_FILE).read_bytes() != before[STEP_FILE]


def test_cli_bad_input_exits_2(tmp_path, capsys):
    assert main(["export-qasm", "--out", str(tmp_path), "-p", "1.5"]) == 2
    assert "coherence must be in [0, 1], got 1.5" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["export-qasm", "--out", str(tmp_path), "-n", "0"])
    assert info.value.code == 2


def test_loaded_files_have_the_documented_layout():
    for name in FILES:
        qc = load(name)
        assert [r.name for r in qc.qregs] == ["s_a", "s_b", "r_h", "r_c", "p_h", "p_c"]
        assert set(qc.count_ops()) <= {"reset", "ry", "cx", "p", "pswap", "x", "measure"}
        assert qc.count_ops()["cx"] == 2 * qc.count_ops()["pswap"] // 3  # one per ancilla preparation
    protocol = load(FILES[1])
    assert [(r.name, r.size) for r in protocol.cregs] == [("hot", DEFAULT_N_COLLISIONS), ("cold", DEFAULT_N_COLLISIONS)]


def _with_saves_instead_of_measures(qc: QuantumCircuit) -> QuantumCircuit:
    """Replace each (hot, cold) pair of measurements by saves of the system and ancilla pair."""
    out = QuantumCircuit(*qc.qregs)
    sys_q = [out.qubits[SYSTEM_A], out.qubits[SYSTEM_B]]
    anc_q = [out.qubits[HOT], out.qubits[COLD]]
    k = 0
    for inst in qc.data:
        if inst.operation.name == "measure":
            if qc.find_bit(inst.qubits[0]).index == HOT:
                k += 1
                out._append(CircuitInstruction(SaveDensityMatrix(2, label=f"system_{k}"), sys_q))
                out._append(CircuitInstruction(SaveDensityMatrix(2, label=f"pair_{k}"), anc_q))
            continue
        out.append(inst.operation, [out.qubits[qc.find_bit(q).index] for q in inst.qubits])
    return out


def test_protocol_file_reproduces_the_direct_engine():
    # Measurements removed (each was right before its ancilla's reset, so the system
    # is unaffected on average): exact states after each collision k.
    qc = _with_saves_instead_of_measures(load(FILES[1]))
    data = aer_simulator().run(transpile(qc, aer_simulator()), shots=1, seed_simulator=2).result().data(0)
    model = fig2_model()
    direct = ch.simulate(model, DEFAULT_N_COLLISIONS)
    systems = np.array([to_system_matrix(data[f"system_{k}"]) for k in range(1, DEFAULT_N_COLLISIONS + 1)])
    pairs = np.array([to_ancilla_pair_matrix(data[f"pair_{k}"]) for k in range(1, DEFAULT_N_COLLISIONS + 1)])
    e_hot, e_cold = ancilla_energies(pairs, model.omega)
    np.testing.assert_allclose(systems, direct.system_states, atol=AGREEMENT_TOL)
    np.testing.assert_allclose(e_hot - model.hot.energy, direct.heat_hot, atol=AGREEMENT_TOL)
    np.testing.assert_allclose(e_cold - model.cold.energy, direct.heat_cold, atol=AGREEMENT_TOL)


def test_protocol_measurement_record_gives_every_heat_current():
    # Sampling the file as written: P(hot[k-1] = 0) = <0|eta~^h_k|0>, so
    # J_h(k) = omega (P(0) - 1/2) - Tr[H eta^h] (Eqs. 10-11) for every k from one circuit.
    qc = load(FILES[1])
    sim = AerSimulator(method="statevector")  # the partners purify the ancillas: pure states suffice
    counts = sim.run(transpile(qc, sim), shots=SHOTS, seed_simulator=12345).result().get_counts()
    n = DEFAULT_N_COLLISIONS
    model = fig2_model()
    direct = ch.simulate(model, n)
    for k in range(n):
        # Count keys read "cold hot", each register with its bit 0 rightmost.
        p0_hot = sum(c for key, c in counts.items() if key.split()[1][n - 1 - k] == "0") / SHOTS
        p0_cold = sum(c for key, c in counts.items() if key.split()[0][n - 1 - k] == "0") / SHOTS
        for p0, exact_j, reservoir in ((p0_hot, direct.heat_hot[k], model.hot), (p0_cold, direct.heat_cold[k], model.cold)):
            exact_p0 = (exact_j + reservoir.energy) / model.omega + 0.5
            sigma = math.sqrt(exact_p0 * (1 - exact_p0) / SHOTS)
            assert abs(p0 - exact_p0) < N_SIGMA * sigma


def test_step_file_reproduces_one_collision():
    # From a random pure system state: one collision of Eq. 8 with fresh ancillas.
    psi = random_statevector(4, seed=21).data
    step = load(FILES[0])
    qc = QuantumCircuit(*step.qregs)
    qc.compose(initial_state_circuit(psi), qubits=[SYSTEM_A, SYSTEM_B], inplace=True)
    qc.compose(step, inplace=True)
    qc.save_density_matrix([SYSTEM_A, SYSTEM_B], label="system")
    qc.save_density_matrix([HOT, COLD], label="pair")
    data = aer_simulator().run(transpile(qc, aer_simulator()), shots=1, seed_simulator=3).result().data(0)
    model = fig2_model()
    u = collision_unitary(model.gamma, model.delta)
    joint = u @ np.kron(np.outer(psi, psi.conj()), ancilla_pair_state(model.hot.state, model.cold.state)) @ u.conj().T
    joint = joint.reshape(4, 4, 4, 4)
    np.testing.assert_allclose(to_system_matrix(data["system"]), np.einsum("sata->st", joint), atol=AGREEMENT_TOL)
    np.testing.assert_allclose(to_ancilla_pair_matrix(data["pair"]), np.einsum("sasb->ab", joint), atol=AGREEMENT_TOL)


def test_header_angles_are_multiples_of_pi_where_they_are():
    """Issue 14: pi/5 is written 'pi/5' (not 0.628...), like pi/4; other angles keep every digit."""
    from circuitheat.cli.export_qasm import qasm_exports

    hot = ch.Reservoir(2.0, 0.8, 2 * np.pi / 5)
    cold = ch.Reservoir(1.0, 0.8, -np.pi / 2)
    texts = qasm_exports(ch.CollisionModel(np.pi / 5, np.pi / 4, hot, cold), 2)
    header = "\n".join(line for line in texts[STEP_FILE].splitlines() if line.startswith("//"))
    assert "gamma=pi/5 delta=pi/4" in header
    assert "phi=2pi/5" in header and "phi=-pi/2" in header
    other = qasm_exports(ch.CollisionModel(0.3, np.pi / 4, hot, cold), 2)[STEP_FILE]
    assert "gamma=0.3 delta=pi/4" in other
