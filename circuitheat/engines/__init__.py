"""Simulation engines behind :func:`simulate`: ``"direct"`` (numpy) and ``"aer"`` (Qiskit Aer)."""

from __future__ import annotations

from numpy.typing import ArrayLike

from ..model import CollisionModel, check_model
from ..resources import check_memory
from ..trajectory import Trajectory
from ..validation import check_choice, check_count

__all__ = ["ENGINES", "simulate"]

#: Valid engine names.
ENGINES = ("direct", "aer")
#: Keyword options each engine accepts through :func:`simulate`.
_ENGINE_OPTIONS = {"direct": {"store_states"}, "aer": {"store_states", "preparation"}}


def simulate(
    model: CollisionModel,
    n_collisions: int,
    engine: str = "direct",
    initial_state: str | ArrayLike = "11",
    **options,
) -> Trajectory:
    r"""Simulate ``n_collisions`` collisions of ``model`` (Eq. 8) and return the :class:`Trajectory`.

    Parameters
    ----------
    model : CollisionModel
        Parameters of the collision model.
    n_collisions : int
        Number of collisions n >= 1.
    engine : {"direct", "aer"}
        ``"direct"``: the numpy matrix engine (exact, fast). ``"aer"``: the collision
        circuits run on Qiskit Aer's density-matrix simulator.
    initial_state : str or array_like
        ``"11"`` (ground state, the paper's choice), ``"00"``, ``"01"``, ``"10"``
        (labels :math:`|S_AS_B\rangle`, 0 = excited), a normalised 4-vector, or a 4×4
        density matrix.
    **options
        Engine-specific options (e.g. ``store_states=False``; for ``"aer"``,
        ``preparation="channel"`` or ``"purification"``).

    Returns
    -------
    Trajectory
        ``heat_hot``, ``heat_cold`` (Eqs. 10–11, k = 1..n), ``system_states``,
        ``system_energy``.
    """
    check_model(model)
    n = check_count("n_collisions", n_collisions)
    engine = check_choice("engine", engine, ENGINES)
    # states (n x 16 complex, stored and a working copy), currents and energies
    check_memory(f"n_collisions={n}", n * (2 * 16 * 16 + 3 * 8))
    allowed = _ENGINE_OPTIONS[engine]
    unknown = sorted(set(options) - allowed)
    if unknown:
        valid = ", ".join(sorted(allowed)) or "none"
        raise TypeError(f"engine {engine!r} does not take option {unknown[0]!r}; its options: {valid}")
    if engine == "direct":
        from .direct import simulate_direct

        return simulate_direct(model, n, initial_state, **options)
    from .aer import simulate_aer

    return simulate_aer(model, n, initial_state, **options)
