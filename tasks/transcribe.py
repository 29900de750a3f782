"""Task: timed words for a song without lyrics (`--transcribe`), from the LLM endpoint."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.decisions import DecisionLog
from mvagent.errors import ConfigError
from mvagent.llm.transcribe import transcribe_song
from mvagent.models import PlannerSettings, Song
from tasks.plan import planner_llm


@task(name="transcribe-lyrics", cache_policy=NO_CACHE)
def transcribe_lyrics(song: Song, *, planner: PlannerSettings, song_dir: str) -> Song:
    """`song` with `lyrics_path` set to `song_dir/transcript.json` (aligned words)."""
    log = DecisionLog(Path(song_dir) / "decisions.jsonl")
    if song.lyrics_path or song.lyrics_text:
        log.record("transcribe", "skip", "the song already has lyrics")
        return song
    llm = planner_llm(planner, decisions=log, stage="transcribe")
    if llm is None:
        raise ConfigError(
            "--transcribe needs an OpenAI-compatible endpoint: set MVAGENT_LLM_BASE_URL "
            "(and MVAGENT_LLM_API_KEY) or pass --llm-credentials BLOCK"
        )
    path, cached = transcribe_song(song.path, llm=llm, dest=Path(song_dir) / "transcript.json")
    log.record(
        "transcribe",
        "transcript",
        f"timed words from {llm.config.transcribe_model}" + (" (cached)" if cached else ""),  # type: ignore[attr-defined]
        data={"path": path.name, "cached": cached},
    )
    return song.model_copy(update={"lyrics_path": path})
