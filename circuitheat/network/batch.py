r"""Batched networks: the steady currents and trajectories of every point of a batch at once.

A batched :class:`~circuitheat.CollisionNetwork` (:attr:`~circuitheat.CollisionNetwork.batch_shape`
non-empty) holds one network per batch index: its gates (..., 4, 4) and ancilla states
(..., 2, 2) carry leading dimensions that broadcast together, while the sites, omegas and the
order of the step are shared. It is what a vectorised builder returns
(``sweep(axes, build=f, vectorized=True)``).

Nothing here defines a step again: :func:`~circuitheat.network.step.compile_step` compiles
the batched network once (every array on its own, small, batch shape: a gate that depends on
one axis is compiled once per value of that axis), and blocks of points (:func:`default_block_points`)
go through :func:`~circuitheat.network.pauli.chained_step` with one PTM per point, which
gives every point's real step matrix :math:`R` (:math:`4^N\times4^N`) and readout rows.

* **Steady state.** With :math:`c_0 = \mathrm{Tr}\rho = 1` and a trace-preserving step
  (:math:`R_{00} = 1`, :math:`R_{0q} = 0`), the fixed point's traceless coefficients solve
  :math:`(I - R_{11})\,x = R_{10}`: one batched real :math:`(4^N-1)\times(4^N-1)` solve per
  block, as :func:`circuitheat.steady_state` does for one network (module
  :mod:`circuitheat.fixed_point`). Uniqueness: the coupling-graph check of
  :func:`~circuitheat.network.reachability.check_reachable` at every point, a singular or
  ill-conditioned matrix (an estimated reciprocal condition number below
  :data:`~circuitheat.fixed_point.RCOND_TOLERANCE`) and a solution that is no state
  (Frobenius norm > 1) are refused, naming the batch index
  (:class:`~circuitheat.validation.BatchPointError`). A network of the paper's structure
  (:func:`paper_structure`) takes the paper model's closed-form batched solver instead
  (``closed_form=True``, the default; tested equal).
* **Trajectories.** :math:`c_k = R\,c_{k-1}`; the currents and the work of step k are the
  readout rows applied to :math:`c_{k-1}` (Eqs. 10–11 generalised; :mod:`~circuitheat.network.step`),
  for all steps by batched doubling without storing the states
  (:func:`circuitheat.ptm.propagate_observed`, as the paper's sweep).

Tested against the per-point networks (``tests/test_network_batch.py``: random networks of
1–4 sites at 1e-10, the paper's grid against :func:`circuitheat.steady_heat_current` at 1e-12).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..fixed_point import RCOND_TOLERANCE, STATE_NORM_SLACK, _not_unique
from ..ptm import bloch_vector, paper_steady_heat, propagate_observed
from ..resources import check_memory
from ..states import system_initial_state
from ..validation import BatchPointError, InputValueError, check_count
from .gates import partial_swap_matrix
from .pauli import PauliOperation, PauliParts, chained_step, pauli_parts, to_pauli
from .reachability import check_reachable
from .spec import Collision, CollisionNetwork, Interaction, check_network
from .step import compile_step, energies_before

__all__ = [
    "BATCH_MAX_SITES",
    "BLOCK_BYTES",
    "BLOCK_POINTS",
    "PARTIAL_SWAP_MATCH",
    "BatchSteady",
    "BatchTrajectories",
    "batch_steady",
    "batch_trajectories",
    "default_block_points",
    "paper_structure",
    "partial_swap_angles",
]

#: Most points per block (N = 2: the block's 16×16 step matrices, 2 MiB, stay in the CPU
#: caches; larger blocks ran slower, numpy's small-matrix products being memory bound).
BLOCK_POINTS = 1024

#: Bytes of one block's step matrices (M × 4^N × 4^N doubles) that set the default block
#: size beyond N = 2: measured on chains, 1024 points of N = 4 (512 MiB) took 5.1 ms per
#: point and 16 points (8 MiB) 1.6 ms; N = 3 was flat from 32 to 256 points.
BLOCK_BYTES = 8 * 2**20


def default_block_points(sites: int) -> int:
    """Points per block for N sites: :data:`BLOCK_BYTES` of step matrices, at most :data:`BLOCK_POINTS`."""
    return max(1, min(BLOCK_POINTS, BLOCK_BYTES // (8 * 16**sites)))


#: Largest N of a batched network: every point's dense :math:`4^N\times4^N` step matrix is
#: built (N = 4: 0.5 MiB per point).
BATCH_MAX_SITES = 4


@dataclass(frozen=True)
class BatchSteady:
    """Steady values of every point of a batched network (arrays of its batch shape).

    Attributes
    ----------
    currents : mapping name -> ndarray
        Steady per-step heat current :math:`J_r^{steady}` of each reservoir (positive into r).
    work : ndarray
        Steady work per step :math:`W^{steady}` (first law: :math:`\\sum_r J_r^{steady} = W^{steady}`).
    """

    currents: Mapping[str, NDArray]
    work: NDArray


@dataclass(frozen=True)
class BatchTrajectories:
    """Per-step currents and work of every point of a batched network (arrays (*batch_shape, n)).

    Attributes
    ----------
    currents : mapping name -> ndarray
        :math:`J_r(k)`, k = 1..n (positive into r).
    work : ndarray
        :math:`W(k)`, the work the step's gates do.
    """

    currents: Mapping[str, NDArray]
    work: NDArray


def _check_batched(network: object) -> CollisionNetwork:
    if not isinstance(network, CollisionNetwork) or not network.batch_shape:
        check_network(network)  # the TypeError for a non-network
        raise InputValueError(
            f"network must be a batched CollisionNetwork (non-empty batch_shape), got batch shape {network.batch_shape}"
        )
    if network.sites > BATCH_MAX_SITES:
        raise InputValueError(
            f"a batched network may have at most {BATCH_MAX_SITES} sites (each point's dense step matrix is built), "
            f"got sites={network.sites}"
        )
    return network


def _gather(array: NDArray, core: int, shape: tuple[int, ...], index: tuple[NDArray, ...]) -> NDArray:
    """``array`` (own batch..., core...) at the flat grid points ``index`` of ``shape``: (M, core...); shared if unbatched."""
    array = np.asarray(array)
    if array.ndim == core:
        return array
    return np.broadcast_to(array, shape + array.shape[array.ndim - core :])[index]


def _block_parts(parts: PauliParts, shape: tuple[int, ...], index: tuple[NDArray, ...]) -> PauliParts:
    """The step's Pauli-basis parts at the points ``index`` (each array with one point axis, or shared)."""
    return PauliParts(
        tuple(PauliOperation(op.sites, _gather(op.transfer, 2, shape, index)) for op in parts.operations),
        tuple({name: _gather(f, 1, shape, index) for name, f in fs.items()} for fs in parts.functionals),
    )


