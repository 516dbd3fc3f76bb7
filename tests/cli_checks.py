"""Checks shared by the CLI tests (not a test module)."""

from __future__ import annotations

__all__ = ["one_line_error"]


def one_line_error(capsys) -> str:
    """The CLI's stderr, checked to be exactly one line and no traceback (the contract for bad input)."""
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err
