"""Run every benchmark in four environments and write the Markdown tables into README.md between the markers.

Usage::

    python benchmarks/run_all.py            # full run (~10 min on 2 cores), rewrites the README section
    python benchmarks/run_all.py --quick    # smoke test with small sizes (~30 s); prints, never touches the README
    python benchmarks/run_all.py --json results.json --no-readme

Every comparison (circuitheat and its peer, side by side in this one process) runs in
four environments:

* **default, idle** — the environment the script was started in, nothing set: BLAS and
  OpenMP keep their default thread counts (what a user gets; circuitheat limits itself to
  one BLAS thread inside its own calls, :mod:`circuitheat.threads`);
* **default, busy** — the same, while ``os.cpu_count()`` processes started by this script
  keep every core busy with a pure-numpy loop (256×256 matrix products with their default
  BLAS threads), started before and stopped after the measurement;
* **pinned, idle** — ``threadpoolctl.threadpool_limits(1)`` around the whole measurement,
  for circuitheat and the peer alike (and ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` /
  ``MKL_NUM_THREADS`` = 1 in the environment of the processes a benchmark starts, e.g. the
  fresh processes of ``bench_aer.py``; never in the busy processes);
* **pinned, busy** — both.

The benchmark modules (``bench_direct``, ``bench_networks``, ``bench_aer``,
``bench_network_aer`` and, when present, ``bench_grids``) provide the measurements; this
script only runs them per environment, checks the goals of issues 11 and 12 and renders
the tables. Only the text between ``<!-- benchmarks:start -->`` and
``<!-- benchmarks:end -->`` in the README is replaced, atomically
(:func:`circuitheat.io.atomic_write`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import importlib
import importlib.util
import io
import json
import math
import multiprocessing as mp
import os
import platform
import resource
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_info, threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_aer  # noqa: E402
import bench_direct  # noqa: E402
import bench_network_aer  # noqa: E402
import bench_networks  # noqa: E402
from bench_direct import Row  # noqa: E402

from circuitheat.io import atomic_write  # noqa: E402

__all__ = [
    "END",
    "ENVIRONMENTS",
    "START",
    "Environment",
    "Goal",
    "busy_cores",
    "environment",
    "evaluate_goals",
    "main",
    "measure",
    "pinned_threads",
    "render",
    "replace_between_markers",
]

START = "<!-- benchmarks:start -->"
END = "<!-- benchmarks:end -->"

#: Environment variables that pin the thread pools of processes started by a benchmark
#: (the pinned environments; this process itself is pinned with threadpoolctl).
PIN_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

#: The busy load: one process per core, each multiplying 256x256 matrices with numpy's
#: default BLAS threads until it is terminated or its parent (argv[1]) is gone.
BUSY_LOOP = """
import os, sys
import numpy as np
parent = int(sys.argv[1])
a = np.random.default_rng(0).random((256, 256)) / 256
b = a.copy()
b = a @ b
print("ready", flush=True)
while os.getppid() == parent:
    for _ in range(50):
        b = a @ b
        b /= np.abs(b).max()
