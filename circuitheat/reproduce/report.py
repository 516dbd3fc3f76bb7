"""Writing ``report.json`` and ``report.md``: the reference table, the Aer check, parameters, timing.

Both files are written atomically (:func:`circuitheat.io.atomic_write`), and the
JSON is strict (no NaN or infinity), so any JSON reader accepts it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..io import atomic_write
from .checks import AER_ATOL, CheckResult, summarize

__all__ = ["REPORT_SCHEMA_VERSION", "build_report", "format_value", "write_report_json", "write_report_markdown"]

#: Version of the layout of ``report.json`` (bumped when keys change meaning).
REPORT_SCHEMA_VERSION = 1


def build_report(
    rows: Sequence[CheckResult],
    *,
    version: str,
    command: str,
    mode: str,
    started_utc: str,
    wall_time: float,
    stage_seconds: dict[str, float],
    parameters: dict[str, Any],
    environment: dict[str, str],
    files: Sequence[str],
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """The content of ``report.json`` as a plain, JSON-ready dict.

    The Aer row (id ``"Aer vs direct"``) is also summarised under ``"aer"``.
    """
    rows = list(rows)
    aer_rows = [r for r in rows if r.id == "Aer vs direct"]
    aer: dict[str, Any] = {"status": "absent"}
    if aer_rows:
        a = aer_rows[0]
        aer = {
            "status": a.status,
            "max_abs_deviation": a.difference,
            "tolerance": AER_ATOL,
            "scope": a.parameters,
            "note": a.note,
        }
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "title": "circuitheat reproduce: Heat transport between two nonthermal reservoirs in a collision model",
        "circuitheat_version": version,
        "command": command,
        "mode": mode,
        "started_utc": started_utc,
        "wall_time_seconds": round(float(wall_time), 3),
        "stage_seconds": {k: round(float(v), 3) for k, v in stage_seconds.items()},
        "environment": dict(environment),
        "parameters": parameters,
        "summary": summarize(rows),
        "aer": aer,
        "checks": [r.to_dict() for r in rows],
        "files": sorted(files),
        "notes": list(notes),
    }


def write_report_json(report: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``report`` as indented, strict JSON (atomically); return the path."""
    text = json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_write(path) as handle:
        handle.write(text + "\n")
    return Path(path)


def format_value(value: float | str | None, digits: int = 6) -> str:
    """A table cell: ``"—"`` for None, strings as they are, floats with ``digits`` significant digits."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    v = float(value)
    if v == 0:
        return "0"
    if abs(v) < 1e-4 or abs(v) >= 1e5:
        return f"{v:.{max(digits - 3, 2)}e}"
    return f"{v:.{digits}g}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_STATUS_MARK = {"pass": "pass", "fail": "**FAIL**", "skipped": "*skipped*"}


def _markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [
        "# circuitheat reproduce — report",
        "",
        "*Heat transport between two nonthermal reservoirs in a collision model*: every number the paper prints, "
        "recomputed, and its figures redrawn.",
        "",
        f"- circuitheat {report['circuitheat_version']}, mode **{report['mode']}**, command `{report['command']}`",
        f"- started {report['started_utc']} (UTC); wall time **{report['wall_time_seconds']:.1f} s**",
        f"- checks: **{s['pass']} pass, {s['fail']} fail, {s['skipped']} skipped**"
        + (
            f" ({s['known_discrepancies']} failing row(s) are known discrepancies with a printed value, see notes)"
            if s["known_discrepancies"]
            else ""
        ),
    ]
    aer = report["aer"]
    if aer["status"] != "absent":
        dev = aer["max_abs_deviation"]
        dev_text = "not computed" if dev is None else f"{dev:.2e}"
        lines.append(
            f"- Aer circuit engine vs direct engine over the Fig. 2 curves: max |ΔJ| = {dev_text} "
            f"(tolerance {aer['tolerance']:.0e}): **{aer['status']}** — {aer['scope']}"
            + (f"; {aer['note']}" if aer["note"] else "")
        )
    lines += [
        "",
        "Printed numbers pass when |computed − printed| ≤ 1 unit of the last printed digit; closed forms and "
        "identities are compared with the engine at double precision; statements of the text are checked as stated.",
        "",
        "## Reference checks",
        "",
        "| # | check | source | paper | computed | difference | tolerance | status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k, row in enumerate(report["checks"], start=1):
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    str(k),
                    f"{row['id']}: {row['quantity']}",
                    row["source"],
                    row["paper"],
                    format_value(row["computed"]),
                    format_value(row["difference"], 3),
                    format_value(row["tolerance"], 3),
                    _STATUS_MARK[row["status"]] + (" (known)" if row["known_discrepancy"] else ""),
                )
            )
            + " |"
        )
    lines += ["", "## Notes on individual checks", ""]
    for k, row in enumerate(report["checks"], start=1):
        if row["note"] or row["criterion"]:
            note = f" {row['note'].rstrip('.')}." if row["note"] else ""
            lines.append(f"{k}. **{_cell(row['id'])}** — parameters: {row['parameters']}. Criterion: {row['criterion']}.{note}")
    if report["notes"]:
        lines += ["", "## Notes on this run", ""]
        lines += [f"- {n}" for n in report["notes"]]
    lines += ["", "## Parameters", "", "```json", json.dumps(report["parameters"], indent=2, ensure_ascii=False), "```"]
    lines += ["", "## Timing", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in report["stage_seconds"].items()]
    lines += [f"| **total (wall)** | **{report['wall_time_seconds']:.2f}** |"]
    lines += ["", "## Environment", ""]
    lines += [f"- {k}: {v}" for k, v in report["environment"].items()]
    lines += ["", "## Files", ""]
    lines += [f"- `{f}`" for f in report["files"]]
    return "\n".join(lines) + "\n"


def write_report_markdown(report: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write the human-readable ``report.md`` for ``report`` (atomically); return the path."""
    with atomic_write(path) as handle:
        handle.write(_markdown(report))
    return Path(path)
