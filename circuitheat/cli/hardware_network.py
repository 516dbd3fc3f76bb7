"""``circuitheat hardware --network FILE.toml``: the device study of any collision network.

The layout of the network's coupling graph on the device, the transpiled step, the
device-noise prediction of every reservoir's current (:class:`~circuitheat.hardware.NoisyNetworkMap`)
next to the exact one, and sampled shots (:func:`~circuitheat.hardware.estimate_network_currents`).
:mod:`circuitheat.cli.hardware` registers the command and hands over here when ``--network`` is given.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..io import FIGURE_SUFFIXES, atomic_savefig, check_can_write
from ..validation import InputValueError
from .network import network_requested

if TYPE_CHECKING:
    from ..hardware import NetworkCurrentEstimate, NetworkPrediction, NoisyNetworkMap, TranspiledNetworkProtocol
    from ..network.spec import CollisionNetwork

__all__ = ["NETWORK_DEFAULT_SHOTS", "NETWORK_MAX_DEFAULT_STEPS", "NETWORK_MAX_SITES", "run_network"]

#: Shots of a network's sampled run unless --shots is given. One shot's value of J_r(k) is
#: +-omega/2 minus the ancilla's mean energy (per-shot std ~0.5 for omega = 1), so 1000 shots
#: give a per-step standard error ~0.016 and a tail-mean one ~0.005 (measured: 4-site chain
#: preset, fake_torino, 20 steps: 0.0047, about 10 s of sampling on one core).
NETWORK_DEFAULT_SHOTS = 1000

#: Longest default study circuit of a network (steps): the paper's rule (twice the step where
#: the device prediction settles, observability.study_length) is kept, but capped here so a
#: slowly settling network costs seconds, not minutes; the output says when the cap cut it short.
NETWORK_MAX_DEFAULT_STEPS = 40

#: Most sites of a --network study. The device prediction (NoisyNetworkMap) runs one noisy step
#: on Aer's density-matrix simulator for each of the 4^N product inputs of the sites: N = 4 (256
#: runs of 8 qubits) takes about a minute here (measured); N = 5 (1024 runs of >= 9 qubits, each
#: ~4x costlier) extrapolates to ~15 minutes, N = 6 to hours.
NETWORK_MAX_SITES = 5


def _refuse_paper_options(args: argparse.Namespace) -> argparse.Namespace:
    """Refuse the options that only mean something for the paper's model; return args with model defaults.

    ``--table`` and ``--compare-gamma`` belong to the paper's reversal study (thermal control,
    gamma of Eq. 3); the model options are refused by :func:`~circuitheat.cli.network.network_requested`.
    """
    if args.table:
        raise InputValueError("--table cannot be combined with --network: the table is the paper model's reversal study")
    if args.compare_gamma is not None:
        raise InputValueError("--compare-gamma cannot be combined with --network: gamma is a parameter of the paper's model")
    # --phase-difference defaults to None here (the paper path's default is 5pi/4); give network_requested the
    # model options' own default so that only a --phase-difference the user typed is refused
    args = argparse.Namespace(
        **(vars(args) | {"phase_difference": 0.0 if args.phase_difference is None else args.phase_difference})
    )
    network_requested(args)
    return args


@dataclass(frozen=True)
class _NetworkStudy:
    """Everything ``circuitheat hardware --network`` reports.

    J_r(k) is the energy change of reservoir r's ancillas in step k (Eqs. 10-11 of the paper,
    generalised in :mod:`circuitheat.network.step`), energy per step in the file's units of
    omega, > 0 when energy flows into the reservoir.
    """

    path: str
    network: CollisionNetwork
    transpiled: TranspiledNetworkProtocol  # n steps
    noisy_map: NoisyNetworkMap  # of its step
    n_collisions: int
    tail_start: int
    settle_step: int | None  # where the device prediction settles (None if n was given)
    capped: bool  # n was cut to NETWORK_MAX_DEFAULT_STEPS
    sigmas: float
    mitigated: bool
    exact_steady: Mapping[str, float]
    exact: Mapping[str, np.ndarray]  # J_r(k), k = 1..n, exact (ch.simulate)
    device_steady: Mapping[str, float]  # raw readout, fixed point of the noisy step map
    device: Mapping[str, np.ndarray]  # predicted raw shot estimates of J_r(k)
    device_mitigated: Mapping[str, np.ndarray]
    shot_std: Mapping[str, float]  # per-shot std of the tail mean (raw, or mitigated with --mitigate-readout)
    estimate: NetworkCurrentEstimate | None
    seed: int
    method: str

    @property
    def names(self) -> tuple[str, ...]:
        return self.network.reservoir_names

    @property
    def expected(self) -> Mapping[str, np.ndarray]:
        """The prediction the shots estimate: mitigated if the shots are."""
        return self.device_mitigated if self.mitigated else self.device

    def tail(self, values: np.ndarray) -> float:
        return float(np.asarray(values)[self.tail_start - 1 :].mean())

    def shots_for_sign(self, name: str) -> float:
        from ..hardware import shots_for_sign

        return shots_for_sign(self.tail(self.expected[name]), self.shot_std[name], self.sigmas)


def _settle_step(prediction: NetworkPrediction, device_steady: Mapping[str, float], exact_steady: Mapping[str, float]) -> int:
    """Last step at which any reservoir's predicted J_r(k) is still settling (observability.settle_collision)."""
    from ..hardware.observability import HORIZON, settle_collision

    k0 = 1
    for name, current in prediction.currents.items():
        scale = max(abs(exact_steady[name]), abs(device_steady[name]))
        try:
            k0 = max(k0, settle_collision(current, device_steady[name], scale))
        except ValueError:  # not settled within the horizon (or a zero current that wobbles): as long as possible
            k0 = HORIZON
    return k0


