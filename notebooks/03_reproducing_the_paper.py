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
# # Reproducing the paper: Figs. 3–5, Eqs. 14, 15, 31, 32, the conductance and the critical coherence
#
# Notebook 01 built the collision model and reproduced Fig. 2 (the heat current collision
# by collision). Here we go through the rest of the paper's results, each time comparing
# the exact computation with what the paper prints. Everything below uses the exact
# steady state (the fixed point of the one-collision map $\Phi$, one linear solve) and,
# for Sec. V, its exact derivative with respect to the temperature difference.
#
# The command `circuitheat reproduce --out DIR` does all of this in one go and writes the
# figures and a `report.md`/`report.json` table; the last section shows that table.
#
# Parameters throughout (the paper's): $p = 0.8$, $\delta = \pi/4$, $T_h = 2T_c = 2$,
# $\omega = 1$, and $\gamma = \pi/32$ unless said otherwise. $J_h > 0$ means heat flows
# **into** the hot reservoir.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import circuitheat as ch
from circuitheat.paper import EQ31, EQ32, FIG2, FIG3_AXIS_LIMITS, P_CRITICAL_PARTIAL_SWAP
from circuitheat.plotting.paper import plot_fig3, plot_fig4, plot_fig5, set_phase_axis
from circuitheat.reproduce import FigureData, run_checks
from circuitheat.reproduce.figures import fig2_data, fig3_data, fig4_data, fig5_data
from circuitheat.reproduce.report import format_value

P, DELTA, TH, TC = FIG2["coherence"], FIG2["delta"], FIG2["t_hot"], FIG2["t_cold"]

# %% [markdown]
# ## 1. The complete swap: Eq. (14)
#
# For $\gamma = \pi/2$ each system qubit *swaps* its state with the incoming ancilla, and
# the paper solves the steady state in closed form (Eq. 14):
#
# $$J_h^{steady} = \underbrace{\frac{\sin^2\delta\,(e^{\beta_h}-e^{\beta_c})}{(1+e^{\beta_h})(1+e^{\beta_c})}}_{J_\beta}
#   \;\underbrace{-\;\frac{p^2\sin 2\delta\; e^{(\beta_h+\beta_c)/2}}{(1+e^{\beta_h})(1+e^{\beta_c})}
#   \,\sin(\phi_h-\phi_c)}_{J_{coh}} .$$
#
# $J_\beta$ is the thermal part: negative whenever $T_h > T_c$ (heat leaves the hot
# reservoir). $J_{coh}$ comes from the reservoirs' coherence; it is positive for
# $\phi_h - \phi_c \in (\pi, 2\pi)$, and when it beats $|J_\beta|$ the steady current is
# reversed. We compare the engine with Eq. (14) over a full period of the phase difference.

# %%
dphi = np.linspace(0, 2 * math.pi, 721)
engine = ch.steady_heat_current(math.pi / 2, DELTA, TH, TC, P, dphi, 0.0)
closed = ch.steady_heat_current_full_swap(DELTA, TH, TC, P, dphi)
j_beta = ch.steady_heat_current_full_swap(DELTA, TH, TC, 0.0, 0.0)
print("max |engine - Eq. 14| =", np.abs(engine - closed).max())

fig, ax = plt.subplots(figsize=(6.0, 3.6), layout="constrained")
ax.plot(dphi, engine, lw=3, alpha=0.4, label="engine (fixed point)")
ax.plot(dphi, closed, "k--", lw=1, label="Eq. (14)")
ax.axhline(float(j_beta), color="tab:red", lw=0.8, label=r"$J_\beta$ (thermal part)")
ax.axhline(0, color="0.6", lw=0.6)
set_phase_axis(ax)
ax.set_xlabel(r"$\phi_h-\phi_c$")
ax.set_ylabel(r"$J_h^{steady}$")
ax.set_title(r"$\gamma=\pi/2$, $p=0.8$, $\delta=\pi/4$, $T_h=2$, $T_c=1$", fontsize=9)
ax.legend(frameon=False, fontsize=8)
plt.show()

# %% [markdown]
# ## 2. Fig. 3: weaker collisions
#
# For a partial swap ($\gamma < \pi/2$) there is no closed form, but the fixed point is
# still exact. Fig. 3 shows $J_h^{steady}$ against the phase difference for
# $\gamma = \pi/2, \pi/4, \pi/12, \pi/32$; the y-axes below are the paper's printed ranges
# ($\pm0.2, \pm0.14, \pm0.05, \pm0.018$). As $\gamma$ decreases the curve moves *up* as a
# whole: the thermal part shrinks faster than the coherent part, so the window of reversed
# (shaded) current widens — at $\gamma = \pi/32$ it covers almost all of $(\pi, 2\pi)$.

