"""Old-fake scores (paper Fig. 11): summary oracle, callback, resume."""

import json

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks, data
from keras_gans.diagnostics import forgetting as forgetting_lib
from keras_gans.diagnostics import mean_score, summarise

nan = np.nan


def test_summary_numbers_by_hand():
    steps = [0, 10, 20, 30]
    scores = [
        [0.2, nan],
        [0.6, nan],
        [0.3, 0.1],
        [0.4, 0.7],
    ]
    s = summarise([0, 20], steps, scores)
    np.testing.assert_allclose(s.initial, [0.2, 0.1])
    np.testing.assert_allclose(s.max_rise, [0.4, 0.6])
    np.testing.assert_allclose(s.final_rise, [0.2, 0.6])
    assert s.mean_max_rise == pytest.approx(0.5)
    assert s.mean_final_rise == pytest.approx(0.4)
    # Old scores: 0.6, 0.3, 0.4 (batch 0) and 0.7 (batch 1).
    assert s.fraction_above_half == pytest.approx(0.5)
    assert s.mean_old_score == pytest.approx(0.5)


def test_summary_without_old_scores_is_nan():
    s = summarise([5], [5], [[0.3]])
    assert np.isnan(s.mean_max_rise) and s.initial.tolist() == [0.3]
    assert s.summary() == {
        "mean_max_rise": None,
        "mean_final_rise": None,
        "fraction_above_half": None,
        "mean_old_score": None,
    }
    with pytest.raises(ValueError, match="increasing"):
        summarise([0], [0, 0], [[0.1], [0.2]])


def test_mean_score_is_the_mean_sigmoid():
    def d(x):
        return tf.reduce_sum(x, axis=-1, keepdims=True)

    x = np.array([[0.0, 0.0], [1.0, 1.0], [-3.0, 0.0]], np.float32)
    expected = np.mean(1 / (1 + np.exp(-np.array([0.0, 2.0, -3.0]))))
    assert mean_score(d, x, batch_size=2) == pytest.approx(expected)


def _gan():
    keras.utils.set_random_seed(0)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    return gan


def _callback(tmp_path=None, reals=None):
    return callbacks.ForgettingCallback(
        freeze_every=4,
        every=2,
        batch_size=8,
        max_batches=2,
        seed=1,
        outdir=tmp_path,
        log_dir=None if tmp_path is None else tmp_path / "tb",
        reals=reals,
    )


def _fit(gan, cbs, start_epoch, epochs):
    return gan.fit(
        data.toy_dataset("ring", 16, seed=0, start_step=2 * start_epoch),
        steps_per_epoch=2,
        initial_epoch=start_epoch,
        epochs=epochs,
        verbose=0,
        callbacks=cbs,
    ).history


def test_callback_freezes_scores_and_logs(tmp_path):
    gan = _gan()
    cb = _callback(tmp_path)
    history = _fit(gan, [cb], 0, 5)
    state = cb.state
    # Frozen at steps 4 and 8 (at most 2 batches), scored at 4, 6, 8, 10.
    assert state.freeze_steps.numpy().tolist() == [4, 8]
    assert state.eval_steps.numpy().tolist() == [4, 6, 8, 10]
    scores = state.scores.numpy()
    assert np.isnan(scores[:2, 1]).all() and np.isfinite(scores[2:]).all()
    assert scores[-1, 0] == pytest.approx(
        mean_score(gan.discriminator, cb.frozen_fakes()[0]), abs=1e-6
    )
    records = json.loads((tmp_path / "forgetting.json").read_text())
    assert [r["step"] for r in records] == [4, 6, 8, 10]
    summary = cb.summary().summary()
    assert records[-1]["mean_max_rise"] == pytest.approx(
        summary["mean_max_rise"]
    )
    assert np.isnan(history["forgetting_mean_max_rise"][0])  # no old score
    assert len(history["forgetting_mean_max_rise"]) == 4
    image = matplotlib.image.imread(tmp_path / "forgetting.png")
    assert image.ndim == 3 and min(image.shape[:2]) > 200
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))
    with pytest.raises(ValueError, match="multiple"):
        callbacks.ForgettingCallback(freeze_every=3, every=2)


def test_state_survives_checkpoint_and_resume(tmp_path):
    reals = data.sample_mixture(data.mixture("ring"), 12, [3, 0]).numpy()
    straight = _callback(reals=reals)
    _fit(_gan(), [straight], 0, 6)

    gan = _gan()
    first = _callback(reals=reals)
    first.set_model(gan)
    ckpt = callbacks.Checkpoint(gan, tmp_path, forgetting=first.state)
    _fit(gan, [first, ckpt], 0, 3)  # stops at step 6, one batch frozen

    gan = _gan()
    # Other reals: the checkpoint's come back with the rest of the state.
    resumed = _callback(reals=reals + 1.0)
    resumed.set_model(gan)  # the state exists before the restore
    ckpt = callbacks.Checkpoint(gan, tmp_path, forgetting=resumed.state)
    assert ckpt.restore() == 6
    assert resumed.state.eval_steps.numpy().tolist() == [4, 6]
    _fit(gan, [resumed, ckpt], 3, 6)
    for a, b in zip(
        (straight.state.eval_steps, straight.state.freeze_steps),
        (resumed.state.eval_steps, resumed.state.freeze_steps),
        strict=True,
    ):
        assert a.numpy().tolist() == b.numpy().tolist()
    np.testing.assert_allclose(
        resumed.frozen_fakes(), straight.frozen_fakes(), atol=1e-5
    )
    np.testing.assert_allclose(
        resumed.state.scores.numpy(), straight.state.scores.numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        resumed.state.aucs.numpy(), straight.state.aucs.numpy(), atol=1e-6
    )
    assert np.isfinite(resumed.summary().mean_old_auc)


