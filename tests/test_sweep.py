"""Parameter sweeps: axis mapping, physics of the outputs, NetCDF, checkpoint/resume, executors, CLI, plots."""

from __future__ import annotations

import concurrent.futures as cf
import importlib.util
import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.paper import EQ31, EQ32
from circuitheat.sweeps import (
    AXIS_NAMES,
    chunk_directory,
    compute_chunk,
    default_base,
    load_sweep,
    make_spec,
    save_sweep,
    sweep,
)

#: Batched and single-model fixed points come from the same LAPACK solve of a
#: well-conditioned 16x16 system; currents of order 1e-2 then agree to a few ulps.
SAME_SOLVER = 1e-14
#: Eq. (30) is first order in dT: the central difference (J(h) - J(-h)) / 2h of the swept
#: current equals -lambda up to a truncation error of relative order (h/T)^2 ~ 1e-5 for
#: h = 1e-3, T >= 0.3 (rounding, ~eps J / h ~ 1e-15, is negligible).
CENTRAL_DIFFERENCE_RELATIVE = 1e-5
#: Sec. III: J depends on the phases only through phi_h - phi_c; shifting both phases
#: changes the batched solve's inputs, so agreement is to rounding, not bitwise.
PHASE_SHIFT = 1e-14
#: Batched real (Pauli-basis) doubling vs ch.simulate's complex doubling of the same map: each
#: state carries the rounding of ~log2(n) products of 16x16 maps of norm ~1 (issue 12: 1e-12).
BATCHED_TRAJECTORY = 1e-12
#: A state-vector/density-matrix Aer run agrees with the exact map to rounding (Aer uses float64).
AER_AGREEMENT = 1e-10

PHASES = np.linspace(0, 2 * np.pi, 13)
GAMMAS = [np.pi / 32, np.pi / 4]


def _model(gamma, delta, t_hot, t_cold, p, phase_hot, phase_cold, omega=1.0) -> ch.CollisionModel:
    return ch.CollisionModel(
        gamma=gamma,
        delta=delta,
        hot=ch.Reservoir(t_hot, p, phase_hot, omega),
        cold=ch.Reservoir(t_cold, p, phase_cold, omega),
    )


class Stop(Exception):
    """Raised by a callback to interrupt a sweep."""


def _stop_after(k: int, calls: list | None = None):
    def callback(index, n_done, n_total):
        if calls is not None:
            calls.append(index)
        if n_done >= k:
            raise Stop(f"stopped after {n_done} of {n_total} chunks")

    return callback


# --- axes and the grid -------------------------------------------------------------------


def test_issue_example_dims_and_values_match_steady_state():
    """The issue's example: dims named after the axes; every point is steady_state of that model."""
    base = default_base()
    ds = sweep({"phase_difference": PHASES, "gamma": GAMMAS}, base=base, progress=False)
    assert ds["heat_hot"].dims == ("phase_difference", "gamma")
    assert ds.sizes == {"phase_difference": 13, "gamma": 2}
    np.testing.assert_array_equal(ds["phase_difference"], PHASES)
    for i in (0, 4, 9):
        for j, gamma in enumerate(GAMMAS):
            model = _model(gamma, np.pi / 4, 2.0, 1.0, 0.8, PHASES[i], 0.0)
            ss = ch.steady_state(model)
            assert ds["heat_hot"].values[i, j] == pytest.approx(ss.heat_hot, abs=SAME_SOLVER)
            assert ds["heat_cold"].values[i, j] == pytest.approx(ss.heat_cold, abs=SAME_SOLVER)
    # steady state: J_c = -J_h (energy conservation, Eqs. 10-11), exactly by construction
    np.testing.assert_array_equal(ds["heat_cold"].values, -ds["heat_hot"].values)


def test_default_base_is_fig2_with_p08():
    """Default base: the paper's Fig. 2 parameters (circuitheat.paper.FIG2), p = 0.8, phases 0."""
    base = default_base()
    assert (base.gamma, base.delta, base.hot.temperature, base.cold.temperature) == (np.pi / 32, np.pi / 4, 2.0, 1.0)
    assert base.hot.coherence == base.cold.coherence == 0.8
    assert base.hot.phase == base.cold.phase == 0.0
    ds = sweep({"coherence": [0.0, 0.8]}, progress=False, conductance=False)
    assert ds.attrs["base_gamma"] == np.pi / 32 and ds.attrs["base_t_hot"] == 2.0


