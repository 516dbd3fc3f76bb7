# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The collision model and the direct engine
#
# This notebook introduces the model of *Heat transport between two nonthermal reservoirs
# in a collision model* (equation numbers are the paper's) and the package's exact
# "direct" engine. By the end you will have reproduced the paper's Fig. 2: the heat
# current flowing into the hot reservoir, collision by collision, for reservoirs with and
# without coherence, and its steady state.
#
# **What a collision model is.** An open quantum system (here two qubits $S_A$, $S_B$)
# does not interact with a reservoir all at once. The reservoir is a stream of small,
# identical, uncorrelated units — *ancillas*, here qubits — and the system meets them
# one at a time. Each meeting ("collision") is a short unitary interaction, after which
# the ancilla leaves and never returns. Because every collision meets a *fresh* ancilla,
# the system's evolution is a repeated application of one fixed quantum channel, and the
# energy that each ancilla carries away is exactly the heat exchanged with the reservoir
# in that collision (Appendix A).
#
# Conventions used throughout (as in the paper): every qubit has $H = \frac{\omega}{2}\sigma_z$,
# so $|0\rangle$ is the **excited** level and $|1\rangle$ the ground level; $\omega = 1$
# sets the unit of energy and $k_B = \hbar = 1$.

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np

import circuitheat as ch
from circuitheat.channel import Channel
from circuitheat.paper import FIG2
from circuitheat.plotting.paper import plot_fig2
from circuitheat.reproduce.figures import fig2_data
from circuitheat.states import ancilla_state

# %% [markdown]
# ## 1. Reservoirs with coherence (Eqs. 12–13)
#
# A thermal ancilla at temperature $T$ is $\rho_\beta = e^{-\beta H}/Z$ with
# $\beta = 1/T$: diagonal, with populations $e^{\mp\beta\omega/2}/Z$ of $|0\rangle$
# (excited) and $|1\rangle$ (ground). The paper mixes it with a pure state that has the
# *same* populations but a definite relative phase $\phi$,
#
# $$\rho_{coh} = p\,|\psi\rangle\langle\psi| + (1-p)\,\rho_\beta = \rho_\beta + p\,\rho_{non},
# \qquad |\psi\rangle = \tfrac{1}{\sqrt Z}\big(e^{-\omega\beta/4}|0\rangle + e^{i\phi+\omega\beta/4}|1\rangle\big)
# \qquad\text{(Eqs. 12, 13)}.$$
#
# As a matrix in $\{|0\rangle, |1\rangle\}$:
# $\rho_{coh} = \frac1Z\begin{pmatrix} e^{-\beta\omega/2} & p\,e^{-i\phi} \\ p\,e^{i\phi} & e^{\beta\omega/2}\end{pmatrix}$.
# The diagonal is thermal, so $T$ is an *effective* temperature; $p \in [0, 1]$ sets the
# size of the coherence $p/Z$ and $\phi$ its phase. In the package, $p$ is called
# `coherence`.

# %%
hot = ch.Reservoir(temperature=2.0, coherence=0.8, phase=5 * math.pi / 4)
thermal = ch.Reservoir(temperature=2.0)  # p = 0
np.set_printoptions(precision=4, suppress=True)
print("coherent ancilla (T=2, p=0.8, phi=5pi/4):\n", hot.state)
print("thermal ancilla  (T=2, p=0):\n", thermal.state)
print("same diagonal:", np.allclose(np.diag(hot.state), np.diag(thermal.state)))
z = 2 * math.cosh(0.5 / 2.0)
print(f"|off-diagonal| = {abs(hot.state[0, 1]):.6f}  vs  p/Z = {0.8 / z:.6f}")
print("eigenvalues (a valid state: both >= 0):", np.linalg.eigvalsh(hot.state))

# %% [markdown]
# The coherence $p/Z$ grows with $T$ (because $Z$ falls towards 2), while the
# population difference $\tanh(\beta\omega/2)$ shrinks. This competition is behind the
# high-temperature behaviour in Sec. V (Fig. 5).

