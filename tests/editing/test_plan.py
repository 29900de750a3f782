"""Planning in beats and bars, measured: cut-on-beat rate, section coverage, shot lengths."""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import load_timeline, plan_timeline, render_timeline, save_timeline
from mvagent.editing.timeline import to_frame
from mvagent.errors import TimelineError
from mvagent.ffmpeg import count_frames, probe
from mvagent.models import (
    Analysis,
    Clip,
    LyricLine,
    RenderSettings,
    Scene,
    Section,
    Storyboard,
    Timeline,
)
from tests.editing.conftest import make_clip, make_song

BEAT = 0.5  # 120 BPM
FIRST_BEAT = 0.13  # off the frame grid on purpose
SECTIONS = [  # (label, bars, energy)
    ("intro", 4, 0.25),
    ("verse", 4, 0.5),
    ("chorus", 8, 0.9),
    ("breakdown", 4, 0.2),
    ("outro", 4, 0.3),
]


def make_analysis(*, jitter_s: float = 0.0, seed: int = 3) -> Analysis:
    rng = np.random.default_rng(seed)
    n_beats = 4 * sum(bars for _, bars, _ in SECTIONS)
    beats = [FIRST_BEAT + i * BEAT + rng.uniform(-jitter_s, jitter_s) for i in range(n_beats)]
    sections, energy, i = [], [], 0
    for label, bars, level in SECTIONS:
        start = beats[i]
        i += 4 * bars
        end = beats[i] if i < len(beats) else beats[-1] + BEAT
        sections.append(Section(start=start if sections else 0.0, end=end, label=label))
        energy += [level] * (4 * bars)
    duration = beats[-1] + BEAT + 0.21
    sections[-1] = sections[-1].model_copy(update={"end": duration})
    return Analysis(
        duration=duration,
        tempo_bpm=120,
        beats=beats,
        downbeats=beats[::4],
        time_signature=4,
        sections=sections,
        energy=energy,
        lyrics=[LyricLine(text="la la", start=10.0, end=11.0)],
    )


def make_storyboard(analysis: Analysis) -> Storyboard:
    scenes = []
    for k, s in enumerate(analysis.sections):
        scenes.append(
            Scene(
                index=k,
                start=s.start,
                end=s.end,
                section=s.label,
                energy=SECTIONS[k][2],
                prompt=f"scene {k}",
                clip_duration=s.end - s.start,
            )
        )
    return Storyboard(scenes=scenes)


def make_clips(storyboard: Storyboard, folder: Path, *, short: dict[int, float]) -> dict[int, Clip]:
    """Clip records; scenes in `short` got a shorter clip (a paid model's 4/8/12 s)."""
    return {
        s.index: Clip(
            scene_index=s.index,
            path=folder / "clips" / f"scene_{s.index:02d}.mp4",
            duration_s=short.get(s.index, s.duration),
            provider="fake",
        )
        for s in storyboard.scenes
    }


def cut_on_beat_rate(timeline: Timeline, beats: list[float]) -> float:
    starts = [s.start for s in timeline.shots[1:]]
    hits = [min(abs(t - b) for b in beats) <= 1 / timeline.fps + 1e-9 for t in starts]
    return sum(hits) / len(hits)


def section_coverage(timeline: Timeline, analysis: Analysis) -> float:
    bounds = [s.start for s in analysis.sections[1:]]
    cuts = [s.start for s in timeline.shots[1:]]
    ok = [min(abs(c - b) for c in cuts) <= BEAT / 2 for b in bounds]
    return sum(ok) / len(ok)


@pytest.fixture()
def planned(tmp_path: Path) -> tuple[Timeline, Analysis]:
    analysis = make_analysis()
    board = make_storyboard(analysis)
    clips = make_clips(board, tmp_path, short={2: 4.0})  # the chorus only got 4 s of video
    timeline = plan_timeline(
        analysis,
        board,
        clips,
        settings=RenderSettings(),
        audio=tmp_path / "song.wav",
        base_dir=tmp_path,
        title="Test Song",
        artist="Test Artist",
    )
    return timeline, analysis


