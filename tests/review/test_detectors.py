"""The offline detectors on synthetic failures, and no false alarm on the local renderer."""

from __future__ import annotations

import numpy as np

from mvagent.review.detectors import CutInside, Flicker, MotionFit, TextBand

FPS = 12.0


def _moving(n: int = 36, seed: int = 0) -> np.ndarray:
    """A smooth drifting gradient with texture: the picture moves a little every frame."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, size=(54, 200)).astype(np.float32)
    for axis in (0, 1):  # blur into soft blobs, so a 1-pixel drift changes little
        base = sum(np.roll(base, k, axis) for k in range(-6, 7)) / 13
    base = (base - base.min()) / (np.ptp(base) + 1e-6) * 200 + 20
    return np.stack([base[:, k : k + 96] for k in range(n)]).astype(np.uint8)


def test_cut_inside_a_clip_is_found_but_a_flash_is_not():
    frames = _moving()
    assert CutInside().find(frames, fps=FPS, energy=0.5) == []
    cut = frames.copy()
    cut[18:] = _moving(seed=5)[18:]  # another shot from frame 18 on
    found = CutInside().find(cut, fps=FPS, energy=0.5)
    assert found and "1.50 s" in found[0]
    flash = frames.astype(np.int16)
    flash[18] += 60  # a beat flash: the whole picture brighter for one frame
    assert CutInside().find(np.clip(flash, 0, 255).astype(np.uint8), fps=FPS, energy=0.5) == []


def test_flicker_is_found_and_a_beat_pulse_is_not():
    frames = _moving().astype(np.int16)
    pulse = frames.copy()
    pulse[::6] += 30  # a pulse every half second
    assert Flicker().find(np.clip(pulse, 0, 255).astype(np.uint8), fps=FPS, energy=0.5) == []
    flicker = frames.copy()
    flicker[::2] += 25  # brighter every other frame
    assert Flicker().find(np.clip(flicker, 0, 255).astype(np.uint8), fps=FPS, energy=0.5)


def test_burned_in_text_band_at_the_bottom():
    frames = _moving()
    assert TextBand().find(frames, fps=FPS, energy=0.5) == []
    soft = np.stack([np.full((54, 96), 60 + k, np.uint8) for k in range(36)])
    soft[:, :, :] = (soft + np.linspace(0, 40, 96)[None, None, :]).astype(np.uint8)
    captioned = soft.copy()
    captioned[:, 46:52, 8:88:2] = 250  # static strokes of white text
    found = TextBand().find(captioned, fps=FPS, energy=0.5)
    assert found and "bottom" in found[0]


def test_motion_against_energy():
    still = np.repeat(_moving()[:1], 36, axis=0)
    assert MotionFit().find(still, fps=FPS, energy=0.9)
    assert MotionFit().find(still, fps=FPS, energy=0.5) == []
    noise = np.random.default_rng(1).integers(0, 255, size=(36, 54, 96)).astype(np.uint8)
    assert MotionFit().find(noise, fps=FPS, energy=0.1)


def test_no_false_alarm_on_the_local_renderer(tmp_path):
    from mvagent.models import ClipRequest
    from mvagent.providers import get_provider
    from mvagent.review.detectors import run_detectors

    beats = [k * 0.5 for k in range(9)]
    for i, (motif, camera, energy) in enumerate([("particles", "zoom", 0.9), ("grid", "orbit", 0.8),
                                                 ("waves", "static", 0.2)]):  # fmt: skip
        request = ClipRequest(scene_index=i, prompt=f"neon {motif}", duration_s=4.0, width=320,
                              height=180, fps=12, motif=motif, camera=camera, energy=energy,
                              beat_times_s=beats, downbeat_times_s=beats[::4],
                              beat_energy=[energy] * 9)  # fmt: skip
        out = get_provider("local").generate(request, dest=tmp_path / f"c{i}.mp4")
        assert run_detectors(out, energy=energy).problems == []
