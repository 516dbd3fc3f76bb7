"""``circuitheat reproduce``: the paper's Figs. 2–5, its printed numbers checked, into one directory."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]

_DESCRIPTION = """\
Reproduce the paper: write Figs. 2-5 (PNG and PDF), the entropy figure of Sec. IV,
the numbers behind each figure (CSV), and report.md / report.json: every number the
paper prints (Eqs. 14, 15, 31, 32, B1, B2, p_c ~ 0.155, the Fig. 3 axis ranges, the
Fig. 4 ordering and peaks) with the computed value, the difference and pass/fail at
the paper's printed precision, plus the largest deviation between the Aer circuit
engine and the direct engine over the Fig. 2 curves. Exit status 0 when every row
passes or fails only as a documented known discrepancy, 1 otherwise, 2 on bad input
or a non-empty output directory without --force."""


def register(subparsers) -> None:
    """Add the ``reproduce`` subcommand."""
    p = subparsers.add_parser(
        "reproduce",
        help="reproduce the paper's figures and numbers into a directory, with a report",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", "-o", default="paper-figures", metavar="DIR", help="output directory (default: paper-figures)")
    p.add_argument("--quick", action="store_true", help="coarser grids, Aer on the first 200 collisions of each curve (seconds)")
    p.add_argument("--force", action="store_true", help="write into a non-empty DIR (files of the same names are replaced)")
    p.add_argument("--no-aer", action="store_true", help="skip the Aer circuits (the Aer row of the report is then 'skipped')")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ..reproduce import reproduce

    command = "circuitheat reproduce --out " + str(args.out)
    command += "".join(f" --{flag}" for flag in ("quick", "force", "no_aer") if getattr(args, flag)).replace("_", "-")
    result = reproduce(
        args.out,
        quick=args.quick,
        force=args.force,
        aer=not args.no_aer,
        progress=not args.no_progress,
        command=command,
    )
    s = result.summary
    known = f" ({s['known_discrepancies']} known discrepancy)" if s["known_discrepancies"] else ""
    sys.stdout.write(
        f"wrote {len(result.files)} files to {result.out_dir} in {result.wall_time:.1f} s; "
        f"checks: {s['pass']} pass, {s['fail']} fail{known}, {s['skipped']} skipped; see {result.out_dir / 'report.md'}\n"
    )
    for row in result.checks:
        if row.status == "fail" and not row.known_discrepancy:
            sys.stdout.write(f"FAIL {row.id}: paper {row.paper}, computed {row.computed}\n")
    return 0 if result.ok else 1
