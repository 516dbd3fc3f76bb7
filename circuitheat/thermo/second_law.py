r"""The second law in the steady state: entropy production versus the Clausius-like flow.

In the steady state :math:`\Phi[\rho^*] = \rho^*` the system entropy no longer changes, so
Eq. (16) makes the entropy production per collision :math:`\sigma = -\mathrm{Tr}[(\tilde\eta^*
-\eta)\ln\eta] \ge 0` (:func:`steady_entropy_production`); :func:`second_law_scan` follows it,
and :math:`\beta_hJ_h + \beta_cJ_c`, over the phase difference :math:`\phi_h-\phi_c` of Fig. 3.

Both run on one batched core: the fixed points of a whole phase grid come from one batched
linear solve (:func:`circuitheat.steady.fixed_point` on a broadcast
:class:`~circuitheat.channel.Channel`), and the ancilla pairs, exchanged entropies and
one-collision relative entropies of every grid point are batched numpy algebra on 16×16
matrices, in chunks of :data:`_SCAN_CHUNK_POINTS` points. A single model is a batch of shape ().
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..channel import Channel
from ..fixed_point import fixed_point
from ..model import CollisionModel, check_model
from ..validation import InputValueError, check_angle, check_array
from .collision import (
    _LOCAL_PRODUCTION,
    _collision,
    _collision_terms,
    _local_production,
    _warn_collision_terms,
)
from .logs import _warn_relative_entropy

__all__ = ["SteadyEntropyProduction", "second_law_scan", "steady_entropy_production"]

#: Default phase-difference grid of :func:`second_law_scan`: 0..2 pi inclusive in steps
#: of pi/180, fine enough to resolve the sign changes of J_h seen in Fig. 3.
_DEFAULT_PHASES = 361

#: Phase points per batch of :func:`second_law_scan`: bounds the memory of the batched
#: 16x16 algebra (peak ~26 KiB per point, i.e. ~6 complex 16x16 arrays; 52 MiB for a
#: batch of 2048, measured with tracemalloc) while the per-batch Python overhead (~1 ms
#: against ~120 ms of work per batch) stays negligible.
_SCAN_CHUNK_POINTS = 2048

#: Where the exchanged-entropy warnings of the steady state say the failure happened.
_STEADY_WHERE = "in the steady state"


@dataclass(frozen=True)
class SteadyEntropyProduction:
    r"""Entropy flows per collision in the steady state :math:`\rho^*` (Sec. IV applied to :math:`\Phi[\rho^*]=\rho^*`).

    Attributes
    ----------
    model : CollisionModel
    heat_hot, heat_cold : float
        :math:`J_h, J_c` per collision (Eqs. 10–11); positive = into that reservoir,
        :math:`J_h = -J_c`.
    exchanged_hot, exchanged_cold : float
        :math:`\mathrm{Tr}[(\tilde\eta^{h,c}-\eta^{h,c})\ln\eta^{h,c}]` per collision: the
        steady-state increments of :math:`\Delta S_{re1}`, :math:`\Delta S_{re2}` (Eqs. 22, 25).
    production : float
        True entropy production per collision :math:`\sigma = -(\text{exchanged\_hot} +
        \text{exchanged\_cold})` (:math:`\Delta S` per collision is 0 in the steady state,
        so Eq. 16 gives :math:`\Delta S_{ir}` per collision :math:`= -\Delta S_{re}` per
        collision). :math:`\ge 0`; ``+inf`` for a pure reservoir that is disturbed.
    production_local : float
        The same quantity evaluated as a relative entropy,
        :math:`D[\hat U(\rho^*\otimes\eta)\hat U^\dagger\,\|\,\rho^*\otimes\eta]`
        (:func:`collision_entropy_production`), an independent check.
    clausius : float
        :math:`\beta_h J_h + \beta_c J_c` with the *effective* inverse temperatures
        (Eq. 12): the entropy the reservoirs would gain per collision if they were
        thermal. For thermal reservoirs it equals ``production`` (Eqs. 23, 26).

    Notes
    -----
    With :math:`\ln\eta = -\beta H - \ln Z + \Lambda`, :math:`\Lambda = \ln\eta - \ln\rho_\beta`
    the non-thermal part, :math:`\sigma = \beta_hJ_h + \beta_cJ_c + C` with the coherence
    term :math:`C = -\sum_{r=h,c}\mathrm{Tr}[(\tilde\eta^r-\eta^r)\Lambda_r]`
    (:attr:`coherence_term`). Where the current is reversed (:math:`J_h > 0` with
    :math:`T_h > T_c`), ``clausius`` :math:`= J_h(\beta_h-\beta_c) < 0` while
    :math:`\sigma \ge 0`: the coherence of the reservoirs pays for it.
    """

    model: CollisionModel
    heat_hot: float
    heat_cold: float
    exchanged_hot: float
    exchanged_cold: float
    production: float
    production_local: float
    clausius: float

    @property
    def coherence_term(self) -> float:
        r""":math:`C = \sigma - (\beta_hJ_h + \beta_cJ_c)`: the entropy paid by the reservoirs' coherence."""
        return float(_coherence_term(self.production, self.clausius))

    @property
    def is_reversed(self) -> bool:
        """True if heat flows into the hotter reservoir (against the effective-temperature gradient)."""
        t_h, t_c = self.model.hot.temperature, self.model.cold.temperature
        return (self.heat_hot > 0 and t_h > t_c) or (self.heat_cold > 0 and t_c > t_h)


