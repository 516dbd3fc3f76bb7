r"""The paper's model as a :class:`~circuitheat.CollisionNetwork` (Eq. 8).

Source: *Heat transport between two nonthermal reservoirs in a collision model*
(``shared/paper/000_a0b46ca4b19b91f6.txt``), Sec. II, Eqs. (2)–(13).
"""

from __future__ import annotations

import math

from numpy.typing import ArrayLike

from ..model import CollisionModel, Reservoir
from ..network import Ancilla, Collision, CollisionNetwork, Interaction, partial_swap
from ..validation import InputTypeError, InputValueError, check_angle, check_number_or_array

__all__ = ["eq8_network", "paper_model"]


def paper_model(
    gamma: ArrayLike = math.pi / 32,
    delta: ArrayLike = math.pi / 4,
    hot: Reservoir | Ancilla | None = None,
    cold: Reservoir | Ancilla | None = None,
) -> CollisionNetwork:
    r"""The paper's two-qubit collision model as a network: ``CollisionModel(...).network``.

    Source: *Heat transport between two nonthermal reservoirs in a collision model*
    (``shared/paper/000_a0b46ca4b19b91f6.txt``), Sec. II. Sites 0 = :math:`S_A`,
    1 = :math:`S_B`; one step (Eq. 8) is :math:`V_{S_AS_B}(\delta)`, then
    :math:`U_{S_A R^h}(\gamma)`, then :math:`U_{S_B R^c}(\gamma)`, with the partial swap
    :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}` (Eqs. 3–5); reservoirs
    ``"hot"`` and ``"cold"`` hold fresh ancillas in the state of Eq. (12).

    **Vectorised.** ``gamma`` and ``delta`` may be arrays, and ``hot``/``cold`` batched
    :class:`~circuitheat.Ancilla` (e.g. :meth:`Ancilla.from_reservoir` of arrays): the
    result is then the batched network of every point at once (gates as stacked matrices,
    :attr:`~circuitheat.CollisionNetwork.batch_shape` their broadcast shape), for
    ``sweep(axes, build=..., vectorized=True)``; each point equals the network of its scalar
    parameters (tested).

    Parameters
    ----------
    gamma : float or array_like
        System–ancilla strength :math:`\gamma` (rad), Eq. (3). Default :math:`\pi/32` (Fig. 2).
    delta : float or array_like
        :math:`S_A`–:math:`S_B` strength :math:`\delta` (rad), Eq. (5). Default :math:`\pi/4` (Fig. 2).
    hot, cold : Reservoir or Ancilla, optional
        Default: Fig. 2's reservoirs, :math:`T_h = 2`, :math:`T_c = 1`, :math:`p = 0.8`,
        :math:`\phi_h = \phi_c = 0`, :math:`\omega = 1` (energy units). Both must have the
        same :math:`\omega` (resonance, Sec. II).

    Returns
    -------
    CollisionNetwork
        Equal to ``CollisionModel(gamma, delta, hot, cold).network`` for numbers and
        reservoirs; its steady currents are those of :func:`circuitheat.steady_state` on the model.
    """
    hot = Reservoir(temperature=2.0, coherence=0.8) if hot is None else hot
    cold = Reservoir(temperature=1.0, coherence=0.8) if cold is None else cold
    gamma = check_number_or_array("gamma", gamma, check_angle)
    delta = check_number_or_array("delta", delta, check_angle)
    if isinstance(gamma, float) and isinstance(delta, float) and isinstance(hot, Reservoir) and isinstance(cold, Reservoir):
        return CollisionModel(gamma=gamma, delta=delta, hot=hot, cold=cold).network
    for name, value in (("hot", hot), ("cold", cold)):
        if not isinstance(value, Reservoir | Ancilla):
            raise InputTypeError(f"{name} must be a Reservoir or an Ancilla, got {value!r} of type {type(value).__name__}")
    if hot.omega != cold.omega:
        raise InputValueError(
            f"hot.omega and cold.omega must be equal (resonant collisions), got {hot.omega!r} and {cold.omega!r}"
        )
    return eq8_network(partial_swap(delta), partial_swap(gamma), hot, cold)


def eq8_network(v: object, u: object, hot: Reservoir | Ancilla, cold: Reservoir | Ancilla) -> CollisionNetwork:
    r"""The step of Eq. (8) as a network, with the gates given: ``v`` on (S_A, S_B), then ``u`` with each reservoir.

    Sites 0 = :math:`S_A`, 1 = :math:`S_B`, :math:`\omega` of the reservoirs (which must
    share it). :attr:`circuitheat.CollisionModel.network` (Qiskit partial-swap gates) and the
    vectorised :func:`paper_model` (stacked matrices) both build their network here.
    """
    return CollisionNetwork(
        sites=2,
        omega=hot.omega,
        reservoirs={"hot": hot, "cold": cold},
        step=(Interaction((0, 1), v), Collision("hot", site=0, gate=u), Collision("cold", site=1, gate=u)),
    )
