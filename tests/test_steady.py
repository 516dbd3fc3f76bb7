"""Exact steady state: fixed point, long-time limit, J_h = -J_c, phase dependence, uniqueness."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.channel import Channel
from circuitheat.steady import UNIQUENESS_TOLERANCE, _bordered

#: Fixed-point and conservation identities in double precision.
EXACT = 1e-12
#: The long trajectory has converged when the slowest mode, |lambda_2|^n, is below
#: this; the steady state must then match it to the same level.
CONVERGED = 1e-10


def test_fixed_point_and_currents(random_models):
    """Phi[rho*] = rho*, rho* a state, J_h = -J_c exactly in the steady state (Sec. III)."""
    for model in random_models:
        ss = ch.steady_state(model)
        phi = Channel.from_model(model).superoperator
        rho = ss.system_state
        assert np.max(np.abs((phi @ rho.reshape(16)).reshape(4, 4) - rho)) < EXACT
        assert abs(np.trace(rho) - 1) < EXACT
        assert np.linalg.eigvalsh(rho)[0] > -EXACT
        assert abs(ss.heat_hot + ss.heat_cold) < EXACT


def test_steady_state_is_the_end_of_a_long_trajectory(random_models):
    """The fixed point equals the state after many collisions (convergence checked, not assumed)."""
    checked = 0
    for model in random_models[:15]:
        phi = Channel.from_model(model).superoperator
        second = np.sort(np.abs(np.linalg.eigvals(phi)))[-2]
        n = int(np.ceil(np.log(CONVERGED / 10) / np.log(second))) if second > 0 else 1
        if n > 50_000:  # extremely slow relaxation (gamma near pi): nothing to compare in reasonable time
            continue
        traj = ch.simulate(model, max(n, 1), initial_state="00")
        ss = ch.steady_state(model)
        assert np.max(np.abs(traj.system_states[-1] - ss.system_state)) < CONVERGED
        assert abs(traj.heat_hot[-1] - ss.heat_hot) < CONVERGED
        checked += 1
    assert checked >= 10


def test_batched_equals_single(random_models):
    """steady_heat_current on a stacked batch equals steady_state model by model."""
    # steady_heat_current takes one coherence for both reservoirs (as the paper does)
    ms = [dataclasses.replace(m, cold=dataclasses.replace(m.cold, coherence=m.hot.coherence)) for m in random_models]
    args = {
        "gamma": [m.gamma for m in ms],
        "delta": [m.delta for m in ms],
        "t_hot": [m.hot.temperature for m in ms],
        "t_cold": [m.cold.temperature for m in ms],
        "coherence": [m.hot.coherence for m in ms],
        "phase_hot": [m.hot.phase for m in ms],
        "phase_cold": [m.cold.phase for m in ms],
        "omega": [m.omega for m in ms],
    }
    batched = ch.steady_heat_current(**{k: np.array(v) for k, v in args.items()})
    single = np.array([ch.steady_state(m).heat_hot for m in ms])
    assert np.max(np.abs(batched - single)) < EXACT


def test_broadcasting_shapes():
    dphi = np.linspace(0, 2 * np.pi, 7)
    gam = np.array([np.pi / 32, np.pi / 4, np.pi / 2])
    out = ch.steady_heat_current(gam[:, None], np.pi / 4, 2.0, 1.0, 0.8, dphi[None, :], 0.0)
    assert out.shape == (3, 7)
    assert np.isscalar(ch.steady_heat_current(0.1, 0.2, 2.0, 1.0)) or np.ndim(ch.steady_heat_current(0.1, 0.2, 2.0, 1.0)) == 0


def test_phases_enter_only_through_their_difference(rng):
    """Sec. III: J_h^steady depends on phi_h, phi_c only through phi_h - phi_c."""
    for _ in range(20):
        g, d = rng.uniform(0.05, 1.5, 2)
        th, tc = rng.uniform(0.2, 4, 2)
        p, dphi, shift = rng.uniform(), rng.uniform(0, 2 * np.pi), rng.uniform(-10, 10, 5)
        j = ch.steady_heat_current(g, d, th, tc, p, dphi + shift, shift)
        assert np.max(np.abs(j - j[0])) < EXACT


def test_transient_phase_dependence_with_ground_initial_state(fig2_model):
    """From |11> (diagonal, rotation invariant) even the transient J_h(n) depends only on the difference."""
    a = fig2_model(1.0)
    b = dataclasses.replace(
        a, hot=dataclasses.replace(a.hot, phase=a.hot.phase + 2.3), cold=dataclasses.replace(a.cold, phase=a.cold.phase + 2.3)
    )
    assert np.max(np.abs(ch.simulate(a, 200).heat_hot - ch.simulate(b, 200).heat_hot)) < EXACT


@pytest.mark.parametrize("gamma", [0.0, np.pi, -2 * np.pi, 1e-6])
def test_non_unique_fixed_point_raises(gamma):
    model = ch.CollisionModel(gamma, 0.3, ch.Reservoir(2.0), ch.Reservoir(1.0))
    with pytest.raises(ValueError, match=r"^the steady state is not unique for gamma="):
        ch.steady_state(model)
    with pytest.raises(ValueError, match="not unique"):
        ch.steady_heat_current(np.array([0.3, gamma]), 0.3, 2.0, 1.0)


def test_uniqueness_criterion_tracks_the_smallest_singular_value(rng):
    """The bordered matrix's smallest singular value scales like sin^2(gamma): the documented criterion."""
    for _ in range(20):
        g = rng.choice([1e-4, 1e-3, 0.01, 0.3, 1.0])
        m = ch.CollisionModel(g, rng.uniform(-3, 3), ch.Reservoir(rng.uniform(0.2, 3), rng.uniform()), ch.Reservoir(1.0))
        s_min = np.linalg.svd(_bordered(Channel.from_model(m).superoperator), compute_uv=False)[-1]
        ratio = s_min / np.sin(g) ** 2
        assert 1e-2 < ratio < 1e2
    assert UNIQUENESS_TOLERANCE < 1e-8


