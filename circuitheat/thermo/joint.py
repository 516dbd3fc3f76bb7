r"""Eq. (20) evaluated on the full joint state of the system and every ancilla it has met.

:math:`\Delta S_{ir}(k) = D[\rho^{tot}_k\,\|\,\rho^S_k\otimes\bigotimes_{j}\eta_j]` on the N sites
plus the m ancillas of each of the k steps so far (N + km qubits), evolved gate by gate with
the network's own gates (:func:`circuitheat.engines.dilation.step_gates`): the brute-force
check of the identity :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` (Eq. 16) that
:func:`~circuitheat.thermo.entropy_balance` relies on. The cost grows as :math:`4^{km}`, so
the joint state is built only up to :data:`JOINT_MAX_QUBITS` qubits.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..engines.dilation import apply_gate, step_gates
from ..model import CollisionModel
from ..network.spec import CollisionNetwork
from ..resources import check_memory
from ..states import system_initial_state
from ..threads import single_blas_thread
from ..validation import InputValueError, check_choice, check_count
from .collision import _fresh_ancillas, _joint_spectrum, _joint_state, _system_network
from .logs import (
    ZERO_EIGENVALUE,
    SupportWarning,
    _entropy_from_eigenvalues,
    _warn_support,
    _weighted_logs,
    relative_entropy,
    spectrum,
)

__all__ = ["JOINT_MAX_COLLISIONS", "JOINT_MAX_QUBITS", "JOINT_METHODS", "joint_limit", "joint_relative_entropy"]

#: Largest joint state (system + every ancilla so far, in qubits) built by
#: :func:`joint_relative_entropy` with method "purified": the state vector of 12 qubits
#: times one purifying qubit per mixed ancilla, e.g. a 4096 x 1024 complex matrix (64 MiB)
#: and a 1024 x 1024 Hermitian eigenproblem for the paper's model at n = 5 from a pure state.
JOINT_MAX_QUBITS = 12

#: :data:`JOINT_MAX_QUBITS` in collisions for the paper's model (2 sites, 2 ancillas per collision).
JOINT_MAX_COLLISIONS = (JOINT_MAX_QUBITS - 2) // 2

#: The dense method forms the (2^q)^2 joint density matrix and diagonalises it: 16 MiB at
#: q = 10; q = 12 would need 256 MiB and a 4096 x 4096 eigendecomposition.
_DENSE_MAX_QUBITS = 10

#: Valid ``method`` names of :func:`joint_relative_entropy`.
JOINT_METHODS = ("purified", "dense")


def joint_limit(network: CollisionNetwork, max_qubits: int = JOINT_MAX_QUBITS) -> int:
    """Largest number of steps whose joint state has at most ``max_qubits`` qubits (N + n·m)."""
    m = len(network.collisions)
    if m == 0:
        return 2**62 if network.sites <= max_qubits else 0
    return max(0, (max_qubits - network.sites) // m)


def _purification(vals: NDArray, vecs: NDArray) -> NDArray:
    """Columns sqrt(lambda_i) v_i of the non-zero eigenvalues: a (d, rank) purification factor."""
    keep = vals > 0
    return vecs[:, keep] * np.sqrt(vals[keep])


def _system_purification(rho0: NDArray) -> NDArray:
    vals, vecs = np.linalg.eigh(rho0)
    vals = np.where(vals > ZERO_EIGENVALUE, vals, 0.0)
    return _purification(vals / vals.sum(), vecs)


def _qubit(q: int, sites: int, offset: int) -> int:
    """Axis of dilated-layout qubit ``q`` in the joint state: sites stay, the step's ancilla c goes to offset + c."""
    return q if q < sites else offset + (q - sites)


