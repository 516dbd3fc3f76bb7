r"""Qiskit circuits of a collision network: the step block, the n-step protocol, OpenQASM 3.

Building circuits is kept apart from running them (:mod:`circuitheat.engines.aer`). The
step block is built **once** from the network's gates (:attr:`Interaction.qiskit_gate
<circuitheat.network.Interaction.qiskit_gate>`, :attr:`Collision.qiskit_gate
<circuitheat.network.Collision.qiskit_gate>`: Qiskit qubit 0 of every gate on its first
slot, :mod:`circuitheat.network.gates`) and appended n times.

Qubit layout (:class:`NetworkLayout`)
-------------------------------------
For a network of N sites whose step has m collisions:

=================  ====================================  ==========================================
circuit qubits     register (OpenQASM name)              role
=================  ====================================  ==========================================
``0 .. N-1``       ``site`` (``site[i]`` = qubit i)      system site i
``N .. N+m-1``     ``anc`` (``anc[c]`` = qubit N+c)      ancilla of the c-th collision of the step
                                                         (order of ``network.collisions``), reset
                                                         and re-prepared at the start of every step
``N+m .. N+2m-1``  ``partner`` (``partner[c]``)          purifying partner of ancilla c
                                                         (``preparation="purification"`` only)
=================  ====================================  ==========================================

Every collision of a step meets its own ancilla qubit, so the joint state of the step's
ancillas after the step is on the circuit (``ancillas=True`` of the Aer engine).

Basis translation (the one place it is written)
-----------------------------------------------
Computational basis states mean the same thing in Qiskit and in the package
(:math:`|0\rangle` excited, Qiskit's :math:`Z=+1`); only the order of tensor factors
differs. Qiskit is little-endian: a matrix on the qubit list ``[q_0, ..., q_{k-1}]``
(a gate's matrix, a ``save_density_matrix`` or ``save_probabilities`` on that list) has
index :math:`\sum_j b(q_j)\,2^j`, ``q_0`` least significant. The package's kron basis puts
its *first* factor most significant: a system matrix has site 0 most significant
(``np.kron(rho_0, rho_1, ...)``), a joint ancilla matrix has the step's first collision
most significant. Hence:

* a quantity saved on the **reversed** list ``[site[N-1], ..., site[0]]`` (resp.
  ``[anc[m-1], ..., anc[0]]``) is already in the package basis: no permutation at read time
  (this is how :func:`network_protocol` saves);
* a package matrix placed on ``[site[0], ..., site[N-1]]`` needs its k qubit axes reversed,
  :func:`reverse_qubit_order` (its own inverse), e.g. the initial state;
* a two-qubit gate matrix: :func:`circuitheat.network.gates.gate_matrix` /
  :func:`~circuitheat.network.gates.qiskit_gate` (the SWAP conjugation, the k = 2 case).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import (
    CircuitInstruction,
    ClassicalRegister,
    Gate,
    Instruction,
    Measure,
    QuantumCircuit,
    QuantumRegister,
)
from qiskit.circuit.library import UnitaryGate
from qiskit_aer.library import SaveDensityMatrix, SaveProbabilities, SetDensityMatrix

from ..circuits import PREPARATIONS, _check_save, ancilla_preparation, to_qasm3
from ..resources import check_memory
from ..states import system_initial_state
from ..validation import InputTypeError, InputValueError, check_choice, check_count
from .gates import PartialSwapGate
from .spec import Collision, CollisionNetwork, Interaction, check_network

__all__ = [
    "NETWORK_SAVE_KINDS",
    "NetworkLayout",
    "network_initial_state",
    "network_layout",
    "network_protocol",
    "network_save_label",
    "network_step_block",
    "network_to_qasm3",
    "reverse_qubit_order",
]

#: What :func:`network_protocol` can save after every step k (Aer save instructions, each
#: in the package basis, see the module docstring):
#: ``"system"``: density matrix of the N sites (2^N × 2^N);
#: ``"system_populations"``: its diagonal (2^N), enough for the system energy;
#: ``"ancillas"``: joint density matrix of the step's m ancillas (2^m × 2^m);
#: ``"ancilla_populations"``: its diagonal (2^m), enough for the heat currents.
NETWORK_SAVE_KINDS = ("system", "system_populations", "ancillas", "ancilla_populations")

#: Basis states of a label have one nonzero diagonal entry; anything within this of a
#: projector |b><b| is prepared with X gates (a validated state is Hermitian to 1e-10).
_BASIS_TOL = 1e-14


@dataclass(frozen=True)
class NetworkLayout:
    """Which circuit qubit is which site, ancilla and partner (see the module docstring).

    Attributes
    ----------
    sites : int
        N.
    collisions : int
        m, the number of collisions in the step (one ancilla qubit each).
    preparation : {"channel", "purification"}
        ``"purification"`` adds one partner qubit per ancilla.
    """

    sites: int
    collisions: int
    preparation: str

    @property
    def site_qubits(self) -> tuple[int, ...]:
        """Circuit qubit of site i, for i = 0..N-1 (qubit i)."""
        return tuple(range(self.sites))

    @property
    def ancilla_qubits(self) -> tuple[int, ...]:
        """Circuit qubit of the c-th collision's ancilla, c = 0..m-1 (qubit N + c)."""
        return tuple(range(self.sites, self.sites + self.collisions))

    @property
    def partner_qubits(self) -> tuple[int, ...]:
        """Circuit qubit of ancilla c's purifying partner (qubit N + m + c; empty for ``"channel"``)."""
        if self.preparation != "purification":
            return ()
        start = self.sites + self.collisions
        return tuple(range(start, start + self.collisions))

    @property
    def num_qubits(self) -> int:
        """N + m (channel) or N + 2m (purification)."""
        return self.sites + self.collisions + len(self.partner_qubits)

    @property
    def roles(self) -> list[str]:
        """Role of every circuit qubit, by index: ``"site i"``, ``"ancilla c"``, ``"partner c"``."""
        out = [f"site {i}" for i in range(self.sites)]
        out += [f"ancilla {c}" for c in range(self.collisions)]
        out += [f"partner {c}" for c in range(len(self.partner_qubits))]
        return out

    def registers(self) -> list[QuantumRegister]:
        """The quantum registers ``site``, ``anc``, ``partner`` (empty ones left out), in qubit order."""
        sizes = (("site", self.sites), ("anc", self.collisions), ("partner", len(self.partner_qubits)))
        return [QuantumRegister(size, name) for name, size in sizes if size]


