"""Tiny real media files for fake servers, made once per process with our ffmpeg."""

from __future__ import annotations

import functools
import tempfile
import threading
from pathlib import Path

from mvagent.ffmpeg import run_ffmpeg

_DIR = Path(tempfile.mkdtemp(prefix="mvagent-fake-media-"))


_LOCK = threading.Lock()


def tiny_mp4(seconds: float, width: int = 160, height: int = 90, fps: int = 24) -> bytes:
    """An H.264 test pattern of exactly `seconds` (rounded to frames)."""
    # functools.cache alone lets two server threads make the same file at once, one of
    # them reading it while the other rewrites it (a corrupt clip downstream).
    with _LOCK:
        return _tiny_mp4(seconds, width, height, fps)


@functools.cache
def _tiny_mp4(seconds: float, width: int, height: int, fps: int) -> bytes:
    out = _DIR / f"clip-{seconds}-{width}x{height}-{fps}.mp4"
    run_ffmpeg(
        [
            "-y",
            "-f", "lavfi",
            "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart",
            str(out),
        ],
        what="making a fake clip",
    )  # fmt: skip
    return out.read_bytes()


@functools.cache
def tiny_png(width: int = 64, height: int = 36, color: str = "red") -> bytes:
    out = _DIR / f"still-{width}x{height}-{color}.png"
    run_ffmpeg(
        [
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c={color}:s={width}x{height}",
            "-frames:v",
            "1",
            str(out),
        ],
        what="making a fake image",
    )
    return out.read_bytes()


@functools.cache
def tiny_mp3(seconds: float = 2.0) -> bytes:
    out = _DIR / f"tone-{seconds}.mp3"
    run_ffmpeg(
        [
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-q:a",
            "9",
            str(out),
        ],
        what="making a fake song",
    )
    return out.read_bytes()