def _joint_purified(network: CollisionNetwork, rho0: NDArray, n: int) -> NDArray:
    r"""Eq. (20) after each step from a purification of the joint state.

    The state of system + ancillas (axes: sites 0..N−1, then the m ancillas of step 1,
    of step 2, ...) is held as a matrix M (main × reference) with
    :math:`\rho^{tot} = MM^\dagger`; the reference purifies the mixed initial states.
    :math:`S(\rho^{tot})` comes from the eigenvalues of the smaller Gram matrix
    (:math:`MM^\dagger` and :math:`M^\dagger M` share their non-zero spectrum) of the
    *evolved* M; :math:`\mathrm{Tr}[\rho^{tot}\ln(\rho^S\otimes\bigotimes_j\eta_j)]` from the
    populations of :math:`\rho^{tot}` in the product eigenbasis, obtained by rotating M
    with local eigenvector matrices.
    """
    sites, d = network.sites, network.dim
    ancillas = _fresh_ancillas(network)
    m = len(ancillas)
    factors = [_purification(a.spectrum.eigenvalues, a.spectrum.eigenvectors) for a in ancillas]
    fac_s = _system_purification(rho0)
    ref = fac_s.shape[1] * math.prod(f.shape[1] for f in factors) ** n
    check_memory(f"joint state of {sites + n * m} qubits (n_collisions={n})", 3 * 16 * 2 ** (sites + n * m) * ref)
    step_logs = _joint_spectrum(ancillas).log_eigenvalues
    gates = step_gates(network)
    state = fac_s.reshape((2,) * sites + (-1,))  # axes: sites, reference
    out = np.empty(n)
    for k in range(1, n + 1):
        for fac in factors:  # the step's fresh ancillas, in front of the reference axis
            state = np.einsum("...r,ah->...arh", state, fac)
            state = state.reshape(state.shape[:-2] + (-1,))
        offset = sites + (k - 1) * m
        for g, (i, j) in gates:
            state = apply_gate(state, g, (_qubit(i, sites, offset), _qubit(j, sites, offset)))
        main = 2 ** (sites + k * m)
        mat = state.reshape(main, -1)
        gram = mat.conj().T @ mat if mat.shape[1] <= main else mat @ mat.conj().T
        s_tot = float(_entropy_from_eigenvalues(np.linalg.eigvalsh(gram)))
        ms = mat.reshape(d, -1)
        spec_s = spectrum(ms @ ms.conj().T)
        # rotate every factor into its eigenbasis; populations = sum over the reference
        rot = np.tensordot(spec_s.eigenvectors.conj().T, state.reshape((d,) + state.shape[sites:]), axes=(1, 0))
        for j in range(k):
            for c, anc in enumerate(ancillas):
                ax = 1 + j * m + c
                rot = np.moveaxis(np.tensordot(anc.spectrum.eigenvectors.conj().T, rot, axes=(1, ax)), 0, ax)
        pops = np.sum(np.abs(rot) ** 2, axis=-1).reshape(-1)
        logs = spec_s.log_eigenvalues
        for _ in range(k):
            logs = (logs[:, None] + step_logs[None, :]).reshape(-1)
        cross, diverged = _weighted_logs(pops, logs)
        out[k - 1] = math.inf if diverged else -s_tot - float(cross)
    _warn_support("production_joint (Eq. 20)", np.isposinf(out), "a pure ancilla left its pure state", "+")
    return out


