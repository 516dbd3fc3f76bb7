"""Notebook kernels import the checkout under test.

nbmake runs each notebook in a kernel subprocess started in ``notebooks/``, so without
this the kernel would import the installed ``circuitheat`` (an editable install may point
at another checkout) instead of the one the tests in ``tests/`` import.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__: list[str] = []

os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(Path(__file__).resolve().parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
)
