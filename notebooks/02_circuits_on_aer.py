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
# # The collision model as Qiskit circuits on Aer
#
# The paper's collision model (Sec. II) is a sequence of two-qubit gates: at every
# step the system qubits $S_A, S_B$ interact through $V(\delta)$, then $S_A$ collides
# with a fresh ancilla $R^h$ of the hot reservoir and $S_B$ with a fresh ancilla $R^c$
# of the cold one (Eq. 8),
#
# $$\rho^S_{n+1} = \mathrm{Tr}_{R^hR^c}\big[U_{S_BR^c}(\gamma)\,U_{S_AR^h}(\gamma)\,V_{S_AS_B}(\delta)
#   \,(\rho^S_n\otimes\eta^h\otimes\eta^c)\,\cdots^\dagger\big],$$
#
# with the partial swap $U(\theta) = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}$ (Eqs. 2–5).
# This notebook builds that protocol as Qiskit circuits (`circuitheat.circuits`), runs
# it on Aer's density-matrix simulator (`engine="aer"`) and checks it against the direct
# matrix engine.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from qiskit import QuantumCircuit
from qiskit.quantum_info import DensityMatrix, Operator, partial_trace

import circuitheat as ch
from circuitheat.circuits import (
    QUBIT_ROLES,
    PartialSwapGate,
    ancilla_preparation,
    collision_block,
    collision_circuit,
)

# %% [markdown]
# ## 1. The partial swap as a Qiskit gate
#
# Qiskit's two-qubit rotations are $R_{PP}(\phi) = e^{-i\phi\,P\otimes P/2}$ for
# $P = X, Y, Z$. The three products $XX$, $YY$, $ZZ$ commute with each other, and on two
# qubits
#
# $$XX + YY + ZZ = 2\,\mathrm{SWAP} - I .$$
#
# Hence $R_{XX}(-\theta)R_{YY}(-\theta)R_{ZZ}(-\theta) = e^{i\theta(XX+YY+ZZ)/2}
# = e^{-i\theta/2}\,e^{i\theta\,\mathrm{SWAP}}$, and since $\mathrm{SWAP}^2 = I$,
# $e^{i\theta\,\mathrm{SWAP}} = \cos\theta\,I + i\sin\theta\,\mathrm{SWAP}$, which is
# $U(\theta)$ of Eq. 2. `PartialSwapGate(θ)` is defined as exactly that, with the global
# phase $\theta/2$ put back, so its `Operator` *is* $U(\theta)$, phase included.

# %%
paulis = {p: Operator.from_label(p + p).data for p in "XYZ"}
swap = np.eye(4)[[0, 2, 1, 3]]
identity_error = np.abs(paulis["X"] + paulis["Y"] + paulis["Z"] - (2 * swap - np.eye(4))).max()
print("max |XX + YY + ZZ - (2 SWAP - I)| =", identity_error)

theta = math.pi / 32
gate = PartialSwapGate(theta)
print(gate)
print(gate.definition.draw("text"))
gate_error = np.abs(Operator(gate.definition).data - (math.cos(theta) * np.eye(4) + 1j * math.sin(theta) * swap)).max()
print("max |Operator(definition) - U(theta)| =", gate_error)

# %% [markdown]
# ## 2. Preparing an ancilla in the reservoir state (Eq. 12)
#
# Every ancilla starts in $\eta = \frac1Z\begin{pmatrix}e^{-\beta\omega/2} & p\,e^{-i\phi}\\
# p\,e^{i\phi} & e^{\beta\omega/2}\end{pmatrix}$ — thermal populations at the effective
# temperature $T$ plus coherence $p$ with phase $\phi$ (|0⟩ is the excited level).
# The circuits reuse the same ancilla qubit at every collision: **reset**, then
# re-prepare. Two preparations are available:
#
# * `"channel"`: reset, then the exact replacement channel $\sigma\mapsto\eta$ as a Kraus
#   instruction — 1 qubit per reservoir, simulation only;
# * `"purification"`: reset an ancilla and a partner qubit, then
#   $R_Y(\theta_T)$ on the ancilla, a controlled-$R_Y(\theta_p)$ onto the partner and a phase
#   gate $P(\phi)$. With $\cos(\theta_T/2) = \sqrt{\rho_{00}}$ and $\cos(\theta_p/2) = p$ the
#   ancilla's reduced state is exactly $\eta$: the partner states attached to $|0\rangle$ and
#   $|1\rangle$ overlap by $p$, which scales the coherence $1/Z$ of the pure state down to $p/Z$.
#   Standard gates only, so it runs on hardware (and is what the OpenQASM exports use).

# %%
hot = ch.Reservoir(temperature=2.0, coherence=0.8, phase=math.pi)
cold = ch.Reservoir(temperature=1.0, coherence=0.8, phase=0.0)
prep = ancilla_preparation(hot, "purification")
print(prep.definition.draw("text"))

prep_errors = {}
for method in ("channel", "purification"):
    inst = ancilla_preparation(hot, method)
    qc = QuantumCircuit(inst.num_qubits)
    qc.append(inst, range(inst.num_qubits))
    state = DensityMatrix(qc)
    if inst.num_qubits == 2:
        state = partial_trace(state, [1])
    prep_errors[method] = np.abs(state.data - hot.state).max()
print("max |prepared - Eq. 12|:", prep_errors)

# %% [markdown]
# ## 3. One collision, and the whole protocol
#
# One collision block: re-prepare both ancillas, then $V(\delta)$, $U(\gamma)$ on
# $S_A$–$R^h$ and $U(\gamma)$ on $S_B$–$R^c$. The qubit order is fixed once for the whole
# package (`circuitheat.circuits.QUBIT_ROLES`):

