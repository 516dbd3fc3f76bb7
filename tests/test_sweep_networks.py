"""Sweeps over any network-building function: values through the core, names, hash, checkpoints, executors."""

from __future__ import annotations

import concurrent.futures as cf
import functools
import math

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.sweeps import load_sweep, make_spec, sweep
from circuitheat.sweeps.naming import NAMING_RULE, REGIME_STEADY, REGIME_TRAJECTORY

#: The paper model built by a user's builder goes through ch.steady_state (complex 16x16
#: bordered solve) per point; the paper sweep through the real 15x15 batched solve. Both are
#: backward stable on well-conditioned systems: currents of order 1e-2 agree to a few ulps.
SAME_SOLVER = 1e-14

HOT = ch.Reservoir(temperature=2.0, coherence=0.8, phase=5 * np.pi / 4)
COLD = ch.Reservoir(temperature=1.0, coherence=0.8, phase=0.0)


def chain(n_sites: int, gamma: float, delta: float = np.pi / 4) -> ch.CollisionNetwork:
    """Boundary-driven chain: partial swaps between neighbours, hot bath on site 0, cold on the last site."""
    step = [ch.Interaction((i, i + 1), ch.partial_swap(delta)) for i in range(n_sites - 1)]
    step += [
        ch.Collision("hot", site=0, gate=ch.partial_swap(gamma)),
        ch.Collision("cold", site=n_sites - 1, gate=ch.partial_swap(gamma)),
    ]
    return ch.CollisionNetwork(sites=n_sites, omega=1.0, reservoirs={"hot": HOT, "cold": COLD}, step=step)


def coupled(coupling: str, jz: float) -> ch.CollisionNetwork:
    """Two sites coupled by a partial swap or an XXZ gate; the XXZ anisotropy jz (energy-conserving)."""
    gate = ch.partial_swap(np.pi / 4) if coupling == "swap" else ch.heisenberg(1.0, 1.0, jz, np.pi / 4)
    step = [
        ch.Interaction((0, 1), gate),
        ch.Collision("hot", 0, ch.partial_swap(0.3)),
        ch.Collision("cold", 1, ch.partial_swap(0.3)),
    ]
    return ch.CollisionNetwork(sites=2, omega=1.0, reservoirs={"hot": HOT, "cold": COLD}, step=step)


def refrigerator(n_reservoirs: int, gamma: float) -> ch.CollisionNetwork:
    """Three sites; a third ("work") reservoir on the middle site when n_reservoirs == 3."""
    reservoirs = {"hot": HOT, "cold": COLD}
    step = [ch.Interaction((0, 1), ch.partial_swap(0.6)), ch.Interaction((1, 2), ch.partial_swap(0.6))]
    step += [ch.Collision("hot", 0, ch.partial_swap(gamma)), ch.Collision("cold", 2, ch.partial_swap(gamma))]
    if n_reservoirs == 3:
        reservoirs["work"] = ch.Reservoir(temperature=5.0)
        step.append(ch.Collision("work", 1, ch.partial_swap(gamma)))
    return ch.CollisionNetwork(sites=3, omega=1.0, reservoirs=reservoirs, step=step)


def paper(gamma: float, phase_difference: float) -> ch.CollisionModel:
    """The paper's Fig. 2 model (circuitheat.sweeps.default_base) with the hot phase swept."""
    return ch.CollisionModel(
        gamma=gamma, delta=np.pi / 4, hot=ch.Reservoir(2.0, 0.8, phase_difference), cold=ch.Reservoir(1.0, 0.8, 0.0)
    )


def not_a_network(gamma: float) -> str:
    return "chain"


def refuses(gamma: float) -> ch.CollisionNetwork:
    if gamma > 1:
        raise ValueError(f"gamma must be <= 1, got {gamma!r}")
    return chain(2, gamma)


GAMMAS = [0.2, 0.7]


def test_every_point_is_steady_state_and_simulate_of_the_built_network():
    """The sweep's values are ch.steady_state / ch.simulate of build(**point), bit for bit (same core)."""
    ds = sweep({"n_sites": [2, 3, 4], "gamma": GAMMAS}, build=chain, n_collisions=6, progress=False)
    assert ds["heat_hot"].dims == ("n_sites", "gamma")
    assert ds["trajectory_heat_cold"].dims == ("n_sites", "gamma", "collision")
    assert ds["n_sites"].dtype.kind == "i"
    for i, n_sites in enumerate([2, 3, 4]):
        for j, gamma in enumerate(GAMMAS):
            net = chain(n_sites, gamma)
            ss = ch.steady_state(net)
            traj = ch.simulate(net, 6, store_states=False)
            for r in ("hot", "cold"):
                assert ds[f"heat_{r}"].values[i, j] == ss.currents[r]
                np.testing.assert_array_equal(ds[f"trajectory_heat_{r}"].values[i, j], traj.currents[r])
            assert ds["work"].values[i, j] == ss.work
            np.testing.assert_array_equal(ds["trajectory_work"].values[i, j], traj.work)


