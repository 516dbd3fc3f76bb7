"""The steady-state protocol at the paper's gamma = pi/32: preparation, stationarity, shots, the verdict. Seeded.

Reference values: rho* and J_h^steady from circuitheat.steady_state (exact fixed point of
Eq. 8's map; J_h^steady = +0.01223 at 5pi/4, -0.01010 at pi/4, -0.00052 for p = 0, the
values behind Eq. 32 at Delta T = 1); device predictions from the noisy 16x16 maps.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.hardware import NoisyCollisionMap, resolve_backend, transpile_protocol
from circuitheat.hardware.steady_protocol import (
    MAX_SHOTS,
    estimate_steady_protocol,
    paper_models,
    predict_steady_protocol,
    prepared_state,
    steady_mixture,
    steady_protocol_study,
)

#: Eigen-decomposition and the noiseless map reproduce rho* and J_h^steady to rounding.
EXACT = 1e-12
#: Shot estimates agree with their expectation within this many standard errors.
SIGMAS = 4.0


@pytest.fixture(scope="module")
def guadalupe():
    return resolve_backend("fake_guadalupe")


def test_paper_models_are_the_reversal_and_its_controls():
    """5pi/4 reverses the current, pi/4 does not, p = 0 does not (Eq. 32 at Delta T = 1; Fig. 3)."""
    models = paper_models()
    values = {name: ch.steady_state(m).heat_hot for name, m in models.items()}
    assert values["reversed"] == pytest.approx(0.012233, abs=1e-6)
    assert values["normal"] == pytest.approx(-0.010103, abs=1e-6)
    assert values["thermal"] == pytest.approx(-0.000524, abs=1e-6)
    assert models["thermal"].hot.coherence == 0 and models["reversed"].gamma == pytest.approx(math.pi / 32)


@pytest.mark.parametrize("name", ["reversed", "normal", "thermal"])
def test_mixture_reconstructs_the_steady_state(name):
    model = paper_models()[name]
    weights, vectors = steady_mixture(model)
    rho = np.einsum("i,ia,ib->ab", weights, vectors, vectors.conj())
    assert np.max(np.abs(rho - ch.steady_state(model).system_state)) < EXACT
    assert abs(weights.sum() - 1) < EXACT and np.all(np.diff(weights) <= 0)


def test_ideal_protocol_is_stationary_and_the_control_needs_too_many_shots(guadalupe):
    """Noiseless: J_h(k) = J_h^steady at every collision; the p = 0 sign needs > 1e5 shots even so.

    Shot noise alone: N = (3 sigma / |J|)^2 with the exact per-shot spread of the
    8-collision average (~0.17) and |J| = 5.2e-4 gives ~1e6 shots.
    """
    for name, model in paper_models().items():
        tp = transpile_protocol(model, 1, guadalupe)
        ideal = dataclasses.replace(
            NoisyCollisionMap.from_transpiled(tp, noisy=False), initial_state=ch.steady_state(model).system_state
        )
        exact = ch.steady_state(model).heat_hot
        np.testing.assert_allclose(ideal.trajectory(8).heat_hot, exact, atol=EXACT)
        stats = ideal.tail_statistics(8, 1)
        if name == "thermal":
            assert stats.shots_for_sign(3.0) > 5 * MAX_SHOTS
        else:
            assert stats.shots_for_sign(3.0) < 3000


def test_steady_protocol_shots_agree_with_the_prediction(guadalupe):
    """The reversed phase on fake_guadalupe: 3000 seeded shots vs the device prediction, per collision and on average."""
    model = paper_models()["reversed"]
    pred = predict_steady_protocol(model, guadalupe, n_collisions=4)
    # the device prepares rho* up to its preparation noise (one two-qubit gate per eigenvector)
    assert np.max(np.abs(pred.initial_state - ch.steady_state(model).system_state)) < 0.05
    est = estimate_steady_protocol(model, guadalupe, shots=3000, n_collisions=4, seed=31)
    assert est.shots == 3000 and est.tail_start == 1 and est.readout_mitigated
    assert np.all(np.abs(est.heat_hot - pred.heat_hot_mitigated) < SIGMAS * est.heat_hot_stderr)
    assert abs(est.steady_hot - pred.mean_mitigated) < SIGMAS * est.steady_hot_stderr


@pytest.mark.slow
def test_paper_reversal_verdict_on_torino():
    """fake_torino, gamma = pi/32, 8 collisions from rho*: reversal and phase sign change at 3 sigma within 1e5 shots;
    the thermal control is not (the device reads it positive, and a noiseless device would need ~1e6 shots)."""
    study = steady_protocol_study("fake_torino")
    assert study.shots("reversed") < 5000 and study.shots("normal") < 20000
    assert study.predictions["reversed"].mean_mitigated > 0 > study.predictions["normal"].mean_mitigated
    thermal = study.predictions["thermal"]
    assert thermal.exact_steady < 0 < thermal.mean_mitigated and math.isinf(study.shots("thermal"))
    assert study.shots("thermal", ideal=True) > 5 * MAX_SHOTS and not study.observable
    assert "not observable" in study.verdict()


def test_prepared_state_is_the_noise_map_initial_state(guadalupe):
    """One prefix run gives the same prepared state as the full noisy map (both encodings)."""
    model = paper_models()["thermal"]
    vector = steady_mixture(model)[1][0]
    for encoding in ("ground_is_0", "excited_is_0"):
        tp = transpile_protocol(model, 1, guadalupe, initial_state=vector, encoding=encoding)
        full = NoisyCollisionMap.from_transpiled(tp, guadalupe).initial_state
        assert np.max(np.abs(prepared_state(tp, guadalupe) - full / np.trace(full).real)) < EXACT
