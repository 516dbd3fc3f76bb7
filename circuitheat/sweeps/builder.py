r"""The network-building function of a sweep: its identity (for the sweep's hash), its fixed arguments, pickling.

``sweep(axes, build=f)`` calls ``f(**build_kwargs, **point)`` at every grid point, where
``point`` maps each axis name to its value there; ``f`` returns a
:class:`~circuitheat.CollisionModel` or :class:`~circuitheat.CollisionNetwork`. A
:class:`Builder` holds ``f`` and its fixed keyword arguments, and describes both exactly
(:meth:`Builder.record`) so that a checkpointed sweep resumes only with the same builder:
the record holds ``f``'s module and qualified name, the fixed keyword arguments (and those of a
:func:`functools.partial`), and the values a closure captured. The *code* of ``f`` is not
part of it (as for any function of the package, whose version is recorded instead).
"""

from __future__ import annotations

import functools
import inspect
import math
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..validation import InputTypeError, InputValueError

__all__ = ["Builder", "canonical", "check_picklable", "make_builder"]


def canonical(value: object, where: str) -> object:
    """An exact, JSON-ready description of ``value`` for a sweep's hash (floats as hex text).

    Raises
    ------
    TypeError
        For an object whose ``repr`` holds a memory address (it would differ between runs).
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return {"float": float(value).hex()}
    if isinstance(value, complex | np.complexfloating):
        return {"complex": [float(value.real).hex(), float(value.imag).hex()]}
    if isinstance(value, list | tuple):
        return [canonical(v, where) for v in value]
    if isinstance(value, Mapping):
        return {str(k): canonical(v, where) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, np.ndarray):
        return {"array": [list(value.shape), str(value.dtype), canonical(value.tolist(), where)]}
    text = repr(value)
    if " at 0x" in text:
        raise InputTypeError(
            f"{where} holds {text}, which has no stable description for the sweep's hash; "
            "pass numbers, strings, or objects with a value repr (e.g. ch.Reservoir) instead"
        )
    return {"repr": text}


def _identity(function: Callable) -> str:
    module = getattr(function, "__module__", None) or "?"
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", None) or type(function).__qualname__
    return f"{module}.{name}"


@dataclass(frozen=True)
class Builder:
    """A network-building function and its fixed keyword arguments (see the module docstring).

    Attributes
    ----------
    function : callable
        The user's function (the innermost one of a :func:`functools.partial`).
    args : tuple
        Positional arguments bound by a :func:`functools.partial`.
    kwargs : tuple of (str, object)
        Fixed keyword arguments: a partial's, then ``build_kwargs``.
    """

    function: Callable
    args: tuple = ()
    kwargs: tuple[tuple[str, object], ...] = ()

    @property
    def identity(self) -> str:
        """``module.qualname`` of the function."""
        return _identity(self.function)

    def __call__(self, **point: object) -> object:
        """The system at one grid point: ``function(*args, **kwargs, **point)``."""
        return self.function(*self.args, **dict(self.kwargs), **point)

    def record(self) -> dict:
        """Exact description for the sweep's hash: identity, fixed arguments, captured closure values."""
        out: dict[str, object] = {
            "function": self.identity,
            "args": canonical(list(self.args), "build"),
            "kwargs": canonical(dict(self.kwargs), "build_kwargs"),
        }
        cells = getattr(self.function, "__closure__", None)
        if cells:
            names = self.function.__code__.co_freevars
            out["closure"] = canonical({n: c.cell_contents for n, c in zip(names, cells, strict=True)}, "build's closure")
        return out


def make_builder(build: object, build_kwargs: Mapping[str, object] | None, axes: Mapping[str, object]) -> Builder:
    """Validate ``build`` and ``build_kwargs`` against the axis names and wrap them in a :class:`Builder`.

    Raises
    ------
    TypeError
        ``build`` not callable, ``build_kwargs`` not a mapping with string keys, or an axis or
        fixed argument that ``build`` does not accept (naming it).
    ValueError
        An axis also given in ``build_kwargs``.
    """
    if not callable(build):
        raise InputTypeError(f"build must be a callable returning a CollisionNetwork or CollisionModel, got {build!r}")
    if build_kwargs is None:
        build_kwargs = {}
    if not isinstance(build_kwargs, Mapping) or not all(isinstance(k, str) for k in build_kwargs):
        raise InputTypeError(f"build_kwargs must be a mapping of parameter name to value, got {build_kwargs!r}")
    function, args, kwargs = build, (), {}
    while isinstance(function, functools.partial):
        args = tuple(function.args) + args
        kwargs = {**function.keywords, **kwargs}
        function = function.func
    kwargs.update(build_kwargs)
    clash = sorted(set(kwargs) & set(axes))
    if clash:
        raise InputValueError(f"axis {clash[0]!r} is also a fixed argument of build (build_kwargs or functools.partial)")
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # builtins without a signature: checked at the first call
        signature = None
    if signature is not None:
        try:
            signature.bind_partial(*args, **kwargs, **{name: None for name in axes})
        except TypeError as exc:
            raise InputTypeError(f"build={_identity(function)} does not accept the sweep's arguments: {exc}") from None
    return Builder(function, args, tuple(sorted(kwargs.items())))


def check_picklable(builder: Builder) -> None:
    """Refuse, naming ``build``, a builder that a process executor cannot send to its workers.

    Raises
    ------
    TypeError
        If ``pickle`` cannot serialise the function or its fixed arguments (a lambda, a
        function defined inside another function, an open file, ...).
    """
    try:
        pickle.dumps(builder)
    except Exception as exc:  # pickle raises PicklingError, AttributeError, TypeError, ...
        raise InputTypeError(
            f"build={builder.identity} cannot be pickled for a process executor ({type(exc).__name__}: {exc}); "
            "define it at module level in an importable module (a lambda or local function works only in process, "
            "executor=None or a ThreadPoolExecutor)"
        ) from None


def is_finite_number(value: object) -> bool:
    """True for a real, finite int or float (a numeric axis value)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool) and math.isfinite(value)
