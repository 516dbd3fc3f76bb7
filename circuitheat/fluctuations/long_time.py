r"""Long-time heat fluctuations: the scaled cumulant generating function, noise, Fano factor, TUR.

For large n the cumulants of the measured heat grow linearly,
:math:`\kappa_m(Q_r(n)) \simeq n\,\theta^{(m)}(0)`, with :math:`\theta(\chi) = \ln\lambda(\chi)` the
scaled cumulant generating function (SCGF) from the leading eigenvalue of the tilted map
(:mod:`.branches`); its derivatives at 0 come from perturbation theory (:mod:`.spectral`):

* ``mean_current`` :math:`J_r = \theta'(0)`, the steady current of Eqs. (10)–(11);
* ``diffusion`` :math:`D_r = \theta''(0) = \lim_n \mathrm{Var}\,Q_r(n)/n` (the noise, energy² per step);
* ``third_cumulant`` :math:`\theta'''(0)` (per step);
* ``fano`` :math:`D_r/|J_r|` (energy units);
* ``tur_ratio`` :math:`\mathcal Q = \frac{\mathrm{Var}\,Q}{\langle Q\rangle^2}\frac{\Sigma}{2} \to \frac{D_r\,\sigma}{2J_r^2}`,
  with :math:`\sigma` the entropy production per step in the steady state.

Which :math:`\sigma`
--------------------
The thermodynamic uncertainty relation (Barato & Seifert, PRL 114, 158101 (2015)) bounds a
current's precision by the *total* entropy production: :math:`\mathcal Q\ge1` for classical
Markov jump processes. For thermal reservoirs that is :math:`\sigma = \sum_r\beta_rJ_r`
(positive J_r = energy into r). For coherent ancillas :math:`\sum_r\beta_rJ_r` is not an entropy
production (it is negative where the current is reversed, Sec. III); the quantity that is
:math:`\ge 0` and reduces to it for thermal ancillas is
:math:`\sigma = -\sum_c\mathrm{Tr}[(\tilde\eta_c - \eta)\ln\eta]` (Eq. 16 of the paper in the steady state;
:mod:`.production`, equal to :func:`circuitheat.steady_entropy_production`'s ``production``). We
use it (for ``measurement="two_point"`` the system meets dephased, i.e. thermal, ancillas, and
:math:`\sigma = \sum_r\beta_rJ_r`), so :math:`\mathcal Q < 1` would mean a precision beyond what the classical TUR allows for
the same dissipation *including* the coherence the reservoirs spend. ``tur_ratio_clausius``
uses :math:`\sum_r\beta_rJ_r` instead, for comparison. A device map has no known
:math:`\sigma` (its noise dissipates into the device's environment): NaN there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import CollisionModel, check_model
from ..threads import single_blas_thread
from ..trajectory import frozen_array
from ..validation import InputTypeError, InputValueError
from .branches import CountingMap
from .finite import _reservoir_names, resolve_counting
from .production import clausius_flow, steady_entropy_production_rate
from .spectral import leading_eigenpair, scgf_derivatives

__all__ = ["CurrentFluctuations", "FluctuationScan", "current_fluctuations", "fluctuation_scan"]


def _tur(diffusion, sigma, current):
    """D sigma / (2 J^2), elementwise; inf where J = 0 (no precision at all)."""
    diffusion, sigma, current = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (diffusion, sigma, current)))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = diffusion * sigma / (2.0 * current**2)
    return np.where(current == 0, np.inf, out)


@dataclass(frozen=True)
class CurrentFluctuations:
    r"""Long-time statistics of reservoir r's measured heat (module docstring); energies in units of omega.

    Attributes
    ----------
    system : object
    reservoir : str
    measurement : str
    mean_current : float
        :math:`J_r = \theta'(0)` per step (the steady current).
    diffusion : float
        :math:`D_r = \theta''(0) = \lim\mathrm{Var}\,Q_r(n)/n` (energy² per step).
    third_cumulant : float
        :math:`\theta'''(0) = \lim\kappa_3(Q_r(n))/n` (energy³ per step).
    entropy_production : float
        :math:`\sigma` per step (nats), NaN for a device map, inf if a pure ancilla is disturbed.
    clausius : float
        :math:`\sum_r\beta_rJ_r` with the effective temperatures (NaN for a device map).
    """

    system: object = field(repr=False)
    reservoir: str
    measurement: str
    mean_current: float
    diffusion: float
    third_cumulant: float
    entropy_production: float
    clausius: float
    _counting: CountingMap = field(repr=False, compare=False)

    @property
    def fano(self) -> float:
        r""":math:`D_r/|J_r|` (energy units; inf for J_r = 0)."""
        return math.inf if self.mean_current == 0 else self.diffusion / abs(self.mean_current)

    @property
    def tur_ratio(self) -> float:
        r""":math:`D_r\sigma/(2J_r^2)`: >= 1 wherever the classical TUR holds."""
        return float(_tur(self.diffusion, self.entropy_production, self.mean_current))

    @property
    def tur_ratio_clausius(self) -> float:
        r""":math:`D_r\sum_s\beta_sJ_s/(2J_r^2)`, the same with the Clausius flow (negative where reversed)."""
        return float(_tur(self.diffusion, self.clausius, self.mean_current))

    def scgf(self, chi: ArrayLike) -> NDArray[np.float64]:
        r""":math:`\theta(\chi) = \ln\lambda(\chi)/\lambda(0)` by diagonalising the tilted map at each ``chi`` (1/energy).

        The tilted map of a CP map has its spectral radius as an eigenvalue, real and
        positive for real :math:`\chi`; that is :math:`\lambda(\chi)`.
        """
        chi = np.asarray(chi, dtype=float)
        lam0 = np.abs(np.linalg.eigvals(self._counting.superoperator)).max()
        out = [math.log(np.abs(np.linalg.eigvals(self._counting.tilted(c))).max() / lam0) for c in chi.reshape(-1)]
        return np.array(out).reshape(chi.shape)

    def to_dict(self) -> dict:
        """JSON-ready summary (non-finite numbers as strings)."""

        def num(x: float):
            return x if math.isfinite(x) else str(x)

        return {
            "reservoir": self.reservoir,
            "measurement": self.measurement,
            "mean_current": self.mean_current,
            "diffusion": self.diffusion,
            "third_cumulant": self.third_cumulant,
            "fano": num(self.fano),
            "entropy_production": num(self.entropy_production),
            "clausius": num(self.clausius),
            "tur_ratio": num(self.tur_ratio),
            "tur_ratio_clausius": num(self.tur_ratio_clausius),
        }


def _taylor_maps(cm: CountingMap) -> list[NDArray]:
    return [cm.moment_maps((j,)) / math.factorial(j) for j in range(4)]


def _steady_currents(cm: CountingMap, right: NDArray, left: NDArray) -> dict[str, float]:
    """Steady current of every reservoir, l . Phi'_r . r."""
    return {r: float((left @ cm.marginal((r,)).moment_maps((1,)) @ right).real) for r in cm.names}


