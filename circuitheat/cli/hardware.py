"""``circuitheat hardware``: what a device would show -- transpilation, device noise, shots, the reversal.

Without ``--network`` the command studies the paper's model (:func:`~circuitheat.hardware.observability_study`,
the reversal of J_h and its thermal control). With ``--network FILE.toml`` it studies any collision
network (:mod:`circuitheat.cli.hardware_network`): the layout of the network's coupling graph on the device, the
transpiled step, the device-noise prediction of every reservoir's current
(:class:`~circuitheat.hardware.NoisyNetworkMap`) next to the exact one, and sampled shots
(:func:`~circuitheat.hardware.estimate_network_currents`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from typing import TYPE_CHECKING

from ..expressions import parse_range_or_list
from ..io import FIGURE_SUFFIXES, atomic_savefig, check_can_write
from ._options import add_model_options, count, model_from_args, real
from .hardware_network import NETWORK_DEFAULT_SHOTS, NETWORK_MAX_DEFAULT_STEPS, NETWORK_MAX_SITES, run_network
from .network import add_network_options

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_COMPARE_GAMMA",
    "DEFAULT_PHASE_DIFFERENCE",
    "DEFAULT_SEED",
    "DEFAULT_SHOTS",
    "STUDY_TABLE_COMMAND",
    "register",
]

#: Seed of the sampled shots unless --seed is given: two runs print the same table.
DEFAULT_SEED = 1
#: Shots of the paper model's sampled run unless --shots is given.
DEFAULT_SHOTS = 2000
#: The paper path's default phase difference: the reversed current (Fig. 2, Eq. 32).
DEFAULT_PHASE_DIFFERENCE = 5 * math.pi / 4
#: The paper path's default --compare-gamma (hardware-friendly gamma).
DEFAULT_COMPARE_GAMMA = (math.pi / 2,)
#: The command that regenerates the README's table "When is the reversal observable?".
STUDY_TABLE_COMMAND = (
    "circuitheat hardware --table --backend fake_torino,fake_fez,fake_sherbrooke,fake_brisbane,fake_kyiv "
    "--gamma pi/32 --compare-gamma pi/12,pi/4,pi/2 --dphi 5pi/4"
)


#: Qubits of the paper model's --layout (s_a, s_b, r_h, r_c, p_h, p_c).
PAPER_LAYOUT_QUBITS = 6


def _layout(text: str) -> tuple[int, ...]:
    """Comma-separated physical qubits; their number is checked by the path that uses them."""
    try:
        qubits = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated qubit indices, got {text!r}") from None
    return qubits


def _gammas(text: str) -> list[float]:
    if text.strip().lower() == "none":
        return []
    try:
        return parse_range_or_list(text, "compare-gamma")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _shots(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 0 or an integer >= 2, got {text!r}") from None
    if value != 0 and value < 2:
        raise argparse.ArgumentTypeError(f"expected 0 (no sampling) or an integer >= 2, got {text!r}")
    return value


_layout.__name__ = "layout"
_gammas.__name__ = "list of angles"
_shots.__name__ = "shots"


def register(subparsers) -> None:
    """Add the ``hardware`` subcommand."""
    p = subparsers.add_parser(
        "hardware",
        help="device study: transpilation, device-noise prediction, shots (the paper's model or a --network file)",
        description="Transpile the protocol for a (fake) IBM device, predict the heat current J_h with the device's "
        "noise (16x16 noisy collision map), compute the shots needed to resolve the sign of the reversed (cold -> hot) "
        "current at 3 sigma, run the thermal control (p = 0), and estimate J_h(k) from sampled shots. "
        "With --network FILE.toml: the same for any collision network -- the layout of its coupling graph on the "
        "device (embedded or routed), the transpiled step, the device-noise prediction of every reservoir's current "
        "J_r next to the exact one, the shots for its sign, and J_r(k) from sampled shots; --table and "
        "--compare-gamma (the paper's reversal study) and the model options are refused with --network, "
        "--layout takes one qubit per site, ancilla and partner. "
        "Positive J_h (J_r): heat flows into the hot reservoir (into reservoir r).",
    )
    add_model_options(p)
    add_network_options(p)
    d = p.add_argument_group("device")
    d.add_argument(
        "--backend",
        default="fake_torino",
        help="fake backend name, e.g. fake_torino, fake_sherbrooke (default fake_torino); with --table a comma-separated list",
    )
    d.add_argument(
        "--layout",
        type=_layout,
        default=None,
        help="physical qubits s_a,s_b,r_h,r_c,p_h,p_c (default: best chain); with --network one per circuit qubit: "
        "sites 0..N-1, then the ancilla of each collision of the step, then each ancilla's partner (default: the "
        "embedding of the network's coupling graph with the least estimated error, else a routed step)",
    )
    d.add_argument(
        "--encoding", choices=("ground_is_0", "excited_is_0"), default="ground_is_0", help="model levels on the device"
    )
    s = p.add_argument_group("study and shots")
    s.add_argument(
        "-n",
        "--n-collisions",
        type=count,
        default=None,
        help="collisions (steps) per shot (default: where the device settles; with --network at most "
        f"{NETWORK_MAX_DEFAULT_STEPS})",
    )
    s.add_argument("--tail-start", type=count, default=None, help="first collision (step) of the steady-state tail")
    s.add_argument(
        "--shots",
        type=_shots,
        default=None,
        help=f"shots of the sampled run; 0 skips it (default {DEFAULT_SHOTS}; {NETWORK_DEFAULT_SHOTS} with --network)",
    )
    s.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"simulator seed of the sampled shots (default {DEFAULT_SEED}: the same command prints the same numbers; "
        "change it for fresh shots)",
    )
    s.add_argument("--method", choices=("statevector", "density_matrix"), default="statevector", help="Aer method for the shots")
    s.add_argument("--mitigate-readout", action="store_true", help="readout-mitigate the shot estimates")
    s.add_argument(
        "--sigmas",
        type=real,
        default=3.0,
        help="significance of the sign (default 3); with --network: of each reservoir's current",
    )
    s.add_argument(
        "--compare-gamma",
        type=_gammas,
        default=None,
        help="also study these gamma values (list or start:stop:count; 'none' to skip; default pi/2, hardware-friendly); "
        "not with --network",
    )
    o = p.add_argument_group("output")
    o.add_argument(
        "--plot",
        default=None,
        metavar="PNG",
        help="figure of J_h(k) (with --network: J_r(k) of every reservoir): exact, device prediction, shots",
    )
    o.add_argument("--json", action="store_true", help="machine-readable JSON on stdout")
    o.add_argument(
        "--table",
        action="store_true",
        help="only the markdown table of the study for every --backend (comma-separated) and every gamma of --gamma and "
        f"--compare-gamma, no shots; not with --network; the README's table is: {STUDY_TABLE_COMMAND}",
    )
    o.add_argument("--force", action="store_true", help="overwrite an existing --plot file")
    for action in p._actions:
        if action.dest == "phase_difference":
            # the point of the study is the reversed current: default to the paper's 5pi/4 (Fig. 2, Eq. 32);
            # None here so that --network can tell a given --phase-difference from the default
            action.default = None
            action.help = "phi_h - phi_c, rad, used when --phase-hot is not given (default 5pi/4: the reversed current)"
        elif action.dest == "network":
            action.help = (
                "study this collision network on the device instead of the paper's model (schema below; "
                "example files: circuitheat presets). The device prediction simulates one noisy step for 4^N "
                "input states of the N sites: seconds for N <= 3, about a minute for N = 4, at most N = "
                f"{NETWORK_MAX_SITES}"
            )
    p.set_defaults(handler=_run, layout_parser=p)


def _table(args: argparse.Namespace, model) -> int:
    from ..hardware import observability_study
    from ..hardware.observability import study_table

    if args.plot is not None:
        raise ValueError("--table makes no figure; drop --plot")
    if not (math.isfinite(args.sigmas) and args.sigmas > 0):
        raise ValueError(f"sigmas must be > 0, got {args.sigmas}")
    backends = [b.strip() for b in args.backend.split(",") if b.strip()]
    if not backends:
        raise ValueError(f"backend must name at least one device, got {args.backend!r}")
    gammas = [model.gamma] + [g for g in args.compare_gamma if not math.isclose(g, model.gamma, rel_tol=0, abs_tol=1e-12)]
    reports = [
        observability_study(
            dataclasses.replace(model, gamma=gamma), backend, encoding=args.encoding, layout=args.layout, sigmas=args.sigmas
        )
        for backend in backends
        for gamma in gammas
    ]
    if args.json:
        json.dump([r.to_dict() for r in reports], sys.stdout)
        sys.stdout.write("\n")
    else:
        print(study_table(reports))
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.network is not None:
        return run_network(args)
    return _run_paper(args)


def _paper_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """The paper path's defaults of the options whose default is None in the parser (kept apart for --network)."""
    if args.layout is not None and len(args.layout) != PAPER_LAYOUT_QUBITS:
        shown = ",".join(str(q) for q in args.layout)
        args.layout_parser.error(
            f"argument --layout: expected {PAPER_LAYOUT_QUBITS} comma-separated qubit indices (s_a,s_b,r_h,r_c,p_h,p_c), "
            f"got {shown!r}"
        )
    values = vars(args) | {
        "phase_difference": DEFAULT_PHASE_DIFFERENCE if args.phase_difference is None else args.phase_difference,
        "compare_gamma": list(DEFAULT_COMPARE_GAMMA) if args.compare_gamma is None else args.compare_gamma,
        "shots": DEFAULT_SHOTS if args.shots is None else args.shots,
    }
    return argparse.Namespace(**values)


