r"""Exact steady state of the collision map, steady currents, linear response (Eq. 30).

The steady state is the fixed point :math:`\Phi[\rho^*] = \rho^*` of the one-collision
map (Eq. 8), obtained by one linear solve, not by iterating: the 16×16 matrix
:math:`\Phi - I` with its first row replaced by the trace functional is non-singular
exactly when the fixed point is unique (a trace-preserving map makes the rows of
:math:`\Phi - I` dependent through the trace). Parameter grids of the paper's model
(:func:`steady_heat_current`, :func:`linear_response`) are one batched *real* 15×15 solve
per chunk, in the Pauli-transfer-matrix basis (:mod:`circuitheat.ptm`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq, minimize_scalar

from .channel import _matmul
from .fixed_point import KRYLOV_RESIDUAL, _bordered, fixed_point, fixed_point_krylov  # noqa: F401 (_bordered: tests)
from .model import CollisionModel
from .network.reachability import check_reachable
from .ptm import (
    PaperPTM,
    bloch_vector,
    observable_a,
    paper_ptm,
    paper_solve,
    paper_steady_after_v,
    paper_steady_heat,
    qubit_collision_ptm,
)
from .states import ancilla_state, ancilla_state_derivative
from .threads import single_blas_thread
from .validation import (
    InputValueError,
    check_angle,
    check_array,
    check_choice,
    check_coherence,
    check_positive,
    check_positive_temperature,
)

__all__ = [
    "STEADY_METHODS",
    "UNIQUENESS_TOLERANCE",
    "SteadyState",
    "conductance",
    "critical_coherence",
    "fixed_point",
    "gamma_not_unique",
    "linear_response",
    "steady_heat_current",
    "steady_state",
]

#: Smallest relaxation factor :math:`\sin^2\gamma` accepted. Each collision moves a
#: fraction :math:`\sin^2\gamma` of each system qubit's population towards its
#: reservoir; for :math:`\sin^2\gamma` below this (gamma a multiple of pi, or within
#: ~1e-5 rad of one) the fixed point is not unique, or not resolvable in double
#: precision (the bordered matrix's smallest singular value is then ~sin^2 gamma,
#: as ``tests/test_steady.py`` checks against an SVD), and an error is raised
#: instead of returning an arbitrary state.
UNIQUENESS_TOLERANCE = 1e-10


def gamma_not_unique(gamma: float) -> str:
    """Why the steady state at ``gamma`` is not unique (sin^2 gamma below :data:`UNIQUENESS_TOLERANCE`)."""
    return (
        f"the steady state is not unique for gamma={gamma!r}: sin(gamma)^2 = {np.sin(gamma) ** 2:.2e} "
        f"< {UNIQUENESS_TOLERANCE:g}, so the ancillas (almost) never exchange energy with the system "
        "and every state is (nearly) a fixed point"
    )


def _check_unique(gamma: ArrayLike) -> None:
    """The paper model's own, clearer refusal: no relaxation when sin^2(gamma) is ~0."""
    relax = np.sin(np.asarray(gamma, dtype=float)) ** 2
    bad = relax < UNIQUENESS_TOLERANCE
    if np.any(bad):
        value = float(np.asarray(gamma, dtype=float)[bad].flat[0]) if np.ndim(gamma) else float(gamma)
        raise InputValueError(gamma_not_unique(value))