@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        ({"delta": [0.3, 1.1]}, lambda v: dict(delta=v["delta"])),
        ({"omega": [0.5, 2.0]}, lambda v: dict(omega=v["omega"])),
        ({"t_hot": [1.5, 4.0], "t_cold": [0.2, math.inf]}, lambda v: dict(t_hot=v["t_hot"], t_cold=v["t_cold"])),
        ({"coherence": [0.0, 1.0]}, lambda v: dict(p=v["coherence"])),
        ({"phase_hot": [0.3], "phase_cold": [1.0, 2.5]}, lambda v: dict(phase_hot=v["phase_hot"], phase_cold=v["phase_cold"])),
        (
            {"phase_difference": [0.7, 4.0], "phase_cold": [1.0, -2.0]},
            lambda v: dict(phase_hot=v["phase_cold"] + v["phase_difference"], phase_cold=v["phase_cold"]),
        ),
        (
            {"temperature": [0.8, 3.0], "delta_t": [-0.5, 1.0]},
            lambda v: dict(t_hot=v["temperature"] + v["delta_t"] / 2, t_cold=v["temperature"] - v["delta_t"] / 2),
        ),
        # only one of temperature/delta_t: the other from the base (T = 1.5, dT = 1)
        ({"temperature": [0.8, 3.0]}, lambda v: dict(t_hot=v["temperature"] + 0.5, t_cold=v["temperature"] - 0.5)),
        ({"delta_t": [0.0, 2.0]}, lambda v: dict(t_hot=1.5 + v["delta_t"] / 2, t_cold=1.5 - v["delta_t"] / 2)),
    ],
)
def test_every_axis_maps_onto_the_model(axes, expected):
    """Each named axis sets the documented model parameter (grid.py table); checked point by point."""
    base = _model(0.4, 0.6, 2.0, 1.0, 0.5, 0.25, 0.1)
    ds = sweep(axes, base=base, progress=False, conductance=False)
    defaults = dict(gamma=0.4, delta=0.6, t_hot=2.0, t_cold=1.0, p=0.5, phase_hot=0.25, phase_cold=0.1, omega=1.0)
    for point in np.ndindex(*ds["heat_hot"].shape):
        values = {d: float(ds[d].values[k]) for d, k in zip(ds["heat_hot"].dims, point, strict=True)}
        kwargs = defaults | expected(values)
        ss = ch.steady_state(_model(**kwargs))
        assert ds["heat_hot"].values[point] == pytest.approx(ss.heat_hot, abs=SAME_SOLVER), (values, kwargs)


def test_phase_cold_axis_only_shifts_both_phases():
    """Sec. III: with phase_difference fixed, sweeping phase_cold leaves J unchanged."""
    ds = sweep({"phase_difference": PHASES, "phase_cold": [0.0, 1.3, -4.0]}, progress=False, conductance=False)
    j = ds["heat_hot"].values
    np.testing.assert_allclose(j, np.repeat(j[:, :1], 3, axis=1), rtol=0, atol=PHASE_SHIFT)


def test_reversal_threshold_matches_critical_coherence():
    """Sec. III: J_h > 0 for some phase difference exactly when p > p_c (ch.critical_coherence, Fig. 2 parameters)."""
    p_c = ch.critical_coherence(np.pi / 32, np.pi / 4, 2.0, 1.0)
    ds = sweep({"coherence": [p_c - 0.01, p_c + 0.01], "phase_difference": np.linspace(0, 2 * np.pi, 721)}, progress=False)
    reversed_somewhere = (ds["heat_hot"] > 0).any("phase_difference").values
    assert list(reversed_somewhere) == [False, True]


# --- conductance (Eqs. 30-32) ------------------------------------------------------------


@pytest.mark.parametrize("dphi", sorted(EQ31))
def test_conductance_reproduces_eq31(dphi):
    """Eq. (31): J = -lambda dT with c = 0 at T = 1, p = 0.8, gamma = pi/32, delta = pi/4."""
    ds = sweep({"temperature": [1.0], "phase_difference": [dphi]}, progress=False)
    ref = EQ31[dphi]["lambda"]
    assert float(ds["conductance"].squeeze()) == pytest.approx(ref.value, abs=ref.tolerance)
    assert float(ds["current_offset"].squeeze()) == pytest.approx(0.0, abs=SAME_SOLVER)


