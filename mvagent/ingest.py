"""Ingest: turn what the user named (a file, a URL, a Suno id, the demo) into a `Song`."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from mvagent.audio.decode import check_audio_file
from mvagent.errors import AudioDecodeError, BadInputError, FFmpegError
from mvagent.ffmpeg import probe
from mvagent.models import Song

AUDIO_SUFFIXES = {
    ".wav",
    ".mp3",
    ".flac",
    ".ogg",
    ".oga",
    ".m4a",
    ".aac",
    ".opus",
    ".aif",
    ".aiff",
    ".webm",
    ".mp4",
}


# Letters NFKD does not split into ASCII.
_LIGATURES = str.maketrans(
    {"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae", "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"}
)


def slugify(text: str) -> str:
    """'Mon Cœur (Remix)!' -> 'mon-coeur-remix'; never empty."""
    text = text.translate(_LIGATURES)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60] or "song"


def ingest_demo(out_dir: str | Path, *, seed: int = 0) -> Song:
    from mvagent.demo import synthesize_demo_song

    path = Path(out_dir) / "demo" / "song.wav"
    if not path.exists():
        synthesize_demo_song(path, seed=seed)
    return Song(
        path=path.resolve(),
        title="Demo Song",
        artist="musicvideo-agent",
        slug="demo",
        source="demo",
        style="synthwave, neon, night drive",
    )


def check_audio(path: Path) -> None:
    """Fail fast, before any server starts, when ffmpeg sees no audio in `path`."""
    try:
        info = probe(path)
    except FFmpegError:
        raise AudioDecodeError(
            f"{path} is not an audio file ffmpeg can read (is it corrupt? try re-exporting it as wav or mp3)"
        ) from None
    if not info.has_audio:
        raise AudioDecodeError(
            f"{path} has no audio stream; give a song file (wav, mp3, flac, ogg, m4a)"
        )


def ingest_file(
    path: str | Path, *, title: str = "", artist: str = "", lyrics_path: str | Path | None = None
) -> Song:
    """Check a local song file exists, is non-empty and holds audio ffmpeg can read."""
    p = check_audio_file(path)
    check_audio(p)
    lyrics = None
    if lyrics_path:
        lyrics = Path(lyrics_path).expanduser()
        if not lyrics.is_file():
            raise BadInputError(f"lyrics file not found: {lyrics} (check --lyrics)")
    name = title or p.stem.replace("_", " ").strip() or "song"
    return Song(path=p.resolve(), title=name, artist=artist, slug=slugify(name), lyrics_path=lyrics)


def ingest(
    source: str | None,
    *,
    out_dir: str | Path,
    demo: bool = False,
    title: str = "",
    artist: str = "",
    lyrics_path: str | Path | None = None,
    suno: object | None = None,
) -> Song:
    """Dispatch on the kind of source: URL, `suno:ID`, a local file, else the demo.

    A `source` always wins over `demo` (the UI form's demo box is ticked by default, and a
    typed source must not be silently replaced). `suno` is a ready `SunoClient` (from a Block);
    without it `suno:` sources read SUNO_API_* from the environment.
    """
    if not source:
        if not demo:
            raise BadInputError("no song given: pass a song file, a URL, suno:ID, or --demo")
        return ingest_demo(out_dir)
    if source.startswith(("http://", "https://", "suno:")):
        from mvagent.sources import fetch_song

        return fetch_song(
            source,
            dest_dir=Path(out_dir) / ".downloads",
            title=title,
            artist=artist,
            suno=suno,  # type: ignore[arg-type]
            lyrics_path=lyrics_path,  # --lyrics works with URLs and suno: too
        )
    return ingest_file(source, title=title, artist=artist, lyrics_path=lyrics_path)
