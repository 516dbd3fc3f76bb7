r"""Outcome-resolved step maps: the measured ancilla energies split one step into branches.

What is measured
----------------
Right after its collision, each ancilla is measured in its energy eigenbasis (:math:`\sigma_z`;
outcome :math:`e = 0` is :math:`|0\rangle`, the excited level, energy :math:`+\omega_r/2`;
:math:`e = 1` the ground level, :math:`-\omega_r/2`). This is an **end-point** measurement:
the ancilla is *not* measured before its collision, since that would dephase it and erase the
coherence :math:`p\,\rho_{non}` of Eq. (13) that drives the reversal of the current. The
counted heat is

.. math::
    Q_r(n) = \sum_{k=1}^{n}\sum_{c\in r}\big(E_{e_{c,k}} - \mathrm{Tr}[H_r\eta_r]\big),

whose mean is :math:`\sum_k J_r(k)` (Eqs. 10–11): positive = energy into reservoir r.

Branches of one collision
-------------------------
With :math:`\Pi_e = |e\rangle\langle e|` on the ancilla, a collision :math:`U` of site i with
a fresh ancilla :math:`\eta` splits into the CP maps

.. math::
    \mathcal E_e[\sigma] = \mathrm{Tr}_R\big[(I\otimes\Pi_e)\,U(\sigma\otimes\eta)U^\dagger\big],
    \qquad \sum_e \mathcal E_e = \mathcal E \quad(\text{:func:`~circuitheat.network.step.site_channel`}),

(:func:`site_branch_channels`). Composing the step's compiled operations
(:func:`circuitheat.network.step.compile_step`, applied one at a time in the Pauli basis as
:mod:`circuitheat.network.pauli` applies the step, so the order and the gates are the step's own)
with each collision's channel replaced by its branches, and collecting the branches by the
number of excited outcomes of each reservoir, gives the **count-resolved step maps**
:math:`\Phi_{\mathbf k}` with :math:`\Phi = \sum_{\mathbf k}\Phi_{\mathbf k}`. Reservoir r's
counted heat in one step is affine in its count, :math:`q_r(k_r) = s_r k_r + o_r`
(:attr:`CountingMap.spacing`, :attr:`CountingMap.offset`), so the tilted map of Sec. II's
step with counting fields :math:`\chi_r` is

.. math::
    \Phi_\chi = \sum_{\mathbf k} e^{\sum_r\chi_r q_r(k_r)}\,\Phi_{\mathbf k},
    \qquad M_n(\chi) = E\big[e^{\chi\cdot Q(n)}\big] = \mathrm{Tr}\big[\Phi_\chi^n\rho_0\big],

and every derivative in :math:`\chi` is an exact combination of the :math:`\Phi_{\mathbf k}`.

For comparison, ``measurement="two_point"`` also measures each ancilla *before* its collision
(outcome :math:`e_0`, ancilla :math:`\Pi_{e_0}\eta\Pi_{e_0}`) and counts
:math:`E_{e_1} - E_{e_0}`: the usual two-point scheme, which dephases the ancilla, so its mean
current is that of the thermal reservoirs with the same diagonal (tested).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import CollisionModel
from ..network.pauli import pauli_operation, superoperator_from_pauli
from ..network.spec import CollisionNetwork, check_network
from ..network.step import LocalChannel, compile_step
from ..resources import check_memory
from ..threads import single_blas_thread
from ..trajectory import frozen_array
from ..validation import InputTypeError, InputValueError, check_choice

__all__ = [
    "MEASUREMENTS",
    "CountingMap",
    "counting_map",
    "noisy_counting_map",
    "site_branch_channels",
]

#: Measurement schemes of the ancillas (module docstring); "end_point" is what the device does.
MEASUREMENTS = ("end_point", "two_point")

#: Largest trace defect :math:`\max|1-\mathrm{Tr}\,\Phi[\rho]|` for which a counting map is
#: treated as trace preserving (exact channels: ~1e-16; Aer's device noise: ~1e-9, see
#: :attr:`circuitheat.hardware.NoisyCollisionMap.trace_defect`).
TRACE_PRESERVING_TOLERANCE = 1e-12


def site_branch_channels(unitary: ArrayLike, eta: ArrayLike) -> NDArray[np.complex128]:
    r"""Channel tensors ``C[e, a, a', b, b']`` of the two outcomes of the ancilla's energy measurement.

    :math:`\mathcal E_e[\sigma] = \mathrm{Tr}_R[(I\otimes\Pi_e)U(\sigma\otimes\eta)U^\dagger]`,
    :math:`C^{(e)}_{aa'bb'} = \sum_{f,f'} U_{(ae),(bf)}\,\eta_{ff'}\,U^*_{(a'e),(b'f')}` -- the
    summand of :func:`circuitheat.network.step.site_channel` with the ancilla's output index
    fixed to e (``C.sum(0)`` is that channel).

    Parameters
    ----------
    unitary : array_like (4, 4)
        The collision in the kron basis |site, ancilla> (site most significant).
    eta : array_like (2, 2)
        Ancilla state (or any 2×2 matrix: the map is linear in it), basis {|0>, |1>}.

    Returns
    -------
    ndarray (2, 2, 2, 2, 2)
        Index 0: outcome e (0 = excited, energy +omega/2; 1 = ground); then out row, out
        column, in row, in column of the site, as :class:`~circuitheat.network.step.LocalChannel`.
    """
    u4 = np.asarray(unitary, dtype=complex).reshape(2, 2, 2, 2)
    return np.einsum("acbe,ef,gchf->cagbh", u4, np.asarray(eta, dtype=complex), u4.conj())


@dataclass(frozen=True)
class CountingMap:
    r"""Count-resolved step maps :math:`\Phi_{\mathbf k}` and the heat each count means (module docstring).

    Attributes
    ----------
    names : tuple of str
        Counted reservoirs, one axis of :attr:`maps` each.
    maps : ndarray (K_1, ..., K_R, d², d²)
        :math:`\Phi_{\mathbf k}` on row-major vec(ρ): the unnormalised system state after one
        step in which reservoir r's outcomes had count :math:`k_r`.
    spacing, offset : tuple of float
        Reservoir r's counted heat in one step is :math:`q_r = \text{spacing}_r\,k_r + \text{offset}_r`
        (energy units), k_r the index along its axis.
    initial_state : ndarray (d, d)
        Default initial system state (all sites ground, as :func:`circuitheat.simulate`; for a
        device map, the state its preparation makes).
    measurement : str
        How the maps were made: ``"end_point"``, ``"two_point"`` or ``"device"``.
    network : CollisionNetwork or None
        The network the maps were built from (None for a device map).
    ops : tuple or None
        Its compiled step (:func:`~circuitheat.network.step.compile_step`), kept for
        :mod:`.production` (None for a device map).
    """

    names: tuple[str, ...]
    maps: NDArray = field(repr=False)
    spacing: tuple[float, ...]
    offset: tuple[float, ...]
    initial_state: NDArray = field(repr=False)
    measurement: str
    network: CollisionNetwork | None = field(default=None, repr=False)
    ops: tuple | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("maps", "initial_state"):
            object.__setattr__(self, name, frozen_array(np.asarray(getattr(self, name), dtype=complex)))

    @property
    def dim(self) -> int:
        """System dimension d."""
        return int(self.initial_state.shape[-1])

    @property
    def superoperator(self) -> NDArray[np.complex128]:
        r""":math:`\Phi = \sum_{\mathbf k}\Phi_{\mathbf k}`, the unconditioned step map (d², d²)."""
        return self.maps.sum(axis=tuple(range(len(self.names))))

    @property
    def trace_defect(self) -> float:
        r""":math:`\max_\rho|1-\mathrm{Tr}\,\Phi[\rho]|` over states (0 up to rounding for an exact channel)."""
        d = self.dim
        row = np.eye(d).reshape(d * d) @ self.superoperator - np.eye(d).reshape(d * d)
        return float(np.linalg.svd(row.reshape(d, d), compute_uv=False).max())

    def heat_values(self, name: str) -> NDArray[np.float64]:
        """Heat :math:`q_r(k)` counted in one step for each index k of reservoir ``name``'s axis."""
        r = self.names.index(check_choice("reservoir", name, self.names))
        return self._heat_grid(r).reshape(-1)

    def marginal(self, names: tuple[str, ...]) -> CountingMap:
        """The counting map of the reservoirs ``names`` only (the others' counts summed over)."""
        for name in names:
            check_choice("reservoir", name, self.names)
        if len(set(names)) != len(names):
            raise InputValueError(f"reservoirs must be distinct, got {names!r}")
        idx = [self.names.index(n) for n in names]
        rest = tuple(i for i in range(len(self.names)) if i not in idx)
        summed = self.maps.sum(axis=rest) if rest else self.maps
        # remaining axes are in increasing original order; put them in the requested order
        order = sorted(idx)
        perm = [order.index(i) for i in idx] + [len(idx), len(idx) + 1]
        return replace(
            self,
            names=tuple(names),
            maps=np.transpose(summed, perm),
            spacing=tuple(self.spacing[i] for i in idx),
            offset=tuple(self.offset[i] for i in idx),
        )

    def _heat_grid(self, r: int, center: float = 0.0) -> NDArray[np.float64]:
        """:math:`q_r(k) - c` broadcast along reservoir r's axis of the count grid."""
        q = self.spacing[r] * np.arange(self.maps.shape[r]) + self.offset[r] - center
        shape = [1] * len(self.names)
        shape[r] = -1
        return q.reshape(shape)

    def moment_maps(self, alpha: tuple[int, ...], center: ArrayLike | None = None) -> NDArray[np.complex128]:
        r"""Derivative maps (d², d²) :math:`\partial_\chi^\alpha\Phi_\chi|_0 = \sum_k\prod_r(q_r - c_r)^{\alpha_r}\Phi_k`.

        ``center`` :math:`c_r` (energy per step, default 0) shifts the counted heat,
        :math:`Q_r \to Q_r - n c_r`, which leaves every cumulant but the first unchanged.
        """
        c = np.zeros(len(self.names)) if center is None else np.asarray(center, dtype=float)
        weight = np.ones(self.maps.shape[: len(self.names)])
        for r, a in enumerate(alpha):
            weight = weight * self._heat_grid(r, c[r]) ** a
        return np.tensordot(weight, self.maps, axes=len(self.names))

    def tilted(self, chi: ArrayLike) -> NDArray[np.complex128]:
        r"""The tilted map :math:`\Phi_\chi = \sum_{\mathbf k}e^{\chi\cdot q(\mathbf k)}\Phi_{\mathbf k}` (d², d²).

        ``chi`` has one real counting field per counted reservoir (a scalar for one), 1/energy.
        """
        chi = np.atleast_1d(np.asarray(chi, dtype=float))
        if chi.shape != (len(self.names),):
            raise InputValueError(f"chi must have one counting field per reservoir {self.names}, got shape {chi.shape}")
        exponent = sum(chi[r] * self._heat_grid(r) for r in range(len(self.names)))
        return np.tensordot(np.exp(exponent), self.maps, axes=len(self.names))


