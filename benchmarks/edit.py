"""Editing speed: our one-pass renderer vs a bare ffmpeg xfade command vs moviepy.

A 3-minute 1280x720 24 fps timeline of 30 clips joined by 0.5 s crossfades, with the song.
Three routes encode the same picture with the same x264 settings (the `final` preset):

  ours      mvagent.editing.render_timeline (probe, conform graph, one ffmpeg run)
  ours+     the same with an opening title, an end card and burned-in karaoke lyrics
  bare      one hand-written ffmpeg command: 30 inputs, an xfade chain, the song
  moviepy   VideoFileClip + CrossFadeIn + concatenate_videoclips(padding=-0.5) + write

Each route runs in its own worker process, timed around the work only, so its peak
memory (ffmpeg child and Python) is its own. Routes alternate per repetition so a busy
machine slows them alike; the best of the repetitions is reported, with the CPU seconds
of the route's processes, ffmpeg and Python (steadier than wall time when other jobs
share the machine).

    .venv/bin/python benchmarks/edit.py                 # full run (~10 min on 2 cores)
    .venv/bin/python benchmarks/edit.py --seconds 30 --reps 1 --skip-moviepy   # quick look
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from mvagent.editing import render_timeline, save_timeline
from mvagent.editing.render import AUDIO_BITRATE_KBPS, VIDEO_PRESETS
from mvagent.ffmpeg import count_frames, ffmpeg_exe, probe
from mvagent.models import LyricLine, Shot, Timeline, TitleCard, WordTiming

WIDTH, HEIGHT, FPS = 1280, 720, 24
CLIPS = 30
XFADE_S = 0.5


# --------------------------------------------------------------------------- material


def make_material(work: Path, *, seconds: float, grain: int) -> dict:
    """Song (stereo wav) and one clip per shot, each exactly as long as its segment."""
    work.mkdir(parents=True, exist_ok=True)
    shot_s = seconds / CLIPS
    spec = {"seconds": seconds, "shot_s": shot_s, "clips": []}
    song = work / "song.wav"
    if not song.exists():
        rng = np.random.default_rng(7)
        sr = 44100
        t = np.arange(int(sr * seconds)) / sr
        chord = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 220.0, 277.2, 329.6)) / 6
        beat = (np.mod(t, 0.5) < 0.03) * rng.normal(0, 0.3, t.size)
        left = (chord + beat).astype(np.float32)
        right = (0.8 * chord + beat + rng.normal(0, 0.01, t.size)).astype(np.float32)
        sf.write(song, np.stack([left, right], axis=1), sr)
    spec["song"] = str(song)
    half = XFADE_S / 2
    for k in range(CLIPS):
        head = 0.0 if k == 0 else half
        tail = 0.0 if k == CLIPS - 1 else half
        length = shot_s + head + tail
        path = work / f"clip{k:02d}.mp4"
        if not path.exists():
            # testsrc2 (moving detail), optionally with temporal grain, which makes x264 work
            # harder and so hides overhead: the default is no grain, the harder case for us.
            subprocess.run(
                [
                    ffmpeg_exe(),
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}:d={length:.6f},hue=h={k * 12}"
                    + (f",noise=alls={grain}:allf=t" if grain else ""),
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-crf",
                    "20",
                    "-pix_fmt",
                    "yuv420p",
                    str(path),
                ],
                check=True,
            )
        spec["clips"].append({"path": str(path), "head": head, "length": length})
    return spec


def make_timeline(spec: dict, *, extras: bool) -> Timeline:
    shot_s = spec["shot_s"]
    shots = [
        Shot(
            start=round(k * shot_s, 6),
            end=round((k + 1) * shot_s, 6),
            source=clip["path"],
            source_in=clip["head"],
            transition="cut" if k == 0 else "crossfade",
            transition_duration=0.0 if k == 0 else XFADE_S,
        )
        for k, clip in enumerate(spec["clips"])
    ]
    timeline = Timeline(
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
        audio=spec["song"],
        shots=shots,
        duration=spec["seconds"],
        subtitles="burn" if extras else "none",
    )
    if extras:
        timeline.title = TitleCard(text="Benchmark Song", subtitle="The Renderers", end=4.0)
        timeline.end_card = TitleCard(
            text="Benchmark Song", start=spec["seconds"] - 4, end=spec["seconds"]
        )
        lines = []
        for i, start in enumerate(np.arange(8.0, spec["seconds"] - 6, 4.0)):
            words = [
                WordTiming(word=w, start=start + j * 0.5, end=start + j * 0.5 + 0.4)
                for j, w in enumerate(f"line {i} of the benchmark lyrics".split())
            ]
            lines.append(
                LyricLine(
                    text=" ".join(w.word for w in words), start=start, end=start + 3.5, words=words
                )
            )
        timeline.lyrics = lines
    return timeline


def bare_command(spec: dict, out: Path) -> list[str]:
    """The obvious hand-written command: every clip, an xfade chain, the song, one encode."""
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    for clip in spec["clips"]:
        args += ["-i", clip["path"]]
    args += ["-i", spec["song"]]
    chains = []
    prev = "[0:v]"
    for k in range(1, CLIPS):
        offset = k * spec["shot_s"] - XFADE_S / 2
        out_pad = f"[x{k}]"
        chains.append(
            f"{prev}[{k}:v]xfade=transition=fade:duration={XFADE_S}:offset={offset:.6f}{out_pad}"
        )
        prev = out_pad
    args += ["-filter_complex", ";".join(chains), "-map", prev, "-map", f"{CLIPS}:a:0"]
    args += [*VIDEO_PRESETS["final"], "-pix_fmt", "yuv420p"]
    args += ["-c:a", "aac", "-b:a", f"{AUDIO_BITRATE_KBPS}k", "-movflags", "+faststart", str(out)]
    return args


# --------------------------------------------------------------------------- workers


def run_worker(route: str, spec: dict, out: Path) -> dict:
    """Do one route in this process; return wall time, CPU time and peak memory."""
    me0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if route in ("ours", "ours+"):
        timeline = make_timeline(spec, extras=route == "ours+")
        render_timeline(timeline, base_dir=out.parent, out=out)
    elif route == "bare":
        subprocess.run(bare_command(spec, out), check=True)
    elif route == "moviepy":
        from moviepy import AudioFileClip, VideoFileClip, concatenate_videoclips, vfx

        clips = [VideoFileClip(c["path"], audio=False) for c in spec["clips"]]
        clips = [
            c if i == 0 else c.with_effects([vfx.CrossFadeIn(XFADE_S)]) for i, c in enumerate(clips)
        ]
        video = concatenate_videoclips(clips, method="compose", padding=-XFADE_S)
        video = video.with_audio(AudioFileClip(spec["song"]))
        video.write_videofile(
            str(out),
            fps=FPS,
            codec="libx264",
            preset="veryfast",
            ffmpeg_params=["-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
            audio_codec="aac",
            audio_bitrate=f"{AUDIO_BITRATE_KBPS}k",
            logger=None,
        )
    else:
        raise SystemExit(f"unknown route {route}")
    wall = time.perf_counter() - t0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    me = resource.getrusage(resource.RUSAGE_SELF)
    python_cpu = me.ru_utime + me.ru_stime - me0.ru_utime - me0.ru_stime
    return {
        "route": route,
        "wall_s": round(wall, 2),
        "cpu_s": round(kids.ru_utime + kids.ru_stime + python_cpu, 2),
        "peak_child_mb": round(kids.ru_maxrss / 1024),
        "peak_python_mb": round(me.ru_maxrss / 1024),
    }


def spawn(route: str, spec_file: Path, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", route, "--spec", str(spec_file), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    if proc.returncode:
        raise SystemExit(f"{route} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--grain", type=int, default=0, help="noise strength in the clips (0-20)")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "mvagent-bench-edit"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    work = args.workdir / f"{int(args.seconds)}s-grain{args.grain}"
    spec_file = work / "spec.json"
    if args.worker == "material":
        spec_file.write_text(
            json.dumps(make_material(work, seconds=args.seconds, grain=args.grain))
        )
        return
    if args.worker:
        print(json.dumps(run_worker(args.worker, json.loads(args.spec.read_text()), args.out)))
        return

    # Made in a child process: Linux keeps a parent's peak RSS in its children's figures.
    print(f"material in {work} ...", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, __file__, "--worker", "material", "--seconds", str(args.seconds)]
        + ["--grain", str(args.grain), "--workdir", str(args.workdir)],
        check=True,
    )
    spec = json.loads(spec_file.read_text())
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    save_timeline(make_timeline(spec, extras=False), work / "timeline.json")

    routes = ["ours", "bare", "ours+"]
    results: dict[str, list[dict]] = {r: [] for r in routes}
    for rep in range(args.reps):
        order = routes if rep % 2 == 0 else routes[::-1]
        for route in order:
            res = spawn(route, spec_file, work / f"out-{route}.mp4")
            results[route].append(res)
            print(f"  rep {rep + 1} {route:8s} {res}", flush=True)
    if not args.skip_moviepy:
        res = spawn("moviepy", spec_file, work / "out-moviepy.mp4")
        results["moviepy"] = [res]
        print(f"  rep 1 moviepy  {res}", flush=True)

    expect = round(args.seconds * FPS)
    for route in results:
        out = work / f"out-{route}.mp4"
        info = probe(out)
        frames = count_frames(out)
        print(
            f"{route:8s} {frames} frames (want {expect}), {info.duration_s:.3f} s, {info.video_codec}/{info.pix_fmt}"
        )

    best = {r: min(results[r], key=lambda x: x["wall_s"]) for r in results}
    base, base_cpu = best["bare"]["wall_s"], best["bare"]["cpu_s"]
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\nroute     wall s  x bare   cpu s  x bare   peak ffmpeg MB  peak python MB")
    for route, res in best.items():
        print(
            f"{route:8s} {res['wall_s']:7.1f}  {res['wall_s'] / base:5.2f}x  {res['cpu_s']:6.1f}"
            f"  {res['cpu_s'] / base_cpu:5.2f}x  {res['peak_child_mb']:14d}"
            f"  {res['peak_python_mb']:14d}"
        )
    peak = max(
        max(r["peak_child_mb"], r["peak_python_mb"]) for r in results["ours"] + results["ours+"]
    )
    print(
        f"\ntarget: ours <= 1.2x bare -> {best['ours']['wall_s'] / base:.2f}x wall, "
        f"{best['ours']['cpu_s'] / base_cpu:.2f}x cpu; memory < 2048 MB -> {peak} MB"
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
