"""Observability of the reversed current on fake devices, and the ``circuitheat hardware`` command."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.hardware import observability_study, shots_for_sign, thermal_control
from circuitheat.hardware.observability import settle_collision

#: Shot estimates vs their expectation (seeded), in standard errors.
SIGMAS = 4.0
#: The device moves the full-swap steady current by a few 1e-3 (gate errors ~0.3 %, readout
#: ~1-2 %, 4 us per collision against T1 ~ 100-300 us): well within 30 % of its exact value.
DEVICE_SHIFT = 0.3


def reversal_model(gamma: float = np.pi / 2) -> ch.CollisionModel:
    """The paper's reservoirs (T_h = 2, T_c = 1, p = 0.8) at phase difference 5pi/4 (reversed current, Fig. 3)."""
    return ch.CollisionModel(gamma, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))


def test_full_swap_reversal_is_observable_on_torino():
    report = observability_study(reversal_model(np.pi / 2), "fake_torino")
    # exact value: Eq. (14) closed form at gamma = pi/2
    eq14 = float(ch.steady_heat_current_full_swap(np.pi / 4, 2.0, 1.0, 0.8, 5 * np.pi / 4))
    assert report.exact_steady == pytest.approx(eq14, abs=1e-12) and eq14 > 0
    # the full swap replaces the system state each collision: steady from collision 2 on (exactly, Sec. III)
    assert report.tail_start == 2 and report.n_collisions == 8
    assert report.exact_tail_mean == pytest.approx(eq14, abs=1e-12)
    assert report.noisy_tail_mean == pytest.approx(eq14, rel=DEVICE_SHIFT)
    assert report.control_exact_steady < 0 and report.control_noisy_tail_mean < 0
    assert report.observable and report.observable_mitigated
    assert 10 < report.shots_needed < 1000
    assert report.shots_needed == pytest.approx((3 * report.shot_std / report.noisy_tail_mean) ** 2)
    assert report.total_duration < report.system_t1  # 8 collisions of ~4 us
    assert report.verdict().startswith("observable")
    record = report.to_dict()
    assert record["observable"] is True and json.dumps(record)


@pytest.mark.slow
def test_paper_parameters_are_not_conclusive_on_torino():
    """gamma = pi/32: the device settles after ~30 collisions (54-collision study, ~1 T1) and the control reads J_h > 0.

    With the device's asymmetric readout (hot ancilla on qubit 33, P(1|0) = 0.032 > P(0|1) = 0.015)
    the raw thermal control reads about +0.016 (noise_map docstring: the offset
    omega (e_ge eta_gg - e_eg eta_ee) > 0 there).
    """
    report = observability_study(reversal_model(np.pi / 32), "fake_torino")
    assert report.exact_steady == pytest.approx(0.012233, abs=5e-6)  # fixed point of Phi; Fig. 3 (gamma = pi/32) at 5pi/4
    assert report.noisy_tail_mean > 0  # the sign survives ...
    assert report.control_exact_steady < 0 < report.control_noisy_tail_mean  # ... but noise alone produces it
    assert not report.observable and "not conclusive" in report.verdict()
    assert report.total_duration > 0.5 * report.system_t1  # 213 us against T1 = 218 us


def test_helpers():
    assert shots_for_sign(0.01, 0.1) == pytest.approx(900.0)
    assert shots_for_sign(-0.01, 0.1, sigmas=2) == pytest.approx(400.0)
    assert shots_for_sign(0.0, 0.1) == math.inf
    assert settle_collision(np.array([1.0, 0.5, 0.01, 0.0, 0.0]), 0.0, 1.0, 0.05) == 3
    with pytest.raises(ValueError, match="has not settled within 3 collisions"):
        settle_collision(np.array([1.0, 1.0, 1.0]), 0.0, 1.0)
    control = thermal_control(reversal_model())
    assert control.hot.coherence == control.cold.coherence == 0.0 and control.hot.temperature == 2.0
    with pytest.raises(ValueError, match="sigmas must be finite and > 0"):
        shots_for_sign(0.1, 0.1, sigmas=0)


def test_cli_json_and_plot(tmp_path, capsys):
    png = tmp_path / "device.png"
    argv = ["hardware", "--backend", "fake_torino", "--gamma", "pi/2", "--phase-difference", "5pi/4"]
    argv += ["--shots", "600", "--seed", "3", "--compare-gamma", "pi/4", "--json", "--plot", str(png)]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    study, est = record["study"], record["estimate"]
    assert study["observable"] and study["n_collisions"] == 8 and len(record["per_collision"]) == 8
    assert record["transpilation"]["two_qubit_gates_per_collision"] == 11
    assert [c["gamma"] for c in record["comparisons"]] == [pytest.approx(np.pi / 4)]
    # the shots agree with the device prediction of the same study (seeded)
    assert abs(est["steady_hot"] - study["noisy_tail_mean"]) < SIGMAS * est["steady_hot_stderr"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert main(argv) == 2  # never overwrites the figure silently
    assert "exists; pass --force" in capsys.readouterr().err


def test_cli_text_without_shots(capsys):
    assert main(["hardware", "--gamma", "pi/2", "--dphi", "5pi/4", "--shots", "0", "--compare-gamma", "none"]) == 0
    out = capsys.readouterr().out
    assert "== transpilation ==" in out and "verdict            observable" in out and "shots on" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--backend", "fake_nowhere"], "unknown backend 'fake_nowhere'"),
        (["--backend", "fake_torino", "--layout", "1,2,3,4,5,6"], "does not connect"),
    ],
)
def test_cli_bad_input_is_one_line(argv, message, capsys):
    assert main(["hardware", "--shots", "0", "--compare-gamma", "none", "--gamma", "pi/2", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--shots", "1"], ["--layout", "1,2"], ["--compare-gamma", "pi/"]])
def test_cli_bad_option_values(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["hardware", *argv])
    assert exc.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_cli_is_seeded_by_default(capsys):
    """Issue 14: two runs of the same command print the same numbers (default --seed 1)."""
    argv = ["hardware", "--backend", "fake_guadalupe", "--gamma", "pi/2", "--dphi", "5pi/4", "--shots", "40"]
    argv += ["--compare-gamma", "none"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first and "(seed 1)" in first
    assert main([*argv, "--seed", "2"]) == 0
    assert capsys.readouterr().out != first


def test_cli_study_table(capsys):
    """--table prints the README's markdown table: one row per device and gamma, no shots."""
    argv = ["hardware", "--table", "--backend", "fake_guadalupe", "--gamma", "pi/2", "--dphi", "5pi/4"]
    assert main([*argv, "--compare-gamma", "pi/4"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith("| device | γ | exact J_h^ss")
    assert lines[2].startswith("| fake_guadalupe | π/2 | +0.0430 |")  # Eq. 14 at 5pi/4: +0.04304
    assert lines[3].startswith("| fake_guadalupe | π/4 | +0.0665 |")
    assert all(" | 11 | " in row for row in lines[2:])  # two-qubit gates per collision
    assert main([*argv, "--plot", "x.png"]) == 2
    assert "--table makes no figure" in capsys.readouterr().err
