r"""Error mitigation for the dynamic device protocol: readout, Pauli twirling, DD, ZNE.

The protocol (:mod:`circuitheat.hardware.protocol`) is a *dynamic* circuit: every
collision measures both ancillas mid-circuit, resets them and prepares them again.
The common mitigation libraries do not accept that today: mitiq's folding and
extrapolation and mthree's readout correction act on circuits whose measurements all
sit at the end, and the runtime's built-in mitigation (``EstimatorV2`` resilience)
belongs to the estimator, not to a sampler with mid-circuit outcomes. The runtime
sampler's own ``twirling`` and ``dynamical_decoupling`` options are dropped in local
testing mode (qiskit-ibm-runtime 0.51, ``fake_provider/local_service.py`` warns "Options
... have no effect in local testing mode"), so they cannot be checked against fake
devices; the circuits built here carry the mitigation themselves and run unchanged on
any sampler, local or remote. So this module
writes the four small pieces needed, each applied to **one transpiled collision block**
(the same block is then repeated, so the 16×16 map of
:mod:`circuitheat.hardware.noise_map` still predicts every variant exactly):

readout (``"readout"``)
    The bits of one collision are two single-qubit readouts of two different ancillas,
    each read once and then reset, so the assignment matrix of each is a 2×2 matrix
    :math:`A_q = \begin{pmatrix}1-e_0 & e_1\\ e_0 & 1-e_1\end{pmatrix}` (asymmetric,
    :math:`e_0 = P(1|0) \ne e_1 = P(0|1)`). Inverting :math:`A_q` on the outcome
    frequencies of collision k is linear, so it equals the per-shot affine map
    :math:`z\to(z-(e_1-e_0))/(1-e_0-e_1)` of :mod:`circuitheat.hardware.sampling`
    (``mitigate_readout=True``); mthree's correction is the same inversion but on
    end-of-circuit bitstrings only.
Pauli twirling (``"twirl"``)
    :func:`qiskit.circuit.pauli_twirl_2q_gates` draws a random Pauli frame around every
    two-qubit gate of the block and merges it into the neighbouring single-qubit gates
    (``target=``), leaving the ideal block unchanged. Each of ``num_twirls``
    randomisations is one circuit (that block repeated n times); shots are split evenly.
    Twirling turns each gate's noise into a Pauli channel (Aer's amplitude damping
    during a gate becomes symmetric): it makes the noise scale predictably under folding
    rather than removing it.
dynamical decoupling (``"dd"``)
    The block is re-scheduled (ALAP, the target's durations) and the idle windows of
    the two system qubits -- mostly the ancillas' mid-circuit measurement and reset --
    are filled with an X–X sequence by qiskit's
    :class:`~qiskit.transpiler.passes.PadDynamicalDecoupling`
    (``skip_reset_qubits=False``: the block is not the start of the circuit). What Aer's
    device noise model does with it: a ``delay`` gets thermal relaxation
    :math:`(T_1, T_2, t)` (:mod:`circuitheat.hardware.simulators`), a Markovian channel
    that commutes with X up to swapping the direction of :math:`T_1` decay. So in
    simulation DD cannot refocus anything; it only splits each idle window between
    decay towards :math:`|0\rangle` and towards :math:`|1\rangle` and adds the X gates'
    errors. On a device it also suppresses coherent ZZ crosstalk and slow frequency
    noise, which Aer does not model: the table shows the simulated cost, not the device
    benefit.
zero-noise extrapolation (``"zne"``)
    Each block is :math:`R\,;\,G\,;\,M` (resets first, measurements last, the unitary
    part G between them). Folding gives :math:`R\,;\,G(G^\dagger G)^{(\lambda-1)/2}\,;\,M`
    for odd :math:`\lambda`, so gate noise is scaled by :math:`\lambda` while resets and
    measurements are untouched (:func:`fold_block`). The system qubits also idle while
    the ancillas are measured and reset, and that relaxation is a large part of the
    device's error; folding does not scale it, so by default the system's idle time is
    stretched to :math:`\lambda` times its original length as well (an extra wait after
    the measurements, on the system qubits only; ``stretch_idle=False`` turns this
    off). Currents at :math:`\lambda = 1, 3` (, 5) are extrapolated to
    :math:`\lambda = 0` linearly or by Richardson (:func:`extrapolation_coefficients`).

Shot cost
---------
A mitigated estimate :math:`\hat J = \sum_i c_i \hat J_i` combines means over
:math:`N_i` shots of circuits with per-shot standard deviations :math:`\sigma_i`. With
:math:`N_i \propto |c_i|` (how :func:`estimate_mitigated_current` splits its shots) the
shots needed for a given standard error, relative to the raw circuit, are

.. math:: \text{cost} = \frac{\big(\sum_i |c_i|\big)\,\sum_i |c_i|\,\sigma_i^2}{\sigma_{\rm raw}^2},

the *variance amplification factor* of :class:`MitigationResult`; twirled estimates use
the per-shot variance of the mixture of randomisations.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from qiskit import transpile as qiskit_transpile
from qiskit.circuit import CircuitInstruction, Delay, QuantumCircuit, pauli_twirl_2q_gates
from qiskit.circuit.library import Barrier, XGate
from qiskit.providers import BackendV2
from qiskit.transpiler import PassManager, Target
from qiskit.transpiler.passes import ALAPScheduleAnalysis, PadDelay, PadDynamicalDecoupling

from ..circuits import COLD, HOT, HOT_PARTNER, SYSTEM_A, SYSTEM_B
from ..engines import simulate
from ..model import CollisionModel, check_model
from ..states import validate_density_matrix
from ..steady import steady_state
from ..validation import check_choice, check_count
from .noise_map import NoisyCollisionMap, TailStatistics
from .observability import study_length, thermal_control
from .protocol import DEFAULT_ENCODING, assemble_protocol
from .readout import readout_errors
from .sampling import bits_from_result, device_sampler, heat_currents_from_bits
from .transpile import TranspiledProtocol, resolve_backend, strip_idle_delays, transpile_protocol

__all__ = [
    "DEFAULT_NUM_TWIRLS",
    "DEFAULT_SCALES",
    "EXTRAPOLATIONS",
    "MITIGATIONS",
    "TECHNIQUE_SETS",
    "MitigatedEstimate",
    "MitigationResult",
    "MitigationStudy",
    "estimate_mitigated_current",
    "extrapolation_coefficients",
    "fold_block",
    "format_mitigation_table",
    "mitigated_blocks",
    "mitigation_study",
    "mitigation_table",
    "schedule_block",
]

#: The four techniques, in the order they are applied to a block (readout acts on the bits).
MITIGATIONS = ("readout", "twirl", "dd", "zne")
#: Rows of the mitigation table: none, each technique alone, all but DD (which cannot help
#: under Aer's Markovian idle noise, module docstring), all together.
TECHNIQUE_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("readout",),
    ("twirl",),
    ("dd",),
    ("zne",),
    ("readout", "twirl", "zne"),
    MITIGATIONS,
)
#: Noise scale factors of ZNE (odd: G (G^dagger G)^k).
DEFAULT_SCALES = (1, 3)
#: Extrapolations to zero noise: "linear" (least squares line) or "richardson" (polynomial through all points).
EXTRAPOLATIONS = ("linear", "richardson")
#: Pauli-twirl randomisations per circuit family (the table and the shots use the same ones).
DEFAULT_NUM_TWIRLS = 8
#: Seed of the twirl randomisations unless given (reproducible tables).
DEFAULT_TWIRL_SEED = 1729

_NON_UNITARY = frozenset({"reset", "measure", "delay", "barrier"})


def _check_techniques(techniques: Sequence[str]) -> tuple[str, ...]:
    if isinstance(techniques, str):
        techniques = (techniques,)
    out = tuple(check_choice("technique", t, MITIGATIONS) for t in techniques)
    return tuple(t for t in MITIGATIONS if t in out)


def extrapolation_coefficients(scales: Sequence[float], method: str = "linear") -> NDArray[np.float64]:
    r"""Weights :math:`c_i` with :math:`\hat J(0) = \sum_i c_i \hat J(\lambda_i)`.

    ``"richardson"``: the polynomial of degree m-1 through the m points, evaluated at 0,
    :math:`c_i = \prod_{j\ne i} \lambda_j/(\lambda_j-\lambda_i)`. ``"linear"``: the
    least-squares line through the points, evaluated at 0 (equal to Richardson for two
    points). Both satisfy :math:`\sum_i c_i = 1`.
    """
    method = check_choice("method", method, EXTRAPOLATIONS)
    lam = np.asarray(scales, dtype=float)
    if lam.ndim != 1 or lam.size < 1 or len(set(lam.tolist())) != lam.size or np.any(lam < 1):
        raise ValueError(f"scales must be distinct noise scale factors >= 1, got {scales!r}")
    if lam.size == 1:
        return np.ones(1)
    if method == "richardson":
        return np.array([np.prod([lj / (lj - li) for j, lj in enumerate(lam) if j != i]) for i, li in enumerate(lam)])
    design = np.column_stack([np.ones_like(lam), lam])
    return np.linalg.pinv(design)[0]


# --------------------------------------------------------------------------- building blocks


def _without_delays(block: QuantumCircuit) -> QuantumCircuit:
    out = block.copy_empty_like()
    for inst in block.data:
        if inst.operation.name != "delay":
            out._append(inst)
    return out


def _basis(target: Target) -> list[str]:
    return [
        n
        for n in target.operation_names
        if n not in ("delay", "barrier") and not n.startswith(("if_", "for_", "while_", "switch_"))
    ]


def fold_block(block: QuantumCircuit, scale: int, target: Target) -> QuantumCircuit:
    r"""Fold the unitary part of a collision block: :math:`R; G; M \to R; G(G^\dagger G)^{(\lambda-1)/2}; M`.

    Parameters
    ----------
    block : QuantumCircuit
        A transpiled block (delays are dropped; re-schedule with :func:`schedule_block`).
    scale : int
        Odd noise scale factor :math:`\lambda \ge 1`.
    target : Target
        :math:`G^\dagger` is translated to its basis (optimisation level 0: no gate of
        the fold is cancelled).

    Raises
    ------
    ValueError
        For an even scale, or a block whose resets do not all precede its gates or whose
        measurements do not all follow them (then G is not one unitary segment).
    """
    lam = check_count("scale", scale)
    if lam % 2 == 0:
        raise ValueError(f"scale must be odd (G (G^dagger G)^k), got {scale}")
    bare = _without_delays(block)
    resets, gates, measures = bare.copy_empty_like(), bare.copy_empty_like(), bare.copy_empty_like()
    touched: set = set()
    for inst in bare.data:
        name = inst.operation.name
        if name == "reset":
            if touched & set(inst.qubits):
                raise ValueError("block has a reset after a gate on the same qubit: its unitary part is not one segment")
            resets._append(inst)
        elif name == "measure":
            measures._append(inst)
        else:
            if set(inst.qubits) & {q for m in measures.data for q in m.qubits}:
                raise ValueError("block has a gate after a measurement on the same qubit")
            gates._append(inst)
            touched.update(inst.qubits)
    if lam == 1:
        return bare
    inverse = qiskit_transpile(gates.inverse(), basis_gates=_basis(target), optimization_level=0)
    out = resets.copy()
    out.compose(gates, inplace=True)
    for _ in range((lam - 1) // 2):
        out.compose(inverse, inplace=True)
        out.compose(gates, inplace=True)
    out.compose(measures, inplace=True)
    return out


def _idle_dt(block: QuantumCircuit, qubit) -> int:
    return int(sum(inst.operation.duration for inst in block.data if inst.operation.name == "delay" and qubit in inst.qubits))


def schedule_block(
    block: QuantumCircuit,
    target: Target,
    *,
    dd_qubits: Sequence[int] = (),
    extra_idle: int = 0,
    idle_qubits: Sequence[int] = (),
    wait_qubit: int | None = None,
) -> QuantumCircuit:
    """Schedule a block ALAP with the target's durations, optionally with DD and an extra idle wait.

    Parameters
    ----------
    block : QuantumCircuit
        Device-width block; its delays are dropped and recomputed.
    target : Target
    dd_qubits : sequence of int
        Physical qubits whose idle windows get an X–X sequence
        (:class:`~qiskit.transpiler.passes.PadDynamicalDecoupling`).
    extra_idle : int
        Extra idle time (in units of ``target.dt``) for ``idle_qubits`` after the
        measurements: a barrier on every active qubit, a delay on ``wait_qubit`` (a
        qubit that is reset in the next block and never measured, so its own relaxation
        during the wait is irrelevant) and a barrier with ``idle_qubits``, so the idle
        qubits wait in a schedule gap (filled by DD or by a delay).
    """
    bare = _without_delays(block)
    if extra_idle > 0:
        if wait_qubit is None or not idle_qubits:
            raise ValueError("extra_idle needs wait_qubit and idle_qubits")
        # the wait starts when everything (measurements included) is done ...
        active = sorted({bare.find_bit(q).index for inst in bare.data for q in inst.qubits} | {wait_qubit})
        bare._append(CircuitInstruction(Barrier(len(active)), [bare.qubits[q] for q in active], ()))
        bare._append(CircuitInstruction(Delay(int(extra_idle), unit="dt"), (bare.qubits[wait_qubit],), ()))
        # ... and the idle qubits wait for it in a schedule gap
        qubits = [bare.qubits[q] for q in (*idle_qubits, wait_qubit)]
        bare._append(CircuitInstruction(Barrier(len(qubits)), qubits, ()))
    passes = [ALAPScheduleAnalysis(target=target)]
    if dd_qubits:
        passes.append(
            PadDynamicalDecoupling(
                target=target,
                dd_sequence=[XGate(), XGate()],
                qubits=list(dd_qubits),
                skip_reset_qubits=False,
                pulse_alignment=target.pulse_alignment,
            )
        )
    passes.append(PadDelay(target=target))
    out = PassManager(passes).run(bare)
    # Drop the helper barriers (the schedule is in the delays now) and any delay after a
    # qubit's measurement: the measured ancilla is reset next, and the noise map (which
    # reads the ancillas at the end of the block) must see them as they were measured.
    cleaned = out.copy_empty_like()
    measured: set = set()
    for inst in out.data:
        name = inst.operation.name
        if name == "barrier" or (name == "delay" and measured & set(inst.qubits)):
            continue
        if name == "measure":
            measured.update(inst.qubits)
        cleaned._append(inst)
    return strip_idle_delays(cleaned)


def mitigated_blocks(
    transpiled: TranspiledProtocol,
    backend: str | BackendV2,
    techniques: Sequence[str],
    *,
    scales: Sequence[int] = DEFAULT_SCALES,
    num_twirls: int = DEFAULT_NUM_TWIRLS,
    seed: int = DEFAULT_TWIRL_SEED,
    stretch_idle: bool = True,
) -> dict[int, list[QuantumCircuit]]:
    """The collision blocks to run for ``techniques``: ``{scale: [one block per randomisation]}``.

    Without ``"zne"`` the only scale is 1; without ``"twirl"`` each list has one block.
    ``"readout"`` changes no circuit. Every block is scheduled (:func:`schedule_block`),
    the blocks of scale 1 without DD, twirl or ZNE equal ``transpiled.block`` in content
    and timing.
    """
    techniques = _check_techniques(techniques)
    device = resolve_backend(backend)
    target = device.target
    phys = transpiled.physical_qubits
    system = (phys[SYSTEM_A], phys[SYSTEM_B])
    dd_qubits = system if "dd" in techniques else ()
    scale_list = tuple(int(s) for s in scales) if "zne" in techniques else (1,)
    if "twirl" in techniques:
        n_tw = check_count("num_twirls", num_twirls)
        bases = pauli_twirl_2q_gates(_without_delays(transpiled.block), seed=seed, num_twirls=n_tw, target=target)
    else:
        bases = [transpiled.block]
    reference = schedule_block(transpiled.block, target)
    idle = max(_idle_dt(reference, reference.qubits[q]) for q in system)
    out: dict[int, list[QuantumCircuit]] = {}
    for lam in scale_list:
        blocks = []
        for base in bases:
            folded = fold_block(base, lam, target)
            extra = 0
            if lam > 1 and stretch_idle:
                plain = schedule_block(folded, target)
                extra = max(lam * idle - _idle_dt(plain, plain.qubits[q]) for q in system)
            blocks.append(
                schedule_block(
                    folded,
                    target,
                    dd_qubits=dd_qubits,
                    extra_idle=max(extra, 0),
                    idle_qubits=system,
                    wait_qubit=phys[HOT_PARTNER],
                )
            )
        out[lam] = blocks
    return out


def _with_block(transpiled: TranspiledProtocol, block: QuantumCircuit, n_collisions: int | None = None) -> TranspiledProtocol:
    n = transpiled.n_collisions if n_collisions is None else n_collisions
    circuit = assemble_protocol(
        transpiled.prefix, block, n, barrier_qubits=transpiled.physical_qubits, name="hardware_protocol_mitigated"
    )
    circuit.metadata = dict(transpiled.circuit.metadata or {}) | {"n_collisions": n}
    return dataclasses.replace(transpiled, block=block, circuit=circuit, n_collisions=n)


# --------------------------------------------------------------------------- predictions


def _mixture(stats: Sequence[TailStatistics]) -> tuple[float, float]:
    """Mean and per-shot variance of an equal mixture of circuits (one randomisation per shot)."""
    means = np.array([s.mean for s in stats])
    second = np.array([s.shot_std**2 + s.mean**2 for s in stats])
    mean = float(means.mean())
    return mean, float(max(second.mean() - mean**2, 0.0))


@dataclass(frozen=True)
class MitigationResult:
    r"""Device prediction of the tail current with one set of mitigation techniques.

    Attributes
    ----------
    techniques : tuple of str
        Subset of :data:`MITIGATIONS` (empty: raw).
    mean : float
        Expected mitigated tail current :math:`E[\hat J]` (energy units).
    bias : float
        ``mean - exact`` (signed; the table reports its absolute value).
    shot_std : float
        Per-shot standard deviation of the combined estimator with the shots split
        :math:`N_i \propto |c_i|` (module docstring): the standard error with N shots in
        total is ``shot_std / sqrt(N)``.
    cost : float
        Variance amplification factor: ``(shot_std / raw shot_std)**2``, the shots it
        takes to reach the raw estimate's standard error, relative to raw.
    scale_means : dict
        Noise scale factor -> expected tail current at that scale (readout-mitigated
        when ``"readout"`` is used).
    """

    techniques: tuple[str, ...]
    mean: float
    bias: float
    shot_std: float
    cost: float
    scale_means: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``"none"``, a technique's name, or ``"all"``."""
        if not self.techniques:
            return "none"
        return "all" if self.techniques == MITIGATIONS else "+".join(self.techniques)


