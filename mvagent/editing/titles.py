"""Opening title and end card, drawn with `drawtext` in the font shipped with the package."""

from __future__ import annotations

from pathlib import Path

from mvagent.editing.graph import FilterGraph, quote_value, seconds
from mvagent.models import TitleCard

FONTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FILE = FONTS_DIR / "DejaVuSans-Bold.ttf"
FONT_FAMILY = "DejaVu Sans"  # the family name libass matches in FONTS_DIR (bold style)

# DejaVu Sans Bold averages about 0.68 em per character; used to shrink long titles.
_EM_PER_CHAR = 0.68


def font_size_for(text: str, *, width: int, height: int, scale: float) -> int:
    """Pixel size so `text` fits in 90 % of the width, at most `scale` x the short side."""
    base = min(width, height) * scale
    fitting = 0.9 * width / (_EM_PER_CHAR * max(1, len(text)))
    return max(8, int(min(base, fitting)))


def draw_card(
    graph: FilterGraph,
    pad: str,
    card: TitleCard,
    *,
    width: int,
    height: int,
    workdir: Path,
    name: str,
) -> str:
    """Draw `card` (a title and an optional subtitle) centred, fading in and out.

    The text goes through a `textfile` in `workdir`, so quotes, colons and percent
    signs in a song title need no escaping.
    """
    start, end = card.start, card.end
    if end <= start or not card.text.strip():
        return pad
    fade = min(0.5, (end - start) / 4)
    alpha = (
        f"if(lt(t,{seconds(start + fade)}),(t-{seconds(start)})/{seconds(fade)},"
        f"if(gt(t,{seconds(end - fade)}),({seconds(end)}-t)/{seconds(fade)},1))"
    )
    lines = [(card.text, 0.1, "title")]
    if card.subtitle.strip():
        lines.append((card.subtitle, 0.05, "subtitle"))
    for text, scale, role in lines:
        text = " ".join(text.split())
        size = font_size_for(text, width=width, height=height, scale=scale)
        textfile = workdir / f"{name}-{role}.txt"
        textfile.write_text(text, encoding="utf-8")
        if len(lines) == 1:
            y = "(h-text_h)/2"
        elif role == "title":
            y = f"h/2-text_h-{int(height * 0.015)}"
        else:
            y = f"h/2+{int(height * 0.03)}"
        graph_pad = graph.chain(
            pad,
            "drawtext="
            + ":".join(
                [
                    f"fontfile={quote_value(str(FONT_FILE))}",
                    f"textfile={quote_value(str(textfile))}",
                    "expansion=none",
                    f"fontsize={size}",
                    "fontcolor=white",
                    f"borderw={max(1, size // 18)}",
                    "bordercolor=black@0.55",
                    f"shadowx={max(1, size // 24)}",
                    f"shadowy={max(1, size // 24)}",
                    "shadowcolor=black@0.4",
                    "x=(w-text_w)/2",
                    f"y={y}",
                    f"alpha='{alpha}'",
                    f"enable='between(t,{seconds(start)},{seconds(end)})'",
                ]
            ),
        )
        pad = graph_pad
    return pad
