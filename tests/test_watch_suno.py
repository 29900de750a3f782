"""watch_suno against the fake self-hosted Suno API, on the session's Prefect server.

Events are read back from the server; every test uses its own track ids (the server is
shared by the session).
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from unittest import mock

import pytest

from tests.fakes.suno import LYRICS, FakeSuno
from tests.prefect_events import ready_events, settle, wait_for

pytestmark = pytest.mark.service


@pytest.fixture
def run_id() -> str:
    return uuid.uuid4().hex[:8]


def _library(fake: FakeSuno, run: str) -> None:
    fake.library = [
        fake._clip(f"{run}-lyrics", "Night Drive", LYRICS, "complete"),
        fake._clip(f"{run}-instr", "Ambient Tide", "", "complete"),
        fake._clip(f"{run}-busy", "Not Yet", LYRICS, "streaming"),
    ]


def _finish(track_id: str, *, ok: bool) -> None:
    """What the music-video run's state hooks do when the triggered run ends."""
    from tasks.track_state import on_video_done, on_video_failed

    run = SimpleNamespace(parameters={"song": {"source": f"suno:{track_id}"}})
    state = SimpleNamespace(message="ProviderError: the Suno API answered HTTP 404")
    (on_video_done if ok else on_video_failed)(None, run, state)


def test_new_tracks_are_announced_once(prefect_harness, run_id, monkeypatch):
    from flows.watch_suno import watch_suno

    with FakeSuno(api_key=None) as fake:
        _library(fake, run_id)
        monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
        monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
        first = watch_suno()
        second = watch_suno()  # their runs have not reported back yet
    # "busy" is still streaming on Suno's side, so it is not announced yet.
    assert sorted(first) == [f"{run_id}-instr", f"{run_id}-lyrics"] and second == []
    settle()  # a marker sent after both polls is stored: so is everything they sent
    events = ready_events(run_id)
    assert len(events) == 2
    by_id = {e.resource.id: e for e in events}
    event = by_id[f"suno.track.{run_id}-lyrics"]
    assert event.event == "mvagent.suno.track.ready"
    assert event.resource["prefect.resource.name"] == "Night Drive"
    assert event.payload == {"source": f"suno:{run_id}-lyrics", "title": "Night Drive",
                             "style": "synthwave, dreamy", "credentials_block": "", "attempt": 1}  # fmt: skip
    # Sent from inside the flow run: the event names it.
    assert any(r.id.startswith("prefect.flow-run.") for r in event.related)


def test_a_failed_track_is_retried_up_to_the_limit_with_the_block(
    prefect_harness, run_id, monkeypatch
):
    from blocks.credentials import SunoCredentials
    from flows.watch_suno import watch_suno
    from tasks.track_state import read_record

    monkeypatch.delenv("SUNO_API_BASE_URL", raising=False)
    lyrics, instr = f"{run_id}-lyrics", f"{run_id}-instr"
    with FakeSuno(api_key="block-key") as fake:
        _library(fake, run_id)
        SunoCredentials(base_url=fake.url, kind="selfhosted", api_key="block-key").save(
            "suno-watch", overwrite=True
        )
        block = "mvagent-suno-credentials/suno-watch"  # the long form works as the short one
        assert sorted(watch_suno(credentials_block=block, max_attempts=2)) == [instr, lyrics]
        _finish(lyrics, ok=True)
        _finish(instr, ok=False)
        assert watch_suno(credentials_block=block, max_attempts=2) == [instr]
        _finish(instr, ok=False)
        # Two failed runs: the limit. The track is given up on, not announced a third time.
        assert watch_suno(credentials_block=block, max_attempts=2) == []
        assert watch_suno(credentials_block="suno-watch", max_attempts=2) == []
    settle()
    events = ready_events(run_id)
    assert len(events) == 3
    assert {e.payload["credentials_block"] for e in events} == {block}
    assert sorted(e.payload["attempt"] for e in events if e.resource.id.endswith("instr")) == [1, 2]
    assert read_record(lyrics).status == "done"
    gave_up = read_record(instr)
    assert (gave_up.status, gave_up.attempts) == ("given_up", 2)
    assert "HTTP 404" in gave_up.last_error


