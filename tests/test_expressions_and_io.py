"""Safe expression parsing (never eval) and atomic, non-overwriting output."""

from __future__ import annotations

import math

import pytest

from circuitheat.expressions import parse_number, parse_range_or_list
from circuitheat.io import atomic_write, check_can_write, prepare_output_dir


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pi/32", math.pi / 32),
        ("3*pi/4", 3 * math.pi / 4),
        ("5pi/4", 5 * math.pi / 4),
        ("2 pi", 2 * math.pi),
        ("-0.5", -0.5),
        ("1e-3", 1e-3),
        ("2.5e+2", 250.0),
        ("inf", math.inf),
        ("(1+2)*pi", 3 * math.pi),
        ("π/2", math.pi / 2),
        ("2**3", 8.0),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(
    "text",
    ["__import__('os').system('true')", "pi.real", "[1]", "1/0", "abs(1)", "x", "", "1;2", "10**1000", "9" * 200, "inf-inf"],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValueError, match="gamma"):
        parse_number(text, "gamma")


def test_parse_range_or_list():
    assert parse_range_or_list("0:2pi:5") == pytest.approx([0, math.pi / 2, math.pi, 3 * math.pi / 2, 2 * math.pi])
    assert parse_range_or_list("pi/32,pi/4") == pytest.approx([math.pi / 32, math.pi / 4])
    assert parse_range_or_list("1.5") == [1.5]
    for bad in ("0:1", "0:1:x", "0:1:0", "1,,2"):
        with pytest.raises(ValueError):
            parse_range_or_list(bad, "axis")


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    with atomic_write(target) as handle:
        handle.write("new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o644 == 0o644  # ordinary permissions, not mkstemp's 0600


def test_no_silent_overwrite(tmp_path):
    f = tmp_path / "a.csv"
    check_can_write(f, force=False)
    f.write_text("x")
    with pytest.raises(FileExistsError, match="pass --force"):
        check_can_write(f, force=False)
    check_can_write(f, force=True)
    out = tmp_path / "out"
    prepare_output_dir(out, force=False)
    (out / "x").write_text("1")
    with pytest.raises(FileExistsError, match="not empty"):
        prepare_output_dir(out, force=False)
    prepare_output_dir(out, force=True)
    with pytest.raises(NotADirectoryError):
        prepare_output_dir(f, force=True)
