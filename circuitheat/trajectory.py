"""The :class:`Trajectory` result type shared by every engine.

Names mean one thing across the package (Python attributes, CSV columns, NetCDF variables):

* ``currents[r]`` / ``heat_<r>``: the **per-step heat current** :math:`J_r(k)`, the energy
  change of reservoir r's ancillas in step k (Eqs. 10–11); positive into r.
* ``cumulative_heat[r]`` / ``cumulative_heat_<r>``: :math:`Q_r(n) = \\sum_{k\\le n} J_r(k)`.
* ``work``: :math:`W(k)`, the work the gates do in step k.
* On :class:`~circuitheat.SteadyState`, the same names hold the steady-state values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

__all__ = ["CollisionSeries", "Trajectory", "frozen_array"]


def frozen_array(a: NDArray | None) -> NDArray | None:
    """A read-only copy of ``a`` (None stays None): results never share mutable arrays."""
    if a is None:
        return None
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


class CollisionSeries:
    """Mixin for frozen results whose arrays run over collisions (steps) k = 1..n.

    Every ndarray field is frozen (:func:`frozen_array`) after construction; ``n`` is the
    length of the first axis of the field named by ``_series_field``.
    """

    _series_field: ClassVar[str] = "system_energy"

    def _freeze_arrays(self) -> None:
        for name in self.__dataclass_fields__:  # type: ignore[attr-defined]
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                object.__setattr__(self, name, frozen_array(value))
            elif isinstance(value, Mapping) and name == "currents":
                object.__setattr__(self, name, MappingProxyType({k: frozen_array(np.asarray(v)) for k, v in value.items()}))

    @property
    def n_collisions(self) -> int:
        """Number of collisions (steps) n."""
        return int(getattr(self, self._series_field).shape[0])

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Collision numbers 1..n, the x-axis of Fig. 2."""
        return np.arange(1, self.n_collisions + 1)


@dataclass(frozen=True)
class Trajectory(CollisionSeries):
    r"""Heat currents, work and system states along ``n`` steps of a model or network (Eqs. 8–11).

    Attributes
    ----------
    model : CollisionModel or CollisionNetwork
        What was simulated.
    engine : str
        The engine's registry name (``"direct"``, ``"aer"``).
    initial_state : ndarray (d, d)
        :math:`\rho^S_0`, kron basis of the sites (:math:`|S_AS_B\rangle` for the paper's model).
    currents : mapping name -> ndarray (n,)
        :math:`J_r(k)` for steps k = 1..n: the energy change of reservoir r's ancillas in
        step k (Eqs. 10–11), energy units; positive: energy flows *into* r.
    work : ndarray (n,)
        :math:`W(k)`: the work the step's gates did, computed gate by gate (zero for
        energy-conserving gates, e.g. the paper's resonant partial swaps).
    system_energy : ndarray (n,)
        :math:`\mathrm{Tr}[H_S\rho^S_k]` after each step.
    initial_energy : float
        :math:`\mathrm{Tr}[H_S\rho^S_0]`.
    system_states : ndarray (n, d, d) or None
        :math:`\rho^S_k` after each step k = 1..n (None if not requested).

    Energy balance per step (first law): ``energy_balance`` =
    :math:`\Delta E_S(k) + \sum_r J_r(k) - W(k) = 0` up to rounding.
    """

    model: object
    engine: str
    initial_state: NDArray = field(repr=False)
    currents: Mapping[str, NDArray] = field(repr=False)
    work: NDArray = field(repr=False)
    system_energy: NDArray = field(repr=False)
    initial_energy: float
    system_states: NDArray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._freeze_arrays()

    def _current(self, name: str) -> NDArray:
        try:
            return self.currents[name]
        except KeyError:
            raise AttributeError(f"this trajectory has no reservoir {name!r}; reservoirs: {', '.join(self.currents)}") from None

    @property
    def heat_hot(self) -> NDArray:
        """:math:`J_h(k)` = ``currents["hot"]`` (the paper's model; Eq. 10)."""
        return self._current("hot")

    @property
    def heat_cold(self) -> NDArray:
        """:math:`J_c(k)` = ``currents["cold"]`` (the paper's model; Eq. 11)."""
        return self._current("cold")

    @property
    def cumulative_heat(self) -> dict[str, NDArray]:
        r""":math:`Q_r(k) = \sum_{j\le k} J_r(j)`: total energy delivered to reservoir r after k steps."""
        return {name: np.cumsum(j) for name, j in self.currents.items()}

    @property
    def energy_balance(self) -> NDArray[np.float64]:
        r"""Per-step :math:`\Delta E_S + \sum_r J_r - W` (zero up to rounding: the first law)."""
        energies = np.concatenate([[self.initial_energy], self.system_energy])
        return np.diff(energies) + sum(self.currents.values()) - self.work
