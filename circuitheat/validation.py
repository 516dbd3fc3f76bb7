"""Input validation shared by every public entry point.

Every check raises :class:`ValueError` (bad value) or :class:`TypeError` (bad type)
with a message that names the parameter and the value it got, e.g.
``temperature must be > 0, got -1.0``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "check_angle",
    "check_array",
    "check_choice",
    "check_coherence",
    "check_count",
    "check_positive",
    "check_positive_temperature",
    "check_real",
]


def check_real(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ``TypeError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    return float(value)


def check_positive_temperature(name: str, value: object) -> float:
    """Temperature in units of omega: finite and > 0, or ``math.inf`` (infinite-T limit)."""
    t = check_real(name, value)
    if math.isnan(t) or not t > 0:
        raise ValueError(f"{name} must be > 0 (math.inf allowed), got {t!r}")
    return t


def check_coherence(name: str, value: object) -> float:
    """Coherence parameter p of Eq. (12): a real number in [0, 1]."""
    p = check_real(name, value)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {p!r}")
    return p


def check_angle(name: str, value: object) -> float:
    """A finite angle in radians."""
    a = check_real(name, value)
    if not math.isfinite(a):
        raise ValueError(f"{name} must be a finite angle in radians, got {a!r}")
    return a


def check_positive(name: str, value: object) -> float:
    """A finite, strictly positive real number."""
    x = check_real(name, value)
    if not (math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be finite and > 0, got {x!r}")
    return x


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (numpy integers accepted, bools rejected)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    n = int(value)
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def check_array(name: str, value: object, check) -> np.ndarray:
    """``value`` as a float array after applying the scalar ``check`` to each distinct entry.

    Raises ``TypeError`` naming ``name`` for non-numeric input (strings, complex, objects)
    and whatever ``check`` raises for a bad value.
    """
    arr = np.asarray(value)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be real numbers, got {value!r} of dtype {arr.dtype}")
    arr = arr.astype(float)
    for v in np.unique(arr):
        check(name, float(v))
    return arr


def check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    """One of ``choices``; the error lists the valid names."""
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"unknown {name} {value!r}; valid: {valid}")
    return str(value)