"""

#: Seconds a busy process may take to start (import numpy) before the run is aborted.
BUSY_START_TIMEOUT = 60.0


@dataclass(frozen=True)
class Environment:
    """One of the four environments: default or pinned thread pools, idle or every core busy."""

    pinned: bool
    busy: bool

    @property
    def name(self) -> str:
        """``"default, idle"``, ``"default, busy"``, ``"pinned, idle"`` or ``"pinned, busy"``."""
        return f"{'pinned' if self.pinned else 'default'}, {'busy' if self.busy else 'idle'}"


#: Measured in this order: default first (the goals are read there), then pinned.
ENVIRONMENTS = (Environment(False, False), Environment(False, True), Environment(True, False), Environment(True, True))
DEFAULT_IDLE, DEFAULT_BUSY, PINNED_IDLE, PINNED_BUSY = (e.name for e in ENVIRONMENTS)


# --- environments ------------------------------------------------------------------------------


@contextlib.contextmanager
def busy_cores(n: int | None = None) -> Iterator[list[subprocess.Popen]]:
    """Keep ``n`` (default ``os.cpu_count()``) processes busy with :data:`BUSY_LOOP` inside the block.

    They are started (and waited for until each has imported numpy and multiplied once)
    before the block and terminated — killed if they do not exit within 5 s — after it,
    also on an exception or Ctrl-C. Each also exits by itself when this process is gone.
    Raises ``RuntimeError`` if one of them died before the end of the block.
    """
    if n is None:
        n = os.cpu_count() or 1
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(n):
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", BUSY_LOOP, str(os.getpid())],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            )
        deadline = time.monotonic() + BUSY_START_TIMEOUT
        for proc in procs:
            line = proc.stdout.readline() if proc.stdout is not None else b""
            if line.strip() != b"ready" or time.monotonic() > deadline:
                raise RuntimeError(f"busy process {proc.pid} did not start (exit code {proc.poll()})")
        yield procs
        dead = [p.pid for p in procs if p.poll() is not None]
        if dead:
            raise RuntimeError(f"busy processes {dead} stopped before the measurement ended")
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 5.0
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


@contextlib.contextmanager
def pinned_threads() -> Iterator[None]:
    """Every thread pool of this process limited to one thread (threadpoolctl), and :data:`PIN_VARIABLES` = 1
    for the processes started inside the block; both restored afterwards."""
    saved = {name: os.environ.get(name) for name in PIN_VARIABLES}
    os.environ.update(dict.fromkeys(PIN_VARIABLES, "1"))
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def environment(env: Environment) -> Iterator[None]:
    """Enter ``env``: the busy processes first (so they keep their default threads), then the pinning."""
    with contextlib.ExitStack() as stack:
        if env.busy:
            stack.enter_context(busy_cores())
        if env.pinned:
            stack.enter_context(pinned_threads())
        yield


# --- measurements -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """Problem sizes and time budgets of one run (full or ``--quick``)."""

    trajectories: tuple[int, ...] = (100, 1500, 10000)
    grids: tuple[int, ...] = (11, 51, 201)
    peer_budget: float = 1.5
    network_grid: int = 201
    chain_sites: int = 6
    chain_steps: int = 1000
    chain_peer_steps: int = 20
    large_sites: int = 10
    large_steps: int = 1000
    large_timed_steps: int = 1000
    robust_rounds: int = 5
    aer_collisions: int = 1500
    aer_preparations: tuple[str, ...] = ("channel", "purification")
    network_aer_steps: tuple[tuple[str, int], ...] = (("channel", 40), ("purification", 10))
    bench_grid: int = 201
    bench_sweep: tuple[int, int, int] = (101, 1500, 100)
    repeats: int = 2


QUICK = Sizes(
    trajectories=(100,),
    grids=(5,),
    peer_budget=0.05,
    network_grid=5,
    chain_sites=3,
    chain_steps=20,
    chain_peer_steps=5,
    large_sites=5,
    large_steps=20,
    large_timed_steps=10,
    robust_rounds=1,
    aer_collisions=5,
    aer_preparations=("channel",),
    network_aer_steps=(("channel", 2),),
    bench_grid=5,
    bench_sweep=(5, 20, 4),
    repeats=1,
)


def _aer_rows(sizes: Sizes) -> list[Row]:
    """bench_aer.py (paper model, fresh processes) and bench_network_aer.py (N = 6 chain) as rows."""
    rows = []
    n = sizes.aer_collisions
    for prep, medians in bench_aer.measure(n, sizes.aer_preparations).items():
        naive, engine = medians["naive"], medians["engine"]
        rows.append(
            Row(
                "aer",
                f"paper model, {n} collisions, {prep}",
                n,
                "simulate(model, n, engine='aer')",
                "naive Aer build",
                engine["total"],
                naive["total"],
                f"fresh process each; max error vs direct {max(naive['err'], engine['err']):.1e}",
            )
        )
    for prep, steps in sizes.network_aer_steps:
        r = bench_network_aer.compare(steps, prep)
        case = f"N = {bench_network_aer.SITES} chain, {steps} steps, {prep}"
        engine = "simulate(net, n, engine='aer')"
        note = f"max error vs direct {r['error']:.1e}"
        rows.append(Row("aer", case, steps, engine, "naive Aer build (Aer's default threads)", r["engine"], r["naive"], note))
        rows.append(Row("aer", case, steps, engine, "naive Aer build (1 thread)", r["engine"], r["naive_1_thread"], note))
    return rows


def _grid_module():
    """``bench_grids`` (the steady-grid and batched-sweep benchmarks) if it exists, else None."""
    if importlib.util.find_spec("bench_grids") is None:
        return None
    return importlib.import_module("bench_grids")


#: The bare batched solve of bench_grids.steady_rows (the floor of the steady grid path).
BARE_SOLVE = "bare numpy.linalg.solve, real 15x15"
#: The previous trajectory sweep (one ch.simulate per point) of bench_grids.trajectory_rows.
PER_POINT_SWEEP = "per-point ch.simulate loop (before)"


def _bench_grids_rows(sizes: Sizes) -> list[Row]:
    """bench_grids.py (issue 12 items 2, 3) as rows: steady grid paths against the bare solve, batched sweep."""
    grids = _grid_module()
    n = sizes.bench_grid
    with contextlib.redirect_stdout(io.StringIO()) as out:
        steady = grids.steady_rows(n, sizes.repeats)
    notes = " ".join(line.strip().strip("()") for line in out.getvalue().splitlines())
    with contextlib.redirect_stdout(io.StringIO()) as out:
        n_axis, n_coll, sample = sizes.bench_sweep
        sweeps = grids.trajectory_rows(n_axis, n_coll, sample, max(2, sizes.repeats // 2))
    sweep_notes = " ".join(line.strip().strip("()") for line in out.getvalue().splitlines())
    times = {name: t for name, t, _ in steady}
    case = f"{n}x{n} steady-state grid"
    rows = [
        Row("grids", case, n * n, name, BARE_SOLVE, t, times[BARE_SOLVE], notes) for name, t, _ in steady if name != BARE_SOLVE
    ]
    times = {name: t for name, t, _ in sweeps}
    batched = next(name for name in times if name != PER_POINT_SWEEP)
    rows.append(
        Row(
            "grids",
            f"{n_axis}x{n_axis}x{n_coll} trajectory sweep",
            n_axis * n_axis,
            batched,
            PER_POINT_SWEEP,
            times[batched],
            times[PER_POINT_SWEEP],
            sweep_notes,
        )
    )
    return rows


def measure(sizes: Sizes, progress: Callable[[str], None] = lambda _: None, *, aer: bool = True) -> list[Row]:
    """Every comparison once, in the current environment (the Aer ones only with ``aer``)."""
    rows: list[Row] = []
    progress("trajectories")
    rows += bench_direct.trajectory_rows(sizes.trajectories, repeats=sizes.repeats)
    progress("steady-state grids")
    rows += bench_direct.grid_rows(sizes.grids, budget=sizes.peer_budget, repeats=sizes.repeats)
    if _grid_module() is not None:
        progress("bench_grids")
        rows += _bench_grids_rows(sizes)
    progress("network core")
    rows += bench_networks.paper_model_rows(1500, repeats=sizes.repeats)
    rows += bench_networks.paper_grid_rows(sizes.network_grid, budget=sizes.peer_budget, repeats=sizes.repeats)
    rows.append(bench_networks.chain_row(sizes.chain_sites, sizes.chain_steps, sizes.chain_peer_steps))
    if aer:
        progress("Aer")
        rows += _aer_rows(sizes)
    return rows


#: Wall-time limit of each N = 10 measurement (the goal is one minute; beyond this the run
#: is stopped and reported as exceeding it, so the whole benchmark stays bounded).
LARGE_TIMEOUT = 90.0


def _one_core_child(what: str, args: tuple, memory_args: tuple | None, cpu: int, conn) -> None:
    """In a fresh process bound to CPU ``cpu``: ``bench_networks.<what>(*args)``, then its memory.

    The memory is the peak of what the call allocates (``tracemalloc``: numpy arrays and
    Python objects) in a run with ``memory_args`` (or, if None, during the timed run), and
    the process's peak resident size.
    """
    try:
        os.sched_setaffinity(0, {cpu})
        function = getattr(bench_networks, what)
        function(2, *args[1:])  # imports and caches at a small size
        if memory_args is None:
            tracemalloc.start()
        out = function(*args)
        if memory_args is not None:
            tracemalloc.start()
            function(*memory_args)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send(("ok", out | {"allocated_mib": peak / 2**20, "peak_rss_mib": rss / 1024}))
    except BaseException as exc:  # report it to the parent, which raises
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def on_one_core(what: str, *args, memory_args: tuple | None = None, timeout: float = LARGE_TIMEOUT) -> dict | None:
    """``bench_networks.<what>(*args)`` in a fresh spawned process bound to one CPU, with its memory.

    Returns None if it has not finished after ``timeout`` seconds (the process is then
    terminated, or killed). The process is stopped on any exception or Ctrl-C too.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    cpu = min(os.sched_getaffinity(0))
    proc = ctx.Process(target=_one_core_child, args=(what, args, memory_args, cpu, child))
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            return None
        status, out = parent.recv()
    except EOFError:
        status, out = "error", "the process died without a result"
    finally:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        parent.close()
    if status != "ok":
        raise RuntimeError(f"{what}{args}: {out} (exit code {proc.exitcode})")
    return {**out, "cpu": cpu}