@pytest.mark.parametrize("dphi", sorted(EQ32))
def test_conductance_and_offset_reproduce_eq32(dphi):
    """Eq. (32): lambda and c at phi_h - phi_c = pi/4, 5pi/4."""
    ds = sweep({"phase_difference": [dphi], "temperature": [1.0]}, progress=False)
    for var, key in (("conductance", "lambda"), ("current_offset", "c")):
        ref = EQ32[dphi][key]
        assert float(ds[var].squeeze()) == pytest.approx(ref.value, abs=ref.tolerance)


def test_conductance_is_the_slope_of_the_swept_current():
    """Eq. (30): lambda = -dJ_h/d(dT) at dT = 0, c = J_h(dT = 0); conductance has no delta_t dimension."""
    dts = np.array([-1e-3, 0.0, 1e-3])
    ds = sweep({"temperature": [0.3, 1.0, 2.5], "delta_t": dts, "phase_difference": [0.0, 5 * np.pi / 4]}, progress=False)
    assert ds["conductance"].dims == ("temperature", "phase_difference")
    assert ds["heat_hot"].dims == ("temperature", "delta_t", "phase_difference")
    j = ds["heat_hot"]
    slope = (j.sel(delta_t=1e-3) - j.sel(delta_t=-1e-3)) / 2e-3
    np.testing.assert_allclose(-slope, ds["conductance"], rtol=CENTRAL_DIFFERENCE_RELATIVE, atol=0)
    np.testing.assert_allclose(ds["current_offset"].values, ds["heat_hot"].sel(delta_t=0.0).values, atol=SAME_SOLVER, rtol=0)


def test_conductance_thermal_limit_matches_eq_b1():
    """Appendix B, Eq. (B1): p = 0 gives the thermal conductance kappa(T) in closed form."""
    temps = np.array([0.2, 0.45, 1.0, 3.0])
    base = _model(np.pi / 32, np.pi / 4, 1.0, 1.0, 0.0, 0.0, 0.0)  # base delta_t = 0, so every T > 0 is valid
    ds = sweep({"temperature": temps}, base=base, progress=False)
    expected = ch.conductance_thermal(np.pi / 32, np.pi / 4, temps)
    np.testing.assert_allclose(ds["conductance"].values, expected, rtol=1e-10, atol=0)


# --- trajectories and engines -------------------------------------------------------------


def test_trajectories_equal_simulate_per_point():
    """trajectory_heat_* are ch.simulate's J_h(k), J_c(k) (Eqs. 10-11), k = 1..n (batched real doubling vs complex)."""
    ds = sweep({"gamma": GAMMAS, "phase_difference": [0.0, np.pi / 4]}, n_collisions=40, initial_state="01", progress=False)
    assert ds["trajectory_heat_hot"].dims == ("gamma", "phase_difference", "collision")
    np.testing.assert_array_equal(ds["collision"], np.arange(1, 41))
    for i, gamma in enumerate(GAMMAS):
        for j, dphi in enumerate([0.0, np.pi / 4]):
            traj = ch.simulate(_model(gamma, np.pi / 4, 2.0, 1.0, 0.8, dphi, 0.0), 40, initial_state="01")
            np.testing.assert_allclose(ds["trajectory_heat_hot"].values[i, j], traj.heat_hot, atol=BATCHED_TRAJECTORY, rtol=0)
            np.testing.assert_allclose(ds["trajectory_heat_cold"].values[i, j], traj.heat_cold, atol=BATCHED_TRAJECTORY, rtol=0)
    assert ds.attrs["n_collisions"] == 40 and ds.attrs["initial_state"] == "01"


@pytest.mark.skipif(importlib.util.find_spec("circuitheat.engines.aer") is None, reason="Aer engine not built yet")
def test_aer_engine_per_point_agrees_with_direct():
    """engine='aer' runs the circuits per grid point; density-matrix simulation equals the exact map."""
    axes = {"phase_difference": [0.0, 5 * np.pi / 4]}
    aer = sweep(axes, n_collisions=3, engine="aer", progress=False, conductance=False)
    direct = sweep(axes, n_collisions=3, progress=False, conductance=False)
    assert aer.attrs["engine"] == "aer"
    np.testing.assert_allclose(aer["trajectory_heat_hot"], direct["trajectory_heat_hot"], atol=AER_AGREEMENT, rtol=0)
    np.testing.assert_array_equal(aer["heat_hot"], direct["heat_hot"])  # steady state: always the exact fixed point


