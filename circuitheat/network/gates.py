r"""Two-qubit gates of a collision network, and the one place where their qubit order is fixed.

Qubit-order convention (``shared/DESIGN.md``, "General collision networks")
--------------------------------------------------------------------------
A gate acts on an ordered pair of qubits, its **first** and **second** slot:

* ``Interaction((i, j), g)`` puts the first slot on site ``i`` and the second on site ``j``;
* ``Collision(r, site=i, gate=g)`` puts the first slot on the system site ``i`` and the
  second on the reservoir's fresh ancilla.

For a Qiskit object (``Gate``, 2-qubit ``QuantumCircuit``, ``Operator``) the first slot is
its **Qiskit qubit 0**, the second its qubit 1. Qiskit writes matrices little-endian
(qubit 0 is the *least* significant index), so its matrix :math:`Q` is related to the
package's by :math:`K = S\,Q\,S` with :math:`S` the SWAP permutation (:func:`gate_matrix`).
A 4×4 **ndarray** is read directly in the package's kron basis
:math:`|a\,b\rangle`, index ``2*a + b``, with ``a`` the first slot (most significant),
the order of ``np.kron(A_first, B_second)``.

Both symmetric gates of the package, :func:`partial_swap` and :func:`heisenberg`, are the
same in either order; the convention matters for asymmetric gates (CNOT-like, ``RXX·RZ⊗I``),
and ``tests/test_network_gates.py`` checks it with such a gate in both forms.

Energy convention: every qubit has :math:`H = (\omega/2)\sigma_z` with :math:`|0\rangle`
excited (Qiskit's :math:`Z = +1` state); no bit is flipped between the package and Qiskit.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import Gate, ParameterExpression, QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.exceptions import QiskitError
from qiskit.quantum_info import Operator

from ..validation import InputTypeError, InputValueError, check_angle, check_number_or_array

__all__ = [
    "UNITARY_TOLERANCE",
    "HeisenbergGate",
    "PartialSwapGate",
    "gate_matrix",
    "heisenberg",
    "heisenberg_matrix",
    "partial_swap",
    "partial_swap_matrix",
    "qiskit_gate",
]

#: Largest max|U^dagger U - I| accepted for a gate given by the user: gates typed with
#: ~15 digits or produced by another library are unitary to ~1e-15; anything beyond
#: 1e-10 is not a unitary (and would make the step map non-trace-preserving at a level
#: the engines' 1e-10 agreement would see).
UNITARY_TOLERANCE = 1e-10

#: SWAP permutation: converts between Qiskit's little-endian and the package's kron order.
_SWAP = np.eye(4)[[0, 2, 1, 3]]


def partial_swap_matrix(theta: ArrayLike) -> NDArray[np.complex128]:
    r"""Matrix of :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP} = e^{i\theta\,\mathrm{SWAP}}` (Eqs. 3–5).

    Broadcasts over ``theta`` (rad); returns shape (..., 4, 4) (the same in either qubit order).
    """
    t = np.asarray(theta, dtype=float)[..., None, None]
    return np.cos(t) * np.eye(4) + 1j * np.sin(t) * _SWAP


# The Bell basis |Phi+>, |Phi->, |Psi+>, |Psi-> (columns, kron basis) diagonalises XX, YY and ZZ
# at once, with eigenvalues (xx, yy, zz) = (+1,-1,+1), (-1,+1,+1), (+1,+1,-1), (-1,-1,-1).
_BELL = np.array([[1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, -1], [1, -1, 0, 0]]) / np.sqrt(2)
_BELL_EIGENVALUES = np.array([[1, -1, 1, -1], [-1, 1, 1, -1], [1, 1, -1, -1]], dtype=float)  # rows: XX, YY, ZZ


def heisenberg_matrix(jx: ArrayLike, jy: ArrayLike, jz: ArrayLike, time: ArrayLike = 1.0) -> NDArray[np.complex128]:
    r"""Matrix of :math:`e^{-it(J_xXX + J_yYY + J_zZZ)}`, broadcast over the arguments: shape (..., 4, 4).

    XX, YY and ZZ commute and are diagonal in the Bell basis, so the exponential is exact:
    :math:`B\,\mathrm{diag}(e^{-it\lambda_k})\,B^\dagger` with
    :math:`\lambda_k = J_x x_k + J_y y_k + J_z z_k` (the same in either qubit order).
    """
    j = np.stack(np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (jx, jy, jz))), axis=-1)
    phases = np.exp(-1j * np.asarray(time, dtype=float)[..., None] * (j @ _BELL_EIGENVALUES))
    return (_BELL * phases[..., None, :]) @ _BELL.T


class PartialSwapGate(Gate):
    r"""The partial swap :math:`U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP} = e^{i\theta\,\mathrm{SWAP}}` (Eqs. 2–5).

    Defined as

    .. math:: U(\theta) = e^{i\theta/2}\,R_{XX}(-\theta)\,R_{YY}(-\theta)\,R_{ZZ}(-\theta),

    because Qiskit's :math:`R_{PP}(\phi) = e^{-i\phi P\otimes P/2}`, the three Pauli
    products commute, and :math:`XX + YY + ZZ = 2\,\mathrm{SWAP} - I`, so
    :math:`R_{XX}R_{YY}R_{ZZ}(-\theta) = e^{i\theta(2\mathrm{SWAP}-I)/2}
    = e^{-i\theta/2}e^{i\theta\mathrm{SWAP}}`; the global phase :math:`\theta/2` makes the
    definition equal to :math:`U(\theta)` exactly, phase included. The gate is
    symmetric in its two qubits. :math:`U(\theta)^\dagger = U(-\theta)`.

    Parameters
    ----------
    theta : float or ParameterExpression
        Interaction angle (rad): :math:`\gamma` for a system–ancilla collision,
        :math:`\delta` for the :math:`S_A`–:math:`S_B` interaction :math:`V(\delta)`.
    label : str, optional
        Name shown in circuit drawings, followed by the angle (default ``"U"``, drawn as
        e.g. ``U(π/32)``). The instruction name is always ``"pswap"``.
    """

    def __init__(self, theta: float | ParameterExpression, label: str | None = None):
        super().__init__("pswap", 2, [theta], label="U" if label is None else label)

    def _define(self) -> None:
        theta = self.params[0]
        qc = QuantumCircuit(2, name=self.name, global_phase=theta / 2)
        qc.rxx(-theta, 0, 1)
        qc.ryy(-theta, 0, 1)
        qc.rzz(-theta, 0, 1)
        self.definition = qc

    def inverse(self, annotated: bool = False) -> PartialSwapGate:
        r""":math:`U(\theta)^\dagger = U(-\theta)` (same label, negated angle)."""
        return PartialSwapGate(-self.params[0], label=self.label)

    def __array__(self, dtype=None, copy=None) -> NDArray[np.complex128]:
        """The 4×4 matrix :math:`\\cos\\theta\\,I + i\\sin\\theta\\,\\mathrm{SWAP}` (same in either qubit order)."""
        if copy is False:
            raise InputValueError("unable to avoid copy while creating an array as requested")
        theta = self.params[0]
        if isinstance(theta, ParameterExpression) and theta.parameters:
            raise InputTypeError(f"PartialSwapGate with unbound parameter {theta} has no matrix")
        return np.asarray(partial_swap_matrix(float(theta)), dtype=dtype or complex)

    def __repr__(self) -> str:
        return f"PartialSwapGate(theta={self.params[0]!r})"


def partial_swap(theta: ArrayLike) -> PartialSwapGate | NDArray[np.complex128]:
    r"""The partial swap :math:`U(\theta) = e^{i\theta\,\mathrm{SWAP}} = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}` (Eqs. 2–5).

    Parameters
    ----------
    theta : float or array_like
        Interaction angle (rad): :math:`\gamma` of Eq. (3) for a collision, :math:`\delta`
        of Eq. (5) between system qubits.

    Returns
    -------
    PartialSwapGate or ndarray (..., 4, 4)
        For a number, a Qiskit gate (defined by RXX, RYY, RZZ; ``np.asarray(gate)`` is its
        exact matrix). For an array of angles, the stacked matrices
        (:func:`partial_swap_matrix`): a batched gate, for a vectorised sweep builder
        (:attr:`circuitheat.CollisionNetwork.batch_shape`). It conserves
        :math:`\sigma_z^{(1)} + \sigma_z^{(2)}`, so it does no work between resonant qubits.
    """
    theta = check_number_or_array("theta", theta, check_angle)
    return PartialSwapGate(theta) if isinstance(theta, float) else partial_swap_matrix(theta)


class HeisenbergGate(Gate):
    r"""Anisotropic Heisenberg (XYZ) exchange :math:`e^{-it(J_x XX + J_y YY + J_z ZZ)}`.

    Defined as :math:`R_{XX}(2tJ_x)\,R_{YY}(2tJ_y)\,R_{ZZ}(2tJ_z)` (Qiskit's
    :math:`R_{PP}(\phi) = e^{-i\phi\,PP/2}`; the three Pauli products commute). Symmetric
    in its two qubits. ``jx == jy`` conserves :math:`\sigma_z^{(1)}+\sigma_z^{(2)}` (XXZ
    chains); ``jx != jy`` creates or destroys excitation pairs and does work.
    """

    def __init__(self, jx: float, jy: float, jz: float, time: float = 1.0):
        super().__init__("heisenberg", 2, [jx, jy, jz, time], label="XYZ")

    def _define(self) -> None:
        jx, jy, jz, t = (float(p) for p in self.params)
        qc = QuantumCircuit(2, name=self.name)
        qc.rxx(2 * t * jx, 0, 1)
        qc.ryy(2 * t * jy, 0, 1)
        qc.rzz(2 * t * jz, 0, 1)
        self.definition = qc

    def __array__(self, dtype=None, copy=None) -> NDArray[np.complex128]:
        """The exact 4×4 matrix (the same in either qubit order: XX, YY, ZZ are symmetric)."""
        if copy is False:
            raise InputValueError("unable to avoid copy while creating an array as requested")
        return np.asarray(heisenberg_matrix(*(float(p) for p in self.params)), dtype=dtype or complex)

    def __repr__(self) -> str:
        jx, jy, jz, t = self.params
        return f"HeisenbergGate(jx={jx!r}, jy={jy!r}, jz={jz!r}, time={t!r})"


def heisenberg(jx: ArrayLike, jy: ArrayLike, jz: ArrayLike, time: ArrayLike = 1.0) -> HeisenbergGate | NDArray[np.complex128]:
    r"""Heisenberg exchange :math:`e^{-i\,t\,(J_x XX + J_y YY + J_z ZZ)}` (XXX, XXZ, XYZ couplings).

    Since :math:`XX+YY+ZZ = 2\,\mathrm{SWAP}-I`, ``heisenberg(J, J, J, t)`` equals
    :math:`e^{iJt}\,U(-2Jt)`: the partial swap of angle :math:`-2Jt` up to a global phase
    (so ``heisenberg(-1, -1, -1, theta / 2)`` is :math:`U(\theta)`; tested).

    Parameters
    ----------
    jx, jy, jz : float or array_like
        Couplings (energy units of :math:`\omega`).
    time : float or array_like
        Interaction time (inverse energy units); only the products :math:`J t` matter.

    Returns
    -------
    HeisenbergGate or ndarray (..., 4, 4)
        A Qiskit gate for numbers; for arrays (broadcast together) the stacked matrices
        (:func:`heisenberg_matrix`), a batched gate for a vectorised sweep builder.
    """
    names = ("jx", "jy", "jz", "time")
    values = [check_number_or_array(name, v, check_angle) for name, v in zip(names, (jx, jy, jz, time), strict=True)]
    if all(isinstance(v, float) for v in values):
        return HeisenbergGate(*values)
    return heisenberg_matrix(*values)


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def gate_matrix(gate: object, name: str = "gate") -> NDArray[np.complex128]:
    """The 4×4 unitary of ``gate`` in the package's kron basis (first slot most significant).

    Parameters
    ----------
    gate : qiskit Gate, QuantumCircuit, Operator, or array_like (4, 4) or (..., 4, 4)
        See the module docstring for the qubit order of each form. Leading dimensions of an
        array make a *batched* gate (one unitary per point of a vectorised sweep; see
        :attr:`circuitheat.CollisionNetwork.batch_shape`).
    name : str
        Field name used in error messages.

    Raises
    ------
    TypeError
        For an object that is none of these.
    ValueError
        For a gate that is not two-qubit, has unbound parameters, contains non-unitary
        operations, or is not unitary to :data:`UNITARY_TOLERANCE`.
    """
    if isinstance(gate, Gate | QuantumCircuit | Operator):
        n_qubits = gate.num_qubits
        if n_qubits != 2:
            raise InputValueError(f"{name} must act on 2 qubits, got {_describe(gate)} on {n_qubits}")
        if isinstance(gate, Gate | QuantumCircuit) and any(
            getattr(p, "parameters", None) for p in (gate.params if isinstance(gate, Gate) else [gate])
        ):
            raise InputValueError(f"{name} has unbound parameters: {_describe(gate)}")
        try:
            q = Operator(gate).data
        except (QiskitError, TypeError) as exc:
            raise InputValueError(f"{name} must be unitary (no measure, reset or unbound parameters): {exc}") from None
        m = _SWAP @ q @ _SWAP
    elif isinstance(gate, np.ndarray | list | tuple):
        arr = np.asarray(gate)
        if not (np.issubdtype(arr.dtype, np.number)):
            raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
        if arr.shape[-2:] != (4, 4):
            raise InputValueError(f"{name} as an array must have shape (4, 4) (or (..., 4, 4) for a batch), got {arr.shape}")
        m = arr.astype(complex)
    else:
        raise InputTypeError(
            f"{name} must be a qiskit Gate, a 2-qubit QuantumCircuit, an Operator or a 4x4 array, "
            f"got {_describe(gate)} of type {type(gate).__name__}"
        )
    if not np.all(np.isfinite(m)):
        raise InputValueError(f"{name} must be finite, got non-finite entries")
    defects = np.max(np.abs(np.swapaxes(m.conj(), -1, -2) @ m - np.eye(4)), axis=(-2, -1))
    if not np.all(defects <= UNITARY_TOLERANCE):
        where = np.unravel_index(int(np.argmax(defects)), defects.shape)
        at = f" at batch index {tuple(int(k) for k in where)}" if m.ndim > 2 else ""
        raise InputValueError(
            f"{name} must be unitary, got max|U^dagger U - I| = {float(defects[where]):.3g} > {UNITARY_TOLERANCE:g}{at}"
        )
    m.setflags(write=False)
    return m


def qiskit_gate(gate: object, matrix: NDArray, label: str | None = None) -> Gate:
    """A Qiskit gate for ``gate`` acting as ``matrix`` (kron basis) with qubit 0 the first slot.

    Qiskit gates are returned as they are; circuits become gates; operators and arrays
    become a :class:`~qiskit.circuit.library.UnitaryGate` of the little-endian matrix.
    """
    if isinstance(gate, Gate):
        return gate
    if isinstance(gate, QuantumCircuit):
        return gate.to_gate(label=label)
    if np.ndim(matrix) > 2:
        raise InputValueError(
            f"a batched gate (batch shape {np.shape(matrix)[:-2]}) has no single Qiskit gate; build the network "
            "of one point with scalar parameters"
        )
    return UnitaryGate(_SWAP @ np.asarray(matrix) @ _SWAP, label=label, check_input=False)
