r"""Collision networks: N system qubits, named reservoirs of fresh ancillas, one repeated step.

A network's **step** is an ordered list of system–system :class:`Interaction` s and
system–ancilla :class:`Collision` s, applied at every step n → n+1; every
:class:`Collision` meets its own fresh ancilla, prepared in its reservoir's state and
discarded afterwards. The paper's model (Eq. 8) is the network
:attr:`circuitheat.CollisionModel.network`: two sites, a partial swap
:math:`V(\delta)` between them, then one collision with each reservoir.

Conventions (``shared/DESIGN.md``): site ``i`` has :math:`H_i = (\omega_i/2)\sigma_z`,
:math:`|0\rangle` excited; a reservoir's ancilla has :math:`(\omega_r/2)\sigma_z`; a system
matrix is in the kron basis of sites 0..N−1, site 0 most significant
(``np.kron(rho_0, rho_1, ...)``); gate qubit order in :mod:`circuitheat.network.gates`.
Everything is validated when built; the objects are frozen.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import Reservoir
from ..states import validate_density_matrix
from ..validation import InputTypeError, InputValueError, check_array, check_count, check_positive
from .gates import gate_matrix, qiskit_gate

__all__ = ["Ancilla", "Collision", "CollisionNetwork", "Interaction", "check_network", "check_unbatched"]

#: Largest number of sites a network may have: the direct engine stores 4**N complex
#: numbers per state (N = 14: 4 GiB per state), the engines refuse what does not fit.
MAX_SITES = 14


@dataclass(frozen=True, eq=False)
class Ancilla:
    r"""An arbitrary ancilla state for a reservoir of fresh, identical qubits.

    Parameters
    ----------
    state : array_like (2, 2) or (..., 2, 2)
        Density matrix in the basis {|0>, |1>} (|0> excited): Hermitian, trace 1,
        positive, each to :data:`circuitheat.states.STATE_TOLERANCE`. Leading dimensions
        make a batched ancilla (one state per point of a vectorised sweep, e.g.
        :func:`circuitheat.states.ancilla_state` of arrays; see
        :attr:`CollisionNetwork.batch_shape`).
    omega : float
        Level splitting :math:`\omega_r > 0` of the ancilla Hamiltonian
        :math:`(\omega_r/2)\sigma_z` (energy units).
    """

    state: NDArray = field(repr=False)
    omega: float = 1.0

    def __post_init__(self) -> None:
        rho = validate_density_matrix(self.state, "state", dim=2, batch=True)
        rho.setflags(write=False)
        object.__setattr__(self, "state", rho)
        object.__setattr__(self, "omega", check_positive("omega", self.omega))

    @classmethod
    def from_reservoir(
        cls, temperature: ArrayLike, coherence: ArrayLike = 0.0, phase: ArrayLike = 0.0, omega: float = 1.0
    ) -> Ancilla:
        r"""The ancilla of a :class:`~circuitheat.Reservoir` (Eq. 12 state), with array parameters allowed.

        Equal to ``Ancilla(Reservoir(T, p, phi, omega).state, omega)`` for numbers; arrays
        of ``temperature``, ``coherence`` and ``phase`` broadcast together and give a batched
        ancilla (one state per point, :func:`circuitheat.states.ancilla_state`), e.g. for a
        vectorised sweep builder.

        Parameters
        ----------
        temperature : array_like
            Effective temperature T > 0 (``inf`` allowed; energy units).
        coherence : array_like
            p in [0, 1] (Eq. 12).
        phase : array_like
            Relative phase :math:`\phi` (rad).
        omega : float
            Level splitting :math:`\omega_r > 0`.
        """
        from ..states import ancilla_state
        from ..validation import check_angle, check_coherence, check_positive_temperature

        t = check_array("temperature", temperature, check_positive_temperature)
        p = check_array("coherence", coherence, check_coherence)
        phi = check_array("phase", phase, check_angle)
        w = check_positive("omega", omega)
        return cls(ancilla_state(t, p, phi, w), w)

    @property
    def energy(self) -> float | NDArray[np.float64]:
        r"""Mean energy :math:`\mathrm{Tr}[(\omega_r/2)\sigma_z\,\eta]` (energy units; an array for a batched state)."""
        energy = 0.5 * self.omega * (self.state[..., 0, 0] - self.state[..., 1, 1]).real
        return float(energy) if energy.ndim == 0 else energy

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ancilla) and self.omega == other.omega and np.array_equal(self.state, other.state)

    def __hash__(self) -> int:
        return hash((self.omega, self.state.tobytes()))


def _check_site(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral | np.integer):
        raise InputTypeError(f"{name} must be an integer site index, got {value!r} of type {type(value).__name__}")
    return int(value)


@dataclass(frozen=True, eq=False)
class Interaction:
    """A two-qubit gate between system sites ``sites = (i, j)``: first gate slot on ``i``, second on ``j``.

    Parameters
    ----------
    sites : tuple of two int
        Distinct site indices (checked against the network's size when the network is built).
    gate : qiskit Gate, QuantumCircuit, Operator or array_like (4, 4) or (..., 4, 4)
        The unitary (qubit order: :mod:`circuitheat.network.gates`); leading dimensions make
        a batched gate (:attr:`CollisionNetwork.batch_shape`).
    """

    sites: tuple[int, int]
    gate: object = field(repr=False)
    matrix: NDArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.sites, Sequence) or isinstance(self.sites, str) or len(self.sites) != 2:
            raise InputValueError(f"sites must be a pair of site indices (i, j), got {self.sites!r}")
        i, j = (_check_site("sites", s) for s in self.sites)
        if i == j:
            raise InputValueError(f"sites must be two distinct sites, got {self.sites!r}")
        object.__setattr__(self, "sites", (i, j))
        object.__setattr__(self, "matrix", gate_matrix(self.gate, "gate"))

    @property
    def qiskit_gate(self):
        """The gate as a Qiskit ``Gate`` whose qubit 0 goes on ``sites[0]``."""
        return qiskit_gate(self.gate, self.matrix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Interaction) and self.sites == other.sites and np.array_equal(self.matrix, other.matrix)

    def __hash__(self) -> int:
        return hash((self.sites, self.matrix.tobytes()))


@dataclass(frozen=True, eq=False)
class Collision:
    """A collision of system ``site`` with a fresh ancilla of reservoir ``reservoir``.

    The gate's first slot acts on the system site, the second on the ancilla.

    Parameters
    ----------
    reservoir : str
        Name of a reservoir of the network.
    site : int
        System site index.
    gate : qiskit Gate, QuantumCircuit, Operator or array_like (4, 4) or (..., 4, 4)
        Leading dimensions make a batched gate (:attr:`CollisionNetwork.batch_shape`).
    """

    reservoir: str
    site: int
    gate: object = field(repr=False)
    matrix: NDArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.reservoir, str) or not self.reservoir:
            raise InputTypeError(f"reservoir must be a non-empty reservoir name (str), got {self.reservoir!r}")
        object.__setattr__(self, "site", _check_site("site", self.site))
        object.__setattr__(self, "matrix", gate_matrix(self.gate, "gate"))

    @property
    def qiskit_gate(self):
        """The gate as a Qiskit ``Gate`` whose qubit 0 goes on the system site, qubit 1 on the ancilla."""
        return qiskit_gate(self.gate, self.matrix)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Collision)
            and (self.reservoir, self.site) == (other.reservoir, other.site)
            and np.array_equal(self.matrix, other.matrix)
        )

    def __hash__(self) -> int:
        return hash((self.reservoir, self.site, self.matrix.tobytes()))


def _check_omegas(omega: object, sites: int) -> tuple[float, ...]:
    if isinstance(omega, numbers.Real) and not isinstance(omega, bool):
        return (check_positive("omega", omega),) * sites
    if isinstance(omega, np.ndarray | list | tuple):
        values = list(np.asarray(omega).reshape(-1)) if isinstance(omega, np.ndarray) else list(omega)
        if len(values) != sites:
            raise InputValueError(f"omega must be one value or one per site ({sites}), got {len(values)} values")
        out = []
        for k, v in enumerate(values):
            if isinstance(v, np.generic):
                v = v.item()
            out.append(check_positive(f"omega[{k}]", v))
        return tuple(out)
    raise InputTypeError(
        f"omega must be a positive number or a sequence of {sites}, got {omega!r} of type {type(omega).__name__}"
    )


@dataclass(frozen=True, eq=False)
class CollisionNetwork:
    r"""N system qubits, named reservoirs, and the ordered step applied at every step n → n+1.

    Parameters
    ----------
    sites : int
        Number N >= 1 of system qubits, indexed 0..N−1.
    omega : float or sequence of float
        Level splittings :math:`\omega_i > 0` of :math:`H_i = (\omega_i/2)\sigma_z`: one
        value for every site, or one per site.
    reservoirs : mapping str -> Reservoir or Ancilla
        Each reservoir's fresh-ancilla state: a :class:`~circuitheat.Reservoir` (Eq. 12) or
        an :class:`Ancilla` (any 2×2 state, own :math:`\omega_r`).
    step : sequence of Interaction and Collision
        Applied in this order at every step. Each :class:`Collision` meets a fresh ancilla.

    Notes
    -----
    Heat current of reservoir r in step k (Eqs. 10–11 generalised):
    :math:`J_r(k) = \sum_{c\in r}\mathrm{Tr}[H_r(\tilde\eta_c - \eta_r)]`, the energy change of
    that step's ancillas of r; positive means energy flows into r. Work per step:
    :math:`W(k) = \Delta E_S(k) + \sum_r J_r(k)`; zero when every gate conserves the
    local energies (e.g. partial swaps between resonant qubits).
    """

    sites: int
    omega: float | tuple[float, ...]
    reservoirs: Mapping[str, Reservoir | Ancilla]
    step: tuple[Interaction | Collision, ...]

    def __post_init__(self) -> None:
        n = check_count("sites", self.sites)
        if n > MAX_SITES:
            raise InputValueError(f"sites must be <= {MAX_SITES} (a state needs 16*4**sites bytes), got {n}")
        object.__setattr__(self, "sites", n)
        object.__setattr__(self, "omega", _check_omegas(self.omega, n))
        if not isinstance(self.reservoirs, Mapping):
            raise InputTypeError(
                f"reservoirs must be a mapping name -> Reservoir or Ancilla, got {type(self.reservoirs).__name__}"
            )
        reservoirs = {}
        for name, anc in self.reservoirs.items():
            if not isinstance(name, str) or not name:
                raise InputTypeError(f"reservoirs keys must be non-empty names (str), got {name!r}")
            if name.startswith("__"):  # the step's readouts key the work as "__work__"
                raise InputValueError(f"reservoirs keys starting with '__' are reserved, got {name!r}")
            if not isinstance(anc, Reservoir | Ancilla):
                raise InputTypeError(
                    f"reservoirs[{name!r}] must be a Reservoir or an Ancilla, got {anc!r} of type {type(anc).__name__}"
                )
            reservoirs[name] = anc
        object.__setattr__(self, "reservoirs", MappingProxyType(reservoirs))
        # each reservoir's ancilla state, validated once (the network is frozen)
        ancillas = {name: anc if isinstance(anc, Ancilla) else Ancilla(anc.state, anc.omega) for name, anc in reservoirs.items()}
        object.__setattr__(self, "_ancillas", ancillas)
        if isinstance(self.step, str | bytes) or not isinstance(self.step, Sequence):
            raise InputTypeError(f"step must be a sequence of Interaction and Collision, got {type(self.step).__name__}")
        step = tuple(self.step)
        if not step:
            raise InputValueError("step must contain at least one Interaction or Collision, got an empty step")
        for k, op in enumerate(step):
            if isinstance(op, Interaction):
                for s in op.sites:
                    if not 0 <= s < n:
                        raise InputValueError(f"step[{k}] interaction site {s} out of range for sites={n} (0..{n - 1})")
            elif isinstance(op, Collision):
                if op.reservoir not in reservoirs:
                    known = ", ".join(repr(r) for r in reservoirs) or "none"
                    raise InputValueError(f"step[{k}] collision names reservoir {op.reservoir!r}; reservoirs: {known}")
                if not 0 <= op.site < n:
                    raise InputValueError(f"step[{k}] collision site {op.site} out of range for sites={n} (0..{n - 1})")
            else:
                raise InputTypeError(f"step[{k}] must be an Interaction or a Collision, got {op!r} of type {type(op).__name__}")
        object.__setattr__(self, "step", step)
        parts = {f"step[{k}] gate": op.matrix.shape[:-2] for k, op in enumerate(step)}
        parts.update({f"reservoirs[{name!r}] state": anc.state.shape[:-2] for name, anc in ancillas.items()})
        try:
            batch = np.broadcast_shapes(*parts.values())
        except ValueError:
            shapes = ", ".join(f"{part} {shape}" for part, shape in parts.items() if shape)
            raise InputValueError(f"the batch shapes of the network's parts do not broadcast together: {shapes}") from None
        object.__setattr__(self, "_batch_shape", batch)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        r"""Batch shape: ``()`` for one network; otherwise the broadcast shape of its batched parts.

        A *batched* network holds one network per batch index: gates given as arrays
        (..., 4, 4) and ancilla states (..., 2, 2) whose leading dimensions broadcast
        together (the sites, omegas and step order are shared). It is what a vectorised
        network builder returns (``sweep(axes, build=f, vectorized=True)``), and its steady
        currents and trajectories are computed for all points at once
        (:mod:`circuitheat.network.batch`). Every other function takes one network and
        refuses a batched one (:func:`check_unbatched`).
        """
        return self._batch_shape

    @property
    def dim(self) -> int:
        """Hilbert-space dimension :math:`2^N` of the system."""
        return 2**self.sites

    @property
    def reservoir_names(self) -> tuple[str, ...]:
        """Reservoir names in the order given."""
        return tuple(self.reservoirs)

    @property
    def collisions(self) -> tuple[Collision, ...]:
        """The step's collisions, in order."""
        return tuple(op for op in self.step if isinstance(op, Collision))

    def ancilla(self, name: str) -> Ancilla:
        """Reservoir ``name``'s ancilla as an :class:`Ancilla` (state and :math:`\\omega_r`)."""
        return self._ancillas[name]

    def hamiltonian(self) -> NDArray[np.float64]:
        r"""Diagonal of :math:`H_S = \sum_i (\omega_i/2)\sigma_z^{(i)}` in the kron basis (length :math:`2^N`)."""
        diag = np.zeros(1)
        for w in self.omega:
            diag = (diag[:, None] + 0.5 * w * np.array([1.0, -1.0])[None, :]).reshape(-1)
        return diag

    def __getstate__(self) -> dict:
        """Pickle without the cached step maps (workers rebuild them; a dense map can be large)."""
        state = self.__dict__.copy()
        state.pop("_step_maps", None)
        state["reservoirs"] = dict(state["reservoirs"])  # a mappingproxy does not pickle
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        state["reservoirs"] = MappingProxyType(state["reservoirs"])
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CollisionNetwork)
            and (self.sites, self.omega, self.step) == (other.sites, other.omega, other.step)
            and dict(self.reservoirs) == dict(other.reservoirs)
        )

    def __hash__(self) -> int:
        return hash((self.sites, self.omega, self.step, tuple(self.reservoirs)))


def check_network(network: object, name: str = "network") -> CollisionNetwork:
    """Return ``network`` if it is one (unbatched) :class:`CollisionNetwork`, else raise naming ``name``.

    Raises
    ------
    TypeError
        Not a :class:`CollisionNetwork`.
    ValueError
        A batched network (:func:`check_unbatched`).
    """
    if not isinstance(network, CollisionNetwork):
        raise InputTypeError(f"{name} must be a CollisionNetwork, got {network!r} of type {type(network).__name__}")
    return check_unbatched(network, name)


def check_unbatched(network: CollisionNetwork, name: str = "network") -> CollisionNetwork:
    """Return ``network`` unless it is batched (:attr:`CollisionNetwork.batch_shape`); then raise ``ValueError``."""
    if network.batch_shape:
        raise InputValueError(
            f"{name} is a batched network (batch shape {network.batch_shape}): only a vectorised sweep "
            "(sweep(axes, build=f, vectorized=True)) and circuitheat.network.batch evaluate one; build the network "
            "of one point with scalar parameters here"
        )
    return network
