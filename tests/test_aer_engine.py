"""Tests of the circuit engine (circuitheat.engines.aer) against the direct matrix engine.

The reference is the direct engine (engine="direct"), itself an exact evaluation of
Eq. 8 with heat currents from Eqs. 10-11, and the invariant of Eq. 8 for the joint
ancilla state: (R^h_k, R^c_k) after collision k is Tr_S[U (rho_S(k-1) x eta_h x eta_c) U^dag].
Every run is seeded (models from numpy's default_rng, Aer with a fixed seed).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from qiskit import transpile
from qiskit.quantum_info import random_density_matrix, random_statevector

import circuitheat as ch
from circuitheat.channel import ancilla_pair_state, collision_unitary
from circuitheat.circuits import collision_circuit, save_label, to_ancilla_pair_matrix, to_system_matrix
from circuitheat.engines.aer import (
    AerTimings,
    aer_collision_circuit,
    aer_simulator,
    ancilla_energies,
    run_collision_circuit,
    run_collision_circuit_timed,
    to_aer_native,
)

#: Agreement between the circuit engine and the direct engine. Both are exact up to
#: floating-point rounding (observed ~1e-15 after 20 collisions); 1e-10 is the
#: tolerance the issue sets, far above rounding and far below any physics error.
AGREEMENT_TOL = 1e-10

#: Number of collisions per agreement run: enough to build up system coherences and
#: correlations, small enough to keep the suite fast.
N_COLLISIONS = 12


def random_reservoir(rng: np.random.Generator, temperature: float | None = None, coherence: float | None = None):
    t = float(rng.uniform(0.2, 5.0)) if temperature is None else temperature
    p = float(rng.uniform(0, 1)) if coherence is None else coherence
    return ch.Reservoir(t, p, float(rng.uniform(-math.pi, math.pi)))


def random_initial_state(rng: np.random.Generator, form: str, seed: int):
    if form == "label":
        return str(rng.choice(["00", "01", "10", "11"]))
    if form == "vector":
        return random_statevector(4, seed=seed).data
    return random_density_matrix(4, seed=seed).data


#: (case id, hot (T, p), cold (T, p)); None means random. Covers p = 0 and p = 1 and the
#: extreme temperatures 1e-3, 1e6 and inf on either reservoir.
CASES = [
    ("random", (None, None), (None, None)),
    ("thermal_p0", (None, 0.0), (None, 0.0)),
    ("pure_p1", (None, 1.0), (None, 1.0)),
    ("cold_T1e-3_hot_inf", (math.inf, None), (1e-3, None)),
    ("hot_T1e6_p1_cold_T1e-3_p0", (1e6, 1.0), (1e-3, 0.0)),
    ("hot_inf_p0_cold_inf_p1", (math.inf, 0.0), (math.inf, 1.0)),
    ("both_1e-3_p1", (1e-3, 1.0), (1e-3, 1.0)),
]


@pytest.mark.parametrize("form", ["label", "vector", "matrix"])
@pytest.mark.parametrize("preparation", ["channel", "purification"])
@pytest.mark.parametrize(("case", "hot_spec", "cold_spec"), CASES, ids=[c[0] for c in CASES])
def test_aer_agrees_with_direct_engine(case, hot_spec, cold_spec, preparation, form):
    seed = zlib.crc32(f"{case}/{preparation}/{form}".encode())  # stable across processes, unlike hash()
    rng = np.random.default_rng(seed)
    model = ch.CollisionModel(
        gamma=float(rng.uniform(0, math.pi)),
        delta=float(rng.uniform(0, math.pi)),
        hot=random_reservoir(rng, *hot_spec),
        cold=random_reservoir(rng, *cold_spec),
    )
    initial = random_initial_state(rng, form, seed)
    aer = ch.simulate(model, N_COLLISIONS, engine="aer", initial_state=initial, preparation=preparation)
    direct = ch.simulate(model, N_COLLISIONS, engine="direct", initial_state=initial)
    assert aer.engine == "aer"
    np.testing.assert_allclose(aer.heat_hot, direct.heat_hot, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.heat_cold, direct.heat_cold, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.system_states, direct.system_states, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.system_energy, direct.system_energy, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.initial_state, direct.initial_state, atol=0)
    # Energy conservation of the resonant collision (Sec. II), an invariant of Eq. 8.
    np.testing.assert_allclose(aer.energy_balance, 0.0, atol=AGREEMENT_TOL)


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_fig2_trajectory_agrees(preparation):
    # Fig. 2 parameters (gamma = pi/32, delta = pi/4, T_h = 2 T_c = 2, p = 0.8,
    # phi_h - phi_c = pi), from |11>, over enough collisions to see the oscillation.
    model = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8, math.pi), ch.Reservoir(1.0, 0.8, 0.0))
    aer = ch.simulate(model, 40, engine="aer", preparation=preparation, store_states=False)
    direct = ch.simulate(model, 40)
    assert aer.system_states is None
    np.testing.assert_allclose(aer.heat_hot, direct.heat_hot, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(aer.heat_cold, direct.heat_cold, atol=AGREEMENT_TOL, rtol=0)


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_ancilla_pair_is_eq8_marginal(preparation):
    # The saved (R^h_k, R^c_k) state equals Tr_S[U (rho_S(k-1) x eta_h x eta_c) U^dag] (Eq. 8),
    # correlations between the two ancillas included.
    rng = np.random.default_rng(5)
    model = ch.CollisionModel(0.7, 0.4, random_reservoir(rng), random_reservoir(rng))
    n = 6
    saved = run_collision_circuit(model, n, preparation=preparation, initial_state="01")
    direct = ch.simulate(model, n, initial_state="01")
    before = np.concatenate([direct.initial_state[None], direct.system_states[:-1]])
    u = collision_unitary(model.gamma, model.delta)
    eta = ancilla_pair_state(model.hot.state, model.cold.state)
    for k in range(n):
        joint = u @ np.kron(before[k], eta) @ u.conj().T
        pair = np.einsum("sasb->ab", joint.reshape(4, 4, 4, 4))
        np.testing.assert_allclose(saved["ancilla_pair"][k], pair, atol=AGREEMENT_TOL, rtol=0)
    np.testing.assert_allclose(saved["system"], direct.system_states, atol=AGREEMENT_TOL, rtol=0)
    assert set(saved) == {"system", "ancilla_pair"}
    assert saved["ancilla_pair"].shape == (n, 4, 4)


def test_run_collision_circuit_save_subset_and_timings():
    model = ch.CollisionModel(0.3, 0.2, ch.Reservoir(1.0, 0.5), ch.Reservoir(2.0, 0.5))
    saved, timings = run_collision_circuit_timed(model, 3, save=("ancilla_pair",))
    assert set(saved) == {"ancilla_pair"}
    assert isinstance(timings, AerTimings)
    parts = (timings.build, timings.convert, timings.simulate, timings.read)
    assert timings.total == pytest.approx(sum(parts))
    assert timings.build > 0 and timings.simulate > 0


def test_ancilla_energies():
    # Tr[H eta] for H = (omega/2) sigma_z: a product state gives each reservoir's own energy.
    hot, cold = ch.Reservoir(2.0, 0.8, 1.0, omega=1.5), ch.Reservoir(0.5, 0.2, 0.0, omega=1.5)
    e_hot, e_cold = ancilla_energies(ancilla_pair_state(hot.state, cold.state), omega=1.5)
    assert e_hot == pytest.approx(hot.energy, abs=1e-15)
    assert e_cold == pytest.approx(cold.energy, abs=1e-15)


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_readable_circuit_transpiled_for_aer_gives_the_same_states(preparation):
    # What a Qiskit user would do with collision_circuit: transpile for Aer and run.
    model = ch.CollisionModel(0.5, 0.9, ch.Reservoir(1.5, 0.6, 0.2), ch.Reservoir(0.8, 0.9, -1.0))
    n = 3
    qc = collision_circuit(model, n, preparation=preparation, initial_state="10")
    data = aer_simulator().run(transpile(qc, aer_simulator()), shots=1, seed_simulator=1).result().data(0)
    saved = run_collision_circuit(model, n, preparation=preparation, initial_state="10")
    for k in range(1, n + 1):
        np.testing.assert_allclose(to_system_matrix(data[save_label("system", k)]), saved["system"][k - 1], atol=AGREEMENT_TOL)
        np.testing.assert_allclose(
            to_ancilla_pair_matrix(data[save_label("ancilla_pair", k)]), saved["ancilla_pair"][k - 1], atol=AGREEMENT_TOL
        )


@pytest.mark.parametrize("preparation", ["channel", "purification"])
def test_aer_native_circuit(preparation):
    model = ch.CollisionModel(0.5, 0.9, ch.Reservoir(1.5, 0.6, 0.2), ch.Reservoir(0.8, 0.9, -1.0))
    native = aer_collision_circuit(model, 4, preparation=preparation, initial_state=[0.6, 0, 0.8j, 0])
    names = set(native.count_ops())
    assert names <= set(aer_simulator().target.operation_names)
    assert "pswap" not in names and "prepare_ancilla" not in names
    # Lowering the block once is the same as lowering the whole readable circuit.
    whole = to_aer_native(collision_circuit(model, 4, preparation=preparation, initial_state=[0.6, 0, 0.8j, 0]))
    assert [(i.operation.name, [whole.find_bit(q).index for q in i.qubits]) for i in whole.data] == [
        (i.operation.name, [native.find_bit(q).index for q in i.qubits]) for i in native.data
    ]
    assert native.metadata == whole.metadata


def test_simulate_aer_rejects_bad_input():
    model = ch.CollisionModel(0.3, 0.2, ch.Reservoir(1.0), ch.Reservoir(2.0))
    with pytest.raises(ValueError, match=r"^unknown preparation 'kraus'; valid: 'channel', 'purification'$"):
        ch.simulate(model, 2, engine="aer", preparation="kraus")
    with pytest.raises(ValueError, match=r"^n_collisions must be >= 1, got 0$"):
        ch.simulate(model, 0, engine="aer")
    with pytest.raises(ValueError, match="save must name at least one of"):
        run_collision_circuit(model, 2, save=())
    with pytest.raises(TypeError, match="model must be a CollisionModel"):
        ch.simulate(None, 2, engine="aer")
