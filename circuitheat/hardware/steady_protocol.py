r"""The steady-state protocol: start the device *at* :math:`\rho^*` and read the current for a few collisions.

Why
---
At the paper's :math:`\gamma = \pi/32` the system needs on the order of a hundred
collisions to reach its steady state, several :math:`T_1` of device time, and the
device's own noise then shapes the state it settles to
(:mod:`circuitheat.hardware.observability`). This protocol skips the relaxation: it
prepares the exact steady state :math:`\rho^*` (:func:`circuitheat.steady_state`,
basis :math:`|S_AS_B\rangle`) on the two system qubits and runs K collisions, measuring
each ancilla mid-circuit as before. Ideally the current is then :math:`J_h^{steady}` at
*every* collision (:math:`\Phi[\rho^*] = \rho^*`), so a constant :math:`J_h(k)` over the
K collisions is a **stationarity test** of the prepared state.

How :math:`\rho^*` is prepared
------------------------------
:math:`\rho^* = \sum_i \lambda_i |v_i\rangle\langle v_i|` (eigen-decomposition). Each
eigenvector is a pure two-qubit state, prepared by the protocol's usual prefix (one
two-qubit gate, :func:`~circuitheat.hardware.protocol.hardware_prefix`); shot
:math:`s` runs the circuit of eigenvector i with probability :math:`\lambda_i`
(:func:`estimate_steady_protocol` gives circuit i a share :math:`\lambda_i` of the
shots). That is a purification with the purifying register kept classical: the shots
sample exactly :math:`\rho^*` and every expectation value is linear in it. It needs no
extra qubits and no 4-qubit state preparation (a purification on two extra qubits
would need a general 4-qubit state, about 10 two-qubit gates plus routing on a chain).

What it proves and what it does not
-----------------------------------
It tests the **collision's current at the steady state**: that the device's collision,
fed the predicted :math:`\rho^*`, moves energy into the hot reservoir with the predicted
sign and size, that this does not change over K collisions (stationarity), that it
changes sign with :math:`\phi_h-\phi_c`, and (when resolvable) that thermal reservoirs
give the opposite sign. It does **not** show that the system relaxes to :math:`\rho^*`
(the state is put there by hand, computed from the model), nor the uniqueness of the
steady state; that part is the model's linear algebra, not an experiment.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from qiskit.providers import BackendV2
from qiskit_aer.library import SaveDensityMatrix

from ..circuits import COLD, HOT, SYSTEM_A, SYSTEM_B, to_system_matrix
from ..model import CollisionModel, Reservoir, check_model
from ..steady import steady_state
from ..validation import check_count, check_positive
from .noise_map import NoisyCollisionMap
from .observability import shots_for_sign, thermal_control
from .protocol import DEFAULT_ENCODING, check_encoding
from .readout import readout_errors
from .sampling import HeatCurrentEstimate, bits_from_result, device_sampler, heat_currents_from_bits
from .simulators import device_simulator
from .transpile import TranspiledProtocol, resolve_backend, transpile_protocol

__all__ = [
    "DEFAULT_STEADY_COLLISIONS",
    "EIGENVALUE_CUTOFF",
    "MAX_SHOTS",
    "SteadyProtocolPrediction",
    "SteadyProtocolStudy",
    "estimate_steady_protocol",
    "paper_models",
    "predict_steady_protocol",
    "prepared_state",
    "steady_mixture",
    "steady_protocol_study",
]

#: Collisions per shot: few enough that device relaxation moves the state little (K = 8:
#: 32 us on fake_torino, 0.25 T1), enough to test stationarity.
DEFAULT_STEADY_COLLISIONS = 8
#: Eigenvalues of rho* below this are dropped (their circuits would get no shots).
EIGENVALUE_CUTOFF = 1e-12
#: The issue's shot budget for a 3-sigma sign.
MAX_SHOTS = 100_000


def paper_models(gamma: float = math.pi / 32) -> dict[str, CollisionModel]:
    r"""The paper's three cases at :math:`\gamma`: ``"reversed"``, ``"normal"`` and ``"thermal"``.

    ``"reversed"``: :math:`\phi_h-\phi_c = 5\pi/4`; ``"normal"``: :math:`\pi/4`;
    ``"thermal"``: the control, p = 0.

    :math:`\delta = \pi/4`, p = 0.8, :math:`T_h = 2`, :math:`T_c = 1`, :math:`\omega = 1`
    (Eq. 32: at :math:`\Delta T = 1` the 5π/4 current is positive, the π/4 one negative).
    """
    reversed_ = CollisionModel(gamma, math.pi / 4, Reservoir(2.0, 0.8, 5 * math.pi / 4), Reservoir(1.0, 0.8, 0.0))
    normal = CollisionModel(gamma, math.pi / 4, Reservoir(2.0, 0.8, math.pi / 4), Reservoir(1.0, 0.8, 0.0))
    return {"reversed": reversed_, "normal": normal, "thermal": thermal_control(reversed_)}


def steady_mixture(model: CollisionModel) -> tuple[NDArray[np.float64], NDArray[np.complex128]]:
    r"""Weights and pure states of the steady state: :math:`\rho^* = \sum_i\lambda_i|v_i\rangle\langle v_i|`.

    Returns
    -------
    (weights, vectors) : ndarray (m,), ndarray (m, 4)
        Largest weight first; eigenvalues below :data:`EIGENVALUE_CUTOFF` dropped and the
        rest renormalised. Vectors in the package basis :math:`|S_AS_B\rangle`.
    """
    rho = steady_state(check_model(model)).system_state
    vals, vecs = np.linalg.eigh(rho)
    keep = vals > EIGENVALUE_CUTOFF
    order = np.argsort(vals[keep])[::-1]
    weights = vals[keep][order]
    return weights / weights.sum(), vecs[:, keep][:, order].T.copy()


def prepared_state(transpiled: TranspiledProtocol, backend: str | BackendV2) -> NDArray[np.complex128]:
    """System state after the device's (noisy) preparation ``transpiled.prefix``, package basis and model labels.

    One density-matrix run of the prefix with the device noise (the same state as
    :attr:`NoisyCollisionMap.initial_state` up to its ~1e-9 trace defect, normalised here,
    without computing the collision's map).
    """
    device = resolve_backend(backend)
    phys = transpiled.physical_qubits
    qc = transpiled.prefix.copy()
    qc.append(SaveDensityMatrix(2, label="prepared"), [phys[SYSTEM_A], phys[SYSTEM_B]])
    sim = device_simulator(device, "density_matrix", phys)
    rho = to_system_matrix(np.asarray(sim.run(qc, shots=1).result().data(0)["prepared"]))
    if transpiled.encoding == "ground_is_0":  # device |0> is the model's ground level: flip both labels
        rho = rho[::-1, ::-1]
    # Aer's device noise is trace preserving to ~1e-9 only (NoisyCollisionMap.trace_defect);
    # normalise as counts do.
    rho = 0.5 * (rho + rho.conj().T)
    return rho / np.trace(rho).real


@dataclass(frozen=True)
class SteadyProtocolPrediction:
    r"""Device prediction of the steady-state protocol for one model.

    Attributes
    ----------
    model : CollisionModel
    exact_steady : float
        :math:`J_h^{steady}` (exact; ideally the current at every collision).
    heat_hot, heat_hot_mitigated : ndarray (K,)
        Device expectation of :math:`\hat J_h(k)`, raw and readout-mitigated.
    mean, mean_mitigated : float
        Device expectation of the average over the K collisions.
    shot_std, shot_std_mitigated, ideal_shot_std : float
        Per-shot standard deviation of that average (device raw, mitigated, noiseless).
    drift_mitigated : float
        :math:`J_h(K) - J_h(1)` on the device (mitigated): departure from stationarity.
    initial_state : ndarray (4, 4)
        The device's prepared mixture (preparation noise included), package basis.
    noisy_map : NoisyCollisionMap
        The device map with that initial state.
    """

    model: CollisionModel = field(repr=False)
    exact_steady: float
    heat_hot: NDArray = field(repr=False)
    heat_hot_mitigated: NDArray = field(repr=False)
    mean: float
    mean_mitigated: float
    shot_std: float
    shot_std_mitigated: float
    ideal_shot_std: float
    drift_mitigated: float
    initial_state: NDArray = field(repr=False)
    noisy_map: NoisyCollisionMap = field(repr=False)

    def shots(self, sigmas: float = 3.0, *, mitigated: bool = True, ideal: bool = False) -> float:
        """Shots to resolve the sign of the K-collision average at ``sigmas`` (``inf`` if the device gets the sign wrong)."""
        if ideal:
            return shots_for_sign(self.exact_steady, self.ideal_shot_std, sigmas)
        mean = self.mean_mitigated if mitigated else self.mean
        std = self.shot_std_mitigated if mitigated else self.shot_std
        if np.sign(mean) != np.sign(self.exact_steady):
            return math.inf
        return shots_for_sign(mean, std, sigmas)


def predict_steady_protocol(
    model: CollisionModel,
    backend: str | BackendV2,
    *,
    n_collisions: int = DEFAULT_STEADY_COLLISIONS,
    encoding: str = DEFAULT_ENCODING,
    layout: Sequence[int] | None = None,
) -> SteadyProtocolPrediction:
    r"""Predict the steady-state protocol on a device from its noisy 16×16 map (no shots).

    The noisy initial state is :math:`\sum_i\lambda_i\tilde\rho_i` with
    :math:`\tilde\rho_i` the device's preparation of :math:`|v_i\rangle`
    (:func:`steady_mixture`); mean and per-shot variance of the K-collision average are
    linear in the initial state, so the mixture's statistics are exact.
    """
    check_model(model)
    k = check_count("n_collisions", n_collisions)
    encoding = check_encoding(encoding)
    device = resolve_backend(backend)
    weights, vectors = steady_mixture(model)
    base_tp = transpile_protocol(model, 1, device, layout=layout, encoding=encoding)
    qubits = base_tp.physical_qubits
    base = NoisyCollisionMap.from_transpiled(base_tp, device)
    rho0 = np.zeros((4, 4), dtype=complex)
    for w, v in zip(weights, vectors, strict=True):
        tp = transpile_protocol(model, 1, device, layout=qubits, encoding=encoding, initial_state=v)
        rho0 += w * prepared_state(tp, device)
    rho_star = steady_state(model).system_state
    noisy = dataclasses.replace(base, initial_state=rho0)
    ideal = dataclasses.replace(NoisyCollisionMap.from_transpiled(base_tp, noisy=False), initial_state=rho_star)
    pred = noisy.trajectory(k)
    raw, mit = noisy.tail_statistics(k, 1), noisy.tail_statistics(k, 1, mitigated=True)
    return SteadyProtocolPrediction(
        model=model,
        exact_steady=float(steady_state(model).heat_hot),
        heat_hot=pred.heat_hot,
        heat_hot_mitigated=pred.heat_hot_mitigated,
        mean=raw.mean,
        mean_mitigated=mit.mean,
        shot_std=raw.shot_std,
        shot_std_mitigated=mit.shot_std,
        ideal_shot_std=ideal.tail_statistics(k, 1).shot_std,
        drift_mitigated=float(pred.heat_hot_mitigated[-1] - pred.heat_hot_mitigated[0]),
        initial_state=rho0,
        noisy_map=noisy,
    )


@dataclass(frozen=True)
class SteadyProtocolStudy:
    """The π/32 verdict: the reversed and the normal phase difference and the thermal control on one device.

    Attributes
    ----------
    backend_name : str
    n_collisions : int
    sigmas, max_shots : float
    predictions : dict
        ``"reversed"``, ``"normal"``, ``"thermal"`` -> :class:`SteadyProtocolPrediction`.
    """

    backend_name: str
    n_collisions: int
    sigmas: float
    max_shots: float
    predictions: dict = field(repr=False)

    def shots(self, name: str, *, mitigated: bool = True, ideal: bool = False) -> float:
        """Shots for a ``sigmas`` sign of one case."""
        return self.predictions[name].shots(self.sigmas, mitigated=mitigated, ideal=ideal)

    def shot_noise_limit(self, name: str = "thermal") -> float:
        r"""Ancilla readouts (shots × collisions) a **noiseless** device needs for the sign at ``sigmas``: :math:`K N_{ideal}`."""
        return self.n_collisions * self.shots(name, ideal=True)

    @property
    def observable(self) -> bool:
        """Reversal, sign change with the phase and thermal control all resolved within ``max_shots`` (mitigated)."""
        return all(self.shots(name) <= self.max_shots for name in self.predictions)

    def verdict(self) -> str:
        """One paragraph with the numbers."""
        parts = []
        for name, p in self.predictions.items():
            n_dev, n_ideal = self.shots(name), self.shots(name, ideal=True)
            dev = "never (device gets the sign wrong)" if not math.isfinite(n_dev) else f"{math.ceil(n_dev)}"
            parts.append(
                f"{name}: exact {p.exact_steady:+.5f}, device {p.mean_mitigated:+.5f} (raw {p.mean:+.5f}), "
                f"drift over {self.n_collisions} collisions {p.drift_mitigated:+.1e}; shots for {self.sigmas:g} sigma: "
                f"device {dev}, noiseless {math.ceil(n_ideal)}"
            )
        head = "observable" if self.observable else "not observable"
        return (
            f"{head} on {self.backend_name} with <= {self.max_shots:.0e} shots ({self.n_collisions} collisions per shot). "
            + "; ".join(parts)
        )


def steady_protocol_study(
    backend: str | BackendV2 = "fake_torino",
    *,
    gamma: float = math.pi / 32,
    n_collisions: int = DEFAULT_STEADY_COLLISIONS,
    sigmas: float = 3.0,
    max_shots: float = MAX_SHOTS,
    encoding: str = DEFAULT_ENCODING,
) -> SteadyProtocolStudy:
    r"""Predict the steady-state protocol for the paper's three cases (:func:`paper_models`) on one device."""
    device = resolve_backend(backend)
    models = paper_models(gamma)
    first = transpile_protocol(models["reversed"], 1, device, encoding=encoding)
    predictions = {
        name: predict_steady_protocol(m, device, n_collisions=n_collisions, encoding=encoding, layout=first.physical_qubits)
        for name, m in models.items()
    }
    return SteadyProtocolStudy(
        backend_name=first.backend_name,
        n_collisions=check_count("n_collisions", n_collisions),
        sigmas=check_positive("sigmas", sigmas),
        max_shots=check_positive("max_shots", max_shots),
        predictions=predictions,
    )


def estimate_steady_protocol(
    model: CollisionModel,
    backend: str | BackendV2,
    *,
    shots: int,
    n_collisions: int = DEFAULT_STEADY_COLLISIONS,
    seed: int | None = None,
    mitigate_readout: bool = True,
    encoding: str = DEFAULT_ENCODING,
    layout: Sequence[int] | None = None,
) -> HeatCurrentEstimate:
    r"""Run the steady-state protocol with shots: eigenvector circuit i gets :math:`\mathrm{round}(\lambda_i N)` shots.

    All circuits go to one sampler call (Aer with the device noise, seeded); the bits are
    pooled, so the estimate's tail (``tail_start = 1``: all K collisions) is the average
    over the mixture :math:`\rho^*`. Returns a
    :class:`~circuitheat.hardware.sampling.HeatCurrentEstimate`; its ``heat_hot`` per
    collision is the stationarity test.
    """
    check_model(model)
    k = check_count("n_collisions", n_collisions)
    shots = check_count("shots", shots, minimum=2)
    device = resolve_backend(backend)
    weights, vectors = steady_mixture(model)
    first = transpile_protocol(model, k, device, layout=layout, encoding=encoding)
    pubs = []
    for w, v in zip(weights, vectors, strict=True):
        count = round(w * shots)
        if count < 1:
            continue
        tp = transpile_protocol(model, k, device, layout=first.physical_qubits, encoding=encoding, initial_state=v)
        pubs.append((tp.circuit, None, count))
    sampler = device_sampler(device, seed=seed, qubits=first.physical_qubits)
    result = sampler.run(pubs).result()
    bits = [bits_from_result(r) for r in result]
    hot = np.concatenate([b[0] for b in bits])
    cold = np.concatenate([b[1] for b in bits])
    phys = first.physical_qubits
    readout = tuple(readout_errors(device, phys[r]) for r in (HOT, COLD)) if mitigate_readout else None
    return heat_currents_from_bits(
        model,
        hot,
        cold,
        encoding=encoding,
        tail_start=1,
        readout=readout,
        backend_name=first.backend_name,
        physical_qubits=phys,
    )
