"""OnlineEWC against closed forms and finite differences."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks

SEED = tf.constant([4, 2], tf.int64)
FAKE_POINT = np.array([0.3, -0.7], np.float32)


class Constant(keras.layers.Layer):
    """G(z) = a fixed point: fakes are known exactly."""

    def call(self, z):
        return tf.zeros_like(z[:, :2]) + FAKE_POINT


def linear_gan(loss="wasserstein", real_weight=1.0):
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    generator = keras.Model(z, Constant()(z))
    x = keras.Input((2,))
    discriminator = keras.Model(x, keras.layers.Dense(1)(x))
    gan = kg.GAN(generator, discriminator, 2, seed=0)
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss=loss,
        real_weight=real_weight,
        jit_compile=False,
    )
    return gan


def _loss_numpy(gan, w, b, real):
    d_real, d_fake = real @ w + b, FAKE_POINT @ w + b
    d_r, d_f, _ = gan.loss_fn(d_real, np.full(len(real), d_fake, np.float32))
    return gan.real_weight * float(d_r) + float(d_f)


def test_penalty_closed_form_and_zero_after_anchoring():
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=3.0, every=5)
    ewc.set_model(gan)
    kernel, bias = gan.discriminator.trainable_variables
    fisher = [np.array([[2.0], [0.5]], np.float32), np.array([4.0], np.float32)]
    anchor = [
        np.array([[1.0], [-1.0]], np.float32),
        np.array([0.5], np.float32),
    ]
    for var, value in zip(ewc.state.fisher + ewc.state.anchor, fisher + anchor):
        var.assign(value)
    kernel.assign([[0.0], [1.0]])
    bias.assign([0.0])
    # 2 (0 - 1)^2 + 0.5 (1 + 1)^2 + 4 (0 - 0.5)^2 = 2 + 2 + 1 = 5
    assert float(ewc.penalty()) == pytest.approx(5.0)
    assert float(ewc.discriminator_loss()) == pytest.approx(15.0)
    real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    ewc.before_discriminator_step(gan, real, SEED)  # iteration 0: due
    assert float(ewc.penalty()) == 0.0
    np.testing.assert_array_equal(ewc.state.anchor[0].numpy(), kernel.numpy())


@pytest.mark.parametrize("loss", ["wasserstein", "non_saturating"])
def test_fisher_matches_finite_differences(loss):
    gan = linear_gan(loss, real_weight=2.0)
    ewc = callbacks.OnlineEWC(weight=1.0, every=1, alpha=0.25, num_batches=2)
    ewc.set_model(gan)
    kernel, bias = gan.discriminator.trainable_variables
    real = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
    w, b = kernel.numpy()[:, 0], float(bias.numpy()[0])
    h = 1e-2
    expected_w = np.zeros(2)
    expected_b = 0.0
    for part in (real[0::2], real[1::2]):
        grad_w = [
            (
                _loss_numpy(gan, w + h * e, b, part)
                - _loss_numpy(gan, w - h * e, b, part)
            )
            / (2 * h)
            for e in np.eye(2, dtype=np.float32)
        ]
        grad_b = (
            _loss_numpy(gan, w, b + h, part) - _loss_numpy(gan, w, b - h, part)
        ) / (2 * h)
        expected_w += np.square(grad_w) / 2
        expected_b += grad_b**2 / 2
    ewc.before_discriminator_step(gan, tf.constant(real), SEED)
    fisher_w, fisher_b = ewc.fisher()
    # First estimate: w = alpha * w_hat + (1 - alpha) * 0.
    np.testing.assert_allclose(
        fisher_w[:, 0], 0.25 * expected_w, rtol=2e-3, atol=1e-6
    )
    np.testing.assert_allclose(
        fisher_b, [0.25 * expected_b], rtol=2e-3, atol=1e-6
    )
    # A second estimate mixes: w = alpha w_hat + (1 - alpha) w_prev.
    ewc.before_discriminator_step(gan, tf.constant(real), SEED)
    np.testing.assert_allclose(
        ewc.fisher()[0][:, 0],
        0.25 * expected_w + 0.75 * 0.25 * expected_w,
        rtol=2e-3,
        atol=1e-6,
    )


def test_only_every_nth_iteration_estimates():
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=1.0, every=3)
    data = np.random.default_rng(2).normal(size=(28, 2)).astype(np.float32)
    history = gan.fit(data, batch_size=4, verbose=0, callbacks=[ewc]).history
    # D iterations 0..6: estimates at 0, 3 and 6.
    assert int(ewc.state.estimates.numpy()) == 3
    assert "ewc" in history and np.isfinite(history["ewc"][0])
    assert history["ewc"][0] > 0.0


def test_ewc_pulls_weights_toward_the_anchor():
    def drift(weight):
        gan = linear_gan()
        ewc = callbacks.OnlineEWC(weight=weight, every=1000)
        data = np.random.default_rng(3).normal(size=(40, 2)).astype(np.float32)
        start = gan.discriminator.get_weights()
        gan.fit(data, batch_size=4, verbose=0, callbacks=[ewc])
        end = gan.discriminator.get_weights()
        return sum(float(np.sum((a - b) ** 2)) for a, b in zip(start, end))

    # Stiff enough to hold, small enough for SGD(0.1) to stay stable.
    assert drift(5.0) < 0.5 * drift(0.0)


def test_checkpoint_restores_fisher_and_anchor(tmp_path):
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=1.0, every=2)
    data = np.random.default_rng(4).normal(size=(20, 2)).astype(np.float32)
    gan.fit(data, batch_size=4, verbose=0, callbacks=[ewc])
    callbacks.Checkpoint(gan, tmp_path, ewc=ewc.state).manager.save()
    fresh_gan = linear_gan()
    fresh = callbacks.OnlineEWC(weight=1.0, every=2)
    fresh.set_model(fresh_gan)
    callbacks.Checkpoint(fresh_gan, tmp_path, ewc=fresh.state).restore()
    for a, b in zip(
        ewc.state.fisher + ewc.state.anchor,
        fresh.state.fisher + fresh.state.anchor,
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(fresh.state.estimates.numpy()) == 3


def test_bad_arguments():
    with pytest.raises(ValueError, match="weight must be >= 0"):
        callbacks.OnlineEWC(-1.0, 10)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        callbacks.OnlineEWC(1.0, 0)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\]"):
        callbacks.OnlineEWC(1.0, 10, alpha=0.0)
