"""The device path for collision networks: circuits, layout on the network's coupling graph, noise map, shots.

References: the noiseless device step must equal the core's step map
(``circuitheat.network.step.step_map``, the one definition of a step, issue 11); shot
estimates must agree with the package's own noisy prediction (``NoisyNetworkMap``, exact
per-shot covariance) within the chi-square band, as the paper model's device tests do
(``tests/test_hardware_runtime.py``).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2 as chi2_distribution

import circuitheat as ch
from circuitheat.hardware import (
    NoisyCollisionMap,
    NoisyNetworkMap,
    TranspiledNetworkProtocol,
    aer_reference,
    estimate_heat_currents,
    hardware_circuit,
    noisy_collision_map,
    resolve_backend,
    transpile_protocol,
)
from circuitheat.hardware.network_layout import network_coupling_graph
from circuitheat.hardware.network_protocol import network_hardware_layout
from circuitheat.hardware.transpile import _edge_error, dephasing_inconsistent_qubits
from circuitheat.network.step import step_map
from circuitheat.validation import InputTypeError, InputValueError

#: The transpiled step and the core's map are both exact; they differ by float64 rounding
#: of a few hundred gate products on 2^(N+2m)-dimensional states (~1e-15 observed).
MAP_TOLERANCE = 1e-12
#: Two-sided band of the chi-square statistic (1 % false alarms per seeded comparison).
BAND = 0.99
#: A generic device description without error rates (IBM Heron basis), a line of qubits.
BASIS = ["cz", "rz", "sx", "x"]

CNOT = np.eye(4)[:, [0, 1, 3, 2]]  # control on the first slot (package kron basis): not X⊗X-symmetric


def line(n: int) -> list[list[int]]:
    """Coupling map of a line of n qubits, both directions."""
    return [[i, i + 1] for i in range(n - 1)] + [[i + 1, i] for i in range(n - 1)]


def own_graph(net: ch.CollisionNetwork) -> list[list[int]]:
    """Coupling map that is exactly the network's coupling graph (both directions), plus one spare qubit."""
    edges = network_coupling_graph(net, network_hardware_layout(net))
    spare = network_hardware_layout(net).num_qubits
    return [[i, j] for i, j in edges] + [[j, i] for i, j in edges] + [[0, spare], [spare, 0]]


def two_site_network() -> ch.CollisionNetwork:
    """Asymmetric gates (CNOT collision), an XYZ interaction, an arbitrary ancilla with its own omega."""
    return ch.CollisionNetwork(
        sites=2,
        omega=1.0,
        reservoirs={
            "hot": ch.Reservoir(2.0, 0.8, 5 * np.pi / 4),
            "cold": ch.Ancilla(np.array([[0.3, 0.1j], [-0.1j, 0.7]]), 1.2),
        },
        step=[
            ch.Interaction((0, 1), ch.heisenberg(1.0, 0.5, 0.2, 0.7)),
            ch.Collision("hot", 0, ch.partial_swap(np.pi / 4)),
            ch.Collision("cold", 1, CNOT),
        ],
    )


