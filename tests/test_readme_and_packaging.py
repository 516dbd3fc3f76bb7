"""The README's two commands, CI's script, the public API names of DESIGN.md."""

from __future__ import annotations

import re
from pathlib import Path

import circuitheat as ch

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_starts_with_exactly_two_commands():
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    install_and_run, install_and_test = blocks[0], blocks[1]
    assert install_and_run.startswith("pip install") and "circuitheat reproduce" in install_and_run
    assert install_and_test.startswith("pip install") and "pytest" in install_and_test
    assert "\n" not in install_and_run and "\n" not in install_and_test


def test_ci_runs_the_readme_test_command():
    test_command = _bash_blocks((ROOT / "README.md").read_text())[1]
    ci_lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert test_command in ci_lines


def test_public_api_names():
    """The names promised in DESIGN.md's API contract."""
    for name in ("Reservoir", "CollisionModel", "simulate", "steady_state", "Trajectory"):
        assert name in ch.__all__
    model = ch.CollisionModel(
        gamma=0.1, delta=0.2, hot=ch.Reservoir(temperature=2.0, coherence=0.8, phase=0.1, omega=1.0), cold=ch.Reservoir(1.0)
    )
    traj = ch.simulate(model, n_collisions=3, engine="direct")
    assert traj.heat_hot.shape == traj.heat_cold.shape == (3,) and traj.system_states.shape == (3, 4, 4)
    ss = ch.steady_state(model)
    assert {"heat_hot", "heat_cold", "system_state"} <= set(dir(ss))


def test_every_module_declares_all():
    for path in (ROOT / "circuitheat").rglob("*.py"):
        if path.name == "__main__.py":
            continue
        assert "__all__" in path.read_text(), f"{path} has no __all__"
