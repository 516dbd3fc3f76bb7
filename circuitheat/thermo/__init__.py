r"""Entropy bookkeeping of Sec. IV: entropy change, exchanged entropy, entropy production — for any network.

The system starts uncorrelated from fresh ancillas :math:`\eta_j` (for the paper's model the
pair :math:`\eta^h\otimes\eta^c` of Eqs. 12–13 at every collision; for a
:class:`~circuitheat.CollisionNetwork` one ancilla per :class:`~circuitheat.Collision` of
every step), and the evolution of system plus all ancillas is unitary (Eq. 8). After step
:math:`k` the change of the system's von Neumann entropy splits into two terms (Eq. 16,
j running over every ancilla met so far):

.. math::
    \Delta S = S(\rho^S_k) - S(\rho^S_0)
      = \underbrace{D\big[\rho^{tot}_k\,\big\|\,\rho^S_k\otimes\textstyle\bigotimes_{j}\eta_j\big]}_{\Delta S_{ir}
        \ \text{(Eq. 20)}}
      + \underbrace{\textstyle\sum_{j}\mathrm{Tr}\big[(\tilde\eta_j-\eta_j)\ln\eta_j\big]}_{\Delta S_{re}\ \text{(Eq. 17)}},

with :math:`D(\rho_1\|\rho_2) = \mathrm{Tr}\rho_1\ln\rho_1 - \mathrm{Tr}\rho_1\ln\rho_2` and
:math:`\tilde\eta_j` the marginal of ancilla j right after its step (it never changes
afterwards: ancilla j never meets the system again). Because :math:`\ln` of a product is a
sum, :math:`\Delta S_{re}` splits exactly into one part per reservoir (Eqs. 22, 25 for the
paper's hot and cold reservoirs).

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
therefore mutually consistent as printed; nothing here deviates from them. Gates that are
not energy conserving do work W, and :math:`\Delta E_S + \sum_r Q_r = \sum W`.

**Per-step production.** Applying the same argument to step k alone (system state
:math:`\rho^S_{k-1}` meets the step's ancillas :math:`\eta_A`, giving :math:`\Omega_k =
U(\rho^S_{k-1}\otimes\eta_A)U^\dagger`), the increment of Eq. (20) is itself a relative
entropy, and it splits into information terms (:mod:`.collision`),

.. math::
    \Delta S_{ir}(k) - \Delta S_{ir}(k-1) = D[\Omega_k\,\|\,\rho^S_k\otimes\eta_A]
      = I(S{:}A_k) + \Big[\sum_c S(\tilde\eta_c) - S(\tilde\eta_{A_k})\Big] + \sum_r\sum_{c\in r}D[\tilde\eta_c\|\eta_r] \ge 0,

so the entropy production is non-decreasing in k (:func:`collision_entropy_production`).
In the steady state :math:`\rho^S_k = \rho^*` the system entropy no longer changes and the
production per step is :math:`\sigma = -\sum_c\mathrm{Tr}[(\tilde\eta^*_c-\eta_c)\ln\eta_c] \ge 0`
(:func:`steady_entropy_production`).

**Efficient route.** Because :math:`\Delta S_{ir} = \Delta S - \Delta S_{re}` exactly,
:func:`entropy_balance` takes :math:`\Delta S` from the system states and
:math:`\Delta S_{re}` from the joint state of each step's ancillas, both from one engine run
with ``ancillas=True`` (:func:`circuitheat.engines.get_engine`; the direct engine computes the
ancillas with the step's dilation, :mod:`circuitheat.engines.dilation`, a linear map of the
state before the step). While the joint state of the system and every ancilla has at most
:data:`JOINT_AUTO_QUBITS` qubits it also evaluates Eq. (20) directly on it
(:func:`joint_relative_entropy`).

**Honest logarithms.** Ancilla logarithms use the closed-form spectrum of Eq. (12)
(:func:`ancilla_spectrum`), finite for every p < 1 down to T → 0. A pure ancilla
(p = 1) has a zero eigenvalue: :math:`0\ln 0 = 0`, and where the support condition
fails (a state puts weight where :math:`\ln\eta = -\infty`) the result is ``-inf``
(:math:`\Delta S_{re}`) or ``+inf`` (:math:`D`, :math:`\Delta S_{ir}`) with a
:class:`SupportWarning`, never NaN.

**Modules** (everything is re-exported here; import from :mod:`circuitheat.thermo`):

* :mod:`.logs` — spectra with honest logarithms, von Neumann and relative entropy,
  :class:`SupportWarning`, the tolerances :data:`ZERO_EIGENVALUE` and :data:`SUPPORT_TOLERANCE`;
* :mod:`.collision` — one step: what it leaves in its ancillas (exchanged entropies, heats,
  mutual information, relative entropies) and :func:`collision_entropy_production`;
* :mod:`.joint` — Eq. (20) on the joint state, :func:`joint_relative_entropy`;
* :mod:`.balance` — the n-step bookkeeping, :func:`entropy_balance` and
  :class:`EntropyBalance`;
* :mod:`.second_law` — the steady state, :func:`steady_entropy_production` and
  :func:`second_law_scan`.
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
