"""``circuitheat entropy``: the entropy balance of Sec. IV (Eqs. 16-27) and the steady-state second law.

For the paper's model (the model options) or, with ``--network FILE.toml``, for any
collision network (the schema of ``circuitheat run|steady --network``,
:mod:`circuitheat.network.toml`): the same computation, :func:`circuitheat.thermo.entropy_balance`,
:func:`~circuitheat.thermo.steady_entropy_production` and
:func:`~circuitheat.thermo.second_law_scan`, with one column set per reservoir named as the
result family names it (``delta_s_re_<r>``, ``cumulative_heat_<r>``, ``heat_<r>``, ...).

Examples::

    circuitheat entropy -n 1500 --dphi 5pi/4                      # compact table
    circuitheat entropy -n 1500 --out balance.csv --plot balance.png
    circuitheat entropy -n 4 --out balance.json                  # includes the joint-state check
    circuitheat entropy --steady --dphi 5pi/4 --second-law second_law.png
    circuitheat entropy --network fridge.toml -n 200 --steady    # any network: one column set per reservoir
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np
from qiskit.circuit import Gate

from ..engines import ENGINES
from ..io import FIGURE_SUFFIXES, atomic_savefig, atomic_write, check_can_write
from ..model import Reservoir
from ..network.spec import Ancilla, Collision, CollisionNetwork
from ..network.toml import load_network
from ..states import system_initial_state
from ..thermo import (
    JOINT_AUTO_COLLISIONS,
    JOINT_AUTO_QUBITS,
    JOINT_MAX_COLLISIONS,
    JOINT_MAX_QUBITS,
    EntropyBalance,
    SteadyEntropyProduction,
    balance_columns,
    entropy_balance,
    joint_limit,
    second_law_scan,
    steady_entropy_production,
)
from ..validation import InputValueError
from ._options import add_initial_state_option, add_model_options, count, model_from_args
from .network import add_network_options, network_requested

__all__ = ["register"]

_OUT_SUFFIXES = (".csv", ".json")

#: A network's table shows the cumulative work only when some step does work beyond this
#: (energy units of omega): energy-conserving gates leave |W(k)| ~ 1e-16 from rounding alone
#: (1.3e-16 seen for the absorption refrigerator), four orders of magnitude below.
_WORK_SHOWN = 1e-12


def register(subparsers) -> None:
    """Add the ``entropy`` subcommand."""
    p = subparsers.add_parser(
        "entropy",
        help="entropy balance of Sec. IV (Eqs. 16-27) and the steady-state second law (model or --network)",
        description="Entropy bookkeeping after each collision k = 1..n (cumulative, nats): Delta S (Eq. 16), the "
        "exchanged entropy Delta S_re (Eq. 17) and its hot/cold parts (Eqs. 22, 25), the entropy production "
        "Delta S_ir (Eq. 20, >= 0) and the heats Sum Delta Q (energy into each reservoir, Eqs. 23, 26, 27). "
        f"For n <= {JOINT_AUTO_COLLISIONS} (or with --joint, n <= {JOINT_MAX_COLLISIONS}) Eq. 20 is also "
        "evaluated on the joint state of system and all ancillas. --steady adds the steady-state entropy "
        "production per collision and the Clausius-like beta_h J_h + beta_c J_c. With --network FILE.toml the "
        "same for a collision network, per step and with one column per reservoir r (delta_s_re_<r>, "
        "cumulative_heat_<r>, ...); the joint-state check then runs while N sites + n x (collisions per step) "
        f"<= {JOINT_AUTO_QUBITS} qubits (with --joint: <= {JOINT_MAX_QUBITS}).",
    )
    add_model_options(p)
    p.add_argument("-n", "--n-collisions", type=count, default=1500, help="number of collisions (steps) (default 1500)")
    p.add_argument("--engine", choices=ENGINES, default="direct", help="engine of the states (default direct)")
    add_initial_state_option(p)
    p.add_argument(
        "--joint",
        action="store_true",
        help=f"force the joint-state evaluation of Eq. 20 (n <= {JOINT_MAX_COLLISIONS}; a network: N + n x (collisions "
        f"per step) <= {JOINT_MAX_QUBITS} qubits; default: automatic for small n)",
    )
    p.add_argument(
        "--steady", action="store_true", help="also report the steady-state entropy production per collision (per step)"
    )
    p.add_argument("--rows", type=count, default=12, help="rows of the printed table (default 12; first and last always)")
    p.add_argument("--out", "-o", default=None, help="write the balance to a .csv or .json file instead of printing a table")
    p.add_argument("--plot", default=None, metavar="PNG", help="save a figure of the entropy flows versus n")
    p.add_argument(
        "--second-law",
        default=None,
        metavar="PNG",
        help="save the figure of steady entropy production and beta_h J_h + beta_c J_c versus phi_h - phi_c",
    )
    p.add_argument(
        "--scan-points",
        type=count,
        default=None,
        metavar="K",
        help="phase differences of --second-law, evenly on [0, 2 pi] (default 361; a network costs one steady state per point)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    add_network_options(p)
    p.add_argument(
        "--scan-reservoirs",
        nargs=2,
        metavar=("SCANNED", "REFERENCE"),
        default=None,
        help="with --network and --second-law: scan phi_SCANNED - phi_REFERENCE, two reservoirs with a phase "
        "(Eq. 12; default: hot cold)",
    )
    p.set_defaults(handler=_run)


def _number(value: float) -> float | str:
    """JSON has no infinities: +-inf are written as the strings "inf" / "-inf"."""
    v = float(value)
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")


def _is_network(balance: EntropyBalance) -> bool:
    return isinstance(balance.model, CollisionNetwork)


def _index_name(balance: EntropyBalance) -> str:
    """First CSV column / JSON key: ``collision`` for the paper's model, ``step`` for a network (as ``run --network``)."""
    return "step" if _is_network(balance) else "collision"


