"""Timed words for songs without lyrics, from an OpenAI-compatible transcription endpoint.

`audio.transcriptions.create(response_format="verbose_json",
timestamp_granularities=["word"])` works with whisper-1, gpt-4o-transcribe and local
faster-whisper servers (speaches, faster-whisper-server). Results are cached by the audio's
hash and the model, so a rerun asks nothing. The words are written as Suno aligned-words
JSON (`[{word, startS, endS}]`, a newline ending each line), which the lyrics loader, the
subtitles and the planner already read.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mvagent.fileio import write_json_atomic
from mvagent.llm.prices import transcribe_cost_usd
from mvagent.models import WordTiming
from mvagent.providers.remote import sha256_file

_MAX_WORDS_PER_LINE = 10
_LINE_GAP_S = 0.8


class Transcript(BaseModel):
    model: str
    text: str = ""
    language: str = ""
    duration_s: float = 0.0
    words: list[WordTiming] = []
    line_ends: list[int] = []  # indices of words that end a line (segment ends)


def default_transcript_dir() -> Path:
    if env := os.environ.get("MVAGENT_CACHE_DIR"):
        return Path(env).expanduser() / "transcripts"
    base = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return Path(base).expanduser() / "mvagent" / "transcripts"


def request_transcript(llm: Any, audio: Path) -> Transcript:
    """One transcription call through `llm` (an `OpenAICompatibleLLM`), recorded like a chat."""
    from mvagent.llm.client import LLMCall

    model = llm.config.transcribe_model
    attempts = 0
    t0 = time.perf_counter()

    def call() -> Any:
        with open(audio, "rb") as fh:
            return llm.client.audio.transcriptions.create(
                file=fh,
                model=model,
                response_format="verbose_json",
                timestamp_granularities=["word", "segment"],
            )

    from mvagent.llm.client import _Retry

    retries: list[str] = []
    while True:
        attempts += 1
        try:
            result = llm._with_errors_mapped(call, attempt=attempts)
            break
        except _Retry as r:
            retries.append(f"{r.reason}; retried after {r.delay_s:.2f} s")
            llm.retry.sleep(r.delay_s)
    words = [
        WordTiming(word=str(w.word).strip(), start=round(float(w.start), 3),
                   end=round(max(float(w.end), float(w.start)), 3))
        for w in (getattr(result, "words", None) or []) if str(w.word).strip()
    ]  # fmt: skip
    ends = [float(s.end) for s in (getattr(result, "segments", None) or [])]
    transcript = Transcript(
        model=model,
        text=str(getattr(result, "text", "") or ""),
        language=str(getattr(result, "language", "") or ""),
        duration_s=float(getattr(result, "duration", 0.0) or 0.0),
        words=words,
        line_ends=_line_ends(words, ends),
    )
    llm.record(
        LLMCall(
            purpose="transcription",
            model=model,
            mode="transcribe",
            ok=True,
            attempts=attempts,
            cost_usd=transcribe_cost_usd(model, seconds=transcript.duration_s),
            latency_s=round(time.perf_counter() - t0, 3),
            retries=retries,
        )
    )
    return transcript


def _line_ends(words: list[WordTiming], segment_ends: list[float]) -> list[int]:
    """Where lines end: at segment ends when the server gave segments, else at pauses."""
    out: list[int] = []
    count = 0
    for i, w in enumerate(words):
        count += 1
        nxt = words[i + 1] if i + 1 < len(words) else None
        at_segment = any(abs(w.end - e) < 0.05 for e in segment_ends)
        pause = nxt is not None and nxt.start - w.end > _LINE_GAP_S
        if nxt is None or at_segment or pause or count >= _MAX_WORDS_PER_LINE:
            out.append(i)
            count = 0
    return out


def aligned_words(transcript: Transcript) -> list[dict]:
    """Suno aligned-words JSON: a newline after the last word of each line."""
    ends = set(transcript.line_ends)
    return [
        {"word": w.word + ("\n" if i in ends else ""), "startS": w.start, "endS": w.end}
        for i, w in enumerate(transcript.words)
    ]


def transcribe_song(
    audio: str | Path, *, llm: Any, dest: str | Path, cache_dir: str | Path | None = None
) -> tuple[Path, bool]:
    """Write the song's timed words to `dest` (aligned-words JSON); (path, from_cache).

    Cached by audio hash + model in `cache_dir` (default `$MVAGENT_CACHE_DIR/transcripts`).
    """
    audio = Path(audio)
    model = llm.config.transcribe_model
    folder = Path(cache_dir) if cache_dir else default_transcript_dir()
    cached = folder / f"{sha256_file(audio)}-{model.replace('/', '_')}.json"
    hit = cached.is_file()
    if hit:
        transcript = Transcript.model_validate_json(cached.read_text())
    else:
        transcript = request_transcript(llm, audio)
        write_json_atomic(cached, transcript)
    write_json_atomic(Path(dest), aligned_words(transcript))
    return Path(dest), hit


def transcript_words(path: str | Path) -> list[WordTiming]:
    """Words back from an aligned-words file (tests, tools)."""
    data = json.loads(Path(path).read_text())
    return [WordTiming(word=d["word"].strip(), start=d["startS"], end=d["endS"]) for d in data]
