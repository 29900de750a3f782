"""Lyric subtitles: karaoke ASS (word highlight with `\\kf`) and plain SRT, from timed words.

The ASS file is burned in with libass (`ass` filter, fonts from the package) or the SRT
becomes a soft `mov_text` track; both files are also written beside the video.
"""

from __future__ import annotations

from mvagent.editing.titles import FONT_FAMILY
from mvagent.models import LyricLine

# ASS colours are &HAABBGGRR: the sung part turns gold, the rest waits in white.
_SUNG = "&H0000C8FF"
_WAITING = "&H00FFFFFF"
_OUTLINE = "&H00000000"
_SHADOW = "&H80000000"


def ass_time(time_s: float) -> str:
    """`H:MM:SS.cc`, the ASS clock (centiseconds)."""
    cs = max(0, round(time_s * 100))
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, cs = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def srt_time(time_s: float) -> str:
    """`HH:MM:SS,mmm`, the SRT clock (milliseconds)."""
    ms = max(0, round(time_s * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def _ass_text(text: str) -> str:
    # ASS has no escape for braces (they open override blocks) or a lone backslash.
    return " ".join(text.replace("{", "(").replace("}", ")").replace("\\", "/").split())


def _karaoke(line: LyricLine) -> str:
    """The line with a `\\kf` sweep per word, and silent `\\k` gaps where nobody sings."""
    parts = []
    cursor_cs = round(line.start * 100)
    for word in sorted(line.words, key=lambda w: w.start):
        start_cs, end_cs = round(word.start * 100), round(max(word.end, word.start) * 100)
        if start_cs > cursor_cs:
            parts.append(f"{{\\k{start_cs - cursor_cs}}}")
            cursor_cs = start_cs
        sweep = max(1, end_cs - cursor_cs)
        parts.append(f"{{\\kf{sweep}}}{_ass_text(word.word)} ")
        cursor_cs += sweep
    return "".join(parts).rstrip()


def to_ass(lyrics: list[LyricLine], *, width: int, height: int) -> str:
    """An ASS script sized for a `width` x `height` video, one karaoke event per line."""
    portrait = height > width
    size = round(min(width, height) * (0.065 if portrait else 0.058))
    # Portrait videos end up under the app's buttons and captions: sit higher.
    margin_v = round(height * (0.2 if portrait else 0.07))
    margin_h = round(width * 0.06)
    outline = max(1, round(size / 14))
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Lyrics,{FONT_FAMILY},{size},{_SUNG},{_WAITING},{_OUTLINE},{_SHADOW},"
        f"-1,0,0,0,100,100,0,0,1,{outline},{max(1, outline // 2)},2,"
        f"{margin_h},{margin_h},{margin_v},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = []
    for line in sorted(lyrics, key=lambda ln: ln.start):
        if line.end <= line.start or not line.text.strip():
            continue
        text = _karaoke(line) if line.words else _ass_text(line.text)
        events.append(
            f"Dialogue: 0,{ass_time(line.start)},{ass_time(line.end)},Lyrics,,0,0,0,,{text}"
        )
    return "\n".join(header + events) + "\n"


def to_srt(lyrics: list[LyricLine]) -> str:
    """Numbered SRT cues, one per lyric line."""
    cues = []
    for line in sorted(lyrics, key=lambda ln: ln.start):
        text = " ".join(line.text.split())
        if line.end <= line.start or not text:
            continue
        cues.append(f"{len(cues) + 1}\n{srt_time(line.start)} --> {srt_time(line.end)}\n{text}\n")
    return "\n".join(cues)
