r"""The grid of a parameter sweep: named axes, the base model, chunks, and the sweep's hash.

A sweep is a Cartesian grid of named axes over the parameters of a
:class:`~circuitheat.model.CollisionModel`; every parameter that is not an axis keeps
its value from the base model. The grid is cut into *chunks* — blocks of contiguous
grid points — that are computed independently (in process or on an executor) and
checkpointed one by one. Everything a chunk needs is in the frozen, picklable
:class:`SweepSpec`, whose :meth:`SweepSpec.hash` identifies the sweep: the same
arguments give the same chunks and the same hash, so a killed sweep can resume.

Axis names (dimensions of the resulting :class:`xarray.Dataset`):

* ``gamma`` — system–ancilla strength :math:`\gamma` (rad), Eq. (3)
* ``delta`` — inter-qubit strength :math:`\delta` (rad), Eq. (5)
* ``omega`` — level splitting :math:`\omega` of every qubit
* ``t_hot``, ``t_cold`` — effective temperatures :math:`T_h, T_c` (Eq. 12)
* ``temperature``, ``delta_t`` — :math:`T` and :math:`\Delta T` with
  :math:`T_{h,c} = T \pm \Delta T/2` (Sec. V)
* ``coherence`` — p of Eq. (12), the same for both reservoirs
* ``phase_hot``, ``phase_cold`` — :math:`\phi_h, \phi_c` (rad)
* ``phase_difference`` — :math:`\phi_h - \phi_c` (rad), with :math:`\phi_c` from the
  base model or its own axis

``temperature``/``delta_t`` exclude ``t_hot``/``t_cold``; ``phase_difference`` excludes
``phase_hot``. When only one of ``temperature``, ``delta_t`` is an axis, the other
comes from the base model: :math:`T = (T_h + T_c)/2`, :math:`\Delta T = T_h - T_c`.

**Any network.** With ``build`` (:mod:`.builder`), the axes are instead keyword parameters of
a user's network-building function, and each grid point is ``build(**build_kwargs, **point)``.
The paper's sweep is the special case whose builder is :func:`paper_model` (``build=None``
in :class:`SweepSpec`): it shares the grid, chunks, hash, checkpoints and executors, and
computes its chunks with batched linear algebra instead of point by point.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..engines import ENGINES
from ..model import CollisionModel, Reservoir, check_model
from ..paper import FIG2
from ..resources import check_memory
from ..states import SYSTEM_LABELS
from ..steady import CHUNK_POINTS, UNIQUENESS_TOLERANCE
from ..validation import (
    BatchPointError,
    InputTypeError,
    InputValueError,
    check_angle,
    check_choice,
    check_coherence,
    check_count,
    check_positive,
    check_positive_temperature,
)
from .builder import Builder, make_builder

__all__ = [
    "AXES",
    "AXIS_NAMES",
    "MODEL_PARAMETERS",
    "SWEEP_FORMAT",
    "Axis",
    "SweepSpec",
    "default_base",
    "default_chunk_size",
    "make_spec",
    "paper_model",
    "point_text",
]

#: Version of the chunk/attribute layout; part of the hash, so a layout change never
#: resumes from old chunks.
SWEEP_FORMAT = 2


@dataclass(frozen=True)
class Axis:
    """Description of one axis name: what it is, its units, whether it is an angle."""

    name: str
    long_name: str
    units: str
    is_angle: bool = False


_ENERGY = "energy (k_B = hbar = 1)"

#: Every valid axis name with its description, in a fixed canonical order.
AXES: dict[str, Axis] = {
    a.name: a
    for a in (
        Axis("gamma", "system-ancilla interaction strength gamma (Eq. 3)", "rad", True),
        Axis("delta", "inter-qubit interaction strength delta (Eq. 5)", "rad", True),
        Axis("omega", "level splitting omega of every qubit", _ENERGY),
        Axis("t_hot", "effective temperature T_h of the hot reservoir (Eq. 12)", _ENERGY),
        Axis("t_cold", "effective temperature T_c of the cold reservoir (Eq. 12)", _ENERGY),
        Axis("temperature", "mean temperature T, T_h,c = T +- delta_t/2 (Sec. V)", _ENERGY),
        Axis("delta_t", "temperature difference delta_t = T_h - T_c (Sec. V)", _ENERGY),
        Axis("coherence", "coherence p of both reservoirs (Eq. 12)", "1"),
        Axis("phase_hot", "phase phi_h of the hot reservoir (Eq. 12)", "rad", True),
        Axis("phase_cold", "phase phi_c of the cold reservoir (Eq. 12)", "rad", True),
        Axis("phase_difference", "phase difference phi_h - phi_c (Sec. III)", "rad", True),
    )
}

#: Valid axis names.
AXIS_NAMES: tuple[str, ...] = tuple(AXES)

#: The model parameters every chunk passes to the steady-state solver, in this order.
MODEL_PARAMETERS = ("gamma", "delta", "t_hot", "t_cold", "coherence", "phase_hot", "phase_cold", "omega")

_CONFLICTS = (
    ({"temperature", "delta_t"}, {"t_hot", "t_cold"}, "temperature/delta_t parametrise t_hot and t_cold (Sec. V)"),
    ({"phase_difference"}, {"phase_hot"}, "phase_hot = phase_cold + phase_difference"),
)

#: Grid points per chunk when only steady-state quantities are computed: the batch size
#: of the steady-state solver (:data:`circuitheat.steady.CHUNK_POINTS`, which bounds
#: its memory), ~0.1 s of work, so a checkpoint costs little next to the solve.
_STEADY_CHUNK = CHUNK_POINTS
#: Collisions per chunk (points × n_collisions) when direct-engine trajectories are
#: requested: ~0.5 s of work per chunk, so checkpoints are frequent but cheap.
_TRAJECTORY_WORK = 200_000
#: Grid points per chunk of a network sweep (``build``): each point is its own
#: steady-state solve or trajectory (:func:`circuitheat.steady_state`, :func:`circuitheat.simulate`).
_NETWORK_CHUNK = 32
#: A network sweep builds every grid point before any work when it has at most this many
#: points, else the points at the ends of every axis (the corners of the grid).
_CHECK_ALL_POINTS = 1024


def default_base() -> CollisionModel:
    """The paper's Fig. 2 model (:data:`circuitheat.paper.FIG2`: p = 0.8) with both phases 0."""
    hot = Reservoir(FIG2["t_hot"], FIG2["coherence"], 0.0, FIG2["omega"])
    cold = Reservoir(FIG2["t_cold"], FIG2["coherence"], 0.0, FIG2["omega"])
    return CollisionModel(gamma=FIG2["gamma"], delta=FIG2["delta"], hot=hot, cold=cold)


