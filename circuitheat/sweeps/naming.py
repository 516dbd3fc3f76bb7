r"""Names of a sweep's data variables: one meaning per name, in Python, NetCDF and CSV.

The rule (the package's naming rule, ``notes/core-api.md``, applied to sweeps):

* ``heat_<r>`` is the **per-step heat current** :math:`J_r` of reservoir r (Eqs. 10–11:
  the energy change of r's ancilla(s) in one collision step; positive = into r), in energy
  per step. In a sweep Dataset, ``heat_<r>`` without a ``collision`` dimension is its
  **steady** value :math:`J_r^{steady}` (attribute ``regime = "steady state"``), as on
  :class:`~circuitheat.SteadyState`.
* ``trajectory_heat_<r>`` (dimension ``collision``, k = 1..n) is the same per-step current
  :math:`J_r(k)` along a trajectory from the sweep's initial state
  (``regime = "trajectory"``), as :class:`~circuitheat.Trajectory`'s ``currents[r]``.
* ``work`` / ``trajectory_work``: the work per step the gates do (steady / along the trajectory).
* Cumulative heats :math:`Q_r(n) = \sum_{k\le n} J_r(k)` are ``cumulative_heat_<r>`` wherever
  they appear (sweeps do not store them; ``ds.trajectory_heat_hot.cumsum("collision")``).
"""

from __future__ import annotations

__all__ = [
    "NAMING_RULE",
    "PER_STEP",
    "REGIME_STEADY",
    "REGIME_TRAJECTORY",
    "TRAJECTORY_PREFIX",
    "WORK",
    "heat_name",
    "is_trajectory",
    "variable_attributes",
]

#: Prefix of every trajectory variable (which has the extra dimension ``collision``).
TRAJECTORY_PREFIX = "trajectory_"
#: Name of the work per step.
WORK = "work"
#: ``regime`` attribute of steady-state variables.
REGIME_STEADY = "steady state"
#: ``regime`` attribute of trajectory variables.
REGIME_TRAJECTORY = "trajectory"

#: The rule, recorded in every sweep's attributes (``naming``).
NAMING_RULE = (
    "heat_<r>: per-step heat current J_r of reservoir r (Eqs. 10-11), energy change of r's ancilla(s) in one "
    "collision step, positive = into r; without a collision dimension it is the steady value J_r^steady "
    "(regime 'steady state'). trajectory_heat_<r>(collision): J_r(k) for k = 1..n from initial_state (regime "
    "'trajectory'). work, trajectory_work: work per step done by the gates (first law: sum_r J_r = W in the steady "
    "state). Cumulative heats Q_r(n) = sum_k J_r(k) are named cumulative_heat_<r> (not stored; cumsum over collision)."
)

#: Units of every current and of the work.
PER_STEP = "energy per collision step (k_B = hbar = 1)"


def heat_name(reservoir: str, trajectory: bool = False) -> str:
    """``heat_<r>`` (steady) or ``trajectory_heat_<r>``."""
    return f"{TRAJECTORY_PREFIX if trajectory else ''}heat_{reservoir}"


def is_trajectory(name: str) -> bool:
    """True for a variable with the ``collision`` dimension."""
    return name.startswith(TRAJECTORY_PREFIX)


def variable_attributes(name: str) -> dict[str, str]:
    """``long_name`` (with equation numbers), ``units`` and ``regime`` of a current or work variable."""
    trajectory = is_trajectory(name)
    base = name.removeprefix(TRAJECTORY_PREFIX)
    regime = REGIME_TRAJECTORY if trajectory else REGIME_STEADY
    if base == WORK:
        what = "work W(k) done by the step's gates in collision k" if trajectory else "steady work per step W^steady"
        return {"long_name": f"{what} (W = dE_S + sum_r J_r)", "units": PER_STEP, "regime": regime}
    if base.startswith("heat_"):
        r = base.removeprefix("heat_")
        sign = "positive = energy into the reservoir"
        if trajectory:
            what = f"heat current J_{r}(k): energy change of reservoir '{r}''s ancilla(s) in collision k (Eqs. 10-11)"
        else:
            what = f"steady heat current J_{r}^steady of reservoir '{r}' (Eqs. 10-11, exact fixed point)"
        return {"long_name": f"{what}; {sign}", "units": PER_STEP, "regime": regime}
    raise KeyError(name)