def _blocks(network: CollisionNetwork, block_points: int):
    """Yield (flat slice, PauliStep of the block, ancilla energies before the step per reservoir (M,))."""
    shape = network.batch_shape
    ops = compile_step(network)
    parts = pauli_parts(ops)  # on each part's own batch shape
    before = energies_before(ops, network.reservoir_names)
    size = math.prod(shape)
    d2 = 4**network.sites
    check_memory(f"batched step matrices of sites={network.sites}", 3 * 8 * d2 * d2 * min(size, block_points))
    for start in range(0, size, block_points):
        flat = slice(start, min(size, start + block_points))
        index = np.unravel_index(np.arange(flat.start, flat.stop), shape)
        m = flat.stop - flat.start
        energies = {name: np.broadcast_to(_gather(e, 0, shape, index), (m,)) for name, e in before.items()}
        step = chained_step(_block_parts(parts, shape, index), network.sites, network.reservoir_names, network.omega)
        yield flat, step, energies


#: The probe right-hand side of the condition estimate (:func:`_solve`): fixed, so results
#: are reproducible; +-1 entries, so no singular direction is missed by construction of zeros.
_PROBE_SEED = 20261202


@functools.cache
def _probe(size: int) -> NDArray[np.float64]:
    probe = np.random.default_rng(_PROBE_SEED).choice([-1.0, 1.0], size=size)
    probe.setflags(write=False)
    return probe


