r"""The direct engine against its peers, timed side by side in one process.

Peers
-----
* **QuTiP loop** (trajectories): QuTiP 5 written the usual way — per collision
  ``qutip.tensor(rho_S, eta_h, eta_c)``, ``U * rho * U.dag()`` with the 4-qubit
  collision unitary ``U = U_{S_B R^c}(gamma) U_{S_A R^h}(gamma) V_{S_A S_B}(delta)`` built
  once with ``qutip.expand_operator`` (Eq. 8), then ``ptrace`` for the system and for
  each ancilla, and ``qutip.expect`` for the ancilla energies (Eqs. 10–11).
* **QuTiP propagator_steadystate** (steady-state grids): per grid point the
  collision unitary, the Kraus operators of the channel
  :math:`K_{jk} = \sqrt{\lambda_k}\,(I\otimes\langle j|)\,U\,(I\otimes|k\rangle)` from the
  eigen-decomposition of :math:`\eta_h\otimes\eta_c`, ``qutip.kraus_to_super``,
  ``qutip.propagator_steadystate`` (an eigen-decomposition of the 16×16
  superoperator), and J_h from one more tensor/ptrace collision. (Kraus operators
  are the cheapest usual route to the superoperator; building it column by column
  with tensor/ptrace is ~16x slower, so this peer is favourable to QuTiP.)
* **QuTiP propagator_steadystate on a numpy superoperator** (steady-state grids, the
  cheapest honest QuTiP peer): per grid point the 16×16 superoperator from 16 numpy-loop
  collisions on the basis matrices (column-stacked, QuTiP's convention), wrapped as a
  ``qutip.Qobj`` superoperator, ``qutip.propagator_steadystate``, and J_h from one more
  numpy collision.
* **numpy loop**: the same algorithms in plain numpy — per collision
  ``np.kron(rho_S, eta_h, eta_c)`` (the 16×16 joint state of S_A, S_B, R^h, R^c),
  ``U @ rho @ U^\dagger`` with the 16×16 collision unitary, partial traces by
  ``einsum``; per grid point the 16×16 superoperator from 16 such collisions on the
  basis matrices and its eigenvector of eigenvalue 1 (``np.linalg.eig``). The issue
  calls this "a plain numpy 64×64 loop"; the joint state of the two system qubits and
  one ancilla of each reservoir is 16×16 (2^4), which is what is timed here.
* **circuitheat direct**: ``ch.simulate(model, n)`` (the default, states stored) and
  ``ch.steady_heat_current`` on broadcast arrays (one batched solve); for grids also
  ``circuitheat.sweeps.sweep`` (default chunks, xarray labelling).

Every peer is checked against the direct engine before it is timed. Grid peers that
would take more than ``budget`` seconds are timed on a seeded random subsample of the
grid and extrapolated linearly (per-point cost is independent of the point); the
rows say so.

Run: ``python benchmarks/bench_direct.py`` (prints rows); ``benchmarks/run_all.py``
collects them into the README table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

import circuitheat as ch
from circuitheat.channel import collision_unitary
from circuitheat.sweeps import sweep

__all__ = [
    "GRID_PEERS",
    "STEADY_AGREEMENT",
    "TRAJECTORY_AGREEMENT",
    "Row",
    "direct_grid",
    "grid_axes",
    "numpy_steady_current",
    "numpy_trajectory",
    "qutip_steady_current",
    "qutip_superoperator_steady_current",
    "qutip_trajectory",
    "run",
    "time_call",
    "time_per_point",
]

#: Peers and the direct engine compute the same numbers by different summation orders:
#: trajectories agree to rounding accumulated over n collisions (~n eps |J|).
TRAJECTORY_AGREEMENT = 1e-10
#: An eigenvector of a 16x16 non-normal matrix (QuTiP, numpy) vs a bordered linear solve:
#: both are backward stable; the eigenvector's error scales with 1/gap ~ 1/sin^2(gamma) ~ 1e2.
STEADY_AGREEMENT = 1e-9

GAMMA_RANGE = (math.pi / 64, math.pi / 2)
DELTA = math.pi / 4
T_HOT, T_COLD, P = 2.0, 1.0, 0.8


@dataclass(frozen=True)
class Row:
    """One measurement: ``engine`` against ``peer`` on ``case`` of size ``size``.

    ``t_engine``/``t_peer`` are wall-clock seconds (best of repeats);
    ``ratio = t_peer / t_engine``; ``note`` says how the peer time was obtained.
    """

    section: str
    case: str
    size: int
    engine: str
    peer: str
    t_engine: float
    t_peer: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """Speed-up of the engine over the peer."""
        return self.t_peer / self.t_engine

    def as_dict(self) -> dict:
        """Plain dict (with the ratio) for JSON."""
        return asdict(self) | {"ratio": self.ratio}


def time_call(fn: Callable[[], object], repeats: int = 3, min_time: float = 0.05) -> float:
    """Best wall time of one call over ``repeats`` rounds; fast calls are looped to ``min_time`` per round."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    loops = max(1, int(min_time / max(once, 1e-9)))
    best = once if loops == 1 else math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        best = min(best, (time.perf_counter() - start) / loops)
    return best


