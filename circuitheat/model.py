r"""Frozen, validated parameter objects: :class:`Reservoir` and :class:`CollisionModel`.

Everything is validated when the object is built, so an engine never sees an
invalid model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .states import ancilla_state
from .validation import InputTypeError, InputValueError, check_angle, check_coherence, check_positive, check_positive_temperature

__all__ = ["CollisionModel", "Reservoir", "check_model"]


@dataclass(frozen=True)
class Reservoir:
    r"""A reservoir of identical, uncorrelated ancilla qubits in the state of Eq. (12).

    .. math::
        \eta = p|\psi\rangle\langle\psi| + (1-p)\rho_\beta = \rho_\beta + p\,\rho_{non}
        \qquad \text{(Eqs. 12, 13)}

    Parameters
    ----------
    temperature : float
        Effective temperature T > 0 (energy units, :math:`k_B=1`); it fixes the diagonal
        of the state only. ``math.inf`` is the infinite-temperature limit.
    coherence : float
        p in [0, 1]; 0 is the thermal state :math:`\rho_\beta`, 1 the pure state
        :math:`|\psi\rangle`.
    phase : float
        Relative phase :math:`\phi` (rad) of :math:`|\psi\rangle`.
    omega : float
        Level splitting :math:`\omega` > 0 of the ancilla Hamiltonian
        :math:`(\omega/2)\sigma_z` (energy units).
    """

    temperature: float
    coherence: float = 0.0
    phase: float = 0.0
    omega: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "temperature", check_positive_temperature("temperature", self.temperature))
        object.__setattr__(self, "coherence", check_coherence("coherence", self.coherence))
        object.__setattr__(self, "phase", check_angle("phase", self.phase))
        object.__setattr__(self, "omega", check_positive("omega", self.omega))

    @property
    def beta(self) -> float:
        r"""Inverse effective temperature :math:`\beta = 1/T` (0 for T = inf)."""
        return 0.0 if math.isinf(self.temperature) else 1.0 / self.temperature

    @property
    def state(self) -> NDArray[np.complex128]:
        """The 2×2 ancilla density matrix of Eq. (12)/(13), basis {|0>, |1>}, |0> excited."""
        return ancilla_state(self.temperature, self.coherence, self.phase, self.omega)

    @property
    def energy(self) -> float:
        r"""Mean energy :math:`\mathrm{Tr}[(\omega/2)\sigma_z\,\eta] = -(\omega/2)\tanh(\beta\omega/2)`."""
        return -0.5 * self.omega * math.tanh(0.5 * self.beta * self.omega)


@dataclass(frozen=True)
class CollisionModel:
    r"""Two system qubits :math:`S_A, S_B` between a hot and a cold reservoir (Sec. II).

    One collision (Eq. 8) applies :math:`V_{S_A S_B}(\delta)`, then
    :math:`U_{S_A R^h}(\gamma)`, then :math:`U_{S_B R^c}(\gamma)` with
    :math:`U(\theta) = \cos\theta\, I + i\sin\theta\, \mathrm{SWAP}` (Eqs. 3–5), each time
    with a fresh ancilla from each reservoir.

    Parameters
    ----------
    gamma : float
        System–ancilla interaction strength :math:`\gamma = 2g\tau` (rad), Eq. (3).
    delta : float
        Inter-subsystem interaction strength :math:`\delta` (rad), Eq. (5).
    hot, cold : Reservoir
        The reservoirs :math:`R^h` (coupled to :math:`S_A`) and :math:`R^c` (to
        :math:`S_B`). They must share :math:`\omega` (resonance, Sec. II). "Hot" is a
        name: nothing requires :math:`T_h > T_c`.
    """

    gamma: float
    delta: float
    hot: Reservoir
    cold: Reservoir
    omega: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", check_angle("gamma", self.gamma))
        object.__setattr__(self, "delta", check_angle("delta", self.delta))
        for name in ("hot", "cold"):
            value = getattr(self, name)
            if not isinstance(value, Reservoir):
                raise InputTypeError(f"{name} must be a Reservoir, got {value!r} of type {type(value).__name__}")
        if self.hot.omega != self.cold.omega:
            raise InputValueError(
                f"hot.omega and cold.omega must be equal (resonant collisions), got {self.hot.omega!r} and {self.cold.omega!r}"
            )
        object.__setattr__(self, "omega", self.hot.omega)

    @property
    def network(self):
        r"""This model as the equivalent :class:`~circuitheat.CollisionNetwork` (Eq. 8).

        Sites 0 = :math:`S_A`, 1 = :math:`S_B`; step: :math:`V(\delta)` on (0, 1), then a
        collision of site 0 with reservoir ``"hot"`` and of site 1 with ``"cold"``, each by
        the partial swap :math:`U(\gamma)`.
        """
        from .network import partial_swap
        from .presets.paper import eq8_network

        return eq8_network(partial_swap(self.delta), partial_swap(self.gamma), self.hot, self.cold)

    @property
    def phase_difference(self) -> float:
        r""":math:`\phi_h - \phi_c` (rad), the only phase the steady current depends on (Sec. III)."""
        return self.hot.phase - self.cold.phase


def check_model(model: object, name: str = "model") -> CollisionModel:
    """Return ``model`` if it is a :class:`CollisionModel`, else raise ``TypeError`` naming ``name``."""
    if not isinstance(model, CollisionModel):
        raise InputTypeError(f"{name} must be a CollisionModel, got {model!r} of type {type(model).__name__}")
    return model
