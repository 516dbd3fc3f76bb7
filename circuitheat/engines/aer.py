r"""The circuit engine: collision circuits run on Qiskit Aer's density-matrix simulator.

One trajectory is **one** circuit run: the circuit of
:func:`circuitheat.circuits.collision_circuit` (the collision block built once and
appended n times, ancillas reset and re-prepared before every collision) with an Aer
``save_density_matrix`` of the system pair and of the ancilla pair after every
collision. From the ancilla pair (the joint state of :math:`R^h_k, R^c_k` right after
collision k, with marginals :math:`\tilde\eta^h_k, \tilde\eta^c_k`) the heat currents are

.. math:: J_h(k) = \mathrm{Tr}[H(\tilde\eta^h_k - \eta^h)], \qquad
          J_c(k) = \mathrm{Tr}[H(\tilde\eta^c_k - \eta^c)] \qquad \text{(Eqs. 10–11)},

with :math:`H = (\omega/2)\sigma_z`, so :math:`\mathrm{Tr}[H\rho] = (\omega/2)(\rho_{00} - \rho_{11})`.

A :class:`~circuitheat.CollisionNetwork` runs the same way: the circuit of
:func:`circuitheat.network.circuits.network_protocol` (its step block built once, one
ancilla qubit per collision, reset and re-prepared every step), with the system density
matrix (or its populations) and the ancillas' populations (or their joint density matrix,
``ancillas=True``) saved after every step; :func:`network_observables` turns them into
:math:`J_r(k)`, the work and the system energy.

Aer's density-matrix method runs a fixed instruction set and Aer does not transpile.
:func:`to_aer_native` rewrites the few instructions it lacks into exact equivalents:
each :class:`~circuitheat.circuits.PartialSwapGate`, and any other non-native gate on one
or two qubits (a network's Heisenberg gate, a user's circuit), becomes its exact matrix
(one ``unitary`` instruction instead of e.g. RXX, RYY, RZZ), each purification preparation becomes
its two resets plus one 2-qubit ``unitary`` (the product of ``ry``, ``cry``, ``p``), and
any other composite instruction is replaced by its definition. The engine applies it
once, to the collision block, before appending the block n times
(:func:`aer_collision_circuit`); applied to the whole readable circuit it gives the same
instructions. Where the time goes is measured by ``benchmarks/bench_aer.py``
(:class:`AerTimings`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import CircuitInstruction, Gate, Instruction, QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.quantum_info import DensityMatrix, Operator
from qiskit_aer import AerSimulator

from ..circuits import (
    PREPARATION_NAME,
    PREPARATIONS,
    SAVE_KINDS,
    PartialSwapGate,
    _check_save,
    build_protocol,
    save_label,
    to_ancilla_pair_matrix,
    to_system_matrix,
)
from ..model import CollisionModel, check_model
from ..network.circuits import NETWORK_SAVE_KINDS, network_protocol, network_save_label
from ..network.spec import CollisionNetwork, check_network
from ..network.step import step_map
from ..resources import check_memory
from ..states import system_hamiltonian
from ..validation import InputTypeError, InputValueError, check_choice, check_count
from . import direct as _direct  # noqa: F401  ("direct" is registered first, the default engine)
from .base import EngineRun, register_engine

__all__ = [
    "AER_THREADS",
    "AerEngine",
    "AerTimings",
    "aer_collision_circuit",
    "aer_network_circuit",
    "aer_simulator",
    "ancilla_energies",
    "network_observables",
    "run_collision_circuit",
    "run_collision_circuit_timed",
    "run_network_circuit_timed",
    "to_aer_native",
]

#: Seed passed to Aer. The density-matrix runs here contain no measurement, so the
#: result is deterministic; the seed only pins Aer's bookkeeping for reproducibility.
SEED_SIMULATOR = 20240611


#: Non-native gates on at most this many qubits are lowered to one exact ``unitary``
#: (a network's two-qubit gates); larger composite instructions to their definitions.
_FUSE_MAX_QUBITS = 2


#: OpenMP threads of one engine run. Aer parallelises a density matrix of 7 qubits or more
#: (a 14-qubit vector); with anything else running on the cores the threads spin against
#: each other: an N = 6 network (8 qubits, 10 steps) took 3.8 s with Aer's default threads
#: and 0.31 s with one, both cores busy (``benchmarks/bench_network_aer.py``). As for BLAS
#: (:mod:`circuitheat.threads`), circuitheat runs each simulation on one thread and leaves
#: parallelism to sweeps over processes. The paper's circuits (4–6 qubits) never used threads.
AER_THREADS = 1


@functools.cache
def aer_simulator() -> AerSimulator:
    """The shared ``AerSimulator(method="density_matrix")`` used by this engine."""
    return AerSimulator(method="density_matrix")


@functools.cache
def _native_names() -> frozenset[str]:
    """Instruction names Aer's density-matrix method executes directly."""
    return frozenset(aer_simulator().target.operation_names) | {"barrier"}


