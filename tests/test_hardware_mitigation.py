"""Error mitigation of the dynamic device protocol: folding, DD, twirling, extrapolation, shots. All seeded.

Reference values: exact currents from the direct engine (Eqs. 8-11); device predictions
from the noisy 16x16 maps, which reproduce a full Aer density-matrix run to 1e-15
(tests/test_hardware_noise.py), so a variant's prediction is exact for its circuit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.hardware import NoisyCollisionMap, resolve_backend, transpile_protocol
from circuitheat.hardware.mitigation import (
    MITIGATIONS,
    estimate_mitigated_current,
    extrapolation_coefficients,
    fold_block,
    format_mitigation_table,
    mitigated_blocks,
    mitigation_study,
    schedule_block,
)
from circuitheat.hardware.observability import thermal_control

#: Ideal maps of circuits that differ only by inserted identities (folds, Pauli frames,
#: DD pairs) agree to float rounding of 16 density-matrix runs.
IDEAL_EQUAL = 1e-10
#: Shot estimates agree with their exact expectation within this many standard errors
#: (false alarm 6e-5 per comparison; the seeds fix the outcome).
SIGMAS = 4.0


def signal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """Fig. 3's reversal: T_h = 2, T_c = 1, p = 0.8, phi_h - phi_c = 5pi/4, delta = pi/4."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


def control_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """Its thermal control (p = 0)."""
    return thermal_control(signal_model(gamma))


#: Technique sets of the fast study: raw, readout alone, all but DD, all four.
STUDIED = ((), ("readout",), ("readout", "twirl", "zne"), MITIGATIONS)


@pytest.fixture(scope="module")
def guadalupe():
    return resolve_backend("fake_guadalupe")  # 16 qubits: its noise model builds in ~1 s


@pytest.fixture(scope="module")
def protocol(guadalupe):
    return transpile_protocol(signal_model(), 4, guadalupe)


@pytest.fixture(scope="module")
def signal_study(guadalupe):
    """Exact predictions for the reversal at gamma = pi/2, n = 4 (tail 3..4), two twirl randomisations."""
    return mitigation_study(signal_model(), guadalupe, n_collisions=4, num_twirls=2, technique_sets=STUDIED)


def _two_qubit(block) -> int:
    return sum(1 for inst in block.data if inst.operation.num_qubits == 2 and inst.operation.name != "barrier")


def _ideal(tp, block) -> np.ndarray:
    import dataclasses

    return NoisyCollisionMap.from_transpiled(dataclasses.replace(tp, block=block), noisy=False).superoperator


def test_extrapolation_coefficients():
    """Linear through (1, 3): J(0) = 1.5 J(1) - 0.5 J(3); Richardson through (1, 3, 5): (15, -10, 3)/8."""
    np.testing.assert_allclose(extrapolation_coefficients((1, 3)), [1.5, -0.5], atol=1e-14)
    np.testing.assert_allclose(extrapolation_coefficients((1, 3, 5), "richardson"), [15 / 8, -10 / 8, 3 / 8], atol=1e-14)
    lin = extrapolation_coefficients((1, 3, 5))
    assert abs(lin.sum() - 1) < 1e-14 and abs(lin @ np.array([1, 3, 5])) < 1e-13  # exact for a line
    with pytest.raises(ValueError, match=r"unknown method 'cubic'; valid: 'linear', 'richardson'"):
        extrapolation_coefficients((1, 3), "cubic")
    with pytest.raises(ValueError, match="scales must be distinct"):
        extrapolation_coefficients((1, 1))


def test_folding_scales_the_gates_and_keeps_the_channel(guadalupe, protocol):
    """G (G^dagger G): 3x the two-qubit gates, same resets and measurements, same ideal map."""
    tp = protocol
    folded = fold_block(tp.block, 3, guadalupe.target)
    ops, base = folded.count_ops(), tp.block.count_ops()
    assert _two_qubit(folded) == 3 * _two_qubit(tp.block)
    assert ops["reset"] == base["reset"] and ops["measure"] == base["measure"]
    scheduled = schedule_block(folded, guadalupe.target)
    assert np.max(np.abs(_ideal(tp, scheduled) - _ideal(tp, tp.block))) < IDEAL_EQUAL
    with pytest.raises(ValueError, match="scale must be odd"):
        fold_block(tp.block, 2, guadalupe.target)


def test_rescheduling_reproduces_the_transpiled_block(guadalupe, protocol):
    """The unmitigated block, re-scheduled ALAP with the target's durations, has the same noisy map."""
    import dataclasses

    tp = protocol
    again = mitigated_blocks(tp, guadalupe, ())[1][0]
    a = NoisyCollisionMap.from_transpiled(tp, guadalupe).superoperator
    b = NoisyCollisionMap.from_transpiled(dataclasses.replace(tp, block=again), guadalupe).superoperator
    assert np.max(np.abs(a - b)) < 1e-14


