r"""Transpilation of the device protocol for any ``BackendV2``: layout, timing, coherence budget.

How the circuit is built for a device
-------------------------------------
The six protocol qubits interact along a line,

.. code-block:: text

    p_h ── r_h ── s_a ── s_b ── r_c ── p_c

(purification of :math:`R^h`, :math:`U(\gamma)` on :math:`(S_A,R^h)`, :math:`V(\delta)`
on :math:`(S_A,S_B)`, :math:`U(\gamma)` on :math:`(S_B,R^c)`, purification of
:math:`R^c`), so a chain of six connected physical qubits carries the protocol with no
SWAP at all. :func:`choose_layout` enumerates every such chain of the coupling graph
(both orientations) and keeps the one with the smallest estimated error per collision
(:class:`LayoutChoice`): two-qubit gate errors weighted by how many gates each pair
needs, the readout errors of the two measured ancillas, single-qubit gate errors, and
the decoherence :math:`\tau(1/T_1 + 1/T_2)` of the two system qubits over one
collision of duration :math:`\tau`.

One collision block (:func:`~circuitheat.hardware.protocol.hardware_block`) is
transpiled **once** on that layout, scheduled "as late as possible" (so idle periods,
mainly the system qubits waiting during the ancillas' mid-circuit measurement and reset,
become explicit ``delay`` instructions that device-noise simulation turns into
relaxation), and appended ``n`` times. Every collision is therefore the same physical
instruction sequence with the same duration, which is what makes the 16×16 noisy map
of :mod:`circuitheat.hardware.noise_map` exact. Delays on qubits the protocol never
uses are removed, so simulators only see the six active qubits.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit import transpile as qiskit_transpile
from qiskit.circuit import QuantumCircuit
from qiskit.providers import BackendV2
from qiskit.transpiler import CouplingMap, Target, generate_preset_pass_manager

from ..circuits import COLD, COLD_PARTNER, HOT, HOT_PARTNER, QUBIT_ROLES, SYSTEM_A, SYSTEM_B
from ..model import CollisionModel, check_model
from ..network.spec import CollisionNetwork
from ..states import STATE_TOLERANCE, system_initial_state
from ..validation import InputValueError, check_count
from .protocol import (
    DEFAULT_ENCODING,
    NUM_PROTOCOL_QUBITS,
    assemble_protocol,
    check_encoding,
    hardware_block,
    hardware_prefix,
)
from .readout import readout_errors

__all__ = [
    "CHAIN",
    "DEFAULT_OPTIMIZATION_LEVEL",
    "DEFAULT_SEED_TRANSPILER",
    "LayoutChoice",
    "TranspiledProtocol",
    "block_gate_counts",
    "choose_layout",
    "dephasing_inconsistent_qubits",
    "fake_backend_names",
    "resolve_backend",
    "scheduled_pass_manager",
    "strip_idle_delays",
    "transpile_protocol",
]

#: Protocol roles along the chain of physical qubits (one end to the other).
CHAIN = (HOT_PARTNER, HOT, SYSTEM_A, SYSTEM_B, COLD, COLD_PARTNER)
#: Preset optimisation level. Level 2 re-synthesises each partial swap into 3 native
#: two-qubit gates (11 per collision with the two one-CNOT preparations; level 3 gives the same on
#: fake_torino), level 1 keeps RXX, RYY, RZZ as 2 each (22 per collision).
DEFAULT_OPTIMIZATION_LEVEL = 2
#: Seed of the transpiler's stochastic passes, so the same input gives the same circuit.
DEFAULT_SEED_TRANSPILER = 1234

_NON_GATES = frozenset({"delay", "barrier", "measure", "reset"})


# --------------------------------------------------------------------------- backends


def _camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@functools.cache
def _fake_classes() -> dict[str, type]:
    try:
        from qiskit_ibm_runtime import fake_provider
    except ImportError:
        raise ImportError("fake backends by name need qiskit-ibm-runtime: pip install 'circuitheat[hardware]'") from None

    out = {}
    for attr in dir(fake_provider):
        if not attr.startswith("Fake") or attr.startswith("FakeProvider"):
            continue
        cls = getattr(fake_provider, attr)
        if isinstance(cls, type) and issubclass(cls, BackendV2):
            key = _camel_to_snake(attr.removesuffix("V2").removesuffix("Backend"))
            out.setdefault(key, cls)
    return out


def fake_backend_names() -> list[str]:
    """Names accepted by :func:`resolve_backend`: the fake backends of ``qiskit_ibm_runtime.fake_provider``."""
    return sorted(_fake_classes())


@functools.cache
def _fake_backend(name: str) -> BackendV2:
    return _fake_classes()[name]()


def resolve_backend(backend: str | BackendV2) -> BackendV2:
    """A ``BackendV2`` from a fake-backend name (``"fake_torino"``, ``"torino"``, ``"FakeTorino"``) or a backend.

    Fake backends are built once per process and shared (their noise models are cached
    by :mod:`circuitheat.hardware.sampling`).

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    TypeError
        For anything that is neither a string nor a ``BackendV2``.
    """
    if isinstance(backend, BackendV2):
        return backend
    if not isinstance(backend, str):
        raise TypeError(f"backend must be a fake-backend name or a BackendV2, got {backend!r} of type {type(backend).__name__}")
    key = backend.strip()
    if key[:1].isupper():
        key = _camel_to_snake(key.removesuffix("V2"))
    key = key.lower()
    if not key.startswith("fake_"):
        key = "fake_" + key
    if key not in _fake_classes():
        raise ValueError(f"unknown backend {backend!r}; valid names: {', '.join(fake_backend_names())}")
    return _fake_backend(key)


def _target_of(backend: BackendV2 | None, coupling_map, basis_gates) -> Target:
    if backend is not None:
        if coupling_map is not None or basis_gates is not None:
            raise ValueError("give either backend or (coupling_map, basis_gates), not both")
        return backend.target
    if coupling_map is None or basis_gates is None:
        raise ValueError("backend is None: coupling_map and basis_gates are both required")
    cmap = coupling_map if isinstance(coupling_map, CouplingMap) else CouplingMap(coupling_map)
    basis = list(dict.fromkeys([*basis_gates, "measure", "reset", "delay"]))
    return Target.from_configuration(basis_gates=basis, num_qubits=cmap.size(), coupling_map=cmap)


def _two_qubit_ops(target: Target) -> list[str]:
    return [name for name in target.operation_names if target.operation_from_name(name).num_qubits == 2 and name != "barrier"]


def _prop(target: Target, name: str, qargs: tuple[int, ...]):
    props = target.get(name)
    if props is None:
        return None
    return props.get(qargs)


def _error(target: Target, name: str, qargs: tuple[int, ...]) -> float:
    prop = _prop(target, name, qargs)
    return 0.0 if prop is None or prop.error is None else float(prop.error)


def _duration(target: Target, name: str, qargs: tuple[int, ...]) -> float:
    prop = _prop(target, name, qargs)
    return math.nan if prop is None or prop.duration is None else float(prop.duration)


def _edge_error(target: Target, a: int, b: int) -> float | None:
    """Smallest error of a native 2-qubit gate on (a, b) in either direction; None if there is none."""
    best = None
    for name in _two_qubit_ops(target):
        props = target.get(name) or {}
        for qargs in ((a, b), (b, a)):
            if qargs in props:
                err = _error(target, name, qargs)
                best = err if best is None else min(best, err)
    return best


# --------------------------------------------------------------------------- layout


def dephasing_inconsistent_qubits(target: Target) -> frozenset[int]:
    r"""Qubits whose reported :math:`T_2` exceeds :math:`2T_1`.

    Physically :math:`1/T_2 = 1/(2T_1) + 1/T_\phi \ge 1/(2T_1)`, so such a calibration has
    no relaxation channel. Aer caps :math:`T_2` at :math:`2T_1` in ``NoiseModel.from_backend``,
    but the fake backends' own simulator (``FakeBackendV2.run``, used by
    ``qiskit_ibm_runtime.SamplerV2`` in local testing mode) builds the relaxation of
    ``delay`` instructions from the raw numbers and raises ``NoiseError: T_2 greater than
    2*T_1`` on the first scheduled delay of such a qubit (fake_torino's qubit 65:
    :math:`T_1` = 104.5 µs, :math:`T_2` = 210.7 µs). :func:`choose_layout` avoids them.
    """
    props = target.qubit_properties
    if not props:
        return frozenset()
    out = set()
    for q, qp in enumerate(props):
        t1, t2 = getattr(qp, "t1", None), getattr(qp, "t2", None)
        if t1 is not None and t2 is not None and t2 > 2.0 * t1:
            out.add(q)
    return frozenset(out)


@dataclass(frozen=True)
class LayoutChoice:
    r"""The chain of physical qubits chosen for the protocol, and why.

    Attributes
    ----------
    physical_qubits : tuple of int
        Physical qubit of each protocol role, in the order of
        :data:`~circuitheat.circuits.QUBIT_ROLES` (``S_A, S_B, R^h, R^c``, partners).
    cost : float
        Estimated error per collision (dimensionless, smaller is better): the sum of
        ``cost_terms``.
    cost_terms : dict
        ``"two_qubit"`` (:math:`\sum_{\rm pairs} n_{\rm pair}\,\epsilon_{2q}`),
        ``"readout"`` (readout errors of ``r_h`` and ``r_c``), ``"single_qubit"``,
        ``"decoherence"`` (:math:`\tau(1/T_1+1/T_2)` summed over ``s_a``, ``s_b``).
    candidates : int
        Number of oriented chains that were compared (chains through a qubit of
        :func:`dephasing_inconsistent_qubits` are not candidates).
    """

    physical_qubits: tuple[int, ...]
    cost: float
    cost_terms: dict = field(default_factory=dict)
    candidates: int = 0


def _chains(target: Target, length: int) -> list[tuple[int, ...]]:
    """Every oriented simple path of ``length`` qubits over edges that carry a native 2-qubit gate."""
    adjacency: dict[int, set[int]] = {q: set() for q in range(target.num_qubits)}
    for name in _two_qubit_ops(target):
        for qargs in target.get(name) or {}:
            if qargs is None or len(qargs) != 2:
                continue
            a, b = qargs
            adjacency[a].add(b)
            adjacency[b].add(a)
    out: list[tuple[int, ...]] = []

    def extend(path: list[int]) -> None:
        if len(path) == length:
            out.append(tuple(path))
            return
        for nxt in sorted(adjacency[path[-1]]):
            if nxt not in path:
                path.append(nxt)
                extend(path)
                path.pop()

    for start in range(target.num_qubits):
        extend([start])
    return out


def _gate_counts(model: CollisionModel, target: Target, encoding: str, optimization_level: int) -> tuple[dict, dict]:
    """Per logical pair, the number of native 2-qubit gates of one collision; per logical qubit, 1-qubit gates."""
    return block_gate_counts(hardware_block(model, encoding=encoding), target, optimization_level)


def block_gate_counts(block: QuantumCircuit, target: Target, optimization_level: int) -> tuple[dict, dict]:
    """Native gate counts of ``block`` transpiled to ``target``'s basis with all-to-all coupling.

    Returns ``(pairs, singles)``: per sorted pair of logical qubits, the number of
    native two-qubit gates; per logical qubit, the number of single-qubit gates other
    than the virtual ``rz``.
    """
    basis = [
        n
        for n in target.operation_names
        if n not in ("delay", "barrier") and not n.startswith(("if_", "for_", "while_", "switch_"))
    ]
    block = qiskit_transpile(
        block,
        basis_gates=basis,
        optimization_level=optimization_level,
        seed_transpiler=DEFAULT_SEED_TRANSPILER,
    )
    pairs: dict[tuple[int, int], int] = {}
    singles: dict[int, int] = {}
    for inst in block.data:
        if inst.operation.name in _NON_GATES:
            continue
        idx = tuple(sorted(block.find_bit(q).index for q in inst.qubits))
        if len(idx) == 2:
            pairs[idx] = pairs.get(idx, 0) + 1
        elif len(idx) == 1 and inst.operation.name != "rz":  # rz is virtual (zero duration, no error)
            singles[idx[0]] = singles.get(idx[0], 0) + 1
    return pairs, singles


def _collision_time(target: Target, phys: dict[int, int]) -> float:
    """Rough duration of one collision on these qubits: measure + reset of an ancilla + 5 two-qubit gates (s)."""
    anc = (phys[HOT], phys[COLD])
    meas = max(_duration(target, "measure", (q,)) for q in anc)
    reset = max(_duration(target, "reset", (q,)) for q in anc)
    gate = np.nan
    for name in _two_qubit_ops(target):
        for qargs in ((phys[SYSTEM_A], phys[SYSTEM_B]), (phys[SYSTEM_B], phys[SYSTEM_A])):
            d = _duration(target, name, qargs)
            if not math.isnan(d):
                gate = d
    total = meas + reset + 5 * gate
    return 0.0 if math.isnan(total) else total


def _layout_cost(target: Target, chain: tuple[int, ...], pairs: dict, singles: dict) -> tuple[float, dict] | None:
    phys = dict(zip(CHAIN, chain, strict=True))
    two = 0.0
    for (i, j), count in pairs.items():
        err = _edge_error(target, phys[i], phys[j])
        if err is None:
            return None
        two += count * err
    readout = sum(sum(readout_errors(target, phys[r])) / 2 for r in (HOT, COLD))
    single = 0.0
    for role, count in singles.items():
        single += count * min(
            (_error(target, n, (phys[role],)) for n in ("sx", "x") if _prop(target, n, (phys[role],))), default=0.0
        )
    tau = _collision_time(target, phys)
    deco = 0.0
    props = target.qubit_properties
    for role in (SYSTEM_A, SYSTEM_B):
        qp = props[phys[role]] if props else None
        for t in (getattr(qp, "t1", None), getattr(qp, "t2", None)):
            if t:
                deco += tau / t
    terms = {"two_qubit": two, "readout": readout, "single_qubit": single, "decoherence": deco}
    return float(sum(terms.values())), terms


def choose_layout(
    target: Target,
    model: CollisionModel,
    *,
    encoding: str = DEFAULT_ENCODING,
    optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL,
) -> LayoutChoice:
    """The chain of six connected physical qubits with the smallest estimated error per collision.

    See the module docstring and :class:`LayoutChoice` for the cost. Ties are broken by
    the chain's qubit indices (deterministic). Qubits whose calibration has
    :math:`T_2 > 2T_1` are never used (:func:`dephasing_inconsistent_qubits`).

    Raises
    ------
    ValueError
        If the coupling graph has no chain of six connected qubits.
    """
    pairs, singles = _gate_counts(model, target, check_encoding(encoding), optimization_level)
    best: tuple[float, tuple[int, ...], dict] | None = None
    excluded = dephasing_inconsistent_qubits(target)
    chains = [c for c in _chains(target, NUM_PROTOCOL_QUBITS) if excluded.isdisjoint(c)]
    for chain in chains:
        scored = _layout_cost(target, chain, pairs, singles)
        if scored is None:
            continue
        cost, terms = scored
        if best is None or (cost, chain) < (best[0], best[1]):
            best = (cost, chain, terms)
    if best is None:
        raise ValueError(
            f"the device has no chain of {NUM_PROTOCOL_QUBITS} connected qubits (p_h-r_h-s_a-s_b-r_c-p_c) "
            f"without a qubit of T2 > 2 T1; it has {target.num_qubits} qubits"
        )
    phys = dict(zip(CHAIN, best[1], strict=True))
    return LayoutChoice(
        physical_qubits=tuple(phys[i] for i in range(NUM_PROTOCOL_QUBITS)),
        cost=best[0],
        cost_terms=best[2],
        candidates=len(chains),
    )


def _check_layout(target: Target, layout: Sequence[int]) -> tuple[int, ...]:
    qubits = tuple(int(q) for q in layout)
    if len(qubits) != NUM_PROTOCOL_QUBITS or len(set(qubits)) != NUM_PROTOCOL_QUBITS:
        raise ValueError(
            f"layout must be {NUM_PROTOCOL_QUBITS} distinct physical qubits (s_a, s_b, r_h, r_c, p_h, p_c), got {layout!r}"
        )
    if any(not 0 <= q < target.num_qubits for q in qubits):
        raise ValueError(f"layout qubits must be in [0, {target.num_qubits}), got {layout!r}")
    for i, j in itertools.pairwise(CHAIN):
        if _edge_error(target, qubits[i], qubits[j]) is None:
            raise ValueError(
                f"layout {layout!r} does not connect {QUBIT_ROLES[i]} (qubit {qubits[i]}) and {QUBIT_ROLES[j]} "
                f"(qubit {qubits[j]}) by a native two-qubit gate; the roles must form the chain p_h-r_h-s_a-s_b-r_c-p_c"
            )
    return qubits


# --------------------------------------------------------------------------- transpiling


def strip_idle_delays(circuit: QuantumCircuit) -> QuantumCircuit:
    """Drop the ``delay`` instructions on qubits that do nothing else.

    Scheduling pads every qubit of the device with delays; a simulator would then count
    all of them as active (and Aer would simulate, e.g., 133 qubits). The result keeps
    every instruction of the active qubits, so their timing is unchanged.
    """
    active = {q for inst in circuit.data if inst.operation.name not in ("delay", "barrier") for q in inst.qubits}
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name == "delay" and not set(inst.qubits) <= active:
            continue
        out._append(inst)
    return out


def _nan_if_missing(circuit: QuantumCircuit, target: Target) -> float:
    if not circuit.data:
        return 0.0
    try:
        return float(circuit.estimate_duration(target, unit="s"))
    except Exception:
        return math.nan


def _is_gate(inst) -> bool:
    return inst.operation.name not in ("delay", "barrier")


def _block_costs(
    block: QuantumCircuit, prefix: QuantumCircuit, target: Target, has_durations: bool
) -> tuple[int, int, float, float]:
    """Cost of one transpiled collision (or network step) ``block`` and of the initial-state ``prefix``.

    Shared by :func:`transpile_protocol` and
    :func:`~circuitheat.hardware.network_transpile.transpile_network_protocol`.

    Returns
    -------
    (two_qubit_gates, depth, block_duration, prefix_duration)
        Native two-qubit gates and depth of ``block`` (delays and barriers not counted);
        durations in seconds from the target's instruction durations (NaN when
        ``has_durations`` is false or a duration is missing).
    """
    two_qubit_gates = sum(1 for inst in block.data if _is_gate(inst) and inst.operation.num_qubits == 2)
    depth = block.depth(filter_function=_is_gate)
    block_duration = _nan_if_missing(block, target) if has_durations else math.nan
    prefix_duration = _nan_if_missing(prefix, target) if has_durations else math.nan
    return two_qubit_gates, depth, block_duration, prefix_duration


@dataclass(frozen=True)
class TranspiledProtocol:
    r"""The device protocol transpiled for one backend, with its timing and coherence budget.

    Attributes
    ----------
    circuit : QuantumCircuit
        The full ISA circuit (device width): initial state, then ``n_collisions`` copies
        of ``block``, outcomes of collision k in bit k-1 of registers ``hot``/``cold``.
        Ready for a ``SamplerV2``.
    block, prefix : QuantumCircuit
        One transpiled collision (1-bit registers ``hot``, ``cold``) and the transpiled
        initial-state preparation.
    backend_name : str
    physical_qubits : tuple of int
        Physical qubit of each role, order of :data:`~circuitheat.circuits.QUBIT_ROLES`.
    layout : LayoutChoice or None
        The automatic choice (None when the layout was given).
    n_collisions : int
    encoding, initial_state : str
    scheduled : bool
        Whether idle times are explicit delays (ALAP scheduling).
    two_qubit_gates : int
        Native two-qubit gates per collision.
    depth : int
        Depth of one collision, delays and barriers not counted.
    collision_duration, prefix_duration, total_duration : float
        Seconds (NaN if the target has no durations). ``total = prefix + n * collision``.
    t1, t2 : tuple of float
        :math:`T_1, T_2` (s) of each role's physical qubit (NaN if unknown).
    model : CollisionModel
    initial_density : ndarray (4, 4)
        The system's initial state the prefix prepares (package basis, model labels):
        :func:`~circuitheat.states.system_initial_state` of ``initial_state``.
    """

    circuit: QuantumCircuit = field(repr=False)
    block: QuantumCircuit = field(repr=False)
    prefix: QuantumCircuit = field(repr=False)
    backend_name: str
    physical_qubits: tuple[int, ...]
    layout: LayoutChoice | None
    n_collisions: int
    encoding: str
    initial_state: str
    scheduled: bool
    two_qubit_gates: int
    depth: int
    collision_duration: float
    prefix_duration: float
    total_duration: float
    t1: tuple[float, ...]
    t2: tuple[float, ...]
    model: CollisionModel = field(repr=False)
    initial_density: NDArray | None = field(default=None, repr=False)

    def matches(
        self, model: CollisionModel, n_collisions: int, encoding: str, initial_state: str | ArrayLike = "11"
    ) -> str | None:
        """None if this protocol is the one for these arguments, else a sentence saying what differs."""
        if self.model != model:
            return f"transpiled was built for another model ({self.model!r})"
        if self.n_collisions != n_collisions:
            return f"transpiled has n_collisions = {self.n_collisions}, not {n_collisions}"
        if self.encoding != encoding:
            return f"transpiled has encoding {self.encoding!r}, not {encoding!r}"
        wanted = system_initial_state(initial_state)
        if self.initial_density is None or not np.allclose(self.initial_density, wanted, rtol=0, atol=STATE_TOLERANCE):
            shown = initial_state if isinstance(initial_state, str) else "the given vector"
            return f"transpiled prepares initial_state {self.initial_state!r}, not {shown!r}"
        return None

    @property
    def system_coherence_time(self) -> float:
        """:math:`\\min(T_1, T_2)` over the two system qubits (s)."""
        return float(np.nanmin([self.t1[SYSTEM_A], self.t1[SYSTEM_B], self.t2[SYSTEM_A], self.t2[SYSTEM_B]]))

    def collision_end_times(self) -> np.ndarray:
        """Time (s) at which collision k = 1..n ends, measured from the start of the circuit."""
        return self.prefix_duration + self.collision_duration * np.arange(1, self.n_collisions + 1)

    def per_collision(self) -> list[dict]:
        """One row per collision k: gates, depth, duration, end time and end time over :math:`T_1`, :math:`T_2`."""
        t1 = min(self.t1[SYSTEM_A], self.t1[SYSTEM_B])
        t2 = min(self.t2[SYSTEM_A], self.t2[SYSTEM_B])
        return [
            {
                "collision": k,
                "two_qubit_gates": self.two_qubit_gates,
                "depth": self.depth,
                "duration_s": self.collision_duration,
                "end_time_s": float(end),
                "end_over_t1": float(end / t1),
                "end_over_t2": float(end / t2),
            }
            for k, end in enumerate(self.collision_end_times(), start=1)
        ]

    def to_dict(self) -> dict:
        """JSON-ready summary (no circuits)."""
        return {
            "backend": self.backend_name,
            "physical_qubits": {QUBIT_ROLES[i]: q for i, q in enumerate(self.physical_qubits)},
            "layout_cost": None if self.layout is None else self.layout.cost,
            "layout_cost_terms": None if self.layout is None else self.layout.cost_terms,
            "n_collisions": self.n_collisions,
            "encoding": self.encoding,
            "initial_state": self.initial_state,
            "scheduled": self.scheduled,
            "two_qubit_gates_per_collision": self.two_qubit_gates,
            "depth_per_collision": self.depth,
            "collision_duration_s": _none_if_nan(self.collision_duration),
            "prefix_duration_s": _none_if_nan(self.prefix_duration),
            "total_duration_s": _none_if_nan(self.total_duration),
            "t1_s": {QUBIT_ROLES[i]: _none_if_nan(t) for i, t in enumerate(self.t1)},
            "t2_s": {QUBIT_ROLES[i]: _none_if_nan(t) for i, t in enumerate(self.t2)},
            "total_over_system_t1": _none_if_nan(self.total_duration / min(self.t1[SYSTEM_A], self.t1[SYSTEM_B])),
            "total_over_system_t2": _none_if_nan(self.total_duration / min(self.t2[SYSTEM_A], self.t2[SYSTEM_B])),
        }

    def report(self) -> str:
        """A human-readable summary: layout, gates, depth and duration per collision, totals against T1 and T2."""
        d = self.to_dict()
        roles = ", ".join(f"{r}={q}" for r, q in d["physical_qubits"].items())
        lines = [
            f"backend            {self.backend_name}",
            f"physical qubits    {roles}",
            f"per collision      {self.two_qubit_gates} two-qubit gates, depth {self.depth}, "
            f"{_us(self.collision_duration)} (scheduled: {self.scheduled})",
            f"total              {self.n_collisions} collisions + initial state = {_us(self.total_duration)}",
        ]
        for i in (SYSTEM_A, SYSTEM_B, HOT, COLD):
            lines.append(
                f"  {QUBIT_ROLES[i]:<9} qubit {self.physical_qubits[i]:>3}: T1 = {_us(self.t1[i])}, T2 = {_us(self.t2[i])}; "
                f"total/T1 = {self.total_duration / self.t1[i]:.3g}, total/T2 = {self.total_duration / self.t2[i]:.3g}"
            )
        if self.layout is not None:
            terms = ", ".join(f"{k} {v:.3g}" for k, v in self.layout.cost_terms.items())
            lines.append(
                f"layout cost        {self.layout.cost:.3g} per collision ({terms}; {self.layout.candidates} chains compared)"
            )
        return "\n".join(lines)


def _none_if_nan(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _us(seconds: float) -> str:
    return "unknown" if not math.isfinite(seconds) else f"{seconds * 1e6:.4g} us"


def _qubit_times(target: Target, qubits: Sequence[int]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    props = target.qubit_properties
    t1, t2 = [], []
    for q in qubits:
        qp = props[q] if props else None
        t1.append(math.nan if getattr(qp, "t1", None) is None else float(qp.t1))
        t2.append(math.nan if getattr(qp, "t2", None) is None else float(qp.t2))
    return tuple(t1), tuple(t2)


def scheduled_pass_manager(
    target: Target,
    device: BackendV2 | None,
    qubits: Sequence[int],
    measured_qubit: int,
    schedule: bool,
    optimization_level: int,
    seed_transpiler: int | None,
):
    """The preset pass manager of a protocol on the layout ``qubits``, and whether it can and does schedule.

    Scheduling (ALAP) happens when asked and the target knows the duration of a measurement
    on ``measured_qubit``; a scheduled layout may not use a qubit of
    :func:`dephasing_inconsistent_qubits` (its delays cannot be simulated:
    qiskit-ibm-runtime's local mode raises ``NoiseError``). Shared by the paper's and the
    networks' protocols.

    Returns
    -------
    (pass_manager, has_durations, scheduled)
    """
    has_durations = not math.isnan(_duration(target, "measure", (measured_qubit,)))
    scheduled = bool(schedule and has_durations)
    if scheduled and (bad := sorted(dephasing_inconsistent_qubits(target).intersection(qubits))):
        t1, t2 = _qubit_times(target, bad[:1])
        raise InputValueError(
            f"layout qubit {bad[0]} reports T2 = {t2[0] * 1e6:.4g} us > 2 T1 = {2 * t1[0] * 1e6:.4g} us: the scheduled "
            "delays on it cannot be simulated (qiskit-ibm-runtime's local mode raises NoiseError); "
            "choose another layout or pass schedule=False"
        )
    kwargs = {"backend": device} if device is not None else {"target": target}
    pm = generate_preset_pass_manager(
        optimization_level=optimization_level,
        initial_layout=list(qubits),
        seed_transpiler=seed_transpiler,
        scheduling_method="alap" if scheduled else None,
        **kwargs,
    )
    return pm, has_durations, scheduled


def transpile_protocol(
    model: CollisionModel | CollisionNetwork,
    n_collisions: int,
    backend: str | BackendV2 | None = None,
    *,
    coupling_map: CouplingMap | Sequence[Sequence[int]] | None = None,
    basis_gates: Sequence[str] | None = None,
    layout: Sequence[int] | None = None,
    initial_state: str | ArrayLike | None = None,
    encoding: str = DEFAULT_ENCODING,
    optimization_level: int = DEFAULT_OPTIMIZATION_LEVEL,
    schedule: bool = True,
    seed_transpiler: int = DEFAULT_SEED_TRANSPILER,
) -> TranspiledProtocol:
    r"""Transpile the device protocol (:func:`~circuitheat.hardware.protocol.hardware_circuit`) for a device.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
        A :class:`~circuitheat.CollisionNetwork` is transpiled on an embedding of its
        coupling graph (:func:`circuitheat.hardware.network_transpile.transpile_network_protocol`,
        returning a ``TranspiledNetworkProtocol``; ``layout`` then has one qubit per circuit qubit).
    n_collisions : int
        Number of collisions n >= 1.
    backend : str or BackendV2, optional
        A fake-backend name (``"fake_torino"``, ``"fake_sherbrooke"``, ...; see
        :func:`fake_backend_names`) or any ``BackendV2`` (a real IBM backend from
        ``QiskitRuntimeService().backend(...)`` included). Omit it to give
        ``coupling_map`` and ``basis_gates`` instead (no error rates or durations: the
        first chain is used, durations are NaN, nothing is scheduled).
    coupling_map, basis_gates : optional
        Device description when ``backend`` is None.
    layout : sequence of 6 int, optional
        Physical qubits of (``s_a, s_b, r_h, r_c, p_h, p_c``); they must form the chain
        ``p_h-r_h-s_a-s_b-r_c-p_c``. Default: :func:`choose_layout`.
    initial_state : str or array_like, optional
        System state (default ``"11"``), see :func:`~circuitheat.hardware.protocol.hardware_prefix`.
    encoding : {"ground_is_0", "excited_is_0"}
    optimization_level : int
        Preset pass-manager level (0-3).
    schedule : bool
        Schedule ALAP so that idle times are explicit delays (their relaxation is then
        part of device-noise simulation). Ignored when the target has no durations.
    seed_transpiler : int

    Returns
    -------
    TranspiledProtocol

    Raises
    ------
    ValueError
        For an invalid layout, a device without a 6-qubit chain, or if routing would
        have to move qubits (never the case on a valid chain).
    """
    if isinstance(model, CollisionNetwork):
        from .network_transpile import transpile_network_protocol

        return transpile_network_protocol(
            model,
            n_collisions,
            backend,
            coupling_map=coupling_map,
            basis_gates=basis_gates,
            layout=layout,
            initial_state=initial_state,
            encoding=encoding,
            optimization_level=optimization_level,
            schedule=schedule,
            seed_transpiler=seed_transpiler,
        )
    check_model(model)
    initial_state = "11" if initial_state is None else initial_state
    n = check_count("n_collisions", n_collisions)
    encoding = check_encoding(encoding)
    level = check_count("optimization_level", optimization_level, minimum=0)
    if level > 3:
        raise ValueError(f"optimization_level must be in 0..3, got {level}")
    device = resolve_backend(backend) if backend is not None else None
    target = _target_of(device, coupling_map, basis_gates)
    if layout is None:
        choice = choose_layout(target, model, encoding=encoding, optimization_level=level)
        qubits = choice.physical_qubits
    else:
        choice = None
        qubits = _check_layout(target, layout)
    pm, has_durations, scheduled = scheduled_pass_manager(target, device, qubits, qubits[HOT], schedule, level, seed_transpiler)
    block = pm.run(hardware_block(model, encoding=encoding))
    prefix = pm.run(hardware_prefix(initial_state, encoding=encoding))
    for name, circ in (("block", block), ("prefix", prefix)):
        final = circ.layout.final_index_layout()[:NUM_PROTOCOL_QUBITS]
        if tuple(final) != qubits:
            raise ValueError(
                f"transpiling the {name} moved the protocol qubits {qubits} to {tuple(final)}; choose a chain layout"
            )
    block = strip_idle_delays(block)
    prefix = strip_idle_delays(prefix)
    circuit = assemble_protocol(prefix, block, n, barrier_qubits=qubits, name="hardware_protocol")
    circuit.metadata = {
        "backend": getattr(device, "name", "custom"),
        "physical_qubits": list(qubits),
        "qubit_roles": [QUBIT_ROLES[i] for i in range(NUM_PROTOCOL_QUBITS)],
        "n_collisions": n,
        "encoding": encoding,
        "initial_state": initial_state if isinstance(initial_state, str) else "vector",
    }
    two_qubit_gates, depth, collision_duration, prefix_duration = _block_costs(block, prefix, target, has_durations)
    t1, t2 = _qubit_times(target, qubits)
    return TranspiledProtocol(
        circuit=circuit,
        block=block,
        prefix=prefix,
        backend_name=getattr(device, "name", "custom"),
        physical_qubits=qubits,
        layout=choice,
        n_collisions=n,
        encoding=encoding,
        initial_state=initial_state if isinstance(initial_state, str) else "vector",
        scheduled=scheduled,
        two_qubit_gates=two_qubit_gates,
        depth=depth,
        collision_duration=collision_duration,
        prefix_duration=prefix_duration,
        total_duration=prefix_duration + n * collision_duration,
        t1=t1,
        t2=t2,
        model=model,
        initial_density=system_initial_state(initial_state),
    )