def _entropy_terms(full: CountingMap, right: NDArray, currents: dict[str, float]) -> tuple[float, float]:
    if full.network is None:
        return math.nan, math.nan
    clausius = clausius_flow(full.network, currents, {n: full.network.ancilla(n) for n in full.names})
    if full.measurement == "two_point":  # the system meets dephased, i.e. thermal, ancillas
        return clausius, clausius
    rho = right.reshape(full.dim, full.dim)
    rho = 0.5 * (rho + rho.conj().T)
    return steady_entropy_production_rate(full, rho), clausius


@single_blas_thread
def current_fluctuations(system, reservoir: str = "hot", *, measurement: str | None = None) -> CurrentFluctuations:
    r"""Long-time mean, noise, Fano factor and TUR ratio of a reservoir's measured heat (module docstring).

    Parameters
    ----------
    system : CollisionModel, CollisionNetwork, NoisyCollisionMap or CountingMap
    reservoir : str
        The counted reservoir (``"hot"`` by default).
    measurement : {"end_point", "two_point"}, optional
        Default ``"end_point"`` (:mod:`.branches`).

    Returns
    -------
    CurrentFluctuations

    Raises
    ------
    ValueError
        If the steady state is not unique (the long-time limit depends on the initial state).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> model = ch.CollisionModel(np.pi / 32, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    >>> fl = ch.current_fluctuations(model)
    >>> bool(np.isclose(fl.mean_current, ch.steady_state(model).heat_hot)), fl.tur_ratio > 1
    (True, True)
    """
    full = resolve_counting(system, measurement)
    if not isinstance(reservoir, str):
        raise InputTypeError(f"reservoir must be one reservoir name (str), got {reservoir!r}")
    (name,) = _reservoir_names(reservoir, full.names)
    cm = full.marginal((name,))
    derivs = scgf_derivatives(_taylor_maps(cm), 3)
    _, right, left = leading_eigenpair(full.superoperator)
    currents = _steady_currents(full, right, left)
    sigma, clausius = _entropy_terms(full, right, currents)
    return CurrentFluctuations(
        system=system,
        reservoir=name,
        measurement=full.measurement,
        mean_current=float(derivs[0]),
        diffusion=float(derivs[1]),
        third_cumulant=float(derivs[2]),
        entropy_production=sigma,
        clausius=clausius,
        _counting=cm,
    )


