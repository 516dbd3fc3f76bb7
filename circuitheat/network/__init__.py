"""General collision networks: any number of sites, any two-qubit gates, any ancilla states.

``spec``: the frozen, validated description (:class:`CollisionNetwork`, :class:`Interaction`,
:class:`Collision`, :class:`Ancilla`); ``gates``: gate constructors and the qubit-order
convention; ``step``: the one definition of a step (:class:`StepMap`, :func:`step_map`);
``batch``: the steady currents and trajectories of a batched network (a vectorised builder's).
"""

from __future__ import annotations

from .batch import BatchSteady, BatchTrajectories, batch_steady, batch_trajectories
from .gates import HeisenbergGate, PartialSwapGate, gate_matrix, heisenberg, heisenberg_matrix, partial_swap, partial_swap_matrix
from .spec import Ancilla, Collision, CollisionNetwork, Interaction, check_network
from .step import StepMap, step_map

__all__ = [
    "Ancilla",
    "BatchSteady",
    "BatchTrajectories",
    "Collision",
    "CollisionNetwork",
    "HeisenbergGate",
    "Interaction",
    "PartialSwapGate",
    "StepMap",
    "batch_steady",
    "batch_trajectories",
    "check_network",
    "gate_matrix",
    "heisenberg",
    "heisenberg_matrix",
    "partial_swap",
    "partial_swap_matrix",
    "step_map",
]
