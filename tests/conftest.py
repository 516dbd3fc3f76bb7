"""Shared fixtures: seeded random models and a brute-force reference collision."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

import circuitheat as ch

# nbmake runs each notebook in a kernel subprocess: make it import this checkout (an
# editable install may point at another one). Set here, not in notebooks/conftest.py, whose
# module name would shadow this one for ``from conftest import ...``.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).resolve().parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
)

#: Number of random parameter sets used by invariant tests (many, each check is ~1 ms).
N_RANDOM_MODELS = 40


def random_model(rng: np.random.Generator, *, extreme: bool = False) -> ch.CollisionModel:
    """A random model; with ``extreme`` the temperatures and p span the legal extremes."""
    if extreme:
        temps = [1e-3, 1e-2, 0.3, 2.0, 1e3, 1e6, math.inf]
        t_hot, t_cold = (float(rng.choice(temps)) for _ in range(2))
        p_hot, p_cold = (float(rng.choice([0.0, 1.0, rng.uniform()])) for _ in range(2))
    else:
        t_hot, t_cold = rng.uniform(0.1, 5.0, 2)
        p_hot, p_cold = rng.uniform(0, 1, 2)
    omega = float(rng.choice([1.0, rng.uniform(0.3, 3.0)]))
    hot = ch.Reservoir(t_hot, p_hot, rng.uniform(-np.pi, 3 * np.pi), omega)
    cold = ch.Reservoir(t_cold, p_cold, rng.uniform(-np.pi, 3 * np.pi), omega)
    gamma = rng.uniform(0.05, np.pi - 0.05)
    return ch.CollisionModel(gamma=gamma, delta=rng.uniform(-np.pi, np.pi), hot=hot, cold=cold)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture
def random_models() -> list[ch.CollisionModel]:
    rng = np.random.default_rng(12345)
    return [random_model(rng, extreme=(k % 3 == 0)) for k in range(N_RANDOM_MODELS)]


@pytest.fixture
def fig2_model():
    """The paper's Fig. 2 model at a given phase difference."""

    def make(phase_difference: float = 0.0, coherence: float = 0.8) -> ch.CollisionModel:
        hot = ch.Reservoir(2.0, coherence, phase_difference)
        cold = ch.Reservoir(1.0, coherence, 0.0)
        return ch.CollisionModel(gamma=np.pi / 32, delta=np.pi / 4, hot=hot, cold=cold)

    return make


# --- an independent, deliberately naive reference: explicit 16x16 operators, full state, partial traces


def _op_on(u2: np.ndarray, i: int, j: int, n_qubits: int = 4) -> np.ndarray:
    """Embed a two-qubit operator on qubits (i, j) of n qubits, qubit 0 leftmost, by index bookkeeping."""
    dim = 2**n_qubits
    out = np.zeros((dim, dim), dtype=complex)
    for k in range(dim):
        bits = [(k >> (n_qubits - 1 - q)) & 1 for q in range(n_qubits)]
        for o in range(4):
            amp = u2[o, 2 * bits[i] + bits[j]]
            nb = list(bits)
            nb[i], nb[j] = o >> 1, o & 1
            out[int("".join(map(str, nb)), 2), k] += amp
    return out


def reference_collision(model: ch.CollisionModel, rho_s: np.ndarray) -> tuple[np.ndarray, float, float]:
    """One collision the slow way (Eqs. 8-10): returns (rho_S after, J_h, J_c)."""
    swap = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)

    def u(theta):
        return math.cos(theta) * np.eye(4) + 1j * math.sin(theta) * swap

    total = _op_on(u(model.gamma), 1, 3) @ _op_on(u(model.gamma), 0, 2) @ _op_on(u(model.delta), 0, 1)
    eta_h, eta_c = model.hot.state, model.cold.state
    full = total @ np.kron(rho_s, np.kron(eta_h, eta_c)) @ total.conj().T
    t = full.reshape(2, 2, 2, 2, 2, 2, 2, 2)  # a b h c, a' b' h' c'
    rho_after = np.einsum("abhcdehc->abde", t).reshape(4, 4)
    eta_h_after = np.einsum("abhcabjc->hj", t)
    eta_c_after = np.einsum("abhcabhd->cd", t)
    h = 0.5 * model.omega * np.diag([1.0, -1.0])
    j_h = float(np.trace(h @ (eta_h_after - eta_h)).real)
    j_c = float(np.trace(h @ (eta_c_after - eta_c)).real)
    return rho_after, j_h, j_c
