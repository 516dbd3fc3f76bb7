"""The Aer engine on collision networks (circuitheat.network.circuits, engines.aer) against the direct engine.

References: the direct engine (engine="direct"), an exact evaluation of the network's step
(circuitheat.network.step) with J_r(k) = sum_{c in r} Tr[H_r (eta~_c - eta_r)] and the work
computed gate by gate; and, for the joint ancilla states, an explicit brute-force step (the
full unitary on the N sites and the step's m fresh ancillas, then a partial trace over the
sites), written here independently of both engines. Every random network is seeded.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from qiskit import QuantumCircuit, qasm3, transpile
from qiskit.circuit.library import CRYGate, CXGate
from qiskit.quantum_info import DensityMatrix, Operator, partial_trace, random_density_matrix, random_statevector, random_unitary

import circuitheat as ch
from circuitheat.circuits import ancilla_preparation, purification_angles
from circuitheat.engines import get_engine
from circuitheat.engines.aer import aer_simulator, network_observables, run_network_circuit_timed
from circuitheat.network.circuits import (
    NetworkLayout,
    network_initial_state,
    network_layout,
    network_protocol,
    network_save_label,
    network_step_block,
    network_to_qasm3,
    reverse_qubit_order,
)
from circuitheat.threads import single_blas_thread

#: Aer vs direct: both exact up to floating-point rounding (observed ~1e-14 after 40 steps
#: of N = 6); 1e-10 is the tolerance issue 11 sets, far below any physics error.
AGREEMENT_TOL = 1e-10

#: A prepared ancilla state vs its target: one circuit, rounding only (~1e-16).
PREPARATION_TOL = 1e-12

#: An asymmetric gate in its two forms, and the two orientations: the trajectories of the
#: two orientations differ by O(1) (checked > 1e-3), so agreement to 1e-10 is meaningful.
DIFFERENT = 1e-3

# ----------------------------------------------------------------------------- random networks


def cnot_kron() -> np.ndarray:
    """CNOT with the control on the first slot, in the package kron basis |first second>."""
    return np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


def rxx_rz_circuit(theta: float, phi: float) -> QuantumCircuit:
    """RXX(theta) . (RZ(phi) on the first slot) as a 2-qubit Qiskit circuit (qubit 0 = first slot)."""
    qc = QuantumCircuit(2)
    qc.rz(phi, 0)
    qc.rxx(theta, 0, 1)
    return qc


def rxx_rz_kron(theta: float, phi: float) -> np.ndarray:
    """The same gate written directly in the kron basis: RXX(theta) @ kron(RZ(phi), I)."""
    x = np.array([[0, 1], [1, 0]], dtype=complex)
    rxx = math.cos(theta / 2) * np.eye(4) - 1j * math.sin(theta / 2) * np.kron(x, x)
    rz = np.diag([np.exp(-0.5j * phi), np.exp(0.5j * phi)])
    return rxx @ np.kron(rz, np.eye(2))


def random_gate(rng: np.random.Generator):
    """One gate of every form the network accepts, symmetric and asymmetric."""
    kind = int(rng.integers(8))
    seed = int(rng.integers(2**31))
    if kind == 0:
        return ch.partial_swap(float(rng.uniform(-math.pi, math.pi)))
    if kind == 1:
        return ch.heisenberg(*rng.uniform(-1, 1, 3), float(rng.uniform(0.1, 1.5)))
    if kind == 2:
        return cnot_kron()  # ndarray, asymmetric
    if kind == 3:
        return rxx_rz_circuit(*rng.uniform(-math.pi, math.pi, 2))  # QuantumCircuit, asymmetric
    if kind == 4:
        return Operator(random_unitary(4, seed=seed))  # Operator, asymmetric
    if kind == 5:
        return random_unitary(4, seed=seed).data  # ndarray, asymmetric
    if kind == 6:
        return CRYGate(float(rng.uniform(-math.pi, math.pi)))  # Qiskit Gate, asymmetric
    return CXGate()


def random_reservoir(rng: np.random.Generator, name: str):
    omega = float(rng.uniform(0.5, 1.5))
    if rng.random() < 0.5:
        t = float(rng.choice([rng.uniform(0.2, 5.0), math.inf]))
        return ch.Reservoir(t, float(rng.uniform(0, 1)), float(rng.uniform(-math.pi, math.pi)), omega)
    return ch.Ancilla(random_density_matrix(2, seed=int(rng.integers(2**31))).data, omega)


def random_network(rng: np.random.Generator, sites: int, collisions: int, interactions: int) -> ch.CollisionNetwork:
    """Random step order, gates, ancilla states (Reservoir and Ancilla) and non-resonant omegas."""
    names = ["hot", "cold", "work"][: int(rng.integers(1, 4))]
    reservoirs = {name: random_reservoir(rng, name) for name in names}
    step = []
    for _ in range(interactions):
        i, j = (int(s) for s in rng.choice(sites, size=2, replace=False))
        step.append(ch.Interaction((i, j), random_gate(rng)))
    for _ in range(collisions):
        step.append(ch.Collision(str(rng.choice(names)), int(rng.integers(sites)), random_gate(rng)))
    order = rng.permutation(len(step))
    return ch.CollisionNetwork(
        sites=sites, omega=rng.uniform(0.5, 1.5, sites), reservoirs=reservoirs, step=[step[k] for k in order]
    )


def random_initial_state(rng: np.random.Generator, sites: int):
    form = int(rng.integers(3))
    if form == 0:
        return "".join(str(b) for b in rng.integers(2, size=sites))
    seed = int(rng.integers(2**31))
    if form == 1:
        return random_statevector(2**sites, seed=seed).data
    return random_density_matrix(2**sites, seed=seed).data


def assert_agree(aer: ch.Trajectory, direct: ch.Trajectory) -> None:
    for name in direct.currents:
        np.testing.assert_allclose(aer.currents[name], direct.currents[name], atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.work, direct.work, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.system_energy, direct.system_energy, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.system_states, direct.system_states, atol=AGREEMENT_TOL, rtol=0)


# ----------------------------------------------------------------------------- Aer vs direct


@pytest.mark.parametrize("preparation", ["channel", "purification"])
@pytest.mark.parametrize("seed", range(6))
def test_aer_agrees_with_direct_on_random_three_site_networks(seed, preparation):
    rng = np.random.default_rng([11, 3, seed])
    net = random_network(rng, 3, collisions=int(rng.integers(1, 4)), interactions=int(rng.integers(0, 4)))
    rho0 = random_initial_state(rng, 3)
    # Up to 3 + 2*3 = 9 qubits with purification (Aer's cost grows as 4**qubits): fewer steps.
    n = 25 if preparation == "channel" else 8
    aer = ch.simulate(net, n, engine="aer", initial_state=rho0, preparation=preparation)
    assert_agree(aer, ch.simulate(net, n, initial_state=rho0))


@pytest.mark.parametrize(
    ("preparation", "collisions", "n_steps"),
    # purification adds a partner per ancilla: 6 + 2*2 = 10 qubits, so fewer steps.
    [("channel", 3, 12), ("purification", 2, 4)],
)
def test_aer_agrees_with_direct_on_a_random_six_site_network(preparation, collisions, n_steps):
    rng = np.random.default_rng([11, 6, collisions])
    net = random_network(rng, 6, collisions=collisions, interactions=6)
    rho0 = random_initial_state(rng, 6)
    aer = ch.simulate(net, n_steps, engine="aer", initial_state=rho0, preparation=preparation)
    assert_agree(aer, ch.simulate(net, n_steps, initial_state=rho0))


@pytest.mark.slow
def test_eight_site_chain_runs_and_agrees():
    # N = 8 (issue 11: "up to at least N = 8 sites"): a boundary-driven chain, XXZ bulk,
    # partial-swap contacts; 10 qubits with the channel preparation.
    rng = np.random.default_rng(88)
    reservoirs = {"hot": ch.Reservoir(2.0, 0.5, 0.3), "cold": ch.Ancilla(random_density_matrix(2, seed=8).data, 0.9)}
    step = [ch.Interaction((i, i + 1), ch.heisenberg(1.0, 1.0, 0.4, 0.3)) for i in range(7)]
    step += [ch.Collision("hot", 0, ch.partial_swap(0.4)), ch.Collision("cold", 7, rxx_rz_circuit(0.7, 0.2))]
    net = ch.CollisionNetwork(8, rng.uniform(0.8, 1.2, 8), reservoirs, step)
    aer = ch.simulate(net, 3, engine="aer", initial_state="01" * 4)
    assert_agree(aer, ch.simulate(net, 3, initial_state="01" * 4))


def test_eight_sites_store_states_false_and_purification():
    # N = 8 with one collision: 9 qubits (channel), 10 (purification); energies from the
    # saved populations when states are not stored.
    net = ch.CollisionNetwork(
        8, 1.0, {"bath": ch.Reservoir(1.5, 0.7, 1.0)}, [ch.Collision("bath", 3, cnot_kron()), ch.Interaction((3, 4), CXGate())]
    )
    direct = ch.simulate(net, 2, initial_state="10101010")
    for preparation in ("channel", "purification"):
        aer = ch.simulate(net, 2, engine="aer", initial_state="10101010", preparation=preparation, store_states=False)
        assert aer.system_states is None
        np.testing.assert_allclose(aer.currents["bath"], direct.currents["bath"], atol=AGREEMENT_TOL, rtol=0)
        np.testing.assert_allclose(aer.work, direct.work, atol=AGREEMENT_TOL, rtol=0)
        np.testing.assert_allclose(aer.system_energy, direct.system_energy, atol=AGREEMENT_TOL, rtol=0)


def test_paper_model_as_network_equals_the_paper_path():
    # CollisionModel.network through the network circuits = the paper's own circuits.
    model = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8, math.pi), ch.Reservoir(1.0, 0.8, 0.0))
    paper = ch.simulate(model, 15, engine="aer")
    net = ch.simulate(model.network, 15, engine="aer", preparation="purification")
    for name in ("hot", "cold"):
        np.testing.assert_allclose(net.currents[name], paper.currents[name], atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(net.system_states, paper.system_states, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(net.work, paper.work, atol=AGREEMENT_TOL, rtol=0)


# ----------------------------------------------------------------------------- qubit order


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_asymmetric_gate_orientation(preparation):
    # The same asymmetric gates as a Qiskit circuit / Qiskit Gate and as kron-basis
    # ndarrays give the same trajectory; the opposite orientation gives another one.
    theta, phi = 0.9, 1.3
    reservoirs = {"hot": ch.Reservoir(3.0, 0.6, 0.5), "cold": ch.Reservoir(0.5, 0.0)}

    def net(inter, coll, sites=(0, 1)):
        return ch.CollisionNetwork(
            2,
            [1.0, 1.4],
            reservoirs,
            [ch.Interaction(sites, inter), ch.Collision("hot", 0, coll), ch.Collision("cold", 1, ch.partial_swap(0.3))],
        )

    qiskit_form = net(rxx_rz_circuit(theta, phi), CXGate())
    array_form = net(rxx_rz_kron(theta, phi), cnot_kron())
    reversed_form = net(rxx_rz_kron(theta, phi), cnot_kron(), sites=(1, 0))
    runs = [ch.simulate(x, 20, engine="aer", preparation=preparation, initial_state="01") for x in (qiskit_form, array_form)]
    assert_agree(runs[0], runs[1])
    assert_agree(runs[0], ch.simulate(array_form, 20, initial_state="01"))
    other = ch.simulate(reversed_form, 20, engine="aer", preparation=preparation, initial_state="01")
    assert np.max(np.abs(other.system_states - runs[0].system_states)) > DIFFERENT


def test_reverse_qubit_order_matches_qiskit():
    # A product state rho_0 x rho_1 x rho_2 (kron, site 0 most significant) is Qiskit's
    # DensityMatrix of the circuit with rho_i on qubit i after reversing the factor order.
    states = [random_density_matrix(2, seed=s).data for s in (1, 2, 3)]
    kron = np.kron(np.kron(states[0], states[1]), states[2])
    qiskit = DensityMatrix(states[0]).expand(states[1]).expand(states[2]).data  # qubit 0 = states[0]
    np.testing.assert_allclose(reverse_qubit_order(kron, 3), qiskit, atol=1e-15)
    np.testing.assert_allclose(reverse_qubit_order(reverse_qubit_order(kron, 3), 3), kron, atol=0)
    psi = random_statevector(8, seed=4).data
    flipped = reverse_qubit_order(psi, 3)
    np.testing.assert_allclose(reverse_qubit_order(np.outer(psi, psi.conj()), 3), np.outer(flipped, flipped.conj()), atol=1e-15)
    with pytest.raises(ValueError, match=r"matrix must have shape \(\.\.\., 8, 8\) or \(\.\.\., 8\) for 3 qubits, got \(4, 4\)"):
        reverse_qubit_order(np.eye(4), 3)


# ----------------------------------------------------------------------------- joint ancilla states


def _embed(u: np.ndarray, qubits: tuple[int, int], total: int) -> np.ndarray:
    """The 4x4 kron-basis gate u on qubits (first slot, second slot) of ``total`` qubits (qubit 0 most significant)."""
    t = u.reshape(2, 2, 2, 2)
    eye = np.eye(2**total).reshape((2,) * (2 * total))
    a, b = qubits
    out = np.tensordot(t, eye, axes=([2, 3], [a, b]))  # (a', b', rest rows..., cols...)
    out = np.moveaxis(out, [0, 1], [a, b])
    return out.reshape(2**total, 2**total)


@single_blas_thread  # a test reference with large dense matrices: one BLAS thread per xdist worker
def brute_force_ancillas(net: ch.CollisionNetwork, rho: np.ndarray) -> np.ndarray:
    """Joint state of the step's m ancillas after one step from rho: full unitary, partial trace over the sites."""
    n, cols = net.sites, net.collisions
    total = n + len(cols)
    u = np.eye(2**total, dtype=complex)
    c = 0
    for op in net.step:
        if isinstance(op, ch.Interaction):
            u = _embed(op.matrix, op.sites, total) @ u
        else:
            u = _embed(op.matrix, (op.site, n + c), total) @ u
            c += 1
    joint = rho
    for col in cols:
        joint = np.kron(joint, net.ancilla(col.reservoir).state)
    after = (u @ joint @ u.conj().T).reshape(2**n, 2 ** len(cols), 2**n, 2 ** len(cols))
    return np.einsum("iaib->ab", after)


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_ancilla_states_are_the_brute_force_joint_state(preparation):
    rng = np.random.default_rng([11, 1, len(preparation)])
    net = random_network(rng, 3, collisions=3, interactions=2)
    rho0 = random_density_matrix(8, seed=5).data
    run = get_engine("aer").run(net, 4, rho0, preparation=preparation, ancillas=True)
    assert run.ancilla_states.shape == (4, 8, 8)
    before = np.concatenate([rho0[None], run.states[:-1]])
    for k in range(4):
        np.testing.assert_allclose(run.ancilla_states[k], brute_force_ancillas(net, before[k]), atol=AGREEMENT_TOL, rtol=0)
    # The currents from the joint state and from the populations-only run are the same.
    plain = get_engine("aer").run(net, 4, rho0, preparation=preparation)
    assert plain.ancilla_states is None
    for name in net.reservoir_names:
        np.testing.assert_allclose(run.currents[name], plain.currents[name], atol=AGREEMENT_TOL, rtol=0)