def _study_length(
    noisy: NoisyNetworkMap,
    exact_steady: Mapping[str, float],
    device_steady: Mapping[str, float],
    n_collisions: int | None,
    tail_start: int | None,
) -> tuple[int, int, int | None, bool]:
    """Steps n, tail start k0, settle step and whether n was capped (the paper's rule, observability.study_length)."""
    from ..hardware.observability import HORIZON, MIN_COLLISIONS

    settle, capped = None, False
    if n_collisions is None:
        settle = _settle_step(noisy.trajectory(HORIZON), device_steady, exact_steady)
        n = max(2 * settle, MIN_COLLISIONS)
        if n > NETWORK_MAX_DEFAULT_STEPS:
            n, capped = NETWORK_MAX_DEFAULT_STEPS, True
        k0 = n // 2 + 1
        if tail_start is not None:
            k0 = tail_start
            n = max(n, k0)
            capped = capped and n == NETWORK_MAX_DEFAULT_STEPS
    else:
        n = n_collisions
        k0 = n // 2 + 1 if tail_start is None else tail_start
    if k0 > n:
        raise InputValueError(f"--tail-start must be <= the number of steps {n}, got {k0}")
    return n, k0, settle, capped


def _tail_shot_std(noisy: NoisyNetworkMap, n: int, k0: int, mitigated: bool) -> dict[str, float]:
    r"""Per-shot standard deviation of each reservoir's tail mean, :math:`\sqrt{w^T\Sigma_{rr}w}`, w = 1/(n-k0+1) on the tail.

    :math:`\Sigma` is the exact covariance of one shot's values (:meth:`NoisyNetworkMap.shot_moments`,
    correlations between the steps of a shot included).
    """
    _, cov = noisy.shot_moments(n, mitigated=mitigated)
    w = np.zeros(n)
    w[k0 - 1 :] = 1.0 / (n - k0 + 1)
    out = {}
    for i, name in enumerate(noisy.names):
        block = cov[i * n : (i + 1) * n, i * n : (i + 1) * n]
        out[name] = float(np.sqrt(max(float(w @ block @ w), 0.0)))
    return out


