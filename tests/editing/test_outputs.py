"""Output shapes and rates (16:9, 9:16, 1:1 at 24/25/30 fps) and the two x264 presets."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvagent.editing import build_render, render_timeline
from mvagent.editing.render import VIDEO_PRESETS
from mvagent.ffmpeg import count_frames, is_faststart, probe
from tests.editing.conftest import frame_colors, make_clip, make_song, read_frames, timeline_of


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("outputs")
    make_clip(d / "wide.mp4", color="red", size="320x180", seconds=2.0)
    make_clip(d / "tall.mp4", color="lime", size="180x320", seconds=2.0)
    make_song(d / "song.wav", seconds=2.0)
    return d


def test_vertical_1080x1920_for_shorts(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "short.mp4"
    timeline = timeline_of(
        [0, 0.5, 1.0], ["wide.mp4", "tall.mp4"], width=1080, height=1920, fps=30, preset="draft"
    )
    render_timeline(timeline, base_dir=folder, out=out)
    info = probe(out)
    assert (info.width, info.height, info.fps) == (1080, 1920, 30)
    assert (info.video_codec, info.pix_fmt) == ("h264", "yuv420p") and is_faststart(out)
    assert frame_colors(read_frames(out, width=18, height=32)) == ["red"] * 15 + ["lime"] * 15


@pytest.mark.parametrize(("fps", "size"), [(24, (160, 90)), (25, (120, 120)), (30, (90, 160))])
def test_rates_and_shapes_keep_exact_frame_counts(
    folder: Path, tmp_path: Path, fps: int, size: tuple[int, int]
) -> None:
    out = tmp_path / f"{fps}.mp4"
    w, h = size
    timeline = timeline_of([0, 0.7, 1.9], ["wide.mp4", "tall.mp4"], width=w, height=h, fps=fps)
    render_timeline(timeline, base_dir=folder, out=out)
    info = probe(out)
    assert (info.width, info.height, info.fps) == (w, h, fps)
    assert count_frames(out) == round(1.9 * fps)
    assert abs(info.duration_s - 1.9) <= 1 / fps
    colors = frame_colors(read_frames(out))
    assert colors.index("lime") == round(0.7 * fps)


def test_final_preset_is_veryfast_crf_18_and_draft_is_faster(folder: Path, tmp_path: Path) -> None:
    final = VIDEO_PRESETS["final"]
    assert (
        final[final.index("-preset") + 1] == "veryfast"
        and int(final[final.index("-crf") + 1]) <= 20
    )
    assert VIDEO_PRESETS["draft"][VIDEO_PRESETS["draft"].index("-preset") + 1] == "ultrafast"
    timeline = timeline_of([0, 1.0], ["wide.mp4"], preset="draft")
    args = build_render(timeline, base_dir=folder, out=tmp_path / "d.mp4", workdir=tmp_path).args
    assert "ultrafast" in args and args[args.index("-pix_fmt") + 1] == "yuv420p"
    assert args[args.index("-movflags") + 1] == "+faststart"


def test_mov_output_and_no_clip_metadata_leaks(folder: Path, tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.mp4"
    make_clip(tagged, color="red", size="160x90", seconds=1.0)
    from tests.editing.conftest import ffmpeg

    secret_clip = tmp_path / "secret.mp4"
    ffmpeg(
        "-i", str(tagged), "-c", "copy", "-metadata", "comment=prompt: sk-secret", str(secret_clip)
    )
    make_song(tmp_path / "song.wav", seconds=1.0)
    out = tmp_path / "v.mov"
    render_timeline(timeline_of([0, 1.0], ["secret.mp4"]), base_dir=tmp_path, out=out)
    assert probe(out).video_codec == "h264"
    assert b"sk-secret" not in out.read_bytes()
