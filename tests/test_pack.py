"""PacGAN packing (Lin et al. 2018): the packs, their penalties, their
losses, under distribution and XLA, and the settings it refuses."""


import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run, two_cpus
from keras_gans import penalties, train_lib
from keras_gans.config import ConfigError, TrainConfig
from keras_gans.networks import Pack, packed_discriminator, packing


def test_a_pack_concatenates_consecutive_samples_on_their_last_axis():
    """The reference code's packs: G's m outputs concatenated on the
    channel axis (tf.concat(G_sep, 3)), a toy point's coordinates one
    after the other; rows j m .. j m + m - 1 make pack j."""
    rng = np.random.default_rng(0)
    points = rng.normal(size=(6, 2)).astype(np.float32)
    packed = Pack(3)(points).numpy()
    expected = np.stack(
        [np.concatenate([points[3 * j + i] for i in range(3)])
         for j in range(2)]
    )
    np.testing.assert_array_equal(packed, expected)
    images = rng.normal(size=(4, 3, 5, 2)).astype(np.float32)
    packed = Pack(2)(images).numpy()
    assert packed.shape == (2, 3, 5, 4)
    for j in range(2):
        np.testing.assert_array_equal(
            packed[j], np.concatenate([images[2 * j], images[2 * j + 1]], -1)
        )
    np.testing.assert_array_equal(Pack(1)(images).numpy(), images)


def _linear(m, dim=2, seed=0):
    """A linear D on packs of m points, D(p) = w . p + b, and w."""
    inner = keras.Sequential(
        [keras.Input((m * dim,)), keras.layers.Dense(1, name="logit")]
    )
    w = np.random.default_rng(seed).normal(size=(m * dim, 1))
    inner.get_layer("logit").set_weights(
        [w.astype(np.float32), np.array([0.3], np.float32)]
    )
    return packed_discriminator(inner, m), w.ravel()


def test_the_packed_d_scores_each_pack_once():
    d, w = _linear(2)
    x = np.random.default_rng(1).normal(size=(8, 2)).astype(np.float32)
    logits = d(x).numpy().ravel()
    assert logits.shape == (4,)
    np.testing.assert_allclose(
        logits, x.reshape(4, 4) @ w + 0.3, rtol=1e-5, atol=1e-6
    )
    assert packing(d) == 2 and packing(_linear(1)[0]) == 1


def test_penalties_take_the_gradient_norm_of_a_whole_pack():
    """For D(p) = w . p + b the gradient w.r.t. a pack is w: R1 is |w|^2
    and WGAN-GP (sqrt(|w|^2 + eps) - 1)^2 for every pack. Norms per
    sample would see halves of w (R1 |w|^2 / 2)."""
    d, w = _linear(2, seed=3)
    rng = np.random.default_rng(2)
    real = rng.normal(size=(8, 2)).astype(np.float32)
    fake = rng.normal(size=(8, 2)).astype(np.float32)
    seed = tf.constant([1, 2], tf.int64)
    squared = float(w @ w)
    assert float(penalties.get("r1")(d, real, fake, seed)) == pytest.approx(
        squared, rel=1e-5
    )
    assert float(penalties.get("r2")(d, real, fake, seed)) == pytest.approx(
        squared, rel=1e-5
    )
    norm = np.sqrt(squared + penalties.EPSILON)
    assert float(
        penalties.get("wgan_gp")(d, real, fake, seed)
    ) == pytest.approx((norm - 1.0) ** 2, rel=1e-5)
    norms = kg.gradients.gradient_norms(d, real, norm="l1").numpy()
    np.testing.assert_allclose(norms, [np.abs(w).sum()] * 4, rtol=1e-5)


def test_the_losses_average_over_packs():
    """GAN-NS: L_D = mean over packs of softplus(-D(real pack)) +
    softplus(D(fake pack)), stacked or not."""
    d, w = _linear(2, seed=4)
    rng = np.random.default_rng(5)
    real = rng.normal(size=(6, 2)).astype(np.float32)
    fake = rng.normal(size=(6, 2)).astype(np.float32)
    objective = kg.training.AdversarialObjective("non_saturating")

    def softplus(v):
        return np.log1p(np.exp(v))

    d_r = real.reshape(3, 4) @ w + 0.3
    d_f = fake.reshape(3, 4) @ w + 0.3
    expected = np.mean(softplus(-d_r)) + np.mean(softplus(d_f))
    for stacked in (False, True):
        loss, real_logits, _ = objective.discriminator_loss(
            d, real, fake, stacked
        )
        assert float(loss) == pytest.approx(expected, rel=1e-5)
        assert real_logits.shape[0] == 3


