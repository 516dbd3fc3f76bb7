"""Refuse work that cannot fit in memory, before starting it.

A trajectory of 2e8 collisions or a sweep axis of 1e9 points would otherwise run until
numpy fails to allocate (or the kernel kills the process); instead the request is
rejected up front with a ValueError naming the parameter, the estimate and the limit.
"""

from __future__ import annotations

import math
import os

from .validation import InputValueError

__all__ = ["MEMORY_FRACTION", "available_memory", "check_memory"]

#: Share of the machine's physical memory one request may plan to use: the estimates
#: count the result arrays only, and numpy needs temporaries of the same order.
MEMORY_FRACTION = 0.5


def available_memory() -> int:
    """Physical memory of this machine in bytes (a generous 64 GiB if it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 64 * 2**30


def check_memory(what: str, n_bytes: float) -> None:
    """Raise ``ValueError`` if ``n_bytes`` exceeds :data:`MEMORY_FRACTION` of physical memory.

    Parameters
    ----------
    what : str
        The request, naming the parameter and its value (e.g. ``"n_collisions=200000000"``).
    n_bytes : float
        Estimated size of the result arrays (bytes).
    """
    limit = MEMORY_FRACTION * available_memory()
    if n_bytes > limit:
        gib = n_bytes / 2**30 if n_bytes < 2.0**1000 else math.inf  # an int like 10**400 has no float quotient
        what = what if len(what) <= 80 else f"{what[:40]}...{what[-20:]} ({len(what)} characters)"
        raise InputValueError(
            f"{what} needs about {gib:.3g} GiB of memory for its results, more than "
            f"{MEMORY_FRACTION:.0%} of this machine's {available_memory() / 2**30:.3g} GiB; reduce it"
        )
