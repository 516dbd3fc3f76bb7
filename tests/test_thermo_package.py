"""The circuitheat.thermo package: its re-exported API, and the batched steady-state scan.

The physics of Sec. IV is tested in test_thermo.py; this file checks what the split into
modules and the batching could break: every public name still comes from
``circuitheat.thermo``, warnings still point at the caller, and the batched
``second_law_scan`` equals a loop of ``steady_entropy_production`` point by point.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import warnings

import numpy as np
import pytest
from conftest import random_model

import circuitheat as ch
from circuitheat import thermo
from circuitheat.channel import ancilla_pair_state, collision_unitary
from circuitheat.engines.dilation import ancilla_map
from circuitheat.thermo import (
    Spectrum,
    SupportWarning,
    ancilla_spectrum,
    entropy_balance,
    second_law_scan,
    steady_entropy_production,
)
from circuitheat.thermo.logs import _ancilla_spectra

#: The public API of circuitheat.thermo (its ``__all__``). Since issue 11 the step's ancilla
#: states come from the engines (``ancillas=True``, :mod:`circuitheat.engines.dilation`), so the
#: paper-only ``ancilla_pair_map`` and the second list of engine names ``ENTROPY_ENGINES`` are gone.
PUBLIC_NAMES = (
    "BALANCE_COLUMNS",
    "JOINT_AUTO_COLLISIONS",
    "JOINT_AUTO_QUBITS",
    "JOINT_MAX_COLLISIONS",
    "JOINT_MAX_QUBITS",
    "JOINT_METHODS",
    "SUPPORT_TOLERANCE",
    "ZERO_EIGENVALUE",
    "EntropyBalance",
    "Spectrum",
    "SteadyEntropyProduction",
    "SupportWarning",
    "ancilla_spectrum",
    "balance_columns",
    "collision_entropy_production",
    "entropy_balance",
    "joint_limit",
    "joint_relative_entropy",
    "relative_entropy",
    "second_law_scan",
    "spectrum",
    "steady_entropy_production",
    "von_neumann_entropy",
)

#: The scan and the per-point loop do the same operations on the same 16x16 matrices in
#: a different batch layout (batched LAPACK/BLAS calls, a different matrix-vector product
#: for the pair): a few ulp. Relative, because beta up to 1e3 (T = 1e-3) scales rounding
#: in J into the Clausius term, and closed-form logs of order -1000 enter the exchanged
#: entropies; absolute for values near zero.
SCAN_RTOL = 1e-12
SCAN_ATOL = 1e-13
#: Identities between products of the same numbers (Kronecker products, partial traces).
EXACT = 1e-14

_SCAN_FIELDS = (
    "production",
    "production_local",
    "clausius",
    "coherence_term",
    "exchanged_hot",
    "exchanged_cold",
    "heat_hot",
    "heat_cold",
    "mutual_information",
    "ancilla_correlation",
    "work",
)


def _fig2(coherence_hot: float = 0.8) -> ch.CollisionModel:
    """Fig. 2 parameters (gamma = pi/32, delta = pi/4, T_h = 2, T_c = 1, p = 0.8)."""
    hot = ch.Reservoir(2.0, coherence_hot, 5 * math.pi / 4)
    return ch.CollisionModel(math.pi / 32, math.pi / 4, hot, ch.Reservoir(1.0, 0.8, 0.0))


def _loop(model: ch.CollisionModel, phases: np.ndarray) -> dict[str, np.ndarray]:
    """The scan the slow way: one steady_entropy_production per phase difference."""
    out = {name: np.empty(phases.size) for name in _SCAN_FIELDS}
    for i, dphi in enumerate(phases):
        m = dataclasses.replace(model, hot=dataclasses.replace(model.hot, phase=model.cold.phase + float(dphi)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupportWarning)
            r = steady_entropy_production(m)
        for name in _SCAN_FIELDS:
            out[name][i] = getattr(r, name)
    return out


# --------------------------------------------------------------------------- the package


def test_every_public_name_is_reexported():
    """``from circuitheat.thermo import X`` works for the whole former API, and nothing else is public."""
    assert sorted(thermo.__all__) == sorted(PUBLIC_NAMES)
    for name in PUBLIC_NAMES:
        obj = getattr(thermo, name)
        if callable(obj):
            module = importlib.import_module(obj.__module__)
            assert obj.__module__.startswith("circuitheat.thermo.") and name in module.__all__, name
    assert ch.EntropyBalance is thermo.EntropyBalance and ch.SupportWarning is thermo.SupportWarning


def test_warnings_point_at_the_caller_not_at_the_package():
    """The stack walk of SupportWarning skips circuitheat/thermo/ and the rest of circuitheat/ (p_h = 1, Eq. 22 diverges).

    ``plot_second_law(model)`` scans the model itself, so its warnings pass through
    circuitheat/plotting/ on their way out.
    """
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from circuitheat.plotting.entropy import plot_second_law

    model = _fig2(coherence_hot=1.0)
    with pytest.warns(SupportWarning) as record:
        entropy_balance(model, 3, joint=True)
        steady_entropy_production(model)
        second_law_scan(model, np.linspace(0, 2 * np.pi, 5))
        ax = plot_second_law(model)
    plt.close(ax.figure)
    assert len(record) >= 4
    assert {w.filename for w in record} == {__file__}


# --------------------------------------------------------------------------- the batched scan


def test_scan_equals_a_loop_of_steady_entropy_production():
    """Invariant: the batched scan reproduces the single-model function at every phase, over random and extreme models."""
    rng = np.random.default_rng(2026)
    phases = np.linspace(-1.0, 7.0, 9)
    for k in range(8):
        model = random_model(rng, extreme=(k % 2 == 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupportWarning)
            scan = second_law_scan(model, phases)
        loop = _loop(model, phases)
        for name in _SCAN_FIELDS:
            got, want = np.asarray(scan[name]), loop[name]
            np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want), err_msg=name)
            assert not np.any(np.isnan(got)), name
            finite = np.isfinite(want)
            np.testing.assert_allclose(got[finite], want[finite], rtol=SCAN_RTOL, atol=SCAN_ATOL, err_msg=f"{name} {model}")


def test_scan_warns_once_per_quantity():
    """p_h = 1: every steady point disturbs the pure hot ancilla; one SupportWarning per quantity, not one per point."""
    with pytest.warns(SupportWarning) as record:
        scan = second_law_scan(_fig2(coherence_hot=1.0), np.linspace(0, 2 * np.pi, 25))
    messages = [str(w.message) for w in record]
    assert len(messages) == len(set(messages))
    for quantity in ("delta_s_re_hot (Eqs. 22, 25)", "entropy production (Eq. 20, one step)"):
        assert sum(m.startswith(quantity + ":") for m in messages) == 1, messages
    local = next(m for m in messages if m.startswith("entropy production"))
    first = int(re.search(r"first at entry (\d+)", local).group(1))
    assert first == int(np.flatnonzero(np.isposinf(scan["production_local"]))[0])
    assert np.all(np.isposinf(scan["production"])) and np.all(np.isposinf(scan["coherence_term"]))
    assert np.all(np.isfinite(scan["clausius"]))


def test_chunked_scan_equals_one_batch(monkeypatch):
    """Invariant: splitting the phase grid into batches of 7 changes nothing (values, warnings)."""
    model = _fig2()
    phases = np.linspace(0, 2 * np.pi, 30)
    whole = second_law_scan(model, phases)
    monkeypatch.setattr("circuitheat.thermo.second_law._SCAN_CHUNK_POINTS", 7)
    chunked = second_law_scan(model, phases)
    for name in _SCAN_FIELDS:
        np.testing.assert_allclose(chunked[name], whole[name], rtol=SCAN_RTOL, atol=SCAN_ATOL, err_msg=name)


# --------------------------------------------------------------------------- batched building blocks


def test_batched_ancilla_map_is_the_partial_trace(rng):
    """Definition: A vec(rho) = vec Tr_S[U (rho x eta_h x eta_c) U^+] (Eq. 8), for a batch of ancilla pairs.

    Reference: the paper's 16x16 collision unitary written out in closed form
    (:func:`circuitheat.channel.collision_unitary`), independent of the network's gate list.
    """
    n = 5
    model = random_model(rng)
    u = collision_unitary(model.gamma, model.delta)
    eta_h = ch.states.ancilla_state(rng.uniform(0.2, 3, n), rng.uniform(0, 1, n), rng.uniform(0, 6, n))
    eta_c = ch.states.ancilla_state(rng.uniform(0.2, 3, n), rng.uniform(0, 1, n), rng.uniform(0, 6, n))
    eta = ancilla_pair_state(eta_h, eta_c)
    a = rng.normal(size=(n, 4, 4)) + 1j * rng.normal(size=(n, 4, 4))
    rho = a @ np.swapaxes(a.conj(), -1, -2)
    rho /= np.trace(rho, axis1=-2, axis2=-1)[:, None, None]
    maps = ancilla_map(model.network, [eta_h, eta_c])
    assert maps.shape == (n, 16, 16)
    for k in range(n):
        omega = u @ np.kron(rho[k], eta[k]) @ u.conj().T
        pair = np.einsum("iaib->ab", omega.reshape(4, 4, 4, 4))
        np.testing.assert_allclose((maps[k] @ rho[k].reshape(16)).reshape(4, 4), pair, rtol=0, atol=EXACT)
        np.testing.assert_allclose(ancilla_map(model.network, [eta_h[k], eta_c[k]]), maps[k], rtol=0, atol=EXACT)


def test_batched_ancilla_spectra_match_the_scalar_closed_form():
    """The batched closed form of Eq. (12)'s spectrum equals ancilla_spectrum reservoir by reservoir (T -> 0, inf; p = 0, 1)."""
    temps, coherences, phases = [1e-3, 0.7, 1e3, math.inf], [0.0, 0.4, 1.0], [-0.3, 2.0, 7.0]
    grid = [ch.Reservoir(t, p, phi, 1.3) for t in temps for p in coherences for phi in phases]
    x = [0.5 * r.beta * r.omega for r in grid]
    batch = _ancilla_spectra(x, [r.coherence for r in grid], [r.phase for r in grid])
    for k, res in enumerate(grid):
        one = ancilla_spectrum(res)
        np.testing.assert_array_equal(np.isneginf(batch.log_eigenvalues[k]), np.isneginf(one.log_eigenvalues))
        finite = np.isfinite(one.log_eigenvalues)
        np.testing.assert_allclose(batch.log_eigenvalues[k][finite], one.log_eigenvalues[finite], rtol=EXACT, atol=EXACT)
        np.testing.assert_allclose(batch.eigenvectors[k], one.eigenvectors, rtol=0, atol=EXACT)


def test_spectrum_kron_broadcasts_in_both_orders():
    """Definition: the Kronecker product of spectra is the spectrum of eta_h x eta_c, batched x single and single x batched."""
    hots = [ch.Reservoir(2.0, 0.8, phi) for phi in (0.0, 1.0, 4.0)]
    cold = ch.Reservoir(1.0, 0.5, 0.3)
    specs = [ancilla_spectrum(r) for r in hots]
    batch = Spectrum(np.stack([s.log_eigenvalues for s in specs]), np.stack([s.eigenvectors for s in specs]))
    single = ancilla_spectrum(cold)
    left, right = batch.kron(single), single.kron(batch)
    assert left.log_eigenvalues.shape == right.log_eigenvalues.shape == (3, 4)
    for k, hot in enumerate(hots):
        np.testing.assert_allclose(left.matrix[k], np.kron(hot.state, cold.state), rtol=0, atol=EXACT)
        np.testing.assert_allclose(right.matrix[k], np.kron(cold.state, hot.state), rtol=0, atol=EXACT)
