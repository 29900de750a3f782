"""Fetch a song from what the user named: a local file, an http(s) URL, or `suno:ID`.

`fetch_song("suno:ID", ...)` downloads the audio and cover (with no key: they live on a CDN)
and writes the API's word timings as Suno aligned-words JSON next to the song
(`Song.lyrics_path`), unless the user gave a lyrics file, which always wins. Without an
explicit client it reads `SUNO_API_BASE_URL`, `SUNO_API_KIND` (hosted | selfhosted),
`SUNO_API_KEY`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mvagent.errors import BadInputError, ProviderError
from mvagent.models import Song
from mvagent.providers.remote import atomic_path
from mvagent.sources.suno import SunoClient, SunoTrack, _Http, suno_client


def _download(http: _Http, url: str, dest: Path, *, what: str) -> Path:
    resp = http.request("GET", url, what=what, follow_redirects=True)
    with atomic_path(dest) as tmp:
        tmp.write_bytes(resp.content)
    return dest


def _suffix(url: str, default: str) -> str:
    suffix = Path(unquote(urlsplit(url).path)).suffix.lower()
    return suffix if 1 < len(suffix) <= 5 else default


def track_slug(track: SunoTrack, title: str = "") -> str:
    """`<title-slug>-<id8>`: two tracks with one title never share an output folder."""
    from mvagent.ingest import slugify

    tag = slugify(track.id)[:8].strip("-")
    name = slugify(title or track.title or "")
    if name == "song" and not (title or track.title):
        return tag or "song"
    return f"{name}-{tag}" if tag else name


def _check_lyrics(lyrics_path: str | Path | None) -> Path | None:
    if not lyrics_path:
        return None
    path = Path(lyrics_path).expanduser()
    if not path.is_file():
        raise BadInputError(f"lyrics file not found: {path} (check --lyrics)")
    return path.resolve()


def download_track(track: SunoTrack, *, client: SunoClient, dest_dir: Path, artist: str = "",
                   title: str = "", lyrics_path: str | Path | None = None) -> Song:  # fmt: skip
    """Audio, cover, lyrics and word timings of a finished track, as a `Song`."""
    from mvagent.ingest import check_audio

    if track.failed:
        raise BadInputError(f"Suno track {track.id} failed ({track.status}); pick another track")
    if not track.ready:
        raise BadInputError(
            f"Suno track {track.id} is not finished yet ({track.status or 'no audio'}); try later"
        )
    given = _check_lyrics(lyrics_path)
    name = title or track.title or track.id
    slug = track_slug(track, title)
    folder = Path(dest_dir) / slug
    audio = _download(client.http, track.audio_url, folder / f"song{_suffix(track.audio_url, '.mp3')}",
                      what="downloading the song")  # fmt: skip
    check_audio(audio)
    image = None
    if track.image_url:
        try:
            image = _download(client.http, track.image_url, folder / f"cover{_suffix(track.image_url, '.jpg')}",
                              what="downloading the cover")  # fmt: skip
        except ProviderError:
            image = None  # a missing cover never stops a video
    words_path = None
    # The user's file wins; else the API's word timings (none for instrumentals).
    words = client.aligned_words(track) if given is None and track.lyrics.strip() else []
    if words:
        words_path = folder / "lyrics.aligned.json"
        payload = [{"word": w.word, "startS": w.start, "endS": w.end} for w in words]
        with atomic_path(words_path) as tmp:
            tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
    return Song(
        path=audio.resolve(),
        title=name,
        artist=artist,
        slug=slug,
        source="suno",
        style=track.style,
        lyrics_text=track.lyrics or None,
        lyrics_path=given or (words_path.resolve() if words_path else None),
        image_path=image.resolve() if image else None,
    )


def fetch_song(
    source: str,
    *,
    dest_dir: str | Path,
    title: str = "",
    artist: str = "",
    suno: SunoClient | None = None,
    lyrics_path: str | Path | None = None,
) -> Song:
    """A `Song` from a file path, an http(s) URL, or `suno:ID` (hosted: `suno:TASK[:AUDIO]`)."""
    from mvagent.ingest import check_audio, ingest_file, slugify

    dest_dir = Path(dest_dir)
    if source.startswith("suno:"):
        ref = source[5:].strip()
        if not ref:
            raise BadInputError("suno: needs a track id, e.g. suno:3f2a...")
        _check_lyrics(lyrics_path)  # a typo fails before any download
        client = suno or suno_client()
        found = client.tracks([ref])
        if not found:
            raise BadInputError(f"no Suno track {ref!r} (check the id)")
        return download_track(found[0], client=client, dest_dir=dest_dir, artist=artist,
                              title=title, lyrics_path=lyrics_path)  # fmt: skip
    if source.startswith(("http://", "https://")):
        given = _check_lyrics(lyrics_path)
        host = urlsplit(source).netloc
        http = _Http("", api_key=None, timeout_s=60.0, attempts=3, backoff_s=2.0,
                     sleep=time.sleep, service=host)  # fmt: skip
        stem = Path(unquote(urlsplit(source).path)).stem or "song"
        name = title or stem.replace("_", " ").strip() or "song"
        try:
            audio = _download(http, source, dest_dir / slugify(name) / f"song{_suffix(source, '.mp3')}",
                              what="downloading the song")  # fmt: skip
        except ProviderError as exc:
            raise BadInputError(f"cannot download {source}: {exc}") from None
        check_audio(audio)
        return Song(path=audio.resolve(), title=name, artist=artist, slug=slugify(name),
                    source="url", lyrics_path=given)  # fmt: skip
    return ingest_file(source, title=title, artist=artist, lyrics_path=lyrics_path)