def network_layout(network: CollisionNetwork, preparation: str = "channel") -> NetworkLayout:
    """The :class:`NetworkLayout` of ``network``'s circuits with the given ancilla preparation."""
    network = check_network(network)
    preparation = check_choice("preparation", preparation, PREPARATIONS)
    return NetworkLayout(network.sites, len(network.collisions), preparation)


def reverse_qubit_order(matrix: ArrayLike, num_qubits: int) -> NDArray[np.complex128]:
    """Reverse the order of the ``num_qubits`` tensor factors of a (..., 2^k, 2^k) matrix or (..., 2^k) vector.

    Translates between Qiskit's little-endian order on ``[q_0, ..., q_{k-1}]`` and the
    package's kron order with ``q_0`` most significant (module docstring); its own inverse.
    """
    arr = np.asarray(matrix, dtype=complex)
    k = int(num_qubits)
    dim = 2**k
    if arr.ndim >= 2 and arr.shape[-2:] == (dim, dim):
        lead = arr.shape[:-2]
        t = arr.reshape(*lead, *(2,) * (2 * k))
        nl = len(lead)
        perm = [*range(nl), *range(nl + k - 1, nl - 1, -1), *range(nl + 2 * k - 1, nl + k - 1, -1)]
        return t.transpose(perm).reshape(arr.shape)
    if arr.ndim >= 1 and arr.shape[-1] == dim:
        lead = arr.shape[:-1]
        t = arr.reshape(*lead, *(2,) * k)
        nl = len(lead)
        return t.transpose([*range(nl), *range(nl + k - 1, nl - 1, -1)]).reshape(arr.shape)
    raise InputValueError(f"matrix must have shape (..., {dim}, {dim}) or (..., {dim}) for {k} qubits, got {arr.shape}")


def network_save_label(kind: str, step: int) -> str:
    """Label of the Aer save of ``kind`` (:data:`NETWORK_SAVE_KINDS`) after step ``step`` (1-based), e.g. ``"system_3"``."""
    kind = check_choice("save", kind, NETWORK_SAVE_KINDS)
    return f"{kind}_{int(step)}"


