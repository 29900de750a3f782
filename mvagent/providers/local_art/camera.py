"""Camera moves as per-frame zoom, roll and offset, and the maps between screen and world.

World units: the shorter side of the frame spans -1..1 at zoom 1, y points down.
Moves are paced by the music's phase (they hurry when the music is intense) but their
total travel is capped, so a long clip does not drift off its subject.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mvagent.providers.local_art.cues import Cues
from mvagent.providers.local_art.vocab import first_named, resolve, stable_hash

LOCAL_CAMERAS: tuple[str, ...] = (
    "static",
    "push_in",
    "pull_out",
    "pan_left",
    "pan_right",
    "tilt_up",
    "tilt_down",
    "orbit",
    "shake",
)

_ALIASES = {
    "still": "static",
    "locked": "static",
    "zoom_in": "push_in",
    "dolly_in": "push_in",
    "zoom_out": "pull_out",
    "dolly_out": "pull_out",
    "pan": "pan_right",
    "truck_left": "pan_left",
    "truck_right": "pan_right",
    "crane_up": "tilt_up",
    "crane_down": "tilt_down",
    "rotate": "orbit",
    "spin": "orbit",
    "roll": "orbit",
    "handheld": "shake",
    "shaky": "shake",
}


def resolve_camera(name: str) -> str:
    """A name from `LOCAL_CAMERAS`: exact, a common synonym, or a stable pick by hash."""
    return resolve(name, LOCAL_CAMERAS, _ALIASES, kind="camera")


def camera_from_words(text: str, *, energy: float = 0.5) -> str:
    """The first camera move a description names (e.g. "slow zoom in"), else one for the energy.

    For planners: calm scenes get a slow push in, busy ones an orbit, the loudest a shake.
    """
    named = first_named(text, LOCAL_CAMERAS, _ALIASES)
    if named:
        return named
    return "push_in" if energy < 0.45 else "orbit" if energy < 0.85 else "shake"


@dataclass(frozen=True)
class CameraPath:
    """Per-frame camera state (arrays of the clip's frame count)."""

    zoom: np.ndarray  # > 1 magnifies
    angle: np.ndarray  # roll, radians
    offset_x: np.ndarray  # world point at the frame centre
    offset_y: np.ndarray

    def rolls(self) -> bool:
        return bool(np.any(self.angle != 0))


def camera_path(name: str, cues: Cues, *, seed: int) -> CameraPath:
    """Zoom/roll/offset for every frame of a `name` move (see `LOCAL_CAMERAS`)."""
    move = resolve_camera(name)
    rng = np.random.default_rng(stable_hash("camera", move, seed))
    n = len(cues.time_s)
    t = cues.time_s
    span = float(cues.phase[-1]) if n > 1 else 0.0
    progress = cues.phase / span if span > 0 else np.zeros(n, dtype=np.float32)
    # How far a move travels: more with energetic music, never more than a comfortable range.
    travel = min(1.0, 0.12 * span) * (0.6 + 0.6 * float(cues.energy.mean()))

    zoom = np.ones(n, dtype=np.float32)
    angle = np.zeros(n, dtype=np.float32)
    ox = np.zeros(n, dtype=np.float32)
    oy = np.zeros(n, dtype=np.float32)
    phases = rng.uniform(0, 2 * np.pi, size=6)

    if move == "static":
        # A locked-off camera still breathes a little, so the frame never looks frozen.
        zoom = 1.03 + 0.02 * np.sin(0.5 * t + phases[0])
    elif move in ("push_in", "pull_out"):
        direction = 1.0 if move == "push_in" else -1.0
        zoom = np.exp(direction * 0.55 * travel * (progress - 0.5)) * 1.1
    elif move in ("pan_left", "pan_right"):
        ox = (-1.0 if move == "pan_left" else 1.0) * 0.6 * travel * (progress - 0.5)
        zoom = np.full(n, 1.08)
    elif move in ("tilt_up", "tilt_down"):
        oy = (-1.0 if move == "tilt_up" else 1.0) * 0.5 * travel * (progress - 0.5)
        zoom = np.full(n, 1.08)
    elif move == "orbit":
        angle = 0.18 * cues.phase + phases[0]
        zoom = 1.12 + 0.05 * np.sin(0.31 * t + phases[1])
    elif move == "shake":
        amp = 0.012 + 0.02 * cues.energy
        ox = amp * (np.sin(3.1 * t + phases[0]) + 0.6 * np.sin(7.7 * t + phases[1]))
        oy = amp * (np.sin(2.3 * t + phases[2]) + 0.6 * np.sin(9.1 * t + phases[3]))
        # Beats knock the camera: a fast jolt in a direction that changes every frame.
        pulse = cues.pulse
        ox = ox + 0.03 * pulse * np.sin(41.0 * t + phases[4])
        oy = oy + 0.03 * pulse * np.cos(37.0 * t + phases[5])
        zoom = np.full(n, 1.1)

    # Every move punches in a little on bar starts.
    zoom = zoom * (1.0 + 0.04 * cues.downbeat)
    return CameraPath(
        zoom=np.asarray(zoom, dtype=np.float32),
        angle=np.asarray(angle, dtype=np.float32),
        offset_x=np.asarray(ox, dtype=np.float32),
        offset_y=np.asarray(oy, dtype=np.float32),
    )
