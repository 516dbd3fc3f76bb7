"""The ``circuitheat`` command.

Every module of this package that defines ``register(subparsers)`` adds a
subcommand; the registered handler receives the parsed arguments and returns an exit
status.

Exit status and what reaches stderr:

* 0 on success (a handler may return another status, e.g. ``reproduce`` returns 1
  when a check fails).
* 2 and one line, never a traceback, for the user's mistakes: a usage error, an
  :class:`~circuitheat.validation.InputError` (raised by the checks of
  :mod:`circuitheat.validation` and the modules converted to it), any other
  ``ValueError`` (modules not converted yet raise plain ``ValueError`` for bad values),
  ``OSError`` (a missing, unwritable or locked path) and a missing optional
  dependency (``ImportError`` of a module outside circuitheat).
* 1 and the full traceback for anything else: a ``TypeError``, ``IndexError``, ... that
  is not an :class:`~circuitheat.validation.InputError` is a bug in circuitheat, and
  must not look like bad input.
* 130 and one line on Ctrl-C (``KeyboardInterrupt``); a handler may add a hint by
  raising ``KeyboardInterrupt("hint")``.
* 141 (128 + SIGPIPE), silently, when stdout is closed early (``circuitheat run | head``),
  as Unix tools do.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import signal
import sys
import warnings
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


def _attach_negative_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Let ``--phase-hot -pi/4`` mean ``--phase-hot=-pi/4``.

    argparse takes a value starting with '-' for an option unless it looks like a plain
    negative number; expressions such as ``-pi/4`` or ``-inf`` are attached to the option
    that expects a value when they parse as numbers.
    """
    from ..expressions import parse_number

    takes_value = set()
    for action in parser._actions:  # subparsers' options too
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                takes_value |= {o for a in sub._actions if a.nargs is None and a.option_strings for o in a.option_strings}
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-") and argv[i + 1] not in takes_value:
            try:
                parse_number(argv[i + 1])
            except ValueError:
                pass
            else:
                out.append(f"{token}={argv[i + 1]}")
                i += 2
                continue
        out.append(token)
        i += 1
    return out


def _one_line_warning(command: str):
    """A ``warnings.showwarning`` that writes one line: ``circuitheat CMD: warning: ...``."""

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        sys.stderr.write(f"circuitheat {command}: warning: {category.__name__}: {text}\n")

    return show


#: Exit status of a process whose output pipe was closed: 128 + SIGPIPE, as a Unix tool killed by SIGPIPE.
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not report the broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file descriptor (e.g. captured by a test)
        pass


def _error(command: str, exc: BaseException) -> None:
    sys.stderr.write(f"circuitheat {command}: error: {' '.join(str(exc).split())}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``circuitheat`` console script; returns the exit status (see the module docstring)."""
    from ..validation import InputError

    as_console_script = argv is None
    try:  # Ctrl-C while the subcommands are imported
        parser = build_parser()
    except KeyboardInterrupt:
        sys.stderr.write("circuitheat: interrupted\n")
        return 130
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_attach_negative_values(parser, argv))
    try:
        with warnings.catch_warnings():
            if as_console_script:  # called from Python (tests, notebooks): leave warnings to the caller
                warnings.showwarning = _one_line_warning(args.command)
                warnings.simplefilter("once")
            status = int(args.handler(args) or 0)
            if as_console_script:
                sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
            return status
    except BrokenPipeError:  # the reader of our output went away (| head): stop quietly, like cat or grep
        if as_console_script:
            _silence_stdout()
        return EXIT_BROKEN_PIPE
    except InputError as exc:
        _error(args.command, exc)
        return 2
    except (ValueError, OSError) as exc:
        # ValueError: raised on purpose by the package for bad values not (yet) typed InputError.
        # OSError: missing or unwritable paths, a held lock, an unreachable scheduler (TimeoutError), ...
        _error(args.command, exc)
        return 2
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] == "circuitheat":  # our own module failed to import: a bug
            raise
        _error(args.command, exc)  # an optional dependency is missing; the message says what to install
        return 2
    except MemoryError:
        sys.stderr.write(f"circuitheat {args.command}: error: out of memory; reduce the size of the request\n")
        return 2
    except KeyboardInterrupt as exc:
        hint = " ".join(str(exc).split())
        sys.stderr.write(f"circuitheat {args.command}: interrupted{'; ' + hint if hint else ''}\n")
        if as_console_script:
            _exit_now(130)
        return 130


def _exit_now(status: int) -> None:
    """Flush and leave at once, without the interpreter's shutdown.

    After Ctrl-C a process pool's workers are terminated, possibly in the middle of sending
    a result; the pool's manager thread then waits for the rest of that message forever,
    and the interpreter's shutdown joins that thread (seen: 2 hangs in 6 interrupted
    sweeps). Everything worth keeping (checkpoint chunks, outputs) is already written
    atomically, so nothing is lost by skipping the shutdown.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