def test_ancilla_states_of_the_paper_model():
    # The paper path returns its ancilla pair (hot collision first, as in model.network).
    model = ch.CollisionModel(0.4, 0.7, ch.Reservoir(2.0, 0.5, 1.0), ch.Reservoir(0.7, 0.2))
    rho0 = random_density_matrix(4, seed=9).data
    paper = get_engine("aer").run(model, 5, rho0, ancillas=True)
    net = get_engine("aer").run(model.network, 5, rho0, ancillas=True)
    np.testing.assert_allclose(paper.ancilla_states, net.ancilla_states, atol=AGREEMENT_TOL, rtol=0)


def test_network_without_collisions():
    # A step of interactions only: no ancilla qubits, zero currents, ancilla_states of one entry.
    net = ch.CollisionNetwork(2, [1.0, 2.0], {}, [ch.Interaction((0, 1), cnot_kron())])
    run = get_engine("aer").run(net, 3, np.diag([0.0, 0.3, 0.7, 0.0]).astype(complex), ancillas=True)
    np.testing.assert_allclose(run.ancilla_states, np.ones((3, 1, 1)), atol=0)
    assert run.currents == {}
    direct = ch.simulate(net, 3, initial_state=np.diag([0.0, 0.3, 0.7, 0.0]))
    np.testing.assert_allclose(run.work, direct.work, atol=AGREEMENT_TOL, rtol=0)


