"""The example network files shipped with the package, one per preset (``circuitheat presets``).

Each ``circuitheat/presets/NAME.toml`` (package data) equals the Python preset named in
:data:`PRESET_FILES`; ``tests/test_presets.py`` checks that they stay equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from ..validation import check_choice

__all__ = ["PRESET_FILES", "PresetFile", "preset_file_text", "preset_network"]


@dataclass(frozen=True)
class PresetFile:
    """One example network file: its name, what it is, and the Python call it equals."""

    name: str
    description: str
    equals: str

    @property
    def filename(self) -> str:
        """File name inside the package (``NAME.toml``)."""
        return f"{self.name}.toml"


#: The example files, by name.
PRESET_FILES = {
    f.name: f
    for f in (
        PresetFile("paper", "the paper's model, Fig. 2 parameters (Eq. 8)", "paper_model()"),
        PresetFile(
            "chain", "boundary-driven chain of 4 sites, partial-swap bonds (Karevski & Platini 2009)", "boundary_driven_chain(4)"
        ),
        PresetFile("chain_xxz", "boundary-driven XXZ chain of 4 sites, anisotropy 2", 'boundary_driven_chain(4, "xxz")'),
        PresetFile(
            "refrigerator",
            "three-qubit absorption refrigerator, three reservoirs (Linden, Popescu & Skrzypczyk 2010)",
            "absorption_refrigerator()",
        ),
    )
}


def preset_file_text(name: str) -> str:
    """The TOML text of the example file ``name`` (one of :data:`PRESET_FILES`)."""
    name = check_choice("preset", name, tuple(PRESET_FILES))
    return resources.files(__package__).joinpath(PRESET_FILES[name].filename).read_text(encoding="utf-8")


def preset_network(name: str):
    """The :class:`~circuitheat.CollisionNetwork` of the example file ``name``, parsed from its TOML."""
    from ..network.toml import network_from_toml

    return network_from_toml(preset_file_text(name))