def test_shots_tile_the_song_on_frames(planned: tuple[Timeline, Analysis]) -> None:
    timeline, analysis = planned
    shots = timeline.shots
    assert shots[0].start == 0 and shots[-1].end == pytest.approx(
        to_frame(analysis.duration, fps=24) / 24
    )
    assert all(a.end == b.start for a, b in zip(shots, shots[1:], strict=False))
    for t in [s.start for s in shots] + [shots[-1].end]:
        assert abs(t * 24 - round(t * 24)) < 1e-4  # on a frame boundary
    assert timeline.duration == analysis.duration


def test_cuts_fall_on_beats_and_every_section_cuts(planned: tuple[Timeline, Analysis]) -> None:
    timeline, analysis = planned
    assert cut_on_beat_rate(timeline, analysis.beats) >= 0.95
    assert section_coverage(timeline, analysis) == 1.0


def test_beat_jitter_still_cuts_on_the_detected_beats(tmp_path: Path) -> None:
    analysis = make_analysis(jitter_s=0.03)
    board = make_storyboard(analysis)
    timeline = plan_timeline(
        analysis,
        board,
        make_clips(board, tmp_path, short={}),
        settings=RenderSettings(),
        audio=tmp_path / "s.wav",
        base_dir=tmp_path,
    )
    assert cut_on_beat_rate(timeline, analysis.beats) >= 0.95
    assert section_coverage(timeline, analysis) == 1.0


def test_shot_length_follows_energy(planned: tuple[Timeline, Analysis]) -> None:
    timeline, analysis = planned
    by_label: dict[str, list[float]] = {}
    for shot in timeline.shots:
        label = next(
            s.label for s in analysis.sections if s.start - 0.3 <= shot.start < s.end - 0.3
        )
        by_label.setdefault(label, []).append(shot.duration)
    assert statistics.mean(by_label["chorus"]) < statistics.mean(by_label["verse"])
    assert statistics.mean(by_label["verse"]) < statistics.mean(by_label["intro"])
    assert min(s.duration for s in timeline.shots) >= RenderSettings().min_shot_s - 1e-6


def test_short_clip_is_reused_from_different_points(planned: tuple[Timeline, Analysis]) -> None:
    timeline, _ = planned
    chorus = [s for s in timeline.shots if s.scene_index == 2]
    assert len(chorus) >= 4
    assert all(s.source_in + s.duration <= 4.0 + 1e-6 for s in chorus)  # no slow motion needed
    assert all(a.source_in != b.source_in for a, b in zip(chorus, chorus[1:], strict=False))
    assert all(s.source == "clips/scene_02.mp4" for s in chorus)


def test_transitions_and_accents_follow_the_music(planned: tuple[Timeline, Analysis]) -> None:
    timeline, analysis = planned
    at = {round(s.start, 2): s for s in timeline.shots}

    def shot_at(t: float):
        return min(timeline.shots, key=lambda s: abs(s.start - t))

    chorus, breakdown = analysis.sections[2].start, analysis.sections[3].start
    assert shot_at(chorus).transition == "flash"  # into the chorus
    assert shot_at(breakdown).transition == "dip_to_black"  # down into the breakdown
    assert shot_at(analysis.sections[1].start).transition == "crossfade"
    for shot in timeline.shots:
        if shot.transition != "cut":
            frames = round(shot.transition_duration * 24)
            assert frames % 2 == 0 and frames > 0  # exactly centred on the cut
    accented = [s for s in timeline.shots if s.accent != "none"]
    assert accented and all(chorus - 0.1 <= s.start < breakdown for s in accented)
    assert at  # (timeline not empty)


def test_titles_lyrics_and_relative_paths(planned: tuple[Timeline, Analysis]) -> None:
    timeline, analysis = planned
    assert (
        timeline.title
        and timeline.title.text == "Test Song"
        and timeline.title.subtitle == "Test Artist"
    )
    assert timeline.end_card and timeline.end_card.end == pytest.approx(
        to_frame(analysis.duration, fps=24) / 24
    )
    assert timeline.lyrics == analysis.lyrics
    assert timeline.audio == "song.wav"
    assert timeline.shots[0].source == "clips/scene_00.mp4"


