"""The :class:`Trajectory` result type shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from .model import CollisionModel

__all__ = ["CollisionSeries", "Trajectory", "frozen_array"]


def frozen_array(a: NDArray | None) -> NDArray | None:
    """A read-only copy of ``a`` (None stays None): results never share mutable arrays."""
    if a is None:
        return None
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


class CollisionSeries:
    """Mixin for frozen results whose arrays run over collisions k = 1..n.

    Every ndarray field is frozen (:func:`frozen_array`) after construction; ``n`` is the
    length of the first axis of the field named by ``_series_field``.
    """

    _series_field: ClassVar[str] = "heat_hot"

    def _freeze_arrays(self) -> None:
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, name, frozen_array(value))

    @property
    def n_collisions(self) -> int:
        """Number of collisions n."""
        return int(getattr(self, self._series_field).shape[0])

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Collision numbers 1..n, the x-axis of Fig. 2."""
        return np.arange(1, self.n_collisions + 1)


@dataclass(frozen=True)
class Trajectory(CollisionSeries):
    r"""Heat currents and system states along ``n`` collisions (Eqs. 8–11).

    Attributes
    ----------
    model : CollisionModel
        The model that was simulated.
    engine : str
        ``"direct"`` or ``"aer"``.
    initial_state : ndarray (4, 4)
        :math:`\rho^S_0`, basis :math:`|S_AS_B\rangle` (see :mod:`circuitheat.states`).
    heat_hot, heat_cold : ndarray (n,)
        :math:`J_h(k), J_c(k)` for collisions k = 1..n: the energy change of the k-th hot
        (cold) ancilla in its collision, Eqs. (10)–(11), in units of energy
        (:math:`\omega` sets the scale). Positive: energy flows *into* that reservoir.
    system_states : ndarray (n, 4, 4) or None
        :math:`\rho^S_k` after each collision k = 1..n (None if not requested).
    system_energy : ndarray (n,)
        :math:`\mathrm{Tr}[H_S\rho^S_k]` after each collision.
    initial_energy : float
        :math:`\mathrm{Tr}[H_S\rho^S_0]`.

    Energy conservation per collision (resonant, Sec. II):
    ``diff([initial_energy, *system_energy]) + heat_hot + heat_cold == 0``.
    """

    model: CollisionModel
    engine: str
    initial_state: NDArray = field(repr=False)
    heat_hot: NDArray = field(repr=False)
    heat_cold: NDArray = field(repr=False)
    system_energy: NDArray = field(repr=False)
    initial_energy: float
    system_states: NDArray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._freeze_arrays()

    @property
    def energy_balance(self) -> NDArray[np.float64]:
        r"""Per-collision :math:`\Delta E_S + J_h + J_c` (zero up to rounding)."""
        energies = np.concatenate([[self.initial_energy], self.system_energy])
        return np.diff(energies) + self.heat_hot + self.heat_cold
