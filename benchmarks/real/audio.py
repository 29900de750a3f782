"""Decode, mix and write audio with the ffmpeg that imageio-ffmpeg ships (no system ffmpeg needed)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 44100


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def mix_to_wav(inputs: list[Path], dest: Path, *, max_seconds: float | None = None) -> float:
    """Sum `inputs` (stems of one song, same start) to a mono 44.1 kHz 16-bit wav at `dest`.

    Stems are summed without ffmpeg's 1/N scaling and then peak-normalised to -1 dBFS, so the
    mix sounds like the released song and never clips. Returns the duration in seconds.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    for p in inputs:
        cmd += ["-i", str(p)]
    if len(inputs) > 1:
        cmd += ["-filter_complex", f"amix=inputs={len(inputs)}:duration=longest:normalize=0"]
    if max_seconds is not None:
        cmd += ["-t", f"{max_seconds:.3f}"]
    with tempfile.TemporaryDirectory(prefix="mvreal-") as tmp:
        raw = Path(tmp) / "mix.wav"
        cmd += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "pcm_f32le", str(raw)]
        subprocess.run(cmd, check=True, capture_output=True)
        y, sr = sf.read(raw, dtype="float32")
    return write_normalised(y, sr=sr, dest=dest)


def write_normalised(y: np.ndarray, *, sr: int, dest: Path) -> float:
    """Peak-normalise mono `y` to -1 dBFS (like a mastered track) and write it atomically."""
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > 0:
        y = y * (0.89 / peak)
    part = dest.with_suffix(".part.wav")
    sf.write(part, y, sr, subtype="PCM_16")
    part.replace(dest)
    return len(y) / sr


def to_mono_wav(src: Path, dest: Path, *, max_seconds: float | None = None) -> float:
    """Convert one rendered file to the cache's format (mono 44.1 kHz, normalised)."""
    return mix_to_wav([src], dest, max_seconds=max_seconds)
