import json
import os

import keras
import numpy as np

import keras_gans as kg
from keras_gans import callbacks, data, plots


def _gan(seed=0):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=seed)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    return gan


def test_mode_coverage_callback_logs_everywhere(tmp_path):
    gan = _gan()
    mix = data.mixture("ring")
    cb = callbacks.ModeCoverageCallback(
        mix,
        every=4,
        num_samples=300,
        seed=5,
        json_path=tmp_path / "mc.json",
        log_dir=tmp_path / "tb",
    )
    history = gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=2,
        epochs=4,
        verbose=0,
        callbacks=[cb],
    ).history
    # Evaluated at steps 4 and 8 only; the epoch logs carry the numbers.
    records = json.loads((tmp_path / "mc.json").read_text())
    assert [r["step"] for r in records] == [4, 8]
    assert history["val_modes"] == [
        records[0]["modes"],
        records[1]["modes"],
    ]
    assert "modes" not in history
    expected = kg.metrics.mode_coverage(gan.generate(300, seed=5), mix)
    assert records[-1]["high_quality"] == expected.high_quality
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_mode_coverage_history_is_cut_back_on_resume(tmp_path):
    path = tmp_path / "mc.json"
    path.write_text(json.dumps([{"step": s, "modes": 1} for s in (2, 4, 6)]))
    gan = _gan()
    gan.g_optimizer.iterations.assign(4)
    cb = callbacks.ModeCoverageCallback(
        data.mixture("ring"), every=100, json_path=path
    )
    cb.set_model(gan)
    cb.on_train_begin()
    assert [r["step"] for r in cb.history] == [2, 4]


def test_checkpoint_callback_restores_everything(tmp_path):
    gan = _gan()
    cb = callbacks.Checkpoint(gan, tmp_path)
    gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=3,
        epochs=2,
        verbose=0,
        callbacks=[cb],
    )
    fresh = _gan(seed=7)  # another seed: the restore must bring rng_seed
    assert not np.array_equal(fresh.rng_seed.numpy(), gan.rng_seed.numpy())
    assert callbacks.Checkpoint(fresh, tmp_path).restore() == 6
    for a, b in zip(
        gan.weights + gan.d_optimizer.variables + gan.g_optimizer.variables,
        fresh.weights
        + fresh.d_optimizer.variables
        + fresh.g_optimizer.variables,
        strict=True,
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_checkpoint_skips_a_diverged_epoch_not_a_stopped_one(tmp_path):
    gan = _gan()
    diverged = [True]
    cb = callbacks.Checkpoint(gan, tmp_path, diverged=lambda: diverged[0])
    cb.set_model(gan)
    cb.on_epoch_end(0)  # a divergence guard's verdict
    assert cb.manager.latest_checkpoint is None and cb.saved_step is None
    diverged[0] = False
    kernel = gan.discriminator.trainable_variables[0]
    good = kernel.numpy()
    kernel.assign(good * np.nan)  # NaN weights, whoever stopped or not
    cb.on_epoch_end(0)
    assert cb.manager.latest_checkpoint is None
    kernel.assign(good)
    gan.stop_training = True  # early stopping: the stop step is kept
    cb.on_epoch_end(0)
    assert cb.manager.latest_checkpoint is not None and cb.saved_step == 0


def _image_gan(seed=0):
    keras.utils.set_random_seed(seed)
    generator, discriminator = kg.networks.dcgan(
        8, (8, 8, 1), base_filters=4, seed=seed
    )
    gan = kg.GAN(generator, discriminator, latent_dim=8, seed=seed)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    return gan


def test_image_metrics_callback_logs_everywhere(tmp_path):
    gan = _image_gan()
    seen = []

    def evaluator(images):
        seen.append(images)
        return {"mean": float(images.mean()), "num_modes": 10}

    real = data.digits("test")[0][:16]
    cb = callbacks.ImageMetricsCallback(
        evaluator,
        every=4,
        num_samples=50,
        seed=5,
        json_path=tmp_path / "im.json",
        log_dir=tmp_path / "tb",
        grid_dir=tmp_path / "grids",
        grid_size=16,
        real=real,
        title="test",
    )
    history = gan.fit(
        data.digits_dataset(8, seed=0),
        steps_per_epoch=2,
        epochs=4,
        verbose=0,
        callbacks=[cb],
    ).history
    records = json.loads((tmp_path / "im.json").read_text())
    assert [r["step"] for r in records] == [4, 8]
    assert history["val_mean"] == [records[0]["mean"], records[1]["mean"]]
    # num_modes is a constant, kept out of the logs.
    assert "val_num_modes" not in history and "mean" not in history
    assert seen[-1].shape == (50, 8, 8, 1)
    np.testing.assert_allclose(seen[-1], gan.generate(50, seed=5), atol=1e-6)
    assert records[-1]["mean"] == float(seen[-1].mean())
    grids = sorted(p.name for p in (tmp_path / "grids").iterdir())
    assert grids == ["samples_0000004.png", "samples_0000008.png"]
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_image_metrics_history_cut_back_and_divergence(tmp_path):
    path = tmp_path / "im.json"
    path.write_text(json.dumps([{"step": s, "x": 1.0} for s in (2, 4, 6)]))
    gan = _image_gan()
    gan.g_optimizer.iterations.assign(4)
    cb = callbacks.ImageMetricsCallback(
        lambda images: {"x": 2.0}, every=2, num_samples=4, json_path=path
    )
    cb.set_model(gan)
    cb.on_train_begin()
    assert [r["step"] for r in cb.history] == [2, 4]
    # A generator that emits NaN is recorded as diverged, not evaluated.
    for w in gan.generator.trainable_weights:
        w.assign(np.full(w.shape, np.nan, np.float32))
    gan.g_optimizer.iterations.assign(6)
    cb.on_epoch_end(0, {})
    assert json.loads(path.read_text())[-1] == {"step": 6, "diverged": True}


def test_plot_image_grid(tmp_path):
    images = data.stacked_digits_sample(10, seed=0)[0]
    path = plots.plot_image_grid(
        images, tmp_path / "g.png", title="t", real=images, split_channels=True
    )
    assert path == str(tmp_path / "g.png")
    assert os.path.getsize(path) > 1000
    with np.testing.assert_raises_regex(ValueError, "images must be"):
        plots.plot_image_grid(images[0], tmp_path / "bad.png")