def _solve(a: NDArray, b: NDArray, start: int, shape: tuple[int, ...]) -> NDArray:
    r"""Batched solve of :math:`(I - R_{11})x = R_{10}`; a singular or ill-conditioned point is refused naming its index.

    The reciprocal condition number (1-norm) of each point is estimated from the same LU
    factorisation with one more right-hand side z: :math:`\|A^{-1}\|_1 \ge \|A^{-1}z\|_1/\|z\|_1`,
    so the estimate :math:`1/(\|A\|_1\|A^{-1}z\|_1/\|z\|_1)` is an upper bound of the true
    rcond, tight to a modest factor for a random z (Hager's estimator's first step, the
    probe LAPACK's ``gecon`` refines). Below :data:`~circuitheat.fixed_point.RCOND_TOLERANCE`
    the point is refused, as :func:`circuitheat.steady_state` refuses one network.
    """
    probe = _probe(a.shape[-1])
    rhs = np.empty((*b.shape, 2))
    rhs[..., 0] = b
    rhs[..., 1] = probe
    try:
        both = np.linalg.solve(a, rhs)
    except np.linalg.LinAlgError:
        for k in range(a.shape[0]):
            try:
                np.linalg.solve(a[k], b[k])
            except np.linalg.LinAlgError:
                where = tuple(map(int, np.unravel_index(start + k, shape)))
                raise BatchPointError(str(_not_unique("the step matrix has the eigenvalue 1 more than once")), where) from None
        raise
    inverse = np.sum(np.abs(both[..., 1]), axis=-1) / probe.size  # ||A^-1 z||_1 / ||z||_1
    rcond = 1.0 / (np.max(np.sum(np.abs(a), axis=-2), axis=-1) * inverse)
    if not np.all(rcond >= RCOND_TOLERANCE):
        k = int(np.argmin(np.where(np.isnan(rcond), -np.inf, rcond)))
        where = tuple(map(int, np.unravel_index(start + k, shape)))
        detail = f"estimated reciprocal condition number {rcond[k]:.2e} < {RCOND_TOLERANCE:g}"
        raise BatchPointError(str(_not_unique(detail)), where)
    return both[..., 0]


