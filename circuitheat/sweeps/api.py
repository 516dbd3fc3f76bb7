r""":func:`sweep`: steady currents, conductance and trajectories on a labelled parameter grid, of any network."""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import os
import sys
from collections.abc import Callable, Mapping

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from ..io import NETCDF_SUFFIXES, check_output_path
from ..model import CollisionModel
from ..validation import InputValueError, check_count
from .builder import check_picklable
from .execution import DEFAULT_MAX_PENDING, as_executor, iter_chunks
from .grid import AXES, SweepSpec, make_spec
from .naming import NAMING_RULE, PER_STEP, is_trajectory, variable_attributes
from .storage import Checkpoint, chunk_directory, discard_checkpoint, load_sweep, output_lock, read_sweep_hash, save_sweep

__all__ = ["CONDUCTANCE_DEFINITION", "CONVENTIONS", "SIGN_CONVENTION", "build_dataset", "sweep"]

#: Sign convention of every heat current in a sweep (Eqs. 10–11).
SIGN_CONVENTION = "J_h > 0: energy flows into the hot reservoir; J_c > 0: energy flows into the cold reservoir"

#: Conventions recorded in every sweep's attributes.
CONVENTIONS = (
    f"{SIGN_CONVENTION}. Every qubit has H = (omega/2) sigma_z: |0> is excited, |1> ground. "
    "System basis |S_A S_B> = |00>, |01>, |10>, |11> (np.kron(rho_A, rho_B), S_A leftmost). "
    "k_B = hbar = 1; omega sets the energy scale. One collision: V(delta) on (S_A, S_B), then U(gamma) on "
    "(S_A, R^h), then U(gamma) on (S_B, R^c), U(t) = cos t I + i sin t SWAP (Eq. 8)."
)

#: What the ``conductance`` variable is, recorded in its attributes.
CONDUCTANCE_DEFINITION = (
    "lambda of Eq. 30, J_h^steady = -lambda delta_t + c, the exact derivative -dJ_h/d(delta_t) at delta_t = 0 with "
    "T_h,c = T +- delta_t/2 (Sec. V) at the mean temperature T = (T_h + T_c)/2 of each grid point and the same gamma, "
    "delta, p, phi_h - phi_c, omega. It is Fourier's kappa (Eq. 29) where c = 0 (thermal reservoirs, Eq. B1; "
    "phi_h - phi_c in {0, pi}, Eq. 31). Independent of delta_t, so it has no delta_t dimension."
)

#: Variables of the paper's sweep that are not currents or work (:mod:`.naming` describes those).
_PAPER_VARIABLES = {
    "conductance": ("linear-response conductance lambda (Eq. 30)", "1 (k_B = 1)"),
    "current_offset": ("c of Eq. 30: steady J_h at delta_t = 0 and the mean temperature", PER_STEP),
}

#: Conventions of a network sweep (DESIGN.md, "General collision networks").
NETWORK_CONVENTIONS = (
    "Positive heat_<r> = energy flowing into reservoir r. Every qubit has H = (omega/2) sigma_z: |0> is excited. "
    "System matrices in the kron basis of sites 0..N-1, site 0 most significant. k_B = hbar = 1. One step applies "
    "the network's interactions and collisions in order, each collision with a fresh ancilla."
)


def _variable(name: str) -> dict[str, str]:
    if name in _PAPER_VARIABLES:
        long_name, units = _PAPER_VARIABLES[name]
        attrs = {"long_name": long_name, "units": units, "regime": "steady state"}
        if name == "conductance":
            attrs["definition"] = CONDUCTANCE_DEFINITION
        return attrs
    return variable_attributes(name)


def _coordinates(spec: SweepSpec) -> dict[str, xr.Variable]:
    coords = {}
    for name in spec.dims:
        if spec.is_paper:
            attrs = {"long_name": AXES[name].long_name, "units": AXES[name].units}
        else:
            attrs = {"long_name": f"parameter {name!r} of build ({spec.build.identity})", "units": "as passed to build"}
        coords[name] = xr.Variable((name,), spec.values(name), attrs)
    if spec.n_collisions is not None:
        coords["collision"] = xr.Variable(
            ("collision",), np.arange(1, spec.n_collisions + 1), {"long_name": "collision (step) number k (Eq. 8)", "units": "1"}
        )
    return coords


