"""``circuitheat sweep``: a parameter sweep written to NetCDF, resumable, optionally distributed.

Example::

    circuitheat sweep --axis phase_difference=0:2pi:361 --axis gamma=pi/32,pi/4 --out sweep.nc
"""

from __future__ import annotations

import argparse
import contextlib
import time

from ..engines import ENGINES
from ..expressions import parse_range_or_list
from ..io import NETCDF_SUFFIXES, check_output_path
from ..states import SYSTEM_LABELS
from ..sweeps.grid import AXIS_NAMES
from ..sweeps.storage import chunk_directory
from ..validation import InputValueError
from ._options import add_model_options, count, model_from_args

__all__ = ["parse_axis", "register"]


def parse_axis(text: str) -> tuple[str, list[float]]:
    """Parse ``NAME=SPEC`` with SPEC ``start:stop:count`` (inclusive) or ``a,b,c``; angles may use ``pi``.

    Raises
    ------
    ValueError
        Naming the option and the text.
    """
    name, sep, spec = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not spec.strip():
        raise InputValueError(f"--axis: expected NAME=start:stop:count or NAME=a,b,c, got {text!r}")
    if name not in AXIS_NAMES:
        raise InputValueError(f"--axis: unknown axis {name!r}; valid: {', '.join(AXIS_NAMES)}")
    return name, parse_range_or_list(spec, f"--axis {name}")


def _axis_type(text: str) -> tuple[str, list[float]]:
    try:
        return parse_axis(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--axis: ")) from None


_axis_type.__name__ = "axis"


def register(subparsers) -> None:
    """Add the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep",
        help="parameter sweep of steady currents (and trajectories) to NetCDF",
        description="Steady heat currents J_h, J_c (Eqs. 10-11), the conductance of Eq. 30 and optionally trajectories "
        "on a Cartesian grid of named parameters, written to NetCDF (an xarray Dataset). Parameters that are not "
        "swept take the model options below. Finished chunks are checkpointed next to --out: rerun the same "
        "command after an interruption to resume.",
        epilog="axes: " + ", ".join(AXIS_NAMES) + ". Example: --axis phase_difference=0:2pi:361 --axis gamma=pi/32,pi/4",
    )
    p.add_argument(
        "--axis",
        "-a",
        dest="axes",
        action="append",
        type=_axis_type,
        required=True,
        metavar="NAME=SPEC",
        help="a swept parameter: NAME=start:stop:count (inclusive) or NAME=a,b,c; repeat for more axes",
    )
    add_model_options(p)
    p.add_argument("--out", "-o", required=True, help="NetCDF output file (checkpoints in OUT.chunks/)")
    p.add_argument(
        "-n",
        "--n-collisions",
        type=count,
        default=None,
        help="also store trajectories of n collisions (trajectory_heat_hot, trajectory_heat_cold)",
    )
    p.add_argument("--engine", choices=ENGINES, default="direct", help="engine of the trajectories (default direct)")
    p.add_argument("--initial-state", choices=SYSTEM_LABELS, default="11", help="system state of the trajectories (default 11)")
    p.add_argument("--no-conductance", action="store_true", help="skip the conductance (Eq. 30), halving the cost")
    p.add_argument("--chunk-size", type=count, default=None, help="grid points per chunk (default: automatic)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=count, default=None, help="run chunks in a local process pool of this size")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run chunks on a dask.distributed scheduler")
    p.add_argument("--force", action="store_true", help="overwrite an output (or checkpoint) of a different sweep")
    p.add_argument("--keep-chunks", action="store_true", help="keep OUT.chunks/ after the NetCDF file is written")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=_run)


@contextlib.contextmanager
def _executor(args: argparse.Namespace):
    if args.workers is not None:
        from ..sweeps.execution import process_pool

        with process_pool(args.workers) as pool:  # Ctrl-C stops its workers at once
            yield pool
    elif args.scheduler is not None:
        try:
            from dask.distributed import Client
        except ImportError:
            raise InputValueError("--scheduler needs dask.distributed: pip install 'circuitheat[distributed]'") from None
        with Client(args.scheduler) as client:
            yield client.get_executor()
    else:
        yield None


def _run(args: argparse.Namespace) -> int:
    from ..sweeps import sweep

    names = [name for name, _ in args.axes]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputValueError(f"--axis {repeated[0]} given more than once")
    base = model_from_args(args)
    check_output_path(args.out, "--out", NETCDF_SUFFIXES)  # before any work, as every command does
    start = time.perf_counter()
    try:
        with _executor(args) as executor:
            ds = sweep(
                dict(args.axes),
                base=base,
                n_collisions=args.n_collisions,
                engine=args.engine,
                initial_state=args.initial_state,
                conductance=not args.no_conductance,
                out=args.out,
                force=args.force,
                executor=executor,
                chunk_size=args.chunk_size,
                progress=not args.no_progress,
                keep_chunks=args.keep_chunks,
            )
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"finished chunks are saved in {str(chunk_directory(args.out))!r}; run the same command again to resume"
        ) from None
    elapsed = time.perf_counter() - start
    dims = ", ".join(f"{d}: {n}" for d, n in ds.sizes.items())
    j = ds["heat_hot"]
    print(f"wrote {args.out} ({dims}) in {elapsed:.1f} s")
    n_reversed = int((j > 0).sum())
    print(f"heat_hot in [{float(j.min()):.6g}, {float(j.max()):.6g}]; J_h > 0 (cold -> hot) at {n_reversed} of {j.size} points")
    return 0
