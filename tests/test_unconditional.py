"""The conditioning strategies (training.conditioning, training.
unconditional): what D and G are called on, against hand-computed values
of a linear D (its logit on a batch is x @ w + b)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import networks
from keras_gans.training import InputAugmentation, conditioning
from keras_gans.training.unconditional import Unconditional


def _linear_d(dim=2):
    x = keras.Input((dim,))
    d = keras.Model(x, keras.layers.Dense(1, name="logit")(x))
    w = np.array([[1.5], [-2.0]], np.float32)
    d.get_layer("logit").set_weights([w, np.array([0.25], np.float32)])
    return d, w


REAL = np.array([[1.0, 2.0], [0.5, -1.0]], np.float32)
FAKE = np.array([[0.0, 1.0], [3.0, 0.0]], np.float32)
SEED = tf.constant([1, 2], tf.int64)


def test_for_classes_picks_the_strategy():
    assert isinstance(conditioning.for_classes(None), Unconditional)
    strategy = conditioning.for_classes(3)
    assert isinstance(strategy, conditioning.Conditioning)
    assert strategy.num_classes == 3
    with pytest.raises(ValueError, match="needs num_classes"):
        conditioning.for_classes(None, [0.5, 0.5])


def test_unconditional_views_are_d_on_the_samples():
    d, w = _linear_d()
    strategy = Unconditional()
    off = InputAugmentation("none", 0.0, 0)
    critic, real_in, fake_in, penalized, clean_real, clean_fake = (
        strategy.discriminator_view(
            d, off, REAL, None, FAKE, None, SEED, 0, 0
        )
    )
    assert critic is d and penalized is d
    for got in (real_in, clean_real):
        np.testing.assert_array_equal(got, REAL)
    for got in (fake_in, clean_fake):
        np.testing.assert_array_equal(got, FAKE)
    fake_logits, real_logits, extra = strategy.generator_view(
        d, off, SEED, FAKE, None, REAL, None, 0, True
    )
    np.testing.assert_allclose(fake_logits, FAKE @ w + 0.25, rtol=1e-6)
    np.testing.assert_allclose(real_logits, REAL @ w + 0.25, rtol=1e-6)
    assert extra is None
    assert strategy.generator_view(
        d, off, SEED, FAKE, None, REAL, None, 0, False
    )[1] is None


def test_unconditional_views_go_through_the_input_noise():
    d, w = _linear_d()
    noisy = InputAugmentation("none", 0.5, 0)
    _, real_in, fake_in, penalized, clean_real, _ = (
        Unconditional().discriminator_view(
            d, noisy, REAL, None, FAKE, None, SEED, 0, 0
        )
    )
    # D's loss sees noisy samples, the penalty the clean ones through the
    # noise; a no-op strategy would hand D the clean batch.
    assert not np.allclose(real_in, REAL) and not np.allclose(fake_in, FAKE)
    np.testing.assert_array_equal(clean_real, REAL)
    assert penalized is not d


def test_unconditional_draws_no_labels_and_refuses_them():
    strategy = Unconditional()

    def never():
        raise AssertionError("an unconditional GAN drew a label seed")

    assert strategy.fake_labels(4, never) is None
    assert strategy.sample_labels(4, 0, None, None) is None
    with pytest.raises(ValueError, match="unconditional"):
        strategy.sample_labels(4, 0, [1, 2, 3, 4], None)
    with pytest.raises(ValueError, match="would drop the labels"):
        strategy.check_fit_data((REAL, np.zeros(2, np.int32)), (), {})
    with pytest.raises(ValueError, match="num_classes"):
        strategy.check_networks(
            networks.mlp_generator(2, 2, (4,), num_classes=3),
            networks.mlp_discriminator(2, (4,), num_classes=3),
        )


def test_projection_views_call_d_on_samples_and_labels():
    real, fake = tf.constant(REAL), tf.constant(FAKE)
    strategy = conditioning.Conditioning(3)
    d = networks.mlp_discriminator(2, (4,), num_classes=3)
    g = networks.mlp_generator(2, 2, (4,), num_classes=3)
    strategy.check_networks(g, d)
    labels = tf.constant([0, 2])
    fake_labels = tf.constant([1, 1])
    critic, real_in, fake_in, penalized, _, _ = strategy.discriminator_view(
        d, InputAugmentation("none", 0.0, 0), real, labels, fake,
        fake_labels, SEED, 0, 0,
    )
    np.testing.assert_allclose(
        critic(real_in), d([real, labels], training=True), rtol=1e-6
    )
    np.testing.assert_allclose(
        critic(fake_in), d([fake, fake_labels], training=True), rtol=1e-6
    )
    assert penalized is critic
    fake_logits, real_logits, extra = strategy.generator_view(
        d, None, SEED, fake, fake_labels, real, labels, 0, True
    )
    np.testing.assert_allclose(
        fake_logits, d([fake, fake_labels], training=True), rtol=1e-6
    )
    np.testing.assert_allclose(
        real_logits, d([real, labels], training=True), rtol=1e-6
    )
    assert extra is None
    with pytest.raises(ValueError, match="not supported"):
        strategy.check_input_transforms(
            InputAugmentation("none", 0.5, 0), 0
        )
