r"""Which sites of a network exchange anything with a reservoir: a structural uniqueness check.

A site that no chain of entangling gates connects to a collision that exchanges something
with an ancilla evolves by local unitaries alone; a unitary qubit channel has at least two
fixed points, so the network's steady state is then not unique. A gate "exchanges" when
its operator-Schmidt rank is > 1 (it is not a product :math:`A\otimes B`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..validation import InputValueError
from .spec import Collision, CollisionNetwork

__all__ = ["PRODUCT_TOLERANCE", "check_reachable", "is_product_gate", "unreached_sites"]

#: Second operator-Schmidt coefficient (relative to the first) below which a gate counts as
#: a product A ⊗ B: gates built from rotations by ~1e-8 rad still count as entangling.
PRODUCT_TOLERANCE = 1e-12


def is_product_gate(matrix: NDArray) -> bool:
    """True if the 4×4 kron-basis unitary is a product :math:`A\\otimes B` (operator-Schmidt rank 1)."""
    realigned = np.asarray(matrix).reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
    s = np.linalg.svd(realigned, compute_uv=False)
    return bool(s[1] <= PRODUCT_TOLERANCE * s[0])


def unreached_sites(network: CollisionNetwork) -> list[int]:
    """Sites connected by no chain of entangling gates to an exchanging collision."""
    reached = {op.site for op in network.step if isinstance(op, Collision) and not is_product_gate(op.matrix)}
    edges = [op.sites for op in network.step if not isinstance(op, Collision) and not is_product_gate(op.matrix)]
    changed = True
    while changed:
        changed = False
        for i, j in edges:
            if (i in reached) != (j in reached):
                reached |= {i, j}
                changed = True
    return [k for k in range(network.sites) if k not in reached]


def check_reachable(network: CollisionNetwork) -> None:
    """Raise ``ValueError`` naming the sites that exchange nothing with any reservoir."""
    missing = unreached_sites(network)
    if missing:
        raise InputValueError(
            f"the steady state is not unique: site(s) {missing} exchange nothing with any reservoir "
            "(no chain of entangling gates links them to a collision that is not a product gate), "
            "so they keep part of their initial state forever"
        )