@dataclass(frozen=True)
class SteadyState:
    r"""Steady state of a :class:`CollisionModel` or :class:`~circuitheat.CollisionNetwork`.

    Attributes
    ----------
    model : CollisionModel or CollisionNetwork
    system_state : ndarray (d, d)
        :math:`\rho^*` with :math:`\Phi[\rho^*] = \rho^*` (kron basis of the sites;
        :math:`|S_AS_B\rangle` for the paper's model).
    currents : mapping name -> float
        Steady per-step heat currents :math:`J_r^{steady}` (Eqs. 10–11; positive into r).
    work : float
        Steady work per step :math:`W^{steady}`; first law in the steady state:
        :math:`\sum_r J_r^{steady} = W^{steady}` (0 for energy-conserving gates).
    residual : float
        :math:`\|\Phi[\rho^*]-\rho^*\|_F` of the returned state.
    method : str
        ``"dense"`` (exact linear solve) or ``"krylov"`` (matrix-free BiCGSTAB/GMRES).
    """

    model: object
    system_state: NDArray = field(repr=False)
    currents: Mapping[str, float]
    work: float
    residual: float = field(repr=False)
    method: str = "dense"

    def __post_init__(self) -> None:
        object.__setattr__(self, "currents", MappingProxyType({k: float(v) for k, v in self.currents.items()}))

    @property
    def heat_hot(self) -> float:
        """:math:`J_h^{steady}` = ``currents["hot"]`` (paper's model)."""
        return self._current("hot")

    @property
    def heat_cold(self) -> float:
        """:math:`J_c^{steady}` = ``currents["cold"]`` (paper's model); :math:`-J_h^{steady}` when resonant."""
        return self._current("cold")

    def _current(self, name: str) -> float:
        try:
            return self.currents[name]
        except KeyError:
            raise AttributeError(f"this steady state has no reservoir {name!r}; reservoirs: {', '.join(self.currents)}") from None


#: Steady-state methods of :func:`steady_state`.
STEADY_METHODS = ("dense", "krylov")


@single_blas_thread
def steady_state(model, *, method: str | None = None, residual: float = KRYLOV_RESIDUAL) -> SteadyState:
    """Steady state of a model or network: the unique fixed point of its step map.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
    method : {"dense", "krylov"}, optional
        ``"dense"``: exact bordered linear solve on the :math:`4^N\times4^N` map (default
        for N <= :data:`circuitheat.network.step.DENSE_MAX_SITES`); ``"krylov"``:
        matrix-free Krylov solve (:func:`circuitheat.fixed_point.fixed_point_krylov`), for
        large networks.
    residual : float
        Required :math:`\\|\\Phi[\rho]-\rho\\|_F` for ``"krylov"``.

    Raises
    ------
    ValueError
        If the fixed point is not unique: decided from the map (and, for a network, from
        its coupling graph: every site must exchange with some reservoir).
    """
    from .engines import check_system
    from .network.spec import CollisionNetwork
    from .network.step import DENSE_MAX_SITES, step_map

    check_system(model)
    if method is None:
        method = "krylov" if isinstance(model, CollisionNetwork) and model.sites > DENSE_MAX_SITES else "dense"
    method = check_choice("method", method, STEADY_METHODS)
    if isinstance(model, CollisionModel):
        _check_unique(model.gamma)
    else:
        check_reachable(model)
    if method == "dense":
        step = step_map(model) if isinstance(model, CollisionModel) else step_map(model, dense=True)
        rho = fixed_point(step.superoperator)
        after, currents, work = step.apply(rho[None])
        achieved = float(np.linalg.norm(after[0] - rho))
    else:
        # The paper's model is solved matrix-free as its network (the fast path is dense).
        step = step_map(model if isinstance(model, CollisionNetwork) else model.network, dense=False)
        rho, achieved = fixed_point_krylov(step, residual=residual)
        _, currents, work = step.apply(rho[None])
    rho.setflags(write=False)
    return SteadyState(
        model=model,
        system_state=rho,
        currents={k: float(np.asarray(v).reshape(-1)[0]) for k, v in currents.items()},
        work=float(np.asarray(work).reshape(-1)[0]),
        residual=achieved,
        method=method,
    )


#: Grid points processed per block (:func:`_in_chunks`): bounds the memory of the batched
#: real algebra (the linear response keeps ~3 KB per point: 8192 points ~ 25 MB) while keeping
#: the per-block Python overhead negligible.
CHUNK_POINTS = 8192
#: Blocks of the steady current alone (:func:`steady_heat_current`) are this many times
#: :data:`CHUNK_POINTS`: :func:`circuitheat.ptm.paper_steady_heat` needs ~0.6 KB per point
#: (~1 KB with delta varying), and each block costs ~0.3 ms of fixed work (ancilla states,
#: solver buffer) — measured: the 201×201 grid 3 % faster in one block than in six.
_HEAT_BLOCK_FACTOR = 8

