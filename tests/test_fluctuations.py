"""Heat fluctuations (issue 15): counting maps, exact finite-n statistics, long-time SCGF, entropy production.

The references here are independent of :mod:`circuitheat.fluctuations`:

* brute force, literally: the full unitary of Eq. (8) on the system and *all* ancillas of n
  steps, the ancilla state of Eq. (12) written out, the partial swap of Eq. (3) written out, and
  the probabilities of every outcome string read off the final joint state (n <= 3, both
  reservoirs jointly);
* brute force by branches: the same physics step by step (fresh ancillas are measured and never
  touched again, so conditioning step by step is exact), summing over all 2^n outcome strings of
  the hot ancillas (n = 8) or over all outcomes of a network whose reservoir meets two sites;
* :func:`circuitheat.simulate` for the mean, :func:`circuitheat.steady_state` for the current,
  :func:`circuitheat.steady_entropy_production` for the entropy production, and the cumulants'
  own long-time growth for the SCGF derivatives.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.fluctuations import (
    counting_map,
    current_fluctuations,
    fluctuation_scan,
    heat_statistics,
    site_branch_channels,
    steady_entropy_production_rate,
)
from circuitheat.network.step import compile_step, site_channel
from circuitheat.threads import single_blas_thread

#: Exact statistics against brute-force enumeration (the issue's bound): both are sums of a few
#: hundred products of O(1) numbers, rounding ~1e-15 each.
EXACT = 1e-10
#: Mean of Q against simulate's cumulative heat: both exact, rounding only; absolute, and relative
#: to |Q| (a running sum of n rounded currents: ~6e-12 absolute at |Q| ~ 10 after 200 steps).
MEAN_VS_SIMULATE = 1e-12
#: Maps built two ways (counting map vs the step map): a few products of 4x4 matrices.
ROUNDING = 1e-13
#: Long-time limits from finite-n increments: the transient decays like |lambda_2|^n, far below
#: this after 4000 steps of the Fig. 2 model (gamma = pi/32, relaxation ~ 1/gamma^2 ~ 100 steps).
INCREMENT_LIMIT = 1e-9


def fig2(phase_difference: float = 5 * math.pi / 4, coherence: float = 0.8, gamma: float = math.pi / 32) -> ch.CollisionModel:
    """The paper's Fig. 2 model (gamma = pi/32, delta = pi/4, T_h = 2, T_c = 1, p = 0.8)."""
    return ch.CollisionModel(
        gamma=gamma, delta=math.pi / 4, hot=ch.Reservoir(2.0, coherence, phase_difference), cold=ch.Reservoir(1.0, coherence, 0.0)
    )


# ---------------------------------------------------------------- independent references


def eq12_state(temperature: float, p: float, phase: float, omega: float = 1.0) -> np.ndarray:
    """Eq. (12)/(13) written out: [[e^{-bw/2}, p e^{-i phi}], [p e^{i phi}, e^{bw/2}]] / Z (|0> excited)."""
    b = omega / temperature
    z = 2 * math.cosh(b / 2)
    return np.array([[math.exp(-b / 2), p * np.exp(-1j * phase)], [p * np.exp(1j * phase), math.exp(b / 2)]]) / z


def eq3_swap(theta: float) -> np.ndarray:
    """U(theta) = cos(theta) I + i sin(theta) SWAP, Eqs. (3)-(5)."""
    return math.cos(theta) * np.eye(4) + 1j * math.sin(theta) * np.eye(4)[[0, 2, 1, 3]]


def apply_gate(rho: np.ndarray, gate: np.ndarray, q1: int, q2: int, n: int) -> np.ndarray:
    """rho -> G rho G^dagger with the 4x4 gate on qubits (q1, q2) of n (qubit 0 most significant)."""
    t = rho.reshape((2,) * (2 * n))
    g = gate.reshape(2, 2, 2, 2)
    t = np.moveaxis(np.tensordot(g, t, axes=([2, 3], [q1, q2])), [0, 1], [q1, q2])
    t = np.moveaxis(np.tensordot(g.conj(), t, axes=([2, 3], [n + q1, n + q2])), [0, 1], [n + q1, n + q2])
    return t.reshape(2**n, 2**n)


