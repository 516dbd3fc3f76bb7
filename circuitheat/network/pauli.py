r"""The compiled step in the real Pauli basis: the matrix-free engine's representation.

A state of N qubits is written in the Pauli basis,

.. math::
    \rho = 2^{-N}\sum_{\mathbf p} c_{\mathbf p}\,P_{p_1}\otimes\cdots\otimes P_{p_N}, \qquad
    c_{\mathbf p} = \mathrm{Tr}[(P_{p_1}\otimes\cdots\otimes P_{p_N})\,\rho]\in\mathbb R,

with :math:`P_0, P_1, P_2, P_3 = I, X, Y, Z` and site 0 the most significant index (the
kron order of :mod:`circuitheat.network.gates`). A Hermitian state is a real vector of
:math:`4^N` entries (half the memory of the complex matrix), and a gate or channel on k
sites is a real :math:`4^k\times4^k` Pauli transfer matrix (PTM; Greenbaum,
arXiv:1509.02921, Sec. 3.3),

.. math::
    R_{\mathbf p\mathbf q} = 2^{-k}\,\mathrm{Tr}[P_{\mathbf p}\,\mathcal E(P_{\mathbf q})],

that multiplies the k site indices of the vector: one real matrix product per operation, no
transposition of the state. Partial traces are free: the reduced state of a set of sites is
the slice of :math:`c` with :math:`P_0` on every other site, so the ancilla energies and the
work of :func:`~circuitheat.network.step.compile_step`'s operations are read off as dot
products with a few entries of :math:`c`.

This is the one application of the operations that :func:`~circuitheat.network.step.compile_step`
defines (the one definition of a step): the matrix-free engine steps with it, and the dense
map, the heat and work observables (:func:`superoperator_from_pauli`,
:func:`observable_from_pauli`) and the fluctuations' count-resolved maps are built with it.
Tested against a brute force (full unitary on system and ancillas, partial traces).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .step import WORK, LocalChannel, LocalUnitary

__all__ = [
    "ENERGY_AFTER",
    "PAULIS",
    "PauliOperation",
    "PauliParts",
    "PauliStep",
    "chained_step",
    "channel_transfer",
    "from_pauli",
    "gate_transfer",
    "middle_matmul",
    "observable_from_pauli",
    "pauli_from_superoperator",
    "pauli_operation",
    "pauli_parts",
    "pauli_step",
    "superoperator_from_pauli",
    "to_pauli",
]

#: :math:`P_0, P_1, P_2, P_3 = I, X, Y, Z` (4, 2, 2).
PAULIS = np.array([[[1, 0], [0, 1]], [[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)

# c_p = sum_ij P[p, i, j] rho[j, i] on one site: a 4x4 matrix on the site's (row, column) pair.
_TO_PAULI = PAULIS.transpose(0, 2, 1).reshape(4, 4)
# rho[i, j] = sum_p c_p P[p, i, j] / 2 on one site.
_FROM_PAULI = PAULIS.reshape(4, 4).T / 2
_PAIR_PAULIS = np.einsum("aij,bkl->abikjl", PAULIS, PAULIS).reshape(16, 4, 4)
_Z = 3  # index of sigma_z

#: Key of the system energy after the step among :meth:`PauliStep.advance`'s readouts
#: (reservoir names starting with "__" are refused, so it cannot clash).
ENERGY_AFTER = "__energy_after__"

#: Below this many trailing elements per block, a batched matmul over many tiny *complex*
#: blocks was slower than one strided matrix product per trailing index (measured on N = 10
#: chains); for real blocks the batched matmul was faster at every size.
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


def _sites_of(length: int) -> int:
    return (length.bit_length() - 1) // 2


def to_pauli(rho: NDArray) -> NDArray[np.complex128]:
    r"""Pauli coefficients :math:`c_{\mathbf p} = \mathrm{Tr}[P_{\mathbf p}\rho]` of matrices (B, 2^N, 2^N) -> (B, 4^N).

    Complex for a general matrix: the real and imaginary parts are the coefficients of its
    Hermitian parts :math:`(\rho+\rho^\dagger)/2` and :math:`(\rho-\rho^\dagger)/2i`. One
    interleaving copy, then one 4×4 product per site.
    """
    batch, d = rho.shape[0], rho.shape[-1]
    n = d.bit_length() - 1
    t = rho.reshape((batch,) + (2,) * (2 * n)).transpose([0] + [a for k in range(n) for a in (1 + k, 1 + n + k)])
    c = np.ascontiguousarray(t, dtype=complex).reshape(batch, 4**n)
    for k in range(n):
        c = middle_matmul(_TO_PAULI, c.reshape(batch * 4**k, 4, 4 ** (n - k - 1))).reshape(batch, 4**n)
    return c


def from_pauli(c: NDArray) -> NDArray[np.complex128]:
    r"""Matrices :math:`2^{-N}\sum_{\mathbf p} c_{\mathbf p}P_{\mathbf p}` (B, 2^N, 2^N) of coefficient vectors (B, 4^N)."""
    batch, n = c.shape[0], _sites_of(c.shape[-1])
    t = np.asarray(c, dtype=complex)
    for k in range(n):
        t = middle_matmul(_FROM_PAULI, t.reshape(batch * 4**k, 4, 4 ** (n - k - 1)))
    t = t.reshape((batch,) + (2,) * (2 * n)).transpose([0] + [1 + 2 * k for k in range(n)] + [2 + 2 * k for k in range(n)])
    return np.ascontiguousarray(t).reshape(batch, 2**n, 2**n)


def superoperator_from_pauli(transfer: NDArray) -> NDArray[np.complex128]:
    r"""The superoperator on row-major vec(ρ) (..., d², d²) of real Pauli transfer matrices (..., 4^N, 4^N).

    With :math:`c = M\,\mathrm{vec}\rho` (:func:`to_pauli`) and :math:`\mathrm{vec}\rho = Tc`
    (:func:`from_pauli`), :math:`S = TRM`. Row p of :math:`RM` is
    :math:`\mathrm{vec}\big((\sum_q R_{pq}P_q)^T\big)` (because
    :math:`c_q = \mathrm{vec}(P_q^T)\cdot\mathrm{vec}\rho`), so both factors are applied site by
    site: two :func:`from_pauli` passes, no :math:`4^N\times4^N` basis-change matrix.
    """
    batch, size = transfer.shape[:-2], transfer.shape[-1]
    d = 2 ** _sites_of(size)
    rows = from_pauli(np.asarray(transfer).reshape(-1, size)) * d  # (B * 4^N, d, d): sum_q R_pq P_q
    rm = np.swapaxes(rows, -1, -2).reshape(-1, size, d * d)  # (B, 4^N, d²): R M
    columns = from_pauli(np.swapaxes(rm, -1, -2).reshape(-1, size))  # T applied to each column of R M
    return np.swapaxes(columns.reshape(-1, d * d, d * d), -1, -2).reshape(*batch, d * d, d * d)


def pauli_from_superoperator(superoperator: NDArray) -> NDArray[np.float64]:
    r"""Real Pauli transfer matrices (..., 4^N, 4^N) of Hermiticity-preserving superoperators (..., d², d²).

    The inverse of :func:`superoperator_from_pauli`: :math:`R = MST`, column q being the Pauli
    coefficients of :math:`\Phi(P_q)/2^N` (the imaginary part, zero for a
    Hermiticity-preserving map up to rounding, is dropped); both factors site by site, as there.
    """
    s = np.asarray(superoperator)
    d2 = s.shape[-1]
    d = math.isqrt(d2)
    # Row r of S T is T^T applied to row r of S, and T^T vec(A) = to_pauli(A^T) / 2^N.
    st = to_pauli(np.swapaxes(s.reshape(-1, d, d), -1, -2)).reshape(-1, d2, d2) / d  # (B, d², 4^N)
    images = np.swapaxes(st, -1, -2).reshape(-1, d, d)  # column q of S T: Phi(P_q) / 2^N
    return np.swapaxes(to_pauli(images).real.reshape(*s.shape[:-2], d2, d2), -1, -2)


def observable_from_pauli(functional: NDArray) -> NDArray[np.complex128]:
    r"""The matrix G (..., d, d) with :math:`\mathrm{Tr}[\rho G] = f\cdot c`: :math:`G = \sum_p f_pP_p`."""
    size = functional.shape[-1]
    d = 2 ** _sites_of(size)
    return (from_pauli(np.asarray(functional).reshape(-1, size)) * d).reshape(*functional.shape[:-1], d, d)


def gate_transfer(unitary: NDArray) -> NDArray[np.float64]:
    r"""PTM (..., 16, 16) of :math:`\sigma\mapsto U\sigma U^\dagger` for 4×4 U (..., 4, 4) in the kron basis."""
    u = np.asarray(unitary)[..., None, :, :]
    images = u @ _PAIR_PAULIS @ np.swapaxes(u.conj(), -1, -2)  # U P_b U^dagger, (..., 16, 4, 4)
    # R_ab = Tr[P_a U P_b U^dagger] / 4 = sum_ij (P_a)_ij (image_b)_ji / 4
    columns = np.swapaxes(np.swapaxes(images, -1, -2).reshape(*images.shape[:-2], 16), -1, -2)
    return (_PAIR_PAULIS.reshape(16, 16) @ columns).real / 4


def channel_transfer(tensor: NDArray) -> NDArray[np.float64]:
    r"""PTM (..., 4, 4) of one-site channels given as :class:`~circuitheat.network.step.LocalChannel`'s ``tensor``."""
    t = np.asarray(tensor)
    batch = t.shape[:-4]
    # two real-batch GEMMs: E(P_q)_xy = sum_bc C_xybc (P_q)_bc, then R_pq = sum_xy (P_p)_yx E(P_q)_xy / 2
    images = (t.reshape(-1, 4) @ PAULIS.reshape(4, 4).T).reshape(-1, 4, 4)  # (B, xy, q)
    transposed = np.swapaxes(images, -1, -2).reshape(-1, 4) @ _TO_PAULI.T  # (B * q, p)
    return np.swapaxes(transposed.reshape(*batch, 4, 4), -1, -2).real / 2


