"""Music sources: file, URL, and both Suno API shapes (fake servers on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mvagent.errors import BadInputError, ConfigError, ProviderError
from mvagent.ffmpeg import probe
from mvagent.sources import HostedSunoClient, fetch_song, suno_client
from tests.fakes.media import tiny_mp3
from tests.fakes.server import Reply
from tests.fakes.suno import LYRICS, WORDS, FakeCdn, FakeSuno

pytestmark = pytest.mark.service

KEY = "suno-PLANTED-key-0123456789"


@pytest.fixture
def fake():
    with FakeSuno(api_key=KEY) as server:
        yield server


def test_local_file(tmp_path: Path) -> None:
    song_file = tmp_path / "My_Song.mp3"
    song_file.write_bytes(tiny_mp3())
    song = fetch_song(str(song_file), dest_dir=tmp_path / "dl")
    assert (song.title, song.slug, song.source) == ("My Song", "my-song", "file")


def test_url_download(fake, tmp_path: Path) -> None:
    song = fetch_song(f"{fake.url}/files/c-lyrics.mp3", dest_dir=tmp_path / "dl", artist="Ana")
    assert song.source == "url" and song.artist == "Ana" and probe(song.path).has_audio
    with pytest.raises(BadInputError, match="cannot download"):
        fetch_song(f"{fake.url}/nothing-here.mp3", dest_dir=tmp_path / "dl")


def test_self_hosted_track_with_aligned_words(fake, tmp_path: Path) -> None:
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    song = fetch_song("suno:c-lyrics", dest_dir=tmp_path / "dl", suno=client)
    assert (song.title, song.slug, song.source, song.style) == (
        "Night Drive",
        "night-drive-c-lyrics",  # the track id keeps two songs of one title apart
        "suno",
        "synthwave, dreamy",
    )
    assert song.lyrics_text.startswith("[Verse]") and probe(song.path).has_audio
    assert song.image_path and song.image_path.read_bytes()[:4] == b"\x89PNG"
    words = json.loads(song.lyrics_path.read_text())
    assert words == [
        {"word": w, "startS": s, "endS": e} for w, s, e in WORDS
    ]  # Suno aligned-words JSON
    assert fake.calls["get"] == 1 and fake.calls["aligned"] == 1


def test_instrumental_and_unfinished_tracks(fake, tmp_path: Path) -> None:
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    song = fetch_song("suno:c-instr", dest_dir=tmp_path / "dl", suno=client)
    assert song.lyrics_path is None and fake.calls["aligned"] == 0
    with pytest.raises(BadInputError, match="not finished yet"):
        fetch_song("suno:c-busy", dest_dir=tmp_path / "dl", suno=client)
    with pytest.raises(BadInputError, match="no Suno track"):
        fetch_song("suno:nope", dest_dir=tmp_path / "dl", suno=client)


def test_library_polling_finds_new_finished_tracks(fake) -> None:
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    assert [t.id for t in client.new_tracks(seen=[])] == ["c-lyrics", "c-instr"]
    assert [t.id for t in client.new_tracks(seen=["c-lyrics"])] == ["c-instr"]


def test_hosted_generate_poll_and_timestamped_lyrics(fake, tmp_path: Path) -> None:
    client = suno_client(base_url=fake.url, kind="hosted", api_key=KEY)
    assert isinstance(client, HostedSunoClient)
    task_id = client.generate(prompt="a night drive", style="synthwave", title="Drive",
                              callback_url="https://example.invalid/suno-callback")  # fmt: skip
    assert fake.callbacks == ["https://example.invalid/suno-callback"]
    statuses = [client.task(task_id)[0] for _ in range(4)]
    assert statuses == ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]
    song = fetch_song(f"suno:{task_id}", dest_dir=tmp_path / "dl", suno=client)
    assert song.title == "Drive" and song.style == "synthwave"
    assert json.loads(song.lyrics_path.read_text())[0] == {
        "word": "Neon",
        "startS": 0.5,
        "endS": 0.9,
    }


def test_hosted_callback_payload() -> None:
    payload = {"code": 200, "msg": "All generated successfully.", "data": {"callbackType": "complete",
               "task_id": "t9", "data": [{"id": "a1", "audio_url": "https://x/a1.mp3", "image_url": "https://x/a1.jpg",
                                          "prompt": "la la", "model_name": "chirp-v3-5", "title": "Tune",
                                          "tags": "jazz", "createTime": "2025-01-01 00:00:00", "duration": 198.44}]}}  # fmt: skip
    stage, (track,) = HostedSunoClient.parse_callback(payload)
    assert (stage, track.id, track.task_id, track.title, track.duration_s, track.ready) == (
        "complete",
        "a1",
        "t9",
        "Tune",
        198.44,
        True,
    )
    assert track.source == "suno:t9:a1"
    payload["data"]["callbackType"] = "first"  # the first of two tracks: not finished yet
    stage, (first,) = HostedSunoClient.parse_callback(payload)
    assert stage == "first" and not first.ready
    failed = {"code": 501, "msg": "failed", "data": {"callbackType": "error", "task_id": "t9"}}
    assert HostedSunoClient.parse_callback(failed) == ("error", [])
    for bad in ([], {"data": "x"}, {"data": {"callbackType": "complete"}},
                {"data": {"callbackType": "complete", "task_id": "t", "data": [{"title": "no id"}]}}):  # fmt: skip
        with pytest.raises(BadInputError):
            HostedSunoClient.parse_callback(bad)


def test_retries_honour_retry_after_then_succeed(fake) -> None:
    sleeps: list[float] = []
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY, sleep=sleeps.append)
    fake.inject(
        "get",
        Reply(429, {"error": "slow"}, headers={"retry-after": "4"}),
        Reply(502, {"error": "x"}),
    )
    assert len(client.tracks(["c-lyrics"])) == 1
    assert fake.calls["get"] == 3 and sleeps[0] == 4.0 and 4.0 <= sleeps[1] <= 6.0


def test_errors_are_clear_and_keyless(fake) -> None:
    wrong = suno_client(base_url=fake.url, kind="hosted", api_key="suno-WRONG-key-0123456")
    with pytest.raises(ConfigError) as info:
        wrong.task("task1")
    assert "suno-WRONG-key" not in str(info.value) and "SUNO_API_KEY" in str(info.value)
    client = suno_client(base_url=fake.url, kind="hosted", api_key=KEY)
    with pytest.raises(ProviderError, match="callBackUrl is required"):
        client._data("POST", "/api/v1/generate", what="starting a song", json={"prompt": "x"})
    with pytest.raises(ConfigError, match="SUNO_API_BASE_URL"):
        suno_client()
    with pytest.raises(ConfigError, match="no library listing"):
        client.tracks()


def test_env_configures_the_client(fake, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SUNO_API_BASE_URL", fake.url)
    monkeypatch.setenv("SUNO_API_KIND", "selfhosted")
    monkeypatch.setenv("SUNO_API_KEY", KEY)
    assert fetch_song("suno:c-instr", dest_dir=tmp_path / "dl").title == "Ambient Tide"


@pytest.mark.parametrize("kind", ["selfhosted", "hosted"])
def test_the_key_goes_to_the_api_host_never_to_the_cdn(kind: str, tmp_path: Path) -> None:
    """127.0.0.1 (the API) and localhost (the CDN) are different hosts: only the API gets it."""
    with FakeCdn() as cdn, FakeSuno(api_key=KEY, media_url=cdn.host_url) as api:
        client = suno_client(base_url=api.url, kind=kind, api_key=KEY)
        ref = "c-lyrics"
        if kind == "hosted":
            ref = client.generate(prompt="x", callback_url="https://example.invalid/cb")
            api.tasks[ref]["stage"] = 3  # SUCCESS
        song = fetch_song(f"suno:{ref}", dest_dir=tmp_path / "dl", suno=client)
        assert probe(song.path).has_audio and song.image_path.is_file()
        assert (cdn.calls["audio"], cdn.calls["image"]) == (1, 1)
        assert cdn.authorized() == []
        # ...while every API call carried it (the fake answers 401 without it).
        assert api.calls["unauthorized"] == 0 and all(
            r.headers.get("authorization") == f"Bearer {KEY}" for r in api.log
        )


def test_a_streaming_track_is_not_finished(fake, tmp_path: Path) -> None:
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    (busy,) = client.tracks(["c-busy"])
    assert busy.audio_url and not busy.ready  # a live stream of a song still being made
    assert fake.calls["audio"] == 0


def test_two_tracks_with_one_title_get_their_own_folders(fake, tmp_path: Path) -> None:
    fake.library.append(fake._clip("d-second", "Night Drive", "", "complete"))
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    a = fetch_song("suno:c-lyrics", dest_dir=tmp_path / "dl", suno=client)
    b = fetch_song("suno:d-second", dest_dir=tmp_path / "dl", suno=client)
    assert (a.slug, b.slug) == ("night-drive-c-lyrics", "night-drive-d-second")
    assert a.path.parent != b.path.parent and a.path.is_file() and b.path.is_file()


def test_a_lyrics_file_wins_over_the_api_words(fake, tmp_path: Path) -> None:
    lrc = tmp_path / "mine.lrc"
    lrc.write_text("[00:00.50]Neon rain\n[00:01.40]on the glass\n")
    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    song = fetch_song("suno:c-lyrics", dest_dir=tmp_path / "dl", suno=client, lyrics_path=lrc)
    assert song.lyrics_path == lrc.resolve() and song.lyrics_text == LYRICS
    assert fake.calls["aligned"] == 0  # not asked: the user's timing is used
    with pytest.raises(BadInputError, match="lyrics file not found"):
        fetch_song("suno:c-lyrics", dest_dir=tmp_path / "dl", suno=client,
                   lyrics_path=tmp_path / "typo.lrc")  # fmt: skip
    assert fake.calls["get"] == 1  # the typo failed before any request


def test_the_api_words_time_the_subtitles(fake, tmp_path: Path) -> None:
    from mvagent.audio.lyrics import load_lyrics

    client = suno_client(base_url=fake.url, kind="selfhosted", api_key=KEY)
    song = fetch_song("suno:c-lyrics", dest_dir=tmp_path / "dl", suno=client)
    words = [w for line in load_lyrics(song.lyrics_path) for w in line.words]
    assert [(w.word, w.start, w.end) for w in words] == list(WORDS)


def test_make_checks_lyrics_for_suno_sources_before_prefect(tmp_path: Path) -> None:
    from flows.cli_make import build_parameters

    opts = dict(size="320x180", fps=12, preset="draft", subtitles="burn", provider="local",
                out_dir=str(tmp_path), seed=0)  # fmt: skip
    with pytest.raises(BadInputError, match="lyrics file not found"):
        build_parameters(song="suno:abc", demo=False, lyrics_path=str(tmp_path / "no.lrc"), **opts)
    lrc = tmp_path / "song.lrc"
    lrc.write_text("[00:01.00]hello\n")
    song, _ = build_parameters(song="suno:abc", demo=False, lyrics_path=str(lrc), **opts)
    assert song.lyrics_path == str(lrc)  # handed to the run, which uses it over the API's words