def _hash_or_reason(spec: SweepSpec) -> str:
    """The sweep's hash; for a builder whose arguments have no stable description (no ``out``), why there is none."""
    try:
        return spec.hash()
    except TypeError as exc:
        return f"none: {exc}"


def _attributes(spec: SweepSpec) -> dict[str, object]:
    from .. import __version__

    attrs: dict[str, object] = {
        "title": "circuitheat parameter sweep",
        "circuitheat_version": __version__,
        "engine": spec.engine,
        "steady_state_method": "exact fixed point of the one-collision map, batched real 15x15 solve (circuitheat.ptm)"
        if spec.is_paper
        else "exact fixed point of every point's step map, batched real solve (circuitheat.network.batch)"
        if spec.vectorized
        else "exact fixed point of the step map (circuitheat.steady_state)",
        "trajectory_engine": spec.engine if spec.n_collisions is not None else "none",
        "naming": NAMING_RULE,
        "axes": " ".join(spec.dims),
        "sweep_hash": _hash_or_reason(spec),
        "chunk_size": spec.chunk_size,
    }
    if spec.n_collisions is not None:
        attrs["n_collisions"] = spec.n_collisions
        attrs["initial_state"] = spec.initial_state if spec.initial_state is not None else "all sites ground"
    if not spec.is_paper:
        attrs["build"] = spec.build.identity
        attrs["vectorized"] = int(spec.vectorized)
        attrs["build_kwargs"] = json.dumps(
            {k: v if isinstance(v, bool | int | float | str) else repr(v) for k, v in spec.build.kwargs}, sort_keys=True
        )
        attrs["conventions"] = NETWORK_CONVENTIONS
        attrs["sign_convention"] = "heat_<r> > 0: energy flows into reservoir r"
        return attrs
    base = spec.base_dict
    attrs.update(
        {
            "build": "circuitheat.sweeps.grid.paper_model",
            "conventions": CONVENTIONS,
            "sign_convention": SIGN_CONVENTION,
            "base_model": json.dumps({k: (repr(v) if math.isinf(v) else v) for k, v in base.items()}),
            "references": "Heat transport between two nonthermal reservoirs in a collision model "
            "(equation numbers in attributes)",
        }
    )
    for key, value in base.items():
        attrs[f"base_{key}"] = float(value)
    if "temperature" in spec.dims or "delta_t" in spec.dims:
        attrs["temperature_parametrisation"] = "t_hot = temperature + delta_t/2, t_cold = temperature - delta_t/2 (Sec. V)"
    if "phase_difference" in spec.dims:
        attrs["phase_parametrisation"] = "phase_hot = phase_cold + phase_difference"
    return attrs


def _variable_order(item: tuple[str, object]) -> tuple[bool, int]:
    """Steady before trajectory variables; currents, then work, then the rest (a stable sort keeps the order found)."""
    name = item[0].removeprefix("trajectory_")
    return is_trajectory(item[0]), 0 if name.startswith("heat_") else 1 if name == "work" else 2


def build_dataset(spec: SweepSpec, arrays: Mapping[str, NDArray]) -> xr.Dataset:
    """Label full-grid arrays (from :func:`~circuitheat.sweeps.execution.compute_chunk`) as a Dataset."""
    coords = _coordinates(spec)
    data_vars = {}
    for name, values in sorted(arrays.items(), key=_variable_order):
        dims = spec.dims + (("collision",) if is_trajectory(name) else ())
        var = xr.Variable(dims, values, _variable(name))
        if name in ("conductance", "current_offset") and "delta_t" in spec.dims:
            var = var.isel(delta_t=0)  # independent of delta_t by definition (Eq. 30)
        data_vars[name] = var
    return xr.Dataset(data_vars, coords=coords, attrs=_attributes(spec))


def _progress(spec: SweepSpec, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=spec.size, initial=initial, unit="pt", desc="sweep", file=sys.stderr, disable=not enabled, dynamic_ncols=True
    )