def kron_all(*mats: np.ndarray) -> np.ndarray:
    out = np.ones((1, 1))
    for m in mats:
        out = np.kron(out, m)
    return out


def literal_joint_distribution(model: ch.CollisionModel, n: int) -> dict[tuple[float, float], float]:
    """P(Q_h(n), Q_c(n)) from the full state of S_A, S_B and all 2n ancillas after n steps (Eq. 8)."""
    eta_h = eq12_state(model.hot.temperature, model.hot.coherence, model.hot.phase)
    eta_c = eq12_state(model.cold.temperature, model.cold.coherence, model.cold.phase)
    qubits = 2 + 2 * n  # S_A, S_B, then (R^h_k, R^c_k) for k = 1..n
    ground = np.diag([0.0, 1.0])
    rho = kron_all(ground, ground, *([eta_h, eta_c] * n))
    v, u = eq3_swap(model.delta), eq3_swap(model.gamma)
    for k in range(n):
        rho = apply_gate(rho, v, 0, 1, qubits)
        rho = apply_gate(rho, u, 0, 2 + 2 * k, qubits)
        rho = apply_gate(rho, u, 1, 3 + 2 * k, qubits)
    diag = np.einsum("ss...->...", rho.reshape(4, 4**n, 4, 4**n).transpose(0, 2, 1, 3)).diagonal().real
    e_h = 0.5 * (eta_h[0, 0] - eta_h[1, 1]).real
    e_c = 0.5 * (eta_c[0, 0] - eta_c[1, 1]).real
    out: dict[tuple[float, float], float] = {}
    for index, prob in enumerate(diag):
        bits = [(index >> (2 * n - 1 - j)) & 1 for j in range(2 * n)]
        q_h = sum(0.5 * (1 - 2 * b) - e_h for b in bits[0::2])
        q_c = sum(0.5 * (1 - 2 * b) - e_c for b in bits[1::2])
        key = (round(q_h, 9), round(q_c, 9))
        out[key] = out.get(key, 0.0) + prob
    return out


def branch_distribution_hot(model: ch.CollisionModel, n: int) -> dict[float, float]:
    """P(Q_h(n)) summing over all 2^n hot outcome strings, step by step (the cold ancilla traced out)."""
    eta_h = eq12_state(model.hot.temperature, model.hot.coherence, model.hot.phase)
    eta_c = eq12_state(model.cold.temperature, model.cold.coherence, model.cold.phase)
    v, u = eq3_swap(model.delta), eq3_swap(model.gamma)
    e_h = 0.5 * (eta_h[0, 0] - eta_h[1, 1]).real
    projectors = [np.diag([1.0, 0.0]), np.diag([0.0, 1.0])]
    states = {(): np.diag([0.0, 0.0, 0.0, 1.0]).astype(complex)}  # |11>, the ground state
    for _ in range(n):
        new = {}
        for seq, rho in states.items():
            joint = kron_all(rho, eta_h, eta_c)  # S_A, S_B, R^h, R^c
            for g, (a, b) in ((v, (0, 1)), (u, (0, 2)), (u, (1, 3))):
                joint = apply_gate(joint, g, a, b, 4)
            for e, proj in enumerate(projectors):
                m = kron_all(np.eye(4), proj, np.eye(2))
                cond = (m @ joint @ m).reshape(4, 4, 4, 4)
                new[(*seq, e)] = np.einsum("iaja->ij", cond)
        states = new
    out: dict[float, float] = {}
    for seq, rho in states.items():
        q = round(sum(0.5 * (1 - 2 * e) - e_h for e in seq), 9)
        out[q] = out.get(q, 0.0) + float(np.trace(rho).real)
    return out


def as_lattice(stats, keys) -> np.ndarray:
    """The exact distribution of ``stats`` looked up at the brute-force support points."""
    out = []
    for key in keys:
        key = key if isinstance(key, tuple) else (key,)
        idx = tuple(int(np.argmin(np.abs(vals - k))) for vals, k in zip(stats.values, key, strict=True))
        assert all(abs(vals[i] - k) < 1e-9 for vals, i, k in zip(stats.values, idx, key, strict=True))
        out.append(stats.probabilities[idx])
    return np.array(out)


