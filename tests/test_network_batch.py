"""Batched networks (circuitheat/network/batch.py) and vectorised network sweeps (sweeps/batched.py).

References, test by test:

* random batched networks: every batch index against ``ch.steady_state`` / ``ch.simulate`` of
  the *unbatched* network built here from that index's slices (a from_reservoir ancilla as the
  ``ch.Reservoir`` of that point's scalar parameters, Eq. 12), and the energy balance against
  the brute force of ``test_network_core`` (full unitary on system + the step's ancillas);
* the paper model (Eq. 8): the paper's own batched fast path ``ch.steady_heat_current`` and
  ``CollisionModel(...).network`` point by point;
* gate stacks: the Qiskit definitions of the partial swap (Eqs. 2-5, RXX·RYY·RZZ) and the
  Heisenberg exchange, through ``qiskit.quantum_info.Operator``;
* vectorised sweeps: the point-by-point sweep (``vectorized=False``, the builder called with scalars).
"""

from __future__ import annotations

import concurrent.futures as cf
import math

import numpy as np
import pytest
import xarray as xr
from qiskit.circuit import Gate
from qiskit.circuit.library import CXGate
from qiskit.quantum_info import Operator
from test_network_core import brute_force_step, random_density, random_gate

import circuitheat as ch
from circuitheat.hardware.protocol import hardware_circuit
from circuitheat.network import circuits
from circuitheat.network.batch import BATCH_MAX_SITES, batch_steady, batch_trajectories, paper_structure
from circuitheat.network.gates import gate_matrix, heisenberg_matrix, partial_swap_matrix
from circuitheat.sweeps import make_spec, sweep

#: Batched and per-point evaluation of one network: two exact solves of the same map (the random
#: networks here have spectral gaps 1 - |lambda_2| >= 2.6e-4, so errors stay ~eps / gap); 1e-10
#: is the engines' agreement contract (issue 11); observed differences <= 4e-15.
POINT_AGREEMENT = 1e-10
#: The paper model through the batched network equals the paper's fast path (real 15x15 solve
#: per point, ch.steady_heat_current) to rounding: currents ~1e-2, a few ulps of the solve.
PAPER_AGREEMENT = 1e-12
#: First law sum_r J_r = W (Eqs. 10-11 generalised): currents and work are readouts of the same
#: state, so the balance holds to rounding; 1e-10 as for the unbatched core.
FIRST_LAW = 1e-10
#: Resonant partial swaps conserve sigma_z + sigma_z: the steady work is zero up to rounding
#: of currents of order 1e-2.
ZERO_WORK = 1e-12
#: Vectorised and point-by-point sweeps: a batched real (4^N-1) solve against ch.steady_state's
#: complex bordered solve (and n products of 4^N matrices against the dense engine), both
#: backward stable on these well-conditioned maps: a few ulps of currents of order 1e-2.
SWEEP_AGREEMENT = 1e-12
#: Gate stacks against the Qiskit definitions: one 4x4 product of rotations, rounding ~1e-16.
MATRIX_AGREEMENT = 1e-13

#: Batch shapes of the random networks' parts; they all broadcast to (3, 4) ("()": a shared part).
PART_SHAPES = ((3, 1), (1, 4), (3, 4), (4,))
#: Steps of the random trajectories.
N_STEPS = 6

HOT = ch.Reservoir(temperature=2.0, coherence=0.8, phase=5 * np.pi / 4)
COLD = ch.Reservoir(temperature=1.0, coherence=0.8, phase=0.0)


# ----------------------------------------------------------------- random batched networks