def _metadata(network: CollisionNetwork, layout: NetworkLayout) -> dict:
    roles = layout.roles
    for c, col in enumerate(network.collisions):
        roles[layout.ancilla_qubits[c]] += f" ({col.reservoir}, site {col.site})"
        if layout.partner_qubits:
            roles[layout.partner_qubits[c]] += f" ({col.reservoir})"
    return {
        "qubit_roles": roles,
        "preparation": layout.preparation,
        "sites": network.sites,
        "omega": list(network.omega),
        "collisions": [(col.reservoir, col.site) for col in network.collisions],
    }


def network_step_block(network: CollisionNetwork, preparation: str = "channel", *, measure: bool = False) -> QuantumCircuit:
    r"""One step of ``network`` as a circuit on all qubits of the protocol (:class:`NetworkLayout`).

    In order: the reset and re-preparation of every ancilla of the step
    (:func:`circuitheat.circuits.ancilla_preparation` of its reservoir's state, one
    instruction per reservoir, reused), then the step's gates in the step's order: an
    :class:`~circuitheat.network.Interaction` on ``[site[i], site[j]]``, the c-th
    :class:`~circuitheat.network.Collision` on ``[site[s], anc[c]]`` (s its site) (Qiskit qubit 0 on the
    gate's first slot). Each ancilla is touched only by its own collision, so preparing
    them all first is the same map as preparing each right before its collision.

    Parameters
    ----------
    network : CollisionNetwork
    preparation : {"channel", "purification"}
        ``"channel"``: the exact Kraus replacement channel (simulation only);
        ``"purification"``: standard gates and a partner qubit per ancilla (hardware, OpenQASM).
    measure : bool
        Measure every ancilla at the end into the 1-bit classical register ``m{c}``.

    Returns
    -------
    QuantumCircuit
        ``metadata`` holds the qubit roles, the preparation, N, the omegas and the collisions.
    """
    layout = network_layout(network, preparation)
    if not isinstance(measure, bool):
        raise InputTypeError(f"measure must be a bool, got {measure!r}")
    qc = QuantumCircuit(*layout.registers(), name="network_step")
    if measure:
        for c in range(layout.collisions):
            qc.add_register(ClassicalRegister(1, f"m{c}"))
    preps: dict[str, Instruction] = {}
    for name in dict.fromkeys(col.reservoir for col in network.collisions):
        preps[name] = ancilla_preparation(network.reservoirs[name], layout.preparation, label=f"η_{name}")
    for c, col in enumerate(network.collisions):
        qubits = [layout.ancilla_qubits[c]] + ([layout.partner_qubits[c]] if layout.partner_qubits else [])
        qc.append(preps[col.reservoir], qubits)
    c = 0
    for op in network.step:
        if isinstance(op, Interaction):
            qc.append(op.qiskit_gate, list(op.sites))
        else:
            assert isinstance(op, Collision)
            qc.append(op.qiskit_gate, [op.site, layout.ancilla_qubits[c]])
            c += 1
    if measure:
        for c, q in enumerate(layout.ancilla_qubits):
            qc.measure(q, qc.cregs[c][0])
    qc.metadata = _metadata(network, layout) | {"n_steps": 1, "measure": measure}
    return qc


def _basis_index(rho: NDArray) -> int | None:
    """Index b if ``rho`` is the projector |b><b| (to :data:`_BASIS_TOL`), else None."""
    b = int(np.argmax(rho.diagonal().real))
    target = np.zeros_like(rho)
    target[b, b] = 1.0
    return b if float(np.max(np.abs(rho - target))) <= _BASIS_TOL else None