# --- chunks -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4), (1, 9, 1)])
@pytest.mark.parametrize("chunk_size", [1, 2, 5, 12, 1000])
def test_chunks_tile_the_grid_exactly_once(shape, chunk_size):
    """Invariant: the chunks cover every grid point once, each with at most chunk_size points."""
    names = ["gamma", "delta", "coherence"][: len(shape)]
    spec = make_spec({n: np.linspace(0.1, 0.9, k) for n, k in zip(names, shape, strict=True)}, chunk_size=chunk_size)
    hits = np.zeros(shape, dtype=int)
    for index in range(spec.n_chunks):
        hits[spec.chunk(index)] += 1
        assert 1 <= spec.chunk_points(index) <= chunk_size
    assert np.all(hits == 1)


def test_result_does_not_depend_on_chunking_beyond_rounding():
    """Different chunk sizes batch the same solves differently; values agree to rounding."""
    axes = {"phase_difference": PHASES, "coherence": [0.2, 0.8]}
    one = sweep(axes, chunk_size=1, progress=False)
    many = sweep(axes, chunk_size=1000, progress=False)
    for var in ("heat_hot", "conductance"):
        np.testing.assert_allclose(one[var], many[var], atol=SAME_SOLVER, rtol=0)
    assert one.attrs["sweep_hash"] != many.attrs["sweep_hash"]  # the chunking is part of the sweep's identity


def test_hash_identifies_the_arguments():
    """Same arguments -> same hash; changing an axis value, the base, or an option changes it."""
    axes = {"gamma": GAMMAS}
    h = make_spec(axes).hash()
    assert make_spec({"gamma": list(GAMMAS)}).hash() == h
    assert make_spec({"gamma": [GAMMAS[0], np.nextafter(GAMMAS[1], 1)]}).hash() != h
    assert make_spec(axes, _model(np.pi / 32, np.pi / 4, 2.0, 1.0, 0.7, 0.0, 0.0)).hash() != h
    assert make_spec(axes, conductance=False).hash() != h
    assert make_spec(axes, n_collisions=10).hash() != h


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("axes", "kwargs", "message"),
    [
        ({"beta": [1.0]}, {}, "unknown axis 'beta'; valid: gamma, delta"),
        ({}, {}, "axes is empty"),
        ({"gamma": []}, {}, "axis 'gamma' is empty"),
        ({"gamma": [0.1, float("nan")]}, {}, "axis 'gamma' contains NaN"),
        ({"gamma": [[0.1, 0.2]]}, {}, "axis 'gamma' must be one-dimensional"),
        ({"temperature": [1.0], "t_hot": [2.0]}, {}, "axes 'temperature' and 't_hot' cannot be swept together"),
        ({"phase_difference": [1.0], "phase_hot": [2.0]}, {}, "axes 'phase_difference' and 'phase_hot' cannot be swept"),
        ({"temperature": [0.3, 1.0]}, {}, "t_cold must be > 0 (math.inf allowed), got -0.2 (t_hot, t_cold = temperature"),
        ({"coherence": [0.5, 1.2]}, {}, "coherence must be in [0, 1], got 1.2"),
        ({"gamma": [0.0, 0.1]}, {}, "gamma=0.0 has no unique steady state"),
        ({"omega": [-1.0]}, {}, "omega must be finite and > 0, got -1.0"),
        ({"gamma": [0.1]}, {"engine": "aer"}, "engine='aer' runs trajectories: give n_collisions"),
        ({"gamma": [0.1]}, {"engine": "qutip"}, "unknown engine 'qutip'; valid: 'direct', 'aer'"),
        ({"gamma": [0.1]}, {"initial_state": "22"}, "unknown initial_state '22'"),
        ({"gamma": [0.1]}, {"n_collisions": 0}, "n_collisions must be >= 1, got 0"),
        (
            {"gamma": [0.1]},
            {"base": ch.CollisionModel(gamma=0.1, delta=0.2, hot=ch.Reservoir(2.0, 0.5), cold=ch.Reservoir(1.0, 0.3))},
            "base has different coherences (hot 0.5, cold 0.3)",
        ),
    ],
)
def test_bad_input_raises_valueerror_naming_it(axes, kwargs, message):
    with pytest.raises(ValueError) as info:
        sweep(axes, progress=False, **kwargs)
    assert message in str(info.value)


