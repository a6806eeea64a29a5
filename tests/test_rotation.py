"""SS-GAN's rotation loss (Chen et al. 2019): the head, D's and G's terms
by hand, D learning the rotations, distribution and XLA, refusals."""

import dataclasses
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run, two_cpus
from keras_gans import train_lib
from keras_gans.config import ConfigError, TrainConfig
from keras_gans.networks import has_rotation_head, with_rotation_head
from keras_gans.training.rotation import SelfSupervised, rotated

SHAPE = (8, 8, 1)


def _linear_d(seed=0):
    """Flatten -> logit, with a rotation head on the flattened pixels:
    rotation logits = vec(x) W + b, the weights set by hand."""
    x = keras.Input(SHAPE)
    h = keras.layers.Flatten(name="flatten")(x)
    d = with_rotation_head(
        keras.Model(x, keras.layers.Dense(1, name="logit")(h))
    )
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(64, 4)).astype(np.float32) * 0.3
    b = rng.normal(size=(4,)).astype(np.float32)
    d.get_layer("rotation_logits").set_weights([w, b])
    return d, w, b


def _cross_entropy(images, w, b):
    """-mean over images and r of log softmax(vec(x^r) W + b)[r]."""
    terms = []
    for r in range(4):
        logits = np.rot90(images, r, axes=(1, 2)).reshape(len(images), -1)
        logits = logits @ w + b
        logits = logits - logits.max(1, keepdims=True)
        log_q = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        terms.append(-log_q[:, r])
    return float(np.mean(terms))


def test_every_image_is_seen_in_its_four_quarter_turns():
    x = np.random.default_rng(0).normal(size=(3,) + SHAPE).astype(np.float32)
    turns, labels = rotated(x)
    for r in range(4):
        np.testing.assert_array_equal(
            turns.numpy()[3 * r:3 * r + 3], np.rot90(x, r, axes=(1, 2))
        )
    np.testing.assert_array_equal(labels.numpy(), np.repeat(np.arange(4), 3))


def test_d_and_g_terms_are_the_cross_entropies_by_hand():
    """L_D gains beta * CE on the reals' rotations, L_G alpha * CE on the
    fakes'; D's adversarial output is its first."""
    d, w, b = _linear_d()
    rng = np.random.default_rng(1)
    real = rng.normal(size=(5,) + SHAPE).astype(np.float32)
    fake = rng.normal(size=(5,) + SHAPE).astype(np.float32)
    strategy = SelfSupervised(d_weight=1.5, g_weight=0.2)
    term = strategy.discriminator_term(d, real, None, fake, None)
    assert float(term) == pytest.approx(
        1.5 * _cross_entropy(real, w, b), rel=1e-5
    )
    off = kg.training.InputAugmentation()
    fake_logits, real_logits, extra = strategy.generator_view(
        d, off, tf.constant([1, 2], tf.int64), fake, None, real, None,
        tf.constant(0, tf.int64), True,
    )
    assert float(extra) == pytest.approx(
        0.2 * _cross_entropy(fake, w, b), rel=1e-5
    )
    np.testing.assert_allclose(fake_logits, d(fake)[0], rtol=1e-6)
    np.testing.assert_allclose(real_logits, d(real)[0], rtol=1e-6)
    critic, _, _ = strategy.critic(d, real, None, fake, None)
    assert critic(real).shape == (5, 1)


def _gan(strategy=None, jit=False, d_weight=1.0, g_weight=0.2, seed=0):
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(seed)
    with strategy.scope():
        g, d = kg.networks.dcgan(4, SHAPE, base_filters=4, seed=3)
        gan = kg.GAN(g, with_rotation_head(d, seed=3), 4, seed=4)
        gan.compile(
            keras.optimizers.Adam(2e-3, beta_1=0.5),
            keras.optimizers.Adam(2e-3, beta_1=0.5),
            penalty="r1",
            penalty_weight=1.0,
            rotation_weight=d_weight,
            rotation_g_weight=g_weight,
            jit_compile=jit,
        )
    return gan


def _digits(n):
    return kg.data.digits("train")[0][:n]


def _accuracy(gan, images):
    turns, labels = rotated(images)
    logits = gan.discriminator(turns, training=False)[1]
    return float(np.mean(np.argmax(logits, 1) == labels.numpy()))


@pytest.mark.slow
def test_d_learns_the_rotations_of_real_images():
    """From chance (0.25) towards telling the turns of held-out digits."""
    gan = _gan()
    held_out = kg.data.digits("test")[0][:64]
    before = _accuracy(gan, held_out)
    gan.fit(_digits(512), batch_size=32, epochs=3, verbose=0)
    after = _accuracy(gan, held_out)
    assert before < 0.45 and after > 0.55, (before, after)


def _fit(strategy=None, jit=False):
    gan = _gan(strategy, jit)
    data = tf.data.Dataset.from_tensor_slices(_digits(48)).batch(
        16, drop_remainder=True
    )
    history = gan.fit(data, epochs=1, verbose=0).history
    return [v.numpy() for v in gan.weights], history


