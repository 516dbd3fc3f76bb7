"""The ``circuitheat`` command: run, steady, help, and bad input (exit 2, one line, no traceback)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.cli import main

#: CSV values are written with repr(): they round-trip exactly.
ROUND_TRIP = 0.0


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "circuitheat", *args], capture_output=True, text=True, timeout=120)


def test_run_csv_matches_api(tmp_path):
    out = tmp_path / "traj.csv"
    assert main(["run", "-n", "40", "--phase-difference", "5pi/4", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 40 and rows[0]["collision"] == "1"
    model = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    traj = ch.simulate(model, 40)
    assert np.max(np.abs(np.array([float(r["heat_hot"]) for r in rows]) - traj.heat_hot)) == ROUND_TRIP
    # never silently overwritten
    assert main(["run", "-n", "5", "--out", str(out)]) == 2
    assert main(["run", "-n", "5", "--out", str(out), "--force"]) == 0


def test_run_plot(tmp_path):
    png = tmp_path / "j.png"
    assert main(["run", "-n", "100", "--out", str(tmp_path / "t.csv"), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_steady_json(capsys):
    assert main(["steady", "--json", "--gamma", "pi/2", "--dphi", "3pi/2", "--t-hot", "2", "--t-cold", "1"]) == 0
    record = json.loads(capsys.readouterr().out)
    expected = ch.steady_heat_current_full_swap(np.pi / 4, 2.0, 1.0, 0.8, 3 * np.pi / 2)  # Eq. (14)
    assert record["heat_hot"] == pytest.approx(float(expected), abs=1e-12)
    assert record["heat_cold"] == pytest.approx(-record["heat_hot"], abs=1e-12)
    assert record["direction"] == "R^c -> R^h (reversed: from the colder to the hotter reservoir)"


@pytest.mark.parametrize(
    ("args", "direction"),
    [
        (["--t-hot", "1", "--t-cold", "2"], "R^c -> R^h (from the hotter to the colder reservoir)"),
        (["--t-hot", "1", "--t-cold", "1"], "none (J_h = 0)"),  # equal thermal-diagonal reservoirs, dphi = 0
        (["--t-hot", "1e-3", "--t-cold", "1e-3"], "none (J_h = 0)"),
        ([], "R^h -> R^c (from the hotter to the colder reservoir)"),
    ],
)
def test_steady_direction_accounts_for_temperatures(capsys, args, direction):
    assert main(["steady", "--json", *args]) == 0
    assert json.loads(capsys.readouterr().out)["direction"] == direction


def test_negative_expressions_attach_to_their_option(capsys):
    """``--phase-hot -pi/4`` is the value -pi/4, not an unknown option."""
    assert main(["steady", "--json", "--phase-hot", "-pi/4", "--delta", "-pi/5"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["phase_hot"] == pytest.approx(-np.pi / 4) and record["delta"] == pytest.approx(-np.pi / 5)


def test_outputs_are_checked_before_any_work(tmp_path, capsys):
    """A bad --plot must not leave a CSV behind or print the trajectory first."""
    out = tmp_path / "t.csv"
    assert main(["run", "-n", "10", "--out", str(out), "--plot", str(tmp_path / "x.txt")]) == 2
    assert not out.exists()
    assert main(["run", "-n", "10", "--plot", str(tmp_path / "x.txt")]) == 2
    assert capsys.readouterr().out == ""
    assert main(["run", "-n", "10", "--out", str(tmp_path / "missing" / "t.csv")]) == 2
    assert not (tmp_path / "missing").exists()


def test_steady_json_infinite_temperature(capsys):
    assert main(["steady", "--json", "--t-hot", "inf"]) == 0
    assert json.loads(capsys.readouterr().out)["t_hot"] == "inf"


@pytest.mark.parametrize("command", [[], ["run"], ["steady"]])
def test_help(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: circuitheat" in result.stdout
    if command:
        assert "--gamma" in result.stdout and "pi/32" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["steady", "--coherence", "1.5"], "coherence must be in [0, 1], got 1.5"),
        (["steady", "--t-hot", "-2"], "temperature must be > 0"),
        (["steady", "--gamma", "__import__('os')"], "expected a number or an expression such as pi/32"),
        (["steady", "--gamma", "0"], "the steady state is not unique for gamma=0.0"),
        (["run", "-n", "0"], "expected a positive integer"),
        (["run", "--engine", "qutip"], "invalid choice: 'qutip'"),
        (["steady", "--omega", "0"], "omega must be finite and > 0, got 0.0"),
        (["nonsense"], "invalid choice"),
        (["run", "-n", "200000000000"], "n_collisions=200000000000 needs about"),
        (["run", "--out", ""], "--out: empty path"),
        (["steady", "--coherence-hot", "2"], "hot reservoir (--t-hot, --coherence/--coherence-hot"),
        (["sweep", "-a", "gamma=0:1:1000000000", "--out", "x.nc"], "must be in [1, 1000000]"),
        ([], "required"),
    ],
)
def test_bad_input_exit_2_one_line(args, fragment):
    result = run_cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr
