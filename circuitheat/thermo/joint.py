r"""Eq. (20) evaluated on the full joint state of the system and every ancilla it has met.

:math:`\Delta S_{ir}(k) = D[\rho^{tot}_k\,\|\,\rho^S_k\otimes\bigotimes_{j\le k}\eta_j]` on
2 + 2k qubits, evolved gate by gate: the brute-force check of the identity
:math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` (Eq. 16) that
:func:`~circuitheat.thermo.entropy_balance` relies on. The cost grows as :math:`4^k`,
so the joint state is built only for k <= :data:`JOINT_MAX_COLLISIONS`.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..channel import partial_swap
from ..model import CollisionModel, check_model
from ..states import system_initial_state
from ..validation import check_choice, check_count
from .logs import (
    ZERO_EIGENVALUE,
    SupportWarning,
    _entropy_from_eigenvalues,
    _warn_support,
    _weighted_logs,
    ancilla_spectrum,
    relative_entropy,
    spectrum,
)

__all__ = ["JOINT_MAX_COLLISIONS", "JOINT_METHODS", "joint_relative_entropy"]

#: Largest number of collisions for which the joint state of the system and every
#: ancilla is built (:func:`joint_relative_entropy`, method "purified"): 2 + 2n qubits
#: plus one purifying qubit per mixed ancilla, i.e. a 4096 x 1024 complex matrix
#: (64 MiB) and a 1024 x 1024 Hermitian eigenproblem at n = 5 for a pure initial system state.
JOINT_MAX_COLLISIONS = 5

#: The dense method forms the (2^(2+2n))^2 joint density matrix and diagonalises it:
#: 16 MiB at n = 4; n = 5 would need 256 MiB and a 4096 x 4096 eigendecomposition.
_DENSE_MAX_COLLISIONS = 4

#: Valid ``method`` names of :func:`joint_relative_entropy`.
JOINT_METHODS = ("purified", "dense")


def _apply_gate(state: NDArray, gate: NDArray, i: int, j: int) -> NDArray:
    """Apply a 4×4 two-qubit gate to axes (i, j) of a state tensor (i the gate's left factor)."""
    g = gate.reshape(2, 2, 2, 2)
    out = np.tensordot(g, state, axes=([2, 3], [i, j]))  # new axes 0, 1 in front
    return np.moveaxis(out, [0, 1], [i, j])


def _purification(vals: NDArray, vecs: NDArray) -> NDArray:
    """Columns sqrt(lambda_i) v_i of the non-zero eigenvalues: a (d, rank) purification factor."""
    keep = vals > 0
    return vecs[:, keep] * np.sqrt(vals[keep])


def _system_purification(rho0: NDArray) -> NDArray:
    vals, vecs = np.linalg.eigh(rho0)
    vals = np.where(vals > ZERO_EIGENVALUE, vals, 0.0)
    return _purification(vals / vals.sum(), vecs)


def _collision_gates(model: CollisionModel) -> tuple[NDArray, NDArray]:
    return partial_swap(model.delta), partial_swap(model.gamma)


def _joint_purified(model: CollisionModel, rho0: NDArray, n: int) -> NDArray:
    r"""Eq. (20) after each collision from a purification of the joint state.

    The state of system + ancillas (2 + 2k qubits, axes S_A, S_B, R^h_1, R^c_1, ...) is
    held as a matrix M (main × reference) with :math:`\rho^{tot} = MM^\dagger`; the
    reference purifies the mixed initial states. :math:`S(\rho^{tot})` comes from the
    eigenvalues of the smaller Gram matrix (:math:`MM^\dagger` and :math:`M^\dagger M`
    share their non-zero spectrum) of the *evolved* M; :math:`\mathrm{Tr}[\rho^{tot}
    \ln(\rho^S\otimes\bigotimes_j\eta_j)]` from the populations of :math:`\rho^{tot}` in
    the product eigenbasis, obtained by rotating M with local eigenvector matrices.
    """
    v_gate, u_gate = _collision_gates(model)
    spec_h, spec_c = ancilla_spectrum(model.hot), ancilla_spectrum(model.cold)
    fac_h = _purification(spec_h.eigenvalues, spec_h.eigenvectors)
    fac_c = _purification(spec_c.eigenvalues, spec_c.eigenvectors)
    fac_s = _system_purification(rho0)
    state = fac_s.reshape(2, 2, -1)  # axes: S_A, S_B, reference
    out = np.empty(n)
    for k in range(1, n + 1):
        # add the fresh pair (R^h_k, R^c_k) in front of the reference axis
        state = np.einsum("...r,ah,cg->...acrhg", state, fac_h, fac_c)
        state = state.reshape(state.shape[:-3] + (-1,))
        h_ax, c_ax = 2 * k, 2 * k + 1
        state = _apply_gate(state, v_gate, 0, 1)
        state = _apply_gate(state, u_gate, 0, h_ax)
        state = _apply_gate(state, u_gate, 1, c_ax)
        main = 4 ** (k + 1)
        m = state.reshape(main, -1)
        gram = m.conj().T @ m if m.shape[1] <= main else m @ m.conj().T
        s_tot = float(_entropy_from_eigenvalues(np.linalg.eigvalsh(gram)))
        ms = m.reshape(4, -1)
        spec_s = spectrum(ms @ ms.conj().T)
        # rotate every factor into its eigenbasis; populations = sum over the reference
        rot = np.tensordot(spec_s.eigenvectors.conj().T, state.reshape((4,) + state.shape[2:]), axes=(1, 0))
        for j in range(1, k + 1):
            for ax, spec in ((2 * j - 1, spec_h), (2 * j, spec_c)):
                rot = np.moveaxis(np.tensordot(spec.eigenvectors.conj().T, rot, axes=(1, ax)), 0, ax)
        pops = np.sum(np.abs(rot) ** 2, axis=-1).reshape(-1)
        logs = spec_s.log_eigenvalues
        for _ in range(k):
            logs = (logs[:, None] + spec_h.log_eigenvalues[None, :]).reshape(-1)
            logs = (logs[:, None] + spec_c.log_eigenvalues[None, :]).reshape(-1)
        cross, diverged = _weighted_logs(pops, logs)
        out[k - 1] = math.inf if diverged else -s_tot - float(cross)
    _warn_support("production_joint (Eq. 20)", np.isposinf(out), "a pure ancilla left its pure state", "+")
    return out


def _joint_dense(model: CollisionModel, rho0: NDArray, n: int) -> NDArray:
    """Eq. (20) the naive way: full joint density matrix, full reference matrix, two eigendecompositions."""
    v_gate, u_gate = _collision_gates(model)
    pair = np.kron(model.hot.state, model.cold.state)
    rho = rho0
    sigma_anc = np.ones((1, 1), dtype=complex)
    out = np.empty(n)
    for k in range(1, n + 1):
        rho = np.kron(rho, pair)  # qubits S_A, S_B, R^h_1, R^c_1, ..., R^h_k, R^c_k
        nq = 2 + 2 * k
        dim = 2**nq
        t = rho.reshape((2,) * (2 * nq))  # ket axes 0..nq-1, bra axes nq..2nq-1
        for gate, i, j in ((v_gate, 0, 1), (u_gate, 0, nq - 2), (u_gate, 1, nq - 1)):
            t = _apply_gate(t, gate, i, j)  # G rho
            t = _apply_gate(t, gate.conj(), nq + i, nq + j)  # (G rho) G^dagger
        rho = t.reshape(dim, dim)
        rho_s = np.einsum("axbx->ab", rho.reshape(4, dim // 4, 4, dim // 4))
        sigma_anc = np.kron(sigma_anc, pair)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupportWarning)  # reported once below
            out[k - 1] = float(relative_entropy(rho, np.kron(rho_s, sigma_anc)))
    detail = "the joint state has weight where a numerical eigenvalue of the reference state is <= ZERO_EIGENVALUE"
    _warn_support("production_joint (Eq. 20, dense)", np.isposinf(out), detail, "+")
    return out


def joint_relative_entropy(
    model: CollisionModel, n_collisions: int, initial_state: str | ArrayLike = "11", method: str = "purified"
) -> NDArray[np.float64]:
    r"""Entropy production of Eq. (20) computed on the full joint state, after collisions k = 1..n (nats).

    .. math::
        \Delta S_{ir}(k) = D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j\le k}\eta^h\otimes\eta^c\big]
        = -S(\rho^{tot}_k) - \mathrm{Tr}\big[\rho^{tot}_k\ln(\rho^S_k\otimes\textstyle\bigotimes_j\eta_j)\big]

    Both terms are evaluated on :math:`\rho^{tot}_k`, the state of the system and all 2k
    ancillas it has met, evolved gate by gate (:math:`V(\delta)`, then
    :math:`U(\gamma)` on :math:`S_AR^h_k` and on :math:`S_BR^c_k`, Eqs. 3–8, built from
    :func:`~circuitheat.channel.partial_swap`, not from the 16×16 collision map). No
    shortcut through unitarity (:math:`S(\rho^{tot}) = S(\rho^S_0) + \sum_j S(\eta_j)`) is
    used. This is the brute-force check of the identity behind
    :func:`~circuitheat.thermo.entropy_balance`.

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        1 <= n <= :data:`JOINT_MAX_COLLISIONS` (``"dense"``: n <= 4).
    initial_state : str or array_like
        System initial state (see :func:`circuitheat.simulate`).
    method : {"purified", "dense"}
        ``"purified"``: the joint state as a purification (state vector of
        system + ancillas + one reference qubit per mixed ancilla); the entropy from the
        Gram matrix of the evolved state, the cross term from populations in the product
        eigenbasis with closed-form ancilla logarithms. ``"dense"``: the
        :math:`2^{2+2n}`-dimensional density matrix and the dense reference state, both
        diagonalised numerically (the most naive route; its logarithms are numerical, so
        it reports ``+inf`` where the joint state has weight on an eigenvalue of the
        reference state below :data:`~circuitheat.thermo.ZERO_EIGENVALUE`, which happens
        near T = 0 where the purified route is still finite).

    Returns
    -------
    ndarray (n,)
        :math:`\Delta S_{ir}(k)`; ``+inf`` with a :class:`SupportWarning` where the
        support condition fails.
    """
    check_model(model)
    method = check_choice("method", method, JOINT_METHODS)
    limit = JOINT_MAX_COLLISIONS if method == "purified" else _DENSE_MAX_COLLISIONS
    n = check_count("n_collisions", n_collisions)
    if n > limit:
        raise ValueError(f"n_collisions must be <= {limit} for method {method!r} (the joint state grows as 4^n), got {n}")
    rho0 = system_initial_state(initial_state)
    return _joint_purified(model, rho0, n) if method == "purified" else _joint_dense(model, rho0, n)
