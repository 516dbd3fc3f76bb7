"""Readout as the device has it: asymmetric assignment matrices, in the noise model and the noisy map."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.providers.fake_provider import GenericBackendV2

import circuitheat as ch
from circuitheat.hardware import (
    NoisyCollisionMap,
    assignment_matrices,
    assignment_matrix,
    readout_errors,
    resolve_backend,
    transpile_protocol,
)
from circuitheat.hardware.readout import assignment_from_errors, readout_error_of
from circuitheat.hardware.simulators import device_noise_model
from circuitheat.states import ancilla_populations

#: Two computations of the same exact quantity that differ by rounding only.
ROUNDING = 1e-12
#: Aer's device noise is trace preserving only to ~1e-9 per collision (it drops error terms
#: below 1e-10, NoisyCollisionMap.trace_defect), which the steady-state currents inherit.
TRACE_DEFECT_BOUND = 1e-8
#: fake_torino's calibration of qubit 33 (qiskit-ibm-runtime's props_torino.json, quoted in
#: issue 14): P(1|0) = 0.0322265625, P(0|1) = 0.0146484375, stored exactly in binary.
TORINO_Q33 = (0.0322265625, 0.0146484375)


def reversal_model(gamma: float = np.pi / 4) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


@pytest.fixture(scope="module")
def torino():
    return resolve_backend("fake_torino")


def test_device_readout_is_asymmetric_and_from_the_properties(torino):
    assert readout_errors(torino, 33) == TORINO_Q33
    a = assignment_matrix(torino, 33)
    np.testing.assert_array_equal(a, [[1 - TORINO_Q33[0], TORINO_Q33[1]], [TORINO_Q33[0], 1 - TORINO_Q33[1]]])
    np.testing.assert_allclose(a.sum(axis=0), 1.0, atol=ROUNDING)
    # a bare Target has only the symmetric error, which the fake backends store as the mean of the two
    e_sym = torino.target["measure"][(33,)].error
    assert readout_errors(torino.target, 33) == (e_sym, e_sym)
    assert e_sym == pytest.approx(sum(TORINO_Q33) / 2, abs=ROUNDING)
    # many qubits at once: the same numbers, one properties() call
    many = assignment_matrices(torino, [33, 65, 0])
    assert many.shape == (3, 2, 2)
    np.testing.assert_array_equal(many[0], a)
    everything = assignment_matrices(torino, range(torino.num_qubits))
    asymmetric = np.abs(everything[:, 1, 0] - everything[:, 0, 1]) > 1e-3
    assert asymmetric.sum() > torino.num_qubits // 2  # most of the device is asymmetric by more than 0.1 %


def test_backend_without_properties_falls_back_to_the_target():
    backend = GenericBackendV2(5, seed=3)  # no properties(): the target's symmetric measure error
    e = backend.target["measure"][(2,)].error
    assert readout_errors(backend, 2) == (e, e)


def test_device_noise_model_reads_out_asymmetrically():
    """The simulated device uses the assignment matrices (Aer's from_backend alone would use the symmetric mean)."""
    hanoi = resolve_backend("fake_hanoi")  # 27 qubits: its noise model builds in a second
    noise = device_noise_model(hanoi)
    for q in range(hanoi.num_qubits):
        probs = np.array(noise._local_readout_errors[(q,)].probabilities)  # Aer's rows: the prepared state
        np.testing.assert_array_equal(probs.T, assignment_matrix(hanoi, q))
    e0, e1 = readout_errors(hanoi, 0)
    assert e0 != e1
    aer_rows = np.array(readout_error_of(assignment_matrix(hanoi, 5)).probabilities)
    np.testing.assert_array_equal(aer_rows.T, assignment_matrix(hanoi, 5))


def test_noisy_map_uses_the_device_readout_and_the_offset_formula():
    """Raw mean = (1 - e_ge - e_eg) J + omega (e_ge eta_gg - e_eg eta_ee) (noise_map docstring), per ancilla.

    With the given assignment matrices the map's recorded-bit instruments follow them; the
    default is the device's asymmetric readout of the two measured qubits.
    """
    device = resolve_backend("fake_hanoi")  # 27 qubits: a cheap noise model
    model = reversal_model()
    tp = transpile_protocol(model, 1, device)
    nmap = NoisyCollisionMap.from_transpiled(tp, device)
    hot_q, cold_q = tp.physical_qubits[2], tp.physical_qubits[3]
    np.testing.assert_array_equal(nmap.readout_hot, assignment_matrix(device, hot_q))
    np.testing.assert_array_equal(nmap.readout_cold, assignment_matrix(device, cold_q))
    # a strongly asymmetric readout, given explicitly
    readout = np.array([assignment_from_errors(0.01, 0.08), assignment_from_errors(0.05, 0.002)])
    given = NoisyCollisionMap.from_transpiled(tp, device, readout=readout)
    _, currents = given.steady_state()
    for name, res, a in (("hot", model.hot, readout[0]), ("cold", model.cold, readout[1])):
        e0, e1 = a[1, 0], a[0, 1]  # device bits; ground_is_0: device 0 = model ground
        eps_ge, eps_eg = e0, e1
        eta_ee, eta_gg = ancilla_populations(res.temperature, res.omega)
        true = currents[f"heat_{name}_mitigated"]  # mitigation inverts the readout exactly (test_hardware_noise)
        offset = model.omega * (eps_ge * eta_gg - eps_eg * eta_ee)
        assert currents[f"heat_{name}"] == pytest.approx((1 - eps_ge - eps_eg) * true + offset, abs=TRACE_DEFECT_BOUND)
    # the symmetric formula -2 eps Tr[H eta] > 0 is the special case eps_ge = eps_eg
    eta_ee, eta_gg = ancilla_populations(model.hot.temperature, model.hot.omega)
    assert 0.03 * (eta_gg - eta_ee) == pytest.approx(-2 * 0.03 * model.hot.energy, abs=ROUNDING)
    # and the hot offset above is negative: asymmetric readout can push J_h down, not only up
    assert 0.01 * eta_gg - 0.08 * eta_ee < 0


def test_bad_readout_input(torino):
    tp = transpile_protocol(reversal_model(), 1, torino)
    with pytest.raises(ValueError, match=r"readout must be two 2x2 assignment matrices \(hot, cold\)"):
        NoisyCollisionMap.from_transpiled(tp, noisy=False, readout=np.eye(2))
    with pytest.raises(ValueError, match="columns that are probability distributions"):
        NoisyCollisionMap.from_transpiled(tp, noisy=False, readout=[[[0.9, 0.2], [0.2, 0.8]]] * 2)
    with pytest.raises(ValueError, match=r"qubit must be in \[0, 133\), got 133"):
        assignment_matrix(torino, 133)
    with pytest.raises(TypeError, match=r"qubit must be an int, got 1\.5"):
        assignment_matrix(torino, 1.5)
    with pytest.raises(TypeError, match="device must be a BackendV2 or a Target, got 'fake_torino'"):
        readout_errors("fake_torino", 0)
    with pytest.raises(ValueError, match="e1 must be a probability in"):
        assignment_from_errors(0.1, 1.2)