def batch_steady(network: CollisionNetwork, *, block_points: int | None = None, closed_form: bool = True) -> BatchSteady:
    r"""Steady currents and work of every point of a batched network (module docstring).

    Parameters
    ----------
    network : CollisionNetwork
        A batched network (:attr:`~circuitheat.CollisionNetwork.batch_shape` non-empty), N <= 4.
    block_points : int, optional
        Points per block (memory: about 24 × 16^N bytes per point); default
        :func:`default_block_points`.
    closed_form : bool
        For a network with the paper's structure (:func:`paper_structure`: two resonant
        sites, a partial swap between them, then one partial-swap collision per site with
        the same angle), take the paper model's batched solver
        (:func:`circuitheat.ptm.paper_steady_heat`, the fast path of
        :func:`circuitheat.steady_heat_current`; tested equal to the general path). False
        always takes the general path.

    Returns
    -------
    BatchSteady
        Arrays of the network's batch shape.

    Raises
    ------
    ValueError
        A fixed point that is not unique at some point (naming its batch index).
    """
    network = _check_batched(network)
    block_points = default_block_points(network.sites) if block_points is None else check_count("block_points", block_points)
    check_reachable(network)
    shape = network.batch_shape
    if math.prod(shape) == 0:  # no points: empty arrays, as ch.steady_heat_current of an empty grid
        return BatchSteady(MappingProxyType({name: np.zeros(shape) for name in network.reservoir_names}), np.zeros(shape))
    if closed_form:
        paper = paper_structure(network)
        if paper is not None:
            return _paper_steady(network, *paper)
    size, n = math.prod(shape), network.sites
    currents = {name: np.empty(size) for name in network.reservoir_names}
    work = np.empty(size)
    for flat, step, energies in _blocks(network, block_points):
        m = flat.stop - flat.start
        r, readout = step.transfer, step.readout  # (M, 4^N, 4^N), (M, rows, 4^N): a batched step
        a = np.negative(r[:, 1:, 1:])
        a.reshape(m, -1)[:, :: 4**n] += 1.0  # I - R_11: the diagonal of each (4^N - 1)^2 block
        c = np.empty((m, 4**n))
        c[:, 0] = 1.0
        c[:, 1:] = _solve(a, r[:, 1:, 0], flat.start, shape)
        norms = np.sqrt(np.sum(c * c, axis=1) / 2**n)  # ||rho||_F^2 = sum_p c_p^2 / 2^N
        if not np.all(norms <= 1 + STATE_NORM_SLACK):
            k = int(np.argmax(np.where(np.isfinite(norms), norms, np.inf)))
            where = tuple(map(int, np.unravel_index(flat.start + k, shape)))
            raise BatchPointError(str(_not_unique(f"the solution is no state (Frobenius norm {norms[k]:.3g} > 1)")), where)
        table = np.einsum("zd,zrd->zr", c, readout)
        for k, name in enumerate(network.reservoir_names):
            currents[name][flat] = table[:, k] - energies[name]
        work[flat] = table[:, len(network.reservoir_names)]
    return BatchSteady(MappingProxyType({name: v.reshape(shape) for name, v in currents.items()}), work.reshape(shape))


#: Largest max|U - U(theta)| with which a gate counts as the partial swap U(theta) of angle
#: theta = atan2(Im U_12, Re U_11) for the closed-form path: matrices from
#: :func:`~circuitheat.network.partial_swap_matrix` match exactly, a typed or converted one to
#: rounding; anything else (e.g. a global phase) takes the general path.
PARTIAL_SWAP_MATCH = 1e-13


def partial_swap_angles(matrix: NDArray) -> NDArray[np.float64] | None:
    r"""The angles :math:`\theta` (the gates' batch shape) if the gates are the partial swaps :math:`U(\theta)`, else None.

    :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}` (Eqs. 3–5), matched to
    :data:`PARTIAL_SWAP_MATCH`.
    """
    theta = np.arctan2(matrix[..., 1, 2].imag, matrix[..., 1, 1].real)
    if np.max(np.abs(matrix - partial_swap_matrix(theta))) > PARTIAL_SWAP_MATCH:
        return None
    return theta


def paper_structure(network: CollisionNetwork) -> tuple[NDArray, NDArray, str, str] | None:
    r"""(gamma, delta, first reservoir, second reservoir) if ``network`` has the paper's structure (Eq. 8), else None.

    The structure: two sites and every :math:`\omega` equal (sites and both ancillas), step
    :math:`V(\delta)` on (0, 1), then a collision of site 0 with one reservoir and of site 1
    with another, both by the partial swap of the same angle :math:`\gamma` (per point);
    the ancilla states are arbitrary.
    """
    step = network.step
    if network.sites != 2 or len(step) != 3 or not isinstance(step[0], Interaction):
        return None
    first, second = step[1], step[2]
    if not (isinstance(first, Collision) and isinstance(second, Collision)):
        return None
    if (first.site, second.site) != (0, 1) or first.reservoir == second.reservoir:
        return None
    omegas = {*network.omega, network.ancilla(first.reservoir).omega, network.ancilla(second.reservoir).omega}
    if len(omegas) != 1:
        return None
    delta, gamma, gamma_second = (partial_swap_angles(op.matrix) for op in step)
    if delta is None or gamma is None or gamma_second is None:
        return None
    if not np.array_equal(*np.broadcast_arrays(gamma, gamma_second)):
        return None
    return gamma, delta, first.reservoir, second.reservoir