@dataclass(frozen=True)
class AerTimings:
    """Wall-clock split of one Aer run (seconds).

    Attributes
    ----------
    build : float
        Building the Aer-ready circuit (:func:`aer_collision_circuit`: the block is
        built and made Aer-native once, then appended n times).
    convert : float
        Aer's own conversion of the :class:`~qiskit.circuit.QuantumCircuit` into its C++
        circuit (``compile_circuit`` + ``assemble_circuits`` + configuration):
        Aer's ``result.time_taken`` minus its C++ execution time.
    simulate : float
        Aer's C++ execution (``result.metadata["time_taken_execute"]``).
    read : float
        Formatting Aer's output into a ``Result`` plus extracting and translating the
        saved matrices into arrays.
    """

    build: float
    convert: float
    simulate: float
    read: float

    @property
    def total(self) -> float:
        """End-to-end time (s)."""
        return self.build + self.convert + self.simulate + self.read


# --------------------------------------------------------------------------- lowering


def _lower_operation(op: Instruction) -> list[tuple[Instruction, tuple[int, ...]]]:
    """Exact Aer-native replacement of ``op``: a list of (operation, local qubit indices)."""
    n = op.num_qubits
    if isinstance(op, PartialSwapGate):
        return [(UnitaryGate(np.asarray(op), check_input=False), tuple(range(n)))]
    if op.name in _native_names():
        return [(op, tuple(range(n)))]
    if isinstance(op, Gate) and n <= _FUSE_MAX_QUBITS:
        # A network's gate (Heisenberg, a user's circuit, ...): one exact 4x4 unitary, in the
        # gate's own (little-endian) qubit order, instead of its definition's many gates.
        return [(UnitaryGate(Operator(op).data, check_input=False), tuple(range(n)))]
    definition = op.definition
    if definition is None:
        raise InputValueError(f"instruction {op.name!r} is neither native to Aer's density-matrix method nor defined")
    if op.name == PREPARATION_NAME:
        resets = [inst for inst in definition.data if inst.operation.name == "reset"]
        gates = [inst for inst in definition.data if inst.operation.name != "reset"]
        # The preparation is "resets, then a unitary" (purification) or "resets, then a
        # Kraus channel" (channel): fuse the unitary part into one matrix.
        if definition.data[: len(resets)] == resets and gates and all(isinstance(g.operation, Gate) for g in gates):
            unitary_part = QuantumCircuit(definition.num_qubits)
            for inst in gates:
                unitary_part.append(inst.operation, [definition.find_bit(q).index for q in inst.qubits])
            out = [(inst.operation, (definition.find_bit(inst.qubits[0]).index,)) for inst in resets]
            out.append((UnitaryGate(Operator(unitary_part).data, check_input=False), tuple(range(n))))
            return out
    out: list[tuple[Instruction, tuple[int, ...]]] = []
    for inst in definition.data:
        local = tuple(definition.find_bit(q).index for q in inst.qubits)
        if inst.clbits:
            raise InputValueError(f"instruction {op.name!r} uses classical bits inside its definition; cannot lower it")
        for sub_op, sub_q in _lower_operation(inst.operation):
            out.append((sub_op, tuple(local[i] for i in sub_q)))
    return out