# %%
temps = np.linspace(0.05, 5, 200)
rho = ancilla_state(temps, 0.8, 0.0)  # vectorised: one 2x2 state per temperature
fig, ax = plt.subplots(figsize=(5.5, 3.4), layout="constrained")
ax.plot(temps, (rho[:, 1, 1] - rho[:, 0, 0]).real, label=r"population difference $\rho_{11}-\rho_{00}$")
ax.plot(temps, np.abs(rho[:, 0, 1]), label=r"coherence $|\rho_{01}| = p/Z$ ($p=0.8$)")
ax.set_xlabel(r"effective temperature $T$")
ax.legend(frameon=False)
ax.set_title("Eq. (12): what the reservoir state looks like", fontsize=9)
plt.show()

# %% [markdown]
# ## 2. One collision (Eqs. 2–11)
#
# The interaction between a system qubit and an ancilla is the Heisenberg exchange of
# Eq. (1), which for a collision of duration $\tau$ is a *partial swap*
#
# $$U(\gamma) = \cos\gamma\,I + i\sin\gamma\,\mathrm{SWAP}\qquad(\text{Eqs. 2–3}),\qquad \gamma = 2g\tau,$$
#
# and $S_A$, $S_B$ interact through the same kind of gate $V(\delta)$ (Eq. 5). One step of
# the dynamics (Eq. 8) is: $V_{S_AS_B}(\delta)$, then $U_{S_AR^h}(\gamma)$ with a fresh hot
# ancilla, then $U_{S_BR^c}(\gamma)$ with a fresh cold ancilla. The system's new state is
# the partial trace over the two ancillas, and the heat current of Eqs. (10)–(11) is the
# energy change of the hot (cold) ancilla in its collision:
#
# $$J_h = \mathrm{Tr}\big[H(\tilde\eta^h - \eta^h)\big], \qquad J_c = \mathrm{Tr}\big[H(\tilde\eta^c - \eta^c)\big].$$
#
# **Sign convention: $J_h > 0$ means energy flows *into* the hot reservoir.**
#
# Let us first do one collision the slow, explicit way: build the 4-qubit state
# $\rho_S\otimes\eta^h\otimes\eta^c$ (qubit order $S_A, S_B, R^h, R^c$), apply the three
# gates, and take partial traces.

# %%
model = ch.CollisionModel(
    gamma=FIG2["gamma"],
    delta=FIG2["delta"],
    hot=ch.Reservoir(FIG2["t_hot"], FIG2["coherence"], 5 * math.pi / 4),
    cold=ch.Reservoir(FIG2["t_cold"], FIG2["coherence"], 0.0),
)
swap = np.eye(4)[[0, 2, 1, 3]]


def partial_swap(theta):
    """U(theta) = cos(theta) I + i sin(theta) SWAP (Eq. 3)."""
    return math.cos(theta) * np.eye(4) + 1j * math.sin(theta) * swap


def on_qubits(u, i, j, n=4):
    """The two-qubit gate u acting on qubits (i, j) of n, as a 2^n x 2^n matrix (qubit 0 leftmost)."""
    u = u.reshape(2, 2, 2, 2)
    full = np.eye(2**n).reshape([2] * (2 * n))
    # contract u's input legs with the output legs (i, j) of the identity
    out = np.moveaxis(np.tensordot(u, full, axes=([2, 3], [i, j])), [0, 1], [i, j])
    return out.reshape(2**n, 2**n)


unitary = (
    on_qubits(partial_swap(model.gamma), 1, 3)
    @ on_qubits(partial_swap(model.gamma), 0, 2)
    @ on_qubits(partial_swap(model.delta), 0, 1)
)
rho_s = np.diag([0, 0, 0, 1.0]).astype(complex)  # |11><11|: both system qubits in the ground state
total = unitary @ np.kron(rho_s, np.kron(model.hot.state, model.cold.state)) @ unitary.conj().T
t = total.reshape([2] * 8)  # indices: a b h c | a' b' h' c'
rho_s_after = np.einsum("abhcdehc->abde", t).reshape(4, 4)
eta_h_after = np.einsum("abhcabjc->hj", t)
eta_c_after = np.einsum("abhcabhd->cd", t)
h = 0.5 * np.diag([1.0, -1.0])
j_h_explicit = np.trace(h @ (eta_h_after - model.hot.state)).real
j_c_explicit = np.trace(h @ (eta_c_after - model.cold.state)).real
print(f"explicit collision: J_h = {j_h_explicit:+.6e}, J_c = {j_c_explicit:+.6e}")
print(
    "energy conservation (resonant swaps): change of system energy + J_h + J_c =",
    np.trace(np.kron(h, np.eye(2)) @ rho_s_after + np.kron(np.eye(2), h) @ rho_s_after).real
    - np.trace(np.kron(h, np.eye(2)) @ rho_s + np.kron(np.eye(2), h) @ rho_s).real
    + j_h_explicit
    + j_c_explicit,
)

