"""Consistency regularisation (CR, Zhang et al. 2020; balanced CR, Zhao
et al. 2021) against its definition: a linear D's SGD step by hand, the
transform from its named stream, mirrored and XLA equal to one device,
the refusals."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run, two_cpus
from keras_gans import augment, rng
from keras_gans.config import ConfigError, TrainConfig

SHAPE = (8, 8, 1)
LR = 0.05
W_REAL, W_FAKE = 2.0, 0.5


class ConstantImage(keras.layers.Layer):
    """G(z) = one trainable image: the fakes are known."""

    def build(self, input_shape):
        self.image = self.add_weight(
            shape=SHAPE,
            initializer=keras.initializers.RandomUniform(-1, 1, seed=3),
        )

    def call(self, z):
        return tf.zeros_like(z[:, :1, None, None]) + self.image


def _linear_gan(weight=W_REAL, fake_weight=W_FAKE, **compile_args):
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    generator = keras.Model(z, ConstantImage()(z))
    x = keras.Input(SHAPE)
    logit = keras.layers.Dense(
        1, kernel_initializer=keras.initializers.RandomNormal(seed=4)
    )(keras.layers.Flatten()(x))
    gan = kg.GAN(generator, keras.Model(x, logit), 2, seed=0)
    gan.compile(
        keras.optimizers.SGD(LR),
        keras.optimizers.SGD(LR),
        consistency_weight=weight,
        consistency_fake_weight=fake_weight,
        consistency_augment="translation,cutout",
        jit_compile=False,
        steps_per_execution=1,
        **compile_args,
    )
    return gan


def test_a_linear_d_step_is_the_hand_made_one():
    real = np.random.default_rng(5).uniform(-1, 1, (4,) + SHAPE)
    real = real.astype(np.float32)
    gan = _linear_gan()
    fake = np.repeat(gan.generator(np.zeros((1, 2)))[:1].numpy(), 4, 0)
    w, b = (v.numpy() for v in gan.discriminator.trainable_variables)
    w = w[:, 0]
    # T from D step 0's "consistency" stream of the model's seed.
    seed = rng.step_seed(gan.rng_seed, "consistency", 0)
    moved = {
        name: augment.diff_augment(
            x, "translation,cutout", rng.stream(seed, name)
        ).numpy().reshape(4, -1)
        for name, x in (("real", real), ("fake", fake))
    }
    assert not np.allclose(moved["real"], real.reshape(4, -1))  # T moved
    gan.fit(
        tf.data.Dataset.from_tensors(real), steps_per_epoch=1, verbose=0
    )
    flat = {"real": real.reshape(4, -1), "fake": fake.reshape(4, -1)}
    logit = {k: v @ w + b[0] for k, v in flat.items()}
    gap = {k: logit[k] - (moved[k] @ w + b[0]) for k in flat}
    sig = 1.0 / (1.0 + np.exp(-logit["real"])), 1.0 / (
        1.0 + np.exp(-logit["fake"])
    )
    # softplus(-r) + softplus(f) + W_REAL gap_r^2 + W_FAKE gap_f^2, means.
    grad_w = (
        flat["real"].T @ (-(1.0 - sig[0])) + flat["fake"].T @ sig[1]
    ) / 4
    for name, weight in (("real", W_REAL), ("fake", W_FAKE)):
        grad_w += weight * 2 * (flat[name] - moved[name]).T @ gap[name] / 4
    grad_b = (np.sum(-(1.0 - sig[0])) + np.sum(sig[1])) / 4
    kernel, bias = (v.numpy() for v in gan.discriminator.trainable_variables)
    np.testing.assert_allclose(kernel[:, 0], w - LR * grad_w, atol=1e-5)
    np.testing.assert_allclose(bias[0], b[0] - LR * grad_b, atol=1e-6)
    logged = np.mean(gap["real"] ** 2) + np.mean(gap["fake"] ** 2)
    assert float(gan.consistency_tracker.result()) == pytest.approx(
        logged, rel=1e-4
    )
    assert logged > 0


def _dcgan(strategy=None, jit=False):
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(1)
    with strategy.scope():
        g, d = kg.networks.dcgan(8, (8, 8, 1), base_filters=4, seed=1)
        gan = kg.GAN(g, d, 8, seed=1)
        gan.compile(
            keras.optimizers.Adam(1e-3),
            keras.optimizers.Adam(1e-3),
            consistency_weight=1.0,
            consistency_fake_weight=1.0,
            consistency_augment="translation,cutout",
            jit_compile=jit,
        )
    images = np.random.default_rng(2).uniform(-1, 1, (16, 8, 8, 1))
    data = tf.data.Dataset.from_tensor_slices(images.astype(np.float32))
    gan.fit(data.batch(8, drop_remainder=True).repeat(), steps_per_epoch=3,
            verbose=0)
    return gan


@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_mirrored_and_xla_equal_one_device(jit):
    single = one_device_run(_dcgan)
    other = _dcgan(jit=True) if jit else _dcgan(strategy=two_cpus())
    for a, b in zip(single.weights, other.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_refusals_name_the_setting():
    with pytest.raises(ValueError, match="not images"):
        gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
        gan.compile(
            keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3),
            consistency_weight=1.0,
        )
    with pytest.raises(ValueError, match="DiffAugment"):
        kg.training.ConsistencyRegularizer(1.0, policy="ada")
    with pytest.raises(ValueError, match="consistency_fake_weight"):
        kg.training.ConsistencyRegularizer(1.0, -1.0)
    for overrides, flag in (
        (dict(consistency_weight=1.0), "consistency_weight"),  # the ring
        (dict(dataset="digits", consistency_weight=1.0, conditional=True),
         "consistency_weight"),
        (dict(dataset="digits", consistency_augment="flip"),
         "consistency_augment"),
        (dict(dataset="digits", consistency_augment="cutout"),
         "consistency_augment"),  # changed, but nothing reads it
    ):
        with pytest.raises(ConfigError) as e:
            TrainConfig(**overrides).validate()
        assert e.value.name == flag, (overrides, e.value.name)
    TrainConfig(
        dataset="digits", consistency_weight=10.0, consistency_fake_weight=10
    ).validate()