def chain_network() -> ch.CollisionNetwork:
    """Three sites, non-resonant, a Qiskit circuit as a gate, boundary-driven (a path of 7 device qubits)."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.rxx(0.4, 0, 1)
    qc.rz(0.3, 0)
    return ch.CollisionNetwork(
        sites=3,
        omega=(1.0, 1.3, 0.8),
        reservoirs={"hot": ch.Reservoir(2.0, 0.6, 0.3), "cold": ch.Reservoir(1.0, 0.0, 0.0)},
        step=[
            ch.Interaction((0, 1), ch.partial_swap(np.pi / 4)),
            ch.Interaction((2, 1), qc),
            ch.Collision("hot", 0, ch.partial_swap(np.pi / 5)),
            ch.Collision("cold", 2, ch.partial_swap(np.pi / 7)),
        ],
    )


def repeated_network() -> ch.CollisionNetwork:
    """Two sites, the hot reservoir met twice in a step (two ancillas of one reservoir, one current)."""
    return ch.CollisionNetwork(
        sites=2,
        omega=1.0,
        reservoirs={"hot": ch.Reservoir(2.0, 0.6, 0.3), "cold": ch.Reservoir(1.0, 0.0, 0.0)},
        step=[
            ch.Collision("hot", 0, ch.partial_swap(np.pi / 5)),
            ch.Interaction((0, 1), ch.partial_swap(np.pi / 4)),
            ch.Collision("cold", 1, ch.partial_swap(np.pi / 7)),
            ch.Collision("hot", 0, CNOT),
        ],
    )


# --------------------------------------------------------------------------- circuits


def test_hardware_circuit_of_a_network_measures_every_collision():
    net = repeated_network()
    qc = hardware_circuit(net, 4)
    assert [c.name for c in qc.cregs] == ["m0", "m1", "m2"]
    assert all(c.size == 4 for c in qc.cregs)
    assert qc.count_ops()["measure"] == 4 * 3
    assert qc.num_qubits == 2 + 2 * 3
    assert not any(inst.operation.name.startswith(("if_", "for_", "while_")) for inst in qc.data)
    assert qc.metadata["registers"] == {"m0": ["hot", 0], "m1": ["cold", 1], "m2": ["hot", 0]}


@pytest.mark.parametrize(
    ("build", "encoding"),
    [
        (two_site_network, "ground_is_0"),
        (two_site_network, "excited_is_0"),
        (chain_network, "ground_is_0"),
        (chain_network, "excited_is_0"),
        (repeated_network, "ground_is_0"),  # 8 qubits: the slowest; the default encoding only
    ],
)
def test_noiseless_transpiled_step_equals_core_step_map(build, encoding):
    net = build()
    tp = transpile_protocol(net, 2, coupling_map=own_graph(net), basis_gates=BASIS, encoding=encoding)
    assert isinstance(tp, TranspiledNetworkProtocol)
    ideal = NoisyCollisionMap.from_transpiled(tp, noisy=False)
    assert isinstance(ideal, NoisyNetworkMap)
    core = step_map(net)
    assert np.abs(ideal.superoperator - core.superoperator).max() < MAP_TOLERANCE
    prediction = ideal.trajectory(3)
    traj = ch.simulate(net, 3)
    for name in net.reservoir_names:
        assert np.abs(prediction.currents[name] - traj.currents[name]).max() < MAP_TOLERANCE
    assert np.abs(prediction.system_states - traj.system_states).max() < MAP_TOLERANCE


def test_paper_model_as_a_network_gives_the_paper_channel():
    model = ch.CollisionModel(np.pi / 5, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    tp = transpile_protocol(model.network, 1, coupling_map=line(6), basis_gates=BASIS)
    # the paper's 6-qubit chain is the network's coupling graph: 3 + 3 (two partial swaps) + 3 + 1 + 1 two-qubit gates
    assert tp.two_qubit_gates == 11
    ideal = NoisyCollisionMap.from_transpiled(tp, noisy=False)
    assert np.abs(ideal.superoperator - step_map(model).superoperator).max() < MAP_TOLERANCE


# --------------------------------------------------------------------------- layout


def test_layout_embeds_the_coupling_graph_and_avoids_t2_above_2t1():
    backend = resolve_backend("fake_hanoi")
    net = chain_network()
    tp = transpile_protocol(net, 1, backend)
    assert dephasing_inconsistent_qubits(backend.target)  # the test means something: hanoi has such qubits
    assert dephasing_inconsistent_qubits(backend.target).isdisjoint(tp.physical_qubits)
    phys = tp.physical_qubits
    for i, j in network_coupling_graph(net, network_hardware_layout(net)):
        assert _edge_error(backend.target, phys[i], phys[j]) is not None
    assert tp.layout.candidates >= 1 and tp.layout.cost == pytest.approx(sum(tp.layout.cost_terms.values()))
    assert tp.circuit.metadata["physical_qubits"] == list(phys)


def test_given_layout_is_checked():
    net = two_site_network()  # 2 sites, 2 ancillas, 2 partners: p0-a0-s0-s1-a1-p1
    ok = (2, 3, 1, 4, 0, 5)
    tp = transpile_protocol(net, 1, coupling_map=line(6), basis_gates=BASIS, layout=ok)
    assert tp.physical_qubits == ok and tp.layout is None
    with pytest.raises(InputValueError, match=r"does not couple site 0 \(qubit 0\) and site 1 \(qubit 3\)"):
        transpile_protocol(net, 1, coupling_map=line(6), basis_gates=BASIS, layout=(0, 3, 1, 4, 2, 5))
    with pytest.raises(InputValueError, match="layout must be 6 distinct physical qubits"):
        transpile_protocol(net, 1, coupling_map=line(6), basis_gates=BASIS, layout=(0, 1, 2))
    with pytest.raises(InputTypeError, match="layout must be a sequence"):
        transpile_protocol(net, 1, coupling_map=line(6), basis_gates=BASIS, layout="012345")


def test_network_too_large_is_refused():
    net = chain_network()  # 7 qubits
    with pytest.raises(InputValueError, match=r"network needs 7 qubits .* the device has 6 usable ones"):
        transpile_protocol(net, 1, coupling_map=line(6), basis_gates=BASIS)


def star_network(small: bool = False) -> ch.CollisionNetwork:
    """Site 0 meets site 1 and three ancillas (degree 4: neither a line nor heavy-hex has it), or two if ``small``."""
    step = [
        ch.Interaction((0, 1), ch.partial_swap(0.4)),
        ch.Collision("hot", 0, ch.partial_swap(0.3)),
        ch.Collision("cold", 0, CNOT),
    ]
    if not small:
        step += [ch.Collision("hot", 0, ch.partial_swap(0.3)), ch.Collision("cold", 1, ch.partial_swap(0.2))]
    reservoirs = {"hot": ch.Reservoir(1.0, 0.5, 0.2), "cold": ch.Reservoir(0.5, 0.3, 1.0)}
    return ch.CollisionNetwork(sites=2, omega=1.0, reservoirs=reservoirs, step=step)


def test_a_graph_that_does_not_embed_is_routed_and_still_exact():
    """The routed step restores the sites, so repeating it is the core's step map (noiseless, 1e-12)."""
    net = star_network(small=True)  # site 0 has degree 3 on a line of 6 qubits
    tp = transpile_protocol(net, 2, coupling_map=line(6), basis_gates=BASIS)
    assert tp.layout.routed and tp.layout.cost_terms["swaps"] > 0 and tp.layout.candidates == 0
    ideal = NoisyCollisionMap.from_transpiled(tp, noisy=False)
    assert np.abs(ideal.superoperator - step_map(net).superoperator).max() < MAP_TOLERANCE
    traj = ch.simulate(net, 2)
    prediction = ideal.trajectory(2)
    for name in net.reservoir_names:
        assert np.abs(prediction.currents[name] - traj.currents[name]).max() < MAP_TOLERANCE


