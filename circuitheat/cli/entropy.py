"""``circuitheat entropy``: the entropy balance of Sec. IV (Eqs. 16-27) and the steady-state second law.

Examples::

    circuitheat entropy -n 1500 --dphi 5pi/4                      # compact table
    circuitheat entropy -n 1500 --out balance.csv --plot balance.png
    circuitheat entropy -n 4 --out balance.json                  # includes the joint-state check
    circuitheat entropy --steady --dphi 5pi/4 --second-law second_law.png
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np

from ..engines import ENGINES
from ..io import FIGURE_SUFFIXES, atomic_savefig, atomic_write, check_can_write
from ..states import SYSTEM_LABELS
from ..thermo import (
    BALANCE_COLUMNS,
    JOINT_AUTO_COLLISIONS,
    JOINT_MAX_COLLISIONS,
    EntropyBalance,
    SteadyEntropyProduction,
    entropy_balance,
    steady_entropy_production,
)
from ..validation import InputValueError
from ._options import add_model_options, count, model_from_args

__all__ = ["register"]

_OUT_SUFFIXES = (".csv", ".json")


def register(subparsers) -> None:
    """Add the ``entropy`` subcommand."""
    p = subparsers.add_parser(
        "entropy",
        help="entropy balance of Sec. IV (Eqs. 16-27) and the steady-state second law",
        description="Entropy bookkeeping after each collision k = 1..n (cumulative, nats): Delta S (Eq. 16), the "
        "exchanged entropy Delta S_re (Eq. 17) and its hot/cold parts (Eqs. 22, 25), the entropy production "
        "Delta S_ir (Eq. 20, >= 0) and the heats Sum Delta Q (energy into each reservoir, Eqs. 23, 26, 27). "
        f"For n <= {JOINT_AUTO_COLLISIONS} (or with --joint, n <= {JOINT_MAX_COLLISIONS}) Eq. 20 is also "
        "evaluated on the joint state of system and all ancillas. --steady adds the steady-state entropy "
        "production per collision and the Clausius-like beta_h J_h + beta_c J_c.",
    )
    add_model_options(p)
    p.add_argument("-n", "--n-collisions", type=count, default=1500, help="number of collisions (default 1500)")
    p.add_argument("--engine", choices=ENGINES, default="direct", help="engine of the states (default direct)")
    p.add_argument(
        "--initial-state", choices=SYSTEM_LABELS, default="11", help="system state |S_A S_B>, 0 = excited (default 11)"
    )
    p.add_argument(
        "--joint",
        action="store_true",
        help=f"force the joint-state evaluation of Eq. 20 (n <= {JOINT_MAX_COLLISIONS}; default: automatic for small n)",
    )
    p.add_argument("--steady", action="store_true", help="also report the steady-state entropy production per collision")
    p.add_argument("--rows", type=count, default=12, help="rows of the printed table (default 12; first and last always)")
    p.add_argument("--out", "-o", default=None, help="write the balance to a .csv or .json file instead of printing a table")
    p.add_argument("--plot", default=None, metavar="PNG", help="save a figure of the entropy flows versus n")
    p.add_argument(
        "--second-law",
        default=None,
        metavar="PNG",
        help="save the figure of steady entropy production and beta_h J_h + beta_c J_c versus phi_h - phi_c",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(handler=_run)


def _number(value: float) -> float | str:
    """JSON has no infinities: +-inf are written as the strings "inf" / "-inf"."""
    v = float(value)
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")


def _columns(balance: EntropyBalance) -> list[str]:
    return [c for c in BALANCE_COLUMNS if getattr(balance, c) is not None]


def _model_record(balance: EntropyBalance) -> dict:
    m = balance.model
    return {
        "gamma": m.gamma,
        "delta": m.delta,
        "t_hot": _number(m.hot.temperature),
        "t_cold": _number(m.cold.temperature),
        "coherence_hot": m.hot.coherence,
        "coherence_cold": m.cold.coherence,
        "phase_hot": m.hot.phase,
        "phase_cold": m.cold.phase,
        "omega": m.omega,
    }


def _steady_record(r: SteadyEntropyProduction) -> dict:
    return {
        "heat_hot": r.heat_hot,
        "heat_cold": r.heat_cold,
        "exchanged_hot": _number(r.exchanged_hot),
        "exchanged_cold": _number(r.exchanged_cold),
        "production": _number(r.production),
        "production_local": _number(r.production_local),
        "clausius": r.clausius,
        "coherence_term": _number(r.coherence_term),
        "reversed": r.is_reversed,
    }


def _write_csv(handle, balance: EntropyBalance) -> None:
    cols = _columns(balance)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["collision", *cols])
    arrays = [np.asarray(getattr(balance, c)) for c in cols]
    for k in range(balance.n_collisions):
        writer.writerow([k + 1, *(repr(float(a[k])) for a in arrays)])


def _write_json(handle, balance: EntropyBalance, steady: SteadyEntropyProduction | None) -> None:
    record = {
        "model": _model_record(balance),
        "engine": balance.engine,
        "entropy_initial": balance.entropy_initial,
        "units": {"entropy": "nats", "heat": "energy (omega units)"},
        "collision": balance.collisions.tolist(),
    }
    for c in _columns(balance):
        record[c] = [_number(v) for v in np.asarray(getattr(balance, c))]
    if steady is not None:
        record["steady"] = _steady_record(steady)
    # one key per line, each array on one line: readable and still plain JSON
    body = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in record.items())
    handle.write("{\n" + body + "\n}\n")


def _rows(n: int, rows: int) -> list[int]:
    """About ``rows`` row indices spread over 0..n-1, always with the first and the last."""
    if n <= rows:
        return list(range(n))
    return sorted(set(np.unique(np.round(np.linspace(0, n - 1, rows)).astype(int)).tolist()))


def _print_table(balance: EntropyBalance, rows: int) -> None:
    m = balance.model
    print(
        f"# entropy balance (Sec. IV), engine={balance.engine}, gamma={m.gamma:.6g}, delta={m.delta:.6g}, "
        f"T_h={m.hot.temperature:.6g}, T_c={m.cold.temperature:.6g}, p_h={m.hot.coherence:.6g}, "
        f"p_c={m.cold.coherence:.6g}, phi_h-phi_c={m.phase_difference:.6g}"
    )
    print("# cumulative after collision n; entropies in nats; Q = energy gained by that reservoir")
    cols = [
        ("n", None),
        ("dS", "delta_s"),
        ("dS_re", "delta_s_re"),
        ("dS_re1", "delta_s_re_hot"),
        ("dS_re2", "delta_s_re_cold"),
        ("dS_ir", "production"),
        ("Q_h", "cumulative_heat_hot"),
        ("Q_c", "cumulative_heat_cold"),
    ]
    if balance.production_joint is not None:
        cols.insert(6, ("D_joint", "production_joint"))
    print("  ".join(f"{h:>6}" if a is None else f"{h:>12}" for h, a in cols))
    for k in _rows(balance.n_collisions, rows):
        cells = [f"{k + 1:>6}"] + [f"{float(getattr(balance, a)[k]):>12.5g}" for _, a in cols[1:]]
        print("  ".join(cells))


def _print_steady(r: SteadyEntropyProduction) -> None:
    print("# steady state, per collision")
    for key, value in _steady_record(r).items():
        print(f"{key:<18}{value:.10g}" if isinstance(value, float) else f"{key:<18}{value}")


def _savefig(path: str, draw) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
    try:
        draw(ax)
        atomic_savefig(fig, path, dpi=150)
    finally:
        plt.close(fig)


def _run(args: argparse.Namespace) -> int:
    model = model_from_args(args)
    if args.out is not None:
        check_can_write(args.out, args.force, "--out", _OUT_SUFFIXES)
    for option, path in (("--plot", args.plot), ("--second-law", args.second_law)):
        if path is not None:
            check_can_write(path, args.force, option, FIGURE_SUFFIXES)
    if args.joint and args.n_collisions > JOINT_MAX_COLLISIONS:
        raise InputValueError(f"--joint needs -n <= {JOINT_MAX_COLLISIONS}, got {args.n_collisions}")
    balance = entropy_balance(
        model, args.n_collisions, engine=args.engine, initial_state=args.initial_state, joint=True if args.joint else None
    )
    steady = steady_entropy_production(model) if (args.steady or args.second_law) else None
    if args.out is None:
        _print_table(balance, args.rows)
        if args.steady:
            _print_steady(steady)
    elif Path(args.out).suffix.lower() == ".csv":
        with atomic_write(args.out) as handle:
            _write_csv(handle, balance)
        print(f"wrote {args.out} (entropy balance, {args.n_collisions} collisions)")
    else:
        with atomic_write(args.out) as handle:
            _write_json(handle, balance, steady if args.steady else None)
        print(f"wrote {args.out} (entropy balance, {args.n_collisions} collisions)")
    if args.plot is not None:
        from ..plotting.entropy import plot_entropy_balance

        _savefig(args.plot, lambda ax: plot_entropy_balance(balance, ax=ax))
        print(f"wrote {args.plot} (entropy flows versus collision number)")
    if args.second_law is not None:
        from ..plotting.entropy import plot_second_law
        from ..thermo import second_law_scan

        scan = second_law_scan(model)
        _savefig(args.second_law, lambda ax: plot_second_law(scan, ax=ax, mark=model.phase_difference % (2 * math.pi)))
        print(f"wrote {args.second_law} (steady entropy production versus phi_h - phi_c)")
    return 0
