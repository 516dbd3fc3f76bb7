r"""The device protocol: one flat circuit, every ancilla measured right before its reset.

Circuit layout (see :mod:`circuitheat.circuits` for the qubit roles):

* 6 qubits in the order of :data:`circuitheat.circuits.QUBIT_ROLES`
  (``S_A, S_B, R^h, R^c``, and the purifying partners of ``R^h`` and ``R^c``);
* the system's initial state (X gates for a label such as ``"11"``);
* ``n`` collision blocks (:func:`circuitheat.circuits.collision_block` with
  ``preparation="purification"``, each preparation replaced by the one-CNOT
  :func:`hardware_preparation`): reset and prepare both ancillas with standard gates
  (the ancilla's marginal is the state of Eq. 12), :math:`V(\delta)`, then
  :math:`U(\gamma)` on :math:`(S_A, R^h)` and on :math:`(S_B, R^c)` (Eq. 8);
* after collision k, the hot and the cold ancilla are measured into bit ``k-1`` of the
  classical registers :data:`HOT_REGISTER` (``"hot"``) and :data:`COLD_REGISTER`
  (``"cold"``); the next block starts by resetting them. So one shot records every
  collision's ancilla outcome, and the counts give :math:`J_h(k), J_c(k)` (Eqs. 10–11)
  for all k from one circuit. A barrier separates consecutive collisions.

The circuit is flat: no ``for``/``while``/``if`` blocks (IBM's runtime no longer
accepts them), so any number of collisions is a straight-line program.

Encodings
---------
The package writes :math:`|0\rangle` for the *excited* level (:mod:`circuitheat.states`).
On a superconducting qubit, computational :math:`|0\rangle` is the physical ground
state, and :math:`T_1` decay drives every qubit towards it. Two encodings are offered:

``"excited_is_0"``
    The package convention on the device: model :math:`|0\rangle` = device
    :math:`|0\rangle`. Device relaxation then pushes the system towards the model's
    *excited* level, i.e. it acts like an extra reservoir at negative temperature that
    pumps energy into the system (and from there into both reservoirs).
``"ground_is_0"`` (default for devices)
    Model :math:`|0\rangle` = device :math:`|1\rangle`: an X gate follows every
    ancilla preparation (the ancilla holds :math:`X\eta X`), the system's initial label
    is flipped (the model ground state ``"11"`` is the device's :math:`|00\rangle`, no
    gate at all), and a recorded bit b means the model level :math:`1-b`. Device
    relaxation then drains energy towards the model's ground state, the physical
    direction.

Two-qubit gates per collision
-----------------------------
A partial swap :math:`U(\theta) = e^{i\theta\,\mathrm{SWAP}}` has the Weyl-chamber
coordinates of :math:`R_{XX}R_{YY}R_{ZZ}` with three equal nonzero angles, so it needs
exactly 3 CNOT/CZ/ECR-class gates for a generic :math:`\theta` (the transpiler finds them).
The ancilla preparation needs only one: every two-qubit pure state is, in its Schmidt
basis, :math:`\sqrt{\lambda_0}|00\rangle + \sqrt{\lambda_1}|11\rangle`, which one CNOT makes
from :math:`R_Y|0\rangle|0\rangle` (:func:`hardware_preparation`). The generic purification of
:func:`circuitheat.circuits.ancilla_preparation` uses a controlled :math:`R_Y`, which is 2
CNOTs as a gate (the transpiler cannot know that its input is :math:`|00\rangle`): 13
two-qubit gates per collision instead of 3·3 + 2·1 = 11.

The two encodings are the same ideal experiment: :math:`U(\theta) = e^{i\theta\,\mathrm{SWAP}}`
commutes with :math:`X\otimes X`, so conjugating every qubit by X maps one circuit onto
the other and only relabels the outcomes. They differ under device noise only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import CircuitInstruction, ClassicalRegister, Instruction, QuantumCircuit
from qiskit.circuit.library import Barrier

from ..circuits import (
    COLD,
    HOT,
    PREPARATION_NAME,
    QUBIT_ROLES,
    SYSTEM_A,
    SYSTEM_B,
    collision_block,
    initial_state_circuit,
)
from ..model import CollisionModel, Reservoir, check_model
from ..network.spec import CollisionNetwork
from ..states import SYSTEM_LABELS, ancilla_populations
from ..validation import check_choice, check_count

__all__ = [
    "COLD_REGISTER",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "HOT_REGISTER",
    "NUM_PROTOCOL_QUBITS",
    "assemble_protocol",
    "check_encoding",
    "excited_sign",
    "hardware_block",
    "hardware_circuit",
    "hardware_prefix",
    "hardware_preparation",
    "schmidt_angles",
    "shot_current",
]

#: Name of the classical register holding the hot ancilla's outcome of collision k in bit k-1.
HOT_REGISTER = "hot"
#: Name of the classical register holding the cold ancilla's outcome of collision k in bit k-1.
COLD_REGISTER = "cold"
#: Qubits of the device protocol: S_A, S_B, R^h, R^c and the two purifying partners.
NUM_PROTOCOL_QUBITS = len(QUBIT_ROLES)
#: Valid encodings of the model's levels on the device (module docstring).
ENCODINGS = ("excited_is_0", "ground_is_0")
#: Encoding used by the device functions unless told otherwise: device relaxation then
#: acts towards the model's ground state (module docstring).
DEFAULT_ENCODING = "ground_is_0"


def check_encoding(encoding: object) -> str:
    """Validate ``encoding`` (one of :data:`ENCODINGS`); the error lists the valid names."""
    return check_choice("encoding", encoding, ENCODINGS)


def excited_sign(encoding: str) -> int:
    r"""+1 if a recorded 0 means the model's excited level (``"excited_is_0"``), else -1.

    The ancilla energy of one shot is :math:`(\omega/2)\,s\,(1 - 2b)` for recorded bit b
    and this sign s.
    """
    return 1 if check_encoding(encoding) == "excited_is_0" else -1


def shot_current(
    bits: NDArray, omega: float, sign: int, energy: float, errors: tuple[float, float] | None = None
) -> NDArray[np.float64]:
    r"""One shot's estimate of an ancilla's heat current from its recorded bits (Eqs. 10–11).

    .. math:: x = \tfrac{\omega}{2}\,s\,z - \mathrm{Tr}[H\eta], \qquad z = 1 - 2r,

    an unbiased sample of :math:`J(k)` on an ideal device. With the readout errors
    ``errors = (e0, e1)`` = (P(1|0), P(0|1)) of the measured qubit, :math:`z` is
    readout-mitigated per shot, :math:`z \to (z - (e_1 - e_0))/(1 - e_0 - e_1)`
    (the inverse of the affine readout map, :mod:`circuitheat.hardware.noise_map`).

    Parameters
    ----------
    bits : ndarray of 0/1
        Recorded bits r (any shape).
    omega : float
        Level splitting :math:`\omega` of the ancilla (energy units).
    sign : int
        :func:`excited_sign` of the encoding.
    energy : float
        :math:`\mathrm{Tr}[H\eta]` of the ancilla's fresh state (energy units).
    errors : (float, float), optional
        ``(e0, e1)`` to mitigate with; None: raw.

    Returns
    -------
    ndarray of float, shape of ``bits``
        :math:`x` per bit (energy units).
    """
    z = 1.0 - 2.0 * bits.astype(float)
    if errors is not None:
        e0, e1 = errors
        z = (z - (e1 - e0)) / (1.0 - e0 - e1)
    return 0.5 * omega * sign * z - energy


def schmidt_angles(reservoir: Reservoir) -> tuple[float, float, float]:
    r"""Angles ``(theta_s, alpha, phi)`` of :func:`hardware_preparation` (rad).

    The ancilla state of Eq. (12) is :math:`\eta = P(\phi)\,M\,P(\phi)^\dagger` with the real
    matrix :math:`M = \begin{pmatrix}\rho_{00} & c\\ c & \rho_{11}\end{pmatrix}`,
    :math:`c = p\sqrt{\rho_{00}\rho_{11}} = p/Z`, and :math:`P(\phi) = \mathrm{diag}(1, e^{i\phi})`.
    :math:`M = R_Y(\alpha)\,\mathrm{diag}(\lambda_0, \lambda_1)\,R_Y(\alpha)^T` with

    .. math::
        \alpha = \operatorname{atan2}(2c,\ \rho_{00}-\rho_{11}), \qquad
        \lambda_0 = \tfrac12 + \sqrt{\tfrac14(\rho_{00}-\rho_{11})^2 + c^2}, \qquad
        \lambda_1 = \frac{\det M}{\lambda_0} = \frac{(1-p^2)\,\rho_{00}\rho_{11}}{\lambda_0}

    (:math:`\lambda_1` from the determinant, so it keeps its relative precision as
    :math:`p \to 1`), and :math:`\theta_s = 2\operatorname{atan2}(\sqrt{\lambda_1}, \sqrt{\lambda_0})`.
    """
    if not isinstance(reservoir, Reservoir):
        raise TypeError(f"reservoir must be a Reservoir, got {reservoir!r} of type {type(reservoir).__name__}")
    excited, ground = (float(x) for x in ancilla_populations(reservoir.temperature, reservoir.omega))
    c = reservoir.coherence * math.sqrt(excited * ground)
    lam0 = 0.5 + math.hypot(0.5 * (excited - ground), c)
    lam1 = (1.0 - reservoir.coherence**2) * excited * ground / lam0
    return 2.0 * math.atan2(math.sqrt(lam1), math.sqrt(lam0)), math.atan2(2.0 * c, excited - ground), reservoir.phase


def hardware_preparation(reservoir: Reservoir, *, label: str | None = None) -> Instruction:
    r"""Reset an ancilla and its partner and prepare the ancilla in :math:`\eta` (Eq. 12) with one CNOT.

    On qubits ``[ancilla, partner]``: reset both, then

    .. math::
        |\Psi\rangle = P(\phi)_a\,R_Y(\alpha)_a\;\mathrm{CX}_{a\to b}\;R_Y(\theta_s)_a\,|00\rangle
        = \sqrt{\lambda_0}\,|v_0\rangle_a|0\rangle_b + \sqrt{\lambda_1}\,|v_1\rangle_a|1\rangle_b,

    the Schmidt form of a purification of :math:`\eta = \lambda_0|v_0\rangle\langle v_0|
    + \lambda_1|v_1\rangle\langle v_1|` with :math:`|v_j\rangle = P(\phi)R_Y(\alpha)|j\rangle`
    (angles: :func:`schmidt_angles`). Tracing out the partner leaves :math:`\eta` exactly,
    for every T in [1e-3, inf] and p in [0, 1] (p = 1: :math:`\theta_s = 0`, a product
    state). Same name (:data:`~circuitheat.circuits.PREPARATION_NAME`) and qubits as
    :func:`circuitheat.circuits.ancilla_preparation` with ``method="purification"``, one
    two-qubit gate instead of two (module docstring).

    Returns
    -------
    qiskit.circuit.Instruction
        Defined by ``reset``, ``ry``, ``cx``, ``ry``, ``p``.
    """
    theta_s, alpha, phi = schmidt_angles(reservoir)
    definition = QuantumCircuit(2, name=PREPARATION_NAME)
    definition.reset(0)
    definition.reset(1)
    definition.ry(theta_s, 0)
    definition.cx(0, 1)
    definition.ry(alpha, 0)
    definition.p(phi, 0)
    inst = Instruction(PREPARATION_NAME, 2, 0, [], label=label)
    inst.definition = definition
    return inst


def with_hardware_preparations(circuit: QuantumCircuit, model: CollisionModel, *, flip: bool = False) -> QuantumCircuit:
    """``circuit`` with every ancilla preparation replaced by :func:`hardware_preparation` (one CNOT each).

    For circuits of :mod:`circuitheat.circuits` built with ``preparation="purification"``
    (qubit order of :data:`~circuitheat.circuits.QUBIT_ROLES`): a preparation on qubit
    :data:`~circuitheat.circuits.HOT` gets the hot reservoir's state, one on
    :data:`~circuitheat.circuits.COLD` the cold one's. With ``flip`` an X gate follows each
    preparation (encoding ``"ground_is_0"``). Everything else is kept as it is.
    """
    reservoirs = {HOT: model.hot, COLD: model.cold}
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        if inst.operation.name != PREPARATION_NAME:
            out._append(inst)
            continue
        ancilla = circuit.find_bit(inst.qubits[0]).index
        if ancilla not in reservoirs or inst.operation.num_qubits != 2:
            raise ValueError(f"a purification preparation must act on (r_h, p_h) or (r_c, p_c), got qubit {ancilla}")
        prep = hardware_preparation(reservoirs[ancilla], label=inst.operation.label)
        out._append(CircuitInstruction(prep, inst.qubits, ()))
        if flip:
            out.x(inst.qubits[0])
    return out


def hardware_block(model: CollisionModel, *, encoding: str = DEFAULT_ENCODING) -> QuantumCircuit:
    """One collision of the device protocol, ending with both ancillas measured.

    :func:`circuitheat.circuits.collision_block` with ``preparation="purification"`` and
    ``measure=True`` (1-bit registers ``hot`` and ``cold``), each ancilla preparation
    replaced by :func:`hardware_preparation` (one CNOT); with ``encoding="ground_is_0"``
    an X gate follows each ancilla preparation.

    Returns
    -------
    QuantumCircuit
        6 qubits (order of :data:`~circuitheat.circuits.QUBIT_ROLES`), 2 clbits.
    """
    model = check_model(model)
    encoding = check_encoding(encoding)
    block = collision_block(model, "purification", measure=True)
    out = with_hardware_preparations(block, model, flip=encoding == "ground_is_0")
    out.metadata = dict(block.metadata) | {"encoding": encoding, "preparation_circuit": "schmidt (1 cx)"}
    return out


def hardware_prefix(initial_state: str | ArrayLike = "11", *, encoding: str = DEFAULT_ENCODING) -> QuantumCircuit:
    r"""The system's initial-state preparation on the 6 protocol qubits.

    Parameters
    ----------
    initial_state : str or array_like
        A label from :data:`~circuitheat.states.SYSTEM_LABELS` (default ``"11"``, the
        model's ground state, as in the paper's Fig. 2) or a normalised 4-vector
        (package basis :math:`|S_AS_B\rangle`). A mixed state cannot be prepared on the
        device without extra qubits and is rejected.
    encoding : {"ground_is_0", "excited_is_0"}

    Raises
    ------
    ValueError
        For a density matrix or an invalid label/vector.
    """
    encoding = check_encoding(encoding)
    if not isinstance(initial_state, str) and np.asarray(initial_state).ndim == 2:
        raise ValueError(
            "initial_state must be a label such as '11' or a normalised 4-vector on a device; "
            f"got a matrix of shape {np.asarray(initial_state).shape} (a mixed state needs extra qubits)"
        )
    if isinstance(initial_state, str) and initial_state in SYSTEM_LABELS and encoding == "ground_is_0":
        initial_state = "".join("1" if bit == "0" else "0" for bit in initial_state)
        flip = False
    else:
        flip = encoding == "ground_is_0"
    two = initial_state_circuit(initial_state)
    out = QuantumCircuit(NUM_PROTOCOL_QUBITS, name="initial_state")
    out.compose(two, qubits=[SYSTEM_A, SYSTEM_B], inplace=True)
    if flip:
        out.x([SYSTEM_A, SYSTEM_B])
    return out


def assemble_protocol(
    prefix: QuantumCircuit,
    block: QuantumCircuit,
    n_collisions: int,
    *,
    barrier_qubits: Sequence[int] | None = None,
    name: str = "collision_protocol",
    registers: Sequence[str] = (HOT_REGISTER, COLD_REGISTER),
) -> QuantumCircuit:
    """``prefix``, then ``block`` ``n_collisions`` times, outcomes of collision k into bit k-1.

    Works for the logical circuits of this module and for their transpiled (full device
    width) versions alike: the result has the qubits of ``block`` and one classical
    register of ``n_collisions`` bits per name in ``registers`` (default
    :data:`HOT_REGISTER`, :data:`COLD_REGISTER`).

    Parameters
    ----------
    prefix, block : QuantumCircuit
        Same number of qubits; ``block`` has the 1-bit registers ``hot`` and ``cold``
        (as :func:`hardware_block`), ``prefix`` no classical bits.
    n_collisions : int
    barrier_qubits : sequence of int, optional
        Qubits of the barrier placed after every collision (default: all qubits).
    registers : sequence of str
        Names of the 1-bit registers of ``block`` (a network's step measures one
        ancilla per collision into ``m0, m1, ...``).
    """
    n = check_count("n_collisions", n_collisions)
    if prefix.num_qubits != block.num_qubits:
        raise ValueError(f"prefix and block must have the same qubits, got {prefix.num_qubits} and {block.num_qubits}")
    creg = {reg: ClassicalRegister(n, reg) for reg in registers}
    out = QuantumCircuit(*block.qregs, *creg.values(), name=name)
    if len(out.qubits) != block.num_qubits:  # a block built from loose qubits
        raise ValueError("block must have its qubits in registers")
    out.global_phase = prefix.global_phase + n * block.global_phase
    qubit_index = {q: i for i, q in enumerate(block.qubits)}
    for inst in prefix.data:
        if inst.clbits:
            raise ValueError("prefix must not use classical bits")
        out._append(CircuitInstruction(inst.operation, [out.qubits[prefix.find_bit(q).index] for q in inst.qubits], ()))
    clbit_register = {}
    for clbit in block.clbits:
        registers = block.find_bit(clbit).registers
        if not registers or registers[0][0].name not in creg:
            raise ValueError(f"block clbits must belong to the registers {', '.join(map(repr, registers))}")
        clbit_register[clbit] = registers[0][0].name
    if barrier_qubits is None:
        barrier_qubits = range(block.num_qubits)
    barrier = [out.qubits[i] for i in barrier_qubits]
    block_data = [
        (inst.operation, [out.qubits[qubit_index[q]] for q in inst.qubits], [clbit_register[c] for c in inst.clbits])
        for inst in block.data
    ]
    for k in range(n):
        for op, qubits, clbits in block_data:
            out._append(CircuitInstruction(op, qubits, [creg[name][k] for name in clbits]))
        out._append(CircuitInstruction(Barrier(len(barrier), label=f"collision {k + 1}"), barrier, ()))
    return out


def hardware_circuit(
    model: CollisionModel | CollisionNetwork,
    n_collisions: int,
    *,
    initial_state: str | ArrayLike | None = None,
    encoding: str = DEFAULT_ENCODING,
) -> QuantumCircuit:
    r"""The device protocol: purification preparation, every ancilla measured right before its reset.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
        Parameters of Eqs. (3), (5), (12). A :class:`~circuitheat.CollisionNetwork` gets
        its own device circuit, one measured ancilla per collision
        (:func:`circuitheat.hardware.network_protocol.network_hardware_circuit`).
    n_collisions : int
        Number of collisions n >= 1 (any number: the circuit is flat).
    initial_state : str or array_like, optional
        System state, see :func:`hardware_prefix` (default ``"11"``, the model's ground state).
    encoding : {"ground_is_0", "excited_is_0"}
        How the model's levels sit on the device's (module docstring).

    Returns
    -------
    QuantumCircuit
        6 qubits (:data:`~circuitheat.circuits.QUBIT_ROLES` order), classical registers
        ``hot`` and ``cold`` of n bits (bit k-1: outcome of collision k). Standard gates
        plus :class:`~circuitheat.circuits.PartialSwapGate` and the preparation
        instruction, both defined in standard gates; no control flow. ``metadata``
        records the model, ``n_collisions``, ``encoding``, ``initial_state``, the qubit
        roles and the register names.

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> from circuitheat.hardware import hardware_circuit
    >>> model = ch.CollisionModel(np.pi / 2, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    >>> qc = hardware_circuit(model, 3)
    >>> [creg.name for creg in qc.cregs], qc.count_ops()["measure"]
    (['hot', 'cold'], 6)
    """
    if isinstance(model, CollisionNetwork):
        from .network_protocol import network_hardware_circuit

        return network_hardware_circuit(model, n_collisions, initial_state=initial_state, encoding=encoding)
    model = check_model(model)
    n = check_count("n_collisions", n_collisions)
    encoding = check_encoding(encoding)
    initial_state = "11" if initial_state is None else initial_state
    block = hardware_block(model, encoding=encoding)
    qc = assemble_protocol(hardware_prefix(initial_state, encoding=encoding), block, n, name="hardware_protocol")
    qc.metadata = dict(block.metadata) | {
        "n_collisions": n,
        "measure": True,
        "encoding": encoding,
        "initial_state": initial_state if isinstance(initial_state, str) else "vector",
        "registers": {"hot": HOT_REGISTER, "cold": COLD_REGISTER, "bit": "k-1 holds collision k"},
        "measured_qubits": {"hot": HOT, "cold": COLD},
    }
    return qc
