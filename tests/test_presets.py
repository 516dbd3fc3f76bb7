"""ch.presets: the paper model, boundary-driven chains, the absorption refrigerator, and their example files."""

from __future__ import annotations

import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from conftest import random_model

import circuitheat as ch
from circuitheat.presets import (
    PRESET_FILES,
    absorption_refrigerator,
    boundary_driven_chain,
    carnot_cop,
    chain_bonds,
    paper_model,
    preset_network,
    three_body_exchange,
    three_body_unitary,
)

ROOT = Path(__file__).resolve().parents[1]

#: Same numbers through two code paths (the paper's fast channel and the generic network
#: core) or two exactly equivalent gates: they agree to rounding, ~1e-16 per operation.
EXACT = 1e-12
#: Products of a few 4x4/8x8 unitaries: rounding only.
MATRIX_ROUNDING = 1e-14

#: The Python call each example file equals (PRESET_FILES[name].equals, evaluated).
PYTHON_PRESETS = {
    "paper": lambda: paper_model(),
    "chain": lambda: boundary_driven_chain(4),
    "chain_xxz": lambda: boundary_driven_chain(4, "xxz"),
    "refrigerator": lambda: absorption_refrigerator(),
}


def _embed(gate: np.ndarray, i: int, j: int, n: int) -> np.ndarray:
    """A 4x4 gate (kron basis, first slot on site i) as a 2^n x 2^n matrix, built by index arithmetic."""
    u = np.zeros((2**n, 2**n), dtype=complex)
    for x in range(2**n):
        bits = [(x >> (n - 1 - k)) & 1 for k in range(n)]
        column = 2 * bits[i] + bits[j]
        for row in range(4):
            new = list(bits)
            new[i], new[j] = row >> 1, row & 1
            u[sum(b << (n - 1 - k) for k, b in enumerate(new)), x] += gate[row, column]
    return u


@pytest.mark.parametrize("name", list(PRESET_FILES))
def test_example_file_equals_python_preset(name):
    assert set(PYTHON_PRESETS) == set(PRESET_FILES)
    assert preset_network(name) == PYTHON_PRESETS[name]()
    assert PRESET_FILES[name].equals in (
        "paper_model()",
        "boundary_driven_chain(4)",
        'boundary_driven_chain(4, "xxz")',
        "absorption_refrigerator()",
    )


def test_example_files_are_package_data():
    """Every presets/*.toml is listed as package data, so it installs with the package."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["circuitheat.presets"]
    shipped = {p.name for p in resources.files("circuitheat.presets").iterdir() if p.name.endswith(".toml")}
    assert patterns == ["*.toml"] and shipped == {f.filename for f in PRESET_FILES.values()}


def test_paper_model_is_the_collision_model():
    model = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8), ch.Reservoir(1.0, 0.8))  # Fig. 2
    assert paper_model() == model.network


def test_paper_preset_reproduces_the_model_steady_state(rng):
    """Steady currents of the network preset = ch.steady_state(model) (the paper's fast path), Fig. 2 and random models."""
    models = [ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8, 5 * math.pi / 4), ch.Reservoir(1.0, 0.8))]
    models += [random_model(rng) for _ in range(6)]
    for model in models:
        expected = ch.steady_state(model)
        got = ch.steady_state(paper_model(model.gamma, model.delta, model.hot, model.cold))
        assert got.currents["hot"] == pytest.approx(expected.heat_hot, abs=EXACT)
        assert got.currents["cold"] == pytest.approx(expected.heat_cold, abs=EXACT)
        assert np.max(np.abs(got.system_state - expected.system_state)) < EXACT


def test_chain_structure():
    net = boundary_driven_chain(5)
    assert net.sites == 5 and net.reservoir_names == ("hot", "cold")
    bonds = [op.sites for op in net.step if isinstance(op, ch.Interaction)]
    assert bonds == [(0, 1), (2, 3), (1, 2), (3, 4)]  # brickwork: even bonds, then odd bonds
    assert [(c.reservoir, c.site) for c in net.collisions] == [("hot", 0), ("cold", 4)]
    assert chain_bonds(5, "sequential") == [(0, 1), (1, 2), (2, 3), (3, 4)]
    seq = boundary_driven_chain(3, order="sequential", gamma=0.3, delta=0.2)
    assert [op.sites for op in seq.step if isinstance(op, ch.Interaction)] == [(0, 1), (1, 2)]
    assert np.array_equal(seq.collisions[0].matrix, np.asarray(ch.partial_swap(0.3)))


def test_xxz_at_isotropy_is_the_partial_swap_chain():
    """exp(i d/2 (XX+YY+ZZ)) = e^{-i d/2} U(d) (XX+YY+ZZ = 2 SWAP - I): same channel, same currents."""
    xxx = boundary_driven_chain(3, "xxz", anisotropy=1.0, delta=0.7)
    swap = boundary_driven_chain(3, "partial_swap", delta=0.7)
    u_xxz, u_swap = xxx.step[0].matrix, swap.step[0].matrix
    assert np.max(np.abs(u_xxz - np.exp(-0.35j) * u_swap)) < MATRIX_ROUNDING
    a, b = ch.steady_state(xxx), ch.steady_state(swap)
    for name in ("hot", "cold"):
        assert a.currents[name] == pytest.approx(b.currents[name], abs=EXACT)