@dataclass(frozen=True)
class FluctuationScan:
    r"""Long-time fluctuations versus :math:`\phi_h - \phi_c`: arrays over the scan (:class:`CurrentFluctuations`)."""

    model: CollisionModel = field(repr=False)
    reservoir: str
    measurement: str
    phase_difference: NDArray = field(repr=False)
    mean_current: NDArray = field(repr=False)
    diffusion: NDArray = field(repr=False)
    third_cumulant: NDArray = field(repr=False)
    entropy_production: NDArray = field(repr=False)
    clausius: NDArray = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("phase_difference", "mean_current", "diffusion", "third_cumulant", "entropy_production", "clausius"):
            object.__setattr__(self, name, frozen_array(np.asarray(getattr(self, name), dtype=float)))

    @property
    def fano(self) -> NDArray[np.float64]:
        """:math:`D/|J|` per point."""
        with np.errstate(divide="ignore"):
            return self.diffusion / np.abs(self.mean_current)

    @property
    def tur_ratio(self) -> NDArray[np.float64]:
        r""":math:`D\sigma/(2J^2)` per point."""
        return _tur(self.diffusion, self.entropy_production, self.mean_current)

    @property
    def tur_ratio_clausius(self) -> NDArray[np.float64]:
        r""":math:`D\sum_r\beta_rJ_r/(2J^2)` per point."""
        return _tur(self.diffusion, self.clausius, self.mean_current)


@single_blas_thread
def fluctuation_scan(
    model: CollisionModel,
    phase_differences: ArrayLike | None = None,
    reservoir: str = "hot",
    *,
    measurement: str | None = None,
) -> FluctuationScan:
    r""":func:`current_fluctuations` of the paper's model over :math:`\phi_h-\phi_c` (rad), batched.

    The hot phase is set to :math:`\phi_c + \Delta\phi` at each point (only the difference
    matters, Sec. III) in the model's network (:attr:`CollisionModel.network
    <circuitheat.CollisionModel.network>`, built once). One count-resolved map per point, then
    one batched perturbation solve for all points. Default grid: 101 points on [0, 2π].
    """
    check_model(model)
    phases = np.linspace(0.0, 2 * np.pi, 101) if phase_differences is None else np.asarray(phase_differences, dtype=float)
    if phases.ndim != 1 or phases.size == 0 or not np.all(np.isfinite(phases)):
        raise InputValueError(
            f"phase_differences must be a non-empty 1-D array of finite angles (rad), got {phase_differences!r}"
        )
    maps, sigma, clausius = [], [], []
    network = model.network  # the gates are built once; only the hot ancilla changes along the scan
    for dphi in phases:
        hot = replace(model.hot, phase=float(model.cold.phase + dphi))
        maps.append(resolve_counting(replace(network, reservoirs={"hot": hot, "cold": model.cold}), measurement))
    name = _reservoir_names(reservoir, maps[0].names)[0]
    stacked = [np.stack(m) for m in zip(*(_taylor_maps(cm.marginal((name,))) for cm in maps), strict=True)]
    derivs = scgf_derivatives(stacked, 3)
    _, rights, lefts = leading_eigenpair(np.stack([cm.superoperator for cm in maps]))
    for cm, right, left in zip(maps, rights, lefts, strict=True):
        s, c = _entropy_terms(cm, right, _steady_currents(cm, right, left))
        sigma.append(s)
        clausius.append(c)
    return FluctuationScan(
        model=model,
        reservoir=name,
        measurement=maps[0].measurement,
        phase_difference=phases,
        mean_current=derivs[:, 0],
        diffusion=derivs[:, 1],
        third_cumulant=derivs[:, 2],
        entropy_production=np.array(sigma),
        clausius=np.array(clausius),
    )