def test_steady_first_law_and_naming_attributes():
    """Steady state with energy-conserving gates: sum_r J_r = W = 0 (first law); names carry their regime."""
    ds = sweep({"coupling": ["swap", "xxz"], "jz": [0.0, 0.5, 2.0]}, build=coupled, n_collisions=3, progress=False)
    assert list(ds["coupling"].values) == ["swap", "xxz"]
    np.testing.assert_allclose(ds["heat_hot"] + ds["heat_cold"], 0.0, atol=1e-12)
    np.testing.assert_allclose(ds["work"], 0.0, atol=1e-12)
    assert ds.attrs["naming"] == NAMING_RULE
    assert ds.attrs["build"] == f"{__name__}.coupled"
    for name in ("heat_hot", "heat_cold", "work"):
        assert ds[name].attrs["regime"] == REGIME_STEADY
        assert ds[name].attrs["units"] == "energy per collision step (k_B = hbar = 1)"
    for name in ("trajectory_heat_hot", "trajectory_heat_cold", "trajectory_work"):
        assert ds[name].attrs["regime"] == REGIME_TRAJECTORY
    assert "Eqs. 10-11" in ds["heat_hot"].attrs["long_name"] and "steady" in ds["heat_hot"].attrs["long_name"]


def test_reservoir_missing_at_some_points_is_nan_there():
    """A reservoir that exists only at some grid points: its current is NaN elsewhere; three currents sum to 0."""
    ds = sweep({"n_reservoirs": [2, 3], "gamma": GAMMAS}, build=refrigerator, progress=False)
    assert np.all(np.isnan(ds["heat_work"].sel(n_reservoirs=2)))
    assert np.all(np.isfinite(ds["heat_work"].sel(n_reservoirs=3)))
    total = ds["heat_hot"] + ds["heat_cold"] + ds["heat_work"].fillna(0.0)
    np.testing.assert_allclose(total, 0.0, atol=1e-12)


def test_paper_model_through_build_equals_the_batched_paper_sweep():
    """One meaning: the paper model as a user's builder gives the paper sweep's steady J_h, J_c."""
    phases = np.linspace(0, 2 * np.pi, 7)
    built = sweep({"gamma": GAMMAS, "phase_difference": phases}, build=paper, progress=False)
    batched = sweep({"gamma": GAMMAS, "phase_difference": phases}, conductance=False, progress=False)
    for r in ("hot", "cold"):
        np.testing.assert_allclose(built[f"heat_{r}"], batched[f"heat_{r}"], atol=SAME_SOLVER, rtol=0)


def test_build_kwargs_and_partial_are_fixed_arguments():
    ds = sweep({"gamma": GAMMAS}, build=chain, build_kwargs={"n_sites": 3, "delta": 0.5}, progress=False)
    assert ds["heat_hot"].values[1] == ch.steady_state(chain(3, GAMMAS[1], 0.5)).currents["hot"]
    part = sweep({"gamma": GAMMAS}, build=functools.partial(chain, 3, delta=0.5), progress=False)
    np.testing.assert_array_equal(part["heat_hot"], ds["heat_hot"])
    assert part.attrs["build"] == ds.attrs["build"] == f"{__name__}.chain"


def test_hash_covers_builder_identity_kwargs_and_closure():
    """Checkpoints resume only for the same builder: its module.qualname, fixed arguments and captured values."""
    axes = {"gamma": GAMMAS}
    h = make_spec(axes, build=chain, build_kwargs={"n_sites": 2}).hash()
    assert make_spec(axes, build=chain, build_kwargs={"n_sites": 2}).hash() == h
    assert make_spec(axes, build=chain, build_kwargs={"n_sites": 3}).hash() != h
    assert make_spec(axes, build=chain, build_kwargs={"n_sites": 2, "delta": 0.5}).hash() != h
    assert make_spec(axes, build=functools.partial(chain, n_sites=2)).hash() == h  # same function, same arguments
    assert make_spec(axes, build=refuses).hash() != make_spec(axes, build=functools.partial(chain, n_sites=2)).hash()

    def local(delta):
        return lambda gamma: chain(2, gamma, delta)

    assert make_spec(axes, build=local(0.3)).hash() != make_spec(axes, build=local(0.4)).hash()
    assert make_spec(axes, build=local(0.3)).hash() == make_spec(axes, build=local(0.3)).hash()


