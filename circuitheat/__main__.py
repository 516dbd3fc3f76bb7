"""``python -m circuitheat`` runs the command-line interface (importing this module does nothing)."""

import sys

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