# ----------------------------------------------------------------------------- preparation of any state


ANCILLA_STATES = [
    np.diag([1.0, 0.0]),  # excited, pure
    np.diag([0.0, 1.0]),  # ground, pure
    0.5 * np.array([[1, 1j], [-1j, 1]]),  # pure superposition: p = 1 with eta_00 eta_11 > 0
    np.diag([0.3, 0.7]),  # diagonal: p = 0
]


@pytest.mark.parametrize("method", ["channel", "purification"])
@pytest.mark.parametrize("k", range(len(ANCILLA_STATES) + 3))
def test_ancilla_preparation_of_any_state(method, k):
    eta = ANCILLA_STATES[k] if k < len(ANCILLA_STATES) else random_density_matrix(2, seed=k).data
    ancilla = ch.Ancilla(eta, 1.7)
    inst = ancilla_preparation(ancilla, method)
    qc = QuantumCircuit(inst.num_qubits)
    qc.x(0)  # a used ancilla: the preparation resets it
    qc.append(inst, range(inst.num_qubits))
    dm = DensityMatrix(qc)
    if inst.num_qubits == 2:
        dm = partial_trace(dm, [1])
    np.testing.assert_allclose(dm.data, eta, atol=PREPARATION_TOL, rtol=0)


def test_purification_angles_of_an_ancilla_match_the_reservoir():
    # An Ancilla holding a Reservoir's state has the Reservoir's angles (Eq. 12: p, phi).
    res = ch.Reservoir(1.3, 0.6, -2.0)
    np.testing.assert_allclose(purification_angles(ch.Ancilla(res.state)), purification_angles(res), atol=1e-12)