def fig2_model(phase_difference: float = 5 * math.pi / 4, gamma: float = math.pi / 32) -> ch.CollisionModel:
    """Fig. 2 parameters (p = 0.8, T_h = 2, T_c = 1, delta = pi/4) at a phase difference."""
    return ch.CollisionModel(
        gamma=gamma, delta=DELTA, hot=ch.Reservoir(T_HOT, P, phase_difference), cold=ch.Reservoir(T_COLD, P, 0.0)
    )


# --- QuTiP peers ----------------------------------------------------------------------------


def _qutip_unitary(gamma: float, delta: float):
    import qutip

    swap = qutip.Qobj(np.eye(4)[[0, 2, 1, 3]], dims=[[2, 2], [2, 2]])
    eye = qutip.qeye([2, 2])

    def u(theta):
        return math.cos(theta) * eye + 1j * math.sin(theta) * swap

    dims = [2, 2, 2, 2]  # S_A, S_B, R^h, R^c
    return (
        qutip.expand_operator(u(gamma), dims, [1, 3])
        * qutip.expand_operator(u(gamma), dims, [0, 2])
        * qutip.expand_operator(u(delta), dims, [0, 1])
    )


def qutip_trajectory(model: ch.CollisionModel, n: int) -> tuple[np.ndarray, np.ndarray]:
    """J_h(k), J_c(k) for k = 1..n, QuTiP written the usual way (tensor, U rho U^dag, ptrace)."""
    import qutip

    u = _qutip_unitary(model.gamma, model.delta)
    ud = u.dag()
    eta_h, eta_c = qutip.Qobj(model.hot.state), qutip.Qobj(model.cold.state)
    h = qutip.Qobj(0.5 * model.omega * np.diag([1.0, -1.0]))
    e_h, e_c = qutip.expect(h, eta_h), qutip.expect(h, eta_c)
    rho = qutip.tensor(qutip.basis(2, 1), qutip.basis(2, 1)).proj()  # |11>: ground state
    j_h, j_c = np.empty(n), np.empty(n)
    for k in range(n):
        full = u * qutip.tensor(rho, eta_h, eta_c) * ud
        rho = full.ptrace([0, 1])
        j_h[k] = qutip.expect(h, full.ptrace(2)) - e_h
        j_c[k] = qutip.expect(h, full.ptrace(3)) - e_c
    return j_h, j_c


def qutip_steady_current(gamma: float, phase_difference: float) -> float:
    """J_h^steady at one grid point: Kraus operators, kraus_to_super, propagator_steadystate."""
    import qutip

    model = fig2_model(phase_difference, gamma)
    u = _qutip_unitary(gamma, DELTA)
    eta_h, eta_c = qutip.Qobj(model.hot.state), qutip.Qobj(model.cold.state)
    eta = qutip.tensor(eta_h, eta_c)
    weights, vectors = eta.eigenstates()
    u4 = u.full().reshape(4, 4, 4, 4)  # [S out, anc out, S in, anc in]
    kraus = []
    for lam, vec in zip(weights, vectors, strict=True):
        if lam <= 0:
            continue
        op = np.sqrt(lam) * np.einsum("ajbk,k->jab", u4, vec.full()[:, 0])
        kraus.extend(qutip.Qobj(op[j], dims=[[2, 2], [2, 2]]) for j in range(4))
    rho = qutip.propagator_steadystate(qutip.kraus_to_super(kraus))
    full = u * qutip.tensor(rho, eta_h, eta_c) * u.dag()
    h = qutip.Qobj(0.5 * np.diag([1.0, -1.0]))
    return float(qutip.expect(h, full.ptrace(2)) - qutip.expect(h, eta_h))


# --- numpy peers ----------------------------------------------------------------------------


