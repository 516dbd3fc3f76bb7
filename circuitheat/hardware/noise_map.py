r"""The noisy one-collision map of a device: 16×16, from one transpiled, noise-annotated block.

Why a 16×16 map still describes the noisy device
------------------------------------------------
Each transpiled collision block (:mod:`circuitheat.hardware.transpile`) starts by
resetting both ancillas and both partners, and Aer's device noise model makes a reset a
replacement channel followed by relaxation. So whatever the ancilla qubits held before,
the block acts on the two system qubits as a fixed CPTP map :math:`\tilde\Phi` -- the
device's version of :math:`\Phi` of Eq. (8), with every gate error, every relaxation
during gates, resets and scheduled delays included. Likewise the joint state of the
system and the two ancillas at the end of the block is a fixed linear function of the
system state at its start, which gives the statistics of the two measured bits.

How it is computed
------------------
The block, with its two final measurements left out, is run on Aer's density-matrix
simulator with the device noise model (:func:`~circuitheat.hardware.simulators.device_simulator`)
for 16 informationally complete inputs of the system, :math:`\{|0\rangle, |1\rangle,
|+\rangle, |{+i}\rangle\}^{\otimes 2}` (prepared by noiseless ``unitary`` instructions on
the device's :math:`|00\rangle`), saving the 4-qubit density matrix of
:math:`(S_A, S_B, R^h, R^c)`. Inverting the 16×16 matrix of inputs gives, for each pair
of ancilla outcomes :math:`(b_h, b_c)`, the linear map :math:`M_{b_hb_c}` that takes the
system state before the block to the unnormalised system state after it with the
ancillas found in :math:`|b_h b_c\rangle`: an *instrument*, with
:math:`\tilde\Phi = \sum M_{b_hb_c}`. Readout errors act on the recorded bits only:
:math:`B_{r_hr_c} = \sum_{b} C_h[r_h,b_h]\,C_c[r_c,b_c]\,M_{b_hb_c}` with the assignment
matrices :math:`C[r, b] = P(\text{measured } r|\text{prepared } b)` of the two measured
qubits, asymmetric as the device reports them
(:func:`~circuitheat.hardware.readout.assignment_matrix`).

Leaving the measurements out is exact: Aer attaches no quantum error to ``measure``
(only the classical readout error, applied here through :math:`C`), and the measured
ancillas are reset before they are used again, so the system's average evolution and
each bit's statistics are those of the measured circuit.

What it gives, in milliseconds: noisy trajectories (:meth:`NoisyCollisionMap.trajectory`),
the noisy steady state (:meth:`NoisyCollisionMap.steady_state`), and the exact mean and
per-shot variance of any tail-averaged shot estimator
(:meth:`NoisyCollisionMap.tail_statistics`; collisions in one shot are correlated
through the system, which the instruments capture).

Heat currents as a device measures them
---------------------------------------
With :math:`s = +1` (``"excited_is_0"``) or :math:`-1` (``"ground_is_0"``), a recorded bit
r of an ancilla contributes :math:`(\omega/2)\,s\,(1-2r)` to its energy, so a shot's
estimate of :math:`J(k)` (Eqs. 10–11) is :math:`(\omega/2)s(1-2r_k) - \mathrm{Tr}[H\eta]`.
Raw, with :math:`e_0 = P(1|0)`, :math:`e_1 = P(0|1)` of the device bit and
:math:`z = 1-2r`, the recorded :math:`E[z]` is :math:`(1-e_0-e_1)\,z_{\rm true} + (e_1-e_0)`.
In model terms, with :math:`\epsilon_{ge}` = P(read excited | ground) and
:math:`\epsilon_{eg}` = P(read ground | excited) (for ``"ground_is_0"``:
:math:`\epsilon_{ge} = e_0`, :math:`\epsilon_{eg} = e_1`), the raw mean of the shot
estimate is

.. math::
    E[\hat J] = (1-\epsilon_{ge}-\epsilon_{eg})\,J
              + \omega\,(\epsilon_{ge}\,\eta_{gg} - \epsilon_{eg}\,\eta_{ee}),

with :math:`\eta_{gg}, \eta_{ee}` the ground and excited populations of the ancilla's
state (Eq. 12; here :math:`\eta_{ee}/\eta_{gg} = e^{-\beta\omega}`). The offset is
:math:`-2\epsilon\,\mathrm{Tr}[H\eta] > 0` only for *symmetric* errors
(:math:`\epsilon_{ge} = \epsilon_{eg} = \epsilon`). A real device's readout is asymmetric
(an excited qubit also decays during its readout, so :math:`\epsilon_{eg}` is often the
larger), and the offset is positive only if
:math:`\epsilon_{ge}/\epsilon_{eg} > e^{-\beta\omega}`: it can push the measured
:math:`J_h` either way, and it differs between the hot and the cold ancilla's qubit.
"Mitigated" estimates invert the affine readout map per shot,
:math:`z \to (z - (e_1-e_0))/(1-e_0-e_1)`: unbiased if the calibration is right, at the
price of a :math:`1/(1-e_0-e_1)` larger spread.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import CircuitInstruction, QuantumCircuit
from qiskit.circuit.library import UnitaryGate
from qiskit.providers import BackendV2
from qiskit_aer.library import SaveDensityMatrix

from ..circuits import COLD, HOT, SYSTEM_A, SYSTEM_B
from ..engines.direct import propagate
from ..fixed_point import fixed_point
from ..model import CollisionModel
from ..network.spec import CollisionNetwork
from ..threads import single_blas_thread
from ..trajectory import frozen_array
from ..validation import InputTypeError, check_choice, check_count
from .protocol import excited_sign, shot_current
from .readout import assignment_matrices, check_readout
from .simulators import device_simulator, ideal_simulator
from .transpile import TranspiledProtocol, resolve_backend, transpile_protocol

__all__ = [
    "INPUT_STATES",
    "NoisyCollisionMap",
    "NoisyPrediction",
    "TailStatistics",
    "aer_reference",
    "noisy_collision_map",
]

#: Single-qubit input states (device basis) whose 16 products span the 4x4 matrices.
INPUT_STATES = (
    np.array([1.0, 0.0], dtype=complex),
    np.array([0.0, 1.0], dtype=complex),
    np.array([1.0, 1.0], dtype=complex) / math.sqrt(2),
    np.array([1.0, 1.0j], dtype=complex) / math.sqrt(2),
)

_TRACE = np.eye(4).reshape(16)

_SAVE_LABEL = "joint"
#: Eigenvalues of a shot covariance below this fraction of the largest are treated as zero
#: (a deterministic combination of outcomes); float64 rounding of a 2n x 2n covariance
#: built from 16x16 products is ~1e-15 relative.
COVARIANCE_RANK_TOLERANCE = 1e-12


def _chi_square(x: NDArray, mean: NDArray, cov: NDArray, shots: int) -> tuple[float, int, float]:
    r"""``(chi2, dof, sum_z2)`` of shot averages ``x`` against a predicted per-shot ``mean`` and covariance ``cov``.

    :math:`\chi^2 = N(\bar x-\mu)^T\Sigma^{+}(\bar x-\mu)` with the pseudo-inverse of
    :math:`\Sigma` on the eigenvalues above :data:`COVARIANCE_RANK_TOLERANCE` times the
    largest (``dof`` = their number, the rank of :math:`\Sigma`), and the naive
    ``sum_z2`` :math:`= N\sum_i (\bar x_i-\mu_i)^2/\Sigma_{ii}` (correlations ignored).
    Shared by :meth:`NoisyCollisionMap.chi_square` and
    :meth:`~circuitheat.hardware.network_noise.NoisyNetworkMap.chi_square`.
    """
    d = x - mean
    evals, evecs = np.linalg.eigh(0.5 * (cov + cov.T))
    keep = evals > COVARIANCE_RANK_TOLERANCE * evals.max()
    proj = evecs[:, keep].T @ d
    chi2 = float(shots * np.sum(proj**2 / evals[keep]))
    sum_z2 = float(shots * np.sum(d**2 / np.maximum(np.diag(cov), np.finfo(float).tiny)))
    return chi2, int(keep.sum()), sum_z2


def _unitary_from_zero(psi: NDArray) -> NDArray:
    """A 2x2 unitary whose first column is ``psi``."""
    a, b = psi
    return np.array([[a, -np.conj(b)], [b, np.conj(a)]], dtype=complex)


def _flip_system(m: NDArray) -> NDArray:
    """Conjugate 4x4 system matrices (..., 4, 4) by X⊗X (index i -> 3 - i)."""
    return m[..., ::-1, ::-1]


def _joint_to_package(dm: NDArray) -> NDArray:
    """Aer 4-qubit matrix on [S_A, S_B, R^h, R^c] -> array [h, c, sys, sys'] of 4x4 system blocks (package order).

    Aer index = a + 2b + 4h + 8c (little-endian); the package system index is 2a + b.
    Only the blocks diagonal in the ancilla bits (h = h', c = c') are kept: they are the
    system states conditioned on the ancilla outcomes.
    """
    t = np.asarray(dm).reshape(2, 2, 2, 2, 2, 2, 2, 2)  # c h b a, c' h' b' a'
    out = np.empty((2, 2, 4, 4), dtype=complex)
    for h in range(2):
        for c in range(2):
            block = t[c, h, :, :, c, h, :, :]  # b a b' a'
            out[h, c] = block.transpose(1, 0, 3, 2).reshape(4, 4)  # (a b), (a' b')
    return out


def _block_without_measurements(block: QuantumCircuit) -> list[CircuitInstruction]:
    return [inst for inst in block.data if inst.operation.name != "measure"]


def _product_vec(psis: Sequence[NDArray]) -> NDArray:
    """Row-major vec of the product state ⊗_i |psi_i><psi_i| (first factor most significant)."""
    rho = np.ones((1, 1), dtype=complex)
    for psi in psis:
        rho = np.kron(rho, np.outer(psi, psi.conj()))
    return rho.reshape(-1)


def _input_circuits(block: QuantumCircuit, sites: Sequence[int], saved: Sequence[int]) -> tuple[list[QuantumCircuit], NDArray]:
    r"""The block, its measurements left out, run on every informationally complete product input of ``sites``.

    One circuit per product :math:`\bigotimes_i|\psi_i\rangle` of :data:`INPUT_STATES`
    (:math:`4^N` for N sites, the first site's state varying slowest): noiseless
    ``unitary`` instructions prepare :math:`|\psi_i\rangle` on physical qubit
    ``sites[i]`` from the device's :math:`|0\rangle`, then the block without its
    measurements (exact, module docstring), then a save (label ``"joint"``) of the
    density matrix of the physical qubits ``saved``. Shared by
    :meth:`NoisyCollisionMap.from_transpiled` and
    :meth:`~circuitheat.hardware.network_noise.NoisyNetworkMap.from_transpiled`.

    Returns
    -------
    (circuits, r_inv) : list of QuantumCircuit, ndarray (4^N, 4^N)
        ``r_inv`` inverts the matrix R whose columns are the row-major vecs of the inputs
        (device basis, site 0 most significant): with the vecs of a linear map's outputs
        on the inputs as the columns of O, the map's matrix is ``O @ r_inv``.
    """
    body = _block_without_measurements(block)
    circuits, inputs = [], []
    for psis in itertools.product(INPUT_STATES, repeat=len(sites)):
        qc = block.copy_empty_like()
        for q, psi in zip(sites, psis, strict=True):
            qc.append(UnitaryGate(_unitary_from_zero(psi), check_input=False), [q])
        for inst in body:
            qc._append(inst)
        qc.append(SaveDensityMatrix(len(saved), label=_SAVE_LABEL), saved)
        circuits.append(qc)
        inputs.append(_product_vec(psis))
    return circuits, np.linalg.inv(np.array(inputs).T)


@dataclass(frozen=True)
class NoisyPrediction:
    r"""Predicted heat currents and system states along n collisions on a (noisy) device.

    Attributes
    ----------
    heat_hot, heat_cold : ndarray (n,)
        Expected shot estimates of :math:`J_h(k), J_c(k)` from the recorded bits, readout
        error included (raw, what the counts average to).
    heat_hot_mitigated, heat_cold_mitigated : ndarray (n,)
        The same after per-shot readout mitigation (module docstring); without readout
        error they equal the raw values.
    system_states : ndarray (n, 4, 4)
        :math:`\rho^S_k` after collision k, package basis :math:`|S_AS_B\rangle` (model
        labels, whatever the encoding).
    """

    heat_hot: NDArray = field(repr=False)
    heat_cold: NDArray = field(repr=False)
    heat_hot_mitigated: NDArray = field(repr=False)
    heat_cold_mitigated: NDArray = field(repr=False)
    system_states: NDArray = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("heat_hot", "heat_cold", "heat_hot_mitigated", "heat_cold_mitigated", "system_states"):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))

    @property
    def collisions(self) -> NDArray[np.int64]:
        """Collision numbers 1..n."""
        return np.arange(1, self.heat_hot.shape[0] + 1)


@dataclass(frozen=True)
class TailStatistics:
    r"""Mean and per-shot spread of the tail-averaged estimator :math:`\bar J = \frac1K\sum_{k=k_0}^{n} \hat J(k)`.

    Attributes
    ----------
    mean : float
        :math:`E[\bar J]` (energy units).
    shot_std : float
        Standard deviation of :math:`\bar J` for **one** shot, correlations between the
        collisions of a shot included; the standard error with N shots is
        ``shot_std / sqrt(N)``.
    tail_start, n_collisions : int
        :math:`k_0` and n (K = n - k0 + 1 collisions averaged).
    """

    mean: float
    shot_std: float
    tail_start: int
    n_collisions: int

    def shots_for_sign(self, sigmas: float = 3.0) -> float:
        r"""Shots N for :math:`|E[\bar J]| = \text{sigmas}\times\text{standard error}`: :math:`N = (\sigma\,s/|\mu|)^2`.

        ``inf`` if the mean is 0.
        """
        if self.mean == 0:
            return math.inf
        return float((sigmas * self.shot_std / abs(self.mean)) ** 2)


def _simulator_and_readout(transpiled, backend, noisy: bool, what: str, readout):
    """Density-matrix simulator and the (hot, cold) assignment matrices: the device's, given ones, or ideal ones."""
    if not noisy:
        ideal = np.array([np.eye(2), np.eye(2)])
        return ideal_simulator("density_matrix"), ideal if readout is None else check_readout(readout)
    if backend is None:
        raise ValueError(f"backend is required for a noisy {what} (noisy=True)")
    device = resolve_backend(backend)
    sim = device_simulator(device, "density_matrix", transpiled.physical_qubits)
    if readout is None:
        return sim, assignment_matrices(device, [transpiled.physical_qubits[r] for r in (HOT, COLD)])
    return sim, check_readout(readout)


@dataclass(frozen=True)
class NoisyCollisionMap:
    r"""The one-collision map and instruments of a transpiled block on a noisy (or ideal) device.

    Attributes
    ----------
    superoperator : ndarray (16, 16)
        :math:`\tilde\Phi` on row-major vec(:math:`\rho_S`), package basis (model labels).
    instruments : ndarray (2, 2, 16, 16)
        :math:`B_{r_hr_c}`: system map conditioned on the **recorded** bits (device bit
        values, readout error included); ``instruments.sum((0, 1)) == superoperator``.
    true_instruments : ndarray (2, 2, 16, 16)
        :math:`M_{b_hb_c}`: the same for the ancillas' actual outcomes (no readout error).
    readout_hot, readout_cold : ndarray (2, 2)
        Confusion matrices ``C[r, b] = P(record r | true b)`` of the measured qubits.
    initial_state : ndarray (4, 4)
        System state after the (noisy) initial-state preparation.
    model : CollisionModel
    encoding : str
    backend_name : str
    physical_qubits : tuple of int
    noisy : bool
        False for the noiseless reference of the same transpiled circuit.
    """

    superoperator: NDArray = field(repr=False)
    instruments: NDArray = field(repr=False)
    true_instruments: NDArray = field(repr=False)
    readout_hot: NDArray = field(repr=False)
    readout_cold: NDArray = field(repr=False)
    initial_state: NDArray = field(repr=False)
    model: CollisionModel = field(repr=False)
    encoding: str
    backend_name: str
    physical_qubits: tuple[int, ...]
    noisy: bool

    def __post_init__(self) -> None:
        for name in ("superoperator", "instruments", "true_instruments", "readout_hot", "readout_cold", "initial_state"):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))

    # ------------------------------------------------------------------ building

    @classmethod
    @single_blas_thread
    def from_transpiled(
        cls,
        transpiled: TranspiledProtocol,
        backend: str | BackendV2 | None = None,
        *,
        noisy: bool = True,
        readout: ArrayLike | None = None,
    ):
        """Compute the map of ``transpiled.block`` with the device noise of ``backend``.

        Parameters
        ----------
        transpiled : TranspiledProtocol
        backend : str or BackendV2, optional
            The device whose noise model to use; required when ``noisy`` (normally the
            backend ``transpiled`` was made for).
        noisy : bool
            False: the same circuits on a noiseless simulator (the ideal reference; its
            superoperator equals :class:`~circuitheat.channel.Channel`'s).
        readout : array_like (2, 2, 2), optional
            Assignment matrices ``(A_hot, A_cold)``, ``A[r, b] = P(measured r | prepared b)``,
            of the hot and the cold ancilla's qubit. Default: the device's, asymmetric
            (:func:`~circuitheat.hardware.readout.assignment_matrices` of the two
            measured physical qubits); the identity when ``noisy`` is false. Give
            ``assignment_matrices(backend.target, qubits)`` to predict a simulator that
            reads the target's symmetric error (``AerSimulator.from_backend``).
        """
        from .network_transpile import TranspiledNetworkProtocol

        if isinstance(transpiled, TranspiledNetworkProtocol):
            from .network_noise import NoisyNetworkMap

            return NoisyNetworkMap.from_transpiled(transpiled, backend, noisy=noisy, readout=readout)
        if not isinstance(transpiled, TranspiledProtocol):
            raise InputTypeError(
                f"transpiled must be a TranspiledProtocol or a TranspiledNetworkProtocol, got {type(transpiled).__name__}"
            )
        sim, readout = _simulator_and_readout(transpiled, backend, noisy, "map", readout)
        phys = transpiled.physical_qubits
        saved = [phys[SYSTEM_A], phys[SYSTEM_B], phys[HOT], phys[COLD]]
        circuits, r_inv = _input_circuits(transpiled.block, (phys[SYSTEM_A], phys[SYSTEM_B]), saved)
        prefix = transpiled.prefix.copy()
        prefix.append(SaveDensityMatrix(2, label=_SAVE_LABEL), [phys[SYSTEM_A], phys[SYSTEM_B]])
        result = sim.run([*circuits, prefix], shots=1).result()
        outs = np.array([_joint_to_package(result.data(i)[_SAVE_LABEL]) for i in range(16)])  # (16, h, c, 4, 4)
        rho0 = np.asarray(result.data(16)[_SAVE_LABEL]).copy()
        rho0 = rho0[[0, 2, 1, 3]][:, [0, 2, 1, 3]]  # Aer index a + 2b -> package 2a + b
        true_instr = np.einsum("ihcx,ij->hcxj", outs.reshape(16, 2, 2, 16), r_inv)  # (h, c, 16, 16)
        encoding = transpiled.encoding
        if encoding == "ground_is_0":  # express the system in model labels: conjugate by X⊗X on both sides
            true_instr = true_instr.reshape(2, 2, 4, 4, 4, 4)[:, :, ::-1, ::-1, ::-1, ::-1].reshape(2, 2, 16, 16)
            rho0 = _flip_system(rho0)
        c_hot, c_cold = readout
        recorded = np.einsum("rh,sc,hcij->rsij", c_hot, c_cold, true_instr)
        return cls(
            superoperator=true_instr.sum(axis=(0, 1)),
            instruments=recorded,
            true_instruments=true_instr,
            readout_hot=c_hot,
            readout_cold=c_cold,
            initial_state=0.5 * (rho0 + rho0.conj().T),
            model=transpiled.model,
            encoding=encoding,
            backend_name=transpiled.backend_name,
            physical_qubits=phys,
            noisy=noisy,
        )

    @property
    def trace_defect(self) -> float:
        r"""Largest trace lost by one collision, :math:`\max_\rho |1 - \mathrm{Tr}\,\tilde\Phi[\rho]|`.

        Zero up to rounding for an exact channel. Aer drops the terms of a noise model's
        errors whose probability is below 1e-10, so a device noise model is trace
        preserving only to about 1e-9 per gate (e.g. 60 of the 144 terms of fake_torino's
        CZ error on qubits 68-69, 1.3e-9 in total). Predictions normalise outcome
        probabilities by their sum, as counts do.
        """
        vals = np.linalg.svd((_TRACE @ self.superoperator - _TRACE).reshape(4, 4), compute_uv=False)
        return float(vals.max())

    # ------------------------------------------------------------------ shot values

    def shot_values(self, reservoir: str, *, mitigated: bool = False) -> NDArray[np.float64]:
        r"""Value of one shot's :math:`\hat J(k)` for recorded bit r = 0, 1 (array of 2).

        :math:`(\omega/2)\,s\,z - \mathrm{Tr}[H\eta]` with :math:`z = 1 - 2r`, or the
        readout-mitigated :math:`z` (module docstring).
        """
        reservoir = check_choice("reservoir", reservoir, ("hot", "cold"))
        conf = self.readout_hot if reservoir == "hot" else self.readout_cold
        res = self.model.hot if reservoir == "hot" else self.model.cold
        errors = (conf[1, 0], conf[0, 1]) if mitigated else None
        return shot_current(np.array([0, 1]), self.model.omega, excited_sign(self.encoding), res.energy, errors)

    def _bit_instruments(self, reservoir: str) -> NDArray:
        return self.instruments.sum(axis=1) if reservoir == "hot" else self.instruments.sum(axis=0)

    def _functional(self, reservoir: str, mitigated: bool) -> NDArray:
        """Row vector g with E[J(k)] = g . vec(rho_{k-1})."""
        values = self.shot_values(reservoir, mitigated=mitigated)
        return np.einsum("r,j,rji->i", values, _TRACE, self._bit_instruments(reservoir))

    # ------------------------------------------------------------------ predictions

    def trajectory(self, n_collisions: int) -> NoisyPrediction:
        """Predicted currents (raw and mitigated) and system states for collisions 1..n (milliseconds)."""
        n = check_count("n_collisions", n_collisions)
        after = propagate(self.superoperator, self.initial_state, n)
        before = np.concatenate([self.initial_state[None], after[:-1]]).reshape(n, 16)
        # Probabilities of collision k's outcomes are normalised by their sum, the trace
        # of the state after collision k (see trace_defect: Aer's noise is TP to ~1e-9 only).
        mass = (after.reshape(n, 16) @ _TRACE).real
        values = {
            (res, mit): (before @ self._functional(res, mit)).real / mass for res in ("hot", "cold") for mit in (False, True)
        }
        return NoisyPrediction(
            heat_hot=values["hot", False],
            heat_cold=values["cold", False],
            heat_hot_mitigated=values["hot", True],
            heat_cold_mitigated=values["cold", True],
            system_states=after / mass[:, None, None],
        )

    def steady_state(self) -> tuple[NDArray, dict[str, float]]:
        r"""Fixed point :math:`\tilde\Phi[\rho^*] = \rho^*` and its expected shot currents.

        Returns
        -------
        (rho, currents) : (ndarray (4, 4), dict)
            ``currents`` has ``heat_hot``, ``heat_cold`` (raw) and
            ``heat_hot_mitigated``, ``heat_cold_mitigated``.
        """
        rho = fixed_point(self.superoperator)
        vec = rho.reshape(16)
        currents = {
            f"heat_{res}{'_mitigated' if mit else ''}": float((self._functional(res, mit) @ vec).real)
            for res in ("hot", "cold")
            for mit in (False, True)
        }
        return rho, currents

    def shot_moments(self, n_collisions: int, *, mitigated: bool = False) -> tuple[NDArray, NDArray]:
        r"""Mean and covariance of one shot's vector :math:`x = (\hat J_h(1..n), \hat J_c(1..n))` (length 2n).

        With the joint recorded-bit instruments :math:`B_{r_hr_c}`, per-shot values
        :math:`f_a(r)` (:meth:`shot_values`), :math:`F_a = \sum f_a(r_a) B`,
        :math:`F_{ab} = \sum f_a(r_a) f_b(r_b) B` and states :math:`v_k = \tilde\Phi^{k-1}\rho_0`:

        .. math::
            E[x_a(k)] = \mathrm{tr}\,F_a v_k, \quad
            E[x_a(k)x_b(k)] = \mathrm{tr}\,F_{ab} v_k, \quad
            E[x_a(k)x_b(l)] = \mathrm{tr}\,F_b\,\tilde\Phi^{\,l-k-1}F_a v_k \ (k < l).

        Collisions of one shot are correlated through the system, so the n per-collision
        estimates of N shots are *not* independent; with this covariance :math:`\Sigma`
        the statistic :math:`N(\bar x-\mu)^T\Sigma^{-1}(\bar x-\mu)` is :math:`\chi^2`
        with 2n degrees of freedom for many shots (:meth:`chi_square`).

        Returns
        -------
        (mean, covariance) : ndarray (2n,), ndarray (2n, 2n)
        """
        n = check_count("n_collisions", n_collisions)
        f = {res: self.shot_values(res, mitigated=mitigated) for res in ("hot", "cold")}
        b = self.instruments
        first = {
            "hot": np.einsum("r,rsij->ij", f["hot"], b),
            "cold": np.einsum("s,rsij->ij", f["cold"], b),
        }
        second = {
            ("hot", "hot"): np.einsum("r,rsij->ij", f["hot"] ** 2, b),
            ("cold", "cold"): np.einsum("s,rsij->ij", f["cold"] ** 2, b),
            ("hot", "cold"): np.einsum("r,s,rsij->ij", f["hot"], f["cold"], b),
        }
        second["cold", "hot"] = second["hot", "cold"]
        states = np.empty((n + 1, 16), dtype=complex)  # v_1 .. v_{n+1}
        states[0] = self.initial_state.reshape(16)
        for k in range(n):
            states[k + 1] = self.superoperator @ states[k]
        mass = float((_TRACE @ states[n]).real)  # 1 up to trace_defect; counts are normalised
        v = states[:n]
        # rows g_b Phi^m, m = 0..n-1, for the later collision's functional
        powers = {}
        for res in ("hot", "cold"):
            rows = np.empty((n, 16), dtype=complex)
            rows[0] = _TRACE @ first[res]
            for m in range(1, n):
                rows[m] = rows[m - 1] @ self.superoperator
            powers[res] = rows
        names = ("hot", "cold")
        mean = np.concatenate([(v @ (_TRACE @ first[res])).real for res in names]) / mass
        moment = np.zeros((2 * n, 2 * n))
        later = np.subtract.outer(np.arange(n), np.arange(n)) - 1  # l - k - 1 for row l, column k
        for i, a in enumerate(names):
            after_a = v @ first[a].T  # (n, 16): F_a v_k
            for j, bname in enumerate(names):
                pair = (powers[bname] @ after_a.T).real  # [m, k] = tr F_b Phi^m F_a v_k
                block = np.zeros((n, n))
                lower = later >= 0
                block[lower] = pair[later[lower], np.nonzero(lower)[1]]  # block[l, k] = E[x_b(l) x_a(k)], l > k
                moment[j * n : (j + 1) * n, i * n : (i + 1) * n] += block
                moment[i * n : (i + 1) * n, j * n : (j + 1) * n] += block.T
            for j, bname in enumerate(names):
                if j >= i:
                    diag = (v @ (_TRACE @ second[a, bname])).real
                    moment[i * n + np.arange(n), j * n + np.arange(n)] += diag
                    if j != i:
                        moment[j * n + np.arange(n), i * n + np.arange(n)] += diag
        moment /= mass
        return mean, moment - np.outer(mean, mean)

    def chi_square(
        self, heat_hot: ArrayLike, heat_cold: ArrayLike, shots: int, *, mitigated: bool = False
    ) -> tuple[float, int, float]:
        r"""How far shot estimates are from this map's prediction: ``(chi2, dof, sum_z2)``.

        ``chi2`` is :math:`N(\bar x-\mu)^T\Sigma^{-1}(\bar x-\mu)` with the exact per-shot
        covariance :math:`\Sigma` of :meth:`shot_moments` (correlations between the
        collisions of a shot and between the two ancillas included), :math:`\chi^2`-distributed
        with ``dof`` = 2n (the rank of :math:`\Sigma`) degrees of freedom if the prediction is
        right. ``sum_z2`` is the naive :math:`\sum_k z_k^2` of the 2n per-collision z-scores
        with the predicted standard errors (correlations ignored).
        """
        x = np.concatenate([np.asarray(heat_hot, dtype=float), np.asarray(heat_cold, dtype=float)])
        n = x.size // 2
        shots = check_count("shots", shots, minimum=2)
        mean, cov = self.shot_moments(n, mitigated=mitigated)
        return _chi_square(x, mean, cov, shots)

    def tail_statistics(
        self, n_collisions: int, tail_start: int, *, reservoir: str = "hot", mitigated: bool = False
    ) -> TailStatistics:
        r"""Exact mean and per-shot standard deviation of the tail average :math:`\frac1K\sum_{k=k_0}^n\hat J(k)`.

        With recorded-bit instruments :math:`B_r` of the chosen ancilla, per-shot values
        :math:`f(r)` (:meth:`shot_values`), :math:`F = \sum_r f(r)B_r`,
        :math:`F_2 = \sum_r f(r)^2 B_r` and states :math:`v_k = \tilde\Phi^{k-1}\rho_0`
        before collision k, the sum :math:`S = \sum_{k\in\text{tail}} f(r_k)` has

        .. math::
            E[S] = \sum_k \mathrm{tr}\,F v_k, \qquad
            E[S^2] = \sum_k \mathrm{tr}\,F_2 v_k
                   + 2\sum_{k<l} \mathrm{tr}\,F\,\tilde\Phi^{\,l-k-1} F v_k,

        the double sum accumulated in one pass (:math:`u \leftarrow \tilde\Phi u + F v_k`),
        so the cost is O(n) 16×16 products.
        """
        n = check_count("n_collisions", n_collisions)
        k0 = check_count("tail_start", tail_start)
        if k0 > n:
            raise ValueError(f"tail_start must be <= n_collisions = {n}, got {k0}")
        reservoir = check_choice("reservoir", reservoir, ("hot", "cold"))
        values = self.shot_values(reservoir, mitigated=mitigated)
        bits = self._bit_instruments(reservoir)
        f1 = np.einsum("r,rij->ij", values, bits)
        f2 = np.einsum("r,rij->ij", values**2, bits)
        phi = self.superoperator
        v = self.initial_state.reshape(16).astype(complex)
        u = np.zeros(16, dtype=complex)
        s1 = s2 = cross = 0.0
        for k in range(1, n + 1):
            if k >= k0:
                s1 += (_TRACE @ (f1 @ v)).real
                s2 += (_TRACE @ (f2 @ v)).real
                cross += (_TRACE @ (f1 @ u)).real
                u = phi @ u + f1 @ v
            else:
                u = phi @ u
            v = phi @ v
        count = n - k0 + 1
        mass = float((_TRACE @ v).real)  # total probability of all recorded sequences (1 up to trace_defect)
        mean = s1 / count / mass
        second = (s2 + 2.0 * cross) / count**2 / mass
        return TailStatistics(
            mean=float(mean), shot_std=float(math.sqrt(max(second - mean**2, 0.0))), tail_start=k0, n_collisions=n
        )


