"""Simulation engines behind :func:`simulate`, looked up in one registry (:mod:`.base`).

``"direct"``: the exact numpy engine (:mod:`.direct`); ``"aer"``: the collision circuits on
Qiskit Aer's density-matrix simulator (:mod:`.aer`).
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from ..model import CollisionModel
from ..network.spec import CollisionNetwork, check_unbatched
from ..resources import check_memory
from ..states import system_initial_state
from ..threads import single_blas_thread
from ..trajectory import Trajectory
from ..validation import InputTypeError, check_count
from . import aer as _aer  # noqa: F401  (registers "aer", after "direct": aer.py imports .direct first)
from .base import ENGINES, Engine, EngineRun, get_engine, register_engine

__all__ = ["ENGINES", "Engine", "EngineRun", "check_system", "get_engine", "register_engine", "simulate"]


def check_system(system: object, name: str = "model") -> CollisionModel | CollisionNetwork:
    """Return ``system`` if it is a :class:`CollisionModel` or :class:`CollisionNetwork`, else raise ``TypeError``."""
    if not isinstance(system, CollisionModel | CollisionNetwork):
        raise InputTypeError(
            f"{name} must be a CollisionModel or a CollisionNetwork, got {system!r} of type {type(system).__name__}"
        )
    if isinstance(system, CollisionNetwork):
        check_unbatched(system, name)
    return system


@single_blas_thread
def simulate(
    model: CollisionModel | CollisionNetwork,
    n_collisions: int,
    engine: str = "direct",
    initial_state: str | ArrayLike | None = None,
    **options,
) -> Trajectory:
    r"""Simulate ``n_collisions`` steps of a model (Eq. 8) or network and return the :class:`Trajectory`.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
        What to simulate. For a network, one "collision" is one step (every
        :class:`~circuitheat.Collision` of the step meets its own fresh ancilla).
    n_collisions : int
        Number of steps n >= 1.
    engine : str
        A registered engine (:data:`ENGINES`): ``"direct"``, the numpy engine (exact,
        fast; dense map for small systems, matrix-free for large ones), or ``"aer"``, the
        collision circuits on Qiskit Aer's density-matrix simulator.
    initial_state : str or array_like, optional
        A label of N characters ``0``/``1`` (site 0 first, 0 = excited; default all
        ground, ``"11"`` for the paper's model), a normalised :math:`2^N`-vector, or a
        :math:`2^N\times2^N` density matrix.
    **options
        Engine-specific options (``store_states=False`` for every engine; for ``"aer"``,
        ``preparation="channel"`` or ``"purification"``).

    Returns
    -------
    Trajectory
        ``currents[r]`` (``heat_hot``, ``heat_cold`` for the paper's model; Eqs. 10–11,
        k = 1..n), ``work``, ``system_states``, ``system_energy``.
    """
    check_system(model)
    n = check_count("n_collisions", n_collisions)
    runner = get_engine(engine, options)
    sites = 2 if isinstance(model, CollisionModel) else model.sites
    d = 2**sites
    store = options.get("store_states", True)
    # stored states (n d^2 complex) and a working copy, plus per-step scalars
    check_memory(f"n_collisions={n}", n * ((2 * 16 * d * d) if store else 0) + n * 8 * (4 + len(_names(model))))
    rho0 = system_initial_state(initial_state, sites)
    run = runner.run(model, n, rho0, **options)
    return Trajectory(
        model=model,
        engine=runner.name,
        initial_state=rho0,
        currents=run.currents,
        work=run.work,
        system_energy=run.system_energy,
        initial_energy=float(_energy(model, rho0)),
        system_states=run.states,
    )


def _names(system: CollisionModel | CollisionNetwork) -> tuple[str, ...]:
    return ("hot", "cold") if isinstance(system, CollisionModel) else system.reservoir_names


def _energy(system: CollisionModel | CollisionNetwork, rho):
    from ..states import system_hamiltonian

    if isinstance(system, CollisionModel):
        return (rho.diagonal() @ system_hamiltonian(system.omega).diagonal()).real
    return (rho.diagonal() @ system.hamiltonian()).real
