"""Any clip fits any canvas, at the right frame on the right frame count, and never freezes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mvagent.editing import build_render, render_timeline
from mvagent.editing.conform import plan_footage
from mvagent.errors import TimelineError
from mvagent.ffmpeg import count_frames, probe
from tests.editing.conftest import (
    PALETTE,
    frame_colors,
    make_clip,
    make_ramp_clip,
    make_song,
    read_frames,
    timeline_of,
)

BANDS_TALL = (
    "color=c=red:s=90x160:r=24:d=2,"
    "drawbox=y=0:h=53:color=lime:t=fill,drawbox=y=107:h=53:color=blue:t=fill"
)
BANDS_WIDE = (
    "color=c=red:s=320x180:r=24:d=2,"
    "drawbox=x=0:w=107:color=lime:t=fill,drawbox=x=213:w=107:color=blue:t=fill"
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("conform")
    make_song(d / "song.wav", seconds=8.0)
    make_clip(d / "tall.mp4", source=BANDS_TALL)
    make_clip(d / "wide.mp4", source=BANDS_WIDE)
    # Every shape, rate and codec a provider might hand back, with and without sound.
    make_clip(
        d / "a30.avi", color="yellow", size="200x200", fps=30, codec=["-c:v", "mpeg4"], audio=True
    )
    make_clip(
        d / "b25.webm",
        color="magenta",
        size="176x144",
        fps=25,
        codec=["-c:v", "libvpx-vp9", "-deadline", "realtime", "-c:a", "libopus"],
        audio=True,
    )
    make_clip(d / "c60.mov", color="cyan", size="320x180", fps=60, codec=["-c:v", "mjpeg"])
    make_clip(d / "d12.mp4", color="blue", size="90x160", fps=12)
    make_clip(d / "e24.mov", color="lime", size="96x54", fps=23.976, codec=["-c:v", "prores_ks"])
    make_ramp_clip(d / "ramp1.mp4", seconds=1.0)
    make_ramp_clip(d / "ramp4.mp4", seconds=4.0)
    return d


def test_fill_crop_keeps_the_middle_of_any_aspect(folder: Path, tmp_path: Path) -> None:
    for src, (w, h) in (("tall.mp4", (160, 90)), ("wide.mp4", (90, 160))):
        out = tmp_path / f"crop-{src}"
        render_timeline(timeline_of([0, 1.0], [src], width=w, height=h), base_dir=folder, out=out)
        info = probe(out)
        assert (info.width, info.height) == (w, h)
        frame = read_frames(out, width=w // 10, height=h // 10)[12]
        assert np.abs(frame - np.array(PALETTE["red"])).max() < 50  # only the red middle band


def test_blur_fit_shows_the_whole_picture_on_a_blurred_copy(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "blur.mp4"
    timeline = timeline_of([0, 1.0], ["tall.mp4"], width=160, height=90, fit="blur")
    render_timeline(timeline, base_dir=folder, out=out)
    frame = read_frames(out, width=160, height=90)[12]
    column = frame[:, 76:84].mean(axis=1)  # the sharp picture, centred
    assert np.allclose(column[4], PALETTE["lime"], atol=60)  # top band is visible...
    assert np.allclose(column[45], PALETTE["red"], atol=60)
    assert np.allclose(column[85], PALETTE["blue"], atol=60)  # ...and so is the bottom one
    sides = np.concatenate([frame[:, :20], frame[:, -20:]], axis=1)
    assert sides.mean() > 40  # filled with a blurred copy, not black bars
    # Blurred: the band edge at the sides is soft, while the centre's edge is sharp.
    side_step = np.abs(np.diff(frame[:, 5, 1])).max()
    centre_step = np.abs(np.diff(frame[:, 80, 1])).max()
    assert side_step < centre_step / 2


def test_any_rate_codec_and_size_cuts_on_the_exact_frame(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "mixed.mp4"
    sources = ["a30.avi", "b25.webm", "c60.mov", "d12.mp4", "e24.mov"]
    cuts = [0, 0.75, 1.5, 2.25, 3.0, 3.75]
    timeline = timeline_of(cuts, sources, source_in=[0, 0.1, 0.2, 0.3, 0.4])
    render_timeline(timeline, base_dir=folder, out=out)
    assert count_frames(out) == 90
    expected = [c for c in ("yellow", "magenta", "cyan", "blue", "lime") for _ in range(18)]
    assert frame_colors(read_frames(out)) == expected
    info = probe(out)
    assert info.audio_codec == "aac" and info.fps == 24  # the clips' own sound is dropped
    assert read_frames(out).shape[0] == 90


def _brightness(path: Path) -> np.ndarray:
    return read_frames(path, width=8, height=8).mean(axis=(1, 2, 3))


def _longest_still_run(values: np.ndarray) -> int:
    run = best = 1
    for a, b in zip(values, values[1:], strict=False):
        run = run + 1 if abs(a - b) < 0.5 else 1
        best = max(best, run)
    return best


def test_short_clip_is_slowed_down_not_frozen(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "slow.mp4"
    # 1.0 s of footage for a 1.5 s shot: 0.67x.
    render_timeline(
        timeline_of([0, 1.5], ["ramp1.mp4"], width=64, height=36), base_dir=folder, out=out
    )
    b = _brightness(out)
    assert len(b) == 36
    assert np.all(np.diff(b) >= -1)  # plays forwards throughout
    assert b[-1] - b[0] > 200  # the whole ramp is used
    assert _longest_still_run(b) <= 2  # each source frame shown once or twice, never held


@pytest.mark.parametrize(("seconds", "turns"), [(3.0, 1), (5.0, 2)])
def test_much_shorter_clip_plays_back_and_forth(
    folder: Path, tmp_path: Path, seconds: float, turns: int
) -> None:
    out = tmp_path / "pingpong.mp4"
    timeline = timeline_of([0, seconds], ["ramp1.mp4"], width=64, height=36)
    render_timeline(timeline, base_dir=folder, out=out)
    b = _brightness(out)
    assert len(b) == round(seconds * 24)
    direction = np.sign(np.diff(b)[np.abs(np.diff(b)) > 1])
    assert int(np.sum(direction[1:] != direction[:-1])) == turns  # forwards, back (, forwards)
    assert _longest_still_run(b) <= 3  # slow motion at worst, never a still frame
    assert b.max() - b.min() > 200


def test_footage_plan_picks_speed_then_legs() -> None:
    straight = plan_footage(source_in_s=1.0, head_frames=6, frames=48, fps=24, clip_duration_s=8.0)
    assert (straight.seek_s, straight.speed, straight.legs) == (0.75, 1.0, 1)
    slow = plan_footage(source_in_s=0.0, head_frames=0, frames=36, fps=24, clip_duration_s=1.0)
    assert slow.legs == 1 and slow.speed == pytest.approx(2 / 3)
    bounce = plan_footage(source_in_s=0.0, head_frames=0, frames=72, fps=24, clip_duration_s=1.0)
    assert bounce.legs == 2 and 0.5 <= bounce.speed < 1
    assert bounce.leg_frames * bounce.legs - (bounce.legs - 1) >= 72
    with pytest.raises(TimelineError, match="past the end"):
        plan_footage(source_in_s=4.0, head_frames=0, frames=24, fps=24, clip_duration_s=4.0)


def test_one_long_clip_feeds_several_shots_frame_accurately(folder: Path, tmp_path: Path) -> None:
    reference = _brightness(folder / "ramp4.mp4")
    out = tmp_path / "reuse.mp4"
    # In order (shared input), then a jump back (a second input), each on its own frame.
    source_in = [0.0, 1.0, 1.5, 0.25]
    timeline = timeline_of(
        [0, 0.5, 1.0, 1.5, 2.0], ["ramp4.mp4"] * 4, width=64, height=36, source_in=source_in
    )
    job = build_render(timeline, base_dir=folder, out=out, workdir=tmp_path)
    assert job.args.count("-i") == 3  # ramp4 twice (0..1.5 s shared by three shots) + song
    render_timeline(timeline, base_dir=folder, out=out)
    b = _brightness(out)
    for k, start in enumerate(source_in):
        got = b[12 * k : 12 * k + 12]
        want = reference[round(start * 24) : round(start * 24) + 12]
        assert np.abs(got - want).max() < 2, f"shot {k} does not start on frame {round(start * 24)}"


def test_source_in_past_the_clip_is_a_clear_error(folder: Path, tmp_path: Path) -> None:
    timeline = timeline_of([0, 1.0], ["ramp1.mp4"], width=64, height=36, source_in=[3.0])
    with pytest.raises(TimelineError, match=r"shot 0 \(ramp1.mp4\).*lower source_in"):
        render_timeline(timeline, base_dir=folder, out=tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_a_file_without_video_is_rejected(folder: Path, tmp_path: Path) -> None:
    timeline = timeline_of([0, 1.0], ["song.wav"], width=64, height=36)
    with pytest.raises(TimelineError, match="no video stream"):
        render_timeline(timeline, base_dir=folder, out=tmp_path / "x.mp4")
