r"""The entropy and heat balance of Sec. IV (Eqs. 16–27) after each of n steps, for a model or a network.

:func:`entropy_balance` runs the system on a registered engine with ``ancillas=True``
(:func:`circuitheat.engines.get_engine`), which returns the system state and the joint state
of the step's ancillas after every step. :math:`\Delta S` comes from the system states,
:math:`\Delta S_{re}` (Eq. 17) and its parts per reservoir (Eqs. 22, 25) from the ancillas
(:mod:`.collision`), and the entropy production of Eq. (20) from the exact identity
:math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` (Eq. 16, derived in :mod:`circuitheat.thermo`).
For small sizes it adds the brute-force value of Eq. (20) on the joint state (:mod:`.joint`).
The result is a frozen :class:`EntropyBalance`.

Names (one meaning each, as everywhere in the package): ``heat_<r>`` / ``currents[r]`` is the
per-step heat current :math:`J_r(k)`; ``cumulative_heat_<r>`` / ``cumulative_heat[r]`` is
:math:`Q_r(k) = \sum_{j\le k}J_r(j)`; ``exchanged_<r>`` / ``exchanged[r]`` is the per-step
exchanged entropy and ``delta_s_re_<r>`` / ``delta_s_re_parts[r]`` its cumulative sum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..engines import ENGINES, get_engine
from ..model import CollisionModel
from ..network.spec import CollisionNetwork
from ..resources import check_memory
from ..states import system_initial_state
from ..threads import single_blas_thread
from ..trajectory import CollisionSeries, frozen_array
from ..validation import InputTypeError, InputValueError, check_count
from .collision import _fresh_ancillas, _step_terms, _system_attrs, _system_network
from .joint import joint_limit, joint_relative_entropy
from .logs import von_neumann_entropy

__all__ = [
    "BALANCE_COLUMNS",
    "JOINT_AUTO_COLLISIONS",
    "JOINT_AUTO_QUBITS",
    "EntropyBalance",
    "balance_columns",
    "entropy_balance",
]

#: :func:`entropy_balance` adds the joint-state value of Eq. (20) by default while the joint
#: state has at most this many qubits (N + n·m; 10: a 1024-dim state, ~0.1 s; 12 costs
#: seconds, so it is on request).
JOINT_AUTO_QUBITS = 10

#: :data:`JOINT_AUTO_QUBITS` in collisions for the paper's model (2 sites, 2 ancillas per collision).
JOINT_AUTO_COLLISIONS = (JOINT_AUTO_QUBITS - 2) // 2

#: Column order of :meth:`EntropyBalance.columns`: (name, resolved per reservoir as ``<name>_<reservoir>``).
_COLUMNS = (
    ("delta_s", False),
    ("delta_s_re", False),
    ("delta_s_re", True),
    ("production", False),
    ("production_joint", False),
    ("cumulative_heat", True),
    ("delta_energy", False),
    ("exchanged_total", False),
    ("exchanged", True),
    ("heat", True),
    ("work", False),
    ("mutual_information", False),
    ("ancilla_correlation", False),
    ("relative_entropy", True),
    ("entropy_system", False),
)


def _column_items(names: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """(column, quantity, reservoir or None) in file order; ValueError where a reservoir name makes two columns clash."""
    items: list[tuple[str, str, str | None]] = []
    for quantity, per in _COLUMNS:
        items += [(f"{quantity}_{r}", quantity, r) for r in names] if per else [(quantity, quantity, None)]
    cols = [c for c, _, _ in items]
    if len(set(cols)) != len(cols):
        clash = next(c for c in cols if cols.count(c) > 1)
        raise InputValueError(f"reservoir names {names!r} make the balance column {clash!r} ambiguous; rename the reservoir")
    return items


def balance_columns(names: tuple[str, ...]) -> tuple[str, ...]:
    """The per-step arrays of an :class:`EntropyBalance` with reservoirs ``names``, in the order written to files.

    Raises
    ------
    ValueError
        If a reservoir name makes a column name clash with another (e.g. a reservoir ``"total"``:
        ``exchanged_total``).
    """
    return tuple(c for c, _, _ in _column_items(names))


#: The columns of the paper's model (reservoirs "hot" and "cold"), as in the CLI's CSV/JSON files.
BALANCE_COLUMNS = balance_columns(("hot", "cold"))


def _per_reservoir(kind: str, name: str, doc: str) -> property:
    """A property ``<kind>[name]`` for the paper's reservoirs; AttributeError if the system has no such reservoir."""

    def get(self: EntropyBalance) -> NDArray:
        values = getattr(self, kind)
        try:
            return values[name]
        except KeyError:
            raise AttributeError(f"this balance has no reservoir {name!r}; reservoirs: {', '.join(self.names)}") from None

    return property(get, doc=doc)