def paper_model(
    gamma: float,
    delta: float,
    t_hot: float,
    t_cold: float,
    coherence: float,
    phase_hot: float,
    phase_cold: float,
    omega: float,
) -> CollisionModel:
    """The builder of the paper's sweep: one :class:`CollisionModel`, both reservoirs with coherence p (Eq. 12)."""
    hot = Reservoir(t_hot, coherence, phase_hot, omega)
    cold = Reservoir(t_cold, coherence, phase_cold, omega)
    return CollisionModel(gamma=gamma, delta=delta, hot=hot, cold=cold)


def default_chunk_size(engine: str, n_collisions: int | None, network: bool = False) -> int:
    """Grid points per chunk: 8192 for steady states, ~2e5 collisions' worth of trajectories, 1 for Aer; 32 for networks."""
    if engine == "aer":
        return 1
    limit = _NETWORK_CHUNK if network else _STEADY_CHUNK
    if n_collisions is None:
        return limit
    return max(1, min(limit, _TRAJECTORY_WORK // n_collisions))


def _axis_values(name: str, values: ArrayLike) -> tuple[float, ...]:
    if isinstance(values, str):
        raise InputTypeError(f"axis {name!r} must be a sequence of numbers, got the string {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except OverflowError:
        raise InputValueError(f"axis {name!r} has a value too large for a double (|x| < 1.8e308)") from None
    except (TypeError, ValueError):
        raise InputTypeError(f"axis {name!r} must be a sequence of real numbers, got {values!r}") from None
    arr = _one_dimensional(name, arr)
    if np.any(np.isnan(arr)):
        raise InputValueError(f"axis {name!r} contains NaN")
    return tuple(float(v) for v in arr)


def _one_dimensional(name: str, arr: NDArray) -> NDArray:
    """``arr`` as a non-empty 1-D array (a scalar becomes one value), or ValueError naming the axis."""
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputValueError(f"axis {name!r} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise InputValueError(f"axis {name!r} is empty")
    return arr


def _network_axis_values(name: str, values: object) -> tuple:
    """Axis values of a network sweep: numbers (ints stay ints) or strings, one-dimensional."""
    if isinstance(values, str):
        raise InputTypeError(f"axis {name!r} must be a sequence of values, got the string {values!r}")
    arr = _one_dimensional(name, np.asarray(values))
    if arr.dtype.kind in "iu":
        return tuple(int(v) for v in arr)
    if arr.dtype.kind == "f":
        if np.any(np.isnan(arr)):
            raise InputValueError(f"axis {name!r} contains NaN")
        return tuple(float(v) for v in arr)
    if arr.dtype.kind == "U":
        return tuple(str(v) for v in arr)
    raise InputTypeError(f"axis {name!r} must hold numbers or strings, got {values!r}")


def _value_record(x: object) -> object:
    """Exact text of a float (others as they are) for hashing."""
    return _float_record(x) if isinstance(x, float) else x


def _float_record(x: float) -> str:
    """Exact, platform-independent text of a float for hashing."""
    return float(x).hex()


@dataclass(frozen=True)
class SweepSpec:
    """Everything that defines a sweep, validated, hashable and picklable.

    Build it with :func:`make_spec`. ``axes`` holds the swept parameters in dimension order.
    For the paper's sweep (``build`` None, builder :func:`paper_model`) ``base`` holds the
    non-swept model parameters (keys of :data:`MODEL_PARAMETERS`); for a network sweep
    ``build`` is the :class:`~circuitheat.sweeps.builder.Builder` and ``base`` is empty.
    """

    axes: tuple[tuple[str, tuple], ...]
    base: tuple[tuple[str, float], ...]
    engine: str
    n_collisions: int | None
    initial_state: str | None
    conductance: bool
    chunk_size: int
    version: str
    build: Builder | None = None
    vectorized: bool = False

    @property
    def is_paper(self) -> bool:
        """True for the paper's sweep (builder :func:`paper_model`, batched chunks)."""
        return self.build is None

    # --- grid geometry -----------------------------------------------------------------
    @property
    def dims(self) -> tuple[str, ...]:
        """Dimension names, in the order the axes were given."""
        return tuple(name for name, _ in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values of each axis."""
        return tuple(len(values) for _, values in self.axes)

    @property
    def size(self) -> int:
        """Number of grid points."""
        return math.prod(self.shape)

    def values(self, name: str) -> NDArray:
        """The values of axis ``name`` (float for the paper's axes)."""
        return np.asarray(dict(self.axes)[name])

    @property
    def base_dict(self) -> dict[str, float]:
        """Base model parameters (see :data:`MODEL_PARAMETERS`)."""
        return dict(self.base)

    def _layout(self) -> tuple[int, int, int]:
        """(split axis a, step along a, chunks per outer index): chunks are blocks full in axes > a."""
        shape = self.shape
        for a in range(len(shape)):
            inner = math.prod(shape[a + 1 :])
            if inner <= self.chunk_size:
                step = max(1, self.chunk_size // inner)
                return a, step, -(-shape[a] // step)
        raise AssertionError("unreachable: the last axis always fits")  # pragma: no cover

    @property
    def n_chunks(self) -> int:
        """Number of chunks the grid is cut into."""
        a, _, per_outer = self._layout()
        return math.prod(self.shape[:a]) * per_outer

    def chunk(self, index: int) -> tuple[slice, ...]:
        """The block of grid points of chunk ``index``: one slice per dimension (C order of chunks)."""
        if not 0 <= index < self.n_chunks:
            raise IndexError(f"chunk index {index} out of range [0, {self.n_chunks})")
        a, step, per_outer = self._layout()
        outer, inner = divmod(index, per_outer)
        leading = np.unravel_index(outer, self.shape[:a]) if a else ()
        sel = [slice(int(i), int(i) + 1) for i in leading]
        sel.append(slice(inner * step, min((inner + 1) * step, self.shape[a])))
        sel.extend(slice(0, n) for n in self.shape[a + 1 :])
        return tuple(sel)

    def chunk_points(self, index: int) -> int:
        """Number of grid points in chunk ``index``."""
        return math.prod(s.stop - s.start for s in self.chunk(index))

    # --- parameters on a block ---------------------------------------------------------
    def parameters(self, selection: tuple[slice, ...] | None = None) -> dict[str, NDArray[np.float64]]:
        r"""Model parameters on a block of the grid, as arrays broadcasting to the block's shape.

        Each swept parameter varies along its own dimension only (size 1 along the
        others), so e.g. the collision unitary is built once per (gamma, delta) pair.

        Returns
        -------
        dict
            The keys of :data:`MODEL_PARAMETERS` plus ``mean_temperature``
            (:math:`T=(T_h+T_c)/2`, or the ``temperature`` axis itself) and
            ``phase_difference`` (:math:`\phi_h-\phi_c`, or its axis itself), the
            arguments of the linear response (Eq. 30).
        """
        ndim = len(self.axes)
        if selection is None:
            selection = tuple(slice(0, n) for n in self.shape)
        arrays: dict[str, NDArray] = {}
        for i, (name, values) in enumerate(self.axes):
            shape = [1] * ndim
            shape[i] = -1
            arrays[name] = np.asarray(values, dtype=float)[selection[i]].reshape(shape)
        out: dict[str, NDArray] = {k: np.asarray(v, dtype=float) for k, v in self.base}
        for name in ("gamma", "delta", "omega", "t_hot", "t_cold", "coherence", "phase_hot", "phase_cold"):
            if name in arrays:
                out[name] = arrays[name]
        if "temperature" in arrays or "delta_t" in arrays:
            t_mean = arrays.get("temperature", np.asarray(0.5 * (out["t_hot"] + out["t_cold"])))
            delta_t = arrays.get("delta_t", np.asarray(out["t_hot"] - out["t_cold"]))
            out["t_hot"] = t_mean + 0.5 * delta_t
            out["t_cold"] = t_mean - 0.5 * delta_t
            out["mean_temperature"] = t_mean
        else:
            out["mean_temperature"] = 0.5 * (out["t_hot"] + out["t_cold"])
        if "phase_difference" in arrays:
            out["phase_hot"] = out["phase_cold"] + arrays["phase_difference"]
            out["phase_difference"] = arrays["phase_difference"]
        else:
            out["phase_difference"] = out["phase_hot"] - out["phase_cold"]
        return out

    def points(self, selection: tuple[slice, ...]) -> Iterator[tuple[tuple[int, ...], object]]:
        """``(index in the block, system)`` for every point of a block, in C order.

        The system is ``build(**point)`` for a network sweep and :func:`paper_model` of the
        point's parameters (:meth:`parameters`) for the paper's sweep.
        """
        shape = tuple(s.stop - s.start for s in selection)
        if self.is_paper:
            p = self.parameters(selection)
            for index in np.ndindex(*shape):
                yield index, paper_model(**{k: float(np.broadcast_to(p[k], shape)[index]) for k in MODEL_PARAMETERS})
            return
        for index in np.ndindex(*shape):
            point = {name: values[sel.start + i] for (name, values), sel, i in zip(self.axes, selection, index, strict=True)}
            yield index, self.build(**point)

    # --- identity ----------------------------------------------------------------------
    def record(self) -> dict:
        """A JSON-ready record of everything that determines the result (exact float text)."""
        return {
            "format": SWEEP_FORMAT,
            "circuitheat_version": self.version,
            "build": "circuitheat.sweeps.grid.paper_model" if self.build is None else self.build.record(),
            "axes": [[name, [_value_record(v) for v in values]] for name, values in self.axes],
            "base": {k: _float_record(v) for k, v in self.base},
            "engine": self.engine,
            "n_collisions": self.n_collisions,
            "initial_state": self.initial_state,
            "conductance": self.conductance,
            "chunk_size": self.chunk_size,
        } | ({"vectorized": True} if self.vectorized else {})

    def hash(self) -> str:
        """SHA-256 (hex) of :meth:`record`: equal exactly when two sweeps compute the same chunks."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def point_text(point: Mapping[str, object]) -> str:
    """``name=value, ...`` of a grid point, as errors name it."""
    return ", ".join(f"{name}={value!r}" for name, value in point.items())


def _check_conflicts(names: set[str]) -> None:
    for left, right, why in _CONFLICTS:
        a, b = names & left, names & right
        if a and b:
            raise InputValueError(f"axes {sorted(a)[0]!r} and {sorted(b)[0]!r} cannot be swept together: {why}")


def _validate_values(name: str, arr: NDArray, check, context: str = "") -> None:
    for v in np.unique(arr):
        try:
            check(name, float(v))
        except ValueError as exc:
            raise InputValueError(f"{exc}{context}") from None


def _validate_physics(spec: SweepSpec) -> None:
    """Check every grid value before any work starts (so a week-long sweep cannot fail at the end)."""
    p = spec.parameters()
    temp_mode = "temperature" in spec.dims or "delta_t" in spec.dims
    context = " (t_hot, t_cold = temperature +- delta_t/2, Sec. V)" if temp_mode else ""
    for name in ("gamma", "delta", "phase_hot", "phase_cold"):
        _validate_values(name, p[name], check_angle)
    _validate_values("t_hot", p["t_hot"], check_positive_temperature, context)
    _validate_values("t_cold", p["t_cold"], check_positive_temperature, context)
    _validate_values("coherence", p["coherence"], check_coherence)
    _validate_values("omega", p["omega"], check_positive)
    gamma = np.unique(p["gamma"])
    bad = gamma[np.sin(gamma) ** 2 < UNIQUENESS_TOLERANCE]
    if bad.size:
        raise InputValueError(
            f"gamma={float(bad[0])!r} has no unique steady state: sin(gamma)^2 < {UNIQUENESS_TOLERANCE:g} "
            "(circuitheat.steady.UNIQUENESS_TOLERANCE); leave multiples of pi out of the gamma axis"
        )


def make_spec(
    axes: Mapping[str, ArrayLike],
    base: CollisionModel | None = None,
    *,
    build: object | None = None,
    build_kwargs: Mapping[str, object] | None = None,
    engine: str = "direct",
    n_collisions: int | None = None,
    initial_state: str | None = None,
    conductance: bool | None = None,
    chunk_size: int | None = None,
    vectorized: bool = False,
) -> SweepSpec:
    """Validate the arguments of :func:`circuitheat.sweeps.sweep` and build the :class:`SweepSpec`.

    Raises
    ------
    ValueError
        Unknown or conflicting axis names, empty or NaN axes, a grid point outside the
        model's domain (e.g. ``t_cold <= 0``), ``engine="aer"`` without ``n_collisions``;
        with ``build``: ``base`` or ``conductance=True`` given, a grid point that ``build``
        refuses (naming the point).
    TypeError
        ``axes`` not a mapping, ``base`` not a :class:`CollisionModel`, ``build`` not a
        callable accepting the axes, or returning something else than a model or network.
    """
    if not isinstance(axes, Mapping):
        raise InputTypeError(f"axes must be a mapping of axis name to values, got {type(axes).__name__}")
    engine = check_choice("engine", engine, ENGINES)
    if n_collisions is not None:
        n_collisions = check_count("n_collisions", n_collisions)
    elif engine == "aer":
        raise InputValueError(
            "engine='aer' runs trajectories: give n_collisions (the steady state is always the exact fixed point)"
        )
    if conductance is not None and not isinstance(conductance, bool | np.bool_):
        raise InputTypeError(f"conductance must be a bool, got {conductance!r}")
    if not isinstance(vectorized, bool | np.bool_):
        raise InputTypeError(f"vectorized must be a bool, got {vectorized!r}")
    if build is not None or build_kwargs is not None:
        return _network_spec(
            axes, base, build, build_kwargs, engine, n_collisions, initial_state, conductance, chunk_size, bool(vectorized)
        )
    if vectorized:
        raise InputValueError(
            "vectorized=True calls build with arrays; the paper's sweep (no build) is always batched: leave it out"
        )
    return _paper_spec(axes, base, engine, n_collisions, initial_state, conductance, chunk_size)


def _check_memory(spec: SweepSpec, per_point_variables: int) -> None:
    """Refuse up front a sweep whose results cannot fit in memory."""
    n = spec.n_collisions
    per_point = 8 * per_point_variables * (1 + (n or 0))
    check_memory(f"a sweep of {spec.size} grid points" + (f" x {n} collisions" if n else ""), spec.size * per_point)


def _paper_spec(axes, base, engine, n_collisions, initial_state, conductance, chunk_size) -> SweepSpec:
    """The paper's sweep: named model parameters (:data:`AXES`), batched chunks."""
    from .. import __version__

    if not axes:
        raise InputValueError(f"axes is empty; give at least one of {', '.join(AXIS_NAMES)}")
    for name in axes:
        if name not in AXES:
            raise InputValueError(f"unknown axis {name!r}; valid: {', '.join(AXIS_NAMES)}")
    _check_conflicts(set(axes))
    if base is None:
        base = default_base()
    check_model(base, "base")
    if "coherence" not in axes and base.hot.coherence != base.cold.coherence:
        raise InputValueError(
            f"base has different coherences (hot {base.hot.coherence!r}, cold {base.cold.coherence!r}); the batched "
            "steady-state solver takes one p for both reservoirs, so sweep 'coherence' or use equal coherences"
        )
    initial_state = check_choice("initial_state", "11" if initial_state is None else initial_state, SYSTEM_LABELS)
    chunk_size = default_chunk_size(engine, n_collisions) if chunk_size is None else check_count("chunk_size", chunk_size)
    base_params = {
        "gamma": base.gamma,
        "delta": base.delta,
        "t_hot": base.hot.temperature,
        "t_cold": base.cold.temperature,
        "coherence": base.hot.coherence,
        "phase_hot": base.hot.phase,
        "phase_cold": base.cold.phase,
        "omega": base.omega,
    }
    spec = SweepSpec(
        axes=tuple((name, _axis_values(name, values)) for name, values in axes.items()),
        base=tuple((k, float(base_params[k])) for k in MODEL_PARAMETERS),
        engine=engine,
        n_collisions=n_collisions,
        initial_state=initial_state,
        conductance=True if conductance is None else bool(conductance),
        chunk_size=chunk_size,
        version=__version__,
    )
    _check_memory(spec, 3)  # ~6 steady variables, two trajectories of n each
    _validate_physics(spec)
    return spec


def _network_spec(
    axes, base, build, build_kwargs, engine, n_collisions, initial_state, conductance, chunk_size, vectorized=False
) -> SweepSpec:
    """A sweep over the parameters of a network-building function (:mod:`.builder`); ``vectorized``: called on arrays."""
    from .. import __version__

    if build is None:
        raise InputValueError("build_kwargs needs build (the function they are passed to)")
    if base is not None:
        raise InputValueError("base sets the paper model's parameters; with build, give fixed arguments as build_kwargs")
    if conductance:
        raise InputValueError("conductance (lambda of Eq. 30) is computed for the paper's sweep only; leave it out with build")
    if not axes:
        raise InputValueError("axes is empty; give at least one parameter of build")
    if initial_state is not None and not isinstance(initial_state, str):
        raise InputTypeError(f"initial_state must be a label such as '000' (0 = excited) or None, got {initial_state!r}")
    if vectorized and engine != "direct":
        raise InputValueError(
            f"vectorized=True evaluates the batch with the direct engine's linear algebra, got engine={engine!r}; "
            "use vectorized=False to run every point on it"
        )
    builder = make_builder(build, build_kwargs, axes)
    chunk_size = (
        default_chunk_size(engine, n_collisions, network=not vectorized)
        if chunk_size is None
        else check_count("chunk_size", chunk_size)
    )
    values = {str(name): _network_axis_values(str(name), v) for name, v in axes.items()}
    if vectorized:
        for name, v in values.items():
            if isinstance(v[0], str):
                raise InputTypeError(
                    f"vectorized=True passes every axis to build as a numeric array; axis {name!r} holds strings"
                )
    spec = SweepSpec(
        axes=tuple(values.items()),
        base=(),
        engine=engine,
        n_collisions=n_collisions,
        initial_state=initial_state,
        conductance=False,
        chunk_size=chunk_size,
        version=__version__,
        build=builder,
        vectorized=bool(vectorized),
    )
    _check_memory(spec, 4)  # a few reservoirs and the work
    if vectorized:
        _check_vectorized_points(spec)
    else:
        _check_network_points(spec)
    return spec


def _check_vectorized_points(spec: SweepSpec) -> None:
    """Build the whole grid once (the builder on arrays) and check every point before any work."""
    from ..network.batch import BATCH_MAX_SITES
    from ..network.reachability import check_reachable
    from ..states import system_initial_state
    from .batched import build_block, refused_at_grid_point

    whole = tuple(slice(0, n) for n in spec.shape)
    network = build_block(spec, whole)
    if network.batch_shape and network.sites > BATCH_MAX_SITES:
        raise InputValueError(
            f"build returned a batched network of {network.sites} sites; vectorized=True evaluates at most "
            f"{BATCH_MAX_SITES} (each point's dense step matrix is built): use vectorized=False"
        )
    try:
        check_reachable(network)
    except BatchPointError as exc:
        raise refused_at_grid_point(spec, whole, network.batch_shape, exc) from None
    if spec.n_collisions is not None and spec.initial_state is not None:
        system_initial_state(spec.initial_state, network.sites)


def _check_network_points(spec: SweepSpec) -> None:
    """Build the grid points (all, or the corners of a large grid) and check each system before any work."""
    from ..model import CollisionModel
    from ..network.reachability import check_reachable
    from ..network.spec import CollisionNetwork
    from ..states import system_initial_state
    from ..steady import _check_unique

    if spec.size <= _CHECK_ALL_POINTS:
        indices = list(np.ndindex(*spec.shape))
    else:
        indices = list(itertools.product(*({0, n - 1} for n in spec.shape)))
    for index in indices:
        point = {name: values[i] for (name, values), i in zip(spec.axes, index, strict=True)}
        where = point_text(point)
        try:
            system = spec.build(**point)
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"build({where}) failed: {exc}") from None
        if not isinstance(system, CollisionModel | CollisionNetwork):
            raise InputTypeError(
                f"build({where}) returned {type(system).__name__}; it must return a CollisionNetwork or CollisionModel"
            )
        try:
            if isinstance(system, CollisionModel):
                _check_unique(system.gamma)
            else:
                check_reachable(system)
            if spec.n_collisions is not None and spec.initial_state is not None:
                sites = 2 if isinstance(system, CollisionModel) else system.sites
                system_initial_state(spec.initial_state, sites)
        except ValueError as exc:
            raise InputValueError(f"at {where}: {exc}") from None
