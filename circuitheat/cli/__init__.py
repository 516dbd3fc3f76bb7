"""The ``circuitheat`` command.

Every module of this package that defines ``register(subparsers)`` adds a
subcommand; the registered handler receives the parsed arguments and returns an exit
status. Invalid input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> None:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with one subcommand per module of :mod:`circuitheat.cli`."""
    from .. import __version__

    parser = _Parser(
        prog="circuitheat",
        description="Heat transport between two nonthermal reservoirs in a quantum collision model "
        "(direct matrix engine and Qiskit Aer circuits).",
    )
    parser.add_argument("--version", action="version", version=f"circuitheat {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``circuitheat`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, TypeError, FileExistsError, NotADirectoryError, FileNotFoundError, ImportError) as exc:
        sys.stderr.write(f"circuitheat {args.command}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"circuitheat {args.command}: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
