r"""Routed fallback for a network whose coupling graph does not embed in the device.

When :func:`~circuitheat.hardware.network_layout.choose_network_layout` finds no embedding
(e.g. a site that meets more ancillas than a device qubit has neighbours), the step is
routed by the transpiler instead, and made repeatable:

1. the logical step, its measurements left out, is translated to the device's basis with
   all-to-all coupling (the same synthesis as an embedded step);
2. ``SabreLayout`` places and routes it on the device's coupling graph **restricted to the
   usable qubits** (those of
   :func:`~circuitheat.hardware.transpile.dephasing_inconsistent_qubits` left out), so no
   SWAP passes through a qubit the runtime cannot simulate;
3. routing permutes the qubits; SWAPs found by token swapping
   (``ApproximateTokenSwapper``, on the same restricted graph) bring every **site** back to
   the physical qubit it started on, so the next step finds the system where this one
   found it (ancillas and partners are reset by the next step and may stay where they are);
4. every ancilla is measured where it ended, into its register ``m{c}``, after its last
   gate, so the noisy map of :mod:`circuitheat.hardware.network_noise` stays exact;
5. the result is translated (SWAPs into native gates) and scheduled on that fixed layout at
   optimisation level 1 (level 2 would elide the restoring SWAPs into a relabelling).

Free qubits that a SWAP passes through carry old ancillas' states around from step to step.
That leaves the sites' evolution and the recorded bits unchanged for device noise made of a
Pauli channel on each gate and relaxation of each qubit on its own (Aer's device model,
:mod:`circuitheat.hardware.simulators`): such noise passes nothing from a free qubit to a
live one. Noise that does (crosstalk, leakage) is not modelled anywhere in the package.

The price is stated, not hidden: :class:`~circuitheat.hardware.network_layout.NetworkLayoutChoice`
of a routed step has ``routed=True`` and ``cost_terms["swaps"]``, the SWAPs per step
(routing and restoring, about 3 native two-qubit gates each), and its two-qubit cost term is
the sum of the error rates of the block's actual two-qubit gates.
"""

from __future__ import annotations

from collections.abc import Sequence

import rustworkx as rx
from qiskit import transpile as qiskit_transpile
from qiskit.circuit import ClassicalRegister, QuantumCircuit
from qiskit.transpiler import CouplingMap, PassManager, Target
from qiskit.transpiler.passes import SabreLayout
from qiskit.transpiler.passes.routing.algorithms import ApproximateTokenSwapper

from ..validation import InputValueError
from .network_layout import NetworkLayoutChoice, usable_edges
from .readout import readout_errors
from .transpile import _NON_GATES, _edge_error, _error, _prop, dephasing_inconsistent_qubits

__all__ = ["RoutedStep", "route_step", "routed_cost"]


class RoutedStep:
    """A routed, repeatable step on physical qubits (before scheduling).

    Attributes
    ----------
    circuit : QuantumCircuit
        Device-width circuit: the routed step, the restoring SWAPs, the measurements.
    qubits : tuple of int
        Physical qubit of each circuit qubit at the start of the step (sites, ancillas, partners).
    measured : tuple of int
        Physical qubit on which each collision's ancilla is measured.
    swaps : int
        SWAP gates per step (routing and restoring).
    """

    def __init__(self, circuit: QuantumCircuit, qubits: tuple[int, ...], measured: tuple[int, ...], swaps: int) -> None:
        self.circuit = circuit
        self.qubits = qubits
        self.measured = measured
        self.swaps = swaps


