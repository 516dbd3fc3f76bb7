"""The real Pauli-transfer-matrix machinery (circuitheat.ptm) against the complex superoperators it replaces."""

from __future__ import annotations

import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat import ptm
from circuitheat.channel import Channel, qubit_collision
from circuitheat.engines.direct import propagate as complex_propagate
from circuitheat.network.gates import partial_swap_matrix
from circuitheat.states import ancilla_state, ancilla_state_derivative, system_initial_state

#: A change of basis by the orthonormal Pauli matrices and the closed forms of the module
#: docstring: every entry is a short sum of products of numbers of order 1, so they agree
#: with the complex superoperators to a few ulps.
BASIS_CHANGE = 1e-14
#: Two backward-stable solves (real 15x15 vs complex bordered 16x16) of well-conditioned
#: fixed-point systems (gamma away from multiples of pi): currents of order 1e-1 agree to rounding.
SAME_FIXED_POINT = 1e-13
#: Doubling: each value carries the rounding of ~log2(n) products of maps of norm ~1.
DOUBLING = 1e-12


def _random_cptp(rng: np.random.Generator, dim: int) -> np.ndarray:
    """Superoperator (row-major vec) of a random channel: Kraus operators from a random isometry."""
    n_kraus = 3
    z = rng.standard_normal((n_kraus * dim, dim)) + 1j * rng.standard_normal((n_kraus * dim, dim))
    q, _ = np.linalg.qr(z)
    kraus = q.reshape(n_kraus, dim, dim)
    return sum(np.kron(k, k.conj()) for k in kraus)


def _random_parameters(rng):
    return dict(
        gamma=rng.uniform(0.05, np.pi - 0.05),
        delta=rng.uniform(-np.pi, np.pi),
        t_hot=rng.uniform(0.1, 5.0),
        t_cold=rng.uniform(0.1, 5.0),
        p=rng.uniform(),
        phase_hot=rng.uniform(-np.pi, 3 * np.pi),
        phase_cold=rng.uniform(-np.pi, 3 * np.pi),
        omega=rng.uniform(0.3, 3.0),
    )


def test_pauli_basis_is_hermitian_and_orthonormal():
    for n in (1, 2, 3):
        basis = ptm.pauli_basis(n)
        assert basis.shape == (4**n, 2**n, 2**n)
        np.testing.assert_array_equal(basis, np.swapaxes(basis.conj(), -1, -2))
        gram = np.einsum("aij,bji->ab", basis, basis)
        np.testing.assert_allclose(gram, np.eye(4**n), atol=BASIS_CHANGE)
    np.testing.assert_allclose(ptm.pauli_basis(2)[0], np.eye(4) / 2)


@pytest.mark.parametrize("dim", [2, 4, 8])
def test_ptm_of_a_channel_is_real_trace_preserving_and_inverts(rng, dim):
    s = _random_cptp(rng, dim)
    r = ptm.to_ptm(s)
    assert r.dtype == np.float64
    np.testing.assert_allclose(r[0], np.eye(dim * dim)[0], atol=BASIS_CHANGE)  # trace preservation: row 0 = e_0
    np.testing.assert_allclose(ptm.from_ptm(r), s, atol=BASIS_CHANGE)
    rho = system_initial_state("0" * int(np.log2(dim)), int(np.log2(dim)))
    after = (s @ rho.reshape(-1)).reshape(dim, dim)
    np.testing.assert_allclose(ptm.state_matrix(r @ ptm.state_vector(rho)), after, atol=BASIS_CHANGE)


def test_state_coordinates_roundtrip_and_expectation_values(rng):
    z = rng.standard_normal((5, 4, 4)) + 1j * rng.standard_normal((5, 4, 4))
    rho = z @ np.swapaxes(z.conj(), -1, -2)
    rho /= np.trace(rho, axis1=-2, axis2=-1)[:, None, None]
    o = rng.standard_normal((4, 4)) + 1j * rng.standard_normal((4, 4))
    o = o + o.conj().T
    r = ptm.state_vector(rho)
    np.testing.assert_allclose(ptm.state_matrix(r), rho, atol=BASIS_CHANGE)
    np.testing.assert_allclose(r[:, 0], 0.5, atol=BASIS_CHANGE)  # r_0 = Tr[rho]/sqrt(d)
    np.testing.assert_allclose(r @ ptm.state_vector(o), np.einsum("bij,ji->b", rho, o).real, atol=BASIS_CHANGE)


def test_bloch_vector_of_the_ancilla_state():
    """Eq. (12): r = (2p cos(phi) / Z, 2p sin(phi) / Z, -tanh(beta omega / 2)) with |0> excited."""
    t, p, phi = 1.3, 0.6, 0.9
    r = ptm.bloch_vector(ancilla_state(t, p, phi))
    z = 2 * np.cosh(0.5 / t)
    np.testing.assert_allclose(r, [2 * p * np.cos(phi) / z, 2 * p * np.sin(phi) / z, -np.tanh(0.5 / t)], atol=BASIS_CHANGE)


