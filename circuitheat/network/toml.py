r"""Collision networks from TOML files: the schema, :func:`load_network` and :func:`network_from_dict`.

The schema (``circuitheat presets`` lists and writes complete example files)
---------------------------------------------------------------------------
.. code-block:: toml

    description = "optional free text"
    sites = 3                    # N >= 1 system qubits, 0..N-1
    omega = 1.0                  # level splitting of every site, or one per site: [1.0, 3.0, 2.0]

    [reservoirs.hot]             # a reservoir of fresh ancillas in the state of Eq. (12) ...
    temperature = 2.0            # effective temperature T > 0, "inf" allowed
    coherence = 0.8              # p in [0, 1] (default 0)
    phase = "5pi/4"              # phi, rad (default 0)
    omega = 1.0                  # ancilla splitting (default 1)

    [reservoirs.custom]          # ... or any 2x2 density matrix in {|0>, |1>}, |0> excited
    state = [["0.3", "0.1+0.2j"], ["0.1-0.2j", "0.7"]]   # complex entries: "a+bj" or [re, im]
    omega = 1.0

    [[step]]                     # applied in this order at every step
    kind = "interaction"
    sites = [0, 1]               # gate qubit 0 on site 0, qubit 1 on site 1
    gate = { name = "partial_swap", theta = "pi/4" }

    [[step]]
    kind = "collision"           # site 0 meets a fresh ancilla of reservoir "hot"
    reservoir = "hot"
    site = 0                     # gate qubit 0 on the site, qubit 1 on the ancilla
    gate = { name = "partial_swap", theta = "pi/32" }

Gates (``gate = {...}``, or just ``gate = "cx"`` for a gate without parameters):

* ``{ name = "partial_swap", theta = ... }``: :math:`e^{i\theta\,\mathrm{SWAP}}` (Eqs. 3–5);
* ``{ name = "heisenberg", jx = ..., jy = ..., jz = ..., time = ... }``:
  :math:`e^{-i\,t(J_xXX + J_yYY + J_zZZ)}` (``time`` defaults to 1);
* ``{ name = "unitary", matrix = [[...], ...] }``: a 4×4 unitary in the kron basis
  :math:`|a\,b\rangle`, ``a`` = first slot (``sites[0]``, or the system site) most
  significant; entries as for ``state``;
* any two-qubit Qiskit standard gate by its name, with its parameters in order:
  ``{ name = "cx" }``, ``{ name = "rxx", params = ["pi/2"] }``,
  ``{ name = "xx_plus_yy", params = ["pi/3", 0] }`` (Qiskit qubit 0 on the first slot).

Numbers are TOML numbers or strings holding safe expressions (``"pi/32"``, ``"5pi/4"``,
``"-0.5"``, ``"inf"``), parsed by :mod:`circuitheat.expressions`, never ``eval``'d.
Complex entries are numbers, strings such as ``"0.1+0.2j"`` (Python's complex syntax,
parsed by ``complex()``), or ``[re, im]`` pairs of numbers or expressions. Unknown keys
are errors (a misspelt key must not be silently ignored).

Errors
------
Every problem raises :class:`NetworkFileError` (a ``ValueError``) with one line naming the
key path and the problem, e.g. ``step[2].gate.theta: expected a number or an expression
such as pi/32, got 'pi/'``; ``step[k]`` counts the ``[[step]]`` tables from 0.
"""

from __future__ import annotations

import math
import numbers
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..expressions import parse_number
from ..model import Reservoir
from ..validation import InputValueError
from .gates import gate_matrix, heisenberg, partial_swap
from .spec import Ancilla, Collision, CollisionNetwork, Interaction

__all__ = [
    "GATE_NAMES",
    "NetworkFileError",
    "load_network",
    "network_from_dict",
    "network_from_toml",
    "qiskit_two_qubit_gates",
]

#: Gate names defined by circuitheat itself; any two-qubit Qiskit standard gate name is accepted too.
GATE_NAMES = ("partial_swap", "heisenberg", "unitary")

_TOP_KEYS = ("description", "sites", "omega", "reservoirs", "step")
_RESERVOIR_KEYS = ("temperature", "coherence", "phase", "omega", "state")
_STEP_KEYS = {"interaction": ("kind", "sites", "gate"), "collision": ("kind", "reservoir", "site", "gate")}
_GATE_KEYS = {
    "partial_swap": ("name", "theta"),
    "heisenberg": ("name", "jx", "jy", "jz", "time"),
    "unitary": ("name", "matrix"),
}


