r"""Shot-based heat currents of a collision network through any ``SamplerV2``.

One shot of the network's device protocol (:mod:`circuitheat.hardware.network_protocol`)
records the outcome of every collision's ancilla in every step (register ``m{c}``, bit
k-1 = step k). Reservoir r's current in step k is estimated per shot by

.. math:: x_r(k) = \sum_{c\in r}\Big[\tfrac{\omega_r}{2}\,s\,(1-2r_c(k)) - \mathrm{Tr}[H_r\eta_r]\Big]

(s = +1 for ``"excited_is_0"``, −1 for ``"ground_is_0"``; Eqs. 10–11 generalised, see
:mod:`circuitheat.hardware.network_noise`), and averaged over shots with the standard
errors of :mod:`circuitheat.hardware.sampling`: per step from the shots' spread, and for
the steady (tail) current from one tail mean per shot (shots are independent, the steps
of one shot are not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.primitives import BaseSamplerV2
from qiskit.providers import BackendV2

from ..engines.aer import to_aer_native
from ..network.spec import CollisionNetwork, check_network
from ..validation import InputTypeError, InputValueError, check_count
from .network_noise import _check_readout
from .network_protocol import collision_register, network_hardware_circuit
from .network_transpile import TranspiledNetworkProtocol, transpile_network_protocol
from .protocol import DEFAULT_ENCODING, check_encoding, excited_sign, shot_current
from .readout import assignment_matrices
from .sampling import _shot_statistics, default_tail_start, device_sampler
from .transpile import resolve_backend

__all__ = ["NetworkCurrentEstimate", "estimate_network_currents", "network_bits_from_result", "network_currents_from_bits"]


@dataclass(frozen=True)
class NetworkCurrentEstimate:
    r"""Every reservoir's current estimated from shots, per step and in the steady state.

    Attributes
    ----------
    network : CollisionNetwork
    n_collisions, shots : int
        Steps per shot and shots.
    currents, currents_stderr : mapping name -> ndarray (n,)
        :math:`\hat J_r(k)`, k = 1..n, and their standard errors (energy units).
    tail_start : int
        First step :math:`k_0` of the tail averaged for the steady currents.
    steady, steady_stderr : mapping name -> float
        Tail averages and their standard errors.
    backend_name, encoding : str
    readout_mitigated : bool
    physical_qubits : tuple of int or None
    bits : ndarray (m, shots, n) of uint8
        Recorded bits of each collision c (column k-1 = step k).
    """

    network: CollisionNetwork = field(repr=False)
    n_collisions: int
    shots: int
    currents: Mapping[str, NDArray] = field(repr=False)
    currents_stderr: Mapping[str, NDArray] = field(repr=False)
    tail_start: int
    steady: Mapping[str, float]
    steady_stderr: Mapping[str, float]
    backend_name: str
    encoding: str
    readout_mitigated: bool
    physical_qubits: tuple[int, ...] | None = None
    bits: NDArray | None = field(default=None, repr=False)

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Step numbers 1..n."""
        return np.arange(1, self.n_collisions + 1)


def _frozen_arrays(values: dict) -> Mapping[str, NDArray]:
    for a in values.values():
        a.setflags(write=False)
    return MappingProxyType(values)


def network_currents_from_bits(
    network: CollisionNetwork,
    bits: ArrayLike,
    *,
    encoding: str = DEFAULT_ENCODING,
    tail_start: int | None = None,
    readout: ArrayLike | None = None,
    backend_name: str = "aer_ideal",
    physical_qubits: tuple[int, ...] | None = None,
) -> NetworkCurrentEstimate:
    """Estimate every :math:`J_r(k)` and the steady currents from recorded bits (module docstring).

    Parameters
    ----------
    network : CollisionNetwork
    bits : array_like (m, shots, n) of 0/1
        Collision c's outcomes, column k-1 = step k (:func:`network_bits_from_result`).
    encoding : {"ground_is_0", "excited_is_0"}
    tail_start : int, optional
        Default :func:`~circuitheat.hardware.sampling.default_tail_start`.
    readout : array_like (m, 2, 2), optional
        Assignment matrices of the measured qubits: mitigate each shot's value with them.
    """
    network = check_network(network)
    encoding = check_encoding(encoding)
    b = np.asarray(bits)
    m = len(network.collisions)
    if b.ndim != 3 or b.shape[0] != m:
        raise InputValueError(f"bits must have shape ({m}, shots, n), one matrix per collision; got {b.shape}")
    _, shots, n = b.shape
    if shots < 2 or n < 1:
        raise InputValueError(f"bits need at least 2 shots and 1 step for a standard error, got shape {b.shape}")
    if not np.isin(b, (0, 1)).all():
        raise InputValueError("bits must contain only 0 and 1")
    k0 = default_tail_start(n) if tail_start is None else check_count("tail_start", tail_start)
    if k0 > n:
        raise InputValueError(f"tail_start must be <= n_collisions = {n}, got {k0}")
    errors = None if readout is None else _check_readout(readout, m)
    s = excited_sign(encoding)
    x = {name: np.zeros((shots, n)) for name in network.reservoir_names}
    for c, col in enumerate(network.collisions):
        anc = network.ancilla(col.reservoir)
        ro = None if errors is None else (errors[c][1, 0], errors[c][0, 1])
        x[col.reservoir] += shot_current(b[c], anc.omega, s, anc.energy, ro)
    stats = {name: _shot_statistics(v, k0) for name, v in x.items()}  # (mean, stderr, steady, steady_stderr)
    return NetworkCurrentEstimate(
        network=network,
        n_collisions=n,
        shots=shots,
        currents=_frozen_arrays({name: st[0] for name, st in stats.items()}),
        currents_stderr=_frozen_arrays({name: st[1] for name, st in stats.items()}),
        tail_start=k0,
        steady=MappingProxyType({name: st[2] for name, st in stats.items()}),
        steady_stderr=MappingProxyType({name: st[3] for name, st in stats.items()}),
        backend_name=backend_name,
        encoding=encoding,
        readout_mitigated=readout is not None,
        physical_qubits=physical_qubits,
        bits=np.array(b, dtype=np.uint8),
    )