def large_chain(sites: int, steps: int, timed_steps: int) -> dict:
    """The N-site chain on one core: ``timed_steps`` steps timed and scaled to ``steps`` (every step of the
    matrix-free engine costs the same), and the steady state, stopped after :data:`LARGE_TIMEOUT`."""
    trajectory = on_one_core("large_chain_trajectory", sites, timed_steps, memory_args=(sites, 3))
    if trajectory is not None:
        trajectory |= {"seconds": trajectory["seconds"] * steps / timed_steps, "timed_steps": timed_steps, "steps": steps}
    return {
        "sites": sites,
        "steps": steps,
        "timeout_s": LARGE_TIMEOUT,
        "trajectory": trajectory,
        "steady": on_one_core("large_chain_steady", sites),
    }


def busy_robustness(sizes: Sizes) -> dict[str, dict[str, float]]:
    """circuitheat's time for the two goal calls with every core busy: default and pinned rounds interleaved.

    In one busy period, ``sizes.robust_rounds`` rounds each alternate a default-environment
    and a pinned (``threadpool_limits(1)``) timing of the same call (best of each), so both
    see the same load.
    """
    import circuitheat as ch

    model = bench_direct.fig2_model()
    n, size = sizes.trajectories[-2] if len(sizes.trajectories) > 1 else sizes.trajectories[0], sizes.grids[-1]
    calls = {
        f"{n}-collision trajectory": lambda: ch.simulate(model, n),
        f"{size}x{size} steady-state grid": lambda: bench_direct.direct_grid(size),
    }
    out = {}
    with busy_cores():
        for name, call in calls.items():
            best = {"default": math.inf, "pinned": math.inf}
            for _ in range(sizes.robust_rounds):
                best["default"] = min(best["default"], bench_direct.time_call(call, repeats=1))
                with threadpool_limits(limits=1):
                    best["pinned"] = min(best["pinned"], bench_direct.time_call(call, repeats=1))
            out[name] = best
    return out


