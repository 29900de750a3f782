"""Task: fetch or locate the song."""

from __future__ import annotations

import shutil
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.ingest import ingest
from mvagent.models import Song


@task(name="ingest-song", cache_policy=NO_CACHE)
def ingest_song(
    source: str | None,
    *,
    out_dir: str,
    demo: bool = False,
    title: str = "",
    artist: str = "",
    lyrics_path: str | None = None,
    suno_credentials_block: str | None = None,
    keep_decisions: bool = False,
) -> Song:
    """The song, in `out_dir/<slug>/`. A new run starts a fresh decision log; a redo
    (`keep_decisions`) adds to the video's log, which counts its redos and names its providers."""
    suno = None
    if suno_credentials_block and (source or "").startswith("suno:"):
        from blocks.credentials import suno_client_from_block

        suno = suno_client_from_block(suno_credentials_block)
    song = ingest(
        source,
        out_dir=out_dir,
        demo=demo,
        title=title,
        artist=artist,
        lyrics_path=lyrics_path,
        suno=suno,
    )
    # A fresh decision log per run; earlier runs' logs stay in Prefect's history.
    song_dir = Path(out_dir) / song.slug
    song_dir.mkdir(parents=True, exist_ok=True)
    if not keep_decisions:
        (song_dir / "decisions.jsonl").unlink(missing_ok=True)
    if song.image_path is not None and song.image_path.parent != song_dir.resolve():
        # The cover belongs with the video's other files (storyboard.json names it).
        cover = song_dir / f"cover{song.image_path.suffix}"
        shutil.copyfile(song.image_path, cover)
        song = song.model_copy(update={"image_path": cover.resolve()})
    return song