def _paper_steady(network: CollisionNetwork, gamma: NDArray, delta: NDArray, first: str, second: str) -> BatchSteady:
    """:func:`batch_steady` of a network with the paper's structure by the paper's batched solver."""
    from ..steady import UNIQUENESS_TOLERANCE, gamma_not_unique

    shape = network.batch_shape
    relax = np.broadcast_to(np.sin(gamma) ** 2, shape)
    if not np.all(relax >= UNIQUENESS_TOLERANCE):  # the paper model's own refusal, at the first such point
        where = tuple(map(int, np.unravel_index(int(np.argmin(relax)), shape)))
        raise BatchPointError(gamma_not_unique(float(np.broadcast_to(gamma, shape)[where])), where)
    heat = paper_steady_heat(
        gamma,
        delta,
        bloch_vector(network.ancilla(first).state),
        bloch_vector(network.ancilla(second).state),
        network.omega[0],
    )
    heat = np.broadcast_to(heat, shape)
    currents = {first: np.array(heat), second: -heat}  # resonant partial swaps do no work: J_c = -J_h (Sec. II)
    return BatchSteady(MappingProxyType({name: currents[name] for name in network.reservoir_names}), np.zeros(shape))


def batch_trajectories(
    network: CollisionNetwork,
    n_steps: int,
    initial_state: str | ArrayLike | None = None,
    *,
    block_points: int | None = None,
) -> BatchTrajectories:
    r"""Per-step currents :math:`J_r(k)` and work :math:`W(k)`, k = 1..n, of every point of a batched network.

    Parameters
    ----------
    network : CollisionNetwork
        A batched network, N <= 4.
    n_steps : int
        Number of steps n >= 1.
    initial_state : str or array_like, optional
        The system state at k = 0, shared by every point: a label of 0/1 per site (0 =
        excited) or a density matrix; default every site in its ground state.
    block_points : int, optional
        Points per block; default :func:`default_block_points`.

    Returns
    -------
    BatchTrajectories
        Arrays (*batch_shape, n).
    """
    network = _check_batched(network)
    n_steps = check_count("n_collisions", n_steps)
    block_points = default_block_points(network.sites) if block_points is None else check_count("block_points", block_points)
    shape, n = network.batch_shape, network.sites
    size = math.prod(shape)
    rho0 = system_initial_state(initial_state, sites=n)
    if size == 0:  # no points: empty arrays
        empty = np.zeros((*shape, n_steps))
        return BatchTrajectories(MappingProxyType({name: empty.copy() for name in network.reservoir_names}), empty)
    check_memory(f"batched trajectories of {size} points x {n_steps} steps", 8 * size * n_steps * (len(network.reservoirs) + 1))
    c0 = to_pauli(rho0[None]).real[0]
    names = network.reservoir_names
    currents = {name: np.empty((size, n_steps)) for name in names}
    work = np.empty((size, n_steps))
    for flat, step, energies in _blocks(network, block_points):
        r, readout = step.transfer, step.readout  # (M, 4^N, 4^N), (M, rows, 4^N): a batched step
        rows = readout[:, : len(names) + 1]  # the currents' rows, then the work's
        table = np.moveaxis(propagate_observed(r, c0, rows, n_steps), 1, 0)  # (rows, M, n): rows . R^k c0, k = 0..n-1
        for j, name in enumerate(names):
            currents[name][flat] = table[j] - energies[name][:, None]
        work[flat] = table[len(names)]
    out_shape = (*shape, n_steps)
    return BatchTrajectories(
        MappingProxyType({name: v.reshape(out_shape) for name, v in currents.items()}), work.reshape(out_shape)
    )