def test_dd_twirl_and_stretch_keep_the_ideal_channel(guadalupe, protocol):
    """DD adds X pairs on the system qubits only; twirls and idle stretching leave the ideal map unchanged."""
    tp = protocol
    system = {tp.physical_qubits[0], tp.physical_qubits[1]}
    dd = mitigated_blocks(tp, guadalupe, ("dd",))[1][0]
    added = dd.count_ops().get("x", 0) - tp.block.count_ops().get("x", 0)
    x_qubits = {dd.find_bit(inst.qubits[0]).index for inst in dd.data if inst.operation.name == "x"}
    assert added > 0 and added % 2 == 0 and system <= x_qubits
    blocks = mitigated_blocks(tp, guadalupe, ("twirl", "dd", "zne"), num_twirls=2, seed=3)
    assert sorted(blocks) == [1, 3] and all(len(v) == 2 for v in blocks.values())
    reference = _ideal(tp, tp.block)
    for variants in blocks.values():
        for block in variants:
            assert np.max(np.abs(_ideal(tp, block) - reference)) < IDEAL_EQUAL
    # the stretched idle: the system qubits wait lam times as long as in the original block (to the DD pulses)
    plain = mitigated_blocks(tp, guadalupe, ("zne",))
    idle = [_idle(plain[1][0], q) for q in system]
    stretched = [_idle(plain[3][0], q) for q in system]
    assert all(abs(s - 3 * i) <= 0.02 * 3 * i for s, i in zip(stretched, idle, strict=True))


def _idle(block, qubit: int) -> int:
    q = block.qubits[qubit]
    return sum(inst.operation.duration for inst in block.data if inst.operation.name == "delay" and q in inst.qubits)


def test_mitigation_study_shrinks_the_bias(guadalupe, signal_study):
    """Exact predictions (no shots), fake_guadalupe, gamma = pi/2: mitigation shrinks |bias|; ZNE costs ~4x.

    Predicted (no shots; fake_guadalupe's T1 is short, so the raw bias is large): raw 0.031,
    readout 0.019, readout + twirl + ZNE 0.0003, all four 0.008 (DD symmetrises the idle T1
    decay, module docstring of circuitheat.hardware.mitigation).
    """
    study = signal_study
    exact = ch.simulate(signal_model(), 4).heat_hot[2:].mean()  # tail 3..4 (default: the second half)
    assert study.tail_start == 3 and abs(study.exact - exact) < 1e-14
    none, readout, no_dd, every = (study.result(t) for t in STUDIED)
    assert none.cost == 1.0 and abs(none.bias) > 0.02
    assert abs(readout.bias) < abs(none.bias) and abs(every.bias) < abs(none.bias)
    assert abs(no_dd.bias) < 0.1 * abs(none.bias)
    # linear ZNE with N_i ~ |c_i|: cost = (1.5 + 0.5) (1.5 s1^2 + 0.5 s3^2) / s0^2 ~ 4
    assert 3.5 < every.cost < 6.0 and every.label == "all" and no_dd.label == "readout+twirl+zne"
    text = format_mitigation_table([study])
    assert "fake_guadalupe" in text and "coherent p = 0.8" in text and "π/2" in text
    with pytest.raises(ValueError, match=r"unknown technique 'pec'"):
        mitigation_study(signal_model(), guadalupe, technique_sets=(("pec",),))


def test_mitigated_shots_agree_with_the_prediction(guadalupe, protocol, signal_study):
    """All four techniques from 4000 seeded Aer shots vs the exact mitigated prediction, within 4 sigma."""
    est = estimate_mitigated_current(signal_model(), 4, guadalupe, shots=4000, seed=5, num_twirls=2, transpiled=protocol)
    assert est.techniques == MITIGATIONS and sorted(est.scale_values) == [1, 3]
    # shots split 3:1 between lam = 1 and lam = 3 (|c| = 1.5, 0.5)
    assert est.scale_values[1][2] == 3000 and est.scale_values[3][2] == 1000
    predicted = signal_study.result(MITIGATIONS)
    assert abs(est.value - predicted.mean) < SIGMAS * est.stderr
    # the standard error matches the predicted per-shot spread of the combined estimator (within 15%)
    assert abs(est.stderr * math.sqrt(est.shots) / predicted.shot_std - 1) < 0.15


@pytest.mark.slow
def test_mitigated_shots_remove_the_control_bias_on_torino():
    """fake_torino, gamma = pi/2 control: raw shots are biased at > 3 sigma; all four techniques are not.

    Predicted (README table): raw bias +0.0095, all techniques 0.0013 (per-shot std 0.25 and
    0.51): with 20000 raw shots the raw bias is ~5 standard errors, with 12000 mitigated shots
    the residual is ~0.3.
    """
    torino = resolve_backend("fake_torino")
    model, n = control_model(), 8
    exact = ch.simulate(model, n).heat_hot[n // 2 :].mean()
    tp = transpile_protocol(model, n, torino)
    raw = estimate_mitigated_current(model, n, torino, shots=20000, seed=7, techniques=(), transpiled=tp)
    every = estimate_mitigated_current(model, n, torino, shots=12000, seed=8, num_twirls=4, transpiled=tp)
    assert abs(raw.value - exact) > 3 * raw.stderr
    assert abs(every.value - exact) < 3 * every.stderr
    assert abs(every.value - exact) < abs(raw.value - exact)
