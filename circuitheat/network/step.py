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
  :math:`\rho\mapsto U\rho U^\dagger` (the 16-index tensor :math:`U\otimes U^*` on the row and
  column indices of i and j);
* a :class:`~circuitheat.network.Collision` of site i with ancilla :math:`\eta` acts as the
  single-qubit channel :math:`\mathcal E[\sigma] = \mathrm{Tr}_R[U(\sigma\otimes\eta)U^\dagger]`
  and leaves the ancilla with energy :math:`\mathrm{Tr}[\sigma g]`,
  :math:`g = \mathrm{Tr}_R[(I\otimes\eta)\,U^\dagger(I\otimes H_r)U]` (with :math:`\sigma` the
  site's reduced state just before the collision; for the partial swap these are the
  closed forms of :func:`circuitheat.channel.qubit_collision`).

:func:`apply_step` applies them to a batch of states by tensor contractions (cost
:math:`O(4^N)` per operation, no :math:`4^N\times4^N` matrix); :func:`step_map` applies them to
the :math:`4^N` basis matrices to obtain the dense superoperator :math:`\Phi` and the heat
observables :math:`G_r` while they fit, and otherwise returns the matrix-free map, which runs
the same operations in the real Pauli basis (:mod:`circuitheat.network.pauli`). The paper's
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
from .spec import Collision, CollisionNetwork, Interaction

