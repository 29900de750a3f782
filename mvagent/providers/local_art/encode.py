"""Stream raw frames into ffmpeg: upscale, encode H.264, write to a temp file, then rename.

x264 runs single-threaded with bit-exact muxing so the same frames always give the same
file bytes; the renderer and the encoder still run in parallel (two processes).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from mvagent.errors import FFmpegError
from mvagent.ffmpeg import ffmpeg_exe
from mvagent.fileio import temp_beside


def encode_args(
    *,
    src_size: tuple[int, int],
    size: tuple[int, int],
    fps: int,
    n_frames: int,
    crf: int,
    preset: str,
    out: Path,
) -> list[str]:
    """ffmpeg arguments: gbrp frames of `src_size` on stdin -> H.264 yuv420p mp4 of `size`."""
    (sw, sh), (w, h) = src_size, size
    scale = (
        f"scale={w}:{h}:flags=bicubic:out_color_matrix=bt709:out_range=tv,format=yuv420p,setsar=1"
    )
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "gbrp",
        "-video_size",
        f"{sw}x{sh}",
        "-framerate",
        str(fps),
        "-i",
        "pipe:0",
        "-vf",
        scale,
        "-frames:v",
        str(n_frames),
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-g",
        str(fps),
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-threads",
        "1",
        "-filter_threads",
        "1",
        "-map_metadata",
        "-1",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-y",
        str(out),
    ]


class _EncoderGone(Exception):
    """ffmpeg closed its input early; its exit status and log say why."""


@contextlib.contextmanager
def frame_sink(
    dest: Path,
    *,
    src_size: tuple[int, int],
    size: tuple[int, int],
    fps: int,
    n_frames: int,
    crf: int = 19,
    preset: str = "ultrafast",
) -> Iterator[Callable[[np.ndarray], None]]:
    """Yield `write(planes)` for (3, h, w) uint8 gbrp frames; on a clean exit `dest` appears whole.

    On any error the partial file is removed and `dest` is left as it was.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(dest, suffix=".mp4")
    args = encode_args(
        src_size=src_size, size=size, fps=fps, n_frames=n_frames, crf=crf, preset=preset, out=tmp
    )
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stderr=log)
        pipe = proc.stdin
        assert pipe is not None

        def write(planes: np.ndarray) -> None:
            try:
                pipe.write(memoryview(planes).cast("B"))
            except BrokenPipeError:
                raise _EncoderGone from None

        def failure() -> FFmpegError:
            log.seek(0)
            tail = " | ".join(log.read().decode(errors="replace").strip().splitlines()[-4:])
            return FFmpegError(f"ffmpeg failed while encoding a local clip: {tail or 'no log'}")

        try:
            try:
                yield write
                pipe.close()
            except (_EncoderGone, BrokenPipeError):
                proc.wait()
                raise failure() from None
            if proc.wait() != 0:
                raise failure()
            os.replace(tmp, dest)
        except BaseException:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            with contextlib.suppress(OSError):
                pipe.close()
            tmp.unlink(missing_ok=True)
            raise
