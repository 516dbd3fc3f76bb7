"""Figures. Every function takes ``ax=None`` (a new figure if None) and returns the Axes.

One module per family of figures: :mod:`.basic` (trajectories), and the modules of
the reproduction, entropy, sweep and hardware figures.
"""

__all__: list[str] = []