@pytest.mark.parametrize("coupling", ["partial_swap", "xxz"])
def test_chain_carries_heat_from_hot_to_cold(coupling):
    """Thermal reservoirs, energy-conserving gates: J_cold = -J_hot > 0 and no work (Sec. II's first law)."""
    ss = ch.steady_state(boundary_driven_chain(4, coupling))
    assert ss.currents["cold"] > 0
    assert ss.currents["hot"] + ss.currents["cold"] == pytest.approx(0.0, abs=EXACT)
    assert abs(ss.work) < EXACT


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_sites": 1}, ValueError, "n_sites must be >= 2, got 1"),
        ({"n_sites": 3, "coupling": "xy"}, ValueError, "unknown coupling 'xy'; valid: 'partial_swap', 'xxz'"),
        ({"n_sites": 3, "order": "random"}, ValueError, "unknown order 'random'; valid: 'brickwork', 'sequential'"),
        ({"n_sites": 3, "coupling": "xxz", "anisotropy": math.inf}, ValueError, "anisotropy must be finite, got inf"),
        ({"n_sites": 2.5}, TypeError, "n_sites must be an integer"),
    ],
)
def test_chain_rejects_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        boundary_driven_chain(**kwargs)


def test_three_body_exchange_is_built_exactly_from_two_qubit_gates():
    """The nine gates multiply to U3(theta) = exp(-i theta (|010><101| + h.c.)), checked by explicit embedding."""
    for theta in (0.3, math.pi / 4, -1.1):
        product = np.eye(8, dtype=complex)
        for op in three_body_exchange(theta):
            product = _embed(op.matrix, *op.sites, 3) @ product
        assert np.max(np.abs(product - three_body_unitary(theta))) < MATRIX_ROUNDING
    # U3 commutes with H_S when omega_r = omega_c + omega_h: no work
    energies = np.array([sum(0.5 * w * (1 - 2 * ((x >> (2 - k)) & 1)) for k, w in enumerate((1.0, 3.0, 2.0))) for x in range(8)])
    u3 = three_body_unitary(0.4)
    assert np.max(np.abs(u3 @ np.diag(energies) - np.diag(energies) @ u3)) < MATRIX_ROUNDING


def test_refrigerator_cools_with_cop_omega_c_over_omega_h():
    """Linden et al. (2010): each exchange takes omega_c from c and omega_h from h, so COP = J_cold/J_hot = omega_c/omega_h."""
    net = absorption_refrigerator()
    assert net.omega == (1.0, 3.0, 2.0) and net.reservoir_names == ("cold", "room", "hot")
    ss = ch.steady_state(net)
    j = ss.currents
    assert j["cold"] < 0 and j["hot"] < 0 and j["room"] > 0  # heat out of cold and hot, into room
    assert j["cold"] / j["hot"] == pytest.approx(1.0 / 2.0, abs=1e-10)
    assert abs(ss.work) < EXACT and abs(sum(j.values())) < EXACT
    assert carnot_cop(1.0, 1.5, 5.0) == pytest.approx((1 / 1.5 - 1 / 5) / (1 - 1 / 1.5), rel=1e-15)
    assert 0.5 < carnot_cop(1.0, 1.5, 5.0)


def test_refrigerator_stops_at_the_carnot_cop():
    """At omega_c/omega_h = COP_Carnot the product of thermal states is stationary: J = 0; beyond it, it heats."""
    cop = carnot_cop(1.0, 1.5, 5.0)
    at = ch.steady_state(absorption_refrigerator(omega_cold=2.0 * cop, omega_hot=2.0)).currents
    assert max(abs(v) for v in at.values()) < EXACT
    beyond = ch.steady_state(absorption_refrigerator(omega_cold=2.0 * cop * 1.2, omega_hot=2.0)).currents
    assert beyond["cold"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.0, 1.0, 5.0), "t_cold must be < t_room for a refrigerator"),
        ((0.0, 1.0, 5.0), "t_cold must be finite and > 0, got 0.0"),
    ],
)
def test_carnot_cop_rejects_bad_temperatures(args, message):
    with pytest.raises(ValueError, match=message):
        carnot_cop(*args)


def test_refrigerator_rejects_bad_input():
    with pytest.raises(ValueError, match=r"omega_cold must be finite and > 0, got -1\.0"):
        absorption_refrigerator(omega_cold=-1.0)
    with pytest.raises(ValueError, match=r"t_room must be > 0 \(math.inf allowed\), got 0.0"):
        absorption_refrigerator(t_room=0.0)
