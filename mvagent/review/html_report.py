"""report.html beside report.md: the video inline, the contact sheet, a plot of the song, the
storyboard and the measured metrics, in one self-contained file (no JavaScript, no CDN).

The plot is an inline SVG drawn here from analysis.json and timeline.json: waveform (from the
song, when it can be decoded), energy per beat, sections as labelled rectangles (`rect.section`,
one per section), beats and downbeats as ticks, cuts as red lines. Media are referenced by
relative paths, so the folder can be moved, uploaded to S3 or served as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, is_dataclass
from html import escape
from pathlib import Path
from typing import Any

from mvagent.fileio import write_text_atomic
from mvagent.models import Analysis, Clip, Song, Storyboard, Timeline

# One colour per section label family; unknown labels cycle through the rest.
_SECTION_COLOURS = {
    "intro": "#8ecae6", "verse": "#a8dadc", "prechorus": "#ffd6a5", "chorus": "#ffadad",
    "bridge": "#cdb4db", "solo": "#fdffb6", "breakdown": "#bde0fe", "drop": "#ff8fab",
    "outro": "#caffbf",
}  # fmt: skip
_OTHER_COLOURS = ("#e9edc9", "#fec89a", "#d8e2dc", "#f4acb7")

PLOT_W, PLOT_H = 1000, 240
_WAVE = (10, 90)  # y band of the waveform (top, bottom)
_ENERGY = (100, 170)
_SECTIONS = (180, 210)
_TICKS = (212, 235)


def waveform_envelope(path: str | Path, *, buckets: int = 500) -> list[tuple[float, float]]:
    """(min, max) of the samples in `buckets` equal slices of the song, in -1..1."""
    import numpy as np

    from mvagent.audio.decode import load_audio

    y, _sr = load_audio(path, sr=8000)
    if y.size == 0:
        return []
    n = max(1, min(buckets, y.size))
    edges = np.linspace(0, y.size, n + 1).astype(int)
    peak = float(np.max(np.abs(y))) or 1.0
    return [
        (float(y[a:b].min()) / peak, float(y[a:b].max()) / peak)
        for a, b in zip(edges[:-1], edges[1:], strict=True)
        if b > a
    ]


def song_plot_svg(
    *,
    analysis: Analysis,
    cuts: Sequence[float] = (),
    waveform: Sequence[tuple[float, float]] | None = None,
) -> str:
    """The song as an SVG: waveform, energy, sections, beats, downbeats and cuts on one clock."""
    dur = max(analysis.duration, 1e-6)

    def x(t: float) -> float:
        return round(min(max(t / dur, 0.0), 1.0) * PLOT_W, 2)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="song-plot" viewBox="0 0 {PLOT_W} {PLOT_H}" '
        f'width="100%" role="img" aria-label="waveform, energy, sections, beats and cuts">',
        f'<rect x="0" y="0" width="{PLOT_W}" height="{PLOT_H}" fill="#fafafa"/>',
    ]
    if waveform:
        top, bottom = _WAVE
        mid, half = (top + bottom) / 2, (bottom - top) / 2
        step = PLOT_W / len(waveform)
        bars = "".join(
            f"M{i * step:.1f},{mid - hi * half:.1f}V{mid - lo * half:.1f}"
            for i, (lo, hi) in enumerate(waveform)
        )
        parts.append(
            f'<path class="waveform" d="{bars}" stroke="#577590" stroke-width="{max(step, 1):.2f}"/>'
        )
    if analysis.energy and analysis.beats:
        top, bottom = _ENERGY
        points = " ".join(
            f"{x(t)},{bottom - min(max(e, 0.0), 1.0) * (bottom - top):.1f}"
            for t, e in zip(analysis.beats, analysis.energy, strict=False)
        )
        parts.append(
            f'<polyline class="energy" points="{points}" fill="none" stroke="#f3722c" stroke-width="2"/>'
        )
    top, bottom = _SECTIONS
    others = iter(_OTHER_COLOURS * (len(analysis.sections) + 1))
    for s in analysis.sections:
        colour = _SECTION_COLOURS.get(s.label) or next(others)
        w = max(x(s.end) - x(s.start), 0.5)
        label = escape(str(s.label))
        parts.append(
            f'<rect class="section" data-label="{label}" x="{x(s.start)}" y="{top}" width="{w:.2f}" '
            f'height="{bottom - top}" fill="{colour}" stroke="#fff"><title>{label} '
            f"{s.start:.2f}–{s.end:.2f} s</title></rect>"
        )
        if w > 40:
            parts.append(
                f'<text x="{x(s.start) + 4}" y="{top + 19}" font-size="12" fill="#333">{label}</text>'
            )
    top, bottom = _TICKS
    downbeats = {round(t, 3) for t in analysis.downbeats}
    ticks = "".join(
        f"M{x(t)},{top if round(t, 3) in downbeats else top + 10}V{bottom}" for t in analysis.beats
    )
    if ticks:
        parts.append(f'<path class="beats" d="{ticks}" stroke="#444" stroke-width="0.8"/>')
    if cuts:
        lines = "".join(f"M{x(t)},0V{PLOT_H}" for t in cuts)
        parts.append(
            f'<path class="cuts" d="{lines}" stroke="#d00000" stroke-width="1" opacity="0.7"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _mmss(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, cls: str) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _metric_rows(metrics: Any) -> list[tuple[str, str]]:
    if metrics is None:
        return []
    data = asdict(metrics) if is_dataclass(metrics) else dict(metrics)
    out = []
    for k, v in data.items():
        out.append((k.replace("_", " "), f"{v:.3f}" if isinstance(v, float) else str(v)))
    return out


_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222}
video,img.contact-sheet{max-width:100%;background:#000;display:block;margin:.5em 0}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3} .legend span{margin-right:1em} .muted{color:#777}
"""


