"""``circuitheat fluctuations``: exact statistics of the measured heat, long-time noise and the TUR ratio.

Examples::

    circuitheat fluctuations --dphi 5pi/4                  # table: Q after n collisions, long-time noise, TUR
    circuitheat fluctuations -n 200 --reservoir cold --json
    circuitheat fluctuations --plot noise.png              # noise and TUR ratio versus phi_h - phi_c
"""

from __future__ import annotations

import argparse
import json
import math

from ..io import FIGURE_SUFFIXES, atomic_savefig, check_can_write
from ..states import SYSTEM_LABELS
from ._options import add_model_options, count, model_from_args

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``fluctuations`` subcommand."""
    p = subparsers.add_parser(
        "fluctuations",
        help="exact heat statistics (end-point measured ancillas), long-time noise and TUR ratio",
        description="Statistics of Q_r(n): the sum over collisions of reservoir r's ancilla energy measured right "
        "after each collision, minus its mean initial energy (positive = energy into r). Exact cumulants after n "
        "collisions, and the long-time current, noise D = lim Var Q/n, Fano factor D/|J| and TUR ratio "
        "D sigma / (2 J^2) with sigma the steady entropy production per collision.",
    )
    add_model_options(p)
    p.add_argument("-n", "--n-collisions", type=count, default=1500, help="collisions for the finite-n cumulants (default 1500)")
    p.add_argument("--reservoir", choices=("hot", "cold"), default="hot", help="counted reservoir (default hot)")
    p.add_argument(
        "--measurement",
        choices=("end_point", "two_point"),
        default="end_point",
        help="end_point: ancilla measured after its collision (the device; default); two_point: also before (dephases it)",
    )
    p.add_argument(
        "--initial-state", choices=SYSTEM_LABELS, default="11", help="system state |S_A S_B>, 0 = excited (default 11)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable JSON output")
    p.add_argument(
        "--plot", default=None, metavar="PNG", help="save noise and TUR ratio versus phi_h - phi_c (thermal p = 0 dashed)"
    )
    p.add_argument("--points", type=count, default=101, help="phase points of the --plot scan over [0, 2 pi] (default 101)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --plot file")
    p.set_defaults(handler=_run)


def _number(value: float) -> float | str:
    """JSON has no infinities or NaN: those are written as strings."""
    v = float(value)
    return v if math.isfinite(v) else str(v)


def _run(args: argparse.Namespace) -> int:
    from ..fluctuations import current_fluctuations, heat_statistics

    model = model_from_args(args)
    if args.plot is not None:
        check_can_write(args.plot, args.force, "--plot", FIGURE_SUFFIXES)
    stats = heat_statistics(
        model,
        args.n_collisions,
        args.reservoir,
        initial_state=args.initial_state,
        measurement=args.measurement,
        distribution=False,
    )
    fl = current_fluctuations(model, args.reservoir, measurement=args.measurement)
    k1, k2, k3 = stats.cumulants
    record = {
        "gamma": model.gamma,
        "delta": model.delta,
        "t_hot": _number(model.hot.temperature),
        "t_cold": _number(model.cold.temperature),
        "coherence_hot": model.hot.coherence,
        "coherence_cold": model.cold.coherence,
        "phase_difference": model.phase_difference,
        "reservoir": args.reservoir,
        "measurement": args.measurement,
        "n_collisions": args.n_collisions,
        "mean": k1,
        "variance": k2,
        "third_cumulant": k3,
    } | {
        f"long_time_{k}" if k in ("third_cumulant",) else k: v
        for k, v in fl.to_dict().items()
        if k not in ("reservoir", "measurement")
    }
    if args.plot is not None:
        _plot(model, args)
        record["plot"] = args.plot
    if args.json:
        print(json.dumps(record))
    else:
        width = max(len(k) for k in record)
        for key, value in record.items():
            print(f"{key:<{width}}  {value:.10g}" if isinstance(value, float) else f"{key:<{width}}  {value}")
    return 0


def _plot(model, args: argparse.Namespace) -> None:
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from ..fluctuations import fluctuation_scan, plot_fluctuation_scan

    phases = np.linspace(0.0, 2 * np.pi, args.points)
    scan = fluctuation_scan(model, phases, reservoir=args.reservoir, measurement=args.measurement)
    thermal = dataclasses.replace(
        model, hot=dataclasses.replace(model.hot, coherence=0.0), cold=dataclasses.replace(model.cold, coherence=0.0)
    )
    reference = fluctuation_scan(thermal, phases, reservoir=args.reservoir, measurement=args.measurement)
    fig, axes = plt.subplots(2, 1, figsize=(6.4, 6.8), sharex=True, layout="constrained")
    try:
        plot_fluctuation_scan(scan, reference, axes)
        atomic_savefig(fig, args.plot, dpi=150)
    finally:
        plt.close(fig)
