"""Benchmark music analysis on the MIDI-rendered song set, against librosa's default tracker.

    .venv/bin/python benchmarks/analysis.py              # the 34 benchmark songs
    .venv/bin/python benchmarks/analysis.py --variants 2 # plus unseen variants (held out)
    .venv/bin/python benchmarks/analysis.py --speed      # 3-minute and 20-minute timing/memory
    .venv/bin/python benchmarks/analysis.py --only house_128 dnb_174
    .venv/bin/python benchmarks/analysis.py --variants 2 --excerpt 30  # 30 s cuts mid-song

Per song it prints beat F-measure (ours and librosa's `beat_track`, mir_eval, +-70 ms),
downbeat F-measure, tempo error, meter, section boundary hit rate (+-0.5 s), repeat-group
agreement (pairwise F), vocal frame accuracy and the mode the mood read; then the means and
the issue's targets. Renders are cached in benchmarks/data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mir_eval  # noqa: E402

from benchmarks.real.evaluate import signed_error_ms  # noqa: E402
from benchmarks.songs import SONGS, fluidsynth_available, render_song  # noqa: E402
from benchmarks.songs.catalog import variants  # noqa: E402
from mvagent.audio import analyze  # noqa: E402

TARGETS = {"beat_f": 0.97, "downbeat_f": 0.90, "section_hit": 0.85, "tempo_ok_share": 0.95}


def _librosa_beats(path: Path) -> tuple[float, np.ndarray, float]:
    import librosa

    t0 = time.perf_counter()
    y, sr = librosa.load(path, sr=22050)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats), time.perf_counter() - t0


def score_song(spec) -> dict:
    wav, truth = render_song(spec)
    t0 = time.perf_counter()
    a = analyze(wav)
    seconds = time.perf_counter() - t0
    ref_beats = mir_eval.beat.trim_beats(np.array(truth.beats))
    est_beats = mir_eval.beat.trim_beats(np.array(a.beats))
    beat_f = mir_eval.beat.f_measure(ref_beats, est_beats)
    down_f = mir_eval.beat.f_measure(np.array(truth.downbeats), np.array(a.downbeats))
    lib_tempo, lib_beats, lib_seconds = _librosa_beats(wav)
    lib_f = mir_eval.beat.f_measure(ref_beats, mir_eval.beat.trim_beats(lib_beats))

    ref_int = np.array([[s, e] for s, e, _, _ in truth.sections], dtype=float)
    ref_int[0, 0], ref_int[-1, 1] = 0.0, a.duration
    est_int = np.array([[s.start, s.end] for s in a.sections], dtype=float)
    hit_p, hit_r, hit_f = mir_eval.segment.detection(ref_int, est_int, window=0.5, trim=True)
    _, _, pair_f = mir_eval.segment.pairwise(
        ref_int, [m for *_, m in truth.sections], est_int, [str(s.group) for s in a.sections]
    )

    t = np.arange(0.0, a.duration, 0.05)
    ref_v = np.zeros(len(t), bool)
    est_v = np.zeros(len(t), bool)
    for s, e in truth.vocals:
        ref_v |= (t >= s) & (t < e)
    for r in a.vocals:
        est_v |= (t >= r.start) & (t < r.end)
    vocal_acc = float(np.mean(ref_v == est_v))

    tempo_err = None if truth.bpm is None else a.tempo_bpm - truth.bpm
    return {
        "name": spec.name,
        "beat_f": beat_f,
        "signed_error_ms": signed_error_ms(ref_beats, est_beats),
        "librosa_f": lib_f,
        "downbeat_f": down_f,
        "tempo_true": truth.bpm,
        "tempo": a.tempo_bpm,
        "librosa_tempo": lib_tempo,
        "tempo_err": tempo_err,
        "meter_ok": a.time_signature == truth.meter,
        "meter": a.time_signature,
        "section_p": hit_p,
        "section_r": hit_r,
        "section_f": hit_f,
        "group_f": pair_f,
        "vocal_acc": vocal_acc,
        "mode_ok": ("major" in a.mood.tags) == (truth.mode == "major"),
        "seconds": seconds,
        "librosa_seconds": lib_seconds,
        "duration": a.duration,
    }


def score_excerpt(spec, *, seconds: float) -> dict:
    """Beats and bars of a cut from the song's middle, off the beat (`real/excerpt.py`)."""
    from benchmarks.real.excerpt import cut
    from benchmarks.songs import render

    wav, truth = render_song(spec)
    kind = render.MASTER or "clean"
    c = cut(
        wav,
        np.asarray(truth.beats),
        np.asarray(truth.downbeats),
        name=f"{spec.name}-{kind}",
        seconds=seconds,
        dest_dir=render.DATA_DIR / "excerpts",
    )
    if c is None:
        return {"name": spec.name, "beat_f": None, "downbeat_f": None}
    a = analyze(c.path)
    ref, est = mir_eval.beat.trim_beats(c.beats_s), mir_eval.beat.trim_beats(np.array(a.beats))
    return {
        "name": spec.name,
        "beat_f": mir_eval.beat.f_measure(ref, est),
        "downbeat_f": mir_eval.beat.f_measure(c.downbeats_s, np.array(a.downbeats)),
        "tempo_true": truth.bpm,
        "tempo": a.tempo_bpm,
        "signed_error_ms": signed_error_ms(ref, est),
    }


