import pytest

from mvagent.models import Analysis, Mood, RenderSettings, Section
from mvagent.planning.requests import clip_requests, share_identical
from mvagent.planning.storyboard import plan_storyboard, split_section
from mvagent.providers.base import Capabilities

BPM = 120.0
BEAT = 60 / BPM


def _analysis(
    form=(("intro", 8), ("verse", 16), ("chorus", 16), ("verse", 16), ("chorus", 16), ("outro", 8)),
):
    beats, sections, t = [], [], 0.0
    groups = {}
    for label, bars in form:
        start = t
        for _ in range(bars * 4):
            beats.append(round(t, 6))
            t += BEAT
        sections.append(
            Section(start=start, end=t, label=label, group=groups.setdefault(label, len(groups)))
        )
    energy = []
    for b in beats:
        sec = next(s for s in sections if s.start <= b < s.end)
        energy.append({"intro": 0.2, "verse": 0.5, "chorus": 0.9, "outro": 0.2}[sec.label])
    return Analysis(
        duration=t,
        tempo_bpm=BPM,
        beats=beats,
        downbeats=beats[::4],
        sections=sections,
        energy=energy,
        mood=Mood(valence=0.4, arousal=0.7, tags=["uplifting"]),
    )


def test_scenes_tile_the_song_and_respect_sections():
    a = _analysis()
    sb = plan_storyboard(a, style="neon city at night")
    assert sb.scenes[0].start == 0 and sb.scenes[-1].end == pytest.approx(a.duration)
    for prev, nxt in zip(sb.scenes, sb.scenes[1:], strict=False):
        assert prev.end == nxt.start
    starts = {round(s.start, 3) for s in sb.scenes}
    for sec in a.sections:
        assert round(sec.start, 3) in starts  # every section boundary starts a scene
    for sc in sb.scenes:
        assert sc.duration <= 16.0 + 1e-6
        assert any(abs(sc.start - d) < 1e-6 for d in a.downbeats)  # scenes start on bars
        assert "neon city at night" in sc.prompt


def test_repeats_share_motif_and_seed_so_clips_are_reused():
    a = _analysis()
    sb = plan_storyboard(a)
    choruses = [s for s in sb.scenes if s.section == "chorus"]
    assert len({s.motif for s in choruses}) == 1
    verse_motif = next(s.motif for s in sb.scenes if s.section == "verse")
    assert verse_motif != choruses[0].motif
    reqs = clip_requests(sb, a, settings=RenderSettings())
    unique, uses = share_identical(reqs)
    assert len(unique) < len(reqs)
    assert set(uses) == {s.index for s in sb.scenes}


def test_high_energy_scenes_get_driving_camera_and_words():
    sb = plan_storyboard(_analysis())
    chorus = next(s for s in sb.scenes if s.section == "chorus")
    intro = sb.scenes[0]
    assert chorus.camera in ("push_in", "orbit", "shake")
    assert intro.camera in ("static", "pan_left", "pan_right", "pull_out")
    assert "intense" in chorus.prompt and "calm" in intro.prompt


def test_paid_durations_never_exceed_scene_length_by_much():
    caps = Capabilities(durations_s=(4, 8, 12), price_per_second_usd=0.1, max_prompt_chars=300)
    a = _analysis()
    sb = plan_storyboard(a, capabilities=caps)
    paid = sum(s.clip_duration for s in sb.scenes)
    assert paid / a.duration <= 1.15
    assert all(s.clip_duration in (4, 8, 12) for s in sb.scenes)
    assert all(len(s.prompt) <= 300 for s in sb.scenes)


def test_split_section_merges_short_tail_and_cuts_on_bars():
    sec = Section(start=0.0, end=26.0, label="verse")
    bars = [i * 2.0 for i in range(14)]
    chunks = split_section(sec, downbeats=bars, max_len_s=12, min_len_s=4)
    assert chunks[0] == (0.0, 12.0)
    assert chunks[-1][1] == 26.0
    assert all(c[1] - c[0] >= 4 for c in chunks)


def test_requests_carry_music_cues_relative_to_clip():
    a = _analysis()
    sb = plan_storyboard(a)
    reqs = clip_requests(sb, a, settings=RenderSettings(width=640, height=360, fps=25))
    r = reqs[1]
    assert r.width == 640 and r.fps == 25
    assert r.beat_times_s[0] == pytest.approx(0.0, abs=1e-6)
    assert all(0 <= t < r.duration_s for t in r.beat_times_s)
    assert len(r.beat_energy) == len(r.beat_times_s)


def test_empty_analysis_gives_empty_storyboard():
    assert plan_storyboard(Analysis(duration=0.0, tempo_bpm=0.0)).scenes == []


def test_continuity_chains_generate_in_waves():
    from mvagent.planning.requests import continuity_waves

    caps = Capabilities(durations_s=(4, 8), image_reference=True, price_per_second_usd=0.1)
    a = _analysis()
    sb = plan_storyboard(a, capabilities=caps)
    followers = [s for s in sb.scenes if s.reference == "previous_last_frame"]
    assert followers and all(sb.scenes[s.index - 1].section == s.section for s in followers)
    reqs = clip_requests(sb, a, settings=RenderSettings(), capabilities=caps)
    waves = continuity_waves(reqs, sb)
    assert sum(len(w) for w in waves) == len(reqs)
    placed = {r.scene_index: k for k, w in enumerate(waves) for r in w}
    for s in followers:
        assert placed[s.index] == placed[s.index - 1] + 1
    no_ref = plan_storyboard(a)  # local: no image reference, one wave
    assert len(continuity_waves(clip_requests(no_ref, a, settings=RenderSettings()), no_ref)) == 1
