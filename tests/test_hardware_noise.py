"""The 16x16 noisy collision map: ideal limit, agreement with full Aer density-matrix runs, shot statistics."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from qiskit.circuit import QuantumCircuit

import circuitheat as ch
from circuitheat.channel import Channel
from circuitheat.hardware import ENCODINGS, NoisyCollisionMap, aer_reference, resolve_backend, transpile_protocol
from circuitheat.hardware.simulators import device_noise_model, device_simulator

#: Two computations of the same exact quantity that differ by rounding only (16x16 inversions, Aer's float64).
ROUNDING = 1e-12
#: The issue's bar for the map against the noisy Aer run of the same circuit.
MAP_VS_AER = 1e-8
#: Trace lost per collision by Aer's device noise (it drops error terms of probability < 1e-10,
#: NoisyCollisionMap.trace_defect); a CPTP check can be no tighter than this.
TRACE_DEFECT_BOUND = 1e-8


def reversal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


@pytest.fixture(scope="module")
def guadalupe():
    return resolve_backend("fake_guadalupe")  # 16 qubits: its noise model builds in ~1 s


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_noiseless_map_is_the_exact_channel(guadalupe, encoding):
    """Invariant: transpiled block + noiseless Aer = Phi of Eq. (8) (checks layout, basis order, encoding)."""
    model = reversal_model(0.7)
    tp = transpile_protocol(model, 6, guadalupe, encoding=encoding)
    ideal = NoisyCollisionMap.from_transpiled(tp, noisy=False)
    np.testing.assert_allclose(ideal.superoperator, Channel.from_model(model).superoperator, atol=ROUNDING)
    exact = ch.simulate(model, 6)
    pred = ideal.trajectory(6)
    np.testing.assert_allclose(pred.heat_hot, exact.heat_hot, atol=ROUNDING)
    np.testing.assert_allclose(pred.heat_cold, exact.heat_cold, atol=ROUNDING)
    np.testing.assert_allclose(pred.system_states, exact.system_states, atol=ROUNDING)
    ref = aer_reference(tp, noisy=False)
    np.testing.assert_allclose(ref.heat_hot, exact.heat_hot, atol=ROUNDING)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_noisy_map_reproduces_the_noisy_aer_run(guadalupe, encoding):
    """The map, propagated, equals the whole transpiled circuit on AerSimulator.from_backend (density matrix)."""
    model = reversal_model(np.pi / 4)
    n = 8
    tp = transpile_protocol(model, n, guadalupe, encoding=encoding)
    nmap = NoisyCollisionMap.from_transpiled(tp, guadalupe)
    pred, ref = nmap.trajectory(n), aer_reference(tp, guadalupe)
    for name in ("heat_hot", "heat_cold", "heat_hot_mitigated", "heat_cold_mitigated", "system_states"):
        np.testing.assert_allclose(getattr(pred, name), getattr(ref, name), atol=MAP_VS_AER, err_msg=name)
    # and the noise is visible: the device differs from the exact trajectory by far more than that
    assert np.max(np.abs(pred.heat_hot - ch.simulate(model, n).heat_hot)) > 1e-3


def test_noisy_map_is_a_channel_and_instruments_add_up(guadalupe):
    model = reversal_model(0.3)
    nmap = NoisyCollisionMap.from_transpiled(transpile_protocol(model, 1, guadalupe), guadalupe)
    # Choi matrix (reshuffled superoperator) positive semidefinite: completely positive
    choi = nmap.superoperator.reshape(4, 4, 4, 4).transpose(0, 2, 1, 3).reshape(16, 16)
    assert np.linalg.eigvalsh(0.5 * (choi + choi.conj().T))[0] > -TRACE_DEFECT_BOUND
    assert nmap.trace_defect < TRACE_DEFECT_BOUND
    np.testing.assert_allclose(nmap.instruments.sum(axis=(0, 1)), nmap.superoperator, atol=ROUNDING)
    np.testing.assert_allclose(nmap.true_instruments.sum(axis=(0, 1)), nmap.superoperator, atol=ROUNDING)
    rho, currents = nmap.steady_state()
    np.testing.assert_allclose((nmap.superoperator @ rho.reshape(16)).reshape(4, 4), rho, atol=TRACE_DEFECT_BOUND)
    assert np.trace(rho).real == pytest.approx(1.0, abs=ROUNDING)
    # long trajectories settle on the fixed point's current
    assert nmap.trajectory(400).heat_hot[-1] == pytest.approx(currents["heat_hot"], abs=1e-9)


def test_readout_mitigation_inverts_the_readout_error(guadalupe):
    """Invariant: mitigated predictions = predictions from the ancillas' true outcomes (no readout error)."""
    model = reversal_model(0.9)
    nmap = NoisyCollisionMap.from_transpiled(transpile_protocol(model, 1, guadalupe), guadalupe)
    assert nmap.readout_hot[1, 0] > 0  # the device has readout error
    import dataclasses

    perfect = dataclasses.replace(nmap, instruments=nmap.true_instruments, readout_hot=np.eye(2), readout_cold=np.eye(2))
    a, b = nmap.trajectory(5), perfect.trajectory(5)
    np.testing.assert_allclose(a.heat_hot_mitigated, b.heat_hot, atol=ROUNDING)
    np.testing.assert_allclose(a.heat_cold_mitigated, b.heat_cold, atol=ROUNDING)
    # raw: shrunk by (1 - e0 - e1) around the offset, exactly as the affine readout map says
    e0, e1 = nmap.readout_hot[1, 0], nmap.readout_hot[0, 1]
    energy = model.hot.energy
    s = -1  # "ground_is_0": the ancilla energy is -(omega/2) z
    expected_raw = (1 - e0 - e1) * (b.heat_hot + energy) + 0.5 * model.omega * s * (e1 - e0) - energy
    np.testing.assert_allclose(a.heat_hot, expected_raw, atol=ROUNDING)