def print_excerpts(rows: list[dict], title: str) -> dict:
    from benchmarks.real.excerpt import START_SHARE

    rows = [r for r in rows if r["beat_f"] is not None]
    print(f"\n== {title}: {START_SHARE:.0%} in, off the beat ({len(rows)} songs long enough)")
    print(f"{'song':26s} {'beatF':>6s} {'downF':>6s} {'bpm':>8s} {'true':>6s}")
    for r in rows:
        true = "" if r["tempo_true"] is None else f"{r['tempo_true']:6.1f}"
        print(
            f"{r['name']:26s} {r['beat_f']:6.3f} {r['downbeat_f']:6.3f} {r['tempo']:8.3f} {true:>6s}"
        )
    summary = {k: float(np.mean([r[k] for r in rows])) for k in ("beat_f", "downbeat_f")}
    print(f"mean beat F {summary['beat_f']:.3f}, downbeat F {summary['downbeat_f']:.3f}")
    return summary


def print_table(rows: list[dict], title: str) -> dict:
    print(f"\n== {title} ({len(rows)} songs)")
    head = (
        f"{'song':26s} {'beatF':>6s} {'libF':>6s} {'downF':>6s} {'bpm':>8s} {'err':>7s} "
        f"{'lib bpm':>7s} {'m':>2s} {'secHit':>6s} {'secF':>5s} {'grpF':>5s} {'vocal':>5s} "
        f"{'mode':>4s} {'sec':>5s} {'lib s':>5s}"
    )
    print(head)
    for r in rows:
        err = "" if r["tempo_err"] is None else f"{r['tempo_err']:+.3f}"
        print(
            f"{r['name']:26s} {r['beat_f']:6.3f} {r['librosa_f']:6.3f} {r['downbeat_f']:6.3f} "
            f"{r['tempo']:8.3f} {err:>7s} {r['librosa_tempo']:7.1f} {r['meter']:2d}"
            f"{'' if r['meter_ok'] else '!'} {r['section_r']:6.2f} {r['section_f']:5.2f} "
            f"{r['group_f']:5.2f} {r['vocal_acc']:5.2f} {'ok' if r['mode_ok'] else 'no':>4s} "
            f"{r['seconds']:5.2f} {r['librosa_seconds']:5.2f}"
        )
    steady = [r for r in rows if r["tempo_true"] is not None]
    within = [abs(r["tempo_err"]) <= 0.005 * r["tempo_true"] for r in steady]
    within_01 = [abs(r["tempo_err"]) <= 0.1 for r in steady]
    summary = {
        "beat_f": float(np.mean([r["beat_f"] for r in rows])),
        "librosa_f": float(np.mean([r["librosa_f"] for r in rows])),
        "downbeat_f": float(np.mean([r["downbeat_f"] for r in rows])),
        "section_hit": float(np.mean([r["section_r"] for r in rows])),
        "section_f": float(np.mean([r["section_f"] for r in rows])),
        "group_f": float(np.mean([r["group_f"] for r in rows])),
        "vocal_acc": float(np.mean([r["vocal_acc"] for r in rows])),
        "meter_acc": float(np.mean([r["meter_ok"] for r in rows])),
        "mode_acc": float(np.mean([r["mode_ok"] for r in rows])),
        "tempo_ok_share": float(np.mean(within)) if within else float("nan"),
        "tempo_within_0.1bpm": float(np.mean(within_01)) if within_01 else float("nan"),
        "signed_error_ms": float(np.nanmean([r["signed_error_ms"] for r in rows])),
        "seconds_per_song": float(np.mean([r["seconds"] for r in rows])),
        "librosa_seconds_per_song": float(np.mean([r["librosa_seconds"] for r in rows])),
    }
    print(
        f"{'MEAN':26s} {summary['beat_f']:6.3f} {summary['librosa_f']:6.3f} "
        f"{summary['downbeat_f']:6.3f}   tempo within 0.5%: {summary['tempo_ok_share']:.0%} of steady "
        f"songs (within 0.1 BPM: {summary['tempo_within_0.1bpm']:.0%}); meter {summary['meter_acc']:.0%}"
    )
    print(
        f"sections: hit rate {summary['section_hit']:.3f} (precision-aware F {summary['section_f']:.3f}), "
        f"repeat groups pairwise F {summary['group_f']:.3f}; vocal frame accuracy "
        f"{summary['vocal_acc']:.3f}; mode read right {summary['mode_acc']:.0%}"
    )
    print(f"mean signed beat error {summary['signed_error_ms']:+.1f} ms (positive: late)")
    print(
        f"time per song: ours {summary['seconds_per_song']:.2f} s, librosa load+beat_track "
        f"{summary['librosa_seconds_per_song']:.2f} s"
    )
    for key, target in TARGETS.items():
        ok = summary[key] >= target
        print(f"  target {key:15s} >= {target:<5}: {summary[key]:.3f} {'PASS' if ok else 'FAIL'}")
    return summary