# ----------------------------------------------------------------------------- circuits and layout


def small_network(preparation_partner: bool = False) -> ch.CollisionNetwork:
    return ch.CollisionNetwork(
        3,
        1.0,
        {"hot": ch.Reservoir(2.0, 0.5), "cold": ch.Ancilla(np.diag([0.2, 0.8]))},
        [
            ch.Interaction((0, 1), ch.partial_swap(0.2)),
            ch.Collision("cold", 2, CXGate()),
            ch.Collision("hot", 0, ch.partial_swap(0.1)),
        ],
    )


def test_layout_and_step_block():
    net = small_network()
    layout = network_layout(net, "purification")
    assert layout == NetworkLayout(3, 2, "purification")
    assert (layout.site_qubits, layout.ancilla_qubits, layout.partner_qubits, layout.num_qubits) == (
        (0, 1, 2),
        (3, 4),
        (5, 6),
        7,
    )
    block = network_step_block(net, "purification")
    assert block.metadata["qubit_roles"] == [
        "site 0",
        "site 1",
        "site 2",
        "ancilla 0 (cold, site 2)",
        "ancilla 1 (hot, site 0)",
        "partner 0 (cold)",
        "partner 1 (hot)",
    ]
    assert [r.name for r in block.qregs] == ["site", "anc", "partner"]
    placed = [(i.operation.name, [block.find_bit(q).index for q in i.qubits]) for i in block.data]
    assert placed == [
        ("prepare_ancilla", [3, 5]),
        ("prepare_ancilla", [4, 6]),
        ("pswap", [0, 1]),
        ("cx", [2, 3]),  # qubit 0 of the gate (control) on the system site
        ("pswap", [0, 4]),
    ]
    assert network_layout(net).partner_qubits == ()


