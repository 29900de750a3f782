"""Tiny generated clips and songs, and readers that look at rendered frames and samples."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mvagent.ffmpeg import ffmpeg_exe
from mvagent.models import Shot, Timeline

PALETTE = {
    "red": (255, 0, 0),
    "lime": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "magenta": (255, 0, 255),
    "cyan": (0, 255, 255),
}
COLORS = list(PALETTE)


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True)


def make_clip(
    path: Path,
    *,
    color: str = "red",
    size: str = "160x90",
    fps: float = 24,
    seconds: float = 2.0,
    codec: list[str] | None = None,
    audio: bool = False,
    source: str | None = None,
) -> Path:
    """A solid-colour clip (or any lavfi `source`), optionally with a sine soundtrack."""
    src = source or f"color=c={color}:s={size}:r={fps}:d={seconds}"
    args = ["-f", "lavfi", "-i", src]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f=1000:d={seconds}", "-c:a", "aac"]
    args += codec or ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    ffmpeg(*args, str(path))
    return path


def make_ramp_clip(path: Path, *, seconds: float, fps: int = 24, size: str = "64x36") -> Path:
    """Brightness rises linearly with time (0 -> 240 over `seconds`): motion you can measure."""
    frames = round(seconds * fps)
    src = f"color=c=black:s={size}:r={fps}:d={seconds},geq=lum='16+224*N/{frames}':cb=128:cr=128"
    return make_clip(path, source=src)


def make_song(
    path: Path, *, seconds: float, clicks_s: tuple[float, ...] = (), sr: int = 44100
) -> Path:
    """A quiet tone with loud one-sample-sharp clicks at `clicks_s`, as wav/mp3/m4a by suffix."""
    t = np.arange(int(sr * seconds)) / sr
    y = 0.05 * np.sin(2 * np.pi * 220 * t)
    for c in clicks_s:
        i = round(c * sr)
        y[i : i + 200] += 0.8 * np.exp(-np.arange(len(y[i : i + 200])) / 40)
    wav = path.with_suffix(".wav")
    sf.write(wav, np.stack([y, y], axis=1).astype(np.float32), sr)
    if path.suffix == ".wav":
        return path
    codec = {
        ".mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
        ".m4a": ["-c:a", "aac", "-b:a", "256k"],
    }
    ffmpeg("-i", str(wav), *codec[path.suffix], str(path))
    return path


def read_frames(path: Path, *, width: int = 32, height: int = 18) -> np.ndarray:
    """Every decoded frame, shrunk to `width` x `height` RGB: shape (frames, h, w, 3)."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-vf",
            f"scale={width}:{height}:flags=area",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3).astype(np.float32)


def read_audio(path: Path, *, sr: int = 44100) -> np.ndarray:
    """The first audio stream decoded to mono float32 at `sr` (edit lists applied)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(sr)]
        + ["-f", "f32le", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.float32)


def nearest_color(rgb: np.ndarray) -> str:
    return min(PALETTE, key=lambda name: float(np.sum((np.array(PALETTE[name]) - rgb) ** 2)))


def frame_colors(frames: np.ndarray) -> list[str]:
    """The palette colour of each frame's centre."""
    h, w = frames.shape[1:3]
    centre = frames[:, h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean(axis=(1, 2))
    return [nearest_color(c) for c in centre]


def timeline_of(
    cuts_s: list[float],
    sources: list[str],
    *,
    audio: str = "song.wav",
    fps: int = 24,
    width: int = 160,
    height: int = 90,
    transitions: list[tuple[str, float]] | None = None,
    source_in: list[float] | None = None,
    **extra: object,
) -> Timeline:
    """Shots between consecutive `cuts_s` (first 0, last the song's end)."""
    shots = []
    for i, src in enumerate(sources):
        name, dur = transitions[i] if transitions else ("cut", 0.0)
        shots.append(
            Shot(
                start=cuts_s[i],
                end=cuts_s[i + 1],
                source=src,
                source_in=source_in[i] if source_in else 0.0,
                transition=name,
                transition_duration=dur,
            )
        )
    return Timeline(
        fps=fps,
        width=width,
        height=height,
        audio=audio,
        shots=shots,
        duration=cuts_s[-1],
        subtitles=extra.pop("subtitles", "none"),
        **extra,
    )


@pytest.fixture(scope="session")
def color_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with one 3 s 160x90 24 fps clip per palette colour, and a 6 s song."""
    folder = tmp_path_factory.mktemp("clips")
    for name in COLORS:
        make_clip(folder / f"{name}.mp4", color=name, seconds=3.0)
    make_song(folder / "song.wav", seconds=8.0)
    return folder
