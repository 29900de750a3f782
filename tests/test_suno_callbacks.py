"""`mvagent callbacks serve`: real HTTP into uvicorn, events read back from the Prefect server."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import httpx
import pytest

from tests.prefect_events import ready_events, settle

pytestmark = pytest.mark.service
TOKEN = "cb-PLANTED-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver(prefect_harness):
    """The app `callbacks serve` runs, on uvicorn on a free port, announcing for real."""
    import uvicorn

    from mvagent.suno_callbacks import PATH, create_app
    from tasks.suno_watch import announce_callback

    calls: list[int] = []

    def on_tracks(tracks):
        calls.append(len(tracks))
        return announce_callback(tracks, credentials_block="suno-hosted")

    port = _free_port()
    app = create_app(token=TOKEN, on_tracks=on_tracks)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}{PATH}", calls
    server.should_exit = True
    thread.join(timeout=10)


def _body(task: str, stage: str, ids: list[str]) -> dict:
    tracks = [{"id": i, "audio_url": f"https://cdn.example/{i}.mp3", "stream_audio_url": f"https://cdn.example/s/{i}",
               "image_url": f"https://cdn.example/{i}.jpeg", "prompt": "[Verse] la la", "model_name": "chirp-v4-5",
               "title": f"Tune {i[-1]}", "tags": "jazz, warm", "createTime": "2026-11-20 10:00:00",
               "duration": 198.44} for i in ids]  # fmt: skip
    return {"code": 200, "msg": "All generated successfully.",
            "data": {"callbackType": stage, "task_id": task, "data": tracks}}  # fmt: skip


def test_completed_callbacks_become_one_event_per_track(receiver):
    url, calls = receiver
    run = uuid.uuid4().hex[:8]
    task, ids = f"task-{run}", [f"{run}-a", f"{run}-b"]
    with httpx.Client(timeout=30) as http:
        first = http.post(url, params={"token": TOKEN}, json=_body(task, "first", ids[:1]))
        assert first.status_code == 200 and first.json()["announced"] == []
        done = http.post(url, params={"token": TOKEN}, json=_body(task, "complete", ids))
        assert done.status_code == 200, done.text
        assert sorted(done.json()["announced"]) == ids
        # The provider may send the same callback again: announced once only.
        again = http.post(
            url, headers={"X-Mvagent-Token": TOKEN}, json=_body(task, "complete", ids)
        )
        assert again.status_code == 200 and again.json()["announced"] == []
    assert calls == [2, 2]  # "first" never reached the ledger
    settle()
    events = ready_events(run)
    assert len(events) == 2
    sources = {e.payload["source"] for e in events}
    assert sources == {f"suno:{task}:{i}" for i in ids}  # what fetch_song reads hosted tracks by
    assert {e.payload["credentials_block"] for e in events} == {"suno-hosted"}
    assert {e.payload["style"] for e in events} == {"jazz, warm"}


def test_bad_callbacks_are_refused_and_announce_nothing(receiver):
    url, calls = receiver
    body = _body("task-x", "complete", ["x-a"])
    with httpx.Client(timeout=30) as http:
        assert http.post(url, json=body).status_code == 401
        assert http.post(url, params={"token": TOKEN[:-1] + "X"}, json=body).status_code == 401
        bad_json = http.post(url, params={"token": TOKEN}, content=b"{not json",
                             headers={"content-type": "application/json"})  # fmt: skip
        assert bad_json.status_code == 400
        for shape in ([1, 2], {"data": {"task_id": "t"}}, {"data": {"callbackType": "complete",
                      "task_id": "t", "data": [{"title": "no id"}]}}):  # fmt: skip
            answer = http.post(url, params={"token": TOKEN}, json=shape)
            assert answer.status_code == 422, answer.text
        huge = http.post(url, params={"token": TOKEN}, content=b"x" * 1_000_001)
        assert huge.status_code == 413
        failed = {"code": 501, "msg": "failed", "data": {"callbackType": "error", "task_id": "t"}}
        assert http.post(url, params={"token": TOKEN}, json=failed).json()["announced"] == []
        # No answer ever echoes the token.
        assert TOKEN not in http.post(url, params={"token": "wrong"}, json=body).text
    assert calls == []


def test_serve_refuses_to_start_without_a_real_token(monkeypatch, capsys):
    from mvagent.cli import main

    monkeypatch.delenv("MVAGENT_CALLBACK_TOKEN", raising=False)
    for args in (["callbacks", "serve"], ["callbacks", "serve", "--token", "short"]):
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "MVAGENT_CALLBACK_TOKEN" in err


def test_watch_needs_a_server_to_announce_to(monkeypatch, capsys):
    """Without PREFECT_API_URL Prefect would start a temporary server and lose the events."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from mvagent.cli import main

    monkeypatch.setenv("SUNO_API_BASE_URL", "http://127.0.0.1:9")
    with temporary_settings(restore_defaults={PREFECT_API_URL}), pytest.raises(SystemExit) as info:
        main(["watch", "--once"])
    assert info.value.code == 2 and "PREFECT_API_URL" in capsys.readouterr().err
