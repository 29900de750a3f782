"""The LLM planner with a scripted LLM: timing kept, content from the LLM, checks and fallback."""

from __future__ import annotations

import json

import pytest

from mvagent.decisions import DecisionLog
from mvagent.errors import ConfigError, LLMError
from mvagent.models import LyricLine, Song, WordTiming
from mvagent.planning.planner import plan
from mvagent.planning.storyboard import plan_storyboard
from mvagent.providers.base import Capabilities
from tests.fakes.openai_chat import DIRECTOR_WORD, director
from tests.fakes.scripted_llm import ScriptedLLM
from tests.planning.test_storyboard import _analysis

SORA = Capabilities(durations_s=(4.0, 8.0, 12.0), max_prompt_chars=4000, price_per_second_usd=0.1)


def _sung(analysis):
    """Lyrics: one line per verse/chorus bar pair, with word timings."""
    lines = []
    for sec in analysis.sections:
        if sec.label in ("verse", "chorus"):
            t = sec.start + 0.5
            words = (
                ["midnight", "rain", "on", "the", "highway"]
                if sec.label == "verse"
                else ["we", "dance", "under", "neon", "lights"]
            )
            ws = [
                WordTiming(word=w, start=t + i * 0.4, end=t + i * 0.4 + 0.3)
                for i, w in enumerate(words)
            ]
            lines.append(
                LyricLine(text=" ".join(words), start=ws[0].start, end=ws[-1].end, words=ws)
            )
    return analysis.model_copy(update={"lyrics": lines})


SONG = Song(path="/tmp/x.wav", title="Paper Lanterns", artist="The Testers", slug="paper-lanterns",
            style="dream pop, shoegaze")  # fmt: skip


def from_request(messages):
    """The fake server's director, as a scripted reply."""
    return director({"messages": messages})


def _plan(
    llm, *, mode="llm", tmp_path, analysis=None, provider="sora", caps=SORA, brief="a night market"
):
    log = DecisionLog(tmp_path / "decisions.jsonl")
    sb = plan(analysis or _sung(_analysis()), song=SONG, mode=mode, provider=provider,
              capabilities=caps, decisions=log, llm=llm, brief=brief)  # fmt: skip
    return sb, log.read()


def test_llm_writes_content_for_the_heuristic_scenes(tmp_path):
    a = _sung(_analysis())
    llm = ScriptedLLM(from_request)
    sb, decisions = _plan(llm, tmp_path=tmp_path, analysis=a)
    base = plan_storyboard(a, capabilities=SORA, title=SONG.title, style=SONG.style)
    assert [(s.start, s.end, s.clip_duration) for s in sb.scenes] == [
        (s.start, s.end, s.clip_duration) for s in base.scenes
    ]
    assert sb.planner == "llm" and sb.concept.treatment == "narrative"
    assert [c.id for c in sb.characters] == ["mara"]
    desc = sb.characters[0].description
    for sc in sb.scenes:
        assert DIRECTOR_WORD in sc.prompt and desc in sc.prompt  # verbatim, every scene
        assert "#" not in sc.prompt  # no hex colours for remote models
        assert len(sc.prompt) <= SORA.max_prompt_chars
    assert any(sc.lyric for sc in sb.scenes)
    request = json.loads(llm.requests[0][1]["content"])
    assert request["song"]["title"] == "Paper Lanterns" and request["brief"] == "a night market"
    assert request["song"]["style_tags"] == "dream pop, shoegaze"
    assert "midnight rain on the highway" in [s["lyrics_sung"] for s in request["scenes"]]
    assert {"energy", "section"} <= set(request["scenes"][0])
    assert any(d["action"] == "planner" and d["data"]["planner"] == "llm" for d in decisions)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda p: p.update(scenes=p["scenes"][:-1]), "at least 16 items"),
        (lambda p: p["scenes"][0].update(characters=["ghost"]), "'ghost'"),
        (lambda p: p["scenes"][2].update(location="moon"), "'moon' is not in bible.locations"),
        (lambda p: p["scenes"][1].update(index=0), "indices [1] are missing"),
        (
            lambda p: [s.update(lyric="nobody sings this") for s in p["scenes"] if s["lyric"]],
            "is not sung",
        ),
        (lambda p: p["bible"].update(palette=["#ff0000"]), "hex"),
    ],
)
def test_invalid_plans_get_one_repair_naming_the_problem(tmp_path, damage, named):
    def broken(messages):
        plan_ = from_request(messages)
        damage(plan_)
        return plan_

    llm = ScriptedLLM(broken, from_request)
    sb, _ = _plan(llm, tmp_path=tmp_path)
    assert sb.planner == "llm" and len(llm.requests) == 2
    assert named in llm.requests[1][-1]["content"]


