"""Input validation shared by every public entry point, and the exceptions it raises.

Every check raises :class:`InputValueError` (a bad value, a :class:`ValueError`) or
:class:`InputTypeError` (a bad type, a :class:`TypeError`) with a message that names
the parameter and the value it got, e.g. ``temperature must be > 0, got -1.0``.

Both derive from :class:`InputError`, which marks an exception as *the caller's
mistake*: the command-line interface reports an :class:`InputError` as one line with
exit status 2, while any other exception (a bug in circuitheat, e.g. a ``TypeError``
from deep inside NumPy) keeps its traceback and exits with status 1. Code that
validates user input raises these classes (or calls the checks below); ``except
ValueError`` / ``except TypeError`` in callers keep working.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "BatchPointError",
    "InputError",
    "InputTypeError",
    "InputValueError",
    "check_angle",
    "check_array",
    "check_choice",
    "check_coherence",
    "check_count",
    "check_number_or_array",
    "check_positive",
    "check_positive_temperature",
    "check_real",
]


class InputError(Exception):
    """Base of the exceptions that mean "this input is invalid" (never a bug in circuitheat)."""


class InputValueError(InputError, ValueError):
    """An input has the right type but a value outside its domain; the message names the parameter."""


class InputTypeError(InputError, TypeError):
    """An input has the wrong type; the message names the parameter."""


class BatchPointError(InputValueError):
    """One point of a batched network is refused: ``reason``, at ``index`` of its batch.

    A vectorised sweep re-raises it naming the grid point (the axis values) instead.
    """

    def __init__(self, reason: str, index: tuple[int, ...]) -> None:
        super().__init__(f"at batch index {index}: {reason}")
        self.reason = reason
        self.index = index


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise naming ``name``.

    Raises
    ------
    InputTypeError
        If ``value`` is not a real number (bools, strings, complex numbers are rejected).
    InputValueError
        If ``value`` is a real number too large for a double (e.g. the integer ``10**400``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise InputValueError(f"{name} must fit in a double (|x| < 1.8e308), got {_short(value)}") from None


def _short(value: object) -> str:
    """``repr(value)``, shortened to at most ~60 characters (a 400-digit integer is not a message)."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:28]}...{text[-28:]} ({len(text)} characters)"


def check_positive_temperature(name: str, value: object) -> float:
    """Temperature in units of omega: finite and > 0, or ``math.inf`` (infinite-T limit)."""
    t = check_real(name, value)
    if math.isnan(t) or not t > 0:
        raise InputValueError(f"{name} must be > 0 (math.inf allowed), got {t!r}")
    return t


def check_coherence(name: str, value: object) -> float:
    """Coherence parameter p of Eq. (12): a real number in [0, 1]."""
    p = check_real(name, value)
    if not 0.0 <= p <= 1.0:
        raise InputValueError(f"{name} must be in [0, 1], got {p!r}")
    return p


def check_angle(name: str, value: object) -> float:
    """A finite angle in radians."""
    a = check_real(name, value)
    if not math.isfinite(a):
        raise InputValueError(f"{name} must be a finite angle in radians, got {a!r}")
    return a


def check_positive(name: str, value: object) -> float:
    """A finite, strictly positive real number."""
    x = check_real(name, value)
    if not (math.isfinite(x) and x > 0):
        raise InputValueError(f"{name} must be finite and > 0, got {x!r}")
    return x


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (numpy integers accepted, bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise InputTypeError(f"{name} must be an integer, got {_short(value)} of type {type(value).__name__}")
    n = int(value)
    if n < minimum:
        raise InputValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def check_array(name: str, value: object, check) -> np.ndarray:
    """``value`` as a float array after applying the scalar ``check`` to each distinct entry.

    Raises :class:`InputTypeError` naming ``name`` for non-numeric input (strings,
    complex, objects), :class:`InputValueError` for integers too large for a double,
    and whatever ``check`` raises for a bad value.
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise InputValueError(f"{name} must be a number or a regular array of numbers, got {_short(value)} ({exc})") from None
    if arr.dtype == object and arr.size and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in arr.flat):
        # Python integers beyond int64 (e.g. 10**400): convert one by one so the error names the parameter.
        arr = np.array([check_real(name, v) for v in arr.flat], dtype=float).reshape(arr.shape)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise InputTypeError(f"{name} must be real numbers, got {_short(value)} of dtype {arr.dtype}")
    arr = arr.astype(float)
    for v in np.unique(arr):
        check(name, float(v))
    return arr


def check_number_or_array(name: str, value: object, check) -> float | np.ndarray:
    """A number (a 0-d array counts as one) checked by the scalar ``check``, or an array checked entry by entry.

    For the parameters that are numbers for one network and arrays for a batched one
    (:attr:`circuitheat.CollisionNetwork.batch_shape`).
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return check(name, value)
    return check_array(name, value, check)


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """One of ``choices``; the error lists the valid names."""
    try:
        known = value in choices
    except TypeError:  # an unhashable or incomparable value is not a choice either
        known = False
    if not known:
        valid = ", ".join(repr(c) for c in choices)
        raise InputValueError(f"unknown {name} {_short(value)}; valid: {valid}")
    return str(value)