def test_bad_types_raise_typeerror():
    with pytest.raises(TypeError, match="axes must be a mapping"):
        sweep([("gamma", [0.1])], progress=False)
    with pytest.raises(TypeError, match="base must be a CollisionModel"):
        sweep({"gamma": [0.1]}, base="fig2", progress=False)
    with pytest.raises(TypeError, match="axis 'gamma' must be a sequence of numbers, got the string"):
        sweep({"gamma": "0:1:3"}, progress=False)
    with pytest.raises(TypeError, match=r"executor must be a concurrent\.futures\.Executor"):
        sweep({"gamma": [0.1]}, executor=object(), progress=False)


# --- the Dataset and NetCDF ---------------------------------------------------------------


def test_dataset_attributes_record_version_engine_conventions_and_base():
    ds = sweep({"phase_difference": PHASES}, progress=False)
    a = ds.attrs
    assert a["circuitheat_version"] == ch.__version__
    assert a["engine"] == "direct"
    assert "J_h > 0: energy flows into the hot reservoir" in a["conventions"]
    assert "|0> is excited" in a["conventions"] and "|S_A S_B>" in a["conventions"]
    assert json.loads(a["base_model"])["coherence"] == 0.8
    assert a["axes"] == "phase_difference"
    assert len(a["sweep_hash"]) == 64
    assert ds["phase_difference"].attrs["units"] == "rad"
    assert "Eq. 30" in ds["conductance"].attrs["definition"]


def test_netcdf_roundtrip_is_identical(tmp_path):
    ds = sweep({"t_hot": [1.5, math.inf], "gamma": GAMMAS}, n_collisions=5, progress=False)
    path = save_sweep(ds, tmp_path / "s.nc")
    assert load_sweep(path).identical(ds)
    with pytest.raises(FileExistsError, match="pass force=True"):
        save_sweep(ds, path)
    save_sweep(ds, path, force=True)
    xr.Dataset({"x": ("a", [1.0])}).to_netcdf(tmp_path / "other.nc")
    with pytest.raises(ValueError, match="is not a circuitheat sweep"):
        load_sweep(tmp_path / "other.nc")
    with pytest.raises(FileNotFoundError):
        load_sweep(tmp_path / "missing.nc")


@pytest.mark.skipif(importlib.util.find_spec("h5py") is None, reason="h5py (the h5netcdf backend) not installed")
def test_h5netcdf_engine_when_available(tmp_path):
    from circuitheat.sweeps.storage import netcdf_engine

    assert netcdf_engine() == "h5netcdf"
    ds = sweep({"gamma": GAMMAS}, progress=False)
    assert load_sweep(save_sweep(ds, tmp_path / "s.nc")).identical(ds)


def test_out_writes_netcdf_and_removes_checkpoint(tmp_path):
    out = tmp_path / "sweep.nc"
    ds = sweep({"phase_difference": PHASES, "gamma": GAMMAS}, out=out, chunk_size=5, progress=False)
    assert out.exists() and not chunk_directory(out).exists()
    assert load_sweep(out).identical(ds)
    kept = tmp_path / "kept.nc"
    sweep({"gamma": GAMMAS}, out=kept, chunk_size=1, keep_chunks=True, progress=False)
    manifest = json.loads((chunk_directory(kept) / "manifest.json").read_text())
    assert manifest["hash"] == load_sweep(kept).attrs["sweep_hash"] and manifest["n_chunks"] == 2
    assert len(list(chunk_directory(kept).glob("chunk-*.npz"))) == 2


# --- checkpoint and resume ----------------------------------------------------------------


