"""The IBM client path, offline: qiskit-ibm-runtime's samplers in local testing mode on fake Heron and Eagle devices.

Two samplers simulate a fake backend differently (qiskit-ibm-runtime 0.51):

* ``qiskit_ibm_runtime.SamplerV2(mode=fake)`` (deprecated from 0.50) runs ``fake.run``,
  whose noise model is built from ``fake.properties()``: asymmetric readout, and delay
  relaxation from the raw T1, T2 (it raises ``NoiseError`` for a qubit with T2 > 2 T1,
  which the layout therefore avoids);
* ``qiskit_ibm_runtime.executor_sampler.Sampler(mode=fake)`` runs
  ``AerSamplerV2.from_backend(fake)``, i.e. ``NoiseModel.from_backend``: the target's
  symmetric readout error, T2 capped at 2 T1.

Gates, resets and delays are the same in both and in the package's own device model, so
the package predicts each with :class:`NoisyCollisionMap` and the matching readout:
the device's assignment matrices for the first, the target's symmetric ones for the
second. Agreement is judged by the chi-square of all 2n per-collision estimates against
the prediction, with the exact per-shot covariance (``NoisyCollisionMap.chi_square``),
inside its two-sided 99 % band.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.stats import chi2 as chi2_distribution

import circuitheat as ch
from circuitheat.circuits import COLD, HOT
from circuitheat.hardware import (
    NoisyCollisionMap,
    assignment_matrices,
    bits_from_result,
    estimate_heat_currents,
    heat_currents_from_bits,
    resolve_backend,
    transpile_protocol,
)
from circuitheat.hardware.sampling import _is_ibm_backend
from circuitheat.hardware.transpile import dephasing_inconsistent_qubits

#: Two-sided band of the chi-square statistic: a correct prediction falls outside with
#: probability 1 % per comparison (seeded, so the outcome is fixed).
BAND = 0.99
#: The study's gammas (README table), delta = pi/4.
GAMMAS = (np.pi / 32, np.pi / 4, np.pi / 2)


def reversal_model(gamma: float) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


def runtime_sampler(kind: str, backend, seed: int):
    """A runtime sampler in local testing mode (no account, no network), seeded."""
    if kind == "SamplerV2":
        from qiskit_ibm_runtime import SamplerV2

        with warnings.catch_warnings():  # deprecated since 0.50, still what most users run
            warnings.simplefilter("ignore", DeprecationWarning)
            sampler = SamplerV2(mode=backend)
    else:
        from qiskit_ibm_runtime.executor_sampler import Sampler

        sampler = Sampler(mode=backend)
    sampler.options.simulator.seed_simulator = seed
    return sampler


def predicted_readout(kind: str, backend, tp) -> np.ndarray | None:
    """The readout each sampler simulates: the device's (None = default) or the target's symmetric one."""
    if kind == "SamplerV2":
        return None
    return assignment_matrices(backend.target, [tp.physical_qubits[HOT], tp.physical_qubits[COLD]])


def assert_in_band(nmap: NoisyCollisionMap, est, what: str) -> tuple[float, int, float]:
    chi2, dof, sum_z2 = nmap.chi_square(est.heat_hot, est.heat_cold, est.shots)
    low, high = chi2_distribution.ppf((1 - BAND) / 2, dof), chi2_distribution.ppf((1 + BAND) / 2, dof)
    assert low <= chi2 <= high, f"{what}: chi2 = {chi2:.1f} outside [{low:.1f}, {high:.1f}] ({dof} dof; sum z^2 = {sum_z2:.1f})"
    return chi2, dof, sum_z2


def test_runtime_sampler_v2_through_estimate_heat_currents():
    """The reported failure (NoiseError: T_2 greater than 2*T_1) is gone, and the shots agree with the prediction.

    fake_hanoi (27 qubits, so the runtime's full-device noise model builds in seconds) has
    five qubits with T2 > 2 T1 (2, 5, 10, 11, 13); fake_torino (qubit 65) is in the slow test.
    """
    backend = resolve_backend("fake_hanoi")
    assert dephasing_inconsistent_qubits(backend.target) == {2, 5, 10, 11, 13}
    model = reversal_model(np.pi / 2)
    n, shots = 3, 400
    tp = transpile_protocol(model, n, backend)
    assert dephasing_inconsistent_qubits(backend.target).isdisjoint(tp.physical_qubits)
    sampler = runtime_sampler("SamplerV2", backend, 5)
    est = estimate_heat_currents(model, n, backend=backend, shots=shots, sampler=sampler)
    assert est.physical_qubits == tp.physical_qubits  # same automatic layout as the prediction's
    assert_in_band(NoisyCollisionMap.from_transpiled(tp, backend), est, "SamplerV2 local mode, fake_hanoi")


def test_executor_sampler_in_local_mode_is_seeded_and_agrees():
    """The client-side sampler (runtime >= 0.50) through estimate_heat_currents: seeded, and as predicted."""
    backend = resolve_backend("fake_guadalupe")
    model = reversal_model(np.pi / 2)
    n = 3
    tp = transpile_protocol(model, n, backend)
    runs = [
        estimate_heat_currents(
            model, n, backend=backend, shots=500, sampler=runtime_sampler("executor", backend, 41), transpiled=tp
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].hot_bits, runs[1].hot_bits)
    nmap = NoisyCollisionMap.from_transpiled(tp, backend, readout=predicted_readout("executor", backend, tp))
    assert_in_band(nmap, runs[0], "executor Sampler local mode, fake_guadalupe")
    assert not _is_ibm_backend(backend)  # a fake backend is simulated by Aer unless a runtime sampler is passed


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["SamplerV2", "executor"])
@pytest.mark.parametrize("name", ["fake_torino", "fake_sherbrooke"])  # Heron and Eagle
def test_runtime_samplers_agree_with_the_prediction_for_every_gamma(name, kind):
    """Both runtime samplers, both device families, every gamma of the study: chi-square in its 99 % band."""
    backend = resolve_backend(name)
    n, shots = 6, 2000
    models = [reversal_model(g) for g in GAMMAS]
    tps = [transpile_protocol(m, n, backend) for m in models]
    sampler = runtime_sampler(kind, backend, 17)
    results = sampler.run([(tp.circuit,) for tp in tps], shots=shots).result()  # one job, three PUBs
    for model, tp, result in zip(models, tps, results, strict=True):
        est = heat_currents_from_bits(model, *bits_from_result(result), encoding=tp.encoding)
        nmap = NoisyCollisionMap.from_transpiled(tp, backend, readout=predicted_readout(kind, backend, tp))
        assert_in_band(nmap, est, f"{kind} on {name}, gamma = {model.gamma:.4f}")
