"""report.md: what the song is, what was planned, and what was measured on the output."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mvagent.fileio import write_text_atomic
from mvagent.models import LOW_BEAT_CONFIDENCE, Analysis, Clip, Song, Storyboard
from mvagent.review.heard_beats import ON_BEAT_CONTRAST
from mvagent.review.metrics import OutputMetrics


def _mmss(seconds: float) -> str:
    m, s = divmod(max(seconds, 0.0), 60)
    return f"{int(m)}:{s:05.2f}"


def _check(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def render_report(
    *,
    song: Song,
    analysis: Analysis,
    storyboard: Storyboard,
    metrics: OutputMetrics,
    timings_s: Mapping[str, float],
    clips: Mapping[int, Clip],
    provider: str,
    llm_calls: list[dict] | None = None,
    review: Mapping | None = None,
) -> str:
    """The report as markdown text (pure; `write_report` puts it on disk)."""
    lines = [f"# {song.title}" + (f" — {song.artist}" if song.artist else ""), ""]
    # A fallback is never silent: the scenes not made by the chosen provider come first.
    swapped = sorted((i, c.provider) for i, c in clips.items() if c.provider != provider)
    if swapped:
        listed = ", ".join(f"scene {i} ({p})" for i, p in swapped)
        lines += [
            f"**{len(swapped)} of {len(clips)} scenes are not from {provider}:** {listed}",
            "",
        ]
    lines += _beat_warnings(analysis, metrics)
    lines += [
        "## Music",
        "",
        f"- Duration: {analysis.duration:.2f} s ({_mmss(analysis.duration)})",
        f"- Tempo: {analysis.tempo_bpm:.2f} BPM, {analysis.time_signature}/4-type meter "
        f"({analysis.time_signature} beats per bar), {len(analysis.beats)} beats, "
        f"{len(analysis.downbeats)} bars",
        f"- Mood: valence {analysis.mood.valence:+.2f}, arousal {analysis.mood.arousal:.2f}"
        + (f" ({', '.join(analysis.mood.tags)})" if analysis.mood.tags else ""),
        f"- Lyrics: {len(analysis.lyrics)} lines" if analysis.lyrics else "- Lyrics: none",
        "",
        "| # | section | start | end | length (s) |",
        "|---|---|---|---|---|",
    ]
    for i, s in enumerate(analysis.sections):
        lines.append(
            f"| {i} | {s.label} | {_mmss(s.start)} | {_mmss(s.end)} | {s.end - s.start:.2f} |"
        )
    from mvagent.planning.summary import storyboard_markdown

    lines += ["", "## Storyboard", "", *storyboard_markdown(storyboard)]
    lines += [f"Visual bible: {storyboard.visual_bible}", ""]
    lines += [
        "| scene | section | time | energy | motif | camera | clip (s) | source | lyric | prompt |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for sc in storyboard.scenes:
        clip = clips.get(sc.index)
        source = "missing"
        if clip:
            source = f"{clip.provider}" + (" (cached)" if clip.cached else "")
        prompt = sc.prompt.replace("|", "/")
        prompt = prompt if len(prompt) <= 140 else prompt[:137] + "..."
        lines.append(
            f"| {sc.index} | {sc.section} | {_mmss(sc.start)}–{_mmss(sc.end)} | {sc.energy:.2f} "
            f"| {sc.motif} | {sc.camera} | {sc.clip_duration:.2f} | {source} "
            f"| {sc.lyric.replace('|', '/')[:60]} | {prompt} |"
        )
    # Scenes can share one clip (a repeated chorus): count each file once.
    distinct = {str(c.path): c for c in clips.values()}.values()
    paid = sum(c.paid_seconds for c in distinct)
    spend = sum(c.cost_usd for c in distinct)
    m = metrics
    lines += [
        "",
        "## Output, measured on final.mp4",
        "",
        "| metric | value | target | |",
        "|---|---|---|---|",
        f"| duration | {m.duration_s:.3f} s (song {m.song_duration_s:.3f} s, off by "
        f"{m.duration_error_frames:.2f} frames) | ±1 frame | {_check(m.duration_error_frames <= 1.0)} |",
        f"| cut-on-beat rate (against the beat grid) | {m.cut_on_beat_rate:.3f} over {m.cuts} cuts "
        f"| ≥ 0.95 | {_check(m.cut_on_beat_rate >= 0.95)} |",
        f"| cuts on heard beats (soundtrack onsets at cuts vs half a beat away) | contrast "
        f"{m.heard_contrast:.2f}, {m.heard_on_beat_share:.2f} of {m.heard_cuts} cuts louder | "
        f"contrast ≥ {ON_BEAT_CONTRAST} | {_check(m.heard_passed)} |",
        f"| section coverage | {m.section_coverage:.3f} | ≥ 0.90 | {_check(m.section_coverage >= 0.9)} |",
        f"| hard cuts seen in the picture | {m.hard_cuts_confirmed:.3f} | — | |",
        f"| video | {m.video_codec} {m.pix_fmt} {m.width}x{m.height} @ {m.fps:g} fps, "
        f"{m.frames} frames | h264 yuv420p | {_check(m.video_codec == 'h264' and m.pix_fmt == 'yuv420p')} |",
        f"| audio | {m.audio_codec} {m.audio_bitrate_kbps or '?'} kb/s | aac ≥ 256 kb/s | "
        f"{_check(m.audio_codec == 'aac')} |",
        f"| faststart | {m.faststart} | True | {_check(m.faststart)} |",
        "",
        "## Cost",
        "",
        f"- Provider: {provider}",
        f"- Paid generated seconds: {paid:.1f} s for {m.duration_s:.1f} s of video "
        f"(ratio {paid / m.duration_s if m.duration_s else 0:.2f})",
        f"- Spend: ${spend:.2f}",
        *_llm_lines(storyboard, llm_calls),
        "",
        *_editor_lines(review),
        "## Time per stage",
        "",
        "| stage | seconds |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v:.2f} |" for k, v in timings_s.items()]
    lines.append(f"| total | {sum(timings_s.values()):.2f} |")
    return "\n".join(lines) + "\n"


def _llm_lines(storyboard: Storyboard, calls: list[dict] | None) -> list[str]:
    """LLM calls of the whole run (planning, transcription, prompt rewrites) from decisions."""
    if calls is None:
        if not storyboard.llm_calls:
            return []
        return [f"- LLM: {storyboard.llm_calls} call(s) to {storyboard.llm_model}, "
                f"{storyboard.llm_tokens} tokens, ${storyboard.llm_cost_usd:.4f}"]  # fmt: skip
    if not calls:
        return ["- LLM: no calls"]
    tokens = sum(int(c.get("prompt_tokens", 0)) + int(c.get("completion_tokens", 0)) for c in calls)
    usd = sum(float(c.get("cost_usd") or 0.0) for c in calls)
    unknown = sum(1 for c in calls if c.get("cost_usd") is None)
    latency = sum(float(c.get("latency_s", 0.0)) for c in calls)
    by_purpose: dict[str, int] = {}
    for c in calls:
        by_purpose[c.get("purpose", "?")] = by_purpose.get(c.get("purpose", "?"), 0) + 1
    what = ", ".join(f"{k} x{v}" for k, v in by_purpose.items())
    models = ", ".join(sorted({str(c.get("model", "")) for c in calls}))
    return [
        f"- LLM: {len(calls)} call(s) ({what}) to {models}: {tokens} tokens, ${usd:.4f}"
        + (f" ({unknown} at an unknown price)" if unknown else "")
        + f", {latency:.1f} s"
    ]


def _editor_lines(review: Mapping | None) -> list[str]:
    """Every take of every scene (verdict, score, what it cost) and the video review."""
    if not review:
        return []
    scenes = review.get("clips") or []
    takes = [t for s in scenes for t in s.get("takes", [])]
    retakes = sum(s.get("retakes", 0) for s in scenes)
    total = sum(float(s.get("cost_usd", 0.0)) for s in scenes)
    lines = [
        "## Editor",
        "",
        f"- Critic: {review.get('critic', '?')}; {len(takes)} take(s) judged over "
        f"{len(scenes)} clip(s), {retakes} retake(s); all takes cost ${total:.2f}",
    ]
    if takes:
        lines += ["", "| scene | take | how | verdict | score | problems | clip $ | critic $ | kept |",
                  "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for s in scenes:
            for t in s.get("takes", []):
                problems = "; ".join(t.get("problems", []))[:80].replace("|", "/")
                lines.append(
                    f"| {s['scene']} | take {t['take']} | {t['how']} | {t['verdict']} "
                    f"| {t['score']:.2f} | {problems} | {t['clip_cost_usd']:.2f} "
                    f"| {t['critic_cost_usd']:.4f} | {'yes' if t['take'] == s['kept_take'] else ''} |"
                )
    video = review.get("video")
    if video:
        f = video["fit"]
        lines += [
            "",
            f"- Contact sheet: {video['contact_sheet']}",
            f"- Audio-visual fit: {f['cuts_on_onsets']:.0%} of {f['cuts']} cuts within 50 ms of "
            f"an onset; heard-beat contrast {f['heard_contrast']:.2f}; picture motion vs energy "
            f"r = {f['motion_energy_r']:+.2f}, brightness vs energy r = {f['brightness_energy_r']:+.2f}",
        ]
        if r := video.get("rubric"):
            lines.append(
                f"- Rubric (1-5): theme fit {r['theme_fit']}, storytelling {r['storytelling']}, "
                f"continuity {r['continuity']}, technical quality {r['technical_quality']}"
                + (f"; {r['summary']}" if r.get("summary") else "")
            )
        elif video.get("note"):
            lines.append(f"- Rubric: {video['note']}")
        if video.get("rescued"):
            lines.append(
                "- Scored weak and made again once, then the video was rendered again: scene(s) "
                + ", ".join(map(str, video["rescued"]))
            )
    return [*lines, ""]


def write_report(path: str | Path, **kwargs: object) -> Path:
    return write_text_atomic(path, render_report(**kwargs))  # type: ignore[arg-type]


def _beat_warnings(analysis: Analysis, metrics: OutputMetrics) -> list[str]:
    """Doubts about the beat come first: a video cut off the beat is the worst failure."""
    out = []
    if analysis.beat_confidence < LOW_BEAT_CONFIDENCE:
        out.append(
            f"**Beat confidence is low ({analysis.beat_confidence:.2f}):** the beat grid may be "
            "wrong, so cuts were placed on strong onsets in the audio instead."
        )
    if not metrics.heard_passed:
        out.append(
            f"**Cuts may be off the beat:** the soundtrack is not louder at the cuts than half "
            f"a beat away (contrast {metrics.heard_contrast:.2f}, {metrics.heard_cuts} cuts)."
        )
    return [*out, ""] if out else []
