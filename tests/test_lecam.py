"""LeCam regularisation against its definition (Tseng et al. 2021 and the
authors' google/lecam-gan code): a linear D's SGD step by hand, the
zero-debiased anchors, mirrored and XLA equal to one device, the anchors
in the checkpoint."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run, two_cpus
from keras_gans.training.lecam import DECAY, LeCamRegularizer

FAKE = np.array([0.3, -0.7], np.float32)
LR = 0.1
WEIGHT = 0.5


class Constant(keras.layers.Layer):
    """G(z) = a trainable point starting at FAKE: the fakes are known."""

    def build(self, input_shape):
        self.point = self.add_weight(
            shape=(2,), initializer=keras.initializers.Constant(FAKE)
        )

    def call(self, z):
        return tf.zeros_like(z[:, :2]) + self.point


def _linear_gan(lecam_weight=WEIGHT):
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    generator = keras.Model(z, Constant()(z))
    x = keras.Input((2,))
    discriminator = keras.Model(
        x,
        keras.layers.Dense(
            1,
            kernel_initializer=keras.initializers.Constant([[0.8], [-0.4]]),
            bias_initializer=keras.initializers.Constant(0.1),
        )(x),
    )
    gan = kg.GAN(generator, discriminator, 2, seed=0)
    gan.compile(
        keras.optimizers.SGD(LR),
        keras.optimizers.SGD(LR),
        lecam_weight=lecam_weight,
        jit_compile=False,
        steps_per_execution=1,
    )
    return gan


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def test_a_linear_d_step_is_the_hand_made_one():
    real = np.array([[1.0, 0.5], [-0.5, 1.5], [2.0, -1.0], [0.0, 0.0]])
    gan = _linear_gan()
    gan.fit(real.astype(np.float32), batch_size=4, epochs=1, verbose=0)
    w, b = np.array([0.8, -0.4]), 0.1
    r = real @ w + b
    f = np.full(4, FAKE @ w + b)
    # First update: the zero-debiased anchors are this batch's means.
    alpha_r, alpha_f = r.mean(), f.mean()
    lecam = np.mean(np.maximum(r - alpha_f, 0) ** 2) + np.mean(
        np.maximum(alpha_r - f, 0) ** 2
    )
    # dL/dr_i and dL/df_i of softplus(-r) + softplus(f) + lambda R_LC.
    d_r = (-_sigmoid(-r) + WEIGHT * 2 * np.maximum(r - alpha_f, 0)) / 4
    d_f = (_sigmoid(f) - WEIGHT * 2 * np.maximum(alpha_r - f, 0)) / 4
    grad_w = real.T @ d_r + np.outer(np.full(4, 1.0), FAKE).T @ d_f
    grad_b = d_r.sum() + d_f.sum()
    kernel, bias = (v.numpy() for v in gan.discriminator.trainable_variables)
    np.testing.assert_allclose(kernel[:, 0], w - LR * grad_w, rtol=1e-5)
    np.testing.assert_allclose(bias[0], b - LR * grad_b, rtol=1e-5)
    np.testing.assert_allclose(
        gan.lecam_anchors.numpy(),
        [(1 - DECAY) * alpha_r, (1 - DECAY) * alpha_f, 1.0],
        rtol=1e-5,
    )
    assert gan.lecam_tracker.result().numpy() == pytest.approx(lecam, 1e-5)
    assert lecam > 0  # the term acted: D's real logits pass alpha_F
    # Off: no variable, no metric, the plain step.
    plain = _linear_gan(0.0)
    assert not hasattr(plain, "lecam_anchors")
    assert "lecam" not in [m.name for m in plain.metrics]


def test_anchors_are_zero_debiased_moving_averages():
    lecam = LeCamRegularizer(2.0, decay=0.9)

    class Owner:
        distribute_strategy = tf.distribute.get_strategy()

    lecam.configure(Owner())
    assert [float(a) for a in lecam.anchors()] == [0.0, 0.0]
    batches = [([1.0, 3.0], [-2.0, 0.0]), ([0.0, 0.0], [1.0, 2.0])]
    biased = np.zeros(2)
    for t, (r, f) in enumerate(batches, start=1):
        weighted, value = lecam.term(tf.constant(r), tf.constant(f))
        biased = 0.9 * biased + 0.1 * np.array([np.mean(r), np.mean(f)])
        a_r, a_f = biased / (1 - 0.9**t)
        expected = np.mean(np.maximum(np.array(r) - a_f, 0) ** 2) + np.mean(
            np.maximum(a_r - np.array(f), 0) ** 2
        )
        assert float(value) == pytest.approx(expected, rel=1e-6)
        assert float(weighted) == pytest.approx(2.0 * expected, rel=1e-6)
        np.testing.assert_allclose(lecam.anchors(), [a_r, a_f], rtol=1e-6)
    with pytest.raises(ValueError, match="lecam_weight"):
        LeCamRegularizer(-1.0)


def _toy(strategy=None, jit=False, seed=0):
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=seed)
        gan.compile(
            keras.optimizers.Adam(1e-3),
            keras.optimizers.Adam(1e-3),
            lecam_weight=1.0,
            penalty="r1",
            penalty_weight=1.0,
            jit_compile=jit,
        )
    data = kg.data.toy_dataset("ring", 16, seed=seed)
    gan.fit(data, steps_per_epoch=4, epochs=1, verbose=0)
    return gan


@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_mirrored_and_xla_equal_one_device(jit):
    single = one_device_run(_toy)
    other = _toy(jit=True) if jit else _toy(strategy=two_cpus())
    np.testing.assert_allclose(
        other.lecam_anchors.numpy(), single.lecam_anchors.numpy(),
        rtol=1e-5, atol=1e-6,
    )
    for a, b in zip(single.weights, other.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)


def test_the_anchors_ride_the_checkpoint(tmp_path):
    gan = _toy()
    path = tf.train.Checkpoint(gan=gan).write(str(tmp_path / "ckpt"))
    fresh = _toy(seed=5)
    assert not np.allclose(fresh.lecam_anchors.numpy(), gan.lecam_anchors)
    tf.train.Checkpoint(gan=fresh).read(path).assert_existing_objects_matched()
    np.testing.assert_array_equal(
        fresh.lecam_anchors.numpy(), gan.lecam_anchors.numpy()
    )
    with pytest.raises(ValueError, match="unroll_steps"):
        gan.compile(
            keras.optimizers.Adam(1e-3),
            keras.optimizers.Adam(1e-3),
            lecam_weight=1.0,
            unroll_steps=1,
        )


@pytest.mark.parametrize(
    "setting", ["projection", "acgan", "diffaugment"]
)
def test_lecam_composes_with_conditioning_and_augmentation(setting):
    """With a class-conditional D (projection or AC-GAN) the anchors follow
    D's adversarial logit; with DiffAugment, D's logits on the augmented
    batches. The step trains and the anchors move, finite."""
    keras.utils.set_random_seed(2)
    if setting == "diffaugment":
        g, d = kg.networks.dcgan(4, (8, 8, 1), base_filters=2, seed=2)
        gan = kg.GAN(g, d, 4, seed=2)
        rows = np.random.default_rng(1).uniform(-1, 1, (16, 8, 8, 1))
        data = (rows.astype(np.float32),)
        extra = dict(augment="diffaugment:translation")
    else:
        g = kg.networks.mlp_generator(3, 2, (8,), num_classes=3)
        d = kg.networks.mlp_discriminator(
            2, (8,), num_classes=3, conditioning=setting
        )
        gan = kg.GAN(g, d, 3, seed=2, num_classes=3)
        rng_ = np.random.default_rng(1)
        data = (
            rng_.normal(size=(16, 2)).astype(np.float32),
            rng_.integers(0, 3, 16).astype(np.int32),
        )
        extra = {}
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        lecam_weight=1.0,
        jit_compile=False,
        **extra,
    )
    gan.fit(*data, batch_size=8, epochs=1, verbose=0)
    state = gan.lecam_anchors.numpy()
    assert state[2] == 2 and np.all(np.isfinite(state)) and np.any(state[:2])
    assert np.isfinite(float(gan.lecam_tracker.result()))
