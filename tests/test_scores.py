"""keras_gans.evaluation.scores: the registry of logged scores against
what the evaluators really return (the clip evaluator's in
test_clip_metrics.py, where its scores are computed anyway)."""

import dataclasses

import numpy as np
import pytest

from keras_gans import data, metrics
from keras_gans.config import TrainConfig
from keras_gans.evaluation import scores

# Logged beside the scores, without a direction: counts and spreads.
_NO_DIRECTION = {"num_modes", "classes", "inception_score_std"}


def test_every_score_is_declared_once_with_a_direction():
    names = [s.name for s in scores.SCORES]
    assert len(names) == len(set(names))
    for s in scores.SCORES:
        assert s.direction in ("min", "max"), s
        assert set(s.logged_by) <= set(scores.EVALUATIONS), s
    # Every evaluation logs something.
    for evaluation in scores.EVALUATIONS:
        assert scores.logged([evaluation]), evaluation


def test_direction_reads_through_val_and_names_the_known_ones():
    assert scores.direction("val_kid") == "min"
    assert scores.direction("modes") == "max"
    assert scores.direction("val_speed_w1") == "min"
    with pytest.raises(ValueError, match=r"'val_nope'.*known: accuracy"):
        scores.direction("val_nope")
    with pytest.raises(ValueError, match="Unknown evaluation"):
        scores.logged(["toy", "images"])


def test_toy_scores_are_the_mode_coverage_fields():
    mix = data.mixture("ring")
    result = metrics.mode_coverage(mix.centres, mix).as_dict()
    assert set(result) - _NO_DIRECTION == set(scores.logged(["toy"]))


@pytest.fixture(scope="module")
def digits_evaluator():
    return metrics.DigitsEvaluator()


def test_digits_scores_are_the_evaluators_keys(digits_evaluator):
    x, y = data.digits("test")
    single = digits_evaluator(x[:200])
    assert set(single) - _NO_DIRECTION == set(scores.logged(["digits"]))
    stacked, labels = data.stacked_digits_sample(200, seed=0, split="test")
    assert set(digits_evaluator(stacked)) - _NO_DIRECTION == set(
        scores.logged(["stacked_digits"])
    )
    # A conditional run adds the numbers of class_accuracy (not the
    # per-class list) and, on 8x8 digits, the intra-class mean.
    accuracy = digits_evaluator.class_accuracy(x[:200], y[:200])
    numbers = {k for k, v in accuracy.items() if np.isscalar(v)}
    assert numbers - _NO_DIRECTION == set(scores.logged(["conditional"]))
    intra = digits_evaluator.intra_class_frechet(x[:200], y[:200])
    assert {k for k, v in intra.items() if np.isscalar(v)} == set(
        scores.logged(["conditional_digits"])
    )


@pytest.mark.parametrize(
    "overrides,evaluations",
    [
        (dict(), ("toy",)),
        (dict(dataset="digits"), ("digits",)),
        (dict(dataset="digits", conditional=True),
         ("digits", "conditional", "conditional_digits")),
        (dict(dataset="stacked_digits", conditional=True),
         ("stacked_digits", "conditional")),
        (dict(dataset="moving_digits"), ("clip",)),
        (dict(dataset="cifar10"), ()),
        (dict(dataset="cifar10", inception_weights="w.h5"), ("inception",)),
    ],
)
def test_a_run_logs_the_scores_of_its_evaluations(overrides, evaluations):
    config = dataclasses.replace(TrainConfig(), **overrides)
    assert config.evaluations == evaluations
    assert config.logged_scores == scores.logged(evaluations)
