"""watch_suno against the fake self-hosted Suno API, on the session's Prefect server."""

from __future__ import annotations

from types import SimpleNamespace
from unittest import mock

import pytest

from tests.fakes.suno import FakeSuno

pytestmark = pytest.mark.service
IDS = ("c-lyrics", "c-instr", "c-busy")


@pytest.fixture
def clean_records(prefect_harness):
    from prefect.variables import Variable

    from mvagent.track_ledger import record_key
    from tasks.track_state import PREFIX

    def clean() -> None:
        for track_id in IDS:
            Variable.unset(record_key(track_id, prefix=PREFIX))

    clean()
    yield
    clean()


def _finish(track_id: str, *, ok: bool) -> None:
    """What the music-video run's state hooks do when the triggered run ends."""
    from tasks.track_state import on_video_done, on_video_failed

    run = SimpleNamespace(parameters={"song": {"source": f"suno:{track_id}"}})
    state = SimpleNamespace(message="ProviderError: the Suno API answered HTTP 404")
    (on_video_done if ok else on_video_failed)(None, run, state)


def test_new_tracks_are_announced_once(clean_records, monkeypatch):
    from flows import watch_suno as module

    with FakeSuno(api_key=None) as fake:
        monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
        monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
        with mock.patch.object(module, "emit_event", wraps=module.emit_event) as emitted:
            first = module.watch_suno()
            second = module.watch_suno()  # their runs have not reported back yet
    # "c-busy" is still rendering on Suno's side, so it is not announced yet.
    assert sorted(first) == ["c-instr", "c-lyrics"]
    assert second == []
    assert emitted.call_count == 2
    kwargs = emitted.call_args_list[0].kwargs
    assert kwargs["event"] == "mvagent.suno.track.ready"
    assert kwargs["payload"]["source"] in ("suno:c-lyrics", "suno:c-instr")
    assert kwargs["payload"]["style"] == "synthwave, dreamy"
    assert kwargs["payload"]["credentials_block"] == ""
    assert kwargs["resource"]["prefect.resource.id"].startswith("suno.track.")


def test_a_failed_track_is_retried_up_to_the_limit_with_the_block(clean_records, monkeypatch):
    from blocks.credentials import SunoCredentials
    from flows import watch_suno as module
    from tasks.track_state import read_record

    monkeypatch.delenv("SUNO_API_BASE_URL", raising=False)
    with FakeSuno(api_key="block-key") as fake:
        SunoCredentials(base_url=fake.url, kind="selfhosted", api_key="block-key").save(
            "suno-watch", overwrite=True
        )
        block = "mvagent-suno-credentials/suno-watch"  # the long form works as the short one
        with mock.patch.object(module, "emit_event") as emitted:
            assert sorted(module.watch_suno(credentials_block=block, max_attempts=2)) == [
                "c-instr",
                "c-lyrics",
            ]
            _finish("c-lyrics", ok=True)
            _finish("c-instr", ok=False)
            assert module.watch_suno(credentials_block=block, max_attempts=2) == ["c-instr"]
            _finish("c-instr", ok=False)
            # Two failed runs: the limit. The track is given up on, not announced a third time.
            assert module.watch_suno(credentials_block=block, max_attempts=2) == []
            assert module.watch_suno(credentials_block="suno-watch", max_attempts=2) == []
    assert emitted.call_count == 3
    assert {c.kwargs["payload"]["credentials_block"] for c in emitted.call_args_list} == {block}
    assert read_record("c-lyrics").status == "done"
    gave_up = read_record("c-instr")
    assert (gave_up.status, gave_up.attempts) == ("given_up", 2)
    assert "HTTP 404" in gave_up.last_error


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


def test_a_wrong_block_type_says_how_to_fix_it(prefect_harness):
    from blocks.credentials import load_credentials
    from mvagent.errors import ConfigError

    with pytest.raises(ConfigError, match="mvagent-suno-credentials/x"):
        load_credentials("suno", "mvagent-sora-credentials/x")
    with pytest.raises(ConfigError, match="no saved SunoCredentials Block named 'nope'"):
        load_credentials("suno", "nope")
