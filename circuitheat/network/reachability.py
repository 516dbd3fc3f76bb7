r"""Which sites of a network exchange anything with a reservoir: a structural uniqueness check.

A site that no chain of entangling gates connects to a collision that exchanges something
with an ancilla evolves by local unitaries alone; a unitary qubit channel has at least two
fixed points, so the network's steady state is then not unique. A gate "exchanges" when
its operator-Schmidt rank is > 1 (it is not a product :math:`A\otimes B`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..validation import BatchPointError, InputValueError
from .spec import Collision, CollisionNetwork

__all__ = ["PRODUCT_TOLERANCE", "check_reachable", "is_product_gate", "product_gates", "unreached_sites"]

#: Second operator-Schmidt coefficient (relative to the first) below which a gate counts as
#: a product A ⊗ B: gates built from rotations by ~1e-8 rad still count as entangling.
PRODUCT_TOLERANCE = 1e-12


def product_gates(matrix: NDArray) -> NDArray[np.bool_]:
    r"""For kron-basis unitaries (..., 4, 4): which are products :math:`A\otimes B` (operator-Schmidt rank 1)."""
    m = np.asarray(matrix)
    realigned = m.reshape(*m.shape[:-2], 2, 2, 2, 2).swapaxes(-3, -2).reshape(*m.shape[:-2], 4, 4)
    s = np.linalg.svd(realigned, compute_uv=False)
    return s[..., 1] <= PRODUCT_TOLERANCE * s[..., 0]


def is_product_gate(matrix: NDArray) -> bool:
    r"""True if the 4×4 kron-basis unitary is a product :math:`A\otimes B` (operator-Schmidt rank 1)."""
    return bool(product_gates(matrix))


def _reached(network: CollisionNetwork) -> list[NDArray[np.bool_]]:
    """Per site, where (over the network's batch shape) a chain of entangling gates links it to an exchanging collision."""
    shape = network.batch_shape
    reached = [np.zeros(shape, dtype=bool) for _ in range(network.sites)]
    edges = []
    for op in network.step:
        exchanges = ~product_gates(op.matrix)
        if isinstance(op, Collision):
            reached[op.site] = reached[op.site] | exchanges
        else:
            edges.append((*op.sites, exchanges))
    changed = True
    while changed:
        changed = False
        for i, j, exchanges in edges:
            for a, b in ((i, j), (j, i)):
                grown = reached[a] | (reached[b] & exchanges)
                if not np.array_equal(grown, reached[a]):
                    reached[a], changed = grown, True
    return reached


def unreached_sites(network: CollisionNetwork) -> list[int]:
    """Sites connected by no chain of entangling gates to an exchanging collision (at some point of a batch)."""
    return [k for k, where in enumerate(_reached(network)) if not np.all(where)]


def check_reachable(network: CollisionNetwork) -> None:
    """Raise ``ValueError`` naming the sites that exchange nothing with any reservoir (and, for a batch, where)."""
    reached = _reached(network)
    missing = [k for k, where in enumerate(reached) if not np.all(where)]
    if not missing:
        return
    if network.batch_shape:
        where = tuple(map(int, np.unravel_index(int(np.argmin(np.logical_and.reduce(reached))), network.batch_shape)))
        missing = [k for k, at in enumerate(reached) if not at[where]]
    reason = (
        f"the steady state is not unique: site(s) {missing} exchange nothing with any reservoir "
        "(no chain of entangling gates links them to a collision that is not a product gate), "
        "so they keep part of their initial state forever"
    )
    if network.batch_shape:
        raise BatchPointError(reason, where)
    raise InputValueError(reason)