# %% [markdown]
# ## 3. The direct engine: one collision is a 16×16 matrix
#
# Since every collision meets fresh ancillas in the same state, the map
# $\rho_S \mapsto \rho_S'$ is the *same* linear, completely positive, trace-preserving
# map $\Phi$ at every step: a $16\times16$ matrix acting on the 16 entries of $\rho_S$.
# Likewise, the energy the hot ancilla has after the collision is linear in $\rho_S$:
# $\mathrm{Tr}[H\tilde\eta^h] = \mathrm{Tr}[\rho_S G_h]$ for a fixed $4\times4$ observable
# $G_h$. So a whole trajectory is a sequence of matrix–vector products, and never
# touches the 64-dimensional (or, counting every ancilla, astronomically large) joint
# state. `Channel` holds $\Phi$, $G_h$ and $G_c$:

# %%
channel = Channel.from_model(model)
print("Phi:", channel.superoperator.shape)
rho_next = (channel.superoperator @ rho_s.reshape(16)).reshape(4, 4)
j_h, j_c = channel.heat_currents(rho_s)
print("max |rho_S' (channel) - rho_S' (explicit)| =", np.abs(rho_next - rho_s_after).max())
print(f"J_h: channel {float(j_h):+.6e}, explicit {j_h_explicit:+.6e}")
print(f"J_c: channel {float(j_c):+.6e}, explicit {j_c_explicit:+.6e}")

# %% [markdown]
# ## 4. A trajectory
#
# `ch.simulate(model, n)` applies $\Phi$ n times (in blocks of precomputed powers) and
# returns a frozen `Trajectory` with $J_h(k)$, $J_c(k)$ for collisions $k = 1..n$ and the
# system states. The paper starts from the ground state $|11\rangle$ (its Fig. 2),
# which is the default. Energy is conserved in every collision: the change of the
# system's energy plus the energy given to both ancillas is zero.

# %%
start = time.perf_counter()
traj = ch.simulate(model, n_collisions=1500)
print(f"1500 collisions in {1e3 * (time.perf_counter() - start):.1f} ms")
print("max |energy balance| per collision:", np.abs(traj.energy_balance).max())

fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
ax.plot(traj.collisions, traj.heat_hot, label=r"$J_h(n)$")
ax.plot(traj.collisions, traj.heat_cold, label=r"$J_c(n)$")
ax.axhline(0, color="0.6", lw=0.6)
ax.set_xlabel(r"$n$")
ax.set_ylabel(r"$J$")
ax.set_title(r"$p=0.8$, $\phi_h-\phi_c=5\pi/4$, $\gamma=\pi/32$, $\delta=\pi/4$, $T_h=2$, $T_c=1$", fontsize=9)
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# Two things stand out. Early on the currents oscillate: the system first charges up
# and exchanges energy back and forth with both reservoirs. Later, $J_h$ and $J_c$ settle
# to opposite constant values — and here $J_h > 0$: **in the steady state heat flows
# from the cold reservoir into the hot one**, although $T_h = 2 > T_c = 1$. The
# coherence of the reservoirs (the phase difference $\phi_h - \phi_c = 5\pi/4$) drives it.
# No law is broken: a reservoir with coherence is not a thermal state, and its
# effective temperature alone does not fix the direction of heat flow (Sec. IV).
#
# ## 5. The paper's Fig. 2
#
# Fig. 2 shows $J_h(n)$ for $p = 0.8$ and six phase differences, together with the thermal
# reservoirs ($p = 0$, dashed). `fig2_data` runs all seven trajectories and the exact
# steady states; `plot_fig2` draws them with the paper's inset, which magnifies the
# thermal, $0$ and $\pi$ curves.

