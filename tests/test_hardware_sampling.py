"""Shot-based heat currents through SamplerV2: ideal Aer, fake-device noise, runtime local mode. All seeded."""

from __future__ import annotations

import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.hardware import (
    ENCODINGS,
    NoisyCollisionMap,
    estimate_heat_currents,
    heat_currents_from_bits,
    resolve_backend,
    transpile_protocol,
)
from circuitheat.hardware.sampling import device_sampler

#: Shot estimates must agree with their expectation within this many standard errors
#: (the issue's bar; per comparison a false alarm has probability 6e-5, and seeds fix it).
SIGMAS = 4.0
#: A collision whose outcome is deterministic has a zero standard error; float rounding of
#: the mean of identical values is below this.
DETERMINISTIC = 1e-12


def reversal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


def assert_within(estimate: np.ndarray, stderr: np.ndarray, expected: np.ndarray, what: str) -> None:
    deviation = np.abs(np.asarray(estimate) - np.asarray(expected))
    bound = SIGMAS * np.asarray(stderr) + DETERMINISTIC
    assert np.all(deviation <= bound), f"{what}: |estimate - expected| / stderr = {deviation / np.maximum(stderr, 1e-300)}"


@pytest.fixture(scope="module")
def guadalupe():
    return resolve_backend("fake_guadalupe")


@pytest.mark.parametrize(
    ("gamma", "encoding", "seed"), [(np.pi / 2, "ground_is_0", 11), (0.7, "excited_is_0", 12), (0.7, "ground_is_0", 13)]
)
def test_ideal_shots_agree_with_exact_values(gamma, encoding, seed):
    """Noiseless shots vs the exact trajectory (direct engine, Eqs. 8-11) within 4 sigma."""
    model = reversal_model(gamma)
    n = 6
    est = estimate_heat_currents(model, n, shots=3000, seed=seed, encoding=encoding)
    exact = ch.simulate(model, n)
    assert_within(est.heat_hot, est.heat_hot_stderr, exact.heat_hot, "J_h(k)")
    assert_within(est.heat_cold, est.heat_cold_stderr, exact.heat_cold, "J_c(k)")
    k0 = est.tail_start
    assert k0 == n // 2 + 1
    assert_within(est.steady_hot, est.steady_hot_stderr, exact.heat_hot[k0 - 1 :].mean(), "tail J_h")
    assert_within(est.steady_cold, est.steady_cold_stderr, exact.heat_cold[k0 - 1 :].mean(), "tail J_c")
    assert est.backend_name == "aer_ideal" and est.hot_bits.shape == (3000, n)
    # seeded: the same seed gives the same shots
    again = estimate_heat_currents(model, n, shots=3000, seed=seed, encoding=encoding)
    np.testing.assert_array_equal(again.hot_bits, est.hot_bits)


def test_device_shots_agree_with_the_noise_map_prediction(guadalupe):
    """Shots on AerSimulator.from_backend(fake_guadalupe) vs the 16x16 noisy-map prediction within 4 sigma."""
    model = reversal_model(np.pi / 4)
    n = 6
    tp = transpile_protocol(model, n, guadalupe)
    pred = NoisyCollisionMap.from_transpiled(tp, guadalupe).trajectory(n)
    for mitigate, seed in ((False, 21), (True, 22)):
        est = estimate_heat_currents(model, n, backend=guadalupe, shots=2000, seed=seed, transpiled=tp, mitigate_readout=mitigate)
        expected_hot = pred.heat_hot_mitigated if mitigate else pred.heat_hot
        expected_cold = pred.heat_cold_mitigated if mitigate else pred.heat_cold
        assert_within(est.heat_hot, est.heat_hot_stderr, expected_hot, f"J_h(k), mitigated={mitigate}")
        assert_within(est.heat_cold, est.heat_cold_stderr, expected_cold, f"J_c(k), mitigated={mitigate}")
        assert est.physical_qubits == tp.physical_qubits and est.readout_mitigated is mitigate


def test_tail_standard_error_is_predicted_by_the_instruments(guadalupe):
    """The per-shot spread of the tail mean (correlations included) matches NoisyCollisionMap.tail_statistics."""
    model = reversal_model(0.5)
    n, k0, shots = 8, 3, 4000
    tp = transpile_protocol(model, n, guadalupe)
    stats = NoisyCollisionMap.from_transpiled(tp, guadalupe).tail_statistics(n, k0)
    est = estimate_heat_currents(model, n, backend=guadalupe, shots=shots, seed=31, transpiled=tp, tail_start=k0)
    measured_std = est.steady_hot_stderr * math.sqrt(shots)
    # the sample std of N values has relative standard error ~ 1/sqrt(2N)
    assert measured_std == pytest.approx(stats.shot_std, rel=SIGMAS / math.sqrt(2 * shots))
    assert_within(est.steady_hot, est.steady_hot_stderr, stats.mean, "tail mean")


