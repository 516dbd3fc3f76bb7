"""Tests of circuitheat.circuits: gates, ancilla preparation, basis order, circuit structure.

Circuits are checked without running them where possible (qiskit.quantum_info), and on
Aer's density-matrix simulator where a Kraus instruction or a reset must act on a
mixed input. Reference numbers: the partial swap of Eqs. 2-5 (channel.partial_swap),
the ancilla state of Eq. 12 (Reservoir.state), the collision unitary of Eq. 8
(channel.collision_unitary), and the package basis convention (states.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.circuit import Parameter
from qiskit.quantum_info import DensityMatrix, Operator, Statevector, partial_trace, random_density_matrix

import circuitheat as ch
from circuitheat import circuits
from circuitheat.channel import collision_unitary, partial_swap
from circuitheat.circuits import (
    COLD,
    COLD_PARTNER,
    HOT,
    HOT_PARTNER,
    PREPARATION_NAME,
    QUBIT_ROLES,
    SYSTEM_A,
    SYSTEM_B,
    PartialSwapGate,
    ancilla_preparation,
    collision_block,
    collision_circuit,
    from_system_matrix,
    initial_state_circuit,
    purification_angles,
    to_ancilla_pair_matrix,
    to_qasm3,
    to_system_matrix,
)
from circuitheat.engines.aer import aer_simulator
from circuitheat.states import system_initial_state

#: Gate matrices built from a handful of rotations agree with the closed form to a few
#: ulps; 1e-13 leaves room for the products of three 4x4 matrices.
MATRIX_TOL = 1e-13

#: The issue asks for the ancilla preparations to reproduce Reservoir.state to 1e-12.
PREPARATION_TOL = 1e-12

SWAP = np.eye(4)[[0, 2, 1, 3]]

#: Temperatures, coherences and phases covering the edges: T from 1e-3 (ground state
#: to double precision) to inf (maximally mixed diagonal), p = 0 (thermal) and p = 1 (pure).
TEMPERATURES = (1e-3, 0.3, 1.0, 2.0, 1e6, math.inf)
COHERENCES = (0.0, 0.37, 0.8, 1.0)
PHASES = (0.0, 1.1, -2.5, math.pi)


def fig2_model(phase_difference: float = 0.0) -> ch.CollisionModel:
    """Fig. 2 parameters (gamma = pi/32, delta = pi/4, T_h = 2 T_c = 2, p = 0.8)."""
    hot = ch.Reservoir(2.0, 0.8, phase_difference)
    cold = ch.Reservoir(1.0, 0.8, 0.0)
    return ch.CollisionModel(math.pi / 32, math.pi / 4, hot, cold)


# --------------------------------------------------------------------------- PartialSwapGate

#: Special angles plus seeded random ones (negative and beyond 2 pi included).
THETAS = [
    0.0,
    math.pi / 32,
    math.pi / 4,
    math.pi / 2,
    math.pi,
    -0.7,
    2.3,
    7.1,
    -12.0,
    *np.random.default_rng(1).uniform(-10, 10, 8),
]


@pytest.mark.parametrize("theta", THETAS)
def test_partial_swap_operator_is_eq2_exactly(theta):
    # Eqs. 2-5: U(theta) = cos(theta) I + i sin(theta) SWAP, global phase included.
    expected = math.cos(theta) * np.eye(4) + 1j * math.sin(theta) * SWAP
    gate = PartialSwapGate(theta)
    np.testing.assert_allclose(Operator(gate).data, expected, atol=MATRIX_TOL, rtol=0)
    # The definition (RXX RYY RZZ with global phase theta/2) gives the same matrix.
    np.testing.assert_allclose(Operator(gate.definition).data, expected, atol=MATRIX_TOL, rtol=0)
    np.testing.assert_allclose(partial_swap(theta), expected, atol=MATRIX_TOL, rtol=0)


def test_partial_swap_definition_gates():
    gate = PartialSwapGate(0.3)
    names = [inst.operation.name for inst in gate.definition.data]
    assert names == ["rxx", "ryy", "rzz"]
    assert all(float(inst.operation.params[0]) == pytest.approx(-0.3) for inst in gate.definition.data)
    assert float(gate.definition.global_phase) == pytest.approx(0.15)


@pytest.mark.parametrize("theta", [0.3, -1.2, math.pi / 32])
def test_partial_swap_inverse_and_symmetry(theta):
    gate = PartialSwapGate(theta)
    inv = gate.inverse()
    assert isinstance(inv, PartialSwapGate)
    assert float(inv.params[0]) == -theta
    # U(theta)^dagger U(theta) = I (unitarity of Eq. 2).
    np.testing.assert_allclose(Operator(inv).compose(Operator(gate)).data, np.eye(4), atol=MATRIX_TOL)
    np.testing.assert_allclose(Operator(inv.definition).data, Operator(gate).adjoint().data, atol=MATRIX_TOL)
    # Symmetric in its qubits: applying it to (1, 0) is the same operator.
    qc = QuantumCircuit(2)
    qc.append(gate, [1, 0])
    np.testing.assert_allclose(Operator(qc).data, Operator(gate).data, atol=MATRIX_TOL)


def test_partial_swap_with_parameter():
    theta = Parameter("θ")
    qc = QuantumCircuit(2)
    qc.append(PartialSwapGate(theta), [0, 1])
    bound = qc.assign_parameters({theta: 0.4})
    np.testing.assert_allclose(Operator(bound).data, partial_swap(0.4), atol=MATRIX_TOL)
    with pytest.raises(TypeError, match="unbound parameter"):
        np.asarray(PartialSwapGate(theta))


def test_partial_swap_prints_and_draws_readably():
    gate = PartialSwapGate(math.pi / 32)
    assert gate.name == "pswap"
    assert repr(gate) == f"PartialSwapGate(theta={math.pi / 32!r})"
    qc = QuantumCircuit(2)
    qc.append(gate, [0, 1])
    qc.append(PartialSwapGate(math.pi / 4, label="V"), [0, 1])
    drawing = str(qc.draw("text"))
    assert "U(π/32)" in drawing
    assert "V(π/4)" in drawing
    block = str(collision_block(fig2_model()).draw("text"))
    for text in ("V(π/4)", "U(π/32)", "η_h", "η_c", "s_a", "s_b", "r_h", "r_c"):
        assert text in block


# --------------------------------------------------------------------------- basis order


def test_qubit_roles_constants():
    assert (SYSTEM_A, SYSTEM_B, HOT, COLD, HOT_PARTNER, COLD_PARTNER) == (0, 1, 2, 3, 4, 5)
    assert QUBIT_ROLES == {0: "system_a", 1: "system_b", 2: "hot", 3: "cold", 4: "hot_partner", 5: "cold_partner"}


@pytest.mark.parametrize("label", ["00", "01", "10", "11"])
def test_to_system_matrix_on_basis_states(label):
    # Package label "ab": S_A in a, S_B in b (0 = excited = Qiskit |0>).
    qc = QuantumCircuit(2)
    for qubit, bit in zip((SYSTEM_A, SYSTEM_B), label, strict=True):
        if bit == "1":
            qc.x(qubit)
    np.testing.assert_array_equal(to_system_matrix(DensityMatrix(qc)), system_initial_state(label))


def test_to_system_and_ancilla_pair_matrix_on_product_states():
    # A product state rho_A (x) rho_B must come out as np.kron(rho_A, rho_B) (states.py).
    rho_a = random_density_matrix(2, seed=3)
    rho_b = random_density_matrix(2, seed=4)
    qiskit_dm = rho_a.expand(rho_b)  # rho_a on qubit 0 (= SYSTEM_A or HOT), rho_b on qubit 1
    expected = np.kron(rho_a.data, rho_b.data)
    np.testing.assert_allclose(to_system_matrix(qiskit_dm), expected, atol=0)
    np.testing.assert_allclose(to_system_matrix(qiskit_dm.data), expected, atol=0)
    np.testing.assert_allclose(to_ancilla_pair_matrix(qiskit_dm), expected, atol=0)
    np.testing.assert_allclose(from_system_matrix(expected), qiskit_dm.data, atol=0)
    batch = np.stack([qiskit_dm.data, qiskit_dm.data.conj()])
    assert to_system_matrix(batch).shape == (2, 4, 4)
    np.testing.assert_allclose(from_system_matrix(to_system_matrix(batch)), batch, atol=0)


def test_basis_translation_rejects_bad_shape():
    with pytest.raises(ValueError, match=r"dm must be a two-qubit density matrix of shape \(\.\.\., 4, 4\), got shape \(2, 2\)"):
        to_system_matrix(np.eye(2))


# --------------------------------------------------------------------------- ancilla preparation


def _prepared_state(reservoir: ch.Reservoir, method: str, dirty: bool = False) -> np.ndarray:
    """Ancilla marginal after the preparation instruction (quantum_info, exact)."""
    inst = ancilla_preparation(reservoir, method)
    qc = QuantumCircuit(inst.num_qubits)
    if dirty:  # a used ancilla: excited and entangled with its partner
        qc.h(0)
        if inst.num_qubits == 2:
            qc.cx(0, 1)
    qc.append(inst, range(inst.num_qubits))
    dm = DensityMatrix(qc)
    if inst.num_qubits == 2:
        dm = partial_trace(dm, [1])
    return dm.data


@pytest.mark.parametrize("method", ["channel", "purification"])
@pytest.mark.parametrize("temperature", TEMPERATURES)
def test_ancilla_preparation_reproduces_eq12(method, temperature):
    # Eq. 12, for every p in [0, 1] (edges included) and several phases.
    for p in COHERENCES:
        for phi in PHASES:
            reservoir = ch.Reservoir(temperature, p, phi)
            np.testing.assert_allclose(_prepared_state(reservoir, method), reservoir.state, atol=PREPARATION_TOL, rtol=0)


@pytest.mark.parametrize("method", ["channel", "purification"])
def test_ancilla_preparation_resets_a_used_ancilla(method):
    reservoir = ch.Reservoir(0.7, 0.6, 0.4)
    np.testing.assert_allclose(_prepared_state(reservoir, method, dirty=True), reservoir.state, atol=PREPARATION_TOL, rtol=0)


@pytest.mark.parametrize("method", ["channel", "purification"])
def test_ancilla_preparation_on_aer(method):
    # The same instruction on Aer's density-matrix simulator (after transpiling it).
    reservoir = ch.Reservoir(1e-3, 1.0, 2.0)
    inst = ancilla_preparation(reservoir, method)
    qc = QuantumCircuit(inst.num_qubits)
    qc.append(inst, range(inst.num_qubits))
    qc.save_density_matrix([0], label="eta")
    result = aer_simulator().run(transpile(qc, aer_simulator()), shots=1, seed_simulator=7).result()
    np.testing.assert_allclose(result.data(0)["eta"].data, reservoir.state, atol=PREPARATION_TOL, rtol=0)


def test_ancilla_preparation_structure():
    reservoir = ch.Reservoir(2.0, 0.8, 0.3)
    channel = ancilla_preparation(reservoir, "channel")
    assert channel.name == PREPARATION_NAME and channel.num_qubits == 1
    assert [i.operation.name for i in channel.definition.data] == ["reset", "kraus"]
    purification = ancilla_preparation(reservoir, "purification")
    assert purification.name == PREPARATION_NAME and purification.num_qubits == 2
    # Standard gates only: runnable on hardware and exportable to OpenQASM 3.
    assert [i.operation.name for i in purification.definition.data] == ["reset", "reset", "ry", "cry", "p"]
    theta_t, theta_p, phi = purification_angles(reservoir)
    assert math.cos(theta_p / 2) == pytest.approx(0.8, abs=1e-15)  # <chi|0> = p
    assert math.cos(theta_t / 2) ** 2 == pytest.approx(reservoir.state[0, 0].real, abs=1e-15)
    assert phi == 0.3


def test_purification_angles_at_the_edges():
    # T -> 0: ground state |1>, theta_T = pi; T = inf: theta_T = pi/2; p = 0: theta_p = pi; p = 1: 0.
    assert purification_angles(ch.Reservoir(1e-3, 0.0))[:2] == (pytest.approx(math.pi), pytest.approx(math.pi))
    assert purification_angles(ch.Reservoir(math.inf, 1.0))[:2] == (pytest.approx(math.pi / 2), 0.0)


def test_ancilla_preparation_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^unknown method 'kraus'; valid: 'channel', 'purification'$"):
        ancilla_preparation(ch.Reservoir(1.0), "kraus")
    with pytest.raises(TypeError, match=r"reservoir must be a Reservoir or an Ancilla, got 1\.0 of type float"):
        ancilla_preparation(1.0)


# --------------------------------------------------------------------------- collision block and circuit


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_collision_block_structure(preparation):
    model = fig2_model(0.5)
    block = collision_block(model, preparation)
    n_qubits = 4 if preparation == "channel" else 6
    assert block.num_qubits == n_qubits and block.num_clbits == 0
    assert [r.name for r in block.qregs] == ["s_a", "s_b", "r_h", "r_c", "p_h", "p_c"][:n_qubits]
    assert block.metadata["qubit_roles"] == [QUBIT_ROLES[i] for i in range(n_qubits)]
    ops = [(i.operation.name, [block.find_bit(q).index for q in i.qubits]) for i in block.data]
    prep_hot = [HOT] if preparation == "channel" else [HOT, HOT_PARTNER]
    prep_cold = [COLD] if preparation == "channel" else [COLD, COLD_PARTNER]
    # Re-preparation of both ancillas, then V(delta), U(gamma) on S_A-R^h, U(gamma) on S_B-R^c (Eq. 8).
    assert ops == [
        (PREPARATION_NAME, prep_hot),
        (PREPARATION_NAME, prep_cold),
        ("pswap", [SYSTEM_A, SYSTEM_B]),
        ("pswap", [SYSTEM_A, HOT]),
        ("pswap", [SYSTEM_B, COLD]),
    ]
    assert [float(i.operation.params[0]) for i in block.data[2:]] == [model.delta, model.gamma, model.gamma]


def test_collision_block_unitary_is_eq8():
    # The three gates of the block, as a 4-qubit operator, equal collision_unitary (Eq. 8)
    # once Qiskit's little-endian order is reversed to (S_A, S_B, R^h, R^c), S_A leftmost.
    model = ch.CollisionModel(0.37, 1.1, ch.Reservoir(1.0), ch.Reservoir(2.0))
    block = collision_block(model)
    unitary_part = QuantumCircuit(4)
    for inst in block.data[2:]:
        unitary_part.append(inst.operation, [block.find_bit(q).index for q in inst.qubits])
    np.testing.assert_allclose(
        Operator(unitary_part).reverse_qargs().data, collision_unitary(model.gamma, model.delta), atol=MATRIX_TOL
    )


def test_collision_block_measure():
    block = collision_block(fig2_model(), "purification", measure=True)
    assert [r.name for r in block.cregs] == ["hot", "cold"]
    last = block.data[-2:]
    assert [i.operation.name for i in last] == ["measure", "measure"]
    assert [block.find_bit(i.qubits[0]).index for i in last] == [HOT, COLD]
    assert [block.find_bit(i.clbits[0]).registers[0][0].name for i in last] == ["hot", "cold"]


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_collision_circuit_structure_and_metadata(preparation):
    n = 4
    qc = collision_circuit(fig2_model(), n, preparation=preparation)
    counts = qc.count_ops()
    assert counts["pswap"] == 3 * n
    assert counts[PREPARATION_NAME] == 2 * n
    assert counts["save_density_matrix"] == 2 * n
    assert counts["x"] == 2  # initial state |11>
    labels = [i.operation.label for i in qc.data if i.operation.name == "save_density_matrix"]
    assert labels == [f"{kind}_{k}" for k in range(1, n + 1) for kind in ("system", "ancilla_pair")]
    md = qc.metadata
    assert md["qubit_roles"] == [QUBIT_ROLES[i] for i in range(qc.num_qubits)]
    assert md["n_collisions"] == n and md["preparation"] == preparation and md["measure"] is False
    assert md["gamma"] == math.pi / 32 and md["t_hot"] == 2.0


def test_collision_circuit_measures_each_ancilla_before_its_reset():
    n = 3
    qc = collision_circuit(fig2_model(), n, preparation="purification", save=None, measure=True)
    assert [(r.name, r.size) for r in qc.cregs] == [("hot", n), ("cold", n)]
    names = [i.operation.name for i in qc.data]
    assert "save_density_matrix" not in names
    measures = [i for i, name in enumerate(names) if name == "measure"]
    assert len(measures) == 2 * n
    preps = [i for i, name in enumerate(names) if name == PREPARATION_NAME]
    for k in range(n):
        hot_m, cold_m = qc.data[measures[2 * k]], qc.data[measures[2 * k + 1]]
        assert qc.find_bit(hot_m.qubits[0]).index == HOT and qc.find_bit(hot_m.clbits[0]).index == k
        assert qc.find_bit(cold_m.qubits[0]).index == COLD and qc.find_bit(cold_m.clbits[0]).index == n + k
        # The measurements of collision k come after its gates and before the next re-preparation.
        assert measures[2 * k] > preps[2 * k + 1]
        if k + 1 < n:
            assert measures[2 * k + 1] < preps[2 * (k + 1)]


def test_collision_circuit_builds_the_block_once(monkeypatch):
    calls = {"block": 0, "prep": 0}
    real_block, real_prep = circuits.collision_block, circuits.ancilla_preparation

    def counting_block(*args, **kwargs):
        calls["block"] += 1
        return real_block(*args, **kwargs)

    def counting_prep(*args, **kwargs):
        calls["prep"] += 1
        return real_prep(*args, **kwargs)

    monkeypatch.setattr(circuits, "collision_block", counting_block)
    monkeypatch.setattr(circuits, "ancilla_preparation", counting_prep)
    collision_circuit(fig2_model(), 50)
    assert calls == {"block": 1, "prep": 2}


def test_initial_state_circuit_forms():
    rng = np.random.default_rng(11)
    psi = rng.normal(size=4) + 1j * rng.normal(size=4)
    psi /= np.linalg.norm(psi)
    # A vector becomes a state-preparation gate (unitary, exportable).
    qc = initial_state_circuit(psi)
    assert [i.operation.name for i in qc.data] == ["state_preparation"]
    np.testing.assert_allclose(to_system_matrix(DensityMatrix(Statevector(qc))), np.outer(psi, psi.conj()), atol=1e-12)
    # A matrix becomes an exact Kraus replacement channel (checked on Aer).
    rho = system_initial_state(random_density_matrix(4, seed=5).data)
    qc = initial_state_circuit(rho)
    assert [i.operation.name for i in qc.data] == ["kraus"]
    qc.save_density_matrix([0, 1], label="rho")
    out = aer_simulator().run(qc, shots=1, seed_simulator=3).result().data(0)["rho"]
    np.testing.assert_allclose(to_system_matrix(out), rho, atol=1e-12)
    assert [i.operation.name for i in initial_state_circuit("10").data] == ["x"]


def test_collision_circuit_rejects_bad_input():
    model = fig2_model()
    with pytest.raises(ValueError, match=r"^n_collisions must be >= 1, got 0$"):
        collision_circuit(model, 0)
    with pytest.raises(ValueError, match=r"^unknown preparation 'exact'; valid: 'channel', 'purification'$"):
        collision_circuit(model, 2, preparation="exact")
    with pytest.raises(ValueError, match=r"^unknown save 'heat'; valid: 'system', 'ancilla_pair'$"):
        collision_circuit(model, 2, save=("heat",))
    with pytest.raises(ValueError, match="save must not repeat a kind"):
        collision_circuit(model, 2, save=("system", "system"))
    with pytest.raises(ValueError, match=r"^unknown initial_state '12'"):
        collision_circuit(model, 2, initial_state="12")
    with pytest.raises(TypeError, match="model must be a CollisionModel"):
        collision_circuit("model", 2)
    with pytest.raises(TypeError, match="measure must be a bool, got 1"):
        collision_circuit(model, 2, measure=1)


def test_to_qasm3_refuses_kraus_and_saves():
    with pytest.raises(ValueError, match="circuit contains 'kraus', which OpenQASM 3 cannot express"):
        to_qasm3(collision_block(fig2_model(), "channel"))
    with pytest.raises(ValueError, match="circuit contains 'save_density_matrix'"):
        to_qasm3(collision_circuit(fig2_model(), 1, preparation="purification"))