# %%
f3 = fig3_data(721)
fig = plt.figure(figsize=(8.0, 6.0), layout="constrained")
plot_fig3(f3, fig)
plt.show()
extremes = np.abs(f3).max("phase_difference")
for gamma, limit in FIG3_AXIS_LIMITS.items():
    e = float(extremes.sel(gamma=gamma))
    print(f"gamma = {gamma:.5f}: max |J| = {e:.5f}, printed axis limit {limit}, ratio {e / float(limit):.3f}")
print("mean over the phase, by gamma:", f3.mean("phase_difference").values)

# %% [markdown]
# ## 3. How much coherence does a reversal need? Eq. (15) and $p_c \approx 0.155$
#
# Setting Eq. (14) to zero gives the critical coherence at the complete swap,
#
# $$p_c = \sqrt{\frac{\tan\delta\,(e^{\beta_h}-e^{\beta_c})}{2e^{(\beta_h+\beta_c)/2}\sin(\phi_h-\phi_c)}}\qquad\text{(Eq. 15)},$$
#
# real for $\phi_h - \phi_c \in (\pi, 2\pi)$ and smallest at $3\pi/2$. Below $p_c$ no phase
# reverses the current. `ch.critical_coherence` finds the smallest $p$ for which *some*
# phase gives $J_h^{steady} > 0$, for any $\gamma$: it brackets the first root of
# $f(p) = \max_{\phi} J_h^{steady}(p, \phi)$ and refines it with Brent's method.

# %%
p_c_eq15 = float(ch.critical_coherence_full_swap(DELTA, TH, TC, 3 * math.pi / 2))
p_c_full = ch.critical_coherence(math.pi / 2, DELTA, TH, TC)
print(f"gamma = pi/2: min over phase of Eq. 15 = {p_c_eq15:.10f}; critical_coherence = {p_c_full:.10f}")
j_at_pc = ch.steady_heat_current(math.pi / 2, DELTA, TH, TC, p_c_eq15, 3 * math.pi / 2, 0.0)
print("engine J_h^steady at p = p_c, phase 3pi/2:", float(j_at_pc))

p_c = ch.critical_coherence(FIG2["gamma"], DELTA, TH, TC)
print(f"gamma = pi/32: p_c = {p_c:.6f}; the paper prints p ≈ {P_CRITICAL_PARTIAL_SWAP.printed}")

ps = np.linspace(0, 0.4, 161)
phases = np.linspace(0, 2 * math.pi, 512, endpoint=False)
best = ch.steady_heat_current(FIG2["gamma"], DELTA, TH, TC, ps[:, None], phases[None, :], 0.0).max(axis=1)
fig, ax = plt.subplots(figsize=(5.6, 3.4), layout="constrained")
ax.plot(ps, best)
ax.axhline(0, color="0.6", lw=0.6)
ax.axvline(p_c, color="tab:red", lw=0.8, label=rf"$p_c = {p_c:.4f}$ (computed)")
ax.axvline(P_CRITICAL_PARTIAL_SWAP.value, color="k", ls=":", lw=0.8, label=r"paper: $p\approx 0.155$")
ax.set_xlabel(r"$p$")
ax.set_ylabel(r"$\max_{\phi_h-\phi_c} J_h^{steady}$")
ax.set_title(r"$\gamma=\pi/32$, $\delta=\pi/4$, $T_h=2$, $T_c=1$", fontsize=9)
ax.legend(frameon=False, fontsize=8)
plt.show()

# %% [markdown]
# The computed critical coherence is $0.1563$; the paper prints $p \approx 0.155$. With
# the usual reading of a printed number (correct to $\pm1$ in its last digit) this is a
# small disagreement, and `circuitheat reproduce` reports it as a failed row rather than
# widening the tolerance. It is not a finite-run effect: at $p = 0.155$ no phase gives a
# positive $J_h$ even at collision 1500 (see the report's note on that row).
#
# ## 4. Small temperature differences: Eqs. (30)–(32)
#
# Sec. V sets $T_{h,c} = T \pm \Delta T/2$ and expands for small $\Delta T$:
#
# $$J_h^{steady} = -\lambda\,\Delta T + c \qquad\text{(Eq. 30)}.$$
#
# $c$ is the current with *no* temperature difference at all — driven purely by the
# coherence — and $\lambda$ plays the role of a conductance. `ch.linear_response` computes
# both exactly: $c$ from the fixed point at $\Delta T = 0$, $\lambda$ from the derivative of
# the fixed point (one more linear solve with the same matrix; no finite differences).
# The paper prints them for $T = 1$ (Eqs. 31, 32):

