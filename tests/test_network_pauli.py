"""The matrix-free step in the real Pauli basis (circuitheat/network/pauli.py).

References: the definition c_p = Tr[P_p rho] evaluated with explicit kron products, and the
brute force of test_network_core (full unitary on system + the step's ancillas, partial traces).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from test_network_core import (
    ENGINE_AGREEMENT,
    KRYLOV_AGREEMENT,
    assert_trajectory_matches_brute_force,
    brute_force_step,
    random_density,
    random_gate,
    random_network,
)

import circuitheat as ch
from circuitheat.network.pauli import ENERGY_AFTER, PAULIS, from_pauli, observable_from_pauli, superoperator_from_pauli, to_pauli
from circuitheat.network.step import WORK, step_map

#: Basis changes and single steps are a few BLAS products: rounding ~1e-15; 1e-12 leaves room.
BASIS_AGREEMENT = 1e-12


def _explicit_pauli(rho: np.ndarray, n: int) -> np.ndarray:
    """c_p = Tr[(P_p1 x ... x P_pN) rho] by explicit kron products (site 0 most significant)."""
    out = np.empty(4**n, dtype=complex)
    for index in range(4**n):
        digits = [(index // 4 ** (n - 1 - k)) % 4 for k in range(n)]
        op = functools.reduce(np.kron, [PAULIS[p] for p in digits])
        out[index] = np.trace(op @ rho)
    return out


@pytest.mark.parametrize("sites", [1, 2, 3])
def test_pauli_coefficients_follow_their_definition_and_invert(sites):
    rng = np.random.default_rng(sites)
    d = 2**sites
    m = rng.normal(size=(3, d, d)) + 1j * rng.normal(size=(3, d, d))  # not Hermitian: the maps are linear
    c = to_pauli(m)
    for k in range(3):
        np.testing.assert_allclose(c[k], _explicit_pauli(m[k], sites), atol=BASIS_AGREEMENT)
    np.testing.assert_allclose(from_pauli(c), m, atol=BASIS_AGREEMENT)
    rho = random_density(rng, d)
    c = to_pauli(rho[None])
    assert np.max(np.abs(c.imag)) < BASIS_AGREEMENT  # a state has real coefficients
    assert abs(c[0, 0] - 1) < BASIS_AGREEMENT  # c_0 = Tr rho


def _crowded_network(rng: np.random.Generator, sites: int, max_collisions: int = 4) -> ch.CollisionNetwork:
    """Many operations: channels before and after gates, repeated and reversed pairs, distant pairs."""
    reservoirs = {"hot": ch.Reservoir(2.0, 0.7, 1.0), "cold": ch.Ancilla(random_density(rng, 2), 1.3)}
    step, collisions = [], 0
    for _ in range(12):
        if sites == 1 and collisions == max_collisions:
            break
        if sites >= 2 and (rng.uniform() < 0.6 or collisions == max_collisions):
            i, j = rng.choice(sites, 2, replace=False)
            step.append(ch.Interaction((int(i), int(j)), random_gate(rng)))
        else:
            step.append(ch.Collision(str(rng.choice(["hot", "cold"])), site=int(rng.integers(sites)), gate=random_gate(rng)))
            collisions += 1
    return ch.CollisionNetwork(sites, list(rng.uniform(0.5, 2.0, sites)), reservoirs, step)


@pytest.mark.parametrize("seed", range(12))
def test_pauli_step_matches_brute_force(seed):
    """States, currents and work of one matrix-free step against the brute force (full unitary, partial traces)."""
    rng = np.random.default_rng(7000 + seed)
    net = _crowded_network(rng, int(rng.integers(1, 5))) if seed % 2 else random_network(rng)
    free = step_map(net, dense=False)
    rho = random_density(rng, net.dim)
    c_after, readout = free.pauli.advance(to_pauli(rho[None]).real)
    after, currents, work = brute_force_step(net, rho)
    np.testing.assert_allclose(from_pauli(c_after)[0], after, atol=ENGINE_AGREEMENT)
    for name in net.reservoir_names:
        assert abs(readout[name][0] - free.ancilla_energies[name] - currents[name]) < ENGINE_AGREEMENT
    assert abs(readout[WORK][0] - work) < ENGINE_AGREEMENT
    # the system energy after the step, read from the state before it (the pulled-back functional)
    np.testing.assert_allclose(readout[ENERGY_AFTER], free.energy(after[None]), atol=BASIS_AGREEMENT)
    # fusion never makes more operations than the step has, nor wider ones
    assert len(free.pauli.operations) <= len(net.step)
    assert all(len(op.sites) <= 2 for op in free.pauli.operations)


@pytest.mark.parametrize("sites", [1, 2, 3])
def test_superoperator_and_observables_from_pauli(sites):
    """The basis change of a PTM and of a functional against their definitions on random inputs."""
    rng = np.random.default_rng(7400 + sites)
    size, d = 4**sites, 2**sites
    transfer = rng.normal(size=(size, size))
    rho = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    superop = superoperator_from_pauli(transfer)
    expected = from_pauli((transfer @ to_pauli(rho[None])[0])[None])[0]
    np.testing.assert_allclose((superop @ rho.reshape(-1)).reshape(d, d), expected, atol=BASIS_AGREEMENT)
    functional = rng.normal(size=size)
    observable = observable_from_pauli(functional)
    assert abs(np.trace(rho @ observable) - functional @ to_pauli(rho[None])[0]) < BASIS_AGREEMENT


def test_chain_step_is_one_product_per_bond():
    """A boundary-driven chain: each collision is fused into the bond on its site (N - 1 products per step)."""
    net = ch.presets.boundary_driven_chain(6)
    assert len(step_map(net, dense=False).pauli.operations) == 5


@pytest.mark.parametrize("seed", range(4))
def test_stepwise_trajectory_matches_brute_force(seed):
    """N = 5 (a 1024-row map: the direct engine steps matrix-free) against the brute force, step by step."""
    rng = np.random.default_rng(7100 + seed)
    net = _crowded_network(rng, 5) if seed % 2 else random_network(rng, sites=5)
    if len(net.collisions) > 4:  # keep the brute force's joint space at most 2^9
        net = random_network(rng, sites=5)
    assert_trajectory_matches_brute_force(net, random_density(rng, net.dim), 3)


@pytest.mark.parametrize("seed", range(6))
def test_krylov_steady_state_in_the_pauli_basis(seed):
    """GMRES on the traceless Pauli coefficients against the dense bordered solve; its residual is the true one."""
    rng = np.random.default_rng(7200 + seed)
    net = ch.presets.boundary_driven_chain(
        int(rng.integers(2, 5)),
        str(rng.choice(["partial_swap", "xxz"])),
        delta=rng.uniform(0.2, 1.4),
        anisotropy=rng.uniform(-2, 2),
        gamma=rng.uniform(0.2, 1.4),
    )
    dense = ch.steady_state(net, method="dense")
    krylov = ch.steady_state(net, method="krylov")
    np.testing.assert_allclose(krylov.system_state, dense.system_state, atol=KRYLOV_AGREEMENT)
    assert krylov.residual <= ch.fixed_point.KRYLOV_RESIDUAL
    after = step_map(net).apply(krylov.system_state[None])[0][0]
    assert abs(np.linalg.norm(after - krylov.system_state) - krylov.residual) < BASIS_AGREEMENT
    np.testing.assert_allclose(krylov.system_state, krylov.system_state.conj().T, atol=0)
    assert abs(np.trace(krylov.system_state) - 1) < BASIS_AGREEMENT


def test_stepwise_ancilla_states_are_the_dilation_of_each_state_before_the_step():
    """ancillas=True on the matrix-free path (N = 5): the ancilla map applied to the state before each step."""
    from circuitheat.engines.base import ENGINES
    from circuitheat.engines.dilation import ancilla_map

    rng = np.random.default_rng(7300)
    net = ch.presets.boundary_driven_chain(5)
    rho0 = random_density(rng, net.dim)
    run = ENGINES["direct"].run(net, 3, rho0, store_states=True, ancillas=True)
    amap = ancilla_map(net)
    before = np.concatenate([rho0[None], run.states[:-1]])
    for k in range(3):
        expected = (amap @ before[k].reshape(-1)).reshape(run.ancilla_states[k].shape)
        np.testing.assert_allclose(run.ancilla_states[k], expected, atol=BASIS_AGREEMENT)
        assert abs(np.trace(run.ancilla_states[k]) - 1) < BASIS_AGREEMENT


def test_reserved_reservoir_name_is_refused():
    """The readouts key the work as "__work__": a reservoir may not take a name starting with "__"."""
    with pytest.raises(ValueError, match=r"reservoirs keys starting with '__' are reserved, got '__work__'"):
        ch.CollisionNetwork(1, 1.0, {"__work__": ch.Reservoir(1.0)}, [ch.Collision("__work__", 0, ch.partial_swap(0.3))])
