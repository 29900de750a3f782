"""flows.worker finds the flow-run processes below the worker (they run in sessions of their own)."""

from __future__ import annotations

import subprocess
import sys

from flows.worker import _alive, descendants


def test_descendants_include_processes_in_new_sessions():
    script = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'], "
        "start_new_session=True); time.sleep(30)"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        found: set[int] = set()
        for _ in range(50):
            found = descendants(parent.pid)
            if found:
                break
            subprocess.run(["sleep", "0.1"])
        assert len(found) == 1 and all(_alive(p) for p in found)
    finally:
        for pid in descendants(parent.pid):
            subprocess.run(["kill", str(pid)])
        parent.kill()
        parent.wait()
    assert not _alive(parent.pid)
