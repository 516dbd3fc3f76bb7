"""The device protocol circuit: structure, flatness, registers, encodings (no simulation but one ideal check)."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import qasm3
from qiskit.circuit import ControlFlowOp

import circuitheat as ch
from circuitheat.circuits import COLD, HOT, HOT_PARTNER, SYSTEM_A, SYSTEM_B
from circuitheat.hardware import ENCODINGS, hardware_circuit, hardware_prefix
from circuitheat.hardware.protocol import (
    assemble_protocol,
    excited_sign,
    hardware_block,
    hardware_preparation,
    schmidt_angles,
)
from circuitheat.hardware.readout import assignment_from_errors

#: Exact agreement of two density-matrix simulations of the same physics (rounding only).
ROUNDING = 1e-12


def reversal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_registers_measurements_and_resets(encoding):
    n = 4
    qc = hardware_circuit(reversal_model(), n, encoding=encoding)
    assert [c.name for c in qc.cregs] == ["hot", "cold"] and all(c.size == n for c in qc.cregs)
    assert qc.num_qubits == 6
    assert not any(isinstance(inst.operation, ControlFlowOp) for inst in qc.data)  # flat: IBM runtime accepts it
    hot, cold = qc.cregs
    measures = [inst for inst in qc.data if inst.operation.name == "measure"]
    assert len(measures) == 2 * n
    for k in range(n):  # collision k+1 writes bit k of each register, from the right qubit
        assert (qc.find_bit(measures[2 * k].qubits[0]).index, measures[2 * k].clbits[0]) == (HOT, hot[k])
        assert (qc.find_bit(measures[2 * k + 1].qubits[0]).index, measures[2 * k + 1].clbits[0]) == (COLD, cold[k])
    # each ancilla is measured right before its reset: after a measurement, the next
    # operation on that qubit is the reset of the next preparation (decomposed view)
    flat = qc.decompose(["prepare_ancilla"])
    ops = {q: [] for q in (HOT, COLD)}
    for inst in flat.data:
        for q in inst.qubits:
            idx = flat.find_bit(q).index
            if idx in ops and inst.operation.name != "barrier":
                ops[idx].append(inst.operation.name)
    for seq in ops.values():
        for i, name in enumerate(seq[:-1]):
            if name == "measure":
                assert seq[i + 1] == "reset"
        assert seq[-1] == "measure" and seq[0] == "reset"
    assert qc.metadata["encoding"] == encoding and qc.metadata["n_collisions"] == n


def test_exports_to_openqasm3():
    """Flat and made of defined gates: it round-trips through OpenQASM 3 (what a device job would carry)."""
    qc = hardware_circuit(reversal_model(np.pi / 32), 3)
    text = qasm3.dumps(qc.decompose(["prepare_ancilla", "pswap"]))
    assert text.count("measure") == 6 and "if" not in text.split("\n", 3)[-1].split()


def test_prefix_labels_and_encoding():
    # "11" is the model's ground state: X gates in the package convention, nothing in "ground_is_0"
    assert hardware_prefix("11", encoding="excited_is_0").count_ops().get("x", 0) == 2
    assert hardware_prefix("11", encoding="ground_is_0").count_ops().get("x", 0) == 0
    assert hardware_prefix("01", encoding="ground_is_0").count_ops().get("x", 0) == 1
    assert excited_sign("excited_is_0") == 1 and excited_sign("ground_is_0") == -1
    block = hardware_block(reversal_model(), encoding="ground_is_0")
    x_qubits = sorted(block.find_bit(i.qubits[0]).index for i in block.data if i.operation.name == "x")
    assert x_qubits == [HOT, COLD]  # X after each ancilla preparation, nowhere else


def test_encodings_are_the_same_ideal_experiment():
    """X on every qubit commutes with U(theta) = exp(i theta SWAP): the two encodings give identical statistics."""
    from qiskit_aer import AerSimulator

    from circuitheat.engines.aer import to_aer_native

    model = reversal_model(0.7)
    probs = {}
    for enc in ENCODINGS:
        full = to_aer_native(hardware_circuit(model, 2, encoding=enc))
        qc = full.copy_empty_like()
        for inst in full.data:  # drop every measurement: its ancilla is reset before reuse
            if inst.operation.name != "measure":
                qc.append(inst)
        qc.save_probabilities([HOT, COLD])
        p = AerSimulator(method="density_matrix").run(qc).result().data(0)["probabilities"]
        probs[enc] = np.asarray(p)
    # device bits are flipped between the encodings: outcome index i <-> 3 - i on (hot, cold)
    np.testing.assert_allclose(probs["excited_is_0"], probs["ground_is_0"][::-1], atol=ROUNDING)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="unknown encoding 'up'"):
        hardware_circuit(reversal_model(), 2, encoding="up")
    with pytest.raises(ValueError, match="n_collisions must be >= 1, got 0"):
        hardware_circuit(reversal_model(), 0)
    with pytest.raises(TypeError, match="model must be a CollisionModel"):
        hardware_circuit("model", 2)
    with pytest.raises(ValueError, match="mixed state needs extra qubits"):
        hardware_prefix(np.eye(4) / 4)
    with pytest.raises(ValueError, match="unknown initial_state '2'"):
        hardware_prefix("2")


def test_assemble_maps_clbits_by_register_name():
    block = hardware_block(reversal_model())
    qc = assemble_protocol(hardware_prefix(), block, 3, barrier_qubits=[SYSTEM_A, SYSTEM_B, HOT, COLD, HOT_PARTNER])
    assert qc.count_ops()["barrier"] == 3 and qc.count_ops()["measure"] == 6


def test_assignment_matrix_columns_are_distributions():
    c = assignment_from_errors(0.02, 0.05)
    np.testing.assert_allclose(c.sum(axis=0), 1.0)
    assert c[1, 0] == 0.02 and c[0, 1] == 0.05


@pytest.mark.parametrize(
    ("temperature", "coherence", "phase"),
    [(2.0, 0.8, 5 * np.pi / 4), (1.0, 0.8, 0.0), (1e-3, 0.3, 1.0), (np.inf, 0.5, -2.0), (1.0, 1.0, 0.3), (0.5, 0.0, 0.0)],
)
def test_one_cnot_preparation_gives_the_ancilla_state(temperature, coherence, phase):
    """Tracing the partner out of the Schmidt-form purification leaves eta of Eq. (12), for extreme T and p too."""
    from qiskit.quantum_info import DensityMatrix, partial_trace

    reservoir = ch.Reservoir(temperature, coherence, phase)
    prep = hardware_preparation(reservoir)
    unitary_part = prep.definition.copy_empty_like()
    for inst in prep.definition.data:
        if inst.operation.name != "reset":  # resets act on |00>: nothing to do in a state simulation
            unitary_part._append(inst)
    assert unitary_part.count_ops()["cx"] == 1 and sum(unitary_part.count_ops().values()) == 4
    rho = partial_trace(DensityMatrix(unitary_part), [1]).data  # keep qubit 0, the ancilla
    np.testing.assert_allclose(rho, reservoir.state, atol=ROUNDING)
    theta_s, alpha, phi = schmidt_angles(reservoir)
    assert np.isfinite([theta_s, alpha, phi]).all() and phi == phase
    if coherence == 1.0:
        assert theta_s == 0.0  # a pure state needs no entanglement with the partner
