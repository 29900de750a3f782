"""Clip QA on clips made with ffmpeg's test sources: a good, a black, a frozen, a short one."""

from __future__ import annotations

import pytest

from mvagent.ffmpeg import run_ffmpeg
from mvagent.review.clip_qa import assess_clip


def _clip(path, source: str, seconds: float = 3.0):
    run_ffmpeg(
        ["-y", "-f", "lavfi", "-i", f"{source}:size=160x90:rate=24:duration={seconds}"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
        what="making a test clip",
    )
    return path


def test_moving_clip_passes(tmp_path):
    qa = assess_clip(_clip(tmp_path / "ok.mp4", "testsrc2=r=24"), expected_duration_s=3.0)
    assert qa.ok, qa.reasons
    assert qa.motion > 0.5


@pytest.mark.parametrize(
    "source,reason",
    [("color=c=black", "mostly black"), ("color=c=red", "frozen")],
)
def test_weak_clips_are_flagged(tmp_path, source, reason):
    qa = assess_clip(_clip(tmp_path / "weak.mp4", source), expected_duration_s=3.0)
    assert not qa.ok
    assert any(reason in r for r in qa.reasons)


def test_short_and_broken_clips(tmp_path):
    short = assess_clip(_clip(tmp_path / "s.mp4", "testsrc2=r=24", 1.0), expected_duration_s=4.0)
    assert not short.ok and "too short" in short.reasons[0]
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    broken = assess_clip(tmp_path / "bad.mp4", expected_duration_s=4.0)
    assert not broken.ok and "undecodable" in broken.reasons[0]
