"""``circuitheat entropy --network FILE.toml``: the entropy balance of Sec. IV for any collision network (in process).

Reference numbers are the public Python API's own: ``ch.entropy_balance(network, n)`` and
``ch.steady_entropy_production(network)`` on the network parsed from the same file. The CLI
writes floats with ``repr`` (CSV) and ``json.dumps`` (JSON), which round-trip exactly, so the
comparisons are exact.
"""

from __future__ import annotations

import csv
import json
import math

import matplotlib
import numpy as np
import pytest
from cli_checks import one_line_error

import circuitheat as ch
from circuitheat.cli import main
from circuitheat.network.toml import load_network
from circuitheat.presets import preset_file_text
from circuitheat.thermo import JOINT_MAX_QUBITS, second_law_scan

matplotlib.use("Agg")

#: repr() / json.dumps of a float round-trips exactly: the CLI's numbers equal the API's bit for bit.
ROUND_TRIP = 0.0


def _chain3_text(coherent: bool = False) -> str:
    """The 4-site chain preset cut to 3 sites, as its comment says (drop bond (2, 3), cold collision on site 2)."""
    text = preset_file_text("chain")
    bond = '[[step]]\nkind = "interaction"\nsites = [2, 3]\ngate = { name = "partial_swap", theta = "pi/4" }\n\n'
    assert bond in text
    text = text.replace(bond, "").replace("sites = 4\n", "sites = 3\n").replace("site = 3\n", "site = 2\n")
    if coherent:  # the paper's coherent reservoirs (Eq. 12, p = 0.8, phi_h - phi_c = 5 pi/4)
        text = text.replace(
            "[reservoirs.hot]\ntemperature = 2.0\n", '[reservoirs.hot]\ntemperature = 2.0\ncoherence = 0.8\nphase = "5pi/4"\n'
        )
        text = text.replace("[reservoirs.cold]\ntemperature = 1.0\n", "[reservoirs.cold]\ntemperature = 1.0\ncoherence = 0.8\n")
    return text


@pytest.fixture
def chain3(tmp_path):
    path = tmp_path / "chain3.toml"
    path.write_text(_chain3_text())
    assert load_network(path) == ch.presets.boundary_driven_chain(3)
    return path


@pytest.fixture
def fridge(tmp_path, capsys):
    path = tmp_path / "fridge.toml"
    assert main(["presets", "--write", str(path), "refrigerator"]) == 0
    capsys.readouterr()  # the presets command's own "wrote ..." line
    assert load_network(path) == ch.presets.absorption_refrigerator()
    return path


def _per_reservoir(names) -> list[str]:
    """The per-reservoir columns the result family defines (balance_columns), for these reservoirs."""
    return [f"{q}_{r}" for q in ("delta_s_re", "cumulative_heat", "exchanged", "heat", "relative_entropy") for r in names]


