"""``circuitheat hardware --network FILE.toml`` (in process): the device study of a collision network.

References: every number the command prints must be what the Python API returns for the same
arguments and seed (``transpile_protocol`` / ``NoisyNetworkMap`` / ``estimate_network_currents``,
themselves tested against the core's step map and by chi-square in
``tests/test_hardware_networks.py``); the exact currents are ``ch.steady_state(net).currents``
and ``ch.simulate(net, n).currents`` (the one core of issue 11).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_checks import one_line_error

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.cli.hardware_network import NETWORK_MAX_DEFAULT_STEPS, NETWORK_MAX_SITES
from circuitheat.hardware import (
    NoisyNetworkMap,
    estimate_network_currents,
    resolve_backend,
    shots_for_sign,
    transpile_protocol,
)
from circuitheat.hardware.observability import MIN_COLLISIONS, SETTLE_TOLERANCE
from circuitheat.network.toml import load_network

#: JSON floats are written with repr() and read back exactly; the CLI and the API run the same code.
SAME = 0.0
#: The exact per-shot std of the tail mean against the one the shots show: with S shots the sample
#: std has a relative error ~1/sqrt(2 S) (3.5 % for 400 shots); 20 % is more than 5 of those.
SHOT_STD_RELATIVE = 0.20
#: A small, fast device (16 qubits): its noise model and the 2-site noisy map take about a second.
BACKEND = "fake_guadalupe"

#: A boundary-driven chain of 3 sites (Karevski & Platini 2009; = ch.presets.boundary_driven_chain(3)
#: with thermal reservoirs): a path of 7 device qubits (site, ancilla and partner at each end).
CHAIN3 = """\
sites = 3
omega = 1.0
[reservoirs.hot]
temperature = 2.0
[reservoirs.cold]
temperature = 1.0
[[step]]
kind = "interaction"
sites = [0, 1]
gate = { name = "partial_swap", theta = "pi/4" }
[[step]]
kind = "interaction"
sites = [1, 2]
gate = { name = "partial_swap", theta = "pi/4" }
[[step]]
kind = "collision"
reservoir = "hot"
site = 0
gate = { name = "partial_swap", theta = "pi/4" }
[[step]]
kind = "collision"
reservoir = "cold"
site = 2
gate = { name = "partial_swap", theta = "pi/4" }
"""


@pytest.fixture(scope="module")
def paper_file(tmp_path_factory):
    """The paper's model as a 2-site network file (``circuitheat presets --write``)."""
    path = tmp_path_factory.mktemp("net") / "paper.toml"
    assert main(["presets", "--write", str(path), "paper"]) == 0
    return path


