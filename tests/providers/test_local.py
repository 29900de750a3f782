"""The `local` provider: real files read back with ffmpeg, measured pulses, colours and motion."""

from __future__ import annotations

import colorsys
import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mvagent.errors import BadInputError, FFmpegError, MvagentError
from mvagent.ffmpeg import count_frames, ffmpeg_exe, probe
from mvagent.models import ClipRequest
from mvagent.providers import get_provider, provider_names
from mvagent.providers.local import (
    LOCAL_CAMERAS,
    LOCAL_MOTIFS,
    LocalProvider,
    camera_from_words,
    drawing_size,
    motif_from_words,
    resolve_camera,
    resolve_motif,
)
from mvagent.providers.local_art import canvas as canvas_module
from mvagent.providers.local_art import encode
from mvagent.providers.local_art.camera import camera_path
from mvagent.providers.local_art.cues import build_cues
from mvagent.providers.local_art.palette import build_palette, parse_hex, prompt_colours

# Small clips keep the suite fast; the drawing code is the same at every size.
W, H, FPS = 320, 180, 24


def _request(**kw: object) -> ClipRequest:
    base: dict = dict(
        scene_index=0,
        prompt="neon city at night",
        duration_s=2.0,
        width=W,
        height=H,
        fps=FPS,
        seed=1,
        motif="waves",
        camera="static",
        energy=0.6,
    )
    base.update(kw)
    return ClipRequest(**base)


def _beats(period_s: float, duration_s: float, *, start_s: float = 0.25) -> list[float]:
    return [
        round(start_s + i * period_s, 4) for i in range(int((duration_s - start_s) / period_s) + 1)
    ]


def _render(tmp_path: Path, name: str, **kw: object) -> Path:
    return LocalProvider().generate(_request(**kw), dest=tmp_path / f"{name}.mp4")


def _frames(path: Path, *, size: tuple[int, int] = (64, 36)) -> np.ndarray:
    """Decode every frame to small rgb24: (n, h, w, 3) float32 in 0..1."""
    w, h = size
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"scale={w}:{h}:flags=area",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, h, w, 3).astype(np.float32) / 255


def _luma(frames: np.ndarray) -> np.ndarray:
    return (frames @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)).mean(axis=(1, 2))


def _motion(frames: np.ndarray) -> float:
    return float(np.abs(np.diff(frames, axis=0)).mean())


# ----------------------------------------------------------------------------- contract


def test_registered_free_and_unconstrained() -> None:
    assert "local" in provider_names()
    provider = get_provider("local", model="procedural-v1", downscale=2)
    assert isinstance(provider, LocalProvider)
    caps = provider.capabilities
    assert caps.price_per_second_usd == 0.0 and not provider.is_paid
    assert caps.image_reference is False
    assert caps.durations_s is None and caps.sizes is None
    assert caps.pick_duration(7.3) == 7.3
    assert caps.pick_size(1080, 1920) == (1080, 1920)
    assert provider.model == "procedural-v1"


