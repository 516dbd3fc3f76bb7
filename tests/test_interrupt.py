"""Issue 13: Ctrl-C during a multi-worker sweep, damaged checkpoints, and two processes on one output.

No physics numbers here: the reference of every comparison is the same sweep computed afresh
in this process (chunking and executors do not change a single bit, see test_sweep.py).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from circuitheat.cli import main
from circuitheat.sweeps import chunk_directory, load_sweep, make_spec, sweep
from circuitheat.sweeps.storage import Checkpoint, DamagedCheckpointWarning, SweepLockedError, output_lock

#: Guard against a hang (the bug being tested), not a speed requirement: a healthy interrupted
#: sweep exits in well under a second; a hung one never does.
HANG_GUARD_S = 60
_CHUNK_FILE = re.compile(r"^chunk-\d{6}\.npz$")

AXES = {"coherence": np.linspace(0, 1, 5), "phase_difference": np.linspace(0, 2 * np.pi, 4)}
#: Long enough per chunk (~tens of ms) that a loaded machine is unlikely to finish all 20 chunks
#: between the first saved chunk and the signal. (With 5000, one loaded full-suite run failed this
#: test, cause not captured; a sweep that ends before the signal is one way it can fail.)
N_COLLISIONS = 50_000
ARGV = [
    "sweep",
    "-a",
    "coherence=0:1:5",
    "-a",
    "phase_difference=0:2pi:4",
    "-n",
    str(N_COLLISIONS),
    "--chunk-size",
    "1",
    "--no-progress",
]


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _only_complete_chunks(out: Path, spec) -> int:
    """Every file in the checkpoint is a manifest or a chunk that verifies; return the number of chunks."""
    directory = chunk_directory(out)
    names = sorted(p.name for p in directory.iterdir())
    assert all(n == "manifest.json" or _CHUNK_FILE.match(n) for n in names), names
    checkpoint = Checkpoint(directory, spec)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a damaged chunk would warn
        assert all(checkpoint.read(i) is not None for i in checkpoint.completed())
    return len(checkpoint.completed())


@pytest.mark.slow
def test_sigint_stops_a_two_worker_sweep_and_the_rerun_resumes_identically(tmp_path):
    out = tmp_path / "w.nc"
    argv = [*ARGV, "--workers", "2", "--out", str(out)]
    # A terminal's Ctrl-C goes to the whole foreground process group: the parent and its workers.
    proc = subprocess.Popen(
        [sys.executable, "-m", "circuitheat", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    chunks = chunk_directory(out)
    while proc.poll() is None and not (chunks.is_dir() and any(chunks.glob("chunk-*.npz"))):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"the interrupted sweep did not exit within {HANG_GUARD_S} s")
    assert proc.returncode == 130, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("circuitheat sweep: interrupted; finished chunks are saved in")
    assert "Traceback" not in stderr and stdout == ""
    deadline = time.monotonic() + HANG_GUARD_S
    while not _group_is_gone(proc.pid) and time.monotonic() < deadline:  # no worker outlives its parent
        time.sleep(0.05)
    assert _group_is_gone(proc.pid)
    spec = make_spec(AXES, None, n_collisions=N_COLLISIONS, chunk_size=1)
    n_saved = _only_complete_chunks(out, spec)
    assert 1 <= n_saved < spec.n_chunks and not out.exists()
    # the same command again resumes from the saved chunks; the result is that of an uninterrupted sweep
    assert main(argv) == 0
    assert load_sweep(out).identical(sweep(AXES, n_collisions=N_COLLISIONS, chunk_size=1, progress=False))


def _interrupted(out: Path, k: int):
    class Stop(Exception):
        pass

    def stop(index, n_done, n_total):
        if n_done >= k:
            raise Stop

    with pytest.raises(Stop):
        sweep({"gamma": [0.1, 0.2, 0.3, 0.4, 0.5]}, out=out, chunk_size=1, callback=stop, progress=False)


def test_damaged_chunks_are_reported_in_one_line_and_recomputed(tmp_path):
    out = tmp_path / "d.nc"
    _interrupted(out, 4)
    directory = chunk_directory(out)
    (directory / "chunk-000000.npz").write_bytes((directory / "chunk-000000.npz").read_bytes()[:300])  # truncated
    (directory / "chunk-000001.npz").write_bytes(b"")  # emptied
    data = bytearray((directory / "chunk-000002.npz").read_bytes())
    with np.load(directory / "chunk-000002.npz") as chunk:
        at = bytes(data).index(chunk["heat_hot"].tobytes())
    data[at] ^= 0x01  # one flipped bit in the stored J_h
    (directory / "chunk-000002.npz").write_bytes(bytes(data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = sweep({"gamma": [0.1, 0.2, 0.3, 0.4, 0.5]}, out=out, chunk_size=1, progress=False)
    damaged = [str(w.message) for w in caught if w.category is DamagedCheckpointWarning]
    assert len(damaged) == 3 and all("\n" not in m for m in damaged)
    assert all(re.search(r"chunk-00000[012]\.npz' is damaged \(.+\); recomputing it$", m) for m in damaged), damaged
    assert ds.identical(sweep({"gamma": [0.1, 0.2, 0.3, 0.4, 0.5]}, chunk_size=1, progress=False).assign_attrs(ds.attrs))


def test_damaged_manifest_discards_the_checkpoint_and_recomputes(tmp_path):
    out = tmp_path / "m.nc"
    _interrupted(out, 2)
    (chunk_directory(out) / "manifest.json").write_text('{"hash": ')
    with pytest.warns(DamagedCheckpointWarning, match="damaged or missing manifest.json"):
        ds = sweep({"gamma": [0.1, 0.2, 0.3, 0.4, 0.5]}, out=out, chunk_size=1, progress=False)
    assert np.all(np.isfinite(ds.heat_hot)) and not chunk_directory(out).exists()


def test_leftover_partial_files_are_removed_on_resume(tmp_path):
    out = tmp_path / "p.nc"
    _interrupted(out, 2)
    partial = chunk_directory(out) / ".chunk-000003.npz.abc123.part"  # what a kill -9 mid-write leaves
    partial.write_bytes(b"PK")
    spec = make_spec({"gamma": [0.1, 0.2, 0.3, 0.4, 0.5]}, None, chunk_size=1)
    with output_lock(out):
        Checkpoint(chunk_directory(out), spec)
    assert not partial.exists() and len(list(chunk_directory(out).glob("chunk-*.npz"))) == 2


def test_a_second_writer_of_the_same_output_is_refused_with_a_clear_message(tmp_path, capsys):
    out = tmp_path / "l.nc"
    with output_lock(out):  # another process is writing out
        with pytest.raises(
            SweepLockedError, match=r"another process is writing '.*l\.nc' \(its lock '.*\.l\.nc\.lock' is held\)"
        ):
            sweep({"gamma": [0.1, 0.2]}, out=out, progress=False)
        assert main(["sweep", "-a", "gamma=0.1,0.2", "--out", str(out), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("circuitheat sweep: error: another process is writing") and err.count("\n") == 1
        assert not chunk_directory(out).exists()
    assert main(["sweep", "-a", "gamma=0.1,0.2", "--out", str(out), "--no-progress"]) == 0  # released


@pytest.mark.parametrize("delay_s", [0.2, 0.5])
def test_ctrl_c_while_the_package_imports_is_one_line(delay_s, tmp_path):
    """Ctrl-C in the first second (while Qiskit, Aer and scipy import): status 130, one line, no traceback.

    The command (a 1e6-collision run) cannot finish first, so whichever phase the signal
    lands in -- the package import or the command itself -- the contract is the same.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "circuitheat", "run", "-n", "1000000", "--out", str(tmp_path / "run.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=HANG_GUARD_S)
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.count("\n") == 1 and "Traceback" not in err and "interrupted" in err, err
    assert not (tmp_path / "run.csv").exists()
