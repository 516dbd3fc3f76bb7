r"""A boundary-driven chain of N qubits between a hot and a cold reservoir.

Source: D. Karevski and T. Platini, "Quantum nonequilibrium steady states induced by
repeated interactions", Phys. Rev. Lett. **102**, 207207 (2009): an XX(Z) spin chain
whose two end spins collide repeatedly with fresh spins of two reservoirs, the
collision-model form of a boundary-driven chain.
"""

from __future__ import annotations

import math

from ..model import Reservoir
from ..network import Collision, CollisionNetwork, Interaction, heisenberg, partial_swap
from ..validation import InputValueError, check_angle, check_choice, check_count, check_real

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


def bond_gate(coupling: str, delta: float, anisotropy: float = 1.0):
    r"""The gate on one bond of the chain.

    ``"partial_swap"``: :math:`U(\delta) = e^{i\delta\,\mathrm{SWAP}}` (Eq. 5), the
    isotropic (XXX) exchange. ``"xxz"``:
    :math:`e^{\,i(\delta/2)(XX + YY + \Delta\,ZZ)}` = ``heisenberg(-1, -1, -Δ, δ/2)``,
    which equals :math:`U(\delta)` up to the global phase :math:`e^{-i\delta/2}` at
    :math:`\Delta = 1` (:math:`XX+YY+ZZ = 2\,\mathrm{SWAP}-I`), is the XX (free-fermion)
    hopping at :math:`\Delta = 0`, and has the same hopping as :math:`U(\delta)` for every
    :math:`\Delta`. Both conserve the number of excitations, so no work is done between
    resonant sites.
    """
    coupling = check_choice("coupling", coupling, CHAIN_COUPLINGS)
    delta = check_angle("delta", delta)
    if coupling == "partial_swap":
        return partial_swap(delta)
    anisotropy = check_real("anisotropy", anisotropy)
    if not math.isfinite(anisotropy):
        raise InputValueError(f"anisotropy must be finite, got {anisotropy!r}")
    return heisenberg(-1.0, -1.0, -anisotropy, delta / 2)


def boundary_driven_chain(
    n_sites: int,
    coupling: str = "partial_swap",
    *,
    delta: float = math.pi / 4,
    anisotropy: float = 2.0,
    gamma: float = math.pi / 4,
    hot: Reservoir | None = None,
    cold: Reservoir | None = None,
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

    Parameters
    ----------
    n_sites : int
        Number N >= 2 of sites.
    coupling : {"partial_swap", "xxz"}
        Bond gate: the partial swap :math:`U(\delta)` (isotropic exchange) or the XXZ
        exchange with anisotropy :math:`\Delta` (see :func:`bond_gate`).
    delta : float
        Bond angle :math:`\delta` (rad); default :math:`\pi/4`, the paper's inter-qubit
        strength.
    anisotropy : float
        :math:`\Delta` of the ``"xxz"`` coupling (ignored for ``"partial_swap"``); default 2
        (the gapped, easy-axis regime).
    gamma : float
        Collision angle :math:`\gamma` (rad) at both ends; default :math:`\pi/4`
        (:math:`\sin^2\gamma = 1/2` of an excitation exchanged per collision), strong
        enough that the bulk, not only the contacts, limits the current.
    hot, cold : Reservoir, optional
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
    gamma = check_angle("gamma", gamma)
    hot = Reservoir(temperature=2.0, omega=omega) if hot is None else hot
    cold = Reservoir(temperature=1.0, omega=omega) if cold is None else cold
    step = [Interaction(bond, gate) for bond in chain_bonds(n, order)]
    step += [Collision("hot", site=0, gate=partial_swap(gamma)), Collision("cold", site=n - 1, gate=partial_swap(gamma))]
    return CollisionNetwork(sites=n, omega=omega, reservoirs={"hot": hot, "cold": cold}, step=step)
