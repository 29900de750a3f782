"""Render a `Timeline` to a video in one ffmpeg invocation: one filtergraph, one encode.

    inputs   one per clip run (`-ss`/`-t`: only the footage needed, video only) + the song
    graph    conform each shot -> accent -> join with transitions -> titles -> lyrics
    output   H.264 yuv420p, AAC 256k (or the song's own AAC copied), +faststart

The file appears only when ffmpeg succeeded (temp file, then rename); `.srt` and `.ass`
lyrics are written beside it when the timeline has lyrics.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mvagent.editing.accents import make_accent
from mvagent.editing.conform import (
    Footage,
    SourceInfo,
    conform,
    plan_footage,
    probe_sources,
    share_inputs,
    shot_pads,
)
from mvagent.editing.graph import FilterGraph, quote_value, seconds
from mvagent.editing.subtitles import to_ass, to_srt
from mvagent.editing.timeline import ShotFrames, check_timeline, frame_layout, resolve
from mvagent.editing.titles import FONT_FILE, draw_card
from mvagent.editing.transitions import join_shots, make_transition
from mvagent.errors import BadInputError, FFmpegError, MvagentError, TimelineError
from mvagent.ffmpeg import MediaInfo, ffmpeg_exe, probe
from mvagent.fileio import temp_beside, write_text_atomic
from mvagent.models import Shot, Timeline

AUDIO_BITRATE_KBPS = 256
MANY_INPUTS = 8

# x264 settings per preset; benchmarks/edit.py times a bare ffmpeg command with the same.
VIDEO_PRESETS: dict[str, list[str]] = {
    "draft": ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "26"],
    "final": ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-profile:v", "high"],
}
_CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov"}


@dataclass(frozen=True)
class RenderJob:
    """Everything needed to run the render: ffmpeg arguments (without the binary) and facts."""

    args: list[str]
    graph: str
    frames: int
    fps: int
    audio_copied: bool


def build_render(
    timeline: Timeline,
    *,
    base_dir: Path,
    out: Path,
    workdir: Path,
    sources: dict[Path, SourceInfo] | None = None,
    song: MediaInfo | None = None,
) -> RenderJob:
    """Build the single ffmpeg command for `timeline`; helper files go in `workdir`.

    `sources` and `song` (probe results) are looked up when not given.
    """
    base_dir = Path(base_dir)
    layout = frame_layout(timeline)
    paths = [resolve(base_dir, shot.source) for shot in timeline.shots]
    sources = sources or probe_sources(paths)
    audio_path = resolve(base_dir, timeline.audio)
    song = song or _probe_song(audio_path)

    footage = _footage(timeline, layout, paths, sources)
    shared = share_inputs(paths, footage)
    # Every input stays open for the whole run with its decoder's frame buffers;
    # single-threaded decoders hold about a quarter less, and the encoder is the
    # bottleneck anyway, so many-input timelines use them.
    threads = 1 if len(shared) > MANY_INPUTS else 0
    inputs = [arg for item in shared for arg in item.args(decoder_threads=threads)]
    inputs += ["-i", str(audio_path)]
    audio_index = len(shared)

    graph = FilterGraph()
    pads = shot_pads(graph, shared)
    segments = [
        _shot(graph, timeline, shot, frames, pads[i], footage[i], sources[paths[i]])
        for i, (shot, frames) in enumerate(zip(timeline.shots, layout, strict=True))
    ]
    transitions = [
        make_transition(shot.transition, frames=frames.transition_frames, width=timeline.width)
        for shot, frames in zip(timeline.shots, layout, strict=True)
    ]
    video = join_shots(graph, segments, layout, transitions, fps=timeline.fps)
    video, subtitle_args = _overlays(
        graph, video, timeline, workdir, subtitle_input=audio_index + 1
    )
    if subtitle_args:
        inputs += ["-i", str(workdir / "lyrics.srt")]
    graph.chain_to(video, "null", ["[vout]"])

    graph_file = workdir / "graph.txt"
    graph_text = graph.render()
    graph_file.write_text(graph_text, encoding="utf-8")
    total = layout[-1].end
    copy_audio = song.audio_codec == "aac"
    args = [
        *inputs,
        "-/filter_complex",
        str(graph_file),
        "-map",
        "[vout]",
        "-map",
        f"{audio_index}:a:0",
        *subtitle_args,
        *_output_args(timeline, song, total=total, copy_audio=copy_audio),
        "-f",
        _container_for(out),
        str(out),
    ]
    return RenderJob(
        args=args, graph=graph_text, frames=total, fps=timeline.fps, audio_copied=copy_audio
    )


def _footage(
    timeline: Timeline,
    layout: list[ShotFrames],
    paths: list[Path],
    sources: dict[Path, SourceInfo],
) -> list[Footage]:
    footage = []
    for i, (shot, frames, path) in enumerate(zip(timeline.shots, layout, paths, strict=True)):
        try:
            footage.append(
                plan_footage(
                    source_in_s=shot.source_in,
                    head_frames=frames.head,
                    frames=frames.frames,
                    fps=timeline.fps,
                    clip_duration_s=sources[path].duration_s,
                )
            )
        except TimelineError as exc:
            raise TimelineError(f"shot {i} ({shot.source}): {exc}") from None
    return footage


def _shot(
    graph: FilterGraph,
    timeline: Timeline,
    shot: Shot,
    frames: ShotFrames,
    pad: str,
    footage: Footage,
    source: SourceInfo,
) -> str:
    """One shot's footage on the canvas, exactly `frames.frames` long, accent applied."""
    w, h, fps = timeline.width, timeline.height, timeline.fps
    pad = conform(
        graph,
        pad,
        footage=footage,
        frames=frames.frames,
        source=source,
        width=w,
        height=h,
        fps=fps,
        fit=timeline.fit,
    )
    if accent := make_accent(shot.accent, fps=fps):
        pad = accent.apply(
            graph, pad, at_frame=frames.head, total_frames=frames.frames, width=w, height=h, fps=fps
        )
    return pad


