r"""Device layout of a collision network: embed the network's coupling graph in the device's.

The coupling graph of a network's device circuit
------------------------------------------------
The device circuit of a network (:mod:`circuitheat.hardware.network_protocol`) has the
qubits of :class:`~circuitheat.network.circuits.NetworkLayout` with
``preparation="purification"``: the N sites, one ancilla per collision of the step and
one purifying partner per ancilla. Two of them must be coupled on the device when

* an :class:`~circuitheat.network.Interaction` acts on sites (i, j);
* the c-th :class:`~circuitheat.network.Collision` acts on its site and ancilla c;
* ancilla c is purified by its partner (one CNOT,
  :func:`~circuitheat.hardware.protocol.hardware_preparation`).

(:func:`network_coupling_graph`). The paper's model gives the chain
``p_h - r_h - s_a - s_b - r_c - p_c`` of :mod:`circuitheat.hardware.transpile`; a boundary-driven
chain of N sites gives a path of N + 4 qubits.

Choosing the physical qubits
----------------------------
:func:`choose_network_layout` enumerates embeddings of that graph in the device's coupling
graph (subgraph monomorphisms, ``rustworkx.vf2_mapping``; an edge of the device carries a
native two-qubit gate in either direction) that avoid every qubit whose calibration has
:math:`T_2 > 2T_1` (:func:`~circuitheat.hardware.transpile.dephasing_inconsistent_qubits`:
the runtime's local simulator cannot represent their delays), and keeps the one with the
smallest estimated error per step, as the paper's path does:

* ``"two_qubit"``: :math:`\sum_{\rm pairs} n_{\rm pair}\,\epsilon_{2q}`, with
  :math:`n_{\rm pair}` the native two-qubit gates the pair needs in one step
  (:func:`~circuitheat.hardware.transpile.block_gate_counts` of the logical step);
* ``"readout"``: the mean readout error :math:`(e_0+e_1)/2` of every measured ancilla;
* ``"single_qubit"``: the single-qubit gate errors;
* ``"decoherence"``: :math:`\tau\sum_{\rm sites}(1/T_1+1/T_2)` over one step of estimated
  duration :math:`\tau` = the slowest ancilla's measurement and reset plus the step's
  two-qubit depth times the slowest two-qubit gate on the embedding.

At most :data:`MAX_LAYOUT_CANDIDATES` embeddings are scored (VF2's own order, which is
deterministic); ties go to the smaller tuple of physical qubits.

A network that needs more qubits than the device has usable ones is refused with
:class:`~circuitheat.validation.InputValueError`. One whose graph has no embedding (a site
coupled to more partners than any device qubit has neighbours, a cycle the device lacks)
gets ``None`` here, and :func:`~circuitheat.hardware.network_transpile.transpile_network_protocol`
routes its step instead (:mod:`circuitheat.hardware.network_routing`: SWAPs, at a stated cost).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import rustworkx as rx
from qiskit.circuit import QuantumCircuit
from qiskit.transpiler import Target

from ..network.circuits import NetworkLayout
from ..network.spec import CollisionNetwork, Interaction
from ..validation import InputTypeError, InputValueError
from .readout import readout_errors
from .transpile import _duration, _edge_error, _error, _prop, _two_qubit_ops, block_gate_counts, dephasing_inconsistent_qubits

__all__ = [
    "MAX_LAYOUT_CANDIDATES",
    "NetworkLayoutChoice",
    "check_network_layout",
    "choose_network_layout",
    "network_coupling_graph",
    "usable_edges",
]

#: Embeddings scored by :func:`choose_network_layout` at most. On fake_torino (133 qubits, its
#: T2 > 2 T1 qubits left out) a 3-site boundary-driven chain (a path of 7 qubits) has 764
#: embeddings and a 6-site one 1254, all scored in well under a second, so the cap only
#: matters for large, branched networks.
MAX_LAYOUT_CANDIDATES = 20_000


@dataclass(frozen=True)
class NetworkLayoutChoice:
    r"""The physical qubits chosen for a network's device circuit, and why.

    Attributes
    ----------
    physical_qubits : tuple of int
        Physical qubit of each circuit qubit of
        :class:`~circuitheat.network.circuits.NetworkLayout` (sites 0..N-1, the ancilla of
        each collision, each ancilla's partner).
    cost : float
        Estimated error per step (dimensionless): the sum of ``cost_terms``.
    cost_terms : dict
        ``"two_qubit"``, ``"readout"``, ``"single_qubit"``, ``"decoherence"`` (module docstring).
    candidates : int
        Embeddings compared (at most :data:`MAX_LAYOUT_CANDIDATES`; 0 for a routed step).
    routed : bool
        True when the graph did not embed and the step was routed
        (:mod:`circuitheat.hardware.network_routing`); ``cost_terms["swaps"]`` then counts
        the SWAPs per step and ``physical_qubits`` is where each qubit starts the step.
    """

    physical_qubits: tuple[int, ...]
    cost: float
    cost_terms: dict = field(default_factory=dict)
    candidates: int = 0
    routed: bool = False


def network_coupling_graph(network: CollisionNetwork, layout: NetworkLayout) -> list[tuple[int, int]]:
    """Sorted pairs of circuit qubits that must be coupled on the device (module docstring)."""
    edges = set()
    c = 0
    for op in network.step:
        if isinstance(op, Interaction):
            edges.add(tuple(sorted(op.sites)))
        else:
            edges.add((op.site, layout.ancilla_qubits[c]))
            c += 1
    for anc, partner in zip(layout.ancilla_qubits, layout.partner_qubits, strict=True):
        edges.add((anc, partner))
    return sorted(edges)


def usable_edges(target: Target, excluded: frozenset[int]) -> list[tuple[int, int]]:
    """Sorted pairs (a < b) of qubits outside ``excluded`` that carry a native two-qubit gate in either direction."""
    edges = set()
    for name in _two_qubit_ops(target):
        for qargs in target.get(name) or {}:
            if qargs is not None and len(qargs) == 2 and not excluded.intersection(qargs):
                edges.add(tuple(sorted(qargs)))
    return sorted(edges)


def _device_graph(target: Target, excluded: frozenset[int]) -> tuple[rx.PyGraph, list[int]]:
    """Undirected graph of the usable qubits (payload: physical index), edges carrying a native 2-qubit gate."""
    usable = [q for q in range(target.num_qubits) if q not in excluded]
    index = {q: i for i, q in enumerate(usable)}
    graph = rx.PyGraph()
    graph.add_nodes_from(usable)
    graph.add_edges_from_no_data([(index[a], index[b]) for a, b in usable_edges(target, excluded)])
    return graph, usable


def _step_time(target: Target, phys: Sequence[int], layout: NetworkLayout, edges: list, depth2: int) -> float:
    """Rough duration of one step on these qubits (s): slowest ancilla's measure + reset, two-qubit depth x slowest gate."""
    readout = 0.0
    for c in range(layout.collisions):
        q = phys[layout.ancilla_qubits[c]]
        readout = max(readout, _duration(target, "measure", (q,)) + _duration(target, "reset", (q,)))
    gate = 0.0
    for i, j in edges:
        for name in _two_qubit_ops(target):
            for qargs in ((phys[i], phys[j]), (phys[j], phys[i])):
                d = _duration(target, name, qargs)
                if not math.isnan(d):
                    gate = max(gate, d)
    total = readout + depth2 * gate
    return 0.0 if math.isnan(total) else total


def _cost(
    target: Target, phys: Sequence[int], layout: NetworkLayout, edges: list, counts: tuple[dict, dict], depth2: int
) -> tuple[float, dict]:
    pairs, singles = counts
    two = sum(count * (_edge_error(target, phys[i], phys[j]) or 0.0) for (i, j), count in pairs.items())
    readout = sum(sum(readout_errors(target, phys[q])) / 2 for q in layout.ancilla_qubits)
    single = 0.0
    for q, count in singles.items():
        single += count * min((_error(target, n, (phys[q],)) for n in ("sx", "x") if _prop(target, n, (phys[q],))), default=0.0)
    tau = _step_time(target, phys, layout, edges, depth2)
    deco = 0.0
    props = target.qubit_properties
    for q in layout.site_qubits:
        qp = props[phys[q]] if props else None
        for t in (getattr(qp, "t1", None), getattr(qp, "t2", None)):
            if t:
                deco += tau / t
    terms = {"two_qubit": float(two), "readout": float(readout), "single_qubit": float(single), "decoherence": float(deco)}
    return float(sum(terms.values())), terms


def choose_network_layout(
    target: Target, network: CollisionNetwork, layout: NetworkLayout, block: QuantumCircuit, optimization_level: int
) -> NetworkLayoutChoice | None:
    """The embedding of the network's coupling graph with the smallest estimated error per step (module docstring).

    Parameters
    ----------
    target : Target
        The device.
    network : CollisionNetwork
    layout : NetworkLayout
        The circuit's qubit roles (purification preparation).
    block : QuantumCircuit
        The logical device step (:func:`~circuitheat.hardware.network_protocol.network_hardware_block`),
        whose native gate counts weigh the two-qubit errors.
    optimization_level : int
        Of the transpilation that counts the gates.

    Returns
    -------
    NetworkLayoutChoice or None
        None if the coupling graph does not embed (module docstring).

    Raises
    ------
    InputValueError
        If the network needs more qubits than the device has usable ones.
    """
    excluded = dephasing_inconsistent_qubits(target)
    device, usable = _device_graph(target, excluded)
    needed = layout.num_qubits
    if needed > len(usable):
        raise InputValueError(
            f"network needs {needed} qubits ({layout.sites} sites, {layout.collisions} ancillas and their partners); "
            f"the device has {len(usable)} usable ones ({target.num_qubits} qubits, {len(excluded)} with T2 > 2 T1)"
        )
    edges = network_coupling_graph(network, layout)
    pattern = rx.PyGraph()
    pattern.add_nodes_from(range(needed))
    pattern.add_edges_from_no_data(edges)
    counts = block_gate_counts(block, target, optimization_level)
    depth2 = block.depth(filter_function=lambda inst: inst.operation.num_qubits == 2 and inst.operation.name != "barrier")
    best = None
    candidates = 0
    for mapping in rx.vf2_mapping(device, pattern, subgraph=True, induced=False, id_order=False):
        phys = [0] * needed
        for dev_node, role in mapping.items():
            phys[role] = usable[dev_node]
        cost, terms = _cost(target, phys, layout, edges, counts, depth2)
        key = (cost, tuple(phys))
        if best is None or key < best[0]:
            best = (key, terms)
        candidates += 1
        if candidates >= MAX_LAYOUT_CANDIDATES:
            break
    if best is None:
        return None
    (cost, phys), terms = best
    return NetworkLayoutChoice(physical_qubits=tuple(phys), cost=cost, cost_terms=terms, candidates=candidates)


def check_network_layout(target: Target, network: CollisionNetwork, layout: NetworkLayout, physical: object) -> tuple[int, ...]:
    """Validate a user's ``layout`` (one physical qubit per circuit qubit, every coupling native); return it as a tuple."""
    if isinstance(physical, str | bytes) or not isinstance(physical, Sequence):
        raise InputTypeError(f"layout must be a sequence of {layout.num_qubits} physical qubits, got {physical!r}")
    qubits = []
    for q in physical:
        if isinstance(q, bool) or (not isinstance(q, int) and not hasattr(q, "__index__")):
            raise InputTypeError(f"layout entries must be integers, got {q!r} in {physical!r}")
        qubits.append(int(q))
    roles = layout.roles
    if len(qubits) != layout.num_qubits or len(set(qubits)) != len(qubits):
        raise InputValueError(
            f"layout must be {layout.num_qubits} distinct physical qubits ({', '.join(roles)}), got {physical!r}"
        )
    if any(not 0 <= q < target.num_qubits for q in qubits):
        raise InputValueError(f"layout qubits must be in [0, {target.num_qubits}), got {physical!r}")
    for i, j in network_coupling_graph(network, layout):
        if _edge_error(target, qubits[i], qubits[j]) is None:
            raise InputValueError(
                f"layout {physical!r} does not couple {roles[i]} (qubit {qubits[i]}) and {roles[j]} (qubit {qubits[j]}) "
                "by a native two-qubit gate"
            )
    return tuple(qubits)
