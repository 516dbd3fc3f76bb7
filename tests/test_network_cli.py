"""``circuitheat run|steady --network FILE.toml`` and ``circuitheat presets`` (in process)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from cli_checks import one_line_error

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.presets import PRESET_FILES, preset_file_text

#: CSV and JSON values are written with repr(): they round-trip exactly.
ROUND_TRIP = 0.0
#: The paper's fast path and the network core agree to rounding.
EXACT = 1e-12


@pytest.fixture
def paper_file(tmp_path):
    path = tmp_path / "paper.toml"
    assert main(["presets", "--write", str(path), "paper"]) == 0
    return path


def test_presets_lists_every_example(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for name, preset in PRESET_FILES.items():
        assert f"{name} " in out and preset.equals in out


@pytest.mark.parametrize("name", list(PRESET_FILES))
def test_presets_prints_and_writes_the_file(name, tmp_path, capsys):
    assert main(["presets", name]) == 0
    assert capsys.readouterr().out == preset_file_text(name)
    path = tmp_path / f"{name}.toml"
    assert main(["presets", "--write", str(path), name]) == 0
    assert path.read_text() == preset_file_text(name)
    assert f"circuitheat steady --network {path}" in capsys.readouterr().out
    assert main(["presets", "--write", str(path), name]) == 2  # never silently overwritten
    assert "exists" in one_line_error(capsys)
    assert main(["presets", "--write", str(path), name, "--force"]) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["presets", "--write", "x.toml"], "--write needs the name of an example"),
        (["presets", "--write", "x.txt", "chain"], "--write must end in .toml"),
    ],
)
def test_presets_bad_use(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert message in one_line_error(capsys)


def test_steady_network_equals_the_model_steady_state(paper_file, capsys):
    """The paper's file through the CLI = ch.steady_state(CollisionModel) (fast path) at 1e-12."""
    assert main(["steady", "--network", str(paper_file), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    model = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8), ch.Reservoir(1.0, 0.8))  # Fig. 2
    ss = ch.steady_state(model)
    assert record["heat_hot"] == pytest.approx(ss.heat_hot, abs=EXACT)
    assert record["heat_cold"] == pytest.approx(ss.heat_cold, abs=EXACT)
    assert abs(record["work"]) < EXACT and record["residual"] < EXACT
    assert record["sites"] == 2 and record["method"] == "dense"


def test_steady_network_table_and_krylov(tmp_path, capsys):
    path = tmp_path / "fridge.toml"
    assert main(["presets", "--write", str(path), "refrigerator"]) == 0
    capsys.readouterr()
    assert main(["steady", "--network", str(path), "--method", "krylov"]) == 0
    lines = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    ss = ch.steady_state(ch.presets.absorption_refrigerator())
    for name in ("cold", "room", "hot"):
        assert float(lines[f"heat_{name}"]) == pytest.approx(ss.currents[name], rel=1e-9)  # printed with 10 digits
    assert float(lines["heat_cold"]) < 0 and lines["method"].strip() == "krylov"


def test_run_network_csv_matches_simulate(tmp_path, capsys):
    path = tmp_path / "chain.toml"
    assert main(["presets", "--write", str(path), "chain_xxz"]) == 0
    out = tmp_path / "traj.csv"
    png = tmp_path / "traj.png"
    args = ["run", "--network", str(path), "-n", "25", "--initial-state", "0101", "--out", str(out), "--plot", str(png)]
    assert main(args) == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["step", "heat_hot", "heat_cold", "work", "system_energy"]
    traj = ch.simulate(ch.presets.boundary_driven_chain(4, "xxz"), 25, initial_state="0101")
    for column, expected in (("heat_hot", traj.currents["hot"]), ("heat_cold", traj.currents["cold"]), ("work", traj.work)):
        assert np.max(np.abs(np.array([float(r[column]) for r in rows]) - expected)) == ROUND_TRIP
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_network_to_stdout(paper_file, capsys):
    capsys.readouterr()
    assert main(["run", "--network", str(paper_file), "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "step,heat_hot,heat_cold,work,system_energy" and len(lines) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["steady", "--gamma", "pi/8"], "--gamma cannot be combined with --network"),
        (["run", "--t-hot", "3"], "--t-hot cannot be combined with --network"),
        (["run", "--initial-state", "012"], "unknown initial_state '012'"),
    ],
)
def test_network_conflicts(paper_file, args, message, capsys):
    capsys.readouterr()
    assert main([*args, "--network", str(paper_file)]) == 2
    assert message in one_line_error(capsys)


def test_method_needs_network(capsys):
    assert main(["steady", "--method", "krylov"]) == 2
    assert "--method applies to --network only" in one_line_error(capsys)


def test_paper_run_still_takes_two_site_labels(tmp_path, capsys):
    assert main(["run", "-n", "2", "--initial-state", "01", "--out", str(tmp_path / "t.csv")]) == 0
    assert main(["run", "-n", "2", "--initial-state", "02"]) == 2
    assert "unknown initial_state '02'" in one_line_error(capsys)


BAD = {
    "missing key": ("sites = 1\n", "step: missing"),
    "wrong type": ('sites = "one"\n', "sites: expected an integer, got a string 'one'"),
    "unknown gate": (
        'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "collision"\nreservoir = "r"\nsite = 0\ngate = "toffoli"\n',
        "step[0].gate.name: unknown gate 'toffoli'",
    ),
    "bad expression": (
        'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "collision"\nreservoir = "r"\nsite = 0\n'
        'gate = { name = "partial_swap", theta = "pi/" }\n',
        "step[0].gate.theta: expected a number or an expression such as pi/32",
    ),
    "non-unitary matrix": (
        'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "collision"\nreservoir = "r"\nsite = 0\n'
        'gate = { name = "unitary", matrix = [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]] }\n',
        "step[0].gate.matrix: matrix must be unitary",
    ),
    "unknown reservoir": (
        'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "collision"\nreservoir = "s"\nsite = 0\ngate = "swap"\n',
        "step[0].reservoir: unknown reservoir 's'; reservoirs: 'r'",
    ),
    "out-of-range site": (
        'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "collision"\nreservoir = "r"\nsite = 1\ngate = "swap"\n',
        "step[0].site: site 1 out of range for sites = 1 (0..0)",
    ),
    "not TOML": ("sites: 1\n", "invalid TOML"),
}


@pytest.mark.parametrize("command", ["run", "steady"])
@pytest.mark.parametrize("case", list(BAD))
def test_bad_network_files_exit_2_with_one_line_naming_the_key(case, command, tmp_path, capsys):
    text, message = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main([command, "--network", str(path)]) == 2
    err = one_line_error(capsys)
    assert err.startswith(f"circuitheat {command}: error: {path}: ") and message in err, err


def test_missing_network_file(tmp_path, capsys):
    assert main(["steady", "--network", str(tmp_path / "nope.toml")]) == 2
    assert "nope.toml" in one_line_error(capsys)


@pytest.mark.parametrize("command", ["run", "steady"])
def test_help_documents_the_schema(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("--network FILE.toml", "[reservoirs.NAME]", "[[step]]", 'kind = "collision"', "circuitheat presets"):
        assert words in text