class NetworkFileError(InputValueError):
    """A network file or dictionary that does not follow the schema.

    Attributes
    ----------
    key : str
        Path of the offending key, e.g. ``"step[2].gate.theta"`` (empty for the whole document).
    problem : str
        What is wrong with it.
    """

    def __init__(self, key: str, problem: str):
        self.key = key
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{key}: {self.problem}" if key else self.problem)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _table(value: object, path: str, allowed: tuple[str, ...]) -> Mapping:
    if not isinstance(value, Mapping):
        raise NetworkFileError(path, f"expected a table, got {_type_name(value)} {_short(value)}")
    for key in value:
        if key not in allowed:
            raise NetworkFileError(_join(path, str(key)), f"unknown key; expected one of: {', '.join(allowed)}")
    return value


def _require(table: Mapping, key: str, path: str, what: str) -> object:
    if key not in table:
        raise NetworkFileError(_join(path, key), f"missing; {what}")
    return table[key]


def _number(value: object, path: str) -> float:
    """A real number: a TOML int/float or a string with a safe expression."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | str):
        raise NetworkFileError(path, f"expected a number or an expression such as pi/32, got {_type_name(value)} {_short(value)}")
    if isinstance(value, str):
        try:
            return parse_number(value, "value")
        except ValueError as exc:
            raise NetworkFileError(path, str(exc).removeprefix("value: ")) from None
    return float(value)


def _integer(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NetworkFileError(path, f"expected an integer, got {_type_name(value)} {_short(value)}")
    return value


def _complex(value: object, path: str) -> complex:
    """A complex entry: a number, a string such as "0.1+0.2j" or a real expression, or [re, im]."""
    if isinstance(value, list):
        if len(value) != 2:
            raise NetworkFileError(path, f"a complex entry as an array must be [re, im], got {len(value)} items")
        return complex(_number(value[0], f"{path}[0]"), _number(value[1], f"{path}[1]"))
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            z = complex(text)
        except ValueError:
            return complex(_number(value, path))  # a real expression such as "1/2" or "pi/4"
        if not (math.isfinite(z.real) and math.isfinite(z.imag)):
            raise NetworkFileError(path, f"expected a finite complex number, got {value!r}")
        return z
    return complex(_number(value, path))


def _matrix(value: object, path: str, size: int) -> NDArray[np.complex128]:
    if not isinstance(value, list) or len(value) != size:
        got = f"{len(value)} rows" if isinstance(value, list) else f"{_type_name(value)} {_short(value)}"
        raise NetworkFileError(path, f"expected a {size}x{size} array of complex entries ({size} rows), got {got}")
    out = np.empty((size, size), dtype=complex)
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != size:
            got = f"{len(row)} entries" if isinstance(row, list) else f"{_type_name(row)} {_short(row)}"
            raise NetworkFileError(f"{path}[{i}]", f"expected a row of {size} complex entries, got {got}")
        for j, entry in enumerate(row):
            out[i, j] = _complex(entry, f"{path}[{i}][{j}]")
    return out


def _built(path: str, build: Callable[[], object]) -> object:
    """Call ``build``; re-raise a ValueError/TypeError from the core as a NetworkFileError at ``path``."""
    try:
        return build()
    except NetworkFileError:
        raise
    except (ValueError, TypeError) as exc:
        raise NetworkFileError(path, str(exc)) from None


def _omega(value: object, path: str, sites: int) -> float | tuple[float, ...]:
    if isinstance(value, list):
        if len(value) != sites:
            raise NetworkFileError(path, f"expected one value or one per site ({sites}), got {len(value)} values")
        values = tuple(_number(v, f"{path}[{k}]") for k, v in enumerate(value))
        for k, v in enumerate(values):
            if not (math.isfinite(v) and v > 0):
                raise NetworkFileError(f"{path}[{k}]", f"must be finite and > 0, got {v!r}")
        return values
    w = _number(value, path)
    if not (math.isfinite(w) and w > 0):
        raise NetworkFileError(path, f"must be finite and > 0, got {w!r}")
    return w


def _reservoir(value: object, path: str) -> Reservoir | Ancilla:
    table = _table(value, path, _RESERVOIR_KEYS)
    omega = _number(table["omega"], _join(path, "omega")) if "omega" in table else 1.0
    if "state" in table:
        for key in ("temperature", "coherence", "phase"):
            if key in table:
                raise NetworkFileError(
                    _join(path, key), "give either state (any 2x2 density matrix) or temperature/coherence/phase, not both"
                )
        state = _matrix(table["state"], _join(path, "state"), 2)
        try:
            return Ancilla(state, omega)
        except (ValueError, TypeError) as exc:
            key = "omega" if str(exc).startswith("omega") else "state"
            raise NetworkFileError(_join(path, key), str(exc)) from None
    if "temperature" not in table:
        raise NetworkFileError(
            _join(path, "temperature"), "missing; a reservoir needs temperature (Eq. 12 state) or state (any 2x2 density matrix)"
        )
    params = {key: _number(table[key], _join(path, key)) for key in ("temperature", "coherence", "phase") if key in table}
    for key, v in params.items():  # name the key of a bad value (Reservoir names its own field)
        _built(_join(path, key), lambda key=key, v=v: Reservoir(**{"temperature": 1.0, key: v}))
    return _built(_join(path, "omega"), lambda: Reservoir(**params, omega=omega))


def qiskit_two_qubit_gates() -> dict[str, object]:
    """Qiskit's two-qubit standard gates by name (``cx``, ``rxx``, ``iswap``, ...), parameters unbound."""
    from qiskit.circuit.library import get_standard_gate_name_mapping

    return {name: gate for name, gate in sorted(get_standard_gate_name_mapping().items()) if gate.num_qubits == 2}


