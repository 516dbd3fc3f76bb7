# ---
# jupyter:
#   jupytext:
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
# # Entropy, heat and the second law with coherent reservoirs (Sec. IV)
#
# The system $S = S_AS_B$ starts uncorrelated from the ancillas, and each collision meets a
# fresh pair $\eta_j = \eta^h\otimes\eta^c$ in the state of Eq. (12),
# $\eta = \rho_\beta + p\,\rho_{non}$. System plus all ancillas evolve unitarily (Eq. 8), so
# after collision $k$ the system's entropy change splits exactly as (Eq. 16)
#
# $$\Delta S = S(\rho^S_k) - S(\rho^S_0) = \underbrace{D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes
#   \textstyle\bigotimes_{j\le k}\eta_j\big]}_{\Delta S_{ir}\ (20)}
#   + \underbrace{\textstyle\sum_{j\le k}\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]}_{\Delta S_{re}\ (17)},$$
#
# where $\tilde\eta_j$ is the state of ancilla pair $j$ right after its collision and
# $D(\rho_1\|\rho_2)=\mathrm{Tr}\rho_1\ln\rho_1-\mathrm{Tr}\rho_1\ln\rho_2$. The proof is two
# lines: unitarity gives $S(\rho^{tot}_k) = S(\rho^S_0)+\sum_j S(\eta_j)$, and
# $\ln(\rho^S\otimes\bigotimes\eta_j) = \ln\rho^S\otimes I + \sum_j I\otimes\ln\eta_j\otimes I$.
# The paper's printed signs in Eqs. (16)–(19) are consistent with this.
#
# Because $\ln(\eta^h\otimes\eta^c) = \ln\eta^h\otimes I + I\otimes\ln\eta^c$, the exchanged
# entropy splits into a hot and a cold part, $\Delta S_{re} = \Delta S_{re1}+\Delta S_{re2}$
# (Eqs. 22, 25). For a *thermal* ancilla $\ln\eta = -\beta H-\ln Z$, so
# $\Delta S_{re1} = -\beta_h\sum_j\Delta Q^h_j$ (Eq. 23) and $\Delta S_{re2} = -\beta_c\sum_j\Delta Q^c_j$
# (Eq. 26), where $\Delta Q^{h,c}_j = J_{h,c}(j)$ is the energy gained by that reservoir in
# collision $j$; for one temperature, $\Delta S_{re} = -\beta\sum\Delta Q^R = \beta\sum\Delta Q^S$
# (Eqs. 18, 19, 27). With coherence ($p\neq0$) the logarithm has a non-thermal part and
# Eqs. (23), (26) fail: entropy flow and heat flow are no longer tied together.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import circuitheat as ch
from circuitheat.plotting.entropy import plot_entropy_balance, plot_second_law
from circuitheat.thermo import entropy_balance, second_law_scan, steady_entropy_production


def fig2_model(phase_difference, coherence=0.8):
    """The paper's Fig. 2 parameters: gamma = pi/32, delta = pi/4, T_h = 2, T_c = 1."""
    hot = ch.Reservoir(temperature=2.0, coherence=coherence, phase=phase_difference)
    cold = ch.Reservoir(temperature=1.0, coherence=coherence, phase=0.0)
    return ch.CollisionModel(gamma=math.pi / 32, delta=math.pi / 4, hot=hot, cold=cold)


model = fig2_model(5 * math.pi / 4)

# %% [markdown]
# ## Eq. (16) checked on the full joint state
#
# For a few collisions the package builds the joint state of the system and every ancilla
# it has met (2 + 2k qubits, evolved gate by gate, mixed ancillas purified) and evaluates
# Eq. (20) directly: `production_joint`. The fast route, used for any n, is
# $\Delta S_{ir} = \Delta S - \Delta S_{re}$ with $\Delta S_{re}$ from each collision's
# two-ancilla marginal.

# %%
small = entropy_balance(model, 4)
print(f"{'k':>3} {'Delta S':>10} {'Delta S_re':>11} {'Delta S_ir':>11} {'D (joint)':>11}")
for k in range(4):
    print(
        f"{k + 1:>3} {small.delta_s[k]:>10.6f} {small.delta_s_re[k]:>11.6f} "
        f"{small.production[k]:>11.6f} {small.production_joint[k]:>11.6f}"
    )
print("largest |Delta S - (D + Delta S_re)|:", np.max(np.abs(small.delta_s - small.production_joint - small.delta_s_re)))

# %% [markdown]
# ## The balance over 1500 collisions
#
# At $\phi_h-\phi_c = 5\pi/4$ the steady heat current is reversed (energy flows from the cold
# into the hot reservoir, $J_h > 0$). The dotted lines are what Eqs. (23) and (26) would give
# for thermal reservoirs: the hot part misses by about 17 %, and the cold part even has the
# opposite sign — the cold reservoir gives energy to the system but receives entropy.

# %%
balance = entropy_balance(model, 1500)
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_entropy_balance(balance, ax=ax)
plt.show()
print(f"Delta S_re1 = {balance.delta_s_re_hot[-1]:.4f}   -beta_h Q_h = {balance.clausius_hot[-1]:.4f}   (Eq. 23)")
print(f"Delta S_re2 = {balance.delta_s_re_cold[-1]:.4f}   -beta_c Q_c = {balance.clausius_cold[-1]:.4f}   (Eq. 26)")
# one name, one meaning: heat_hot is the current J_h(k) of collision k, cumulative_heat_hot = Q_h(n) = sum_k J_h(k)
print(f"J_h(1500) = {balance.heat_hot[-1]:+.6f}   Q_h(1500) = {balance.cumulative_heat_hot[-1]:+.4f}")

