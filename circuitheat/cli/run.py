"""``circuitheat run``: one trajectory, as CSV (and optionally a PNG of J_h, J_c versus n)."""

from __future__ import annotations

import argparse
import csv
import sys

from ..engines import ENGINES, simulate
from ..io import FIGURE_SUFFIXES, atomic_savefig, atomic_write, check_can_write
from ._options import add_initial_state_option, add_model_options, count, model_from_args
from .network import add_network_options, network_requested, run_network

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run",
        help="simulate a trajectory: J_h(n), J_c(n) as CSV",
        description="Simulate n collisions (Eq. 8) and write J_h(k), J_c(k) (Eqs. 10-11) and the system energy "
        "for k = 1..n as CSV (stdout or --out). Positive J means energy flows into that reservoir.",
    )
    add_model_options(p)
    p.add_argument("-n", "--n-collisions", type=count, default=1500, help="number of collisions (default 1500)")
    p.add_argument("--engine", choices=ENGINES, default="direct", help="simulation engine (default direct)")
    add_initial_state_option(p)
    p.add_argument("--out", "-o", default=None, help="CSV file (default: stdout)")
    p.add_argument("--plot", default=None, metavar="PNG", help="also save a plot of J_h and J_c versus n")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    add_network_options(p)
    p.set_defaults(handler=_run)


def _write_csv(handle, traj) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["collision", "heat_hot", "heat_cold", "system_energy"])
    for k, jh, jc, e in zip(traj.collisions, traj.heat_hot, traj.heat_cold, traj.system_energy, strict=True):
        writer.writerow([int(k), repr(float(jh)), repr(float(jc)), repr(float(e))])


def _run(args: argparse.Namespace) -> int:
    if network_requested(args):
        return run_network(args)
    model = model_from_args(args)
    if args.out is not None:
        check_can_write(args.out, args.force, "--out", (".csv",))
    if args.plot is not None:
        check_can_write(args.plot, args.force, "--plot", FIGURE_SUFFIXES)
    traj = simulate(model, args.n_collisions, engine=args.engine, initial_state=args.initial_state)
    # What was written is reported on stdout, or on stderr when stdout carries the CSV itself.
    report = sys.stdout if args.out is not None else sys.stderr
    if args.out is None:
        _write_csv(sys.stdout, traj)
    else:
        with atomic_write(args.out) as handle:
            _write_csv(handle, traj)
        print(f"wrote {args.out} ({args.n_collisions} collisions: J_h, J_c, system energy)", file=report)
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..plotting.basic import plot_heat_currents

        fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
        plot_heat_currents(traj, ax=ax)
        try:
            atomic_savefig(fig, args.plot, dpi=150)
        finally:
            plt.close(fig)
        print(f"wrote {args.plot} (J_h and J_c versus collision number)", file=report)
    return 0