def _functional(observable: NDArray, paulis: NDArray) -> NDArray[np.float64]:
    r"""Coefficients f with :math:`\mathrm{Tr}[\sigma O] = \sum_p f_p c_p` for a Hermitian O on k sites.

    :math:`f_p = \mathrm{Tr}[P_pO]/2^k`.
    """
    o = np.asarray(observable)
    dim = o.shape[-1]
    # f_p = sum_ij (P_p)_ij O_ji: one GEMM over the batch
    return (o.reshape(-1, dim * dim) @ paulis.transpose(0, 2, 1).reshape(-1, dim * dim).T).real.reshape(*o.shape[:-2], -1) / dim


@dataclass(frozen=True)
class PauliOperation:
    """A PTM on one site (4×4) or on a pair of sites (16×16, first slot ``sites[0]``).

    In a batched step (:func:`chained_step`) ``transfer`` may hold one PTM per point (M, k, k);
    such a step is used through its dense matrices, not :meth:`apply`.
    """

    sites: tuple[int, ...]
    transfer: NDArray

    def apply(self, c: NDArray, n: int, *, transpose: bool = False) -> NDArray:
        """The operation (or its transpose, which pulls a functional back through it) on vectors (B, 4^N)."""
        m = self.transfer.T if transpose else self.transfer
        if len(self.sites) == 2:
            return _apply_pair(m, c, n, *self.sites)
        (s,) = self.sites
        return middle_matmul(m, c.reshape(c.shape[0] * 4**s, 4, 4 ** (n - s - 1))).reshape(c.shape[0], -1)