@single_blas_thread
def noisy_collision_map(
    model: CollisionModel | CollisionNetwork,
    backend: str | BackendV2,
    *,
    noisy: bool = True,
    readout: ArrayLike | None = None,
    **transpile_options,
) -> NoisyCollisionMap:
    """Transpile one collision for ``backend`` and compute its noisy map (:meth:`NoisyCollisionMap.from_transpiled`).

    ``readout`` as in :meth:`NoisyCollisionMap.from_transpiled`; ``transpile_options`` go to
    :func:`~circuitheat.hardware.transpile.transpile_protocol`
    (``layout``, ``encoding``, ``initial_state``, ``optimization_level``, ``schedule``, ...).
    A :class:`~circuitheat.CollisionNetwork` gives its
    :class:`~circuitheat.hardware.network_noise.NoisyNetworkMap` (d² × d², one instrument per
    pattern of the step's measured bits).
    """
    if isinstance(model, CollisionNetwork):
        from .network_noise import noisy_network_map

        return noisy_network_map(model, backend, noisy=noisy, readout=readout, **transpile_options)
    device = resolve_backend(backend)
    tp = transpile_protocol(model, 1, device, **transpile_options)
    return NoisyCollisionMap.from_transpiled(tp, device, noisy=noisy, readout=readout)


