"""``--network FILE.toml`` for ``circuitheat run`` and ``circuitheat steady``: a collision network instead of the paper's model.

The file's schema is documented in :mod:`circuitheat.network.toml`; ``circuitheat presets``
writes example files to start from. This module holds the whole feature; ``run.py`` and
``steady.py`` only add the options and hand over when ``--network`` is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys

from ..engines import simulate
from ..io import FIGURE_SUFFIXES, atomic_savefig, atomic_write, check_can_write
from ..network.step import DENSE_MAX_SITES
from ..network.toml import load_network
from ..steady import STEADY_METHODS, steady_state
from ..validation import InputValueError
from ._options import add_model_options

__all__ = ["NETWORK_HELP", "add_network_options", "network_requested", "run_network", "steady_network"]

#: The schema in brief, for ``--help`` (the full schema: :mod:`circuitheat.network.toml`).
NETWORK_HELP = (
    "A network file (TOML) replaces the model options: top-level keys sites = N, omega = w or [w0, w1, ...]; "
    "[reservoirs.NAME] tables with temperature, coherence, phase, omega (the state of Eq. 12) or "
    'state = [["0.3", "0.1+0.2j"], ["0.1-0.2j", "0.7"]] and omega; [[step]] tables, applied in order at '
    'every step: kind = "interaction" with sites = [i, j], or kind = "collision" with reservoir = "NAME" '
    'and site = i (a fresh ancilla each time); gate = { name = "partial_swap", theta = "pi/4" }, '
    '{ name = "heisenberg", jx = 1, jy = 1, jz = 0.5, time = 0.3 }, { name = "unitary", matrix = [[...]] } '
    '(4x4, first site most significant) or a two-qubit Qiskit gate such as "cx" or '
    '{ name = "rxx", params = ["pi/2"] } (qubit 0 on the first site, or on the system site). Numbers may be '
    "safe expressions such as pi/32. Example files: circuitheat presets (list), "
    "circuitheat presets --write chain.toml chain. Positive currents: energy flows into that reservoir; "
    "work W = dE_S + sum_r J_r."
)


def add_network_options(parser: argparse.ArgumentParser, *, steady: bool = False) -> None:
    """Add ``--network FILE.toml`` (and, for ``steady``, ``--method``) in their own option group."""
    group = parser.add_argument_group("collision network (instead of the model options)", NETWORK_HELP)
    group.add_argument("--network", metavar="FILE.toml", default=None, help="simulate the collision network in this file")
    if steady:
        group.add_argument(
            "--method",
            choices=STEADY_METHODS,
            default=None,
            help=f"with --network: exact dense solve or matrix-free Krylov (default: dense up to {DENSE_MAX_SITES} sites)",
        )


def _model_option_defaults() -> dict[str, object]:
    scratch = argparse.ArgumentParser(add_help=False)
    add_model_options(scratch)
    return {a.dest: (a.option_strings[0], a.default) for a in scratch._actions if a.option_strings}


def network_requested(args: argparse.Namespace) -> bool:
    """True if ``--network`` was given; reject options that belong to the other mode.

    Raises
    ------
    ValueError
        For a model option (``--gamma``, ``--t-hot``, ...) set together with ``--network``
        (the file defines the model), or ``--method`` without ``--network``.
    """
    if args.network is None:
        if getattr(args, "method", None) is not None:
            raise InputValueError("--method applies to --network only")
        return False
    for dest, (flag, default) in _model_option_defaults().items():
        if getattr(args, dest, default) != default:
            raise InputValueError(f"{flag} cannot be combined with --network: the network file defines the model")
    return True


def _write_csv(handle, traj) -> None:
    names = list(traj.currents)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["step", *(f"heat_{name}" for name in names), "work", "system_energy"])
    for k in range(traj.n_collisions):
        currents = [repr(float(traj.currents[name][k])) for name in names]
        writer.writerow([k + 1, *currents, repr(float(traj.work[k])), repr(float(traj.system_energy[k]))])


def _plot(traj, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    try:
        for name, current in traj.currents.items():
            ax.plot(traj.collisions, current, label=rf"$J_{{\mathrm{{{name}}}}}$")
        if float(abs(traj.work).max()) > 0:
            ax.plot(traj.collisions, traj.work, color="k", ls="--", label="$W$")
        ax.axhline(0.0, color="0.6", lw=0.6)
        ax.set_xlabel("step $k$")
        ax.set_ylabel("energy per step (units of $\\omega$)")
        ax.set_title(f"{traj.model.sites} sites; $J_r > 0$: energy into reservoir $r$", fontsize=9)
        ax.legend()
        atomic_savefig(fig, path, dpi=150)
    finally:
        plt.close(fig)


def run_network(args: argparse.Namespace) -> int:
    """``circuitheat run --network FILE``: per-step currents of every reservoir, work and system energy as CSV."""
    network = load_network(args.network)
    if args.out is not None:
        check_can_write(args.out, args.force, "--out", (".csv",))
    if args.plot is not None:
        check_can_write(args.plot, args.force, "--plot", FIGURE_SUFFIXES)
    traj = simulate(network, args.n_collisions, engine=args.engine, initial_state=args.initial_state)
    if args.out is None:
        _write_csv(sys.stdout, traj)
    else:
        with atomic_write(args.out) as handle:
            _write_csv(handle, traj)
    if args.plot is not None:
        _plot(traj, args.plot)
    return 0


def steady_network(args: argparse.Namespace) -> int:
    """``circuitheat steady --network FILE``: steady current of every reservoir, work and residual."""
    network = load_network(args.network)
    ss = steady_state(network, method=args.method)
    record: dict[str, object] = {"network": str(args.network), "sites": network.sites, "method": ss.method}
    record |= {f"heat_{name}": value for name, value in ss.currents.items()}
    record |= {"work": ss.work, "residual": ss.residual}
    if args.json:
        print(json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in record.items()}))
    else:
        width = max(len(k) for k in record)
        for key, value in record.items():
            print(f"{key:<{width}}  {value:.10g}" if isinstance(value, float) else f"{key:<{width}}  {value}")
    return 0