# --- goals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A goal of issue 11 or 12, its measured value and whether it holds."""

    issue: str
    text: str
    measured: str
    passed: bool | None  # None: not measured


def _find(rows: list[Row], section: str, case: str, engine: str = "", peer: str = "") -> Row | None:
    for row in rows:
        if row.section == section and row.case == case and engine in row.engine and peer in row.peer:
            return row
    return None


def _cheapest(rows: list[Row], section: str, case: str, engine: str, peer: str) -> Row | None:
    found = [r for r in rows if r.section == section and r.case == case and engine in r.engine and peer in r.peer]
    return min(found, key=lambda r: r.t_peer) if found else None


def evaluate_goals(results: dict[str, list[Row]], large: dict | None, robustness: dict | None = None) -> list[Goal]:
    """The goals of issue 12 (item 4) and issue 11 (item 11), each PASS/FAIL on the rows measured."""
    goals: list[Goal] = []
    default = results.get(DEFAULT_IDLE, [])
    specs = (
        ("trajectory", "1500-collision trajectory", "direct", "QuTiP loop", 300.0, "1500-collision trajectory"),
        ("grid", "201x201 steady-state grid", "steady_heat_current", "QuTiP propagator_steadystate", 150.0, "201×201 grid"),
    )
    pinned = results.get(PINNED_IDLE, [])
    for section, case, engine, peer, target, label in specs:
        row, row_pinned = _cheapest(default, section, case, engine, peer), _cheapest(pinned, section, case, engine, peer)
        cheapest = f"; cheapest QuTiP peer: {row.peer}" if row is not None and section == "grid" else ""
        goals.append(
            Goal(
                "12",
                f"{label} ≥ {target:g}× the {peer}{' per point, cheapest form' if section == 'grid' else ''} "
                "(idle, default and pinned)",
                f"{row.ratio:,.0f}× default, {row_pinned.ratio:,.0f}× pinned{cheapest}" if row and row_pinned else "not measured",
                min(row.ratio, row_pinned.ratio) >= target if row and row_pinned else None,
            )
        )
    for _section, case, _engine, _peer, _target, label in specs:
        times = (robustness or {}).get(case)
        goals.append(
            Goal(
                "12",
                f"{label}, every core busy: circuitheat's time in the default environment ≤ 1.3× its single-thread "
                "(pinned) time (interleaved rounds under the same load)",
                f"{_seconds(times['default'])} / {_seconds(times['pinned'])} = {times['default'] / times['pinned']:.2f}×"
                if times
                else "not measured",
                times["default"] <= 1.3 * times["pinned"] if times else None,
            )
        )
    for case, label in (
        ("paper model, 1500-collision trajectory", "trajectory"),
        ("paper model, 201x201 steady-state grid", "201×201 grid"),
    ):
        row = _find(default, "network", case)
        goals.append(
            Goal(
                "11",
                f"paper model through the network core within 1.5× of today's engine: {label}",
                f"{_ratio(row.t_engine / row.t_peer)} ({_seconds(row.t_engine)} vs {_seconds(row.t_peer)})"
                if row
                else "not measured",
                row.t_engine <= 1.5 * row.t_peer if row else None,
            )
        )
    row, row_pinned = _find(default, "network", "N = 6 chain, 1000 steps"), _find(pinned, "network", "N = 6 chain, 1000 steps")
    goals.append(
        Goal(
            "11",
            "N = 6 chain, 1000 steps, direct engine ≥ 100× the brute-force numpy loop (idle, default and pinned)",
            f"{row.ratio:,.0f}× default (the loop's 256×256 products on two BLAS threads), {row_pinned.ratio:,.0f}× pinned"
            if row and row_pinned
            else "not measured",
            min(row.ratio, row_pinned.ratio) >= 100 if row and row_pinned else None,
        )
    )
    if large is not None and large["sites"] == 10 and large["steps"] == 1000:
        for key, label in (("trajectory", "1000 steps"), ("steady", "steady state")):
            part = large[key]
            goals.append(
                Goal(
                    "11",
                    f"N = 10 chain, {label}, under a minute on one core (memory stated)",
                    _large_text(part, large["timeout_s"]),
                    part is not None and part["seconds"] < 60.0,
                )
            )
    else:
        goals.append(Goal("11", "N = 10 chain, 1000 steps and steady state, under a minute on one core", "not measured", None))
    sweep_row = next((r for r in default if r.section == "grids" and r.peer == PER_POINT_SWEEP), None)
    pinned_sweep = next((r for r in results.get(PINNED_IDLE, []) if r.section == "grids" and r.peer == PER_POINT_SWEEP), None)
    if sweep_row is not None and sweep_row.case.startswith("101x101x1500"):
        before = pinned_sweep.t_peer if pinned_sweep else sweep_row.t_peer
        goals.append(
            Goal(
                "12",
                "101×101×1500 trajectory sweep ≥ 10× faster than the per-point loop of before, single thread "
                "(the issue measured 8.7 s)",
                f"{_seconds(sweep_row.t_engine)} vs {_seconds(before)} = {before / sweep_row.t_engine:,.0f}×",
                before >= 10 * sweep_row.t_engine,
            )
        )
    bare = [r for r in default if r.section == "grids" and r.peer == BARE_SOLVE and "before" not in r.engine]
    if bare and bare[0].case.startswith("201x201"):
        goals.append(
            Goal(
                "12",
                "201×201 steady grid path within 1.5× of a bare batched numpy.linalg.solve of real 15×15 systems",
                ", ".join(f"{r.engine} {r.t_engine / r.t_peer:.2f}×" for r in bare)
                + "".join(
                    f" ({r.engine} solves three systems per point -- the current, the ΔT = 0 fixed point and its "
                    f"derivative -- so {r.t_engine / r.t_peer / 3:.2f}× per solve)"
                    for r in bare
                    if "conductance" in r.engine and "with" in r.engine
                ),
                all(r.t_engine <= 1.5 * r.t_peer for r in bare if "conductance" not in r.engine),
            )
        )
    aer = [
        (env, r)
        for env, rows in ((DEFAULT_IDLE, default), (PINNED_IDLE, pinned))
        for r in rows
        if r.section == "aer" and r.case.startswith("N = 6") and "default threads" in r.peer
    ]
    goals.append(
        Goal(
            "11",
            "Aer engine on an N = 6 network within 2× of a naive Aer build (Aer's default threads; idle, default and pinned)",
            ", ".join(f"{r.case.split(', ')[-1]} ({e.split(',')[0]}): engine/naive {r.t_engine / r.t_peer:.2f}×" for e, r in aer)
            or "not measured",
            all(r.t_engine <= 2 * r.t_peer for _, r in aer) if aer else None,
        )
    )
    return goals