def test_bad_grid_values_are_named():
    with pytest.raises(ValueError, match=r"^coherence must be in \[0, 1\], got 1.2$"):
        ch.steady_heat_current(0.1, 0.2, 2.0, 1.0, np.array([0.5, 1.2]))
    with pytest.raises(ValueError, match=r"^t_cold must be > 0 \(math.inf allowed\), got -1.0$"):
        ch.steady_heat_current(0.1, 0.2, 2.0, -1.0)


def test_chunked_grid_equals_single_batch(monkeypatch):
    """Processing a grid in chunks changes nothing (same numbers, same shape)."""
    import circuitheat.steady as steady

    dphi = np.linspace(0, 2 * np.pi, 37)
    temps = np.linspace(0.3, 3, 11)
    whole = ch.steady_heat_current(np.pi / 7, np.pi / 4, temps[:, None] + 0.5, temps[:, None], 0.8, dphi, 0.0)
    lam_whole, c_whole = ch.linear_response(np.pi / 7, np.pi / 4, temps[:, None], 0.8, dphi)
    monkeypatch.setattr(steady, "CHUNK_POINTS", 10)
    chunked = ch.steady_heat_current(np.pi / 7, np.pi / 4, temps[:, None] + 0.5, temps[:, None], 0.8, dphi, 0.0)
    lam, c = ch.linear_response(np.pi / 7, np.pi / 4, temps[:, None], 0.8, dphi)
    assert chunked.shape == whole.shape == (11, 37)
    assert np.max(np.abs(chunked - whole)) < EXACT
    assert np.max(np.abs(lam - lam_whole)) < EXACT and np.max(np.abs(c - c_whole)) < EXACT
