r"""Readout as the device has it: per-qubit, asymmetric assignment matrices.

A measurement of qubit q records r when the qubit was in b with probability

.. math::
    A_q[r, b] = P(\text{measured } r \mid \text{prepared } b), \qquad
    A_q = \begin{pmatrix} 1 - e_0 & e_1 \\ e_0 & 1 - e_1 \end{pmatrix},

with :math:`e_0 = P(1|0)` and :math:`e_1 = P(0|1)`. Real devices (and the fake backends,
which carry a device's calibration) have :math:`e_0 \ne e_1`: e.g. fake_torino's qubit 33
reads :math:`P(1|0) = 0.032`, :math:`P(0|1) = 0.015`. The columns of :math:`A_q` are
probability distributions.

Where the numbers come from (:func:`readout_errors`), in this order:

1. the ``measure`` properties of the backend's ``Target``, if they carry
   ``prob_meas1_prep0`` and ``prob_meas0_prep1`` (Qiskit's ``InstructionProperties``
   have only one symmetric ``error``, but a backend may attach subclasses with both);
2. ``backend.properties()`` (IBM backends and the fake backends of
   qiskit-ibm-runtime): ``prob_meas1_prep0``, ``prob_meas0_prep1`` of the qubit;
3. the target's symmetric ``measure`` error (:math:`e_0 = e_1`), else 0.

Given a bare ``Target`` only steps 1 and 3 apply: that is exactly what
``qiskit_aer.noise.NoiseModel.from_backend`` (and hence ``AerSimulator.from_backend``,
used by the client-side ``executor_sampler.Sampler`` in local testing mode) builds its
``ReadoutError`` from, whereas the fake backends' own ``run`` (used by
``qiskit_ibm_runtime.SamplerV2`` in local testing mode) uses step 2. The target's
symmetric error of a fake backend is the mean :math:`(e_0+e_1)/2` of the asymmetric pair.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from qiskit.providers import BackendV2
from qiskit.transpiler import Target
from qiskit_aer.noise import ReadoutError

__all__ = [
    "READOUT_COLUMN_TOLERANCE",
    "assignment_from_errors",
    "assignment_matrices",
    "assignment_matrix",
    "check_readout",
    "readout_error_of",
    "readout_errors",
]


def _properties(backend: BackendV2):
    """``backend.properties()`` if the backend has calibration properties, else None."""
    getter = getattr(backend, "properties", None)
    if getter is None:
        return None
    try:
        return getter()
    except Exception:  # a backend without stored properties may raise instead of returning None
        return None


def _from_properties(properties, qubit: int) -> tuple[float, float] | None:
    if properties is None:
        return None
    try:
        e0 = properties.qubit_property(qubit, "prob_meas1_prep0")[0]
        e1 = properties.qubit_property(qubit, "prob_meas0_prep1")[0]
    except Exception:  # BackendPropertyError: the qubit has no such calibration
        return None
    if e0 is None or e1 is None:
        return None
    return float(e0), float(e1)


def _from_target(target: Target, qubit: int) -> tuple[tuple[float, float], bool]:
    """``((e0, e1), asymmetric)`` from the target's measure properties (``(0, 0), False`` if none)."""
    props = target.get("measure") if "measure" in target.operation_names else None
    prop = None if props is None else props.get((qubit,))
    if prop is None:
        return (0.0, 0.0), False
    e0 = getattr(prop, "prob_meas1_prep0", None)
    e1 = getattr(prop, "prob_meas0_prep1", None)
    if e0 is not None and e1 is not None:
        return (float(e0), float(e1)), True
    err = 0.0 if prop.error is None else float(prop.error)
    return (err, err), False


def _check_qubit(device: BackendV2 | Target, qubit: object) -> int:
    target = device if isinstance(device, Target) else device.target
    if isinstance(qubit, bool) or not isinstance(qubit, (int, np.integer)):
        raise TypeError(f"qubit must be an int, got {qubit!r} of type {type(qubit).__name__}")
    if not 0 <= int(qubit) < target.num_qubits:
        raise ValueError(f"qubit must be in [0, {target.num_qubits}), got {qubit}")
    return int(qubit)


def _check_device(device: object) -> BackendV2 | Target:
    if not isinstance(device, (BackendV2, Target)):
        raise TypeError(f"device must be a BackendV2 or a Target, got {device!r} of type {type(device).__name__}")
    return device


