"""Lyrics: karaoke ASS and SRT text, burned in at the right times, or as a soft track."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import render_timeline
from mvagent.editing.subtitles import ass_time, srt_time, to_ass, to_srt
from mvagent.ffmpeg import ffmpeg_exe, probe
from mvagent.models import LyricLine, WordTiming
from tests.editing.conftest import make_clip, make_song, read_frames, timeline_of

LYRICS = [
    LyricLine(
        text="Hold the {line}",
        start=1.0,
        end=2.5,
        words=[
            WordTiming(word="Hold", start=1.0, end=1.4),
            WordTiming(word="the", start=1.5, end=1.7),
            WordTiming(word="{line}", start=1.7, end=2.4),
        ],
    ),
    LyricLine(text="no words timed here", start=3.0, end=3.5),
]


def test_ass_has_a_karaoke_sweep_per_word() -> None:
    text = to_ass(LYRICS, width=1280, height=720)
    assert "PlayResX: 1280" in text and "PlayResY: 720" in text
    assert "Style: Lyrics,DejaVu Sans," in text
    events = [ln for ln in text.splitlines() if ln.startswith("Dialogue:")]
    assert events[0] == (
        "Dialogue: 0,0:00:01.00,0:00:02.50,Lyrics,,0,0,0,,"
        "{\\kf40}Hold {\\k10}{\\kf20}the {\\kf70}(line)"  # a 0.1 s rest before "the"
    )
    assert events[1].endswith(",no words timed here")


def test_portrait_lyrics_sit_above_the_app_buttons() -> None:
    landscape = (
        to_ass(LYRICS, width=1920, height=1080)
        .split("Style: Lyrics,")[1]
        .splitlines()[0]
        .split(",")
    )
    portrait = (
        to_ass(LYRICS, width=1080, height=1920)
        .split("Style: Lyrics,")[1]
        .splitlines()[0]
        .split(",")
    )
    assert int(portrait[-2]) > 2 * int(landscape[-2])  # MarginV


def test_srt_cues() -> None:
    assert to_srt(LYRICS) == (
        "1\n00:00:01,000 --> 00:00:02,500\nHold the {line}\n\n"
        "2\n00:00:03,000 --> 00:00:03,500\nno words timed here\n"
    )
    assert srt_time(3723.4567) == "01:02:03,457" and ass_time(3723.4567) == "1:02:03.46"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("subs")
    make_clip(d / "blue.mp4", color="blue", size="320x180", seconds=4.0)
    make_song(d / "song.wav", seconds=4.0)
    return d


def _text_pixels(frame: np.ndarray) -> tuple[int, int]:
    """(white-ish, gold-ish) pixel counts in the lower third of a blue frame."""
    low = frame[int(frame.shape[0] * 0.6) :]
    white = int(np.sum((low[..., 0] > 200) & (low[..., 1] > 200) & (low[..., 2] > 200)))
    gold = int(np.sum((low[..., 0] > 200) & (low[..., 1] > 150) & (low[..., 2] < 100)))
    return white, gold


def test_burned_lyrics_appear_only_while_sung_and_fill_word_by_word(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "burn.mp4"
    timeline = timeline_of(
        [0, 4.0], ["blue.mp4"], width=320, height=180, subtitles="burn", lyrics=LYRICS
    )
    render_timeline(timeline, base_dir=folder, out=out)
    frames = read_frames(out, width=320, height=180)
    before, first_word, sung, after = (
        _text_pixels(frames[round(t * 24)]) for t in (0.5, 1.2, 2.45, 2.8)
    )
    assert before == (0, 0) and after == (0, 0)
    assert first_word[0] > 50 and first_word[1] > 5  # "Hold" filling gold, the rest white
    assert sung[1] > first_word[1] and sung[0] < first_word[0]  # the whole line has turned gold
    # Files beside the video, for platforms that take captions separately.
    assert out.with_suffix(".srt").read_text() == to_srt(LYRICS)
    assert out.with_suffix(".ass").read_text() == to_ass(LYRICS, width=320, height=180)


def test_soft_subtitles_are_a_mov_text_track(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "soft.mp4"
    timeline = timeline_of(
        [0, 4.0], ["blue.mp4"], width=320, height=180, subtitles="soft", lyrics=LYRICS
    )
    render_timeline(timeline, base_dir=folder, out=out)
    assert probe(out).subtitle_codecs == ("mov_text",)
    srt = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(out), "-map", "0:s:0", "-f", "srt", "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "00:00:01,000 --> 00:00:02,500" in srt and "Hold the {line}" in srt
    assert "00:00:03,000 --> 00:00:03,500" in srt
    frames = read_frames(out, width=320, height=180)
    assert _text_pixels(frames[round(1.2 * 24)]) == (0, 0)  # nothing burned in
    assert out.with_suffix(".ass").exists()