def to_aer_native(circuit: QuantumCircuit) -> QuantumCircuit:
    """An exactly equivalent circuit that Aer's density-matrix method runs without transpiling.

    Same qubits, classical bits, registers, save instructions and ``metadata``; only
    instructions Aer's density-matrix method does not execute are replaced (see the
    module docstring). Global phases are dropped (unobservable in a density matrix).

    Parameters
    ----------
    circuit : QuantumCircuit
        E.g. from :func:`~circuitheat.circuits.collision_circuit`.

    Returns
    -------
    QuantumCircuit
    """
    out = circuit.copy_empty_like()
    out.global_phase = 0.0
    # Memo keyed by id(); the memo also keeps a reference to the operation, so an id can
    # never be reused by another object while the pass runs.
    memo: dict[int, tuple[Instruction, list]] = {}
    for inst in circuit.data:
        op = inst.operation
        if op.name in _native_names() and not isinstance(op, PartialSwapGate):
            out._append(inst)
            continue
        entry = memo.get(id(op))
        if entry is None:
            entry = memo[id(op)] = (op, _lower_operation(op))
        qubits = inst.qubits
        for sub_op, local in entry[1]:
            out._append(CircuitInstruction(sub_op, [qubits[i] for i in local], inst.clbits if sub_op is op else ()))
    return out


# --------------------------------------------------------------------------- running


def aer_collision_circuit(
    model: CollisionModel,
    n_collisions: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike = "11",
    save: str | Sequence[str] | None = ("system", "ancilla_pair"),
) -> QuantumCircuit:
    """:func:`~circuitheat.circuits.collision_circuit` with its collision block made Aer-native once.

    Equal (instruction for instruction, up to the rewrite of :func:`to_aer_native`) to
    ``to_aer_native(collision_circuit(...))``, but the rewrite runs on the one
    collision block instead of on all n copies.
    """
    return build_protocol(
        model, n_collisions, preparation=preparation, initial_state=initial_state, save=save, transform=to_aer_native
    )


def run_collision_circuit_timed(
    model: CollisionModel,
    n_collisions: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike = "11",
    save: Sequence[str] = ("system", "ancilla_pair"),
) -> tuple[dict[str, NDArray[np.complex128]], AerTimings]:
    """:func:`run_collision_circuit` that also returns where the time went (:class:`AerTimings`)."""
    model = check_model(model)
    n = check_count("n_collisions", n_collisions)
    preparation = check_choice("preparation", preparation, PREPARATIONS)
    kinds = _check_kinds(save, SAVE_KINDS)

    t0 = time.perf_counter()
    native = aer_collision_circuit(model, n, preparation=preparation, initial_state=initial_state, save=kinds)
    translate = {"system": to_system_matrix, "ancilla_pair": to_ancilla_pair_matrix}
    return _execute(native, n, kinds, save_label, translate, t0)


def _check_kinds(save: str | Sequence[str], valid: Sequence[str]) -> tuple[str, ...]:
    """Distinct save kinds from ``valid``, at least one (a run without saves returns nothing)."""
    kinds = _check_save(save, valid)
    if not kinds:
        raise InputValueError(f"save must name at least one of {tuple(valid)}, got {save!r}")
    return kinds