def render_html_report(
    *,
    song: Song | None,
    analysis: Analysis,
    storyboard: Storyboard,
    metrics: Any = None,
    timeline: Timeline | None = None,
    clips: Mapping[int, Clip] | None = None,
    timings_s: Mapping[str, float] | None = None,
    waveform: Sequence[tuple[float, float]] | None = None,
    video: str = "final.mp4",
    contact_sheet: str | None = None,
) -> str:
    """The report page (pure; paths are relative to the song folder)."""
    title = (song.title if song else storyboard.title) or "music video"
    artist = f" — {song.artist}" if song and song.artist else ""
    cuts = [s.start for s in timeline.shots[1:]] if timeline else []
    clips = clips or {}
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title + artist)}</h1>",
        f'<video id="video" controls preload="metadata" src="{escape(video)}"></video>',
    ]
    if contact_sheet:
        parts.append(
            f'<h2>Contact sheet</h2><img class="contact-sheet" alt="contact sheet" src="{escape(contact_sheet)}">'
        )
    parts += [
        "<h2>The song</h2>",
        f"<p>{analysis.duration:.2f} s ({_mmss(analysis.duration)}), {analysis.tempo_bpm:.2f} BPM, "
        f"{analysis.time_signature} beats per bar, {len(analysis.beats)} beats, "
        f"{len(analysis.sections)} sections, {len(cuts)} cuts</p>",
        song_plot_svg(analysis=analysis, cuts=cuts, waveform=waveform),
        '<p class="legend muted"><span>waveform (blue)</span><span>energy (orange)</span>'
        "<span>sections (boxes)</span><span>beats, downbeats taller (black)</span>"
        "<span>cuts (red)</span></p>",
        "<h2>Storyboard</h2>",
    ]
    rows = []
    for sc in storyboard.scenes:
        clip = clips.get(sc.index)
        source = f"{clip.provider}{' (cached)' if clip.cached else ''}" if clip else ""
        rows.append((sc.index, sc.section, f"{_mmss(sc.start)}–{_mmss(sc.end)}", f"{sc.energy:.2f}",
                     sc.camera, sc.lyric, source, sc.prompt))  # fmt: skip
    parts.append(
        _table(
            ["scene", "section", "time", "energy", "camera", "lyric", "source", "prompt"],
            rows,
            cls="storyboard",
        )  # fmt: skip
    )
    if metrics is not None:
        parts += ["<h2>Measured on the output</h2>",
                  _table(["metric", "value"], _metric_rows(metrics), cls="metrics")]  # fmt: skip
    if timings_s:
        rows = [(k, f"{v:.2f}") for k, v in timings_s.items()]
        parts += ["<h2>Time per stage (s)</h2>", _table(["stage", "s"], rows, cls="timings")]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html_report(
    song_dir: str | Path,
    *,
    song: Song | None,
    analysis: Analysis,
    storyboard: Storyboard,
    metrics: Any = None,
    clips: Mapping[int, Clip] | None = None,
    timings_s: Mapping[str, float] | None = None,
) -> Path:
    """Write `report.html` in `song_dir`, reading timeline.json and the song from there."""
    from mvagent.editing.timeline import load_timeline, resolve
    from mvagent.errors import MvagentError

    base = Path(song_dir)
    timeline = waveform = None
    if (base / "timeline.json").is_file():
        try:
            timeline = load_timeline(base / "timeline.json")
        except MvagentError:
            timeline = None  # a hand-broken timeline: the page still shows everything else
    audio = resolve(base, timeline.audio) if timeline else (song.path if song else None)
    if audio is not None and Path(audio).is_file():
        try:
            waveform = waveform_envelope(audio)
        except MvagentError:
            waveform = None
    sheet = "contact_sheet.png" if (base / "contact_sheet.png").is_file() else None
    page = render_html_report(song=song, analysis=analysis, storyboard=storyboard, metrics=metrics,
                              timeline=timeline, clips=clips, timings_s=timings_s,
                              waveform=waveform, contact_sheet=sheet)  # fmt: skip
    return write_text_atomic(base / "report.html", page)
