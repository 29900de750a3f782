"""Decode any audio file ffmpeg can read into float32 samples.

One ffmpeg process converts to 32-bit float WAV on a pipe; we read the channel count
from the WAV header ourselves, so no probe is needed and any channel layout works.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from mvagent.errors import AudioDecodeError
from mvagent.ffmpeg import ffmpeg_exe

# Shorter than this is not a song we can say anything about, only "empty".
_MIN_SAMPLES = 16


def check_audio_file(path: str | Path) -> Path:
    """`path` as a Path if it names a non-empty file; else `AudioDecodeError` saying what to do."""
    p = Path(path).expanduser()
    if not p.exists():
        raise AudioDecodeError(f"audio file not found: {p}; check the path")
    if p.is_dir():
        raise AudioDecodeError(f"{p} is a folder, not an audio file; pass the song file itself")
    if p.stat().st_size == 0:
        raise AudioDecodeError(f"{p} is empty (0 bytes); re-download or re-export the song")
    return p


def load_audio(path: str | Path, *, sr: int = 22050, mono: bool = True) -> tuple[np.ndarray, int]:
    """Decode `path` resampled to `sr` Hz.

    Returns `(samples, sr)`: shape `(n,)` when `mono`, else `(channels, n)`; float32 in -1..1.
    Raises `AudioDecodeError` (one line: what is wrong, what to do) when the file is missing,
    empty, not audio or too corrupt to decode.
    """
    p = check_audio_file(path)
    if not 1000 <= sr <= 384000:
        raise AudioDecodeError(f"sample rate {sr} Hz is out of range; use 8000..192000")

    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(p)]
    cmd += ["-vn", "-sn", "-dn", "-map", "0:a:0"]
    if mono:
        cmd += ["-ac", "1"]
    cmd += ["-ar", str(sr), "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False)
    except OSError as exc:  # ffmpeg itself missing or not executable
        raise AudioDecodeError(f"cannot run ffmpeg to decode {p}: {exc}") from None

    if proc.returncode != 0 or len(proc.stdout) < 44:
        raise AudioDecodeError(_explain_failure(p, proc.stderr.decode("utf-8", "replace")))
    channels, data = _parse_wav(proc.stdout)
    if channels == 0 or data.size < _MIN_SAMPLES * channels:
        raise AudioDecodeError(f"{p} decodes to no audio samples; re-export the song")
    samples = data[: data.size - data.size % channels].reshape(-1, channels).T
    # Downmixing to mono here (not in ffmpeg) keeps one decode path for every layout.
    out = (samples[0] if channels == 1 else samples.mean(axis=0)) if mono else samples
    out = np.ascontiguousarray(out, dtype=np.float32)
    if not np.all(np.isfinite(out)):
        out = np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)
    return out, sr


def _explain_failure(path: Path, stderr: str) -> str:
    text = stderr.lower()
    if "matches no streams" in text or "does not contain any stream" in text:
        return f"{path} has no audio stream; pass a song file (wav, mp3, flac, ogg, m4a)"
    if "invalid data" in text or "could not find codec" in text or "unknown format" in text:
        return (
            f"{path} is not an audio file ffmpeg can decode (corrupt or wrong format); "
            "re-export it as wav, mp3, flac, ogg or m4a"
        )
    last = stderr.strip().splitlines()[-1] if stderr.strip() else "no output"
    return f"cannot decode {path} ({last.strip()[:160]}); re-export it as wav, mp3 or flac"


def _parse_wav(blob: bytes) -> tuple[int, np.ndarray]:
    """Channel count and float32 samples of an ffmpeg-written WAV (size fields may be bogus)."""
    if blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        return 0, np.zeros(0, np.float32)
    pos, channels = 12, 0
    while pos + 8 <= len(blob):
        tag = blob[pos : pos + 4]
        size = int.from_bytes(blob[pos + 4 : pos + 8], "little")
        body = pos + 8
        if tag == b"fmt ":
            channels = int.from_bytes(blob[body + 2 : body + 4], "little")
        elif tag == b"data":
            # On a pipe ffmpeg cannot seek back to fill in the size: read to the end.
            raw = blob[body:]
            raw = raw[: len(raw) - len(raw) % 4]
            return channels, np.frombuffer(raw, dtype="<f4")
        pos = body + size + (size & 1)
    return channels, np.zeros(0, np.float32)