def test_a_poll_killed_after_sending_is_not_announced_twice(prefect_harness, run_id, monkeypatch):
    """The events reached the server, then the process died before recording "announced"."""
    from tasks import suno_watch
    from tasks.track_state import read_record

    real_send = suno_watch.PrefectEventSender.send

    def send_then_die(self, events):
        real_send(self, events)
        raise KeyboardInterrupt("killed")

    with FakeSuno(api_key=None) as fake:
        _library(fake, run_id)
        monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
        monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
        died = mock.patch.object(suno_watch.PrefectEventSender, "send", send_then_die)
        with died, pytest.raises(KeyboardInterrupt):
            suno_watch.watch_once()
        assert read_record(f"{run_id}-lyrics").status == "announcing"
        assert len(wait_for(run_id, 2)) == 2  # stored by the server, which the next poll asks
        again = suno_watch.watch_once()
    assert sorted(again.recovered) == [f"{run_id}-instr", f"{run_id}-lyrics"]
    assert again.announced == []
    settle()
    assert len(ready_events(run_id)) == 2
    assert read_record(f"{run_id}-lyrics").status == "announced"


def test_suno_sources_are_read_with_the_named_block(prefect_harness, tmp_path, monkeypatch):
    from blocks.credentials import SunoCredentials
    from tasks.ingest import ingest_song

    monkeypatch.delenv("SUNO_API_BASE_URL", raising=False)
    with FakeSuno(api_key="block-key") as fake:
        SunoCredentials(base_url=fake.url, kind="selfhosted", api_key="block-key").save(
            "suno-ingest", overwrite=True
        )
        song = ingest_song.fn(
            "suno:c-lyrics", out_dir=str(tmp_path), suno_credentials_block="suno-ingest"
        )
    assert song.source == "suno" and song.style == "synthwave, dreamy"
    assert song.path.is_file() and song.lyrics_path is not None
    # The cover is copied into the video's folder, where storyboard.json names it.
    assert song.image_path == (tmp_path / "night-drive-c-lyrics" / "cover.jpg").resolve()


def test_a_wrong_block_type_says_how_to_fix_it(prefect_harness):
    from blocks.credentials import load_credentials
    from mvagent.errors import ConfigError

    with pytest.raises(ConfigError, match="mvagent-suno-credentials/x"):
        load_credentials("suno", "mvagent-sora-credentials/x")
    with pytest.raises(ConfigError, match="no saved SunoCredentials Block named 'nope'"):
        load_credentials("suno", "nope")


def test_watch_interval_polls_until_stopped(prefect_harness, run_id, monkeypatch, capsys):
    """`mvagent watch --interval`: a track finished between two polls is announced by the second."""
    from mvagent import cli_suno
    from mvagent.cli import main

    with FakeSuno(api_key=None) as fake:
        fake.library = [fake._clip(f"{run_id}-one", "One", "", "complete")]
        monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
        monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
        naps: list[float] = []

        def nap(seconds: float) -> None:
            naps.append(seconds)
            if len(naps) == 2:
                raise KeyboardInterrupt
            fake.library.append(fake._clip(f"{run_id}-two", "Two", "", "complete"))

        monkeypatch.setattr(cli_suno, "_sleep", nap)  # time.sleep itself: other threads use it
        with pytest.raises(SystemExit) as info:
            main(["watch", "--interval", "30"])
    captured = capsys.readouterr()
    out = captured.out
    said = out + captured.err[-2000:]
    assert (info.value.code, naps, fake.calls["get"]) == (130, [30.0, 30.0], 2), said
    assert out.count("1 announced") == 2, said
    assert (
        f"announced suno track {run_id}-one" in out and f"announced suno track {run_id}-two" in out
    )