def test_protocol_builds_the_block_once_and_saves_in_package_order():
    net = small_network()
    qc = network_protocol(net, 4, initial_state="011", save=("system", "ancillas"), measure=True)
    saves = [i for i in qc.data if i.operation.name.startswith("save")]
    assert [i.operation.label for i in saves[:2]] == [network_save_label("system", 1), network_save_label("ancillas", 1)]
    assert [qc.find_bit(q).index for q in saves[0].qubits] == [2, 1, 0]  # reversed: site 0 most significant
    assert [qc.find_bit(q).index for q in saves[1].qubits] == [4, 3]
    assert [r.name for r in qc.cregs] == ["m0", "m1"] and all(r.size == 4 for r in qc.cregs)
    assert [i.operation.name for i in qc.data[:2]] == ["x", "x"]  # "011": sites 1 and 2 ground
    assert qc.metadata["n_steps"] == 4 and qc.metadata["save"] == ["system", "ancillas"]


def test_initial_state_forms():
    net = small_network()
    assert [i.operation.name for i in network_initial_state(net, "101").data] == ["x", "x"]
    psi = random_statevector(8, seed=3).data
    pure = network_initial_state(net, psi)
    assert [i.operation.name for i in pure.data] == ["unitary"]
    dm = partial_trace(DensityMatrix(pure), [3, 4])
    np.testing.assert_allclose(reverse_qubit_order(dm.data, 3), np.outer(psi, psi.conj()), atol=1e-12)
    mixed = network_initial_state(net, random_density_matrix(8, seed=3).data)
    assert [i.operation.name for i in mixed.data] == ["set_density_matrix"]


