r"""The one-collision map :math:`\Phi` on the system and the heat observables.

Because every collision meets a fresh ancilla pair (Sec. II), one collision is a fixed
linear CPTP map on the 4×4 system state,

.. math::
    \rho^S_{n+1} = \Phi[\rho^S_n]
        = \mathrm{Tr}_{R^h R^c}\big[\hat U(\rho^S_n\otimes\eta^h\otimes\eta^c)\hat U^\dagger\big],
    \qquad \hat U = U_{S_B R^c}(\gamma)\,U_{S_A R^h}(\gamma)\,V_{S_A S_B}(\delta)
    \quad\text{(Eq. 8)}.

The ancillas are in a product state and each meets one system qubit only, so the
partial trace factorises:

.. math::
    \Phi = (\mathrm{id}_A\otimes\mathcal E_c)\circ(\mathcal E_h\otimes\mathrm{id}_B)\circ\Psi_V,
    \qquad \mathcal E_{h}[\sigma] = \mathrm{Tr}_{R}\big[U(\gamma)(\sigma\otimes\eta^{h})U(\gamma)^\dagger\big],

with :math:`\Psi_V[\rho] = V\rho V^\dagger` (Eq. 7) and :math:`\mathcal E_{h,c}` single-qubit
channels (4×4 superoperators). Likewise the energy of each ancilla after its collision is
linear in the state :math:`\rho' = V\rho V^\dagger` of its own system qubit,
:math:`\mathrm{Tr}[H\tilde\eta^h] = \mathrm{Tr}[\rho'_A g_h]`, so the heat currents (Eqs. 10–11)
are affine in :math:`\rho^S_n`: :math:`J_h = \mathrm{Tr}[\rho^S_n G_h] - \mathrm{Tr}[H\eta^h]`
with :math:`G_h = V^\dagger(g_h\otimes I)V`.

Superoperators act on the row-major vectorisation ``rho.reshape(-1)``, for which
:math:`\mathrm{vec}(A\rho B) = (A\otimes B^T)\,\mathrm{vec}\,\rho`. Everything broadcasts over
leading axes, so a parameter grid is one batched computation, and nothing larger than
16×16 is ever formed per parameter point.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .network.gates import partial_swap_matrix as partial_swap
from .network.step import StepMap

__all__ = ["Channel", "ancilla_pair_state", "collision_unitary", "partial_swap", "qubit_collision"]

_SWAP = np.eye(4)[[0, 2, 1, 3]]
_SIGMA_Z_HALF = np.diag([0.5, -0.5])
#: Diagonal of H_S / omega in the basis |S_A S_B> (|0> excited): 1, 0, 0, -1.
_SYSTEM_ENERGY_LEVELS = np.array([1.0, 0.0, 0.0, -1.0])
_ZERO_WORK = np.zeros((4, 4))
_ZERO_WORK.setflags(write=False)


def _swap_on(n_qubits: int, i: int, j: int) -> NDArray[np.float64]:
    """Permutation matrix swapping qubits i and j of ``n_qubits`` (qubit 0 = leftmost)."""
    dim = 2**n_qubits
    out = np.zeros((dim, dim))
    for k in range(dim):
        bits = [(k >> (n_qubits - 1 - q)) & 1 for q in range(n_qubits)]
        bits[i], bits[j] = bits[j], bits[i]
        out[int("".join(map(str, bits)), 2), k] = 1.0
    return out


@cache
def _unitary_basis() -> tuple[NDArray, NDArray]:
    """Fixed 16×16 matrices M_k and index table for U = sum_k c_k(gamma, delta) M_k."""
    eye = np.eye(16)
    s_ab, s_ah, s_bc = _swap_on(4, 0, 1), _swap_on(4, 0, 2), _swap_on(4, 1, 3)
    left = [eye, s_ah, s_bc, s_bc @ s_ah]  # products from the two U(gamma) factors
    right = [eye, s_ab]  # from V(delta)
    mats = np.array([lft @ rgt for lft in left for rgt in right])
    return mats, np.array([(i, j) for i in range(4) for j in range(2)])


def collision_unitary(gamma: ArrayLike, delta: ArrayLike) -> NDArray[np.complex128]:
    r"""The 16×16 unitary :math:`\hat U = U_{S_BR^c}(\gamma)U_{S_AR^h}(\gamma)V_{S_AS_B}(\delta)` of Eq. (8).

    Qubit order (S_A, S_B, R^h, R^c), S_A the leftmost (most significant) factor.
    Broadcasts over ``gamma`` and ``delta`` (rad); returns shape (..., 16, 16). The
    engines do not need it (they use the factorised map); it serves cross-checks and
    the entropy bookkeeping, which needs the joint state of system and ancillas.
    """
    g = np.asarray(gamma, dtype=float)
    d = np.asarray(delta, dtype=float)
    cg, sg, cd, sd = np.cos(g), 1j * np.sin(g), np.cos(d), 1j * np.sin(d)
    cg, sg, cd, sd = np.broadcast_arrays(cg, sg, cd, sd)
    # (cg I + sg S_bc)(cg I + sg S_ah) = cg^2 I + cg sg S_ah + sg cg S_bc + sg^2 S_bc S_ah
    left = np.stack([cg * cg, cg * sg, sg * cg, sg * sg], axis=-1)
    right = np.stack([cd + 0j, sd], axis=-1)
    mats, index = _unitary_basis()
    coef = left[..., index[:, 0]] * right[..., index[:, 1]]
    return np.einsum("...k,kij->...ij", coef, mats)


def ancilla_pair_state(eta_hot: NDArray, eta_cold: NDArray) -> NDArray:
    r""":math:`\eta^h\otimes\eta^c`, batched, shape (..., 4, 4), basis :math:`|R^h R^c\rangle`."""
    out = np.einsum("...ab,...cd->...acbd", eta_hot, eta_cold)
    return out.reshape((*out.shape[:-4], 4, 4))


def qubit_collision(gamma: ArrayLike, eta: NDArray, omega: ArrayLike = 1.0) -> tuple[NDArray, NDArray]:
    r"""Single-qubit channel and ancilla-energy observable of one system–ancilla collision.

    With :math:`U(\gamma) = c\,I + i s\,\mathrm{SWAP}` (Eq. 3, :math:`c = \cos\gamma`,
    :math:`s = \sin\gamma`) and the partial-trace identities
    :math:`\mathrm{Tr}_2[\mathrm{SWAP}(A\otimes B)] = BA`,
    :math:`\mathrm{Tr}_2[(A\otimes B)\mathrm{SWAP}] = AB` (and their mirror images for
    :math:`\mathrm{Tr}_1`):

    .. math::
        \mathcal E[\sigma] = \mathrm{Tr}_R\big[U(\sigma\otimes\eta)U^\dagger\big]
            = c^2\sigma + s^2\,\mathrm{Tr}[\sigma]\,\eta + i c s\,[\eta, \sigma],

        \mathrm{Tr}\big[H\,\mathrm{Tr}_S[U(\sigma\otimes\eta)U^\dagger]\big] = \mathrm{Tr}[\sigma g],\qquad
        g = c^2\,\mathrm{Tr}[H\eta]\,I + s^2 H + i c s\,[\eta, H],

    with :math:`H = (\omega/2)\sigma_z` on the ancilla. Apart from the terms
    :math:`c^2\sigma` and :math:`s^2 H`, both are linear in ``eta``; for a derivative
    :math:`\partial\eta` those two terms drop out (:meth:`Channel.derivative`).

    Parameters
    ----------
    gamma : array_like
        Interaction strength (rad).
    eta : ndarray (..., 2, 2)
        Ancilla state (..., 2, 2).
    omega : array_like
        Level splitting of the ancilla.

    Returns
    -------
    superop : ndarray (..., 4, 4)
        :math:`\mathcal E` on row-major vec of 2×2 matrices:
        :math:`c^2 I_4 + s^2\,\mathrm{vec}(\eta)\mathrm{vec}(I)^T + i c s(\eta\otimes I - I\otimes\eta^T)`.
    observable : ndarray (..., 2, 2)
        :math:`g`.
    """
    return _qubit_collision(gamma, eta, omega, affine=True)


def _qubit_collision(gamma: ArrayLike, eta: NDArray, omega: ArrayLike, *, affine: bool) -> tuple[NDArray, NDArray]:
    """:func:`qubit_collision`; with ``affine=False`` only the parts linear in ``eta`` (for derivatives)."""
    g = np.asarray(gamma, dtype=float)[..., None, None]
    c2, s2, cs = np.cos(g) ** 2, np.sin(g) ** 2, np.cos(g) * np.sin(g)
    eye2 = np.eye(2)
    vec_eta = eta.reshape((*eta.shape[:-2], 4))
    commutator = np.einsum("...ik,jl->...ijkl", eta, eye2) - np.einsum("ik,...lj->...ijkl", eye2, eta)
    superop = s2 * vec_eta[..., :, None] * eye2.reshape(4) + 1j * cs * commutator.reshape((*eta.shape[:-2], 4, 4))
    h = _SIGMA_Z_HALF
    energy = np.einsum("...ii,i->...", eta, h.diagonal())[..., None, None]
    observable = c2 * energy * eye2 + 1j * cs * (eta @ h - h @ eta)
    if affine:
        superop = superop + c2 * np.eye(4)
        observable = observable + s2 * h
    return superop, np.asarray(omega, dtype=float)[..., None, None] * observable


def _local_product(hot: NDArray, cold: NDArray) -> NDArray:
    r""":math:`\mathcal E_h\otimes\mathcal E_c` on the two-qubit row-major vec (16×16), batched.

    :math:`K_{(a b a' b'),(c d c' d')} = E^h_{(a a'),(c c')}\,E^c_{(b b'),(d d')}`: the two
    local channels act on different qubits and commute.
    """
    eh = hot.reshape((*hot.shape[:-2], 2, 2, 2, 2))  # [a, a', c, c']
    ec = cold.reshape((*cold.shape[:-2], 2, 2, 2, 2))  # [b, b', d, d']
    out = eh[..., :, None, :, None, :, None, :, None] * ec[..., None, :, None, :, None, :, None, :]
    return out.reshape((*out.shape[:-8], 16, 16))


def _matmul(a: NDArray, b: NDArray) -> NDArray:
    """Batched matmul that materialises broadcast stacks first (numpy's matmul falls back to a
    slow non-BLAS loop on zero-stride broadcast operands)."""
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.ascontiguousarray(np.broadcast_to(a, (*shape, *a.shape[-2:])))
    b = np.ascontiguousarray(np.broadcast_to(b, (*shape, *b.shape[-2:])))
    return a @ b


def _conjugation(v: NDArray) -> NDArray:
    """Superoperator of rho -> V rho V^dagger on row-major vec: V kron conj(V)."""
    out = np.einsum("...ik,...jl->...ijkl", v, v.conj())
    return out.reshape((*v.shape[:-2], 16, 16))


class Channel(StepMap):
    r"""The paper model's step map (Eq. 8) in factorised closed form: one parameter set, or a broadcast batch.

    The fast path of :func:`circuitheat.network.step_map` for a
    :class:`~circuitheat.CollisionModel`: a :class:`~circuitheat.network.StepMap` with reservoirs
    ``("hot", "cold")`` on sites (S_A, S_B) = (0, 1), equal to the generic step map of
    :attr:`CollisionModel.network <circuitheat.CollisionModel.network>` (tested to 1e-15), but
    built from 4×4 single-qubit channels so that parameter grids broadcast.

    Parameters
    ----------
    gamma, delta : array_like
        Interaction strengths (rad), Eqs. (3), (5).
    eta_hot, eta_cold : ndarray (..., 2, 2)
        Ancilla states :math:`\eta^h, \eta^c` (Eq. 12).
    omega : array_like
        Level splitting.

    Attributes
    ----------
    superoperator : ndarray (..., 16, 16)
        :math:`\Phi = (\mathrm{id}\otimes\mathcal E_c)(\mathcal E_h\otimes\mathrm{id})\Psi_V` on row-major vec(:math:`\rho_S`).
    heat_observable_hot, heat_observable_cold : ndarray (..., 4, 4)
        :math:`G_h, G_c`: the ancilla energies after the collision are :math:`\mathrm{Tr}[\rho_S G]`.
    energy_hot, energy_cold : ndarray (...)
        Ancilla energies before the collision, :math:`\mathrm{Tr}[H\eta]`.

    The heat currents of a collision starting from :math:`\rho_S` are
    :math:`J_{h,c} = \mathrm{Tr}[\rho_S G_{h,c}] - \mathrm{Tr}[H\eta^{h,c}]` (Eqs. 10–11).
    """

    def __init__(self, gamma: ArrayLike, delta: ArrayLike, eta_hot: NDArray, eta_cold: NDArray, omega: ArrayLike = 1.0):
        self.gamma = np.asarray(gamma, dtype=float)
        self.omega = np.asarray(omega, dtype=float)
        self.eta_hot = np.asarray(eta_hot)
        self.eta_cold = np.asarray(eta_cold)
        self.v = partial_swap(delta)
        self.v_superop = _conjugation(self.v)
        self.hot_superop, g_hot = qubit_collision(self.gamma, self.eta_hot, self.omega)
        self.cold_superop, g_cold = qubit_collision(self.gamma, self.eta_cold, self.omega)
        self.superoperator = _matmul(_local_product(self.hot_superop, self.cold_superop), self.v_superop)
        self.heat_observable_hot = self._heisenberg(_kron_a(g_hot))
        self.heat_observable_cold = self._heisenberg(_kron_b(g_cold))
        h = _SIGMA_Z_HALF.diagonal()
        self.energy_hot = self.omega * np.einsum("...ii,i->...", self.eta_hot, h).real
        self.energy_cold = self.omega * np.einsum("...ii,i->...", self.eta_cold, h).real
        super().__init__(
            sites=2,
            names=("hot", "cold"),
            superoperator=self.superoperator,
            heat_observables={"hot": self.heat_observable_hot, "cold": self.heat_observable_cold},
            ancilla_energies={"hot": self.energy_hot, "cold": self.energy_cold},
            hamiltonian=self.omega[..., None] * _SYSTEM_ENERGY_LEVELS,
            # resonant partial swaps conserve the local energies: no work (Sec. II)
            work_observable=_ZERO_WORK,
        )

    def _heisenberg(self, observable: NDArray) -> NDArray:
        r""":math:`V^\dagger O V`: an observable measured after V, pulled back to before the collision."""
        return _matmul(_matmul(np.swapaxes(self.v.conj(), -1, -2), observable), self.v)

    @classmethod
    def from_model(cls, model) -> Channel:
        """The channel of a :class:`~circuitheat.model.CollisionModel`."""
        return cls(model.gamma, model.delta, model.hot.state, model.cold.state, model.omega)

    def heat_currents(self, rho: NDArray) -> tuple[NDArray, NDArray]:
        """:math:`(J_h, J_c)` of the collision that starts from ``rho`` (..., 4, 4) (Eqs. 10–11)."""
        return _trace_product(rho, self.heat_observable_hot) - self.energy_hot, (
            _trace_product(rho, self.heat_observable_cold) - self.energy_cold
        )

    def derivative(self, d_eta_hot: NDArray, d_eta_cold: NDArray) -> tuple[NDArray, NDArray, NDArray]:
        r"""Directional derivative for a change :math:`(\partial\eta^h, \partial\eta^c)` of the ancilla states.

        :math:`\Phi` is linear in each of :math:`\eta^h, \eta^c` (product rule):
        :math:`\partial\Phi = (\mathrm{id}\otimes\mathcal E_c[\partial\eta^c])(\mathcal E_h\otimes\mathrm{id})\Psi_V
        + (\mathrm{id}\otimes\mathcal E_c)(\mathcal E_h[\partial\eta^h]\otimes\mathrm{id})\Psi_V`.

        Returns
        -------
        (d_superoperator, d_heat_observable_hot, d_energy_hot)
        """
        d_hot, d_g_hot = _qubit_collision(self.gamma, d_eta_hot, self.omega, affine=False)
        d_cold, _ = _qubit_collision(self.gamma, d_eta_cold, self.omega, affine=False)
        d_local = _local_product(self.hot_superop, d_cold) + _local_product(d_hot, self.cold_superop)
        d_phi = _matmul(d_local, self.v_superop)
        d_energy_hot = self.omega * np.einsum("...ii,i->...", d_eta_hot, _SIGMA_Z_HALF.diagonal()).real
        return d_phi, self._heisenberg(_kron_a(d_g_hot)), d_energy_hot


def _trace_product(rho: NDArray, observable: NDArray) -> NDArray:
    r""":math:`\mathrm{Re\,Tr}[\rho O]` for batched 4×4 matrices, as a matrix-vector product (BLAS)."""
    o_t = np.swapaxes(observable, -1, -2)
    if o_t.ndim == 2:
        return (rho.reshape((*rho.shape[:-2], 16)) @ o_t.reshape(16)).real
    return np.einsum("...ij,...ij->...", rho, o_t).real


def _kron_a(g: NDArray) -> NDArray:
    r""":math:`g\otimes I` (observable on qubit A), batched."""
    out = np.einsum("...ij,kl->...ikjl", g, np.eye(2))
    return out.reshape((*g.shape[:-2], 4, 4))


def _kron_b(g: NDArray) -> NDArray:
    r""":math:`I\otimes g` (observable on qubit B), batched."""
    out = np.einsum("ij,...kl->...ikjl", np.eye(2), g)
    return out.reshape((*g.shape[:-2], 4, 4))