# --------------------------------------------------------------------------- speed


_PEAK_RSS = r"""
def peak_rss_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the benchmark parent's peak.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

_CHILD = (
    _PEAK_RSS
    + r"""
import json, sys, time
t0 = time.perf_counter()
from mvagent.audio import analyze
t1 = time.perf_counter()
a = analyze(sys.argv[1])
t2 = time.perf_counter()
b = analyze(sys.argv[1])
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "cold_s": t2 - t0, "warm_s": t3 - t2,
                  "peak_rss_mb": peak_rss_mb(), "beats": len(b.beats)}))
"""
)

_LIBROSA_CHILD = (
    _PEAK_RSS
    + r"""
import json, sys, time
t0 = time.perf_counter()
import librosa
y, sr = librosa.load(sys.argv[1], sr=22050)
librosa.beat.beat_track(y=y, sr=sr)
t1 = time.perf_counter()
y, sr = librosa.load(sys.argv[1], sr=22050)
librosa.beat.beat_track(y=y, sr=sr)
t2 = time.perf_counter()
print(json.dumps({"cold_s": t1 - t0, "warm_s": t2 - t1, "peak_rss_mb": peak_rss_mb()}))
"""
)


def _long_song(minutes: float, dest: Path) -> Path:
    """Concatenate benchmark renders into a song of `minutes` (an mp3, like a real upload)."""
    from mvagent.ffmpeg import run_ffmpeg

    parts, total = [], 0.0
    for spec in SONGS:
        wav, truth = render_song(spec)
        parts.append(wav)
        total += truth.duration
        if total >= minutes * 60:
            break
    listing = dest.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    run_ffmpeg(
        [
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-t",
            str(minutes * 60),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "192k",
            str(dest),
        ],
        what="building a long test song",
    )
    return dest


def speed() -> None:
    print("\n== speed and memory (fresh process per run; 'cold' includes imports and first call)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="mvbench-") as tmp:
        for minutes in (3, 20):
            song = _long_song(minutes, Path(tmp) / f"song_{minutes}min.mp3")
            ours = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _CHILD, str(song)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
            )
            lib = json.loads(
                subprocess.run(
                    [sys.executable, "-c", _LIBROSA_CHILD, str(song)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
            )
            print(
                f"{minutes:2d}-minute mp3: ours cold {ours['cold_s']:.2f} s (imports {ours['import_s']:.2f} s), "
                f"warm {ours['warm_s']:.2f} s ({ours['warm_s'] / minutes:.2f} s per minute), "
                f"peak RSS {ours['peak_rss_mb']:.0f} MB | librosa load+beat_track cold {lib['cold_s']:.2f} s, "
                f"warm {lib['warm_s']:.2f} s, peak RSS {lib['peak_rss_mb']:.0f} MB | warm ratio "
                f"librosa/ours {lib['warm_s'] / ours['warm_s']:.2f}x"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", default=None, help="song names to run")
    parser.add_argument(
        "--variants", type=int, default=0, help="unseen variants per style (held out)"
    )
    parser.add_argument("--speed", action="store_true", help="also time 3- and 20-minute songs")
    parser.add_argument("--no-set", action="store_true", help="skip the main set")
    parser.add_argument("--json", type=Path, default=None, help="write per-song rows here")
    parser.add_argument(
        "--excerpt", type=float, default=None, metavar="SECONDS",
        help="score beats and bars of a cut this long from each song's middle instead",
    )  # fmt: skip
    args = parser.parse_args()
    if not fluidsynth_available():
        sys.exit(
            "fluidsynth or the GM soundfont is missing: apt-get install fluidsynth fluid-soundfont-gm"
        )
    out = {}
    if args.excerpt:
        score, table = partial(score_excerpt, seconds=args.excerpt), print_excerpts
    else:
        score, table = score_song, print_table
    if not args.no_set:
        specs = [s for s in SONGS if not args.only or s.name in args.only]
        rows = [score(s) for s in specs]
        out["set"] = {"rows": rows, "summary": table(rows, "benchmark set")}
    if args.variants:
        rows = [score(s) for s in variants(args.variants)]
        out["variants"] = {"rows": rows, "summary": table(rows, "held-out variants")}
    if args.speed:
        speed()
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=float))
    print(
        f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