def moments_of(dist: dict) -> tuple[np.ndarray, np.ndarray]:
    keys = list(dist)
    x = np.array([k if isinstance(k, tuple) else (k,) for k in keys])
    p = np.array([dist[k] for k in keys])
    mean = p @ x
    centred = x - mean
    cov = (centred * p[:, None]).T @ centred
    third = p @ centred**3
    return mean, np.stack([mean, np.diag(cov), third], axis=-1), cov


# ---------------------------------------------------------------- branch channels and counting maps


def test_branch_channels_sum_to_the_site_channel(rng):
    for _ in range(5):
        u = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))[0]
        a = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
        eta = a @ a.conj().T / np.trace(a @ a.conj().T)
        branches = site_branch_channels(u, eta)
        np.testing.assert_allclose(branches.sum(0), site_channel(u, eta), atol=ROUNDING)
        # each branch is CP (positive Choi matrix) and the probabilities are the ancilla's populations
        for c in branches:
            choi = c.transpose(0, 2, 1, 3).reshape(4, 4)
            assert np.linalg.eigvalsh(0.5 * (choi + choi.conj().T))[0] > -ROUNDING


def three_site_network() -> ch.CollisionNetwork:
    """Reservoir "hot" meets two sites per step (two counted collisions), non-resonant sites, a Heisenberg gate."""
    return ch.CollisionNetwork(
        sites=3,
        omega=(1.0, 1.3, 0.8),
        reservoirs={
            "hot": ch.Reservoir(temperature=2.0, coherence=0.7, phase=0.9),
            "cold": ch.Ancilla(np.array([[0.2, 0.1 - 0.05j], [0.1 + 0.05j, 0.8]]), omega=0.8),
        },
        step=[
            ch.Interaction((0, 1), ch.partial_swap(np.pi / 5)),
            ch.Collision("hot", site=0, gate=ch.partial_swap(0.4)),
            ch.Interaction((2, 1), ch.heisenberg(0.3, 0.5, 0.2, 1.0)),
            ch.Collision("hot", site=1, gate=ch.partial_swap(0.7)),
            ch.Collision("cold", site=2, gate=ch.partial_swap(0.5)),
        ],
    )


@pytest.mark.parametrize("system", [fig2(), three_site_network()], ids=["fig2", "network"])
def test_counting_map_adds_up_to_the_step_map(system):
    cm = counting_map(system)
    np.testing.assert_allclose(cm.superoperator, ch.step_map(system).superoperator, atol=ROUNDING)
    assert cm.trace_defect < ROUNDING
    # one step's mean heat of each reservoir is the step map's current functional
    rho = np.eye(cm.dim) / cm.dim
    currents = ch.step_map(system).currents(rho)
    for name in cm.names:
        marginal = cm.marginal((name,))
        assert (np.eye(cm.dim).reshape(-1) @ marginal.moment_maps((1,)) @ rho.reshape(-1)).real == pytest.approx(
            float(currents[name]), abs=ROUNDING
        )


def test_two_point_measurement_erases_the_coherence():
    """Measuring the ancilla before its collision too dephases it: the system meets thermal ancillas."""
    coherent, thermal = fig2(coherence=0.8), fig2(coherence=0.0)
    np.testing.assert_allclose(
        counting_map(coherent, "two_point").superoperator, ch.step_map(thermal).superoperator, atol=ROUNDING
    )
    tpm = current_fluctuations(coherent, measurement="two_point")
    assert tpm.mean_current == pytest.approx(ch.steady_state(thermal).heat_hot, abs=ROUNDING)
    assert ch.steady_state(coherent).heat_hot > 0  # while the end-point current is reversed (Sec. III)


# ---------------------------------------------------------------- exact finite-n statistics


