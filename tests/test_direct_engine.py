"""Direct matrix engine: agreement with a naive reference, invariants, inputs (Eqs. 8-11)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import random_model, reference_collision

import circuitheat as ch
from circuitheat.channel import Channel

#: Agreement between two exact computations of the same map in double precision
#: (different operation orders): a few hundred ulps over tens of collisions.
ENGINE_AGREEMENT = 1e-12
#: Density-matrix invariants (Hermiticity, trace, smallest eigenvalue) after up to
#: thousands of collisions: rounding accumulates linearly, ~n * 1e-16.
STATE_INVARIANT = 1e-11


def _check_state(rho: np.ndarray) -> None:
    assert np.max(np.abs(rho - rho.conj().T)) < STATE_INVARIANT
    assert abs(np.trace(rho) - 1) < STATE_INVARIANT
    assert np.linalg.eigvalsh(0.5 * (rho + rho.conj().T))[0] > -STATE_INVARIANT


def test_engine_matches_naive_reference(random_models):
    """Every collision: rho_S, J_h, J_c equal the explicit unitary-and-partial-trace computation."""
    for model in random_models:
        traj = ch.simulate(model, 12, initial_state="01")
        rho = np.zeros((4, 4), complex)
        rho[1, 1] = 1
        for k in range(12):
            rho, j_h, j_c = reference_collision(model, rho)
            assert np.max(np.abs(traj.system_states[k] - rho)) < ENGINE_AGREEMENT
            assert abs(traj.heat_hot[k] - j_h) < ENGINE_AGREEMENT
            assert abs(traj.heat_cold[k] - j_c) < ENGINE_AGREEMENT


def test_one_collision_map_is_cptp(random_models):
    """Phi is trace preserving and completely positive (Choi matrix >= 0)."""
    for model in random_models:
        phi = Channel.from_model(model).superoperator.reshape(4, 4, 4, 4)  # [i, j, k, l]
        # trace preservation: sum_i Phi[i, i, k, l] = delta_kl
        assert np.allclose(np.einsum("iikl->kl", phi), np.eye(4), atol=ENGINE_AGREEMENT)
        choi = np.einsum("ijkl->ikjl", phi).reshape(16, 16)
        assert np.linalg.eigvalsh(choi)[0] > -ENGINE_AGREEMENT


def test_states_valid_and_energy_conserved(random_models):
    """Trace 1, Hermitian, positive at every step; Delta E_S + J_h + J_c = 0 per collision (resonance)."""
    for model in random_models:
        traj = ch.simulate(model, 300)
        for rho in traj.system_states[::7]:
            _check_state(rho)
        assert np.max(np.abs(traj.energy_balance)) < STATE_INVARIANT


@pytest.mark.parametrize("temperature", [1e-3, 1e6, math.inf])
@pytest.mark.parametrize("coherence", [0.0, 1.0])
def test_extreme_parameters_are_finite(temperature, coherence):
    """T from 1e-3 to inf and p = 0, 1: finite numbers, no warnings, valid states."""
    model = ch.CollisionModel(np.pi / 5, np.pi / 3, ch.Reservoir(temperature, coherence, 0.4), ch.Reservoir(1.0, coherence))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        traj = ch.simulate(model, 200)
        ss = ch.steady_state(model)
    assert np.all(np.isfinite(traj.heat_hot)) and np.all(np.isfinite(traj.system_states))
    _check_state(traj.system_states[-1])
    assert math.isfinite(ss.heat_hot)


def test_zero_temperature_limit_is_continuous():
    """T = 1e-3 is the ground state to machine precision: J equals the T -> 0 limit (T = 1e-6)."""
    cold = ch.Reservoir(1.0, 0.5)
    j = [ch.simulate(ch.CollisionModel(0.3, 0.7, ch.Reservoir(t, 0.5), cold), 20).heat_hot for t in (1e-3, 1e-6)]
    assert np.max(np.abs(j[0] - j[1])) < ENGINE_AGREEMENT


def test_initial_state_forms_agree():
    """A label, the equivalent 4-vector and the equivalent 4x4 matrix give the same trajectory."""
    model = random_model(np.random.default_rng(3))
    vec = np.zeros(4)
    vec[2] = 1.0  # label "10" is index 2: S_A = |1> (ground), S_B = |0> (excited)
    a = ch.simulate(model, 30, initial_state="10")
    b = ch.simulate(model, 30, initial_state=vec)
    c = ch.simulate(model, 30, initial_state=np.outer(vec, vec))
    for other in (b, c):
        assert np.max(np.abs(a.system_states - other.system_states)) == 0.0
        assert np.max(np.abs(a.heat_hot - other.heat_hot)) == 0.0


def test_label_convention_excited_is_zero():
    """Label "01": S_A excited (energy +w/2), S_B ground: system energy 0; "00": +w."""
    model = ch.CollisionModel(0.1, 0.1, ch.Reservoir(1.0, omega=2.0), ch.Reservoir(1.0, omega=2.0))
    assert ch.simulate(model, 1, initial_state="00").initial_energy == pytest.approx(2.0)
    assert ch.simulate(model, 1, initial_state="01").initial_energy == pytest.approx(0.0)
    assert ch.simulate(model, 1, initial_state="11").initial_energy == pytest.approx(-2.0)


def test_trajectory_is_immutable_and_shaped(fig2_model):
    traj = ch.simulate(fig2_model(), 50)
    assert traj.heat_hot.shape == (50,) and traj.system_states.shape == (50, 4, 4)
    assert traj.collisions[0] == 1 and traj.collisions[-1] == 50
    with pytest.raises(ValueError):
        traj.heat_hot[0] = 1.0
    assert ch.simulate(fig2_model(), 5, store_states=False).system_states is None


def test_block_boundaries_do_not_matter(fig2_model):
    """Trajectories of different lengths agree on their common prefix (blocked propagation)."""
    long = ch.simulate(fig2_model(1.0), 1000)
    for n in (1, 31, 32, 33, 65, 999):
        short = ch.simulate(fig2_model(1.0), n)
        assert np.max(np.abs(short.heat_hot - long.heat_hot[:n])) < ENGINE_AGREEMENT


@pytest.mark.parametrize(
    ("state", "error", "message"),
    [
        ("12", ValueError, "unknown initial_state '12'; valid labels: '00', '01', '10', '11'"),
        (np.ones(4), ValueError, "initial_state vector must be normalised, got norm 2"),
        (np.ones(3) / np.sqrt(3), ValueError, "initial_state as a vector must have 4 numeric entries, got shape (3,)"),
        (np.eye(4), ValueError, "initial_state must have trace 1, got 4"),
        (np.diag([1.5, -0.5, 0, 0]), ValueError, "initial_state must be positive semidefinite, got eigenvalue -0.5"),
        (np.triu(np.ones((4, 4))) / 4, ValueError, "initial_state must be Hermitian"),
        (np.eye(3) / 3, ValueError, "initial_state must have shape (4, 4), got (3, 3)"),
    ],
)
def test_invalid_initial_states(fig2_model, state, error, message):
    with pytest.raises(error) as info:
        ch.simulate(fig2_model(), 3, initial_state=state)
    assert str(info.value).startswith(message)


def test_invalid_engine_and_counts(fig2_model):
    with pytest.raises(ValueError, match=r"^unknown engine 'qutip'; valid: 'direct', 'aer'$"):
        ch.simulate(fig2_model(), 3, engine="qutip")
    with pytest.raises(ValueError, match=r"^n_collisions must be >= 1, got 0$"):
        ch.simulate(fig2_model(), 0)
    with pytest.raises(TypeError, match=r"^n_collisions must be an integer, got 2.5 of type float$"):
        ch.simulate(fig2_model(), 2.5)
    with pytest.raises(TypeError, match="model must be a CollisionModel"):
        ch.simulate("model", 3)
