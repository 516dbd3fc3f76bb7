r"""The smallest absorption refrigerator as a collision network: three qubits, three reservoirs.

Sources: N. Linden, S. Popescu and P. Skrzypczyk, "How small can thermal machines be? The
smallest possible refrigerator", Phys. Rev. Lett. **105**, 130401 (2010); the three-qubit
model in detail: P. Skrzypczyk, N. Brunner, N. Linden and S. Popescu, "The smallest
refrigerators can reach maximal efficiency", arXiv:1009.0865 (J. Phys. A **44**, 492002 (2011)).

The model
---------
Qubit *c* (site 0, :math:`\omega_c`) touches the cold reservoir, qubit *r* (site 1,
:math:`\omega_r`) the room reservoir, qubit *h* (site 2, :math:`\omega_h`) the hot one, with
the resonance :math:`\omega_r = \omega_c + \omega_h`. The machine is the three-body exchange

.. math::
    U_3(\theta) = \exp\!\big[-i\theta\,(|e_c g_r e_h\rangle\langle g_c e_r g_h| + \mathrm{h.c.})\big],

which trades one excitation of *c* and one of *h* for one of *r*; it commutes with
:math:`H_S` because of the resonance, so it does no work: the refrigerator is
*self-contained*, driven by heat from the hot reservoir alone. When
:math:`\omega_c/\omega_h` is below the Carnot coefficient of performance
:math:`(1/T_r - 1/T_h)/(1/T_c - 1/T_r)`, the populations favour
:math:`|e_c g_r e_h\rangle \to |g_c e_r g_h\rangle`, and heat flows out of the cold
reservoir. In the steady state every exchange moves :math:`\omega_c` from *c*,
:math:`\omega_h` from *h* and :math:`\omega_r` into *r*, so the coefficient of performance
is :math:`J_{cold}/J_{hot} = \omega_c/\omega_h` exactly.

A three-body gate is not a two-qubit gate: the step builds :math:`U_3(\theta)` exactly from
nine two-qubit gates (:func:`three_body_exchange`), then lets each qubit collide with a fresh
ancilla of its reservoir by the partial swap :math:`U(\gamma)` (Eq. 3). The individual
two-qubit gates do not conserve energy, but their product does, so the step's work is zero
up to rounding. (A continuous-time machine with weak three-body coupling g and weak bath
couplings, as in the sources, is the limit of small :math:`\theta` and :math:`\gamma`.)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit.library import CRXGate, CXGate

from ..model import Reservoir
from ..network import Ancilla, Collision, CollisionNetwork, Interaction, partial_swap
from ..validation import InputValueError, check_angle, check_number_or_array, check_positive, check_positive_temperature

__all__ = ["REFRIGERATOR_SITES", "absorption_refrigerator", "carnot_cop", "three_body_exchange", "three_body_unitary"]

#: Sites of the refrigerator's qubits, each also the name of its reservoir.
REFRIGERATOR_SITES = {"cold": 0, "room": 1, "hot": 2}


def three_body_exchange(theta: float, sites: tuple[int, int, int] = (0, 1, 2)) -> tuple[Interaction, ...]:
    r"""Nine two-qubit gates whose product is the three-body exchange :math:`U_3(\theta)`.

    With ``sites = (c, r, h)`` and :math:`|0\rangle` excited, :math:`U_3(\theta)` rotates
    :math:`|0_c1_r0_h\rangle \leftrightarrow |1_c0_r1_h\rangle` by
    :math:`e^{-i\theta X}` and is the identity elsewhere. Construction (Qiskit gates,
    controls on :math:`|1\rangle`; ``Interaction((i, j), g)`` puts qubit 0 of ``g`` on i):

    1. :math:`W` = CX(r→c) CX(r→h) maps :math:`|0_c1_r0_h\rangle \to |1_c1_r1_h\rangle` and
       fixes :math:`|1_c0_r1_h\rangle`: the pair now differs in *r* only, with c = h = 1;
    2. the doubly controlled :math:`R_X(2\theta) = e^{-i\theta X}` on *r* (controls c, h)
       from two-qubit gates with :math:`V^2 = R_X(2\theta)`, :math:`V = R_X(\theta)`
       (A. Barenco et al., Phys. Rev. A **52**, 3457 (1995)):
       CRX(θ)(h→r), CX(c→h), CRX(−θ)(h→r), CX(c→h), CRX(θ)(c→r);
    3. :math:`W^{-1} = W`.

    ``tests/test_presets.py`` checks the product against
    :func:`three_body_unitary` by brute force.

    Parameters
    ----------
    theta : float
        Exchange angle :math:`\theta` (rad); :math:`\pi/2` is a full exchange.
    sites : tuple of three int
        The sites of *c*, *r*, *h*.
    """
    theta = check_angle("theta", theta)
    c, r, h = sites
    w = (Interaction((r, c), CXGate()), Interaction((r, h), CXGate()))
    controlled = (
        Interaction((h, r), CRXGate(theta)),
        Interaction((c, h), CXGate()),
        Interaction((h, r), CRXGate(-theta)),
        Interaction((c, h), CXGate()),
        Interaction((c, r), CRXGate(theta)),
    )
    return w + controlled + w


def three_body_unitary(theta: float) -> NDArray[np.complex128]:
    r""":math:`U_3(\theta)` as an 8×8 matrix in the kron basis of (c, r, h), c most significant.

    .. math:: U_3 = \cos\theta\,(P_a + P_b) - i\sin\theta\,(|a\rangle\langle b| + |b\rangle\langle a|) + (I - P_a - P_b),

    :math:`a = |0_c1_r0_h\rangle` (index 2), :math:`b = |1_c0_r1_h\rangle` (index 5).
    """
    theta = check_angle("theta", theta)
    u = np.eye(8, dtype=complex)
    a, b = 0b010, 0b101
    u[a, a] = u[b, b] = math.cos(theta)
    u[a, b] = u[b, a] = -1j * math.sin(theta)
    return u


def carnot_cop(t_cold: float, t_room: float, t_hot: float) -> float:
    r"""Carnot coefficient of performance of an absorption refrigerator.

    .. math:: \mathrm{COP}_C = \frac{1/T_r - 1/T_h}{1/T_c - 1/T_r}
              = \frac{(1 - T_r/T_h)\,T_c}{T_r - T_c}

    (heat extracted from the cold reservoir per heat drawn from the hot one, reversible
    limit; Skrzypczyk et al., arXiv:1009.0865). Requires :math:`T_c < T_r`.
    """
    t_cold, t_room, t_hot = (check_positive(n, t) for n, t in (("t_cold", t_cold), ("t_room", t_room), ("t_hot", t_hot)))
    if not t_cold < t_room:
        raise InputValueError(f"t_cold must be < t_room for a refrigerator, got t_cold={t_cold!r}, t_room={t_room!r}")
    return (1 / t_room - 1 / t_hot) / (1 / t_cold - 1 / t_room)


def absorption_refrigerator(
    *,
    omega_cold: float = 1.0,
    omega_hot: float = 2.0,
    t_cold: ArrayLike = 1.0,
    t_room: ArrayLike = 1.5,
    t_hot: ArrayLike = 5.0,
    theta: float = math.pi / 4,
    gamma: ArrayLike = math.pi / 4,
) -> CollisionNetwork:
    r"""The three-qubit absorption refrigerator of Linden, Popescu and Skrzypczyk as a collision network.

    Sources: N. Linden, S. Popescu and P. Skrzypczyk, Phys. Rev. Lett. **105**, 130401
    (2010); P. Skrzypczyk, N. Brunner, N. Linden and S. Popescu, arXiv:1009.0865. The model
    is described in :mod:`circuitheat.presets.refrigerator`: sites 0, 1, 2 = qubits *c*,
    *r*, *h* with :math:`\omega_r = \omega_c + \omega_h`; one step is the three-body
    exchange :math:`U_3(\theta)` (nine two-qubit gates, :func:`three_body_exchange`), then
    one partial-swap collision :math:`U(\gamma)` of each qubit with a fresh thermal ancilla
    of its reservoir (``"cold"``, ``"room"``, ``"hot"``), resonant with it.

    With the defaults, :math:`\omega_c/\omega_h = 0.5` is below the Carnot COP
    :math:`(1/1.5 - 1/5)/(1 - 1/1.5) = 1.4`, so the steady state cools:
    ``currents["cold"] < 0`` (energy leaves the cold reservoir), ``currents["hot"] < 0``,
    ``currents["room"] > 0``, and ``currents["cold"] / currents["hot"]`` = 0.5.

    Parameters
    ----------
    omega_cold, omega_hot : float
        :math:`\omega_c`, :math:`\omega_h` (energy units); :math:`\omega_r = \omega_c + \omega_h`.
    t_cold, t_room, t_hot : float or array_like
        Temperatures of the three thermal reservoirs (energy units, :math:`k_B = 1`).
    theta : float
        Three-body exchange angle (rad).
    gamma : float or array_like
        Collision angle (rad) of every qubit with its reservoir.

    Arrays of the temperatures and of ``gamma`` give the batched network of every point at
    once (a vectorised sweep builder's; :attr:`circuitheat.CollisionNetwork.batch_shape`),
    each point equal to the network of its numbers.
    """
    w_c, w_h = check_positive("omega_cold", omega_cold), check_positive("omega_hot", omega_hot)
    w_r = w_c + w_h
    omegas = {"cold": w_c, "room": w_r, "hot": w_h}
    reservoirs: dict[str, Reservoir | Ancilla] = {}
    for name, t in (("cold", t_cold), ("room", t_room), ("hot", t_hot)):
        t = check_number_or_array(f"t_{name}", t, check_positive_temperature)
        batched = isinstance(t, np.ndarray)
        reservoirs[name] = Ancilla.from_reservoir(t, omega=omegas[name]) if batched else Reservoir(t, omega=omegas[name])
    swap = partial_swap(check_number_or_array("gamma", gamma, check_angle))
    sites = REFRIGERATOR_SITES
    step = three_body_exchange(theta, (sites["cold"], sites["room"], sites["hot"])) + tuple(
        Collision(name, site=site, gate=swap) for name, site in sites.items()
    )
    return CollisionNetwork(sites=3, omega=(w_c, w_r, w_h), reservoirs=reservoirs, step=step)
