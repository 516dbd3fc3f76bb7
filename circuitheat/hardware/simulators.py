"""Aer simulators of a device (``AerSimulator.from_backend``), built once per backend and reused.

Building a device noise model is the slow part of simulating a device: for a 133-qubit
backend :meth:`qiskit_aer.noise.NoiseModel.from_backend` takes seconds (a thermal
relaxation and a depolarizing error for every gate on every qubit). The model depends
on the backend only, so it is built once per backend object and shared by every
simulator (density matrix or statevector) made for that backend.

What the noise model contains (qiskit-aer 0.17/0.18, ``NoiseModel.from_backend``):

* after every gate: a depolarizing error fitted to the reported gate error, then thermal
  relaxation (:math:`T_1`, :math:`T_2`, gate duration) on each of its qubits;
* after every ``reset``: thermal relaxation over the reset's duration;
* on every ``measure``: a classical readout error (no quantum error). ``from_backend``
  reads it from the target, where a fake backend has only the symmetric mean of the two
  error rates; :func:`device_noise_model` replaces it with the device's asymmetric
  assignment matrix (:func:`~circuitheat.hardware.readout.assignment_matrix`, from
  ``backend.properties()``), as the fake backend's own ``run`` (and so
  ``qiskit_ibm_runtime.SamplerV2`` in local testing mode) does;
* on every ``delay``: thermal relaxation over its duration (a noise pass) -- so idle
  times count only if the circuit is scheduled (explicit delays), which
  :func:`~circuitheat.hardware.transpile.transpile_protocol` does by default.

Not modelled: crosstalk, leakage, non-Markovian drift, measurement-induced dephasing of
neighbours, and the qubit's own decay *during* its readout.

Aer converts the whole noise model at every ``run`` (about 2 s for a 133-qubit device).
A circuit that acts on a few physical qubits needs only their errors, so
:func:`device_simulator` accepts ``qubits`` and then uses :func:`restrict_noise_model`:
the same errors (same objects) on those qubits, nothing else; it is exact for any
circuit whose instructions stay on them (``tests/test_hardware_noise.py`` compares it
with the full model).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from qiskit.providers import BackendV2
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel

from ..validation import check_choice
from .readout import assignment_matrices, readout_error_of

__all__ = ["SIMULATION_METHODS", "device_noise_model", "device_simulator", "ideal_simulator", "restrict_noise_model"]

#: Aer methods offered for device simulation: the exact channel ("density_matrix") or
#: Kraus-trajectory sampling ("statevector"); both give the same outcome distribution.
SIMULATION_METHODS = ("density_matrix", "statevector")

_LOCK = threading.Lock()
# id(backend) -> (backend, noise model); the backend is kept so the id is never reused.
_NOISE_MODELS: dict[int, tuple[BackendV2, NoiseModel]] = {}
_SIMULATORS: dict[tuple[int, str, tuple[int, ...] | None], AerSimulator] = {}


def device_noise_model(backend: BackendV2) -> NoiseModel:
    """``NoiseModel.from_backend(backend)`` with the device's asymmetric readout, built once per backend object.

    Gate errors, relaxation during gates and resets, and the delay relaxation are Aer's
    (``T_2`` capped at ``2 T_1``); the readout error of every qubit is its assignment
    matrix :func:`~circuitheat.hardware.readout.assignment_matrix` (module docstring).
    """
    if not isinstance(backend, BackendV2):
        raise TypeError(f"backend must be a BackendV2, got {backend!r} of type {type(backend).__name__}")
    with _LOCK:
        entry = _NOISE_MODELS.get(id(backend))
        if entry is None or entry[0] is not backend:
            entry = (backend, _with_device_readout(NoiseModel.from_backend(backend, readout_error=False), backend))
            _NOISE_MODELS[id(backend)] = entry
        return entry[1]


def _with_device_readout(noise_model: NoiseModel, backend: BackendV2) -> NoiseModel:
    """Add each qubit's asymmetric readout error (nothing for a qubit without readout error)."""
    qubits = range(backend.target.num_qubits)
    for q, assignment in zip(qubits, assignment_matrices(backend, qubits), strict=True):
        if not np.allclose(assignment, np.eye(2), rtol=0, atol=0):
            noise_model.add_readout_error(readout_error_of(assignment), [q], warnings=False)
    return noise_model


def restrict_noise_model(noise_model: NoiseModel, qubits: Sequence[int]) -> NoiseModel:
    """The part of a device noise model that acts on ``qubits`` only.

    Keeps every local quantum error whose qubits are all in ``qubits``, their readout
    errors, and the custom noise passes (the delay relaxation of ``from_backend``);
    drops the rest. Raises ``ValueError`` if the model has all-qubit (default) errors,
    which cannot be restricted this way.
    """
    keep = {int(q) for q in qubits}
    # NoiseModel has no public iterator over its local errors; these attributes are
    # qiskit-aer's (0.12 - 0.18); tests compare the result with the full model.
    if noise_model._default_quantum_errors or noise_model._default_readout_error is not None:
        raise ValueError("noise_model has all-qubit errors; it cannot be restricted to qubits")
    out = NoiseModel(basis_gates=sorted(noise_model.basis_gates))
    for name, errors in noise_model._local_quantum_errors.items():
        for qargs, error in errors.items():
            if set(qargs) <= keep:
                out.add_quantum_error(error, name, list(qargs), warnings=False)
    for qargs, error in noise_model._local_readout_errors.items():
        if set(qargs) <= keep:
            out.add_readout_error(error, list(qargs), warnings=False)
    out._custom_noise_passes = list(noise_model._custom_noise_passes)
    return out


def device_simulator(backend: BackendV2, method: str = "density_matrix", qubits: Sequence[int] | None = None) -> AerSimulator:
    """``AerSimulator.from_backend(backend, method=method)`` with the cached noise model.

    Parameters
    ----------
    backend : BackendV2
        A fake backend or any backend whose target has error rates, durations and qubit
        properties.
    method : {"density_matrix", "statevector"}
    qubits : sequence of int, optional
        Physical qubits the circuits will use: the noise model is restricted to them
        (:func:`restrict_noise_model`, same result, no per-run conversion of the rest).
    """
    method = check_choice("method", method, SIMULATION_METHODS)
    noise = device_noise_model(backend)
    key = (id(backend), method, None if qubits is None else tuple(sorted(int(q) for q in qubits)))
    with _LOCK:
        sim = _SIMULATORS.get(key)
        if sim is None:
            if key[2] is not None:
                noise = restrict_noise_model(noise, key[2])
            sim = AerSimulator.from_backend(backend, method=method, noise_model=noise)
            _SIMULATORS[key] = sim
        return sim


def ideal_simulator(method: str = "density_matrix") -> AerSimulator:
    """A noiseless ``AerSimulator`` (no device, all-to-all connectivity)."""
    method = check_choice("method", method, SIMULATION_METHODS)
    return AerSimulator(method=method)