@pytest.mark.parametrize(("name", "n"), [("chain3", 7), ("fridge", 5)])
def test_csv_equals_entropy_balance(name, n, request, tmp_path, capsys):
    path = request.getfixturevalue(name)
    network = load_network(path)
    out = tmp_path / "b.csv"
    assert main(["entropy", "--network", str(path), "-n", str(n), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out} (entropy balance, {n} steps)\n"
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    expected = ch.entropy_balance(network, n).columns()
    assert list(rows[0]) == ["step", *expected]
    assert set(_per_reservoir(network.reservoir_names)) <= set(expected)
    assert [int(r["step"]) for r in rows] == list(range(1, n + 1))
    for column, values in expected.items():
        got = np.array([float(r[column]) for r in rows])
        assert np.max(np.abs(got - values)) == ROUND_TRIP, column


@pytest.mark.parametrize(("name", "n", "joint"), [("chain3", 3, True), ("fridge", 2, True), ("fridge", 4, False)])
def test_json_equals_entropy_balance_and_steady(name, n, joint, request, tmp_path, capsys):
    path = request.getfixturevalue(name)
    network = load_network(path)
    out = tmp_path / "b.json"
    assert main(["entropy", "--network", str(path), "-n", str(n), "--steady", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    # the model record describes the network, not the paper's gamma/delta
    model = record["model"]
    assert "gamma" not in model and "delta" not in model
    assert model["network"] == str(path) and model["sites"] == network.sites
    assert model["omega"] == list(network.omega) and model["collisions_per_step"] == len(network.collisions)
    assert list(model["reservoirs"]) == list(network.reservoir_names)
    for r, values in model["reservoirs"].items():
        reservoir = network.reservoirs[r]
        assert values == {
            "temperature": reservoir.temperature,
            "coherence": reservoir.coherence,
            "phase": reservoir.phase,
            "omega": reservoir.omega,
        }
    assert [s["kind"] for s in model["step"]] == [type(s).__name__.lower() for s in network.step]
    assert record["initial_state"] == "1" * network.sites and record["step"] == list(range(1, n + 1))
    balance = ch.entropy_balance(network, n)
    assert ("production_joint" in record) is joint is (balance.production_joint is not None)
    for column, values in balance.columns().items():
        assert np.max(np.abs(np.array(record[column]) - values)) == ROUND_TRIP, column
    # steady values: the result family's names, one per reservoir, equal to steady_entropy_production
    r = ch.steady_entropy_production(network)
    steady = record["steady"]
    for res in network.reservoir_names:
        assert steady[f"heat_{res}"] == r.currents[res]
        assert steady[f"exchanged_{res}"] == r.exchanged[res]
        assert steady[f"relative_entropy_{res}"] == r.relative_entropy[res]
        assert steady[f"beta_{res}"] == r.beta[res]
    for key in ("work", "production", "production_local", "clausius", "coherence_term", "mutual_information"):
        assert steady[key] == getattr(r, key), key
    assert steady["ancilla_correlation"] == r.ancilla_correlation
    assert ("reversed" in steady) is (len(network.reservoir_names) == 2)


def test_table_prints_one_column_set_per_reservoir(fridge, capsys):
    assert main(["entropy", "--network", str(fridge), "-n", "40", "--rows", "5", "--steady"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"# entropy balance (Sec. IV), engine=direct, network {fridge}: 3 sites")
    assert "room (T=1.5, p=0, phi=0, omega=3)" in lines[0]
    header = lines[2].split()
    names = ("cold", "room", "hot")
    expected = ["step", "delta_s", "delta_s_re", *(f"delta_s_re_{r}" for r in names), "production"]
    assert header == expected + [f"cumulative_heat_{r}" for r in names]  # no work column: the gates conserve energy
    rows = lines[3 : lines.index("# steady state, per step")]
    assert [int(row.split()[0]) for row in rows] == [1, 11, 21, 30, 40]
    balance = ch.entropy_balance(load_network(fridge), 40)
    last = [float(v) for v in rows[-1].split()[1:]]
    table_values = [balance.columns()[c][-1] for c in header[1:]]
    assert np.allclose(last, table_values, rtol=1e-4, atol=0)  # printed with 5 significant digits
    steady = dict(line.split() for line in lines[lines.index("# steady state, per step") + 1 :])
    r = ch.steady_entropy_production(load_network(fridge))
    for name in names:
        assert float(steady[f"heat_{name}"]) == pytest.approx(r.currents[name], rel=1e-9)  # printed with 10 digits
    assert "reversed" not in steady  # defined for two reservoirs only


def test_table_adds_joint_check_and_work_where_they_apply(chain3, tmp_path, capsys):
    # 3 sites + 3 steps x 2 ancillas = 9 qubits <= JOINT_AUTO_QUBITS: Eq. (20) on the joint state is shown
    assert main(["entropy", "--network", str(chain3), "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "production_joint" in lines[2].split() and "cumulative_work" not in lines[2].split()
    # a non-resonant collision does work (W = dE_S + sum_r J_r != 0): the table shows the cumulative work
    text = _chain3_text().replace("[reservoirs.cold]\ntemperature = 1.0\n", "[reservoirs.cold]\ntemperature = 1.0\nomega = 2.0\n")
    path = tmp_path / "work.toml"
    path.write_text(text)
    assert main(["entropy", "--network", str(path), "-n", "8", "--rows", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].split()[-1] == "cumulative_work"
    expected = ch.entropy_balance(load_network(path), 8).cumulative_work[-1]
    assert float(lines[-1].split()[-1]) == pytest.approx(expected, rel=1e-4)  # 5 significant digits


def test_initial_state_is_one_bit_per_site(chain3, tmp_path, capsys):
    out = tmp_path / "b.json"
    assert main(["entropy", "--network", str(chain3), "-n", "4", "--initial-state", "010", "--out", str(out)]) == 0
    record = json.loads(out.read_text())
    expected = ch.entropy_balance(load_network(chain3), 4, initial_state="010")
    assert record["initial_state"] == "010" and record["entropy_initial"] == expected.entropy_initial
    assert np.max(np.abs(np.array(record["delta_s"]) - expected.delta_s)) == ROUND_TRIP


def test_second_law_figure_and_plot(tmp_path, capsys):
    path = tmp_path / "chain3c.toml"
    path.write_text(_chain3_text(coherent=True))
    png, png2 = tmp_path / "sl.png", tmp_path / "b.png"
    argv = ["entropy", "--network", str(path), "-n", "20", "--second-law", str(png), "--scan-points", "9", "--plot", str(png2)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"wrote {png} (steady entropy production versus phi_hot - phi_cold)" in out
    assert f"wrote {png2} (entropy flows versus step number)" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png2.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_second_law_drawing_names_every_reservoir(fridge):
    import matplotlib.pyplot as plt

    from circuitheat.plotting.entropy import plot_network_second_law

    network = load_network(fridge)
    scan = second_law_scan(network, np.linspace(0, 2 * np.pi, 5), reservoirs=("room", "hot"))
    fig, ax = plt.subplots()
    try:
        plot_network_second_law(scan, ch.steady_entropy_production(network), ax=ax, mark=0.0)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert ax.get_xlabel() == r"$(\phi_{\mathrm{room}}-\phi_{\mathrm{hot}})/\pi$"
        assert ax.get_ylabel() == "entropy per step (nats)"
    finally:
        plt.close(fig)
    for name in network.reservoir_names:
        assert sum(label.endswith(name) or f", {name} (" in label for label in labels) == 2, (name, labels)


def test_paper_model_still_takes_its_two_site_labels(tmp_path, capsys):
    out = tmp_path / "b.csv"
    assert main(["entropy", "-n", "2", "--initial-state", "01", "--out", str(out)]) == 0
    assert out.read_text().startswith("collision,delta_s,delta_s_re,delta_s_re_hot,delta_s_re_cold,production,")
    expected = ch.entropy_balance(
        ch.CollisionModel(math.pi / 32, math.pi / 4, ch.Reservoir(2.0, 0.8), ch.Reservoir(1.0, 0.8)), 2, initial_state="01"
    )
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert np.max(np.abs(np.array([float(r["delta_s"]) for r in rows]) - expected.delta_s)) == ROUND_TRIP
    assert main(["entropy", "-n", "2", "--initial-state", "012"]) == 2
    assert "unknown initial_state '012'" in one_line_error(capsys)


def _bad_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("sites: 1\n")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--network", "{dir}/nope.toml"], "nope.toml"),
        (["--network", "{bad}"], "bad.toml: invalid TOML"),
        (["--network", "{chain3}", "--gamma", "pi/8"], "--gamma cannot be combined with --network"),
        (["--network", "{chain3}", "--t-hot", "3"], "--t-hot cannot be combined with --network"),
        (
            ["--network", "{chain3}", "-n", "5", "--joint"],
            f"--joint needs -n <= 4 for this network (3 sites + 2 ancillas per step: at most {JOINT_MAX_QUBITS} qubits), got 5",
        ),
        (["--network", "{fridge}", "-n", "4", "--joint"], "--joint needs -n <= 3 for this network (3 sites + 3 ancillas"),
        (["--network", "{chain3}", "--initial-state", "01"], "unknown initial_state '01'; valid labels: 3 characters"),
        (
            ["--network", "{chain3}", "--initial-state", "0101", "--second-law", "{dir}/s.png"],
            "unknown initial_state '0101'",
        ),
        (["--scan-reservoirs", "hot", "cold"], "--scan-reservoirs applies to --network only"),
        (["--network", "{chain3}", "--scan-reservoirs", "hot", "cold"], "--scan-reservoirs applies to --second-law only"),
        (["--scan-points", "9"], "--scan-points applies to --second-law only"),
        (
            ["--network", "{fridge}", "--second-law", "{dir}/s.png", "--scan-reservoirs", "hot", "attic"],
            "reservoirs names 'attic', which is not a reservoir; reservoirs: 'cold', 'room', 'hot'",
        ),
        (["--network", "{chain3}", "--second-law", "{dir}/s.png", "--scan-points", "1"], "--scan-points must be >= 2, got 1"),
        (["--network", "{chain3}", "--out", "{dir}/b.txt"], "--out must end in .csv or .json"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(args, message, chain3, fridge, tmp_path, capsys):
    bad = _bad_toml(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    subs = {"{dir}": str(out_dir), "{bad}": str(bad), "{chain3}": str(chain3), "{fridge}": str(fridge)}
    argv = ["entropy", "-n", "3"] + [subs.get(a, a.replace("{dir}", str(out_dir))) for a in args]
    capsys.readouterr()
    assert main(argv) == 2
    err = one_line_error(capsys)
    assert err.startswith("circuitheat entropy: error: ") and message in err, err
    assert list(out_dir.iterdir()) == []


def test_outputs_are_not_overwritten_without_force(chain3, tmp_path, capsys):
    out = tmp_path / "b.csv"
    out.write_text("keep\n")
    assert main(["entropy", "--network", str(chain3), "-n", "2", "--out", str(out)]) == 2
    assert "exists; pass --force" in one_line_error(capsys) and out.read_text() == "keep\n"
    assert main(["entropy", "--network", str(chain3), "-n", "2", "--out", str(out), "--force"]) == 0
    assert out.read_text().startswith("step,delta_s,")


#: A network whose JSON record must carry a 2x2 ancilla state, a 4x4 matrix gate, a Qiskit gate and
#: a reservoir name that is not mathtext-safe ("$" would start mathtext in a figure label).
CUSTOM = """
sites = 2
omega = [1.0, 1.5]

[reservoirs."a$b"]
state = [["0.3", "0.1+0.2j"], ["0.1-0.2j", "0.7"]]
omega = 1.5

[reservoirs.hot]
temperature = 2.0
coherence = 0.5
phase = "pi/3"

[[step]]
kind = "interaction"
sites = [0, 1]
gate = { name = "unitary", matrix = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]] }

[[step]]
kind = "collision"
reservoir = "hot"
site = 0
gate = { name = "rxx", params = ["pi/5"] }

[[step]]
kind = "collision"
reservoir = "a$b"
site = 1
gate = { name = "partial_swap", theta = "pi/7" }
"""


def test_json_records_any_reservoir_and_gate(tmp_path, capsys):
    path = tmp_path / "custom.toml"
    path.write_text(CUSTOM)
    network = load_network(path)
    out, png = tmp_path / "c.json", tmp_path / "c.png"
    argv = ["entropy", "--network", str(path), "-n", "6", "--out", str(out), "--second-law", str(png), "--scan-points", "5"]
    argv += ["--scan-reservoirs", "hot", "hot"]
    assert main(argv) == 2  # second_law_scan's own check, before any work
    assert "reservoirs must be two different reservoirs" in one_line_error(capsys) and not out.exists()
    assert main(["entropy", "--network", str(path), "-n", "6", "--out", str(out), "--plot", str(png)]) == 0
    model = json.loads(out.read_text())["model"]
    state = np.array([[complex(*z) for z in row] for row in model["reservoirs"]["a$b"]["state"]])
    assert np.array_equal(state, network.reservoirs["a$b"].state) and model["reservoirs"]["a$b"]["omega"] == 1.5
    assert model["reservoirs"]["hot"] == {"temperature": 2.0, "coherence": 0.5, "phase": math.pi / 3, "omega": 1.0}
    first, hot, anc = model["step"]
    assert first["kind"] == "interaction" and first["sites"] == [0, 1] and first["gate"]["name"] == "unitary"
    matrix = np.array([[complex(*z) for z in row] for row in first["gate"]["matrix"]])
    assert np.array_equal(matrix, network.step[0].matrix)
    assert hot == {"kind": "collision", "reservoir": "hot", "site": 0, "gate": {"name": "rxx", "params": [math.pi / 5]}}
    assert anc["gate"] == {"name": "pswap", "params": [math.pi / 7]} and anc["reservoir"] == "a$b"
    record = json.loads(out.read_text())
    balance = ch.entropy_balance(network, 6)
    assert record["delta_s_re_a$b"] == balance.columns()["delta_s_re_a$b"].tolist()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_second_law_labels_survive_any_reservoir_name(tmp_path):
    import matplotlib.pyplot as plt

    from circuitheat.plotting.entropy import plot_network_second_law

    text = CUSTOM.replace(
        '[reservoirs."a$b"]\nstate = [["0.3", "0.1+0.2j"], ["0.1-0.2j", "0.7"]]\n',
        '[reservoirs."a$b"]\ntemperature = 1\ncoherence = 0.5\n',
    )
    path = tmp_path / "named.toml"
    path.write_text(text)
    network = load_network(path)
    scan = second_law_scan(network, np.linspace(0, 2 * np.pi, 3), reservoirs=("a$b", "hot"))
    fig, ax = plt.subplots()
    try:
        plot_network_second_law(scan, ch.steady_entropy_production(network), ax=ax, mark=1.0)
        assert ax.get_xlabel() == r"(phase of a\$b $-$ phase of hot)$/\pi$"
        fig.savefig(tmp_path / "named.png")  # mathtext parses every label
    finally:
        plt.close(fig)


#: The paper's fast path and the network core agree to rounding (as in tests/test_network_cli.py).
FAST_PATH_AGREEMENT = 1e-12


def test_paper_preset_as_a_network_gives_the_model_numbers(tmp_path, capsys):
    """The paper's preset file is the model at the default options (Fig. 2, phi_h - phi_c = 0): same numbers."""
    paper = tmp_path / "paper.toml"
    assert main(["presets", "--write", str(paper), "paper"]) == 0
    as_network, as_model = tmp_path / "n.json", tmp_path / "m.json"
    assert main(["entropy", "--network", str(paper), "-n", "4", "--steady", "--out", str(as_network)]) == 0
    assert main(["entropy", "-n", "4", "--steady", "--out", str(as_model)]) == 0
    net, model = json.loads(as_network.read_text()), json.loads(as_model.read_text())
    assert net["step"] == model["collision"] == [1, 2, 3, 4]
    columns = [c for c in model if isinstance(model[c], list) and c != "collision"]
    assert columns == [c for c in net if isinstance(net[c], list) and c != "step"]
    for column in columns:
        assert np.max(np.abs(np.array(net[column]) - np.array(model[column]))) < FAST_PATH_AGREEMENT, column
    for key in ("heat_hot", "heat_cold", "exchanged_hot", "exchanged_cold", "production", "clausius", "reversed"):
        assert net["steady"][key] == pytest.approx(model["steady"][key], abs=FAST_PATH_AGREEMENT), key


def test_balance_figure_of_a_network_uses_generic_labels_and_plain_names():
    """A network's reservoirs named hot/cold get no paper equation numbers; a '$' in a name stays literal."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from circuitheat.plotting.entropy import plot_entropy_balance

    net = ch.CollisionNetwork(
        1,
        1.0,
        {"hot": ch.Reservoir(2.0), "a$b": ch.Reservoir(1.0)},
        [ch.Collision("hot", 0, ch.partial_swap(0.3)), ch.Collision("a$b", 0, ch.partial_swap(0.2))],
    )
    fig, ax = plt.subplots()
    try:
        plot_entropy_balance(ch.entropy_balance(net, 3), ax=ax)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        fig.canvas.draw()  # mathtext parses every label: a stray '$' would raise here
    finally:
        plt.close(fig)
    assert r"$\Delta S_{re}$, hot" in labels and r"$\Delta S_{re}$, a\$b" in labels
    assert not any("Eq. 22" in label or "Eq. 25" in label for label in labels)
