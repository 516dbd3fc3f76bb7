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
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
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
    InputTypeError,
    InputValueError,
    check_angle,
    check_choice,
    check_coherence,
    check_count,
    check_positive,
    check_positive_temperature,
)

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
]

#: Version of the chunk/attribute layout; part of the hash, so a layout change never
#: resumes from old chunks.
SWEEP_FORMAT = 1


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


def default_base() -> CollisionModel:
    """The paper's Fig. 2 model (:data:`circuitheat.paper.FIG2`: p = 0.8) with both phases 0."""
    hot = Reservoir(FIG2["t_hot"], FIG2["coherence"], 0.0, FIG2["omega"])
    cold = Reservoir(FIG2["t_cold"], FIG2["coherence"], 0.0, FIG2["omega"])
    return CollisionModel(gamma=FIG2["gamma"], delta=FIG2["delta"], hot=hot, cold=cold)


def default_chunk_size(engine: str, n_collisions: int | None) -> int:
    """Grid points per chunk: 8192 for steady states, ~2e5 collisions' worth of trajectories, 1 for Aer."""
    if engine == "aer":
        return 1
    if n_collisions is None:
        return _STEADY_CHUNK
    return max(1, min(_STEADY_CHUNK, _TRAJECTORY_WORK // n_collisions))


def _axis_values(name: str, values: ArrayLike) -> tuple[float, ...]:
    if isinstance(values, str):
        raise InputTypeError(f"axis {name!r} must be a sequence of numbers, got the string {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except OverflowError:
        raise InputValueError(f"axis {name!r} has a value too large for a double (|x| < 1.8e308)") from None
    except (TypeError, ValueError):
        raise InputTypeError(f"axis {name!r} must be a sequence of real numbers, got {values!r}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputValueError(f"axis {name!r} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise InputValueError(f"axis {name!r} is empty")
    if np.any(np.isnan(arr)):
        raise InputValueError(f"axis {name!r} contains NaN")
    return tuple(float(v) for v in arr)


def _float_record(x: float) -> str:
    """Exact, platform-independent text of a float for hashing."""
    return float(x).hex()


@dataclass(frozen=True)
class SweepSpec:
    """Everything that defines a sweep, validated, hashable and picklable.

    Build it with :func:`make_spec`. ``base`` holds the non-swept model parameters
    (keys of :data:`MODEL_PARAMETERS`), ``axes`` the swept ones in dimension order.
    """

    axes: tuple[tuple[str, tuple[float, ...]], ...]
    base: tuple[tuple[str, float], ...]
    engine: str
    n_collisions: int | None
    initial_state: str
    conductance: bool
    chunk_size: int
    version: str

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

    def values(self, name: str) -> NDArray[np.float64]:
        """The values of axis ``name``."""
        return np.asarray(dict(self.axes)[name], dtype=float)

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

    # --- identity ----------------------------------------------------------------------
    def record(self) -> dict:
        """A JSON-ready record of everything that determines the result (exact float text)."""
        return {
            "format": SWEEP_FORMAT,
            "circuitheat_version": self.version,
            "axes": [[name, [_float_record(v) for v in values]] for name, values in self.axes],
            "base": {k: _float_record(v) for k, v in self.base},
            "engine": self.engine,
            "n_collisions": self.n_collisions,
            "initial_state": self.initial_state,
            "conductance": self.conductance,
            "chunk_size": self.chunk_size,
        }

    def hash(self) -> str:
        """SHA-256 (hex) of :meth:`record`: equal exactly when two sweeps compute the same chunks."""
        text = json.dumps(self.record(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


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
    engine: str = "direct",
    n_collisions: int | None = None,
    initial_state: str = "11",
    conductance: bool = True,
    chunk_size: int | None = None,
) -> SweepSpec:
    """Validate the arguments of :func:`circuitheat.sweeps.sweep` and build the :class:`SweepSpec`.

    Raises
    ------
    ValueError
        Unknown or conflicting axis names, empty or NaN axes, a grid point outside the
        model's domain (e.g. ``t_cold <= 0``), ``engine="aer"`` without ``n_collisions``.
    TypeError
        ``axes`` not a mapping, ``base`` not a :class:`CollisionModel`.
    """
    from .. import __version__

    if not isinstance(axes, Mapping):
        raise InputTypeError(f"axes must be a mapping of axis name to values, got {type(axes).__name__}")
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
    engine = check_choice("engine", engine, ENGINES)
    if n_collisions is not None:
        n_collisions = check_count("n_collisions", n_collisions)
    elif engine == "aer":
        raise InputValueError(
            "engine='aer' runs trajectories: give n_collisions (the steady state is always the exact fixed point)"
        )
    initial_state = check_choice("initial_state", initial_state, SYSTEM_LABELS)
    if not isinstance(conductance, bool | np.bool_):
        raise InputTypeError(f"conductance must be a bool, got {conductance!r}")
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
        conductance=bool(conductance),
        chunk_size=chunk_size,
        version=__version__,
    )
    # results: ~6 float64 variables per point, plus two complex-free trajectories of n each
    per_point = 6 * 8 + (2 * 8 * n_collisions if n_collisions else 0)
    check_memory(
        f"a sweep of {spec.size} grid points" + (f" x {n_collisions} collisions" if n_collisions else ""), spec.size * per_point
    )
    _validate_physics(spec)
    return spec
