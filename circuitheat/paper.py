r"""The numbers the paper prints, with their equation numbers and parameters.

One module for every reference value, used by the tests and by ``circuitheat
reproduce``. Printed values hold to ±1 in their last printed digit (the paper
rounds; an exact computation may round the other way): :func:`printed_tolerance`
turns a printed value into that tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "EQ31",
    "EQ32",
    "FIG2",
    "FIG3_AXIS_LIMITS",
    "FIG4_PEAK_RANGE",
    "P_CRITICAL_PARTIAL_SWAP",
    "PaperValue",
    "printed_tolerance",
]


def printed_tolerance(printed: str) -> float:
    """One unit in the last printed digit of ``printed`` (e.g. ``"-6.1063e-4"`` -> 1e-8)."""
    exponent = Decimal(printed).as_tuple().exponent
    return float(Decimal(1).scaleb(exponent))


@dataclass(frozen=True)
class PaperValue:
    """A number printed in the paper: where it is, how it was printed, its parameters."""

    where: str
    printed: str
    parameters: str

    @property
    def value(self) -> float:
        """The printed number as a float."""
        return float(self.printed)

    @property
    def tolerance(self) -> float:
        """±1 in the last printed digit."""
        return printed_tolerance(self.printed)


#: Fig. 2 / Sec. V parameters: gamma = pi/32, delta = pi/4, T_h = 2 T_c = 2, omega = 1, p = 0.8.
FIG2 = {"gamma": math.pi / 32, "delta": math.pi / 4, "t_hot": 2.0, "t_cold": 1.0, "coherence": 0.8, "omega": 1.0}

_SEC5 = "p=0.8, gamma=pi/32, delta=pi/4, T=1, T_h,c = T +- dT/2"

#: Eq. (31): J = -lambda dT with c = 0, keyed by phase difference phi_h - phi_c.
EQ31 = {
    0.0: {"lambda": PaperValue("Eq. 31", "6.1063e-4", _SEC5)},
    math.pi: {"lambda": PaperValue("Eq. 31", "7.3643e-4", _SEC5)},
}

#: Eq. (32): J = -lambda dT + c, keyed by phase difference.
EQ32 = {
    math.pi / 4: {"lambda": PaperValue("Eq. 32", "6.3147e-4", _SEC5), "c": PaperValue("Eq. 32", "-8.8067e-3", _SEC5)},
    5 * math.pi / 4: {"lambda": PaperValue("Eq. 32", "7.3239e-4", _SEC5), "c": PaperValue("Eq. 32", "1.1089e-2", _SEC5)},
}

#: Sec. III: smallest p giving a reversed steady current for some phase difference,
#: Fig. 2 parameters (partial swap gamma = pi/32). Printed as "p ≈ 0.155".
P_CRITICAL_PARTIAL_SWAP = PaperValue("Sec. III (after Eq. 15)", "0.155", "gamma=pi/32, delta=pi/4, T_h=2, T_c=1, omega=1")

#: Fig. 3: printed y-axis limits ±value of J_h^steady versus phi_h - phi_c, by gamma
#: (p = 0.8, delta = pi/4, T_h = 2 T_c = 2). The axis range bounds the curve's extremes.
FIG3_AXIS_LIMITS = {math.pi / 2: "0.2", math.pi / 4: "0.14", math.pi / 12: "0.05", math.pi / 32: "0.018"}

#: Fig. 4 / Sec. V: kappa rises for T below ~0.45 and falls above; the peak lies in this range.
FIG4_PEAK_RANGE = (0.40, 0.45)