@pytest.mark.parametrize("n", [1, 2, 3])
def test_joint_distribution_equals_the_literal_brute_force(n):
    model = fig2(gamma=math.pi / 4)  # strong coupling: every branch matters
    brute = literal_joint_distribution(model, n)
    stats = heat_statistics(model, n, ("hot", "cold"), distribution=True)
    keys = list(brute)
    np.testing.assert_allclose(as_lattice(stats, keys), [brute[k] for k in keys], atol=EXACT)
    assert stats.probabilities.sum() == pytest.approx(1.0, abs=EXACT)
    _, cumulants, cov = moments_of(brute)
    np.testing.assert_allclose(stats.cumulants, cumulants, atol=EXACT)
    np.testing.assert_allclose(stats.covariance, cov, atol=EXACT)


def test_hot_distribution_and_cumulants_equal_branch_enumeration_at_n8():
    model = fig2(phase_difference=math.pi / 4, gamma=math.pi / 3)
    brute = branch_distribution_hot(model, 8)
    stats = heat_statistics(model, 8)
    keys = list(brute)
    np.testing.assert_allclose(as_lattice(stats, keys), [brute[k] for k in keys], atol=EXACT)
    _, cumulants, _ = moments_of(brute)
    np.testing.assert_allclose(stats.cumulants, cumulants[0], atol=EXACT)
    assert stats.variance == pytest.approx(cumulants[0, 1], abs=EXACT)


@single_blas_thread  # a test reference with large dense matrices: one BLAS thread per xdist worker
def network_branch_distribution(network: ch.CollisionNetwork, n: int) -> dict[tuple[float, float], float]:
    """P(Q_hot(n), Q_cold(n)) of :func:`three_site_network` by explicit branches on system + the step's 3 ancillas."""
    names = [c.reservoir for c in network.collisions]
    etas = [network.ancilla(r).state for r in names]
    omegas = {r: network.ancilla(r).omega for r in network.reservoir_names}
    energy = {r: network.ancilla(r).energy for r in network.reservoir_names}
    qubits = network.sites + len(names)
    states = {(0, 0): np.diag([0.0] * 7 + [1.0]).astype(complex)}  # keyed by the numbers of excited outcomes
    for _ in range(n):
        new: dict[tuple[int, int], np.ndarray] = {}
        for (kh, kc), rho in states.items():
            joint = kron_all(rho, *etas)
            c = 0
            for op in network.step:
                if isinstance(op, ch.Interaction):
                    joint = apply_gate(joint, op.matrix, *op.sites, qubits)
                else:
                    joint = apply_gate(joint, op.matrix, op.site, network.sites + c, qubits)
                    c += 1
            for outcome in itertools.product((0, 1), repeat=len(names)):
                proj = kron_all(np.eye(2**network.sites), *(np.diag([1.0 - e, float(e)]) for e in outcome))
                cond = (proj @ joint @ proj).reshape(8, 8, 8, 8)
                sys = np.einsum("iaja->ij", cond)
                excited = {"hot": 0, "cold": 0}
                for r, e in zip(names, outcome, strict=True):
                    excited[r] += 1 - e
                key = (kh + excited["hot"], kc + excited["cold"])
                new[key] = new.get(key, 0) + sys
        states = new
    per_step = {r: names.count(r) for r in network.reservoir_names}

    def heat(r: str, k: int) -> float:  # k excited of n * per_step measured ancillas
        total = n * per_step[r]
        return 0.5 * omegas[r] * (k - (total - k)) - total * energy[r]

    return {(heat("hot", kh), heat("cold", kc)): float(np.trace(v).real) for (kh, kc), v in states.items()}


def test_network_joint_distribution_equals_branch_enumeration():
    network = three_site_network()
    brute = network_branch_distribution(network, 3)
    stats = heat_statistics(network, 3, ("hot", "cold"), distribution=True)
    keys = list(brute)
    np.testing.assert_allclose(as_lattice(stats, keys), [brute[k] for k in keys], atol=EXACT)
    _, cumulants, cov = moments_of(brute)
    np.testing.assert_allclose(stats.cumulants, cumulants, atol=EXACT)
    np.testing.assert_allclose(stats.covariance, cov, atol=EXACT)


