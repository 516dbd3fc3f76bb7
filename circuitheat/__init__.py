"""circuitheat: heat transport between two nonthermal reservoirs in a quantum collision model.

Reproduces "heat transport between two nonthermal reservoirs in a collision model"
with an exact numpy matrix engine and Qiskit circuits on Aer's density-matrix simulator.
"""

from __future__ import annotations

import itertools as _itertools
import os as _os
import sys as _sys
from importlib.metadata import PackageNotFoundError, version


def _started_as_command() -> bool:
    """True in the ``circuitheat`` command's own process (console script or ``python -m circuitheat``)."""
    if _sys.argv and _os.path.basename(_sys.argv[0]) == "circuitheat":
        return True
    argv = getattr(_sys, "orig_argv", [])
    return any(flag == "-m" and name == "circuitheat" for flag, name in _itertools.pairwise(argv))


# Importing the package (Qiskit, Aer, scipy) takes ~1 s. A Ctrl-C then, in the command, ends it
# with one line and status 130, as everywhere else in the CLI; in a library import it propagates.
try:
    from . import presets
    from .closed_forms import (
        conductance_thermal,
        conductance_thermal_high_temperature,
        critical_coherence_full_swap,
        linear_response_full_swap,
        steady_heat_current_full_swap,
    )
    from .engines import ENGINES, register_engine, simulate
    from .fluctuations import current_fluctuations, heat_statistics
    from .model import CollisionModel, Reservoir
    from .network import (
        Ancilla,
        Collision,
        CollisionNetwork,
        Interaction,
        StepMap,
        heisenberg,
        partial_swap,
        step_map,
    )
    from .steady import SteadyState, conductance, critical_coherence, linear_response, steady_heat_current, steady_state
    from .sweeps import load_sweep, save_sweep, sweep
    from .thermo import (
        EntropyBalance,
        SteadyEntropyProduction,
        SupportWarning,
        entropy_balance,
        second_law_scan,
        steady_entropy_production,
    )
    from .trajectory import Trajectory
except KeyboardInterrupt:
    if not _started_as_command():
        raise
    _sys.stderr.write("circuitheat: interrupted\n")
    _sys.stderr.flush()
    _os._exit(130)

try:
    __version__ = version("circuitheat")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "ENGINES",
    "Ancilla",
    "Collision",
    "CollisionModel",
    "CollisionNetwork",
    "EntropyBalance",
    "Interaction",
    "Reservoir",
    "SteadyEntropyProduction",
    "SteadyState",
    "StepMap",
    "SupportWarning",
    "Trajectory",
    "__version__",
    "conductance",
    "conductance_thermal",
    "conductance_thermal_high_temperature",
    "critical_coherence",
    "critical_coherence_full_swap",
    "current_fluctuations",
    "entropy_balance",
    "heat_statistics",
    "heisenberg",
    "linear_response",
    "linear_response_full_swap",
    "load_sweep",
    "partial_swap",
    "presets",
    "register_engine",
    "save_sweep",
    "second_law_scan",
    "simulate",
    "steady_entropy_production",
    "steady_heat_current",
    "steady_heat_current_full_swap",
    "steady_state",
    "step_map",
    "sweep",
]
