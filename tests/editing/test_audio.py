"""The song goes in untouched: first sample on frame 0, in sync with the cuts, same loudness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import build_render, render_timeline
from mvagent.ffmpeg import probe
from tests.editing.conftest import (
    frame_colors,
    make_clip,
    make_song,
    read_audio,
    read_frames,
    timeline_of,
)

CLICKS = (1.0, 2.5, 4.0)
SR = 44100


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("audio")
    for name in ("red", "lime", "blue", "yellow"):
        make_clip(d / f"{name}.mp4", color=name, seconds=2.0)
    for suffix in (".wav", ".mp3", ".m4a"):
        make_song(d / f"song{suffix}", seconds=5.0, clicks_s=CLICKS)
    return d


def _clicks(samples: np.ndarray) -> list[float]:
    """Onset times (s) of the clicks: the first sample of each loud burst."""
    loud = np.flatnonzero(np.abs(samples) > 0.4)
    starts = [loud[0], *(b for a, b in zip(loud, loud[1:], strict=False) if b - a > SR // 10)]
    return [s / SR for s in starts]


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".m4a"])
def test_cuts_and_clicks_stay_in_sync(folder: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"sync{suffix}.mp4"
    timeline = timeline_of(
        [0.0, *CLICKS, 5.0],
        ["red.mp4", "lime.mp4", "blue.mp4", "yellow.mp4"],
        audio=f"song{suffix}",
    )
    render_timeline(timeline, base_dir=folder, out=out)
    # Audio: each click where the song has it (within a millisecond; mp3 and AAC padding
    # are handled by their edit lists and decoder delays).
    got = _clicks(read_audio(out))
    assert len(got) == 3 and max(abs(a - b) for a, b in zip(got, CLICKS, strict=True)) < 0.001
    # Video: the cut to the next colour lands on the click's frame.
    colors = frame_colors(read_frames(out))
    cut_frames = [i for i in range(1, len(colors)) if colors[i] != colors[i - 1]]
    assert [f / 24 for f in cut_frames] == pytest.approx(list(CLICKS), abs=0.5 / 24)
    assert abs(probe(out).duration_s - 5.0) <= 1 / 24


def test_audio_is_not_made_louder_or_quieter(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "level.mp4"
    render_timeline(
        timeline_of([0, 2.5, 5.0], ["red.mp4", "lime.mp4"], audio="song.wav"),
        base_dir=folder,
        out=out,
    )
    original, rendered = read_audio(folder / "song.wav"), read_audio(out)
    n = min(len(original), len(rendered))
    rms = lambda x: float(np.sqrt(np.mean(np.square(x[:n]))))  # noqa: E731
    assert abs(20 * np.log10(rms(rendered) / rms(original))) < 0.1  # dB
    assert np.corrcoef(original[:n], rendered[:n])[0, 1] > 0.999  # same waveform, same place
    info = probe(out)
    assert info.audio_codec == "aac" and info.sample_rate == SR and info.channels == 2


def test_aac_song_is_copied_bit_for_bit(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy.mp4"
    timeline = timeline_of([0, 2.5, 5.0], ["red.mp4", "lime.mp4"], audio="song.m4a")
    job = build_render(timeline, base_dir=folder, out=out, workdir=tmp_path)
    assert job.audio_copied and job.args[job.args.index("-c:a") + 1] == "copy"
    render_timeline(timeline, base_dir=folder, out=out)
    assert np.array_equal(read_audio(out), read_audio(folder / "song.m4a"))


def test_other_songs_are_encoded_at_256k(folder: Path, tmp_path: Path) -> None:
    timeline = timeline_of([0, 2.5, 5.0], ["red.mp4", "lime.mp4"], audio="song.mp3")
    job = build_render(timeline, base_dir=folder, out=tmp_path / "x.mp4", workdir=tmp_path)
    i = job.args.index("-c:a")
    assert job.args[i : i + 4] == ["-c:a", "aac", "-b:a", "256k"] and not job.audio_copied