def test_auto_falls_back_to_heuristic_after_one_repair(tmp_path):
    llm = ScriptedLLM("{broken", "{still broken")
    sb, decisions = _plan(llm, mode="auto", tmp_path=tmp_path)
    assert sb.planner == "heuristic" and len(llm.requests) == 2
    fallback = [d for d in decisions if d["action"] == "planner_fallback"]
    assert fallback and "not valid JSON" in fallback[0]["reason"]
    assert all(sc.prompt and "#" not in sc.prompt for sc in sb.scenes)


def test_llm_mode_raises(tmp_path):
    with pytest.raises(LLMError):
        _plan(ScriptedLLM("{broken", "[]"), mode="llm", tmp_path=tmp_path)
    with pytest.raises(ConfigError, match="MVAGENT_LLM_BASE_URL"):
        _plan(None, mode="llm", tmp_path=tmp_path)


def test_auto_without_llm_says_why(tmp_path):
    sb, decisions = _plan(None, mode="auto", tmp_path=tmp_path)
    assert sb.planner == "heuristic"
    assert "no LLM is configured" in decisions[0]["reason"]


def test_prompt_limit_too_small_is_sent_back(tmp_path):
    tiny = Capabilities(durations_s=(4.0, 8.0, 12.0), max_prompt_chars=60)
    llm = ScriptedLLM(from_request, from_request)
    with pytest.raises(LLMError, match="takes 60"):
        _plan(llm, tmp_path=tmp_path, caps=tiny)


def test_veo_gets_a_negative_prompt_and_local_keeps_hex(tmp_path):
    sb, _ = _plan(ScriptedLLM(from_request), tmp_path=tmp_path, provider="veo")
    assert all("watermark" in s.negative_prompt for s in sb.scenes)
    assert all("Camera:" in s.prompt for s in sb.scenes)
    sb, _ = _plan(ScriptedLLM(from_request), tmp_path=tmp_path, provider="sora")
    assert all(s.negative_prompt == "" for s in sb.scenes)
    local, _ = _plan(
        None, mode="heuristic", tmp_path=tmp_path, provider="local", caps=Capabilities()
    )
    assert all("#" in s.prompt for s in local.scenes)


def test_heuristic_uses_lyrics_title_and_tags(tmp_path):
    a = _sung(_analysis())
    sb = plan_storyboard(
        a, style="dream pop", capabilities=SORA, title="Paper Lanterns", hex_colours=False
    )
    verse = next(s for s in sb.scenes if s.section == "verse")
    chorus = next(s for s in sb.scenes if s.section == "chorus")
    assert "rain-streaked windows" in verse.prompt or "highway" in verse.prompt
    assert "dancers" in chorus.prompt or "neon" in chorus.prompt
    intro = sb.scenes[0]
    assert "lantern" in intro.prompt.lower() or "paper" in intro.prompt.lower()
    assert all("#" not in s.prompt for s in sb.scenes)
    assert verse.lyric == "midnight rain on the highway"


def test_the_cover_art_is_the_planners_reference(tmp_path):
    from tests.fakes.media import tiny_png

    cover = tmp_path / "cover.png"
    cover.write_bytes(tiny_png())
    song = SONG.model_copy(update={"image_path": cover})
    llm = ScriptedLLM(from_request)
    log = DecisionLog(tmp_path / "decisions.jsonl")
    sb = plan(_sung(_analysis()), song=song, mode="llm", provider="sora", capabilities=SORA,
              decisions=log, llm=llm)  # fmt: skip
    text, image = llm.requests[0][1]["content"]
    assert "cover art" in text["text"] and json.loads(text["text"][: text["text"].rindex("}") + 1])
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert sb.planner == "llm" and sb.cover_image == "cover.png"
    heuristic = plan(_sung(_analysis()), song=song, mode="heuristic", provider="local",
                     capabilities=SORA, decisions=log)  # fmt: skip
    assert heuristic.cover_image == "cover.png"  # recorded in storyboard.json either way
    assert any(d["action"] == "cover" for d in log.read())