def route_step(
    target: Target, block: QuantumCircuit, sites: int, ancillas: Sequence[int], optimization_level: int, seed: int
) -> RoutedStep:
    """Route the logical step ``block`` (with its measurements) on ``target`` (module docstring, steps 1-4).

    Parameters
    ----------
    target : Target
    block : QuantumCircuit
        The logical device step (measurements of ancilla qubit ``ancillas[c]`` into register c).
    sites : int
        N: circuit qubits 0..N-1 are the sites.
    ancillas : sequence of int
        Circuit qubit of each collision's ancilla.
    optimization_level, seed : int
        Of the translation and of ``SabreLayout``.

    Raises
    ------
    InputValueError
        If the usable part of the device is too small or the placement used a qubit of T2 > 2 T1.
    """
    basis = [
        n
        for n in target.operation_names
        if n not in ("delay", "barrier") and not n.startswith(("if_", "for_", "while_", "switch_"))
    ]
    body = block.remove_final_measurements(inplace=False)
    body = qiskit_transpile(body, basis_gates=basis, optimization_level=optimization_level, seed_transpiler=seed)
    excluded = dephasing_inconsistent_qubits(target)
    edges = usable_edges(target, excluded)
    cmap = CouplingMap([list(e) for e in edges] + [[b, a] for a, b in edges])
    routed = PassManager([SabreLayout(cmap, seed=seed)]).run(body)
    width = block.num_qubits
    start = tuple(routed.layout.initial_index_layout()[:width])
    end = list(routed.layout.final_index_layout()[:width])
    swaps = routed.count_ops().get("swap", 0)
    graph = rx.PyGraph()
    graph.add_nodes_from(range(target.num_qubits))
    graph.add_edges_from_no_data(list(edges))
    # every site in the mapping (also those in place: a partial mapping may move tokens outside it)
    restoring = list(ApproximateTokenSwapper(graph, seed=seed).map({end[i]: start[i] for i in range(sites)}))
    where = {q: v for v, q in enumerate(end)}  # physical -> circuit qubit now on it
    for a, b in restoring:
        routed.swap(a, b)
        va, vb = where.get(a), where.get(b)
        for v, q in ((va, b), (vb, a)):
            if v is not None:
                end[v] = q
        where = {q: v for v, q in enumerate(end)}
    if end[:sites] != list(start[:sites]):
        raise InputValueError(f"restoring the sites after routing failed: {end[:sites]} != {list(start[:sites])}")
    measured = tuple(end[q] for q in ancillas)
    for c, q in enumerate(measured):
        creg = ClassicalRegister(1, block.cregs[c].name)
        routed.add_register(creg)
        routed.measure(q, creg[0])
    active = {
        routed.find_bit(q).index for inst in routed.data if inst.operation.name not in ("delay", "barrier") for q in inst.qubits
    }
    if bad := sorted(active & excluded):
        raise InputValueError(f"the routed step uses qubit {bad[0]} of T2 > 2 T1; give the network couplings the device has")
    return RoutedStep(routed, start, measured, swaps + len(restoring))


def routed_cost(
    target: Target, step: RoutedStep, block: QuantumCircuit, sites: Sequence[int], duration: float
) -> NetworkLayoutChoice:
    """The documented cost of a routed, transpiled ``block`` (module docstring): actual gates, readout, decoherence, SWAPs."""
    two = single = 0.0
    for inst in block.data:
        if inst.operation.name in _NON_GATES:
            continue
        qs = tuple(block.find_bit(q).index for q in inst.qubits)
        if len(qs) == 2:
            two += _edge_error(target, *qs) or 0.0
        elif len(qs) == 1 and inst.operation.name != "rz" and _prop(target, inst.operation.name, qs):
            single += _error(target, inst.operation.name, qs)
    readout = sum(sum(readout_errors(target, q)) / 2 for q in step.measured)
    deco = 0.0
    props = target.qubit_properties
    for q in sites:
        qp = props[q] if props else None
        for t in (getattr(qp, "t1", None), getattr(qp, "t2", None)):
            if t and duration == duration:  # NaN duration: no decoherence estimate
                deco += duration / t
    terms = {"two_qubit": two, "readout": readout, "single_qubit": single, "decoherence": deco}
    cost = float(sum(terms.values()))
    return NetworkLayoutChoice(
        physical_qubits=step.qubits, cost=cost, cost_terms=terms | {"swaps": step.swaps}, candidates=0, routed=True
    )
