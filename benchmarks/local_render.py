"""How fast the `local` provider renders, against the obvious alternatives, in one run.

    .venv/bin/python benchmarks/local_render.py [--seconds 8] [--size 1280x720] [--fps 24]

For every motif it renders a clip with beats and reports seconds of video per wall
second and per CPU second (this process plus ffmpeg). The same clips are then drawn
at full resolution in numpy (`downscale=1`, the obvious way to write it), and an ffmpeg
`testsrc2` clip is encoded with the same x264 settings as a floor: no drawing at all.
Last, a whole song's worth of scenes is rendered two at a time, as the flow does, and
its wall time is compared with the song's length.

Budget (from the project brief): at 1280x720@24 the renderer must make at least 4 s of
video per CPU second, encode included, so a whole demo finishes within the song's length
on 2 cores.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mvagent.ffmpeg import count_frames, ffmpeg_exe
from mvagent.models import ClipRequest
from mvagent.providers.local import LOCAL_MOTIFS, LocalProvider

BUDGET_VIDEO_S_PER_CPU_S = 4.0


def _cpu_s(who: int) -> float:
    use = resource.getrusage(who)
    return use.ru_utime + use.ru_stime


def _measure(work) -> tuple[float, float, float]:
    """(wall s, CPU s of this process, CPU s of finished child processes) spent in `work()`."""
    own0, kids0 = _cpu_s(resource.RUSAGE_SELF), _cpu_s(resource.RUSAGE_CHILDREN)
    wall0 = time.perf_counter()
    work()
    wall = time.perf_counter() - wall0
    return wall, _cpu_s(resource.RUSAGE_SELF) - own0, _cpu_s(resource.RUSAGE_CHILDREN) - kids0


def _request(motif: str, *, seconds: float, width: int, height: int, fps: int) -> ClipRequest:
    beats = [0.1 + 0.469 * i for i in range(int(seconds / 0.469) + 1)]
    return ClipRequest(
        scene_index=0,
        prompt="neon city at night, rain on glass",
        duration_s=seconds,
        width=width,
        height=height,
        fps=fps,
        seed=7,
        motif=motif,
        camera="push_in",
        energy=0.7,
        beat_times_s=beats,
        downbeat_times_s=beats[::4],
        beat_energy=[0.5 + 0.4 * ((i // 8) % 2) for i in range(len(beats))],
    )


def _testsrc(out: Path, *, seconds: float, width: int, height: int, fps: int) -> None:
    subprocess.run(
        [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r={fps}:d={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "19", "-g", str(fps),
            "-pix_fmt", "yuv420p", "-threads", "1", "-an", "-y", str(out),
        ],
        check=True,
    )  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="clip length per motif")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=int, default=24)
    ap.add_argument("--song-seconds", type=float, default=75.0, help="length of the whole-song run")
    ap.add_argument(
        "--full-res-motifs", type=int, default=3, help="how many motifs to also draw at full size"
    )
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    fast, full = LocalProvider(), LocalProvider(downscale=1.0)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        print(f"{args.seconds:g} s clips at {width}x{height}@{args.fps}, 2 cores shared\n")
        print(
            f"{'motif':14s} {'wall s':>7s} {'cpu s':>7s} {'(numpy':>7s} {'ffmpeg)':>7s}"
            f" {'video/wall':>10s} {'video/cpu':>9s}"
        )
        rows: dict[str, tuple[float, float]] = {}
        for motif in LOCAL_MOTIFS:
            req = _request(motif, seconds=args.seconds, width=width, height=height, fps=args.fps)
            dest = out / f"{motif}.mp4"
            wall, own, kids = _measure(lambda req=req, dest=dest: fast.generate(req, dest=dest))
            cpu = own + kids
            rows[motif] = (wall, cpu)
            print(
                f"{motif:14s} {wall:7.2f} {cpu:7.2f} {own:7.2f} {kids:7.2f}"
                f" {args.seconds / wall:10.2f} {args.seconds / cpu:9.2f}"
            )
            assert count_frames(dest) == round(args.seconds * args.fps)
        total_wall = sum(w for w, _ in rows.values())
        total_cpu = sum(c for _, c in rows.values())
        video = args.seconds * len(rows)
        worst = min(args.seconds / c for _, c in rows.values())
        print(
            f"{'all motifs':14s} {total_wall:7.2f} {total_cpu:7.2f} {'':7s} {'':7s}"
            f" {video / total_wall:10.2f} {video / total_cpu:9.2f}"
        )

        print("\nalternative 1: the same frames drawn at full resolution in numpy (downscale=1)")
        chosen = list(LOCAL_MOTIFS[: args.full_res_motifs])
        fast_cpu = full_cpu = 0.0
        for motif in chosen:
            req = _request(motif, seconds=args.seconds, width=width, height=height, fps=args.fps)
            dest = out / f"{motif}-full.mp4"
            wall, own, kids = _measure(lambda req=req, dest=dest: full.generate(req, dest=dest))
            cpu = own + kids
            fast_cpu, full_cpu = fast_cpu + rows[motif][1], full_cpu + cpu
            print(
                f"{motif:14s} {wall:7.2f} {cpu:7.2f} {own:7.2f} {kids:7.2f}"
                f" {args.seconds / wall:10.2f} {args.seconds / cpu:9.2f}"
            )
        print(
            f"ratio (full-res cpu / local cpu) on {', '.join(chosen)}: {full_cpu / fast_cpu:.2f}x"
        )

        print("\nalternative 2: ffmpeg testsrc2 encoded with the same x264 settings (no drawing)")
        wall, own, kids = _measure(
            lambda: _testsrc(
                out / "t.mp4", seconds=args.seconds, width=width, height=height, fps=args.fps
            )
        )
        cpu = own + kids
        print(
            f"{'testsrc2':14s} {wall:7.2f} {cpu:7.2f} {own:7.2f} {kids:7.2f}"
            f" {args.seconds / wall:10.2f} {args.seconds / cpu:9.2f}"
        )
        per_clip_cpu = total_cpu / len(rows)
        print(f"ratio (local cpu / testsrc2 encode cpu): {per_clip_cpu / cpu:.2f}x")

        print(
            f"\na {args.song_seconds:g} s song as 10 scenes, rendered 2 at a time (as the flow does)"
        )
        scene_s = args.song_seconds / 10
        scenes = [
            _request(
                LOCAL_MOTIFS[k % len(LOCAL_MOTIFS)],
                seconds=scene_s,
                width=width,
                height=height,
                fps=args.fps,
            )
            for k in range(10)
        ]
        with ThreadPoolExecutor(2) as pool:
            wall, own, kids = _measure(
                lambda: list(
                    pool.map(lambda k: fast.generate(scenes[k], dest=out / f"s{k}.mp4"), range(10))
                )
            )
        print(
            f"wall {wall:.1f} s for {args.song_seconds:g} s of song "
            f"({args.song_seconds / wall:.1f}x faster than real time), cpu {own + kids:.1f} s"
        )

    verdict = "MET" if video / total_cpu >= BUDGET_VIDEO_S_PER_CPU_S else "NOT MET"
    print(
        f"\nbudget >= {BUDGET_VIDEO_S_PER_CPU_S:g} video-s per CPU-s: {verdict} "
        f"(mean {video / total_cpu:.2f}, slowest motif {worst:.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