# ---------------------------------------------------------------------------- records


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


def _complex_pairs(matrix) -> list:
    """A complex matrix as nested ``[re, im]`` pairs (JSON has no complex numbers; the TOML schema reads them back)."""
    return [[[float(z.real), float(z.imag)] for z in row] for row in np.asarray(matrix, dtype=complex)]


def _reservoir_record(reservoir: Reservoir | Ancilla) -> dict:
    if isinstance(reservoir, Reservoir):
        return {
            "temperature": _number(reservoir.temperature),
            "coherence": reservoir.coherence,
            "phase": reservoir.phase,
            "omega": reservoir.omega,
        }
    return {"state": _complex_pairs(reservoir.state), "omega": reservoir.omega}


def _gate_record(item) -> dict:
    """A Qiskit gate by name and numeric parameters; anything else by its 4x4 matrix (kron basis, first slot most significant)."""
    gate = item.gate
    if isinstance(gate, Gate):
        try:
            return {"name": gate.name, "params": [float(p) for p in gate.params]}
        except (TypeError, ValueError):  # a parameter that is not a number (e.g. an array): fall back to the matrix
            pass
    return {"name": "unitary", "matrix": _complex_pairs(item.matrix)}


def _step_record(item) -> dict:
    if isinstance(item, Collision):
        return {"kind": "collision", "reservoir": item.reservoir, "site": item.site, "gate": _gate_record(item)}
    return {"kind": "interaction", "sites": list(item.sites), "gate": _gate_record(item)}