def _run_paper(args: argparse.Namespace) -> int:
    from ..engines import simulate
    from ..hardware import estimate_heat_currents, observability_study

    args = _paper_defaults(args)
    model = model_from_args(args)
    if args.table:
        return _table(args, model)
    if args.plot is not None:
        check_can_write(args.plot, args.force, "--plot", FIGURE_SUFFIXES)
    if not (math.isfinite(args.sigmas) and args.sigmas > 0):
        raise ValueError(f"sigmas must be > 0, got {args.sigmas}")
    study = observability_study(
        model,
        args.backend,
        n_collisions=args.n_collisions,
        tail_start=args.tail_start,
        encoding=args.encoding,
        layout=args.layout,
        sigmas=args.sigmas,
    )
    comparisons = []
    for gamma in args.compare_gamma:
        if math.isclose(gamma, model.gamma, rel_tol=0, abs_tol=1e-12):
            continue  # the main study already is this gamma
        other = dataclasses.replace(model, gamma=gamma)
        comparisons.append(
            observability_study(other, args.backend, encoding=args.encoding, layout=args.layout, sigmas=args.sigmas)
        )
    estimate = None
    if args.shots:
        estimate = estimate_heat_currents(
            model,
            study.n_collisions,
            backend=args.backend,
            shots=args.shots,
            seed=args.seed,
            tail_start=study.tail_start,
            encoding=args.encoding,
            mitigate_readout=args.mitigate_readout,
            method=args.method,
            transpiled=study.transpiled,
        )
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..plotting.hardware import plot_device_heat_current

        fig, ax = plt.subplots(figsize=(9.0, 4.4), layout="constrained")
        plot_device_heat_current(
            study.noisy_map,
            study.n_collisions,
            estimate,
            tail_start=study.tail_start,
            sigmas=args.sigmas,
            mitigated=args.mitigate_readout,
            control_map=study.control_map,
            ax=ax,
        )
        atomic_savefig(fig, args.plot, dpi=150)
        plt.close(fig)
    if args.json:
        record = {
            "transpilation": study.transpiled.to_dict(),
            "per_collision": study.transpiled.per_collision(),
            "study": study.to_dict(),
            "comparisons": [c.to_dict() for c in comparisons],
            "estimate": None if estimate is None else estimate.to_dict(),
        }
        json.dump(record, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print("== transpilation ==")
    print(study.transpiled.report())
    print("\n== observability ==")
    print(study.summary())
    for other in comparisons:
        print(f"\n== observability, gamma = {other.model.gamma:.6g} ==")
        print(other.summary())
    if estimate is not None:
        print(f"\n== {estimate.shots} shots on {estimate.backend_name} (seed {args.seed}) ==")
        prediction = study.noisy_map.trajectory(study.n_collisions)
        expected = prediction.heat_hot_mitigated if estimate.readout_mitigated else prediction.heat_hot
        tail_expected = float(expected[estimate.tail_start - 1 :].mean())
        z = (estimate.steady_hot - tail_expected) / estimate.steady_hot_stderr
        print(f"{'k':>4} {'J_h estimate':>14} {'stderr':>9} {'prediction':>11} {'exact':>10}")
        exact_traj = simulate(model, study.n_collisions, store_states=False)
        for k in range(estimate.n_collisions):
            if estimate.n_collisions > 24 and 6 <= k < estimate.n_collisions - 6:
                if k == 6:
                    print(f"{'...':>4}")
                continue
            print(
                f"{k + 1:>4} {estimate.heat_hot[k]:>+14.5f} {estimate.heat_hot_stderr[k]:>9.5f} "
                f"{expected[k]:>+11.5f} {exact_traj.heat_hot[k]:>+10.5f}"
            )
        sign = estimate.steady_hot / estimate.steady_hot_stderr
        print(
            f"tail mean (k >= {estimate.tail_start}): {estimate.steady_hot:+.5f} +- {estimate.steady_hot_stderr:.5f} "
            f"({sign:+.1f} sigma from 0; prediction {tail_expected:+.5f}, z = {z:+.2f})"
        )
    return 0
