"""One BLAS thread inside circuitheat's compute calls, without touching the user's settings elsewhere.

The package multiplies and solves many tiny matrices (16×16 for the paper's model, batched):
threads can only lose there, and a threaded BLAS oversubscribes the cores as soon as
anything else runs (measured: a 16×256 product from 3 µs to 12 ms with both cores busy).
:func:`single_blas_thread` limits every loaded BLAS library to one thread for the duration
of a public call, with :mod:`threadpoolctl` (no environment variables, nothing set at
import), and restores the previous limits afterwards, so the user's own numpy work in the
same process keeps its threads. Nested calls enter the limit once.

The limit is process-wide while a call runs (BLAS thread counts are global): a numpy call
in *another* Python thread during a circuitheat call also runs single-threaded.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["blas_single_thread", "single_blas_thread"]

_P = ParamSpec("_P")
_R = TypeVar("_R")

_state = threading.local()
_lock = threading.Lock()
_controller: ThreadpoolController | None = None


def _get_controller() -> ThreadpoolController:
    """The controller, created at first use (after numpy and scipy have loaded their BLAS)."""
    global _controller
    with _lock:
        if _controller is None:
            _controller = ThreadpoolController()
        return _controller


class blas_single_thread:
    """Context manager: every BLAS library limited to one thread inside, previous limits restored after."""

    def __enter__(self) -> blas_single_thread:
        depth = getattr(_state, "depth", 0)
        _state.depth = depth + 1
        self._limiter = _get_controller().limit(limits=1, user_api="blas") if depth == 0 else None
        return self

    def __exit__(self, *exc: object) -> None:
        _state.depth -= 1
        if self._limiter is not None:
            self._limiter.restore_original_limits()


def single_blas_thread(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``func`` inside :class:`blas_single_thread`."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with blas_single_thread():
            return func(*args, **kwargs)

    return wrapper
