import pytest

from mvagent.review.metrics import cut_on_beat_rate, section_coverage


def test_cut_on_beat_rate_counts_within_one_frame():
    beats = [0.0, 0.5, 1.0, 1.5, 2.0]
    cuts = [0.5, 1.02, 1.6]  # on, within 1/24 s, off
    assert cut_on_beat_rate(cuts, beats, fps=24) == pytest.approx(2 / 3)
    assert cut_on_beat_rate([], beats, fps=24) == 1.0


def test_anticipation_is_accounted_for():
    beats = [1.0, 2.0]
    assert cut_on_beat_rate([0.9, 1.9], beats, fps=24) == 0.0
    assert cut_on_beat_rate([0.9, 1.9], beats, fps=24, anticipation_s=0.1) == 1.0


def test_section_coverage_half_beat():
    assert section_coverage([8.0, 16.2], [8.0, 16.0], beat_period_s=0.5) == 1.0
    assert section_coverage([8.0, 16.3], [8.0, 16.0], beat_period_s=0.5) == 0.5
    assert section_coverage([], [], beat_period_s=0.5) == 1.0
