"""Issue 13: omega != 1, temperatures down to the smallest double, huge inputs, and how errors are reported.

Reference numbers and where they come from:

* p_c(omega = 1.1) = 0.164044 for gamma = pi/32, delta = pi/4, T_h = 2, T_c = 1: the paper's
  model (Sec. III) rescaled, p_c(omega, T_h, T_c) = p_c(1, T_h/omega, T_c/omega), and checked
  here by a dense scan over phase differences on either side of the root.
* The rescaling identity J(omega, T) = omega J(1, T/omega): the ancilla state of Eq. (12)
  depends on T only through beta*omega, the collision of Eq. (8) does not depend on omega,
  and every heat current (Eqs. 10-11) is an energy, linear in omega.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import circuitheat as ch
from circuitheat import closed_forms as cf
from circuitheat.cli import main
from circuitheat.states import ancilla_state, ancilla_state_derivative
from circuitheat.validation import InputError, InputTypeError, InputValueError

#: Relative agreement of a quantity computed at omega and the same quantity rescaled from omega = 1:
#: both sides are the same double-precision linear algebra on states that agree to rounding (~1e-16),
#: amplified by the conditioning of the 16x16 fixed-point solve (~1e2 for these parameters).
RESCALE_RTOL = 1e-10
#: Absolute floor for the same comparison, in units of omega (currents of order 1e-3..1e-1).
RESCALE_ATOL = 1e-14
#: Root tolerance of critical_coherence is 1e-13; the paper-style value is compared to 6 printed digits.
PRINTED_6 = 5e-7
#: Smallest positive (subnormal) double: the coldest temperature a user can type.
T_MIN = 5e-324
#: Currents that vanish exactly in exact arithmetic come out of the batched real solve as
#: a few ulps of the O(0.1) terms that cancel: 1e-15 is far below any physical current here.
ROUNDING = 1e-15

OMEGAS = (0.3, 1.1, 2.0, 7.5)


@pytest.mark.parametrize("omega", OMEGAS)
def test_steady_currents_obey_the_omega_rescaling(omega):
    rng = np.random.default_rng(13)
    g, d = rng.uniform(0.05, 1.5, 5), rng.uniform(0.05, 1.5, 5)
    th, tc = rng.uniform(0.2, 4, 5), rng.uniform(0.2, 4, 5)
    p, ph = rng.uniform(0, 1, 5), rng.uniform(0, 2 * np.pi, 5)
    j_w = ch.steady_heat_current(g, d, th, tc, p, ph, 0.3, omega)
    j_1 = omega * ch.steady_heat_current(g, d, th / omega, tc / omega, p, ph, 0.3, 1.0)
    np.testing.assert_allclose(j_w, j_1, rtol=RESCALE_RTOL, atol=RESCALE_ATOL * omega)
    lam_w, c_w = ch.linear_response(g, d, th, p, ph, omega)
    lam_1, c_1 = ch.linear_response(g, d, th / omega, p, ph, 1.0)
    np.testing.assert_allclose(lam_w, lam_1, rtol=RESCALE_RTOL, atol=RESCALE_ATOL)  # dJ/dT: omega / omega
    np.testing.assert_allclose(c_w, omega * c_1, rtol=RESCALE_RTOL, atol=RESCALE_ATOL * omega)
    np.testing.assert_allclose(ch.conductance(g, d, th, p, ph, omega), lam_1, rtol=RESCALE_RTOL, atol=RESCALE_ATOL)


@pytest.mark.parametrize("omega", OMEGAS)
def test_closed_forms_obey_the_omega_rescaling(omega):
    d, th, tc, p, dphi = 0.6, np.array([0.5, 2.0, 3.0]), np.array([0.25, 1.0, 3.5]), 0.7, 4.0
    j_w = cf.steady_heat_current_full_swap(d, th, tc, p, dphi, omega)
    np.testing.assert_allclose(j_w, omega * cf.steady_heat_current_full_swap(d, th / omega, tc / omega, p, dphi), rtol=1e-13)
    j_exact = ch.steady_heat_current(np.pi / 2, d, th, tc, p, dphi, 0.0, omega)
    np.testing.assert_allclose(j_w, j_exact, rtol=1e-10, atol=RESCALE_ATOL * omega)
    pc_w = cf.critical_coherence_full_swap(d, th, tc, dphi, omega)
    np.testing.assert_allclose(pc_w, cf.critical_coherence_full_swap(d, th / omega, tc / omega, dphi), rtol=1e-13)
    lam_w, c_w = cf.linear_response_full_swap(d, th, p, dphi, omega)
    lam_exact, c_exact = ch.linear_response(np.pi / 2, d, th, p, dphi, omega)  # Eq. (33) is exact at gamma = pi/2
    np.testing.assert_allclose(lam_w, lam_exact, rtol=1e-9, atol=RESCALE_ATOL)
    np.testing.assert_allclose(c_w, c_exact, rtol=1e-9, atol=RESCALE_ATOL * omega)
    for kappa in (cf.conductance_thermal, cf.conductance_thermal_high_temperature):
        np.testing.assert_allclose(kappa(0.4, d, th, omega), kappa(0.4, d, th / omega), rtol=1e-13)


def test_trajectories_and_steady_state_obey_the_omega_rescaling():
    omega = 2.0
    model_w = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8, 1.0, omega), ch.Reservoir(1.0, 0.8, 0.0, omega))
    model_1 = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(1.0, 0.8, 1.0), ch.Reservoir(0.5, 0.8, 0.0))
    t_w, t_1 = ch.simulate(model_w, 50), ch.simulate(model_1, 50)
    np.testing.assert_allclose(t_w.heat_hot, omega * t_1.heat_hot, rtol=RESCALE_RTOL, atol=RESCALE_ATOL)
    np.testing.assert_allclose(t_w.system_states, t_1.system_states, atol=RESCALE_ATOL)
    assert ch.steady_state(model_w).heat_hot == pytest.approx(omega * ch.steady_state(model_1).heat_hot, rel=RESCALE_RTOL)
    assert model_w.hot.energy == pytest.approx(omega * model_1.hot.energy, rel=1e-15)


def _max_over_phase_dense(p: float, omega: float) -> float:
    phases = np.linspace(0, 2 * np.pi, 4096, endpoint=False)  # J(phase) error ~1e-10 at this spacing
    return float(ch.steady_heat_current(np.pi / 32, np.pi / 4, 2.0, 1.0, p, phases, 0.0, omega).max())


def test_critical_coherence_at_omega_1_1_matches_a_dense_scan():
    """The reported case: 0.156299 (omega ignored in the refinement) before the fix; 0.164044 is right."""
    p_c = ch.critical_coherence(np.pi / 32, np.pi / 4, 2.0, 1.0, omega=1.1)
    assert abs(p_c - 0.164044) < PRINTED_6
    assert _max_over_phase_dense(0.16404, 1.1) < 0 < _max_over_phase_dense(0.16405, 1.1)


@pytest.mark.parametrize(("omega", "t_hot", "t_cold"), [(2.0, 2.0, 1.0), (0.5, 4.0, 0.7)])
def test_critical_coherence_obeys_the_omega_rescaling(omega, t_hot, t_cold):
    """omega = 2 raised scipy's 'f(a) and f(b) must have different signs' before the fix."""
    p_w = ch.critical_coherence(np.pi / 32, np.pi / 4, t_hot, t_cold, omega=omega)
    p_1 = ch.critical_coherence(np.pi / 32, np.pi / 4, t_hot / omega, t_cold / omega)
    assert p_w == pytest.approx(p_1, abs=1e-12)