def test_critic_scores_are_raw_with_threshold_zero():
    def critic(x):
        return tf.reduce_sum(x, axis=-1) + 3.0

    x = np.array([[-4.0, 0.0], [1.0, -1.0], [2.0, 2.0]], np.float32)
    assert mean_score(critic, x, output="logit") == pytest.approx(
        np.mean(x.sum(-1) + 3.0)
    )
    summary = summarise([0], [0, 1, 2], [[-1.0], [0.5], [-0.5]], "logit")
    assert summary.unit == "D (raw)" and summary.threshold == 0.0
    assert summary.fraction_above_half == pytest.approx(0.5)
    assert summary.mean_max_rise == pytest.approx(1.5)
    assert summary.as_dict()["unit"] == "D (raw)"


def _auc_by_pairs(real, fake):
    wins = [
        1.0 if r > f else 0.5 if r == f else 0.0 for r in real for f in fake
    ]
    return sum(wins) / len(wins)


def test_auc_is_the_share_of_real_fake_pairs_the_reals_win():
    assert forgetting_lib.auc([1.0, 2.0, 3.0], [2.0, 0.0]) == 0.75
    rng = np.random.default_rng(4)
    real = rng.integers(0, 5, 40).astype(float)  # many ties
    fake = rng.integers(0, 6, 30).astype(float)
    assert forgetting_lib.auc(real, fake) == pytest.approx(
        _auc_by_pairs(real, fake)
    )
    # Scale-free: any increasing map of the scores leaves it unchanged.
    logits = rng.normal(size=50), rng.normal(size=50) - 0.5
    sig = [1 / (1 + np.exp(-x)) for x in logits]
    assert forgetting_lib.auc(*logits) == pytest.approx(
        forgetting_lib.auc(*sig)
    )
    assert forgetting_lib.auc(*logits) == pytest.approx(
        forgetting_lib.auc(*(10.0 * x + 3.0 for x in logits))
    )
    with pytest.raises(ValueError, match="at least one"):
        forgetting_lib.auc([], [1.0])


def test_auc_summary_numbers_by_hand():
    steps = [0, 10, 20, 30]
    scores = np.full((4, 2), 0.5)
    scores[:2, 1] = nan
    aucs = [
        [0.9, nan],
        [0.6, nan],
        [0.7, 0.8],
        [0.4, 0.75],
    ]
    s = summarise([0, 20], steps, scores, aucs=aucs)
    # Batch 0 falls from 0.9 to 0.4, batch 1 from 0.8 to 0.75.
    assert s.mean_auc_max_drop == pytest.approx((0.5 + 0.05) / 2)
    # Old AUCs: 0.6, 0.7, 0.4 (batch 0) and 0.75 (batch 1).
    assert s.mean_old_auc == pytest.approx(np.mean([0.6, 0.7, 0.4, 0.75]))
    assert s.fraction_auc_below_half == pytest.approx(0.25)
    summary = s.summary()
    assert summary["mean_auc_max_drop"] == pytest.approx(0.275)
    assert s.as_dict()["aucs"][0] == [0.9, None]
    # Without AUCs the summary keeps its four numbers.
    assert "mean_old_auc" not in summarise([0], [0], [[0.3]]).summary()


def test_callback_aucs_are_ds_ranking_of_reals_over_old_fakes():
    gan = _gan()
    reals = data.sample_mixture(data.mixture("ring"), 12, [3, 0]).numpy()
    cb = _callback(reals=reals)
    history = _fit(gan, [cb], 0, 5)
    aucs = cb.state.aucs.numpy()
    assert aucs.shape == (4, 2) and np.isnan(aucs[:2, 1]).all()
    d = gan.discriminator
    real = d(reals).numpy().ravel()
    for b, fakes in enumerate(cb.frozen_fakes()):
        assert aucs[-1, b] == pytest.approx(
            _auc_by_pairs(real, d(fakes).numpy().ravel())
        )
    assert len(history["forgetting_mean_old_auc"]) == 4
    # D's scale moves the mean scores but not the AUCs.
    before = cb.summary()
    dense = d.layers[-1]
    dense.kernel.assign(dense.kernel * 5.0)
    dense.bias.assign(dense.bias * 5.0)
    cb.measure(10)  # the same step again replaces its row
    after = cb.summary()
    np.testing.assert_allclose(after.aucs, before.aucs, atol=1e-6)
    assert not np.allclose(after.scores[-1], before.scores[-1])
    with pytest.raises(ValueError, match="shape"):
        _callback(reals=np.zeros((4, 3), np.float32)).set_model(_gan())