def network_initial_state(
    network: CollisionNetwork, initial_state: str | ArrayLike | None = None, layout: NetworkLayout | None = None
) -> QuantumCircuit:
    r"""Circuit (all protocol qubits, from :math:`|0\ldots0\rangle`) preparing the system's initial state.

    Parameters
    ----------
    network : CollisionNetwork
    initial_state : str or array_like, optional
        As in :func:`circuitheat.simulate` (default: every site in the ground state
        :math:`|1\rangle`). A computational basis state (a label, or a vector or matrix
        equal to one) becomes X gates; any other pure state a ``unitary`` on the site
        qubits whose first column is the state; a mixed state an Aer ``set_density_matrix``
        of the whole register (simulation only; memory :math:`16\cdot4^{\text{qubits}}` bytes).
    layout : NetworkLayout, optional
        Default: the ``"channel"`` layout of ``network``.
    """
    network = check_network(network)
    layout = network_layout(network) if layout is None else layout
    n = network.sites
    rho = system_initial_state(initial_state, n)
    qc = QuantumCircuit(*layout.registers(), name="initial_state")
    b = _basis_index(rho)
    if b is not None:
        for i, bit in enumerate(format(b, f"0{n}b")):  # bit i = site i (site 0 most significant)
            if bit == "1":
                qc.x(i)
        return qc
    vals, vecs = np.linalg.eigh(rho)
    if vals[-1] >= 1.0 - 1e-12:
        # Pure: a unitary whose first column is psi (Householder completion), on [site[0], ..., site[N-1]].
        psi = reverse_qubit_order(vecs[:, -1], n)
        unitary = _unitary_with_first_column(psi)
        qc.append(UnitaryGate(unitary, check_input=False, label="ψ0"), list(layout.site_qubits))
        return qc
    total = 2**layout.num_qubits
    check_memory(f"mixed initial state on {layout.num_qubits} qubits", 2 * 16 * total * total)
    full = np.zeros((total, total), dtype=complex)  # ancillas and partners in |0>: the top-left block
    full[: 2**n, : 2**n] = reverse_qubit_order(rho, n)
    qc.append(SetDensityMatrix(full), list(range(layout.num_qubits)))
    return qc


def _unitary_with_first_column(psi: NDArray) -> NDArray[np.complex128]:
    """A unitary U with U|0> = psi: the Householder reflection mapping e_0 to psi (times a phase)."""
    psi = psi / np.linalg.norm(psi)
    phase = psi[0] / abs(psi[0]) if abs(psi[0]) > 0 else 1.0
    v = psi / phase
    v = v.copy()
    v[0] -= 1.0
    norm = np.linalg.norm(v)
    if norm < 1e-15:
        return phase * np.eye(psi.size, dtype=complex)
    v /= norm
    # (I - 2 v v^dagger) e_0 = psi/phase, exactly unitary.
    return phase * (np.eye(psi.size, dtype=complex) - 2.0 * np.outer(v, v.conj()))


def _save_instruction(kind: str, step: int, qubits: list) -> CircuitInstruction:
    label = network_save_label(kind, step)
    if kind.endswith("_populations"):
        return CircuitInstruction(SaveProbabilities(len(qubits), label=label), qubits)
    return CircuitInstruction(SaveDensityMatrix(len(qubits), label=label), qubits)


def network_protocol(
    network: CollisionNetwork,
    n_steps: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike | None = None,
    save: str | Sequence[str] | None = ("system", "ancilla_populations"),
    measure: bool = False,
    transform: Callable[[QuantumCircuit], QuantumCircuit] | None = None,
) -> QuantumCircuit:
    r"""The whole protocol: the initial state, then ``n_steps`` copies of :func:`network_step_block`.

    Parameters
    ----------
    network : CollisionNetwork
    n_steps : int
        Number of steps n >= 1.
    preparation : {"channel", "purification"}
    initial_state : str or array_like, optional
        See :func:`network_initial_state`.
    save : sequence of :data:`NETWORK_SAVE_KINDS`, or None
        Aer saves after every step k (labels :func:`network_save_label`), each on the
        reversed qubit list, so already in the package basis. ``None`` for a circuit
        without Aer-specific instructions (export, hardware).
    measure : bool
        Measure every ancilla after each step (after the saves, before the next reset):
        bit ``k-1`` of register ``m{c}`` holds the outcome of collision c in step k.
    transform : callable, optional
        Rewrite applied once to the step block and the initial-state circuit (e.g.
        :func:`circuitheat.engines.aer.to_aer_native`), not once per step.

    Returns
    -------
    QuantumCircuit
        ``metadata``: qubit roles, preparation, N, omegas, collisions, ``n_steps``, ``save``,
        ``measure``.
    """
    n = check_count("n_steps", n_steps)
    layout = network_layout(network, preparation)
    kinds = _check_save(save, NETWORK_SAVE_KINDS)
    if not isinstance(measure, bool):
        raise InputTypeError(f"measure must be a bool, got {measure!r}")
    block = network_step_block(network, layout.preparation)
    init = network_initial_state(network, initial_state, layout)
    if transform is not None:
        block = transform(block)
        init = transform(init)
    qc = block.copy_empty_like(name="network_protocol")
    qc.global_phase = 0.0
    cregs = [ClassicalRegister(n, f"m{c}") for c in range(layout.collisions)] if measure else []
    for creg in cregs:
        qc.add_register(creg)
    qc.compose(init, inplace=True)
    # The block shares qc's qubits, so its instructions are appended as they are with the
    # low-level ``_append`` (as in circuitheat.circuits.build_protocol): ``compose`` would
    # copy and re-validate every instruction at every step.
    block_data = list(block.data)
    targets = {
        "system": [qc.qubits[q] for q in reversed(layout.site_qubits)],
        "ancillas": [qc.qubits[q] for q in reversed(layout.ancilla_qubits)],
    }
    targets["system_populations"] = targets["system"]
    targets["ancilla_populations"] = targets["ancillas"]
    for k in range(1, n + 1):
        for inst in block_data:
            qc._append(inst)
        qc.global_phase += block.global_phase
        for kind in kinds:
            if targets[kind]:
                qc._append(_save_instruction(kind, k, targets[kind]))
        for c, creg in enumerate(cregs):
            qc._append(CircuitInstruction(Measure(), [qc.qubits[layout.ancilla_qubits[c]]], [creg[k - 1]]))
    qc.metadata = _metadata(network, layout) | {"n_steps": n, "save": list(kinds), "measure": measure}
    return qc