# --- temperatures down to the smallest double: finite, no warning ---------------------------


@pytest.mark.parametrize("t", [1e-160, 1e-300, 1e-320, T_MIN])
def test_coldest_temperatures_are_finite_and_silent(t):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lam, c = ch.linear_response(np.pi / 32, np.pi / 4, t, 0.8, 1.0)
        j = ch.steady_heat_current(np.pi / 32, np.pi / 4, t, 1.0, 0.8, 1.0)
        both = ch.steady_heat_current(np.pi / 32, np.pi / 4, t, t, 0.8, 1.0)
        closed = [
            cf.steady_heat_current_full_swap(np.pi / 4, t, 1.0, 0.8, 1.0),
            *cf.linear_response_full_swap(np.pi / 4, t, 0.8, 1.0),
            cf.conductance_thermal(np.pi / 32, np.pi / 4, t),
        ]
        rho, drho = ancilla_state(t, 0.8, 1.0), ancilla_state_derivative(t, 0.8, 1.0)
    assert np.all(np.isfinite([lam, c, j, both, *closed]))
    # the ground state |1> is exact once omega/T > ~745, and nothing moves with T any more
    # (lam, c and the current between two ground-state reservoirs vanish up to the rounding of
    # the real 15x15 solve, ~1e-16)
    assert lam == pytest.approx(0, abs=ROUNDING) and c == pytest.approx(0, abs=ROUNDING)
    assert both == pytest.approx(0, abs=ROUNDING) and np.array_equal(rho, np.diag([0, 1]).astype(complex))
    assert not np.any(drho)
    # the current into a reservoir at T -> 0 equals the exact T = 1e-3 value (already the ground-state limit)
    assert j == pytest.approx(float(ch.steady_heat_current(np.pi / 32, np.pi / 4, 1e-3, 1.0, 0.8, 1.0)), rel=1e-12)


