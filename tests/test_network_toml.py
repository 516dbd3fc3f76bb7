"""The TOML schema of collision networks: every feature, and every bad input as one message naming its key."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from qiskit.circuit.library import CRXGate, CXGate, RXXGate, XXPlusYYGate

import circuitheat as ch
from circuitheat.network.toml import NetworkFileError, load_network, network_from_dict, network_from_toml

HEADER = """
sites = 2
[reservoirs.hot]
temperature = 2.0
[reservoirs.cold]
temperature = 1.0
"""

COLLISIONS = """
[[step]]
kind = "collision"
reservoir = "hot"
site = 0
gate = { name = "partial_swap", theta = "pi/32" }
[[step]]
kind = "collision"
reservoir = "cold"
site = 1
gate = { name = "partial_swap", theta = "pi/32" }
"""


ONE_SITE_COLLISION = '[[step]]\nkind = "collision"\nreservoir = "hot"\nsite = 0\ngate = "swap"\n'


def _with_interaction(gate: str) -> str:
    return HEADER + f'[[step]]\nkind = "interaction"\nsites = [0, 1]\ngate = {gate}\n' + COLLISIONS


def _net(gate) -> ch.CollisionNetwork:
    return ch.CollisionNetwork(
        sites=2,
        omega=1.0,
        reservoirs={"hot": ch.Reservoir(2.0), "cold": ch.Reservoir(1.0)},
        step=[
            ch.Interaction((0, 1), gate),
            ch.Collision("hot", 0, ch.partial_swap(math.pi / 32)),
            ch.Collision("cold", 1, ch.partial_swap(math.pi / 32)),
        ],
    )


@pytest.mark.parametrize(
    ("gate_toml", "gate"),
    [
        ('{ name = "partial_swap", theta = "pi/4" }', ch.partial_swap(math.pi / 4)),
        ('{ name = "partial_swap", theta = 0.25 }', ch.partial_swap(0.25)),
        ('{ name = "heisenberg", jx = 1, jy = 0.5, jz = "-0.25", time = "pi/8" }', ch.heisenberg(1, 0.5, -0.25, math.pi / 8)),
        ('{ name = "heisenberg", jx = 1, jy = 1, jz = 0 }', ch.heisenberg(1, 1, 0, 1.0)),  # time defaults to 1
        ('"cx"', CXGate()),
        ('{ name = "cx" }', CXGate()),
        ('{ name = "rxx", params = ["pi/2"] }', RXXGate(math.pi / 2)),
        ('{ name = "crx", params = [-0.3] }', CRXGate(-0.3)),
        ('{ name = "xx_plus_yy", params = ["pi/3", 0.1] }', XXPlusYYGate(math.pi / 3, 0.1)),
    ],
)
def test_gates_by_name(gate_toml, gate):
    assert network_from_toml(_with_interaction(gate_toml)) == _net(gate)


def test_unitary_matrix_entries_as_strings_numbers_and_pairs():
    """An asymmetric gate (CNOT with the control on the first slot) in the kron basis: |10> <-> |11>."""
    matrix = '[[1, 0, 0, 0], ["0", "1+0j", 0, 0], [0, 0, [0, 0], 1], [0, 0, ["1", "0"], "0j"]]'
    net = network_from_toml(_with_interaction(f'{{ name = "unitary", matrix = {matrix} }}'))
    cnot = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
    assert net == _net(cnot)
    assert net == _net(CXGate())  # the same gate given by Qiskit name (qubit 0 = first slot = control)


def test_reservoirs_omega_per_site_and_arbitrary_ancilla_state():
    text = """
    sites = 2
    omega = [1.0, "3/2"]
    [reservoirs.hot]
    temperature = "inf"
    coherence = 0.5
    phase = "5pi/4"
    omega = 1.5
    [reservoirs.odd]
    state = [["0.3", "0.1+0.2j"], [[0.1, -0.2], 0.7]]
    omega = 2
    [[step]]
    kind = "collision"
    reservoir = "odd"
    site = 0
    gate = { name = "partial_swap", theta = 0.3 }
    [[step]]
    kind = "collision"
    reservoir = "hot"
    site = 1
    gate = { name = "partial_swap", theta = 0.3 }
    """
    net = network_from_toml(text)
    assert net.omega == (1.0, 1.5) and net.reservoir_names == ("hot", "odd")
    assert net.reservoirs["hot"] == ch.Reservoir(math.inf, 0.5, 5 * math.pi / 4, 1.5)
    assert net.reservoirs["odd"] == ch.Ancilla(np.array([[0.3, 0.1 + 0.2j], [0.1 - 0.2j, 0.7]]), 2.0)


def test_network_from_dict_takes_a_parsed_document():
    d = {
        "sites": 1,
        "reservoirs": {"bath": {"temperature": 1.0}},
        "step": [{"kind": "collision", "reservoir": "bath", "site": 0, "gate": {"name": "partial_swap", "theta": 0.2}}],
    }
    net = network_from_dict(d)
    assert net.sites == 1 and net.omega == (1.0,) and net.collisions[0].reservoir == "bath"


def test_load_network_names_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(_with_interaction('{ name = "partial_swap", theta = "pi/" }'))
    with pytest.raises(NetworkFileError) as info:
        load_network(path)
    assert str(info.value).startswith(f"{path}: step[0].gate.theta: expected a number or an expression such as pi/32")
    assert "\n" not in str(info.value)


#: (TOML text, key path named by the error, words of the problem). One case per kind of mistake.
BAD_FILES = {
    "missing sites": (HEADER.replace("sites = 2\n", "") + COLLISIONS, "sites", "missing"),
    "missing step": (HEADER, "step", "missing; at least one [[step]] table"),
    "missing gate": (HEADER + '[[step]]\nkind = "collision"\nreservoir = "hot"\nsite = 0\n', "step[0].gate", "missing"),
    "missing kind": (HEADER + "[[step]]\nsites = [0, 1]\n", "step[0].kind", "missing"),
    "missing temperature": (
        "sites = 1\n[reservoirs.hot]\ncoherence = 0.5\n" + ONE_SITE_COLLISION,
        "reservoirs.hot.temperature",
        "missing; a reservoir needs temperature",
    ),
    "sites not an integer": (
        HEADER.replace("sites = 2", 'sites = "2"') + COLLISIONS,
        "sites",
        "expected an integer, got a string",
    ),
    "site not an integer": (
        HEADER + COLLISIONS.replace("site = 1", "site = 1.0"),
        "step[1].site",
        "expected an integer, got a number 1.0",
    ),
    "theta a boolean": (_with_interaction('{ name = "partial_swap", theta = true }'), "step[0].gate.theta", "got a boolean"),
    "unknown gate": (_with_interaction('{ name = "toffoli_ish" }'), "step[0].gate.name", "unknown gate 'toffoli_ish'; valid:"),
    "one-qubit gate": (_with_interaction('"x"'), "step[0].gate.name", "'x' acts on 1 qubit(s); a step gate acts on 2"),
    "wrong parameter count": (
        _with_interaction('{ name = "rxx", params = [1, 2] }'),
        "step[0].gate.params",
        "'rxx' takes 1 parameter(s), got 2",
    ),
    "bad expression": (
        _with_interaction('{ name = "partial_swap", theta = "__import__(\'os\')" }'),
        "step[0].gate.theta",
        "expected a number or an expression such as pi/32",
    ),
    "infinite angle": (
        _with_interaction('{ name = "partial_swap", theta = "inf" }'),
        "step[0].gate.theta",
        "theta must be a finite angle in radians, got inf",
    ),
    "non-unitary matrix": (
        _with_interaction('{ name = "unitary", matrix = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 2]] }'),
        "step[0].gate.matrix",
        "matrix must be unitary, got max|U^dagger U - I| = 3",
    ),
    "matrix of the wrong size": (
        _with_interaction('{ name = "unitary", matrix = [[1, 0], [0, 1]] }'),
        "step[0].gate.matrix",
        "expected a 4x4 array of complex entries (4 rows), got 2 rows",
    ),
    "bad complex entry": (
        _with_interaction('{ name = "unitary", matrix = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, "1+j+"]] }'),
        "step[0].gate.matrix[3][3]",
        "expected a number or an expression",
    ),
    "unknown reservoir": (
        HEADER + COLLISIONS.replace('reservoir = "cold"', 'reservoir = "warm"'),
        "step[1].reservoir",
        "unknown reservoir 'warm'; reservoirs: 'hot', 'cold'",
    ),
    "collision site out of range": (
        HEADER + COLLISIONS.replace("site = 1", "site = 2"),
        "step[1].site",
        "site 2 out of range for sites = 2 (0..1)",
    ),
    "interaction site out of range": (
        HEADER + '[[step]]\nkind = "interaction"\nsites = [0, 5]\ngate = "cz"\n' + COLLISIONS,
        "step[0].sites[1]",
        "site 5 out of range for sites = 2 (0..1)",
    ),
    "same site twice": (
        HEADER + '[[step]]\nkind = "interaction"\nsites = [1, 1]\ngate = "cz"\n' + COLLISIONS,
        "step[0].sites",
        "expected two distinct sites, got [1, 1]",
    ),
    "unknown key": (
        HEADER.replace("temperature = 2.0", "temprature = 2.0") + COLLISIONS,
        "reservoirs.hot.temprature",
        "unknown key",
    ),
    "unknown kind": (HEADER + '[[step]]\nkind = "measurement"\n', "step[0].kind", 'expected "interaction" or "collision"'),
    "coherence out of range": (
        HEADER.replace("temperature = 2.0", "temperature = 2.0\ncoherence = 1.5") + COLLISIONS,
        "reservoirs.hot.coherence",
        "coherence must be in [0, 1], got 1.5",
    ),
    "state not positive": (
        "sites = 1\n[reservoirs.hot]\nstate = [[1.5, 0], [0, -0.5]]\n" + ONE_SITE_COLLISION,
        "reservoirs.hot.state",
        "positive",
    ),
    "state and temperature": (
        "sites = 1\n[reservoirs.hot]\nstate = [[1, 0], [0, 0]]\ntemperature = 1\n" + ONE_SITE_COLLISION,
        "reservoirs.hot.temperature",
        "give either state",
    ),
    "omega list of the wrong length": (
        HEADER.replace("sites = 2", "sites = 2\nomega = [1, 2, 3]") + COLLISIONS,
        "omega",
        "expected one value or one per site (2), got 3 values",
    ),
    "negative omega": (
        HEADER.replace("sites = 2", 'sites = 2\nomega = [1, "-2"]') + COLLISIONS,
        "omega[1]",
        "must be finite and > 0",
    ),
    "invalid TOML": ("sites = = 2\n", "", "invalid TOML"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_documents_name_the_key(case):
    text, key, problem = BAD_FILES[case]
    with pytest.raises(NetworkFileError) as info:
        network_from_toml(text)
    err = info.value
    assert isinstance(err, ValueError) and err.key == key
    assert problem in err.problem, err.problem
    assert str(err) == (f"{key}: {err.problem}" if key else err.problem) and "\n" not in str(err)


def test_readme_network_examples_work():
    """The README's TOML example parses, its Python example runs and prints the numbers it states."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Collision networks") : readme.index("## Tutorials")]
    (toml_block,) = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    net = network_from_toml(toml_block)
    assert net.sites == 2 and net.reservoir_names == ("hot", "odd") and net.reservoirs["odd"].omega == 1.5
    (python_block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    namespace: dict = {}
    exec(compile(python_block, "README.md", "exec"), namespace)  # the README's own code, not user input
    assert f"{namespace['ss'].currents['hot']:+.6f}" == "+0.012287"  # stated in the README
    assert f"{ch.steady_state(namespace['fridge']).currents['cold']:.6f}" == "-0.013515"
