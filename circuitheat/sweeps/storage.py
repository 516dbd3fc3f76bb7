"""Storage of sweeps: NetCDF files and the chunk checkpoints of a running sweep.

A sweep written to ``sweep.nc`` keeps its finished chunks in the sidecar directory
``sweep.nc.chunks/`` until the NetCDF file is complete: ``manifest.json`` records the
sweep's hash and parameters, and each chunk is one ``chunk-NNNNNN.npz`` written
atomically (:func:`circuitheat.io.atomic_write`), so a killed sweep leaves only whole
chunks behind. The finished file carries the hash in its ``sweep_hash`` attribute;
a sweep with different parameters never overwrites it (or the sidecar) without
``force``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..io import atomic_write
from .grid import SweepSpec

__all__ = ["Checkpoint", "chunk_directory", "discard_checkpoint", "load_sweep", "netcdf_engine", "read_sweep_hash", "save_sweep"]

_MANIFEST = "manifest.json"
_CHUNK = re.compile(r"^chunk-(\d{6})\.npz$")


def netcdf_engine() -> str:
    """The xarray engine used to write NetCDF: ``"h5netcdf"`` when h5py is importable, else ``"netcdf4"``.

    h5netcdf >= 1.8 no longer installs h5py, its HDF5 backend, by itself; both
    engines write the same NetCDF-4 (HDF5) format and either reads what the other wrote.
    """
    if importlib.util.find_spec("h5netcdf") is not None and importlib.util.find_spec("h5py") is not None:
        return "h5netcdf"
    if importlib.util.find_spec("netCDF4") is not None:
        return "netcdf4"
    raise ImportError("writing NetCDF needs h5netcdf with h5py, or netCDF4: pip install h5py (or netCDF4)")


def save_sweep(ds: xr.Dataset, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a sweep :class:`xarray.Dataset` to NetCDF-4 atomically (never a half-written file).

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``force`` is false.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"out {str(path)!r} exists; pass force=True (--force) to overwrite it")
    engine = netcdf_engine()
    # Write to a scratch path, then copy into the atomic file: netCDF4 writes to paths only,
    # and handing xarray an open file object makes it name a write lock after that object,
    # which fails to serialise when a dask.distributed Client is active in the process.
    with atomic_write(path, "wb") as handle, tempfile.TemporaryDirectory(prefix=f".{path.name}.", dir=path.parent) as tmp:
        scratch = Path(tmp) / "sweep.nc"
        ds.to_netcdf(scratch, engine=engine)
        with open(scratch, "rb") as src:
            shutil.copyfileobj(src, handle)
    return path


def load_sweep(path: str | os.PathLike) -> xr.Dataset:
    """Load a sweep written by :func:`circuitheat.sweeps.sweep` (or :func:`save_sweep`) fully into memory.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a circuitheat sweep (no ``sweep_hash`` attribute).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"sweep file {str(path)!r} does not exist")
    try:
        ds = xr.load_dataset(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{str(path)!r} is not a readable NetCDF file ({exc})") from None
    if "sweep_hash" not in ds.attrs:
        raise ValueError(f"{str(path)!r} is not a circuitheat sweep (no 'sweep_hash' attribute)")
    return ds


def read_sweep_hash(path: str | os.PathLike) -> str | None:
    """The ``sweep_hash`` attribute of an existing NetCDF file, or None if it has none or is unreadable."""
    try:
        with xr.open_dataset(path) as ds:
            value = ds.attrs.get("sweep_hash")
    except (OSError, ValueError):
        return None
    return None if value is None else str(value)


def chunk_directory(out: str | os.PathLike) -> Path:
    """The sidecar checkpoint directory of output ``out``: ``<out>.chunks``."""
    out = Path(out)
    return out.with_name(out.name + ".chunks")


def _manifest_hash(directory: Path) -> str | None:
    try:
        return str(json.loads((directory / _MANIFEST).read_text())["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def discard_checkpoint(directory: str | os.PathLike, sweep_hash: str) -> bool:
    """Remove the checkpoint ``directory`` if it belongs to the sweep ``sweep_hash``; return whether it did."""
    directory = Path(directory)
    if directory.is_dir() and _manifest_hash(directory) == sweep_hash:
        shutil.rmtree(directory)
        return True
    return False


class Checkpoint:
    """Finished chunks of one sweep in ``<out>.chunks/``, with a manifest holding the sweep's hash.

    Parameters
    ----------
    directory : path
        The sidecar directory.
    spec : SweepSpec
        The sweep; its hash must match an existing manifest.
    force : bool
        Discard an existing checkpoint of a *different* sweep instead of refusing.
    """

    def __init__(self, directory: str | os.PathLike, spec: SweepSpec, *, force: bool = False) -> None:
        self.directory = Path(directory)
        self.spec = spec
        self.hash = spec.hash()
        manifest = self.directory / _MANIFEST
        if self.directory.exists():
            if not manifest.is_file():
                raise ValueError(
                    f"{str(self.directory)!r} exists but is not a circuitheat checkpoint (no {_MANIFEST}); move it away"
                )
            stored = _manifest_hash(self.directory)
            if stored != self.hash:
                if not force:
                    raise ValueError(
                        f"checkpoint {str(self.directory)!r} belongs to a sweep with different parameters "
                        f"(hash {str(stored)[:12]}, this sweep {self.hash[:12]}); pass force=True (--force) to discard it"
                    )
                self.discard()
        if not self.directory.exists():
            self.directory.mkdir(parents=True)
            with atomic_write(manifest) as handle:
                json.dump({"hash": self.hash, "n_chunks": spec.n_chunks, "spec": spec.record()}, handle, indent=1)

    def _path(self, index: int) -> Path:
        return self.directory / f"chunk-{index:06d}.npz"

    def completed(self) -> list[int]:
        """Indices of the chunks already on disk."""
        found = []
        for entry in self.directory.iterdir():
            match = _CHUNK.match(entry.name)
            if match and int(match.group(1)) < self.spec.n_chunks:
                found.append(int(match.group(1)))
        return sorted(found)

    def write(self, index: int, arrays: dict[str, NDArray]) -> None:
        """Store chunk ``index`` atomically."""
        with atomic_write(self._path(index), "wb") as handle:
            np.savez(handle, **arrays)

    def read(self, index: int) -> dict[str, NDArray]:
        """Load chunk ``index``."""
        with np.load(self._path(index), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def discard(self) -> None:
        """Remove the checkpoint directory (only files this class writes are expected in it)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.directory)