def _network_study(args: argparse.Namespace) -> _NetworkStudy:
    """Transpile, predict and sample the network of ``args.network`` (module docstring)."""
    from ..engines import simulate
    from ..hardware import NoisyNetworkMap, estimate_network_currents, resolve_backend, transpile_network_protocol
    from ..network.toml import load_network
    from ..steady import steady_state

    network = load_network(args.network)
    if network.sites > NETWORK_MAX_SITES:
        raise InputValueError(
            f"--network: the device prediction of {network.sites} sites needs 4^{network.sites} = {4**network.sites} "
            f"noisy density-matrix runs of one step (hours); circuitheat hardware takes at most {NETWORK_MAX_SITES} sites"
        )
    if not (math.isfinite(args.sigmas) and args.sigmas > 0):
        raise InputValueError(f"--sigmas must be finite and > 0, got {args.sigmas}")
    if args.n_collisions is not None and args.tail_start is not None and args.tail_start > args.n_collisions:
        raise InputValueError(f"--tail-start must be <= the number of steps {args.n_collisions}, got {args.tail_start}")
    device = resolve_backend(args.backend)
    options = {"layout": args.layout, "encoding": args.encoding}
    first = transpile_network_protocol(network, args.n_collisions or 1, device, **options)
    noisy = NoisyNetworkMap.from_transpiled(first, device)
    exact_steady = dict(steady_state(network).currents)
    _, device_steady = noisy.steady_state()
    n, k0, settle, capped = _study_length(noisy, exact_steady, device_steady, args.n_collisions, args.tail_start)
    transpiled = first
    if n != first.n_collisions:
        transpiled = transpile_network_protocol(network, n, device, **options)
        if transpiled.block != first.block:  # deterministic (seeded transpiler), but the map must be that of this step
            noisy = NoisyNetworkMap.from_transpiled(transpiled, device)
            _, device_steady = noisy.steady_state()
    prediction = noisy.trajectory(n)
    shots = NETWORK_DEFAULT_SHOTS if args.shots is None else args.shots
    estimate = None
    if shots:
        estimate = estimate_network_currents(
            network,
            n,
            backend=device,
            shots=shots,
            seed=args.seed,
            tail_start=k0,
            encoding=args.encoding,
            mitigate_readout=args.mitigate_readout,
            method=args.method,
            transpiled=transpiled,
        )
    return _NetworkStudy(
        path=str(args.network),
        network=network,
        transpiled=transpiled,
        noisy_map=noisy,
        n_collisions=n,
        tail_start=k0,
        settle_step=settle,
        capped=capped,
        sigmas=float(args.sigmas),
        mitigated=bool(args.mitigate_readout),
        exact_steady=exact_steady,
        exact=dict(simulate(network, n, store_states=False).currents),
        device_steady=dict(device_steady),
        device=dict(prediction.currents),
        device_mitigated=dict(prediction.currents_mitigated),
        shot_std=_tail_shot_std(noisy, n, k0, bool(args.mitigate_readout)),
        estimate=estimate,
        seed=args.seed,
        method=args.method,
    )


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _ratio(a: float, b: float) -> float:
    """a / b, NaN when b = 0 (a z-score of shots that all read the same value)."""
    return a / b if b != 0 else math.nan


def _layout_record(study: _NetworkStudy) -> dict:
    """Physical qubit of every site and of every collision's ancilla, partner and measurement; embedded or routed."""
    from ..hardware.network_protocol import network_hardware_layout

    tp = study.transpiled
    roles = network_hardware_layout(study.network)
    choice = tp.layout
    record = {
        "given": choice is None,
        "embedded": choice is None or not choice.routed,
        "routed": choice is not None and choice.routed,
        "swaps_per_step": None if choice is None else choice.cost_terms.get("swaps", 0),
        "candidates": None if choice is None else choice.candidates,
        "cost_per_step": None if choice is None else choice.cost,
        "cost_terms": None if choice is None else dict(choice.cost_terms),
        "sites": [tp.physical_qubits[q] for q in roles.site_qubits],
        "collisions": [
            {
                "collision": c,
                "reservoir": col.reservoir,
                "site": col.site,
                "ancilla_qubit": tp.physical_qubits[roles.ancilla_qubits[c]],
                "partner_qubit": tp.physical_qubits[roles.partner_qubits[c]],
                "measured_qubit": tp.measured_qubits[c],
            }
            for c, col in enumerate(study.network.collisions)
        ],
    }
    return record


