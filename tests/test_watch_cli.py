"""The independent check: `mvagent watch --once` twice on a 150-track library, a real server.

148 finished tracks and 2 still streaming: the first poll announces 148 events (read back
from the server), the second none; `mvagent make suno:<id>` then fetches the audio and the
cover from the CDN (another host) without the key. The first poll is the installed command
in its own process; the second and `make` run the same `main()` in this process (a Python
start costs seconds on a busy machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.fakes.suno import FakeCdn, FakeSuno
from tests.prefect_events import ready_events, settle, wait_for

pytestmark = [pytest.mark.service, pytest.mark.slow]
KEY = "suno-PLANTED-watch-key-0123456789"
ROOT = Path(__file__).resolve().parents[1]


def _mvagent(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mvagent.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


@pytest.fixture
def library():
    run = uuid.uuid4().hex[:8]  # the session's server is shared: this test's own ids
    with FakeCdn() as cdn, FakeSuno(api_key=KEY, media_url=cdn.host_url) as api:
        api.library = [api._clip(f"{run}{i:03d}", f"Track {i}", "", "complete") for i in range(148)]
        api.library += [api._clip(f"{run}s{i}", f"Busy {i}", "", "streaming") for i in range(2)]
        yield run, api, cdn


def _main(capsys, *args: str) -> str:
    from mvagent.cli import main

    capsys.readouterr()
    main(list(args))
    out = capsys.readouterr()
    return out.out + out.err


def test_watch_once_twice_then_make(prefect_harness, library, tmp_path, capsys, monkeypatch):
    from prefect.settings import PREFECT_API_URL

    run, api, cdn = library
    for name, value in (("SUNO_API_BASE_URL", api.url), ("SUNO_API_KIND", "selfhosted"),
                        ("SUNO_API_KEY", KEY)):  # fmt: skip
        monkeypatch.setenv(name, value)
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "SUNO_API_BASE_URL": api.url, "SUNO_API_KIND": "selfhosted", "SUNO_API_KEY": KEY}  # fmt: skip
    started = time.monotonic()
    first = _mvagent("watch", "--once", env=env)
    took = time.monotonic() - started
    assert first.returncode == 0, first.stderr[-2000:]
    assert "148 announced" in first.stdout and "2 not finished on Suno" in first.stdout
    events = wait_for(run, 148)
    assert len(events) == 148
    ids = {e.resource.id.removeprefix("suno.track.") for e in events}
    assert ids == {f"{run}{i:03d}" for i in range(148)}  # each finished track, none streaming
    assert {e.payload["source"] for e in events} == {f"suno:{i}" for i in ids}
    with capsys.disabled():  # the measured figure, shown with -s
        print(f"\nwatch --once over 150 tracks (own process): {took:.1f} s")

    t = time.monotonic()
    second = _main(capsys, "watch", "--once")
    with capsys.disabled():
        print(f"second watch --once (in-process): {time.monotonic() - t:.1f} s")
    assert "0 announced" in second and "148 waiting" in second
    settle()  # a marker sent after the second poll is stored: so would its events be
    assert len(ready_events(run)) == 148
    assert api.calls["get"] == 2 and cdn.log == []  # polling downloads nothing
    assert KEY not in first.stdout + first.stderr + second

    t = time.monotonic()
    track = f"{run}007"
    made = _main(capsys, "make", f"suno:{track}", "--dry-run", "--planner", "heuristic",
                 "--out", str(tmp_path / "out"))  # fmt: skip
    with capsys.disabled():
        print(f"make suno:ID --dry-run (in-process): {time.monotonic() - t:.1f} s")
    folder = tmp_path / "out" / f"track-7-{track[:8]}"
    storyboard = json.loads((folder / "storyboard.json").read_text())
    assert (cdn.calls["audio"], cdn.calls["image"]) == (1, 1)
    assert cdn.authorized() == []  # the key never reached the CDN
    assert (folder / storyboard["cover_image"]).is_file()  # the cover went to the planner
    assert KEY not in made
