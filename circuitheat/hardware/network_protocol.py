r"""The device circuit of a collision network: every collision's ancilla measured right before its reset.

The paper's device protocol (:mod:`circuitheat.hardware.protocol`) for any
:class:`~circuitheat.CollisionNetwork`. Qubits are those of
:class:`~circuitheat.network.circuits.NetworkLayout` with ``preparation="purification"``
(sites ``0..N-1``, the ancilla of the c-th collision of the step ``N+c``, its purifying
partner ``N+m+c``). One step (:func:`network_hardware_block`):

1. every ancilla and its partner are reset and the ancilla prepared in its reservoir's
   state :math:`\eta_r` by a purification in Schmidt form with one CNOT
   (:func:`network_preparation`; for a :class:`~circuitheat.Reservoir` exactly
   :func:`~circuitheat.hardware.protocol.hardware_preparation`, Eq. 12);
2. the step's gates in the step's order (an Interaction on its two sites, the c-th
   Collision on its site and ancilla c; qubit 0 of every gate on its first slot);
3. ancilla c is measured into the 1-bit register ``m{c}``.

:func:`network_hardware_circuit` repeats the step n times after the system's
initial-state preparation; bit ``k-1`` of register ``m{c}`` holds collision c's outcome
in step k, so one circuit's counts give every :math:`J_r(k)` (the energy change of
reservoir r's ancillas in step k, :mod:`circuitheat.network.step`). The circuit is flat (no
control flow).

Encodings
---------
As in :mod:`circuitheat.hardware.protocol`: ``"ground_is_0"`` (default) puts the model's
ground level :math:`|1\rangle` on the device's :math:`|0\rangle`. Every qubit is then the
model's qubit conjugated by X, so an X follows each ancilla preparation, the initial state
is prepared and then flipped, and every gate :math:`G` (4×4, package kron basis) becomes
:math:`(X\otimes X)\,G\,(X\otimes X)`. A gate that commutes with :math:`X\otimes X` (the
partial swap, any XXZ/Heisenberg gate) is kept as it is; others become a ``unitary`` of the
conjugated matrix. A recorded bit b means the model level :math:`1-b`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import ClassicalRegister, Instruction, QuantumCircuit
from qiskit.synthesis import OneQubitEulerDecomposer

from ..circuits import PREPARATION_NAME
from ..model import Reservoir
from ..network.circuits import NetworkLayout, network_initial_state, network_layout
from ..network.gates import qiskit_gate
from ..network.spec import Ancilla, Collision, CollisionNetwork, Interaction, check_network
from ..validation import InputTypeError, InputValueError, check_count
from .protocol import DEFAULT_ENCODING, assemble_protocol, check_encoding, hardware_preparation

__all__ = [
    "collision_register",
    "network_hardware_block",
    "network_hardware_circuit",
    "network_hardware_layout",
    "network_hardware_prefix",
    "network_preparation",
]


def collision_register(c: int) -> str:
    """Name of the classical register of the step's c-th collision (0-based): ``"m{c}"``."""
    return f"m{int(c)}"


def network_hardware_layout(network: CollisionNetwork) -> NetworkLayout:
    """The qubit roles of a network's device circuit (:class:`NetworkLayout`, purification)."""
    return network_layout(network, "purification")


def _schmidt(state: NDArray) -> tuple[float, NDArray]:
    r"""``(theta_s, V)``: :math:`R_Y(\theta_s)` gives the Schmidt weights, V maps |j> to the j-th eigenvector (largest first)."""
    vals, vecs = np.linalg.eigh(0.5 * (state + state.conj().T))
    lam0, lam1 = max(float(vals[1]), 0.0), max(float(vals[0]), 0.0)
    return 2.0 * math.atan2(math.sqrt(lam1), math.sqrt(lam0)), vecs[:, ::-1]


def network_preparation(reservoir: Reservoir | Ancilla, *, label: str | None = None) -> Instruction:
    r"""Reset an ancilla and its partner and prepare the ancilla in :math:`\eta` with one CNOT.

    A :class:`~circuitheat.Reservoir` (Eq. 12) gets
    :func:`~circuitheat.hardware.protocol.hardware_preparation`. An
    :class:`~circuitheat.Ancilla` :math:`\eta = \lambda_0|v_0\rangle\langle v_0| +
    \lambda_1|v_1\rangle\langle v_1|` (:math:`\lambda_0 \ge \lambda_1`) gets the same Schmidt
    form on ``[ancilla, partner]``:

    .. math::
        V_a\;\mathrm{CX}_{a\to b}\;R_Y(\theta_s)_a|00\rangle
        = \sqrt{\lambda_0}|v_0\rangle|0\rangle + \sqrt{\lambda_1}|v_1\rangle|1\rangle,
        \qquad \theta_s = 2\operatorname{atan2}(\sqrt{\lambda_1}, \sqrt{\lambda_0}),

    with :math:`V|j\rangle = |v_j\rangle` written as one ``u`` gate. Tracing out the partner
    leaves :math:`\eta`.
    """
    if isinstance(reservoir, Reservoir):
        return hardware_preparation(reservoir, label=label)
    if not isinstance(reservoir, Ancilla):
        raise InputTypeError(f"reservoir must be a Reservoir or an Ancilla, got {reservoir!r} of type {type(reservoir).__name__}")
    theta_s, v = _schmidt(np.asarray(reservoir.state))
    theta, phi, lam = OneQubitEulerDecomposer("U").angles(v)
    definition = QuantumCircuit(2, name=PREPARATION_NAME)
    definition.reset(0)
    definition.reset(1)
    definition.ry(theta_s, 0)
    definition.cx(0, 1)
    definition.u(theta, phi, lam, 0)
    inst = Instruction(PREPARATION_NAME, 2, 0, [], label=label)
    inst.definition = definition
    return inst


