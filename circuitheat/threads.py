"""One BLAS thread inside circuitheat's compute calls, without touching the user's settings elsewhere.

The package multiplies and solves many tiny matrices (16×16 for the paper's model, batched):
threads can only lose there, and a threaded BLAS oversubscribes the cores as soon as
anything else runs (measured: a 16×256 product from 3 µs to 12 ms with both cores busy).
:func:`single_blas_thread` limits every loaded BLAS library to one thread for the duration
of a public call, with :mod:`threadpoolctl` (no environment variables, nothing set at
import), and restores the previous limits afterwards, so the user's own numpy work in the
same process keeps its threads. Nested calls enter the limit once.

The limit is process-wide while a call runs (BLAS thread counts are global): a numpy call
in *another* Python thread during a circuitheat call also runs single-threaded. Calls
running at once in several Python threads (a ``ThreadPoolExecutor`` sweep) share one
limit: the first to enter sets it, the last to leave restores the caller's setting.

OpenBLAS (0.3.31, numpy's and scipy's wheels) ignores ``openblas_set_num_threads`` called
from a non-main thread once the main thread has called it, so a limit set or lifted from a
worker thread by threadpoolctl alone would not take effect (measured: lifted from a worker,
the main thread was left at one thread). Its ``openblas_set_num_threads_local`` despite its
name sets the same process-wide count and is obeyed from any thread (measured with a
1200×1200 product from the main thread after a worker's call). Where OpenBLAS has it, the
limit is therefore also set, and the caller's count restored, through it.
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

_lock = threading.Lock()
_controller: ThreadpoolController | None = None
#: Calls inside the limit, over all Python threads (the limit itself is process-wide).
_depth = 0
_limiter = None
_local_setters: list | None = None
#: OpenBLAS counts to restore when the last call leaves: (setter, previous count).
_saved: list = []


def _get_controller() -> ThreadpoolController:
    """The controller, created at first use (after numpy and scipy have loaded their BLAS); call with ``_lock`` held."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller


def _get_local_setters() -> list:
    """``openblas_set_num_threads_local`` of every OpenBLAS the controller found that has it; call with ``_lock`` held."""
    global _local_setters
    if _local_setters is None:
        _local_setters = [
            lib.dynlib.openblas_set_num_threads_local
            for lib in _get_controller().lib_controllers
            if lib.internal_api == "openblas" and hasattr(lib.dynlib, "openblas_set_num_threads_local")
        ]
    return _local_setters


class blas_single_thread:
    """Context manager: every BLAS library limited to one thread inside, previous limits restored after.

    Re-entrant and shared between Python threads: the limit is set by the first call to
    enter and the caller's limits are restored when the last one leaves, from whichever
    thread that is.
    """

    def __enter__(self) -> blas_single_thread:
        global _depth, _limiter, _saved
        with _lock:
            if _depth == 0:
                # OpenBLAS's own count first: it returns the caller's count before anything changed
                _saved = [(setter, setter(1)) for setter in _get_local_setters()]
                _limiter = _get_controller().limit(limits=1, user_api="blas")
            _depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _depth, _limiter, _saved
        with _lock:
            _depth -= 1
            if _depth == 0 and _limiter is not None:
                _limiter.restore_original_limits()  # ignored by OpenBLAS from a worker thread ...
                for setter, previous in _saved:  # ... which this restores from any thread
                    setter(previous)
                _limiter, _saved = None, []


def single_blas_thread(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``func`` inside :class:`blas_single_thread`."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with blas_single_thread():
            return func(*args, **kwargs)

    return wrapper