@dataclass(frozen=True)
class PauliStep:
    r"""One step of a network on Pauli coefficient vectors (see the module docstring).

    Attributes
    ----------
    sites : int
        N.
    names : tuple of str
        Reservoir names.
    operations : tuple of PauliOperation
        The step's operations, each channel fused into the nearest operation on its site (it
        commutes with everything in between): the N-site chain's step is N - 1 products.
    readout : ndarray (len(names) + 2, 4^N)
        Rows :math:`f_r` with :math:`\sum_{c\in r}\mathrm{Tr}[\sigma_cg_c] = f_r\cdot c` (the
        energy of reservoir r's ancillas after the step), then the work functional, then the
        system energy after the step: each local functional of
        :func:`~circuitheat.network.step.compile_step`'s operations pulled back to the state
        before the step through the operations before it (the Pauli-basis :math:`G_r` and
        :math:`W_{op}` of :class:`~circuitheat.network.step.StepMap`), and
        :math:`\sum_i(\omega_i/2)c_{Z_i}` pulled back through the whole step. (M, rows, 4^N)
        for a batched step.
    transfer : ndarray (M, 4^N, 4^N) or None
        A batched step's dense step matrices, one per point (:func:`chained_step`); its
        operations are then left unfused. None for one network (:meth:`transfer_matrix`
        builds R from the operations).
    """

    sites: int
    names: tuple[str, ...]
    operations: tuple[PauliOperation, ...]
    readout: NDArray
    transfer: NDArray | None = None

    def advance(self, c: NDArray, *, readout: bool = True) -> tuple[NDArray, dict[str, NDArray]]:
        r"""One step of coefficient vectors ``c`` (B, 4^N), real or complex.

        Returns the vectors after the step and, with ``readout``, the energy of each
        reservoir's ancillas after their collisions in this step (dict name -> (B,)), the
        work under the key :data:`~circuitheat.network.step.WORK` and the system energy after
        the step under :data:`ENERGY_AFTER`, each linear in ``c`` (one product for all).
        """
        values = {}
        if readout:
            table = c @ self.readout.T
            values = {name: table[:, k] for k, name in enumerate((*self.names, WORK, ENERGY_AFTER))}
        for op in self.operations:
            c = op.apply(c, self.sites)
        return c, values

    def transfer_matrix(self) -> NDArray[np.float64]:
        """The step's dense real PTM R (4^N, 4^N) (or (M, 4^N, 4^N)): ``advance`` of every basis vector (column q = R e_q)."""
        if self.transfer is not None:  # a batched step: built with its readouts (chained_step)
            return self.transfer
        return np.ascontiguousarray(self.advance(np.eye(4**self.sites), readout=False)[0].T)