def test_tail_statistics_match_brute_force_enumeration(guadalupe):
    """The O(n) recursion for mean and per-shot variance equals summing over all 2^n recorded sequences."""
    model = reversal_model(0.6)
    nmap = NoisyCollisionMap.from_transpiled(transpile_protocol(model, 1, guadalupe), guadalupe)
    n, k0 = 5, 2
    bits_hot = nmap.instruments.sum(axis=1)  # B_r of the hot bit, cold outcome summed
    values = nmap.shot_values("hot")
    trace = np.eye(4).reshape(16)
    moments = np.zeros(2)
    for seq in itertools.product((0, 1), repeat=n):
        v = nmap.initial_state.reshape(16)
        for r in seq:
            v = bits_hot[r] @ v
        prob = float((trace @ v).real)
        tail_mean = np.mean([values[r] for r in seq[k0 - 1 :]])
        moments += prob * np.array([tail_mean, tail_mean**2])
    stats = nmap.tail_statistics(n, k0)
    assert stats.mean == pytest.approx(moments[0], abs=ROUNDING)
    assert stats.shot_std == pytest.approx(np.sqrt(moments[1] - moments[0] ** 2), abs=ROUNDING)
    assert stats.mean == pytest.approx(nmap.trajectory(n).heat_hot[k0 - 1 :].mean(), abs=ROUNDING)
    assert stats.shots_for_sign(3.0) == pytest.approx((3 * stats.shot_std / stats.mean) ** 2)


def test_restricted_noise_model_is_identical(guadalupe):
    """device_simulator(qubits=...) keeps only the errors of those qubits: same result as the full model."""
    qc = QuantumCircuit(guadalupe.num_qubits)
    qc.sx(1)
    qc.cx(1, 4)
    qc.delay(800, 4, unit="dt")
    qc.reset(1)
    qc.x(4)
    qc.save_density_matrix([1, 4])
    from qiskit_aer import AerSimulator

    full = AerSimulator(method="density_matrix", noise_model=device_noise_model(guadalupe))
    part = device_simulator(guadalupe, "density_matrix", qubits=(1, 4))
    a = np.asarray(full.run(qc).result().data(0)["density_matrix"])
    b = np.asarray(part.run(qc).result().data(0)["density_matrix"])
    np.testing.assert_array_equal(a, b)
    assert abs(a[0, 0] - 0.0) > 1e-4  # noise did act (x after reset would give |1><1| exactly)