def _network_record(study: _NetworkStudy) -> dict:
    """The JSON of ``circuitheat hardware --network`` (energies per step in units of omega, times in s)."""
    tp, est = study.transpiled, study.estimate
    currents = {}
    for name in study.names:
        entry = {
            "exact_steady": study.exact_steady[name],
            "exact_tail_mean": study.tail(study.exact[name]),
            "device_steady": study.device_steady[name],
            "device_tail_mean": study.tail(study.device[name]),
            "device_tail_mean_mitigated": study.tail(study.device_mitigated[name]),
            "shot_std": study.shot_std[name],
            "shots_for_sign": _finite(study.shots_for_sign(name)),
        }
        if est is not None:
            expected = study.tail(study.expected[name])
            entry |= {
                "estimate_tail_mean": est.steady[name],
                "estimate_tail_stderr": est.steady_stderr[name],
                "estimate_z": _finite(_ratio(est.steady[name] - expected, est.steady_stderr[name])),
            }
        currents[name] = entry
    record = {
        "network": study.path,
        "sites": study.network.sites,
        "reservoirs": list(study.names),
        "backend": tp.backend_name,
        "encoding": tp.encoding,
        "layout": _layout_record(study),
        "transpilation": tp.to_dict(),
        "n_collisions": study.n_collisions,
        "tail_start": study.tail_start,
        "settle_step": study.settle_step,
        "steps_capped": study.capped,
        "sigmas": study.sigmas,
        "currents": currents,
        "per_step": {
            "step": list(range(1, study.n_collisions + 1)),
            "exact": {r: study.exact[r].tolist() for r in study.names},
            "device": {r: study.device[r].tolist() for r in study.names},
            "device_mitigated": {r: study.device_mitigated[r].tolist() for r in study.names},
        },
        "estimate": None,
    }
    if est is not None:
        record["estimate"] = {
            "backend": est.backend_name,
            "shots": est.shots,
            "seed": study.seed,
            "method": study.method,
            "readout_mitigated": est.readout_mitigated,
            "tail_start": est.tail_start,
            "currents": {r: est.currents[r].tolist() for r in study.names},
            "currents_stderr": {r: est.currents_stderr[r].tolist() for r in study.names},
            "steady": dict(est.steady),
            "steady_stderr": dict(est.steady_stderr),
        }
    return record


def _us(seconds: float) -> str:
    return "unknown" if not math.isfinite(seconds) else f"{seconds * 1e6:.4g} us"


