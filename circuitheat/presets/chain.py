r"""A boundary-driven chain of N qubits between a hot and a cold reservoir.

Source: D. Karevski and T. Platini, "Quantum nonequilibrium steady states induced by
repeated interactions", Phys. Rev. Lett. **102**, 207207 (2009): an XX(Z) spin chain
whose two end spins collide repeatedly with fresh spins of two reservoirs, the
collision-model form of a boundary-driven chain.
"""

from __future__ import annotations

import math

from numpy.typing import ArrayLike

from ..model import Reservoir
from ..network import Ancilla, Collision, CollisionNetwork, Interaction, heisenberg, partial_swap
from ..validation import InputValueError, check_angle, check_choice, check_count, check_number_or_array, check_real

__all__ = ["CHAIN_COUPLINGS", "CHAIN_ORDERS", "bond_gate", "boundary_driven_chain", "chain_bonds"]

#: Nearest-neighbour couplings of :func:`boundary_driven_chain`.
CHAIN_COUPLINGS = ("partial_swap", "xxz")
#: Orders of the bond gates within one step.
CHAIN_ORDERS = ("brickwork", "sequential")


def chain_bonds(n_sites: int, order: str = "brickwork") -> list[tuple[int, int]]:
    """The nearest-neighbour bonds ``(i, i + 1)`` of an open chain, in the order they act.

    ``"brickwork"``: the even bonds (0,1), (2,3), ... then the odd bonds (1,2), (3,4), ...
    (the Trotter circuit of a nearest-neighbour Hamiltonian; within each layer the gates
    commute). ``"sequential"``: (0,1), (1,2), ..., left to right (a staircase, which can
    carry an excitation across the whole chain in one step).
    """
    n = check_count("n_sites", n_sites)
    order = check_choice("order", order, CHAIN_ORDERS)
    bonds = [(i, i + 1) for i in range(n - 1)]
    return bonds[0::2] + bonds[1::2] if order == "brickwork" else bonds


def _finite(name: str, value: float) -> float:
    value = check_real(name, value)
    if not math.isfinite(value):
        raise InputValueError(f"{name} must be finite, got {value!r}")
    return value


def bond_gate(coupling: str, delta: ArrayLike, anisotropy: ArrayLike = 1.0):
    r"""The gate on one bond of the chain: a Qiskit gate for numbers, stacked matrices (..., 4, 4) for arrays.

    ``"partial_swap"``: :math:`U(\delta) = e^{i\delta\,\mathrm{SWAP}}` (Eq. 5), the
    isotropic (XXX) exchange. ``"xxz"``:
    :math:`e^{\,i(\delta/2)(XX + YY + \Delta\,ZZ)}` = ``heisenberg(-1, -1, -Δ, δ/2)``,
    which equals :math:`U(\delta)` up to the global phase :math:`e^{-i\delta/2}` at
    :math:`\Delta = 1` (:math:`XX+YY+ZZ = 2\,\mathrm{SWAP}-I`), is the XX (free-fermion)
    hopping at :math:`\Delta = 0`, and has the same hopping as :math:`U(\delta)` for every
    :math:`\Delta`. Both conserve the number of excitations, so no work is done between
    resonant sites. Arrays of ``delta`` (and ``anisotropy``) give a batched gate (a
    vectorised sweep builder's, :attr:`circuitheat.CollisionNetwork.batch_shape`).
    """
    coupling = check_choice("coupling", coupling, CHAIN_COUPLINGS)
    delta = check_number_or_array("delta", delta, check_angle)
    if coupling == "partial_swap":
        return partial_swap(delta)
    return heisenberg(-1.0, -1.0, -check_number_or_array("anisotropy", anisotropy, _finite), delta / 2)


def boundary_driven_chain(
    n_sites: int,
    coupling: str = "partial_swap",
    *,
    delta: ArrayLike = math.pi / 4,
    anisotropy: ArrayLike = 2.0,
    gamma: ArrayLike = math.pi / 4,
    hot: Reservoir | Ancilla | None = None,
    cold: Reservoir | Ancilla | None = None,
    omega: float = 1.0,
    order: str = "brickwork",
) -> CollisionNetwork:
    r"""N resonant qubits in an open chain, a hot reservoir at site 0, a cold one at site N−1.

    Source: D. Karevski and T. Platini, Phys. Rev. Lett. **102**, 207207 (2009) (boundary
    spins of an XX(Z) chain driven by repeated interactions with fresh reservoir spins).
    One step: the bond gates (:func:`bond_gate`) in ``order``, then a collision of site 0
    with a fresh ``"hot"`` ancilla and of site N−1 with a fresh ``"cold"`` ancilla, each by
    the partial swap :math:`U(\gamma)` (Eq. 3). With thermal reservoirs (the default) the
    steady current flows from hot to cold: ``currents["cold"] > 0``.

    **Vectorised.** ``delta``, ``anisotropy`` and ``gamma`` may be arrays and ``hot``/``cold``
    batched :class:`~circuitheat.Ancilla` (e.g. :meth:`Ancilla.from_reservoir` of arrays):
    the result is the batched network of every point at once (up to 4 sites for
    ``sweep(..., vectorized=True)``); each point equals the network of its numbers (tested).

    Parameters
    ----------
    n_sites : int
        Number N >= 2 of sites.
    coupling : {"partial_swap", "xxz"}
        Bond gate: the partial swap :math:`U(\delta)` (isotropic exchange) or the XXZ
        exchange with anisotropy :math:`\Delta` (see :func:`bond_gate`).
    delta : float or array_like
        Bond angle :math:`\delta` (rad); default :math:`\pi/4`, the paper's inter-qubit
        strength.
    anisotropy : float or array_like
        :math:`\Delta` of the ``"xxz"`` coupling (ignored for ``"partial_swap"``); default 2
        (the gapped, easy-axis regime).
    gamma : float or array_like
        Collision angle :math:`\gamma` (rad) at both ends; default :math:`\pi/4`
        (:math:`\sin^2\gamma = 1/2` of an excitation exchanged per collision), strong
        enough that the bulk, not only the contacts, limits the current.
    hot, cold : Reservoir or Ancilla, optional
        Default: thermal reservoirs at :math:`T_h = 2`, :math:`T_c = 1` (energy units),
        with ``omega``.
    omega : float
        Level splitting of every site (energy units); must equal the reservoirs' for
        resonant collisions (not required: a mismatch does work, reported in ``work``).
    order : {"brickwork", "sequential"}
        Order of the bond gates (:func:`chain_bonds`).

    Returns
    -------
    CollisionNetwork
    """
    n = check_count("n_sites", n_sites, minimum=2)
    gate = bond_gate(coupling, delta, anisotropy)
    swap = partial_swap(check_number_or_array("gamma", gamma, check_angle))
    hot = Reservoir(temperature=2.0, omega=omega) if hot is None else hot
    cold = Reservoir(temperature=1.0, omega=omega) if cold is None else cold
    step = [Interaction(bond, gate) for bond in chain_bonds(n, order)]
    step += [Collision("hot", site=0, gate=swap), Collision("cold", site=n - 1, gate=swap)]
    return CollisionNetwork(sites=n, omega=omega, reservoirs={"hot": hot, "cold": cold}, step=step)
