"""Atomic, never-silently-overwriting output files.

Every file the package writes goes through :func:`atomic_write`: the content is
written to a temporary file in the same directory and moved into place with
:func:`os.replace`, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .validation import InputTypeError, InputValueError

__all__ = [
    "FIGURE_SUFFIXES",
    "NETCDF_SUFFIXES",
    "atomic_savefig",
    "atomic_write",
    "check_can_write",
    "check_output_path",
    "prepare_output_dir",
]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file next to ``path``; on success move it onto ``path``.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding, newline=None if binary else "") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_savefig(fig, path: str | os.PathLike, **kwargs) -> Path:
    """``fig.savefig`` through :func:`atomic_write`; the format comes from the suffix."""
    path = Path(path)
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format=path.suffix.lstrip(".") or "png", **kwargs)
    return path


#: Figure formats accepted for ``--plot``-style outputs (matplotlib writes them without extras).
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")

#: Suffixes of sweep outputs (NetCDF-4).
NETCDF_SUFFIXES = (".nc", ".nc4")


def check_output_path(path: str | os.PathLike, what: str = "output", suffixes: tuple[str, ...] | None = None) -> Path:
    """Check, before any work, that a file could be created at ``path`` (existing files are not refused here).

    Refuses an empty path, a path naming a directory (``.``, ``..``, an existing
    directory; with or without ``force``), a suffix not in ``suffixes`` (when given), a
    missing parent directory (never created silently) and one we cannot write into.
    Every command checks its outputs with this (via :func:`check_can_write` for files
    that must not be overwritten silently) so the same mistake gives the same message.

    Raises
    ------
    InputValueError, IsADirectoryError, FileNotFoundError, PermissionError
        With a message naming ``what`` (e.g. ``--plot``) and the path.
    """
    if not isinstance(path, str | os.PathLike):
        raise InputTypeError(f"{what} must be a path (str or os.PathLike), got {path!r} of type {type(path).__name__}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text.strip():
        raise InputValueError(f"{what}: empty path")
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.name in ("", ".", "..") or path.is_dir():
        raise IsADirectoryError(f"{what} {text!r} is a directory, not a file")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        allowed = ", ".join(suffixes[:-1]) + " or " + suffixes[-1] if len(suffixes) > 1 else suffixes[0]
        raise InputValueError(f"{what} must end in {allowed}, got {text!r}")
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{what}: directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"{what}: cannot write into directory {str(parent)!r}")
    return path


def check_can_write(path: str | os.PathLike, force: bool, what: str = "output", suffixes: tuple[str, ...] | None = None) -> Path:
    """:func:`check_output_path`, and unless ``force`` refuse an existing file; return the path.

    Raises
    ------
    InputValueError, IsADirectoryError, FileNotFoundError, PermissionError, FileExistsError
        With a message naming ``what`` (e.g. ``--plot``) and the path.
    """
    path = check_output_path(path, what, suffixes)
    if path.exists() and not force:
        raise FileExistsError(f"{what} {str(path)!r} exists; pass --force (force=True) to overwrite it")
    return path


def prepare_output_dir(path: str | os.PathLike, force: bool) -> Path:
    """Create ``path``; refuse a non-empty existing directory unless ``force``."""
    if not str(path).strip():
        raise InputValueError("out: empty path")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"out {str(path)!r} exists and is not a directory")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise FileExistsError(f"out directory {str(path)!r} is not empty; pass --force to write into it")
    path.mkdir(parents=True, exist_ok=True)
    return path
