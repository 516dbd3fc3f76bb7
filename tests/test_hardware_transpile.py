"""Transpilation for fake IBM backends and for a bare coupling map: layout, gates, timing."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from qiskit.circuit import ControlFlowOp

import circuitheat as ch
from circuitheat.channel import Channel
from circuitheat.circuits import COLD, HOT, SYSTEM_A, SYSTEM_B
from circuitheat.hardware import NoisyCollisionMap, choose_layout, fake_backend_names, resolve_backend, transpile_protocol
from circuitheat.hardware.transpile import CHAIN, _chains, _gate_counts, _layout_cost, dephasing_inconsistent_qubits

#: Native two-qubit gates per collision: 3 per partial swap (V(delta) and the two U(gamma):
#: exp(i theta SWAP) has three nonzero Weyl coordinates, so no fewer CNOT-class gates can do
#: it for generic theta) + 1 per Schmidt-form ancilla preparation (protocol module docstring).
GATES_PER_COLLISION = 3 * 3 + 2 * 1
#: The noiseless transpiled block against the exact channel (16x16 inversion and Aer's float64 only).
ROUNDING = 1e-12


def reversal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


def test_backend_names():
    names = fake_backend_names()
    assert {"fake_torino", "fake_sherbrooke", "fake_brisbane", "fake_kyiv", "fake_guadalupe"} <= set(names)
    assert resolve_backend("fake_torino") is resolve_backend("torino") is resolve_backend("FakeTorino")
    with pytest.raises(ValueError, match="unknown backend 'fake_nowhere'; valid names: fake_aachen"):
        resolve_backend("fake_nowhere")
    with pytest.raises(TypeError, match="backend must be a fake-backend name or a BackendV2"):
        resolve_backend(3)


@pytest.mark.parametrize("name", ["fake_torino", "fake_sherbrooke"])
def test_transpiled_protocol_on_ibm_devices(name):
    n = 5
    tp = transpile_protocol(reversal_model(), n, name)
    backend = resolve_backend(name)
    qubits = tp.physical_qubits
    # the six roles sit on a chain p_h - r_h - s_a - s_b - r_c - p_c of coupled qubits
    coupled = {tuple(sorted(e)) for e in backend.coupling_map.get_edges()}
    for i, j in itertools.pairwise(CHAIN):
        assert tuple(sorted((qubits[i], qubits[j]))) in coupled
    # 3 native 2q gates per partial swap (V, two U) + 1 per Schmidt-form preparation: no SWAP was routed in
    assert tp.two_qubit_gates == GATES_PER_COLLISION
    assert tp.circuit.count_ops()["measure"] == 2 * n and tp.circuit.num_qubits == backend.num_qubits
    assert not any(isinstance(i.operation, ControlFlowOp) for i in tp.circuit.data)
    ops = set(tp.circuit.count_ops()) - {"barrier"}
    assert ops <= set(backend.target.operation_names)  # ISA circuit: runs on the device as it is
    active = {tp.circuit.find_bit(q).index for inst in tp.circuit.data for q in inst.qubits}
    assert active == set(qubits)  # idle delays on the other qubits were removed
    # timing: every collision is the same block, measure + reset alone take > 1 us on these devices
    assert tp.collision_duration > 1e-6
    assert tp.total_duration == pytest.approx(tp.prefix_duration + n * tp.collision_duration, rel=1e-12)
    rows = tp.per_collision()
    assert len(rows) == n and rows[-1]["end_time_s"] == pytest.approx(tp.total_duration, rel=1e-12)
    assert all(0 < t < 1e-2 for t in tp.t1 + tp.t2)
    assert "two-qubit gates" in tp.report() and tp.to_dict()["two_qubit_gates_per_collision"] == GATES_PER_COLLISION


@pytest.mark.parametrize("name", ["fake_torino", "fake_sherbrooke"])  # Heron (CZ) and Eagle (ECR)
@pytest.mark.parametrize("gamma", [np.pi / 32, np.pi / 4, np.pi / 2])  # the study's gammas, delta = pi/4
def test_eleven_two_qubit_gates_and_still_the_exact_channel(name, gamma):
    """Issue 14: <= 11 native two-qubit gates per collision, and the noiseless transpiled block is Phi of Eq. (8)."""
    model = reversal_model(gamma)
    backend = resolve_backend(name)
    tp = transpile_protocol(model, 1, backend)
    two_qubit = [i for i in tp.block.data if i.operation.num_qubits == 2 and i.operation.name != "barrier"]
    assert len(two_qubit) == tp.two_qubit_gates == GATES_PER_COLLISION
    assert {i.operation.name for i in two_qubit} == {"cz" if name == "fake_torino" else "ecr"}
    ideal = NoisyCollisionMap.from_transpiled(tp, noisy=False)
    np.testing.assert_allclose(ideal.superoperator, Channel.from_model(model).superoperator, atol=ROUNDING)
    # the layout avoids qubits whose calibration has T2 > 2 T1 (fake_torino's qubit 65)
    assert dephasing_inconsistent_qubits(backend.target).isdisjoint(tp.physical_qubits)


def test_layout_avoids_qubits_with_t2_above_twice_t1():
    """fake_torino's qubit 65: T1 = 104.5 us, T2 = 210.7 us (issue 14); explicit use with delays is refused."""
    torino = resolve_backend("fake_torino")
    bad = dephasing_inconsistent_qubits(torino.target)
    assert 65 in bad
    qp = torino.target.qubit_properties[65]
    assert qp.t2 > 2 * qp.t1
    chain = next(c for c in _chains(torino.target, 6) if c[2] == 65)  # 65 as s_a
    layout = [chain[CHAIN.index(role)] for role in range(6)]
    with pytest.raises(ValueError, match=r"layout qubit 65 reports T2 = 210\.7 us > 2 T1 = 209 us"):
        transpile_protocol(reversal_model(), 1, torino, layout=layout)
    tp = transpile_protocol(reversal_model(), 1, torino, layout=layout, schedule=False)  # no delays: allowed
    assert 65 in tp.physical_qubits and not tp.scheduled


