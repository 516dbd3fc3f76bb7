r"""The second law in the steady state: entropy production versus the Clausius-like flow.

In the steady state :math:`\Phi[\rho^*] = \rho^*` the system entropy no longer changes, so
Eq. (16) makes the entropy production per step :math:`\sigma = -\sum_c\mathrm{Tr}[(\tilde\eta^*_c
-\eta_c)\ln\eta_c] \ge 0` (:func:`steady_entropy_production`, any model or network);
:func:`second_law_scan` follows it, and :math:`\sum_r\beta_rJ_r`, over the phase difference of
two reservoirs (:math:`\phi_h-\phi_c` of Fig. 3).

The steady state is the one of :func:`circuitheat.steady_state` (the fixed point of the one
step map); what a steady step leaves in its ancillas is :math:`\tilde\eta^*_A = A\rho^*` with
the map :func:`circuitheat.engines.dilation.ancilla_map`. For the paper's model a whole phase
grid is one batched computation: the fixed points from one batched linear solve
(:func:`circuitheat.fixed_point.fixed_point` on a broadcast :class:`~circuitheat.channel.Channel`,
the model's step map), the ancilla maps from one operator evolution contracted with every
ancilla state, in chunks of :data:`_SCAN_CHUNK_POINTS` points. A network is scanned point by
point. A single model or network is a batch of shape ().
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..channel import Channel
from ..engines.dilation import ancilla_map
from ..fixed_point import fixed_point
from ..model import CollisionModel, Reservoir
from ..network.spec import CollisionNetwork
from ..steady import steady_state
from ..threads import single_blas_thread
from ..validation import InputValueError, check_angle, check_array
from .collision import (
    _LOCAL_PRODUCTION,
    _fresh_ancillas,
    _local_production,
    _step_terms,
    _system_attrs,
    _system_network,
    _warn_terms,
)
from .logs import _warn_relative_entropy

__all__ = ["SteadyEntropyProduction", "second_law_scan", "steady_entropy_production"]

#: Default phase-difference grid of :func:`second_law_scan`: 0..2 pi inclusive in steps
#: of pi/180, fine enough to resolve the sign changes of J_h seen in Fig. 3.
_DEFAULT_PHASES = 361

#: Phase points per batch of :func:`second_law_scan` (paper's model): bounds the memory of
#: the batched 16x16 algebra (peak ~26 KiB per point, i.e. ~6 complex 16x16 arrays; 52 MiB
#: for a batch of 2048) while the per-batch Python overhead (~1 ms against ~120 ms of work
#: per batch) stays negligible.
_SCAN_CHUNK_POINTS = 2048

#: ``production_local`` (a relative entropy on system + the step's ancillas) is evaluated
#: up to this many qubits: a 1024 x 1024 eigenproblem per point (~0.3 s); beyond it is None.
_LOCAL_MAX_QUBITS = 10

#: Where the exchanged-entropy warnings of the steady state say the failure happened.
_STEADY_WHERE = "in the steady state"


def _reservoir_value(values: Mapping[str, float], name: str, names: tuple[str, ...]) -> float:
    try:
        return values[name]
    except KeyError:
        raise AttributeError(f"this steady state has no reservoir {name!r}; reservoirs: {', '.join(names)}") from None


@dataclass(frozen=True)
class SteadyEntropyProduction:
    r"""Entropy flows per step in the steady state :math:`\rho^*` (Sec. IV applied to :math:`\Phi[\rho^*]=\rho^*`).

    Per-reservoir values are mappings by reservoir name; for the paper's model also
    ``heat_hot``, ``heat_cold``, ``exchanged_hot``, ``exchanged_cold``.

    Attributes
    ----------
    model : CollisionModel or CollisionNetwork
    currents : mapping name -> float
        Steady heat current :math:`J_r` per step (Eqs. 10–11); positive = into r
        (:math:`J_h = -J_c` for the paper's model).
    work : float
        Work of the gates per step (:math:`\sum_r J_r = W` in the steady state).
    exchanged : mapping name -> float
        :math:`\sum_{c\in r}\mathrm{Tr}[(\tilde\eta^*_c-\eta_r)\ln\eta_r]` per step: the steady-state
        increments of :math:`\Delta S_{re1}`, :math:`\Delta S_{re2}` (Eqs. 22, 25).
    relative_entropy : mapping name -> float
        :math:`\sum_{c\in r}D[\tilde\eta^*_c\|\eta_r]` per step.
    beta : mapping name -> float
        Effective inverse temperature of each reservoir's ancilla (Eq. 12: from its diagonal).
    production : float
        True entropy production per step :math:`\sigma = -\sum_r` ``exchanged[r]``
        (:math:`\Delta S` per step is 0 in the steady state, so Eq. 16 gives
        :math:`\Delta S_{ir}` per step :math:`= -\Delta S_{re}` per step). :math:`\ge 0`;
        ``+inf`` for a pure reservoir that is disturbed.
    production_local : float or None
        The same quantity evaluated as a relative entropy on system and the step's ancillas,
        :math:`D[U(\rho^*\otimes\eta_A)U^\dagger\,\|\,\rho^*\otimes\eta_A]`
        (:func:`collision_entropy_production`), an independent check; None beyond
        :data:`_LOCAL_MAX_QUBITS` qubits.
    clausius : float
        :math:`\sum_r\beta_rJ_r` with the *effective* inverse temperatures (Eq. 12): the
        entropy the reservoirs would gain per step if they were thermal. For thermal
        reservoirs it equals ``production`` (Eqs. 23, 26).
    mutual_information : float
        :math:`I(S{:}A)` between the system and the step's ancillas after a steady step,
        :math:`S(\tilde\eta^*_A) - \sum_c S(\eta_c)`.
    ancilla_correlation : float
        :math:`\sum_c S(\tilde\eta^*_c) - S(\tilde\eta^*_A)`; ``production`` =
        ``mutual_information + ancilla_correlation + sum_r relative_entropy[r]``.

    Notes
    -----
    With :math:`\ln\eta = -\beta H - \ln Z + \Lambda`, :math:`\Lambda = \ln\eta - \ln\rho_\beta`
    the non-thermal part, :math:`\sigma = \sum_r\beta_rJ_r + C` with the coherence
    term :math:`C = -\sum_r\mathrm{Tr}[(\tilde\eta^r-\eta^r)\Lambda_r]`
    (:attr:`coherence_term`; energy-conserving gates). Where the current is reversed
    (:math:`J_h > 0` with :math:`T_h > T_c`), ``clausius`` :math:`= J_h(\beta_h-\beta_c) < 0`
    while :math:`\sigma \ge 0`: the coherence of the reservoirs pays for it.
    """

    model: CollisionModel | CollisionNetwork
    currents: Mapping[str, float]
    work: float
    exchanged: Mapping[str, float]
    relative_entropy: Mapping[str, float]
    beta: Mapping[str, float]
    production: float
    production_local: float | None
    clausius: float
    mutual_information: float
    ancilla_correlation: float

    @property
    def names(self) -> tuple[str, ...]:
        """Reservoir names."""
        return tuple(self.currents)

    @property
    def heat_hot(self) -> float:
        """:math:`J_h` = ``currents["hot"]`` (paper's model)."""
        return _reservoir_value(self.currents, "hot", self.names)

    @property
    def heat_cold(self) -> float:
        """:math:`J_c` = ``currents["cold"]`` (paper's model)."""
        return _reservoir_value(self.currents, "cold", self.names)

    @property
    def exchanged_hot(self) -> float:
        """``exchanged["hot"]``: the steady increment of :math:`\\Delta S_{re1}` (Eq. 22)."""
        return _reservoir_value(self.exchanged, "hot", self.names)

    @property
    def exchanged_cold(self) -> float:
        """``exchanged["cold"]``: the steady increment of :math:`\\Delta S_{re2}` (Eq. 25)."""
        return _reservoir_value(self.exchanged, "cold", self.names)

    @property
    def coherence_term(self) -> float:
        r""":math:`C = \sigma - \sum_r\beta_rJ_r`: the entropy paid by the reservoirs' coherence."""
        return float(_coherence_term(self.production, self.clausius))

    @property
    def is_reversed(self) -> bool:
        """True if heat flows into the hotter of two reservoirs (against the effective-temperature gradient).

        Raises
        ------
        AttributeError
            Unless the system has exactly two reservoirs.
        """
        if len(self.names) != 2:
            raise AttributeError(f"is_reversed needs exactly two reservoirs, this steady state has {len(self.names)}")
        a, b = self.names
        return (self.currents[a] > 0 and self.beta[a] < self.beta[b]) or (self.currents[b] > 0 and self.beta[b] < self.beta[a])


def _coherence_term(production: ArrayLike, clausius: ArrayLike) -> NDArray[np.float64]:
    r""":math:`C = \sigma - \sum_r\beta_rJ_r`, elementwise; ``+inf`` where :math:`\sigma` is."""
    production = np.asarray(production, dtype=float)
    with np.errstate(invalid="ignore"):  # inf - inf where sigma and beta J both diverge (T -> 0): the branch not taken
        return np.where(np.isinf(production), production, production - clausius)


@dataclass(frozen=True)
class _SteadyFlows:
    """The fields of :class:`SteadyEntropyProduction` as arrays over a batch, and the masks of diverged entries."""

    names: tuple[str, ...]
    currents: dict[str, NDArray]
    work: NDArray
    exchanged: dict[str, NDArray]
    relative_entropy: dict[str, NDArray]
    beta: dict[str, NDArray]
    production: NDArray
    production_local: NDArray | None
    clausius: NDArray
    mutual_information: NDArray
    ancilla_correlation: NDArray
    diverged_total: NDArray
    diverged: dict[str, NDArray]
    diverged_local: NDArray | None

    @classmethod
    def concatenate(cls, parts: list[_SteadyFlows]) -> _SteadyFlows:
        """Join batches along their first axis (a single point counts as a batch of one)."""

        def join(values: list) -> NDArray | dict | None:
            if isinstance(values[0], dict):
                return {k: join([v[k] for v in values]) for k in values[0]}
            if values[0] is None:
                return None
            return np.concatenate([np.atleast_1d(v) for v in values])

        first = parts[0]
        fields = {f.name: join([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(cls) if f.name != "names"}
        return cls(names=first.names, **fields)

    def warn(self) -> None:
        """The :class:`~circuitheat.thermo.SupportWarning` of every quantity that diverged, once each."""
        _warn_terms(self.names, self.diverged_total, self.diverged, _STEADY_WHERE)
        if self.diverged_local is not None:
            _warn_relative_entropy(_LOCAL_PRODUCTION, self.diverged_local)


def _steady_flows(
    network: CollisionNetwork,
    ancillas: tuple,
    rho: NDArray,
    currents: Mapping[str, ArrayLike],
    work: ArrayLike,
) -> _SteadyFlows:
    r"""Steady-state entropy flows from the steady state(s) ``rho`` (..., d, d) and their currents and work; no warnings.

    ``ancillas`` (:func:`~.collision._fresh_ancillas`) may be a batch broadcasting with ``rho``.
    The ancillas after a steady step are :math:`\tilde\eta^*_A = A\rho^*`
    (:func:`~circuitheat.engines.dilation.ancilla_map`).
    """
    names = network.reservoir_names
    d, a = network.dim, 2 ** len(ancillas)
    amap = ancilla_map(network, [anc.state for anc in ancillas])
    joint = (amap @ rho.reshape(rho.shape[:-2] + (d * d, 1)))[..., 0]
    terms = _step_terms(ancillas, names, joint.reshape(joint.shape[:-1] + (a, a)))
    exchanged = sum(terms.exchanged.values(), np.zeros(np.shape(terms.exchanged_total)))
    beta = {name: np.asarray(0.0) for name in names}
    beta.update({anc.reservoir: np.asarray(anc.beta) for anc in ancillas})
    currents = {name: np.asarray(currents[name], dtype=float) for name in names}
    clausius = sum((np.where(currents[r] == 0, 0.0, beta[r] * currents[r]) for r in names), np.zeros(()))
    local, diverged_local = (None, None)
    if network.sites + len(ancillas) <= _LOCAL_MAX_QUBITS:
        local, diverged_local = _local_production(network, ancillas, rho)
    return _SteadyFlows(
        names=names,
        currents=currents,
        work=np.asarray(work, dtype=float),
        exchanged=dict(terms.exchanged),
        relative_entropy=dict(terms.relative_entropy),
        beta=beta,
        production=np.where(np.isfinite(exchanged), -exchanged, np.inf),
        production_local=local,
        clausius=clausius,
        mutual_information=terms.ancilla_entropy - terms.fresh_entropy,
        ancilla_correlation=terms.ancilla_correlation,
        diverged_total=terms.diverged_total,
        diverged=dict(terms.diverged),
        diverged_local=diverged_local,
    )


def _system_flows(system: CollisionModel | CollisionNetwork) -> _SteadyFlows:
    """Steady flows of one model or network, from :func:`circuitheat.steady_state`; no warnings."""
    network = _system_network(system)
    ss = steady_state(system)
    return _steady_flows(network, _fresh_ancillas(network), np.asarray(ss.system_state), ss.currents, ss.work)


@single_blas_thread
def steady_entropy_production(model: CollisionModel | CollisionNetwork) -> SteadyEntropyProduction:
    r"""True entropy production and Clausius-like entropy flow per step in the steady state.

    Uses the exact steady state :math:`\rho^*` of :func:`circuitheat.steady_state` (the fixed
    point of the one step map, with its currents and work); the ancillas after a steady
    step are :math:`\tilde\eta^*_A = A\,\rho^*` with the map
    :func:`circuitheat.engines.dilation.ancilla_map`. See :class:`SteadyEntropyProduction`.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork

    Raises
    ------
    ValueError
        If the steady state is not unique (``gamma`` a multiple of pi; a site no reservoir reaches).

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
    flows = _system_flows(model)
    flows.warn()

    def scalars(values: Mapping[str, NDArray]) -> dict[str, float]:
        return {k: float(v) for k, v in values.items()}

    return SteadyEntropyProduction(
        model=model,
        currents=scalars(flows.currents),
        work=float(flows.work),
        exchanged=scalars(flows.exchanged),
        relative_entropy=scalars(flows.relative_entropy),
        beta=scalars(flows.beta),
        production=float(flows.production),
        production_local=None if flows.production_local is None else float(flows.production_local),
        clausius=float(flows.clausius),
        mutual_information=float(flows.mutual_information),
        ancilla_correlation=float(flows.ancilla_correlation),
    )


def _model_chunk(model: CollisionModel, scanned: str, phases: NDArray) -> _SteadyFlows:
    """The paper's model at a batch of phases of reservoir ``scanned``: one batched linear solve."""
    network = model.network
    ancillas = _fresh_ancillas(network, {scanned: phases})
    states = {anc.reservoir: anc.state for anc in ancillas}
    channel = Channel(model.gamma, model.delta, states["hot"], states["cold"], model.omega)
    rho = fixed_point(channel.superoperator)
    return _steady_flows(network, ancillas, rho, channel.currents(rho), channel.work(rho))


def _network_at(network: CollisionNetwork, scanned: str, phase: float) -> CollisionNetwork:
    """``network`` with reservoir ``scanned`` at ``phase`` (rad)."""
    reservoirs = dict(network.reservoirs)
    reservoirs[scanned] = dataclasses.replace(reservoirs[scanned], phase=phase)
    return CollisionNetwork(network.sites, network.omega, reservoirs, network.step)


def _check_scanned(network: CollisionNetwork, reservoirs: object) -> tuple[str, str]:
    if not isinstance(reservoirs, tuple | list) or len(reservoirs) != 2:
        raise InputValueError(f"reservoirs must be two reservoir names (scanned, reference), got {reservoirs!r}")
    for name in reservoirs:
        if name not in network.reservoirs:
            known = ", ".join(repr(r) for r in network.reservoir_names)
            raise InputValueError(f"reservoirs names {name!r}, which is not a reservoir; reservoirs: {known}")
        if not isinstance(network.reservoirs[name], Reservoir):
            raise InputValueError(f"reservoir {name!r} must be a Reservoir (Eq. 12, with a phase) to scan phase differences")
    if reservoirs[0] == reservoirs[1]:
        raise InputValueError(f"reservoirs must be two different reservoirs, got {reservoirs!r}")
    return reservoirs[0], reservoirs[1]


@single_blas_thread
def second_law_scan(
    model: CollisionModel | CollisionNetwork,
    phase_differences: ArrayLike | None = None,
    *,
    reservoirs: tuple[str, str] = ("hot", "cold"),
):
    r"""Steady entropy production and Clausius-like flow versus the phase difference of two reservoirs.

    For each :math:`\Delta\phi` the phase of the scanned reservoir (``reservoirs[0]``,
    default ``"hot"``) is set to that of the reference (``reservoirs[1]``) plus
    :math:`\Delta\phi` (for the paper's model only the difference matters, Sec. III) and the
    quantities of :func:`steady_entropy_production` are evaluated: for the paper's model for
    the whole grid at once (batched; agrees with a loop of :func:`steady_entropy_production`
    calls to rounding), for a network point by point. A
    :class:`~circuitheat.thermo.SupportWarning` is issued at most once per quantity.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
        All other parameters (the paper's Fig. 2 set is the natural choice).
    phase_differences : array_like, optional
        :math:`\Delta\phi` values (rad); default 361 points on [0, 2π].
    reservoirs : (str, str)
        The scanned and the reference reservoir; both must be :class:`~circuitheat.Reservoir` s.

    Returns
    -------
    xarray.Dataset
        Over ``phase_difference``: ``production`` (σ, nats per step), ``production_local``
        (when evaluated), ``clausius`` (:math:`\sum_r\beta_rJ_r`), ``coherence_term``,
        ``mutual_information``, ``ancilla_correlation`` (nats per step), ``work`` (energy per
        step), and per reservoir r ``exchanged_<r>``, ``relative_entropy_<r>`` (nats per
        step) and ``heat_<r>`` (:math:`J_r`, energy per step).
    """
    import xarray as xr

    network = _system_network(model)
    scanned, reference = _check_scanned(network, reservoirs)
    if phase_differences is None:
        phases = np.linspace(0.0, 2 * np.pi, _DEFAULT_PHASES)
    else:
        phases = np.atleast_1d(check_array("phase_differences", phase_differences, check_angle))
        if phases.ndim != 1 or phases.size == 0:
            raise InputValueError(f"phase_differences must be a non-empty 1-D array of finite angles, got {phase_differences!r}")
    scanned_phases = network.reservoirs[reference].phase + phases
    if isinstance(model, CollisionModel):
        chunks = range(0, phases.size, _SCAN_CHUNK_POINTS)
        parts = [_model_chunk(model, scanned, scanned_phases[i : i + _SCAN_CHUNK_POINTS]) for i in chunks]
    else:
        parts = [_system_flows(_network_at(network, scanned, float(phi))) for phi in scanned_phases]
    flows = _SteadyFlows.concatenate(parts)
    flows.warn()
    nats, energy = "nats per step", "energy per step"
    data = {
        "production": (flows.production, nats),
        "production_local": (flows.production_local, nats),
        "clausius": (flows.clausius, nats),
        "coherence_term": (_coherence_term(flows.production, flows.clausius), nats),
        "mutual_information": (flows.mutual_information, nats),
        "ancilla_correlation": (flows.ancilla_correlation, nats),
        "work": (flows.work, energy),
    }
    for name in network.reservoir_names:
        data[f"exchanged_{name}"] = (flows.exchanged[name], nats)
        data[f"relative_entropy_{name}"] = (flows.relative_entropy[name], nats)
        data[f"heat_{name}"] = (flows.currents[name], energy)
    ds = xr.Dataset(
        {k: ("phase_difference", np.asarray(v), {"units": u}) for k, (v, u) in data.items() if v is not None},
        coords={"phase_difference": ("phase_difference", phases, {"units": "rad"})},
    )
    attrs = _system_attrs(model)
    attrs.pop(f"phase_{scanned}", None)  # scanned, the coordinate
    ds.attrs.update(scanned=scanned, reference=reference, **attrs)
    return ds