def aer_reference(
    transpiled: TranspiledProtocol,
    backend: str | BackendV2 | None = None,
    *,
    noisy: bool = True,
    readout: ArrayLike | None = None,
) -> NoisyPrediction:
    r"""The whole transpiled circuit on Aer's density-matrix simulator with device noise: exact expectation values.

    The circuit ``transpiled.circuit`` with each collision's two measurements replaced by
    a save of the 4-qubit state of :math:`(S_A, S_B, R^h, R^c)` at that point (exact for
    the reasons in the module docstring); the readout error (``readout`` as in
    :meth:`NoisyCollisionMap.from_transpiled`) is applied to the saved ancilla
    populations. One Aer run, no sampling: this is the reference that
    :meth:`NoisyCollisionMap.trajectory` must reproduce.
    """
    if not isinstance(transpiled, TranspiledProtocol):
        raise InputTypeError(
            f"transpiled must be a TranspiledProtocol of the paper's model, got {type(transpiled).__name__} "
            "(a network's device prediction is NoisyNetworkMap.trajectory)"
        )
    sim, readout = _simulator_and_readout(transpiled, backend, noisy, "reference", readout)
    phys = transpiled.physical_qubits
    saved = [phys[SYSTEM_A], phys[SYSTEM_B], phys[HOT], phys[COLD]]
    n = transpiled.n_collisions
    qc = transpiled.block.copy_empty_like()
    for inst in transpiled.prefix.data:
        qc._append(inst)
    body = _block_without_measurements(transpiled.block)
    for k in range(1, n + 1):
        for inst in body:
            qc._append(inst)
        qc.append(SaveDensityMatrix(4, label=f"{_SAVE_LABEL}_{k}"), saved)
    data = sim.run(qc, shots=1).result().data(0)
    joint = np.array([_joint_to_package(data[f"{_SAVE_LABEL}_{k}"]) for k in range(1, n + 1)])  # (n, h, c, 4, 4)
    if transpiled.encoding == "ground_is_0":
        joint = _flip_system(joint)
    # Normalise by the trace (Aer's noise is trace preserving to ~1e-9 only, see
    # NoisyCollisionMap.trace_defect); counts are normalised by construction.
    mass = np.einsum("nhcii->n", joint).real
    joint = joint / mass[:, None, None, None, None]
    populations_hot = np.einsum("nhcii->nh", joint).real  # P(true hot bit = h) after collision k
    populations_cold = np.einsum("nhcii->nc", joint).real
    model = transpiled.model
    s = excited_sign(transpiled.encoding)
    out = {}
    for name, pops, assignment, res in (
        ("hot", populations_hot, readout[0], model.hot),
        ("cold", populations_cold, readout[1], model.cold),
    ):
        e0, e1 = assignment[1, 0], assignment[0, 1]
        recorded = pops @ assignment.T  # (n, r)
        z = recorded[:, 0] - recorded[:, 1]
        out[name] = 0.5 * model.omega * s * z - res.energy
        out[name + "_mitigated"] = 0.5 * model.omega * s * (z - (e1 - e0)) / (1 - e0 - e1) - res.energy
    return NoisyPrediction(
        heat_hot=out["hot"],
        heat_cold=out["cold"],
        heat_hot_mitigated=out["hot_mitigated"],
        heat_cold_mitigated=out["cold_mitigated"],
        system_states=joint.sum(axis=(1, 2)),
    )