#: Columns of a given assignment matrix must sum to 1 to within float rounding of
#: calibration numbers (they are stored with ~10 significant digits).
READOUT_COLUMN_TOLERANCE = 1e-9

_UNSET = object()


def _errors(device: BackendV2 | Target, qubit: int, properties=_UNSET) -> tuple[float, float]:
    target = device if isinstance(device, Target) else device.target
    errors, asymmetric = _from_target(target, qubit)
    if asymmetric or isinstance(device, Target):
        return errors
    props = _properties(device) if properties is _UNSET else properties
    return _from_properties(props, qubit) or errors


def readout_errors(device: BackendV2 | Target, qubit: int) -> tuple[float, float]:
    r"""``(e0, e1) = (P(1|0), P(0|1))`` of ``qubit`` (module docstring for the sources).

    Parameters
    ----------
    device : BackendV2 or Target
        A backend (its target, then its ``properties()``), or a bare ``Target`` (its
        measure properties only: what ``AerSimulator.from_backend`` uses).
    qubit : int
        Physical qubit.

    Returns
    -------
    (float, float)
        Probabilities in [0, 1].
    """
    device = _check_device(device)
    return _errors(device, _check_qubit(device, qubit))


def assignment_from_errors(e0: float, e1: float) -> NDArray[np.float64]:
    r"""The 2×2 assignment matrix :math:`A[r, b] = P(r|b)` from :math:`e_0 = P(1|0)`, :math:`e_1 = P(0|1)`."""
    for name, e in (("e0", e0), ("e1", e1)):
        if not 0.0 <= float(e) <= 1.0:
            raise ValueError(f"{name} must be a probability in [0, 1], got {e!r}")
    return np.array([[1.0 - e0, e1], [e0, 1.0 - e1]], dtype=float)


def assignment_matrix(device: BackendV2 | Target, qubit: int) -> NDArray[np.float64]:
    r"""``A[r, b] = P(measured r | prepared b)`` of ``qubit``: asymmetric, as the device reports it.

    Examples
    --------
    >>> from circuitheat.hardware import assignment_matrix, resolve_backend
    >>> a = assignment_matrix(resolve_backend("fake_torino"), 33)
    >>> a.round(4).tolist()  # P(1|0) = 0.0322, P(0|1) = 0.0146
    [[0.9678, 0.0146], [0.0322, 0.9854]]
    """
    return assignment_from_errors(*readout_errors(device, qubit))


def assignment_matrices(device: BackendV2 | Target, qubits: Sequence[int]) -> NDArray[np.float64]:
    """:func:`assignment_matrix` of each qubit, shape ``(len(qubits), 2, 2)`` (one ``properties()`` call)."""
    device = _check_device(device)
    qubits = [_check_qubit(device, q) for q in qubits]
    props = None if isinstance(device, Target) else _properties(device)
    return np.array([assignment_from_errors(*_errors(device, q, props)) for q in qubits], dtype=float).reshape(-1, 2, 2)


def readout_error_of(assignment: NDArray) -> ReadoutError:
    """Aer's ``ReadoutError`` for an assignment matrix (Aer's rows are the prepared state: the transpose)."""
    a = np.asarray(assignment, dtype=float)
    if a.shape != (2, 2) or not np.allclose(a.sum(axis=0), 1.0, rtol=0, atol=READOUT_COLUMN_TOLERANCE) or (a < 0).any():
        raise ValueError(f"assignment must be a 2x2 matrix whose columns are probability distributions, got {a.tolist()}")
    return ReadoutError(a.T)


def check_readout(readout: object) -> NDArray[np.float64]:
    """Validate a pair of assignment matrices ``(A_hot, A_cold)``, ``A[r, b] = P(measured r | prepared b)``."""
    a = np.asarray(readout, dtype=float)
    if a.shape != (2, 2, 2):
        raise ValueError(f"readout must be two 2x2 assignment matrices (hot, cold), shape (2, 2, 2); got shape {a.shape}")
    if (a < 0).any() or not np.allclose(a.sum(axis=1), 1.0, rtol=0, atol=READOUT_COLUMN_TOLERANCE):
        raise ValueError(
            f"readout matrices must have columns that are probability distributions (A[r, b] = P(r|b)), got {a.tolist()}"
        )
    return a
