"""Render a spec to audio with fluidsynth and a General MIDI soundfont, cached by spec hash."""

from __future__ import annotations

import copy
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

# MVAGENT_MASTER runs each render through a "produced" master before analysis, as a
# streaming upload would be: MIDI renders are dynamic and clean, produced songs are not, and
# the truth stays exact. `loud`: bus compression, +12 dB into a brick-wall limiter, 192k
# mp3 (RMS about -10 dBFS, crest 9-12 dB). `pump`: the same after everything but the drums
# is ducked by the kick (sidechain pumping, as in most electronic music). `hot`: harder and
# faster compression, +16 dB into a faster limiter (a loudness-war master; the check that
# was kept back while the others were fixed).
MASTER = os.environ.get("MVAGENT_MASTER", "")
_BUS = (
    "acompressor=threshold=0.06:ratio=3:attack=15:release=200:makeup=3,"
    "volume=12dB,alimiter=limit=0.9:attack=3:release=40:level=false"
)
_HOT = (
    "acompressor=threshold=0.03:ratio=6:attack=5:release=120:makeup=4,"
    "volume=16dB,alimiter=limit=0.9:attack=1:release=30:level=false"
)
# The bus chain of each master (`pump` ducks the music stem first, see `_SIDECHAIN`).
_BUSES = {"loud": _BUS, "pump": _BUS, "hot": _HOT}
_SIDECHAIN = (
    "[1:a]asplit[drums][key];[key]lowpass=f=120,volume=4[kick];"
    "[0:a][kick]sidechaincompress=threshold=0.05:ratio=8:attack=2:release=160[ducked];"
    "[ducked][drums]amix=inputs=2:normalize=0,"
)


def fluidsynth_available() -> bool:
    return shutil.which("fluidsynth") is not None and SOUNDFONT.exists()


def render_song(spec: SongSpec, *, data_dir: Path = DATA_DIR) -> tuple[Path, Truth]:
    """Render `spec` to `data_dir/<name>-<hash>.wav` (reused when present) and its truth."""
    if MASTER and MASTER not in _BUSES:
        raise SystemExit(
            f"MVAGENT_MASTER={MASTER!r}: use 'loud', 'pump' or 'hot' (or leave it unset)"
        )
    wav, truth = _render_mix(spec, data_dir=data_dir)
    if not MASTER:
        return wav, truth
    mastered = data_dir / f"master-{MASTER}" / wav.with_suffix(".mp3").name
    if not mastered.exists():
        with tempfile.TemporaryDirectory(prefix="mvmaster-") as tmp:
            if MASTER == "pump":
                inputs = _render_stems(spec, truth, Path(tmp))
                chain = f"{_SIDECHAIN}{_BUSES[MASTER]}[out]"
            else:
                inputs, chain = [wav], f"[0:a]{_BUSES[MASTER]}[out]"
            _master(inputs, mastered, chain=chain)
    return mastered, truth


def _master(inputs: list[Path], out: Path, *, chain: str) -> None:
    import imageio_ffmpeg

    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_suffix(".part.mp3")
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y"]
    for path in inputs:
        cmd += ["-i", str(path)]
    cmd += ["-filter_complex", chain, "-map", "[out]", "-c:a", "libmp3lame", "-b:a", "192k"]
    subprocess.run([*cmd, str(part)], check=True, capture_output=True)
    part.replace(out)


def _render_stems(spec: SongSpec, truth: Truth, tmp: Path) -> list[Path]:
    """The music (everything but drums) and the drums, each faded like the mix, at the
    mix's scale so that they sum to it."""
    pm, _ = arrange(spec)
    stems = []
    for name, drums in (("music", False), ("drums", True)):
        part = copy.deepcopy(pm)
        part.instruments = [i for i in part.instruments if i.is_drum == drums]
        stems.append(_fluidsynth(part, tmp / f"{name}.wav", truth))
    peak = float(np.max(np.abs(stems[0] + stems[1]))) or 1.0
    paths = []
    for name, audio in zip(("music", "drums"), stems, strict=True):
        audio = _fade(audio, SAMPLE_RATE, spec, truth) * (0.89 / peak)
        paths.append(tmp / f"{name}-out.wav")
        sf.write(paths[-1], audio, SAMPLE_RATE, subtype="FLOAT")
    return paths


def _fluidsynth(pm, out: Path, truth: Truth) -> np.ndarray:
    mid = out.with_suffix(".mid")
    pm.write(str(mid))
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", str(SAMPLE_RATE)]
    subprocess.run(
        [*cmd, "-F", str(out), str(SOUNDFONT), str(mid)], check=True, capture_output=True
    )
    audio, _ = sf.read(out, dtype="float32", always_2d=True)
    n = int(round(truth.duration * SAMPLE_RATE))
    return np.pad(audio, ((0, max(n - len(audio), 0)), (0, 0)))[:n]


def _render_mix(spec: SongSpec, *, data_dir: Path) -> tuple[Path, Truth]:
    data_dir.mkdir(parents=True, exist_ok=True)
    stem = data_dir / f"{spec.name}-{spec.digest()}"
    wav, truth_path = stem.with_suffix(".wav"), stem.with_suffix(".json")
    if wav.exists() and truth_path.exists():
        return wav, Truth(**json.loads(truth_path.read_text()))

    pm, truth = arrange(spec)
    with tempfile.TemporaryDirectory(prefix="mvsong-") as tmp:
        audio = _fluidsynth(pm, Path(tmp) / "song.wav", truth)
    audio = _fade(audio, SAMPLE_RATE, spec, truth)
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = audio * (0.89 / peak)  # -1 dBFS peak, like a mastered track

    part = wav.with_suffix(".part.wav")
    sf.write(part, audio, SAMPLE_RATE, subtype="PCM_16")
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