def _qiskit_gate(name: str, table: Mapping, path: str):
    from qiskit.circuit.library import get_standard_gate_name_mapping

    standard = get_standard_gate_name_mapping()
    if name not in standard:
        valid = ", ".join(GATE_NAMES + tuple(qiskit_two_qubit_gates()))
        raise NetworkFileError(_join(path, "name"), f"unknown gate {name!r}; valid: {valid}")
    template = standard[name]
    if template.num_qubits != 2:
        raise NetworkFileError(_join(path, "name"), f"{name!r} acts on {template.num_qubits} qubit(s); a step gate acts on 2")
    _table(table, path, ("name", "params"))
    n_params = len(template.params)
    params = table.get("params", [])
    if not isinstance(params, list):
        raise NetworkFileError(_join(path, "params"), f"expected an array of {n_params} numbers, got {_type_name(params)}")
    if len(params) != n_params:
        raise NetworkFileError(_join(path, "params"), f"{name!r} takes {n_params} parameter(s), got {len(params)}")
    values = [_number(v, f"{_join(path, 'params')}[{k}]") for k, v in enumerate(params)]
    for k, v in enumerate(values):
        if not math.isfinite(v):
            raise NetworkFileError(f"{_join(path, 'params')}[{k}]", f"must be finite, got {v!r}")
    return template if not values else _built(path, lambda: type(template)(*values))


def _gate(value: object, path: str):
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, Mapping):
        raise NetworkFileError(
            path, f'expected a table such as {{ name = "partial_swap", theta = "pi/4" }}, got {_type_name(value)}'
        )
    name = _require(value, "name", path, f"the gate's name: {', '.join(GATE_NAMES)} or a two-qubit Qiskit gate such as cx")
    if not isinstance(name, str):
        raise NetworkFileError(_join(path, "name"), f"expected a string, got {_type_name(name)} {_short(name)}")
    if name not in _GATE_KEYS:
        return _qiskit_gate(name, value, path)
    table = _table(value, path, _GATE_KEYS[name])
    if name == "partial_swap":
        theta = _number(_require(table, "theta", path, "the angle theta (rad) of exp(i theta SWAP)"), _join(path, "theta"))
        return _built(_join(path, "theta"), lambda: partial_swap(theta))
    if name == "heisenberg":
        j = {k: _number(_require(table, k, path, "the coupling (energy units)"), _join(path, k)) for k in ("jx", "jy", "jz")}
        time = _number(table["time"], _join(path, "time")) if "time" in table else 1.0
        for key, v in (*j.items(), ("time", time)):
            if not math.isfinite(v):
                raise NetworkFileError(_join(path, key), f"must be finite, got {v!r}")
        return heisenberg(j["jx"], j["jy"], j["jz"], time)
    matrix = _matrix(_require(table, "matrix", path, "a 4x4 unitary"), _join(path, "matrix"), 4)
    return _built(_join(path, "matrix"), lambda: gate_matrix(matrix, "matrix"))