def network_bits_from_result(pub_result, collisions: int) -> NDArray[np.uint8]:
    """Bits (m, shots, n) of registers ``m0 .. m{m-1}`` from one ``SamplerPubResult`` (column k-1 = step k)."""
    out = []
    for c in range(collisions):
        try:
            reg = getattr(pub_result.data, collision_register(c))
        except AttributeError:
            raise InputValueError(f"the result has no register {collision_register(c)!r}; was it a network protocol?") from None
        out.append(reg.to_bool_array(order="little").reshape(-1, reg.num_bits))
    return np.array(out, dtype=np.uint8)


def estimate_network_currents(
    network: CollisionNetwork,
    n_collisions: int,
    *,
    backend: str | BackendV2 | None = None,
    shots: int,
    seed: int | None = None,
    sampler: BaseSamplerV2 | None = None,
    tail_start: int | None = None,
    initial_state: str | ArrayLike | None = None,
    encoding: str = DEFAULT_ENCODING,
    layout: tuple[int, ...] | None = None,
    mitigate_readout: bool = False,
    readout: ArrayLike | None = None,
    method: str = "statevector",
    transpiled: TranspiledNetworkProtocol | None = None,
) -> NetworkCurrentEstimate:
    """Run a network's device protocol for ``shots`` shots and estimate every :math:`J_r(k)` (module docstring).

    Parameters as :func:`circuitheat.hardware.estimate_heat_currents`; ``layout`` has one
    physical qubit per circuit qubit (sites, ancillas, partners), ``readout`` one assignment
    matrix per collision, ``transpiled`` must be a
    :class:`~circuitheat.hardware.network_transpile.TranspiledNetworkProtocol` matching
    ``network``, ``n_collisions``, ``encoding`` and ``initial_state``.
    """
    network = check_network(network)
    n = check_count("n_collisions", n_collisions)
    shots = check_count("shots", shots, minimum=2)
    encoding = check_encoding(encoding)
    if sampler is not None and not isinstance(sampler, BaseSamplerV2):
        raise InputTypeError(f"sampler must be a qiskit BaseSamplerV2, got {type(sampler).__name__}")
    m = len(network.collisions)
    mitigation = None
    if backend is None:
        circuit = to_aer_native(network_hardware_circuit(network, n, initial_state=initial_state, encoding=encoding))
        physical, name = None, "aer_ideal"
        sampler = sampler or device_sampler(None, seed=seed, method=method)
    else:
        device = resolve_backend(backend)
        if transpiled is None:
            transpiled = transpile_network_protocol(
                network, n, device, layout=layout, initial_state=initial_state, encoding=encoding
            )
        elif not isinstance(transpiled, TranspiledNetworkProtocol):
            raise InputTypeError(f"transpiled must be a TranspiledNetworkProtocol, got {type(transpiled).__name__}")
        elif (mismatch := transpiled.matches(network, n, encoding, initial_state)) is not None:
            raise InputValueError(mismatch)
        circuit = transpiled.circuit
        physical, name = transpiled.physical_qubits, transpiled.backend_name
        if mitigate_readout:
            mitigation = assignment_matrices(device, transpiled.measured_qubits) if readout is None else readout
        sampler = sampler or device_sampler(device, seed=seed, method=method, qubits=transpiled.active_qubits)
    result = sampler.run([(circuit,)], shots=shots).result()
    bits = network_bits_from_result(result[0], m)
    if bits.shape != (m, shots, n):
        raise ValueError(f"the sampler returned bits of shape {bits.shape}, expected ({m}, {shots}, {n})")
    return network_currents_from_bits(
        network,
        bits,
        encoding=encoding,
        tail_start=tail_start,
        readout=mitigation,
        backend_name=name,
        physical_qubits=physical,
    )
