"""``circuitheat presets``: list the example network files, print one, or write one out to start from."""

from __future__ import annotations

import argparse
import sys

from ..io import atomic_write, check_can_write
from ..presets import PRESET_FILES, preset_file_text

__all__ = ["register"]


def register(subparsers) -> None:
    """Add the ``presets`` subcommand."""
    p = subparsers.add_parser(
        "presets",
        help="example collision-network files (TOML) for run/steady --network",
        description="List the example network files (one per preset of circuitheat.presets), print one, or write "
        "one out to edit: circuitheat presets --write chain.toml chain, then circuitheat steady --network chain.toml.",
    )
    p.add_argument("name", nargs="?", choices=tuple(PRESET_FILES), default=None, help="print (or --write) this example")
    p.add_argument("--write", metavar="FILE.toml", default=None, help="write the example NAME to this file")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.name is None:
        if args.write is not None:
            raise ValueError(f"--write needs the name of an example: {', '.join(PRESET_FILES)}")
        width = max(len(name) for name in PRESET_FILES)
        for name, preset in PRESET_FILES.items():
            print(f"{name:<{width}}  {preset.description}  [= circuitheat.presets.{preset.equals}]")
        print("\nprint one: circuitheat presets NAME; write one: circuitheat presets --write FILE.toml NAME")
        return 0
    text = preset_file_text(args.name)
    if args.write is None:
        sys.stdout.write(text)
        return 0
    check_can_write(args.write, args.force, "--write", (".toml",))
    with atomic_write(args.write) as handle:
        handle.write(text)
    print(f"wrote {args.write} ({PRESET_FILES[args.name].description}); run it: circuitheat steady --network {args.write}")
    return 0
