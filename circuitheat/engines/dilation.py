r"""One step on the system *and* its fresh ancillas: the unitary dilation of the step map.

Every :class:`~circuitheat.Collision` of a step meets its own fresh ancilla, so one step is
a unitary :math:`U = G_L\cdots G_2G_1` on the N sites plus the step's m ancillas, the
gates :math:`G_l` being the network's own matrices (``Interaction.matrix``,
``Collision.matrix``) in step order (Eq. 8 for the paper's model). Tracing out the ancillas
gives the step map :math:`\Phi` of :mod:`circuitheat.network.step` (tested equal); tracing
out the system gives what the step leaves in its ancillas,

.. math::
    \tilde\eta_A = \mathrm{Tr}_S\big[U(\rho\otimes\eta_1\otimes\cdots\otimes\eta_m)U^\dagger\big],

the state the entropy bookkeeping of Sec. IV needs (Eqs. 16–26) and that the engines return
with ``ancillas=True``.

**Qubit layout** (one place): sites 0..N−1, then the ancilla of the step's c-th collision
(order of ``network.collisions``) as qubit N + c; kron basis, qubit 0 most significant, so
:math:`\tilde\eta_A` has the first collision's ancilla most significant (for the paper's
model: :math:`|R^hR^c\rangle`).

:func:`ancilla_map` gives :math:`\tilde\eta_A` as a linear map of the state *before* the
step, independent of the number of steps. In the Heisenberg picture each of the :math:`4^m`
ancilla operators :math:`X = |x\rangle\langle y|` is pulled back through the gates,
:math:`M_X = \mathrm{Tr}_A[(I\otimes\eta_A)\,U^\dagger(I\otimes X)U]`, so that
:math:`\mathrm{Tr}[X\tilde\eta_A] = \mathrm{Tr}[\rho M_X]`: :math:`4^m` operator evolutions of
size :math:`4^{N+m}`, and the ancilla states enter only at the end, so a batch of ancilla
states (a parameter scan) costs one contraction more. When the system is the smaller
(N < m) the :math:`4^N` system basis matrices are pushed forward instead. :func:`step_joint_state` is the Schrödinger picture,
:math:`U(\rho\otimes\eta_A)U^\dagger` itself, for the entropy produced in one step.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..network.spec import Ancilla, Collision, CollisionNetwork, Interaction
from ..resources import check_memory
from ..validation import InputValueError

__all__ = ["ancilla_map", "apply_gate", "step_ancillas", "step_gates", "step_joint_state"]

#: Operator evolutions of :func:`ancilla_map` are done in batches of at most this many
#: bytes (one operator of N + m qubits is 16 * 4**(N + m) bytes; tensordot needs a copy).
_BATCH_BYTES = 2**28


def step_gates(network: CollisionNetwork) -> tuple[tuple[NDArray, tuple[int, int]], ...]:
    """The step's gates in order, as (4×4 kron-basis matrix, (first qubit, second qubit)) in the dilated layout.

    An :class:`Interaction` on sites (i, j) acts on qubits (i, j); the c-th :class:`Collision`
    on site i acts on qubits (i, N + c), its first slot on the site, the second on the ancilla.
    """
    gates = []
    c = 0
    for op in network.step:
        if isinstance(op, Interaction):
            gates.append((op.matrix, op.sites))
        else:
            assert isinstance(op, Collision)
            gates.append((op.matrix, (op.site, network.sites + c)))
            c += 1
    return tuple(gates)


def step_ancillas(network: CollisionNetwork) -> tuple[Ancilla, ...]:
    """The fresh ancilla of each collision of the step, in the order of ``network.collisions``."""
    return tuple(network.ancilla(c.reservoir) for c in network.collisions)


def apply_gate(t: NDArray, gate: NDArray, axes: tuple[int, int]) -> NDArray:
    """Contract a 4×4 kron-basis gate into ``axes`` (first slot, second slot) of a tensor of qubit axes."""
    g = np.asarray(gate).reshape(2, 2, 2, 2)
    out = np.tensordot(g, t, axes=([2, 3], list(axes)))  # the new axes come first
    return np.moveaxis(out, [0, 1], list(axes))


def _ancilla_states(network: CollisionNetwork, ancilla_states: Sequence[ArrayLike] | None) -> list[NDArray]:
    """The m ancilla states (each (..., 2, 2), batch axes broadcast); default: the reservoirs' states."""
    if ancilla_states is None:
        return [a.state for a in step_ancillas(network)]
    states = [np.asarray(s) for s in ancilla_states]
    m = len(network.collisions)
    if len(states) != m or any(s.shape[-2:] != (2, 2) for s in states):
        raise InputValueError(f"ancilla_states must be {m} arrays of shape (..., 2, 2), one per collision of the step")
    return states


def _check_size(network: CollisionNetwork, what: str, n_bytes: float) -> None:
    m = len(network.collisions)
    check_memory(f"{what} of a step with sites={network.sites} and {m} collisions", n_bytes)


