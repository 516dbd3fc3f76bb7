"""Storage of sweeps: NetCDF files and the chunk checkpoints of a running sweep.

A sweep written to ``sweep.nc`` keeps its finished chunks in the sidecar directory
``sweep.nc.chunks/`` until the NetCDF file is complete: ``manifest.json`` records the
sweep's hash and parameters, and each chunk is one ``chunk-NNNNNN.npz`` written
atomically (:func:`circuitheat.io.atomic_write`), so a killed sweep leaves only whole
chunks behind. Each chunk also stores the SHA-256 of its arrays (names, dtypes, shapes
and bytes): a chunk damaged later (truncated, emptied, altered) is detected when it is
read, reported in one :class:`DamagedCheckpointWarning` line, deleted and recomputed.
The finished file carries the hash in its ``sweep_hash`` attribute; a sweep with
different parameters never overwrites it (or the sidecar) without ``force``.

One process at a time writes a given output: :func:`output_lock` takes an exclusive
lock (:mod:`filelock`) on the hidden file ``.<out>.lock`` next to it, and a second
process gets :class:`SweepLockedError` at once instead of racing the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..io import atomic_write
from ..validation import InputValueError
from .grid import SweepSpec

__all__ = [
    "Checkpoint",
    "DamagedCheckpointWarning",
    "SweepLockedError",
    "chunk_directory",
    "discard_checkpoint",
    "load_sweep",
    "lock_path",
    "netcdf_engine",
    "output_lock",
    "read_sweep_hash",
    "save_sweep",
]

_MANIFEST = "manifest.json"
_CHUNK = re.compile(r"^chunk-(\d{6})\.npz$")
#: Name of the array holding a chunk's checksum inside its ``.npz`` file.
_CHECKSUM = "__sha256__"
#: What reading a damaged ``.npz`` may raise (truncated: BadZipFile/EOFError; emptied: ValueError; ...).
_DAMAGE = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile)


class DamagedCheckpointWarning(UserWarning):
    """A checkpoint file was damaged (truncated, emptied, altered): it is discarded and its chunk recomputed."""


class SweepLockedError(BlockingIOError):
    """Another process (or another sweep in this process) is writing the same output."""


def lock_path(out: str | os.PathLike) -> Path:
    """The lock file of output ``out``: the hidden ``.<name>.lock`` in the same directory."""
    out = Path(out)
    return out.with_name(f".{out.name}.lock")


@contextlib.contextmanager
def output_lock(out: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on output ``out`` (and its checkpoint) for the duration of the block.

    Uses :class:`filelock.FileLock` (an ``flock``/``LockFileEx`` on ``.<out>.lock``), so a
    lock dies with the process that held it: a killed sweep never leaves a stale lock.

    Raises
    ------
    SweepLockedError
        At once, if another holder has the lock.
    """
    from filelock import FileLock, Timeout

    path = lock_path(out)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise SweepLockedError(
            f"another process is writing {str(out)!r} (its lock {str(path)!r} is held); "
            "wait for it to finish or stop it, then run again"
        ) from None
    try:
        yield path
    finally:
        lock.release()


def _checksum(arrays: dict[str, NDArray]) -> str:
    """SHA-256 over every array's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


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
        raise InputValueError(f"{str(path)!r} is not a readable NetCDF file ({exc})") from None
    if "sweep_hash" not in ds.attrs:
        raise InputValueError(f"{str(path)!r} is not a circuitheat sweep (no 'sweep_hash' attribute)")
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

    The caller holds :func:`output_lock` while it uses a checkpoint, so leftover temporary
    files (of a process killed mid-write) can be removed safely when it is opened.

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
        if self.directory.exists() and not self.directory.is_dir():
            raise NotADirectoryError(f"{str(self.directory)!r} exists and is not a checkpoint directory; move it away")
        if self.directory.exists():
            entries = list(self.directory.iterdir())
            ours = bool(entries) and all(_CHUNK.match(e.name) or e.name == _MANIFEST or _is_partial(e.name) for e in entries)
            if not manifest.is_file() and not ours:
                raise InputValueError(
                    f"{str(self.directory)!r} exists but is not a circuitheat checkpoint (no {_MANIFEST}); move it away"
                )
            stored = _manifest_hash(self.directory)
            if stored is None:
                warnings.warn(
                    f"checkpoint {str(self.directory)!r} has a damaged or missing {_MANIFEST}; discarding its chunks",
                    DamagedCheckpointWarning,
                    stacklevel=3,
                )
                self.discard()
            elif stored != self.hash:
                if not force:
                    raise InputValueError(
                        f"checkpoint {str(self.directory)!r} belongs to a sweep with different parameters "
                        f"(hash {stored[:12]}, this sweep {self.hash[:12]}); pass force=True (--force) to discard it"
                    )
                self.discard()
            else:
                for entry in self.directory.iterdir():  # temporary files of a process killed mid-write
                    if _is_partial(entry.name):
                        entry.unlink(missing_ok=True)
        if not self.directory.exists():
            self._create(manifest.name)

    def _create(self, manifest: str) -> None:
        """Create the directory with its manifest in one rename, so it never exists without one."""
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self.directory.name}.", suffix=".part", dir=self.directory.parent))
        try:
            record = {"hash": self.hash, "n_chunks": self.spec.n_chunks, "spec": self.spec.record()}
            (tmp / manifest).write_text(json.dumps(record, indent=1))
            os.rename(tmp, self.directory)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _path(self, index: int) -> Path:
        return self.directory / f"chunk-{index:06d}.npz"

    def completed(self) -> list[int]:
        """Indices of the chunks on disk (not yet verified: see :meth:`read`)."""
        found = []
        for entry in self.directory.iterdir():
            match = _CHUNK.match(entry.name)
            if match and int(match.group(1)) < self.spec.n_chunks:
                found.append(int(match.group(1)))
        return sorted(found)

    def write(self, index: int, arrays: dict[str, NDArray]) -> None:
        """Store chunk ``index`` atomically, with the checksum of its arrays."""
        with atomic_write(self._path(index), "wb") as handle:
            np.savez(handle, **arrays, **{_CHECKSUM: np.array(_checksum(arrays))})

    def read(self, index: int) -> dict[str, NDArray] | None:
        """Load chunk ``index`` and verify it; None (after one warning, and deleting it) if it is damaged."""
        path = self._path(index)
        try:
            with np.load(io.BytesIO(path.read_bytes()), allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            stored = str(arrays.pop(_CHECKSUM))
            shape = tuple(s.stop - s.start for s in self.spec.chunk(index))
            if stored != _checksum(arrays):
                reason = "checksum mismatch"
            elif not arrays or any(a.shape[: len(shape)] != shape for a in arrays.values()):
                reason = "wrong shape"
            else:
                return arrays
        except _DAMAGE as exc:
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}" if str(exc) else type(exc).__name__
        warnings.warn(
            f"checkpoint chunk {str(path)!r} is damaged ({reason}); recomputing it", DamagedCheckpointWarning, stacklevel=3
        )
        path.unlink(missing_ok=True)
        return None

    def discard(self) -> None:
        """Remove the checkpoint directory (only files this class writes are expected in it)."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.directory)


def _is_partial(name: str) -> bool:
    """A temporary file of :func:`~circuitheat.io.atomic_write` (``.<name>.XXXX.part``)."""
    return name.startswith(".") and name.endswith(".part")
