r"""Exact statistics of the measured heat after n steps: cumulants by the derivative recursion, the distribution.

Cumulants
---------
With the tilted map :math:`\Phi_\chi` (:mod:`.branches`), :math:`M_n(\chi) = \mathrm{Tr}[v_n(\chi)]`,
:math:`v_n = \Phi_\chi v_{n-1}`, :math:`v_0 = \mathrm{vec}\,\rho_0`. Differentiating (Leibniz rule,
multi-index :math:`\alpha` over the counted reservoirs),

.. math::
    v_n^{(\alpha)} = \sum_{\beta\le\alpha}\binom{\alpha}{\beta}\,\Phi^{(\beta)}\,v_{n-1}^{(\alpha-\beta)},
    \qquad \Phi^{(\beta)} = \sum_{\mathbf k}\prod_r q_r(k_r)^{\beta_r}\,\Phi_{\mathbf k},

so the stacked vector of all derivatives up to total order 3 obeys one fixed linear
recursion :math:`V_n = \mathcal A V_{n-1}` (block lower-triangular, :math:`K d^2` square with K
multi-indices) -- O(n) matrix-vector products, exact. The raw moments are
:math:`E[Q^\alpha] = \mathrm{Tr}\,v_n^{(\alpha)} / \mathrm{Tr}\,v_n`, and the cumulants follow. The
counted heat is centred on the steady currents :math:`c_r` first (:math:`Q_r - n c_r`), which
leaves cumulants of order >= 2 unchanged and keeps the moment-to-cumulant conversion free of
cancellation for long runs.

Distribution
------------
Each step's heat is on a lattice, :math:`q_r = s_rk_r + o_r`, so :math:`Q_r(n) = s_rK_r + n\,o_r`
with integer :math:`K_r`; propagating the count-resolved unnormalised states
:math:`\rho_n(\mathbf K) = \sum_{\mathbf k}\Phi_{\mathbf k}\,\rho_{n-1}(\mathbf K - \mathbf k)` gives
:math:`P(\mathbf K) = \mathrm{Tr}\,\rho_n(\mathbf K)` exactly.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..resources import check_memory
from ..states import system_initial_state
from ..threads import single_blas_thread
from ..trajectory import frozen_array
from ..validation import InputTypeError, InputValueError, check_count
from .branches import MEASUREMENTS, CountingMap, counting_map, noisy_counting_map
from .spectral import leading_eigenpair

__all__ = ["DISTRIBUTION_AUTO_WORK", "DISTRIBUTION_MAX_WORK", "HeatStatistics", "heat_statistics", "resolve_counting"]

#: :func:`heat_statistics` computes the exact distribution by default when its cost,
#: n x (lattice points) x (count cells) x d^4 multiply-adds, is below this (~20 ms): the paper
#: model up to n ~ 200 for one reservoir, n ~ 27 for two.
DISTRIBUTION_AUTO_WORK = 2e7
#: Refuse ``distribution=True`` beyond this cost (~minutes).
DISTRIBUTION_MAX_WORK = 1e11
#: Highest cumulant order computed (mean, variance, third cumulant).
ORDER = 3


def resolve_counting(system, measurement: str | None = None) -> CountingMap:
    """The :class:`CountingMap` of a model, network, device map or counting map."""
    if isinstance(system, CountingMap):
        if measurement not in (None, system.measurement):
            raise InputValueError(f"measurement {measurement!r} differs from the counting map's {system.measurement!r}")
        return system
    from ..hardware.noise_map import NoisyCollisionMap  # qiskit-heavy: only when asked

    if isinstance(system, NoisyCollisionMap):
        if measurement not in (None, "device"):
            raise InputValueError(
                f"a device map records end points with readout error; measurement must be None, got {measurement!r}"
            )
        return noisy_counting_map(system)
    return counting_map(system, "end_point" if measurement is None else measurement)


def _reservoir_names(reservoir, names: tuple[str, ...]) -> tuple[str, ...]:
    picked = (reservoir,) if isinstance(reservoir, str) else tuple(reservoir) if isinstance(reservoir, tuple | list) else None
    if picked is None or not 1 <= len(picked) <= 2 or not all(isinstance(p, str) for p in picked):
        raise InputTypeError(f"reservoir must be a reservoir name or a tuple of two names, got {reservoir!r}")
    valid = ", ".join(repr(n) for n in names)
    for p in picked:
        if p not in names:
            raise InputValueError(f"unknown reservoir {p!r}; valid: {valid}")
    if len(set(picked)) != len(picked):
        raise InputValueError(f"reservoir must name two different reservoirs, got {reservoir!r}")
    return picked


def _multi_indices(n_res: int, order: int) -> list[tuple[int, ...]]:
    """All alpha with |alpha| <= order, by total order (the zeroth first)."""
    out = [a for a in itertools.product(range(order + 1), repeat=n_res) if sum(a) <= order]
    return sorted(out, key=lambda a: (sum(a), a[::-1]))


def _jet_matrix(cm: CountingMap, indices: list[tuple[int, ...]], center: NDArray) -> NDArray:
    r"""The block matrix :math:`\mathcal A` of the derivative recursion (module docstring)."""
    dd = cm.maps.shape[-1]
    pos = {a: i for i, a in enumerate(indices)}
    cache: dict[tuple[int, ...], NDArray] = {}
    big = np.zeros((len(indices) * dd, len(indices) * dd), dtype=complex)
    for alpha in indices:
        for beta in indices:
            if any(b > a for a, b in zip(alpha, beta, strict=True)):
                continue
            gamma = tuple(a - b for a, b in zip(alpha, beta, strict=True))
            if gamma not in cache:
                cache[gamma] = cm.moment_maps(gamma, center)
            coef = math.prod(math.comb(a, g) for a, g in zip(alpha, gamma, strict=True))
            i, j = pos[alpha], pos[beta]
            big[i * dd : (i + 1) * dd, j * dd : (j + 1) * dd] = coef * cache[gamma]
    return big


def _steady_center(cm: CountingMap, rho0: NDArray) -> NDArray:
    """Steady currents per step (to centre Q); the first step's means if the steady state is not unique."""
    vec = rho0.reshape(-1)
    try:
        _, right, left = leading_eigenpair(cm.superoperator)
        vec, lvec = right, left
    except ValueError:
        lvec = np.eye(cm.dim).reshape(-1)
    unit = [tuple(1 if s == r else 0 for s in range(len(cm.names))) for r in range(len(cm.names))]
    norm = (lvec @ cm.superoperator @ vec).real
    return np.array([(lvec @ cm.moment_maps(u) @ vec).real / norm for u in unit])