def test_entropy_cli_at_the_coldest_temperature_names_the_right_cause(capsys):
    """At T_h = 1e-320 the hot ancilla is pure because it is in its ground state, not because p_h = 1."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["entropy", "--t-hot", "1e-320", "-n", "5", "--steady"]) == 0
    messages = [str(w.message) for w in caught]
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], messages
    hot = [m for m in messages if m.startswith("delta_s_re_hot")]
    assert hot and all("has a pure ancilla (p = 1, or a temperature so low that it is its ground state)" in m for m in hot)
    assert not [m for m in messages if "p_h = 1 and" in m], messages  # the old text blamed p_h
    assert "p_h=0.8" in capsys.readouterr().out


# --- huge and ill-typed numbers: ValueError/TypeError naming the parameter ----------------


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda: ch.Reservoir(temperature=10**400), "temperature"),
        (lambda: ch.Reservoir(1.0, coherence=10**400), "coherence"),
        (lambda: ch.Reservoir(1.0, phase=-(10**400)), "phase"),
        (lambda: ch.Reservoir(1.0, omega=10**400), "omega"),
        (lambda: ch.CollisionModel(10**400, 0.1, ch.Reservoir(1.0), ch.Reservoir(1.0)), "gamma"),
        (lambda: ch.CollisionModel(0.1, 10**400, ch.Reservoir(1.0), ch.Reservoir(1.0)), "delta"),
        (lambda: ch.steady_heat_current(0.1, 0.1, [1.0, 10**400], 1.0), "t_hot"),
        (lambda: ch.linear_response(0.1, 0.1, 1.0, omega=10**400), "omega"),
        (lambda: ch.critical_coherence(0.1, 0.1, 2.0, 1.0, omega=10**400), "omega"),
        (lambda: cf.conductance_thermal(0.1, 0.1, 10**400), "temperature"),
        (lambda: ch.sweep({"gamma": [10**400]}, progress=False), "gamma"),
    ],
)
def test_huge_numbers_raise_value_error_naming_the_parameter(build, name):
    with pytest.raises(InputValueError, match=rf"^{name}\b|axis '{name}'"):
        build()


def test_second_law_scan_names_its_parameter():
    model = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8), ch.Reservoir(1.0, 0.8))
    with pytest.raises(InputTypeError, match="phase_differences must be real numbers, got \\['a'\\]"):
        ch.second_law_scan(model, ["a"])


@pytest.mark.parametrize("bad", [0, -5])
def test_sweep_rejects_max_pending_below_one(bad):
    with pytest.raises(InputValueError, match=f"max_pending must be >= 1, got {bad}"):
        ch.sweep({"gamma": [0.1]}, max_pending=bad, progress=False)


def test_validation_errors_are_value_and_type_errors():
    """Callers that catch ValueError/TypeError keep working; the CLI tells them from bugs by InputError."""
    assert issubclass(InputValueError, ValueError) and issubclass(InputTypeError, TypeError)
    assert issubclass(InputValueError, InputError) and issubclass(InputTypeError, InputError)


# --- the command line: what is the user's mistake, and what is a bug ------------------------


def test_cli_reports_a_bug_with_its_traceback_and_exit_1(monkeypatch, capsys):
    """A TypeError from deep inside (here: simulate broken on purpose) is not bad input."""
    import circuitheat.cli.run as run_module

    def broken(*args, **kwargs):
        return None + 1  # the kind of TypeError a bug raises

    monkeypatch.setattr(run_module, "simulate", broken)
    with pytest.raises(TypeError, match="unsupported operand"):
        main(["run", "-n", "3"])
    capsys.readouterr()


def test_cli_reports_validation_type_errors_as_bad_input(monkeypatch, capsys):
    import circuitheat.cli.run as run_module

    def rejects(*args, **kwargs):
        raise InputTypeError("n_collisions must be an integer, got 'x' of type str")

    monkeypatch.setattr(run_module, "simulate", rejects)
    assert main(["run", "-n", "3"]) == 2
    err = capsys.readouterr().err
    assert err == "circuitheat run: error: n_collisions must be an integer, got 'x' of type str\n"


def test_run_says_what_it_wrote(tmp_path, capsys):
    out, png = tmp_path / "t.csv", tmp_path / "t.png"
    assert main(["run", "-n", "20", "--out", str(out), "--plot", str(png)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"wrote {out} (20 collisions: J_h, J_c, system energy)",
        f"wrote {png} (J_h and J_c versus collision number)",
    ]
    assert main(["run", "-n", "3", "--plot", str(tmp_path / "u.png")]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("collision,heat_hot") and "wrote" not in captured.out  # stdout stays CSV
    assert captured.err == f"wrote {tmp_path / 'u.png'} (J_h and J_c versus collision number)\n"


def test_entropy_says_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["entropy", "-n", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (entropy balance, 3 collisions)\n" and out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-n", "3", "--out", "{dir}", "--force"], "is a directory, not a file"),
        (["run", "-n", "3", "--out", ".."], "'..' is a directory, not a file"),
        (["run", "-n", "3", "--out", ""], "--out: empty path"),
        (["run", "-n", "3", "--plot", "{dir}/x.txt"], "--plot must end in .png, .pdf or .svg"),
        (["sweep", "-a", "gamma=0.1,0.2", "--out", "{dir}", "--force"], "is a directory, not a file"),
        (["sweep", "-a", "gamma=0.1,0.2", "--out", ".."], "'..' is a directory, not a file"),
        (["sweep", "-a", "gamma=0.1,0.2", "--out", ""], "--out: empty path"),
        (["sweep", "-a", "gamma=0.1,0.2", "--out", "{dir}/s.txt"], "--out must end in .nc or .nc4"),
        (["sweep", "-a", "gamma=0.1,0.2", "--out", "{dir}/missing/s.nc"], "does not exist"),
        (["entropy", "-n", "3", "--out", "{dir}", "--force"], "is a directory, not a file"),
        (["entropy", "-n", "3", "--out", "{dir}/b.txt"], "--out must end in .csv or .json"),
        (["plot", "{dir}/s.nc", "--out", ".."], "'..' is a directory, not a file"),
    ],
)
def test_outputs_are_checked_before_any_work_the_same_way(tmp_path, capsys, args, message):
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    before = sorted(tmp_path.iterdir())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert sorted(tmp_path.iterdir()) == before  # nothing written, no .chunks left behind


def test_importing_main_module_does_not_run_the_cli(capsys):
    import importlib

    module = importlib.import_module("circuitheat.__main__")
    assert module.__all__ == [] and capsys.readouterr() == ("", "")


def test_a_pipe_closed_early_exits_quietly():
    """`circuitheat run -n 20000 | head -2` (1.4 MB of CSV, more than a pipe buffer).

    Exit 141 (128 + SIGPIPE) and nothing on stderr, as Unix tools do.
    """
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "circuitheat", "run", "-n", "20000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    head = [proc.stdout.readline() for _ in range(2)]
    proc.stdout.close()  # what `head -2` does after two lines
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 141
    assert head[0].startswith(b"collision,heat_hot") and err == b""


def test_infinite_and_tiny_omega_free_inputs_stay_legal():
    """T = inf is the documented infinite-temperature limit, not an overflow."""
    assert ch.steady_heat_current(0.3, 0.4, math.inf, 1.0) < 0


def test_fig2_band_at_phase_pi_is_the_period_4_mode_of_the_collision_map():
    """The caption of Fig. 2 (FIG2_OSCILLATION_NOTE): Phi has eigenvalues -0.039 +- 0.990i, phase ~ pi/2."""
    from circuitheat.channel import Channel
    from circuitheat.reproduce.figures import FIG2_OSCILLATION_NOTE

    model = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8, np.pi), ch.Reservoir(1.0, 0.8, 0.0))
    eigenvalues = np.linalg.eigvals(Channel.from_model(model).superoperator)
    pair = eigenvalues[np.argmin(np.abs(eigenvalues - (-0.039 + 0.990j)))]
    assert abs(pair - (-0.039 + 0.990j)) < 5e-4 and "−0.039 ± 0.990i" in FIG2_OSCILLATION_NOTE  # 3 printed digits
    j = ch.simulate(model, 400).heat_hot[300:]
    spectrum = np.abs(np.fft.rfft(j - j.mean()))
    fast = np.arange(spectrum.size) >= 10  # above the slow relaxation (frequencies >= 0.1 per collision)
    assert np.argmax(np.where(fast, spectrum, 0)) / j.size == pytest.approx(0.25, abs=0.02)  # period ~ 4 collisions


def test_cli_reports_a_broken_import_inside_circuitheat_as_a_bug(monkeypatch):
    """A missing optional dependency is the user's to install; a failing import of our own module is a bug."""
    import circuitheat.cli.run as run_module

    def broken(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'circuitheat.nope'", name="circuitheat.nope")

    monkeypatch.setattr(run_module, "simulate", broken)
    with pytest.raises(ModuleNotFoundError):
        main(["run", "-n", "3"])