# --- rendering ----------------------------------------------------------------------------------


def _seconds(t: float) -> str:
    if t >= 1:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} µs"


def _table(header: list[str], lines: list[list[str]]) -> str:
    text = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    text += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(text)


def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.2f}×"


#: Sections of the tables: (section of the rows, title, whether the ratio is read as time engine / time peer).
SECTIONS = (
    ("trajectory", "Trajectories (Fig. 2 model, φ_h − φ_c = 5π/4, J_h(k), J_c(k) for k = 1..n from |11⟩)", False),
    ("grid", "Steady-state grids (J_h^steady on a (φ_h − φ_c) × γ grid, γ ∈ [π/64, π/2], other parameters of Fig. 2)", False),
    ("grids", "Steady grids and batched trajectory sweeps (`benchmarks/bench_grids.py`)", False),
    ("network", "Collision networks (issue 11)", False),
    ("aer", "Aer engine against a naive Aer build", False),
)


def _is_reference(row: Row) -> bool:
    """Rows whose "peer" is a reference to come close to (fast path, bare solve), not a peer to beat: shown as time ratios."""
    return "fast path" in row.peer or row.peer == BARE_SOLVE


def _section_table(results: dict[str, list[Row]], section: str) -> tuple[str, list[str]]:
    """One table: a line per comparison, speed-up in every environment, engine time default / pinned."""
    base = [r for r in results.get(DEFAULT_IDLE, []) if r.section == section]
    lines, notes = [], []
    for row in base:
        inverse = _is_reference(row)
        cells = [row.case, row.engine, row.peer, _seconds(row.t_engine), _seconds(row.t_peer)]
        for env in (DEFAULT_IDLE, DEFAULT_BUSY, PINNED_IDLE, PINNED_BUSY):
            other = _find(results.get(env, []), section, row.case, row.engine, row.peer)
            if other is None:
                cells.append("—")
            elif inverse:
                cells.append(f"time {_ratio(other.t_engine / other.t_peer)}")
            else:
                cells.append(_ratio(other.ratio))
        shares = []
        for default, pinned in ((DEFAULT_IDLE, PINNED_IDLE), (DEFAULT_BUSY, PINNED_BUSY)):
            a = _find(results.get(default, []), section, row.case, row.engine, row.peer)
            b = _find(results.get(pinned, []), section, row.case, row.engine, row.peer)
            shares.append(f"{a.t_engine / b.t_engine:.2f}" if a and b else "—")
        cells.append(" / ".join(shares))
        lines.append(cells)
        note = f"{row.case}, {row.engine if inverse else row.peer}: {row.note}"
        if any(word in row.note for word in ("extrapolated", "scaled")) and note not in notes:
            notes.append(note)
    header = [
        "case",
        "circuitheat",
        "peer",
        "circuitheat (default, idle)",
        "peer (default, idle)",
        "speed-up: default, idle",
        "default, busy",
        "pinned, idle",
        "pinned, busy",
        "circuitheat time default ÷ pinned (idle / busy)",
    ]
    return _table(header, lines), notes