def ancilla_map(network: CollisionNetwork, ancilla_states: Sequence[ArrayLike] | None = None) -> NDArray[np.complex128]:
    r"""Linear map from the system state before a step to the joint state of the step's ancillas after it.

    .. math::
        \mathrm{vec}\,\tilde\eta_A = A\,\mathrm{vec}\,\rho,\qquad
        A_{(yx),(ss')} = \big(M_{|x\rangle\langle y|}\big)_{s's},\quad
        M_X = \mathrm{Tr}_A\big[(I\otimes\eta_1\otimes\cdots\otimes\eta_m)\,U^\dagger(I\otimes X)U\big]

    on row-major vectorisations (``rho.reshape(-1)``); ancilla order and basis as in the
    module docstring.

    Parameters
    ----------
    network : CollisionNetwork
    ancilla_states : sequence of m array_like (..., 2, 2), optional
        The ancilla state of each collision (default: its reservoir's state). Leading batch
        axes broadcast: the gates are evolved once and contracted with every ancilla state.
        The map is multilinear in them, so any complex 2×2 matrices are accepted.

    Returns
    -------
    ndarray (..., 4**m, 4**N)

    Raises
    ------
    ValueError
        Up front, with the memory needed, if one evolved operator (16·4^(N+m) bytes) or the
        map does not fit.
    """
    n, m = network.sites, len(network.collisions)
    d, a = 2**n, 2**m
    etas = _ancilla_states(network, ancilla_states)
    batch = np.broadcast_shapes(*(e.shape[:-2] for e in etas)) if etas else ()
    _check_size(network, "ancilla states", 3 * 16 * 4 ** (n + m) + 16 * a * a * d * d * max(1, int(np.prod(batch))))
    if not batch and d < a:  # fewer system basis matrices than ancilla operators: Schrödinger picture
        return _schrodinger_map(network, etas)
    return _heisenberg_map(network, etas, batch)


def _schrodinger_map(network: CollisionNetwork, etas: list[NDArray]) -> NDArray[np.complex128]:
    r"""The ancilla map column by column: :math:`\tilde\eta_A` of each system basis matrix :math:`|s\rangle\langle s'|`."""
    d, a = network.dim, 2 ** len(etas)
    basis = np.eye(d * d, dtype=complex).reshape(d * d, d, d)
    size = max(1, _BATCH_BYTES // (3 * 16 * 4 ** (network.sites + len(etas))))
    cols = []
    for start in range(0, d * d, size):
        omega = step_joint_state(network, basis[start : start + size], etas)
        cols.append(np.einsum("bsxsy->bxy", omega.reshape(-1, d, a, d, a)).reshape(-1, a * a))
    return np.ascontiguousarray(np.concatenate(cols).T)


def _heisenberg_map(network: CollisionNetwork, etas: list[NDArray], batch: tuple[int, ...]) -> NDArray[np.complex128]:
    r"""The ancilla map row by row: each ancilla operator :math:`X = |x\rangle\langle y|` pulled back through the gates."""
    n, m = network.sites, len(etas)
    nq = n + m
    d, a = 2**n, 2**m
    gates = step_gates(network)
    size = max(1, _BATCH_BYTES // (3 * 16 * 4**nq))
    basis = np.eye(a * a, dtype=complex).reshape(a * a, a, a)  # X = |x><y| at index x*a + y
    # einsum sublists: operator axes [X, s.., anc.., s'.., anc'..]; contract anc with eta^T
    op_axes = [0, *range(1, 2 * nq + 1)]
    rows, cols = op_axes[1 : 1 + nq], op_axes[1 + nq :]
    operands: list = []
    for c, eta in enumerate(etas):
        operands += [eta, [Ellipsis, cols[n + c], rows[n + c]]]
    out_axes = [Ellipsis, 0, *rows[:n], *cols[:n]]
    blocks = []
    for start in range(0, a * a, size):
        xs = basis[start : start + size]
        o = np.einsum("st,bxy->bsxty", np.eye(d), xs).reshape((len(xs),) + (2,) * (2 * nq))
        for g, (i, j) in reversed(gates):
            o = apply_gate(o, g.conj().T, (1 + i, 1 + j))  # G^dagger O on the rows
            o = apply_gate(o, g.T, (1 + nq + i, 1 + nq + j))  # O G on the columns: (O G)^T = G^T O^T
        blocks.append(np.einsum(o, op_axes, *operands, out_axes, optimize=True))
    m_x = np.concatenate(blocks, axis=-2 * n - 1).reshape(batch + (a, a, d, d))  # [x, y, s, s']
    return np.ascontiguousarray(np.swapaxes(np.swapaxes(m_x, -4, -3), -2, -1)).reshape(batch + (a * a, d * d))


def step_joint_state(
    network: CollisionNetwork, rho: ArrayLike, ancilla_states: Sequence[ArrayLike] | None = None
) -> NDArray[np.complex128]:
    r""":math:`\Omega = U(\rho\otimes\eta_1\otimes\cdots\otimes\eta_m)U^\dagger`: system and the step's ancillas after one step.

    Parameters
    ----------
    network : CollisionNetwork
    rho : array_like (..., 2**N, 2**N)
        System state(s) before the step.
    ancilla_states : sequence of m array_like (..., 2, 2), optional
        As in :func:`ancilla_map`; batch axes broadcast with those of ``rho``.

    Returns
    -------
    ndarray (..., 2**(N+m), 2**(N+m))
        Qubit layout of the module docstring (sites first).
    """
    n, m = network.sites, len(network.collisions)
    nq = n + m
    full = np.asarray(rho, dtype=complex)
    etas = _ancilla_states(network, ancilla_states)
    batch = np.broadcast_shapes(full.shape[:-2], *(e.shape[:-2] for e in etas))
    _check_size(network, "joint state", 3 * 16 * 4**nq * max(1, int(np.prod(batch))))
    for eta in etas:
        full = np.einsum("...ij,...kl->...ikjl", full, eta)
        full = full.reshape(full.shape[:-4] + (full.shape[-4] * 2, full.shape[-4] * 2))
    nb = full.ndim - 2
    t = full.reshape(full.shape[:-2] + (2,) * (2 * nq))
    for g, (i, j) in step_gates(network):
        t = apply_gate(t, g, (nb + i, nb + j))
        t = apply_gate(t, g.conj(), (nb + nq + i, nb + nq + j))
    return np.ascontiguousarray(t).reshape(full.shape)