@pytest.mark.parametrize("system", [fig2(), fig2(coherence=0.0), three_site_network()], ids=["fig2", "thermal", "network"])
def test_mean_is_the_cumulative_heat_of_simulate(system):
    n = 200
    traj = ch.simulate(system, n)
    for name in ("hot", "cold"):
        stats = heat_statistics(system, n, name)
        np.testing.assert_allclose(
            stats.cumulant_trajectory[:, 0, 0], traj.cumulative_heat[name], rtol=MEAN_VS_SIMULATE, atol=MEAN_VS_SIMULATE
        )


def test_mean_after_1500_collisions_and_initial_state():
    """At n = 1500 (|Q| ~ 18) both sides round at ~1e-12 relative; simulate's cumulative sum dominates."""
    model = fig2()
    stats = heat_statistics(model, 1500)
    assert stats.mean == pytest.approx(ch.simulate(model, 1500).cumulative_heat["hot"][-1], rel=1e-11)
    excited = heat_statistics(model, 50, initial_state="00")
    assert excited.mean == pytest.approx(ch.simulate(model, 50, initial_state="00").cumulative_heat["hot"][-1], abs=1e-12)


# ---------------------------------------------------------------- long-time statistics


@pytest.mark.parametrize("phase", [0.0, math.pi / 4, 5 * math.pi / 4])
def test_scgf_derivatives_are_the_long_time_growth_of_the_cumulants(phase):
    model = fig2(phase)
    fl = current_fluctuations(model)
    assert fl.mean_current == pytest.approx(ch.steady_state(model).heat_hot, abs=ROUNDING)
    stats = heat_statistics(model, 4000)
    increments = stats.cumulant_trajectory[-1, 0] - stats.cumulant_trajectory[-2, 0]
    np.testing.assert_allclose(increments, [fl.mean_current, fl.diffusion, fl.third_cumulant], atol=INCREMENT_LIMIT)
    # and theta(chi) from diagonalising the tilted map agrees with its Taylor polynomial to O(chi^4)
    chi = np.array([-0.02, -0.01, 0.01, 0.02])
    taylor = fl.mean_current * chi + fl.diffusion * chi**2 / 2 + fl.third_cumulant * chi**3 / 6
    assert np.max(np.abs(fl.scgf(chi) - taylor)) < 2e-8  # chi^4 term: |kappa_4| chi^4 / 24 with kappa_4 ~ 0.1


def test_entropy_production_is_the_papers_and_tur_ratios():
    for model in (fig2(math.pi / 4), fig2(5 * math.pi / 4), fig2(coherence=0.0)):
        fl = current_fluctuations(model)
        ref = ch.steady_entropy_production(model)
        assert fl.entropy_production == pytest.approx(ref.production, abs=ROUNDING)
        assert fl.clausius == pytest.approx(ref.clausius, abs=ROUNDING)
        assert fl.tur_ratio == pytest.approx(fl.diffusion * fl.entropy_production / (2 * fl.mean_current**2))
        assert fl.fano == pytest.approx(fl.diffusion / abs(fl.mean_current))
    thermal = current_fluctuations(fig2(coherence=0.0))
    assert thermal.entropy_production == pytest.approx(thermal.clausius, abs=ROUNDING)  # Eqs. 23, 26


def test_network_entropy_production_is_the_relative_entropy():
    """sigma = D(rho'_SR || rho'_S x eta x eta x eta) in the steady state, from the joint state of one step."""
    network = three_site_network()
    rho = ch.steady_state(network).system_state
    sigma = steady_entropy_production_rate(counting_map(network), rho)
    names = [c.reservoir for c in network.collisions]
    etas = [network.ancilla(r).state for r in names]
    joint = kron_all(rho, *etas)
    c = 0
    for op in network.step:
        if isinstance(op, ch.Interaction):
            joint = apply_gate(joint, op.matrix, *op.sites, 6)
        else:
            joint = apply_gate(joint, op.matrix, op.site, 3 + c, 6)
            c += 1
    sys_after = np.einsum("iaja->ij", joint.reshape(8, 8, 8, 8))
    reference = kron_all(sys_after, *etas)

    def logm(m):
        w, v = np.linalg.eigh(m)
        return (v * np.log(np.clip(w, 1e-300, None))) @ v.conj().T

    relative = np.trace(joint @ (logm(joint) - logm(reference))).real
    assert sigma == pytest.approx(relative, abs=1e-10)  # eigenvalue logs of 64x64 matrices


