r"""Shot-based heat currents through Qiskit's ``SamplerV2`` interface (PUBs in, bit arrays out).

From counts to currents
-----------------------
One shot of the protocol records, for every collision k, the hot bit :math:`r^h_k` and
the cold bit :math:`r^c_k` (registers ``hot`` and ``cold``, bit k-1). A recorded bit r
of an ancilla means the energy :math:`(\omega/2)\,s\,(1-2r)` (s = +1 for
``"excited_is_0"``, -1 for ``"ground_is_0"``), so each shot gives one unbiased sample

.. math:: x_k = \tfrac{\omega}{2}\,s\,(1 - 2 r_k) - \mathrm{Tr}[H\eta]

of :math:`J(k)` (Eqs. 10–11). Over N shots:

* :math:`\hat J(k) = \bar x_k`, standard error :math:`\mathrm{sd}(x_k)/\sqrt N`
  (shots are independent);
* the steady current is the average over the tail :math:`k_0 \le k \le n`. The
  collisions of one shot are correlated (they share the system), so the K tail values of
  one shot are **not** K independent samples. Each shot's tail mean
  :math:`m = \frac1K\sum_{k\ge k_0} x_k` is one independent sample, and the standard
  error is :math:`\mathrm{sd}(m)/\sqrt N` -- exact, the same as blocking with one shot
  per block. (Treating the N·K values as independent would be wrong by a factor
  :math:`\sqrt{1 + 2\sum_\ell \rho_\ell}` with :math:`\rho_\ell` the lag-ℓ
  correlation.)

With ``mitigate_readout=True`` each shot's :math:`z = 1-2r` is replaced by
:math:`(z - (e_1 - e_0))/(1 - e_0 - e_1)` with the device's readout errors of the
measured qubit (:func:`~circuitheat.hardware.readout.readout_errors`: asymmetric, as the
device reports them), an affine map,
so every formula above still holds.

Samplers
--------
``backend=None``
    Ideal sampling: :class:`qiskit_aer.primitives.SamplerV2` on the logical circuit.
a fake-backend name or a ``BackendV2`` with a noisy target
    The circuit is transpiled for it (:func:`~circuitheat.hardware.transpile.transpile_protocol`)
    and sampled by :class:`qiskit_aer.primitives.SamplerV2` on
    ``AerSimulator.from_backend(backend)`` (restricted to the six used qubits). The
    default ``method="statevector"`` samples Kraus trajectories; ``"density_matrix"``
    propagates the exact channel between measurements. Both draw from the same outcome
    distribution; statevector is about 30x faster here (about 1 ms per shot for ten
    collisions on a laptop core), so it is the default.
a real IBM backend (``QiskitRuntimeService().backend(...)``)
    qiskit-ibm-runtime's sampler in job mode (``qiskit_ibm_runtime.executor_sampler.Sampler``
    from 0.50 on, ``qiskit_ibm_runtime.SamplerV2`` before), see :func:`device_sampler`.
``sampler=...``
    Any ``BaseSamplerV2`` you built (e.g. the runtime sampler with ``mode=session``,
    or with ``mode=FakeTorino()`` for the runtime's local testing mode). In local
    testing mode ``qiskit_ibm_runtime.SamplerV2`` simulates the fake backend's
    asymmetric readout (``fake.run``), ``executor_sampler.Sampler`` the target's
    symmetric one (``AerSimulator.from_backend``); predict the latter with
    ``NoisyCollisionMap.from_transpiled(..., readout=assignment_matrices(fake.target, qubits))``
    (``tests/test_hardware_runtime.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.primitives import BaseSamplerV2
from qiskit.providers import BackendV2
from qiskit_aer import AerSimulator
from qiskit_aer.primitives import SamplerV2 as AerSamplerV2

from ..circuits import COLD, HOT
from ..engines.aer import to_aer_native
from ..model import CollisionModel, check_model
from ..network.spec import CollisionNetwork
from ..validation import check_count
from .protocol import (
    COLD_REGISTER,
    DEFAULT_ENCODING,
    HOT_REGISTER,
    check_encoding,
    excited_sign,
    hardware_circuit,
    shot_current,
)
from .readout import assignment_matrices, check_readout
from .simulators import SIMULATION_METHODS, device_simulator
from .transpile import TranspiledProtocol, resolve_backend, transpile_protocol

__all__ = [
    "HeatCurrentEstimate",
    "bits_from_result",
    "default_tail_start",
    "device_sampler",
    "estimate_heat_currents",
    "heat_currents_from_bits",
]


def default_tail_start(n_collisions: int) -> int:
    """First collision of the default tail: the last ``ceil(n/2)`` collisions (``n//2 + 1``)."""
    return check_count("n_collisions", n_collisions) // 2 + 1


@dataclass(frozen=True)
class HeatCurrentEstimate:
    r"""Heat currents estimated from shots (module docstring), per collision and in the steady state.

    Attributes
    ----------
    model : CollisionModel
    n_collisions, shots : int
    heat_hot, heat_cold : ndarray (n,)
        :math:`\hat J_h(k), \hat J_c(k)`, k = 1..n (energy units).
    heat_hot_stderr, heat_cold_stderr : ndarray (n,)
        Their standard errors (sample standard deviation over shots / sqrt(shots)).
    tail_start : int
        First collision :math:`k_0` of the tail averaged for the steady current.
    steady_hot, steady_cold : float
        Tail averages :math:`\frac1K\sum_{k\ge k_0}\hat J(k)`.
    steady_hot_stderr, steady_cold_stderr : float
        Their standard errors from the per-shot tail means (exact for i.i.d. shots).
    backend_name : str
        ``"aer_ideal"`` for noiseless sampling.
    encoding : str
    readout_mitigated : bool
    physical_qubits : tuple of int or None
        Device qubits of the six roles (None for ideal sampling).
    hot_bits, cold_bits : ndarray (shots, n) of uint8
        The recorded bits, column k-1 = collision k (for re-analysis).
    """

    model: CollisionModel = field(repr=False)
    n_collisions: int
    shots: int
    heat_hot: NDArray = field(repr=False)
    heat_cold: NDArray = field(repr=False)
    heat_hot_stderr: NDArray = field(repr=False)
    heat_cold_stderr: NDArray = field(repr=False)
    tail_start: int
    steady_hot: float
    steady_hot_stderr: float
    steady_cold: float
    steady_cold_stderr: float
    backend_name: str
    encoding: str
    readout_mitigated: bool
    physical_qubits: tuple[int, ...] | None = None
    hot_bits: NDArray | None = field(default=None, repr=False)
    cold_bits: NDArray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for name in ("heat_hot", "heat_cold", "heat_hot_stderr", "heat_cold_stderr", "hot_bits", "cold_bits"):
            value = getattr(self, name)
            if value is not None:
                a = np.array(value, copy=True)
                a.setflags(write=False)
                object.__setattr__(self, name, a)

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Collision numbers 1..n."""
        return np.arange(1, self.n_collisions + 1)

    def to_dict(self) -> dict:
        """JSON-ready summary (no bits)."""
        return {
            "backend": self.backend_name,
            "physical_qubits": None if self.physical_qubits is None else list(self.physical_qubits),
            "encoding": self.encoding,
            "readout_mitigated": self.readout_mitigated,
            "n_collisions": self.n_collisions,
            "shots": self.shots,
            "tail_start": self.tail_start,
            "heat_hot": self.heat_hot.tolist(),
            "heat_hot_stderr": self.heat_hot_stderr.tolist(),
            "heat_cold": self.heat_cold.tolist(),
            "heat_cold_stderr": self.heat_cold_stderr.tolist(),
            "steady_hot": self.steady_hot,
            "steady_hot_stderr": self.steady_hot_stderr,
            "steady_cold": self.steady_cold,
            "steady_cold_stderr": self.steady_cold_stderr,
        }


def _shot_statistics(x: NDArray, tail_start: int) -> tuple[NDArray, NDArray, float, float]:
    r"""Per-collision and steady (tail) current with standard errors from per-shot values (module docstring).

    Parameters
    ----------
    x : ndarray (shots, n)
        One shot's estimate :math:`x_k` of :math:`J(k)` per row (energy units).
    tail_start : int
        First collision :math:`k_0` of the tail, 1 <= k0 <= n.

    Returns
    -------
    (mean, stderr, steady, steady_stderr)
        :math:`\bar x_k` and :math:`\mathrm{sd}(x_k)/\sqrt N` (arrays (n,)); the mean of
        the per-shot tail means :math:`m = \frac1K\sum_{k\ge k_0} x_k` and
        :math:`\mathrm{sd}(m)/\sqrt N` (one independent sample per shot).
    """
    root = math.sqrt(x.shape[0])
    tail_means = x[:, tail_start - 1 :].mean(axis=1)  # one independent sample per shot
    return x.mean(axis=0), x.std(axis=0, ddof=1) / root, float(tail_means.mean()), float(tail_means.std(ddof=1) / root)


def heat_currents_from_bits(
    model: CollisionModel,
    hot_bits: ArrayLike,
    cold_bits: ArrayLike,
    *,
    encoding: str = DEFAULT_ENCODING,
    tail_start: int | None = None,
    readout: tuple[tuple[float, float], tuple[float, float]] | None = None,
    backend_name: str = "aer_ideal",
    physical_qubits: tuple[int, ...] | None = None,
) -> HeatCurrentEstimate:
    r"""Estimate :math:`J_h(k), J_c(k)` and the steady currents from recorded bits (module docstring).

    Parameters
    ----------
    model : CollisionModel
    hot_bits, cold_bits : array_like (shots, n) of 0/1
        Column k-1 holds collision k (:func:`bits_from_result`).
    encoding : {"ground_is_0", "excited_is_0"}
        How the circuit encoded the model's levels.
    tail_start : int, optional
        First collision of the steady-state tail (default :func:`default_tail_start`).
    readout : ((e0, e1), (e0, e1)), optional
        Readout errors ``(P(1|0), P(0|1))`` of the hot and the cold ancilla's qubit:
        each shot's value is readout-mitigated with them. None: raw.
    backend_name, physical_qubits
        Recorded in the result.

    Raises
    ------
    ValueError
        For fewer than 2 shots, mismatched shapes, non-binary bits or a tail start
        outside 1..n.
    """
    hot = np.asarray(hot_bits)
    cold = np.asarray(cold_bits)
    if hot.ndim != 2 or hot.shape != cold.shape:
        raise ValueError(f"hot_bits and cold_bits must both have shape (shots, n), got {hot.shape} and {cold.shape}")
    shots, n = hot.shape
    if shots < 2:
        raise ValueError(f"at least 2 shots are needed for a standard error, got {shots}")
    if n < 1:
        raise ValueError("bits must hold at least one collision")
    if not (np.isin(hot, (0, 1)).all() and np.isin(cold, (0, 1)).all()):
        raise ValueError("hot_bits and cold_bits must contain only 0 and 1")
    k0 = default_tail_start(n) if tail_start is None else check_count("tail_start", tail_start)
    if k0 > n:
        raise ValueError(f"tail_start must be <= n_collisions = {n}, got {k0}")
    sign = excited_sign(encoding)
    values = {}
    for name, bits, reservoir, ro in (
        ("hot", hot, model.hot, None if readout is None else readout[0]),
        ("cold", cold, model.cold, None if readout is None else readout[1]),
    ):
        values[name] = _shot_statistics(shot_current(bits, model.omega, sign, reservoir.energy, ro), k0)  # x: (shots, n)
    return HeatCurrentEstimate(
        model=model,
        n_collisions=n,
        shots=shots,
        heat_hot=values["hot"][0],
        heat_cold=values["cold"][0],
        heat_hot_stderr=values["hot"][1],
        heat_cold_stderr=values["cold"][1],
        tail_start=k0,
        steady_hot=values["hot"][2],
        steady_hot_stderr=values["hot"][3],
        steady_cold=values["cold"][2],
        steady_cold_stderr=values["cold"][3],
        backend_name=backend_name,
        encoding=check_encoding(encoding),
        readout_mitigated=readout is not None,
        physical_qubits=physical_qubits,
        hot_bits=hot.astype(np.uint8),
        cold_bits=cold.astype(np.uint8),
    )


def bits_from_result(pub_result) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """``(hot_bits, cold_bits)``, each (shots, n), from one ``SamplerPubResult`` of the protocol circuit.

    Reads the ``BitArray`` of the registers ``hot`` and ``cold`` with ``order="little"``,
    so column k-1 is classical bit k-1, the outcome of collision k.
    """
    data = pub_result.data
    try:
        hot, cold = getattr(data, HOT_REGISTER), getattr(data, COLD_REGISTER)
    except AttributeError:
        raise ValueError(
            f"the result has no registers {HOT_REGISTER!r} and {COLD_REGISTER!r}; was it a protocol circuit?"
        ) from None
    return (
        hot.to_bool_array(order="little").reshape(-1, hot.num_bits).astype(np.uint8),
        cold.to_bool_array(order="little").reshape(-1, cold.num_bits).astype(np.uint8),
    )


def _is_ibm_backend(backend: BackendV2) -> bool:
    try:
        from qiskit_ibm_runtime import IBMBackend
    except ImportError:  # pragma: no cover - qiskit-ibm-runtime is an optional dependency
        return False
    return isinstance(backend, IBMBackend)


def device_sampler(
    backend: str | BackendV2 | None = None,
    *,
    seed: int | None = None,
    method: str = "statevector",
    qubits: tuple[int, ...] | None = None,
) -> BaseSamplerV2:
    """The ``SamplerV2`` used for ``backend`` (module docstring).

    Parameters
    ----------
    backend : str, BackendV2 or None
        None: noiseless :class:`qiskit_aer.primitives.SamplerV2`. A fake backend (or any
        simulated ``BackendV2``): Aer's sampler on ``AerSimulator.from_backend``. A real
        IBM backend: qiskit-ibm-runtime's sampler with ``mode=backend`` (needs an IBM
        Quantum account; ``seed`` is ignored).
    seed : int, optional
        Seed of the simulator's sampling (reproducible shots).
    method : {"statevector", "density_matrix"}
        Aer method for simulated devices.
    qubits : tuple of int, optional
        Physical qubits the circuits use (restricts the noise model: faster, identical).
    """
    if method not in SIMULATION_METHODS:
        raise ValueError(f"unknown method {method!r}; valid: {', '.join(repr(m) for m in SIMULATION_METHODS)}")
    if backend is None:
        return AerSamplerV2(seed=seed, options={"backend_options": {"method": method}})
    device = resolve_backend(backend)
    if _is_ibm_backend(device):
        try:  # qiskit-ibm-runtime >= 0.50: the client-side sampler (qiskit_ibm_runtime.SamplerV2 is deprecated)
            from qiskit_ibm_runtime.executor_sampler import Sampler as RuntimeSampler
        except ImportError:  # pragma: no cover - older qiskit-ibm-runtime
            from qiskit_ibm_runtime import SamplerV2 as RuntimeSampler
        return RuntimeSampler(mode=device)
    if isinstance(device, AerSimulator):
        return AerSamplerV2.from_backend(device, seed=seed)
    return AerSamplerV2.from_backend(device_simulator(device, method, qubits), seed=seed)


def estimate_heat_currents(
    model: CollisionModel | CollisionNetwork,
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
    transpiled: TranspiledProtocol | None = None,
) -> HeatCurrentEstimate:
    r"""Run the protocol for ``shots`` shots and estimate :math:`J_h(k), J_c(k)` with standard errors.

    Parameters
    ----------
    model : CollisionModel or CollisionNetwork
        A :class:`~circuitheat.CollisionNetwork` is run as its own device protocol and gives
        a :class:`~circuitheat.hardware.network_sampling.NetworkCurrentEstimate` (every
        reservoir's current; :func:`~circuitheat.hardware.network_sampling.estimate_network_currents`).
    n_collisions : int
        Collisions per shot, n >= 1.
    backend : str or BackendV2, optional
        None: ideal sampling of the logical circuit. A fake-backend name
        (``"fake_torino"``) or a ``BackendV2``: the circuit is transpiled for it and
        sampled with its noise (or run on it, for a real IBM backend).
    shots : int
        Number of shots, >= 2.
    seed : int, optional
        Simulator seed (ignored by real devices).
    sampler : BaseSamplerV2, optional
        Use this sampler instead of :func:`device_sampler` (e.g. a runtime sampler in a
        session, or in local testing mode with a fake backend). With a ``backend`` the
        circuit is still transpiled for it.
    tail_start : int, optional
        First collision of the steady-state tail (default: the last ceil(n/2)).
    initial_state : str or array_like, optional
        System's initial state (default ``"11"``; all sites in the ground state for a network).
    encoding : {"ground_is_0", "excited_is_0"}
        Model levels on the device (:mod:`circuitheat.hardware.protocol`).
    layout : tuple of 6 int, optional
        Physical qubits (``s_a, s_b, r_h, r_c, p_h, p_c``); default: chosen automatically.
    mitigate_readout : bool
        Invert the readout errors per shot (no effect without a backend): by default the
        device's asymmetric ones of the two measured qubits
        (:func:`~circuitheat.hardware.readout.assignment_matrices`).
    readout : array_like (2, 2, 2), optional
        Assignment matrices ``(A_hot, A_cold)``, ``A[r, b] = P(measured r | prepared b)``,
        to mitigate with instead of the device's (e.g. a fresh calibration); only with
        ``mitigate_readout``.
    method : {"statevector", "density_matrix"}
        Aer method for simulated devices.
    transpiled : TranspiledProtocol, optional
        A circuit already transpiled for ``backend``; it must match ``model``,
        ``n_collisions``, ``encoding`` and ``initial_state``
        (:meth:`~circuitheat.hardware.transpile.TranspiledProtocol.matches`), else
        ``ValueError``.

    Returns
    -------
    HeatCurrentEstimate

    Examples
    --------
    >>> import numpy as np, circuitheat as ch
    >>> from circuitheat.hardware import estimate_heat_currents
    >>> model = ch.CollisionModel(np.pi / 2, np.pi / 4, ch.Reservoir(2.0, 0.8, 5 * np.pi / 4), ch.Reservoir(1.0, 0.8, 0.0))
    >>> est = estimate_heat_currents(model, 4, shots=2000, seed=1)
    >>> est.heat_hot.shape, est.steady_hot > 0
    ((4,), True)
    """
    if isinstance(model, CollisionNetwork):
        from .network_sampling import estimate_network_currents

        return estimate_network_currents(
            model,
            n_collisions,
            backend=backend,
            shots=shots,
            seed=seed,
            sampler=sampler,
            tail_start=tail_start,
            initial_state=initial_state,
            encoding=encoding,
            layout=layout,
            mitigate_readout=mitigate_readout,
            readout=readout,
            method=method,
            transpiled=transpiled,
        )
    check_model(model)
    initial_state = "11" if initial_state is None else initial_state
    n = check_count("n_collisions", n_collisions)
    shots = check_count("shots", shots, minimum=2)
    encoding = check_encoding(encoding)
    if sampler is not None and not isinstance(sampler, BaseSamplerV2):
        raise TypeError(f"sampler must be a qiskit BaseSamplerV2, got {type(sampler).__name__}")
    if backend is None:
        circuit = to_aer_native(hardware_circuit(model, n, initial_state=initial_state, encoding=encoding))
        physical, readout, name = None, None, "aer_ideal"
        sampler = sampler or device_sampler(None, seed=seed, method=method)
    else:
        device = resolve_backend(backend)
        if transpiled is None:
            transpiled = transpile_protocol(model, n, device, layout=layout, initial_state=initial_state, encoding=encoding)
        elif not isinstance(transpiled, TranspiledProtocol):
            raise TypeError(f"transpiled must be a TranspiledProtocol, got {type(transpiled).__name__}")
        elif (mismatch := transpiled.matches(model, n, encoding, initial_state)) is not None:
            raise ValueError(mismatch)
        circuit = transpiled.circuit
        physical = transpiled.physical_qubits
        name = transpiled.backend_name
        if not mitigate_readout:
            readout = None
        else:
            matrices = assignment_matrices(device, [physical[HOT], physical[COLD]]) if readout is None else check_readout(readout)
            readout = tuple((float(a[1, 0]), float(a[0, 1])) for a in matrices)
        sampler = sampler or device_sampler(device, seed=seed, method=method, qubits=physical)
    result = sampler.run([(circuit,)], shots=shots).result()
    hot, cold = bits_from_result(result[0])
    if hot.shape != (shots, n):
        raise ValueError(f"the sampler returned bits of shape {hot.shape}, expected ({shots}, {n})")
    return heat_currents_from_bits(
        model,
        hot,
        cold,
        encoding=encoding,
        tail_start=tail_start,
        readout=readout,
        backend_name=name,
        physical_qubits=physical,
    )