@dataclass(frozen=True)
class MitigationStudy:
    """Mitigation results for one model on one device (one row of the table per technique set).

    Attributes
    ----------
    model : CollisionModel
    backend_name : str
    physical_qubits : tuple of int
    n_collisions, tail_start : int
    exact : float
        Exact (noiseless) expectation of the tail average :math:`\\frac1K\\sum_{k\\ge k_0}J_h(k)`.
    results : tuple of MitigationResult
    """

    model: CollisionModel = field(repr=False)
    backend_name: str
    physical_qubits: tuple[int, ...]
    n_collisions: int
    tail_start: int
    exact: float
    results: tuple[MitigationResult, ...]

    def result(self, techniques: Sequence[str]) -> MitigationResult:
        """The result for this set of techniques."""
        key = _check_techniques(techniques)
        for r in self.results:
            if r.techniques == key:
                return r
        raise ValueError(f"techniques {key!r} were not studied; studied: {[r.techniques for r in self.results]}")


def mitigation_study(
    model: CollisionModel,
    backend: str | BackendV2,
    *,
    n_collisions: int | None = None,
    tail_start: int | None = None,
    technique_sets: Sequence[Sequence[str]] = TECHNIQUE_SETS,
    scales: Sequence[int] = DEFAULT_SCALES,
    extrapolation: str = "linear",
    num_twirls: int = DEFAULT_NUM_TWIRLS,
    seed: int = DEFAULT_TWIRL_SEED,
    stretch_idle: bool = True,
    encoding: str = DEFAULT_ENCODING,
    layout: Sequence[int] | None = None,
    initial_state: NDArray | None = None,
) -> MitigationStudy:
    r"""Bias :math:`E[\hat J_h] - J_{exact}` of the tail current and shot cost, per set of mitigation techniques.

    Every variant is predicted exactly (no shots) from the noisy 16×16 maps of its blocks
    (:class:`~circuitheat.hardware.noise_map.NoisyCollisionMap`, Aer's device noise
    model): twirled predictions average the randomisations actually generated, ZNE
    combines the scale factors with :func:`extrapolation_coefficients`.

    Parameters
    ----------
    model : CollisionModel
    backend : str or BackendV2
    n_collisions, tail_start : int, optional
        Default: as :func:`~circuitheat.hardware.observability.observability_study`
        (tail = the second half, starting where the device current has settled).
    technique_sets : sequence of sequences of str
        Default :data:`TECHNIQUE_SETS`.
    scales : sequence of odd int
        ZNE noise scale factors (default (1, 3)).
    extrapolation : {"linear", "richardson"}
    num_twirls, seed : int
        Twirl randomisations and their seed.
    stretch_idle : bool
        ZNE also stretches the system's idle time (module docstring).
    encoding, layout
        As :func:`~circuitheat.hardware.transpile.transpile_protocol`.
    initial_state : ndarray (4, 4), optional
        System state before collision 1 (package basis), replacing the device's
        preparation of ``"11"`` in every prediction; the exact reference then starts
        from it too (used by :mod:`circuitheat.hardware.steady_protocol`).
    """
    check_model(model)
    device = resolve_backend(backend)
    sets = [_check_techniques(t) for t in technique_sets]
    if () not in sets:
        sets.insert(0, ())
    tp = transpile_protocol(model, 1, device, layout=layout, encoding=encoding)
    rho0 = None if initial_state is None else validate_density_matrix(initial_state)
    cache: dict[tuple, NoisyCollisionMap] = {}

    def maps_for(techniques: tuple[str, ...]) -> dict[int, list[NoisyCollisionMap]]:
        circuit_key = tuple(t for t in techniques if t != "readout")
        blocks = mitigated_blocks(
            tp, device, circuit_key, scales=scales, num_twirls=num_twirls, seed=seed, stretch_idle=stretch_idle
        )
        out = {}
        for lam, bl in blocks.items():
            out[lam] = []
            for i, b in enumerate(bl):
                # at lam = 1 folding changes nothing: share the maps with the sets without "zne"
                key = (tuple(t for t in circuit_key if lam > 1 or t != "zne"), lam, i)
                if key not in cache:
                    mp = NoisyCollisionMap.from_transpiled(dataclasses.replace(tp, block=b), device)
                    if rho0 is not None:
                        mp = dataclasses.replace(mp, initial_state=rho0)
                    cache[key] = mp
                out[lam].append(cache[key])
        return out

    raw_maps = maps_for(())
    base = raw_maps[1][0]
    n, k0 = study_length(base, steady_state(model).heat_hot, n_collisions=n_collisions, tail_start=tail_start)
    start = "11" if rho0 is None else rho0
    exact = float(simulate(model, n, initial_state=start, store_states=False).heat_hot[k0 - 1 :].mean())
    raw_std = base.tail_statistics(n, k0).shot_std
    results = []
    for techniques in sets:
        maps = maps_for(techniques)
        mitigated = "readout" in techniques
        lams = sorted(maps)
        coeffs = extrapolation_coefficients(lams, extrapolation) if len(lams) > 1 else np.ones(1)
        scale_means, variances = {}, []
        for lam in lams:
            mean, var = _mixture([mp.tail_statistics(n, k0, mitigated=mitigated) for mp in maps[lam]])
            scale_means[lam] = mean
            variances.append(var)
        weights = np.abs(coeffs)
        mean = float(np.dot(coeffs, [scale_means[lam] for lam in lams]))
        var = float(weights.sum() * np.dot(weights, variances))
        results.append(
            MitigationResult(
                techniques=techniques,
                mean=mean,
                bias=mean - exact,
                shot_std=math.sqrt(var),
                cost=var / raw_std**2,
                scale_means=scale_means,
            )
        )
    return MitigationStudy(
        model=model,
        backend_name=tp.backend_name,
        physical_qubits=tp.physical_qubits,
        n_collisions=n,
        tail_start=k0,
        exact=exact,
        results=tuple(results),
    )


