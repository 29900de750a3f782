"""Benchmark beat and downbeat tracking on real produced songs (see benchmarks/real/).

    .venv/bin/python benchmarks/real_songs.py --list          # build the cache, show the set
    .venv/bin/python benchmarks/real_songs.py                 # ours vs librosa beat_track
    .venv/bin/python benchmarks/real_songs.py --sources hydrogen --only gm_kit_demo1
    .venv/bin/python benchmarks/real_songs.py --json rows.json
    .venv/bin/python benchmarks/real_songs.py --sources tracker --decisions  # kept / dropped why
    .venv/bin/python benchmarks/real_songs.py --trackers ours --excerpt 30  # 30 s cut mid-song

The first run installs the Debian packages it needs (as root) and renders about 22 songs
into ~/.cache/mvagent-bench/real/ (several minutes: Hydrogen exports in real time).
Per song it prints beat F (+-70 ms), precision, CMLt, AMLt, downbeat F, the error kind and
the mean signed beat error; then means per source and over the whole set. `--excerpt`
scores a stretch cut from the middle of each song instead (benchmarks/real/excerpt.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.real import SOURCES, RealSong, evaluate, load_real_set  # noqa: E402
from benchmarks.real.excerpt import excerpt  # noqa: E402


def _flag(song: RealSong) -> str:
    """'!' when the listening proxies doubt the ground truth (see benchmarks/real/sanity.py)."""
    s = song.sanity
    thirds = s.get("lag_thirds_ms", [])
    spread = max(thirds) - min(thirds) if thirds else 0.0
    doubtful = abs(s.get("lag_ms", 0.0)) > 30 or spread > 30
    doubtful |= s.get("onset_contrast", 2.0) < 1.0 and s.get("low_contrast", 2.0) < 1.0
    return "!" if doubtful else ""


def print_list(songs: list[RealSong]) -> None:
    print(
        f"{'song':34s} {'source':11s} {'dur s':>6s} {'bpm':>7s} {'m':>2s} {'beats':>5s} "
        f"{'chg':>3s} {'contr':>5s} {'low':>5s} {'lag ms':>6s}  lag per third"
    )
    for s in songs:
        q = s.sanity
        print(
            f"{s.name:34s} {s.source:11s} {s.duration_s:6.1f} {s.bpm:7.2f} {s.meter:2d} "
            f"{len(s.beats_s):5d} {'yes' if s.tempo_changes else '':>3s} "
            f"{q.get('onset_contrast', float('nan')):5.2f} {q.get('low_contrast', float('nan')):5.2f} "
            f"{q.get('lag_ms', float('nan')):6.1f}  {q.get('lag_thirds_ms')} {_flag(s)}"
        )
    total = sum(s.duration_s for s in songs)
    print(
        f"{len(songs)} songs, {total / 60:.1f} minutes, sources: {dict(Counter(s.source for s in songs))}"
    )
    print(
        "contr/low: onset strength at the truth's beats over half-way points (all bands / <150 Hz);"
    )
    print(
        "lag: best shift of the truth within a quarter beat, envelope latency removed. '!' = doubtful."
    )


def print_decisions() -> None:
    """Every tracker-module candidate: its grid figures and why it is in or out of the set."""
    from benchmarks.real import tracker

    rows = [d for source in tracker.BATCHES for _, d in tracker.survey(source=source)]
    print(
        f"{'module':40s} {'rows':26s} {'bpm':>6s} {'mus s':>5s} {'contr':>5s} {'low':>5s} "
        f"{'lag':>5s} {'sprd':>4s} {'bar':>5s}  decision"
    )
    for d in rows:
        print(
            f"{d.slug:40s} {d.highlight:26s} {d.bpm:6.1f} {d.music_s:5.0f} "
            f"{d.onset_contrast:5.2f} {d.low_contrast:5.2f} {d.lag_ms:5.1f} "
            f"{d.third_spread_ms:4.0f} {d.bar_phase:5.2f}  {'kept' if d.kept else d.reason}"
        )
    kept = [d for d in rows if d.kept]
    print(
        f"{len(kept)} of {len(rows)} modules kept, from {len({d.package for d in kept})} packages: "
        f"{dict(Counter(d.package for d in kept))}"
    )
    print(
        "dropped:", dict(Counter(d.reason.split(" (")[0].split(":")[0] for d in rows if not d.kept))
    )


def _ours(song: RealSong) -> tuple[np.ndarray, np.ndarray, float, float | None]:
    from mvagent.audio.analyze import analyze

    t0 = time.perf_counter()
    a = analyze(song.path)
    secs = time.perf_counter() - t0
    return np.asarray(a.beats), np.asarray(a.downbeats), secs, a.beat_confidence


def _librosa(song: RealSong) -> tuple[np.ndarray, np.ndarray, float, float | None]:
    import librosa

    t0 = time.perf_counter()
    y, sr = librosa.load(song.path, sr=22050)
    _, beats = librosa.beat.beat_track(y=y, sr=sr, units="time")
    # librosa has no downbeats: score its every-4th beat from the first so the column exists.
    beats = np.asarray(beats)
    return beats, beats[:: max(song.meter, 1)], time.perf_counter() - t0, None


TRACKERS = {"ours": _ours, "librosa": _librosa}


def _fmt(x: float | None, spec: str = "5.3f") -> str:
    return f"{'-':>5s}" if x is None or not np.isfinite(x) else format(x, spec)


def run(songs: list[RealSong], trackers: list[str]) -> list[dict]:
    rows = []
    head = (
        f"{'song':34s} {'trk':7s} {'beatF':>5s} {'prec':>5s} {'CMLt':>5s} {'AMLt':>5s} "
        f"{'downF':>5s} {'bpm':>6s} {'est':>6s} {'err ms':>6s} {'sec':>5s} {'conf':>5s}  kind"
    )
    print(head)
    for song in songs:
        for trk in trackers:
            beats, downs, secs, conf = TRACKERS[trk](song)
            r = {
                "song": song.name,
                "source": song.source,
                "tracker": trk,
                "bpm": song.bpm,
                "seconds": secs,
                "confidence": conf,
                **evaluate(beats, downs, song),
            }
            rows.append(r)
            print(
                f"{song.name:34s} {trk:7s} {_fmt(r['beat_f'])} {_fmt(r['precision'])} "
                f"{_fmt(r['cmlt'])} {_fmt(r['amlt'])} {_fmt(r['downbeat_f'])} {song.bpm:6.1f} "
                f"{_fmt(r['est_bpm'], '6.1f')} {_fmt(r['signed_error_ms'], '+6.1f')} "
                f"{secs:5.2f} {_fmt(conf, '5.2f')}  {r['error_kind']}",
                flush=True,
            )
    return rows


def summarise(rows: list[dict]) -> None:
    print()
    for trk in dict.fromkeys(r["tracker"] for r in rows):
        mine = [r for r in rows if r["tracker"] == trk]
        groups = {"ALL": mine} | {
            src: [r for r in mine if r["source"] == src]
            for src in dict.fromkeys(r["source"] for r in mine)
        }
        for name, g in groups.items():

            def mean(key: str, g: list[dict] = g) -> float:
                return float(np.nanmean([np.nan if r[key] is None else r[key] for r in g]))

            print(
                f"{trk:7s} {name:11s} n={len(g):2d} beatF {mean('beat_f'):.3f} prec {mean('precision'):.3f} "
                f"CMLt {mean('cmlt'):.3f} AMLt {mean('amlt'):.3f} downF {mean('downbeat_f'):.3f} "
                f"signed err {mean('signed_error_ms'):+.1f} ms  kinds {dict(Counter(r['error_kind'] for r in g))}"
            )


def calibration(rows: list[dict], *, good_f: float = 0.9) -> None:
    """How well `beat_confidence` separates right grids (beat F >= good_f) from wrong ones.

    AUC: the chance that a random right song gets a higher confidence than a random wrong one
    (0.5 = no information, 1 = perfect); the editor trusts the grid above its threshold.
    """
    scored = [r for r in rows if r.get("confidence") is not None and r["beat_f"] is not None]
    right = [r["confidence"] for r in scored if r["beat_f"] >= good_f]
    wrong = [r["confidence"] for r in scored if r["beat_f"] < good_f]
    if not right or not wrong:
        return
    pairs = [(a > b) + 0.5 * (a == b) for a in right for b in wrong]
    print(
        f"confidence: right grids (F>={good_f}) n={len(right)} mean {np.mean(right):.2f} "
        f"min {min(right):.2f}; wrong n={len(wrong)} mean {np.mean(wrong):.2f} "
        f"max {max(wrong):.2f}; AUC {np.mean(pairs):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--list", action="store_true", help="build the cache and list the set")
    parser.add_argument("--sources", nargs="*", choices=list(SOURCES), default=None)
    parser.add_argument("--only", nargs="*", default=None, help="song names to run")
    parser.add_argument("--trackers", nargs="*", choices=list(TRACKERS), default=list(TRACKERS))
    parser.add_argument("--rebuild", action="store_true", help="re-render every song")
    parser.add_argument("--json", type=Path, default=None, help="write per-song rows here")
    parser.add_argument(
        "--decisions", action="store_true", help="list every tracker module and why it is kept"
    )
    parser.add_argument(
        "--excerpt", type=float, default=None, metavar="SECONDS",
        help="score a cut of this length from the middle of each song (off the beat)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.decisions:
        print_decisions()
        return

    t0 = time.perf_counter()
    songs = load_real_set(sources=args.sources, rebuild=args.rebuild)
    if args.only:
        songs = [s for s in songs if s.name in args.only]
    if args.excerpt:
        cuts = [excerpt(s, seconds=args.excerpt) for s in songs]
        songs = [c for c in cuts if c is not None]
    print(f"(set ready in {time.perf_counter() - t0:.1f} s)")
    if not songs:
        sys.exit("no songs: the Debian packages could not be installed (run as root with apt)")
    if args.list:
        print_list(songs)
        return
    rows = run(songs, args.trackers)
    summarise(rows)
    calibration(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