def _ring_gan(strategy, jit=False):
    keras.utils.set_random_seed(0)
    with strategy.scope():
        g = kg.networks.mlp_generator(2, 2, (8,))
        inner = kg.networks.mlp_discriminator(4, (8,))
        gan = kg.GAN(g, packed_discriminator(inner, 2), 2, seed=1)
        gan.compile(
            keras.optimizers.Adam(1e-2),
            keras.optimizers.Adam(1e-2),
            penalty="zero_gp",
            penalty_weight=1.0,
            jit_compile=jit,
        )
    data = kg.data.toy_dataset("ring", 16, seed=2)
    history = gan.fit(data, steps_per_epoch=3, epochs=1, verbose=0).history
    return [v.numpy() for v in gan.weights], history


@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_mirrored_and_xla_equal_one_device(jit):
    """Each replica packs its own 8 rows: two replicas' 2 x 4 packs are
    one device's 8 packs."""
    single = one_device_run(_ring_gan)
    other = (
        _ring_gan(tf.distribute.get_strategy(), jit=True)
        if jit
        else _ring_gan(two_cpus())
    )
    for a, b in zip(single[0], other[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for key in ("d_loss", "g_loss", "penalty"):
        assert other[1][key][0] == pytest.approx(
            single[1][key][0], rel=1e-4, abs=1e-6
        )


def test_a_batch_that_is_not_whole_packs_is_refused_by_name():
    d, _ = _linear(4)
    with pytest.raises(ValueError, match=r"6 rows .* packs of 4 \(--pack\)"):
        d(np.zeros((6, 2), np.float32))
    with pytest.raises(ValueError, match="one input"):
        packed_discriminator(
            kg.networks.mlp_discriminator(4, (8,), num_classes=3), 2
        )
    with pytest.raises(ValueError, match="multiple of 3"):
        packed_discriminator(kg.networks.mlp_discriminator(4, (8,)), 3)
    with pytest.raises(ValueError, match="integer >= 1"):
        Pack(0)


@pytest.mark.parametrize(
    "overrides,message",
    [
        (dict(pack=3, batch_size=32), "must divide --batch_size"),
        (dict(pack=2, conditional=True), "--conditional"),
        (dict(pack=2, ewc_weight=1.0), "--ewc_weight"),
        (dict(pack=2, dataset="moving_digits"), "clips"),
        (dict(pack=2, dataset="digits", penalty="r1",
              penalty_layer="dense_0"), "--penalty_layer"),
    ],
)
def test_settings_that_score_single_samples_are_refused(overrides, message):
    with pytest.raises(ConfigError, match=message) as e:
        # Made in one go: a data set's own defaults fill the rest.
        TrainConfig(**overrides).validate()
    assert e.value.name == "pack"


def test_a_packed_run_trains_its_packed_d_and_says_so(tmp_path):
    """--pack=2 on the ring: D is Pack then an MLP on 4-D packs; the
    landscape diagnostic, defined per sample, refuses it."""
    config = TrainConfig(
        steps=20, log_every=10, eval_every=20, batch_size=16, pack=2,
        eval_samples=200, hidden_units=(8,), steps_per_execution=10,
    )
    result = train_lib.run(config, tmp_path / "run", verbose=0)
    assert result["final"]["step"] == 20
    gan = train_lib.build_gan(config)
    assert packing(gan.discriminator) == 2
    assert gan.discriminator.layers[-1].inputs[0].shape[-1] == 4
    callback = kg.callbacks.LandscapeCallback(
        np.zeros((4, 2), np.float32), every=10
    )
    callback.set_model(gan)
    with pytest.raises(ValueError, match="packs of 2"):
        callback.on_train_begin()


def test_scores_and_interpolates_are_per_pack():
    """Forgetting's mean D score averages the packs' scores; the
    interpolating penalties draw one alpha per pack, so that a pack's
    interpolate lies on the segment between a real and a fake pack."""
    d, w = _linear(2, seed=6)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(8, 2)).astype(np.float32)
    expected = float(np.mean(x.reshape(4, 4) @ w + 0.3))
    assert kg.diagnostics.forgetting.mean_score(
        d, x, batch_size=4, output="logit"
    ) == pytest.approx(expected, rel=1e-5)
    real = rng.normal(size=(8, 2)).astype(np.float32)
    fake = rng.normal(size=(8, 2)).astype(np.float32)
    u = penalties._interpolate(real, fake, tf.constant([3, 4], tf.int64), 2)
    alpha = ((u.numpy() - fake) / (real - fake))[:, 0]
    np.testing.assert_allclose(alpha[0::2], alpha[1::2], rtol=1e-5)
    assert np.ptp(alpha) > 0.01  # the packs' draws differ


def test_a_packed_toy_d_keeps_auto_xla_and_images_pack_channels():
    gan = train_lib.build_gan(TrainConfig(pack=2, hidden_units=(8,)))
    assert kg.training.auto_jit_compile(gan.discriminator)
    gan = train_lib.build_gan(
        TrainConfig(dataset="digits", pack=4, base_filters=4, batch_size=16)
    )
    assert packing(gan.discriminator) == 4
    assert gan.discriminator.inputs[0].shape[1:] == (8, 8, 1)
    assert gan.discriminator.layers[-1].inputs[0].shape[1:] == (8, 8, 4)