def sweep(
    axes: Mapping[str, ArrayLike],
    *,
    build: Callable[..., object] | None = None,
    build_kwargs: Mapping[str, object] | None = None,
    vectorized: bool = False,
    base: CollisionModel | None = None,
    n_collisions: int | None = None,
    engine: str = "direct",
    initial_state: str | None = None,
    conductance: bool | None = None,
    out: str | os.PathLike | None = None,
    force: bool = False,
    executor: object | None = None,
    chunk_size: int | None = None,
    max_pending: int = DEFAULT_MAX_PENDING,
    progress: bool = True,
    callback: Callable[[int, int, int], None] | None = None,
    keep_chunks: bool = False,
) -> xr.Dataset:
    r"""Steady heat currents (and optionally trajectories) on a Cartesian grid of named parameters.

    **The paper's model** (no ``build``): every grid point is a
    :class:`~circuitheat.model.CollisionModel` equal to ``base`` except for the swept
    parameters. The steady current :math:`J_h^{steady}` (Eqs. 10–11) is the exact fixed
    point of the one-collision map (Eq. 8), solved for all points of a chunk at once (one
    real 15×15 system per point, :mod:`circuitheat.ptm`); :math:`J_c^{steady} = -J_h^{steady}`.
    Direct-engine trajectories of a chunk are advanced together by batched doubling.

    **Any network** (``build``): every grid point is ``build(**build_kwargs, **point)``,
    ``point`` mapping each axis name to its value there; ``build`` returns a
    :class:`~circuitheat.CollisionNetwork` (or a :class:`~circuitheat.CollisionModel`). Each
    point goes through the core: :func:`circuitheat.steady_state` (steady currents
    ``heat_<r>`` of every reservoir r and the steady ``work``) and, with ``n_collisions``,
    :func:`circuitheat.simulate` (``trajectory_heat_<r>``, ``trajectory_work``)::

        def chain(n_sites, gamma, delta=np.pi / 4):
            return ch.presets.boundary_driven_chain(n_sites, gamma=gamma, delta=delta)

        ds = ch.sweep({"n_sites": [2, 3, 4], "gamma": np.linspace(0.1, 1.5, 15)}, build=chain)

    **Vectorised builders** (``vectorized=True``, like SciPy's ``vectorized`` option): ``build``
    is called once per chunk with every axis as a numpy array that broadcasts over the chunk
    (axis k shaped ``(1, ..., n_k, ..., 1)``) and returns one *batched* network — gates given
    as stacked matrices (..., 4, 4) (:func:`circuitheat.partial_swap` and
    :func:`circuitheat.heisenberg` of arrays), ancillas with stacked states
    (:meth:`circuitheat.Ancilla.from_reservoir` of arrays), the sites and the step's order
    shared. Its steady currents (and trajectories) come from batched real solves over every
    point (:mod:`circuitheat.network.batch`, up to 4 sites); the same numbers as the point-by-point
    sweep, to rounding, hundreds of times faster for a large grid::

        def paper(phase_difference, gamma):
            hot = ch.Ancilla.from_reservoir(2.0, 0.8, phase_difference)
            return ch.presets.paper_model(gamma, np.pi / 4, hot, ch.Reservoir(1.0, 0.8))

        ds = ch.sweep({"phase_difference": phases, "gamma": gammas}, build=paper, vectorized=True)

    Names (:mod:`circuitheat.sweeps.naming`, recorded in the ``naming`` attribute):
    ``heat_<r>`` is the per-step heat current :math:`J_r` of reservoir r — in a sweep its
    steady value (attribute ``regime="steady state"``); ``trajectory_heat_<r>`` (extra
    dimension ``collision``) is :math:`J_r(k)` along a trajectory; cumulative heats are
    ``cumulative_heat_<r>`` elsewhere in the package and are not stored here.

    Parameters
    ----------
    axes : mapping of str to array_like
        Axis name -> 1-D values, in the order of the Dataset's dimensions. Without
        ``build``: ``gamma``, ``delta``, ``omega``, ``t_hot``, ``t_cold``, ``temperature`` and
        ``delta_t`` (:math:`T_{h,c} = T\pm\Delta T/2`, Sec. V), ``coherence`` (p of
        Eq. 12, both reservoirs), ``phase_hot``, ``phase_cold``, ``phase_difference``
        (:math:`\phi_h-\phi_c`; :math:`\phi_c` from ``base`` unless swept). Angles in rad.
        See :mod:`circuitheat.sweeps.grid`. With ``build``: any keyword parameters of
        ``build``; values numbers (ints stay ints) or strings.
    build : callable, optional
        Network-building function. It must be **picklable** to run on a process executor
        (a module-level function of an importable module, or a :func:`functools.partial` of
        one): a lambda or a function defined inside another function works only in process
        (``executor=None``, a ``ThreadPoolExecutor``, or Dask, which uses cloudpickle), and a
        ``ProcessPoolExecutor`` with such a builder is refused up front with a ``TypeError``
        naming ``build``. The sweep's hash (checkpoints) covers the function's module and
        qualified name, ``build_kwargs``, a partial's arguments and a closure's captured
        values — not the function's code.
    build_kwargs : mapping, optional
        Fixed keyword arguments of ``build`` (part of the sweep's hash).
    vectorized : bool
        Call ``build`` once per chunk with array arguments; it returns a batched network
        (see above). Numeric axes and ``engine="direct"`` only. Every grid point is checked
        before any work (one call of ``build`` on the whole grid). Part of the sweep's hash.
    base : CollisionModel, optional
        Without ``build``: values of the parameters that are not swept. Default: the paper's
        Fig. 2 model (γ = π/32, δ = π/4, T_h = 2, T_c = 1, ω = 1, p = 0.8, both phases 0).
        Its two reservoirs must share p unless ``coherence`` is swept.
    n_collisions : int, optional
        Also compute trajectories :math:`J_r(k)`, k = 1..n, from ``initial_state``
        (variables ``trajectory_heat_hot``, ``trajectory_heat_cold`` — or ``trajectory_heat_<r>``
        and ``trajectory_work`` for ``build`` — with the extra dimension ``collision``). For
        the paper's model on the direct engine the points of a chunk are advanced together:
        memory per chunk about 160 bytes × points × n (32 MB at the default chunk size).
    engine : {"direct", "aer"}
        Engine of the trajectories (:func:`circuitheat.simulate`); ``"aer"`` runs the
        Qiskit circuits once per grid point and needs ``n_collisions``. The steady
        state is always the exact fixed point.
    initial_state : str, optional
        System state of the trajectories: a label of 0/1 per site (0 = excited); default
        all sites in the ground state (``"11"`` for the paper's model).
    conductance : bool, optional
        Paper's model only (default True there): also compute ``conductance``
        (:math:`\lambda` of Eq. 30, the exact :math:`-\partial J_h/\partial\Delta T` at
        :math:`\Delta T = 0`, at the mean temperature :math:`(T_h+T_c)/2` of each point)
        and ``current_offset`` (c of Eq. 30). :math:`\lambda` is Fourier's κ (Eq. 29) where
        c = 0. Doubles the steady-state cost.
    out : path, optional
        NetCDF file to write. Finished chunks are checkpointed in ``<out>.chunks/``; a
        sweep that is interrupted and called again with the same arguments resumes
        from them and gives an identical result; a damaged chunk is reported
        (:class:`~circuitheat.sweeps.storage.DamagedCheckpointWarning`) and recomputed.
        If ``out`` already holds this sweep it is loaded and returned without
        recomputing. Must end in ``.nc`` or ``.nc4``; checked before any work. While
        the sweep runs it holds a lock on ``out``: a second sweep on the same ``out``
        raises :class:`~circuitheat.sweeps.storage.SweepLockedError` (an ``OSError``).
    force : bool
        Overwrite an ``out`` (and discard a checkpoint) that belongs to a sweep with
        different parameters. Without it such a sweep raises ``ValueError``.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Run the chunks there (``ProcessPoolExecutor``, ``client.get_executor()``, or the
        Client itself). Default: in process. The result does not depend on it.
    chunk_size : int, optional
        Grid points per chunk. Paper's model: 8192 for steady states
        (:data:`circuitheat.steady.CHUNK_POINTS`), for trajectories about 2e5 collisions'
        worth; 1 for ``engine="aer"``. With ``build``: 32 (or fewer for long trajectories).
        Part of the sweep's hash. ``vectorized=True``: 8192 for steady states (like the
        paper's sweep), fewer for long trajectories.
    max_pending : int
        Chunks in flight on the executor at once (>= 1).
    progress : bool
        Show a tqdm progress bar (grid points) on stderr.
    callback : callable, optional
        ``callback(index, n_done, n_chunks)`` after each chunk is stored; an exception
        raised there stops the sweep (finished chunks stay checkpointed).
    keep_chunks : bool
        Keep ``<out>.chunks/`` after the NetCDF file is written.

    Returns
    -------
    xarray.Dataset
        Dimensions named after the axes (plus ``collision``); data variables
        ``heat_hot``, ``heat_cold`` and, as requested, ``conductance``,
        ``current_offset``, ``trajectory_heat_hot``, ``trajectory_heat_cold`` (with
        ``build``: ``heat_<r>`` per reservoir, ``work``, and their ``trajectory_``
        counterparts; a reservoir missing at a point is NaN there). Every current has the
        attributes ``long_name`` (with equation numbers), ``units`` and ``regime``; the
        Dataset's attributes: ``circuitheat_version``, ``engine``, ``conventions``,
        ``naming``, ``sweep_hash``, ``build`` and ``build_kwargs`` or ``base_*`` (the base
        model) and the parametrisations used.

    Raises
    ------
    ValueError
        Invalid or conflicting axes, a grid point outside the model's domain or refused
        by ``build`` (checked before any work), or an existing ``out``/checkpoint of a
        different sweep without ``force``.
    TypeError
        A ``build`` that does not accept the axes or returns no model or network, or an
        unpicklable ``build`` with a process executor.

    Examples
    --------
    >>> import numpy as np
    >>> from circuitheat.sweeps import sweep
    >>> ds = sweep({"phase_difference": np.linspace(0, 2 * np.pi, 9), "gamma": [np.pi / 32, np.pi / 4]}, progress=False)
    >>> ds.heat_hot.dims
    ('phase_difference', 'gamma')
    """
    max_pending = check_count("max_pending", max_pending)
    if out is not None:
        out = check_output_path(out, "out", NETCDF_SUFFIXES)
        if chunk_directory(out).exists() and not chunk_directory(out).is_dir():
            raise NotADirectoryError(f"{str(chunk_directory(out))!r} exists and is not a checkpoint directory; move it away")
    spec = make_spec(
        axes,
        base,
        build=build,
        build_kwargs=build_kwargs,
        engine=engine,
        n_collisions=n_collisions,
        initial_state=initial_state,
        conductance=conductance,
        chunk_size=chunk_size,
        vectorized=vectorized,
    )
    if executor is not None:
        executor = as_executor(executor)
        _check_executor(spec, executor)
    if out is None:
        return _run(spec, None, None, executor, max_pending, progress, callback, keep_chunks)
    with output_lock(out):
        if out.exists():
            existing = read_sweep_hash(out)
            if existing == spec.hash():
                ds = load_sweep(out)
                if not keep_chunks:
                    discard_checkpoint(chunk_directory(out), spec.hash())
                return ds
            if not force:
                what = "a sweep with different parameters" if existing else "not a circuitheat sweep"
                raise InputValueError(f"out {str(out)!r} exists and is {what}; pass force=True (--force) to overwrite it")
        checkpoint = Checkpoint(chunk_directory(out), spec, force=force)
        return _run(spec, checkpoint, out, executor, max_pending, progress, callback, keep_chunks)


