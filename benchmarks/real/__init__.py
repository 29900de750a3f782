"""Real produced songs with exact ground truth, rendered from Debian packages into a cache.

    from benchmarks.real import load_real_set, evaluate
    for song in load_real_set():
        print(song.name, evaluate(est_beats, est_downbeats, song))

Audio lives in ~/.cache/mvagent-bench/real/ (override with MVAGENT_REAL_CACHE), never in git.
"""

from benchmarks.real.evaluate import evaluate
from benchmarks.real.load import SOURCES, load_real_set
from benchmarks.real.song import CACHE_DIR, RealSong

__all__ = ["CACHE_DIR", "SOURCES", "RealSong", "evaluate", "load_real_set"]