def _pair_view(c: NDArray, i: int, j: int) -> NDArray:
    """View (B, 4, 4) of the coefficients of sites (i, j) (axes in that order) with the identity on every other site."""
    lo, hi = min(i, j), max(i, j)
    t = c.reshape(c.shape[0], 4**lo, 4, 4 ** (hi - lo - 1), 4, -1)[:, 0, :, 0, :, 0]
    return t if i < j else t.transpose(0, 2, 1)


def _apply_pair(transfer: NDArray, c: NDArray, n: int, i: int, j: int) -> NDArray:
    """A 16×16 PTM on sites (i, j) of vectors (B, 4^N): one product for neighbours, a contraction otherwise."""
    batch = c.shape[0]
    if j < i:  # the same operation with its two slots exchanged, on (j, i)
        transfer, i, j = _exchange_slots(transfer), j, i
    if j == i + 1:
        return middle_matmul(transfer, c.reshape(batch * 4**i, 16, 4 ** (n - i - 2))).reshape(batch, -1)
    t = c.reshape(batch * 4**i, 4, 4 ** (j - i - 1), 4, 4 ** (n - j - 1))
    out = np.tensordot(transfer.reshape(4, 4, 4, 4), t, axes=([2, 3], [1, 3]))  # (p, q, X, mid, R)
    return np.ascontiguousarray(out.transpose(2, 0, 3, 1, 4)).reshape(batch, -1)


def _on_rows(m: NDArray, r: NDArray, n: int, sites: tuple[int, ...]) -> NDArray:
    """``m`` (k, k), or one per point (M, k, k), applied to the row index of matrices ``r`` (4^N, D) or (M, 4^N, D).

    Rows stay before columns, so a point's k×k PTM multiplies a contiguous block: one
    small product per point for the first site (measured faster than applying it to the
    4^N columns as vectors).
    """
    if len(sites) == 2 and sites[1] < sites[0]:
        m, sites = _exchange_slots(m), sites[::-1]
    i, k = sites[0], m.shape[-1]
    lead = r.shape[:-2]
    if len(sites) == 1 or sites[1] == i + 1:
        if m.ndim == 3 and r.ndim == 2:  # every point's PTM on one shared matrix: one GEMM (M k, k) @ (k, 4^i rest)
            view = r.reshape(4**i, k, -1).transpose(1, 0, 2).reshape(k, -1)
            out = (m.reshape(-1, k) @ view).reshape(m.shape[0], k, 4**i, -1)
            return np.ascontiguousarray(out.transpose(0, 2, 1, 3)).reshape(m.shape[0], *r.shape)
        view = r.reshape(*lead, 4**i, k, -1)
        out = np.matmul(m[..., None, :, :] if m.ndim == 3 else m, view)
        return out.reshape(*np.broadcast_shapes(m.shape[:-2], lead), *r.shape[-2:])
    j = sites[1]
    t = r.reshape(*lead, 4**i, 4, 4 ** (j - i - 1), 4, -1)
    out = np.einsum("...pqab,...xaybr->...xpyqr", m.reshape(*m.shape[:-2], 4, 4, 4, 4), t)
    return out.reshape(*out.shape[:-5], *r.shape[-2:])