def test_anticipation_moves_every_cut_earlier(tmp_path: Path) -> None:
    analysis = make_analysis()
    board = make_storyboard(analysis)
    clips = make_clips(board, tmp_path, short={})
    plain, early = (
        plan_timeline(
            analysis,
            board,
            clips,
            settings=RenderSettings(anticipation_ms=ms),
            audio=tmp_path / "s.wav",
            base_dir=tmp_path,
        )
        for ms in (0.0, 100.0)
    )
    assert len(plain.shots) == len(early.shots)
    for a, b in zip(plain.shots[1:], early.shots[1:], strict=True):
        beat = min(analysis.beats, key=lambda x: abs(x - a.start))
        assert b.start == pytest.approx(to_frame(beat - 0.1, fps=24) / 24)


def test_min_shot_length_is_respected(tmp_path: Path) -> None:
    analysis = make_analysis()
    board = make_storyboard(analysis)
    timeline = plan_timeline(
        analysis,
        board,
        make_clips(board, tmp_path, short={}),
        settings=RenderSettings(min_shot_s=3.0),
        audio=tmp_path / "s.wav",
        base_dir=tmp_path,
    )
    assert min(s.duration for s in timeline.shots) >= 3.0 - 1e-6
    assert section_coverage(timeline, analysis) == 1.0


def test_degenerate_inputs(tmp_path: Path) -> None:
    analysis = make_analysis()
    empty = plan_timeline(
        analysis,
        Storyboard(),
        {},
        settings=RenderSettings(),
        audio=tmp_path / "s.wav",
        base_dir=tmp_path,
    )
    assert empty.shots == []
    board = make_storyboard(analysis)
    with pytest.raises(TimelineError, match="scene 0 has no clip"):
        plan_timeline(
            analysis,
            board,
            {},
            settings=RenderSettings(),
            audio=tmp_path / "s.wav",
            base_dir=tmp_path,
        )
    no_beats = analysis.model_copy(update={"beats": [], "downbeats": [], "energy": []})
    timeline = plan_timeline(
        no_beats,
        board,
        make_clips(board, tmp_path, short={}),
        settings=RenderSettings(),
        audio=tmp_path / "s.wav",
        base_dir=tmp_path,
    )
    assert timeline.shots and timeline.shots[-1].end == pytest.approx(
        to_frame(analysis.duration, fps=24) / 24
    )


@pytest.mark.slow
def test_plan_save_load_render_end_to_end(tmp_path: Path) -> None:
    """A 48 s song planned, saved, re-loaded and rendered small; checked on the file."""
    analysis = make_analysis()
    board = make_storyboard(analysis)
    colors = ["red", "lime", "blue", "yellow", "magenta"]
    clips = make_clips(board, tmp_path, short={2: 4.0})
    (tmp_path / "clips").mkdir()
    for k, clip in clips.items():
        make_clip(clip.path, color=colors[k], size="96x54", seconds=clip.duration_s)
    make_song(tmp_path / "song.wav", seconds=analysis.duration)
    settings = RenderSettings(width=96, height=54, preset="draft")
    timeline = plan_timeline(
        analysis,
        board,
        clips,
        settings=settings,
        audio=tmp_path / "song.wav",
        base_dir=tmp_path,
        title="T",
    )
    path = save_timeline(timeline, tmp_path / "timeline.json")
    out = render_timeline(load_timeline(path), base_dir=tmp_path, out=tmp_path / "final.mp4")
    info = probe(out)
    assert abs(info.duration_s - analysis.duration) <= 1 / 24
    assert count_frames(out) == to_frame(analysis.duration, fps=24)


def test_section_boundaries_outrank_the_minimum_shot_length(tmp_path: Path) -> None:
    analysis = make_analysis()
    sections = list(analysis.sections)
    # A one-beat "pickup" before the chorus: shorter than min_shot_s, still cut on both ends.
    pickup_start = sections[2].start - BEAT
    sections[1] = sections[1].model_copy(update={"end": pickup_start})
    sections.insert(2, Section(start=pickup_start, end=sections[2].start, label="prechorus"))
    analysis = analysis.model_copy(update={"sections": sections})
    board = make_storyboard(make_analysis())
    timeline = plan_timeline(
        analysis,
        board,
        make_clips(board, tmp_path, short={}),
        settings=RenderSettings(min_shot_s=1.0),
        audio=tmp_path / "s.wav",
        base_dir=tmp_path,
    )
    assert section_coverage(timeline, analysis) == 1.0
    assert min(s.duration for s in timeline.shots) >= 0.5 - 1e-6  # half the minimum at worst