def test_interrupted_sweep_resumes_to_an_identical_result(tmp_path):
    """Kill after k chunks (a callback raising), rerun: only the missing chunks run, result identical."""
    axes = {"phase_difference": PHASES, "gamma": GAMMAS}
    kwargs = dict(n_collisions=8, chunk_size=4, progress=False)
    fresh = sweep(axes, **kwargs)
    out = tmp_path / "sweep.nc"
    first: list[int] = []
    with pytest.raises(Stop):
        sweep(axes, out=out, callback=_stop_after(3, first), **kwargs)
    assert not out.exists()
    stored = sorted(p.name for p in chunk_directory(out).glob("chunk-*.npz"))
    assert stored == [f"chunk-{i:06d}.npz" for i in first] and len(first) == 3
    second: list[int] = []
    resumed = sweep(axes, out=out, callback=lambda i, d, t: second.append(i), **kwargs)
    n_chunks = make_spec(axes, n_collisions=8, chunk_size=4).n_chunks
    assert sorted(first + second) == list(range(n_chunks))  # nothing computed twice
    assert resumed.identical(fresh)
    assert load_sweep(out).identical(fresh)
    # a third call finds the finished file and recomputes nothing
    third: list[int] = []
    assert sweep(axes, out=out, callback=lambda i, d, t: third.append(i), **kwargs).identical(fresh)
    assert third == []


def test_existing_output_of_another_sweep_is_never_overwritten_without_force(tmp_path):
    out = tmp_path / "sweep.nc"
    sweep({"gamma": GAMMAS}, out=out, progress=False)
    before = out.read_bytes()
    with pytest.raises(ValueError, match="exists and is a sweep with different parameters; pass force=True"):
        sweep({"gamma": [np.pi / 8]}, out=out, progress=False)
    assert out.read_bytes() == before
    ds = sweep({"gamma": [np.pi / 8]}, out=out, force=True, progress=False)
    assert load_sweep(out).identical(ds)
    other = tmp_path / "notes.nc"
    other.write_text("not netcdf")
    with pytest.raises(ValueError, match="exists and is not a circuitheat sweep"):
        sweep({"gamma": GAMMAS}, out=other, progress=False)
    assert other.read_text() == "not netcdf"


def test_checkpoint_of_another_sweep_is_refused_without_force(tmp_path):
    out = tmp_path / "sweep.nc"
    with pytest.raises(Stop):
        sweep({"gamma": GAMMAS}, out=out, chunk_size=1, callback=_stop_after(1), progress=False)
    with pytest.raises(ValueError, match="belongs to a sweep with different parameters"):
        sweep({"gamma": [0.3, 0.4]}, out=out, chunk_size=1, progress=False)
    ds = sweep({"gamma": [0.3, 0.4]}, out=out, chunk_size=1, progress=False, force=True)
    assert load_sweep(out).identical(ds)
    foreign = tmp_path / "x.nc.chunks"
    foreign.mkdir()
    with pytest.raises(ValueError, match="is not a circuitheat checkpoint"):
        sweep({"gamma": GAMMAS}, out=tmp_path / "x.nc", progress=False, force=True)