def haar_unitaries(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Haar-random 4x4 unitaries (*shape, 4, 4): QR of a complex Ginibre matrix, R's diagonal phases removed (Mezzadri 2007)."""
    z = (rng.normal(size=(*shape, 4, 4)) + 1j * rng.normal(size=(*shape, 4, 4))) / math.sqrt(2)
    q, r = np.linalg.qr(z)
    d = np.diagonal(r, axis1=-2, axis2=-1)
    return q * (d / np.abs(d))[..., None, :]


def local_rz_first(angle: np.ndarray) -> np.ndarray:
    """RZ(angle) on the first slot of a two-qubit gate, identity on the second (kron basis): (*shape, 4, 4)."""
    angle = np.asarray(angle, dtype=float)
    diag = np.stack([np.exp(-0.5j * angle)] * 2 + [np.exp(0.5j * angle)] * 2, axis=-1)
    return diag[..., None] * np.eye(4)


def batched_gate(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """A stack of entangling unitaries (*shape, 4, 4): Haar, partial swap, XYZ exchange, or an asymmetric one."""
    kind = rng.integers(4)
    if kind == 0:
        return haar_unitaries(rng, shape)
    if kind == 1:  # |theta| in [0.2, 1.4]: never a product (theta = 0 or pi)
        return partial_swap_matrix(rng.uniform(0.2, 1.4, shape) * rng.choice([-1.0, 1.0], shape))
    jx, jy, jz = rng.uniform(-1, 1, (3, *shape))  # jx != jy: creates/destroys pairs, does work
    exchange = heisenberg_matrix(jx, jy, jz, rng.uniform(0.4, 1.5))
    if kind == 2:
        return exchange
    return local_rz_first(rng.uniform(-3, 3, shape)) @ exchange  # not symmetric in its two qubits


def shared_gate(rng: np.random.Generator):
    """One gate for every point (random_gate of test_network_core, without CNOT).

    A CNOT collision conserves the control's sigma_z: a second fixed point that no coupling-graph
    check sees; its refusal is tested on its own (test_singular_step_at_one_point_is_refused...).
    """
    while isinstance(gate := random_gate(rng), CXGate):
        pass
    return gate


def _at(array: np.ndarray, shape: tuple[int, ...], core: int, index: tuple[int, ...]) -> np.ndarray:
    """The slice of a part (own batch..., core...) at ``index`` of the network's batch ``shape``."""
    array = np.asarray(array)
    return np.broadcast_to(array, shape + array.shape[array.ndim - core :])[index]


class RandomBatch:
    """A random batched network and, for each batch index, the unbatched network of that point.

    Parts: gates shared (Qiskit gates, circuits, operators, arrays) or stacked with one of
    :data:`PART_SHAPES`; ancillas shared (``Reservoir``, ``Ancilla``) or stacked (``Ancilla`` of
    random states, ``Ancilla.from_reservoir`` of arrays of different shapes), each with its own,
    non-resonant omega. Every connected group of sites gets a collision (unique steady state).
    """

    def __init__(self, rng: np.random.Generator, sites: int):
        self.sites = sites
        self.shapes: list[tuple[int, ...]] = []
        names = ("hot", "cold", "third")[: rng.integers(1, 4)]
        self.reservoirs = {name: self._ancilla(rng) for name in names}
        self.step: list[tuple] = []  # ("i", (i, j), gate, at) or ("c", name, site, gate, at)
        for _ in range(rng.integers(2, 6)):
            if sites >= 2 and rng.uniform() < 0.5:
                i, j = (int(s) for s in rng.choice(sites, 2, replace=False))
                self.step.append(("i", (i, j), *self._gate(rng)))
            else:
                self.step.append(("c", str(rng.choice(names)), int(rng.integers(sites)), *self._gate(rng)))
        for group in self._groups_without_collision():
            self.step.append(("c", str(rng.choice(names)), group[0], *self._gate(rng)))
        if not any(self.shapes):  # at least one batched part
            self.step.append(("c", names[0], 0, *self._gate(rng, batched=True)))
        self.omega = list(rng.uniform(0.5, 2.0, sites)) if rng.uniform() < 0.5 else float(rng.uniform(0.5, 2.0))
        self.shape = np.broadcast_shapes(*self.shapes)
        self.network = self._build(lambda value, at: value)

    def _gate(self, rng: np.random.Generator, batched: bool | None = None) -> tuple:
        if batched is None:
            batched = rng.uniform() < 0.6
        if not batched:
            gate = shared_gate(rng)
            self.shapes.append(())
            return gate, None
        shape = PART_SHAPES[rng.integers(len(PART_SHAPES))]
        self.shapes.append(shape)
        stack = batched_gate(rng, shape)
        return stack, lambda index: _at(stack, self.shape, 2, index)

    def _ancilla(self, rng: np.random.Generator) -> tuple:
        omega = float(rng.uniform(0.5, 2.0))
        kind = rng.integers(4)
        if kind == 0:
            self.shapes.append(())
            return ch.Reservoir(rng.uniform(0.2, 5), rng.uniform(), rng.uniform(0, 2 * np.pi), omega), None
        if kind == 1:
            self.shapes.append(())
            return ch.Ancilla(random_density(rng, 2), omega), None
        if kind == 2:
            shape = PART_SHAPES[rng.integers(len(PART_SHAPES))]
            self.shapes.append(shape)
            states = np.array([random_density(rng, 2) for _ in range(math.prod(shape))]).reshape(*shape, 2, 2)
            return ch.Ancilla(states, omega), lambda index: ch.Ancilla(_at(states, self.shape, 2, index), omega)
        # Eq. 12 with T, p, phi arrays of different shapes, broadcast together by from_reservoir
        t, p, phi = (
            rng.uniform(lo, hi, PART_SHAPES[rng.integers(len(PART_SHAPES))])
            for lo, hi in ((0.2, 5.0), (0.0, 1.0), (0.0, 2 * np.pi))
        )
        self.shapes.append(np.broadcast_shapes(t.shape, p.shape, phi.shape))

        def at(index):
            t_k, p_k, phi_k = (float(_at(a, self.shape, 0, index)) for a in (t, p, phi))
            return ch.Reservoir(t_k, p_k, phi_k, omega)

        return ch.Ancilla.from_reservoir(t, p, phi, omega), at

    def _groups_without_collision(self) -> list[list[int]]:
        """Connected groups of sites (through the step's interactions) that no collision touches."""
        group = list(range(self.sites))

        def root(s: int) -> int:
            while group[s] != s:
                s = group[s]
            return s

        for op in self.step:
            if op[0] == "i":
                group[root(op[1][0])] = root(op[1][1])
        touched = {root(op[2]) for op in self.step if op[0] == "c"}
        out: dict[int, list[int]] = {}
        for s in range(self.sites):
            if root(s) not in touched:
                out.setdefault(root(s), []).append(s)
        return list(out.values())

    def _build(self, pick) -> ch.CollisionNetwork:
        """The network with each part replaced by ``pick(value, at)``."""
        reservoirs = {name: pick(anc, at) for name, (anc, at) in self.reservoirs.items()}
        step = []
        for op in self.step:
            if op[0] == "i":
                step.append(ch.Interaction(op[1], pick(op[2], op[3])))
            else:
                step.append(ch.Collision(op[1], site=op[2], gate=pick(op[3], op[4])))
        return ch.CollisionNetwork(sites=self.sites, omega=self.omega, reservoirs=reservoirs, step=step)

    def point(self, index: tuple[int, ...]) -> ch.CollisionNetwork:
        """The unbatched network at batch ``index``."""
        return self._build(lambda value, at: value if at is None else at(index))


# Test 1 (reference: ch.steady_state / ch.simulate of each point's unbatched network).
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("sites", [1, 2, 3, 4])
def test_random_batched_network_equals_its_points(sites, seed):
    rng = np.random.default_rng(7000 + 10 * sites + seed)
    batch = RandomBatch(rng, sites)
    net = batch.network
    assert net.batch_shape == batch.shape
    rho0 = random_density(rng, 2**sites)
    steady = batch_steady(net)
    traj = batch_trajectories(net, N_STEPS, initial_state=rho0)
    for name in net.reservoir_names:
        assert steady.currents[name].shape == batch.shape
        assert traj.currents[name].shape == (*batch.shape, N_STEPS)
    assert steady.work.shape == batch.shape and traj.work.shape == (*batch.shape, N_STEPS)
    for index in np.ndindex(*batch.shape):
        point = batch.point(index)
        assert point.batch_shape == ()
        ss = ch.steady_state(point)
        run = ch.simulate(point, N_STEPS, initial_state=rho0, store_states=False)
        for name in net.reservoir_names:
            assert abs(steady.currents[name][index] - ss.currents[name]) < POINT_AGREEMENT, (index, name)
            np.testing.assert_allclose(traj.currents[name][index], run.currents[name], atol=POINT_AGREEMENT, rtol=0)
        assert abs(steady.work[index] - ss.work) < POINT_AGREEMENT, index
        np.testing.assert_allclose(traj.work[index], run.work, atol=POINT_AGREEMENT, rtol=0)


def test_blocks_of_points_give_the_same_numbers():
    """block_points cuts the batch into blocks (BLOCK_POINTS in production): the result does not depend on it."""
    net = RandomBatch(np.random.default_rng(7100), 2).network
    whole, blocked = batch_steady(net), batch_steady(net, block_points=5)
    traj, traj_blocked = batch_trajectories(net, 4), batch_trajectories(net, 4, block_points=5)
    for name in net.reservoir_names:
        np.testing.assert_allclose(blocked.currents[name], whole.currents[name], atol=POINT_AGREEMENT, rtol=0)
        np.testing.assert_allclose(traj_blocked.currents[name], traj.currents[name], atol=POINT_AGREEMENT, rtol=0)
    np.testing.assert_allclose(blocked.work, whole.work, atol=POINT_AGREEMENT, rtol=0)


def test_default_initial_state_is_the_ground_state_and_labels_work():
    """initial_state None = every site in its ground state |1...1> (DESIGN.md); a label as for ch.simulate."""
    batch = RandomBatch(np.random.default_rng(7200), 3)
    default, labelled = batch_trajectories(batch.network, 3), batch_trajectories(batch.network, 3, "010")
    index = (0,) * len(batch.shape)
    point = batch.point(index)
    ground, other = ch.simulate(point, 3, store_states=False), ch.simulate(point, 3, initial_state="010", store_states=False)
    for name in batch.network.reservoir_names:
        np.testing.assert_allclose(default.currents[name][index], ground.currents[name], atol=POINT_AGREEMENT, rtol=0)
        np.testing.assert_allclose(labelled.currents[name][index], other.currents[name], atol=POINT_AGREEMENT, rtol=0)


# ----------------------------------------------------------------- the paper model


# Test 2 (references: the paper's fast path ch.steady_heat_current, Eqs. 10-11 on Eq. 8, and
# CollisionModel(...).network through the core, point by point).
def test_paper_model_of_arrays_equals_the_paper_fast_path_and_each_point():
    gamma = np.array([np.pi / 32, np.pi / 4]).reshape(2, 1, 1)
    delta = np.array([np.pi / 8, np.pi / 4, 1.2]).reshape(1, 3, 1)
    phase_hot = np.linspace(0, 2 * np.pi, 4, endpoint=False).reshape(1, 1, 4)
    t_hot, t_cold, p, phase_cold = 2.0, 1.0, 0.8, 0.3
    hot = ch.Ancilla.from_reservoir(t_hot, p, phase_hot)
    cold = ch.Reservoir(t_cold, p, phase_cold)
    net = ch.presets.paper_model(gamma, delta, hot, cold)
    assert net.batch_shape == (2, 3, 4)
    steady = batch_steady(net)
    fast = ch.steady_heat_current(gamma, delta, t_hot, t_cold, p, phase_hot, phase_cold)
    np.testing.assert_allclose(steady.currents["hot"], fast, atol=PAPER_AGREEMENT, rtol=0)
    np.testing.assert_allclose(steady.currents["cold"], -fast, atol=PAPER_AGREEMENT, rtol=0)
    # first law: J_h + J_c = W = 0 for resonant partial swaps
    np.testing.assert_allclose(steady.currents["hot"] + steady.currents["cold"], steady.work, atol=FIRST_LAW, rtol=0)
    np.testing.assert_allclose(steady.work, 0.0, atol=ZERO_WORK)
    traj = batch_trajectories(net, 5)
    for index in np.ndindex(*net.batch_shape):
        g, d, phi = (float(np.broadcast_to(a, net.batch_shape)[index]) for a in (gamma, delta, phase_hot))
        model = ch.CollisionModel(gamma=g, delta=d, hot=ch.Reservoir(t_hot, p, phi), cold=cold)
        ss = ch.steady_state(model.network)
        assert abs(steady.currents["hot"][index] - ss.currents["hot"]) < PAPER_AGREEMENT
        assert abs(steady.currents["cold"][index] - ss.currents["cold"]) < PAPER_AGREEMENT
        run = ch.simulate(model, 5, store_states=False)  # the paper model's own engine path
        np.testing.assert_allclose(traj.currents["hot"][index], run.heat_hot, atol=PAPER_AGREEMENT, rtol=0)
        np.testing.assert_allclose(traj.currents["cold"][index], run.heat_cold, atol=PAPER_AGREEMENT, rtol=0)
    np.testing.assert_allclose(traj.work, 0.0, atol=ZERO_WORK)


def test_paper_model_of_numbers_is_the_collision_models_network():
    """paper_model(numbers, Reservoirs) is CollisionModel(...).network; with an Ancilla it is the same network."""
    model = ch.CollisionModel(gamma=0.3, delta=0.7, hot=HOT, cold=COLD)
    assert ch.presets.paper_model(0.3, 0.7, HOT, COLD) == model.network
    via_ancilla = ch.presets.paper_model(0.3, 0.7, ch.Ancilla.from_reservoir(2.0, 0.8, 5 * np.pi / 4), COLD)
    assert via_ancilla.batch_shape == ()
    a, b = ch.steady_state(via_ancilla), ch.steady_state(model)
    assert abs(a.currents["hot"] - b.heat_hot) < PAPER_AGREEMENT


def test_from_reservoir_is_eq12_and_stacks_follow_the_qiskit_definitions():
    """Ancilla.from_reservoir of arrays = Reservoir.state (Eq. 12) per point; gate stacks = Qiskit's gates per point."""
    t = np.array([0.5, 2.0, math.inf]).reshape(3, 1)
    p = np.array([0.0, 0.3, 1.0, 0.8])
    phi = 1.1
    anc = ch.Ancilla.from_reservoir(t, p, phi, omega=1.7)
    assert anc.state.shape == (3, 4, 2, 2) and anc.omega == 1.7
    for i, j in np.ndindex(3, 4):
        ref = ch.Reservoir(float(t[i, 0]), float(p[j]), phi, 1.7)
        np.testing.assert_allclose(anc.state[i, j], ref.state, atol=MATRIX_AGREEMENT, rtol=0)
        assert abs(anc.energy[i, j] - ch.Ancilla(ref.state, 1.7).energy) < MATRIX_AGREEMENT
    theta = np.array([-0.4, 0.0, 1.3])
    for k, th in enumerate(theta):  # the circuit definition RXX·RYY·RZZ with its global phase (Eqs. 2-5)
        ref = gate_matrix(Operator(ch.partial_swap(th).definition))
        np.testing.assert_allclose(partial_swap_matrix(theta)[k], ref, atol=MATRIX_AGREEMENT, rtol=0)
    jx, jy, jz = np.array([0.3, -1.0]).reshape(2, 1, 1), np.array([0.7, 0.1, 0.0]).reshape(1, 3, 1), np.array([0.2, -0.5])
    stack = heisenberg_matrix(jx, jy, jz, 0.9)
    assert stack.shape == (2, 3, 2, 4, 4)
    for i, j, k in np.ndindex(2, 3, 2):
        ref = gate_matrix(Operator(ch.heisenberg(float(jx[i, 0, 0]), float(jy[0, j, 0]), float(jz[k]), 0.9).definition))
        np.testing.assert_allclose(stack[i, j, k], ref, atol=MATRIX_AGREEMENT, rtol=0)


# ----------------------------------------------------------------- invariants


# Test 3 (references: Eqs. 10-11 generalised, sum_r J_r = W in the steady state; the brute force
# of test_network_core for the system energy, W(k) = dE_S(k) + sum_r J_r(k)).
@pytest.mark.parametrize("sites", [1, 2, 3])
def test_first_law_at_every_point_and_step(sites):
    rng = np.random.default_rng(7300 + sites)
    batch = RandomBatch(rng, sites)
    net = batch.network
    steady = batch_steady(net)
    np.testing.assert_allclose(sum(steady.currents.values()), steady.work, atol=FIRST_LAW, rtol=0)
    rho0 = random_density(rng, 2**sites)
    n_steps = 3
    traj = batch_trajectories(net, n_steps, initial_state=rho0)
    h_sys = np.zeros(1)
    for w in np.broadcast_to(batch.omega, sites):  # H_S = sum_i (omega_i/2) sigma_z^(i), |0> excited
        h_sys = (h_sys[:, None] + 0.5 * w * np.array([1.0, -1.0])).reshape(-1)
    indices = list(np.ndindex(*batch.shape))
    for index in (indices[0], indices[len(indices) // 2], indices[-1]):
        point, rho = batch.point(index), rho0
        for k in range(n_steps):
            after, currents, work = brute_force_step(point, rho)
            d_energy = float(np.real(np.diag(after - rho) @ h_sys))
            heat = sum(traj.currents[r][index][k] for r in net.reservoir_names)
            assert abs(traj.work[index][k] - (d_energy + heat)) < FIRST_LAW  # W(k) = dE_S(k) + sum_r J_r(k)
            for name in net.reservoir_names:
                assert abs(traj.currents[name][index][k] - currents[name]) < POINT_AGREEMENT
            assert abs(traj.work[index][k] - work) < POINT_AGREEMENT
            rho = after


def test_energy_conserving_batch_does_no_work():
    """Resonant partial swaps and XXZ bonds (jx = jy) conserve sum_i sigma_z^(i): W = 0 at every point and step."""
    jz = np.array([-1.0, 0.0, 0.5, 2.0])
    net = xxz_chain(jz.reshape(4, 1), np.array([0.2, 0.6, 1.1]).reshape(1, 3))
    steady, traj = batch_steady(net), batch_trajectories(net, 5, "100")
    np.testing.assert_allclose(steady.work, 0.0, atol=ZERO_WORK)
    np.testing.assert_allclose(traj.work, 0.0, atol=ZERO_WORK)
    np.testing.assert_allclose(steady.currents["hot"] + steady.currents["cold"], 0.0, atol=ZERO_WORK)


# ----------------------------------------------------------------- non-unique steady states


# Test 4 (reference: a unitary qubit channel has two fixed points, module reachability).
def test_identity_collisions_at_one_point_are_refused_naming_the_index():
    net = ch.presets.paper_model(np.array([0.3, 0.1, 0.0, 0.5]).reshape(2, 2), np.pi / 4)
    with pytest.raises(ValueError, match=r"at batch index \(1, 0\): the steady state is not unique: site\(s\) \[0, 1\] exchange"):
        batch_steady(net)
    # a later block (block_points) names the global index, not the index in the block
    net = ch.presets.paper_model(np.array([0.3, 0.2, 0.5, 0.4, 0.0]), np.pi / 4)
    with pytest.raises(ValueError, match=r"at batch index \(4,\): the steady state is not unique"):
        batch_steady(net, block_points=2)


def test_unreached_site_at_one_point_is_refused_naming_the_index():
    """Chain 0-1-2 with a bath on site 0 only: where the (1, 2) bond is the identity, site 2 is unreached."""
    bond = partial_swap_matrix(np.array([[0.4, 0.5, 0.6], [0.7, 0.8, 0.0]]))
    net = ch.CollisionNetwork(
        3,
        1.0,
        {"hot": HOT},
        [
            ch.Interaction((0, 1), ch.partial_swap(0.5)),
            ch.Interaction((1, 2), bond),
            ch.Collision("hot", 0, ch.partial_swap(0.3)),
        ],
    )
    with pytest.raises(ValueError, match=r"at batch index \(1, 2\): the steady state is not unique: site\(s\) \[2\] exchange"):
        batch_steady(net)


def test_singular_step_at_one_point_is_refused_naming_the_index():
    """A CNOT collision (system as control) conserves sigma_z of the site: eigenvalue 1 twice at that point only."""
    cnot = np.eye(4)[[0, 1, 3, 2]]  # kron basis |site ancilla>: the ancilla flips when the site is |1>
    stack = np.stack([partial_swap_matrix(0.3), partial_swap_matrix(0.9), cnot, partial_swap_matrix(0.5)])
    net = ch.CollisionNetwork(1, 1.0, {"hot": HOT}, [ch.Collision("hot", 0, stack)])
    with pytest.raises(ValueError, match=r"not unique"):
        ch.steady_state(ch.CollisionNetwork(1, 1.0, {"hot": HOT}, [ch.Collision("hot", 0, cnot)]))  # the point alone
    with pytest.raises(ValueError, match=r"at batch index \(2,\): the steady state is not unique: the step matrix has"):
        batch_steady(net)
    with pytest.raises(ValueError, match=r"at batch index \(2,\): the steady state is not unique: the step matrix"):
        batch_steady(net, block_points=3)


# ----------------------------------------------------------------- validation


def _stack_of_swaps(shape: tuple[int, ...]) -> np.ndarray:
    return partial_swap_matrix(np.linspace(0.1, 1.0, math.prod(shape)).reshape(shape))


# Test 5 (reference: DESIGN.md "Bad input: ValueError naming the parameter and the value").
def test_non_unitary_gate_in_a_stack_names_the_index():
    stack = np.array(_stack_of_swaps((2, 3)))
    stack[1, 2] *= 1.01
    with pytest.raises(ValueError, match=r"gate must be unitary, got .* at batch index \(1, 2\)"):
        ch.Interaction((0, 1), stack)
    with pytest.raises(ValueError, match=r"gate must be unitary, got .* at batch index \(1, 2\)"):
        ch.Collision("hot", 0, stack)


def test_non_density_ancilla_in_a_stack_names_the_index():
    states = np.broadcast_to(np.eye(2) / 2, (2, 3, 2, 2)).copy()
    states[1, 1] = np.diag([1.2, -0.2])
    with pytest.raises(ValueError, match=r"state must be positive semidefinite, got eigenvalue -0.2 at batch index \(1, 1\)"):
        ch.Ancilla(states)
    states[1, 1] = np.diag([0.6, 0.6])
    with pytest.raises(ValueError, match=r"state must have trace 1, got 1.2 at batch index \(1, 1\)"):
        ch.Ancilla(states)
    with pytest.raises(ValueError, match=r"coherence must be in \[0, 1\], got 1.5"):
        ch.Ancilla.from_reservoir(1.0, np.array([0.2, 1.5]))
    with pytest.raises(ValueError, match=r"temperature must be > 0"):
        ch.Ancilla.from_reservoir(np.array([1.0, -1.0]))


def test_parts_that_do_not_broadcast_are_named():
    hot = ch.Ancilla.from_reservoir(np.array([1.0, 2.0]))
    with pytest.raises(
        ValueError,
        match=r"batch shapes of the network's parts do not broadcast together: step\[0\] gate \(3,\), "
        r"step\[1\] gate \(3,\), reservoirs\['hot'\] state \(2,\)",
    ):
        ch.CollisionNetwork(
            2,
            1.0,
            {"hot": hot, "cold": COLD},
            [ch.Interaction((0, 1), _stack_of_swaps((3,))), ch.Collision("hot", 0, _stack_of_swaps((3,)))],
        )
    with pytest.raises(ValueError, match=r"hot.omega and cold.omega must be equal"):
        ch.presets.paper_model(np.array([0.3, 0.4]), 0.3, ch.Ancilla.from_reservoir(1.0, omega=2.0), COLD)


def test_batch_functions_refuse_what_they_cannot_evaluate():
    five = ch.CollisionNetwork(
        5,
        1.0,
        {"hot": HOT},
        [ch.Collision("hot", 0, _stack_of_swaps((2,)))] + [ch.Interaction((i, i + 1), ch.partial_swap(0.3)) for i in range(4)],
    )
    message = rf"at most {BATCH_MAX_SITES} sites .*got sites=5"
    with pytest.raises(ValueError, match=message):
        batch_steady(five)
    with pytest.raises(ValueError, match=message):
        batch_trajectories(five, 2)
    unbatched = ch.presets.paper_model()
    with pytest.raises(ValueError, match=r"must be a batched CollisionNetwork \(non-empty batch_shape\), got batch shape \(\)"):
        batch_steady(unbatched)
    with pytest.raises(TypeError, match=r"network must be a CollisionNetwork, got 'x'"):
        batch_trajectories("x", 2)
    batched = ch.presets.paper_model(np.array([0.2, 0.3]))
    with pytest.raises(ValueError, match=r"n_collisions must be >= 1, got 0"):
        batch_trajectories(batched, 0)
    with pytest.raises(ValueError, match=r"unknown initial_state '012'"):
        batch_trajectories(batched, 2, "012")


def test_empty_batch_gives_empty_results():
    """A batch of no points (an empty gamma array) gives empty arrays, as ch.steady_heat_current of an empty grid."""
    net = ch.presets.paper_model(np.zeros(0))
    assert net.batch_shape == (0,)
    assert ch.steady_heat_current(np.zeros(0), np.pi / 4, 2.0, 1.0, 0.8).shape == (0,)
    steady = batch_steady(net)
    assert steady.currents["hot"].shape == (0,) and steady.work.shape == (0,)
    assert batch_trajectories(net, 3).currents["cold"].shape == (0, 3)


_BATCHED = ch.presets.paper_model(np.array([[0.2], [0.3]]), np.array([0.5, 0.6, 0.7]))
_REFUSALS = {
    "steady_state": lambda: ch.steady_state(_BATCHED),
    "simulate": lambda: ch.simulate(_BATCHED, 3),
    "simulate aer": lambda: ch.simulate(_BATCHED, 3, engine="aer"),
    "step_map": lambda: ch.step_map(_BATCHED),
    "entropy_balance": lambda: ch.entropy_balance(_BATCHED, 3),
    "steady_entropy_production": lambda: ch.steady_entropy_production(_BATCHED),
    "second_law_scan": lambda: ch.second_law_scan(_BATCHED),
    "heat_statistics": lambda: ch.heat_statistics(_BATCHED, 3),
    "current_fluctuations": lambda: ch.current_fluctuations(_BATCHED),
    "hardware_circuit": lambda: hardware_circuit(_BATCHED, 2),
    "network_step_block": lambda: circuits.network_step_block(_BATCHED),
    "network_protocol": lambda: circuits.network_protocol(_BATCHED, 2),
    "network_to_qasm3": lambda: circuits.network_to_qasm3(_BATCHED, 2),
    "network_layout": lambda: circuits.network_layout(_BATCHED),
    "network_initial_state": lambda: circuits.network_initial_state(_BATCHED),
    "check_network": lambda: ch.network.check_network(_BATCHED),
}


@pytest.mark.parametrize("name", list(_REFUSALS))
def test_every_single_network_function_refuses_a_batch(name):
    with pytest.raises(ValueError, match=r"is a batched network \(batch shape \(2, 3\)\): only a vectorised sweep"):
        _REFUSALS[name]()


def test_a_batched_gate_has_no_qiskit_gate():
    with pytest.raises(ValueError, match=r"a batched gate \(batch shape \(3,\)\) has no single Qiskit gate"):
        _ = _BATCHED.step[0].qiskit_gate


# ----------------------------------------------------------------- vectorised sweeps (module-level builders)


def paper_vectorized(phase_difference, gamma):
    """The paper's Fig. 2 model (delta = pi/4, T_h = 2, T_c = 1, p = 0.8) with phi_h and gamma swept."""
    hot = ch.Ancilla.from_reservoir(2.0, 0.8, phase_difference)
    return ch.presets.paper_model(gamma, np.pi / 4, hot, ch.Reservoir(1.0, 0.8))


def xxz_chain(jz, gamma):
    """Three sites, XXZ bonds exp(-i t (XX + YY + jz ZZ)) between neighbours, hot bath on 0, cold on 2."""
    bond = heisenberg_matrix(1.0, 1.0, jz, np.pi / 8)
    swap = partial_swap_matrix(gamma)
    step = [
        ch.Interaction((0, 1), bond),
        ch.Interaction((1, 2), bond),
        ch.Collision("hot", 0, swap),
        ch.Collision("cold", 2, swap),
    ]
    return ch.CollisionNetwork(sites=3, omega=1.0, reservoirs={"hot": HOT, "cold": COLD}, step=step)


def five_site_chain(jz, gamma):
    """Five sites with batched bonds: beyond what a batch evaluates (BATCH_MAX_SITES)."""
    bond, swap = heisenberg_matrix(1.0, 1.0, jz, np.pi / 8), partial_swap_matrix(gamma)
    step = [ch.Interaction((i, i + 1), bond) for i in range(4)]
    step += [ch.Collision("hot", 0, swap), ch.Collision("cold", 4, swap)]
    return ch.CollisionNetwork(sites=5, omega=1.0, reservoirs={"hot": HOT, "cold": COLD}, step=step)


def xxz_chain_ignoring_jz(jz, gamma):
    """The chain at jz = 0.5 whatever the axis: a batch shape (1, n_gamma) (broadcasts to the block)."""
    return xxz_chain(0.5, gamma)


def xxz_chain_transposed(jz, gamma):
    """A builder that mixes up the axes: batch shape (n_gamma, n_jz), not the block's."""
    return xxz_chain(jz.T, gamma.T)


def model_builder(gamma):
    """Returns a CollisionModel, which takes numbers only."""
    return ch.CollisionModel(gamma=0.3, delta=np.pi / 4, hot=HOT, cold=COLD)


def refusing_builder(gamma):
    """Refuses gamma > 1 somewhere in its array."""
    if np.any(np.asarray(gamma) > 1):
        raise ValueError("gamma must be <= 1")
    return xxz_chain(0.5, gamma)


def one_site_constant(a, b):
    """The same one-site network at every point (batch shape ()): the axes change nothing."""
    return ch.CollisionNetwork(1, 1.0, {"hot": HOT}, [ch.Collision("hot", 0, partial_swap_matrix(0.4))])


def one_site_cnot_at_1_07(a, b):
    """One site, collision partial_swap(b), except a CNOT (site as control) at a = 1, b = 0.7: not unique there only."""
    a, b = np.asarray(a), np.asarray(b)
    gates = np.array(np.broadcast_to(partial_swap_matrix(b), (*np.broadcast_shapes(a.shape, b.shape), 4, 4)))
    gates[(a == 1) & (b == 0.7)] = np.eye(4)[[0, 1, 3, 2]]
    return ch.CollisionNetwork(1, 1.0, {"hot": HOT}, [ch.Collision("hot", 0, gates)])


PHASES = [0.0, np.pi / 2, 5 * np.pi / 4]
GAMMAS = [np.pi / 32, 0.4, 1.0, np.pi / 2]
JZS = [-0.5, 0.0, 1.5]


def _assert_same_sweep(vec: xr.Dataset, pointwise: xr.Dataset) -> None:
    assert set(vec.data_vars) == set(pointwise.data_vars)
    for name in pointwise.data_vars:
        assert vec[name].dims == pointwise[name].dims
        np.testing.assert_allclose(vec[name], pointwise[name], atol=SWEEP_AGREEMENT, rtol=0, err_msg=name)
    for dim in pointwise.dims:
        np.testing.assert_array_equal(vec[dim], pointwise[dim])


# Test 6 (reference: the point-by-point sweep, vectorized=False, builder called with scalars).
@pytest.mark.parametrize("chunk_size", [None, 5, 3])
@pytest.mark.parametrize(
    ("build", "axes", "initial_state"),
    [(paper_vectorized, {"phase_difference": PHASES, "gamma": GAMMAS}, None), (xxz_chain, {"jz": JZS, "gamma": GAMMAS}, "010")],
)
def test_vectorized_sweep_equals_point_by_point(build, axes, initial_state, chunk_size):
    """chunk_size 5 gives blocks (1, 4), chunk_size 3 splits the last axis into (1, 3) and (1, 1)."""
    kwargs = {"n_collisions": 10, "initial_state": initial_state, "progress": False}
    pointwise = sweep(axes, build=build, **kwargs)
    vec = sweep(axes, build=build, vectorized=True, chunk_size=chunk_size, **kwargs)
    _assert_same_sweep(vec, pointwise)
    steady_only = sweep(axes, build=build, vectorized=True, chunk_size=chunk_size, progress=False)
    assert "trajectory_work" not in steady_only
    for name in ("heat_hot", "heat_cold", "work"):
        np.testing.assert_allclose(steady_only[name], pointwise[name], atol=SWEEP_AGREEMENT, rtol=0)


def test_vectorized_paper_sweep_equals_the_paper_sweep():
    """The vectorised paper builder against the paper's own sweep (no build; Eqs. 10-11 on Eq. 8)."""
    axes = {"phase_difference": PHASES, "gamma": GAMMAS}
    vec = sweep(axes, build=paper_vectorized, vectorized=True, progress=False)
    paper = sweep(axes, conductance=False, progress=False)
    for r in ("hot", "cold"):
        np.testing.assert_allclose(vec[f"heat_{r}"], paper[f"heat_{r}"], atol=SWEEP_AGREEMENT, rtol=0)


def test_vectorized_builder_may_leave_out_an_axis():
    """A batch shape (1, n_gamma) broadcasts over the jz axis: every jz row equals the chain at jz = 0.5."""
    axes = {"jz": JZS, "gamma": GAMMAS}
    vec = sweep(axes, build=xxz_chain_ignoring_jz, vectorized=True, n_collisions=4, progress=False)
    pointwise = sweep(axes, build=xxz_chain_ignoring_jz, n_collisions=4, progress=False)
    _assert_same_sweep(vec, pointwise)
    for j, gamma in enumerate(GAMMAS):
        ss = ch.steady_state(xxz_chain(0.5, gamma))
        np.testing.assert_allclose(vec["heat_hot"].values[:, j], ss.currents["hot"], atol=SWEEP_AGREEMENT, rtol=0)


def test_vectorized_sweep_resumes_from_its_file_and_hashes_vectorized(tmp_path):
    axes = {"jz": JZS, "gamma": GAMMAS}
    out = tmp_path / "x.nc"
    first = sweep(axes, build=xxz_chain, vectorized=True, n_collisions=3, chunk_size=4, out=out, progress=False)
    again = sweep(axes, build=xxz_chain, vectorized=True, n_collisions=3, chunk_size=4, out=out, progress=False)
    xr.testing.assert_identical(first, again)
    vec = make_spec(axes, build=xxz_chain, vectorized=True, n_collisions=3, chunk_size=4)
    pointwise = make_spec(axes, build=xxz_chain, n_collisions=3, chunk_size=4)
    assert first.attrs["sweep_hash"] == vec.hash() != pointwise.hash()
    assert vec.record()["vectorized"] is True
    assert "vectorized" not in pointwise.record()  # hashes of earlier point-by-point sweeps are unchanged
    assert make_spec(axes, build=xxz_chain, vectorized=False, n_collisions=3, chunk_size=4).hash() == pointwise.hash()
    with pytest.raises(ValueError, match=r"exists and is a sweep with different parameters"):
        sweep(axes, build=xxz_chain, n_collisions=3, chunk_size=4, out=out, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"axes": {"gamma": GAMMAS}}, ValueError, r"vectorized=True calls build with arrays; the paper's sweep"),
        (
            {"build": xxz_chain, "engine": "aer", "n_collisions": 2},
            ValueError,
            r"vectorized=True evaluates the batch with the direct engine's linear algebra, got engine='aer'",
        ),
        (
            {"build": xxz_chain, "axes": {"jz": ["a", "b"], "gamma": GAMMAS}},
            TypeError,
            r"vectorized=True passes every axis to build as a numeric array; axis 'jz' holds strings",
        ),
        (
            {"build": model_builder, "axes": {"gamma": GAMMAS}},
            TypeError,
            r"build\(gamma=<array \(4,\)>\) returned CollisionModel; with vectorized=True it must return a \(batched\) "
            r"CollisionNetwork",
        ),
        (
            {"build": xxz_chain_transposed},
            ValueError,
            r"build\(jz=<array \(3, 1\)>, gamma=<array \(1, 4\)>\) returned a network of batch shape \(4, 3\), "
            r"which does not broadcast to the block \(3, 4\)",
        ),
        (
            {"build": refusing_builder, "axes": {"gamma": [0.5, 1.5]}},
            ValueError,
            r"build\(gamma=<array \(2,\)>\) failed: gamma must be <= 1",
        ),
        (
            {"build": xxz_chain, "axes": {"jz": JZS, "gamma": [0.3, 0.0]}},
            ValueError,
            r"^at jz=.*, gamma=0\.0: the steady state is not unique: site\(s\) \[0, 1, 2\]",
        ),
        ({"build": xxz_chain, "vectorized": "yes"}, TypeError, r"vectorized must be a bool, got 'yes'"),
        (
            {"build": five_site_chain},
            ValueError,
            r"build returned a batched network of 5 sites; vectorized=True evaluates at most 4 .*use vectorized=False",
        ),
    ],
)
def test_vectorized_sweep_refusals(kwargs, error, message):
    kwargs = {"axes": {"jz": JZS, "gamma": GAMMAS}, "vectorized": True, "progress": False} | kwargs
    with pytest.raises(error, match=message):
        sweep(kwargs.pop("axes"), **kwargs)


def test_vectorized_builder_returning_one_network_is_broadcast():
    """An unbatched network from a vectorised builder: every grid point is that network (ch.steady_state, ch.simulate)."""
    axes = {"a": [0, 1, 2], "b": [0.3, 0.5]}
    ds = sweep(axes, build=one_site_constant, vectorized=True, n_collisions=3, progress=False)
    net = one_site_constant(0, 0.3)
    ss, run = ch.steady_state(net), ch.simulate(net, 3, store_states=False)
    np.testing.assert_array_equal(ds["heat_hot"], np.full((3, 2), ss.currents["hot"]))
    np.testing.assert_array_equal(ds["trajectory_heat_hot"], np.broadcast_to(run.currents["hot"], (3, 2, 3)))


def test_vectorized_sweep_on_a_process_pool_equals_in_process():
    """Chunks of a vectorised sweep pickled to worker processes (module-level builder): the same Dataset."""
    axes = {"jz": JZS, "gamma": GAMMAS}
    local = sweep(axes, build=xxz_chain, vectorized=True, n_collisions=3, chunk_size=4, progress=False)
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        remote = sweep(axes, build=xxz_chain, vectorized=True, n_collisions=3, chunk_size=4, executor=pool, progress=False)
    xr.testing.assert_identical(remote, local)


def test_refusal_inside_a_later_chunk_names_the_grid_point():
    """A singular step at grid point (a=1, b=0.7), found while computing chunk 1 (a row of the grid).

    The reachability check before any work passes (a CNOT is entangling); the chunk's batched
    solve refuses the point. The message must name that grid point, (1, 2) or a=1, b=0.7, not its
    index inside the chunk's block (0, 2), which is another grid point (a=0, b=0.7).
    """
    axes = {"a": [0, 1, 2], "b": [0.3, 0.5, 0.7, 0.9]}
    with pytest.raises(ValueError, match="not unique") as whole_grid:  # one chunk: block index = grid index
        sweep(axes, build=one_site_cnot_at_1_07, vectorized=True, progress=False)
    assert str(whole_grid.value).startswith("at a=1, b=0.7: the steady state is not unique"), str(whole_grid.value)
    with pytest.raises(ValueError, match="not unique") as by_rows:
        sweep(axes, build=one_site_cnot_at_1_07, vectorized=True, chunk_size=4, progress=False)
    assert str(by_rows.value).startswith("at a=1, b=0.7: the steady state is not unique"), str(by_rows.value)


# ----------------------------------------------------------------- the closed-form path of the paper's structure


def _random_states(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.array([random_density(rng, 2) for _ in range(math.prod(shape))]).reshape(*shape, 2, 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_path_equals_the_general_path(seed):
    """A network of the paper's structure (Eq. 8) with arbitrary ancilla states: both batched paths agree.

    Reference: the general path (every point's 16x16 step matrix and a 15x15 solve), itself
    tested against ch.steady_state point by point above; the closed form is circuitheat.ptm's.
    """
    rng = np.random.default_rng(seed)
    gamma = rng.uniform(0.05, 3.0, size=(1, 4))
    delta = rng.uniform(-3.0, 3.0, size=(3, 1))
    hot = ch.Ancilla(_random_states(rng, (3, 4)), 1.3)
    cold = ch.Ancilla(_random_states(rng, (4,)), 1.3)
    net = ch.presets.paper_model(gamma, delta, hot, cold)
    assert paper_structure(net) is not None
    closed, general = batch_steady(net), batch_steady(net, closed_form=False)
    for name in ("hot", "cold"):
        np.testing.assert_allclose(closed.currents[name], general.currents[name], rtol=0, atol=PAPER_AGREEMENT)
    np.testing.assert_allclose(closed.work, general.work, rtol=0, atol=ZERO_WORK)


def _paper_like(gamma: np.ndarray, hot_gate, cold_gate, hot=HOT, order=("hot", "cold")) -> ch.CollisionNetwork:
    """V(0.7) on (0, 1), then the collisions (site 0 with "hot", site 1 with "cold") in ``order``."""
    collisions = {"hot": ch.Collision("hot", 0, hot_gate(gamma)), "cold": ch.Collision("cold", 1, cold_gate(gamma))}
    step = [ch.Interaction((0, 1), partial_swap_matrix(0.7)), *(collisions[name] for name in order)]
    return ch.CollisionNetwork(2, 1.0, {"hot": hot, "cold": COLD}, step)


def _global_phase(gamma: np.ndarray) -> ch.CollisionNetwork:
    """The same channel as U(gamma), but not the matrix U(gamma)."""
    return _paper_like(gamma, lambda g: np.exp(0.3j) * partial_swap_matrix(g), partial_swap_matrix)


def _two_angles(gamma: np.ndarray) -> ch.CollisionNetwork:
    return _paper_like(gamma, partial_swap_matrix, lambda g: partial_swap_matrix(g + 0.1))


def _non_resonant(gamma: np.ndarray) -> ch.CollisionNetwork:
    return _paper_like(gamma, partial_swap_matrix, partial_swap_matrix, hot=ch.Ancilla(HOT.state, 1.2))


def _other_order(gamma: np.ndarray) -> ch.CollisionNetwork:
    return _paper_like(gamma, partial_swap_matrix, partial_swap_matrix, order=("cold", "hot"))


@pytest.mark.parametrize("build", [_global_phase, _two_angles, _non_resonant, _other_order])
def test_other_structures_take_the_general_path(build):
    """Networks close to the paper's but not of its structure: no closed form, and the general path's numbers.

    Reference: ch.steady_state of each point's unbatched network.
    """
    gammas = np.array([0.2, 0.9, 1.4])
    net = build(gammas)
    assert paper_structure(net) is None
    batched = batch_steady(net)
    for k, g in enumerate(gammas):
        one = ch.steady_state(build(np.asarray(g)))
        for name, value in one.currents.items():
            assert abs(batched.currents[name][k] - value) < POINT_AGREEMENT
        assert abs(batched.work[k] - one.work) < POINT_AGREEMENT


def test_ill_conditioned_points_are_refused_on_both_paths():
    """gamma = 1e-6: sin^2 gamma = 1e-12, so the fixed point is not resolvable in double precision.

    Reference: ch.steady_state refuses the same point (reciprocal condition number below
    circuitheat.fixed_point.RCOND_TOLERANCE, or the paper model's UNIQUENESS_TOLERANCE).
    """
    net = ch.presets.paper_model(np.array([0.3, 1e-6, 0.5]), np.pi / 4)
    with pytest.raises(ValueError, match="not unique"):
        ch.steady_state(ch.presets.paper_model(1e-6, np.pi / 4))
    with pytest.raises(ValueError, match=r"^at batch index \(1,\): the steady state is not unique for gamma=1e-06"):
        batch_steady(net)  # the closed-form path: the paper model's own refusal (UNIQUENESS_TOLERANCE)
    with pytest.raises(ValueError, match=r"^at batch index \(1,\): the steady state is not unique: estimated reciprocal"):
        batch_steady(net, closed_form=False)


# ----------------------------------------------------------------- vectorised presets


@pytest.mark.parametrize("coupling", ["partial_swap", "xxz"])
def test_vectorised_chain_preset_equals_its_points(coupling):
    """boundary_driven_chain of arrays: every point equals the preset of that point's numbers (its steady state).

    Reference: ch.steady_state of ch.presets.boundary_driven_chain(3, ...) with scalars.
    """
    deltas, anisotropies, gammas = np.array([[0.3], [0.9]]), np.array([0.5, 2.0]), np.array([0.4, 1.1])
    t_hots = np.array([[1.5], [3.0]])
    hot = ch.Ancilla.from_reservoir(t_hots, 0.6, 0.2)
    net = ch.presets.boundary_driven_chain(3, coupling, delta=deltas, anisotropy=anisotropies, gamma=gammas, hot=hot)
    assert net.batch_shape == (2, 2)
    batched = batch_steady(net)
    for i, j in np.ndindex(2, 2):
        point = ch.presets.boundary_driven_chain(
            3,
            coupling,
            delta=float(deltas[i, 0]),
            anisotropy=float(anisotropies[j]),
            gamma=float(gammas[j]),
            hot=ch.Reservoir(float(t_hots[i, 0]), 0.6, 0.2),
        )
        one = ch.steady_state(point)
        for name, value in one.currents.items():
            assert abs(batched.currents[name][i, j] - value) < POINT_AGREEMENT
        assert abs(batched.work[i, j]) < ZERO_WORK  # excitation-conserving bonds between resonant sites
    assert isinstance(ch.presets.boundary_driven_chain(3, coupling, delta=np.asarray(0.3)).step[0].gate, Gate)  # numbers: Qiskit


def test_vectorised_refrigerator_preset_equals_its_points():
    """absorption_refrigerator of temperature and gamma arrays: every point equals the preset of its numbers.

    Reference: ch.steady_state of ch.presets.absorption_refrigerator with scalars (Linden et al. 2010).
    """
    t_hots, gammas = np.array([[3.0], [5.0], [8.0]]), np.array([0.5, np.pi / 4])
    net = ch.presets.absorption_refrigerator(t_hot=t_hots, gamma=gammas)
    assert net.batch_shape == (3, 2)
    batched = batch_steady(net)
    for i, j in np.ndindex(3, 2):
        one = ch.steady_state(ch.presets.absorption_refrigerator(t_hot=float(t_hots[i, 0]), gamma=float(gammas[j])))
        for name, value in one.currents.items():
            assert abs(batched.currents[name][i, j] - value) < POINT_AGREEMENT
    with pytest.raises(ValueError, match=r"t_hot must be > 0"):
        ch.presets.absorption_refrigerator(t_hot=np.array([1.0, -2.0]))
