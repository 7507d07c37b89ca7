"""`releasewatch run` passes SIGHUP on to the services it runs (they reload their sharing policy file)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from releasewatch.supervisor import ChildProcess, Supervisor

TRAPS_SIGHUP = """
import pathlib, signal, sys, time
marker = pathlib.Path(sys.argv[1])
signal.signal(signal.SIGHUP, lambda *_: marker.write_text("reloaded"))
pathlib.Path(sys.argv[1] + ".ready").write_text("")
while not marker.exists():
    time.sleep(0.01)
"""


def test_a_hang_up_reaches_every_running_child(tmp_path: Path) -> None:
    children = []
    for name in ("ingest", "notifier"):
        child = ChildProcess(name, name, "http://127.0.0.1:1/healthz", {})
        child.process = subprocess.Popen([sys.executable, "-c", TRAPS_SIGHUP, str(tmp_path / name)])
        children.append(child)
    deadline = time.monotonic() + 30
    while not all((tmp_path / f"{name}.ready").exists() for name in ("ingest", "notifier")):
        assert time.monotonic() < deadline, "the children did not start"
        time.sleep(0.01)

    Supervisor(children).hang_up()

    for child in children:
        assert child.process is not None
        assert child.process.wait(timeout=30) == 0
    assert (tmp_path / "ingest").read_text() == "reloaded"
    assert (tmp_path / "notifier").read_text() == "reloaded"