def _exchange_slots(transfer: NDArray) -> NDArray:
    """A 16×16 PTM (or a batch (..., 16, 16)) with its two sites exchanged."""
    batch = transfer.shape[:-2]
    return np.swapaxes(np.swapaxes(transfer.reshape(*batch, 4, 4, 4, 4), -4, -3), -2, -1).reshape(*batch, 16, 16)


def _on_slots(op: PauliOperation, sites: tuple[int, ...]) -> NDArray:
    """``op``'s PTM written on ``sites`` (a pair containing op's sites, or op's own single site)."""
    if op.sites == sites:
        return op.transfer
    if len(op.sites) == 2:
        return _exchange_slots(op.transfer)
    eye = np.eye(4)
    return np.kron(op.transfer, eye) if op.sites[0] == sites[0] else np.kron(eye, op.transfer)


def _fused(ops: list[PauliOperation]) -> tuple[PauliOperation, ...]:
    """Operations in step order, each merged into the last earlier one it shares a site with when both fit on two sites.

    Moving an operation back past operations on other sites changes nothing (they act on
    different tensor factors), so the product is the step itself.
    """
    out: list[PauliOperation] = []
    for op in ops:
        earlier = next((k for k in range(len(out) - 1, -1, -1) if set(op.sites) & set(out[k].sites)), None)
        union = set(op.sites) | (set() if earlier is None else set(out[earlier].sites))
        if earlier is None or len(union) > 2:
            out.append(op)
            continue
        slots = out[earlier].sites if len(out[earlier].sites) == len(union) else op.sites  # the wider one
        out[earlier] = PauliOperation(slots, _on_slots(op, slots) @ _on_slots(out[earlier], slots))
    return tuple(out)


def _embedded(functional: NDArray, sites: tuple[int, ...], n: int) -> NDArray:
    """A functional (..., 4^k) on the Pauli coefficients of ``sites`` as one on the whole vector (..., 4^N)."""
    batch = functional.shape[:-1]
    full = np.zeros((math.prod(batch), 4**n))
    flat = functional.reshape(-1, 4 ** len(sites))
    if len(sites) == 1:
        full.reshape(-1, 4 ** sites[0], 4, 4 ** (n - sites[0] - 1))[:, 0, :, 0] = flat
    else:
        _pair_view(full, *sites)[...] = flat.reshape(-1, 4, 4)
    return full.reshape(*batch, 4**n)


def pauli_operation(op: LocalUnitary | LocalChannel, tensor: NDArray | None = None) -> PauliOperation:
    """The PTM of one compiled operation; for a channel, ``tensor`` replaces its own (e.g. an outcome branch)."""
    if isinstance(op, LocalUnitary):
        return PauliOperation(op.sites, gate_transfer(op.matrix))
    return PauliOperation((op.site,), channel_transfer(op.tensor if tensor is None else tensor))


@dataclass(frozen=True)
class PauliParts:
    """The operations of a compiled step in the Pauli basis, before they are chained (:func:`pauli_parts`).

    Attributes
    ----------
    operations : tuple of PauliOperation
        One PTM per compiled operation, in step order.
    functionals : tuple of dict
        Per operation, readout row name -> functional (..., 4^k) on the Pauli coefficients of
        the operation's own k sites, read just before it (the ancilla energy of a collision,
        the work of a gate).
    """

    operations: tuple[PauliOperation, ...]
    functionals: tuple[dict[str, NDArray], ...]


def pauli_parts(ops: tuple[LocalUnitary | LocalChannel, ...]) -> PauliParts:
    """The PTMs and local readout functionals of :func:`~circuitheat.network.step.compile_step`'s operations.

    Arrays keep the operations' own leading batch dimensions (a batched network's part that
    depends on one axis is converted once per value of that axis).
    """
    operations: list[PauliOperation] = []
    functionals: list[dict[str, NDArray]] = []
    for op in ops:
        operations.append(pauli_operation(op))
        if isinstance(op, LocalUnitary):
            functionals.append({WORK: _functional(op.work, _PAIR_PAULIS)})
        else:
            functionals.append({op.reservoir: _functional(op.observable, PAULIS), WORK: _functional(op.work, PAULIS)})
    return PauliParts(tuple(operations), tuple(functionals))