def _transpilation_text(study: _NetworkStudy) -> list[str]:
    tp, lay = study.transpiled, _layout_record(study)
    n_sites = study.network.sites
    if lay["given"]:
        how = "given (--layout)"
    elif lay["routed"]:
        how = f"routed: the coupling graph does not embed; {lay['swaps_per_step']} SWAPs per step (sites restored)"
    else:
        how = f"embedded: the network's coupling graph on native couplings, no SWAP ({lay['candidates']} embeddings compared)"
    lines = [
        f"network            {study.path}: {n_sites} sites, {len(study.network.collisions)} collisions per step, "
        f"reservoirs {', '.join(study.names)}",
        f"backend            {tp.backend_name} (encoding {tp.encoding})",
        f"layout             {how}",
    ]
    for i, q in enumerate(lay["sites"]):
        lines.append(f"  site {i:<12} qubit {q:>3}: T1 = {_us(tp.t1[i])}, T2 = {_us(tp.t2[i])}")
    for c in lay["collisions"]:
        moved = "" if c["measured_qubit"] == c["ancilla_qubit"] else f", measured on qubit {c['measured_qubit']}"
        lines.append(
            f"  collision {c['collision']:<7} {c['reservoir']} on site {c['site']}: ancilla qubit {c['ancilla_qubit']}, "
            f"partner qubit {c['partner_qubit']}{moved}"
        )
    lines += [
        f"per step           {tp.two_qubit_gates} two-qubit gates, depth {tp.depth}, {_us(tp.step_duration)} "
        f"(scheduled: {tp.scheduled})",
        f"total              {tp.n_collisions} steps + initial state = {_us(tp.total_duration)}",
    ]
    t1 = min(tp.t1[:n_sites])
    t2 = min(tp.t2[:n_sites])
    if math.isfinite(tp.total_duration) and math.isfinite(t1) and math.isfinite(t2):
        lines.append(
            f"  total/T1 = {tp.total_duration / t1:.3g}, total/T2 = {tp.total_duration / t2:.3g} (shortest-lived site qubit)"
        )
    if lay["cost_per_step"] is not None:
        terms = ", ".join(f"{k} {v:.3g}" for k, v in lay["cost_terms"].items())
        lines.append(f"layout cost        {lay['cost_per_step']:.3g} per step ({terms})")
    return lines


def _prediction_text(study: _NetworkStudy) -> list[str]:
    n, k0 = study.n_collisions, study.tail_start
    head = f"== device prediction: {n} steps, tail {k0}..{n}"
    if study.settle_step is not None:
        head += f" (the device prediction settles at step {study.settle_step}"
        head += f"; capped at {NETWORK_MAX_DEFAULT_STEPS} steps, pass -n for more)" if study.capped else ")"
    lines = [head + " =="]
    which = "mitigated" if study.mitigated else "raw"
    lines.append(
        f"{'reservoir':<12} {'exact J^ss':>11} {'device J^ss':>12} {'exact tail':>11} {'device tail raw':>16} "
        f"{'mitigated':>10} {'shot std':>9} {'shots for sign':>15}"
    )
    for name in study.names:
        need = study.shots_for_sign(name)
        lines.append(
            f"{name:<12} {study.exact_steady[name]:>+11.5f} {study.device_steady[name]:>+12.5f} "
            f"{study.tail(study.exact[name]):>+11.5f} {study.tail(study.device[name]):>+16.5f} "
            f"{study.tail(study.device_mitigated[name]):>+10.5f} {study.shot_std[name]:>9.4f} "
            f"{('never' if not math.isfinite(need) else str(math.ceil(need))):>15}"
        )
    lines.append(
        f"(J in units of omega per step, > 0: into the reservoir; device J^ss: fixed point of the noisy step map, raw "
        f"readout; shot std: one shot's tail mean, {which}; shots for sign: {study.sigmas:g} sigma, {which})"
    )
    return lines


def _estimate_text(study: _NetworkStudy) -> list[str]:
    est = study.estimate
    mitigated = ", readout-mitigated" if est.readout_mitigated else ""
    lines = [f"== {est.shots} shots on {est.backend_name} (seed {study.seed}{mitigated}) =="]
    for name in study.names:
        lines.append(f"{'k':>4} {'J_' + name + ' estimate':>18} {'stderr':>9} {'prediction':>11} {'exact':>10}")
        for k in range(est.n_collisions):
            if est.n_collisions > 24 and 6 <= k < est.n_collisions - 6:
                if k == 6:
                    lines.append(f"{'...':>4}")
                continue
            lines.append(
                f"{k + 1:>4} {est.currents[name][k]:>+18.5f} {est.currents_stderr[name][k]:>9.5f} "
                f"{study.expected[name][k]:>+11.5f} {study.exact[name][k]:>+10.5f}"
            )
    for name in study.names:
        mean, err = est.steady[name], est.steady_stderr[name]
        expected = study.tail(study.expected[name])
        lines.append(
            f"tail mean J_{name} (k >= {est.tail_start}): {mean:+.5f} +- {err:.5f} ({_ratio(mean, err):+.1f} sigma from 0; "
            f"prediction {expected:+.5f}, z = {_ratio(mean - expected, err):+.2f}; exact {study.tail(study.exact[name]):+.5f})"
        )
    return lines


