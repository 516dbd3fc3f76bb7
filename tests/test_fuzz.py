"""Seeded fuzzing of the public API and the CLI (issue 13), with every warning an error.

* Legal input (drawn over the documented domains, extremes included: T from the smallest
  double to inf, p at 0 and 1, angles up to 1e12 rad, omega from 1e-3 to 1e3) must give
  finite numbers and no warning.
* Illegal input (NaN, out-of-range, 10**400, strings, complex, bools, None, sequences
  where a number is due) must raise ValueError or TypeError whose message names the
  parameter.

No physics reference numbers: the checks are the contract of ``shared/DESIGN.md``
(finite results, J_h = -J_c in the steady state, errors that name the parameter).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.expressions import parse_number, parse_range_or_list

SEED = 20261201
#: Cases per group; the groups together are a few hundred calls and ~10 s on one core.
N_LEGAL = 40
N_ILLEGAL = 60
#: Steady-state energy balance J_h + J_c = 0 holds to rounding of currents of size up to omega.
BALANCE_ATOL = 1e-12

SCALAR_PARAMETERS = ("gamma", "delta", "t_hot", "t_cold", "coherence", "phase_hot", "phase_cold", "omega")

#: Values no parameter accepts, and those only some reject.
ALWAYS_BAD = (math.nan, 10**400, -(10**400), "0.5", 1j, True, None, [[0.1], [0.2, 0.3]], object())
BAD_BY_KIND = {
    "angle": (math.inf, -math.inf),
    "temperature": (0.0, -1.0, -math.inf, -1e-300),
    "coherence": (-1e-9, 1.000001, math.inf, 2.0),
    "omega": (0.0, -1.0, math.inf),
}
KIND = {
    "gamma": "angle",
    "delta": "angle",
    "phase_hot": "angle",
    "phase_cold": "angle",
    "phase": "angle",
    "phase_difference": "angle",
    "t_hot": "temperature",
    "t_cold": "temperature",
    "temperature": "temperature",
    "coherence": "coherence",
    "omega": "omega",
}


def _temperature(rng: np.random.Generator) -> float:
    r = rng.random()
    if r < 0.05:
        return math.inf
    if r < 0.15:
        return float(10.0 ** rng.uniform(-323, -200))  # down to the subnormal doubles
    return float(10.0 ** rng.uniform(-2, 3))


def _angle(rng: np.random.Generator) -> float:
    return float(rng.choice([rng.uniform(-2 * np.pi, 2 * np.pi), rng.uniform(-1e12, 1e12), 0.0]))


def _gamma(rng: np.random.Generator) -> float:
    """Any angle whose steady state is unique (sin^2 gamma >= UNIQUENESS_TOLERANCE)."""
    return float(rng.uniform(0.02, np.pi - 0.02) + np.pi * rng.integers(-3, 4))


def _legal(rng: np.random.Generator) -> dict[str, float]:
    return {
        "gamma": _gamma(rng),
        "delta": _angle(rng),
        "t_hot": _temperature(rng),
        "t_cold": _temperature(rng),
        "coherence": float(rng.choice([0.0, 1.0, rng.random()])),
        "phase_hot": _angle(rng),
        "phase_cold": _angle(rng),
        "omega": float(10.0 ** rng.uniform(-3, 3)),
    }


def _model(k: dict[str, float]) -> ch.CollisionModel:
    hot = ch.Reservoir(k["t_hot"], k["coherence"], k["phase_hot"], k["omega"])
    cold = ch.Reservoir(k["t_cold"], k["coherence"], k["phase_cold"], k["omega"])
    return ch.CollisionModel(k["gamma"], k["delta"], hot, cold)


def _bad_value(rng: np.random.Generator, name: str):
    pool = ALWAYS_BAD + BAD_BY_KIND[KIND[name]]
    return pool[int(rng.integers(len(pool)))]


def _finite(*values) -> bool:
    return all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in values)


@pytest.fixture
def strict_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_legal_models_give_finite_numbers_without_warnings(strict_warnings):
    rng = np.random.default_rng(SEED)
    for _ in range(N_LEGAL):
        k = _legal(rng)
        model = _model(k)
        assert _finite(model.hot.state.real, model.hot.state.imag, model.hot.energy), k
        traj = ch.simulate(model, int(rng.integers(1, 30)))
        ss = ch.steady_state(model)
        j = ch.steady_heat_current(*(k[n] for n in SCALAR_PARAMETERS))
        t = float(10.0 ** rng.uniform(-320, 3))
        lam, c = ch.linear_response(k["gamma"], k["delta"], t, k["coherence"], k["phase_hot"], k["omega"])
        kappa = ch.conductance(k["gamma"], k["delta"], t, 0.0, 0.0, k["omega"])
        closed = ch.steady_heat_current_full_swap(k["delta"], k["t_hot"], k["t_cold"], k["coherence"], 1.0, k["omega"])
        thermal = ch.conductance_thermal(k["gamma"], k["delta"], t, k["omega"])
        assert _finite(traj.heat_hot, traj.heat_cold, ss.heat_hot, j, lam, c, kappa, closed, thermal), k
        assert abs(ss.heat_hot + ss.heat_cold) <= BALANCE_ATOL * k["omega"], k
        assert ss.heat_hot == pytest.approx(float(j), rel=1e-9, abs=1e-14 * k["omega"]), k


def test_legal_entropy_balances_and_sweeps(strict_warnings):
    """Entropies need rank-2 ancilla states (p < 1 and omega/T well below ~745); the rest is as above."""
    rng = np.random.default_rng(SEED + 1)
    for _ in range(8):
        k = _legal(rng)
        k.update(coherence=float(rng.uniform(0, 0.95)), t_hot=float(rng.uniform(0.2, 5)), t_cold=float(rng.uniform(0.2, 5)))
        model = _model(k)
        balance = ch.entropy_balance(model, int(rng.integers(1, 8)))
        steady = ch.steady_entropy_production(model)
        assert _finite(balance.production, balance.delta_s, steady.production, steady.clausius), k
        ds = ch.sweep({"coherence": rng.uniform(0, 1, 2), "phase_difference": rng.uniform(0, 7, 3)}, base=model, progress=False)
        assert ds.heat_hot.shape == (2, 3) and _finite(ds.heat_hot, ds.conductance, ds.current_offset), k
    for _ in range(2):  # slower: a root search with a maximisation inside
        p_c = ch.critical_coherence(
            _gamma(rng), float(rng.uniform(0.1, 1.4)), float(rng.uniform(1, 3)), 1.0, float(rng.uniform(0.5, 2))
        )
        assert p_c == math.inf or 0.0 <= p_c <= 1.0


def _expect_named_error(call, name: str, detail: str) -> None:
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert name in str(info.value), f"{detail}: {info.value!r} does not name {name!r}"


def test_illegal_inputs_raise_errors_naming_the_parameter(strict_warnings):
    rng = np.random.default_rng(SEED + 2)
    reservoir_names = ("temperature", "coherence", "phase", "omega")
    for _ in range(N_ILLEGAL):
        k = _legal(rng)
        # Reservoir: one bad argument
        name = reservoir_names[int(rng.integers(4))]
        kwargs = {"temperature": 1.0, "coherence": 0.5, "phase": 0.1, "omega": 1.0, name: _bad_value(rng, name)}
        _expect_named_error(lambda kw=kwargs: ch.Reservoir(**kw), name, f"Reservoir({kwargs})")
        # CollisionModel: gamma or delta
        name = ("gamma", "delta")[int(rng.integers(2))]
        bad = _bad_value(rng, name)
        args = {"gamma": 0.3, "delta": 0.4, name: bad}
        _expect_named_error(
            lambda a=args: ch.CollisionModel(a["gamma"], a["delta"], ch.Reservoir(1.0), ch.Reservoir(1.0)), name, str(args)
        )
        # the batched functions: one bad parameter among legal ones
        name = SCALAR_PARAMETERS[int(rng.integers(len(SCALAR_PARAMETERS)))]
        bad_k = dict(k, **{name: _bad_value(rng, name)})
        _expect_named_error(lambda b=bad_k: ch.steady_heat_current(*(b[n] for n in SCALAR_PARAMETERS)), name, str(bad_k))
        name = ("gamma", "delta", "temperature", "coherence", "phase_difference", "omega")[int(rng.integers(6))]
        lr = {"gamma": 0.3, "delta": 0.4, "temperature": 1.0, "coherence": 0.5, "phase_difference": 1.0, "omega": 1.0}
        lr[name] = _bad_value(rng, name)
        _expect_named_error(lambda a=lr: ch.linear_response(**a), name, str(lr))
        _expect_named_error(lambda a=lr: ch.conductance(**a), name, str(lr))
    # critical_coherence, simulate, sweep, second_law_scan: fewer, slower
    good = _model(_legal(rng))
    for name in ("gamma", "delta", "t_hot", "t_cold", "omega"):
        a = {"gamma": 0.3, "delta": 0.4, "t_hot": 2.0, "t_cold": 1.0, "omega": 1.0, name: _bad_value(rng, name)}
        _expect_named_error(lambda a=a: ch.critical_coherence(**a), name, str(a))
    for bad in (0, -3, 2.5, "10", None, 10**400):
        _expect_named_error(lambda b=bad: ch.simulate(good, b), "n_collisions", repr(bad))
    for bad in (0, -5, 1.5):
        _expect_named_error(lambda b=bad: ch.sweep({"gamma": [0.1]}, max_pending=b, progress=False), "max_pending", repr(bad))
    for axis, bad in (("gamma", [math.nan]), ("coherence", [1.5]), ("t_hot", [-1.0]), ("omega", ["x"]), ("delta", [10**400])):
        _expect_named_error(lambda a=axis, b=bad: ch.sweep({a: b}, progress=False), axis, f"{axis}={bad}")
    for bad in (["a"], [math.nan], [[1.0, 2.0]], [10**400]):
        _expect_named_error(lambda b=bad: ch.second_law_scan(good, b), "phase_differences", repr(bad))
    for bad in (None, "model", 3.0):
        _expect_named_error(lambda b=bad: ch.steady_state(b), "model", repr(bad))


def test_expression_parser_accepts_numbers_and_rejects_everything_else(strict_warnings):
    rng = np.random.default_rng(SEED + 3)
    for _ in range(60):
        a, b = int(rng.integers(-50, 50)), int(rng.integers(1, 64))
        text = rng.choice([f"{a}pi/{b}", f"{a}*pi/{b}", f"{a}e-{b}", f"({a}+{b})/{b}", f"-{b}.5", f"{a}**2"])
        assert math.isfinite(parse_number(str(text), "x"))
    junk = ["", " ", "pi pi", "__import__('os')", "1/0", "10**400", "2**1000", "nan", "1e", "()", "x", "pi/", "9" * 200, "[1]"]
    for text in junk + ["".join(rng.choice(list("0123456789+-*/()pie .,"), 12)) for _ in range(40)]:
        try:
            value = parse_number(text, "--gamma")
        except ValueError as exc:
            assert "--gamma" in str(exc)
        else:  # random junk can spell a legal expression, e.g. "1+2"
            assert isinstance(value, float) and not math.isnan(value)
    for text in ("0:1", "0:1:x", "0:1:0", "a,b", "1,,2", "0:inf:3"):
        with pytest.raises(ValueError, match="--axis"):
            parse_range_or_list(text, "--axis")


def _cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse usage errors
        return int(exc.code)


def test_cli_commands_in_process(tmp_path, capsys, strict_warnings):
    rng = np.random.default_rng(SEED + 4)
    for _ in range(10):
        t_hot, omega = float(10.0 ** rng.uniform(-320, 2)), float(10.0 ** rng.uniform(-2, 2))
        argv = [
            "--gamma",
            f"{rng.uniform(0.05, 3):.6g}",
            "--t-hot",
            repr(t_hot),
            "--omega",
            repr(omega),
            "-p",
            f"{rng.random():.4f}",
        ]
        assert _cli(["steady", "--json", *argv]) == 0
        assert _cli(["run", "-n", str(int(rng.integers(1, 20))), *argv]) == 0
    capsys.readouterr()
    bad = [
        ["steady", "--t-hot", "-1"],
        ["steady", "--coherence", "1.5"],
        ["steady", "--omega", "0"],
        ["steady", "--gamma", "10**400"],
        ["steady", "--gamma", "0"],
        ["run", "-n", "0"],
        ["run", "-n", "1e3"],
        ["run", "--phase-hot", "__import__('os')"],
        ["entropy", "-n", "2", "--joint", "--coherence-hot", "2"],
        ["sweep", "-a", "gamma=0:1", "--out", str(tmp_path / "s.nc")],
        ["sweep", "-a", "nope=1,2", "--out", str(tmp_path / "s.nc")],
        ["sweep", "-a", "coherence=0,2", "--out", str(tmp_path / "s.nc")],
        ["sweep", "-a", "gamma=0.1", "--out", str(tmp_path / "s.txt")],
        ["plot", str(tmp_path / "missing.nc")],
    ]
    for argv in bad:
        assert _cli(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, (argv, err)