def _run_json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    assert main(["hardware", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _check_against_api(records: dict[bool, dict], path, backend: str, n: int, shots: int, seed: int) -> None:
    """Every number of the CLI's JSON (``records[mitigate_readout]``) against the Python API with the same arguments."""
    net = load_network(path)
    device = resolve_backend(backend)
    tp = transpile_protocol(net, n, device)
    noisy = NoisyNetworkMap.from_transpiled(tp, device)
    prediction = noisy.trajectory(n)
    _, device_steady = noisy.steady_state()
    exact_steady = ch.steady_state(net).currents
    exact = ch.simulate(net, n, store_states=False).currents
    k0 = n // 2 + 1
    for mitigate, record in records.items():
        est = estimate_network_currents(
            net, n, backend=device, shots=shots, seed=seed, tail_start=k0, mitigate_readout=mitigate, transpiled=tp
        )
        assert record["transpilation"] == json.loads(json.dumps(tp.to_dict()))
        assert record["n_collisions"] == n and record["tail_start"] == k0 and record["settle_step"] is None
        lay = record["layout"]
        roles = tp.physical_qubits
        m = len(net.collisions)
        assert lay["sites"] == list(roles[: net.sites])
        assert [c["ancilla_qubit"] for c in lay["collisions"]] == list(roles[net.sites : net.sites + m])
        assert [c["partner_qubit"] for c in lay["collisions"]] == list(roles[net.sites + m :])
        assert [c["measured_qubit"] for c in lay["collisions"]] == list(tp.measured_qubits)
        assert [(c["reservoir"], c["site"]) for c in lay["collisions"]] == [(c.reservoir, c.site) for c in net.collisions]
        assert lay["routed"] == tp.layout.routed and lay["embedded"] == (not tp.layout.routed)
        assert record["reservoirs"] == list(net.reservoir_names)
        expected = prediction.currents_mitigated if mitigate else prediction.currents
        for r in net.reservoir_names:
            c = record["currents"][r]
            assert c["exact_steady"] == pytest.approx(exact_steady[r], abs=SAME)
            assert record["per_step"]["exact"][r] == pytest.approx(exact[r].tolist(), abs=SAME)
            assert c["exact_tail_mean"] == pytest.approx(exact[r][k0 - 1 :].mean(), abs=SAME)
            assert c["device_steady"] == pytest.approx(device_steady[r], abs=SAME)
            assert record["per_step"]["device"][r] == pytest.approx(prediction.currents[r].tolist(), abs=SAME)
            assert record["per_step"]["device_mitigated"][r] == pytest.approx(prediction.currents_mitigated[r].tolist(), abs=SAME)
            assert c["device_tail_mean"] == pytest.approx(prediction.currents[r][k0 - 1 :].mean(), abs=SAME)
            assert record["estimate"]["currents"][r] == pytest.approx(est.currents[r].tolist(), abs=SAME)
            assert record["estimate"]["currents_stderr"][r] == pytest.approx(est.currents_stderr[r].tolist(), abs=SAME)
            assert c["estimate_tail_mean"] == pytest.approx(est.steady[r], abs=SAME)
            assert c["estimate_tail_stderr"] == pytest.approx(est.steady_stderr[r], abs=SAME)
            tail_expected = expected[r][k0 - 1 :].mean()
            assert c["shots_for_sign"] == pytest.approx(shots_for_sign(tail_expected, c["shot_std"], 3.0), rel=1e-12)
            # the exact per-shot std (NoisyNetworkMap.shot_moments) is what the shots show
            assert est.steady_stderr[r] * math.sqrt(shots) == pytest.approx(c["shot_std"], rel=SHOT_STD_RELATIVE)
        assert record["estimate"]["shots"] == shots and record["estimate"]["seed"] == seed
        assert record["estimate"]["readout_mitigated"] == mitigate


def test_json_equals_the_python_api(paper_file, capsys):
    """2-site paper network on fake_guadalupe: layout, step, prediction, exact and shots as the API gives them."""
    argv = ["--network", str(paper_file), "--backend", BACKEND, "-n", "6", "--shots", "400", "--seed", "7"]
    records = {False: _run_json(capsys, argv), True: _run_json(capsys, [*argv, "--mitigate-readout"])}
    _check_against_api(records, paper_file, BACKEND, 6, 400, 7)
    assert records[False]["layout"]["embedded"] and records[False]["layout"]["swaps_per_step"] == 0
    # the paper's model has 11 native two-qubit gates per collision (tests/test_hardware_observability.py)
    assert records[False]["transpilation"]["two_qubit_gates_per_step"] == 11


def test_default_length_is_where_the_device_settles(paper_file, capsys):
    """Without -n: twice the step where every predicted J_r(k) is within SETTLE_TOLERANCE of its device value."""
    record = _run_json(capsys, ["--network", str(paper_file), "--backend", BACKEND, "--shots", "0"])
    settle, n = record["settle_step"], record["n_collisions"]
    assert n == min(max(2 * settle, MIN_COLLISIONS), NETWORK_MAX_DEFAULT_STEPS) and not record["steps_capped"]
    assert record["tail_start"] == n // 2 + 1 and record["estimate"] is None
    for r, c in record["currents"].items():
        tail = np.array(record["per_step"]["device"][r][settle - 1 :])
        scale = max(abs(c["exact_steady"]), abs(c["device_steady"]))
        assert np.all(np.abs(tail - c["device_steady"]) <= SETTLE_TOLERANCE * scale)
        assert "estimate_tail_mean" not in c


def test_text_output_and_plot(paper_file, tmp_path, capsys):
    png = tmp_path / "device.png"
    argv = ["hardware", "--network", str(paper_file), "--backend", BACKEND, "-n", "4", "--shots", "50", "--plot", str(png)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    for words in (
        "== transpilation ==",
        "layout             embedded",
        "per step           11 two-qubit gates",
        "collision 0       hot on site 0: ancilla qubit",
        "== device prediction: 4 steps, tail 3..4 ==",
        "== 50 shots on fake_guadalupe (seed 1) ==",
        "tail mean J_cold (k >= 3)",
    ):
        assert words in out, words
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert main(argv) == 2  # never overwrites the figure silently
    assert "exists; pass --force" in one_line_error(capsys)


def test_paper_path_keeps_its_defaults(capsys):
    """Without --network the default phase difference is still 5pi/4 (Eq. 14 at gamma = pi/2: +0.04304)."""
    assert main(["hardware", "--table", "--backend", BACKEND, "--gamma", "pi/2", "--compare-gamma", "none"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[2].startswith("| fake_guadalupe | π/2 | +0.0430 |")


BAD_OPTIONS = [
    (["--gamma", "pi/8"], "--gamma cannot be combined with --network: the network file defines the model"),
    (["--t-hot", "3"], "--t-hot cannot be combined with --network"),
    (["--dphi", "pi"], "--phase-difference cannot be combined with --network"),
    (["--table"], "--table cannot be combined with --network"),
    (["--compare-gamma", "pi/4"], "--compare-gamma cannot be combined with --network"),
    (["--backend", "fake_nowhere"], "unknown backend 'fake_nowhere'; valid names:"),
    (["--backend", BACKEND, "--layout", "1,2,3"], "layout must be 6 distinct physical qubits (site 0, site 1, ancilla 0"),
    (["--backend", BACKEND, "--layout", "0,1,2,3,4,5"], "does not couple"),
    (["-n", "4", "--tail-start", "9"], "--tail-start must be <= the number of steps 4, got 9"),
    (["--sigmas", "0"], "--sigmas must be finite and > 0, got 0.0"),
    (["--plot", "figure.txt"], "--plot must end in .png"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_options_with_network(paper_file, argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["hardware", "--network", str(paper_file), "--shots", "0", *argv]) == 2
    assert message in one_line_error(capsys)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "No such file or directory"),
        ("sites: 1\n", "invalid TOML"),
        ('sites = "one"\n', "sites: expected an integer, got a string 'one'"),
        (
            'sites = 1\n[reservoirs.r]\ntemperature = 1\n[[step]]\nkind = "interaction"\nsites = [0, 0]\ngate = "swap"\n',
            "step[0]",
        ),
    ],
    ids=["missing file", "not TOML", "wrong type", "bad step"],
)
def test_bad_network_files(text, message, tmp_path, capsys):
    path = tmp_path / "net.toml"
    if text is not None:
        path.write_text(text)
    assert main(["hardware", "--network", str(path), "--backend", BACKEND]) == 2
    err = one_line_error(capsys)
    assert err.startswith("circuitheat hardware: error: ") and str(path) in err and message in err, err


def test_too_many_sites_are_refused_up_front(tmp_path, capsys):
    """A chain one site longer than NETWORK_MAX_SITES: refused before any transpilation or simulation."""
    n = NETWORK_MAX_SITES + 1
    bonds = "".join(
        f'[[step]]\nkind = "interaction"\nsites = [{i}, {i + 1}]\ngate = {{ name = "partial_swap", theta = "pi/4" }}\n'
        for i in range(n - 1)
    )
    text = f"sites = {n}\n[reservoirs.hot]\ntemperature = 2.0\n" + bonds
    text += '[[step]]\nkind = "collision"\nreservoir = "hot"\nsite = 0\ngate = "swap"\n'
    path = tmp_path / "long.toml"
    path.write_text(text)
    assert main(["hardware", "--network", str(path), "--backend", "fake_nowhere"]) == 2
    err = one_line_error(capsys)
    assert f"the device prediction of {n} sites needs 4^{n} = {4**n} noisy density-matrix runs" in err, err


def test_help_says_what_network_does_to_the_paper_options(capsys):
    with pytest.raises(SystemExit):
        main(["hardware", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in (
        "--network FILE.toml",
        "--table and --compare-gamma (the paper's reversal study) and the model options are refused with --network",
        "with --network one per circuit qubit",
        "[[step]]",
    ):
        assert words in text, words


@pytest.mark.slow  # a 3-site noisy map: 64 density-matrix runs of 7 noisy qubits (~10 s of CPU)
def test_three_site_chain_json_equals_the_python_api(tmp_path, capsys):
    path = tmp_path / "chain3.toml"
    path.write_text(CHAIN3)
    argv = ["--network", str(path), "--backend", "fake_torino", "-n", "4", "--shots", "400", "--seed", "3"]
    record = _run_json(capsys, argv)
    _check_against_api({False: record}, path, "fake_torino", 4, 400, 3)
    assert record["sites"] == 3 and record["layout"]["embedded"]


@pytest.mark.slow  # fake_torino's noise model and a 40-step prediction
def test_default_length_is_capped(paper_file, capsys):
    """On fake_torino the paper network's prediction settles late (step ~100): n stops at the cap, and says so."""
    record = _run_json(capsys, ["--network", str(paper_file), "--shots", "0"])
    assert record["settle_step"] > NETWORK_MAX_DEFAULT_STEPS // 2 and record["steps_capped"]
    assert record["n_collisions"] == NETWORK_MAX_DEFAULT_STEPS