def _overlays(
    graph: FilterGraph, video: str, timeline: Timeline, workdir: Path, *, subtitle_input: int
) -> tuple[str, list[str]]:
    """Title cards, then lyrics: burned in (libass), or a soft track (extra output args)."""
    w, h = timeline.width, timeline.height
    for card, name in ((timeline.title, "title"), (timeline.end_card, "end")):
        if card is not None:
            video = draw_card(graph, video, card, width=w, height=h, workdir=workdir, name=name)
    if timeline.lyrics and timeline.subtitles == "burn":
        ass_file = workdir / "lyrics.ass"
        ass_file.write_text(to_ass(timeline.lyrics, width=w, height=h), encoding="utf-8")
        fonts = _fonts_only(workdir / "fonts")
        video = graph.chain(
            video, f"ass=filename={quote_value(str(ass_file))}:fontsdir={quote_value(str(fonts))}"
        )
    elif timeline.lyrics and timeline.subtitles == "soft":
        (workdir / "lyrics.srt").write_text(to_srt(timeline.lyrics), encoding="utf-8")
        return video, ["-map", f"{subtitle_input}:s:0", "-c:s", "mov_text"]
    return video, []


def _output_args(timeline: Timeline, song: MediaInfo, *, total: int, copy_audio: bool) -> list[str]:
    """Encoder, audio and container options."""
    args = [*VIDEO_PRESETS[timeline.preset], "-pix_fmt", "yuv420p"]
    if copy_audio:
        args += ["-c:a", "copy"]
    else:
        args += ["-c:a", "aac", "-b:a", f"{AUDIO_BITRATE_KBPS}k"]
    # The video is exactly `total` frames; a song longer than the timeline is cut there.
    if song.duration_s > (total + 1) / timeline.fps:
        args += ["-t", seconds(total / timeline.fps)]
    # Clip metadata may carry prompts or provider ids: none of it goes into the video.
    args += ["-map_metadata", "-1", "-map_chapters", "-1"]
    if timeline.title is not None:
        args += ["-metadata", f"title={timeline.title.text}"]
        if timeline.title.subtitle:
            args += ["-metadata", f"artist={timeline.title.subtitle}"]
    return [*args, "-movflags", "+faststart"]