def test_chosen_layout_is_the_cheapest_chain():
    """choose_layout returns the minimum of its cost over every oriented 6-qubit chain (brute force)."""
    backend = resolve_backend("fake_guadalupe")
    model = reversal_model()
    choice = choose_layout(backend.target, model)
    pairs, singles = _gate_counts(model, backend.target, "ground_is_0", 2)
    costs = [c for chain in _chains(backend.target, 6) if (c := _layout_cost(backend.target, chain, pairs, singles))]
    assert choice.cost == pytest.approx(min(c[0] for c in costs), rel=1e-12)
    assert choice.candidates == len(costs)
    assert set(choice.cost_terms) == {"two_qubit", "readout", "single_qubit", "decoherence"}


def test_coupling_map_and_basis_without_properties():
    line = [[i, i + 1] for i in range(7)]
    tp = transpile_protocol(reversal_model(), 3, coupling_map=line, basis_gates=["cz", "rz", "sx", "x"])
    assert tp.backend_name == "custom" and not tp.scheduled
    assert math.isnan(tp.collision_duration) and math.isnan(tp.t1[SYSTEM_A])
    assert tp.two_qubit_gates == GATES_PER_COLLISION
    assert abs(tp.physical_qubits[SYSTEM_A] - tp.physical_qubits[SYSTEM_B]) == 1


def test_explicit_layout_and_errors():
    torino = resolve_backend("fake_torino")
    auto = transpile_protocol(reversal_model(), 2, torino)
    again = transpile_protocol(reversal_model(), 2, torino, layout=auto.physical_qubits)
    assert again.physical_qubits == auto.physical_qubits and again.layout is None
    q = list(auto.physical_qubits)
    q[HOT], q[COLD] = q[COLD], q[HOT]  # r_h is then not next to s_a
    with pytest.raises(ValueError, match="does not connect hot_partner"):
        transpile_protocol(reversal_model(), 2, torino, layout=q)
    with pytest.raises(ValueError, match="layout must be 6 distinct physical qubits"):
        transpile_protocol(reversal_model(), 2, torino, layout=[1, 2, 3])
    with pytest.raises(ValueError, match="coupling_map and basis_gates are both required"):
        transpile_protocol(reversal_model(), 2)
    with pytest.raises(ValueError, match="no chain of 6 connected qubits"):
        transpile_protocol(reversal_model(), 2, "fake_nairobi")  # 7-qubit H shape: longest chain has 5
    with pytest.raises(ValueError, match=r"optimization_level must be in 0\.\.3"):
        transpile_protocol(reversal_model(), 2, torino, optimization_level=4)
