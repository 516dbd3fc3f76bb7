r"""The paper's model as a :class:`~circuitheat.CollisionNetwork` (Eq. 8).

Source: *Heat transport between two nonthermal reservoirs in a collision model*
(``shared/paper/000_a0b46ca4b19b91f6.txt``), Sec. II, Eqs. (2)–(13).
"""

from __future__ import annotations

import math

from ..model import CollisionModel, Reservoir
from ..network import CollisionNetwork

__all__ = ["paper_model"]


def paper_model(
    gamma: float = math.pi / 32,
    delta: float = math.pi / 4,
    hot: Reservoir | None = None,
    cold: Reservoir | None = None,
) -> CollisionNetwork:
    r"""The paper's two-qubit collision model as a network: ``CollisionModel(...).network``.

    Source: *Heat transport between two nonthermal reservoirs in a collision model*
    (``shared/paper/000_a0b46ca4b19b91f6.txt``), Sec. II. Sites 0 = :math:`S_A`,
    1 = :math:`S_B`; one step (Eq. 8) is :math:`V_{S_AS_B}(\delta)`, then
    :math:`U_{S_A R^h}(\gamma)`, then :math:`U_{S_B R^c}(\gamma)`, with the partial swap
    :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}` (Eqs. 3–5); reservoirs
    ``"hot"`` and ``"cold"`` hold fresh ancillas in the state of Eq. (12).

    Parameters
    ----------
    gamma : float
        System–ancilla strength :math:`\gamma` (rad), Eq. (3). Default :math:`\pi/32` (Fig. 2).
    delta : float
        :math:`S_A`–:math:`S_B` strength :math:`\delta` (rad), Eq. (5). Default :math:`\pi/4` (Fig. 2).
    hot, cold : Reservoir, optional
        Default: Fig. 2's reservoirs, :math:`T_h = 2`, :math:`T_c = 1`, :math:`p = 0.8`,
        :math:`\phi_h = \phi_c = 0`, :math:`\omega = 1` (energy units).

    Returns
    -------
    CollisionNetwork
        Equal to ``CollisionModel(gamma, delta, hot, cold).network``; its steady currents
        are those of :func:`circuitheat.steady_state` on the model.
    """
    hot = Reservoir(temperature=2.0, coherence=0.8) if hot is None else hot
    cold = Reservoir(temperature=1.0, coherence=0.8) if cold is None else cold
    return CollisionModel(gamma=gamma, delta=delta, hot=hot, cold=cold).network