# %%
data = fig2_data()
fig, ax = plt.subplots(figsize=(7.5, 5.0), layout="constrained")
plot_fig2(data, ax)
plt.show()
print(data.steady_hot.to_series())

# %% [markdown]
# Read it as the paper does (Sec. III):
#
# * thermal reservoirs (dashed): $J_h(n) < 0$ at every step — heat only ever leaves the hot reservoir;
# * with coherence, $J_h(n)$ oscillates between positive and negative values before it
#   settles; for $\phi_h - \phi_c = 0$ and $\pi$ heat even flows back into $R^h$ for a while (inset);
# * the steady $J_h$ is negative for $\phi_h - \phi_c \in \{0, \pi/4, \pi/2, \pi\}$ and
#   **positive** for $5\pi/4$ and $3\pi/2$;
# * the steady currents for $0$, $\pi$ and thermal are close but distinct:
#   $|J(0)| < |J(\pi)| < |J(\rho_\beta)|$ (the paper writes the chain without absolute values;
#   the currents are negative).
#
# ## 6. The steady state, exactly
#
# Rather than running long enough and hoping, the steady state is the fixed point
# $\Phi[\rho^*] = \rho^*$, one linear solve (`ch.steady_state`). The end of the
# trajectory converges to it, and in the steady state $J_h = -J_c$: whatever enters one
# reservoir leaves the other, since the system's energy no longer changes.

# %%
ss = ch.steady_state(model)
print(f"steady J_h = {ss.heat_hot:+.8e}, J_c = {ss.heat_cold:+.8e}, J_h + J_c = {ss.heat_hot + ss.heat_cold:.1e}")
print("|rho_S(n=1500) - rho*| =", np.abs(traj.system_states[-1] - ss.system_state).max())
print("|J_h(1500) - J_h^steady| =", abs(traj.heat_hot[-1] - ss.heat_hot))

# %% [markdown]
# Only the phase *difference* matters (Sec. III): shifting both phases by the same
# angle is a local rotation $e^{-i\alpha\sigma_z/2}$ of every qubit, which commutes with
# the swaps and with $H$.

# %%
shifted = ch.CollisionModel(
    gamma=model.gamma,
    delta=model.delta,
    hot=ch.Reservoir(2.0, 0.8, 5 * math.pi / 4 + 1.234),
    cold=ch.Reservoir(1.0, 0.8, 1.234),
)
print("J_h^steady with both phases shifted by 1.234:", ch.steady_state(shifted).heat_hot)

# %% [markdown]
# ## Checks on the physics

# %%
# one collision: the 16x16 channel equals the explicit 4-qubit computation (Eqs. 8-11)
assert np.abs(rho_next - rho_s_after).max() < 1e-14
assert abs(float(j_h) - j_h_explicit) < 1e-14 and abs(float(j_c) - j_c_explicit) < 1e-14
# energy conservation in every collision (resonant exchange interaction)
assert np.abs(traj.energy_balance).max() < 1e-12  # double-precision rounding over 1500 steps
# Eq. 12: same diagonal as the thermal state, coherence p/Z
assert np.allclose(np.diag(hot.state), np.diag(thermal.state)) and abs(abs(hot.state[0, 1]) - 0.8 / z) < 1e-15
# Fig. 2 / Sec. III: thermal current always out of the hot reservoir; reversed steady current for 5pi/4, 3pi/2
assert data.heat_hot.sel(case="thermal").max() < 0
steady = data.steady_hot
assert all(steady.sel(case=c) < 0 for c in ("0", "π/4", "π/2", "π", "thermal"))
assert all(steady.sel(case=c) > 0 for c in ("5π/4", "3π/2"))
assert data.heat_hot.sel(case="0").max() > 0 and data.heat_hot.sel(case="π").max() > 0  # backflow into R^h
assert abs(steady.sel(case="0")) < abs(steady.sel(case="π")) < abs(steady.sel(case="thermal"))  # inset ordering
# steady state: J_h = -J_c, reached by the trajectory, depends only on phi_h - phi_c
assert abs(ss.heat_hot + ss.heat_cold) < 1e-14
assert abs(traj.heat_hot[-1] - ss.heat_hot) < 1e-4 * abs(ss.heat_hot)
assert abs(ch.steady_state(shifted).heat_hot - ss.heat_hot) < 1e-14
print("all checks passed")
