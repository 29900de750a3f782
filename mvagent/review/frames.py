"""Decode a video to small grey frames for cheap measurements."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from mvagent.errors import FFmpegError
from mvagent.ffmpeg import ffmpeg_exe


def read_gray_frames(
    path: str | Path, *, width: int = 64, height: int = 36, fps: float | None = None
) -> np.ndarray:
    """All frames (or `fps` samples per second) as uint8 array of shape (n, height, width)."""
    vf = f"scale={width}:{height}:flags=area,format=gray"
    if fps:
        vf = f"fps={fps}," + vf
    # Skipping the deblocking filter halves h264 decode time and barely moves grey means.
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-skip_loop_filter", "all", "-i", str(path)]
    cmd += ["-map", "0:v:0"]
    cmd += ["-vf", vf, "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise FFmpegError(
            f"cannot decode video {path}: {proc.stderr.decode(errors='replace')[-200:]}"
        )
    data = np.frombuffer(proc.stdout, dtype=np.uint8)
    n = data.size // (width * height)
    return data[: n * width * height].reshape(n, height, width)


def read_rgb_frames(
    path: str | Path, *, width: int, height: int, times_s: list[float]
) -> np.ndarray:
    """Frames at `times_s` (seconds) as uint8 RGB, shape (len(times_s), height, width, 3).

    One ffmpeg pass sampling 8 frames per second, then the nearest sample to each time, so
    a clip is decoded once. Times past the end repeat the last frame.
    """
    if not times_s:
        return np.zeros((0, height, width, 3), dtype=np.uint8)
    span = max(times_s) + 0.5
    fps = 8.0
    vf = f"fps={fps},scale={width}:{height}:flags=area,format=rgb24"
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-t", f"{span:.3f}", "-i", str(path)]
    cmd += ["-map", "0:v:0", "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        raise FFmpegError(
            f"cannot decode video {path}: {proc.stderr.decode(errors='replace')[-200:]}"
        )
    data = np.frombuffer(proc.stdout, dtype=np.uint8)
    size = width * height * 3
    n = data.size // size
    all_frames = data[: n * size].reshape(n, height, width, 3)
    if n == 0:
        return all_frames
    return all_frames[[min(int(round(t * fps)), n - 1) for t in times_s]]
