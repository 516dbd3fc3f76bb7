"""Notebook tutorials: jupytext pairs in sync, each ending with a cell of asserts.

The notebooks themselves are executed by ``pytest --nbmake`` (``notebooks/`` is in
``testpaths`` and ``--nbmake`` in ``addopts``), so a tutorial that drifts from the
physics fails the suite. Regenerate a pair after editing the ``.py`` source with
``jupytext --sync notebooks/NAME.py``.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def _code_cells(nb) -> list[str]:
    return [cell.source.strip() for cell in nb.cells if cell.cell_type == "code"]


def test_there_are_tutorials():
    assert len(SOURCES) >= 5


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_pair_in_sync(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"run: jupytext --set-formats ipynb,py:percent {source.name}"
    py_nb, ipynb = jupytext.read(source), jupytext.read(paired)
    assert [c.source.strip() for c in py_nb.cells] == [c.source.strip() for c in ipynb.cells], (
        f"{paired.name} is stale: run jupytext --sync {source}"
    )
    assert all(not getattr(c, "outputs", None) for c in ipynb.cells if c.cell_type == "code"), "commit notebooks without outputs"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ends_with_physics_asserts(source):
    last = _code_cells(jupytext.read(source))[-1]
    assert last.count("assert") >= 3, f"{source.name} must end with a cell of asserts on the physics"