def _step_item(k: int, value: object, sites: int, reservoirs: Mapping) -> Interaction | Collision:
    path = f"step[{k}]"
    if not isinstance(value, Mapping):
        raise NetworkFileError(path, f"expected a table ([[step]]), got {_type_name(value)} {_short(value)}")
    kind = _require(value, "kind", path, 'kind = "interaction" or "collision"')
    if kind not in _STEP_KEYS:
        raise NetworkFileError(_join(path, "kind"), f'expected "interaction" or "collision", got {_short(kind)}')
    table = _table(value, path, _STEP_KEYS[kind])
    if kind == "interaction":
        pair = _require(table, "sites", path, "sites = [i, j], two distinct sites")
        if not isinstance(pair, list) or len(pair) != 2:
            raise NetworkFileError(_join(path, "sites"), f"expected two sites [i, j], got {_short(pair)}")
        pair = [_integer(s, f"{path}.sites[{m}]") for m, s in enumerate(pair)]
        for m, s in enumerate(pair):
            if not 0 <= s < sites:
                raise NetworkFileError(f"{path}.sites[{m}]", f"site {s} out of range for sites = {sites} (0..{sites - 1})")
        if pair[0] == pair[1]:
            raise NetworkFileError(_join(path, "sites"), f"expected two distinct sites, got {pair}")
        gate = _gate(_require(table, "gate", path, "the two-qubit gate"), _join(path, "gate"))
        return _built(_join(path, "gate"), lambda: Interaction(tuple(pair), gate))
    name = _require(table, "reservoir", path, "the name of a reservoir")
    if not isinstance(name, str) or name not in reservoirs:
        known = ", ".join(repr(r) for r in reservoirs) or "none defined"
        raise NetworkFileError(_join(path, "reservoir"), f"unknown reservoir {_short(name)}; reservoirs: {known}")
    site = _integer(_require(table, "site", path, "the system site that meets the ancilla"), _join(path, "site"))
    if not 0 <= site < sites:
        raise NetworkFileError(_join(path, "site"), f"site {site} out of range for sites = {sites} (0..{sites - 1})")
    gate = _gate(_require(table, "gate", path, "the two-qubit gate"), _join(path, "gate"))
    return _built(_join(path, "gate"), lambda: Collision(name, site=site, gate=gate))


def network_from_dict(d: Mapping) -> CollisionNetwork:
    """Build a :class:`~circuitheat.CollisionNetwork` from a parsed document of the schema above.

    Parameters
    ----------
    d : mapping
        The parsed TOML document (``tomllib.loads``), or an equivalent dictionary.

    Raises
    ------
    NetworkFileError
        One line naming the key path and the problem.
    """
    top = _table(d, "", _TOP_KEYS)
    if "description" in top and not isinstance(top["description"], str):
        raise NetworkFileError("description", f"expected a string, got {_type_name(top['description'])}")
    sites = _integer(_require(top, "sites", "", "the number N >= 1 of system qubits"), "sites")
    if sites < 1:
        raise NetworkFileError("sites", f"must be >= 1, got {sites}")
    omega = _omega(top.get("omega", 1.0), "omega", sites)
    reservoirs_table = top.get("reservoirs", {})
    if not isinstance(reservoirs_table, Mapping):
        raise NetworkFileError("reservoirs", f"expected tables [reservoirs.NAME], got {_type_name(reservoirs_table)}")
    reservoirs = {str(name): _reservoir(value, _join("reservoirs", str(name))) for name, value in reservoirs_table.items()}
    step = _require(top, "step", "", "at least one [[step]] table")
    if not isinstance(step, list) or not step:
        raise NetworkFileError("step", "expected at least one [[step]] table")
    items = [_step_item(k, value, sites, reservoirs) for k, value in enumerate(step)]
    return _built("", lambda: CollisionNetwork(sites=sites, omega=omega, reservoirs=reservoirs, step=items))


def network_from_toml(text: str) -> CollisionNetwork:
    """Parse TOML ``text`` of the schema above into a :class:`~circuitheat.CollisionNetwork`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError("", f"invalid TOML: {exc}") from None
    return network_from_dict(document)


def load_network(path: str | os.PathLike) -> CollisionNetwork:
    """Read a network file (TOML, schema in this module's docstring).

    Raises
    ------
    NetworkFileError
        ``"FILE: key.path: problem"`` for a file that does not follow the schema.
    OSError
        For a file that cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise NetworkFileError("", f"{path}: not a UTF-8 text file ({exc.reason})") from None
    try:
        return network_from_toml(text)
    except NetworkFileError as exc:
        raise NetworkFileError(f"{path}: {exc.key}" if exc.key else str(path), exc.problem) from None