def _plot_network(study: _NetworkStudy, path: str) -> None:
    """J_r(k) of every reservoir, one panel each: exact, device prediction, shots with 1-sigma bars, the tail."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, n = study.names, study.n_collisions
    k = np.arange(1, n + 1)
    tp, est = study.transpiled, study.estimate
    fig, axes = plt.subplots(
        len(names), 1, figsize=(9.0, 2.2 + 2.4 * len(names)), sharex=True, layout="constrained", squeeze=False
    )
    try:
        for ax, name in zip(axes[:, 0], names, strict=True):
            ax.axvspan(study.tail_start - 0.5, n + 0.5, color="0.93", zorder=0, label=f"tail (k ≥ {study.tail_start})")
            ax.axhline(0.0, color="0.5", lw=0.7)
            ax.plot(k, study.exact[name], "-", color="black", lw=1.4, label="exact")
            ax.axhline(
                study.exact_steady[name], color="black", lw=0.8, ls="-.", label=f"exact steady {study.exact_steady[name]:+.4f}"
            )
            label = f"{tp.backend_name} prediction" + (" (readout-mitigated)" if study.mitigated else " (raw readout)")
            ax.plot(k, study.expected[name], "--", color="tab:red", lw=1.6, label=label)
            if est is not None:
                ax.errorbar(
                    k,
                    est.currents[name],
                    yerr=est.currents_stderr[name],
                    fmt="o",
                    ms=3.5,
                    color="tab:blue",
                    capsize=2,
                    label=f"{est.shots} shots, ±1σ",
                )
                mean, err = est.steady[name], est.steady_stderr[name]
                ax.fill_between(
                    [est.tail_start - 0.5, n + 0.5],
                    mean - study.sigmas * err,
                    mean + study.sigmas * err,
                    color="tab:blue",
                    alpha=0.2,
                    label=f"shots' tail mean ±{study.sigmas:g}σ: {mean:+.4f}",
                )
            ax.set_ylabel(rf"$J_{{\mathrm{{{name}}}}}(k)$ (units of $\omega$)")
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        bottom = axes[-1, 0]
        bottom.set_xlabel("step $k$")
        if n <= 30:
            bottom.set_xticks(np.arange(1, n + 1, max(1, n // 10)))
        top = axes[0, 0]
        if math.isfinite(tp.step_duration) and tp.step_duration > 0 and math.isfinite(tp.prefix_duration):
            start, step = tp.prefix_duration * 1e6, tp.step_duration * 1e6
            time_axis = top.secondary_xaxis("top", functions=(lambda s: start + s * step, lambda t: (t - start) / step))
            time_axis.set_xlabel("end of step $k$ on the device (µs)", fontsize=8)
        top.set_title(
            f"{study.path}: {study.network.sites} sites on {tp.backend_name}, qubits {list(tp.physical_qubits)}; "
            r"$J_r > 0$: energy into reservoir $r$",
            fontsize=8,
        )
        atomic_savefig(fig, path, dpi=150)
    finally:
        plt.close(fig)


def run_network(args: argparse.Namespace) -> int:
    """``circuitheat hardware --network FILE``: the device study of a collision network (module docstring)."""
    args = _refuse_paper_options(args)
    if args.plot is not None:
        check_can_write(args.plot, args.force, "--plot", FIGURE_SUFFIXES)
    study = _network_study(args)
    if args.plot is not None:
        _plot_network(study, args.plot)
    if args.json:
        json.dump(_network_record(study), sys.stdout)
        sys.stdout.write("\n")
        return 0
    print("== transpilation ==")
    print("\n".join(_transpilation_text(study)))
    print()
    print("\n".join(_prediction_text(study)))
    if study.estimate is not None:
        print()
        print("\n".join(_estimate_text(study)))
    return 0