def test_progress_bar_goes_to_stderr(capsys):
    sweep({"gamma": GAMMAS}, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "2/2" in captured.err
    sweep({"gamma": GAMMAS}, progress=False)
    assert capsys.readouterr().err == ""


# --- executors ----------------------------------------------------------------------------


def test_thread_executor_gives_identical_result_and_resumes(tmp_path):
    axes = {"phase_difference": PHASES, "coherence": [0.3, 0.9]}
    local = sweep(axes, chunk_size=3, progress=False)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:
        assert sweep(axes, chunk_size=3, executor=pool, progress=False).identical(local)
        out = tmp_path / "s.nc"
        with pytest.raises(Stop):
            sweep(axes, chunk_size=3, executor=pool, max_pending=2, out=out, callback=_stop_after(2), progress=False)
        assert sweep(axes, chunk_size=3, executor=pool, out=out, progress=False).identical(local)


@pytest.mark.slow
def test_dask_local_cluster_two_workers_identical(tmp_path):
    """Issue 8: a Dask LocalCluster of two worker processes gives the in-process result exactly."""
    distributed = pytest.importorskip("dask.distributed")
    axes = {"phase_difference": np.linspace(0, 2 * np.pi, 31), "gamma": GAMMAS}
    kwargs = dict(n_collisions=10, chunk_size=8, progress=False)
    local = sweep(axes, **kwargs)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        via_client = sweep(axes, executor=client, **kwargs)
        via_executor = sweep(axes, executor=client.get_executor(), **kwargs)
        workers = client.run(os.getpid)
        out = tmp_path / "cli.nc"
        argv = ["sweep", "-a", "phase_difference=0:2pi:31", "-a", "gamma=pi/32,pi/4", "-n", "10", "--chunk-size", "8"]
        assert main([*argv, "--scheduler", cluster.scheduler_address, "--no-progress", "-o", str(out)]) == 0
    assert len(set(workers.values())) == 2 and os.getpid() not in workers.values()
    assert via_client.identical(local)
    assert via_executor.identical(local)
    via_cli = load_sweep(out)
    np.testing.assert_allclose(via_cli["trajectory_heat_hot"], local["trajectory_heat_hot"], atol=SAME_SOLVER, rtol=0)


# --- CLI ----------------------------------------------------------------------------------


def _run_main(argv) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return int(exc.code)


def test_cli_sweep_issue_example(tmp_path, capsys):
    out = tmp_path / "sweep.nc"
    argv = ["sweep", "--axis", "phase_difference=0:2pi:13", "--axis", "gamma=pi/32,pi/4", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    ds = load_sweep(out)
    api = sweep({"phase_difference": np.linspace(0, 2 * np.pi, 13), "gamma": GAMMAS}, progress=False)
    np.testing.assert_allclose(ds["heat_hot"], api["heat_hot"], atol=SAME_SOLVER, rtol=0)
    np.testing.assert_allclose(ds["phase_difference"], PHASES, atol=4 * np.finfo(float).eps * 2 * np.pi, rtol=0)
    assert "wrote" in capsys.readouterr().out
    # the same command again: already complete, exit 0
    assert main(argv) == 0


def test_cli_sweep_base_options_and_trajectories(tmp_path):
    out = tmp_path / "s.nc"
    argv = [
        "sweep",
        "-a",
        "temperature=0.5,1",
        "-a",
        "delta_t=0,0.1",
        "--gamma",
        "pi/8",
        "-p",
        "0.5",
        "--phase-difference",
        "pi/2",
    ]
    assert main([*argv, "-n", "6", "--out", str(out), "--no-progress", "--chunk-size", "2"]) == 0
    ds = load_sweep(out)
    assert ds.attrs["base_gamma"] == pytest.approx(np.pi / 8) and ds.attrs["base_coherence"] == 0.5
    assert ds["trajectory_heat_hot"].shape == (2, 2, 6)
    model = _model(np.pi / 8, np.pi / 4, 1.05, 0.95, 0.5, np.pi / 2, 0.0)
    assert float(ds["heat_hot"].sel(temperature=1.0, delta_t=0.1)) == pytest.approx(
        ch.steady_state(model).heat_hot, abs=SAME_SOLVER
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--axis", "beta=1,2"], "unknown axis 'beta'"),
        (["--axis", "gamma"], "expected NAME=start:stop:count or NAME=a,b,c"),
        (["--axis", "gamma=0:1:x"], "count of start:stop:count must be an integer"),
        (["--axis", "gamma=__import__('os')"], "expected a number or an expression such as pi/32"),
        (["--axis", "gamma=0.1", "--axis", "gamma=0.2"], "--axis gamma given more than once"),
        (["--axis", "temperature=0.1,1"], "t_cold must be > 0"),
        (["--axis", "gamma=0.1", "--engine", "aer"], "engine='aer' runs trajectories"),
    ],
)
def test_cli_sweep_bad_input_exits_2_with_one_line(tmp_path, capsys, argv, message):
    status = _run_main(["sweep", *argv, "--out", str(tmp_path / "s.nc"), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_refuses_other_sweep_without_force(tmp_path, capsys):
    out = tmp_path / "s.nc"
    assert main(["sweep", "-a", "gamma=0.1,0.2", "-o", str(out), "--no-progress"]) == 0
    assert _run_main(["sweep", "-a", "gamma=0.3", "-o", str(out), "--no-progress"]) == 2
    assert "pass force=True (--force)" in capsys.readouterr().err
    assert main(["sweep", "-a", "gamma=0.3", "-o", str(out), "--no-progress", "--force"]) == 0
    assert load_sweep(out).sizes["gamma"] == 1


def test_cli_workers_process_pool_identical(tmp_path):
    out = tmp_path / "s.nc"
    argv = ["sweep", "-a", "phase_difference=0:2pi:9", "-a", "gamma=pi/32,pi/4", "--chunk-size", "4", "--no-progress"]
    assert main([*argv, "--workers", "2", "-o", str(out)]) == 0
    assert main([*argv, "-o", str(tmp_path / "local.nc")]) == 0
    assert load_sweep(out).identical(load_sweep(tmp_path / "local.nc"))


def test_cli_argparse_errors_exit_2(tmp_path, capsys):
    assert _run_main(["sweep", "--out", str(tmp_path / "s.nc")]) == 2  # --axis is required
    assert _run_main(["sweep", "-a", "gamma=1", "-o", "x.nc", "--workers", "2", "--scheduler", "tcp://x:1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err


@pytest.mark.slow
def test_cli_sweep_killed_with_sigkill_resumes_identically(tmp_path):
    """A real kill -9 mid-sweep: rerunning the same command resumes from the chunks and matches a fresh run."""
    out = tmp_path / "killed.nc"
    argv = [
        sys.executable, "-m", "circuitheat", "sweep", "-a", "phase_difference=0:2pi:40", "-a", "coherence=0.2,0.8",
        "-n", "3000", "--chunk-size", "1", "--no-progress", "-o", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks = chunk_directory(out)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(chunks.glob("chunk-*.npz"))) < 3 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(list(chunks.glob("chunk-*.npz")))
    if out.exists() or n_before >= 80:
        pytest.skip("the sweep finished before it could be killed")
    assert n_before >= 3 and not out.exists()
    assert subprocess.run(argv, check=False).returncode == 0
    fresh = sweep(
        {"phase_difference": np.asarray(load_sweep(out)["phase_difference"]), "coherence": [0.2, 0.8]},
        n_collisions=3000,
        chunk_size=1,
        progress=False,
    )
    assert load_sweep(out).identical(fresh)


# --- plots --------------------------------------------------------------------------------


@pytest.fixture
def sweep_file(tmp_path):
    out = tmp_path / "s.nc"
    sweep({"phase_difference": PHASES, "coherence": np.linspace(0, 1, 11), "gamma": GAMMAS}, out=out, progress=False)
    return out


def test_plot_sweep_line_family_and_map(sweep_file):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from circuitheat.plotting.sweep import plot_sweep

    ds = load_sweep(sweep_file)
    ax = plot_sweep(ds, selection={"gamma": np.pi / 4, "coherence": 0.8})
    assert len(ax.lines) == 2 and ax.get_xlabel().endswith("/ $\\pi$")  # the curve and the J = 0 line
    np.testing.assert_allclose(ax.lines[0].get_xdata(), PHASES / np.pi)
    ax = plot_sweep(ds, selection={"coherence": 0.8})  # gamma has 2 values: a family of lines
    assert len(ax.get_legend().get_texts()) == 2 and "\\pi/32" in ax.get_legend().get_texts()[0].get_text()
    ax = plot_sweep(ds, "conductance", selection={"gamma": np.pi / 32})  # 13 x 11: a heat map
    assert len(ax.collections) >= 1
    with pytest.raises(ValueError, match="has 3 dimensions after selection"):
        plot_sweep(ds)
    with pytest.raises(ValueError, match="unknown variable 'heat'"):
        plot_sweep(ds, "heat")
    with pytest.raises(ValueError, match="cannot select 'omega'"):
        plot_sweep(ds, selection={"omega": 1.0})
    plt.close("all")


def test_cli_plot(sweep_file, capsys):
    png = sweep_file.with_suffix(".png")
    assert main(["plot", str(sweep_file), "--select", "gamma=pi/4"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(sweep_file), "--select", "gamma=pi/4"]) == 2  # exists, no --force
    assert "pass --force" in capsys.readouterr().err
    assert main(["plot", str(sweep_file), "-s", "gamma=pi/4", "-s", "coherence=1", "--kind", "line", "--force"]) == 0
    assert main(["plot", str(sweep_file), "-o", str(sweep_file.with_name("x.png"))]) == 2
    assert "select values of all but one or two" in capsys.readouterr().err


def test_axis_names_are_the_issue_list():
    assert set(AXIS_NAMES) == {
        "gamma", "delta", "omega", "t_hot", "t_cold", "temperature", "delta_t", "coherence",
        "phase_hot", "phase_cold", "phase_difference",
    }  # fmt: skip


def test_compute_chunk_is_picklable_work():
    """The unit of work sent to executors round-trips through pickle and recomputes identically."""
    import pickle

    spec = make_spec({"gamma": GAMMAS, "phase_difference": PHASES}, chunk_size=7)
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec and again.hash() == spec.hash()
    a, b = compute_chunk(spec, 1), compute_chunk(again, 1)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
