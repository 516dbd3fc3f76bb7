r"""Can a device show the reversed heat current? Exact value, device prediction, shots, control.

The reversal (Sec. III) is :math:`J_h^{steady} > 0`: heat flows from the cold into the
hot reservoir. On a device three things stand between the exact number and a claim:

1. **Noise moves the steady state.** The noisy map :math:`\tilde\Phi`
   (:mod:`circuitheat.hardware.noise_map`) adds relaxation and depolarisation to every
   collision; its fixed point and currents are what the device settles to.
2. **Shot noise.** The tail average of n collisions per shot has a per-shot standard
   deviation :math:`\sigma` (computed exactly from the noisy instruments, correlations
   inside a shot included); resolving the sign at :math:`m\sigma` needs
   :math:`N = (m\,\sigma/|\mu|)^2` shots.
3. **A biased sign.** Readout error adds :math:`-2\epsilon\,\mathrm{Tr}[H\eta] > 0` to the
   raw estimate and device relaxation is an extra bath; either can make a *thermal*
   experiment read :math:`J_h > 0`. So every study runs the **thermal control**: the same
   circuit with p = 0 (:math:`T_h > T_c`, so :math:`J_h^{steady} < 0` exactly). The
   reversal counts as observable only if the device predicts :math:`J_h > 0` for the
   coherent reservoirs **and** :math:`J_h < 0` for the control.

How the tail is chosen (when not given): the device prediction is propagated for up to
:data:`HORIZON` collisions; the tail starts at the first collision :math:`k_0` after
which :math:`J_h(k)` stays within :data:`SETTLE_TOLERANCE` of its noisy steady value
(relative to :math:`|J_h^{steady}|`), and the circuit has
:math:`n = \max(2k_0, \text{MIN\_COLLISIONS})` collisions, so the tail is the second half.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from qiskit.providers import BackendV2

from ..circuits import SYSTEM_A, SYSTEM_B
from ..engines import simulate
from ..model import CollisionModel, check_model
from ..plotting.labels import format_angle
from ..steady import steady_state
from ..validation import check_count, check_positive
from .noise_map import NoisyCollisionMap, TailStatistics
from .protocol import DEFAULT_ENCODING, check_encoding
from .transpile import TranspiledProtocol, resolve_backend, transpile_protocol

__all__ = [
    "HORIZON",
    "MIN_COLLISIONS",
    "SETTLE_TOLERANCE",
    "TABLE_COLUMNS",
    "ObservabilityReport",
    "observability_study",
    "settle_collision",
    "shots_for_sign",
    "study_table",
    "thermal_control",
]

#: Longest trajectory propagated to find where the device's J_h settles (collisions).
#: Even without any noise the paper's gamma = pi/32 settles (to SETTLE_TOLERANCE) at
#: collision 501; device noise only makes it faster (~60 on fake_torino).
HORIZON = 5000
#: A trajectory has settled once |J_h(k) - J_h^steady| stays below this fraction of
#: |J_h^steady|: 5% is well below the 3-sigma resolution any affordable shot count gives.
SETTLE_TOLERANCE = 0.05
#: Fewest collisions of a study circuit (a short tail would waste the shots' information).
MIN_COLLISIONS = 8


def shots_for_sign(mean: float, shot_std: float, sigmas: float = 3.0) -> float:
    r"""Shots N with :math:`|\mu| = m\,\sigma/\sqrt N`: :math:`N = (m\sigma/|\mu|)^2` (``inf`` if :math:`\mu = 0`)."""
    sigmas = check_positive("sigmas", sigmas)
    if mean == 0 or not math.isfinite(mean):
        return math.inf
    return float((sigmas * shot_std / abs(mean)) ** 2)


def settle_collision(heat: NDArray, steady: float, scale: float, tolerance: float = SETTLE_TOLERANCE) -> int:
    """First collision k (1-based) after which ``|heat[j] - steady| <= tolerance * scale`` for every j >= k."""
    heat = np.asarray(heat, dtype=float)
    outside = np.nonzero(np.abs(heat - steady) > tolerance * abs(scale))[0]
    if outside.size == 0:
        return 1
    last = int(outside[-1]) + 1  # 1-based collision number of the last one outside
    if last >= heat.size:
        raise ValueError(f"the trajectory has not settled within {heat.size} collisions")
    return last + 1


def thermal_control(model: CollisionModel) -> CollisionModel:
    """The same model with thermal reservoirs (p = 0): the control of the study."""
    hot = dataclasses.replace(model.hot, coherence=0.0)
    cold = dataclasses.replace(model.cold, coherence=0.0)
    return CollisionModel(gamma=model.gamma, delta=model.delta, hot=hot, cold=cold)


@dataclass(frozen=True)
class ObservabilityReport:
    r"""What a device would show for one model: exact, predicted, shots, control (module docstring).

    Attributes
    ----------
    model : CollisionModel
    backend_name : str
    physical_qubits : tuple of int
    encoding : str
    n_collisions, tail_start : int
        The study circuit: n collisions, tail :math:`k_0..n` averaged.
    sigmas : float
        Significance of the sign (3 by default).
    exact_steady : float
        :math:`J_h^{steady}` of the model (exact fixed point, no device).
    exact_tail_mean : float
        Noiseless expectation of the tail average for this n and :math:`k_0`.
    noisy_steady, noisy_steady_mitigated : float
        Device steady current (fixed point of :math:`\tilde\Phi`), raw / readout-mitigated.
    noisy_tail_mean, noisy_tail_mean_mitigated : float
        Device expectation of the tail average, raw / mitigated.
    shot_std, shot_std_mitigated, ideal_shot_std : float
        Per-shot standard deviation of the tail average: device raw, device mitigated,
        noiseless.
    control_exact_steady, control_noisy_tail_mean, control_noisy_tail_mean_mitigated, control_shot_std : float
        The same for the thermal control (p = 0).
    collision_duration, total_duration : float
        Seconds per collision and for the whole study circuit.
    system_t1, system_t2 : float
        Smallest :math:`T_1`, :math:`T_2` of the two system qubits (s).
    transpiled : TranspiledProtocol
        The study circuit, ready to run.
    noisy_map, control_map : NoisyCollisionMap
    """

    model: CollisionModel = field(repr=False)
    backend_name: str
    physical_qubits: tuple[int, ...]
    encoding: str
    n_collisions: int
    tail_start: int
    sigmas: float
    exact_steady: float
    exact_tail_mean: float
    noisy_steady: float
    noisy_steady_mitigated: float
    noisy_tail_mean: float
    noisy_tail_mean_mitigated: float
    shot_std: float
    shot_std_mitigated: float
    ideal_shot_std: float
    control_exact_steady: float
    control_noisy_tail_mean: float
    control_noisy_tail_mean_mitigated: float
    control_shot_std: float
    collision_duration: float
    total_duration: float
    system_t1: float
    system_t2: float
    transpiled: TranspiledProtocol = field(repr=False)
    noisy_map: NoisyCollisionMap = field(repr=False)
    control_map: NoisyCollisionMap = field(repr=False)

    @property
    def shots_needed(self) -> float:
        """Shots to resolve the device's (raw) sign of the tail average at ``sigmas``; ``inf`` if it is not > 0."""
        return shots_for_sign(self.noisy_tail_mean, self.shot_std, self.sigmas) if self.noisy_tail_mean > 0 else math.inf

    @property
    def shots_needed_mitigated(self) -> float:
        """The same with readout mitigation."""
        if self.noisy_tail_mean_mitigated <= 0:
            return math.inf
        return shots_for_sign(self.noisy_tail_mean_mitigated, self.shot_std_mitigated, self.sigmas)

    @property
    def shots_needed_ideal(self) -> float:
        """Shots on a noiseless device (the statistics alone)."""
        return shots_for_sign(self.exact_tail_mean, self.ideal_shot_std, self.sigmas) if self.exact_tail_mean > 0 else math.inf

    @property
    def control_shots_needed(self) -> float:
        """Shots to resolve the control's negative sign at ``sigmas`` (``inf`` if the device makes it >= 0)."""
        if self.control_noisy_tail_mean >= 0:
            return math.inf
        return shots_for_sign(self.control_noisy_tail_mean, self.control_shot_std, self.sigmas)

    @property
    def observable(self) -> bool:
        """Exact current reversed, device current reversed, device control not reversed (raw estimates)."""
        return self.exact_steady > 0 and self.noisy_tail_mean > 0 and self.control_noisy_tail_mean < 0

    @property
    def observable_mitigated(self) -> bool:
        """The same with readout-mitigated estimates."""
        return self.exact_steady > 0 and self.noisy_tail_mean_mitigated > 0 and self.control_noisy_tail_mean_mitigated < 0

    def verdict(self) -> str:
        """One sentence: observable or not, and why."""
        if self.exact_steady <= 0:
            return f"no reversal to observe: the exact J_h^steady = {self.exact_steady:.4g} <= 0"
        if self.noisy_tail_mean <= 0:
            return f"not observable: device noise turns J_h to {self.noisy_tail_mean:.4g} <= 0"
        if self.control_noisy_tail_mean >= 0:
            return (
                f"not conclusive: the thermal control also reads J_h = {self.control_noisy_tail_mean:+.4g} > 0 on the device "
                f"(exact {self.control_exact_steady:+.4g}), so a positive J_h is no evidence of the reversal"
            )
        shots = max(self.shots_needed, self.control_shots_needed)
        return (
            f"observable: J_h = {self.noisy_tail_mean:+.4g} on the device (exact {self.exact_steady:+.4g}), "
            f"control {self.control_noisy_tail_mean:+.4g}; {math.ceil(shots)} shots resolve both signs at {self.sigmas:g} sigma"
        )

    def to_dict(self) -> dict:
        """JSON-ready summary."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "backend": self.backend_name,
            "physical_qubits": list(self.physical_qubits),
            "encoding": self.encoding,
            "gamma": self.model.gamma,
            "delta": self.model.delta,
            "phase_difference": self.model.phase_difference,
            "coherence_hot": self.model.hot.coherence,
            "coherence_cold": self.model.cold.coherence,
            "n_collisions": self.n_collisions,
            "tail_start": self.tail_start,
            "sigmas": self.sigmas,
            "exact_steady": self.exact_steady,
            "exact_tail_mean": self.exact_tail_mean,
            "noisy_steady": self.noisy_steady,
            "noisy_steady_mitigated": self.noisy_steady_mitigated,
            "noisy_tail_mean": self.noisy_tail_mean,
            "noisy_tail_mean_mitigated": self.noisy_tail_mean_mitigated,
            "shot_std": self.shot_std,
            "shot_std_mitigated": self.shot_std_mitigated,
            "ideal_shot_std": self.ideal_shot_std,
            "shots_needed": num(self.shots_needed),
            "shots_needed_mitigated": num(self.shots_needed_mitigated),
            "shots_needed_ideal": num(self.shots_needed_ideal),
            "control_exact_steady": self.control_exact_steady,
            "control_noisy_tail_mean": self.control_noisy_tail_mean,
            "control_noisy_tail_mean_mitigated": self.control_noisy_tail_mean_mitigated,
            "control_shots_needed": num(self.control_shots_needed),
            "collision_duration_s": num(self.collision_duration),
            "total_duration_s": num(self.total_duration),
            "system_t1_s": num(self.system_t1),
            "system_t2_s": num(self.system_t2),
            "observable": self.observable,
            "observable_mitigated": self.observable_mitigated,
            "verdict": self.verdict(),
        }

    def summary(self) -> str:
        """Human-readable lines for the command line."""

        def shots(x: float) -> str:
            return "never (wrong sign)" if not math.isfinite(x) else f"{math.ceil(x)}"

        m = self.model
        t_ratio = f"{self.total_duration / self.system_t1:.3g} T1 = {self.total_duration / self.system_t2:.3g} T2"
        return "\n".join(
            [
                f"model              gamma={m.gamma:.6g}, delta={m.delta:.6g}, T_h={m.hot.temperature:g}, "
                f"T_c={m.cold.temperature:g}, p={m.hot.coherence:g}/{m.cold.coherence:g}, phi_h-phi_c={m.phase_difference:.6g}",
                f"study circuit      {self.n_collisions} collisions, tail {self.tail_start}..{self.n_collisions}, "
                f"{self.total_duration * 1e6:.4g} us = {t_ratio} (system qubits)",
                f"exact              J_h^steady = {self.exact_steady:+.6g}; tail mean {self.exact_tail_mean:+.6g}",
                f"device prediction  J_h^steady = {self.noisy_steady:+.6g} "
                f"(readout-mitigated {self.noisy_steady_mitigated:+.6g}); "
                f"tail mean {self.noisy_tail_mean:+.6g} (mitigated {self.noisy_tail_mean_mitigated:+.6g})",
                f"per-shot std       {self.shot_std:.4g} (mitigated {self.shot_std_mitigated:.4g}, "
                f"noiseless {self.ideal_shot_std:.4g})",
                f"shots for sign     {self.sigmas:g} sigma: {shots(self.shots_needed)} "
                f"(mitigated {shots(self.shots_needed_mitigated)}, noiseless {shots(self.shots_needed_ideal)})",
                f"thermal control    p=0: exact {self.control_exact_steady:+.6g}; "
                f"device tail mean {self.control_noisy_tail_mean:+.6g} (mitigated {self.control_noisy_tail_mean_mitigated:+.6g})",
                f"verdict            {self.verdict()}",
            ]
        )


def study_length(
    noisy: NoisyCollisionMap, exact_steady: float, *, n_collisions: int | None = None, tail_start: int | None = None
) -> tuple[int, int]:
    """Collisions n and tail start k0 of a study circuit (module docstring), unless given.

    The tail starts where the device's J_h has settled (:func:`settle_collision` on a
    :data:`HORIZON`-collision prediction, relative to the larger of ``|exact_steady|`` and
    the device's steady value) and n = max(2 k0, :data:`MIN_COLLISIONS`); a given
    ``tail_start`` alone lengthens n if needed; a given ``n_collisions`` alone takes the
    second half as the tail.
    """
    if n_collisions is None:
        _, currents = noisy.steady_state()
        steady = currents["heat_hot"]
        k0 = settle_collision(noisy.trajectory(HORIZON).heat_hot, steady, max(abs(exact_steady), abs(steady)))
        n = max(2 * k0, MIN_COLLISIONS)
        if tail_start is not None:
            k0 = check_count("tail_start", tail_start)
            n = max(n, k0)
    else:
        n = check_count("n_collisions", n_collisions)
        k0 = n // 2 + 1 if tail_start is None else check_count("tail_start", tail_start)
    if k0 > n:
        raise ValueError(f"tail_start must be <= n_collisions = {n}, got {k0}")
    return n, k0


def observability_study(
    model: CollisionModel,
    backend: str | BackendV2,
    *,
    n_collisions: int | None = None,
    tail_start: int | None = None,
    encoding: str = DEFAULT_ENCODING,
    layout: tuple[int, ...] | None = None,
    sigmas: float = 3.0,
) -> ObservabilityReport:
    r"""Exact :math:`J_h^{steady}`, its device prediction, the shots to resolve its sign, and the thermal control.

    Parameters
    ----------
    model : CollisionModel
    backend : str or BackendV2
        E.g. ``"fake_torino"``.
    n_collisions, tail_start : int, optional
        The study circuit (default: chosen from where the device prediction settles,
        module docstring).
    encoding : {"ground_is_0", "excited_is_0"}
    layout : tuple of 6 int, optional
        Physical qubits; default: :func:`~circuitheat.hardware.transpile.choose_layout`.
    sigmas : float
        Significance of the sign (default 3).

    Returns
    -------
    ObservabilityReport
        Costs a few Aer density-matrix runs of one collision (about a second once the
        device noise model is built); everything else uses the 16×16 maps.
    """
    check_model(model)
    encoding = check_encoding(encoding)
    sigmas = check_positive("sigmas", sigmas)
    device = resolve_backend(backend)
    first = transpile_protocol(model, 1, device, layout=layout, encoding=encoding)
    qubits = first.physical_qubits
    noisy = NoisyCollisionMap.from_transpiled(first, device)
    ideal = NoisyCollisionMap.from_transpiled(first, noisy=False)
    exact = steady_state(model).heat_hot
    _, noisy_currents = noisy.steady_state()
    n, k0 = study_length(noisy, exact, n_collisions=n_collisions, tail_start=tail_start)
    transpiled = transpile_protocol(model, n, device, layout=qubits, encoding=encoding)
    control_model = thermal_control(model)
    control_tp = transpile_protocol(control_model, 1, device, layout=qubits, encoding=encoding)
    control = NoisyCollisionMap.from_transpiled(control_tp, device)
    stats: dict[str, TailStatistics] = {
        "raw": noisy.tail_statistics(n, k0),
        "mitigated": noisy.tail_statistics(n, k0, mitigated=True),
        "ideal": ideal.tail_statistics(n, k0),
        "control": control.tail_statistics(n, k0),
        "control_mitigated": control.tail_statistics(n, k0, mitigated=True),
    }
    exact_traj = simulate(model, n, store_states=False)
    return ObservabilityReport(
        model=model,
        backend_name=transpiled.backend_name,
        physical_qubits=qubits,
        encoding=encoding,
        n_collisions=n,
        tail_start=k0,
        sigmas=sigmas,
        exact_steady=float(exact),
        exact_tail_mean=float(exact_traj.heat_hot[k0 - 1 :].mean()),
        noisy_steady=noisy_currents["heat_hot"],
        noisy_steady_mitigated=noisy_currents["heat_hot_mitigated"],
        noisy_tail_mean=stats["raw"].mean,
        noisy_tail_mean_mitigated=stats["mitigated"].mean,
        shot_std=stats["raw"].shot_std,
        shot_std_mitigated=stats["mitigated"].shot_std,
        ideal_shot_std=stats["ideal"].shot_std,
        control_exact_steady=float(steady_state(control_model).heat_hot),
        control_noisy_tail_mean=stats["control"].mean,
        control_noisy_tail_mean_mitigated=stats["control_mitigated"].mean,
        control_shot_std=stats["control"].shot_std,
        collision_duration=transpiled.collision_duration,
        total_duration=transpiled.total_duration,
        system_t1=min(transpiled.t1[SYSTEM_A], transpiled.t1[SYSTEM_B]),
        system_t2=min(transpiled.t2[SYSTEM_A], transpiled.t2[SYSTEM_B]),
        transpiled=transpiled,
        noisy_map=noisy,
        control_map=control,
    )


#: Columns of :func:`study_table` (markdown).
TABLE_COLUMNS = (
    "device",
    "γ",
    "exact J_h^ss",
    "device J_h (raw / mitigated)",
    "control: exact → device (raw / mitigated)",
    "circuit",
    "2q gates / coll.",
    "shots for 3σ (signal / control)",
    "observable (raw / mitigated)",
)


def _shots_text(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{math.ceil(x)}"


def study_table(reports: list[ObservabilityReport]) -> str:
    r"""The README's device table: one markdown row per :class:`ObservabilityReport`.

    Values are device predictions of the tail mean (raw / readout-mitigated), the
    circuit's collisions, duration and its ratio to the smaller :math:`T_1` of the two
    system qubits, the shots for the sign of the signal and of the control at the report's
    significance ("–": the device gives the wrong sign), and the verdicts of
    :attr:`ObservabilityReport.observable` / ``observable_mitigated``.
    """

    def yes(flag: bool) -> str:
        return "**yes**" if flag else "no"

    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    for r in reports:
        cells = (
            r.backend_name,
            format_angle(r.model.gamma),
            f"{r.exact_steady:+.4f}",
            f"{r.noisy_tail_mean:+.4f} / {r.noisy_tail_mean_mitigated:+.4f}",
            f"{r.control_exact_steady:+.4f} → {r.control_noisy_tail_mean:+.4f} / {r.control_noisy_tail_mean_mitigated:+.4f}",
            f"{r.n_collisions} coll., {r.total_duration * 1e6:.0f} µs = {r.total_duration / r.system_t1:.2f} T1",
            f"{r.transpiled.two_qubit_gates}",
            f"{_shots_text(r.shots_needed)} / {_shots_text(r.control_shots_needed)}",
            f"{yes(r.observable)} / {yes(r.observable_mitigated)}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