@dataclass(frozen=True)
class HeatStatistics:
    r"""Exact statistics of the measured heats :math:`Q_r(k)`, k = 1..n (energy units; positive = into r).

    Attributes
    ----------
    system : object
        The model, network, device map or counting map.
    reservoirs : tuple of str
        Counted reservoirs (one or two).
    n_collisions : int
    measurement : str
        ``"end_point"`` (what a device records), ``"two_point"`` or ``"device"``.
    cumulant_trajectory : ndarray (n, R, 3)
        :math:`\kappa_1, \kappa_2, \kappa_3` of :math:`Q_r(k)` after each step k = 1..n.
    covariance_trajectory : ndarray (n, R, R)
        :math:`\mathrm{Cov}(Q_r(k), Q_s(k))`.
    values : tuple of ndarray, or None
        The lattice of each :math:`Q_r(n)` (ascending), when the distribution was computed.
    probabilities : ndarray or None
        :math:`P(Q(n))` on that lattice: shape (len(values[0]),) for one reservoir,
        (len(values[0]), len(values[1])) for two.
    """

    system: object = field(repr=False)
    reservoirs: tuple[str, ...]
    n_collisions: int
    measurement: str
    cumulant_trajectory: NDArray = field(repr=False)
    covariance_trajectory: NDArray = field(repr=False)
    values: tuple[NDArray, ...] | None = field(default=None, repr=False)
    probabilities: NDArray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("cumulant_trajectory", "covariance_trajectory", "probabilities"):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))

    def _pick(self, a: NDArray):
        return float(a[0]) if len(self.reservoirs) == 1 else a.copy()

    @property
    def mean(self):
        r""":math:`\langle Q_r(n)\rangle = \sum_{k\le n}J_r(k)` (float, or array (2,) for two reservoirs)."""
        return self._pick(self.cumulant_trajectory[-1, :, 0])

    @property
    def variance(self):
        r""":math:`\mathrm{Var}\,Q_r(n)` (float, or array (2,))."""
        return self._pick(self.cumulant_trajectory[-1, :, 1])

    @property
    def cumulants(self) -> NDArray[np.float64]:
        r""":math:`(\kappa_1, \kappa_2, \kappa_3)` of :math:`Q_r(n)`: shape (3,), or (2, 3) for two reservoirs."""
        out = self.cumulant_trajectory[-1]
        return out[0].copy() if len(self.reservoirs) == 1 else out.copy()

    @property
    def covariance(self) -> NDArray[np.float64]:
        """Covariance matrix (R, R) of the counted heats after n steps."""
        return self.covariance_trajectory[-1].copy()

    @property
    def correlation(self) -> float:
        r"""Correlation coefficient of :math:`Q_{r_1}(n), Q_{r_2}(n)` (two reservoirs only)."""
        if len(self.reservoirs) != 2:
            raise InputValueError("correlation needs two reservoirs, e.g. reservoir=('hot', 'cold')")
        c = self.covariance
        return float(c[0, 1] / math.sqrt(c[0, 0] * c[1, 1]))

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Step numbers 1..n."""
        return np.arange(1, self.n_collisions + 1)


#: Steps per block of :func:`_moment_trajectory`: the first B states by matrix-vector
#: products, then whole blocks by one product with :math:`\mathcal A^B` (about 2 sqrt(n) BLAS
#: calls instead of n).
_BLOCK = 32


def _moment_trajectory(cm: CountingMap, rho0: NDArray, n: int, indices, center: NDArray) -> NDArray:
    """Tr v_k^(alpha) / Tr v_k for k = 1..n and every alpha (n, K)."""
    big = _jet_matrix(cm, indices, center)
    dd = cm.maps.shape[-1]
    size = len(indices) * dd
    v = np.zeros(size, dtype=complex)
    v[:dd] = rho0.reshape(-1)
    block = min(_BLOCK, n)
    first = np.empty((size, block), dtype=complex)  # A^1 v0 .. A^B v0
    for k in range(block):
        v = big @ v
        first[:, k] = v
    # readout of the trace of every block of the stacked vector, pushed forward by A^B per block
    reader = np.kron(np.eye(len(indices)), np.eye(cm.dim).reshape(1, -1)).astype(complex)
    power = np.linalg.matrix_power(big, block)
    traces = np.empty((len(indices), -(-n // block) * block))
    for j in range(-(-n // block)):
        traces[:, j * block : (j + 1) * block] = (reader @ first).real
        reader = reader @ power
    traces = traces[:, :n].T
    return traces / traces[:, :1]


def _cumulants(moments: NDArray, indices, n_res: int, center: NDArray) -> tuple[NDArray, NDArray]:
    """Cumulants (n, R, 3) and covariances (n, R, R) from raw moments of the centred heats."""
    pos = {a: i for i, a in enumerate(indices)}

    def m(*counts):
        alpha = [0] * n_res
        for r in counts:
            alpha[r] += 1
        return moments[:, pos[tuple(alpha)]]

    steps = np.arange(1, moments.shape[0] + 1)
    cum = np.empty((moments.shape[0], n_res, 3))
    cov = np.empty((moments.shape[0], n_res, n_res))
    for r in range(n_res):
        m1, m2, m3 = m(r), m(r, r), m(r, r, r)
        cum[:, r, 0] = m1 + steps * center[r]
        cum[:, r, 1] = m2 - m1**2
        cum[:, r, 2] = m3 - 3 * m2 * m1 + 2 * m1**3
        for s in range(n_res):
            cov[:, r, s] = m(r, s) - m1 * m(s)
    return cum, cov


def _distribution(cm: CountingMap, rho0: NDArray, n: int) -> tuple[tuple[NDArray, ...], NDArray]:
    """Exact P(Q(n)) on its lattice by propagating count-resolved states (module docstring)."""
    cells = cm.maps.shape[:-2]
    dd = cm.maps.shape[-1]
    support = tuple(n * (c - 1) + 1 for c in cells)
    check_memory(f"distribution of Q after n={n} steps", 3 * 16 * dd * math.prod(support))
    states = np.zeros((*support, dd), dtype=complex)
    states[(0,) * len(cells)] = rho0.reshape(-1)
    maps_t = np.swapaxes(cm.maps, -1, -2)
    for step in range(1, n + 1):
        reach = tuple(step * (c - 1) + 1 for c in cells)  # counts reachable after `step` steps
        new = np.zeros_like(states)
        for k in itertools.product(*(range(c) for c in cells)):
            src = tuple(slice(0, reach[r] - (cells[r] - 1)) for r in range(len(cells)))
            dst = tuple(slice(k[r], k[r] + reach[r] - (cells[r] - 1)) for r in range(len(cells)))
            new[dst] += states[src] @ maps_t[k]
        states = new
    trace = np.eye(cm.dim).reshape(-1)
    prob = (states @ trace).real
    prob = prob / prob.sum()
    values = []
    for r, size in enumerate(support):
        lattice = cm.spacing[r] * np.arange(size) + n * cm.offset[r]
        if cm.spacing[r] < 0:  # ascending values
            lattice = lattice[::-1]
            prob = np.flip(prob, axis=r)
        values.append(lattice)
    return tuple(values), prob


def _distribution_work(cm: CountingMap, n: int) -> float:
    cells = cm.maps.shape[:-2]
    return float(n * math.prod(n * (c - 1) + 1 for c in cells) * math.prod(cells) * cm.maps.shape[-1] ** 2)


@single_blas_thread
def heat_statistics(
    system,
    n_collisions: int,
    reservoir: str | tuple[str, str] = "hot",
    *,
    initial_state: str | ArrayLike | None = None,
    measurement: str | None = None,
    distribution: bool | None = None,
) -> HeatStatistics:
    r"""Exact statistics of the measured heat :math:`Q_r(n)` of one reservoir, or of two jointly.

    :math:`Q_r(n) = \sum_{k\le n}\sum_{c\in r}(E_{e_{c,k}} - \mathrm{Tr}[H_r\eta_r])`: the energies
    found by measuring every ancilla of r right after its collision (end point, :mod:`.branches`),
    minus their mean initial energy; :math:`\langle Q_r(n)\rangle = \sum_{k\le n}J_r(k)` (Eqs. 10–11).

    Parameters
    ----------
    system : CollisionModel, CollisionNetwork, NoisyCollisionMap or CountingMap
        A device map (:class:`circuitheat.hardware.NoisyCollisionMap`) gives the statistics of the
        recorded bits' raw shot values, device noise and readout error included.
    n_collisions : int
        Number of steps n >= 1.
    reservoir : str or tuple of two str
        The counted reservoir, or two for the joint statistics (covariance).
    initial_state : str or array_like, optional
        System state before step 1 (label, vector or density matrix, as :func:`circuitheat.simulate`);
        default all sites ground (a device map: its prepared state).
    measurement : {"end_point", "two_point"}, optional
        Default ``"end_point"`` (what a device records, :mod:`.branches`).
    distribution : bool, optional
        Compute the exact distribution (``values``, ``probabilities``). Default: when cheap
        (:data:`DISTRIBUTION_AUTO_WORK`).

    Returns
    -------
    HeatStatistics

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> model = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    >>> stats = ch.heat_statistics(model, 1500)
    >>> bool(np.isclose(stats.mean, ch.simulate(model, 1500).cumulative_heat["hot"][-1]))
    True
    """
    n = check_count("n_collisions", n_collisions)
    if measurement is not None and measurement not in (*MEASUREMENTS, "device"):
        raise InputValueError(f"unknown measurement {measurement!r}; valid: {', '.join(repr(m) for m in MEASUREMENTS)}")
    full = resolve_counting(system, measurement)
    names = _reservoir_names(reservoir, full.names)
    cm = full.marginal(names)
    if initial_state is None:
        rho0 = cm.initial_state
    else:
        rho0 = system_initial_state(initial_state, cm.dim.bit_length() - 1)
    if distribution is not None and not isinstance(distribution, bool):
        raise InputTypeError(f"distribution must be True, False or None, got {distribution!r}")
    work = _distribution_work(cm, n)
    if distribution and work > DISTRIBUTION_MAX_WORK:
        raise InputValueError(
            f"distribution=True for n_collisions={n} is too large ({work:.2g} operations > {DISTRIBUTION_MAX_WORK:.0g}); "
            "use the cumulants, or fewer collisions"
        )
    indices = _multi_indices(len(names), ORDER)
    center = _steady_center(cm, rho0)
    moments = _moment_trajectory(cm, rho0, n, indices, center)
    cum, cov = _cumulants(moments, indices, len(names), center)
    values = probabilities = None
    if distribution or (distribution is None and work <= DISTRIBUTION_AUTO_WORK):
        values, probabilities = _distribution(cm, rho0, n)
    return HeatStatistics(
        system=system,
        reservoirs=names,
        n_collisions=n,
        measurement=cm.measurement,
        cumulant_trajectory=cum,
        covariance_trajectory=cov,
        values=values,
        probabilities=probabilities,
    )