def render_timeline(
    timeline: Timeline,
    *,
    base_dir: Path,
    out: Path,
    on_progress: Callable[[float], None] | None = None,
) -> Path:
    """Render `timeline` to `out` (.mp4 or .mov) in one ffmpeg run; return `out`.

    Source and audio paths are read relative to `base_dir` (the timeline file's folder).
    `on_progress` receives the fraction done (0..1) as ffmpeg encodes. Raises
    `TimelineError` for a bad timeline and `FFmpegError` if ffmpeg fails; in both cases
    nothing is left at `out` that was not there before.
    """
    base_dir, out = Path(base_dir), Path(out)
    check_timeline(timeline, base_dir=base_dir)
    _container_for(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = temp_beside(out, suffix=f".rendering{out.suffix}")
    with tempfile.TemporaryDirectory(prefix="mvagent-render-") as work:
        job = build_render(timeline, base_dir=base_dir, out=tmp_out, workdir=Path(work))
        try:
            _run(job, log=Path(work) / "ffmpeg.log", on_progress=on_progress)
            os.replace(tmp_out, out)
        finally:
            tmp_out.unlink(missing_ok=True)
    if timeline.lyrics:
        w, h = timeline.width, timeline.height
        write_text_atomic(out.with_suffix(".srt"), to_srt(timeline.lyrics))
        write_text_atomic(out.with_suffix(".ass"), to_ass(timeline.lyrics, width=w, height=h))
    if on_progress:
        on_progress(1.0)
    return out


def _run(job: RenderJob, *, log: Path, on_progress: Callable[[float], None] | None) -> None:
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-y",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        *job.args,
    ]
    total_us = max(1.0, job.frames / job.fps * 1e6)
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                if on_progress and line.startswith("out_time_us=") and line[12:].strip().isdigit():
                    on_progress(min(0.999, int(line[12:]) / total_us))
        except BaseException:
            # A failing callback or Ctrl-C: stop ffmpeg rather than leave it encoding.
            proc.kill()
            proc.wait()
            raise
        code = proc.wait()
    if code != 0:
        raise FFmpegError(f"ffmpeg failed while rendering: {_cause(log) or f'exit status {code}'}")


_ECHOES = ("Task finished", "Terminating thread", "Nothing was written", "Could not open encoder")


def _cause(log: Path) -> str:
    """The first lines of ffmpeg's log that say what went wrong, not how it shut down."""
    lines = [ln.strip() for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    causes = [ln for ln in lines if not any(echo in ln for echo in _ECHOES)]
    return " | ".join((causes or lines)[:2])


def _fonts_only(folder: Path) -> Path:
    """A folder holding just the shipped font (libass tries to load every file it finds)."""
    folder.mkdir(exist_ok=True)
    link = folder / FONT_FILE.name
    try:
        link.symlink_to(FONT_FILE)
    except OSError:  # no symlinks (some Windows setups): a 700 kB copy
        shutil.copyfile(FONT_FILE, link)
    return folder


def _probe_song(path: Path) -> MediaInfo:
    try:
        info = probe(path)
    except MvagentError:
        raise TimelineError(
            f"audio {path.name} is not readable audio; point 'audio' at the song"
        ) from None
    if not info.has_audio:
        raise TimelineError(f"audio {path.name} has no audio stream; point 'audio' at the song")
    return info


def _container_for(out: Path) -> str:
    try:
        return _CONTAINERS[out.suffix.lower()]
    except KeyError:
        raise BadInputError(f"cannot write {out.name}: use a .mp4 or .mov output") from None


__all__ = ["VIDEO_PRESETS", "RenderJob", "build_render", "render_timeline"]
