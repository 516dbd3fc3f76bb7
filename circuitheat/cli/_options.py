"""Option types and shared option groups of the command-line interface."""

from __future__ import annotations

import argparse
import math

from ..expressions import parse_number
from ..model import CollisionModel, Reservoir
from ..validation import InputValueError

__all__ = ["add_initial_state_option", "add_model_options", "angle", "count", "model_from_args", "real", "temperature"]


def _parse(text: str, what: str) -> float:
    try:
        return parse_number(text, what)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def angle(text: str) -> float:
    """argparse type: a finite angle expression such as ``pi/32`` or ``5pi/4`` (rad)."""
    value = _parse(text, "angle")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite angle, got {text!r}")
    return value


def temperature(text: str) -> float:
    """argparse type: a temperature > 0 (``inf`` allowed)."""
    value = _parse(text, "temperature")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"temperature must be > 0, got {text!r}")
    return value


def real(text: str) -> float:
    """argparse type: a real number or expression."""
    return _parse(text, "value")


def count(text: str) -> int:
    """argparse type: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


for _f, _n in ((angle, "angle"), (temperature, "temperature"), (real, "number"), (count, "integer")):
    _f.__name__ = _n  # argparse names the type in its error message


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options for every parameter of :class:`CollisionModel`; defaults are the paper's Fig. 2."""
    g = parser.add_argument_group(
        "model (defaults: the paper's Fig. 2)",
        "Angles in rad; expressions such as pi/32, 5pi/4 or -pi/4 are accepted (parsed safely). "
        "Temperatures and omega in energy units (k_B = hbar = 1); T may be inf.",
    )
    g.add_argument(
        "--gamma", type=angle, default=math.pi / 32, help="system-ancilla strength gamma of U(gamma), Eq. 3, rad (default pi/32)"
    )
    g.add_argument(
        "--delta", type=angle, default=math.pi / 4, help="inter-qubit strength delta of V(delta), Eq. 5, rad (default pi/4)"
    )
    g.add_argument("--t-hot", type=temperature, default=2.0, help="effective temperature T_h (default 2)")
    g.add_argument("--t-cold", type=temperature, default=1.0, help="effective temperature T_c (default 1)")
    g.add_argument(
        "--coherence", "-p", type=real, default=0.8, help="coherence p in [0, 1] of both reservoirs, Eq. 12 (default 0.8)"
    )
    g.add_argument("--coherence-hot", type=real, default=None, help="p of the hot reservoir (overrides --coherence)")
    g.add_argument("--coherence-cold", type=real, default=None, help="p of the cold reservoir (overrides --coherence)")
    g.add_argument("--phase-hot", type=angle, default=None, help="phi_h, rad (default: --phase-difference)")
    g.add_argument("--phase-cold", type=angle, default=0.0, help="phi_c, rad (default 0)")
    g.add_argument(
        "--phase-difference",
        "--dphi",
        type=angle,
        default=0.0,
        help="phi_h - phi_c, rad, used when --phase-hot is not given (default 0)",
    )
    g.add_argument("--omega", type=real, default=1.0, help="level splitting omega of every qubit (default 1)")


def add_initial_state_option(parser: argparse.ArgumentParser) -> None:
    """``--initial-state BITS`` of the commands that take the paper model or a network (``run``, ``entropy``)."""
    parser.add_argument(
        "--initial-state",
        default=None,
        metavar="BITS",
        help="system state, one 0/1 per site, site 0 first, 0 = excited: |S_A S_B> for the model (default: all ground, 11)",
    )


def model_from_args(args: argparse.Namespace) -> CollisionModel:
    """Build the validated :class:`CollisionModel` from the options of :func:`add_model_options`."""
    phase_hot = args.phase_hot if args.phase_hot is not None else args.phase_cold + args.phase_difference
    p_hot = args.coherence if args.coherence_hot is None else args.coherence_hot
    p_cold = args.coherence if args.coherence_cold is None else args.coherence_cold
    try:
        hot = Reservoir(temperature=args.t_hot, coherence=p_hot, phase=phase_hot, omega=args.omega)
    except ValueError as exc:
        raise InputValueError(f"hot reservoir (--t-hot, --coherence/--coherence-hot, --phase-hot, --omega): {exc}") from None
    try:
        cold = Reservoir(temperature=args.t_cold, coherence=p_cold, phase=args.phase_cold, omega=args.omega)
    except ValueError as exc:
        raise InputValueError(f"cold reservoir (--t-cold, --coherence/--coherence-cold, --phase-cold, --omega): {exc}") from None
    return CollisionModel(gamma=args.gamma, delta=args.delta, hot=hot, cold=cold)