def test_scan_equals_pointwise_and_thermal_reference_is_flat():
    model = fig2(0.0)
    phases = np.array([0.0, 0.7, math.pi, 4.0])
    scan = fluctuation_scan(model, phases)
    for k, dphi in enumerate(phases):
        fl = current_fluctuations(fig2(dphi))
        for name in ("mean_current", "diffusion", "third_cumulant", "entropy_production", "clausius"):
            assert getattr(scan, name)[k] == pytest.approx(getattr(fl, name), abs=ROUNDING), name
        assert scan.tur_ratio[k] == pytest.approx(fl.tur_ratio)
    thermal = fluctuation_scan(fig2(0.0, coherence=0.0), phases)
    assert np.ptp(thermal.diffusion) < ROUNDING  # no phase without coherence (Sec. III)


def test_tur_at_fig2_parameters():
    """Fig. 2 parameters: the end-point counted heat stays above the classical TUR bound for every phase.

    Thermal reservoirs: ratio ~112 (the measured ancilla energies carry the fresh ancillas' own
    thermal noise); coherent (p = 0.8): down to ~1.95 near phi_h - phi_c = 0.24 pi, where the
    current is ~30 times the thermal one at almost the same noise. The two-point thermal heat is
    within 1% of the bound (1.007).
    """
    scan = fluctuation_scan(fig2(0.0))
    assert np.all(scan.tur_ratio > 1)
    assert 1.9 < scan.tur_ratio.min() < 2.0
    assert current_fluctuations(fig2(coherence=0.0)).tur_ratio == pytest.approx(112.0, rel=1e-3)
    assert current_fluctuations(fig2(coherence=0.0), measurement="two_point").tur_ratio == pytest.approx(1.0072, abs=1e-4)


def test_pure_ancillas_give_infinite_production_without_warnings():
    model = ch.CollisionModel(math.pi / 4, math.pi / 4, ch.Reservoir(2.0, 1.0, 1.0), ch.Reservoir(1.0, 1.0, 0.0))
    fl = current_fluctuations(model)
    assert fl.entropy_production == math.inf and fl.tur_ratio == math.inf
    assert math.isfinite(fl.diffusion) and math.isfinite(fl.mean_current)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: heat_statistics(fig2(), 0), ValueError, "n_collisions must be >= 1, got 0"),
        (lambda: heat_statistics(fig2(), 5, "warm"), ValueError, "unknown reservoir 'warm'; valid: 'hot', 'cold'"),
        (lambda: heat_statistics(fig2(), 5, ("hot", "hot")), ValueError, "two different reservoirs"),
        (lambda: heat_statistics(fig2(), 5, 3), TypeError, "reservoir must be a reservoir name"),
        (lambda: heat_statistics(fig2(), 5, measurement="tpm"), ValueError, "unknown measurement 'tpm'"),
        (lambda: heat_statistics(fig2(), 5, distribution="yes"), TypeError, "distribution must be True, False or None"),
        (lambda: heat_statistics(fig2(), 20000, ("hot", "cold"), distribution=True), ValueError, "too large"),
        (lambda: heat_statistics("model", 5), TypeError, "system must be a CollisionNetwork"),
        (lambda: current_fluctuations(fig2(), ("hot", "cold")), TypeError, "one reservoir name"),
        (lambda: current_fluctuations(fig2(gamma=0.0)), ValueError, "steady state is not unique"),
        (lambda: fluctuation_scan(fig2(), [np.nan]), ValueError, "phase_differences must be"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_statistics_are_immutable_and_joint_accessors():
    stats = heat_statistics(fig2(), 10, ("hot", "cold"))
    with pytest.raises(ValueError):
        stats.cumulant_trajectory[0, 0, 0] = 1.0
    assert stats.mean.shape == (2,) and stats.cumulants.shape == (2, 3)
    assert -1 <= stats.correlation <= 1
    with pytest.raises(ValueError, match="two reservoirs"):
        _ = heat_statistics(fig2(), 10).correlation
    assert compile_step(fig2().network)  # the counting map is built from this compiled step
