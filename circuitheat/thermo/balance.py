r"""The entropy and heat balance of Sec. IV (Eqs. 16–27) after each of n collisions.

:func:`entropy_balance` takes :math:`\Delta S` from the system states and
:math:`\Delta S_{re}` (Eq. 17) from the ancilla pair left behind by each collision
(:mod:`.collision`), and gets the entropy production of Eq. (20) from the exact identity
:math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` (Eq. 16, derived in
:mod:`circuitheat.thermo`). For small n it adds the brute-force value of Eq. (20) on the
joint state (:mod:`.joint`). The result is a frozen :class:`EntropyBalance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..model import CollisionModel, check_model
from ..resources import check_memory
from ..states import system_hamiltonian, system_initial_state
from ..trajectory import CollisionSeries
from ..validation import check_choice, check_count
from .collision import _Collision, _collision, _collision_terms, _warn_collision_terms
from .joint import JOINT_MAX_COLLISIONS, joint_relative_entropy
from .logs import von_neumann_entropy

__all__ = ["BALANCE_COLUMNS", "ENTROPY_ENGINES", "JOINT_AUTO_COLLISIONS", "EntropyBalance", "entropy_balance"]

#: The per-collision arrays of an :class:`EntropyBalance`, in the order written to files.
BALANCE_COLUMNS = (
    "delta_s",
    "delta_s_re",
    "delta_s_re_hot",
    "delta_s_re_cold",
    "production",
    "production_joint",
    "heat_hot",
    "heat_cold",
    "heat_system",
    "exchanged_pair",
    "exchanged_hot",
    "exchanged_cold",
    "current_hot",
    "current_cold",
    "entropy_system",
)

#: :func:`entropy_balance` adds the joint-state value of Eq. (20) by default up to this n
#: (n = 4: a 256 x 256 eigenproblem, ~0.1 s; n = 5 costs seconds, so it is on request).
JOINT_AUTO_COLLISIONS = 4

#: Valid ``engine`` names of :func:`entropy_balance`.
ENTROPY_ENGINES = ("direct", "aer")


@dataclass(frozen=True)
class EntropyBalance(CollisionSeries):
    r"""Entropy and heat bookkeeping of Sec. IV after each collision k = 1..n (nats, energy units).

    Cumulative arrays (shape (n,), value after collision k, counted from the start):

    Attributes
    ----------
    model : CollisionModel
    engine : str
        ``"direct"`` or ``"aer"`` (where the states came from).
    initial_state : ndarray (4, 4)
        :math:`\rho^S_0`.
    entropy_initial : float
        :math:`S(\rho^S_0)`.
    entropy_system : ndarray (n,)
        :math:`S(\rho^S_k)` (von Neumann, nats).
    delta_s : ndarray (n,)
        :math:`\Delta S = S(\rho^S_k) - S(\rho^S_0)` (Eq. 16, left-hand side).
    delta_s_re : ndarray (n,)
        :math:`\Delta S_{re} = \sum_{j\le k}\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]`
        from the two-ancilla marginals :math:`\tilde\eta_j` (Eq. 17). ``-inf`` if the
        support condition fails (pure ancillas, p = 1).
    delta_s_re_hot, delta_s_re_cold : ndarray (n,)
        :math:`\Delta S_{re1}` (Eq. 22) and :math:`\Delta S_{re2}` (Eq. 25) from the
        one-ancilla marginals; :math:`\Delta S_{re} = \Delta S_{re1}+\Delta S_{re2}`.
    production : ndarray (n,)
        :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}`, which equals
        :math:`D[\rho^{tot}_k\|\rho^S_k\otimes\bigotimes_j\eta_j]` (Eq. 20) exactly;
        non-negative and non-decreasing; ``+inf`` where :math:`\Delta S_{re} = -\infty`.
    production_joint : ndarray (n,) or None
        Eq. (20) evaluated directly on the joint state of system and all ancillas
        (:func:`joint_relative_entropy`); by default computed when n <= :data:`JOINT_AUTO_COLLISIONS`.
    heat_hot, heat_cold : ndarray (n,)
        :math:`\sum_{j\le k}\Delta Q^h_j` and :math:`\sum_{j\le k}\Delta Q^c_j`: the energy
        gained by each reservoir so far, the sums of Eqs. (23), (26), (27)
        (:math:`\Delta Q^h_j = J_h(j)`, Eqs. 10–11; positive = into the reservoir).
    heat_system : ndarray (n,)
        :math:`\sum_{j\le k}\Delta Q^S_j = \mathrm{Tr}[H_S(\rho^S_k-\rho^S_0)]` (Eq. 19).

    Per-collision arrays (value of collision k alone):

    exchanged_pair, exchanged_hot, exchanged_cold : ndarray (n,)
        :math:`\mathrm{Tr}[(\tilde\eta_k-\eta)\ln\eta]` for the pair, the hot and the cold
        ancilla (the terms of Eqs. 17, 22, 25).
    current_hot, current_cold : ndarray (n,)
        :math:`J_h(k), J_c(k)` (Eqs. 10–11), from the ancilla marginals.

    Notes
    -----
    The paper's Eqs. (16)–(19) are consistent as printed (derivation in
    :mod:`circuitheat.thermo`): :math:`\Delta S_{re}` enters Eq. (16) with a plus sign
    and equals :math:`-\beta\sum_j\Delta Q^R_j = +\beta\sum_j\Delta Q^S_j` for thermal
    reservoirs at one temperature.
    """

    model: CollisionModel
    engine: str
    initial_state: NDArray = field(repr=False)
    entropy_initial: float
    entropy_system: NDArray = field(repr=False)
    delta_s: NDArray = field(repr=False)
    delta_s_re: NDArray = field(repr=False)
    delta_s_re_hot: NDArray = field(repr=False)
    delta_s_re_cold: NDArray = field(repr=False)
    production: NDArray = field(repr=False)
    heat_hot: NDArray = field(repr=False)
    heat_cold: NDArray = field(repr=False)
    heat_system: NDArray = field(repr=False)
    exchanged_pair: NDArray = field(repr=False)
    exchanged_hot: NDArray = field(repr=False)
    exchanged_cold: NDArray = field(repr=False)
    current_hot: NDArray = field(repr=False)
    current_cold: NDArray = field(repr=False)
    production_joint: NDArray | None = field(default=None, repr=False)

    _series_field: ClassVar[str] = "delta_s"

    def __post_init__(self) -> None:
        self._freeze_arrays()

    @property
    def heat_reservoirs(self) -> NDArray[np.float64]:
        r""":math:`\sum_{j\le k}\Delta Q^R_j = \sum_{j\le k}(\Delta Q^h_j+\Delta Q^c_j)` (Eqs. 18, 27)."""
        return self.heat_hot + self.heat_cold

    @property
    def clausius_hot(self) -> NDArray[np.float64]:
        r""":math:`-\beta_h\sum_{j\le k}\Delta Q^h_j`: what Eq. (23) says :math:`\Delta S_{re1}` is (thermal :math:`R^h`)."""
        return -self.model.hot.beta * self.heat_hot

    @property
    def clausius_cold(self) -> NDArray[np.float64]:
        r""":math:`-\beta_c\sum_{j\le k}\Delta Q^c_j`: what Eq. (26) says :math:`\Delta S_{re2}` is (thermal :math:`R^c`)."""
        return -self.model.cold.beta * self.heat_cold

    @property
    def production_steps(self) -> NDArray[np.float64]:
        r"""Per-collision entropy production :math:`\Delta S_{ir}(k)-\Delta S_{ir}(k-1) \ge 0`.

        Computed as :math:`[S(\rho^S_k)-S(\rho^S_{k-1})] - \mathrm{Tr}[(\tilde\eta_k-\eta)\ln\eta]`
        (``+inf`` where the exchanged term is ``-inf``, never NaN); equals
        :func:`~circuitheat.thermo.collision_entropy_production` of the state before collision k.
        """
        entropies = np.concatenate([[self.entropy_initial], self.entropy_system])
        return np.diff(entropies) - self.exchanged_pair

    def to_dataset(self):
        """The balance as an :class:`xarray.Dataset` over ``collision`` (k = 1..n), with units in attrs."""
        import xarray as xr

        names = [name for name in BALANCE_COLUMNS if name != "production_joint"]
        data = {name: ("collision", np.asarray(getattr(self, name))) for name in names}
        if self.production_joint is not None:
            data["production_joint"] = ("collision", np.asarray(self.production_joint))
        ds = xr.Dataset(data, coords={"collision": self.collisions})
        for name in ds.data_vars:
            ds[name].attrs["units"] = "energy (omega units)" if ("heat" in name or "current" in name) else "nats"
        ds.attrs.update(
            engine=self.engine,
            entropy_initial=self.entropy_initial,
            gamma=self.model.gamma,
            delta=self.model.delta,
            t_hot=self.model.hot.temperature,
            t_cold=self.model.cold.temperature,
            coherence_hot=self.model.hot.coherence,
            coherence_cold=self.model.cold.coherence,
            phase_hot=self.model.hot.phase,
            phase_cold=self.model.cold.phase,
            omega=self.model.omega,
        )
        return ds


def _direct_states(collision: _Collision, model: CollisionModel, n: int, rho0: NDArray) -> tuple[NDArray, NDArray]:
    """System states after each collision (direct engine) and the ancilla pairs after each collision."""
    from ..engines import simulate

    traj = simulate(model, n, engine="direct", initial_state=rho0)
    after = np.asarray(traj.system_states)
    before = np.concatenate([rho0[None], after[:-1]])
    pairs = (before.reshape(n, 16) @ collision.pair_map.T).reshape(n, 4, 4)
    return after, pairs


def _aer_states(model: CollisionModel, n: int, initial_state: str | ArrayLike, preparation: str) -> tuple[NDArray, NDArray]:
    """System states and ancilla pairs after each collision from the Aer circuit engine."""
    try:
        from ..engines.aer import run_collision_circuit
    except ImportError as exc:  # the circuit engine is optional at import time
        raise ValueError(
            f"engine 'aer' needs circuitheat.engines.aer.run_collision_circuit, which cannot be imported ({exc})"
        ) from None
    result = run_collision_circuit(
        model, n, preparation=preparation, initial_state=initial_state, save=("system", "ancilla_pair")
    )
    system = np.asarray(result["system"], dtype=complex)
    pairs = np.asarray(result["ancilla_pair"], dtype=complex)
    for name, arr in (("system", system), ("ancilla_pair", pairs)):
        if arr.shape != (n, 4, 4):
            raise ValueError(f"run_collision_circuit returned {name!r} of shape {arr.shape}, expected ({n}, 4, 4)")
    return system, pairs


def entropy_balance(
    model: CollisionModel,
    n_collisions: int,
    engine: str = "direct",
    initial_state: str | ArrayLike = "11",
    *,
    joint: bool | None = None,
    preparation: str | None = None,
) -> EntropyBalance:
    r"""Entropy and heat bookkeeping of Sec. IV (Eqs. 16–27) after each of n collisions.

    :math:`\Delta S` comes from the system states, :math:`\Delta S_{re}` (Eq. 17) from
    the :math:`(R^h_j, R^c_j)` marginal after each collision j, :math:`\Delta S_{re1}`,
    :math:`\Delta S_{re2}` (Eqs. 22, 25) from the one-ancilla marginals, and the entropy
    production (Eq. 20) from the exact identity :math:`\Delta S_{ir} = \Delta S -
    \Delta S_{re}` (Eq. 16; derivation in :mod:`circuitheat.thermo`). For small n the
    production is also evaluated directly on the joint state (``production_joint``).

    Cost: O(n) small matrix products plus 4×4 eigendecompositions (1500 collisions in a
    few tens of ms); the joint-state check grows as 4^n.

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        Number of collisions n >= 1.
    engine : {"direct", "aer"}
        ``"direct"``: system states from the direct engine, ancilla pairs from the exact
        16×16 map :func:`~circuitheat.thermo.ancilla_pair_map` applied to the state before each collision.
        ``"aer"``: both read from density matrices saved in one Aer circuit run
        (:func:`circuitheat.engines.aer.run_collision_circuit`).
    initial_state : str or array_like
        System initial state (see :func:`circuitheat.simulate`); default ``"11"``.
    joint : bool or None
        Whether to compute ``production_joint`` with :func:`joint_relative_entropy`
        (cost grows as 4^n; True allows n <= :data:`JOINT_MAX_COLLISIONS`); None: when
        n <= :data:`JOINT_AUTO_COLLISIONS`.
    preparation : {"channel", "purification"}, optional
        Ancilla preparation of the Aer circuits (``engine="aer"`` only; default
        ``"channel"``).

    Returns
    -------
    EntropyBalance

    Warns
    -----
    SupportWarning
        If a pure ancilla (p = 1) leaves its pure state, so :math:`\ln\eta` is needed at
        a zero eigenvalue; the affected entries are ``-inf`` (:math:`\Delta S_{re}`) and
        ``+inf`` (:math:`\Delta S_{ir}`).

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> from circuitheat.thermo import entropy_balance
    >>> hot, cold = ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0)
    >>> bal = entropy_balance(ch.CollisionModel(np.pi / 32, np.pi / 4, hot, cold), 100)
    >>> bool(np.all(bal.production >= 0))
    True
    """
    check_model(model)
    n = check_count("n_collisions", n_collisions)
    check_memory(f"n_collisions={n}", n * 4096)  # states, pair marginals and ~20 arrays per collision
    engine = check_choice("engine", engine, ENTROPY_ENGINES)
    if joint is not None and not isinstance(joint, bool):
        raise TypeError(f"joint must be True, False or None, got {joint!r}")
    rho0 = system_initial_state(initial_state)
    if joint and n > JOINT_MAX_COLLISIONS:
        raise ValueError(f"joint=True needs n_collisions <= {JOINT_MAX_COLLISIONS} (the joint state grows as 4^n), got {n}")
    if engine == "direct" and preparation is not None:
        raise ValueError(f"preparation applies to engine 'aer' only, got preparation={preparation!r} with engine 'direct'")
    collision = _collision(model)
    if engine == "direct":
        after, pairs = _direct_states(collision, model, n, rho0)
    else:
        after, pairs = _aer_states(model, n, initial_state, "channel" if preparation is None else preparation)
    terms = _collision_terms(collision, pairs)
    _warn_collision_terms(terms.diverged_pair, terms.diverged_hot, terms.diverged_cold)
    s0 = float(von_neumann_entropy(rho0))
    s = von_neumann_entropy(after)
    h_s = system_hamiltonian(model.omega)
    e0 = float(np.trace(rho0 @ h_s).real)
    energies = np.einsum("nij,ji->n", after, h_s).real
    delta_s = s - s0
    delta_s_re = np.cumsum(terms.exchanged_pair)
    production = delta_s - delta_s_re
    do_joint = n <= JOINT_AUTO_COLLISIONS if joint is None else joint
    production_joint = joint_relative_entropy(model, n, rho0) if do_joint else None
    return EntropyBalance(
        model=model,
        engine=engine,
        initial_state=rho0,
        entropy_initial=s0,
        entropy_system=s,
        delta_s=delta_s,
        delta_s_re=delta_s_re,
        delta_s_re_hot=np.cumsum(terms.exchanged_hot),
        delta_s_re_cold=np.cumsum(terms.exchanged_cold),
        production=production,
        heat_hot=np.cumsum(terms.current_hot),
        heat_cold=np.cumsum(terms.current_cold),
        heat_system=energies - e0,
        exchanged_pair=terms.exchanged_pair,
        exchanged_hot=terms.exchanged_hot,
        exchanged_cold=terms.exchanged_cold,
        current_hot=terms.current_hot,
        current_cold=terms.current_cold,
        production_joint=production_joint,
    )