__all__ = [
    "DENSE_MAX_SITES",
    "WORK",
    "LocalChannel",
    "LocalUnitary",
    "StepMap",
    "apply_step",
    "collision_observable",
    "compile_step",
    "middle_matmul",
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
_SWAP4 = np.eye(4)[[0, 2, 1, 3]]

#: Key of the work functional in :func:`apply_step`'s energies (not a valid reservoir name clash:
#: reservoir names are user strings, so the key is reserved and rejected as a reservoir name).
WORK = "__work__"


@dataclass(frozen=True)
class LocalUnitary:
    r"""A compiled :class:`Interaction`: ``tensor[a, b, a', b', c, d, c', d'] = U[ab, cd] conj(U[a'b', c'd'])``.

    ``work`` (4×4) is :math:`U^\dagger(H_i+H_j)U - (H_i+H_j)`: the work the gate does on a
    two-site state :math:`\rho_{ij}` is :math:`\mathrm{Tr}[\rho_{ij}\,w]`; the engines evaluate it as
    the change of :math:`\mathrm{Tr}[\rho(H_i+H_j)]` across the gate, with ``levels`` the diagonal of
    :math:`H_i+H_j` over the full kron basis (:math:`O(2^N)` per evaluation). ``matrix`` is U.
    """

    sites: tuple[int, int]
    tensor: NDArray
    work: NDArray
    matrix: NDArray
    levels: NDArray


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
    :math:`C_{aa'bb'} = \sum_{c,e,f} U_{(ac),(be)}\,\eta_{ef}\,U^*_{(a'c),(b'f)}`.
    """
    u4 = np.asarray(unitary).reshape(2, 2, 2, 2)
    return np.einsum("acbe,ef,gchf->agbh", u4, eta, u4.conj())


def collision_observable(unitary: NDArray, eta: NDArray, ancilla_hamiltonian: NDArray) -> NDArray[np.complex128]:
    r"""Observable :math:`g` with :math:`\mathrm{Tr}[\sigma g] = \mathrm{Tr}[A\,U(\sigma\otimes\eta)U^\dagger]`.

    For :math:`A = I\otimes H_r` (``ancilla_hamiltonian`` the 4×4 :math:`I\otimes H_r`) this is
    the ancilla's energy after the collision:
    :math:`\mathrm{Tr}[A\,U(\sigma\otimes\eta)U^\dagger] = \mathrm{Tr}[O(\sigma\otimes\eta)]`,
    :math:`O = U^\dagger A U`, so :math:`g_{ab} = \sum_{c,e} O_{(ac),(be)}\eta_{ec}`.
    """
    u = np.asarray(unitary)
    o = (u.conj().T @ ancilla_hamiltonian @ u).reshape(2, 2, 2, 2)
    return np.einsum("acbe,ec->ab", o, eta)


def compile_step(network: CollisionNetwork) -> tuple[LocalUnitary | LocalChannel, ...]:
    """Compile ``network.step`` into local operations (done once per network)."""
    ops: list[LocalUnitary | LocalChannel] = []
    eye = np.eye(2)
    for op in network.step:
        if isinstance(op, Interaction):
            u = op.matrix
            u4 = u.reshape(2, 2, 2, 2)
            i, j = op.sites
            h_pair = np.kron(network.omega[i] * _H_UNIT, eye) + np.kron(eye, network.omega[j] * _H_UNIT)
            work = u.conj().T @ h_pair @ u - h_pair
            levels = _local_levels(network.sites, {i: network.omega[i], j: network.omega[j]})
            ops.append(LocalUnitary(op.sites, np.einsum("abcd,efgh->abefcdgh", u4, u4.conj()), work, u, levels))
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
                    work=total - h_site - anc.energy * eye,
                )
            )
    return tuple(ops)


def apply_step(
    ops: tuple[LocalUnitary | LocalChannel, ...],
    sites: int,
    rho: NDArray,
    names: tuple[str, ...],
    *,
    with_work: bool = True,
) -> tuple[NDArray, dict[str, NDArray]]:
    r"""Apply one step to a batch of states, matrix-free.

    Parameters
    ----------
    ops : tuple
        :func:`compile_step` output.
    sites : int
        N.
    rho : ndarray (B, 2**N, 2**N)
        States before the step (any batch of matrices: the map is linear).
    names : tuple of str
        Reservoir names to report (every reservoir of the network).

    Returns
    -------
    rho_after : ndarray (B, 2**N, 2**N)
    energy_after : dict name -> ndarray (B,)
        Energy of that reservoir's ancillas after their collisions in this step,
        :math:`\sum_{c\in r}\mathrm{Tr}[\sigma_c g_c]` (for a non-Hermitian basis matrix, the
        linear functional's value, complex); with ``with_work``, also the key :data:`WORK`:
        the work :math:`\sum_{ops}\mathrm{Tr}[\rho_{op}\,w_{op}]` the step's gates do.
    """
    n = sites
    batch, d = rho.shape[0], 2**sites
    energy = {name: np.zeros(batch, dtype=complex) for name in names}
    work = np.zeros(batch, dtype=complex)
    for op in ops:
        if isinstance(op, LocalUnitary):
            if with_work:
                before = _diagonal_expectation(rho, op.levels)
            rho = _apply_unitary(rho, op, n)
            if with_work:
                work += _diagonal_expectation(rho, op.levels) - before
        else:
            left, right = 2**op.site, 2 ** (n - op.site - 1)
            sigma = np.einsum("xabcaec->xbe", rho.reshape(batch, left, 2, right, left, 2, right))
            energy[op.reservoir] += np.einsum("xba,ab->x", sigma, op.observable)
            if with_work:
                work += np.einsum("xba,ab->x", sigma, op.work)
            rho = _apply_channel(rho, op, n)
    if with_work:
        energy[WORK] = work
    return rho.reshape(batch, d, d), energy


def _local_levels(n: int, omegas: dict[int, float]) -> NDArray[np.float64]:
    r"""Diagonal of :math:`\sum_{i} (\omega_i/2)\sigma_z^{(i)}` over the sites in ``omegas`` (length 2**N, kron basis)."""
    levels = np.zeros((2,) * n)
    for i, w in omegas.items():
        levels = levels + 0.5 * w * np.array([1.0, -1.0]).reshape([2 if k == i else 1 for k in range(n)])
    return levels.reshape(-1)


def _diagonal_expectation(rho: NDArray, levels: NDArray) -> NDArray:
    r""":math:`\mathrm{Tr}[\rho H]` for a diagonal H given by ``levels`` (batched; linear, complex for any matrix)."""
    return np.einsum("xii,i->x", rho, levels)


#: Below this many trailing elements per block, a batched matmul over many tiny *complex*
#: blocks is slower than one strided matrix product per trailing index (measured on N = 10
#: chains); for real blocks (the Pauli basis) the batched matmul was faster at every size.
_FEW_TRAILING = 16


def middle_matmul(m: NDArray, v: NDArray) -> NDArray:
    """``m`` (k×k) applied to the middle axis of ``v`` (X, k, R): ``out[x] = m @ v[x]``, by the cheapest BLAS layout."""
    x, k, r = v.shape
    if r == 1:
        return (v.reshape(x, k) @ m.T).reshape(x, k, 1)
    if r <= _FEW_TRAILING and x > r and np.iscomplexobj(v):
        out = np.empty(v.shape, dtype=np.result_type(m, v))
        for z in range(r):
            out[:, :, z] = v[:, :, z] @ m.T
        return out
    return np.matmul(m, v)


def _apply_unitary(rho: NDArray, op: LocalUnitary, n: int) -> NDArray:
    r""":math:`\rho\mapsto U\rho U^\dagger` on sites (i, j): strided matrix products for neighbours, else a contraction."""
    batch, d = rho.shape[0], 2**n
    i, j = op.sites
    u = op.matrix
    if abs(i - j) == 1:
        if j < i:  # the same gate with its slots exchanged, on (j, i)
            u = _SWAP4 @ u @ _SWAP4
            i = j
        left, right = 2**i, 2 ** (n - i - 2)
        half = middle_matmul(u, rho.reshape(batch * left, 4, right * d))
        return middle_matmul(u.conj(), half.reshape(batch * d * left, 4, right)).reshape(batch, d, d)
    t = rho.reshape((batch,) + (2,) * (2 * n))
    axes = [1 + i, 1 + j, 1 + n + i, 1 + n + j]
    t = np.moveaxis(np.tensordot(op.tensor, t, axes=([4, 5, 6, 7], axes)), [0, 1, 2, 3, 4], [*axes, 0])
    return np.ascontiguousarray(t).reshape(batch, d, d)


def _apply_channel(rho: NDArray, op: LocalChannel, n: int) -> NDArray:
    r"""Site channel :math:`\mathcal E` on one site: its 4×4 superoperator on the site's (row, column) index pair.

    The state is viewed as ``(B, L, 2, R, L, 2, R)`` (L, R: the sites before and after), the
    two site axes are brought to the front (one strided copy), the 4×4 matrix
    :math:`C_{(aa'),(bb')}` multiplies them in one BLAS product, and the axes go back (one
    copy): three passes over the state, where the Kraus form would take eight products.
    """
    batch, d = rho.shape[0], 2**n
    left, right = 2**op.site, 2 ** (n - op.site - 1)
    t = rho.reshape(batch, left, 2, right, left, 2, right)
    front = np.ascontiguousarray(t.transpose(2, 5, 0, 1, 3, 4, 6)).reshape(4, -1)
    out = (op.tensor.reshape(4, 4) @ front).reshape(2, 2, batch, left, right, left, right)
    return np.ascontiguousarray(out.transpose(2, 3, 0, 4, 5, 1, 6)).reshape(batch, d, d)


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
        For a matrix-free map: the same operations in the real Pauli basis
        (:mod:`circuitheat.network.pauli`), which :meth:`apply`, the direct engine's
        stepping and the Krylov steady state run on.
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


def _dense_from_ops(network: CollisionNetwork, ops) -> tuple[NDArray, dict[str, NDArray]]:
    """Dense Φ (d², d²) and G_r (d, d) by applying the step to the d² basis matrices |a><b|."""
    d = network.dim
    basis = np.eye(d * d, dtype=complex).reshape(d * d, d, d)
    after, energy = apply_step(ops, network.sites, basis, network.reservoir_names)
    superop = np.ascontiguousarray(after.reshape(d * d, d * d).T)
    # Tr[|a><b| G] = G[b, a]: the functional's value on basis element (a, b) is G^T[a, b].
    observables = {name: np.ascontiguousarray(e.reshape(d, d).T) for name, e in energy.items()}
    return superop, observables


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
    if dense is None:
        dense = system.sites <= DENSE_MAX_SITES
    # A network is frozen: its step map is built once and kept on it (read-only arrays).
    cache = system.__dict__.setdefault("_step_maps", {})
    if dense not in cache:
        cache[dense] = _build(system, dense)
    return cache[dense]


def _build(system: CollisionNetwork, dense: bool) -> StepMap:
    """Compile ``system``'s step; with ``dense``, also its superoperator and observables."""
    ops = compile_step(system)
    energies = {name: 0.0 for name in system.reservoir_names}
    for op in ops:
        if isinstance(op, LocalChannel):
            energies[op.reservoir] += op.energy_before
    if not dense:
        from .pauli import pauli_step

        pauli = pauli_step(ops, system.sites, system.reservoir_names, system.omega)
        return StepMap(system.sites, system.reservoir_names, None, None, energies, system.hamiltonian(), None, ops, pauli)
    d2 = system.dim**2
    check_memory(f"dense step map of sites={system.sites}", 3 * 16 * d2 * d2)
    superop, observables = _dense_from_ops(system, ops)
    work = observables.pop(WORK)
    for array in (superop, work, *observables.values()):
        array.setflags(write=False)
    return StepMap(system.sites, system.reservoir_names, superop, observables, energies, system.hamiltonian(), work, ops)