@dataclass(frozen=True)
class EntropyBalance(CollisionSeries):
    r"""Entropy and heat bookkeeping of Sec. IV after each step k = 1..n (nats, energy units).

    For the paper's model a step is one collision and the reservoirs are ``"hot"`` and
    ``"cold"``; the per-reservoir mappings are then also attributes ``<name>_hot``,
    ``<name>_cold`` (and in :data:`BALANCE_COLUMNS`).

    Attributes
    ----------
    model : CollisionModel or CollisionNetwork
    engine : str
        The registered engine the states came from.
    initial_state : ndarray (d, d)
        :math:`\rho^S_0`.
    entropy_initial : float
        :math:`S(\rho^S_0)`.
    entropy_system : ndarray (n,)
        :math:`S(\rho^S_k)` (von Neumann, nats).
    delta_s : ndarray (n,)
        :math:`\Delta S = S(\rho^S_k) - S(\rho^S_0)` (Eq. 16, left-hand side), cumulative.
    delta_s_re : ndarray (n,)
        :math:`\Delta S_{re} = \sum_{j\le k}\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]` (Eq. 17),
        from the joint state of each step's ancillas; ``-inf`` if the support condition fails
        (pure ancillas, p = 1). Equals :math:`\sum_r` ``delta_s_re_parts[r]``.
    production : ndarray (n,)
        :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}`, which equals
        :math:`D[\rho^{tot}_k\|\rho^S_k\otimes\bigotimes_j\eta_j]` (Eq. 20) exactly;
        non-negative and non-decreasing; ``+inf`` where :math:`\Delta S_{re} = -\infty`.
    production_joint : ndarray (n,) or None
        Eq. (20) evaluated directly on the joint state of system and all ancillas
        (:func:`joint_relative_entropy`); by default computed while that state has at most
        :data:`JOINT_AUTO_QUBITS` qubits (n <= :data:`JOINT_AUTO_COLLISIONS` for the paper).
    delta_energy : ndarray (n,)
        :math:`\Delta E_S(k) = \mathrm{Tr}[H_S(\rho^S_k-\rho^S_0)]` (:math:`\sum_j\Delta Q^S_j`
        of Eq. 19 when no work is done), cumulative.
    currents : mapping name -> ndarray (n,)
        Per-step heat current :math:`J_r(k)` (Eqs. 10–11; positive = into reservoir r); also
        ``heat_hot``, ``heat_cold``. Cumulative: :attr:`cumulative_heat`.
    work : ndarray (n,)
        Per-step work :math:`W(k)` of the gates (0 for energy-conserving gates); first law:
        :math:`\Delta E_S(k) - \Delta E_S(k-1) + \sum_r J_r(k) = W(k)` (:attr:`energy_balance`).
    exchanged : mapping name -> ndarray (n,)
        Per-step :math:`\sum_{c\in r}\mathrm{Tr}[(\tilde\eta_c-\eta_r)\ln\eta_r]` of reservoir r's
        ancillas in step k (the terms of Eqs. 22, 25); also ``exchanged_hot``, ``exchanged_cold``.
        Cumulative: :attr:`delta_s_re_parts` (``delta_s_re_hot`` = :math:`\Delta S_{re1}`).
    exchanged_total : ndarray (n,)
        Per-step :math:`\mathrm{Tr}[(\tilde\eta_A-\eta_A)\ln\eta_A]` of the step's ancillas
        jointly (the term of Eq. 17); equals :math:`\sum_r` ``exchanged[r]``.
    mutual_information : ndarray (n,)
        Per-step :math:`I(S{:}A_k)`: mutual information between the system and the step's
        ancillas right after step k.
    ancilla_correlation : ndarray (n,)
        Per-step total correlation :math:`\sum_c S(\tilde\eta_c) - S(\tilde\eta_A)` among the
        step's ancillas (0 for one collision per step).
    relative_entropy : mapping name -> ndarray (n,)
        Per-step :math:`\sum_{c\in r}D[\tilde\eta_c\|\eta_r]`: how far reservoir r's ancillas
        were pushed from their fresh state; also ``relative_entropy_hot``, ``relative_entropy_cold``.

    Notes
    -----
    Per step, the entropy production splits into information terms
    (:mod:`circuitheat.thermo.collision`): :attr:`production_steps` =
    ``mutual_information + ancilla_correlation + sum_r relative_entropy[r]``.
    The paper's Eqs. (16)–(19) are consistent as printed (derivation in
    :mod:`circuitheat.thermo`): :math:`\Delta S_{re}` enters Eq. (16) with a plus sign and
    equals :math:`-\beta\sum_j\Delta Q^R_j = +\beta\sum_j\Delta Q^S_j` for thermal
    reservoirs at one temperature and energy-conserving gates.
    """

    model: CollisionModel | CollisionNetwork
    engine: str
    initial_state: NDArray = field(repr=False)
    entropy_initial: float
    entropy_system: NDArray = field(repr=False)
    delta_s: NDArray = field(repr=False)
    delta_s_re: NDArray = field(repr=False)
    production: NDArray = field(repr=False)
    delta_energy: NDArray = field(repr=False)
    currents: Mapping[str, NDArray] = field(repr=False)
    work: NDArray = field(repr=False)
    exchanged: Mapping[str, NDArray] = field(repr=False)
    exchanged_total: NDArray = field(repr=False)
    mutual_information: NDArray = field(repr=False)
    ancilla_correlation: NDArray = field(repr=False)
    relative_entropy: Mapping[str, NDArray] = field(repr=False)
    production_joint: NDArray | None = field(default=None, repr=False)

    _series_field: ClassVar[str] = "delta_s"

    def __post_init__(self) -> None:
        self._freeze_arrays()
        for name in ("exchanged", "relative_entropy"):
            frozen = {k: frozen_array(np.asarray(v)) for k, v in getattr(self, name).items()}
            object.__setattr__(self, name, MappingProxyType(frozen))

    @property
    def names(self) -> tuple[str, ...]:
        """Reservoir names, in the network's order."""
        return tuple(self.currents)

    @property
    def cumulative_heat(self) -> dict[str, NDArray]:
        r""":math:`Q_r(k) = \sum_{j\le k}J_r(j)`: energy delivered to reservoir r so far (Eqs. 23, 26)."""
        return {name: np.cumsum(j) for name, j in self.currents.items()}

    @property
    def cumulative_heat_total(self) -> NDArray[np.float64]:
        r""":math:`\sum_r Q_r(k)`: energy delivered to all reservoirs so far (:math:`\sum_j\Delta Q^R_j`, Eqs. 18, 27)."""
        return np.sum([np.cumsum(j) for j in self.currents.values()], axis=0)

    @property
    def cumulative_work(self) -> NDArray[np.float64]:
        r""":math:`\sum_{j\le k}W(j)`."""
        return np.cumsum(self.work)

    @property
    def delta_s_re_parts(self) -> dict[str, NDArray]:
        r""":math:`\Delta S_{re,r}(k) = \sum_{j\le k}` ``exchanged[r]`` (Eqs. 22, 25: :math:`\Delta S_{re1}, \Delta S_{re2}`)."""
        return {name: np.cumsum(x) for name, x in self.exchanged.items()}

    @property
    def clausius(self) -> dict[str, NDArray]:
        r""":math:`-\beta_r Q_r(k)`: what Eqs. (23), (26) say :math:`\Delta S_{re,r}` is for a thermal reservoir.

        :math:`\beta_r` is the effective inverse temperature of the ancilla's diagonal (Eq. 12).
        """
        network = _system_network(self.model)
        betas = {a.reservoir: a.beta for a in _fresh_ancillas(network)}
        out = {}
        for name, q in self.cumulative_heat.items():
            beta = betas.get(name, 0.0)
            with np.errstate(invalid="ignore"):
                out[name] = np.where(q == 0, 0.0, -beta * q)
        return out

    @property
    def energy_balance(self) -> NDArray[np.float64]:
        r"""Per-step first law :math:`\Delta E_S(k)-\Delta E_S(k-1) + \sum_r J_r(k) - W(k)` (zero up to rounding)."""
        return np.diff(np.concatenate([[0.0], self.delta_energy])) + sum(self.currents.values()) - self.work

    @property
    def production_steps(self) -> NDArray[np.float64]:
        r"""Per-step entropy production :math:`\Delta S_{ir}(k)-\Delta S_{ir}(k-1) \ge 0`.

        Computed as :math:`[S(\rho^S_k)-S(\rho^S_{k-1})] - \mathrm{Tr}[(\tilde\eta_A-\eta_A)\ln\eta_A]`
        (``+inf`` where the exchanged term is ``-inf``, never NaN); equals
        :func:`~circuitheat.thermo.collision_entropy_production` of the state before step k, and
        ``mutual_information + ancilla_correlation + sum_r relative_entropy[r]``.
        """
        entropies = np.concatenate([[self.entropy_initial], self.entropy_system])
        return np.diff(entropies) - self.exchanged_total

    heat_hot = _per_reservoir("currents", "hot", r":math:`J_h(k)` per collision (Eq. 10): ``currents['hot']``.")
    heat_cold = _per_reservoir("currents", "cold", r":math:`J_c(k)` per collision (Eq. 11): ``currents['cold']``.")
    cumulative_heat_hot = _per_reservoir("cumulative_heat", "hot", r":math:`\sum_{j\le k}\Delta Q^h_j` (Eq. 23).")
    cumulative_heat_cold = _per_reservoir("cumulative_heat", "cold", r":math:`\sum_{j\le k}\Delta Q^c_j` (Eq. 26).")
    exchanged_hot = _per_reservoir("exchanged", "hot", "Per-collision term of Eq. (22): ``exchanged['hot']``.")
    exchanged_cold = _per_reservoir("exchanged", "cold", "Per-collision term of Eq. (25): ``exchanged['cold']``.")
    delta_s_re_hot = _per_reservoir("delta_s_re_parts", "hot", r":math:`\Delta S_{re1}` (Eq. 22), cumulative.")
    delta_s_re_cold = _per_reservoir("delta_s_re_parts", "cold", r":math:`\Delta S_{re2}` (Eq. 25), cumulative.")
    relative_entropy_hot = _per_reservoir("relative_entropy", "hot", r":math:`D[\tilde\eta^h_k\|\eta^h]` per collision.")
    relative_entropy_cold = _per_reservoir("relative_entropy", "cold", r":math:`D[\tilde\eta^c_k\|\eta^c]` per collision.")
    clausius_hot = _per_reservoir("clausius", "hot", r":math:`-\beta_h Q_h(k)`: Eq. (23)'s form of :math:`\Delta S_{re1}`.")
    clausius_cold = _per_reservoir("clausius", "cold", r":math:`-\beta_c Q_c(k)`: Eq. (26)'s form of :math:`\Delta S_{re2}`.")

    def columns(self) -> dict[str, NDArray]:
        """The per-step arrays by column name (:func:`balance_columns`), ``production_joint`` only when computed."""
        per = {
            "delta_s_re": self.delta_s_re_parts,
            "cumulative_heat": self.cumulative_heat,
            "exchanged": self.exchanged,
            "heat": self.currents,
            "relative_entropy": self.relative_entropy,
        }
        out = {}
        for col, quantity, reservoir in _column_items(self.names):
            value = getattr(self, quantity) if reservoir is None else per[quantity][reservoir]
            if value is not None:
                out[col] = np.asarray(value)
        return out

    def to_dataset(self):
        """The balance as an :class:`xarray.Dataset` over ``collision`` (step k = 1..n), with units in attrs."""
        import xarray as xr

        energy = ("heat", "cumulative_heat", "delta_energy", "work")
        ds = xr.Dataset({k: ("collision", v) for k, v in self.columns().items()}, coords={"collision": self.collisions})
        for name in ds.data_vars:
            ds[name].attrs["units"] = "energy (omega units)" if name.startswith(energy) else "nats"
        ds.attrs.update(engine=self.engine, entropy_initial=self.entropy_initial, **_system_attrs(self.model))
        return ds