def _large_text(part: dict | None, timeout: float) -> str:
    """One N = 10 measurement: time and memory, or that it was stopped."""
    if part is None:
        return f"stopped after {timeout:.0f} s"
    extra = []
    if "state_mib" in part:
        extra.append(f"one state {part['state_mib']:.0f} MiB (4^N real Pauli coefficients)")
    if "first_law" in part:
        extra.append(f"first law to {part['first_law']:.0e}")
    if "residual" in part:
        extra.append(f"residual {part['residual']:.0e}")
    if "timed_steps" in part and part["timed_steps"] != part.get("steps"):
        extra.append(f"timed over {part['timed_steps']} steps and scaled")
    return (
        f"{part['seconds']:.1f} s ({', '.join(extra)}; memory: {part['allocated_mib']:.0f} MiB allocated at the peak "
        f"of the call, process peak RSS {part['peak_rss_mib']:.0f} MiB)"
    )


def render(results: dict[str, list[Row]], large: dict | None, goals: list[Goal], meta: dict) -> str:
    """The Markdown of the README section."""
    parts = [
        "## Benchmarks",
        "",
        f"Measured by `python benchmarks/run_all.py` on {meta['date']} ({meta['machine']}; {meta['versions']}; "
        f"{meta['threads']}). Each speed-up is peer time ÷ circuitheat time, both measured side by side in one run "
        "(best of repeats), in four environments: **default** = the thread settings the script was started with "
        "(nothing set: BLAS and OpenMP use every core; circuitheat limits itself to one BLAS thread inside its "
        "calls), **pinned** = `threadpoolctl.threadpool_limits(1)` around the whole measurement, for circuitheat and "
        "the peer alike; **idle** = nothing else running, **busy** = one process per core started by the script, "
        "multiplying 256×256 matrices with numpy's default BLAS threads during the measurement. Every peer's numbers "
        "are checked against the direct engine before timing. Peers and method: `benchmarks/README.md`. "
        f"Load average (1 min) at the start of each environment: {meta['load']}. Whole run: {meta['elapsed_s']:.0f} s.",
        "",
        'Rerun: `pip install -e ".[bench]" && python benchmarks/run_all.py` (about 10 minutes on 2 cores; '
        "`--quick` for a smoke test, `--json FILE` to keep every number, `--render FILE` to rewrite this section "
        "from such a file).",
        "",
        "**Goals** (issue 12: speed that holds in the user's environment; issue 11: collision networks)",
        "",
        _table(
            ["issue", "goal", "measured", "result"],
            [[g.issue, g.text, g.measured, "PASS" if g.passed else ("**FAIL**" if g.passed is False else "—")] for g in goals],
        ),
        "",
    ]
    all_notes: list[str] = []
    for section, title, _inverse in SECTIONS:
        if not any(r.section == section for r in results.get(DEFAULT_IDLE, [])):
            continue
        table, notes = _section_table(results, section)
        all_notes += notes
        parts += [f"**{title}**", "", table, ""]
        if any(_is_reference(r) for r in results.get(DEFAULT_IDLE, []) if r.section == section):
            parts += [
                "Cells marked *time* compare with a reference to come close to (the fast path, the bare solve): "
                "time ratio circuitheat ÷ reference (1 = as fast, below 1 = faster) instead of a speed-up.",
                "",
            ]
    if large is not None:
        parts += [
            f"**N = {large['sites']} chain on one core** (a fresh process per measurement, bound to one CPU, default "
            f"environment, idle): {large['steps']} steps (states not stored): "
            f"{_large_text(large['trajectory'], large['timeout_s'])}; matrix-free steady state (Krylov): "
            f"{_large_text(large['steady'], large['timeout_s'])}.",
            "",
        ]
    if meta.get("grids_note"):
        parts += [meta["grids_note"], ""]
    if all_notes:
        parts += ["Timed on a subset and scaled (each point or step costs the same): " + "; ".join(all_notes) + ".", ""]
    return "\n".join(parts).rstrip() + "\n"


