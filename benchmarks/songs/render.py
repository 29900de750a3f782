"""Render a spec to audio with fluidsynth and a General MIDI soundfont, cached by spec hash."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import soundfile as sf

from benchmarks.songs.arrange import arrange
from benchmarks.songs.spec import SongSpec, Truth

DEFAULT_SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
# MVAGENT_SF2 renders the same songs with other instruments (e.g. Debian's timgm6mb-soundfont
# or musescore-general-soundfont-lossless): a check that the analysis is not tuned to one
# set of samples. Those renders are cached in a folder of their own.
SOUNDFONT = Path(os.environ.get("MVAGENT_SF2", str(DEFAULT_SOUNDFONT)))
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
if SOUNDFONT != DEFAULT_SOUNDFONT:
    DATA_DIR = DATA_DIR / SOUNDFONT.stem
SAMPLE_RATE = 44100


def fluidsynth_available() -> bool:
    return shutil.which("fluidsynth") is not None and SOUNDFONT.exists()


def render_song(spec: SongSpec, *, data_dir: Path = DATA_DIR) -> tuple[Path, Truth]:
    """Render `spec` to `data_dir/<name>-<hash>.wav` (reused when present) and its truth."""
    data_dir.mkdir(parents=True, exist_ok=True)
    stem = data_dir / f"{spec.name}-{spec.digest()}"
    wav, truth_path = stem.with_suffix(".wav"), stem.with_suffix(".json")
    if wav.exists() and truth_path.exists():
        return wav, Truth(**json.loads(truth_path.read_text()))

    pm, truth = arrange(spec)
    with tempfile.TemporaryDirectory(prefix="mvsong-") as tmp:
        mid, raw = Path(tmp) / "song.mid", Path(tmp) / "song.wav"
        pm.write(str(mid))
        cmd = ["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", str(SAMPLE_RATE)]
        cmd += ["-F", str(raw), str(SOUNDFONT), str(mid)]
        subprocess.run(cmd, check=True, capture_output=True)
        audio, sr = sf.read(raw, dtype="float32", always_2d=True)

    n = int(round(truth.duration * sr))
    audio = np.pad(audio, ((0, max(n - len(audio), 0)), (0, 0)))[:n]
    audio = _fade(audio, sr, spec, truth)
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = audio * (0.89 / peak)  # -1 dBFS peak, like a mastered track

    part = wav.with_suffix(".part.wav")
    sf.write(part, audio, sr, subtype="PCM_16")
    part.replace(wav)
    truth_path.write_text(json.dumps(asdict(truth), indent=1))
    return wav, truth


def _fade(audio: np.ndarray, sr: int, spec: SongSpec, truth: Truth) -> np.ndarray:
    t = np.arange(len(audio)) / sr
    gain = np.ones(len(audio), dtype=np.float32)
    if spec.fade_in_s > 0:
        start = truth.downbeats[0]
        x = np.clip((t - start) / spec.fade_in_s, 0.0, 1.0)
        gain *= x**2  # a quadratic ramp sounds like a mixing-desk fade
    if spec.fade_out_s > 0:
        end = truth.sections[-1][1]
        x = np.clip((end - t) / spec.fade_out_s, 0.0, 1.0)
        gain *= x**2
    return audio * gain[:, None]
