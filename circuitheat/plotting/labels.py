r"""Labels for angles and parameters: :math:`\pi/32` rather than 0.0982 in titles and reports."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from ..validation import InputValueError

__all__ = ["ANGLE_DENOMINATOR", "MATHTEXT_NAME", "format_angle", "plain_text"]

#: Largest denominator q for which an angle is written as a multiple (p/q) of pi. The
#: paper's angles are pi/32, pi/12, pi/4, 5pi/4, ...; 64 covers them with room to spare.
ANGLE_DENOMINATOR = 64
#: An angle is written as p pi / q only if it equals that value to this absolute
#: tolerance (rad); anything farther from every p pi / q is printed as a decimal.
_ANGLE_ATOL = 1e-12


def format_angle(angle: float, style: str = "unicode") -> str:
    r"""Write ``angle`` (rad) as a rational multiple of :math:`\pi` where it is one.

    Parameters
    ----------
    angle : float
        Angle in radians.
    style : {"unicode", "tex"}
        ``"unicode"`` gives ``"5π/4"``; ``"tex"`` gives ``r"5\pi/4"`` (without dollars,
        for Matplotlib mathtext).

    Returns
    -------
    str
        ``"0"``, ``"π"``, ``"π/32"``, ``"5π/4"``, ``"−π/2"``; otherwise the angle with
        4 significant digits.

    Examples
    --------
    >>> format_angle(5 * math.pi / 4)
    '5π/4'
    >>> format_angle(math.pi / 32, style="tex")
    '\\pi/32'
    """
    if style not in ("unicode", "tex"):
        raise InputValueError(f"style must be one of 'unicode', 'tex', got {style!r}")
    angle = float(angle)
    if not math.isfinite(angle):
        raise InputValueError(f"angle must be finite, got {angle!r}")
    pi = r"\pi" if style == "tex" else "π"
    minus = "-" if style == "tex" else "−"
    ratio = Fraction(angle / math.pi).limit_denominator(ANGLE_DENOMINATOR)
    if abs(float(ratio) * math.pi - angle) > _ANGLE_ATOL:
        return f"{angle:.4g}"
    if ratio == 0:
        return "0"
    sign = minus if ratio < 0 else ""
    num, den = abs(ratio.numerator), ratio.denominator
    head = pi if num == 1 else f"{num}{pi}"
    return f"{sign}{head}" if den == 1 else f"{sign}{head}/{den}"


#: Reservoir names written inside mathtext (:math:`\phi_{\mathrm{hot}}`); any other name (the TOML
#: schema allows any string) is written as plain text, so no name can break a figure.
MATHTEXT_NAME = re.compile(r"[A-Za-z0-9]+")


def plain_text(name: str) -> str:
    """A user's name (e.g. a reservoir's) as plain Matplotlib text: a literal ``$`` does not start mathtext."""
    return name.replace("$", r"\$")