def mitigation_table(
    backends: Sequence[str | BackendV2] = ("fake_torino", "fake_sherbrooke"),
    gammas: Sequence[float] = (math.pi / 4, math.pi / 2),
    *,
    delta: float = math.pi / 4,
    phase_difference: float = 5 * math.pi / 4,
    controls: bool = True,
    **study_options,
) -> list[MitigationStudy]:
    r""":func:`mitigation_study` for every device and :math:`\gamma` (and the thermal control).

    The model is Fig. 3's: :math:`T_h = 2, T_c = 1, p = 0.8`,
    :math:`\phi_h-\phi_c` = ``phase_difference``, :math:`\delta` = ``delta``; with
    ``controls`` each is followed by its thermal control (p = 0,
    :func:`~circuitheat.hardware.observability.thermal_control`). Print it with
    :func:`format_mitigation_table`; ``python -m circuitheat.hardware.mitigation`` does both.
    """
    from ..model import Reservoir

    out = []
    for backend in backends:
        device = resolve_backend(backend)
        for gamma in gammas:
            model = CollisionModel(gamma, delta, Reservoir(2.0, 0.8, phase_difference), Reservoir(1.0, 0.8, 0.0))
            for m in (model, thermal_control(model)) if controls else (model,):
                out.append(mitigation_study(m, device, **study_options))
    return out