@pytest.mark.parametrize(
    ("width", "height", "fps", "duration_s"),
    [(1280, 720, 24, 1.5), (360, 640, 30, 1.37), (480, 480, 25, 1.0)],
    ids=["landscape-720p", "portrait-9x16", "square"],
)
def test_file_has_exact_size_fps_frames_codec(
    tmp_path: Path, width: int, height: int, fps: int, duration_s: float
) -> None:
    out = _render(
        tmp_path, "clip", width=width, height=height, fps=fps, duration_s=duration_s, motif="rings"
    )
    info = probe(out)
    assert (info.width, info.height) == (width, height)
    assert info.fps == pytest.approx(fps)
    assert info.video_codec == "h264" and info.pix_fmt == "yuv420p"
    assert not info.has_audio
    assert count_frames(out) == round(duration_s * fps)
    # Nothing but the finished file is left in the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_picture_is_not_flat(tmp_path: Path) -> None:
    """Something to watch: contrast within a frame and colour, not one flat tone."""
    for motif in ("tunnel", "grid"):
        frames = _frames(_render(tmp_path, motif, motif=motif), size=(128, 72))
        mid = frames[len(frames) // 2]
        assert mid.std() > 0.05, motif
        assert mid.max() - mid.min() > 0.4, motif


# ----------------------------------------------------------------------------- determinism


def test_same_request_gives_identical_bytes(tmp_path: Path) -> None:
    req = _request(motif="particles", camera="shake", beat_times_s=_beats(0.5, 2.0))
    a = LocalProvider().generate(req, dest=tmp_path / "a.mp4")
    b = LocalProvider().generate(req, dest=tmp_path / "b.mp4")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


@pytest.mark.parametrize(
    "change",
    [{"seed": 2}, {"palette": ["#20c060", "#e0ff40"]}, {"motif": "tunnel"}, {"camera": "orbit"}],
    ids=["seed", "palette", "motif", "camera"],
)
def test_changing_an_input_changes_the_frames(tmp_path: Path, change: dict) -> None:
    base = _frames(_render(tmp_path, "base"))
    other = _frames(_render(tmp_path, "other", **change))
    assert np.abs(base - other).mean() > 0.02


# ----------------------------------------------------------------------------- music


@pytest.mark.parametrize("motif", LOCAL_MOTIFS)
def test_beats_show_as_brightness_peaks(tmp_path: Path, motif: str) -> None:
    beats = _beats(0.5, 3.0, start_s=0.27)  # deliberately between frame times
    downbeats = beats[::4]
    out = _render(
        tmp_path,
        motif,
        motif=motif,
        duration_s=3.0,
        beat_times_s=beats,
        downbeat_times_s=downbeats,
        beat_energy=[0.6] * len(beats),
        camera="push_in",
    )
    luma = _luma(_frames(out))
    peaks = [
        i for i in range(1, len(luma) - 1) if luma[i] >= luma[i - 1] and luma[i] >= luma[i + 1]
    ]
    rise = {i: luma[i] - luma[max(0, i - 3) : i].min() for i in peaks}
    strong = [i for i in peaks if rise[i] > 0.01]
    for beat in beats:
        frame = beat * FPS
        assert any(abs(i - frame) <= 1 for i in strong), (motif, beat, strong)
    # Nothing else flashes: every strong peak is a beat.
    assert all(any(abs(i - b * FPS) <= 1 for b in beats) for i in strong), (motif, strong)
    # Bar starts hit harder than the other beats.
    hit = {
        b: max(rise.get(i, 0.0) for i in range(round(b * FPS) - 1, round(b * FPS) + 2))
        for b in beats
    }
    assert np.mean([hit[b] for b in downbeats]) > np.mean(
        [hit[b] for b in beats if b not in downbeats]
    )


@pytest.mark.parametrize("motif", LOCAL_MOTIFS)
def test_energy_raises_motion_and_light(tmp_path: Path, motif: str) -> None:
    calm = _frames(_render(tmp_path, "calm", motif=motif, energy=0.1))
    loud = _frames(_render(tmp_path, "loud", motif=motif, energy=0.9))
    assert _motion(loud) > 1.3 * _motion(calm), motif
    assert _luma(loud).mean() > _luma(calm).mean(), motif


def test_energy_follows_the_beats_within_a_clip(tmp_path: Path) -> None:
    """beat_energy rising through the clip makes its second half move more than its first."""
    beats = _beats(0.5, 4.0)
    ramp = [0.05 if b < 2.0 else 0.95 for b in beats]
    frames = _frames(_render(tmp_path, "ramp", motif="plasma", duration_s=4.0, energy=0.5,
                             beat_times_s=beats, beat_energy=ramp))  # fmt: skip
    half = len(frames) // 2
    assert _motion(frames[half + 6 :]) > 1.3 * _motion(frames[: half - 6])


def test_without_beats_it_still_evolves(tmp_path: Path) -> None:
    frames = _frames(_render(tmp_path, "free", motif="bloom", duration_s=3.0))
    assert _motion(frames) > 0.002
    # Not a loop: the end does not return to the start.
    assert np.abs(frames[-1] - frames[0]).mean() > 0.01


# ----------------------------------------------------------------------------- colour


def _dominant_hue(frames: np.ndarray) -> float:
    """Hue (0..1) carrying the most saturated light over all frames."""
    px = frames.reshape(-1, 3)
    mx, mn = px.max(axis=1), px.min(axis=1)
    chroma = mx - mn
    keep = chroma > 0.08
    hsv = np.array([colorsys.rgb_to_hsv(*p) for p in px[keep][::7]])
    hist, edges = np.histogram(hsv[:, 0], bins=36, range=(0, 1), weights=hsv[:, 1] * hsv[:, 2])
    return float(edges[int(hist.argmax())] + 0.5 / 36)


def _hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 1.0
    return min(d, 1.0 - d)


@pytest.mark.parametrize("motif", ["waves", "plasma", "starfield", "bars"])
@pytest.mark.parametrize("palette", [["#ff3020", "#ff8a00"], ["#1040ff", "#00b0ff"], ["#10d060"]])
def test_palette_sets_the_dominant_hue(tmp_path: Path, motif: str, palette: list[str]) -> None:
    frames = _frames(_render(tmp_path, "p", motif=motif, palette=palette, duration_s=1.0))
    hues = [colorsys.rgb_to_hsv(*parse_hex(c))[0] for c in palette]
    dominant = _dominant_hue(frames)
    assert min(_hue_distance(dominant, h) for h in hues) < 0.07, (motif, palette, dominant)


def test_prompt_words_choose_colours_when_no_palette_is_given(tmp_path: Path) -> None:
    assert prompt_colours("A deep ocean at dawn")[:3] == ["#006994", "#00c2c7", "#7ee8fa"]
    fire = _dominant_hue(_frames(_render(tmp_path, "fire", prompt="fire and lava", motif="plasma")))
    sea = _dominant_hue(_frames(_render(tmp_path, "sea", prompt="under the ocean", motif="plasma")))
    assert _hue_distance(fire, 0.07) < 0.1  # orange-red
    assert _hue_distance(sea, 0.52) < 0.1  # cyan-blue


def test_palette_without_hints_comes_from_the_seed() -> None:
    a = build_palette([], prompt="a quiet walk", seed=1).colours
    b = build_palette([], prompt="a quiet walk", seed=1).colours
    c = build_palette([], prompt="a quiet walk", seed=2).colours
    assert a.shape == (3, 3) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_parse_hex_accepts_short_and_bare_forms() -> None:
    assert np.allclose(parse_hex("#ff8000"), [1.0, 128 / 255, 0.0])
    assert np.allclose(parse_hex("f80"), [1.0, 136 / 255, 0.0])


# ----------------------------------------------------------------------------- vocabulary


def test_vocabularies_and_fallbacks() -> None:
    assert len(LOCAL_MOTIFS) >= 9 and len(LOCAL_CAMERAS) >= 7
    assert {
        "waves",
        "tunnel",
        "particles",
        "bars",
        "rings",
        "starfield",
        "plasma",
        "grid",
        "bloom",
    } <= set(LOCAL_MOTIFS)
    assert {"static", "push_in", "pull_out", "pan_left", "pan_right", "orbit", "shake"} <= set(
        LOCAL_CAMERAS
    )
    assert resolve_motif("Star Field") in LOCAL_MOTIFS
    assert resolve_motif("ocean") == "waves"
    assert resolve_motif("zebra crossing") == resolve_motif("zebra crossing") in LOCAL_MOTIFS
    assert resolve_camera("zoom-in") == "push_in"
    assert resolve_camera("whirl") in LOCAL_CAMERAS


def test_planner_helpers_read_descriptions() -> None:
    assert motif_from_words("Flying through the stars, then a tunnel") == "starfield"
    assert motif_from_words("under the northern lights") == "aurora"
    assert motif_from_words("a quiet room", seed=3) == motif_from_words("a quiet room", seed=3)
    assert {motif_from_words("a quiet room", seed=s) for s in range(40)} == set(LOCAL_MOTIFS)
    assert camera_from_words("slow zoom in on the singer") == "push_in"
    assert camera_from_words("a handheld shot") == "shake"
    assert camera_from_words("the chorus", energy=0.95) == "shake"
    assert camera_from_words("the intro", energy=0.2) == "push_in"


def test_unknown_motif_renders_like_the_one_it_maps_to(tmp_path: Path) -> None:
    chosen = resolve_motif("zebra crossing")
    a = _render(tmp_path, "a", motif="zebra crossing", duration_s=0.5)
    b = _render(tmp_path, "b", motif=chosen, duration_s=0.5)
    assert a.read_bytes() == b.read_bytes()


def test_camera_moves_do_what_they_say() -> None:
    req = _request(duration_s=4.0, energy=0.7)
    cues = build_cues(req, n_frames=96)
    push = camera_path("push_in", cues, seed=0)
    pull = camera_path("pull_out", cues, seed=0)
    left = camera_path("pan_left", cues, seed=0)
    right = camera_path("pan_right", cues, seed=0)
    up = camera_path("tilt_up", cues, seed=0)
    orbit = camera_path("orbit", cues, seed=0)
    assert push.zoom[-1] > 1.15 * push.zoom[0] and pull.zoom[-1] < pull.zoom[0] / 1.15
    # Panning left moves the view's centre left (so the picture slides right).
    assert (
        left.offset_x[-1] < left.offset_x[0] - 0.1 and right.offset_x[-1] > right.offset_x[0] + 0.1
    )
    assert up.offset_y[-1] < up.offset_y[0] - 0.1  # y points down
    assert abs(orbit.angle[-1] - orbit.angle[0]) > 0.3 and not push.rolls()


def test_beat_envelope_peaks_on_the_nearest_frame() -> None:
    req = _request(
        duration_s=2.0, beat_times_s=[0.26, 1.01], downbeat_times_s=[1.01], beat_energy=[0.5, 0.5]
    )
    cues = build_cues(req, n_frames=48)
    assert int(np.argmax(cues.beat[:20])) == 6  # 0.26 s * 24 = 6.24
    assert int(np.argmax(cues.downbeat)) == 24  # 1.01 s * 24 = 24.24
    assert cues.downbeat.max() > cues.beat.max()
    assert np.all(np.diff(cues.phase) > 0)


# ----------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "change",
    [{"width": 321}, {"height": 8}, {"duration_s": 0.0}, {"palette": ["not-a-colour"]}, {"fps": 0}],
    ids=["odd-width", "tiny", "zero-duration", "bad-hex", "zero-fps"],
)
def test_bad_requests_fail_clearly_and_write_nothing(tmp_path: Path, change: dict) -> None:
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"previous good clip")
    with pytest.raises(BadInputError) as err:
        LocalProvider().generate(_request(**change), dest=dest)
    assert "\n" not in str(err.value)
    assert dest.read_bytes() == b"previous good clip"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_encoder_failure_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = encode.encode_args

    def broken(**kw: object) -> list[str]:
        args = real(**kw)
        return [*args[:-1], "-no-such-option", "1", args[-1]]

    monkeypatch.setattr(encode, "encode_args", broken)
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"previous good clip")
    with pytest.raises(FFmpegError) as err:
        LocalProvider().generate(_request(duration_s=0.5), dest=dest)
    assert isinstance(err.value, MvagentError)
    assert dest.read_bytes() == b"previous good clip"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_every_motif_draws_in_float32(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A stray float64 scalar silently triples render time; catch it where light is added."""
    seen: list[str] = []
    real_add, real_hued = canvas_module.Canvas.add, canvas_module.Canvas.add_hued

    def check(*arrays: object) -> None:
        seen.extend(str(a.dtype) for a in arrays if isinstance(a, np.ndarray) and a.size > 64)

    def add(self, intensity, rgb):  # noqa: ANN001
        check(intensity)
        return real_add(self, intensity, rgb)

    def add_hued(self, intensity, hue):  # noqa: ANN001
        check(intensity, hue)
        return real_hued(self, intensity, hue)

    monkeypatch.setattr(canvas_module.Canvas, "add", add)
    monkeypatch.setattr(canvas_module.Canvas, "add_hued", add_hued)
    for motif in LOCAL_MOTIFS:
        for camera in ("static", "orbit"):
            _render(tmp_path, "f", motif=motif, camera=camera, duration_s=0.25, beat_times_s=[0.0])
    assert seen and set(seen) == {"float32"}


def test_drawing_size_keeps_work_constant_across_output_sizes() -> None:
    assert drawing_size(1280, 720) == (427, 240)
    assert drawing_size(1920, 1080) == (427, 240)
    assert drawing_size(1080, 1920) == (240, 427)
    assert drawing_size(480, 480) == (240, 240)
    assert drawing_size(320, 180) == (160, 90)
    assert drawing_size(1280, 720, downscale=1) == (1280, 720)