def _execute(
    native: QuantumCircuit,
    n: int,
    kinds: Sequence[str],
    label: Callable[[str, int], str],
    translate: dict[str, Callable[[NDArray], NDArray]],
    t_start: float,
) -> tuple[dict[str, NDArray], AerTimings]:
    """Run an Aer-ready circuit once, stack its saves per kind over steps 1..n, and time it.

    ``label(kind, k)`` is the save label of ``kind`` after step k; ``translate[kind]``
    (optional) maps the stacked (n, ...) array to the package basis. ``t_start`` is when
    building the circuit began.
    """
    t2 = time.perf_counter()
    result = aer_simulator().run(native, shots=1, seed_simulator=SEED_SIMULATOR, max_parallel_threads=AER_THREADS).result()
    t3 = time.perf_counter()
    if not result.success:
        raise RuntimeError(f"Aer simulation failed: {result.status}")
    data = result.data(0)
    out = {}
    for kind in kinds:
        stacked = np.array([_saved_array(data[label(kind, k)]) for k in range(1, n + 1)])
        out[kind] = translate[kind](stacked) if kind in translate else stacked
    t4 = time.perf_counter()

    aer_total = float(result.time_taken)
    execute = float(result.metadata.get("time_taken_execute", aer_total))
    timings = AerTimings(
        build=t2 - t_start,
        convert=aer_total - execute,
        simulate=execute,
        read=(t3 - t2 - aer_total) + (t4 - t3),
    )
    return out, timings


def _saved_array(value: object) -> NDArray:
    """A saved density matrix (Aer returns a DensityMatrix) or probability vector as an array."""
    return value.data if isinstance(value, DensityMatrix) else np.asarray(value)


def run_collision_circuit(
    model: CollisionModel,
    n_collisions: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike = "11",
    save: Sequence[str] = ("system", "ancilla_pair"),
) -> dict[str, NDArray[np.complex128]]:
    r"""Run the collision circuit on Aer (density matrix, one run) and return the saved states.

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        Number of collisions n >= 1.
    preparation : {"channel", "purification"}
        Ancilla preparation (:func:`circuitheat.circuits.ancilla_preparation`).
    initial_state : str or array_like
        System initial state (label, 4-vector or 4×4 matrix, package basis).
    save : sequence of {"system", "ancilla_pair"}
        What to return.

    Returns
    -------
    dict of str to ndarray
        ``"system"``: shape (n, 4, 4), :math:`\rho^S_k` after collision k = 1..n, basis
        :math:`|S_AS_B\rangle`. ``"ancilla_pair"``: shape (n, 4, 4), the joint state of
        :math:`(R^h_k, R^c_k)` right after collision k, basis :math:`|R^hR^c\rangle`
        (:math:`R^h` the left factor, as ``np.kron(eta_h, eta_c)``).
    """
    out, _ = run_collision_circuit_timed(model, n_collisions, preparation=preparation, initial_state=initial_state, save=save)
    return out


def aer_network_circuit(
    network: CollisionNetwork,
    n_steps: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike | None = None,
    save: str | Sequence[str] | None = ("system", "ancilla_populations"),
) -> QuantumCircuit:
    """:func:`~circuitheat.network.circuits.network_protocol` with its step block made Aer-native once."""
    return network_protocol(
        network, n_steps, preparation=preparation, initial_state=initial_state, save=save, transform=to_aer_native
    )


def run_network_circuit_timed(
    network: CollisionNetwork,
    n_steps: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike | None = None,
    save: Sequence[str] = ("system", "ancilla_populations"),
) -> tuple[dict[str, NDArray], AerTimings]:
    r"""Run a network's protocol on Aer (density matrix, one run): the saves after every step, and the timings.

    Parameters
    ----------
    network : CollisionNetwork
    n_steps : int
        Number of steps n >= 1.
    preparation : {"channel", "purification"}
        Ancilla preparation (:func:`circuitheat.circuits.ancilla_preparation`).
    initial_state : str or array_like, optional
        System initial state (label, :math:`2^N`-vector or matrix, package basis; default all ground).
    save : sequence of :data:`~circuitheat.network.circuits.NETWORK_SAVE_KINDS`
        What to return, each stacked over steps k = 1..n in the package basis: ``"system"``
        (n, 2^N, 2^N), ``"system_populations"`` (n, 2^N), ``"ancillas"`` (n, 2^m, 2^m: the
        step's m ancillas right after step k, first collision most significant),
        ``"ancilla_populations"`` (n, 2^m). A step without collisions (m = 0) gives
        ones of shape (n, 1, 1) and (n, 1).
    """
    network = check_network(network)
    n = check_count("n_steps", n_steps)
    kinds = _check_kinds(save, NETWORK_SAVE_KINDS)
    t0 = time.perf_counter()
    native = aer_network_circuit(network, n, preparation=preparation, initial_state=initial_state, save=kinds)
    m = len(network.collisions)
    saved = [kind for kind in kinds if m or kind.startswith("system")]  # nothing to save on zero ancillas
    out, timings = _execute(native, n, saved, network_save_label, {}, t0)
    for kind in kinds:
        if kind not in out:
            out[kind] = np.ones((n, 1, 1) if kind == "ancillas" else (n, 1))
    return out, timings