@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_mirrored_and_xla_equal_one_device(jit):
    single = one_device_run(_fit)
    other = (
        _fit(tf.distribute.get_strategy(), jit=True)
        if jit
        else _fit(two_cpus())
    )
    for a, b in zip(single[0], other[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for key in ("d_loss", "g_loss", "penalty"):
        assert other[1][key][0] == pytest.approx(
            single[1][key][0], rel=1e-4, abs=1e-6
        )


def test_head_and_weight_need_each_other_and_the_refusals_name_why():
    g, d = kg.networks.dcgan(4, SHAPE, base_filters=4, seed=3)
    gan = kg.GAN(g, d, 4, seed=4)
    adam = keras.optimizers.Adam
    with pytest.raises(ValueError, match="with_rotation_head"):
        gan.compile(adam(), adam(), rotation_weight=1.0)
    headed = with_rotation_head(d)
    assert has_rotation_head(headed) and not has_rotation_head(d)
    assert kg.networks.discriminator_conditioning(headed) is None
    gan = kg.GAN(g, headed, 4, seed=4)
    with pytest.raises(ValueError, match="must be > 0"):
        gan.compile(adam(), adam())
    with pytest.raises(ValueError, match="unroll_steps"):
        gan.compile(adam(), adam(), rotation_weight=1.0, unroll_steps=1)
    gan.compile(adam(), adam(), rotation_weight=1.0)
    with pytest.raises(ValueError, match="OnlineEWC cannot be combined"):
        gan.attach_hook(kg.callbacks.OnlineEWC(1.0, every=1))
    with pytest.raises(ValueError, match="already has"):
        with_rotation_head(headed)
    with pytest.raises(ValueError, match="one input and one output"):
        with_rotation_head(
            kg.networks.dcgan_discriminator(SHAPE, 4, num_classes=3)
        )


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(), "not an image data set"),
        (dict(dataset="digits", conditional=True), "--conditional"),
        (dict(dataset="digits", unroll_steps=1), "--unroll_steps"),
        (dict(dataset="digits", ewc_weight=1.0), "--ewc_weight"),
        (dict(dataset="digits", pack=2), "--pack"),
        (dict(dataset="digits", penalty="r1", penalty_layer="flatten"),
         "--penalty_layer"),
    ],
)
def test_settings_it_does_not_compose_with_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message) as e:
        dataclasses.replace(
            TrainConfig(), rotation_weight=1.0, **overrides
        ).validate()
    assert e.value.name == "rotation_weight"


@pytest.mark.slow
def test_a_digits_run_trains_d_with_its_head(tmp_path):
    config = TrainConfig(
        dataset="digits", steps=4, log_every=2, eval_every=4, batch_size=16,
        base_filters=4, eval_samples=200, steps_per_execution=1,
        rotation_weight=1.0,
    )
    result = train_lib.run(config, tmp_path / "run", verbose=0)
    # At the start D's head is near chance: log 4 of the rotation loss
    # rides L_D, 0.2 log 4 L_G.
    assert result["losses"]["d_loss"] > np.log(4)
    assert result["final"]["step"] == 4
    gan = train_lib.build_gan(config)
    assert has_rotation_head(gan.discriminator)


def test_alpha_moves_g_alone():
    """One GAN iteration with alpha 0 and 0.5: D's step (first) is the
    same; G's differs by the rotation term of its fakes."""
    runs = []
    for alpha in (0.0, 0.5):
        gan = _gan(g_weight=alpha)
        gan.fit(_digits(16), batch_size=16, epochs=1, verbose=0)
        runs.append(
            ([v.numpy() for v in gan.discriminator.weights],
             [v.numpy() for v in gan.generator.trainable_weights])
        )
    for a, b in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(
        not np.allclose(a, b) for a, b in zip(runs[0][1], runs[1][1])
    )


def test_the_diagnostics_read_d_s_first_output():
    """The forgetting and landscape callbacks score samples with D's
    adversarial logit, its first output (not the rotation head's),
    computed here by hand from D in inference mode."""
    gan = _gan()
    reals = _digits(12)
    forgetting = kg.callbacks.ForgettingCallback(
        1, 1, batch_size=8, max_batches=2, seed=5, reals=reals
    )
    forgetting.set_model(gan)
    forgetting.on_train_begin()
    scalars, extra, _ = forgetting.measure(0)
    fakes = forgetting.frozen_fakes()[0]
    d_fake = np.ravel(gan.discriminator(fakes, training=False)[0])
    d_real = np.ravel(gan.discriminator(reals, training=False)[0])
    np.testing.assert_allclose(
        extra["scores"][0], np.mean(1 / (1 + np.exp(-d_fake))), rtol=1e-5
    )
    pairs = d_real[:, None] - d_fake[None, :]
    auc = np.mean(pairs > 0) + 0.5 * np.mean(pairs == 0)
    np.testing.assert_allclose(extra["aucs"][0], auc, rtol=1e-6)

    landscape = kg.callbacks.LandscapeCallback(reals[:3], every=1, num=5)
    landscape.set_model(gan)
    landscape.on_train_begin()
    landscape.measure(0)
    d_points = np.ravel(gan.discriminator(reals[:3], training=False)[0])
    np.testing.assert_allclose(
        landscape.latest.curves[:, 2], 1 / (1 + np.exp(-d_points)),
        rtol=1e-5,
    )


def test_the_diagnostics_refuse_a_d_that_needs_labels():
    """A projection D scores (x, y): no score of samples alone."""
    d = kg.networks.mlp_discriminator(2, (8,), num_classes=3)
    callback = kg.callbacks.LandscapeCallback(
        np.zeros((4, 2), np.float32), every=1
    )
    callback.set_model(types.SimpleNamespace(discriminator=d))
    with pytest.raises(ValueError, match="2 inputs .class labels"):
        callback.on_train_begin()