def test_routing_avoids_t2_above_2t1():
    backend = resolve_backend("fake_hanoi")
    tp = transpile_protocol(star_network(), 1, backend)
    assert tp.layout.routed
    assert dephasing_inconsistent_qubits(backend.target).isdisjoint(tp.active_qubits)
    assert tp.scheduled and tp.step_duration > 0


# --------------------------------------------------------------------------- bad input


def test_bad_input_is_refused_with_its_name():
    net = two_site_network()
    no_collision = ch.CollisionNetwork(2, 1.0, {"r": ch.Reservoir(1.0, 0.0, 0.0)}, [ch.Interaction((0, 1), CNOT)])
    with pytest.raises(InputValueError, match="no Collision"):
        hardware_circuit(no_collision, 2)
    with pytest.raises(InputValueError, match="initial_state must be a label or a pure state"):
        hardware_circuit(net, 2, initial_state=np.eye(4) / 4)
    with pytest.raises(InputValueError, match="n_collisions"):
        hardware_circuit(net, 0)
    with pytest.raises(InputValueError, match="encoding"):
        hardware_circuit(net, 2, encoding="upside_down")
    tp = transpile_protocol(net, 2, coupling_map=line(6), basis_gates=BASIS, initial_state="00")
    with pytest.raises(InputValueError, match="transpiled prepares initial_state '00', not '11'"):
        estimate_heat_currents(net, 2, backend="fake_guadalupe", shots=10, transpiled=tp)
    with pytest.raises(InputValueError, match="n_collisions = 2, not 3"):
        estimate_heat_currents(net, 3, backend="fake_guadalupe", shots=10, transpiled=tp, initial_state="00")
    model_tp = transpile_protocol(
        ch.CollisionModel(0.3, 0.3, ch.Reservoir(1.0, 0.0, 0.0), ch.Reservoir(1.0, 0.0, 0.0)),
        2,
        coupling_map=line(6),
        basis_gates=BASIS,
    )
    with pytest.raises(InputTypeError, match="transpiled must be a TranspiledNetworkProtocol"):
        estimate_heat_currents(net, 2, backend="fake_guadalupe", shots=10, transpiled=model_tp)
    with pytest.raises(InputTypeError, match="transpiled must be a TranspiledProtocol of the paper's model"):
        aer_reference(tp)
    with pytest.raises(InputTypeError, match="sampler must be a qiskit BaseSamplerV2"):
        estimate_heat_currents(net, 2, shots=10, sampler="aer")
    ideal = NoisyNetworkMap.from_transpiled(tp, noisy=False)
    with pytest.raises(InputValueError, match="currents must map every reservoir"):
        ideal.chi_square({"hot": np.zeros(2)}, 10)
    with pytest.raises(InputValueError, match=r"readout must be 2 2x2 assignment matrices"):
        NoisyNetworkMap.from_transpiled(tp, noisy=False, readout=np.eye(2))


