"""``circuitheat steady``: the exact steady currents of one model."""

from __future__ import annotations

import argparse
import json
import math

from ..steady import steady_state
from ._options import add_model_options, model_from_args
from .network import add_network_options, network_requested, steady_network

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``steady`` subcommand."""
    p = subparsers.add_parser(
        "steady",
        help="exact steady heat currents",
        description="Exact steady state (fixed point of the one-collision map) and its heat currents "
        "J_h, J_c (Eqs. 10-11). Positive J_h: heat flows into the hot reservoir.",
    )
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable JSON output")
    add_network_options(p, steady=True)
    p.set_defaults(handler=_run)


#: |J_h| below this (energy units of omega) is reported as no current: the steady state of
#: equal reservoirs gives J ~ 1e-16 from rounding alone.
ZERO_CURRENT = 1e-13


def _direction(model, heat_hot: float) -> str:
    """Where the steady heat flows, and whether that is against the effective temperatures."""
    if abs(heat_hot) <= ZERO_CURRENT * model.omega:
        return "none (J_h = 0)"
    flow = "R^c -> R^h" if heat_hot > 0 else "R^h -> R^c"
    t_from, t_to = (model.cold, model.hot) if heat_hot > 0 else (model.hot, model.cold)
    if t_from.temperature < t_to.temperature:
        return f"{flow} (reversed: from the colder to the hotter reservoir)"
    if t_from.temperature == t_to.temperature:
        return f"{flow} (equal effective temperatures)"
    return f"{flow} (from the hotter to the colder reservoir)"


def _run(args: argparse.Namespace) -> int:
    if network_requested(args):
        return steady_network(args)
    model = model_from_args(args)
    ss = steady_state(model)
    record = {
        "gamma": model.gamma,
        "delta": model.delta,
        "t_hot": model.hot.temperature,
        "t_cold": model.cold.temperature,
        "coherence_hot": model.hot.coherence,
        "coherence_cold": model.cold.coherence,
        "phase_hot": model.hot.phase,
        "phase_cold": model.cold.phase,
        "phase_difference": model.phase_difference,
        "omega": model.omega,
        "heat_hot": ss.heat_hot,
        "heat_cold": ss.heat_cold,
        "direction": _direction(model, ss.heat_hot),
    }
    if args.json:
        print(
            json.dumps(
                {k: (None if isinstance(v, float) and math.isinf(v) else v) for k, v in record.items()}
                | {
                    "t_hot": "inf" if math.isinf(model.hot.temperature) else model.hot.temperature,
                    "t_cold": "inf" if math.isinf(model.cold.temperature) else model.cold.temperature,
                }
            )
        )
    else:
        width = max(len(k) for k in record)
        for key, value in record.items():
            print(f"{key:<{width}}  {value:.10g}" if isinstance(value, float) else f"{key:<{width}}  {value}")
    return 0
