"""The project's demo song (mvagent.demo), when it exists: the analysis must get it right."""

from __future__ import annotations

import mir_eval
import numpy as np
import pytest

from mvagent.audio import analyze

demo = pytest.importorskip("mvagent.demo")


@pytest.mark.parametrize("tempo", [92.0, 118.0, 140.0])
def test_demo_song(tmp_path, tempo):
    truth = demo.synthesize_demo_song(tmp_path / "demo.wav", seed=1, tempo_bpm=tempo)
    a = analyze(tmp_path / "demo.wav")
    assert abs(a.tempo_bpm - tempo) < 0.1
    ref = mir_eval.beat.trim_beats(np.array(truth.beats))
    assert mir_eval.beat.f_measure(ref, mir_eval.beat.trim_beats(np.array(a.beats))) >= 0.97
    assert mir_eval.beat.f_measure(np.array(truth.downbeats), np.array(a.downbeats)) >= 0.9
    ref_int = np.array([[s, e] for s, e, *_ in truth.sections], dtype=float)
    ref_int[0, 0], ref_int[-1, 1] = 0.0, a.duration
    est_int = np.array([[s.start, s.end] for s in a.sections])
    _, hit_rate, _ = mir_eval.segment.detection(ref_int, est_int, window=0.5, trim=True)
    assert hit_rate >= 0.75
    # Verse and chorus repeat: the second of each shares the first one's group.
    by_label: dict[str, set[int]] = {}
    for ((start, _end, label, *_),) in zip(truth.sections):
        near = [s for s in a.sections if abs(s.start - start) < 0.5]
        if near:
            by_label.setdefault(label, set()).add(near[0].group)
    assert len(by_label.get("verse", {0})) == 1 and len(by_label.get("chorus", {0})) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_short_demo_with_offbeat_hat_intro_keeps_the_beat(tmp_path, seed):
    """The intro has only chords and off-beat hats; the drums that follow fix the phase.

    This locked onto the off-beat before kick and snare could outvote the hats.
    """
    truth = demo.synthesize_demo_song(tmp_path / "s.wav", seed=seed, form="short")
    a = analyze(tmp_path / "s.wav")
    ref = mir_eval.beat.trim_beats(np.array(truth.beats))
    assert mir_eval.beat.f_measure(ref, mir_eval.beat.trim_beats(np.array(a.beats))) >= 0.97
    starts = [s.start for s in a.sections]
    for start, _end, _label in truth.sections[1:]:
        assert min(abs(start - s) for s in starts) <= 0.5
    assert [s.label for s in a.sections] == ["intro", "verse", "chorus", "outro"]
