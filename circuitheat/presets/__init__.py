"""Ready-made collision networks from the literature, in Python and as example TOML files.

* :func:`paper_model`: the paper's two-qubit model (Eq. 8), ``CollisionModel(...).network``;
* :func:`boundary_driven_chain`: N sites between a hot and a cold reservoir, partial-swap
  or XXZ bonds (Karevski & Platini, Phys. Rev. Lett. 102, 207207 (2009));
* :func:`absorption_refrigerator`: three qubits, three reservoirs, three-body exchange
  (Linden, Popescu & Skrzypczyk, Phys. Rev. Lett. 105, 130401 (2010)).

Each has an example network file in this package (:data:`PRESET_FILES`), written out by
``circuitheat presets --write FILE NAME`` and run by ``circuitheat run|steady --network FILE``.
"""

from __future__ import annotations

from .chain import CHAIN_COUPLINGS, CHAIN_ORDERS, bond_gate, boundary_driven_chain, chain_bonds
from .files import PRESET_FILES, PresetFile, preset_file_text, preset_network
from .paper import paper_model
from .refrigerator import REFRIGERATOR_SITES, absorption_refrigerator, carnot_cop, three_body_exchange, three_body_unitary

__all__ = [
    "CHAIN_COUPLINGS",
    "CHAIN_ORDERS",
    "PRESET_FILES",
    "REFRIGERATOR_SITES",
    "PresetFile",
    "absorption_refrigerator",
    "bond_gate",
    "boundary_driven_chain",
    "carnot_cop",
    "chain_bonds",
    "paper_model",
    "preset_file_text",
    "preset_network",
    "three_body_exchange",
    "three_body_unitary",
]