def test_interrupted_network_sweep_resumes_identically(tmp_path):
    axes = {"n_sites": [2, 3], "gamma": [0.2, 0.5, 0.9]}
    full = sweep(axes, build=chain, chunk_size=2, n_collisions=4, progress=False)

    def stop(index, n_done, n_total):
        if n_done == 1:
            raise KeyboardInterrupt

    out = tmp_path / "chain.nc"
    with pytest.raises(KeyboardInterrupt):
        sweep(axes, build=chain, chunk_size=2, n_collisions=4, out=out, progress=False, callback=stop)
    resumed = sweep(axes, build=chain, chunk_size=2, n_collisions=4, out=out, progress=False)
    assert resumed.identical(full)
    assert load_sweep(out).identical(full)


def test_process_executor_runs_module_level_builder_and_refuses_a_lambda():
    axes = {"gamma": GAMMAS}
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        remote = sweep(axes, build=chain, build_kwargs={"n_sites": 2}, executor=pool, chunk_size=1, progress=False)
        with pytest.raises(TypeError, match=r"build=.*<lambda> cannot be pickled for a process executor"):
            sweep(axes, build=lambda gamma: chain(2, gamma), executor=pool, progress=False)
    local = sweep(axes, build=chain, build_kwargs={"n_sites": 2}, chunk_size=1, progress=False)
    assert remote.identical(local)
    with cf.ThreadPoolExecutor(max_workers=2) as pool:  # threads share the process: a lambda is fine
        threaded = sweep(axes, build=lambda gamma: chain(2, gamma), executor=pool, progress=False)
    np.testing.assert_array_equal(threaded["heat_hot"], local["heat_hot"])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"build": "chain"}, TypeError, "build must be a callable"),
        (
            {"build": chain, "build_kwargs": {"n_sites": 2, "beta": 1.0}},
            TypeError,
            "build=" + __name__ + ".chain does not accept",
        ),
        ({"build": chain, "build_kwargs": {"gamma": 0.3, "n_sites": 2}}, ValueError, "axis 'gamma' is also a fixed argument"),
        ({"build": not_a_network}, TypeError, "build(gamma=0.2) returned str; it must return a CollisionNetwork"),
        ({"build": refuses, "axes": {"gamma": [0.2, 1.5]}}, ValueError, "build(gamma=1.5) failed: gamma must be <= 1"),
        ({"build": chain, "build_kwargs": {"n_sites": 2}, "base": paper(0.2, 0.0)}, ValueError, "with build, give fixed"),
        ({"build": chain, "build_kwargs": {"n_sites": 2}, "conductance": True}, ValueError, "paper's sweep only"),
        ({"build_kwargs": {"n_sites": 2}}, ValueError, "build_kwargs needs build"),
        ({"build": chain, "build_kwargs": {"n_sites": 2}, "axes": {"gamma": [[0.1]]}}, ValueError, "one-dimensional"),
        ({"build": chain, "build_kwargs": {"n_sites": 2}, "axes": {"gamma": [0.1, math.nan]}}, ValueError, "contains NaN"),
        (
            {"build": chain, "build_kwargs": {"n_sites": 2}, "n_collisions": 3, "initial_state": "111"},
            ValueError,
            "at gamma=0.2:",
        ),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, message):
    axes = kwargs.pop("axes", {"gamma": GAMMAS})
    with pytest.raises(error) as info:
        sweep(axes, progress=False, **kwargs)
    assert message in str(info.value)


def test_netcdf_roundtrip_with_integer_and_string_axes(tmp_path):
    ds = sweep({"coupling": ["swap", "xxz"], "jz": [0.0, 1.0]}, build=coupled, out=tmp_path / "c.nc", progress=False)
    assert load_sweep(tmp_path / "c.nc").identical(ds)
    assert ds.attrs["build_kwargs"] == "{}"


def test_builder_without_a_stable_description_runs_in_memory_but_not_checkpointed(tmp_path):
    """A closure over an object whose repr is a memory address cannot identify a checkpoint: refused only with out."""
    marker = object()

    def build(gamma):
        assert marker is not None
        return chain(2, gamma)

    ds = sweep({"gamma": GAMMAS}, build=build, progress=False)
    assert ds.attrs["sweep_hash"].startswith("none: build's closure holds <object object at 0x")
    with pytest.raises(TypeError, match="no stable description for the sweep's hash"):
        sweep({"gamma": GAMMAS}, build=build, out=tmp_path / "x.nc", progress=False)
