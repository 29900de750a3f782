"""Task: analyse the music and write analysis.json."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.audio import analyze
from mvagent.fileio import write_json_atomic
from mvagent.models import Analysis, Song


@task(name="analyse-song", cache_policy=NO_CACHE)
def analyse_song(song: Song, *, song_dir: str) -> Analysis:
    analysis = analyze(song.path, lyrics_path=song.lyrics_path, lyrics_text=song.lyrics_text)
    write_json_atomic(Path(song_dir) / "analysis.json", analysis)
    return analysis
