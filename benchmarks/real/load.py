"""Build (when missing) and load the whole real-song set."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from benchmarks.real import blupi, fretsonfire, hydrogen, musescore, tracker
from benchmarks.real.song import RealSong

SOURCES: dict[str, Callable[..., list[RealSong]]] = {
    fretsonfire.SOURCE: fretsonfire.build_all,
    hydrogen.SOURCE: hydrogen.build_all,
    musescore.SOURCE: musescore.build_all,
    tracker.SOURCE: tracker.build_all,
    tracker.SOURCE_2: partial(tracker.build_all, source=tracker.SOURCE_2),
    blupi.SOURCE: blupi.build_all,
}


def load_real_set(*, sources: list[str] | None = None, rebuild: bool = False) -> list[RealSong]:
    """Every song of the chosen sources (all by default), building what the cache lacks.

    A source whose packages cannot be installed (not root, no apt) contributes no songs.
    """
    songs: list[RealSong] = []
    for name, build_all in SOURCES.items():
        if sources is None or name in sources:
            songs.extend(build_all(rebuild=rebuild))
    return songs