def _network_record(network: CollisionNetwork, path: str) -> dict:
    """What the JSON says about a network: its file, sites, level splittings, reservoirs and step."""
    return {
        "network": str(path),
        "sites": network.sites,
        "omega": list(network.omega),
        "reservoirs": {name: _reservoir_record(r) for name, r in network.reservoirs.items()},
        "collisions_per_step": len(network.collisions),
        "step": [_step_record(item) for item in network.step],
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


def _network_steady_record(r: SteadyEntropyProduction) -> dict:
    """The steady values of a network, per step, named as the result family names them (one per reservoir r)."""
    record: dict[str, object] = {f"heat_{name}": value for name, value in r.currents.items()}
    record["work"] = r.work
    record |= {f"exchanged_{name}": _number(value) for name, value in r.exchanged.items()}
    record |= {f"relative_entropy_{name}": _number(value) for name, value in r.relative_entropy.items()}
    record |= {f"beta_{name}": _number(value) for name, value in r.beta.items()}
    record |= {
        "production": _number(r.production),
        "production_local": None if r.production_local is None else _number(r.production_local),
        "clausius": _number(r.clausius),
        "coherence_term": _number(r.coherence_term),
        "mutual_information": _number(r.mutual_information),
        "ancilla_correlation": _number(r.ancilla_correlation),
    }
    if len(r.names) == 2:
        record["reversed"] = r.is_reversed
    return record


# ---------------------------------------------------------------------------- files


def _write_csv(handle, balance: EntropyBalance) -> None:
    columns = balance.columns()
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([_index_name(balance), *columns])
    arrays = list(columns.values())
    for k in range(balance.n_collisions):
        writer.writerow([k + 1, *(repr(float(a[k])) for a in arrays)])


def _write_json(handle, balance: EntropyBalance, steady: SteadyEntropyProduction | None, args: argparse.Namespace) -> None:
    if _is_network(balance):
        network = balance.model
        record = {
            "model": _network_record(network, args.network),
            "engine": balance.engine,
            "initial_state": args.initial_state or "1" * network.sites,
        }
    else:
        record = {"model": _model_record(balance), "engine": balance.engine}
    record |= {
        "entropy_initial": balance.entropy_initial,
        "units": {"entropy": "nats", "heat": "energy (omega units)"},
        _index_name(balance): balance.collisions.tolist(),
    }
    for c, values in balance.columns().items():
        record[c] = [_number(v) for v in values]
    if steady is not None:
        record["steady"] = _network_steady_record(steady) if _is_network(balance) else _steady_record(steady)
    # one key per line, each array on one line: readable and still plain JSON
    body = ",\n".join(f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in record.items())
    handle.write("{\n" + body + "\n}\n")


# ---------------------------------------------------------------------------- tables


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


def _describe_reservoir(name: str, r: Reservoir | Ancilla) -> str:
    if isinstance(r, Reservoir):
        return f"{name} (T={r.temperature:.6g}, p={r.coherence:.6g}, phi={r.phase:.6g}, omega={r.omega:.6g})"
    return f"{name} (2x2 state, omega={r.omega:.6g})"


def _network_table_columns(balance: EntropyBalance) -> dict[str, np.ndarray]:
    """The cumulative quantities of the network table, by their result-family names, one set per reservoir."""
    names = balance.names
    columns = balance.columns()
    table = {c: columns[c] for c in ("delta_s", "delta_s_re")}
    table |= {f"delta_s_re_{r}": columns[f"delta_s_re_{r}"] for r in names}
    table["production"] = columns["production"]
    if "production_joint" in columns:
        table["production_joint"] = columns["production_joint"]
    table |= {f"cumulative_heat_{r}": columns[f"cumulative_heat_{r}"] for r in names}
    if float(np.max(np.abs(balance.work))) > _WORK_SHOWN:
        table["cumulative_work"] = balance.cumulative_work
    return table


def _print_network_table(balance: EntropyBalance, rows: int, path: str) -> None:
    net = balance.model
    omega = net.omega[0] if len(set(net.omega)) == 1 else list(net.omega)
    reservoirs = ", ".join(_describe_reservoir(name, r) for name, r in net.reservoirs.items())
    print(
        f"# entropy balance (Sec. IV), engine={balance.engine}, network {path}: {net.sites} sites, omega={omega}; "
        f"reservoirs {reservoirs}; {len(net.step)} gates per step, {len(net.collisions)} of them collisions"
    )
    print(
        "# cumulative after step n; entropies in nats: delta_s (Eq. 16), delta_s_re and its part per reservoir "
        "(Eq. 17), production = delta_s - delta_s_re (Eq. 20); cumulative_heat_<r> = energy gained by reservoir r"
    )
    table = _network_table_columns(balance)
    widths = {c: max(12, len(c)) for c in table}
    print("  ".join([f"{'step':>6}", *(f"{c:>{widths[c]}}" for c in table)]))
    for k in _rows(balance.n_collisions, rows):
        print("  ".join([f"{k + 1:>6}", *(f"{float(v[k]):>{widths[c]}.5g}" for c, v in table.items())]))


def _print_steady(record: dict, per: str) -> None:
    print(f"# steady state, per {per}")
    width = max(18, max(len(k) + 2 for k in record))
    for key, value in record.items():
        print(f"{key:<{width}}{value:.10g}" if isinstance(value, float) else f"{key:<{width}}{value}")


# ---------------------------------------------------------------------------- figures


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


# ---------------------------------------------------------------------------- the command


def _check_joint(args: argparse.Namespace, network: CollisionNetwork | None) -> None:
    """--joint: refuse, before any work, a joint state beyond JOINT_MAX_QUBITS qubits."""
    if not args.joint:
        return
    if network is None:
        if args.n_collisions > JOINT_MAX_COLLISIONS:
            raise InputValueError(f"--joint needs -n <= {JOINT_MAX_COLLISIONS}, got {args.n_collisions}")
        return
    limit, m = joint_limit(network), len(network.collisions)
    size = f"{network.sites} sites + {m} ancillas per step"
    if limit == 0:
        raise InputValueError(
            f"--joint: the joint state of this network ({size}) exceeds {JOINT_MAX_QUBITS} qubits after one step"
        )
    if args.n_collisions > limit:
        raise InputValueError(
            f"--joint needs -n <= {limit} for this network ({size}: at most {JOINT_MAX_QUBITS} qubits), got {args.n_collisions}"
        )


def _scan_phases(args: argparse.Namespace):
    """The phase differences of --second-law: None (the default grid of second_law_scan) or --scan-points of them."""
    if args.scan_points is None:
        return None
    if args.scan_points < 2:
        raise InputValueError(f"--scan-points must be >= 2, got {args.scan_points}")
    return np.linspace(0.0, 2 * math.pi, args.scan_points)


def _run(args: argparse.Namespace) -> int:
    network = load_network(args.network) if network_requested(args) else None
    if network is None and args.scan_reservoirs is not None:
        raise InputValueError("--scan-reservoirs applies to --network only")
    for option, value in (("--scan-points", args.scan_points), ("--scan-reservoirs", args.scan_reservoirs)):
        if value is not None and args.second_law is None:
            raise InputValueError(f"{option} applies to --second-law only")
    system = model_from_args(args) if network is None else network
    if args.out is not None:
        check_can_write(args.out, args.force, "--out", _OUT_SUFFIXES)
    for option, path in (("--plot", args.plot), ("--second-law", args.second_law)):
        if path is not None:
            check_can_write(path, args.force, option, FIGURE_SUFFIXES)
    _check_joint(args, network)
    sites = 2 if network is None else network.sites
    if args.initial_state is not None:
        system_initial_state(args.initial_state, sites)  # a bad label, before the (slower) scan
    if network is not None:
        balance_columns(network.reservoir_names)  # a reservoir name that makes two columns clash, before any work
    phases = _scan_phases(args)
    scan = None
    if args.second_law is not None:  # first: a bad --scan-reservoirs is refused before the balance is computed
        scanned, reference = args.scan_reservoirs or ("hot", "cold")
        scan = second_law_scan(system, phases, reservoirs=(scanned, reference))
    balance = entropy_balance(
        system, args.n_collisions, engine=args.engine, initial_state=args.initial_state, joint=True if args.joint else None
    )
    steady = steady_entropy_production(system) if (args.steady or args.second_law) else None
    unit = "steps" if network is not None else "collisions"
    if args.out is None:
        if network is None:
            _print_table(balance, args.rows)
        else:
            _print_network_table(balance, args.rows, args.network)
        if args.steady:
            if network is None:
                _print_steady(_steady_record(steady), "collision")
            else:
                _print_steady(_network_steady_record(steady), "step")
    elif Path(args.out).suffix.lower() == ".csv":
        with atomic_write(args.out) as handle:
            _write_csv(handle, balance)
        print(f"wrote {args.out} (entropy balance, {args.n_collisions} {unit})")
    else:
        with atomic_write(args.out) as handle:
            _write_json(handle, balance, steady if args.steady else None, args)
        print(f"wrote {args.out} (entropy balance, {args.n_collisions} {unit})")
    if args.plot is not None:
        from ..plotting.entropy import plot_entropy_balance

        _savefig(args.plot, lambda ax: plot_entropy_balance(balance, ax=ax))
        print(f"wrote {args.plot} (entropy flows versus {unit[:-1]} number)")
    if scan is not None:
        if network is None:
            from ..plotting.entropy import plot_second_law

            _savefig(args.second_law, lambda ax: plot_second_law(scan, ax=ax, mark=system.phase_difference % (2 * math.pi)))
            print(f"wrote {args.second_law} (steady entropy production versus phi_h - phi_c)")
        else:
            from ..plotting.entropy import plot_network_second_law

            res = network.reservoirs
            mark = (res[scan.attrs["scanned"]].phase - res[scan.attrs["reference"]].phase) % (2 * math.pi)
            _savefig(args.second_law, lambda ax: plot_network_second_law(scan, steady, ax=ax, mark=mark))
            print(
                f"wrote {args.second_law} (steady entropy production versus "
                f"phi_{scan.attrs['scanned']} - phi_{scan.attrs['reference']})"
            )
    return 0
