"""The built-in `local` provider: procedural clips, no network, no key, no cost.

Each scene becomes an animated motif (waves, tunnel, starfield, ...) in the scene's
palette, moved by a camera, pulsing on the beats it is given and speeding up with the
music's energy. Frames are drawn with numpy at a reduced internal resolution and
streamed to ffmpeg, which upscales them and encodes H.264; the same request always
gives the same bytes. It doubles as a storyboard animatic before paying a remote model.

The drawing itself lives in `mvagent.providers.local_art`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mvagent.errors import BadInputError
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.local_art.camera import (
    LOCAL_CAMERAS,
    camera_from_words,
    camera_path,
    resolve_camera,
)
from mvagent.providers.local_art.canvas import Canvas
from mvagent.providers.local_art.cues import build_cues, frame_count
from mvagent.providers.local_art.encode import frame_sink
from mvagent.providers.local_art.motifs import (
    LOCAL_MOTIFS,
    Backdrop,
    make_motif,
    motif_from_words,
    resolve_motif,
)
from mvagent.providers.local_art.palette import build_palette
from mvagent.providers.local_art.vocab import stable_hash

# Short side of the internal drawing: the speed budget at 1280x720 (see benchmarks/local_render.py).
DRAW_SHORT_SIDE_PX = 240

__all__ = [
    "LOCAL_CAMERAS",
    "LOCAL_MOTIFS",
    "LocalProvider",
    "camera_from_words",
    "drawing_size",
    "motif_from_words",
    "render_clip",
    "resolve_camera",
    "resolve_motif",
]


@register("local")
class LocalProvider(VideoProvider):
    """Procedural renderer.

    `downscale`: how much smaller than the output the frames are drawn before ffmpeg
    upscales them. None (default) draws the short side at about 240 pixels and never
    less than half size: 1280x720 is drawn at 427x240, 1920x1080 at 427x240, 480x480 at
    240x240. 1 draws every pixel: several times slower and only slightly sharper.
    `crf`/`preset`: x264 quality and speed.
    """

    def __init__(
        self,
        *,
        model: str = "procedural-v1",
        downscale: float | None = None,
        crf: int = 19,
        preset: str = "ultrafast",
    ) -> None:
        if downscale is not None and downscale < 1.0:
            raise BadInputError(f"local provider: downscale must be >= 1, got {downscale}")
        self.model = model
        self.downscale = downscale
        self.crf = crf
        self.preset = preset

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(
            durations_s=None,
            sizes=None,
            image_reference=False,
            price_per_second_usd=0.0,
            extra={"motifs": LOCAL_MOTIFS, "cameras": LOCAL_CAMERAS},
        )

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        return render_clip(
            request, dest=Path(dest), downscale=self.downscale, crf=self.crf, preset=self.preset
        )


def render_clip(
    request: ClipRequest,
    *,
    dest: Path,
    downscale: float | None = None,
    crf: int = 19,
    preset: str = "ultrafast",
) -> Path:
    """Draw `request` and write it to `dest` (.mp4, exactly round(duration_s * fps) frames)."""
    _check(request)
    n_frames = frame_count(duration_s=request.duration_s, fps=request.fps)
    inner = drawing_size(request.width, request.height, downscale=downscale)
    seed = stable_hash(request.seed, request.prompt)
    palette = build_palette(request.palette, prompt=request.prompt, seed=request.seed)
    cues = build_cues(request, n_frames=n_frames)
    camera = camera_path(request.camera, cues, seed=seed)
    motif = make_motif(request.motif, seed=seed)
    backdrop = Backdrop.random(np.random.default_rng(stable_hash("backdrop", seed)))
    canvas = Canvas(width=inner[0], height=inner[1], palette=palette)
    hue0 = (seed % 1000) / 1000
    pulse = cues.pulse

    with frame_sink(
        dest,
        src_size=inner,
        size=(request.width, request.height),
        fps=request.fps,
        n_frames=n_frames,
        crf=crf,
        preset=preset,
    ) as write:
        for i in range(n_frames):
            t, phase = float(cues.time_s[i]), float(cues.phase[i])
            frame = canvas.frame(
                camera,
                i,
                time_s=t,
                phase=phase,
                pulse=float(pulse[i]),
                energy=float(cues.energy[i]),
                # The palette drifts slowly, so a clip never returns to its first frame.
                hue=hue0 + 0.012 * t + 0.01 * phase,
                accents=cues.recent_accents(i),
            )
            backdrop.paint(canvas, frame)
            motif.draw(canvas, frame)
            backdrop.overlay(canvas, frame)
            write(canvas.develop(exposure=_exposure(float(pulse[i]), float(cues.energy[i]))))
    return dest


def drawing_size(width: int, height: int, *, downscale: float | None = None) -> tuple[int, int]:
    """Internal (width, height) in pixels that frames are drawn at (see `LocalProvider`)."""
    if downscale is None:
        downscale = max(2.0, min(width, height) / DRAW_SHORT_SIDE_PX)
    return max(16, round(width / downscale)), max(16, round(height / downscale))


def _exposure(pulse: float, energy: float) -> float:
    """Brighter with energy, and a flash of light on every accent (the visible beat)."""
    return 1.2 * (0.75 + 0.5 * energy) * (1.0 + 0.55 * pulse)


def _check(request: ClipRequest) -> None:
    """Refuse requests ffmpeg would choke on, with a message that says how to fix them."""
    if not request.duration_s > 0:
        raise BadInputError(f"local provider: duration_s must be > 0, got {request.duration_s}")
    if request.width < 16 or request.height < 16 or request.width % 2 or request.height % 2:
        raise BadInputError(
            f"local provider: size {request.width}x{request.height} is not allowed; "
            "H.264 yuv420p needs even width and height of at least 16"
        )
    if not 1 <= request.fps <= 120:
        raise BadInputError(f"local provider: fps must be between 1 and 120, got {request.fps}")
