"""keras_gans.evaluation.runs: the evaluation of a run, chosen once for its
data set's kind (the whole run's outputs are tested through
``train_lib.run`` in test_train_lib.py and test_clip_run.py)."""

import numpy as np
import pytest

from keras_gans import data, metrics
from keras_gans.evaluation import runs
from keras_gans.experiments.presets import preset


def test_the_kind_of_data_picks_the_evaluation():
    toy = runs.for_config(preset("ring"))
    assert isinstance(toy, runs.ToyEvaluation) and toy.evaluator is None
    digits = runs.for_config(preset("digits", eval_samples=100))
    assert isinstance(digits, runs.ImageEvaluation)
    assert isinstance(digits.evaluator, metrics.DigitsEvaluator)
    assert digits.real.shape == (64, 8, 8, 1)


def test_toy_final_scores_the_samples_unless_the_callback_just_did():
    evaluation = runs.ToyEvaluation(preset("ring"))
    centres = data.mixture("ring").centres
    on_modes = np.repeat(centres, 25, axis=0)  # every mode, exactly
    final = evaluation.final(on_modes, 300, False, {"step": 200})
    assert final["step"] == 300
    assert final["modes"] == 8 and final["high_quality"] == 1.0
    # Oracle: all mass at one centre covers one mode.
    one = evaluation.final(np.repeat(centres[:1], 200, 0), 300, False, {})
    assert one["modes"] == 1
    last = {"step": 300, "modes": 5}
    assert evaluation.final(on_modes, 300, False, last) is last
    assert evaluation.final(on_modes, 300, True, last) == {
        "step": 300,
        "diverged": True,
    }


@pytest.mark.parametrize("conditional", [False, True])
def test_title_names_objective_penalty_and_conditioning(conditional):
    config = preset(
        "digits", penalty="r1", penalty_weight=5.0, conditional=conditional
    )
    title = runs.title(config)
    assert title.startswith("digits dcgan: non_saturating + r1 (lambda=5.0)")
    assert ("conditional (projection)" in title) == conditional
