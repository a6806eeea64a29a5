"""val_ scores in the Keras logs drive stock ModelCheckpoint and
EarlyStopping in a real fit."""

import json

import keras
import numpy as np
import pytest

import keras_gans as kg
from keras_gans import callbacks, data


def _gan(seed=0):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=seed)
    gan.compile(
        keras.optimizers.Adam(3e-3),
        keras.optimizers.Adam(3e-3),
        jit_compile=False,
    )
    return gan


def _improvements(values, better):
    """Indices where ``values`` beats every earlier value (Keras' rule)."""
    best, out = None, []
    for i, v in enumerate(values):
        if best is None or better(v, best):
            best = v
            out.append(i)
    return out


def test_model_checkpoint_and_early_stopping_on_val_scores(tmp_path):
    gan = _gan()
    coverage = callbacks.ModeCoverageCallback(
        data.mixture("ring"), every=2, num_samples=200, seed=1
    )
    saver = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best_{epoch:02d}.weights.h5"),
        monitor="val_reverse_kl",
        mode="min",
        save_best_only=True,
        save_weights_only=True,
    )
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_high_quality", mode="max", patience=2
    )
    epochs = 12
    history = gan.fit(
        data.toy_dataset("ring", 32, seed=0),
        steps_per_epoch=2,
        epochs=epochs,
        verbose=0,
        callbacks=[coverage, saver, stopper],
    ).history
    kl = history["val_reverse_kl"]
    hq = history["val_high_quality"]
    # One evaluation per epoch, taken from the callback's own record.
    assert kl == [r["reverse_kl"] for r in coverage.history]
    saved = sorted(p.name for p in tmp_path.glob("best_*.weights.h5"))
    expected = [
        f"best_{i + 1:02d}.weights.h5"
        for i in _improvements(kl, lambda a, b: a < b)
    ]
    assert saved == expected and saved
    # EarlyStopping: stops 2 evaluations after the last improvement of HQ,
    # unless the run ends first.
    last = _improvements(hq, lambda a, b: a > b)[-1]
    assert len(hq) == min(epochs, last + 3)


def test_image_metrics_val_scores_drive_model_checkpoint(tmp_path):
    keras.utils.set_random_seed(0)
    gan = kg.GAN(
        *kg.networks.dcgan(4, (8, 8, 1), base_filters=4, seed=0),
        latent_dim=4,
        seed=0,
    )
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    reference = data.digits("test")[0]
    cb = callbacks.ImageMetricsCallback(
        kg.metrics.DigitsEvaluator(reference=reference, kid_subsets=5),
        every=1,
        num_samples=64,
        seed=3,
    )
    saver = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "w_{epoch}.weights.h5"),
        monitor="val_kid",
        mode="min",
        save_best_only=True,
        save_weights_only=True,
    )
    history = gan.fit(
        data.digits_dataset(8, seed=0),
        steps_per_epoch=1,
        epochs=3,
        verbose=0,
        callbacks=[cb, saver],
    ).history
    for key in ("val_kid", "val_precision", "val_recall", "val_modes"):
        assert len(history[key]) == 3, key
    expected = [
        f"w_{i + 1}.weights.h5"
        for i in _improvements(history["val_kid"], lambda a, b: a < b)
    ]
    assert sorted(p.name for p in tmp_path.glob("w_*")) == sorted(expected)
    assert json.dumps(cb.history)  # plain floats


def test_digits_evaluator_feature_scores():
    evaluator = kg.metrics.DigitsEvaluator(kid_subsets=5)
    x = data.digits("test")[0]
    real = evaluator(x)
    assert real["precision"] == 1.0 and real["recall"] == 1.0
    # The same set on both sides: the unbiased MMD^2 is <= 0 (the cross
    # term holds the diagonal k(x, x) the within-set terms leave out).
    assert real["kid"] <= 0
    single = evaluator(np.repeat(x[:1], 100, axis=0))
    assert single["recall"] < 0.05
    assert single["kid"] > 0


def test_best_checkpoint_keeps_best_state_and_export(tmp_path):
    gan = _gan()
    coverage = callbacks.ModeCoverageCallback(
        data.mixture("ring"), every=2, num_samples=200, seed=1
    )
    best_dir = tmp_path / "best"
    keeper = callbacks.BestCheckpoint(gan, "reverse_kl", best_dir)
    gan.fit(
        data.toy_dataset("ring", 32, seed=0),
        steps_per_epoch=2,
        epochs=5,
        verbose=0,
        callbacks=[coverage, keeper],
    )
    values = [r["reverse_kl"] for r in coverage.history]
    i = int(np.argmin(values))
    record = json.loads((best_dir / "best.json").read_text())
    assert record["best"] == {"step": 2 * (i + 1), "value": values[i]}
    # The kept state is that step's: its samples score the best value.
    fresh = _gan(seed=1)
    fresh.build((None, 2))
    fresh.d_optimizer.build(fresh.discriminator.trainable_variables)
    fresh.g_optimizer.build(fresh.generator.trainable_variables)
    again = callbacks.BestCheckpoint(fresh, "val_reverse_kl", best_dir)
    assert again.restore() == 2 * (i + 1)
    kl = kg.metrics.mode_coverage(
        fresh.generate(200, seed=1), data.mixture("ring")
    ).reverse_kl
    assert kl == pytest.approx(values[i])
    exported = kg.export.load_generator(best_dir / "saved_model")
    z = np.zeros((3, 2), np.float32)
    np.testing.assert_allclose(
        np.asarray(exported(z)),
        np.asarray(fresh.sampling_generator(z)),
        atol=1e-6,
    )


def test_best_checkpoint_errors_and_patience(tmp_path):
    gan = _gan()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("user file")
    with pytest.raises(ValueError, match="not written by BestCheckpoint"):
        callbacks.BestCheckpoint(gan, "val_kid", tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").exists()
    with pytest.raises(ValueError, match="pass mode"):
        callbacks.BestCheckpoint(gan, "val_mystery", tmp_path / "x")
    coverage = callbacks.ModeCoverageCallback(
        data.mixture("ring"), every=1, num_samples=50, seed=1
    )
    wrong = callbacks.BestCheckpoint(gan, "val_kid", tmp_path / "wrong")
    with pytest.raises(ValueError, match="val_kid.*no callback logs"):
        gan.fit(
            data.toy_dataset("ring", 16, seed=0),
            steps_per_epoch=1,
            epochs=1,
            verbose=0,
            callbacks=[coverage, wrong],
        )
    # Patience: a score that never improves stops after 2 evaluations.
    keeper = callbacks.BestCheckpoint(
        gan,
        "val_modes",
        tmp_path / "p",
        mode="max",
        patience=2,
        export=False,
    )

    class Constant(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_modes"] = 3.0

    history = gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=1,
        epochs=10,
        verbose=0,
        callbacks=[Constant(), keeper],
    ).history
    assert len(history["d_loss"]) == 3