def _device_gate(op: Interaction | Collision, flip: bool):
    """The Qiskit gate of ``op`` on the device: conjugated by X⊗X under ``"ground_is_0"`` unless it commutes with it."""
    if not flip:
        return op.qiskit_gate
    flipped = op.matrix[::-1, ::-1]  # (X⊗X) G (X⊗X): index i -> 3 - i on both sides, exact
    if np.array_equal(flipped, op.matrix):
        return op.qiskit_gate
    return qiskit_gate(flipped, flipped, label="X·G·X")


def network_hardware_block(network: CollisionNetwork, *, encoding: str = DEFAULT_ENCODING) -> QuantumCircuit:
    """One step of the network's device circuit, ending with every ancilla measured (module docstring).

    Returns
    -------
    QuantumCircuit
        Qubits of :func:`network_hardware_layout`; 1-bit classical registers ``m0, m1, ...``
        (:func:`collision_register`), one per collision. ``metadata`` holds the qubit roles,
        the encoding and the collisions ``(reservoir, site)``.
    """
    network = check_network(network)
    encoding = check_encoding(encoding)
    flip = encoding == "ground_is_0"
    layout = network_hardware_layout(network)
    if not layout.collisions:
        raise InputValueError("network has no Collision in its step: a device run has no ancilla to measure")
    qc = QuantumCircuit(*layout.registers(), name="network_hardware_step")
    for c in range(layout.collisions):
        qc.add_register(ClassicalRegister(1, collision_register(c)))
    preps = {name: network_preparation(network.reservoirs[name], label=f"η_{name}") for name in network.reservoir_names}
    for c, col in enumerate(network.collisions):
        qc.append(preps[col.reservoir], [layout.ancilla_qubits[c], layout.partner_qubits[c]])
        if flip:
            qc.x(layout.ancilla_qubits[c])
    c = 0
    for op in network.step:
        if isinstance(op, Interaction):
            qc.append(_device_gate(op, flip), list(op.sites))
        else:
            qc.append(_device_gate(op, flip), [op.site, layout.ancilla_qubits[c]])
            c += 1
    for c, q in enumerate(layout.ancilla_qubits):
        qc.measure(q, qc.cregs[c][0])
    qc.metadata = {
        "qubit_roles": layout.roles,
        "encoding": encoding,
        "collisions": [(col.reservoir, col.site) for col in network.collisions],
        "preparation_circuit": "schmidt (1 cx)",
    }
    return qc


def network_hardware_prefix(
    network: CollisionNetwork, initial_state: str | ArrayLike | None = None, *, encoding: str = DEFAULT_ENCODING
) -> QuantumCircuit:
    """The system's initial-state preparation on the device circuit's qubits.

    ``initial_state`` as in :func:`circuitheat.simulate` (default: every site in the ground
    state); a basis state becomes X gates, a pure state a ``unitary`` on the sites. A mixed
    state needs extra qubits on a device and is refused (:class:`InputValueError`).
    """
    network = check_network(network)
    encoding = check_encoding(encoding)
    layout = network_hardware_layout(network)
    if initial_state is not None and not isinstance(initial_state, str):
        rho = np.asarray(initial_state)
        if rho.ndim == 2 and rho.shape[0] == rho.shape[1] and np.linalg.eigvalsh(0.5 * (rho + rho.conj().T))[-1] < 1 - 1e-12:
            raise InputValueError(
                f"initial_state must be a label or a pure state on a device; got a mixed state of shape {rho.shape} "
                "(a mixed state needs extra qubits)"
            )
    qc = network_initial_state(network, initial_state, layout)
    if encoding == "ground_is_0":
        qc.x(list(layout.site_qubits))
    return qc


def network_hardware_circuit(
    network: CollisionNetwork,
    n_collisions: int,
    *,
    initial_state: str | ArrayLike | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> QuantumCircuit:
    """The network's device protocol: ``n_collisions`` steps, collision c of step k measured into ``m{c}[k-1]``.

    Parameters
    ----------
    network : CollisionNetwork
    n_collisions : int
        Number of steps n >= 1.
    initial_state : str or array_like, optional
        See :func:`network_hardware_prefix`.
    encoding : {"ground_is_0", "excited_is_0"}

    Returns
    -------
    QuantumCircuit
        Qubits of :func:`network_hardware_layout`; registers ``m0, m1, ...`` of n bits.
    """
    network = check_network(network)
    n = check_count("n_collisions", n_collisions)
    encoding = check_encoding(encoding)
    block = network_hardware_block(network, encoding=encoding)
    prefix = network_hardware_prefix(network, initial_state, encoding=encoding)
    registers = [creg.name for creg in block.cregs]
    qc = assemble_protocol(prefix, block, n, name="network_hardware_protocol", registers=registers)
    qc.metadata = dict(block.metadata) | {
        "n_collisions": n,
        "initial_state": initial_state if isinstance(initial_state, str | type(None)) else "vector",
        "registers": {reg: list(col) for reg, col in zip(registers, block.metadata["collisions"], strict=True)},
        "bit": "k-1 holds step k",
    }
    return qc