@pytest.mark.slow
def test_torino_map_agrees_and_its_trace_defect_is_explained():
    """fake_torino (133 qubits): map vs Aer to 1e-8 over 30 collisions, and the known ~1e-9 trace loss.

    Aer drops the terms of a QuantumError with probability < 1e-10; on fake_torino's CZ between
    qubits 68 and 69 these are 60 of 144 terms, 1.2995e-9 in total, so the simulated state loses
    trace. Both predictions normalise outcome probabilities (counts always do), so they agree.
    """
    torino = resolve_backend("fake_torino")
    model = reversal_model(np.pi / 2)
    tp = transpile_protocol(model, 30, torino)
    nmap = NoisyCollisionMap.from_transpiled(tp, torino)
    pred, ref = nmap.trajectory(30), aer_reference(tp, torino)
    np.testing.assert_allclose(pred.heat_hot, ref.heat_hot, atol=MAP_VS_AER)
    np.testing.assert_allclose(pred.heat_cold, ref.heat_cold, atol=MAP_VS_AER)
    np.testing.assert_allclose(pred.system_states, ref.system_states, atol=MAP_VS_AER)
    # Aer simulates only the six active qubits of the 133-qubit circuit (idle delays were stripped)
    sim = device_simulator(torino, "density_matrix", tp.physical_qubits)
    qc = tp.circuit.remove_final_measurements(inplace=False)
    meta = sim.run(qc, shots=1, seed_simulator=1).result().results[0].metadata
    assert sorted(meta["active_input_qubits"]) == sorted(tp.physical_qubits)
    error = device_noise_model(torino)._local_quantum_errors["cz"][(68, 69)]
    probs = np.array(error.probabilities)
    assert probs[probs < 1e-10].sum() == pytest.approx(1.2995e-9, rel=1e-3)
    if {68, 69} <= set(tp.physical_qubits):
        assert 1e-10 < nmap.trace_defect < TRACE_DEFECT_BOUND


def test_shot_covariance_matches_brute_force_enumeration(guadalupe):
    """shot_moments: mean and covariance of (J_h(1..n), J_c(1..n)) per shot = sum over all 4^n joint records."""
    model = reversal_model(0.6)
    nmap = NoisyCollisionMap.from_transpiled(transpile_protocol(model, 1, guadalupe), guadalupe)
    n = 3
    f_hot, f_cold = nmap.shot_values("hot"), nmap.shot_values("cold")
    trace = np.eye(4).reshape(16)
    first, second = np.zeros(2 * n), np.zeros((2 * n, 2 * n))
    for seq in itertools.product(range(4), repeat=n):  # outcome o = 2 r_h + r_c per collision
        v = nmap.initial_state.reshape(16)
        for o in seq:
            v = nmap.instruments[o // 2, o % 2] @ v
        prob = float((trace @ v).real)
        x = np.array([f_hot[o // 2] for o in seq] + [f_cold[o % 2] for o in seq])
        first += prob * x
        second += prob * np.outer(x, x)
    mean, cov = nmap.shot_moments(n)
    np.testing.assert_allclose(mean, first, atol=ROUNDING)
    np.testing.assert_allclose(cov, second - np.outer(first, first), atol=ROUNDING)
    assert np.abs(cov[0, 1]) > 1e-4  # collisions of one shot are correlated: the naive sum of z^2 is not chi^2
    chi2, dof, sum_z2 = nmap.chi_square(mean[:n], mean[n:], 100)
    assert (chi2, dof, sum_z2) == (0.0, 2 * n, 0.0)