def _ancilla_engines() -> str:
    """The registered engines that return the step's ancilla states (option ``ancillas``)."""
    return ", ".join(repr(name) for name, e in ENGINES.items() if "ancillas" in e.options) or "none"


@single_blas_thread
def entropy_balance(
    model: CollisionModel | CollisionNetwork,
    n_collisions: int,
    engine: str = "direct",
    initial_state: str | ArrayLike | None = None,
    *,
    joint: bool | None = None,
    **options,
) -> EntropyBalance:
    r"""Entropy and heat bookkeeping of Sec. IV (Eqs. 16–27) after each of n steps of a model or network.

    The states come from one engine run with ``ancillas=True``: :math:`\Delta S` from the
    system states; :math:`\Delta S_{re}` (Eq. 17) and its part per reservoir (Eqs. 22, 25),
    the heats, the mutual information between system and each step's ancillas and the
    relative entropies per reservoir from the joint state of each step's ancillas; the
    entropy production (Eq. 20) from the exact identity :math:`\Delta S_{ir} = \Delta S -
    \Delta S_{re}` (Eq. 16 generalised to any number of reservoirs and collisions per step;
    derivation in :mod:`circuitheat.thermo`). For small sizes the production is also
    evaluated directly on the joint state (``production_joint``).

    Cost: the engine run plus per-step eigendecompositions of :math:`2^N` and :math:`2^m`
    matrices (1500 collisions of the paper's model in a few tens of ms); the joint-state
    check grows as :math:`4^{N+nm}`.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
    n_collisions : int
        Number of steps (collisions of the paper's model) n >= 1.
    engine : str
        A registered engine that takes the option ``ancillas`` (:data:`circuitheat.engines.ENGINES`):
        ``"direct"`` (exact numpy; the ancilla states from
        :func:`circuitheat.engines.dilation.ancilla_map`) or ``"aer"`` (density matrices
        saved in one Aer circuit run).
    initial_state : str or array_like, optional
        System initial state (see :func:`circuitheat.simulate`); default all sites in the
        ground state (``"11"`` for the paper's model).
    joint : bool or None
        Whether to compute ``production_joint`` with :func:`joint_relative_entropy`
        (cost grows as :math:`4^{N+nm}`; True allows N + n·m <= :data:`~circuitheat.thermo.JOINT_MAX_QUBITS`);
        None: while N + n·m <= :data:`JOINT_AUTO_QUBITS`.
    **options
        Engine options (e.g. ``preparation="purification"`` for ``"aer"``); ``store_states``
        and ``ancillas`` are set here.

    Returns
    -------
    EntropyBalance

    Raises
    ------
    ValueError
        For an engine that cannot return the ancilla states (the message names those that can).

    Warns
    -----
    SupportWarning
        If a pure ancilla (p = 1) leaves its pure state, so :math:`\ln\eta` is needed at
        a zero eigenvalue; the affected entries are ``-inf`` (:math:`\Delta S_{re}`) and
        ``+inf`` (:math:`\Delta S_{ir}`, relative entropies).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> from circuitheat.thermo import entropy_balance
    >>> hot, cold = ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0)
    >>> bal = entropy_balance(ch.CollisionModel(np.pi / 32, np.pi / 4, hot, cold), 100)
    >>> bool(np.all(bal.production >= 0))
    True
    """
    network = _system_network(model)
    n = check_count("n_collisions", n_collisions)
    names = network.reservoir_names
    balance_columns(names)
    sites, d, m = network.sites, network.dim, len(network.collisions)
    # states, ancilla states and their entropies, ~20 arrays per step
    check_memory(f"n_collisions={n}", n * (16 * (2 * d * d + 2 * 4**m) + 8 * (20 + 5 * len(names))))
    if joint is not None and not isinstance(joint, bool):
        raise InputTypeError(f"joint must be True, False or None, got {joint!r}")
    for key in ("store_states", "ancillas"):
        if key in options:
            raise InputTypeError(f"entropy_balance sets the engine option {key!r} itself; do not pass it")
    runner = get_engine(engine, options)
    if "ancillas" not in runner.options:
        raise InputValueError(
            f"engine {engine!r} cannot give the entropy balance: it does not return the states of the step's "
            f"ancillas (option 'ancillas'); engines that do: {_ancilla_engines()}"
        )
    rho0 = system_initial_state(initial_state, sites)
    limit = joint_limit(network)
    if joint and n > limit:
        raise InputValueError(
            f"joint=True needs n_collisions <= {limit} (the joint state of the system and every ancilla so far "
            f"grows as 4^n), got {n}"
        )
    run = runner.run(model, n, rho0, store_states=True, ancillas=True, **options)
    after = np.asarray(run.states, dtype=complex)
    anc = np.asarray(run.ancilla_states, dtype=complex)
    if after.shape != (n, d, d) or anc.shape != (n, 2**m, 2**m):
        raise InputValueError(
            f"engine {runner.name!r} returned states of shape {after.shape} and ancilla states of shape "
            f"{anc.shape}, expected ({n}, {d}, {d}) and ({n}, {2**m}, {2**m})"
        )
    terms = _step_terms(_fresh_ancillas(network), names, anc)
    terms.warn()
    s0 = float(von_neumann_entropy(rho0))
    s = von_neumann_entropy(after)
    e0 = float((rho0.diagonal() @ network.hamiltonian()).real)
    delta_s = s - s0
    delta_s_re = np.cumsum(terms.exchanged_total)
    do_joint = (sites + n * m <= JOINT_AUTO_QUBITS) if joint is None else joint
    return EntropyBalance(
        model=model,
        engine=runner.name,
        initial_state=rho0,
        entropy_initial=s0,
        entropy_system=s,
        delta_s=delta_s,
        delta_s_re=delta_s_re,
        production=delta_s - delta_s_re,
        delta_energy=np.asarray(run.system_energy) - e0,
        currents=terms.currents,
        work=np.asarray(run.work, dtype=float),
        exchanged=terms.exchanged,
        exchanged_total=terms.exchanged_total,
        mutual_information=np.diff(np.concatenate([[s0], s])) + terms.ancilla_entropy - terms.fresh_entropy,
        ancilla_correlation=terms.ancilla_correlation,
        relative_entropy=terms.relative_entropy,
        production_joint=joint_relative_entropy(network, n, rho0) if do_joint else None,
    )