_PARAMETER_CHECKS = (
    ("gamma", check_angle),
    ("delta", check_angle),
    ("t_hot", check_positive_temperature),
    ("t_cold", check_positive_temperature),
    ("coherence", check_coherence),
    ("phase_hot", check_angle),
    ("phase_cold", check_angle),
    ("omega", check_positive),
)


def _validated(*values: ArrayLike, names: tuple[str, ...] | None = None) -> list[NDArray]:
    """Validate every value of every parameter (naming the first bad one); return float arrays."""
    names = names or tuple(name for name, _ in _PARAMETER_CHECKS)
    return [check_array(name, v, check) for name, (_, check), v in zip(names, _PARAMETER_CHECKS, values, strict=True)]


def _in_chunks(worker, arrays: list[NDArray], factor: int = 1) -> tuple[NDArray, ...]:
    """Apply ``worker`` to the broadcast grid of ``arrays`` in blocks of at most ``factor`` × :data:`CHUNK_POINTS` points.

    The blocks are slices of the grid along one axis (and single indices along the axes before
    it), and each array is sliced only along its own axes of length > 1: nothing is broadcast
    to the full grid, so a worker computes what depends on few parameters once per distinct
    value (e.g. the cold ancilla's state once per block when only gamma and the hot phase vary).
    """
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    points = factor * CHUNK_POINTS
    if math.prod(shape) <= points:
        return worker(*arrays)
    arrays = [a.reshape((1,) * (len(shape) - a.ndim) + a.shape) for a in arrays]
    # the first axis whose trailing block fits in a chunk is split, the axes before it taken one index at a time
    axis = next(k for k in range(len(shape)) if math.prod(shape[k + 1 :]) <= points)
    most = points // math.prod(shape[axis + 1 :])
    step = -(-shape[axis] // -(-shape[axis] // most))  # as many slices as needed, of equal length
    outputs = None
    for lead in np.ndindex(shape[:axis]):
        for start in range(0, shape[axis], step):
            index = tuple(slice(i, i + 1) for i in lead) + (slice(start, start + step),)
            parts = worker(*(a[tuple(ix if a.shape[k] > 1 else slice(None) for k, ix in enumerate(index))] for a in arrays))
            if outputs is None:
                outputs = tuple(np.empty(shape) for _ in parts)
            for out, part in zip(outputs, parts, strict=True):
                out[index] = part
    return outputs


def _bloch_vectors(t_hot, t_cold, coherence, phase_hot, phase_cold, omega) -> tuple[NDArray, NDArray]:
    """Bloch vectors (..., 3) of the two ancilla states (Eqs. 12–13), each on the broadcast shape of its own parameters."""
    return (
        bloch_vector(ancilla_state(t_hot, coherence, phase_hot, omega)),
        bloch_vector(ancilla_state(t_cold, coherence, phase_cold, omega)),
    )


def _paper_ptm(gamma, delta, t_hot, t_cold, coherence, phase_hot, phase_cold, omega) -> PaperPTM:
    """The paper's step map in the real basis (:mod:`circuitheat.ptm`) for validated parameter arrays."""
    return paper_ptm(gamma, delta, *_bloch_vectors(t_hot, t_cold, coherence, phase_hot, phase_cold, omega), omega)


def _observe(u: NDArray, v: NDArray) -> NDArray:
    r""":math:`u\cdot v` over the last axis (a current's first term, :mod:`circuitheat.ptm`)."""
    return np.einsum("...i,...i->...", u, v)


@single_blas_thread
def steady_heat_current(
    gamma: ArrayLike,
    delta: ArrayLike,
    t_hot: ArrayLike,
    t_cold: ArrayLike,
    coherence: ArrayLike = 0.0,
    phase_hot: ArrayLike = 0.0,
    phase_cold: ArrayLike = 0.0,
    omega: ArrayLike = 1.0,
) -> NDArray[np.float64]:
    r"""Steady heat current :math:`J_h^{steady}` (Eqs. 10–11) on a broadcast grid, in one batched solve.

    Both reservoirs share ``coherence`` (p of Eq. 12) as in the paper; the steady cold
    current is :math:`J_c^{steady} = -J_h^{steady}`.

    Parameters
    ----------
    gamma, delta : array_like
        Interaction strengths (rad), Eqs. (3), (5).
    t_hot, t_cold : array_like
        Effective temperatures of :math:`R^h`, :math:`R^c` (> 0, ``inf`` allowed).
    coherence : array_like
        p in [0, 1].
    phase_hot, phase_cold : array_like
        :math:`\phi_h, \phi_c` (rad).
    omega : array_like
        Level splitting (> 0).

    Returns
    -------
    ndarray
        :math:`J_h^{steady}` with the broadcast shape of the inputs (energy units).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> dphi = np.linspace(0, 2 * np.pi, 9)
    >>> j = ch.steady_heat_current(np.pi / 2, np.pi / 4, 2.0, 1.0, 0.8, dphi, 0.0)
    >>> j.shape
    (9,)
    """
    args = _validated(gamma, delta, t_hot, t_cold, coherence, phase_hot, phase_cold, omega)
    return _in_chunks(_steady_heat_current_chunk, args, _HEAT_BLOCK_FACTOR)[0]


def _grid_steady_heat_current(*params: NDArray) -> NDArray[np.float64]:
    """:func:`steady_heat_current` of float arrays already validated (a sweep validates its grid up front)."""
    return _in_chunks(_steady_heat_current_chunk, [np.asarray(p, dtype=float) for p in params], _HEAT_BLOCK_FACTOR)[0]


def _grid_linear_response(gamma, delta, temperature, coherence, phase_difference, omega) -> tuple[NDArray, NDArray]:
    """:func:`linear_response` of float arrays already validated (a sweep validates its grid up front)."""
    args = [gamma, delta, temperature, temperature, coherence, phase_difference, 0.0, omega]
    return _in_chunks(_linear_response_chunk, [np.asarray(a, dtype=float) for a in args])


def _steady_heat_current_chunk(gamma, delta, t_hot, t_cold, coherence, phase_hot, phase_cold, omega) -> tuple[NDArray]:
    """J_h^steady on one block: the real 15×15 fixed-point solve of :func:`circuitheat.ptm.paper_steady_heat`."""
    _check_unique(gamma)
    bloch_hot, bloch_cold = _bloch_vectors(t_hot, t_cold, coherence, phase_hot, phase_cold, omega)
    return (paper_steady_heat(gamma, delta, bloch_hot, bloch_cold, omega),)


@single_blas_thread
def linear_response(
    gamma: ArrayLike,
    delta: ArrayLike,
    temperature: ArrayLike,
    coherence: ArrayLike = 0.0,
    phase_difference: ArrayLike = 0.0,
    omega: ArrayLike = 1.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Coefficients :math:`(\lambda, c)` of :math:`J_h^{steady} = -\lambda\,\Delta T + c` (Eq. 30).

    With :math:`T_{h,c} = T \pm \Delta T/2` (Sec. V), :math:`c = J_h^{steady}(\Delta T=0)` and
    :math:`\lambda = -\partial J_h^{steady}/\partial\Delta T` at :math:`\Delta T = 0`,
    computed exactly: the fixed point :math:`\rho^*` solves :math:`A\rho^* = e_0`, so
    :math:`A\,\partial\rho^* = -(\partial\Phi)\rho^*` with :math:`\partial\Phi` linear in
    :math:`\partial\eta = \tfrac12(\eta_h'\otimes\eta_c - \eta_h\otimes\eta_c')`, and the
    ancilla-state derivative :math:`\eta'` is analytic
    (:func:`~circuitheat.states.ancilla_state_derivative`). No finite differences.

    ``phase_difference`` is :math:`\phi_h - \phi_c` (``phase_cold`` = 0; only the
    difference matters, Sec. III). Broadcasts over all arguments.

    Returns
    -------
    (lam, c) : tuple of ndarray
        :math:`\lambda` (dimensionless with :math:`k_B = 1`) and c (energy units).
    """
    names = ("gamma", "delta", "temperature", "temperature", "coherence", "phase_difference", "phase_cold", "omega")
    args = _validated(gamma, delta, temperature, temperature, coherence, phase_difference, 0.0, omega, names=names)
    return _in_chunks(_linear_response_chunk, args)


def _linear_response_chunk(gamma, delta, t, _t, p, phase_difference, _phase_cold, w) -> tuple[NDArray, NDArray]:
    r"""(lambda, c) on one batch, in the real basis (:mod:`circuitheat.ptm`).

    With :math:`A y = K_{10}/2`, :math:`A = W^T - K_{11}` (state after V), the derivative along
    :math:`\Delta T` solves :math:`A\,\partial y = (\partial K)_{1:}\,u`, :math:`u = (1/2, y)`, where
    :math:`\partial K\,u = \partial R_h U R_c^T + R_h U \partial R_c^T` (U = u as a 4×4 array,
    :math:`\partial R` linear in :math:`\partial\eta`); then
    :math:`\partial J_h = \partial u\cdot v_h + u\cdot\partial v_h - \partial E_h`.
    """
    _check_unique(gamma)
    system = _paper_ptm(gamma, delta, t, t, p, phase_difference, 0.0, w)
    u, a = paper_steady_after_v(system, keep_matrix=True)
    c = system.heat_hot(u)
    d_hot = 0.5 * bloch_vector(ancilla_state_derivative(t, p, phase_difference, w))
    d_cold = -0.5 * bloch_vector(ancilla_state_derivative(t, p, 0.0, w))
    d_r_hot, d_g_hot = qubit_collision_ptm(gamma, d_hot, w, affine=False)
    d_r_cold, _ = qubit_collision_ptm(gamma, d_cold, w, affine=False)
    shape = u.shape[:-1]
    big = (*shape, 4, 4)
    u4 = u.reshape(big)
    hot, cold = np.broadcast_to(system.hot, big), np.broadcast_to(system.cold, big)
    d_u = _matmul(_matmul(np.broadcast_to(d_r_hot, big), u4), np.swapaxes(cold, -1, -2))
    d_u += _matmul(_matmul(hot, u4), np.swapaxes(np.broadcast_to(d_r_cold, big), -1, -2))
    n = a.shape[0]
    d_y = paper_solve(a, d_u.reshape(n, 16)).reshape((*shape, 16))
    d_energy_hot = 0.5 * np.asarray(w, dtype=float) * d_hot[..., 2]
    d_j = _observe(d_y, system.v_hot) + _observe(u, observable_a(d_g_hot)) - d_energy_hot
    return -d_j, c


def conductance(
    gamma: ArrayLike,
    delta: ArrayLike,
    temperature: ArrayLike,
    coherence: ArrayLike = 0.0,
    phase_difference: ArrayLike = 0.0,
    omega: ArrayLike = 1.0,
) -> NDArray[np.float64]:
    r"""Thermal conductance :math:`\kappa = -\partial J_h^{steady}/\partial\Delta T|_{\Delta T=0}` (Eqs. 29–30).

    This is :math:`\lambda` of :func:`linear_response`. It is Fourier's
    :math:`\kappa` of Eq. (29) where c = 0 (thermal reservoirs, Eq. B1, or
    :math:`\phi_h-\phi_c \in \{0, \pi\}`, Eq. 31); for other phases :math:`\lambda` is
    still returned, but then :math:`J_h \neq -\kappa\Delta T` (Eq. 32).
    """
    return linear_response(gamma, delta, temperature, coherence, phase_difference, omega)[0]


#: Phase grid (points over [0, 2 pi)) on which the maximum of J over the phase
#: difference is bracketed before a bounded scalar refinement; J is a smooth
#: function of the phase with a few harmonics, so 256 points bracket its maximum.
_PHASE_GRID = 256
#: Coherence grid used to find the first sign change of max_phase J(p) before brentq.
_COHERENCE_GRID = 101
#: Absolute tolerance of the root in p (well below the paper's 3 printed digits).
_COHERENCE_XTOL = 1e-13


def _max_over_phase(gamma, delta, t_hot, t_cold, coherence, omega) -> tuple[float, float]:
    r""":math:`\max_{\Delta\phi} J_h^{steady}` at one p and the maximising :math:`\Delta\phi` (rad)."""
    grid = np.linspace(0, 2 * np.pi, _PHASE_GRID, endpoint=False)
    values = steady_heat_current(gamma, delta, t_hot, t_cold, coherence, grid, 0.0, omega)
    k = int(np.argmax(values))
    step = grid[1] - grid[0]
    res = minimize_scalar(
        lambda phi: -float(steady_heat_current(gamma, delta, t_hot, t_cold, coherence, phi, 0.0, omega)),
        bounds=(grid[k] - step, grid[k] + step),
        method="bounded",
        options={"xatol": 1e-12},
    )
    best = max(-res.fun, float(values[k]))
    return best, float(res.x if -res.fun >= values[k] else grid[k]) % (2 * np.pi)


@single_blas_thread
def critical_coherence(gamma: float, delta: float, t_hot: float, t_cold: float, omega: float = 1.0) -> float:
    r"""Smallest p for which some phase difference makes :math:`J_h^{steady} > 0` (Sec. III).

    For the full swap this is the minimum over :math:`\phi_h-\phi_c` of Eq. (15); for a
    partial swap there is no closed form and the paper reports :math:`p_c \approx 0.155`
    at :math:`\gamma=\pi/32, \delta=\pi/4, T_h=2, T_c=1, \omega=1`. Computed as the first
    root of :math:`f(p) = \max_{\Delta\phi} J_h^{steady}(p, \Delta\phi)`: a grid in p
    brackets the first sign change, Brent's method refines it to :data:`_COHERENCE_XTOL`.

    Every argument enters the same way as in :func:`steady_heat_current`; since the
    currents obey :math:`J(\omega, T) = \omega\,J(1, T/\omega)` (the state of Eq. 12
    depends on T only through :math:`\beta\omega`), :math:`p_c(\omega, T_h, T_c) =
    p_c(1, T_h/\omega, T_c/\omega)`.

    Parameters
    ----------
    gamma, delta : float
        Interaction strengths (rad), Eqs. (3), (5).
    t_hot, t_cold : float
        Effective temperatures (energy units, > 0, ``inf`` allowed).
    omega : float
        Level splitting :math:`\omega` > 0 (energy units).

    Returns
    -------
    float
        :math:`p_c`; 0.0 if the current already points into the hot reservoir at p = 0
        (:math:`T_h \le T_c`), ``math.inf`` if no p <= 1 reverses it.
    """
    gamma, delta = check_angle("gamma", gamma), check_angle("delta", delta)
    t_hot = check_positive_temperature("t_hot", t_hot)
    t_cold = check_positive_temperature("t_cold", t_cold)
    omega = check_positive("omega", omega)
    _check_unique(gamma)

    def f(p: float) -> float:
        return _max_over_phase(gamma, delta, t_hot, t_cold, p, omega)[0]

    ps = np.linspace(0.0, 1.0, _COHERENCE_GRID)
    # One batched call for the bracketing grid: (p, phase).
    grid = np.linspace(0, 2 * np.pi, _PHASE_GRID, endpoint=False)
    coarse = steady_heat_current(gamma, delta, t_hot, t_cold, ps[:, None], grid[None, :], 0.0, omega).max(axis=1)
    if coarse[0] >= 0:
        return 0.0
    positive = np.nonzero(coarse > 0)[0]
    if positive.size == 0:
        return math.inf if f(1.0) <= 0 else float(brentq(f, ps[-2], 1.0, xtol=_COHERENCE_XTOL))
    k = int(positive[0])
    lo = ps[k - 1]
    if f(lo) > 0:  # the refined maximum crossed zero before the coarse grid saw it
        lo = ps[k - 2] if k >= 2 else 0.0
    return float(brentq(f, lo, ps[k], xtol=_COHERENCE_XTOL))
