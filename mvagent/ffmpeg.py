"""The one ffmpeg we use (imageio-ffmpeg's static build) and a small probe on top of it.

imageio-ffmpeg ships ffmpeg but no ffprobe, so `probe` reads `ffmpeg -i`'s stream lines
and `count_frames` decodes to the null muxer for exact numbers.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mvagent.errors import FFmpegError


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], *, what: str, timeout_s: float | None = None) -> str:
    """Run ffmpeg with `args` (without the binary); return stderr; raise FFmpegError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0:
        tail = " | ".join(line.strip() for line in proc.stderr.strip().splitlines()[-4:])
        raise FFmpegError(f"ffmpeg failed while {what}: {tail}")
    return proc.stderr


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float
    video_codec: str | None = None
    pix_fmt: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    audio_codec: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    audio_bitrate_kbps: int | None = None
    subtitle_codecs: tuple[str, ...] = ()

    @property
    def has_video(self) -> bool:
        return self.video_codec is not None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\S+?(?:\[\w+\])?(?:\(\w+\))?: Video: (\w+)[^,]*?(?:, (\w+)\()?")
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})[ ,]")
_FPS = re.compile(r", (\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\S+?(?:\[\w+\])?(?:\(\w+\))?: Audio: (\w+)")
_RATE = re.compile(r", (\d+) Hz, ([\w.]+)")
_ABR = re.compile(r", (\d+) kb/s")
_SUB = re.compile(r"Stream #\S+?(?:\[\w+\])?(?:\(\w+\))?: Subtitle: (\w+)")
_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}


def probe(path: str | Path) -> MediaInfo:
    """Read container and stream facts of a media file."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
    )
    text = proc.stderr
    m = _DURATION.search(text)
    if not m:
        raise FFmpegError(f"ffmpeg cannot read {path}: not a media file or corrupt")
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    info: dict = {"duration_s": duration}
    subs: list[str] = []
    for line in text.splitlines():
        if (v := _VIDEO.search(line)) and "video_codec" not in info:
            info["video_codec"] = v[1]
            pf = re.search(r"Video: \w+[^,]*, (\w+)", line)
            info["pix_fmt"] = pf[1] if pf else None
            if s := _SIZE.search(line):
                info["width"], info["height"] = int(s[1]), int(s[2])
            if f := _FPS.search(line):
                info["fps"] = float(f[1])
        elif (a := _AUDIO.search(line)) and "audio_codec" not in info:
            info["audio_codec"] = a[1]
            if r := _RATE.search(line):
                info["sample_rate"] = int(r[1])
                layout = r[2]
                info["channels"] = _CHANNELS.get(
                    layout, int(layout.split()[0]) if layout[:1].isdigit() else None
                )
            if b := _ABR.search(line):
                info["audio_bitrate_kbps"] = int(b[1])
        elif s2 := _SUB.search(line):
            subs.append(s2[1])
    info["subtitle_codecs"] = tuple(subs)
    return MediaInfo(**info)


def count_frames(path: str | Path) -> int:
    """Exact number of decoded video frames."""
    err = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-f", "null", "-"], what="counting frames")
    found = re.findall(r"frame=\s*(\d+)", err)
    return int(found[-1]) if found else 0


def is_faststart(path: str | Path) -> bool:
    """True when the MP4 `moov` atom comes before `mdat` (playable while downloading)."""
    with open(path, "rb") as fh:
        pos = 0
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8]
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
            elif size == 0:
                return False
            pos += size
            fh.seek(pos)