def _collision_branches(collision, eta: NDArray, measurement: str) -> list[tuple[NDArray, int]]:
    """(channel tensor, count increment) of each outcome of one collision."""
    if measurement == "end_point":
        tensors = site_branch_channels(collision.matrix, eta)
        return [(tensors[0], 1), (tensors[1], 0)]  # count = number of excited outcomes
    out = []
    for e0 in (0, 1):  # pre-measurement: the ancilla is Pi_e0 eta Pi_e0 (unnormalised)
        pre = np.zeros((2, 2), dtype=complex)
        pre[e0, e0] = eta[e0, e0]
        tensors = site_branch_channels(collision.matrix, pre)
        for e1 in (0, 1):
            out.append((tensors[e1], (1 - e1) - (1 - e0)))
    return out


def _system_network(system) -> CollisionNetwork:
    return system.network if isinstance(system, CollisionModel) else system


#: Count-resolved maps of this many recent (system, measurement) pairs are kept: building one
#: compiles the step (~5 ms for the paper's model), a second statistic of the same system is free.
CACHE_SIZE = 64


@single_blas_thread
def counting_map(system, measurement: str = "end_point") -> CountingMap:
    r"""Count-resolved step maps of a :class:`~circuitheat.CollisionModel` or :class:`~circuitheat.CollisionNetwork`.

    Built from the network's compiled step (:func:`~circuitheat.network.step.compile_step`;
    a paper model through :attr:`CollisionModel.network <circuitheat.CollisionModel.network>`),
    applied one operation at a time in the Pauli basis to the :math:`4^N` basis vectors -- as
    the step's own dense map is made -- with each collision's channel replaced by its outcome
    branches (:func:`site_branch_channels`).

    Parameters
    ----------
    system : CollisionModel or CollisionNetwork
    measurement : {"end_point", "two_point"}
        See the module docstring; the device measures end points.

    Returns
    -------
    CountingMap
        One axis per reservoir of the network. End point: index = number of that step's
        collisions of r whose ancilla was found excited; :math:`q_r = \omega_r(k - c_r/2) -
        c_r\mathrm{Tr}[H_r\eta_r]` for :math:`c_r` collisions of r per step. Two point: index
        :math:`k = j + c_r` for the change j of the number of excited ancillas, :math:`q_r = \omega_r j`.
    """
    measurement = check_choice("measurement", measurement, MEASUREMENTS)
    if isinstance(system, CollisionModel):
        return _counting_map(system, measurement, ())
    check_network(system, "system")
    # CollisionNetwork hashes its reservoir *names* only; the states make the cache key distinct
    return _counting_map(system, measurement, tuple(system.reservoirs.items()))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _counting_map(system, measurement: str, fingerprint: tuple) -> CountingMap:
    """:func:`counting_map` of a validated system (frozen and hashable, so the result is cached; it is read-only)."""
    network = _system_network(system)
    ops = compile_step(network)
    names = network.reservoir_names
    ancillas = {r: network.ancilla(r) for r in names}  # built and validated once each
    n, d = network.sites, network.dim
    n_coll = {r: sum(1 for c in network.collisions if c.reservoir == r) for r in names}
    low = {r: -n_coll[r] if measurement == "two_point" else 0 for r in names}
    sizes = tuple((2 if measurement == "two_point" else 1) * n_coll[r] + 1 for r in names)
    check_memory(f"count-resolved step maps of sites={n}", 4 * 16 * int(np.prod(sizes)) * d**4)
    # rows: the images of the 4^N Pauli basis vectors, one block per count (real: every branch
    # is completely positive, so Hermiticity preserving, and its PTM is real)
    size = 4**n
    state = np.zeros((*sizes, size, size))
    state[tuple(-low[r] for r in names)] = np.eye(size)
    for op, item in zip(ops, network.step, strict=True):
        flat = state.reshape(-1, size)
        if not isinstance(op, LocalChannel):
            state = pauli_operation(op).apply(flat, n).reshape(state.shape)
            continue
        axis = names.index(op.reservoir)
        new = np.zeros_like(state)
        for tensor, increment in _collision_branches(item, ancillas[op.reservoir].state, measurement):
            moved = pauli_operation(op, tensor).apply(flat, n).reshape(state.shape)
            src = [slice(None)] * state.ndim
            dst = [slice(None)] * state.ndim
            count = sizes[axis]
            src[axis] = slice(max(0, -increment), count - max(0, increment))
            dst[axis] = slice(max(0, increment), count - max(0, -increment))
            new[tuple(dst)] += moved[tuple(src)]
        state = new
    # row q of each block is R_k e_q: the PTM is its transpose, then the superoperator on vec(rho)
    maps = superoperator_from_pauli(np.swapaxes(state, -1, -2))
    spacing, offset = [], []
    for r in names:
        anc = ancillas[r]
        c = n_coll[r]
        spacing.append(anc.omega)
        offset.append(-c * anc.omega if measurement == "two_point" else -c * (0.5 * anc.omega + anc.energy))
    rho0 = np.zeros((d, d), dtype=complex)
    rho0[-1, -1] = 1.0  # all sites ground ("1" * N)
    return CountingMap(
        names=names,
        maps=maps,
        spacing=tuple(spacing),
        offset=tuple(offset),
        initial_state=rho0,
        measurement=measurement,
        network=network,
        ops=ops,
    )