def test_qubit_collision_closed_form_equals_the_complex_channel(rng):
    for _ in range(20):
        gamma, omega = rng.uniform(-np.pi, np.pi), rng.uniform(0.3, 3.0)
        eta = ancilla_state(rng.uniform(0.1, 5), rng.uniform(), rng.uniform(0, 2 * np.pi), omega)
        superop, g = qubit_collision(gamma, eta, omega)
        r, obs = ptm.qubit_collision_ptm(gamma, ptm.bloch_vector(eta), omega)
        np.testing.assert_allclose(r, ptm.to_ptm(superop), atol=BASIS_CHANGE)
        np.testing.assert_allclose(obs, ptm.state_vector(g), atol=BASIS_CHANGE)


def test_linear_part_is_the_derivative(rng):
    """affine=False gives the exact change of both outputs for a change of the Bloch vector (they are affine in it)."""
    gamma, omega = 0.7, 1.4
    r0 = ptm.bloch_vector(ancilla_state(1.1, 0.4, 0.3, omega))
    dr = ptm.bloch_vector(ancilla_state_derivative(1.1, 0.4, 0.3, omega))
    full0, obs0 = ptm.qubit_collision_ptm(gamma, r0, omega)
    full1, obs1 = ptm.qubit_collision_ptm(gamma, r0 + dr, omega)
    lin, dobs = ptm.qubit_collision_ptm(gamma, dr, omega, affine=False)
    np.testing.assert_allclose(full1 - full0, lin, atol=BASIS_CHANGE)
    np.testing.assert_allclose(obs1 - obs0, dobs, atol=BASIS_CHANGE)


def test_partial_swap_ptm_is_the_conjugation_and_orthogonal(rng):
    for delta in rng.uniform(-np.pi, np.pi, 5):
        v = partial_swap_matrix(delta)
        r = ptm.partial_swap_ptm(delta)
        np.testing.assert_allclose(r, ptm.to_ptm(np.kron(v, v.conj())), atol=BASIS_CHANGE)
        np.testing.assert_allclose(r @ r.T, np.eye(16), atol=BASIS_CHANGE)


def test_paper_map_equals_the_complex_channel_and_its_steady_state(rng):
    """The paper's map (Eq. 8) built in the real basis: same map, observables, and steady currents (Eqs. 10-11)."""
    for _ in range(15):
        k = _random_parameters(rng)
        eta_h = ancilla_state(k["t_hot"], k["p"], k["phase_hot"], k["omega"])
        eta_c = ancilla_state(k["t_cold"], k["p"], k["phase_cold"], k["omega"])
        channel = Channel(k["gamma"], k["delta"], eta_h, eta_c, k["omega"])
        system = ptm.paper_ptm(k["gamma"], k["delta"], ptm.bloch_vector(eta_h), ptm.bloch_vector(eta_c), k["omega"])
        np.testing.assert_allclose(system.matrix(), ptm.to_ptm(channel.superoperator), atol=BASIS_CHANGE)
        g_hot, g_cold = system.observables()
        np.testing.assert_allclose(g_hot, ptm.state_vector(channel.heat_observable_hot), atol=BASIS_CHANGE)
        np.testing.assert_allclose(g_cold, ptm.state_vector(channel.heat_observable_cold), atol=BASIS_CHANGE)
        u, _ = ptm.paper_steady_after_v(system)
        model = ch.CollisionModel(
            gamma=k["gamma"],
            delta=k["delta"],
            hot=ch.Reservoir(k["t_hot"], k["p"], k["phase_hot"], k["omega"]),
            cold=ch.Reservoir(k["t_cold"], k["p"], k["phase_cold"], k["omega"]),
        )
        ss = ch.steady_state(model)
        assert u @ system.v_hot - system.energy_hot == pytest.approx(ss.heat_hot, abs=SAME_FIXED_POINT)
        assert u @ system.v_cold - system.energy_cold == pytest.approx(ss.heat_cold, abs=SAME_FIXED_POINT)
        # u is the fixed point after V: u = R_V r*
        np.testing.assert_allclose(u, system.swap @ ptm.state_vector(ss.system_state), atol=SAME_FIXED_POINT)


