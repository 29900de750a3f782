"""Fill numba's cache (NUMBA_CACHE_DIR) at image build, so a new container compiles nothing.

librosa's onset code is JIT-compiled on first use, about 25 s on a Railway core. Our own
analysis no longer reaches it; the review's heard-beats check does, on every make. This runs
every path of a make that compiles (analysis and the review's onset strength) on a short
synthetic song: `python -m mvagent.warmup`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


def warm_caches() -> None:
    """Analyse a short demo song and read its onsets as the review does."""
    from mvagent.audio.analyze import analyze
    from mvagent.demo import synthesize_demo_song
    from mvagent.review.heard_beats import heard_beats

    with tempfile.TemporaryDirectory() as tmp:
        song = Path(tmp) / "warm.wav"
        synthesize_demo_song(song, form="short")
        analysis = analyze(song)
        heard_beats(song, analysis.beats[:8], beat_period_s=60 / analysis.tempo_bpm)


if __name__ == "__main__":
    warm_caches()