# %% [markdown]
# For thermal reservoirs ($p = 0$) the same bookkeeping reproduces Eqs. (23) and (26) to
# rounding:

# %%
thermal = entropy_balance(fig2_model(0.0, coherence=0.0), 1500)
print("Eq. 23 residual:", np.max(np.abs(thermal.delta_s_re_hot - thermal.clausius_hot)))
print("Eq. 26 residual:", np.max(np.abs(thermal.delta_s_re_cold - thermal.clausius_cold)))

# %% [markdown]
# ## The reversed regime and the second law
#
# In the steady state $\rho^*$ the system entropy no longer changes, so per collision
# Eq. (16) gives $\sigma = \Delta S_{ir}\text{ per collision} = -\Delta S_{re}\text{ per collision}$.
# It is itself a relative entropy, $\sigma = D[\hat U(\rho^*\otimes\eta)\hat U^\dagger\,\|\,
# \rho^*\otimes\eta] \ge 0$. The Clausius-like quantity built from the *effective*
# temperatures, $\beta_hJ_h+\beta_cJ_c = J_h(\beta_h-\beta_c)$ in the steady state, is
# negative whenever $J_h>0$ with $T_h>T_c$. The difference is paid by the reservoirs'
# coherence: writing $\ln\eta = -\beta H - \ln Z + \Lambda$,
# $\sigma = \beta_hJ_h+\beta_cJ_c + C$ with $C = -\sum_r\mathrm{Tr}[(\tilde\eta^r-\eta^r)\Lambda_r]$.

# %%
r = steady_entropy_production(model)
print(f"J_h (per collision)            = {r.heat_hot:+.6f}   (> 0: cold -> hot)")
print(f"beta_h J_h + beta_c J_c        = {r.clausius:+.6f}")
print(f"entropy production sigma       = {r.production:+.6f}   (as a relative entropy: {r.production_local:+.6f})")
print(f"coherence term C = sigma - ... = {r.coherence_term:+.6f}")

scan = second_law_scan(model, np.linspace(0, 2 * np.pi, 181))
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_second_law(scan, ax=ax)
plt.show()

# %% [markdown]
# ## Beyond the paper: any network
#
# The same bookkeeping holds for any collision network (N sites, any reservoirs, any number of
# collisions per step): $j$ then runs over every ancilla met so far, and $\Delta S_{re}$ splits
# into one part per reservoir. Step by step, the entropy produced splits into information terms,
# $\sigma_k = I(S{:}A_k) + \big[\sum_c S(\tilde\eta_c) - S(\tilde\eta_{A_k})\big] + \sum_r D_r(k)$:
# the mutual information between the system and the step's ancillas $A_k$, the correlations among
# those ancillas, and the relative entropy $D_r = \sum_{c\in r} D[\tilde\eta_c\|\eta_r]$ of each
# reservoir's ancillas. For the three thermal reservoirs of an absorption refrigerator the steady
# production is the Clausius form $\sum_r\beta_rJ_r \ge 0$ (Eqs. 23 and 26 for three reservoirs).

# %%
fridge = ch.presets.absorption_refrigerator()
fridge_balance = entropy_balance(fridge, 200)
info = fridge_balance.mutual_information + fridge_balance.ancilla_correlation + sum(fridge_balance.relative_entropy.values())
print("largest |sigma_k - (I + correlations + sum_r D_r)|:", np.max(np.abs(fridge_balance.production_steps - info)))
fridge_steady = steady_entropy_production(fridge)
print("steady currents per step:", {r: round(j, 6) for r, j in fridge_steady.currents.items()})
print(f"sigma = {fridge_steady.production:.6f}   sum_r beta_r J_r = {fridge_steady.clausius:.6f}")

# %% [markdown]
# ## Checks
#
# The physics this notebook shows, as assertions: Eq. (16) on the joint state, the split
# of Eq. (17), the thermal Eqs. (23) and (26) and their failure with coherence, and the
# second law in the reversed regime.

# %%
assert np.max(np.abs(small.delta_s - small.production_joint - small.delta_s_re)) < 1e-10  # Eq. 16, joint state
assert np.max(np.abs(balance.delta_s_re - balance.delta_s_re_hot - balance.delta_s_re_cold)) < 1e-10  # Eqs. 17, 22, 25
assert np.max(np.abs(thermal.delta_s_re_hot - thermal.clausius_hot)) < 1e-10  # Eq. 23, thermal
assert np.max(np.abs(thermal.delta_s_re_cold - thermal.clausius_cold)) < 1e-10  # Eq. 26, thermal
assert abs(balance.delta_s_re_hot[-1] - balance.clausius_hot[-1]) > 1.0  # Eq. 23 fails with coherence
assert np.all(balance.production >= -1e-12) and np.all(balance.production_steps >= -1e-12)  # Eq. 20 >= 0
assert r.heat_hot > 0 and r.clausius < 0 < r.production  # reversed current, Clausius form negative, sigma >= 0
assert abs(r.production - r.production_local) < 1e-12
heat_hot, clausius, production = (np.asarray(scan[k]) for k in ("heat_hot", "clausius", "production"))
assert np.all(production >= -1e-12)
assert np.array_equal(clausius < 0, heat_hot > 0)
assert np.max(np.abs(fridge_balance.production_steps - info)) < 1e-10  # information terms add up to sigma_k
assert abs(fridge_steady.production - fridge_steady.clausius) < 1e-12 and fridge_steady.production > 0  # thermal: Clausius