def _named_for_export(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` with every non-standard gate renamed ``g0, g1, ...`` (by first use), same definitions.

    Qiskit's exporter would name a :class:`~qiskit.circuit.library.UnitaryGate`
    ``unitary``, which loads back as a parameterless gate that clashes with Aer's native
    ``unitary``, and a circuit gate by its object id (different at every run). Partial
    swaps keep their parametric ``pswap`` (:func:`circuitheat.circuits.to_qasm3`), standard
    gates their names.
    """
    out = circuit.copy_empty_like()
    renamed: dict[int, tuple[Instruction, Gate]] = {}  # id -> (original kept alive, replacement)
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, Gate) and not isinstance(op, PartialSwapGate) and getattr(op, "_standard_gate", None) is None:
            entry = renamed.get(id(op))
            if entry is None:
                twin = Gate(f"g{len(renamed)}", op.num_qubits, [], label=op.label)
                twin.definition = op.definition
                entry = renamed[id(op)] = (op, twin)
            inst = inst.replace(operation=entry[1])
        out._append(inst)
    return out


def network_to_qasm3(
    network: CollisionNetwork, n_steps: int | None = None, *, initial_state: str | ArrayLike | None = None
) -> str:
    r"""OpenQASM 3 text of one step (``n_steps=None``) or of the n-step protocol of ``network``.

    Built with ``preparation="purification"`` (standard gates only; the Kraus channel has no
    OpenQASM form) and without Aer saves; the protocol measures every ancilla after each
    step, before its reset, into ``m{c}[k-1]`` (:func:`network_protocol`), so one
    circuit's counts give every :math:`J_r(k)`. A comment header records the qubit layout.
    Loadable with :func:`qiskit.qasm3.loads`.

    Parameters
    ----------
    network : CollisionNetwork
    n_steps : int, optional
        Steps of the protocol; None for the one-step block (without measurements).
    initial_state : str or array_like, optional
        A basis or pure state (:func:`network_initial_state`); a mixed state is refused.
    """
    network = check_network(network)
    if n_steps is None:
        circuit = network_step_block(network, "purification")
        what = "one step (purification preparation)"
    else:
        circuit = network_protocol(
            network, n_steps, preparation="purification", initial_state=initial_state, save=None, measure=True
        )
        what = f"{circuit.metadata['n_steps']} steps, each ancilla measured into m<c>[k-1] after step k, before its reset"
    if any(inst.operation.name == "set_density_matrix" for inst in circuit.data):
        raise InputValueError("initial_state must be a basis or pure state for OpenQASM export, got a mixed state")
    circuit = _named_for_export(circuit)
    header = [f"circuitheat: collision network, {what}", "qubits (Qiskit index: role):"]
    header += [f"  {q}: {role}" for q, role in enumerate(circuit.metadata["qubit_roles"])]
    header += [
        f"site omegas: {list(network.omega)}",
        "|0> is the excited level of H = (omega/2) sigma_z; site[0] is the most significant site in the package basis.",
        "Global phases of the gates are not written (OpenQASM 3 as exported has none; unobservable here).",
        "g0, g1, ...: the network's non-standard gates (matrices, circuits, Heisenberg) in order of first use.",
    ]
    return to_qasm3(circuit, header)