def test_propagation_equals_complex_doubling(rng):
    """Batched real doubling and the observed variant equal the direct engine's complex doubling of each map."""
    n = 300
    maps = np.stack([_random_cptp(rng, 4) for _ in range(3)])
    rho0 = system_initial_state("01")
    o = rng.standard_normal((3, 2, 4, 4)) + 1j * rng.standard_normal((3, 2, 4, 4))
    o = o + np.swapaxes(o.conj(), -1, -2)
    states = ptm.propagate(ptm.to_ptm(maps), ptm.state_vector(rho0), n)
    observed = ptm.propagate_observed(ptm.to_ptm(maps), ptm.state_vector(rho0), ptm.state_vector(o), n)
    for b in range(3):
        reference = complex_propagate(maps[b], rho0, n)
        np.testing.assert_allclose(ptm.state_matrix(states[b]), reference, atol=DOUBLING)
        before = np.concatenate([rho0[None], reference[:-1]])
        for a in range(2):
            expected = np.einsum("kij,ji->k", before, o[b, a]).real
            np.testing.assert_allclose(observed[b, a], expected, atol=DOUBLING)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 65])
def test_propagate_observed_every_length(rng, n):
    """Block lengths and the partial last block: every k = 0..n-1 is present once (against a plain loop)."""
    r = ptm.to_ptm(_random_cptp(rng, 4))
    r0 = ptm.state_vector(system_initial_state("10"))
    obs = rng.standard_normal((1, 16))
    expected, state = [], r0
    for _ in range(n):
        expected.append(obs[0] @ state)
        state = r @ state
    np.testing.assert_allclose(ptm.propagate_observed(r, r0, obs, n)[0], expected, atol=DOUBLING)


# --- the steady-state grid path (paper_steady_heat, the solver's buffer, blocks that keep broadcasting) ---

#: The closed-form current of paper_steady_heat and PaperPTM.heat_hot evaluate Eqs. (10)-(11)
#: with the same solve but differently ordered sums of three products: currents of order 1e-1
#: agree to a few ulps.
SAME_SOLVE = 1e-15


def _blochs(t_hot, t_cold, p, phase_hot, phase_cold, omega):
    return (
        ptm.bloch_vector(ancilla_state(t_hot, p, phase_hot, omega)),
        ptm.bloch_vector(ancilla_state(t_cold, p, phase_cold, omega)),
    )


def _heat_point_by_point(gamma, delta, t_hot, t_cold, p, phase_hot, phase_cold, omega):
    """J_h^steady of every grid point through the 4x4 / 16x16 factors (paper_ptm, paper_steady_after_v, heat_hot)."""
    args = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (gamma, delta, t_hot, t_cold, p, phase_hot, phase_cold, omega))
    )
    out = np.empty(args[0].shape)
    for idx in np.ndindex(out.shape):
        g, d, th, tc, pp, ph, pc, w = (float(a[idx]) for a in args)
        system = ptm.paper_ptm(g, d, *_blochs(th, tc, pp, ph, pc, w), w)
        u, _ = ptm.paper_steady_after_v(system)
        out[idx] = system.heat_hot(u)
    return out


GRIDS = {
    "scalars": (0.7, 0.3, 2.0, 1.0, 0.6, 0.4, 1.1, 1.3),
    "gamma only": (np.linspace(0.1, 3.0, 17), np.pi / 4, 2.0, 1.0, 0.8, 1.0, 0.0, 1.0),
    "phase x gamma (README)": (
        np.linspace(0.05, 1.5, 9)[None, :],
        np.pi / 4,
        2.0,
        1.0,
        0.8,
        np.linspace(0, 6, 7)[:, None],
        0.0,
        1.0,
    ),
    "mixed, delta and omega per point": (
        np.linspace(0.2, 2.9, 3)[:, None, None],
        np.linspace(-3.0, 3.0, 4)[None, :, None],
        np.array([0.5, 4.0])[None, None, :],
        1.3,
        0.5,
        np.linspace(0.0, 6.0, 2),
        0.3,
        np.array([0.7, 1.4, 2.1])[:, None, None],
    ),
    "cold ancilla varies, hot fixed": (0.9, 0.4, 2.0, np.linspace(0.2, 5.0, 6)[:, None], 0.7, 0.0, np.linspace(0, 6, 5), 1.0),
}


@pytest.mark.parametrize("name", GRIDS)
def test_paper_steady_heat_equals_the_matrix_path_point_by_point(name):
    """Scalar calls, grids where only some parameters vary, mixed broadcast shapes (delta per point: W^T per system)."""
    gamma, delta, t_hot, t_cold, p, phase_hot, phase_cold, omega = GRIDS[name]
    j = ptm.paper_steady_heat(gamma, delta, *_blochs(t_hot, t_cold, p, phase_hot, phase_cold, omega), omega)
    expected = _heat_point_by_point(*GRIDS[name])
    assert j.shape == expected.shape == np.broadcast_shapes(*(np.shape(a) for a in GRIDS[name]))
    np.testing.assert_allclose(j, expected, rtol=0, atol=SAME_SOLVE)
    np.testing.assert_allclose(ch.steady_heat_current(*GRIDS[name]), expected, rtol=0, atol=SAME_SOLVE)