def _joint_dense(network: CollisionNetwork, rho0: NDArray, n: int) -> NDArray:
    """Eq. (20) the naive way: full joint density matrix, full reference matrix, two eigendecompositions."""
    sites, d = network.sites, network.dim
    m = len(network.collisions)
    eta = _joint_state(_fresh_ancillas(network))
    gates = step_gates(network)
    rho = rho0
    sigma_anc = np.ones((1, 1), dtype=complex)
    out = np.empty(n)
    for k in range(1, n + 1):
        rho = np.kron(rho, eta)  # sites, then the ancillas of steps 1..k
        nq = sites + k * m
        dim = 2**nq
        t = rho.reshape((2,) * (2 * nq))  # ket axes 0..nq-1, bra axes nq..2nq-1
        offset = sites + (k - 1) * m
        for g, (i, j) in gates:
            qi, qj = _qubit(i, sites, offset), _qubit(j, sites, offset)
            t = apply_gate(t, g, (qi, qj))  # G rho
            t = apply_gate(t, g.conj(), (nq + qi, nq + qj))  # (G rho) G^dagger
        rho = t.reshape(dim, dim)
        rho_s = np.einsum("axbx->ab", rho.reshape(d, dim // d, d, dim // d))
        sigma_anc = np.kron(sigma_anc, eta)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SupportWarning)  # reported once below
            out[k - 1] = float(relative_entropy(rho, np.kron(rho_s, sigma_anc)))
    detail = "the joint state has weight where a numerical eigenvalue of the reference state is <= ZERO_EIGENVALUE"
    _warn_support("production_joint (Eq. 20, dense)", np.isposinf(out), detail, "+")
    return out


@single_blas_thread
def joint_relative_entropy(
    model: CollisionModel | CollisionNetwork,
    n_collisions: int,
    initial_state: str | ArrayLike | None = None,
    method: str = "purified",
) -> NDArray[np.float64]:
    r"""Entropy production of Eq. (20) computed on the full joint state, after steps k = 1..n (nats).

    .. math::
        \Delta S_{ir}(k) = D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j}\eta_j\big]
        = -S(\rho^{tot}_k) - \mathrm{Tr}\big[\rho^{tot}_k\ln(\rho^S_k\otimes\textstyle\bigotimes_j\eta_j)\big]

    Both terms are evaluated on :math:`\rho^{tot}_k`, the state of the system and all km
    ancillas it has met (2k for the paper's model), evolved gate by gate with the network's
    gates (:math:`V(\delta)`, then :math:`U(\gamma)` on :math:`S_AR^h_k` and on
    :math:`S_BR^c_k` for the paper's model, Eqs. 3–8), not from the step map. No shortcut
    through unitarity (:math:`S(\rho^{tot}) = S(\rho^S_0) + \sum_j S(\eta_j)`) is used. This
    is the brute-force check of the identity behind :func:`~circuitheat.thermo.entropy_balance`.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
    n_collisions : int
        Number of steps, 1 <= n with N + n·m <= :data:`JOINT_MAX_QUBITS` (``"dense"``: 10
        qubits); for the paper's model n <= :data:`JOINT_MAX_COLLISIONS` (dense: 4).
    initial_state : str or array_like, optional
        System initial state (see :func:`circuitheat.simulate`); default all sites in the ground state.
    method : {"purified", "dense"}
        ``"purified"``: the joint state as a purification (state vector of
        system + ancillas + one reference qubit per mixed ancilla); the entropy from the
        Gram matrix of the evolved state, the cross term from populations in the product
        eigenbasis with closed-form ancilla logarithms. ``"dense"``: the full density
        matrix and the dense reference state, both diagonalised numerically (the most
        naive route; its logarithms are numerical, so it reports ``+inf`` where the joint
        state has weight on an eigenvalue of the reference state below
        :data:`~circuitheat.thermo.ZERO_EIGENVALUE`, which happens near T = 0 where the
        purified route is still finite).

    Returns
    -------
    ndarray (n,)
        :math:`\Delta S_{ir}(k)`; ``+inf`` with a :class:`SupportWarning` where the
        support condition fails.
    """
    network = _system_network(model)
    method = check_choice("method", method, JOINT_METHODS)
    limit = joint_limit(network, JOINT_MAX_QUBITS if method == "purified" else _DENSE_MAX_QUBITS)
    n = check_count("n_collisions", n_collisions)
    if n > limit:
        raise InputValueError(
            f"n_collisions must be <= {limit} for method {method!r} (the joint state of the system and every "
            f"ancilla so far grows as 4^n), got {n}"
        )
    sites = network.sites
    rho0 = system_initial_state(initial_state, sites)
    return _joint_purified(network, rho0, n) if method == "purified" else _joint_dense(network, rho0, n)
