r"""Quantum states and Hamiltonians, and the one place where basis conventions live.

Conventions (``shared/DESIGN.md``):

* Every qubit has :math:`H = (\omega/2)\sigma_z`, so :math:`|0\rangle` is the **excited**
  level (energy :math:`+\omega/2`) and :math:`|1\rangle` the ground level.
* A single-qubit matrix is written in the basis :math:`\{|0\rangle, |1\rangle\}`.
* A system (two-qubit) matrix is written in the basis
  :math:`\{|00\rangle, |01\rangle, |10\rangle, |11\rangle\}` of :math:`|S_A S_B\rangle`:
  :math:`S_A` is the left (most significant) factor, index ``2*a + b``; the label
  ``"01"`` means :math:`S_A` excited, :math:`S_B` in its ground state. This is
  ``np.kron(rho_A, rho_B)``. (Qiskit's little-endian order is translated in
  :mod:`circuitheat.circuits`, nowhere else.)
* Temperatures are in units of :math:`\omega/k_B`-free energy units (:math:`k_B = \hbar = 1`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, log_expit

from .validation import InputTypeError, InputValueError

__all__ = [
    "BETA_OMEGA_MAX",
    "SYSTEM_LABELS",
    "ancilla_populations",
    "ancilla_state",
    "ancilla_state_derivative",
    "beta_omega",
    "qubit_hamiltonian",
    "system_hamiltonian",
    "system_initial_state",
    "validate_density_matrix",
]

#: Labels accepted for the system's initial state, |S_A S_B>, 0 = excited, 1 = ground.
SYSTEM_LABELS = ("00", "01", "10", "11")

#: Tolerance for accepting a user-supplied density matrix: Hermiticity, unit trace
#: and positivity are checked to this absolute precision (loose enough for matrices
#: typed with 15 digits or produced by another simulator, tight enough to reject
#: anything that is not a state).
STATE_TOLERANCE = 1e-10

_PAULI_Z = np.diag([1.0, -1.0])


#: Largest :math:`\beta\omega = \omega/T` used in arithmetic. Beyond it every quantity of
#: the model is :math:`e^{-\beta\omega}` times a polynomial in :math:`\beta\omega` (or the
#: ground-state limit itself), and :math:`e^{-10^4}\cdot(10^4)^k` underflows to exactly 0 in
#: double precision for any k <= 70, so capping here changes no result, while it keeps
#: :math:`\omega/T` finite for T down to the smallest subnormal double (5e-324), where it
#: would otherwise overflow.
BETA_OMEGA_MAX = 1e4


def beta_omega(temperature: ArrayLike, omega: ArrayLike) -> NDArray[np.float64]:
    r""":math:`\beta\omega = \omega/T` capped at :data:`BETA_OMEGA_MAX`; ``T = inf`` gives 0 (no warning)."""
    t = np.asarray(temperature, dtype=float)
    w = np.asarray(omega, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return np.minimum(np.where(np.isinf(t), 0.0, w / np.where(np.isinf(t), 1.0, t)), BETA_OMEGA_MAX)


def ancilla_populations(temperature: ArrayLike, omega: ArrayLike = 1.0) -> tuple[NDArray, NDArray]:
    r"""Excited and ground populations of the thermal state :math:`\rho_\beta` (Eq. 12).

    .. math:: \rho_{00} = e^{-\beta\omega/2}/Z = \mathrm{expit}(-\beta\omega),\quad
              \rho_{11} = e^{+\beta\omega/2}/Z = \mathrm{expit}(\beta\omega)

    evaluated with the logistic function, so ``T`` from 1e-3 to ``inf`` neither
    overflows nor warns.

    Parameters
    ----------
    temperature : array_like
        Effective temperature T (energy units, :math:`k_B = 1`); ``inf`` allowed.
    omega : array_like
        Level splitting :math:`\omega` (energy units).

    Returns
    -------
    (excited, ground) : tuple of ndarray
        Populations of :math:`|0\rangle` and :math:`|1\rangle`, broadcast together.
    """
    bw = beta_omega(temperature, omega)
    return expit(-bw), expit(bw)


def ancilla_state(
    temperature: ArrayLike, coherence: ArrayLike = 0.0, phase: ArrayLike = 0.0, omega: ArrayLike = 1.0
) -> NDArray[np.complex128]:
    r"""Ancilla state of Eqs. (12)–(13), broadcast over all arguments.

    .. math::
        \rho = p|\psi\rangle\langle\psi| + (1-p)\rho_\beta
             = \frac{1}{Z}\begin{pmatrix} e^{-\beta\omega/2} & p\,e^{-i\phi} \
                                        p\,e^{i\phi} & e^{\beta\omega/2}\end{pmatrix},
        \qquad Z = 2\cosh(\beta\omega/2)

    with :math:`|\psi\rangle = (e^{-\omega\beta/4}|0\rangle + e^{i\phi+\omega\beta/4}|1\rangle)/\sqrt{Z}`.
    The off-diagonal element is computed as :math:`p\sqrt{\rho_{00}\rho_{11}}\,e^{-i\phi}`
    (equal to :math:`p/Z`), which is stable for every temperature.

    Parameters
    ----------
    temperature : array_like
        Effective temperature T > 0 (``inf`` allowed); fixes the diagonal only.
    coherence : array_like
        p in [0, 1].
    phase : array_like
        Relative phase :math:`\phi` (rad).
    omega : array_like
        Level splitting :math:`\omega`.

    Returns
    -------
    ndarray, shape (..., 2, 2), complex
    """
    excited, ground = ancilla_populations(temperature, omega)
    p = np.asarray(coherence, dtype=float)
    phi = np.asarray(phase, dtype=float)
    off = p * np.sqrt(excited * ground) * np.exp(-1j * phi)
    excited, ground, off = np.broadcast_arrays(excited, ground, off)
    rho = np.empty(excited.shape + (2, 2), dtype=complex)
    rho[..., 0, 0] = excited
    rho[..., 1, 1] = ground
    rho[..., 0, 1] = off
    rho[..., 1, 0] = np.conj(off)
    return rho


def ancilla_state_derivative(
    temperature: ArrayLike, coherence: ArrayLike = 0.0, phase: ArrayLike = 0.0, omega: ArrayLike = 1.0
) -> NDArray[np.complex128]:
    r"""Exact derivative :math:`\partial\rho/\partial T` of the ancilla state (Eq. 12).

    With :math:`x = \beta\omega = \omega/T` and :math:`\partial x/\partial T = -x/T`:

    .. math::
        \partial_T\rho_{00} = \rho_{00}\rho_{11}\,x/T = -\partial_T\rho_{11}, \qquad
        \partial_T\rho_{01} = \rho_{01}\,\tfrac12\tanh(x/2)\,x/T .

    Used for the linear response of Eq. (30). Finite for every finite T > 0 and zero
    at T = inf.
    """
    t = np.asarray(temperature, dtype=float)
    w = np.asarray(omega, dtype=float)
    x = beta_omega(t, w)
    # |dx/dT| = x/T = x^2/omega. The products rho_00 rho_11 x^2/omega and sqrt(rho_00 rho_11) x^2/omega
    # are formed in log space, so T near the smallest double (x capped at BETA_OMEGA_MAX, where they
    # underflow to 0) gives exactly 0 rather than 0 * inf.
    with np.errstate(divide="ignore"):
        log_pops = log_expit(-x) + log_expit(x)  # ln(rho_00 rho_11)
        log_rate = 2 * np.log(x) - np.log(w)  # ln(x/T); -inf at T = inf
    d_exc = np.exp(log_pops + log_rate)
    d_off_abs = 0.5 * np.tanh(x / 2) * np.exp(0.5 * log_pops + log_rate)
    p = np.asarray(coherence, dtype=float)
    d_off = p * d_off_abs * np.exp(-1j * np.asarray(phase, dtype=float))
    d_exc, d_off = np.broadcast_arrays(d_exc, d_off)
    drho = np.zeros(d_exc.shape + (2, 2), dtype=complex)
    drho[..., 0, 0] = d_exc
    drho[..., 1, 1] = -d_exc
    drho[..., 0, 1] = d_off
    drho[..., 1, 0] = np.conj(d_off)
    return drho


def qubit_hamiltonian(omega: float = 1.0) -> NDArray[np.float64]:
    r""":math:`H = (\omega/2)\sigma_z` in the basis {|0>, |1>} (|0> excited)."""
    return 0.5 * omega * _PAULI_Z


def system_hamiltonian(omega: float = 1.0) -> NDArray[np.float64]:
    r""":math:`H_S = H_{S_A}\otimes I + I\otimes H_{S_B}` in the basis |S_A S_B>."""
    h = qubit_hamiltonian(omega)
    eye = np.eye(2)
    return np.kron(h, eye) + np.kron(eye, h)


def validate_density_matrix(
    rho: ArrayLike, name: str = "initial_state", dim: int = 4, *, batch: bool = False
) -> NDArray[np.complex128]:
    """Check that ``rho`` is a ``dim``×``dim`` density matrix; return it as complex array.

    With ``batch``, ``rho`` may have leading dimensions (..., dim, dim), each matrix checked
    (the error names the first failing batch index).

    Raises
    ------
    ValueError
        Naming ``name`` and what failed (shape, Hermiticity, trace, positivity),
        each checked to :data:`STATE_TOLERANCE`.
    """
    m = np.asarray(rho)
    if not np.issubdtype(m.dtype, np.number):
        raise InputTypeError(f"{name} must be numeric, got dtype {m.dtype}")
    m = m.astype(complex)
    if m.shape[-2:] != (dim, dim) or (m.ndim != 2 and not batch):
        wanted = f"(..., {dim}, {dim})" if batch else f"({dim}, {dim})"
        raise InputValueError(f"{name} must have shape {wanted}, got {m.shape}")
    if not np.all(np.isfinite(m)):
        raise InputValueError(f"{name} must be finite, got non-finite entries")

    def first_failure(bad: NDArray, what: str) -> None:
        if np.any(bad):
            where = np.unravel_index(int(np.argmax(bad)), bad.shape)
            raise InputValueError(
                f"{name} must {what(where)}" + (f" at batch index {tuple(map(int, where))}" if m.ndim > 2 else "")
            )

    adjoint = np.swapaxes(m.conj(), -1, -2)
    herm_err = np.max(np.abs(m - adjoint), axis=(-2, -1))
    first_failure(herm_err > STATE_TOLERANCE, lambda w: f"be Hermitian, got max |rho - rho^dagger| = {herm_err[w]:.3g}")
    tr = np.trace(m, axis1=-2, axis2=-1)
    first_failure(np.abs(tr - 1) > STATE_TOLERANCE, lambda w: f"have trace 1, got {tr[w].real:.12g}")
    m = 0.5 * (m + adjoint)
    lowest = np.linalg.eigvalsh(m)[..., 0]
    first_failure(lowest < -STATE_TOLERANCE, lambda w: f"be positive semidefinite, got eigenvalue {lowest[w]:.3g}")
    return m


def system_initial_state(initial_state: str | ArrayLike | None, sites: int = 2) -> NDArray[np.complex128]:
    r"""The system's initial density matrix (:math:`2^N\times2^N`, kron basis of sites 0..N−1) from a user input.

    Parameters
    ----------
    initial_state : str, array_like or None
        A label of N characters ``0``/``1`` (site 0 first; 0 = excited, 1 = ground; e.g.
        ``"11"``, the ground state used in the paper), a normalised :math:`2^N`-vector (a
        pure state), or a :math:`2^N\times2^N` density matrix. None: every site in its
        ground state (``"1" * N``), the default of every engine.
    sites : int
        N, the number of system qubits (2 for the paper's model).

    Raises
    ------
    ValueError
        For an unknown label, a vector that is not normalised, or a matrix that is not
        a state (Hermitian, trace 1, positive).
    """
    dim = 2**sites
    if initial_state is None:
        initial_state = "1" * sites
    if isinstance(initial_state, str):
        if len(initial_state) != sites or set(initial_state) - {"0", "1"}:
            valid = (
                ", ".join(repr(s) for s in SYSTEM_LABELS)
                if sites == 2
                else f"{sites} characters 0 (excited) or 1 (ground) such as {'1' * sites!r}"
            )
            raise InputValueError(
                f"unknown initial_state {initial_state!r}; valid labels: {valid}, a {dim}-vector or a {dim}x{dim} density matrix"
            )
        index = int(initial_state, 2)
        rho = np.zeros((dim, dim), dtype=complex)
        rho[index, index] = 1.0
        return rho
    arr = np.asarray(initial_state)
    if arr.dtype == object:  # e.g. Python integers beyond int64 (10**400)
        try:
            arr = arr.astype(complex)
        except (TypeError, ValueError, OverflowError):
            raise InputValueError(
                f"initial_state must hold numbers that fit in a double, got entries of type(s) "
                f"{sorted({type(v).__name__ for v in np.ravel(np.asarray(initial_state, dtype=object))})}"
            ) from None
    if arr.ndim == 1:
        if arr.shape != (dim,) or not np.issubdtype(arr.dtype, np.number):
            raise InputValueError(f"initial_state as a vector must have {dim} numeric entries, got shape {arr.shape}")
        psi = arr.astype(complex)
        norm = float(np.linalg.norm(psi))
        if not np.isfinite(norm) or abs(norm - 1) > STATE_TOLERANCE:
            raise InputValueError(f"initial_state vector must be normalised, got norm {norm:.12g}")
        return np.outer(psi, psi.conj())
    return validate_density_matrix(arr, "initial_state", dim=dim)