# %%
print(QUBIT_ROLES)
model = ch.CollisionModel(gamma=math.pi / 32, delta=math.pi / 4, hot=hot, cold=cold)  # Fig. 2, phi_h - phi_c = pi
print(collision_block(model).draw("text"))

# %% [markdown]
# The protocol appends that block (built once) $n$ times to the same qubits. Each
# ancilla can be measured right after its collision and before its reset: it never
# interacts again, so the measurement does not disturb the system's averaged state, and
# the record of one circuit gives $J_h(k)$ for every $k$. Here two collisions, with the
# Aer save instructions left out:

# %%
print(collision_circuit(model, 2, save=None, measure=True).draw("text", fold=-1))

# %% [markdown]
# ## 4. Both engines, side by side
#
# `simulate(model, n, engine="aer")` runs the whole trajectory as **one** circuit on
# `AerSimulator(method="density_matrix")`, saving the two-qubit system state and the
# two-ancilla state after every collision; $J_h(k)$ and $J_c(k)$ are the energy changes of
# the $k$-th ancillas (Eqs. 10–11). `engine="direct"` iterates the exact 16×16 one-collision
# map. Fig. 2 parameters, from $|11\rangle$:

# %%
n = 1500
cases = {r"$p=0.8,\ \Delta\phi=0$": 0.0, r"$p=0.8,\ \Delta\phi=\pi$": math.pi, r"$p=0$ (thermal)": None}
fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
max_error = 0.0
runs = {}
for (label, dphi), color in zip(cases.items(), ("C0", "C1", "k"), strict=True):
    p = 0.0 if dphi is None else 0.8
    m = ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, p, dphi or 0.0), ch.Reservoir(1.0, p, 0.0))
    direct = ch.simulate(m, n, engine="direct")
    aer = ch.simulate(m, n, engine="aer")
    runs[dphi] = aer
    error = np.abs(aer.heat_hot - direct.heat_hot)
    max_error = max(max_error, error.max(), np.abs(aer.system_states - direct.system_states).max())
    ax.plot(direct.collisions, direct.heat_hot, color=color, lw=1.2, label=f"direct, {label}")
    ax.plot(aer.collisions[::7], aer.heat_hot[::7], "o", color=color, ms=3, mfc="none", label=f"Aer, {label}")
    ax_err.semilogy(aer.collisions, np.maximum(error, 1e-18), color=color, lw=0.8, label=label)
ax.axhline(0, color="0.6", lw=0.6)
ax.set_xlim(0, 300)
ax.set_xlabel("collision $n$")
ax.set_ylabel(r"$J_h(n)$")
ax.set_title(r"Fig. 2 parameters ($\gamma=\pi/32$, $\delta=\pi/4$, $T_h=2T_c=2$), first 300 collisions", fontsize=9)
ax.legend(fontsize=7, ncol=2)
ax_err.axhline(1e-10, color="r", ls="--", lw=0.8, label="tolerance $10^{-10}$")
ax_err.set_xlabel("collision $n$")
ax_err.set_ylabel(r"$|J_h^{\rm Aer}(n) - J_h^{\rm direct}(n)|$")
ax_err.set_title(f"engine difference, all {n} collisions", fontsize=9)
ax_err.legend(fontsize=7)
plt.show()
print(f"max |Aer - direct| over {n} collisions and three models: {max_error:.2e}")

# %% [markdown]
# The purification preparation simulates two more qubits (six instead of four) and
# gives the same trajectory:

# %%
purified = ch.simulate(model, 200, engine="aer", preparation="purification")
reference = ch.simulate(model, 200)
purification_error = np.abs(purified.heat_hot - reference.heat_hot).max()
print(f"max |J_h(purification) - J_h(direct)| = {purification_error:.2e}")
# After 1500 collisions the Delta phi = pi current has settled at the exact steady value,
# with J_h = -J_c (Sec. III).
steady = ch.steady_state(model)
print(f"Aer J_h({n}) = {runs[math.pi].heat_hot[-1]:.6e}, J_c({n}) = {runs[math.pi].heat_cold[-1]:.6e}")
print(f"exact steady state: J_h = {steady.heat_hot:.6e}")

# %% [markdown]
# ## Checks

# %%
assert identity_error < 1e-15  # XX + YY + ZZ = 2 SWAP - I
assert gate_error < 1e-13  # Operator(PartialSwapGate) = U(theta) of Eq. 2, phase included
assert max(prep_errors.values()) < 1e-12  # both preparations give Eq. 12
assert max_error < 1e-10  # Aer and direct engines agree at every collision
assert purification_error < 1e-10
assert np.abs(purified.energy_balance).max() < 1e-10  # resonant collisions conserve energy (Sec. II)
# Thermal reservoirs: heat flows out of the hot reservoir at every step (Fig. 2, dashed line).
assert np.all(runs[None].heat_hot < 0)
# Coherent reservoirs with Delta phi = pi: J_h changes sign early on (Fig. 2) ...
assert runs[math.pi].heat_hot.max() > 0 > runs[math.pi].heat_hot.min()
# ... and reaches the exact steady state, J_h = -J_c (Sec. III), within 1e-6 after 1500 collisions
# (observed difference 6e-8; the approach is geometric).
assert abs(runs[math.pi].heat_hot[-1] - steady.heat_hot) < 1e-6
assert abs(runs[math.pi].heat_hot[-1] + runs[math.pi].heat_cold[-1]) < 1e-6