@single_blas_thread
def noisy_counting_map(noisy_map, *, mitigated: bool = False) -> CountingMap:
    r"""The counting map of a device's noisy collision (:class:`~circuitheat.hardware.NoisyCollisionMap`).

    The device's instruments :math:`B_{r_hr_c}` (system map conditioned on the *recorded*
    bits, gate errors, relaxation and readout errors included) are the branches; a recorded
    bit r of reservoir x counts :math:`f_x(r)` (:meth:`~circuitheat.hardware.NoisyCollisionMap.shot_values`,
    raw or readout-mitigated), i.e. :math:`q_x = f_x(0) + r\,(f_x(1) - f_x(0))`. The same
    tilting as for the ideal map then gives the statistics of the per-shot cumulative heats a
    device records.
    """
    from ..hardware.noise_map import NoisyCollisionMap

    if not isinstance(noisy_map, NoisyCollisionMap):
        raise InputTypeError(f"noisy_map must be a NoisyCollisionMap, got {type(noisy_map).__name__}")
    f = {name: noisy_map.shot_values(name, mitigated=bool(mitigated)) for name in ("hot", "cold")}
    return CountingMap(
        names=("hot", "cold"),
        maps=np.asarray(noisy_map.instruments),  # (r_h, r_c, 16, 16)
        spacing=tuple(float(f[x][1] - f[x][0]) for x in ("hot", "cold")),
        offset=tuple(float(f[x][0]) for x in ("hot", "cold")),
        initial_state=np.asarray(noisy_map.initial_state),
        measurement="device",
    )
