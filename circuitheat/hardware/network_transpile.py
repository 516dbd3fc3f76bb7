r"""Transpilation of a collision network's device circuit for any ``BackendV2``.

As for the paper's model (:mod:`circuitheat.hardware.transpile`): the layout is an
embedding of the network's coupling graph in the device's
(:mod:`circuitheat.hardware.network_layout`; a routed step with the sites restored when
there is none, :mod:`circuitheat.hardware.network_routing`), one step
(:func:`~circuitheat.hardware.network_protocol.network_hardware_block`) is transpiled
**once** on it, scheduled ALAP (idle times become ``delay`` instructions that the device
noise model turns into relaxation), and appended n times, so every step is the same
physical instruction sequence and the noisy step map of
:mod:`circuitheat.hardware.network_noise` is exact.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import QuantumCircuit
from qiskit.providers import BackendV2
from qiskit.transpiler import CouplingMap, generate_preset_pass_manager

from ..network.spec import CollisionNetwork, check_network
from ..states import STATE_TOLERANCE, system_initial_state
from ..validation import InputTypeError, InputValueError, check_count
from .network_layout import NetworkLayoutChoice, check_network_layout, choose_network_layout
from .network_protocol import network_hardware_block, network_hardware_layout, network_hardware_prefix
from .network_routing import route_step, routed_cost
from .protocol import DEFAULT_ENCODING, assemble_protocol, check_encoding
from .transpile import (
    DEFAULT_OPTIMIZATION_LEVEL,
    DEFAULT_SEED_TRANSPILER,
    _block_costs,
    _qubit_times,
    _target_of,
    resolve_backend,
    scheduled_pass_manager,
    strip_idle_delays,
)

__all__ = ["TranspiledNetworkProtocol", "transpile_network_protocol"]


@dataclass(frozen=True)
class TranspiledNetworkProtocol:
    r"""A network's device protocol transpiled for one backend, with its timing.

    Attributes
    ----------
    circuit : QuantumCircuit
        The ISA circuit (device width): initial state, then ``n_collisions`` copies of
        ``block``; collision c of step k in bit k-1 of register ``m{c}``.
    block, prefix : QuantumCircuit
        One transpiled step (1-bit registers ``m0, m1, ...``) and the transpiled initial state.
    backend_name : str
    physical_qubits : tuple of int
        Physical qubit of each circuit qubit of
        :func:`~circuitheat.hardware.network_protocol.network_hardware_layout` (sites,
        ancillas, partners).
    layout : NetworkLayoutChoice or None
        The automatic choice (None when the layout was given); ``layout.routed`` if the
        network's coupling graph did not embed and the step was routed.
    measured_qubits : tuple of int
        Physical qubit on which each collision's ancilla is measured (``m{c}``).
    network : CollisionNetwork
    n_collisions : int
        Steps.
    encoding, initial_state : str
    scheduled : bool
    two_qubit_gates, depth : int
        Native two-qubit gates and depth (delays and barriers not counted) of one step.
    step_duration, prefix_duration, total_duration : float
        Seconds (NaN without durations); ``total = prefix + n * step``.
    t1, t2 : tuple of float
        :math:`T_1, T_2` (s) of each circuit qubit's physical qubit.
    initial_density : ndarray (2^N, 2^N)
        The system state the prefix prepares (package basis, model labels).
    """

    circuit: QuantumCircuit = field(repr=False)
    block: QuantumCircuit = field(repr=False)
    prefix: QuantumCircuit = field(repr=False)
    backend_name: str
    physical_qubits: tuple[int, ...]
    layout: NetworkLayoutChoice | None
    measured_qubits: tuple[int, ...]
    network: CollisionNetwork = field(repr=False)
    n_collisions: int
    encoding: str
    initial_state: str
    scheduled: bool
    two_qubit_gates: int
    depth: int
    step_duration: float
    prefix_duration: float
    total_duration: float
    t1: tuple[float, ...]
    t2: tuple[float, ...]
    initial_density: NDArray = field(repr=False)

    @property
    def site_qubits(self) -> tuple[int, ...]:
        """Physical qubit of each site 0..N-1."""
        return self.physical_qubits[: self.network.sites]

    @property
    def active_qubits(self) -> tuple[int, ...]:
        """Every physical qubit an instruction (other than a delay or barrier) of the step or the prefix acts on."""
        active = set()
        for circ in (self.block, self.prefix):
            for inst in circ.data:
                if inst.operation.name not in ("delay", "barrier"):
                    active.update(circ.find_bit(q).index for q in inst.qubits)
        return tuple(sorted(active))

    def matches(
        self, network: CollisionNetwork, n_collisions: int, encoding: str, initial_state: str | ArrayLike | None = None
    ) -> str | None:
        """None if this protocol is the one for these arguments, else a sentence saying what differs."""
        if self.network != network:
            return "transpiled was built for another network"
        if self.n_collisions != n_collisions:
            return f"transpiled has n_collisions = {self.n_collisions}, not {n_collisions}"
        if self.encoding != encoding:
            return f"transpiled has encoding {self.encoding!r}, not {encoding!r}"
        n = network.sites
        wanted = system_initial_state(initial_state, n)
        if not np.allclose(self.initial_density, wanted, rtol=0, atol=STATE_TOLERANCE):
            shown = "1" * n if initial_state is None else initial_state if isinstance(initial_state, str) else "the given vector"
            return f"transpiled prepares initial_state {self.initial_state!r}, not {shown!r}"
        return None

    def to_dict(self) -> dict:
        """JSON-ready summary (no circuits)."""
        roles = network_hardware_layout(self.network).roles
        return {
            "backend": self.backend_name,
            "physical_qubits": {role: q for role, q in zip(roles, self.physical_qubits, strict=True)},
            "layout_cost": None if self.layout is None else self.layout.cost,
            "layout_cost_terms": None if self.layout is None else self.layout.cost_terms,
            "n_collisions": self.n_collisions,
            "encoding": self.encoding,
            "initial_state": self.initial_state,
            "scheduled": self.scheduled,
            "two_qubit_gates_per_step": self.two_qubit_gates,
            "depth_per_step": self.depth,
            "step_duration_s": None if math.isnan(self.step_duration) else self.step_duration,
            "total_duration_s": None if math.isnan(self.total_duration) else self.total_duration,
        }


def transpile_network_protocol(
    network: CollisionNetwork,
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
) -> TranspiledNetworkProtocol:
    """Transpile a network's device protocol for a device (module docstring).

    Parameters as :func:`circuitheat.hardware.transpile_protocol`; ``layout`` has one physical
    qubit per circuit qubit of
    :func:`~circuitheat.hardware.network_protocol.network_hardware_layout` (sites, ancillas,
    partners), and every coupling of the network's graph must be a native two-qubit edge
    (:func:`~circuitheat.hardware.network_layout.check_network_layout`). Default: the
    embedding of least estimated error
    (:func:`~circuitheat.hardware.network_layout.choose_network_layout`), or, if the graph
    does not embed, a routed step (:mod:`circuitheat.hardware.network_routing`;
    ``layout.routed``, its SWAPs in ``layout.cost_terms["swaps"]``).

    Raises
    ------
    InputValueError
        For a network that needs more qubits than the device has usable ones, an invalid
        layout, or a layout qubit with T2 > 2 T1 on a scheduled circuit.
    """
    network = check_network(network)
    n = check_count("n_collisions", n_collisions)
    encoding = check_encoding(encoding)
    level = check_count("optimization_level", optimization_level, minimum=0)
    if level > 3:
        raise InputValueError(f"optimization_level must be in 0..3, got {level}")
    if not isinstance(schedule, bool):
        raise InputTypeError(f"schedule must be a bool, got {schedule!r}")
    roles = network_hardware_layout(network)
    device = resolve_backend(backend) if backend is not None else None
    target = _target_of(device, coupling_map, basis_gates)
    logical_block = network_hardware_block(network, encoding=encoding)
    logical_prefix = network_hardware_prefix(network, initial_state, encoding=encoding)
    routed = None
    if layout is None:
        choice = choose_network_layout(target, network, roles, logical_block, level)
        if choice is None:  # no embedding: route the step (network_routing)
            routed = route_step(target, logical_block, network.sites, roles.ancilla_qubits, level, seed_transpiler)
            qubits = routed.qubits
        else:
            qubits = choice.physical_qubits
    else:
        choice = None
        qubits = check_network_layout(target, network, roles, layout)
    measured = routed.measured if routed else qubits[network.sites : network.sites + roles.collisions]
    pm, has_durations, scheduled = scheduled_pass_manager(target, device, qubits, measured[0], schedule, level, seed_transpiler)
    kwargs = {"backend": device} if device is not None else {"target": target}
    prefix = pm.run(logical_prefix)
    if routed is None:
        block = pm.run(logical_block)
        expected = {"step": qubits, "prefix": qubits}
    else:  # physical already: translate and schedule on the identity layout, level 1 (level 2 elides SWAPs)
        block = generate_preset_pass_manager(
            optimization_level=1,
            initial_layout=list(range(target.num_qubits)),
            seed_transpiler=seed_transpiler,
            scheduling_method="alap" if scheduled else None,
            **kwargs,
        ).run(routed.circuit)
        expected = {"step": tuple(range(target.num_qubits)), "prefix": qubits}
    for name, circ in (("step", block), ("prefix", prefix)):
        final = tuple(circ.layout.final_index_layout()[: len(expected[name])])
        if final != expected[name]:
            raise InputValueError(f"transpiling the {name} moved the network's qubits {expected[name]} to {final}")
    block = strip_idle_delays(block)
    prefix = strip_idle_delays(prefix)
    registers = [creg.name for creg in block.cregs]
    circuit = assemble_protocol(prefix, block, n, barrier_qubits=qubits, name="network_hardware_protocol", registers=registers)
    label = initial_state if isinstance(initial_state, str) else ("1" * network.sites if initial_state is None else "vector")
    circuit.metadata = {
        "backend": getattr(device, "name", "custom"),
        "physical_qubits": list(qubits),
        "qubit_roles": roles.roles,
        "n_collisions": n,
        "encoding": encoding,
        "initial_state": label,
        "registers": {reg: list(col) for reg, col in zip(registers, logical_block.metadata["collisions"], strict=True)},
    }
    two_qubit_gates, depth, step_duration, prefix_duration = _block_costs(block, prefix, target, has_durations)
    t1, t2 = _qubit_times(target, qubits)
    if routed is not None:
        choice = routed_cost(target, routed, block, qubits[: network.sites], step_duration)
    return TranspiledNetworkProtocol(
        circuit=circuit,
        block=block,
        prefix=prefix,
        backend_name=getattr(device, "name", "custom"),
        physical_qubits=qubits,
        layout=choice,
        measured_qubits=tuple(measured),
        network=network,
        n_collisions=n,
        encoding=encoding,
        initial_state=label,
        scheduled=scheduled,
        two_qubit_gates=two_qubit_gates,
        depth=depth,
        step_duration=step_duration,
        prefix_duration=prefix_duration,
        total_duration=prefix_duration + n * step_duration,
        t1=t1,
        t2=t2,
        initial_density=system_initial_state(initial_state, network.sites),
    )