@pytest.mark.parametrize("per_point_delta", [False, True])
def test_paper_system_is_w_transpose_minus_k_and_batches_cover_every_point(rng, per_point_delta):
    """Several solve batches and a partial last one; the kept matrix is W^T - K_11 entry for entry (module docstring).

    The buffer holds the negated system with twice the right-hand side; sign and factor 2 are exact,
    so matrix and solution equal those of (W^T - K_11) y = K_10 / 2 assembled from the full
    16x16 factors (kron4, partial_swap_ptm) to the last bit.
    """
    n = 2 * ptm._SOLVE_BATCH + 37
    gamma = rng.uniform(0.05, np.pi - 0.05, n)
    delta = rng.uniform(-np.pi, np.pi, n) if per_point_delta else 0.8
    blochs = _blochs(rng.uniform(0.1, 5.0, n), 1.3, 0.7, rng.uniform(0, 2 * np.pi, n), 0.2, 1.0)
    system = ptm.paper_ptm(gamma, delta, *blochs, 1.0)
    u, a = ptm.paper_steady_after_v(system, keep_matrix=True)
    k = ptm.kron4(system.hot, system.cold)
    order = ptm._ORDER
    reference = np.swapaxes(np.broadcast_to(system.swap, (n, 16, 16)), -1, -2)[:, order, 1:] - k[:, order, 1:]
    np.testing.assert_array_equal(a, reference)
    y = np.linalg.solve(reference, 0.5 * k[:, order, :1])[..., 0]
    np.testing.assert_array_equal(u[:, 1:], y)
    np.testing.assert_array_equal(u[:, 0], 0.5)
    heat = ptm.paper_steady_heat(gamma, delta, *blochs, 1.0)
    np.testing.assert_allclose(heat, system.heat_hot(u), rtol=0, atol=SAME_SOLVE)


def test_qubit_collision_ptm_broadcasts_gamma_against_one_bloch_vector():
    """gamma with more axes than the Bloch vector's batch: each point as computed alone."""
    gamma = np.linspace(0.1, 3.0, 6).reshape(3, 2)
    r = ptm.bloch_vector(ancilla_state(1.5, 0.6, 0.9))
    full, obs = ptm.qubit_collision_ptm(gamma, r, 1.2)
    for idx in np.ndindex(gamma.shape):
        one, one_obs = ptm.qubit_collision_ptm(gamma[idx], r, 1.2)
        np.testing.assert_array_equal(full[idx], one)
        np.testing.assert_array_equal(obs[idx], one_obs)


@pytest.mark.parametrize("chunk", [1, 2, 5])
def test_blocks_of_a_grid_keep_its_broadcasting_and_change_nothing(monkeypatch, chunk):
    """_in_chunks: slices along one axis (single indices before it), size-1 axes never broadcast; same numbers, same shape.

    Every point's arithmetic is the same in any block, so chunked and whole results are equal.
    """
    import circuitheat.steady as steady

    gamma = np.linspace(0.2, 2.5, 3)[:, None, None]
    phase = np.linspace(0, 6, 5)[None, :, None]
    temps = np.linspace(0.5, 3.0, 4)
    seen = []
    worker = steady._steady_heat_current_chunk

    def spy(*arrays):
        seen.append([a.shape for a in arrays])
        return worker(*arrays)

    whole = ch.steady_heat_current(gamma, np.pi / 5, temps + 0.5, temps, 0.7, phase, 0.0)
    lam_whole, c_whole = ch.linear_response(gamma, np.pi / 5, temps, 0.7, phase)
    monkeypatch.setattr(steady, "CHUNK_POINTS", chunk)
    monkeypatch.setattr(steady, "_steady_heat_current_chunk", spy)
    chunked = ch.steady_heat_current(gamma, np.pi / 5, temps + 0.5, temps, 0.7, phase, 0.0)
    lam, c = ch.linear_response(gamma, np.pi / 5, temps, 0.7, phase)
    assert chunked.shape == whole.shape == (3, 5, 4)
    np.testing.assert_array_equal(chunked, whole)
    np.testing.assert_array_equal(lam, lam_whole)
    np.testing.assert_array_equal(c, c_whole)
    assert len(seen) > 1
    for shapes in seen:
        assert math.prod(np.broadcast_shapes(*shapes)) <= steady._HEAT_BLOCK_FACTOR * chunk
        assert math.prod(shapes[1]) == math.prod(shapes[4]) == 1  # single values stay single
        assert shapes[0][1:] == (1, 1) and shapes[5][0] == 1  # size-1 axes are not broadcast
