"""Reservoir and CollisionModel: the state of Eq. (12)/(13), validation, immutability."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.states import ancilla_state, ancilla_state_derivative

#: Exact-arithmetic identities evaluated in double precision: a few ulps.
EXACT = 1e-14
#: A 4th-order central difference with step h = 1e-3 T has truncation error ~h^4 ~ 1e-12 T^4
#: and round-off ~eps/h ~ 1e-12 / T; 1e-10 absolute sits above both.
FINITE_DIFFERENCE = 1e-10


@pytest.mark.parametrize("temperature", [1e-3, 0.05, 1.0, 2.0, 1e3, 1e6, math.inf])
@pytest.mark.parametrize("coherence", [0.0, 0.3, 1.0])
def test_reservoir_state_is_eq12(temperature, coherence):
    """Eq. (12): diag e^{-+beta w/2}/Z, off-diagonal p e^{-i phi}/Z; a valid state at every T."""
    phase = 0.7
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow, no division warnings
        rho = ch.Reservoir(temperature, coherence, phase).state
    x = 0.0 if math.isinf(temperature) else 1.0 / temperature
    # closed form, written with exponentials where they are representable
    z_exc = 1.0 / (1.0 + math.exp(min(x, 700.0)))
    assert rho[0, 0].real == pytest.approx(z_exc, abs=EXACT)
    assert rho[1, 1].real == pytest.approx(1 - z_exc, abs=EXACT)
    off = coherence / (2 * math.cosh(min(x / 2, 350.0)))
    assert abs(rho[0, 1] - off * np.exp(-1j * phase)) < EXACT
    assert np.all(np.isfinite(rho))
    assert np.allclose(rho, rho.conj().T, atol=0)
    assert abs(np.trace(rho) - 1) < EXACT
    assert np.linalg.eigvalsh(rho)[0] > -EXACT


def test_pure_state_at_p1_is_psi():
    """p = 1 gives |psi><psi| with |psi> = (e^{-w b/4}|0> + e^{i phi + w b/4}|1>)/sqrt(Z) (Eq. 12)."""
    t, phi = 1.5, 1.1
    beta = 1 / t
    z = 2 * math.cosh(beta / 2)
    psi = np.array([math.exp(-beta / 4), np.exp(1j * phi + beta / 4)]) / math.sqrt(z)
    assert np.allclose(ch.Reservoir(t, 1.0, phi).state, np.outer(psi, psi.conj()), atol=EXACT)


def test_eq13_decomposition():
    """Eq. (13): rho_coh = rho_beta + p rho_non with rho_non the off-diagonal part of |psi><psi|."""
    coh = ch.Reservoir(0.8, 0.6, 2.0).state
    thermal = ch.Reservoir(0.8).state
    pure = ch.Reservoir(0.8, 1.0, 2.0).state
    non = pure - np.diag(np.diag(pure))
    assert np.allclose(coh, thermal + 0.6 * non, atol=EXACT)


def test_energy_property():
    """Tr[(w/2) sigma_z eta] = -(w/2) tanh(beta w / 2)."""
    r = ch.Reservoir(0.7, 0.5, 0.3, omega=2.0)
    assert r.energy == pytest.approx(float(np.trace(np.diag([1.0, -1.0]) @ r.state).real), abs=EXACT)


def test_state_derivative_matches_richardson():
    """The analytic dT of Eq. (12) against a 4th-order central difference (truncation ~h^4)."""
    for t in (0.05, 0.4, 1.0, 7.0):
        h = 1e-3 * t
        f = [ancilla_state(t + k * h, 0.8, 0.3) for k in (-2, -1, 1, 2)]
        fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h)
        assert np.allclose(ancilla_state_derivative(t, 0.8, 0.3), fd, rtol=0, atol=FINITE_DIFFERENCE)


def test_frozen_and_replace():
    r = ch.Reservoir(2.0, 0.8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.temperature = 3.0  # type: ignore[misc]
    m = ch.CollisionModel(0.1, 0.2, r, ch.Reservoir(1.0))
    m2 = dataclasses.replace(m, gamma=0.3)
    assert m2.gamma == 0.3 and m.gamma == 0.1 and m2.omega == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"temperature": -1.0}, "temperature must be > 0 (math.inf allowed), got -1.0"),
        ({"temperature": 0.0}, "temperature must be > 0 (math.inf allowed), got 0.0"),
        ({"temperature": math.nan}, "temperature must be > 0 (math.inf allowed), got nan"),
        ({"temperature": 1.0, "coherence": 1.5}, "coherence must be in [0, 1], got 1.5"),
        ({"temperature": 1.0, "coherence": -0.1}, "coherence must be in [0, 1], got -0.1"),
        ({"temperature": 1.0, "phase": math.inf}, "phase must be a finite angle in radians, got inf"),
        ({"temperature": 1.0, "omega": 0.0}, "omega must be finite and > 0, got 0.0"),
        ({"temperature": 1.0, "omega": -2.0}, "omega must be finite and > 0, got -2.0"),
    ],
)
def test_reservoir_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError) as info:
        ch.Reservoir(**kwargs)
    assert str(info.value) == message


@pytest.mark.parametrize("bad", ["2", None, True, 1 + 0j, [1.0]])
def test_reservoir_rejects_bad_types(bad):
    with pytest.raises(TypeError, match="temperature must be a real number"):
        ch.Reservoir(bad)


def test_model_validation_messages():
    hot, cold = ch.Reservoir(2.0), ch.Reservoir(1.0)
    with pytest.raises(ValueError, match=r"^gamma must be a finite angle in radians, got nan$"):
        ch.CollisionModel(math.nan, 0.1, hot, cold)
    with pytest.raises(ValueError, match=r"^delta must be a finite angle in radians, got inf$"):
        ch.CollisionModel(0.1, math.inf, hot, cold)
    with pytest.raises(TypeError, match=r"^hot must be a Reservoir, got 2.0 of type float$"):
        ch.CollisionModel(0.1, 0.1, 2.0, cold)
    with pytest.raises(TypeError, match="gamma must be a real number"):
        ch.CollisionModel("pi", 0.1, hot, cold)
    with pytest.raises(ValueError, match=r"hot.omega and cold.omega must be equal \(resonant collisions\), got 1.0 and 2.0"):
        ch.CollisionModel(0.1, 0.1, hot, ch.Reservoir(1.0, omega=2.0))


def test_phase_difference():
    m = ch.CollisionModel(0.1, 0.1, ch.Reservoir(2.0, 0.5, 1.0), ch.Reservoir(1.0, 0.5, 0.25))
    assert m.phase_difference == 0.75
