r"""Closed forms printed in the paper: Eqs. (14), (15), (33), (B1), (B2).

All are written in numerically stable form (logistic and hyperbolic functions of
:math:`\beta\omega`, never a raw :math:`e^{1/T}`), valid from the smallest positive double to T = inf.
They are independent of the engines and serve as references for them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, log_expit

from .states import beta_omega
from .validation import check_angle, check_array, check_coherence, check_positive, check_positive_temperature

__all__ = [
    "conductance_thermal",
    "conductance_thermal_high_temperature",
    "critical_coherence_full_swap",
    "linear_response_full_swap",
    "steady_heat_current_full_swap",
]


def _half_sech2(x: NDArray) -> NDArray:
    r""":math:`\tfrac14\mathrm{sech}^2(x/2) = \sigma(x)\sigma(-x)`, formed without overflow for any x >= 0."""
    return np.exp(log_expit(x) + log_expit(-x))


def steady_heat_current_full_swap(
    delta: ArrayLike,
    t_hot: ArrayLike,
    t_cold: ArrayLike,
    coherence: ArrayLike = 0.0,
    phase_difference: ArrayLike = 0.0,
    omega: ArrayLike = 1.0,
) -> NDArray[np.float64]:
    r"""Steady heat current at :math:`\gamma = \pi/2` (complete swap), Eq. (14).

    .. math::
        J_h^{steady} = \frac{\sin^2\delta\,(e^{\beta_h}-e^{\beta_c})}{(1+e^{\beta_h})(1+e^{\beta_c})}
          - \frac{p^2\sin(2\delta)\,e^{(\beta_h+\beta_c)/2}}{(1+e^{\beta_h})(1+e^{\beta_c})}\sin(\phi_h-\phi_c)

    (:math:`\beta \to \beta\omega`, times :math:`\omega` for energy units), evaluated as
    :math:`\omega[\sin^2\delta\,(\sigma(\beta_h\omega)-\sigma(\beta_c\omega))
    - p^2\sin 2\delta\,\sin\Delta\phi / (4\cosh\frac{\beta_h\omega}{2}\cosh\frac{\beta_c\omega}{2})]`
    with the logistic :math:`\sigma`.
    """
    d = check_array("delta", delta, check_angle)
    t_hot, t_cold = (
        check_array("t_hot", t_hot, check_positive_temperature),
        check_array("t_cold", t_cold, check_positive_temperature),
    )
    p = check_array("coherence", coherence, check_coherence)
    phase_difference = check_array("phase_difference", phase_difference, check_angle)
    w = check_array("omega", omega, check_positive)
    bh, bc = beta_omega(t_hot, w), beta_omega(t_cold, w)
    j_beta = np.sin(d) ** 2 * (expit(bh) - expit(bc))
    # 1/(4 cosh(bh/2) cosh(bc/2)) = sqrt(sigma(bh) sigma(-bh) sigma(bc) sigma(-bc)): no overflow at T -> 0
    j_coh = -(p**2) * np.sin(2 * d) * np.sin(phase_difference) * np.sqrt(_half_sech2(bh) * _half_sech2(bc))
    return w * (j_beta + j_coh)


def critical_coherence_full_swap(
    delta: ArrayLike, t_hot: ArrayLike, t_cold: ArrayLike, phase_difference: ArrayLike, omega: ArrayLike = 1.0
) -> NDArray[np.float64]:
    r"""Critical coherence at :math:`\gamma=\pi/2`, Eq. (15): the p at which Eq. (14) vanishes.

    .. math:: p_c = \sqrt{\frac{\tan\delta\,(e^{\beta_h}-e^{\beta_c})}{2e^{(\beta_h+\beta_c)/2}\sin(\phi_h-\phi_c)}}
              = \sqrt{\frac{\tan\delta\,\sinh\frac{(\beta_h-\beta_c)\omega}{2}}{\sin(\phi_h-\phi_c)}}

    Real for :math:`\phi_h-\phi_c\in(\pi,2\pi)` when :math:`T_h>T_c`; NaN where the
    radicand is negative (no reversal possible at that phase). A value above 1 means
    no admissible p reverses the current at that phase.
    """
    delta = check_array("delta", delta, check_angle)
    t_hot, t_cold = (
        check_array("t_hot", t_hot, check_positive_temperature),
        check_array("t_cold", t_cold, check_positive_temperature),
    )
    phase_difference = check_array("phase_difference", phase_difference, check_angle)
    w = check_array("omega", omega, check_positive)
    # (beta_h - beta_c) omega / 2 is formed without the cap of beta_omega (only the difference
    # matters); where 1/T overflows it is +-inf with the sign of T_c - T_h. sinh then overflows to
    # inf (p_c = inf: no admissible p) where |beta_h - beta_c| omega > ~1420; sin(phi_h - phi_c) = 0
    # gives +-inf (no reversal) or NaN (T_h = T_c: no current to reverse).
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        half = 0.5 * w * (1.0 / t_hot - 1.0 / t_cold)
        half = np.where(np.isnan(half), np.sign(t_cold - t_hot) * np.inf, half)
        radicand = np.tan(delta) * np.sinh(half) / np.sin(phase_difference)
        return np.where(radicand >= 0, np.sqrt(np.abs(radicand)), np.nan)


def linear_response_full_swap(
    delta: ArrayLike,
    temperature: ArrayLike,
    coherence: ArrayLike = 0.0,
    phase_difference: ArrayLike = 0.0,
    omega: ArrayLike = 1.0,
) -> tuple[NDArray, NDArray]:
    r""":math:`(\lambda_1, c_1)` of Eq. (33), the first-order expansion of Eq. (14) in :math:`\Delta T`.

    .. math:: \lambda_1 = \frac{\sin^2\delta}{4T^2}\,\mathrm{sech}^2\frac{1}{2T},\qquad
              c_1 = -\frac{p^2}{4}\,\mathrm{sech}^2\frac{1}{2T}\,\sin 2\delta\,\sin(\phi_h-\phi_c)

    as printed for :math:`\omega = 1`; for other :math:`\omega`, :math:`T \to T/\omega` and
    :math:`c_1 \to \omega c_1` (currents scale as :math:`J(\omega, T) = \omega J(1, T/\omega)`).
    :math:`\tfrac14\mathrm{sech}^2(x/2)` is evaluated as :math:`\sigma(x)\sigma(-x)`
    (logistic :math:`\sigma`), so T down to the smallest double neither overflows nor warns.
    """
    delta = check_array("delta", delta, check_angle)
    t = check_array("temperature", temperature, check_positive_temperature)
    coherence = check_array("coherence", coherence, check_coherence)
    phase_difference = check_array("phase_difference", phase_difference, check_angle)
    w = check_array("omega", omega, check_positive)
    x = beta_omega(t, w)  # omega / T, capped where every term below underflows to 0
    quarter_sech2 = _half_sech2(x)
    lam = np.sin(delta) ** 2 * quarter_sech2 * x**2
    c = -(coherence**2) * quarter_sech2 * np.sin(2 * delta) * np.sin(phase_difference) * w
    return lam, c


def conductance_thermal(gamma: ArrayLike, delta: ArrayLike, temperature: ArrayLike, omega: ArrayLike = 1.0) -> NDArray:
    r"""Conductance of thermal reservoirs, :math:`\kappa = -J_h^{steady}/\Delta T`, Eq. (B1).

    .. math::
        \kappa = \frac{4e^{2/T}[5+\cos4\gamma+4\cos2\gamma\cosh^2\frac{1}{2T}+6\cosh\frac1T]\sin^2\gamma\sin^2\delta}
        {(1+e^{1/T})^2T^2\{a(1+e^{2/T}) + e^{1/T}[20+7\cos2\gamma+4\cos4\gamma+\cos6\gamma-32\cos^4\gamma\cos2\delta]\}}

    with :math:`a = 11+4\cos2\gamma+\cos4\gamma-16\cos^2\gamma\cos2\delta`. Evaluated with
    :math:`u = e^{-\omega/T}` (numerator and denominator divided by :math:`e^{3/T}`):

    .. math::
        \kappa = \frac{4\sin^2\gamma\sin^2\delta\,[(5+\cos4\gamma)u^2 + \cos2\gamma\,(u+2u^2+u^3) + 3(u+u^3)]}
                      {(1+u)^2 t^2\,[a(1+u^2) + K u]},\quad t = T/\omega,

    so T from 1e-3 to inf is finite. :math:`\kappa` is dimensionless (:math:`k_B=1`) and
    depends on T only through :math:`T/\omega`.
    """
    g, d = check_array("gamma", gamma, check_angle), check_array("delta", delta, check_angle)
    t = check_array("temperature", temperature, check_positive_temperature)
    x = beta_omega(t, check_array("omega", omega, check_positive))
    u = np.exp(-x)  # x <= BETA_OMEGA_MAX: u underflows to 0 (and so does kappa) instead of overflowing
    a = 11 + 4 * np.cos(2 * g) + np.cos(4 * g) - 16 * np.cos(g) ** 2 * np.cos(2 * d)
    k = 20 + 7 * np.cos(2 * g) + 4 * np.cos(4 * g) + np.cos(6 * g) - 32 * np.cos(g) ** 4 * np.cos(2 * d)
    num = (5 + np.cos(4 * g)) * u**2 + np.cos(2 * g) * (u + 2 * u**2 + u**3) + 3 * (u + u**3)
    den = (1 + u) ** 2 * (a * (1 + u**2) + k * u)
    return 4 * np.sin(g) ** 2 * np.sin(d) ** 2 * num * x**2 / den


def conductance_thermal_high_temperature(
    gamma: ArrayLike, delta: ArrayLike, temperature: ArrayLike, omega: ArrayLike = 1.0
) -> NDArray:
    r"""High-temperature limit of Eq. (B1), Eq. (B2).

    .. math::
        \kappa \simeq \frac{(11+4\cos2\gamma+\cos4\gamma)\sin^2\gamma\sin^2\delta}
                           {2(3+\cos2\gamma)(7+\cos4\gamma-8\cos^2\gamma\cos2\delta)\,T^2}
    """
    g, d = check_array("gamma", gamma, check_angle), check_array("delta", delta, check_angle)
    t = check_array("temperature", temperature, check_positive_temperature) / check_array("omega", omega, check_positive)
    num = (11 + 4 * np.cos(2 * g) + np.cos(4 * g)) * np.sin(g) ** 2 * np.sin(d) ** 2
    den = 2 * (3 + np.cos(2 * g)) * (7 + np.cos(4 * g) - 8 * np.cos(g) ** 2 * np.cos(2 * d))
    # (num/den)/t^2 in the log domain of t: the limit diverges as T -> 0 and is inf (not a warning)
    # where (T/omega)^2 underflows; the approximation only holds for T >> omega anyway.
    with np.errstate(over="ignore", divide="ignore"):
        return num / den / t / t