def network_observables(
    network: CollisionNetwork, saved: dict[str, NDArray], rho0: NDArray
) -> tuple[dict[str, NDArray], NDArray, NDArray]:
    r"""Heat currents, work and system energy of every step from the saves of :func:`run_network_circuit_timed`.

    .. math::
        J_r(k) = \sum_{c\in r}\bigl(\mathrm{Tr}[H_r\tilde\eta_c(k)] - \mathrm{Tr}[H_r\eta_r]\bigr), \qquad
        W(k) = E_S(k) - E_S(k-1) + \sum_r J_r(k),

    (Eqs. 10–11 generalised, :class:`~circuitheat.CollisionNetwork`), with
    :math:`\mathrm{Tr}[H_r\tilde\eta_c] = (\omega_r/2)(P_c(0) - P_c(1))` from the marginal
    populations of ancilla c and :math:`E_S(k) = \mathrm{Tr}[H_S\rho_k]`. The work is the
    first law on the simulated energies: every gate is unitary, so the energy the gates put
    into the system and the step's ancillas is the change of their total energy (the direct
    engine computes it gate by gate, and the tests compare the two).

    Parameters
    ----------
    network : CollisionNetwork
    saved : dict
        Holds ``"system"`` or ``"system_populations"``, and ``"ancillas"`` or ``"ancilla_populations"``.
    rho0 : ndarray (2^N, 2^N)
        The state before step 1 (package basis).

    Returns
    -------
    currents : dict name -> ndarray (n,)
    work : ndarray (n,)
    system_energy : ndarray (n,)
    """
    m = len(network.collisions)
    if "system" in saved:
        pops_s = np.einsum("nii->ni", saved["system"]).real
    else:
        pops_s = np.asarray(saved["system_populations"]).real
    if "ancillas" in saved:
        pops_a = np.einsum("nii->ni", saved["ancillas"]).real
    else:
        pops_a = np.asarray(saved["ancilla_populations"]).real
    n = pops_s.shape[0]
    energy = pops_s @ network.hamiltonian()
    per_bit = pops_a.reshape((n,) + (2,) * m)
    currents = {name: np.zeros(n) for name in network.reservoir_names}
    for c, col in enumerate(network.collisions):
        marginal = per_bit.sum(axis=tuple(1 + j for j in range(m) if j != c))  # (n, 2): P_c(0), P_c(1)
        anc = network.ancilla(col.reservoir)
        currents[col.reservoir] += 0.5 * anc.omega * (marginal[:, 0] - marginal[:, 1]) - anc.energy
    before = np.concatenate([[float((rho0.diagonal() @ network.hamiltonian()).real)], energy[:-1]])
    work = energy - before + sum(currents.values(), np.zeros(n))
    return currents, work, energy