def replace_between_markers(text: str, section: str) -> str:
    """``text`` with everything between :data:`START` and :data:`END` replaced by ``section``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start or text.count(START) != 1 or text.count(END) != 1:
        raise ValueError(f"README must contain {START} and {END} exactly once, in that order")
    return text[: start + len(START)] + "\n" + section + text[end:]


def _meta() -> dict:
    import numpy
    import qutip

    import circuitheat

    versions = [f"circuitheat {circuitheat.__version__}", f"numpy {numpy.__version__}", f"QuTiP {qutip.__version__}"]
    try:
        import qiskit_aer

        versions.append(f"qiskit-aer {qiskit_aer.__version__}")
    except ImportError:  # pragma: no cover
        pass
    pools = sorted({f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()})
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "versions": ", ".join(versions),
        "threads": "default thread pools: " + ", ".join(pools),
    }


def _sigterm(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: busy processes are stopped


def main(argv: list[str] | None = None) -> int:
    """Run everything; print the Markdown; write the README section unless ``--quick``/``--no-readme``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test; never writes the README")
    parser.add_argument("--no-readme", action="store_true", help="do not touch README.md")
    parser.add_argument("--readme", type=Path, default=HERE.parent / "README.md", help="README to update")
    parser.add_argument("--json", type=Path, default=None, help="also write all rows as JSON here")
    parser.add_argument("--render", type=Path, default=None, help="measure nothing: render the JSON of an earlier run")
    args = parser.parse_args(argv)
    if args.render is not None:
        results, large, meta = _load(args.render)
        return _output(args, results, large, meta)
    signal.signal(signal.SIGTERM, _sigterm)
    sizes = QUICK if args.quick else Sizes()
    meta = _meta()
    start = time.perf_counter()
    results: dict[str, list[Row]] = {}
    loads = []
    for env in ENVIRONMENTS:
        with environment(env):
            load = os.getloadavg()[0]
            loads.append(f"{env.name} {load:.1f}")
            begin = time.perf_counter()

            def progress(what: str, env: Environment = env, begin: float = begin) -> None:
                print(f"[{env.name}] {what} (+{time.perf_counter() - begin:.0f} s)", file=sys.stderr, flush=True)

            # --quick (a smoke test) starts the Aer runs' fresh processes in the first environment only
            results[env.name] = measure(sizes, progress, aer=not args.quick or env == ENVIRONMENTS[0])
    print("[busy] default and pinned, interleaved", file=sys.stderr)
    meta["robustness"] = busy_robustness(sizes)
    print(f"[default, idle] N = {sizes.large_sites} chain on one core", file=sys.stderr)
    large = large_chain(sizes.large_sites, sizes.large_steps, sizes.large_timed_steps)
    meta["load"] = ", ".join(loads)
    meta["elapsed_s"] = round(time.perf_counter() - start, 1)
    if _grid_module() is None:
        meta["grids_note"] = (
            "`benchmarks/bench_grids.py` (steady grids against a bare batched solve, batched trajectory sweeps) "
            "is not present: its rows are skipped."
        )
    return _output(args, results, large, meta)


