"""D warm-up (training.DiscriminatorWarmup): D-only steps before the
first G step, counted in the checkpoint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg


def _gan(warmup=0, seed=0, jit_compile=False):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(
        kg.networks.mlp_generator(4, 2, (16,)),
        kg.networks.mlp_discriminator(2, (16,)),
        4,
        seed=seed,
    )
    gan.compile(
        keras.optimizers.Adam(1e-2, beta_1=0.5),
        keras.optimizers.Adam(1e-2, beta_1=0.5),
        penalty="r1",
        penalty_weight=1.0,
        jit_compile=jit_compile,
        d_warmup_steps=warmup,
    )
    return gan


def _data(skip=0):
    return kg.data.toy_dataset("ring", 8, seed=0, start_step=skip)


def test_warmup_trains_d_only_and_counts():
    gan = _gan(3)
    g_before = [v.numpy() for v in gan.generator.weights]
    d_before = [v.numpy() for v in gan.discriminator.weights]
    assert gan.warmup.run(gan, _data()) == 3
    assert int(gan.d_warmup_done.numpy()) == 3
    assert int(gan.d_optimizer.iterations.numpy()) == 3
    assert int(gan.g_optimizer.iterations.numpy()) == 0
    for a, b in zip(g_before, gan.generator.weights, strict=True):
        np.testing.assert_array_equal(a, b.numpy())
    assert all(
        not np.array_equal(a, b.numpy())
        for a, b in zip(d_before, gan.discriminator.weights, strict=True)
    )
    assert gan.warmup.run(gan, _data()) == 0  # done: nothing more


def test_fit_runs_the_warmup_once_before_the_first_g_step():
    gan = _gan(3)
    gan.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations.numpy()) == 3 + 2
    assert int(gan.g_optimizer.iterations.numpy()) == 2
    gan.fit(_data(2), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations.numpy()) == 3 + 4
    # An unbuilt GAN builds before its warm-up (arrays work too).
    keras.utils.set_random_seed(0)
    fresh = kg.GAN(
        kg.networks.mlp_generator(4, 2, (16,)),
        kg.networks.mlp_discriminator(2, (16,)),
        4,
        seed=0,
    )
    fresh.compile(keras.optimizers.Adam(), keras.optimizers.Adam(),
                  jit_compile=False, d_warmup_steps=2)
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    fresh.fit(x, batch_size=8, epochs=1, verbose=0)
    assert int(fresh.d_optimizer.iterations.numpy()) == 2 + 2


def test_resumed_run_does_not_redo_the_warmup(tmp_path):
    whole = _gan(3)
    whole.fit(_data(), steps_per_epoch=4, epochs=1, verbose=0)

    first = _gan(3)
    first.fit(_data(), steps_per_epoch=2, epochs=1, verbose=0)
    path = tf.train.Checkpoint(gan=first).write(str(tmp_path / "ckpt"))
    resumed = _gan(3, seed=7)
    tf.train.Checkpoint(gan=resumed).read(
        path
    ).assert_existing_objects_matched()
    assert int(resumed.d_warmup_done.numpy()) == 3
    resumed.fit(_data(2), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(resumed.d_optimizer.iterations.numpy()) == 3 + 4
    for a, b in zip(whole.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


def test_no_warmup_no_variable():
    gan = _gan(0)
    assert not hasattr(gan, "d_warmup_done")
    with pytest.raises(ValueError, match="d_warmup_steps"):
        _gan(-1)


@pytest.mark.slow  # ~10 s (XLA)
def test_warmup_with_xla_equals_without():
    gans = [_gan(2, jit_compile=jit) for jit in (False, True)]
    for gan in gans:
        gan.warmup.run(gan, _data())
    for a, b in zip(*(g.discriminator.weights for g in gans), strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