def test_run_network_circuit_saves_and_observables():
    net = small_network()
    rho0 = random_density_matrix(8, seed=1).data
    saved, timings = run_network_circuit_timed(net, 3, initial_state=rho0, save=NETWORK_KINDS)
    assert saved["system"].shape == (3, 8, 8) and saved["system_populations"].shape == (3, 8)
    assert saved["ancillas"].shape == (3, 4, 4) and saved["ancilla_populations"].shape == (3, 4)
    np.testing.assert_allclose(np.einsum("nii->ni", saved["system"]).real, saved["system_populations"], atol=1e-14)
    np.testing.assert_allclose(np.einsum("nii->ni", saved["ancillas"]).real, saved["ancilla_populations"], atol=1e-14)
    assert timings.total > 0
    currents, work, energy = network_observables(net, {"system": saved["system"], "ancillas": saved["ancillas"]}, rho0)
    direct = ch.simulate(net, 3, initial_state=rho0)
    for name in net.reservoir_names:
        np.testing.assert_allclose(currents[name], direct.currents[name], atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(work, direct.work, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(energy, direct.system_energy, atol=AGREEMENT_TOL, rtol=0)


NETWORK_KINDS = ("system", "system_populations", "ancillas", "ancilla_populations")


# ----------------------------------------------------------------------------- OpenQASM 3


def test_qasm_step_export_reproduces_one_step():
    # The exported step, loaded back, run from the initial state on Aer = the direct engine's first state.
    net = ch.CollisionNetwork(
        3,
        [1.0, 1.2, 0.9],
        {"hot": ch.Reservoir(2.0, 0.5, 0.4), "x": ch.Ancilla(random_density_matrix(2, seed=2).data)},
        [
            ch.Interaction((2, 0), rxx_rz_circuit(0.4, 0.9)),
            ch.Collision("x", 1, Operator(random_unitary(4, seed=3))),
            ch.Interaction((0, 1), ch.heisenberg(1.0, 0.3, 0.2, 0.5)),
            ch.Collision("hot", 2, cnot_kron()),
        ],
    )
    text = network_to_qasm3(net)
    assert text.startswith("OPENQASM 3.0;\n// circuitheat: collision network, one step")
    assert "//   3: ancilla 0 (x, site 1)" in text
    step = qasm3.loads(text)
    assert step.num_qubits == 7
    qc = QuantumCircuit(step.num_qubits)
    qc.x(1)  # initial state "010"
    qc.compose(step, inplace=True)
    qc.save_density_matrix([2, 1, 0], label="system")  # reversed: package order
    # optimization_level=0: only the basis translation is needed (the gates stay exact).
    result = aer_simulator().run(transpile(qc, aer_simulator(), optimization_level=0), shots=1).result()
    direct = ch.simulate(net, 1, initial_state="010")
    np.testing.assert_allclose(result.data(0)["system"].data, direct.system_states[0], atol=AGREEMENT_TOL, rtol=0)


def test_qasm_protocol_export_has_one_measurement_register_per_collision():
    net = small_network()
    protocol = qasm3.loads(network_to_qasm3(net, 3, initial_state="110"))
    assert [(r.name, r.size) for r in protocol.cregs] == [("m0", 3), ("m1", 3)]
    assert protocol.count_ops()["measure"] == 6


# ----------------------------------------------------------------------------- bad input


def test_bad_input_is_rejected():
    net = small_network()
    with pytest.raises(ValueError, match=r"^unknown preparation 'kraus'; valid: 'channel', 'purification'$"):
        ch.simulate(net, 2, engine="aer", preparation="kraus")
    with pytest.raises(TypeError, match=r"^ancillas must be a bool, got 'yes'$"):
        ch.simulate(net, 2, engine="aer", ancillas="yes")
    with pytest.raises(TypeError, match=r"engine 'aer' does not take option 'shots'"):
        ch.simulate(net, 2, engine="aer", shots=10)
    with pytest.raises(ValueError, match=r"^n_steps must be >= 1, got 0$"):
        network_protocol(net, 0)
    with pytest.raises(ValueError, match=r"^unknown save 'state'; valid: 'system', 'system_populations', 'ancillas', "):
        network_protocol(net, 2, save="state")
    with pytest.raises(ValueError, match=r"^save must not repeat a kind, got \('system', 'system'\)$"):
        network_protocol(net, 2, save=("system", "system"))
    with pytest.raises(ValueError, match=r"^save must name at least one of"):
        run_network_circuit_timed(net, 2, save=())
    with pytest.raises(TypeError, match=r"^network must be a CollisionNetwork, got None of type NoneType$"):
        network_step_block(None)
    with pytest.raises(TypeError, match=r"^measure must be a bool, got 1$"):
        network_step_block(net, measure=1)
    with pytest.raises(ValueError, match=r"^initial_state must be a basis or pure state for OpenQASM export, got a mixed"):
        network_to_qasm3(net, 2, initial_state=np.eye(8) / 8)
    with pytest.raises(TypeError, match=r"^reservoir must be a Reservoir or an Ancilla, got 'hot' of type str$"):
        ancilla_preparation("hot")
    with pytest.raises(ValueError, match=r"^unknown initial_state '01'; valid labels: 3 characters"):
        network_initial_state(net, "01")


# ----------------------------------------------------------------------------- CLI


def test_cli_export_qasm_network(tmp_path, capsys):
    from circuitheat.cli import main
    from circuitheat.presets.files import preset_file_text, preset_network

    toml = tmp_path / "chain.toml"
    toml.write_text(preset_file_text("chain"), encoding="utf-8")
    out = tmp_path / "qasm"
    assert main(["export-qasm", "--network", str(toml), "--out", str(out), "-n", "2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["network_protocol_n2.qasm", "network_step.qasm"]
    protocol = qasm3.loads((out / "network_protocol_n2.qasm").read_text(encoding="utf-8"))
    net = preset_network("chain")
    m = len(net.collisions)
    assert protocol.num_qubits == net.sites + 2 * m  # sites, one ancilla and one partner per collision
    assert [(r.name, r.size) for r in protocol.cregs] == [(f"m{c}", 2) for c in range(m)]
    capsys.readouterr()
    assert main(["export-qasm", "--network", str(toml), "--gamma", "0.1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "circuitheat export-qasm: error: --gamma cannot be combined with --network: the network file defines the model"
    ]
