r"""The noisy step map of a collision network on a device, from one transpiled, noise-annotated step.

The construction of :mod:`circuitheat.hardware.noise_map` for any network. Each transpiled
step starts by resetting every ancilla and partner, so on the N system qubits it is a fixed
CPTP map :math:`\tilde\Phi` (the device's version of the core's step map,
:func:`circuitheat.network.step.step_map`), and the joint state of the sites and the m
measured ancillas at its end is a fixed linear function of the system state at its start.

The step, its measurements left out, is run on Aer's density-matrix simulator with the
device noise model for the :math:`4^N` product inputs
:math:`\{|0\rangle,|1\rangle,|+\rangle,|{+i}\rangle\}^{\otimes N}` of the sites, saving the
joint state of (sites, ancillas); inverting the matrix of inputs gives, for every pattern
:math:`b = (b_0 \ldots b_{m-1})` of ancilla outcomes (collision 0 most significant), the
instrument :math:`M_b` (:math:`d^2\times d^2`, :math:`d = 2^N`) with :math:`\tilde\Phi = \sum_b M_b`.
Readout acts on the recorded bits: :math:`B_r = \sum_b \big(\prod_c C_c[r_c, b_c]\big) M_b`,
with each measured qubit's asymmetric assignment matrix
:math:`C_c` (:func:`~circuitheat.hardware.readout.assignment_matrix`).

Shot values
-----------
A recorded bit r of collision c's ancilla (reservoir :math:`\rho(c)`, splitting
:math:`\omega_{\rho(c)}`) means the energy :math:`(\omega/2)\,s\,(1-2r)` (s = +1 for
``"excited_is_0"``, −1 for ``"ground_is_0"``), so one shot's estimate of reservoir r's
current in step k is

.. math:: x_r(k) = \sum_{c\in r}\Big[\tfrac{\omega_r}{2}\,s\,(1-2r_c(k)) - \mathrm{Tr}[H_r\eta_r]\Big],

an unbiased sample of :math:`J_r(k)` (Eqs. 10–11 generalised, :mod:`circuitheat.network.step`)
on an ideal device. The mitigated value replaces :math:`z = 1-2r` by
:math:`(z-(e_1-e_0))/(1-e_0-e_1)` per measured qubit. With
:math:`F_a = \sum_b f_a(b)B_b`, :math:`F_{ab} = \sum_b f_a(b)f_b(b)B_b` and
:math:`v_k = \tilde\Phi^{k-1}\rho_0`, mean and covariance of one shot's vector
:math:`(x_r(k))_{r,k}` are (:meth:`NoisyNetworkMap.shot_moments`)

.. math::
    E[x_a(k)] = \mathrm{tr}\,F_a v_k,\quad E[x_a(k)x_b(k)] = \mathrm{tr}\,F_{ab}v_k,\quad
    E[x_a(k)x_b(l)] = \mathrm{tr}\,F_b\tilde\Phi^{\,l-k-1}F_a v_k\ (k<l).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qiskit.circuit import CircuitInstruction
from qiskit.providers import BackendV2
from qiskit_aer.library import SaveDensityMatrix

from ..engines.direct import propagate
from ..fixed_point import fixed_point
from ..network.spec import CollisionNetwork
from ..trajectory import frozen_array
from ..validation import InputTypeError, InputValueError, check_count
from .network_transpile import TranspiledNetworkProtocol, transpile_network_protocol
from .noise_map import _SAVE_LABEL, _chi_square, _input_circuits
from .protocol import excited_sign, shot_current
from .readout import READOUT_COLUMN_TOLERANCE, assignment_matrices
from .simulators import device_simulator, ideal_simulator
from .transpile import resolve_backend

__all__ = ["NetworkPrediction", "NoisyNetworkMap", "noisy_network_map"]


@dataclass(frozen=True)
class NetworkPrediction:
    r"""Predicted shot estimates of every reservoir's current along n steps on a (noisy) device.

    Attributes
    ----------
    currents, currents_mitigated : mapping name -> ndarray (n,)
        Expected raw and readout-mitigated shot estimates of :math:`J_r(k)`, k = 1..n.
    system_states : ndarray (n, d, d)
        :math:`\rho_S` after step k (package basis, model labels).
    """

    currents: Mapping[str, NDArray] = field(repr=False)
    currents_mitigated: Mapping[str, NDArray] = field(repr=False)
    system_states: NDArray = field(repr=False)


def _frozen(values: Mapping[str, ArrayLike]) -> Mapping[str, NDArray]:
    return MappingProxyType({name: frozen_array(np.asarray(value, dtype=float)) for name, value in values.items()})


def _check_readout(readout: object, m: int) -> NDArray:
    a = np.asarray(readout, dtype=float)
    if a.shape != (m, 2, 2):
        raise InputValueError(f"readout must be {m} 2x2 assignment matrices, one per collision, shape ({m}, 2, 2), got {a.shape}")
    if (a < 0).any() or not np.allclose(a.sum(axis=1), 1.0, rtol=0, atol=READOUT_COLUMN_TOLERANCE):
        raise InputValueError(f"readout matrices must have columns that are probability distributions, got {a.tolist()}")
    return a


@dataclass(frozen=True)
class NoisyNetworkMap:
    r"""The step map and instruments of a network's transpiled step on a noisy (or ideal) device.

    Attributes
    ----------
    superoperator : ndarray (d², d²)
        :math:`\tilde\Phi` on row-major vec(:math:`\rho_S`), package basis, model labels.
    instruments, true_instruments : ndarray (2^m, d², d²)
        :math:`B_r` (recorded bits, readout error included) and :math:`M_b` (true outcomes);
        index = the bit pattern, collision 0 most significant.
    readout : ndarray (m, 2, 2)
        Assignment matrix ``C[r, b] = P(record r | true b)`` of each collision's measured qubit.
    initial_state : ndarray (d, d)
        System state after the (noisy) initial-state preparation.
    network : CollisionNetwork
    encoding, backend_name : str
    physical_qubits : tuple of int
    noisy : bool
    """

    superoperator: NDArray = field(repr=False)
    instruments: NDArray = field(repr=False)
    true_instruments: NDArray = field(repr=False)
    readout: NDArray = field(repr=False)
    initial_state: NDArray = field(repr=False)
    network: CollisionNetwork = field(repr=False)
    encoding: str
    backend_name: str
    physical_qubits: tuple[int, ...]
    noisy: bool

    def __post_init__(self) -> None:
        for name in ("superoperator", "instruments", "true_instruments", "readout", "initial_state"):
            object.__setattr__(self, name, frozen_array(getattr(self, name)))

    @classmethod
    def from_transpiled(
        cls,
        transpiled: TranspiledNetworkProtocol,
        backend: str | BackendV2 | None = None,
        *,
        noisy: bool = True,
        readout: ArrayLike | None = None,
    ) -> NoisyNetworkMap:
        """Compute the map of ``transpiled.block`` with the device noise of ``backend`` (module docstring).

        ``readout`` (m, 2, 2): assignment matrices of the measured qubits, default the device's
        (asymmetric) when ``noisy``, the identity otherwise.
        """
        if not isinstance(transpiled, TranspiledNetworkProtocol):
            raise InputTypeError(f"transpiled must be a TranspiledNetworkProtocol, got {type(transpiled).__name__}")
        network = transpiled.network
        n, m = network.sites, len(network.collisions)
        d, a_dim = 2**n, 2**m
        sites, measured = transpiled.site_qubits, transpiled.measured_qubits
        if noisy:
            if backend is None:
                raise InputValueError("backend is required for a noisy map (noisy=True)")
            device = resolve_backend(backend)
            sim = device_simulator(device, "density_matrix", transpiled.active_qubits)
            readout = assignment_matrices(device, measured) if readout is None else _check_readout(readout, m)
        else:
            sim = ideal_simulator("density_matrix")
            readout = np.array([np.eye(2)] * m) if readout is None else _check_readout(readout, m)
        saved = [*reversed(sites), *reversed(measured)]  # package order: collision 0, then site 0, most significant
        circuits, r_inv = _input_circuits(transpiled.block, sites, saved)
        prefix = transpiled.prefix.copy()
        prefix._append(CircuitInstruction(SaveDensityMatrix(n, label=_SAVE_LABEL), [prefix.qubits[q] for q in reversed(sites)]))
        result = sim.run([*circuits, prefix], shots=1).result()
        outs = np.array(
            [
                np.einsum("asat->ast", np.asarray(result.data(i)[_SAVE_LABEL]).reshape(a_dim, d, a_dim, d)).reshape(a_dim, d, d)
                for i in range(4**n)
            ]
        )  # (inputs, a, d, d): system block conditioned on ancilla pattern a
        rho0 = np.asarray(result.data(4**n)[_SAVE_LABEL])
        true_instr = np.einsum("iax,ij->axj", outs.reshape(4**n, a_dim, d * d), r_inv)
        if transpiled.encoding == "ground_is_0":  # model labels: X on every site, index s -> d-1-s on both sides
            true_instr = true_instr.reshape(a_dim, d, d, d, d)[:, ::-1, ::-1, ::-1, ::-1].reshape(a_dim, d * d, d * d)
            rho0 = rho0[::-1, ::-1]
        confusion = np.ones((1, 1))
        for c in range(m):
            confusion = np.kron(confusion, readout[c])
        recorded = np.einsum("rb,bij->rij", confusion, true_instr)
        return cls(
            superoperator=true_instr.sum(axis=0),
            instruments=recorded,
            true_instruments=true_instr,
            readout=readout,
            initial_state=0.5 * (rho0 + rho0.conj().T),
            network=network,
            encoding=transpiled.encoding,
            backend_name=transpiled.backend_name,
            physical_qubits=transpiled.physical_qubits,
            noisy=noisy,
        )

    # ------------------------------------------------------------------ shot values

    @property
    def names(self) -> tuple[str, ...]:
        """Reservoir names (the network's order)."""
        return self.network.reservoir_names

    def shot_values(self, reservoir: str, *, mitigated: bool = False) -> NDArray[np.float64]:
        r"""Value of one shot's :math:`x_r(k)` for every recorded bit pattern (array of :math:`2^m`, module docstring)."""
        if reservoir not in self.names:
            raise InputValueError(f"reservoir must be one of {', '.join(map(repr, self.names))}; got {reservoir!r}")
        anc = self.network.ancilla(reservoir)
        s = excited_sign(self.encoding)
        m = len(self.network.collisions)
        bits = np.array(list(itertools.product((0, 1), repeat=m)), dtype=float).reshape(2**m, m)
        values = np.zeros(2**m)
        for c, col in enumerate(self.network.collisions):
            if col.reservoir != reservoir:
                continue
            errors = (self.readout[c][1, 0], self.readout[c][0, 1]) if mitigated else None
            values += shot_current(bits[:, c], anc.omega, s, anc.energy, errors)
        return values

    def _trace(self) -> NDArray:
        d = self.network.dim
        return np.eye(d).reshape(d * d)

    def _functional(self, reservoir: str, mitigated: bool) -> NDArray:
        """Row vector g with E[x_r(k)] = g . vec(rho_{k-1}) (unnormalised)."""
        return np.einsum("r,j,rji->i", self.shot_values(reservoir, mitigated=mitigated), self._trace(), self.instruments)

    # ------------------------------------------------------------------ predictions

    def trajectory(self, n_collisions: int) -> NetworkPrediction:
        """Predicted currents (raw and mitigated) and system states for steps 1..n."""
        n = check_count("n_collisions", n_collisions)
        d2 = self.network.dim**2
        after = propagate(self.superoperator, self.initial_state, n)
        before = np.concatenate([self.initial_state[None], after[:-1]]).reshape(n, d2)
        mass = (after.reshape(n, d2) @ self._trace()).real  # Aer's noise is TP to ~1e-9 (NoisyCollisionMap.trace_defect)
        raw = {r: (before @ self._functional(r, False)).real / mass for r in self.names}
        mit = {r: (before @ self._functional(r, True)).real / mass for r in self.names}
        states = after / mass[:, None, None]
        states.setflags(write=False)
        return NetworkPrediction(currents=_frozen(raw), currents_mitigated=_frozen(mit), system_states=states)

    def steady_state(self) -> tuple[NDArray, dict[str, float]]:
        """Fixed point of :math:`\\tilde\\Phi` and its expected raw shot currents ``{name: J_r}``."""
        rho = fixed_point(self.superoperator)
        vec = rho.reshape(-1)
        return rho, {r: float((self._functional(r, False) @ vec).real) for r in self.names}

    def shot_moments(self, n_collisions: int, *, mitigated: bool = False) -> tuple[NDArray, NDArray]:
        """Mean and covariance of one shot's vector ``(x_r(1..n) for r in names)`` (module docstring), length R·n."""
        n = check_count("n_collisions", n_collisions)
        tr = self._trace()
        phi = self.superoperator
        f = {r: self.shot_values(r, mitigated=mitigated) for r in self.names}
        first = {r: np.einsum("r,rij->ij", f[r], self.instruments) for r in self.names}
        states = [self.initial_state.reshape(-1).astype(complex)]
        for _ in range(n):
            states.append(phi @ states[-1])
        mass = float((tr @ states[n]).real)
        v = np.array(states[:n])
        rows = {}
        for r in self.names:  # rows[r][j] = tr F_r Phi^j
            out = np.empty((n, phi.shape[0]), dtype=complex)
            out[0] = tr @ first[r]
            for j in range(1, n):
                out[j] = out[j - 1] @ phi
            rows[r] = out
        names = self.names
        size = len(names) * n
        moment = np.zeros((size, size))
        mean = np.concatenate([(v @ (tr @ first[r])).real for r in names])
        for i, a in enumerate(names):
            after_a = v @ first[a].T  # (n, d²): F_a v_k
            for j, b in enumerate(names):
                same = np.einsum("r,rij->ij", f[a] * f[b], self.instruments)
                moment[i * n + np.arange(n), j * n + np.arange(n)] += (v @ (tr @ same)).real
                pair = (rows[b] @ after_a.T).real  # [g, k] = tr F_b Phi^g F_a v_k
                for k in range(n):
                    for ell in range(k + 1, n):
                        value = pair[ell - k - 1, k]  # E[x_a(k) x_b(l)], l > k
                        moment[i * n + k, j * n + ell] += value
                        moment[j * n + ell, i * n + k] += value
        mean /= mass
        moment /= mass
        return mean, moment - np.outer(mean, mean)

    def chi_square(self, currents: Mapping[str, ArrayLike], shots: int, *, mitigated: bool = False) -> tuple[float, int, float]:
        r"""``(chi2, dof, sum_z2)`` of shot estimates ``currents[name]`` (n,) against this prediction.

        As :meth:`circuitheat.hardware.NoisyCollisionMap.chi_square`: :math:`N(\bar x-\mu)^T\Sigma^{+}(\bar x-\mu)`
        with the exact per-shot covariance, :math:`\chi^2` with ``dof`` = rank Σ degrees of freedom.
        """
        if not isinstance(currents, Mapping) or set(currents) != set(self.names):
            raise InputValueError(f"currents must map every reservoir ({', '.join(self.names)}) to its estimates")
        x = np.concatenate([np.asarray(currents[r], dtype=float).reshape(-1) for r in self.names])
        shots = check_count("shots", shots, minimum=2)
        mean, cov = self.shot_moments(x.size // len(self.names), mitigated=mitigated)
        return _chi_square(x, mean, cov, shots)


def noisy_network_map(
    network: CollisionNetwork,
    backend: str | BackendV2,
    *,
    noisy: bool = True,
    readout: ArrayLike | None = None,
    **transpile_options,
) -> NoisyNetworkMap:
    """Transpile one step of ``network`` for ``backend`` and compute its noisy map (:meth:`NoisyNetworkMap.from_transpiled`)."""
    device = resolve_backend(backend)
    tp = transpile_network_protocol(network, 1, device, **transpile_options)
    return NoisyNetworkMap.from_transpiled(tp, device, noisy=noisy, readout=readout)
