"""The level/bar-phase fitting (`benchmarks/train_level.py`) on rows with a planted answer."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks import train_level  # noqa: E402


def _songs(rng, n: int, *, rules_right: float) -> list:
    """Songs of 5 choices and 3 features: the right choice has feature 0 high, the rest is
    noise; row 0 (the rules' answer) is right in `rules_right` of the songs."""
    out = []
    for i in range(n):
        x = rng.normal(0, 1, (5, 3))
        right = 0 if rng.random() < rules_right else int(rng.integers(1, 5))
        x[right, 0] += 3.0
        f = np.full(5, 0.3)
        f[right] = 1.0
        out.append((f"{'ab'[i % 2]}/song{i}", x, f))
    return out


def test_fit_finds_the_feature_that_marks_the_right_choice():
    rng = np.random.default_rng(3)
    songs = _songs(rng, 200, rules_right=0.6)
    w = train_level.fit_weights(songs)
    assert w[0] > 1.0 and abs(w[0]) > 5 * max(abs(w[1]), abs(w[2]))
    test = _songs(np.random.default_rng(4), 100, rules_right=0.6)
    rules = train_level._rules(test, phase=False)
    model = train_level.picked(test, w, margin=0.0, phase=False)
    assert model.mean() > rules.mean() + 0.2


def test_a_margin_keeps_the_rules_answer_on_close_calls():
    x = np.array([[0.0], [0.4], [-1.0]])
    f = np.array([1.0, 0.5, 0.2])
    songs = [("a/s", x, f)]
    w = np.array([1.0])
    assert train_level.picked(songs, w, margin=0.0, phase=False)[0] == 0.5
    assert train_level.picked(songs, w, margin=0.5, phase=False)[0] == 1.0
    # Bar phase: the rules' row is the best hand-weighted score (column 0), not row 0.
    assert train_level._rules_row(np.array([[0.1], [0.9], [0.2], [0.0]]), phase=True) == 1


def test_cross_validation_leaves_each_collection_out(capsys):
    rng = np.random.default_rng(5)
    scores = train_level.cross_validate(
        _songs(rng, 60, rules_right=0.5), [], margins=(0.0, 2.0), phase=False
    )
    assert set(scores) == {0.0, 2.0} and scores[0.0] > scores[2.0]
    out = capsys.readouterr().out
    assert "held out a " in out and "held out b " in out


def test_a_model_that_does_not_beat_the_rules_ships_the_rules_answer(tmp_path):
    # The rules are always right here, so nothing held out beats them: the weights file
    # says so with a margin no score reaches, and keeps the held-out figure it was judged by.
    import json

    songs = _songs(np.random.default_rng(6), 60, rules_right=1.0)
    path = tmp_path / "weights.json"
    train_level.fit_one(songs, phase=False, path=path, names=["a", "b", "c"])
    data = json.loads(path.read_text())
    assert data["margin"] == train_level.NEVER
    assert data["held_out_f"]["model"] <= data["held_out_f"]["rules"] == 1.0


def test_a_song_and_its_excerpts_are_held_out_together():
    assert (
        train_level._renders("midi-FluidR3_GM-clean-v34-x30/pop_120") == "midi-FluidR3_GM-clean-v34"
    )
    assert train_level._renders("midi-FluidR3_GM-clean-v34/pop_120") == "midi-FluidR3_GM-clean-v34"
    assert train_level._renders("tracker-x12.5/mod") == "tracker"
    assert train_level._renders("real/song") == "real"