def test_blocking_by_shot_is_honest_for_correlated_collisions():
    """Perfectly correlated collisions inside a shot: the tail error must not shrink with the tail length."""
    model = reversal_model()
    rng = np.random.default_rng(5)
    shots, n = 5000, 10
    per_shot = rng.integers(0, 2, size=(shots, 1))
    bits = np.repeat(per_shot, n, axis=1)  # every collision of a shot records the same bit
    est = heat_currents_from_bits(model, bits, bits, tail_start=1)
    single = est.heat_hot_stderr[0]
    assert est.steady_hot_stderr == pytest.approx(single, rel=1e-12)  # K copies carry the information of one
    # whereas treating the n*shots values as independent would claim sqrt(n) smaller
    values = 0.5 * model.omega * -1 * (1 - 2.0 * bits) - model.hot.energy
    naive = values.std(ddof=1) / math.sqrt(values.size)
    assert est.steady_hot_stderr / naive == pytest.approx(math.sqrt(n), rel=1e-3)


@pytest.mark.slow
def test_density_matrix_and_statevector_sampling_agree(guadalupe):
    """Both Aer methods sample the same outcome distribution (exact channel vs Kraus trajectories)."""
    model = reversal_model(np.pi / 4)
    n = 3
    tp = transpile_protocol(model, n, guadalupe)
    dm = estimate_heat_currents(model, n, backend=guadalupe, shots=400, seed=51, transpiled=tp, method="density_matrix")
    sv = estimate_heat_currents(model, n, backend=guadalupe, shots=400, seed=52, transpiled=tp, method="statevector")
    diff = np.abs(dm.heat_hot - sv.heat_hot)
    assert np.all(diff <= SIGMAS * np.hypot(dm.heat_hot_stderr, sv.heat_hot_stderr) + DETERMINISTIC)


def test_bad_input():
    model = reversal_model()
    with pytest.raises(ValueError, match="shots must be >= 2, got 1"):
        estimate_heat_currents(model, 3, shots=1)
    with pytest.raises(ValueError, match="must both have shape"):
        heat_currents_from_bits(model, np.zeros((4, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        heat_currents_from_bits(model, np.full((4, 3), 2), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="tail_start must be <= n_collisions = 3, got 4"):
        heat_currents_from_bits(model, np.zeros((4, 3)), np.zeros((4, 3)), tail_start=4)
    with pytest.raises(ValueError, match="unknown method 'mps'"):
        device_sampler(None, method="mps")
    with pytest.raises(TypeError, match="sampler must be a qiskit BaseSamplerV2"):
        estimate_heat_currents(model, 3, shots=10, sampler=object())
    assert set(ENCODINGS) == {"excited_is_0", "ground_is_0"}


def test_transpiled_protocol_must_match_the_call(guadalupe):
    """Issue 14: a protocol transpiled for initial state '00' is refused for a call meant for '11' (and n, model)."""
    model = reversal_model()
    tp = transpile_protocol(model, 3, guadalupe, initial_state="00")
    with pytest.raises(ValueError, match="transpiled prepares initial_state '00', not '11'"):
        estimate_heat_currents(model, 3, backend=guadalupe, shots=10, transpiled=tp)
    with pytest.raises(ValueError, match="transpiled has n_collisions = 3, not 4"):
        estimate_heat_currents(model, 4, backend=guadalupe, shots=10, transpiled=tp, initial_state="00")
    with pytest.raises(ValueError, match="transpiled has encoding 'ground_is_0', not 'excited_is_0'"):
        estimate_heat_currents(model, 3, backend=guadalupe, shots=10, transpiled=tp, encoding="excited_is_0")
    with pytest.raises(ValueError, match="transpiled was built for another model"):
        estimate_heat_currents(reversal_model(0.3), 3, backend=guadalupe, shots=10, transpiled=tp, initial_state="00")
    with pytest.raises(TypeError, match="transpiled must be a TranspiledProtocol, got str"):
        estimate_heat_currents(model, 3, backend=guadalupe, shots=10, transpiled="tp")
    # the same state given as a vector is the same protocol
    assert tp.matches(model, 3, "ground_is_0", np.array([1.0, 0.0, 0.0, 0.0])) is None