def _check_executor(spec: SweepSpec, executor: cf.Executor) -> None:
    """A process pool pickles every chunk's spec, and with it ``build``: refuse one that cannot be pickled."""
    if spec.build is not None and isinstance(executor, cf.ProcessPoolExecutor):
        check_picklable(spec.build)


def _run(spec, checkpoint, out, executor, max_pending, progress, callback, keep_chunks) -> xr.Dataset:
    arrays: dict[str, NDArray] = {}

    def store(index: int, result: dict[str, NDArray]) -> None:
        selection = spec.chunk(index)
        for name, block in result.items():
            if name not in arrays:
                arrays[name] = np.full(spec.shape + block.shape[len(spec.shape) :], np.nan)
            arrays[name][selection] = block

    done = []
    for index in checkpoint.completed() if checkpoint is not None else []:
        stored = checkpoint.read(index)  # None: damaged (reported), computed again below
        if stored is not None:
            store(index, stored)
            done.append(index)
    finished = set(done)
    todo = [i for i in range(spec.n_chunks) if i not in finished]
    n_done = len(done)
    with _progress(spec, sum(spec.chunk_points(i) for i in done), progress) as bar:
        chunks = iter_chunks(spec, todo, executor, max_pending)
        try:
            for index, result in chunks:
                if checkpoint is not None:
                    checkpoint.write(index, result)
                store(index, result)
                n_done += 1
                bar.update(spec.chunk_points(index))
                if callback is not None:
                    callback(index, n_done, spec.n_chunks)
        finally:
            chunks.close()
    ds = build_dataset(spec, arrays)
    if out is not None:
        save_sweep(ds, out, force=True)
        if not keep_chunks:
            checkpoint.discard()
    return ds
