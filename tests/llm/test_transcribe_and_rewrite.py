"""Transcription with word timestamps (cached by audio hash) and the LLM rewrite of refused prompts."""

from __future__ import annotations

import pytest

from mvagent.audio.lyrics import load_lyrics
from mvagent.decisions import DecisionLog
from mvagent.llm import call_recorder
from mvagent.llm.transcribe import transcribe_song
from mvagent.planning.rewrite import llm_rewriter
from mvagent.providers.generation import rewrite_refused
from tests.fakes.openai_chat import DIRECTOR_WORD
from tests.fakes.server import Reply
from tests.llm.conftest import PLANTED_KEY

pytestmark = pytest.mark.service


def test_transcription_gives_timed_lines_and_is_cached(fake, make_llm, tmp_path, sleeps):
    audio = tmp_path / "song.wav"
    audio.write_bytes(b"RIFF-not-really-audio-but-bytes-to-hash")
    fake.inject(
        "transcribe", Reply(429, {"error": {"message": "busy"}}, headers={"retry-after-ms": "300"})
    )
    llm = make_llm(transcribe_model="whisper-1")
    dest, cached = transcribe_song(audio, llm=llm, dest=tmp_path / "transcript.json",
                                   cache_dir=tmp_path / "tcache")  # fmt: skip
    assert not cached and sleeps == [0.3]
    form = fake.log[-1]
    assert b"verbose_json" in form.body and b"word" in form.body and b"whisper-1" in form.body
    lines = load_lyrics(dest)
    assert [ln.text for ln in lines] == ["Hello neon night", "drive home"]
    assert lines[0].words[0].start == 1.0 and lines[1].end == 5.2
    (call,) = llm.calls
    assert call.mode == "transcribe" and call.cost_usd == pytest.approx(0.0006)
    again = make_llm()
    _, cached = transcribe_song(
        audio, llm=again, dest=tmp_path / "t2.json", cache_dir=tmp_path / "tcache"
    )
    assert cached and fake.calls["transcribe"] == 2 and not again.calls  # 429 + one real call


def test_refused_prompt_gets_an_llm_rewrite_and_both_are_logged(fake, make_llm, tmp_path):
    log = DecisionLog(tmp_path / "decisions.jsonl")
    llm = make_llm()
    llm.on_call = call_recorder(log, stage="generate")
    rewriter = llm_rewriter(llm, max_chars=400)
    new, how = rewrite_refused("A knife fight in the rain", "moderation_blocked", rewriter)
    assert how == "llm" and DIRECTOR_WORD in new
    body = fake.requests[-1]["messages"][-1]["content"]
    assert "knife fight" in body and "moderation_blocked" in body
    (line,) = log.read()
    assert line["action"] == "llm_call" and "moderation rewrite" in line["reason"]
    assert PLANTED_KEY not in (tmp_path / "decisions.jsonl").read_text()


def test_word_swap_stays_when_the_llm_is_down(make_llm):
    llm = make_llm(base_url="http://127.0.0.1:9/v1", max_attempts=1)
    new, how = rewrite_refused("A knife fight in the rain", "blocked", llm_rewriter(llm))
    assert how == "word_swap" and "ribbon" in new
    assert rewrite_refused("blood", "blocked", None)[1] == "word_swap"


def test_generate_clip_uses_the_rewriter_on_a_refusal(tmp_path):
    from mvagent.errors import ModerationError
    from mvagent.providers import _REGISTRY
    from mvagent.providers.generation import RetryPolicy, generate_clip
    from tests.fakes.scripted import ScriptedProvider
    from tests.providers.helpers import make_request, settings_for

    ScriptedProvider.reset(ModerationError("moderation_blocked"), "ok")
    _REGISTRY["scripted"] = ScriptedProvider
    try:
        log = DecisionLog(tmp_path / "decisions.jsonl")
        clip = generate_clip(
            make_request(prompt="A knife fight on a rooftop"),
            settings=settings_for("scripted", tmp_path),
            clips_dir=tmp_path / "clips",
            decisions=log,
            retry=RetryPolicy(sleep=lambda s: None),
            rewriter=lambda prompt, reason: "Two dancers duel with ribbons on a rooftop",
        )
    finally:
        _REGISTRY.pop("scripted", None)
    assert clip.provider == "scripted"
    assert ScriptedProvider.calls[1].prompt == "Two dancers duel with ribbons on a rooftop"
    (rewrite,) = [d for d in log.read() if d["action"] == "rewrite_prompt"]
    assert rewrite["data"]["method"] == "llm"
    assert rewrite["data"]["original"] == "A knife fight on a rooftop"