# %%
rows = []
for table, eq in ((EQ31, "Eq. 31"), (EQ32, "Eq. 32")):
    for phase, refs in table.items():
        lam, c = ch.linear_response(FIG2["gamma"], DELTA, 1.0, P, phase)
        rows.append(
            {
                "eq": eq,
                "phi_h-phi_c": f"{phase / math.pi:g}π",
                "lambda (paper)": refs["lambda"].printed,
                "lambda": float(lam),
                "c (paper)": refs["c"].printed if "c" in refs else "0",
                "c": float(c),
            }
        )
table = pd.DataFrame(rows)
print(table.to_string(index=False))

# %% [markdown]
# Every value agrees with the paper to its last printed digit. A direct check of
# linearity: the steady current at small $\Delta T$ against $-\lambda\Delta T + c$. What is
# left over is the second-order term: it drops fourfold when $\Delta T$ halves.

# %%
remainders = {}
for phase in (math.pi / 4, 5 * math.pi / 4):
    lam, c = ch.linear_response(FIG2["gamma"], DELTA, 1.0, P, phase)
    for d_t in (0.01, 0.005):
        j = ch.steady_heat_current(FIG2["gamma"], DELTA, 1 + d_t / 2, 1 - d_t / 2, P, phase, 0.0)
        remainders[phase, d_t] = abs(float(j - (-lam * d_t + c)))
        print(f"phi = {phase / math.pi:g} pi, dT = {d_t}: |J - (-lambda dT + c)| = {remainders[phase, d_t]:.3e}")

# %% [markdown]
# ## 5. Conductance: Fig. 4 and Appendix B
#
# Where $c = 0$ — thermal reservoirs, or $\phi_h - \phi_c \in \{0, \pi\}$ — Eq. (30) is
# Fourier's law $J_h = -\kappa\Delta T$ (Eq. 29) and $\lambda$ is the conductance $\kappa$.
# For thermal reservoirs the paper gives $\kappa(T)$ in closed form (Eq. B1) and its
# high-temperature limit $\propto 1/T^2$ (Eq. B2). Fig. 4 compares the three cases:
# $\kappa(0) < \kappa(\pi) < \kappa(\rho_\beta)$ at every $T$, and each rises, peaks near
# $T \approx 0.4$–$0.45$, then falls.

# %%
f4 = fig4_data(np.linspace(0.05, 3, 600))
fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
plot_fig4(f4, ax)
plt.show()
t = f4.temperature.values
b1 = ch.conductance_thermal(FIG2["gamma"], DELTA, t)
print("max relative |kappa_engine / B1 - 1| =", np.abs(f4.sel(case="thermal").values / b1 - 1).max())
for temp in (10.0, 100.0, 1000.0):
    ratio = ch.conductance_thermal_high_temperature(FIG2["gamma"], DELTA, temp) / ch.conductance_thermal(
        FIG2["gamma"], DELTA, temp
    )
    print(f"T = {temp:6g}: B2/B1 - 1 = {ratio - 1:.3e}   (T^2 times it: {(ratio - 1) * temp**2:.4f})")
peaks = {str(case): float(t[int(np.argmax(f4.sel(case=case).values))]) for case in f4.case.values}
print("peak temperatures (grid):", peaks)

# %% [markdown]
# B2 approaches B1 with a relative error that falls as $1/T^2$ — it is the leading
# high-temperature term. At $\gamma = \pi/2$ the expansion of Eq. (14) gives Eq. (33),
# $\lambda_1 = \frac{\sin^2\delta}{4T^2}\mathrm{sech}^2\frac{1}{2T}$, independent of $p$ and
# the phase; the partial swap is what makes $\kappa$ depend on the coherence in Fig. 4.

# %%
lam_full, c_full = ch.linear_response(math.pi / 2, DELTA, t, P, math.pi / 4)
lam1, c1 = ch.linear_response_full_swap(DELTA, t, P, math.pi / 4)
print("gamma = pi/2: max |lambda - lambda_1| =", np.abs(lam_full - lam1).max(), "; max |c - c_1| =", np.abs(c_full - c1).max())