def _coherence_term(production: ArrayLike, clausius: ArrayLike) -> NDArray[np.float64]:
    r""":math:`C = \sigma - (\beta_hJ_h + \beta_cJ_c)`, elementwise; ``+inf`` where :math:`\sigma` is."""
    production = np.asarray(production, dtype=float)
    with np.errstate(invalid="ignore"):  # inf - inf where sigma and beta J both diverge (T -> 0): the branch not taken
        return np.where(np.isinf(production), production, production - clausius)


@dataclass(frozen=True)
class _SteadyFlows:
    """The fields of :class:`SteadyEntropyProduction` as arrays over a batch, and the masks of diverged entries."""

    heat_hot: NDArray
    heat_cold: NDArray
    exchanged_hot: NDArray
    exchanged_cold: NDArray
    production: NDArray
    production_local: NDArray
    clausius: NDArray
    diverged_pair: NDArray
    diverged_hot: NDArray
    diverged_cold: NDArray
    diverged_local: NDArray

    @property
    def coherence_term(self) -> NDArray:
        """:attr:`SteadyEntropyProduction.coherence_term`, elementwise."""
        return _coherence_term(self.production, self.clausius)

    @classmethod
    def concatenate(cls, parts: list[_SteadyFlows]) -> _SteadyFlows:
        """Join 1-D batches end to end."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    def warn(self) -> None:
        """The :class:`~circuitheat.thermo.SupportWarning` of every quantity that diverged, once each."""
        _warn_collision_terms(self.diverged_pair, self.diverged_hot, self.diverged_cold, _STEADY_WHERE)
        _warn_relative_entropy(_LOCAL_PRODUCTION, self.diverged_local)


def _steady_flows(model: CollisionModel, hot_phase: ArrayLike | None = None) -> _SteadyFlows:
    r"""Steady-state entropy flows of ``model``, or of a batch over the hot phase :math:`\phi_h` (rad); no warnings.

    The steady state :math:`\rho^*` (one batched linear solve), the pair after a steady
    collision :math:`\tilde\eta^* = A\rho^*` (:func:`~circuitheat.thermo.ancilla_pair_map`), its
    exchanged entropies and the one-collision relative entropy, all broadcast over the batch.
    """
    collision = _collision(model, hot_phase)
    channel = Channel(model.gamma, model.delta, collision.hot.state, collision.cold.state, model.omega)
    rho = fixed_point(channel.superoperator)
    heat_hot, heat_cold = channel.heat_currents(rho)
    pair = (collision.pair_map @ rho.reshape(rho.shape[:-2] + (16, 1))).reshape(rho.shape)
    terms = _collision_terms(collision, pair)
    exchanged = terms.exchanged_hot + terms.exchanged_cold
    local, diverged_local = _local_production(collision, rho)
    return _SteadyFlows(
        heat_hot=heat_hot,
        heat_cold=heat_cold,
        exchanged_hot=terms.exchanged_hot,
        exchanged_cold=terms.exchanged_cold,
        production=np.where(np.isfinite(exchanged), -exchanged, np.inf),
        production_local=local,
        clausius=collision.hot.beta * heat_hot + collision.cold.beta * heat_cold,
        diverged_pair=terms.diverged_pair,
        diverged_hot=terms.diverged_hot,
        diverged_cold=terms.diverged_cold,
        diverged_local=diverged_local,
    )


def steady_entropy_production(model: CollisionModel) -> SteadyEntropyProduction:
    r"""True entropy production and Clausius-like entropy flow per collision in the steady state.

    Uses the exact steady state :math:`\rho^*` (the fixed point of :math:`\Phi`, as
    :func:`circuitheat.steady_state`); the ancilla pair after a steady collision is
    :math:`\tilde\eta^* = A\,\rho^*` with the map :func:`~circuitheat.thermo.ancilla_pair_map`.
    See :class:`SteadyEntropyProduction` for the quantities.

    Raises
    ------
    ValueError
        If the steady state is not unique (``gamma`` a multiple of pi).

    Warns
    -----
    SupportWarning
        If a pure reservoir (p = 1) is disturbed in the steady state; ``production``,
        ``production_local`` and ``coherence_term`` are then ``+inf``.

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> hot, cold = ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0)
    >>> r = steady_entropy_production(ch.CollisionModel(np.pi / 32, np.pi / 4, hot, cold))
    >>> r.heat_hot > 0, r.clausius < 0, r.production >= 0
    (True, True, True)
    """
    check_model(model)
    flows = _steady_flows(model)
    flows.warn()
    return SteadyEntropyProduction(
        model=model,
        heat_hot=float(flows.heat_hot),
        heat_cold=float(flows.heat_cold),
        exchanged_hot=float(flows.exchanged_hot),
        exchanged_cold=float(flows.exchanged_cold),
        production=float(flows.production),
        production_local=float(flows.production_local),
        clausius=float(flows.clausius),
    )


def second_law_scan(model: CollisionModel, phase_differences: ArrayLike | None = None):
    r"""Steady entropy production and Clausius-like flow versus :math:`\Delta\phi = \phi_h - \phi_c`.

    For each :math:`\Delta\phi` the hot phase is set to :math:`\phi_c + \Delta\phi` (only
    the difference matters, Sec. III) and the quantities of :func:`steady_entropy_production`
    are evaluated, for the whole grid at once (batched; the values agree with a loop of
    :func:`steady_entropy_production` calls to rounding, ~1e-16). A
    :class:`~circuitheat.thermo.SupportWarning` is issued at most once per quantity.

    Parameters
    ----------
    model : CollisionModel
        All other parameters (the paper's Fig. 2 set is the natural choice).
    phase_differences : array_like, optional
        :math:`\Delta\phi` values (rad); default 361 points on [0, 2π].

    Returns
    -------
    xarray.Dataset
        Over ``phase_difference``: ``production`` (σ, nats per collision),
        ``production_local``, ``clausius`` (:math:`\beta_hJ_h+\beta_cJ_c`),
        ``coherence_term``, ``exchanged_hot``, ``exchanged_cold`` (nats per collision),
        ``heat_hot``, ``heat_cold`` (energy per collision).
    """
    import xarray as xr

    check_model(model)
    if phase_differences is None:
        phases = np.linspace(0.0, 2 * np.pi, _DEFAULT_PHASES)
    else:
        phases = np.atleast_1d(check_array("phase_differences", phase_differences, check_angle))
        if phases.ndim != 1 or phases.size == 0:
            raise InputValueError(f"phase_differences must be a non-empty 1-D array of finite angles, got {phase_differences!r}")
    hot_phases = model.cold.phase + phases
    chunks = range(0, phases.size, _SCAN_CHUNK_POINTS)
    flows = _SteadyFlows.concatenate([_steady_flows(model, hot_phases[i : i + _SCAN_CHUNK_POINTS]) for i in chunks])
    flows.warn()
    names = (
        "production",
        "production_local",
        "clausius",
        "coherence_term",
        "exchanged_hot",
        "exchanged_cold",
        "heat_hot",
        "heat_cold",
    )
    units = {"heat_hot": "energy per collision", "heat_cold": "energy per collision"}
    ds = xr.Dataset(
        {
            name: ("phase_difference", np.asarray(getattr(flows, name)), {"units": units.get(name, "nats per collision")})
            for name in names
        },
        coords={"phase_difference": ("phase_difference", phases, {"units": "rad"})},
    )
    ds.attrs.update(
        gamma=model.gamma,
        delta=model.delta,
        t_hot=model.hot.temperature,
        t_cold=model.cold.temperature,
        coherence_hot=model.hot.coherence,
        coherence_cold=model.cold.coherence,
        phase_cold=model.cold.phase,
        omega=model.omega,
    )
    return ds