def _angle(x: float) -> str:
    for den in (1, 2, 4, 8, 12, 16, 32, 64):
        num = x * den / math.pi
        if abs(num - round(num)) < 1e-9 and round(num) != 0:
            k = round(num)
            top = "π" if k == 1 else f"{k}π"
            return top if den == 1 else f"{top}/{den}"
    return f"{x:.4g}"


def format_mitigation_table(studies: Sequence[MitigationStudy]) -> str:
    """Markdown table: per device, γ and model, |bias| of the tail current per technique set, then the shot costs."""
    if not studies:
        raise ValueError("studies must not be empty")
    labels = [r.label for r in studies[0].results]
    head = "| device | γ | reservoirs | n (tail) | exact | " + " | ".join(f"\\|bias\\| {x}" for x in labels)
    head += " | cost " + " / ".join(labels[1:]) + " |"
    sep = "|" + "---|" * (5 + len(labels) + 1)
    rows = [head, sep]
    for st in studies:
        p = st.model.hot.coherence
        kind = "coherent p = 0.8" if p > 0 else "thermal control"
        cells = [
            st.backend_name,
            _angle(st.model.gamma),
            kind,
            f"{st.n_collisions} ({st.tail_start}..)",
            f"{st.exact:+.4f}",
            *(f"{abs(r.bias):.4f}" for r in st.results),
            " / ".join(f"{r.cost:.2f}" for r in st.results[1:]),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


@dataclass(frozen=True)
class MitigatedEstimate:
    r"""A mitigated tail current from shots.

    Attributes
    ----------
    techniques : tuple of str
    reservoir : str
    value, stderr : float
        :math:`\sum_i c_i \bar J_i` and :math:`\sqrt{\sum_i c_i^2\,\mathrm{se}_i^2}`.
    scale_values : dict
        Scale factor -> (tail mean, standard error, shots) at that scale, pooled over
        the twirl randomisations.
    coefficients : ndarray
        Extrapolation weights :math:`c_i` in the order of ``sorted(scale_values)``.
    n_collisions, tail_start, shots : int
    """

    techniques: tuple[str, ...]
    reservoir: str
    value: float
    stderr: float
    scale_values: dict
    coefficients: NDArray = field(repr=False)
    n_collisions: int
    tail_start: int
    shots: int


def estimate_mitigated_current(
    model: CollisionModel,
    n_collisions: int,
    backend: str | BackendV2,
    *,
    shots: int,
    techniques: Sequence[str] = MITIGATIONS,
    seed: int | None = None,
    reservoir: str = "hot",
    tail_start: int | None = None,
    scales: Sequence[int] = DEFAULT_SCALES,
    extrapolation: str = "linear",
    num_twirls: int = DEFAULT_NUM_TWIRLS,
    twirl_seed: int = DEFAULT_TWIRL_SEED,
    stretch_idle: bool = True,
    transpiled: TranspiledProtocol | None = None,
    method: str = "statevector",
) -> MitigatedEstimate:
    r"""Run the mitigated protocol on a (fake) device and estimate the tail current with its standard error.

    The circuits are the blocks of :func:`mitigated_blocks`, each repeated
    ``n_collisions`` times; ``shots`` are split over the scale factors in proportion to
    :math:`|c_i|` and evenly over the twirl randomisations, all in one sampler call
    (Aer with the device noise, seeded, :func:`~circuitheat.hardware.sampling.device_sampler`).
    With ``"readout"`` every shot is readout-mitigated with the device's assignment
    matrices of the two measured qubits.
    """
    check_model(model)
    n = check_count("n_collisions", n_collisions)
    shots = check_count("shots", shots, minimum=2)
    reservoir = check_choice("reservoir", reservoir, ("hot", "cold"))
    techniques = _check_techniques(techniques)
    device = resolve_backend(backend)
    tp = transpiled if transpiled is not None else transpile_protocol(model, n, device)
    if tp.model != model:
        raise ValueError("transpiled was built for another model")
    blocks = mitigated_blocks(
        tp, device, techniques, scales=scales, num_twirls=num_twirls, seed=twirl_seed, stretch_idle=stretch_idle
    )
    lams = sorted(blocks)
    coeffs = extrapolation_coefficients(lams, extrapolation) if len(lams) > 1 else np.ones(1)
    weights = np.abs(coeffs) / np.abs(coeffs).sum()
    pubs, owners = [], []
    for lam, w in zip(lams, weights, strict=True):
        per = max(2, round(shots * w / len(blocks[lam])))
        for block in blocks[lam]:
            pubs.append((_with_block(tp, block, n).circuit, None, per))
            owners.append(lam)
    sampler = device_sampler(device, seed=seed, method=method, qubits=tp.physical_qubits)
    result = sampler.run(pubs).result()
    readout = tuple(readout_errors(device, tp.physical_qubits[r]) for r in (HOT, COLD)) if "readout" in techniques else None
    scale_values = {}
    total = 0
    for lam in lams:
        bits = [bits_from_result(result[i]) for i, o in enumerate(owners) if o == lam]
        hot = np.concatenate([b[0] for b in bits])
        cold = np.concatenate([b[1] for b in bits])
        est = heat_currents_from_bits(model, hot, cold, encoding=tp.encoding, tail_start=tail_start, readout=readout)
        value = est.steady_hot if reservoir == "hot" else est.steady_cold
        err = est.steady_hot_stderr if reservoir == "hot" else est.steady_cold_stderr
        scale_values[lam] = (value, err, hot.shape[0])
        total += hot.shape[0]
        k0 = est.tail_start
    value = float(sum(c * scale_values[lam][0] for c, lam in zip(coeffs, lams, strict=True)))
    stderr = float(math.sqrt(sum((c * scale_values[lam][1]) ** 2 for c, lam in zip(coeffs, lams, strict=True))))
    return MitigatedEstimate(
        techniques=techniques,
        reservoir=reservoir,
        value=value,
        stderr=stderr,
        scale_values=scale_values,
        coefficients=coeffs,
        n_collisions=n,
        tail_start=k0,
        shots=total,
    )


if __name__ == "__main__":  # pragma: no cover - the README's table: python -m circuitheat.hardware.mitigation
    print(format_mitigation_table(mitigation_table(gammas=(math.pi / 4, math.pi / 2, math.pi / 32))))
