"""``circuitheat plot``: a quick look at a sweep file (line plot for one axis, heat map for two)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..expressions import parse_number
from ..io import FIGURE_SUFFIXES, atomic_savefig, check_can_write
from ..validation import InputValueError

__all__ = ["parse_selection", "register"]


def parse_selection(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE`` (VALUE a number or an expression such as ``pi/4``)."""
    name, sep, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise InputValueError(f"--select: expected NAME=VALUE, got {text!r}")
    return name, parse_number(value, f"--select {name}")


def _selection_type(text: str) -> tuple[str, float]:
    try:
        return parse_selection(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_selection_type.__name__ = "selection"


def register(subparsers) -> None:
    """Add the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot",
        help="quick look at a sweep file (PNG)",
        description="Plot one variable of a sweep written by 'circuitheat sweep': a line for one axis, a heat map "
        "for two (a family of lines when one axis has few values). Fix extra axes with --select.",
    )
    p.add_argument("sweep", help="NetCDF file written by 'circuitheat sweep'")
    p.add_argument("--var", "-v", default="heat_hot", help="data variable (default heat_hot)")
    p.add_argument(
        "--select",
        "-s",
        action="append",
        type=_selection_type,
        default=[],
        metavar="NAME=VALUE",
        help="fix an axis at its value nearest VALUE (e.g. gamma=pi/4); repeatable",
    )
    p.add_argument("--kind", choices=("auto", "line", "map"), default="auto", help="plot kind (default auto)")
    p.add_argument("--out", "-o", default=None, metavar="PNG", help="image file (default: SWEEP with suffix .png)")
    p.add_argument("--force", action="store_true", help="overwrite an existing image")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ..sweeps import load_sweep

    out = Path(args.out) if args.out is not None else Path(args.sweep).with_suffix(".png")
    check_can_write(out, args.force, "--out", FIGURE_SUFFIXES)
    ds = load_sweep(args.sweep)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting.sweep import plot_sweep

    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    try:
        plot_sweep(ds, args.var, ax=ax, kind=args.kind, selection=dict(args.select))
        atomic_savefig(fig, out, dpi=150)
    finally:
        plt.close(fig)
    print(f"wrote {out}")
    return 0
