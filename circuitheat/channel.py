r"""The one-collision map :math:`\Phi` on the system and the heat observables.

Because every collision meets a fresh ancilla pair (Sec. II), one collision is a fixed
linear CPTP map on the 4×4 system state,

.. math::
    \rho^S_{n+1} = \Phi[\rho^S_n]
        = \mathrm{Tr}_{R^h R^c}\big[\hat U(\rho^S_n\otimes\eta^h\otimes\eta^c)\hat U^\dagger\big],
    \qquad \hat U = U_{S_B R^c}(\gamma)\,U_{S_A R^h}(\gamma)\,V_{S_A S_B}(\delta)
    \quad\text{(Eq. 8)},

a 16×16 matrix acting on the row-major vectorisation ``rho.reshape(16)``. The energy
of each ancilla after its collision is linear in :math:`\rho^S_n`:
:math:`\mathrm{Tr}[H\tilde\eta^h] = \mathrm{Tr}[\rho^S_n G_h]`, with the 4×4 Hermitian
observable :math:`G_h = \mathrm{Tr}_{anc}[\sqrt\eta\,\hat U^\dagger H_{R^h}\hat U\sqrt\eta]`.
So the heat currents (Eqs. 10–11) are affine in the system state.

Everything here broadcasts over leading axes, so a parameter grid is one batched call.
Four-qubit ordering used internally: ``(S_A, S_B, R^h, R^c)``, left factor most significant.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .states import qubit_hamiltonian

__all__ = [
    "Channel",
    "ancilla_pair_state",
    "collision_kernel",
    "collision_unitary",
    "heat_observables",
    "heisenberg_energies",
    "one_collision_map",
    "partial_swap",
]


def partial_swap(theta: float) -> NDArray[np.complex128]:
    r"""Two-qubit :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP} = e^{i\theta\,\mathrm{SWAP}}` (Eqs. 3–5)."""
    swap = np.eye(4)[[0, 2, 1, 3]]
    return np.cos(theta) * np.eye(4) + 1j * np.sin(theta) * swap


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

    Expanded as a combination of eight fixed permutation matrices, so it broadcasts
    over arrays of ``gamma`` and ``delta`` (rad). Qubit order (S_A, S_B, R^h, R^c).

    Returns
    -------
    ndarray, shape (..., 16, 16)
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
    r""":math:`\eta^h\otimes\eta^c`, batched, shape (..., 4, 4)."""
    out = np.einsum("...ab,...cd->...acbd", eta_hot, eta_cold)
    return out.reshape(out.shape[:-4] + (4, 4))


def collision_kernel(unitary: NDArray) -> NDArray[np.complex128]:
    r"""Tensor :math:`K` (..., 16, 256) with :math:`\mathrm{vec}\,\Phi = \mathrm{vec}(\eta)\cdot K`.

    :math:`\Phi_{(ij),(kl)} = \sum_{x,y,z} U_{(i x),(k y)}\,\eta_{y z}\,\overline{U_{(j x),(l z)}}`
    is linear in the ancilla-pair state :math:`\eta` (x, y, z run over the ancilla pair),
    so :math:`K_{(yz),(ijkl)} = \sum_x U_{(ix),(ky)}\overline{U_{(jx),(lz)}}` depends on
    :math:`\gamma, \delta` only and is computed once per (gamma, delta).
    """
    u = unitary.reshape(unitary.shape[:-2] + (4, 4, 4, 4))  # [i, x, k, y]
    kern = np.einsum("...ixky,...jxlz->...yzijkl", u, u.conj())
    return kern.reshape(unitary.shape[:-2] + (16, 256))


def one_collision_map(unitary: NDArray, eta_pair: NDArray, kernel: NDArray | None = None) -> NDArray[np.complex128]:
    r"""Superoperator of :math:`\Phi` (Eq. 8), shape (..., 16, 16), on row-major ``vec(rho_S)``.

    :math:`\Phi_{(ij),(kl)} = \sum_{x,y,z} U_{(i x),(k y)}\,\eta_{y z}\,\overline{U_{(j x),(l z)}}`,
    with x, y, z running over the ancilla pair and :math:`\eta = \eta^h\otimes\eta^c`
    (``eta_pair``, 4×4). Linear in ``eta_pair``; ``kernel`` (from
    :func:`collision_kernel`) may be passed to reuse it.
    """
    if kernel is None:
        kernel = collision_kernel(unitary)
    vec = eta_pair.reshape(eta_pair.shape[:-2] + (1, 16))
    phi = np.matmul(vec, kernel)[..., 0, :]
    return phi.reshape(phi.shape[:-1] + (16, 16))


def heisenberg_energies(unitary: NDArray) -> tuple[NDArray, NDArray]:
    r""":math:`\hat U^\dagger H_{R}\hat U` for the hot and cold ancilla (:math:`\omega=1`), as (..., 16, 16)
    matrices indexed ``[(i k), (x y)]`` ready to contract with :math:`\eta^T` (see :func:`heat_observables`)."""
    eye2 = np.eye(2)
    h1 = qubit_hamiltonian(1.0)
    out = []
    for h_anc in (np.kron(h1, eye2), np.kron(eye2, h1)):
        h_full = np.kron(np.eye(4), h_anc)
        heis = np.einsum("...ba,bc,...cd->...ad", unitary.conj(), h_full, unitary)
        heis = heis.reshape(heis.shape[:-2] + (4, 4, 4, 4))  # [i, x, k, y]
        heis = np.moveaxis(heis, -3, -2)  # [i, k, x, y]
        out.append(heis.reshape(heis.shape[:-4] + (16, 16)))
    return out[0], out[1]


def heat_observables(
    unitary: NDArray, eta_pair: NDArray, omega: ArrayLike = 1.0, heisenberg: tuple[NDArray, NDArray] | None = None
) -> tuple[NDArray, NDArray]:
    r"""Observables :math:`G_h, G_c` (..., 4, 4) with :math:`\mathrm{Tr}[H\tilde\eta^{h,c}] = \mathrm{Tr}[\rho^S G_{h,c}]`.

    .. math:: G = \mathrm{Tr}_{anc}\big[\hat U^\dagger (I_S\otimes H_{anc})\hat U\,(I_S\otimes\eta)\big]

    with :math:`\eta = \eta^h\otimes\eta^c` (``eta_pair``, 4×4). Linear in ``eta_pair``
    (so it also gives derivatives), and Hermitian for Hermitian ``eta_pair`` by the
    cyclicity of the partial trace over the ancillas. ``omega`` sets
    :math:`H = (\omega/2)\sigma_z` on the ancilla in question.
    """
    if heisenberg is None:
        heisenberg = heisenberg_energies(unitary)
    w = np.asarray(omega, dtype=float)[..., None, None]
    eta_t = np.swapaxes(eta_pair, -1, -2).reshape(eta_pair.shape[:-2] + (16, 1))
    out = []
    for heis in heisenberg:
        g = np.matmul(heis, eta_t)[..., 0]
        out.append(w * g.reshape(g.shape[:-1] + (4, 4)))
    return out[0], out[1]


class Channel:
    r"""The one-collision map and heat observables of one parameter set (or a batch).

    Attributes
    ----------
    superoperator : ndarray (..., 16, 16)
        :math:`\Phi` on row-major vec(:math:`\rho_S`).
    heat_observable_hot, heat_observable_cold : ndarray (..., 4, 4)
        :math:`G_h, G_c`: ancilla energies after the collision are :math:`\mathrm{Tr}[\rho_S G]`.
    energy_hot, energy_cold : ndarray (...)
        Ancilla energies before the collision, :math:`\mathrm{Tr}[H\eta]`.

    The heat currents of a collision starting from :math:`\rho_S` are
    :math:`J_{h,c} = \mathrm{Tr}[\rho_S G_{h,c}] - \mathrm{Tr}[H\eta^{h,c}]` (Eqs. 10–11).
    """

    def __init__(self, gamma: ArrayLike, delta: ArrayLike, eta_hot: NDArray, eta_cold: NDArray, omega: ArrayLike = 1.0):
        # Everything that depends on (gamma, delta) only is computed at their own
        # (small) broadcast shape and broadcast against the ancilla states by matmul.
        self.unitary = collision_unitary(gamma, delta)
        self.kernel = collision_kernel(self.unitary)
        self.heisenberg = heisenberg_energies(self.unitary)
        self.eta_hot = np.asarray(eta_hot)
        self.eta_cold = np.asarray(eta_cold)
        self.eta_pair = ancilla_pair_state(self.eta_hot, self.eta_cold)
        self.omega = np.asarray(omega, dtype=float)
        self.superoperator = one_collision_map(self.unitary, self.eta_pair, self.kernel)
        self.heat_observable_hot, self.heat_observable_cold = heat_observables(
            self.unitary, self.eta_pair, self.omega, self.heisenberg
        )
        self.shape = self.superoperator.shape[:-2]
        h_z = np.array([0.5, -0.5])
        self.energy_hot = self.omega * np.einsum("...ii,i->...", self.eta_hot, h_z).real
        self.energy_cold = self.omega * np.einsum("...ii,i->...", self.eta_cold, h_z).real

    @classmethod
    def from_model(cls, model) -> Channel:
        """The channel of a :class:`~circuitheat.model.CollisionModel`."""
        return cls(model.gamma, model.delta, model.hot.state, model.cold.state, model.omega)

    def heat_currents(self, rho: NDArray) -> tuple[NDArray, NDArray]:
        """:math:`(J_h, J_c)` of the collision that starts from ``rho`` (..., 4, 4) (Eqs. 10–11)."""
        j_h = np.einsum("...ij,...ji->...", rho, self.heat_observable_hot).real - self.energy_hot
        j_c = np.einsum("...ij,...ji->...", rho, self.heat_observable_cold).real - self.energy_cold
        return j_h, j_c
