r"""``circuitheat export-qasm``: OpenQASM 3 files of the collision circuits.

Two files, both with ``preparation="purification"`` in its one-CNOT Schmidt form
(:func:`circuitheat.hardware.protocol.hardware_preparation`; standard gates only, so
they run on hardware; the Kraus ``"channel"`` preparation has no OpenQASM form):

* ``collision_step.qasm`` — one collision (Eq. 8): reset and re-preparation of both
  ancillas, :math:`V(\delta)`, :math:`U(\gamma)` on :math:`S_A`–:math:`R^h`,
  :math:`U(\gamma)` on :math:`S_B`–:math:`R^c`.
* ``protocol_n{N}.qasm`` — the whole protocol from :math:`|11\rangle`: N collisions,
  each ancilla measured right after its collision, before its reset, into
  ``hot[k-1]`` / ``cold[k-1]``, so one circuit's counts give :math:`J_h(k), J_c(k)`
  for every k (Eqs. 10–11).

The defaults are the paper's Fig. 2 parameters (:math:`\gamma=\pi/32`, :math:`\delta=\pi/4`,
:math:`T_h = 2T_c = 2`, p = 0.8, :math:`\phi_h-\phi_c = 0`, :math:`\omega = 1`) and N = 5.
Files are written atomically; an existing file with different content is refused
unless ``--force`` (rewriting identical content is fine).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..circuits import REGISTER_NAMES, collision_block, collision_circuit, num_circuit_qubits, to_qasm3
from ..hardware.protocol import with_hardware_preparations
from ..io import atomic_write
from ..model import CollisionModel
from ..plotting.labels import format_angle
from ._options import add_model_options, count, model_from_args

__all__ = ["DEFAULT_N_COLLISIONS", "STEP_FILE", "protocol_file", "qasm_exports", "register", "write_exports"]

#: Number of collisions of the exported protocol (small: the file grows linearly).
DEFAULT_N_COLLISIONS = 5

#: File name of the one-collision export.
STEP_FILE = "collision_step.qasm"

#: The command that regenerates the committed files (quoted in their headers).
REGENERATE = "circuitheat export-qasm --out circuits/"


def protocol_file(n_collisions: int) -> str:
    """File name of the n-collision protocol export, ``protocol_n{n}.qasm``."""
    return f"protocol_n{int(n_collisions)}.qasm"


def _angle(x: float) -> str:
    """An angle as ``pi/5``, ``5pi/4``, ``-pi/2`` text when it is a rational multiple of pi, else its repr.

    The same rule as the figures' labels (:func:`circuitheat.plotting.labels.format_angle`:
    denominators up to its ``ANGLE_DENOMINATOR``, exact to 1e-12 rad), written in ASCII as
    the command line accepts it; any other angle keeps every digit (header comments only).
    """
    text = format_angle(x)
    if text != "0" and "π" not in text:
        return repr(float(x))
    return text.replace("π", "pi").replace("−", "-")


def _header(model: CollisionModel, what: str, n_collisions: int | None) -> list[str]:
    n_qubits = num_circuit_qubits("purification")
    order = ", ".join(f"{i}={REGISTER_NAMES[i]}" for i in range(n_qubits))
    lines = [
        f"circuitheat: {what}",
        f"model: gamma={_angle(model.gamma)} delta={_angle(model.delta)} omega={model.omega!r}",
        f"  hot:  T={model.hot.temperature!r} p={model.hot.coherence!r} phi={_angle(model.hot.phase)}",
        f"  cold: T={model.cold.temperature!r} p={model.cold.coherence!r} phi={_angle(model.cold.phase)}",
        f"qubits (Qiskit index=register): {order}",
        "  s_a, s_b: system S_A, S_B; r_h, r_c: hot/cold ancilla (reset and re-prepared every collision);",
        "  p_h, p_c: purifying partners (the ancilla marginal is the reservoir state, Eq. 12),",
        "  prepared in Schmidt form with one cx each (ry, cx, ry, p).",
        "|0> is the excited level of H = (omega/2) sigma_z, |1> the ground level.",
        "pswap(theta) = exp(i theta SWAP) up to a global phase exp(-i theta/2) (not expressible here).",
    ]
    if n_collisions is not None:
        lines.append(
            f"{n_collisions} collisions from |11>; hot[k-1], cold[k-1] = ancilla outcomes of collision k: "
            "J(k) = omega * (P(0) - 1/2) - Tr[H eta]."
        )
    lines.append(f"regenerate: {REGENERATE}")
    return lines


def qasm_exports(model: CollisionModel, n_collisions: int = DEFAULT_N_COLLISIONS) -> dict[str, str]:
    """The OpenQASM 3 texts, keyed by file name (see the module docstring).

    Parameters
    ----------
    model : CollisionModel
    n_collisions : int
        Collisions in the protocol file.

    Returns
    -------
    dict of str to str
        ``{STEP_FILE: ..., protocol_file(n_collisions): ...}``.
    """
    step = with_hardware_preparations(collision_block(model, "purification"), model)
    protocol = with_hardware_preparations(
        collision_circuit(model, n_collisions, preparation="purification", initial_state="11", save=None, measure=True),
        model,
    )
    return {
        STEP_FILE: to_qasm3(step, _header(model, "one collision step (purification preparation)", None)),
        protocol_file(n_collisions): to_qasm3(
            protocol, _header(model, "whole protocol, ancillas measured mid-circuit before reset", n_collisions)
        ),
    }


def write_exports(
    out: str | Path, model: CollisionModel, n_collisions: int = DEFAULT_N_COLLISIONS, *, force: bool = False
) -> dict[Path, str]:
    """Write :func:`qasm_exports` into the directory ``out``.

    Returns
    -------
    dict of Path to str
        Each path with ``"written"`` or ``"unchanged"`` (identical content already there).

    Raises
    ------
    FileExistsError
        If a file exists with different content and ``force`` is false (nothing is
        written then).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out {str(out)!r} exists and is not a directory")
    texts = {out / name: text for name, text in qasm_exports(model, n_collisions).items()}
    status: dict[Path, str] = {}
    for path, text in texts.items():
        if path.exists():
            same = path.read_bytes() == text.encode("utf-8")
            if not same and not force:
                raise FileExistsError(f"{str(path)!r} exists with different content; pass --force to overwrite it")
            status[path] = "unchanged" if same else "written"
        else:
            status[path] = "written"
    for path, text in texts.items():
        if status[path] == "written":
            with atomic_write(path) as handle:
                handle.write(text)
    return status


def register(subparsers) -> None:
    """Add the ``export-qasm`` subcommand."""
    p = subparsers.add_parser(
        "export-qasm",
        help="write OpenQASM 3 files of the collision circuits",
        description="Write OpenQASM 3 files of one collision step and of the whole protocol (ancillas measured "
        "mid-circuit before each reset), with the hardware-ready purification preparation. Defaults: the paper's "
        "Fig. 2 parameters, 5 collisions. Refuses to overwrite a file with different content unless --force.",
    )
    add_model_options(p)
    p.add_argument("--out", "-o", required=True, help="output directory (created if missing), e.g. circuits/")
    p.add_argument(
        "-n",
        "--n-collisions",
        type=count,
        default=DEFAULT_N_COLLISIONS,
        help=f"collisions in the protocol file (default {DEFAULT_N_COLLISIONS})",
    )
    p.add_argument("--force", action="store_true", help="overwrite files whose content differs")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    model = model_from_args(args)
    status = write_exports(args.out, model, args.n_collisions, force=args.force)
    for path, what in status.items():
        print(f"{what}: {path}")
    return 0
