"""``circuitheat fluctuations``: table, JSON, figure, one-line errors (run in-process)."""

from __future__ import annotations

import json
import math

import pytest

import circuitheat as ch
from circuitheat.cli import main


def test_json_matches_the_api(capsys):
    assert main(["fluctuations", "-n", "30", "--dphi", "5pi/4", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    model = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8, 5 * math.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    stats = ch.heat_statistics(model, 30)
    fl = ch.current_fluctuations(model)
    assert record["mean"] == pytest.approx(stats.mean, abs=1e-14)
    assert record["variance"] == pytest.approx(stats.variance, abs=1e-14)
    assert record["diffusion"] == pytest.approx(fl.diffusion, abs=1e-14)
    assert record["tur_ratio"] == pytest.approx(fl.tur_ratio)
    assert record["long_time_third_cumulant"] == pytest.approx(fl.third_cumulant)


def test_table_and_plot(tmp_path, capsys):
    png = tmp_path / "noise.png"
    assert main(["fluctuations", "-n", "20", "--reservoir", "cold", "--plot", str(png), "--points", "21"]) == 0
    out = capsys.readouterr().out
    assert "tur_ratio" in out and "diffusion" in out
    assert png.stat().st_size > 10_000
    assert main(["fluctuations", "-n", "20", "--plot", str(png)]) == 2  # exists, no --force
    assert "exists" in capsys.readouterr().err


def test_pure_reservoirs_write_infinite_values_as_strings(capsys):
    assert main(["fluctuations", "-n", "5", "-p", "1", "--gamma", "pi/4", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["entropy_production"] == "inf" and record["tur_ratio"] == "inf"


def exit_status(*args: str) -> int:
    """main()'s return value, or the code of argparse's SystemExit for a usage error."""
    try:
        return main(["fluctuations", *args])
    except SystemExit as exc:
        return int(exc.code)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gamma", "0"], "steady state is not unique"),
        (["-n", "0"], "expected a positive integer"),
        (["--reservoir", "warm"], "invalid choice"),
        (["-p", "2"], "coherence must be in [0, 1]"),
        (["--plot", "noise.txt"], "--plot must end in"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message, capsys):
    assert exit_status(*args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
