r"""The one definition of a collision step: compiled local operations, applied matrix-free or as a dense map.

Because every :class:`~circuitheat.network.Collision` meets a fresh ancilla, one step of a
network is a fixed CPTP map :math:`\Phi` on the system state, and the energy each ancilla
carries away is linear in the system state before the step:

.. math::
    \rho_{k} = \Phi[\rho_{k-1}], \qquad
    J_r(k) = \mathrm{Tr}[\rho_{k-1} G_r] - \sum_{c\in r}\mathrm{Tr}[H_r\eta_r],

the generalisation of Eqs. (8), (10)–(11). This module compiles a network's step into
local operations, once:

* an :class:`~circuitheat.network.Interaction` :math:`U` on sites (i, j) acts as
  :math:`\rho\mapsto U\rho U^\dagger` and does the work :math:`\mathrm{Tr}[\rho_{ij}w]`;
* a :class:`~circuitheat.network.Collision` of site i with ancilla :math:`\eta` acts as the
  single-qubit channel :math:`\mathcal E[\sigma] = \mathrm{Tr}_R[U(\sigma\otimes\eta)U^\dagger]`
  and leaves the ancilla with energy :math:`\mathrm{Tr}[\sigma g]`,
  :math:`g = \mathrm{Tr}_R[(I\otimes\eta)\,U^\dagger(I\otimes H_r)U]` (with :math:`\sigma` the
  site's reduced state just before the collision; for the partial swap these are the
  closed forms of :func:`circuitheat.channel.qubit_collision`).

:mod:`circuitheat.network.pauli` applies them, in the real Pauli basis, to a batch of states
(one real product per operation, cost :math:`O(4^N)`, no :math:`4^N\times4^N` matrix): the
matrix-free map of large networks. :func:`step_map` obtains the dense superoperator
:math:`\Phi`, the heat observables :math:`G_r` and the work observable from the same
application to the :math:`4^N` basis vectors while they fit. The paper's
:class:`~circuitheat.CollisionModel` takes the factorised fast path
(:class:`circuitheat.channel.Channel`, a :class:`StepMap` too), tested equal to this one.

Superoperators act on the row-major vectorisation ``rho.reshape(-1)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from ..resources import check_memory
from ..threads import single_blas_thread
from ..validation import InputTypeError
from .spec import Collision, CollisionNetwork, Interaction, check_unbatched

__all__ = [
    "DENSE_MAX_SITES",
    "WORK",
    "LocalChannel",
    "LocalUnitary",
    "StepMap",
    "collision_observable",
    "compile_step",
    "energies_before",
    "site_channel",
    "step_map",
]

#: Largest N for which :func:`step_map` builds the dense :math:`4^N\times4^N` superoperator
#: by default (and :func:`circuitheat.steady_state` solves densely): N = 5 is a 1024×1024
#: complex matrix (16 MiB), built and solved in well under a second. At N = 6 (256 MiB) the
#: dense build and LU solve took over a minute on this 2-core machine while the matrix-free
#: Krylov solve took 0.3 s (GMRES; 0.01 s with BiCGSTAB in the Pauli basis), so beyond N = 5
#: the matrix-free step is the default.
DENSE_MAX_SITES = 5

_H_UNIT = np.diag([0.5, -0.5])  # (1/2) sigma_z: |0> excited

#: Key of the work functional among the step's readouts (:meth:`circuitheat.network.pauli.PauliStep.advance`;
#: reservoir names are user strings, so the key is reserved and rejected as a reservoir name).
WORK = "__work__"


@dataclass(frozen=True)
class LocalUnitary:
    r"""A compiled :class:`Interaction`: the gate U (4×4, kron basis of ``sites``) and its work observable.

    ``work`` (4×4) is :math:`U^\dagger(H_i+H_j)U - (H_i+H_j)`: the work the gate does on a
    two-site state :math:`\rho_{ij}` is :math:`\mathrm{Tr}[\rho_{ij}\,w]`.
    """

    sites: tuple[int, int]
    matrix: NDArray
    work: NDArray


@dataclass(frozen=True)
class LocalChannel:
    r"""A compiled :class:`Collision`: the site channel, the ancilla-energy observable, the energy before.

    ``tensor[a, a', b, b']`` is :math:`\mathcal E` (out row, out column, in row, in column);
    ``observable`` is :math:`g` (2×2); ``energy_before`` is :math:`\mathrm{Tr}[H_r\eta_r]`;
    ``work`` (2×2) is :math:`w` with work :math:`\mathrm{Tr}[\sigma w]` done by the gate,
    :math:`w = \mathrm{Tr}_R[(I\otimes\eta)U^\dagger(H_i\otimes I + I\otimes H_r)U] - H_i - \mathrm{Tr}[H_r\eta]\,I`.
    """

    reservoir: str
    site: int
    tensor: NDArray
    observable: NDArray
    energy_before: float
    work: NDArray


def site_channel(unitary: NDArray, eta: NDArray) -> NDArray[np.complex128]:
    r"""Channel tensor ``C[a, a', b, b']`` of :math:`\sigma\mapsto\mathrm{Tr}_R[U(\sigma\otimes\eta)U^\dagger]`.

    ``unitary`` is 4×4 in the kron basis |site, ancilla>; ``eta`` the 2×2 ancilla state.
    :math:`C_{aa'bb'} = \sum_{c,e,f} U_{(ac),(be)}\,\eta_{ef}\,U^*_{(a'c),(b'f)}`, contracted over c
    first, on the gate's own batch shape, then with :math:`\eta` (batched gates and ancilla
    states each keep their own, smaller, shapes until then).
    """
    u = np.asarray(unitary)
    u4 = u.reshape(*u.shape[:-2], 2, 2, 2, 2)
    pair = np.einsum("...acbe,...gchf->...agbhef", u4, u4.conj())  # sum over the ancilla's output index c
    out = _with_ancilla(pair.reshape(*pair.shape[:-6], 16, 4), eta)
    return out.reshape(*out.shape[:-1], 2, 2, 2, 2)


def _with_ancilla(linear: NDArray, eta: NDArray) -> NDArray:
    r""":math:`\sum_{ef} L_{j,(ef)}\,\eta_{ef}` for ``linear`` (..., K, 4), states ``eta`` (..., 2, 2): (..., K)."""
    eta = np.asarray(eta)
    return np.einsum("...k,...jk->...j", eta.reshape(*eta.shape[:-2], 4), linear)


def collision_observable(unitary: NDArray, eta: NDArray, ancilla_hamiltonian: NDArray) -> NDArray[np.complex128]:
    r"""Observable :math:`g` with :math:`\mathrm{Tr}[\sigma g] = \mathrm{Tr}[A\,U(\sigma\otimes\eta)U^\dagger]`.

    For :math:`A = I\otimes H_r` (``ancilla_hamiltonian`` the 4×4 :math:`I\otimes H_r`) this is
    the ancilla's energy after the collision:
    :math:`\mathrm{Tr}[A\,U(\sigma\otimes\eta)U^\dagger] = \mathrm{Tr}[O(\sigma\otimes\eta)]`,
    :math:`O = U^\dagger A U`, so :math:`g_{ab} = \sum_{c,e} O_{(ac),(be)}\eta_{ec}`.
    """
    u = np.asarray(unitary)
    o = (np.swapaxes(u.conj(), -1, -2) @ ancilla_hamiltonian @ u).reshape(*u.shape[:-2], 2, 2, 2, 2)
    linear = np.swapaxes(np.swapaxes(o, -3, -2), -2, -1).reshape(*u.shape[:-2], 4, 4)  # [(a, b), (e, c)]
    out = _with_ancilla(linear, eta)
    return out.reshape(*out.shape[:-1], 2, 2)


def compile_step(network: CollisionNetwork) -> tuple[LocalUnitary | LocalChannel, ...]:
    """Compile ``network.step`` into local operations (done once per network).

    For a batched network (:attr:`~circuitheat.CollisionNetwork.batch_shape`) every array
    carries its part's own leading batch dimensions (broadcastable to the network's).
    """
    ops: list[LocalUnitary | LocalChannel] = []
    eye = np.eye(2)
    for op in network.step:
        if isinstance(op, Interaction):
            u = op.matrix
            i, j = op.sites
            h_pair = np.kron(network.omega[i] * _H_UNIT, eye) + np.kron(eye, network.omega[j] * _H_UNIT)
            ops.append(LocalUnitary(op.sites, u, np.swapaxes(u.conj(), -1, -2) @ h_pair @ u - h_pair))
        else:
            assert isinstance(op, Collision)
            anc = network.ancilla(op.reservoir)
            h_site = network.omega[op.site] * _H_UNIT
            h_anc = np.kron(eye, anc.omega * _H_UNIT)
            g = collision_observable(op.matrix, anc.state, h_anc)
            total = collision_observable(op.matrix, anc.state, np.kron(h_site, eye) + h_anc)
            ops.append(
                LocalChannel(
                    reservoir=op.reservoir,
                    site=op.site,
                    tensor=site_channel(op.matrix, anc.state),
                    observable=g,
                    energy_before=anc.energy,
                    work=total - h_site - np.multiply.outer(anc.energy, eye),
                )
            )
    return tuple(ops)


class StepMap:
    r"""The one-step map of a collision network (or of the paper's model): :math:`\Phi`, :math:`G_r`, work.

    Every engine, the steady state, the entropy bookkeeping and the device noise map read a
    step from here. Everything is affine in the state :math:`\rho` *before* the step.

    Attributes
    ----------
    sites : int
        N; the system dimension is :math:`d = 2^N` (:attr:`dim`).
    names : tuple of str
        Reservoir names.
    superoperator : ndarray (..., d², d²) or None
        :math:`\Phi` on row-major vec(ρ); None for a matrix-free map (:attr:`is_dense`).
    heat_observables : mapping name -> ndarray (..., d, d), or None
        :math:`G_r`: the energy of reservoir r's ancillas after the step is :math:`\mathrm{Tr}[\rho G_r]`.
    ancilla_energies : mapping name -> ndarray (...)
        :math:`\sum_{c\in r}\mathrm{Tr}[H_r\eta_r]`, the same energy before the step.
    work_observable : ndarray (..., d, d) or None
        :math:`W_{op}`: the work the step's gates do is :math:`\mathrm{Tr}[\rho W_{op}]`, computed
        gate by gate (independently of the currents), so that
        :math:`\Delta E_S + \sum_r J_r - W = 0` is a check, not a definition.
    hamiltonian : ndarray (..., d)
        Diagonal of :math:`H_S` in the kron basis.
    ops : tuple or None
        The compiled local operations (:func:`compile_step`).
    pauli : PauliStep or None
        The same operations in the real Pauli basis (:mod:`circuitheat.network.pauli`), which
        the matrix-free :meth:`apply`, the direct engine's stepping and the Krylov steady
        state run on (None for the paper model's fast path).
    """

    def __init__(
        self,
        sites: int,
        names: tuple[str, ...],
        superoperator: NDArray | None,
        heat_observables: Mapping[str, NDArray] | None,
        ancilla_energies: Mapping[str, NDArray],
        hamiltonian: NDArray,
        work_observable: NDArray | None = None,
        ops: tuple[LocalUnitary | LocalChannel, ...] | None = None,
        pauli=None,
    ) -> None:
        self.sites = sites
        self.dim = 2**sites
        self.names = tuple(names)
        self.superoperator = superoperator
        self.heat_observables = None if heat_observables is None else MappingProxyType(dict(heat_observables))
        self.ancilla_energies = MappingProxyType({k: np.asarray(v, dtype=float) for k, v in ancilla_energies.items()})
        self.hamiltonian = np.asarray(hamiltonian, dtype=float)
        self.work_observable = work_observable
        self.ops = ops
        self.pauli = pauli

    @property
    def is_dense(self) -> bool:
        """True when :attr:`superoperator` and :attr:`heat_observables` are stored."""
        return self.superoperator is not None

    @property
    def shape(self) -> tuple[int, ...]:
        """Batch shape (``()`` for one network)."""
        return () if self.superoperator is None else self.superoperator.shape[:-2]

    def apply(self, rho: NDArray) -> tuple[NDArray, dict[str, NDArray], NDArray]:
        """One step from states ``rho`` (..., d, d): the states after it, the currents :math:`J_r`, the work :math:`W`."""
        if self.is_dense:
            d2 = self.dim**2
            after = (self.superoperator @ rho.reshape((*rho.shape[:-2], d2, 1)))[..., 0].reshape(rho.shape)
            return after, self.currents(rho), self.work(rho)
        from .pauli import from_pauli, to_pauli

        after, energy = self.pauli.advance(to_pauli(rho.reshape(-1, self.dim, self.dim)))
        batch = rho.shape[:-2]
        currents = {name: (energy[name].real - self.ancilla_energies[name]).reshape(batch) for name in self.names}
        return from_pauli(after).reshape(rho.shape), currents, energy[WORK].real.reshape(batch)

    def currents(self, rho: NDArray) -> dict[str, NDArray]:
        r""":math:`J_r = \mathrm{Tr}[\rho G_r] - \sum_c\mathrm{Tr}[H_r\eta_r]` of the step that starts from ``rho``."""
        if not self.is_dense:
            return self.apply(rho)[1]
        return {name: trace_product(rho, self.heat_observables[name]) - self.ancilla_energies[name] for name in self.names}

    def work(self, rho: NDArray) -> NDArray:
        r"""Work :math:`W = \mathrm{Tr}[\rho W_{op}]` the step's gates do, starting from ``rho``."""
        if not self.is_dense:
            return self.apply(rho)[2]
        return trace_product(rho, self.work_observable)

    def energy(self, rho: NDArray) -> NDArray:
        r"""System energy :math:`\mathrm{Tr}[H_S\rho]` of states (..., d, d)."""
        return np.einsum("...ii,...i->...", rho, self.hamiltonian).real


def trace_product(rho: NDArray, observable: NDArray) -> NDArray:
    r""":math:`\mathrm{Re\,Tr}[\rho O]` for batched d×d matrices (a BLAS matrix-vector product when O is one matrix)."""
    o_t = np.swapaxes(observable, -1, -2)
    d2 = rho.shape[-1] * rho.shape[-2]
    if o_t.ndim == 2:
        return (rho.reshape((*rho.shape[:-2], d2)) @ o_t.reshape(d2)).real
    return np.einsum("...ij,...ij->...", rho, o_t).real


def _dense_from_ops(pauli) -> tuple[NDArray, dict[str, NDArray]]:
    """Dense Φ (d², d²) and G_r, W_op (d, d) from the step in the Pauli basis (its PTM and pulled-back readouts)."""
    from .pauli import observable_from_pauli, superoperator_from_pauli

    superop = superoperator_from_pauli(pauli.transfer_matrix())
    rows = (*pauli.names, WORK)
    observables = observable_from_pauli(pauli.readout[: len(rows)])
    return superop, {name: observables[k] for k, name in enumerate(rows)}


@single_blas_thread
def step_map(system, *, dense: bool | None = None) -> StepMap:
    """The :class:`StepMap` of a :class:`~circuitheat.CollisionModel` or :class:`CollisionNetwork`.

    Parameters
    ----------
    system : CollisionModel or CollisionNetwork
        A paper model takes the factorised fast path (:class:`circuitheat.channel.Channel`).
    dense : bool, optional
        Build the dense superoperator (default: when N <= :data:`DENSE_MAX_SITES`).
        ``dense=True`` beyond that is refused up front if it cannot fit in memory.

    A network is frozen, so its step map is built once and kept on the network object
    (read-only arrays; a dense map of N = 6 sites holds 256 MiB while the network lives).
    """
    from ..channel import Channel
    from ..model import CollisionModel

    if isinstance(system, CollisionModel):
        return Channel.from_model(system)
    if not isinstance(system, CollisionNetwork):
        raise InputTypeError(
            f"system must be a CollisionModel or a CollisionNetwork, got {system!r} of type {type(system).__name__}"
        )
    check_unbatched(system, "system")  # a batched network's maps: circuitheat.network.batch
    if dense is None:
        dense = system.sites <= DENSE_MAX_SITES
    # A network is frozen: its step map is built once and kept on it (read-only arrays).
    cache = system.__dict__.setdefault("_step_maps", {})
    if dense not in cache:
        cache[dense] = _build(system, dense)
    return cache[dense]


def energies_before(ops: tuple[LocalUnitary | LocalChannel, ...], names: tuple[str, ...]) -> dict[str, NDArray]:
    r""":math:`\sum_{c\in r}\mathrm{Tr}[H_r\eta_r]` per reservoir r: its ancillas' energy before the step.

    Arrays where a batched network's ancilla states carry batch dimensions.
    """
    energies = {name: 0.0 for name in names}
    for op in ops:
        if isinstance(op, LocalChannel):
            energies[op.reservoir] = energies[op.reservoir] + op.energy_before
    return energies


def _build(system: CollisionNetwork, dense: bool) -> StepMap:
    """Compile ``system``'s step; with ``dense``, also its superoperator and observables."""
    ops = compile_step(system)
    energies = energies_before(ops, system.reservoir_names)
    from .pauli import pauli_step

    d2 = system.dim**2
    if dense:
        check_memory(f"dense step map of sites={system.sites}", 3 * 16 * d2 * d2)
    else:  # the readout functionals: one 4^N vector per reservoir and the work
        check_memory(f"matrix-free step map of sites={system.sites}", 8 * d2 * (len(system.reservoir_names) + 2))
    pauli = pauli_step(ops, system.sites, system.reservoir_names, system.omega)
    if not dense:
        return StepMap(system.sites, system.reservoir_names, None, None, energies, system.hamiltonian(), None, ops, pauli)
    superop, observables = _dense_from_ops(pauli)
    work = observables.pop(WORK)
    for array in (superop, work, *observables.values()):
        array.setflags(write=False)
    return StepMap(system.sites, system.reservoir_names, superop, observables, energies, system.hamiltonian(), work, ops, pauli)