# --------------------------------------------------------------------------- shots


def _in_band(chi2: float, dof: int) -> bool:
    lo, hi = chi2_distribution.ppf([(1 - BAND) / 2, (1 + BAND) / 2], dof)
    return lo <= chi2 <= hi


def test_ideal_shots_agree_with_the_core():
    """Noiseless sampling of the logical circuit against the exact step map's per-shot statistics."""
    net = chain_network()
    n, shots = 3, 2000
    est = estimate_heat_currents(net, n, shots=shots, seed=11)
    tp = transpile_protocol(net, n, coupling_map=own_graph(net), basis_gates=BASIS)
    chi2, dof, _ = NoisyCollisionMap.from_transpiled(tp, noisy=False).chi_square(est.currents, shots)
    assert dof == 2 * n
    assert _in_band(chi2, dof), chi2
    assert est.bits.shape == (2, shots, n)


def test_device_shots_agree_with_the_noisy_prediction():
    """fake_guadalupe, asymmetric readout in both the sampler's noise model and the prediction."""
    backend = resolve_backend("fake_guadalupe")
    net = two_site_network()
    n, shots = 3, 2000
    tp = transpile_protocol(net, n, backend)
    noisy = noisy_collision_map(net, backend, layout=tp.physical_qubits)
    assert isinstance(noisy, NoisyNetworkMap) and noisy.noisy
    assert np.abs(noisy.superoperator - step_map(net).superoperator).max() > 1e-3  # the device is noisy
    est = estimate_heat_currents(net, n, backend=backend, shots=shots, seed=5, transpiled=tp)
    chi2, dof, _ = noisy.chi_square(est.currents, shots)
    assert _in_band(chi2, dof), chi2
    mitigated = estimate_heat_currents(net, n, backend=backend, shots=shots, seed=6, transpiled=tp, mitigate_readout=True)
    chi2, dof, _ = noisy.chi_square(mitigated.currents, shots, mitigated=True)
    assert _in_band(chi2, dof), chi2


@pytest.mark.slow  # a 3-site noisy map: 64 density-matrix runs of 7 noisy qubits (~10 s of CPU)
def test_runtime_sampler_in_local_mode_runs_a_network():
    """qiskit-ibm-runtime's SamplerV2 in local testing mode (fake.run: asymmetric readout, raw T1/T2 delays).

    fake_hanoi has qubits with T2 > 2 T1, on whose scheduled delays the runtime's simulator
    raises NoiseError; the network's layout avoids them, and the shots agree with the
    package's noisy prediction (device readout).
    """
    import warnings

    from qiskit_ibm_runtime import SamplerV2

    backend = resolve_backend("fake_hanoi")
    net = chain_network()
    n, shots = 2, 1000
    tp = transpile_protocol(net, n, backend)
    with warnings.catch_warnings():  # deprecated since runtime 0.50, still the documented local-mode sampler
        warnings.simplefilter("ignore", DeprecationWarning)
        sampler = SamplerV2(mode=backend)
    sampler.options.simulator.seed_simulator = 3
    est = estimate_heat_currents(net, n, backend=backend, shots=shots, sampler=sampler, transpiled=tp)
    chi2, dof, _ = NoisyCollisionMap.from_transpiled(tp, backend).chi_square(est.currents, shots)
    assert _in_band(chi2, dof), chi2


@pytest.mark.slow  # 16 noisy density-matrix runs of the 10+ qubits a routed step touches
def test_routed_device_shots_agree_with_the_noisy_prediction():
    """A routed step on fake_guadalupe: shots against the noisy map of the same routed block."""
    backend = resolve_backend("fake_guadalupe")
    net = star_network()
    n, shots = 2, 2000
    tp = transpile_protocol(net, n, backend)
    assert tp.layout.routed
    est = estimate_heat_currents(net, n, backend=backend, shots=shots, seed=8, transpiled=tp)
    chi2, dof, _ = NoisyCollisionMap.from_transpiled(tp, backend).chi_square(est.currents, shots)
    assert _in_band(chi2, dof), chi2