def pauli_step(ops: tuple[LocalUnitary | LocalChannel, ...], sites: int, names: tuple[str, ...], omega) -> PauliStep:
    """The :class:`PauliStep` of :func:`~circuitheat.network.step.compile_step`'s operations (``omega``: N site frequencies)."""
    return chained_step(pauli_parts(ops), sites, names, omega)


@functools.cache
def _local_rows(sites: tuple[int, ...], n: int) -> NDArray[np.intp]:
    """Positions in the 4^N vector of the coefficients of ``sites`` with the identity on every other site."""
    rows = np.argmax(_embedded(np.eye(4 ** len(sites)), sites, n), axis=-1)
    rows.setflags(write=False)
    return rows


def _z_rows(n: int) -> list[int]:
    """Positions of :math:`Z_i` (the identity elsewhere), i = 0..N-1, in the 4^N vector."""
    return [_Z * 4 ** (n - 1 - i) for i in range(n)]


def _functional_on(f: NDArray, before: NDArray) -> NDArray:
    """``f`` (4^k,) or (M, 4^k) applied to the local rows ``before`` (4^k, D) or (M, 4^k, D): (D,) or (M, D)."""
    if before.ndim == 2:
        return f @ before
    return np.einsum("zk,zkd->zd", f, before) if f.ndim == 2 else np.einsum("k,zkd->zd", f, before)


def chained_step(parts: PauliParts, sites: int, names: tuple[str, ...], omega) -> PauliStep:
    r"""The :class:`PauliStep` of :func:`pauli_parts`: readouts pulled back to the start of the step, operations fused.

    Parts with one leading point axis M (as :mod:`circuitheat.network.batch` gathers them;
    unbatched arrays are shared by every point) give a batched step, used through its dense
    matrices: one forward pass builds every point's step matrix :math:`R = O_m\cdots O_1`
    (:attr:`PauliStep.transfer`, (M, 4^N, 4^N)) and, from the partial products
    :math:`O_{k-1}\cdots O_1`, the readout rows (M, rows, 4^N).
    """
    n = sites
    rows = (*names, WORK, ENERGY_AFTER)
    operations = parts.operations
    energy = np.zeros(4**n)
    energy[_z_rows(n)] = 0.5 * np.asarray(omega, dtype=float)
    points = {f.shape[0] for functionals in parts.functionals for f in functionals.values() if f.ndim == 2}
    points |= {op.transfer.shape[0] for op in operations if op.transfer.ndim == 3}
    if points:
        return _batched_chain(parts, n, tuple(names), energy, points.pop())
    # g_k = R_k^T g_{k+1} + f_k, from the last operation back to the first.
    readout = np.zeros((len(rows), 4**n))
    readout[-1] = energy
    for operation, functionals in zip(reversed(operations), reversed(parts.functionals), strict=True):
        readout = operation.apply(readout, n, transpose=True)
        for name, f in functionals.items():
            readout[rows.index(name)] += _embedded(f, operation.sites, n)
    fused = _fused(list(operations))
    for array in (readout, *(op.transfer for op in fused)):
        array.setflags(write=False)
    return PauliStep(sites, tuple(names), fused, readout)


def _batched_chain(parts: PauliParts, n: int, names: tuple[str, ...], energy: NDArray, points: int) -> PauliStep:
    """:func:`chained_step` of a batch of M points: the partial products forward, each local readout taken from them."""
    rows = (*names, WORK, ENERGY_AFTER)
    readout = np.zeros((points, len(rows), 4**n))
    product = np.eye(4**n)  # O_{k-1} ... O_1, shared until the first batched operation
    for operation, functionals in zip(parts.operations, parts.functionals, strict=True):
        before = product[..., _local_rows(operation.sites, n), :]  # (M?, 4^k, 4^N): the local coefficients
        for name, f in functionals.items():
            readout[:, rows.index(name)] += _functional_on(f, before)
        product = _on_rows(operation.transfer, product, n, operation.sites)
    readout[:, -1] = _functional_on(energy[_z_rows(n)], product[..., _z_rows(n), :])
    transfer = np.ascontiguousarray(np.broadcast_to(product, (points, 4**n, 4**n)))
    for array in (readout, transfer, *(op.transfer for op in parts.operations)):
        array.setflags(write=False)
    return PauliStep(n, names, parts.operations, readout, transfer)