def ancilla_energies(ancilla_pair: ArrayLike, omega: float = 1.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Energies :math:`\mathrm{Tr}[H\tilde\eta^h], \mathrm{Tr}[H\tilde\eta^c]` of the two ancillas of (..., 4, 4) pair states.

    With :math:`H = (\omega/2)\sigma_z` and the basis :math:`|R^hR^c\rangle`
    (index ``2*h + c``): :math:`\mathrm{Tr}[H\tilde\eta^h] = (\omega/2)(\rho_{00,00} +
    \rho_{01,01} - \rho_{10,10} - \rho_{11,11})`, and likewise for the cold ancilla.
    """
    pops = np.einsum("...ii->...i", np.asarray(ancilla_pair)).real
    z_hot = pops[..., 0] + pops[..., 1] - pops[..., 2] - pops[..., 3]
    z_cold = pops[..., 0] - pops[..., 1] + pops[..., 2] - pops[..., 3]
    return 0.5 * omega * z_hot, 0.5 * omega * z_cold


class AerEngine:
    """The collision circuits on Aer's density-matrix simulator (registered as ``"aer"``).

    One circuit, one Aer run. For the paper's :class:`~circuitheat.CollisionModel`:
    :math:`J_h(k), J_c(k)` (Eqs. 10–11) come from the saved ancilla pair after each collision
    k, the system states and energies from the saved system pair (4 qubits with
    ``preparation="channel"``, 6 with ``"purification"``). For a
    :class:`~circuitheat.CollisionNetwork`: the circuit of
    :func:`circuitheat.network.circuits.network_protocol` (N sites, one ancilla per
    collision of the step, one partner each with ``"purification"``), the currents and work
    from :func:`network_observables`. Agrees with ``engine="direct"`` to floating-point
    rounding.

    Options: ``preparation`` (``"channel"``: an exact Kraus replacement channel;
    ``"purification"``: the hardware-ready purification with a partner qubit per ancilla),
    ``store_states``, and ``ancillas`` (True: also return the joint state of the step's
    ancillas after each step, :attr:`EngineRun.ancilla_states`, first collision most
    significant).
    """

    name = "aer"
    options = frozenset({"store_states", "preparation", "ancillas"})

    def run(
        self,
        system: object,
        n_steps: int,
        rho0: NDArray,
        *,
        store_states: bool = True,
        preparation: str = "channel",
        ancillas: bool = False,
    ) -> EngineRun:
        """Run ``n_steps`` steps of the model or network ``system`` from ``rho0``."""
        for name, flag in (("store_states", store_states), ("ancillas", ancillas)):
            if not isinstance(flag, bool):
                raise InputTypeError(f"{name} must be a bool, got {flag!r}")
        if isinstance(system, CollisionNetwork):
            return self._run_network(system, n_steps, rho0, store_states, preparation, ancillas)
        model = check_model(system)
        saved = run_collision_circuit(model, n_steps, preparation=preparation, initial_state=rho0)
        e_hot, e_cold = ancilla_energies(saved["ancilla_pair"], model.omega)
        h_s = system_hamiltonian(model.omega)
        states = saved["system"]
        before = np.concatenate([rho0[None], states[:-1]])
        return EngineRun(
            states=states if store_states else None,
            currents={"hot": e_hot - model.hot.energy, "cold": e_cold - model.cold.energy},
            work=step_map(model).work(before),  # the gates' work on the simulated states (0 when resonant)
            system_energy=np.einsum("nij,ji->n", states, h_s).real,
            ancilla_states=saved["ancilla_pair"] if ancillas else None,  # model.network: hot collision first
        )

    @staticmethod
    def _run_network(
        network: CollisionNetwork, n: int, rho0: NDArray, store_states: bool, preparation: str, ancillas: bool
    ) -> EngineRun:
        if ancillas:
            m = len(network.collisions)
            check_memory(f"ancillas=True with {m} collisions per step", n * 16 * 4**m)
        kinds = ("system" if store_states else "system_populations", "ancillas" if ancillas else "ancilla_populations")
        saved, _ = run_network_circuit_timed(network, n, preparation=preparation, initial_state=rho0, save=kinds)
        currents, work, energy = network_observables(network, saved, rho0)
        return EngineRun(
            states=saved["system"] if store_states else None,
            currents=currents,
            work=work,
            system_energy=energy,
            ancilla_states=saved["ancillas"] if ancillas else None,
        )


register_engine(AerEngine())
