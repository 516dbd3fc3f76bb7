"""The engine protocol and registry: one way for every caller to run a model or network.

An engine is registered under a name (as QuTiP registers its integrators) and runs
``n`` steps of a :class:`~circuitheat.CollisionModel` or :class:`~circuitheat.CollisionNetwork`
from a system state, returning an :class:`EngineRun`. :func:`circuitheat.simulate`, the
entropy bookkeeping and the device noise map all look engines up here
(:func:`get_engine`); nothing else dispatches on an engine's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from numpy.typing import NDArray

from ..validation import InputTypeError, InputValueError

__all__ = ["ENGINES", "Engine", "EngineRun", "get_engine", "register_engine"]


@dataclass(frozen=True)
class EngineRun:
    r"""What an engine returns for n steps from :math:`\rho_0`.

    Attributes
    ----------
    states : ndarray (n, d, d) or None
        :math:`\rho_k` after each step (None when not stored).
    currents : mapping name -> ndarray (n,)
        :math:`J_r(k)` (energy units; positive into reservoir r).
    work : ndarray (n,)
        Work the gates did in each step.
    system_energy : ndarray (n,)
        :math:`\mathrm{Tr}[H_S\rho_k]` after each step.
    ancilla_states : ndarray (n, 2**m, 2**m) or None
        Joint state of the step's m ancillas after each step (order of the step's
        collisions, first most significant), when requested with ``ancillas=True``.
    """

    states: NDArray | None
    currents: Mapping[str, NDArray]
    work: NDArray
    system_energy: NDArray
    ancilla_states: NDArray | None = field(default=None)


@runtime_checkable
class Engine(Protocol):
    """A simulation engine: ``name``, the keyword ``options`` it takes, and :meth:`run`."""

    name: str
    options: frozenset[str]

    def run(self, system: object, n_steps: int, rho0: NDArray, *, store_states: bool = True, **options) -> EngineRun:
        """Run ``n_steps`` steps of ``system`` from the validated state ``rho0``."""
        ...


#: Registered engines by name (``"direct"``, ``"aer"``); add one with :func:`register_engine`.
ENGINES: dict[str, Engine] = {}


def register_engine(engine: Engine) -> Engine:
    """Register ``engine`` under ``engine.name`` (replacing an engine of the same name)."""
    if not isinstance(engine, Engine):
        raise InputTypeError(f"engine must implement the Engine protocol (name, options, run), got {engine!r}")
    ENGINES[engine.name] = engine
    return engine


def get_engine(name: object, options: Mapping[str, object] | None = None) -> Engine:
    """The registered engine ``name``; checks ``options`` against the ones it takes.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    TypeError
        For an option the engine does not take (the message lists its options).
    """
    if not isinstance(name, str) or name not in ENGINES:
        valid = ", ".join(repr(c) for c in ENGINES)
        raise InputValueError(f"unknown engine {name!r}; valid: {valid}")
    engine = ENGINES[name]
    unknown = sorted(set(options or {}) - set(engine.options))
    if unknown:
        valid = ", ".join(sorted(engine.options)) or "none"
        raise InputTypeError(f"engine {name!r} does not take option {unknown[0]!r}; its options: {valid}")
    return engine
