"""Hard cuts land on the exact frame; the file has the promised format; one ffmpeg run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mvagent.editing import render as render_mod
from mvagent.editing import render_timeline
from mvagent.editing.timeline import to_frame
from mvagent.errors import FFmpegError
from mvagent.ffmpeg import count_frames, is_faststart, probe
from tests.editing.conftest import COLORS, frame_colors, read_frames, timeline_of

# Uneven shot lengths, some cuts between frame boundaries (they snap to the nearest).
CUTS = [0.0, 0.5, 1.25, 50 / 24, 3.0, 4.51, 6.0]


@pytest.fixture(scope="module")
def rendered(color_clips: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("cuts") / "cuts.mp4"
    timeline = timeline_of(CUTS, [f"{c}.mp4" for c in COLORS], source_in=[0, 0.3, 0, 1.0, 0.2, 0])
    progress: list[float] = []
    render_timeline(timeline, base_dir=color_clips, out=out, on_progress=progress.append)
    return out, progress


def test_every_frame_shows_the_right_shot(rendered: tuple[Path, list]) -> None:
    out, _ = rendered
    colors = frame_colors(read_frames(out))
    bounds = [to_frame(t, fps=24) for t in CUTS]
    expected = [COLORS[i] for i in range(len(COLORS)) for _ in range(bounds[i + 1] - bounds[i])]
    assert colors == expected  # every cut exactly on its frame, nothing dropped or repeated


def test_format_duration_and_faststart(rendered: tuple[Path, list]) -> None:
    out, progress = rendered
    info = probe(out)
    assert (info.video_codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 160, 90)
    assert info.fps == 24 and info.audio_codec == "aac"
    assert count_frames(out) == 144
    assert abs(info.duration_s - 6.0) <= 1 / 24
    assert is_faststart(out)
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)


def test_one_ffmpeg_invocation_builds_the_whole_video(
    color_clips: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real = subprocess.Popen

    def spy(cmd, *args, **kwargs):
        calls.append(list(cmd))
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(render_mod.subprocess, "Popen", spy)
    # The same clip used twice, in order: both shots read it through one shared input.
    timeline = timeline_of([0, 1, 2, 3], ["red.mp4", "red.mp4", "lime.mp4"], source_in=[0, 1.2, 0])
    render_timeline(timeline, base_dir=color_clips, out=tmp_path / "one.mp4")
    encodes = [c for c in calls if "-c:v" in c]
    probes = [c for c in calls if c not in encodes]
    assert len(encodes) == 1  # the whole video: one ffmpeg run
    assert len(probes) == 3 and all(c.count("-i") == 1 and c[-2] == "-i" for c in probes)
    cmd = encodes[0]
    assert cmd.count("-c:v") == 1 and cmd.count("-/filter_complex") == 1
    assert cmd.count("-i") == 3  # red (shared by two shots), lime, the song
    assert count_frames(tmp_path / "one.mp4") == 72


def test_failed_render_leaves_the_old_file_untouched(
    color_clips: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "video.mp4"
    out.write_bytes(b"previous good render")
    monkeypatch.setitem(render_mod.VIDEO_PRESETS, "final", ["-c:v", "no_such_encoder"])
    timeline = timeline_of([0, 1, 2], ["red.mp4", "lime.mp4"])
    with pytest.raises(FFmpegError) as err:
        render_timeline(timeline, base_dir=color_clips, out=out)
    assert "\n" not in str(err.value)
    assert out.read_bytes() == b"previous good render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]


def test_a_failing_progress_callback_stops_ffmpeg_and_cleans_up(
    color_clips: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    procs: list[subprocess.Popen] = []
    real = subprocess.Popen

    def spy(cmd, *args, **kwargs):
        proc = real(cmd, *args, **kwargs)
        procs.append(proc)
        return proc

    monkeypatch.setattr(render_mod.subprocess, "Popen", spy)

    def boom(fraction: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_timeline(
            timeline_of(CUTS, [f"{c}.mp4" for c in COLORS]),
            base_dir=color_clips,
            out=tmp_path / "v.mp4",
            on_progress=boom,
        )
    assert procs[-1].returncode is not None  # ffmpeg is not left running
    assert list(tmp_path.iterdir()) == []