_H = 0.5 * np.diag([1.0, -1.0])
_H_HOT = np.kron(_H, np.eye(2))  # on the ancilla pair (R^h, R^c)
_H_COLD = np.kron(np.eye(2), _H)


def _numpy_collision(u: np.ndarray, rho_s: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One collision on the 16x16 joint state: (rho_S after, ancilla pair after)."""
    full = (u @ np.kron(rho_s, eta) @ u.conj().T).reshape(4, 4, 4, 4)
    return np.einsum("iaja->ij", full), np.einsum("iaib->ab", full)


def numpy_trajectory(model: ch.CollisionModel, n: int) -> tuple[np.ndarray, np.ndarray]:
    """J_h(k), J_c(k) for k = 1..n with a plain numpy loop over the 16x16 joint state."""
    u = collision_unitary(model.gamma, model.delta)
    eta = np.kron(model.hot.state, model.cold.state)
    e_h, e_c = np.trace(_H_HOT @ eta).real, np.trace(_H_COLD @ eta).real
    rho = np.zeros((4, 4), dtype=complex)
    rho[3, 3] = 1.0
    j_h, j_c = np.empty(n), np.empty(n)
    for k in range(n):
        rho, anc = _numpy_collision(u, rho, eta)
        j_h[k] = np.trace(_H_HOT @ anc).real - e_h
        j_c[k] = np.trace(_H_COLD @ anc).real - e_c
    return j_h, j_c


def numpy_steady_current(gamma: float, phase_difference: float) -> float:
    """J_h^steady at one grid point: superoperator from 16 numpy collisions, eigenvector of eigenvalue 1."""
    model = fig2_model(phase_difference, gamma)
    u = collision_unitary(gamma, DELTA)
    eta = np.kron(model.hot.state, model.cold.state)
    phi = np.empty((16, 16), dtype=complex)
    for col in range(16):
        basis = np.zeros(16, dtype=complex)
        basis[col] = 1.0
        phi[:, col] = _numpy_collision(u, basis.reshape(4, 4), eta)[0].reshape(16)
    values, vectors = np.linalg.eig(phi)
    rho = vectors[:, np.argmin(np.abs(values - 1))].reshape(4, 4)
    rho = rho / np.trace(rho)
    rho = 0.5 * (rho + rho.conj().T)
    anc = _numpy_collision(u, rho, eta)[1]
    return float(np.trace(_H_HOT @ (anc - eta)).real)


def qutip_superoperator_steady_current(gamma: float, phase_difference: float) -> float:
    """J_h^steady at one grid point: numpy superoperator from 16 basis evolutions, QuTiP propagator_steadystate."""
    import qutip

    model = fig2_model(phase_difference, gamma)
    u = collision_unitary(gamma, DELTA)
    eta = np.kron(model.hot.state, model.cold.state)
    phi = np.empty((16, 16), dtype=complex)
    for col in range(16):  # QuTiP vectorises column by column (order="F")
        basis = np.zeros(16, dtype=complex)
        basis[col] = 1.0
        phi[:, col] = _numpy_collision(u, basis.reshape(4, 4, order="F"), eta)[0].reshape(16, order="F")
    superop = qutip.Qobj(phi, dims=[[[2, 2], [2, 2]], [[2, 2], [2, 2]]], superrep="super")
    rho = qutip.propagator_steadystate(superop).full()
    anc = _numpy_collision(u, rho, eta)[1]
    return float(np.trace(_H_HOT @ (anc - eta)).real)


# --- the benchmark ----------------------------------------------------------------------------


def grid_axes(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid's axes: ``size`` phase differences in [0, 2 pi] and ``size`` gammas in :data:`GAMMA_RANGE`."""
    return np.linspace(0, 2 * np.pi, size), np.linspace(*GAMMA_RANGE, size)


def direct_grid(size: int) -> np.ndarray:
    """J_h^steady on the size x size grid by ``ch.steady_heat_current`` (one batched solve); rows = phases."""
    phases, gammas = grid_axes(size)
    return ch.steady_heat_current(gammas[None, :], DELTA, T_HOT, T_COLD, P, phases[:, None], 0.0)


def _sweep_grid(size: int):
    phases, gammas = grid_axes(size)
    base = fig2_model(0.0)
    return sweep({"phase_difference": phases, "gamma": gammas}, base=base, conductance=False, progress=False)


def time_per_point(
    peer: Callable[[float, float], float], size: int, budget: float, rng: np.random.Generator, reference: np.ndarray
) -> tuple[float, str]:
    """Time ``peer`` on the grid (or a seeded subsample within ``budget`` s); check it against ``reference``."""
    phases, gammas = grid_axes(size)
    points = [(i, j) for i in range(size) for j in range(size)]
    start = time.perf_counter()
    i, j = points[len(points) // 3]
    first = peer(gammas[j], phases[i])
    per_point = time.perf_counter() - start
    assert abs(first - reference[i, j]) < STEADY_AGREEMENT, (first, reference[i, j])
    n_sample = len(points) if per_point * len(points) <= budget else max(20, int(budget / per_point))
    sample = points if n_sample >= len(points) else [points[k] for k in rng.choice(len(points), n_sample, replace=False)]
    start = time.perf_counter()
    worst = 0.0
    for i, j in sample:
        worst = max(worst, abs(peer(gammas[j], phases[i]) - reference[i, j]))
    elapsed = time.perf_counter() - start
    assert worst < STEADY_AGREEMENT, worst
    if len(sample) == len(points):
        return elapsed, f"all {len(points)} points; max |dJ| = {worst:.1e}"
    return elapsed * len(points) / len(sample), f"extrapolated from {len(sample)} random points; max |dJ| = {worst:.1e}"


def trajectory_rows(ns=(100, 1000, 1500, 10000), repeats: int = 3) -> list[Row]:
    """Direct engine vs QuTiP loop and numpy loop for n collisions (Fig. 2 model, phase 5pi/4)."""
    model = fig2_model()
    rows = []
    for n in ns:
        traj = ch.simulate(model, n)
        for name, peer in (
            ("QuTiP loop (tensor/ptrace)", qutip_trajectory),
            ("numpy loop (16x16 joint state)", numpy_trajectory),
        ):
            t_peer = math.inf
            for _ in range(1 if n >= 10000 else repeats):  # the peer's first run is also the one checked
                start = time.perf_counter()
                j_h, j_c = peer(model, n)
                t_peer = min(t_peer, time.perf_counter() - start)
            worst = max(np.abs(j_h - traj.heat_hot).max(), np.abs(j_c - traj.heat_cold).max())
            assert worst < TRAJECTORY_AGREEMENT, (name, n, worst)
            t_engine = time_call(lambda n=n: ch.simulate(model, n), repeats=repeats)
            rows.append(
                Row(
                    "trajectory",
                    f"{n}-collision trajectory",
                    n,
                    "circuitheat direct",
                    name,
                    t_engine,
                    t_peer,
                    f"max |dJ| = {worst:.1e}",
                )
            )
    return rows


#: Per-point peers of the steady-state grids: (name in the tables, function of (gamma, phase difference)).
GRID_PEERS = (
    ("QuTiP propagator_steadystate per point (Kraus, kraus_to_super)", qutip_steady_current),
    ("QuTiP propagator_steadystate per point (numpy superoperator)", qutip_superoperator_steady_current),
    ("numpy eig per point (16x16 joint-state loop)", numpy_steady_current),
)


def grid_rows(sizes=(11, 51, 201), budget: float = 8.0, repeats: int = 3, seed: int = 8) -> list[Row]:
    """Steady J_h on size x size grids of (phase difference, gamma): batched solve vs per-point peers."""
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        reference = direct_grid(size)
        t_direct = time_call(lambda size=size: direct_grid(size), repeats=repeats)
        t_sweep = time_call(lambda size=size: _sweep_grid(size), repeats=repeats)
        np.testing.assert_allclose(_sweep_grid(size)["heat_hot"].values, reference, atol=1e-13, rtol=0)
        for name, peer in GRID_PEERS:
            t_peer, note = time_per_point(peer, size, budget, rng, reference)
            case = f"{size}x{size} steady-state grid"
            rows.append(Row("grid", case, size * size, "circuitheat steady_heat_current (batched)", name, t_direct, t_peer, note))
            rows.append(Row("grid", case, size * size, "circuitheat sweep()", name, t_sweep, t_peer, note))
    return rows


def run(quick: bool = False) -> list[Row]:
    """All rows; ``quick`` uses small sizes (a smoke test, not a measurement)."""
    if quick:
        return trajectory_rows(ns=(100, 1500), repeats=1) + grid_rows(sizes=(11, 21), budget=1.0, repeats=1)
    return trajectory_rows() + grid_rows()


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(
            f"{row.case:32s} {row.engine:42s} {row.t_engine:10.4g} s | {row.peer:46s} {row.t_peer:10.4g} s "
            f"| x{row.ratio:8.1f} | {row.note}"
        )
