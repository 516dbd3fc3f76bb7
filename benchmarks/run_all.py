"""Run every benchmark and write the Markdown tables into README.md between the markers.

Usage::

    python benchmarks/run_all.py            # full run (~5 min on 2 cores), rewrites the README section
    python benchmarks/run_all.py --quick    # smoke test with small sizes; prints, never touches the README
    python benchmarks/run_all.py --json results.json --no-readme

Only the text between ``<!-- benchmarks:start -->`` and ``<!-- benchmarks:end -->`` in the
README is replaced, atomically (:func:`circuitheat.io.atomic_write`). Every ratio is
measured side by side in this one process; wall times depend on the machine and its
load, ratios much less. BLAS runs single-threaded (as in CI): the peers are Python
loops over 16x16 matrices, which threads only slow down.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import asdict, is_dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_direct  # noqa: E402

from circuitheat.io import atomic_write  # noqa: E402

__all__ = ["END", "GOALS", "START", "main", "render", "replace_between_markers"]

START = "<!-- benchmarks:start -->"
END = "<!-- benchmarks:end -->"

#: The issue's goals: (section, size, peer substring, engine substring) -> required speed-up.
GOALS = {
    "201x201 steady-state grid vs QuTiP propagator_steadystate per point": (
        "grid",
        201 * 201,
        "QuTiP",
        "steady_heat_current",
        100.0,
    ),
    "1500-collision trajectory vs the QuTiP loop": ("trajectory", 1500, "QuTiP", "direct", 300.0),
}


def _seconds(t: float) -> str:
    if t >= 1:
        return f"{t:.3g} s"
    if t >= 1e-3:
        return f"{t * 1e3:.3g} ms"
    return f"{t * 1e6:.3g} µs"


def _find(rows, section: str, size: int, peer: str, engine: str):
    for row in rows:
        if row.section == section and row.size == size and peer in row.peer and engine in row.engine:
            return row
    return None


def _aer_section(n: int) -> str:
    """Markdown of benchmarks/bench_aer.py (written separately), adapted to the interface it has.

    ``run(n=...)`` returning rows (dataclasses or dicts) is rendered as a table; otherwise
    its ``main(["--n", n])`` is run and the Markdown table it prints is embedded.
    """
    if importlib.util.find_spec("bench_aer") is None:
        return "benchmarks/bench_aer.py is not present: no Aer rows."
    module = importlib.import_module("bench_aer")
    if callable(getattr(module, "run", None)):
        records = []
        for row in module.run(n=n):
            record = asdict(row) if is_dataclass(row) else dict(row)
            for name in ("ratio", "speedup"):
                value = getattr(row, name, None)
                if value is not None and name not in record:
                    record[name] = value
            records.append(record)
        keys = list(dict.fromkeys(k for row in records for k in row))
        return _table(keys, [[_cell(row.get(k)) for k in keys] for row in records])
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = module.main(["--n", str(n)])
    if status:
        raise RuntimeError(f"bench_aer.main exited with status {status}")
    lines = [line for line in buffer.getvalue().splitlines() if line.strip() and not line.startswith("python ")]
    title = [line for line in lines if not line.startswith("|")]
    table = [line for line in lines if line.startswith("|")]
    return "\n".join([*(f"{t}." for t in title), "", *table])


def _table(header: list[str], lines: list[list[str]]) -> str:
    text = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    text += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(text)


def render(rows, aer: str, meta: dict) -> str:
    """The Markdown of the README section."""
    parts = [
        "## Benchmarks",
        "",
        f"Measured by `python benchmarks/run_all.py` on {meta['date']} ({meta['machine']}; {meta['versions']}). "
        "Each ratio is peer time / circuitheat time, both measured side by side in one run (best of repeats, "
        "single-threaded BLAS). Every peer's numbers are checked against the direct engine before timing. "
        "Peers and method: `benchmarks/README.md`.",
        "",
    ]
    goal_lines = []
    for name, (section, size, peer, engine, goal) in GOALS.items():
        row = _find(rows, section, size, peer, engine)
        if row is None:
            goal_lines.append([name, "not measured", "", "", f"≥ {goal:g}×", "—"])
            continue
        met = "yes" if row.ratio >= goal else "**no**"
        goal_lines.append([name, _seconds(row.t_engine), _seconds(row.t_peer), f"{row.ratio:,.0f}×", f"≥ {goal:g}×", met])
    parts += [
        "**Goals of the issue**",
        "",
        _table(["benchmark", "circuitheat", "peer", "speed-up", "goal", "met"], goal_lines),
        "",
    ]
    traj = sorted({r.size for r in rows if r.section == "trajectory"})
    if traj:
        lines = []
        for n in traj:
            q = _find(rows, "trajectory", n, "QuTiP", "direct")
            npy = _find(rows, "trajectory", n, "numpy", "direct")
            ref = q or npy
            lines.append(
                [
                    f"{n:,}",
                    _seconds(ref.t_engine),
                    _seconds(npy.t_peer) if npy else "—",
                    f"{npy.ratio:,.0f}×" if npy else "—",
                    _seconds(q.t_peer) if q else "—",
                    f"{q.ratio:,.0f}×" if q else "—",
                ]
            )
        parts += [
            "**Trajectories: cost versus the number of collisions** (Fig. 2 model, φ_h − φ_c = 5π/4; J_h(k), J_c(k) "
            "for k = 1..n from |11⟩)",
            "",
            _table(["n", "`ch.simulate` (direct)", "numpy loop", "speed-up", "QuTiP loop", "speed-up"], lines),
            "",
        ]
    grids = sorted({r.size for r in rows if r.section == "grid"})
    if grids:
        lines = []
        notes = []
        for size in grids:
            batched_q = _find(rows, "grid", size, "QuTiP", "steady_heat_current")
            sweep_q = _find(rows, "grid", size, "QuTiP", "sweep()")
            batched_n = _find(rows, "grid", size, "numpy", "steady_heat_current")
            side = math.isqrt(size)
            lines.append(
                [
                    f"{side}×{side} = {size:,}",
                    _seconds(batched_q.t_engine),
                    _seconds(sweep_q.t_engine) if sweep_q else "—",
                    f"{_seconds(batched_n.t_peer)}{'*' if 'extrapolated' in batched_n.note else ''}" if batched_n else "—",
                    f"{batched_n.ratio:,.0f}×" if batched_n else "—",
                    f"{_seconds(batched_q.t_peer)}{'*' if 'extrapolated' in batched_q.note else ''}",
                    f"{batched_q.ratio:,.0f}× / {sweep_q.ratio:,.0f}×" if sweep_q else f"{batched_q.ratio:,.0f}×",
                ]
            )
            for row in (batched_n, batched_q):
                if row is not None and "extrapolated" in row.note:
                    notes.append(f"{side}×{side}, {row.peer}: {row.note}")
        parts += [
            "**Steady-state grids: cost versus the number of grid points** (J_h^steady on a (φ_h − φ_c) × γ grid, "
            "γ ∈ [π/64, π/2], other parameters of Fig. 2)",
            "",
            _table(
                [
                    "grid",
                    "`steady_heat_current` (batched)",
                    "`sweep()`",
                    "numpy eig per point",
                    "speed-up",
                    "QuTiP `propagator_steadystate` per point",
                    "speed-up (batched / sweep)",
                ],
                lines,
            ),
            "",
        ]
        if notes:
            parts += ["\\* " + "; ".join(notes) + ".", ""]
    parts += ["**Aer engine against a naive Aer build** (`benchmarks/bench_aer.py`)", "", aer, ""]
    return "\n".join(parts).rstrip() + "\n"


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


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
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {load:.1f} at start, Python {platform.python_version()}",
        "versions": ", ".join(versions),
    }


def main(argv: list[str] | None = None) -> int:
    """Run everything; print the Markdown; write the README section unless ``--quick``/``--no-readme``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test; never writes the README")
    parser.add_argument("--no-readme", action="store_true", help="do not touch README.md")
    parser.add_argument("--readme", type=Path, default=HERE.parent / "README.md", help="README to update")
    parser.add_argument("--json", type=Path, default=None, help="also write all rows as JSON here")
    parser.add_argument("--aer-collisions", type=int, default=1500, help="collisions of the Aer benchmark (default 1500)")
    args = parser.parse_args(argv)
    meta = _meta()
    start = time.perf_counter()
    rows = bench_direct.run(quick=args.quick)
    status = 0
    try:
        aer = _aer_section(100 if args.quick else args.aer_collisions)
    except (Exception, SystemExit) as exc:  # report it in the table, keep the direct-engine results
        aer = f"bench_aer.py failed: {type(exc).__name__}: {exc}"
        status = 1
    meta["elapsed_s"] = round(time.perf_counter() - start, 1)
    markdown = render(rows, aer, meta)
    print(markdown)
    if args.json is not None:
        with atomic_write(args.json) as handle:
            json.dump({"meta": meta, "direct": [r.as_dict() for r in rows], "aer_markdown": aer}, handle, indent=1, default=str)
    if not (args.quick or args.no_readme):
        text = args.readme.read_text(encoding="utf-8")
        mode = args.readme.stat().st_mode & 0o777
        with atomic_write(args.readme) as handle:
            handle.write(replace_between_markers(text, markdown))
        os.chmod(args.readme, mode)  # atomic_write's temporary file is created 0600
        print(f"updated {args.readme}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
