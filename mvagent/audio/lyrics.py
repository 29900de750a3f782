"""Lyrics with timings: Suno aligned words (JSON), LRC, SRT, or plain text spread over vocals.

All loaders return `LyricLine`s (text, start, end, words) sorted by start, times in seconds.
Plain text has no timings: its lines are laid over the vocal regions in proportion to their
syllable counts and marked `estimated=True`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from mvagent.errors import BadInputError
from mvagent.models import LyricLine, WordTiming

_SECTION_TAG = re.compile(r"^\s*[\[(][^\])]*[\])]\s*$")  # "[Chorus]", "(Verse 2)"
_LRC_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_LRC_WORD = re.compile(r"<(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)>\s*([^<]*)")
_LRC_OFFSET = re.compile(r"\[offset:\s*([+-]?\d+)\s*\]", re.IGNORECASE)
_SRT_TIME = re.compile(
    r"(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
)
_TAG = re.compile(r"<[^>]+>|\{[^}]+\}")
_LINE_GAP_S = 2.0  # aligned words further apart than this start a new line
_LAST_LINE_S = 4.0  # LRC gives no end time for its last line


def load_lyrics(
    path: str | Path | None = None,
    *,
    text: str | None = None,
    vocals: Sequence[tuple[float, float]] = (),
    duration_s: float = 0.0,
) -> list[LyricLine]:
    """Lyric lines from a file (`path`) or a string (`text`); format detected from content.

    `vocals` and `duration_s` place plain (untimed) lyrics; timed formats ignore them.
    Raises `BadInputError` with a one-line reason when a file is missing or malformed.
    """
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise BadInputError(f"lyrics file not found: {p}; check the path")
        try:
            content = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise BadInputError(f"lyrics file {p} is not UTF-8 text; save it as UTF-8") from None
        name = str(p)
    elif text is not None:
        content, name = text, "lyrics text"
    else:
        return []
    kind = detect_format(content)
    if path is not None and Path(path).suffix.lower() == ".json":
        kind = "json"  # a .json file that does not parse is an error, not plain lyrics
    if kind == "json":
        lines = parse_aligned_words(content, source=name)
    elif kind == "srt":
        lines = parse_srt(content)
    elif kind == "lrc":
        lines = parse_lrc(content, duration_s=duration_s)
    else:
        lines = spread_plain_text(content, vocals=vocals, duration_s=duration_s)
    return sorted(lines, key=lambda line: line.start)


def detect_format(content: str) -> str:
    """'json' | 'srt' | 'lrc' | 'plain'."""
    head = content.lstrip()[:1]
    if head in "[{" and head:
        try:
            json.loads(content)
            return "json"
        except json.JSONDecodeError:
            pass
    if _SRT_TIME.search(content):
        return "srt"
    if _LRC_TIME.search(content):
        return "lrc"
    return "plain"


# --------------------------------------------------------------------------- Suno JSON


def _aligned_list(data: object) -> list | None:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("alignedWords", "aligned_words", "words"):
            if isinstance(data.get(key), list):
                return data[key]
        for key in ("data", "result"):
            inner = _aligned_list(data.get(key))
            if inner is not None:
                return inner
    return None


def _num(item: dict, *keys: str) -> float | None:
    for k in keys:
        v = item.get(k)
        if isinstance(v, int | float):
            return float(v)
    return None


def parse_aligned_words(content: str, *, source: str = "lyrics") -> list[LyricLine]:
    """Suno aligned words: `[{word, startS, endS}]`, optionally wrapped in
    `{"alignedWords": [...]}` or `{"data": {"alignedWords": [...]}}`. A newline inside a
    word ends the line; section tags such as "[Chorus]" are dropped."""
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise BadInputError(
            f"{source} is not valid JSON ({exc.msg} at line {exc.lineno})"
        ) from None
    items = _aligned_list(data)
    if items is None:
        raise BadInputError(
            f"{source} has no aligned words; expected a list of {{word, startS, endS}} "
            'or {"alignedWords": [...]}'
        )
    lines: list[LyricLine] = []
    words: list[WordTiming] = []

    def close() -> None:
        if words:
            text = " ".join(w.word for w in words)
            lines.append(
                LyricLine(text=text, start=words[0].start, end=words[-1].end, words=list(words))
            )
            words.clear()

    for item in items:
        if not isinstance(item, dict):
            continue
        raw = str(item.get("word", item.get("text", "")))
        start = _num(item, "startS", "start_s", "start")
        end = _num(item, "endS", "end_s", "end")
        if start is None or end is None:
            continue
        end = max(end, start)
        if words and start - words[-1].end > _LINE_GAP_S:
            close()
        pieces = raw.split("\n")
        for k, piece in enumerate(pieces):
            if k > 0:
                close()
            token = piece.strip()
            if token and not _SECTION_TAG.match(token):
                words.append(WordTiming(word=token, start=round(start, 3), end=round(end, 3)))
    close()
    return lines


# --------------------------------------------------------------------------- LRC


def _clock(minutes: str, seconds: str) -> float:
    return int(minutes) * 60 + float(seconds.replace(":", "."))


def parse_lrc(content: str, *, duration_s: float = 0.0) -> list[LyricLine]:
    """LRC: `[mm:ss.xx] text`, several stamps per line allowed, `[offset:ms]` honoured,
    enhanced `<mm:ss.xx>word` timings kept as words. A line ends where the next begins."""
    offset_s = 0.0
    if m := _LRC_OFFSET.search(content):
        # A positive offset shows lyrics earlier.
        offset_s = -int(m[1]) / 1000.0
    stamped: list[tuple[float, str]] = []
    for raw in content.splitlines():
        stamps = list(_LRC_TIME.finditer(raw))
        if not stamps:
            continue
        text = raw[stamps[-1].end() :].strip()
        for st in stamps:
            stamped.append((max(_clock(st[1], st[2]) + offset_s, 0.0), text))
    stamped.sort(key=lambda x: x[0])
    lines = []
    for i, (start, text) in enumerate(stamped):
        if i + 1 < len(stamped):
            end = stamped[i + 1][0]
        else:
            end = start + _LAST_LINE_S
            if duration_s > start:
                end = min(end, duration_s)
        words = []
        for wm in _LRC_WORD.finditer(text):
            w_start = max(_clock(wm[1], wm[2]) + offset_s, 0.0)
            for token in wm[3].split():
                words.append(WordTiming(word=token, start=round(w_start, 3), end=round(w_start, 3)))
        # Each enhanced word lasts until the next one (or the line's end).
        for k in range(len(words)):
            nxt = words[k + 1].start if k + 1 < len(words) else end
            words[k] = WordTiming(
                word=words[k].word, start=words[k].start, end=round(max(nxt, words[k].start), 3)
            )
        plain = _LRC_WORD.sub(lambda m: m[3], text)
        plain = " ".join(_TAG.sub("", plain).split())
        if not plain or _SECTION_TAG.match(plain):
            continue  # an empty stamp marks the end of the previous line
        lines.append(LyricLine(text=plain, start=round(start, 3), end=round(end, 3), words=words))
    return lines


# --------------------------------------------------------------------------- SRT


def parse_srt(content: str) -> list[LyricLine]:
    """SubRip: numbered blocks with `HH:MM:SS,mmm --> HH:MM:SS,mmm` and text lines."""
    lines = []
    blocks = re.split(r"\n\s*\n", content.replace("\r\n", "\n").replace("\r", "\n"))
    for block in blocks:
        rows = [r for r in block.strip().split("\n") if r.strip()]
        for i, row in enumerate(rows):
            m = _SRT_TIME.search(row)
            if not m:
                continue
            g = [int(x) for x in m.groups()]
            start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000.0
            end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000.0
            text = " ".join(_TAG.sub("", " ".join(rows[i + 1 :])).split())
            if text and not _SECTION_TAG.match(text):
                lines.append(
                    LyricLine(text=text, start=round(start, 3), end=round(max(end, start), 3))
                )
            break
    return lines


# --------------------------------------------------------------------------- plain text


def _syllables(word: str) -> int:
    return max(1, len(re.findall(r"[aeiouy]+", word.lower())))


def spread_plain_text(
    content: str, *, vocals: Sequence[tuple[float, float]] = (), duration_s: float = 0.0
) -> list[LyricLine]:
    """Lay untimed lines over the vocal regions (or the whole song) by syllable count."""
    texts = []
    for raw in content.splitlines():
        line = " ".join(raw.split())
        if line and not _SECTION_TAG.match(line):
            texts.append(line)
    regions = [(float(s), float(e)) for s, e in vocals if e > s]
    if not regions and duration_s > 0:
        regions = [(0.0, float(duration_s))]
    if not texts or not regions:
        return []
    weights = [sum(_syllables(w) for w in t.split()) for t in texts]
    total_w = float(sum(weights))
    total_t = sum(e - s for s, e in regions)

    def to_time(x: float) -> float:
        """Position on the concatenated vocal timeline -> song time."""
        for s, e in regions:
            if x <= e - s + 1e-9:
                return s + x
            x -= e - s
        return regions[-1][1]

    lines, pos = [], 0.0
    for text, w in zip(texts, weights, strict=True):
        span = total_t * w / total_w
        start, end = to_time(pos), to_time(pos + span)
        words, wpos = [], pos
        for token in text.split():
            wspan = span * _syllables(token) / w
            words.append(
                WordTiming(
                    word=token, start=round(to_time(wpos), 3), end=round(to_time(wpos + wspan), 3)
                )
            )
            wpos += wspan
        lines.append(
            LyricLine(
                text=text, start=round(start, 3), end=round(end, 3), words=words, estimated=True
            )
        )
        pos += span
    return lines