def _load(path: Path) -> tuple[dict[str, list[Row]], dict | None, dict]:
    """Rows, the large chain and the metadata from the JSON of :func:`main` (``--json``)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    names = [f.name for f in dataclasses.fields(Row)]
    results = {env: [Row(**{k: r[k] for k in names}) for r in rows] for env, rows in payload["environments"].items()}
    return results, payload["large_chain"], payload["meta"]


def _output(args: argparse.Namespace, results: dict[str, list[Row]], large: dict | None, meta: dict) -> int:
    """Print the Markdown; write the JSON (``--json``) and the README section (unless ``--quick``/``--no-readme``)."""
    goals = evaluate_goals(results, large, meta.get("robustness"))
    markdown = render(results, large, goals, meta)
    print(markdown)
    if args.json is not None:
        with atomic_write(args.json) as handle:
            payload = {
                "meta": meta,
                "environments": {env: [r.as_dict() for r in rows] for env, rows in results.items()},
                "large_chain": large,
                "goals": [g.__dict__ for g in goals],
            }
            json.dump(payload, handle, indent=1, default=str)
    if not (args.quick or args.no_readme):
        text = args.readme.read_text(encoding="utf-8")
        mode = args.readme.stat().st_mode & 0o777
        with atomic_write(args.readme) as handle:
            handle.write(replace_between_markers(text, markdown))
        os.chmod(args.readme, mode)  # atomic_write's temporary file is created 0600
        print(f"updated {args.readme}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