# %% [markdown]
# ## 6. Fig. 5: the coherent current grows with temperature
#
# For $\phi_h - \phi_c \neq 0, \pi$ the constant $c$ dominates. Fig. 5 shows
# $J_h^{steady}$ over $(\Delta T, T)$ for $\pi/4$ (a) and $5\pi/4$ (b). The dependence on
# $\Delta T \le 0.01$ is tiny ($\lambda\Delta T \sim 10^{-5}$) while $|c|$ grows with $T$
# towards a constant (Eq. 35, $c_1 \propto \mathrm{sech}^2\frac{1}{2T}$ at the complete
# swap): the higher the effective temperature, the larger the reservoirs' coherence $p/Z$
# — the opposite of the thermal behaviour in Fig. 4. Note $T - \Delta T/2 > 0$ on the
# whole grid.

# %%
f5 = fig5_data(np.linspace(0.02, 3, 121), np.linspace(0, 0.01, 41))
fig = plt.figure(figsize=(10.0, 4.6), layout="constrained")
plot_fig5(f5, fig)
plt.show()
at_zero = np.abs(f5.isel(temperature_difference=0))
print("|J(dT=0)| at T = 0.5, 1, 3:", at_zero.sel(temperature=[0.5, 1.0, 3.0], method="nearest").values)

# %% [markdown]
# ## 7. Everything at once: the reproduce table
#
# `circuitheat reproduce` runs the comparisons above (and a few more statements of the
# text) as a table of checks; here it is without writing any file. Each row has the
# paper's value, the computed value, the difference and the verdict at the paper's
# printed precision.

# %%
data = FigureData(fig2_data(), f3, f4, f5)
checks = run_checks(data)
report = pd.DataFrame(
    [
        {
            "id": r.id,
            "paper": r.paper,
            "computed": format_value(r.computed),
            "difference": format_value(r.difference, 3),
            "status": r.status,
        }
        for r in checks
    ]
)
print(report.to_string(index=False, max_colwidth=60))

# %% [markdown]
# ## Checks on the physics

# %%
# Eq. 14 is the engine's steady current at the complete swap
assert np.abs(engine - closed).max() < 1e-12
# Fig. 3: every panel's extreme fits inside the printed axis range and fills most of it
for gamma, limit in FIG3_AXIS_LIMITS.items():
    assert 0.75 < float(extremes.sel(gamma=gamma)) / float(limit) < 1.0
# Eq. 15: the current vanishes at p_c, and critical_coherence finds its minimum over phase
assert abs(float(j_at_pc)) < 1e-12 and abs(p_c_full - p_c_eq15) < 1e-10
# partial swap: p_c = 0.1563 (exact); the paper's 0.155 is 1.3 units of its last digit below
assert abs(p_c - 0.1563) < 5e-5
# Eqs. 31, 32: lambda and c at the printed digits; c = 0 for phi_h - phi_c = 0, pi
for table_, _ in ((EQ31, "31"), (EQ32, "32")):
    for phase, refs in table_.items():
        lam, c = ch.linear_response(FIG2["gamma"], DELTA, 1.0, P, phase)
        assert abs(float(lam) - refs["lambda"].value) <= refs["lambda"].tolerance
        if "c" in refs:
            assert abs(float(c) - refs["c"].value) <= refs["c"].tolerance
        else:
            assert abs(float(c)) < 1e-12
# Fig. 4 / B1 / B2: ordering, peaks near 0.4-0.45, closed form, high-T limit
k0, kpi, kth = (f4.sel(case=c).values for c in ("0", "π", "thermal"))
assert np.all(k0 < kpi) and np.all(kpi < kth)
assert all(0.40 <= v <= 0.45 for v in peaks.values())
assert np.abs(kth / b1 - 1).max() < 1e-10
# Eq. 33 at the complete swap
assert np.abs(lam_full - lam1).max() < 1e-12 and np.abs(c_full - c1).max() < 1e-12
# Eq. 30 is the first-order expansion: the remainder is quadratic in dT
assert all(3.5 < remainders[ph, 0.01] / remainders[ph, 0.005] < 4.5 for ph in (math.pi / 4, 5 * math.pi / 4))
# Fig. 5: |J| grows with T for both phase differences
assert all(np.all(np.diff(at_zero.sel(phase_difference=ph).values[5:]) > 0) for ph in f5.phase_difference.values)
# the reproduce table: everything passes except the documented p_c discrepancy
assert [r.id for r in checks if r.status != "pass"] == ["p_c partial swap"]
print("all checks passed")
