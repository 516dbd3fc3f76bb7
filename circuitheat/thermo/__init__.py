r"""Entropy bookkeeping of Sec. IV: entropy change, exchanged entropy, entropy production.

The system :math:`S = S_AS_B` starts uncorrelated from fresh ancilla pairs
:math:`\eta_j = \eta^h\otimes\eta^c` (Eqs. 12–13), and the evolution of system plus all
ancillas is unitary (Eq. 8). After collision :math:`k` the paper splits the change of the
system's von Neumann entropy into two terms (Eq. 16):

.. math::
    \Delta S = S(\rho^S_k) - S(\rho^S_0)
      = \underbrace{D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j\le k}\eta_j\big]}_{\Delta S_{ir}
        \ \text{(Eq. 20)}}
      + \underbrace{\textstyle\sum_{j\le k}\mathrm{Tr}\big[(\tilde\eta_j-\eta_j)\ln\eta_j\big]}_{\Delta S_{re}\ \text{(Eq. 17)}},

with :math:`D(\rho_1\|\rho_2) = \mathrm{Tr}\rho_1\ln\rho_1 - \mathrm{Tr}\rho_1\ln\rho_2` and
:math:`\tilde\eta_j` the :math:`(R^h_j, R^c_j)` marginal right after collision j (it never
changes afterwards: ancilla j never meets the system again).

**Signs (derived, and the paper's printed signs are consistent).** With
:math:`\rho^{tot}_k = W(\rho^S_0\otimes\bigotimes_j\eta_j)W^\dagger` (W unitary),
:math:`S(\rho^{tot}_k) = S(\rho^S_0) + \sum_j S(\eta_j)`, and because
:math:`\ln(\rho^S\otimes\bigotimes_j\eta_j) = \ln\rho^S\otimes I + \sum_j I\otimes\ln\eta_j\otimes I`,

.. math::
    D = -S(\rho^{tot}_k) + S(\rho^S_k) - \textstyle\sum_j\mathrm{Tr}[\tilde\eta_j\ln\eta_j]
      = \Delta S - \textstyle\sum_j\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j],

so Eq. (16) holds as printed with Eq. (17)'s sign, :math:`\Delta S_{re} = +\sum_j
\mathrm{Tr}[(\tilde\eta_j-\eta_j)\ln\eta_j]`. For a thermal ancilla,
:math:`\ln\eta = -\beta H - \ln Z`, so :math:`\mathrm{Tr}[(\tilde\eta-\eta)\ln\eta] =
-\beta\,\mathrm{Tr}[H(\tilde\eta-\eta)] = -\beta\Delta Q^R` (Eq. 18), and with energy
conservation :math:`\Delta Q^R = -\Delta Q^S` (Eq. 19). Eqs. (16)–(19) and (22)–(26) are
therefore mutually consistent as printed; nothing here deviates from them.

**Per-collision production.** Applying the same argument to collision k alone (system
state :math:`\rho^S_{k-1}` meets :math:`\eta_k`, giving :math:`\Omega_k =
\hat U(\rho^S_{k-1}\otimes\eta_k)\hat U^\dagger`), the increment of Eq. (20) is itself a
relative entropy,

.. math::
    \Delta S_{ir}(k) - \Delta S_{ir}(k-1) = D[\Omega_k\,\|\,\rho^S_k\otimes\eta_k] \ge 0,

so the entropy production is non-decreasing in k (:func:`collision_entropy_production`).
In the steady state :math:`\rho^S_k = \rho^*` the system entropy no longer changes and the
production per collision is :math:`\sigma = -\mathrm{Tr}[(\tilde\eta^*-\eta)\ln\eta] \ge 0`
(:func:`steady_entropy_production`).

**Efficient route.** Because :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` exactly,
:func:`entropy_balance` takes :math:`\Delta S` from the system states and
:math:`\Delta S_{re}` from the two-ancilla marginals, which are linear in the system state
before each collision (a 16×16 map, like the one-collision map :math:`\Phi`). For
n ≤ :data:`JOINT_MAX_COLLISIONS` it also evaluates Eq. (20) directly on the joint state
of the system and every ancilla (:func:`joint_relative_entropy`).

**Honest logarithms.** Ancilla logarithms use the closed-form spectrum of Eq. (12)
(:func:`ancilla_spectrum`), finite for every p < 1 down to T → 0. A pure ancilla
(p = 1) has a zero eigenvalue: :math:`0\ln 0 = 0`, and where the support condition
fails (a state puts weight where :math:`\ln\eta = -\infty`) the result is ``-inf``
(:math:`\Delta S_{re}`) or ``+inf`` (:math:`D`, :math:`\Delta S_{ir}`) with a
:class:`SupportWarning`, never NaN.
**Modules** (everything is re-exported here; import from :mod:`circuitheat.thermo`):

* :mod:`.logs` — spectra with honest logarithms, von Neumann and relative entropy,
  :class:`SupportWarning`, the tolerances :data:`ZERO_EIGENVALUE` and :data:`SUPPORT_TOLERANCE`;
* :mod:`.collision` — one collision: :func:`ancilla_pair_map`, the exchanged entropies
  and heats of the ancilla pair it leaves behind, :func:`collision_entropy_production`;
* :mod:`.joint` — Eq. (20) on the joint state, :func:`joint_relative_entropy`;
* :mod:`.balance` — the n-collision bookkeeping, :func:`entropy_balance` and
  :class:`EntropyBalance`;
* :mod:`.second_law` — the steady state, :func:`steady_entropy_production` and the
  batched :func:`second_law_scan`.
"""

from __future__ import annotations

from .balance import BALANCE_COLUMNS, JOINT_AUTO_COLLISIONS, JOINT_AUTO_QUBITS, EntropyBalance, balance_columns, entropy_balance
from .collision import collision_entropy_production
from .joint import JOINT_MAX_COLLISIONS, JOINT_MAX_QUBITS, JOINT_METHODS, joint_limit, joint_relative_entropy
from .logs import (
    SUPPORT_TOLERANCE,
    ZERO_EIGENVALUE,
    Spectrum,
    SupportWarning,
    ancilla_spectrum,
    relative_entropy,
    spectrum,
    von_neumann_entropy,
)
from .second_law import SteadyEntropyProduction, second_law_scan, steady_entropy_production

__all__ = [
    "BALANCE_COLUMNS",
    "JOINT_AUTO_COLLISIONS",
    "JOINT_AUTO_QUBITS",
    "JOINT_MAX_COLLISIONS",
    "JOINT_MAX_QUBITS",
    "JOINT_METHODS",
    "SUPPORT_TOLERANCE",
    "ZERO_EIGENVALUE",
    "EntropyBalance",
    "Spectrum",
    "SteadyEntropyProduction",
    "SupportWarning",
    "ancilla_spectrum",
    "balance_columns",
    "collision_entropy_production",
    "entropy_balance",
    "joint_limit",
    "joint_relative_entropy",
    "relative_entropy",
    "second_law_scan",
    "spectrum",
    "steady_entropy_production",
    "von_neumann_entropy",
]
