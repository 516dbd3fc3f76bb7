r"""Parameter sweeps with labelled results: :func:`sweep`, :func:`load_sweep`, :func:`save_sweep`.

A sweep is a Cartesian grid over named model parameters (:mod:`.grid`), computed in
chunks in process or on any :class:`concurrent.futures.Executor` — including a
``dask.distributed`` Client's — (:mod:`.execution`), checkpointed chunk by chunk next
to its NetCDF output so that a killed sweep resumes (:mod:`.storage`), and returned as
an :class:`xarray.Dataset` (:mod:`.api`).
"""

from __future__ import annotations

from .api import CONDUCTANCE_DEFINITION, CONVENTIONS, SIGN_CONVENTION, build_dataset, sweep
from .execution import compute_chunk
from .grid import AXES, AXIS_NAMES, SweepSpec, default_base, make_spec
from .storage import chunk_directory, load_sweep, save_sweep

__all__ = [
    "AXES",
    "AXIS_NAMES",
    "CONDUCTANCE_DEFINITION",
    "CONVENTIONS",
    "SIGN_CONVENTION",
    "SweepSpec",
    "build_dataset",
    "chunk_directory",
    "compute_chunk",
    "default_base",
    "load_sweep",
    "make_spec",
    "save_sweep",
    "sweep",
]
