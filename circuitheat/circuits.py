r"""Qiskit circuits of the collision model: gates, ancilla preparation, collision blocks.

Building circuits is kept apart from running them (:mod:`circuitheat.engines.aer`) and
from hardware concerns (:mod:`circuitheat.hardware`).

Qubit order and basis translation
---------------------------------
Every circuit built here uses the same qubit indices (module constants, one 1-qubit
register per role, so drawings and OpenQASM files name each qubit):

==========================  =====  ==============  =========================================
constant                    index  register name   role
==========================  =====  ==============  =========================================
:data:`SYSTEM_A`            0      ``s_a``         system qubit :math:`S_A` (talks to R^h)
:data:`SYSTEM_B`            1      ``s_b``         system qubit :math:`S_B` (talks to R^c)
:data:`HOT`                 2      ``r_h``         hot ancilla :math:`R^h_k`, reused each k
:data:`COLD`                3      ``r_c``         cold ancilla :math:`R^c_k`, reused each k
:data:`HOT_PARTNER`         4      ``p_h``         purifying partner of R^h (purification)
:data:`COLD_PARTNER`        5      ``p_c``         purifying partner of R^c (purification)
==========================  =====  ==============  =========================================

The partners exist only with ``preparation="purification"``. The computational basis
states mean the same thing in Qiskit and in the package: :math:`|0\rangle` is the
**excited** level of :math:`H = (\omega/2)\sigma_z` (Qiskit's :math:`Z=+1`),
:math:`|1\rangle` the ground level; so no bit is ever flipped in translation.

Only the *ordering* of tensor factors differs. Qiskit is little-endian: for a
2-qubit :class:`~qiskit.quantum_info.DensityMatrix` (or an Aer
``save_density_matrix``) on the qubit list ``[q0, q1]``, the row index is
``i = b(q0) + 2*b(q1)``, i.e. ``q0`` is the **right** (least significant) factor,
:math:`\rho_{\rm Qiskit} = \rho_{q1}\otimes\rho_{q0}`. The package writes a system
matrix in the basis :math:`|S_A S_B\rangle` with index ``2*a + b``
(``np.kron(rho_A, rho_B)``, :mod:`circuitheat.states`). So a Qiskit matrix saved on
``[SYSTEM_A, SYSTEM_B]`` has index ``a + 2*b`` and becomes the package matrix by
swapping the basis states ``|01>`` and ``|10>`` (indices 1 and 2) in rows and columns:

.. math:: \rho_{\rm package} = P\,\rho_{\rm Qiskit}\,P, \qquad
          P = |00\rangle\langle00| + |01\rangle\langle10| + |10\rangle\langle01| + |11\rangle\langle11|

(:func:`to_system_matrix`; :func:`from_system_matrix` is the same permutation, its own
inverse). The same holds for the ancilla pair saved on ``[HOT, COLD]``: the package
basis is :math:`|R^h R^c\rangle` with :math:`R^h` the left factor, the order of
``np.kron(eta_h, eta_c)`` and of :func:`circuitheat.channel.ancilla_pair_state`
(:func:`to_ancilla_pair_matrix`). A single-qubit matrix needs no translation.

Gates
-----
:class:`PartialSwapGate` is :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}
= e^{i\theta\,\mathrm{SWAP}}` (Eqs. 2–5), defined as
:math:`e^{i\theta/2}\,R_{XX}(-\theta)R_{YY}(-\theta)R_{ZZ}(-\theta)`; it is symmetric in
its two qubits, so the order of the qubits it acts on does not matter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit import qasm3
from qiskit.circuit import (
    CircuitInstruction,
    ClassicalRegister,
    Gate,
    Instruction,
    Measure,
    Parameter,
    QuantumCircuit,
    QuantumRegister,
)
from qiskit.quantum_info import DensityMatrix, Kraus
from qiskit_aer.library import SaveDensityMatrix

from .model import CollisionModel, Reservoir, check_model
from .network.gates import PartialSwapGate
from .network.spec import Ancilla
from .states import ancilla_populations, system_initial_state
from .validation import check_choice, check_count

__all__ = [
    "COLD",
    "COLD_PARTNER",
    "HOT",
    "HOT_PARTNER",
    "PREPARATIONS",
    "PREPARATION_NAME",
    "QUBIT_ROLES",
    "REGISTER_NAMES",
    "SAVE_KINDS",
    "SYSTEM_A",
    "SYSTEM_B",
    "PartialSwapGate",
    "ancilla_preparation",
    "build_protocol",
    "collision_block",
    "collision_circuit",
    "from_system_matrix",
    "initial_state_circuit",
    "num_circuit_qubits",
    "purification_angles",
    "save_label",
    "to_ancilla_pair_matrix",
    "to_qasm3",
    "to_system_matrix",
]

#: Circuit index of the system qubit S_A (coupled to the hot reservoir).
SYSTEM_A = 0
#: Circuit index of the system qubit S_B (coupled to the cold reservoir).
SYSTEM_B = 1
#: Circuit index of the hot ancilla R^h (reset and re-prepared before every collision).
HOT = 2
#: Circuit index of the cold ancilla R^c (reset and re-prepared before every collision).
COLD = 3
#: Circuit index of the purifying partner of R^h (``preparation="purification"`` only).
HOT_PARTNER = 4
#: Circuit index of the purifying partner of R^c (``preparation="purification"`` only).
COLD_PARTNER = 5

#: Role of every circuit qubit, keyed by index.
QUBIT_ROLES: dict[int, str] = {
    SYSTEM_A: "system_a",
    SYSTEM_B: "system_b",
    HOT: "hot",
    COLD: "cold",
    HOT_PARTNER: "hot_partner",
    COLD_PARTNER: "cold_partner",
}

#: Name of the 1-qubit register of every role (as drawn and as written in OpenQASM).
REGISTER_NAMES: dict[int, str] = {
    SYSTEM_A: "s_a",
    SYSTEM_B: "s_b",
    HOT: "r_h",
    COLD: "r_c",
    HOT_PARTNER: "p_h",
    COLD_PARTNER: "p_c",
}

#: Ways to prepare an ancilla in the state of Eq. (12).
PREPARATIONS = ("channel", "purification")

#: What :func:`collision_circuit` can save after every collision (Aer save instructions).
#: ``"system"``: the 2-qubit density matrix on ``[SYSTEM_A, SYSTEM_B]``;
#: ``"ancilla_pair"``: the 2-qubit density matrix on ``[HOT, COLD]``.
SAVE_KINDS = ("system", "ancilla_pair")

#: Instruction name of the ancilla preparation (both methods).
PREPARATION_NAME = "prepare_ancilla"

#: Eigenvalues at or below this (relative to the largest) are dropped when a replacement
#: channel is built from a state: they are rounding (~1e-16) or the small negative
#: eigenvalues a validated input may have (states.STATE_TOLERANCE); the kept weights
#: are renormalised so the channel stays trace preserving.
_EIG_CLIP = 1e-14


def num_circuit_qubits(preparation: str = "channel") -> int:
    """Number of qubits of a collision circuit: 4 (channel) or 6 (purification)."""
    preparation = check_choice("preparation", preparation, PREPARATIONS)
    return 4 if preparation == "channel" else 6


def save_label(kind: str, collision: int) -> str:
    """Label of the Aer save instruction of ``kind`` after collision ``collision`` (1-based), e.g. ``"system_3"``."""
    kind = check_choice("save", kind, SAVE_KINDS)
    return f"{kind}_{int(collision)}"


# --------------------------------------------------------------------------- basis order


def _swap_middle(dm: DensityMatrix | ArrayLike, name: str) -> NDArray[np.complex128]:
    """Swap basis indices 1 and 2 of a (..., 4, 4) array (the self-inverse permutation P)."""
    m = np.asarray(dm.data if isinstance(dm, DensityMatrix) else dm)
    if m.ndim < 2 or m.shape[-2:] != (4, 4):
        raise ValueError(f"{name} must be a two-qubit density matrix of shape (..., 4, 4), got shape {m.shape}")
    perm = [0, 2, 1, 3]
    return np.asarray(m, dtype=complex)[..., perm, :][..., :, perm]


def to_system_matrix(dm: DensityMatrix | ArrayLike) -> NDArray[np.complex128]:
    r"""Qiskit 2-qubit density matrix on ``[SYSTEM_A, SYSTEM_B]`` -> package 4×4 (basis :math:`|S_A S_B\rangle`).

    Parameters
    ----------
    dm : DensityMatrix or array_like, shape (..., 4, 4)
        Little-endian: index ``a + 2*b`` (``SYSTEM_A`` the least significant bit).
        Leading axes (a batch of states) are kept.

    Returns
    -------
    ndarray, shape (..., 4, 4), complex
        Index ``2*a + b`` (``np.kron(rho_A, rho_B)``), see the module docstring.
    """
    return _swap_middle(dm, "dm")


def from_system_matrix(rho: ArrayLike) -> NDArray[np.complex128]:
    r"""Package 4×4 (basis :math:`|S_A S_B\rangle`) -> Qiskit little-endian order on ``[SYSTEM_A, SYSTEM_B]``.

    The inverse of :func:`to_system_matrix` (the permutation is its own inverse).
    """
    return _swap_middle(rho, "rho")


def to_ancilla_pair_matrix(dm: DensityMatrix | ArrayLike) -> NDArray[np.complex128]:
    r"""Qiskit 2-qubit density matrix on ``[HOT, COLD]`` -> 4×4 in the basis :math:`|R^h R^c\rangle`.

    :math:`R^h` is the left (most significant) factor, the order of
    ``np.kron(eta_h, eta_c)`` and :func:`circuitheat.channel.ancilla_pair_state`.
    Leading axes are kept.
    """
    return _swap_middle(dm, "dm")


# --------------------------------------------------------------------------- gates


# --------------------------------------------------------------------------- ancilla preparation


def _check_ancilla_state(reservoir: object) -> Reservoir | Ancilla:
    if not isinstance(reservoir, Reservoir | Ancilla):
        raise TypeError(f"reservoir must be a Reservoir or an Ancilla, got {reservoir!r} of type {type(reservoir).__name__}")
    return reservoir


def purification_angles(reservoir: Reservoir | Ancilla) -> tuple[float, float, float]:
    r"""Angles ``(theta_t, theta_p, phi)`` of the purification circuit of :func:`ancilla_preparation`.

    .. math::
        \theta_T = 2\arctan\!\sqrt{\eta_{11}/\eta_{00}}, \qquad
        \theta_p = 2\arccos p, \qquad \phi = \arg\eta_{10},

    with :math:`p = |\eta_{10}|/\sqrt{\eta_{00}\eta_{11}}` (:math:`\le 1` by positivity;
    taken as 1 when :math:`\eta_{00}\eta_{11} = 0`, where :math:`\eta_{10} = 0` and any p
    gives the same state). For a :class:`~circuitheat.Reservoir` these are its own
    parameters: :math:`\eta_{00} = e^{-\beta\omega/2}/Z`, :math:`\eta_{11} = e^{\beta\omega/2}/Z`
    (Eq. 12, evaluated without overflow for any T in [1e-3, inf]), its coherence p and
    phase :math:`\phi`. All three angles are in radians.

    Parameters
    ----------
    reservoir : Reservoir or Ancilla
        The ancilla state :math:`\eta` to purify (an :class:`~circuitheat.Ancilla` may be
        any 2×2 density matrix).
    """
    state = _check_ancilla_state(reservoir)
    if isinstance(state, Reservoir):
        excited, ground = ancilla_populations(state.temperature, state.omega)
        coherence, phase = state.coherence, state.phase
    else:
        eta = state.state
        excited, ground = max(float(eta[0, 0].real), 0.0), max(float(eta[1, 1].real), 0.0)
        norm = math.sqrt(excited * ground)
        # |eta_10| <= sqrt(eta_00 eta_11) for a positive state; the clip absorbs rounding
        # and the STATE_TOLERANCE a validated state may exceed it by.
        coherence = min(abs(complex(eta[1, 0])) / norm, 1.0) if norm > 0 else 1.0
        phase = float(np.angle(eta[1, 0]))
    theta_t = 2.0 * math.atan2(math.sqrt(float(ground)), math.sqrt(float(excited)))
    theta_p = 2.0 * math.acos(coherence)
    return theta_t, theta_p, phase


def _replacement_kraus(rho: NDArray[np.complex128]) -> Kraus:
    r"""Kraus operators of the replacement channel :math:`\sigma \mapsto \mathrm{Tr}[\sigma]\,\rho`.

    With :math:`\rho = \sum_i\lambda_i|v_i\rangle\langle v_i|`, the operators
    :math:`K_{ij} = \sqrt{\lambda_i}\,|v_i\rangle\langle j|` satisfy
    :math:`\sum K^\dagger K = I` and :math:`\sum K\sigma K^\dagger = \mathrm{Tr}[\sigma]\rho`;
    eigenvalues that are zero (a pure or rank-deficient state) are dropped. ``rho`` must
    already be validated (Hermitian, trace 1, positive to :data:`states.STATE_TOLERANCE`).
    """
    dim = rho.shape[0]
    vals, vecs = np.linalg.eigh(0.5 * (rho + rho.conj().T))
    keep = vals > _EIG_CLIP * max(1.0, float(vals[-1]))
    ops = []
    for lam, vec in zip(vals[keep], vecs[:, keep].T, strict=True):
        col = math.sqrt(float(lam)) * vec
        for j in range(dim):
            op = np.zeros((dim, dim), dtype=complex)
            op[:, j] = col
            ops.append(op)
    # Renormalise the kept weights so the channel is trace preserving to rounding.
    total = float(np.sum(vals[keep]))
    return Kraus([op / math.sqrt(total) for op in ops])


def ancilla_preparation(reservoir: Reservoir | Ancilla, method: str = "channel", *, label: str | None = None) -> Instruction:
    r"""Instruction that resets an ancilla and prepares it in the state :math:`\eta` (Eq. 12 for a Reservoir).

    For a :class:`~circuitheat.Reservoir`,

    .. math:: \eta = \frac{1}{Z}\begin{pmatrix} e^{-\beta\omega/2} & p\,e^{-i\phi} \\
                                              p\,e^{i\phi} & e^{\beta\omega/2}\end{pmatrix}

    Parameters
    ----------
    reservoir : Reservoir or Ancilla
        A :class:`~circuitheat.Reservoir` (effective temperature T in [1e-3, inf],
        coherence p in [0, 1] and phase :math:`\phi` (rad) of Eq. 12) or an
        :class:`~circuitheat.Ancilla` (any 2×2 state :math:`\eta`; the circuits below then
        use the angles of :func:`purification_angles`, the same construction).
    method : {"channel", "purification"}
        ``"channel"`` (1 qubit, for simulation): ``reset``, then the exact replacement
        channel :math:`\sigma\mapsto\mathrm{Tr}[\sigma]\eta` as a ``kraus`` instruction
        (Aer-native, not exportable to OpenQASM).

        ``"purification"`` (2 qubits ``[ancilla, partner]``, standard gates only, runs
        on hardware): reset both, then

        .. math::
            |\Psi\rangle = P_a(\phi)\;CR_Y(\theta_p)_{a\to b}\;R_Y(\theta_T)_a\,|0\rangle_a|0\rangle_b
              = \sqrt{\rho_{00}}\,|0\rangle_a|0\rangle_b
              + e^{i\phi}\sqrt{\rho_{11}}\,|1\rangle_a|\chi\rangle_b,

        with :math:`R_Y(\theta_T)|0\rangle = \sqrt{\rho_{00}}|0\rangle + \sqrt{\rho_{11}}|1\rangle`
        (:math:`\theta_T = 2\arctan\sqrt{\rho_{11}/\rho_{00}}`), the control on
        :math:`|1\rangle_a` giving :math:`|\chi\rangle = R_Y(\theta_p)|0\rangle =
        p|0\rangle + \sqrt{1-p^2}|1\rangle` (:math:`\theta_p = 2\arccos p`), and the phase
        gate :math:`P(\phi) = \mathrm{diag}(1, e^{i\phi})`. Tracing out the partner b:

        .. math::
            \mathrm{Tr}_b|\Psi\rangle\langle\Psi| =
            \begin{pmatrix}\rho_{00} & \sqrt{\rho_{00}\rho_{11}}\,e^{-i\phi}\langle\chi|0\rangle \\
             c.c. & \rho_{11}\end{pmatrix}
            = \begin{pmatrix}\rho_{00} & p\,e^{-i\phi}/Z \\ p\,e^{i\phi}/Z & \rho_{11}\end{pmatrix}
            = \eta,

        since :math:`\langle\chi|0\rangle = p` and :math:`\sqrt{\rho_{00}\rho_{11}} = 1/Z`.
        It holds for p = 0 (:math:`\theta_p = \pi`, partner fully entangled, thermal
        marginal) and p = 1 (:math:`\theta_p = 0`, product state, pure :math:`|\psi\rangle`),
        and for T -> 0 (:math:`\theta_T\to\pi`) and T = inf (:math:`\theta_T = \pi/2`).
    label : str, optional
        Drawing label (default: ``"η(T=…, p=…, φ=…)"`` for a Reservoir,
        ``"η(ρ00=…, |ρ01|=…)"`` for an Ancilla).

    Returns
    -------
    qiskit.circuit.Instruction
        Named :data:`PREPARATION_NAME`, with a definition built from ``reset``,
        ``kraus`` (channel) or ``reset``, ``ry``, ``cry``, ``p`` (purification).
    """
    state = _check_ancilla_state(reservoir)
    method = check_choice("method", method, PREPARATIONS)
    if label is None and isinstance(state, Reservoir):
        label = f"η(T={state.temperature:.3g}, p={state.coherence:.3g}, φ={state.phase:.3g})"
    elif label is None:
        label = f"η(ρ00={state.state[0, 0].real:.3g}, |ρ01|={abs(state.state[0, 1]):.3g})"
    if method == "channel":
        definition = QuantumCircuit(1, name=PREPARATION_NAME)
        definition.reset(0)
        definition.append(_replacement_kraus(state.state), [0])
    else:
        theta_t, theta_p, phi = purification_angles(state)
        definition = QuantumCircuit(2, name=PREPARATION_NAME)
        definition.reset(0)
        definition.reset(1)
        definition.ry(theta_t, 0)
        definition.cry(theta_p, 0, 1)
        definition.p(phi, 0)
    inst = Instruction(PREPARATION_NAME, definition.num_qubits, 0, [], label=label)
    inst.definition = definition
    return inst


# --------------------------------------------------------------------------- circuits


def _registers(preparation: str) -> list[QuantumRegister]:
    n = num_circuit_qubits(preparation)
    return [QuantumRegister(1, REGISTER_NAMES[i]) for i in range(n)]


def _model_metadata(model: CollisionModel, preparation: str) -> dict:
    n = num_circuit_qubits(preparation)
    return {
        "qubit_roles": [QUBIT_ROLES[i] for i in range(n)],
        "preparation": preparation,
        "gamma": model.gamma,
        "delta": model.delta,
        "omega": model.omega,
        "t_hot": model.hot.temperature,
        "t_cold": model.cold.temperature,
        "coherence_hot": model.hot.coherence,
        "coherence_cold": model.cold.coherence,
        "phase_hot": model.hot.phase,
        "phase_cold": model.cold.phase,
    }


def collision_block(model: CollisionModel, preparation: str = "channel", *, measure: bool = False) -> QuantumCircuit:
    r"""One collision (Eq. 8) as a circuit on all qubits of the protocol.

    In order: re-preparation (reset included) of the hot and of the cold ancilla
    (:func:`ancilla_preparation`), :math:`V(\delta)` on ``[SYSTEM_A, SYSTEM_B]``,
    :math:`U(\gamma)` on ``[SYSTEM_A, HOT]``, :math:`U(\gamma)` on ``[SYSTEM_B, COLD]``
    (:class:`PartialSwapGate`, Eqs. 3–5). The block is built once and appended n times
    by :func:`collision_circuit`.

    Parameters
    ----------
    model : CollisionModel
    preparation : {"channel", "purification"}
        How the ancillas are prepared; ``"purification"`` adds the partner qubits
        :data:`HOT_PARTNER`, :data:`COLD_PARTNER`.
    measure : bool
        Measure both ancillas at the end into the 1-bit classical registers ``hot`` and
        ``cold``.

    Returns
    -------
    QuantumCircuit
        4 (channel) or 6 (purification) qubits in the order of :data:`QUBIT_ROLES`;
        ``metadata`` holds the qubit roles and the model parameters.
    """
    model = check_model(model)
    preparation = check_choice("preparation", preparation, PREPARATIONS)
    qc = QuantumCircuit(*_registers(preparation), name="collision")
    if measure:
        qc.add_register(ClassicalRegister(1, "hot"))
        qc.add_register(ClassicalRegister(1, "cold"))
    prep_hot = ancilla_preparation(model.hot, preparation, label="η_h")
    prep_cold = ancilla_preparation(model.cold, preparation, label="η_c")
    if preparation == "channel":
        qc.append(prep_hot, [HOT])
        qc.append(prep_cold, [COLD])
    else:
        qc.append(prep_hot, [HOT, HOT_PARTNER])
        qc.append(prep_cold, [COLD, COLD_PARTNER])
    qc.append(PartialSwapGate(model.delta, label="V"), [SYSTEM_A, SYSTEM_B])
    qc.append(PartialSwapGate(model.gamma, label="U"), [SYSTEM_A, HOT])
    qc.append(PartialSwapGate(model.gamma, label="U"), [SYSTEM_B, COLD])
    if measure:
        qc.measure(HOT, 0)
        qc.measure(COLD, 1)
    qc.metadata = _model_metadata(model, preparation) | {"n_collisions": 1, "measure": bool(measure)}
    return qc


def initial_state_circuit(initial_state: str | ArrayLike = "11") -> QuantumCircuit:
    r"""Two-qubit circuit (qubits ``[SYSTEM_A, SYSTEM_B]``) preparing the system's initial state from :math:`|00\rangle`.

    Parameters
    ----------
    initial_state : str or array_like
        A label ``"00"``, ``"01"``, ``"10"``, ``"11"`` (:math:`|S_AS_B\rangle`, 0 = excited):
        X gates on the qubits labelled 1. A normalised 4-vector (package basis): a
        ``state_preparation`` gate. A 4×4 density matrix: the exact replacement channel
        as a 2-qubit ``kraus`` instruction (simulation only).
    """
    qc = QuantumCircuit(2, name="initial_state")
    if isinstance(initial_state, str):
        system_initial_state(initial_state)  # validates the label
        for qubit, bit in zip((SYSTEM_A, SYSTEM_B), initial_state, strict=True):
            if bit == "1":
                qc.x(qubit)
        return qc
    rho = system_initial_state(initial_state)  # validates vectors and matrices
    arr = np.asarray(initial_state)
    if arr.ndim == 1:
        psi = arr.astype(complex)[[0, 2, 1, 3]]  # package index 2a+b -> Qiskit index a+2b
        qc.prepare_state(psi / np.linalg.norm(psi), [SYSTEM_A, SYSTEM_B])
        return qc
    qc.append(_replacement_kraus(from_system_matrix(rho)), [SYSTEM_A, SYSTEM_B])
    return qc


def _check_save(save: str | Sequence[str] | None, valid: Sequence[str] = SAVE_KINDS) -> tuple[str, ...]:
    """``save`` as a tuple of distinct kinds from ``valid`` (``()`` for None); ValueError naming ``save`` otherwise."""
    if save is None:
        return ()
    if isinstance(save, str):
        save = (save,)
    out = tuple(check_choice("save", s, valid) for s in save)
    if len(set(out)) != len(out):
        raise ValueError(f"save must not repeat a kind, got {save!r}")
    return out


def collision_circuit(
    model: CollisionModel,
    n_collisions: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike = "11",
    save: str | Sequence[str] | None = ("system", "ancilla_pair"),
    measure: bool = False,
) -> QuantumCircuit:
    r"""The whole protocol: initial system state, then ``n_collisions`` collisions (Eq. 8).

    The collision block of :func:`collision_block` is built once and composed
    ``n_collisions`` times onto the same qubits; every collision starts by resetting and
    re-preparing both ancillas, so each collision meets a fresh ancilla pair (Sec. II).

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        Number of collisions n >= 1.
    preparation : {"channel", "purification"}
        See :func:`ancilla_preparation`.
    initial_state : str or array_like
        See :func:`initial_state_circuit` (default ``"11"``, the ground state, as in Fig. 2).
    save : sequence of {"system", "ancilla_pair"} or None
        Aer save instructions after every collision k (labels :func:`save_label`, e.g.
        ``"system_3"``): the density matrix of ``[SYSTEM_A, SYSTEM_B]`` and/or of
        ``[HOT, COLD]`` right after collision k (translate them with
        :func:`to_system_matrix`, :func:`to_ancilla_pair_matrix`). ``None`` or ``()``
        for a circuit without Aer-specific instructions (e.g. to export or run on hardware).
    measure : bool
        Measure each ancilla right after its collision, before its reset (after the
        saves): bit ``k-1`` of the classical registers ``hot`` and ``cold`` holds the
        outcome of collision k, so the counts give :math:`J_h(k), J_c(k)` for every k
        (Eqs. 10–11) from one circuit.

    Returns
    -------
    QuantumCircuit
        ``metadata`` names every qubit's role (``"qubit_roles"``, by index), the model
        parameters, ``n_collisions``, ``preparation``, ``save`` and ``measure``.
    """
    return build_protocol(model, n_collisions, preparation=preparation, initial_state=initial_state, save=save, measure=measure)


def build_protocol(
    model: CollisionModel,
    n_collisions: int,
    *,
    preparation: str = "channel",
    initial_state: str | ArrayLike = "11",
    save: str | Sequence[str] | None = ("system", "ancilla_pair"),
    measure: bool = False,
    transform: Callable[[QuantumCircuit], QuantumCircuit] | None = None,
) -> QuantumCircuit:
    """:func:`collision_circuit` with an optional rewrite applied once to the block.

    ``transform`` (e.g. :func:`circuitheat.engines.aer.to_aer_native`) maps the collision
    block and the initial-state circuit to equivalent circuits on the same qubits; it
    runs once per build, not once per collision. ``transform=None`` gives exactly
    :func:`collision_circuit`.
    """
    model = check_model(model)
    n = check_count("n_collisions", n_collisions)
    preparation = check_choice("preparation", preparation, PREPARATIONS)
    kinds = _check_save(save)
    if not isinstance(measure, bool):
        raise TypeError(f"measure must be a bool, got {measure!r}")
    block = collision_block(model, preparation)
    init = initial_state_circuit(initial_state)
    if transform is not None:
        block = transform(block)
        init = transform(init)
    # ``qc`` shares the block's qubit objects, so the block's instructions can be appended
    # as they are with the low-level ``QuantumCircuit._append`` (documented for exactly
    # this: arguments known to be valid). ``compose`` would copy and re-validate every
    # instruction at every collision (~25x slower for 1500 collisions).
    qc = block.copy_empty_like(name="collision_protocol")
    qc.global_phase = 0.0
    if measure:
        creg_hot = ClassicalRegister(n, "hot")
        creg_cold = ClassicalRegister(n, "cold")
        qc.add_register(creg_hot)
        qc.add_register(creg_cold)
    qc.compose(init, qubits=[SYSTEM_A, SYSTEM_B], inplace=True)
    block_data = list(block.data)
    system_qubits = [qc.qubits[SYSTEM_A], qc.qubits[SYSTEM_B]]
    ancilla_qubits = [qc.qubits[HOT], qc.qubits[COLD]]
    for k in range(1, n + 1):
        for inst in block_data:
            qc._append(inst)
        qc.global_phase += block.global_phase
        if "system" in kinds:
            qc._append(CircuitInstruction(SaveDensityMatrix(2, label=save_label("system", k)), system_qubits))
        if "ancilla_pair" in kinds:
            qc._append(CircuitInstruction(SaveDensityMatrix(2, label=save_label("ancilla_pair", k)), ancilla_qubits))
        if measure:
            qc._append(CircuitInstruction(Measure(), [qc.qubits[HOT]], [creg_hot[k - 1]]))
            qc._append(CircuitInstruction(Measure(), [qc.qubits[COLD]], [creg_cold[k - 1]]))
    qc.metadata = _model_metadata(model, preparation) | {"n_collisions": n, "save": list(kinds), "measure": measure}
    return qc


# --------------------------------------------------------------------------- OpenQASM 3


_THETA = Parameter("theta")


class _ExportPartialSwap(Gate):
    """Export-only twin of :class:`PartialSwapGate` with a *parametric* definition.

    Qiskit's OpenQASM 3 exporter writes one ``gate`` statement per distinct custom-gate
    instance, with the angle baked into the body. Giving every instance the same
    parametric definition and equality makes it write a single
    ``gate pswap(theta) a, b { rxx(-theta) a, b; ryy(-theta) a, b; rzz(-theta) a, b; }``.
    OpenQASM 3 as exported by Qiskit carries no global phase, so the exported gate is
    :math:`e^{-i\\theta/2}U(\\theta)`: the same physics, an unobservable phase.
    """

    def __init__(self, theta: float):
        super().__init__("pswap", 2, [theta])

    def _define(self) -> None:
        qc = QuantumCircuit(2, name="pswap")
        qc.rxx(-_THETA, 0, 1)
        qc.ryy(-_THETA, 0, 1)
        qc.rzz(-_THETA, 0, 1)
        self.definition = qc

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ExportPartialSwap)

    __hash__ = None  # mutable Qiskit objects are unhashable anyway


def _append_exportable(out: QuantumCircuit, op: Instruction, qubits, clbits) -> None:
    """Append ``op`` to ``out``, swapping a :class:`PartialSwapGate` for its export twin."""
    if op.name == "kraus" or op.name.startswith("save_"):
        raise ValueError(
            f"circuit contains {op.name!r}, which OpenQASM 3 cannot express; build it with "
            "preparation='purification', a label or vector initial_state, and save=None"
        )
    if isinstance(op, PartialSwapGate):
        op = _ExportPartialSwap(float(op.params[0]))
    out.append(op, qubits, clbits, copy=False)


def to_qasm3(circuit: QuantumCircuit, header: Sequence[str] = ()) -> str:
    """OpenQASM 3 text of a collision circuit, loadable with :func:`qiskit.qasm3.loads`.

    Ancilla preparations are written out as their gates (``reset``, ``ry``, ``cry``,
    ``p``) and every :class:`PartialSwapGate` calls one parametric
    ``gate pswap(theta)`` (its global phase :math:`\\theta/2` is dropped, see
    :class:`_ExportPartialSwap`).

    Parameters
    ----------
    circuit : QuantumCircuit
        Built without Aer save instructions and with ``preparation="purification"``
        (a ``kraus`` channel has no OpenQASM form).
    header : sequence of str
        Comment lines written after the ``OPENQASM 3.0;`` line (``//`` is added).

    Raises
    ------
    ValueError
        If the circuit contains an instruction OpenQASM 3 cannot express (``kraus``,
        Aer ``save_*``).
    """
    out = circuit.copy_empty_like()
    for inst in circuit.data:
        op = inst.operation
        if op.name == PREPARATION_NAME:
            # Inline the preparation in program order (reset, ry, cry, p), which keeps the
            # file readable; ``decompose`` would reorder commuting instructions.
            defn = op.definition
            for sub in defn.data:
                qubits = [inst.qubits[defn.find_bit(q).index] for q in sub.qubits]
                _append_exportable(out, sub.operation, qubits, [])
        else:
            _append_exportable(out, op, inst.qubits, inst.clbits)
    text = qasm3.dumps(out)
    if header:
        first, rest = text.split("\n", 1)
        text = "\n".join([first, *(f"// {line}".rstrip() for line in header), rest])
    return text
