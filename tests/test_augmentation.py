"""The augmentation part of the step (training.InputAugmentation):
DiffAugment, ADA and instance noise inside the GAN's train step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run

SHAPE = (8, 8, 1)
POLICIES = [
    dict(augment="diffaugment:translation,cutout,color"),
    dict(augment="ada"),
    dict(instance_noise=0.1, instance_noise_anneal_steps=4),
]
IDS = ["diffaugment", "ada", "instance_noise"]


def _images(n=64, seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, (n, *SHAPE))
    return x.astype(np.float32)


def _gan(seed=0, jit_compile=False, ada_p=None, **options):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(
        kg.networks.mlp_generator(4, SHAPE, (16,), output_activation="tanh"),
        kg.networks.mlp_discriminator(SHAPE, (16,)),
        4,
        seed=seed,
    )
    gan.compile(
        keras.optimizers.Adam(1e-2, beta_1=0.5),
        keras.optimizers.Adam(1e-2, beta_1=0.5),
        penalty="r1",
        penalty_weight=1.0,
        jit_compile=jit_compile,
        **options,
    )
    if ada_p is not None:
        gan.ada.p.assign(ada_p)
    return gan


def _fit(gan, x):
    return gan.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)


def _weights(gan):
    return [v.numpy() for v in gan.weights]


@pytest.mark.parametrize(
    "options",
    [  # DiffAugment and ADA: 6-13 s (XLA compiles)
        pytest.param(POLICIES[0], marks=pytest.mark.slow),
        pytest.param(POLICIES[1], marks=pytest.mark.slow),
        POLICIES[2],
    ],
    ids=IDS,
)
def test_xla_equals_no_xla(options):
    # The no-XLA run is the one-device reference of
    # test_mirrored_equals_one_device (one run a test process). With XLA,
    # two steps per execution: the fused XLA loop.
    plain = one_device_run(_distributed_run, steps_per_execution=1, **options)
    xla = _distributed_run(
        tf.distribute.get_strategy(),
        jit_compile=True,
        steps_per_execution=2,
        **options,
    )
    assert getattr(plain.train_function, "fused_steps", 1) == 1
    assert getattr(xla.train_function, "fused_steps", 1) == 2
    for a, b in zip(_weights(plain), _weights(xla), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_augmentation_off_is_the_plain_step_exactly():
    plain = _gan()
    off = _gan(augment="none", instance_noise=0.0)
    _fit(plain, _images(32))
    _fit(off, _images(32))
    assert not hasattr(off, "ada")
    assert [v.path for v in plain.weights] == [v.path for v in off.weights]
    for a, b in zip(_weights(plain), _weights(off), strict=True):
        np.testing.assert_array_equal(a, b)
    # and it changes the step when on
    on = _gan(augment="diffaugment:translation,cutout")
    _fit(on, _images(32))
    assert not np.array_equal(
        on.discriminator.weights[0].numpy(),
        plain.discriminator.weights[0].numpy(),
    )


def test_a_checkpoint_of_a_plain_gan_restores_into_an_unaugmented_one(
    tmp_path,
):
    """No new tracked state without augmentation: an older checkpoint
    restores with assert_existing_objects_matched."""
    plain = _gan()
    _fit(plain, _images(16))
    path = tf.train.Checkpoint(gan=plain).write(str(tmp_path / "ckpt"))
    other = _gan(seed=1, augment="none", instance_noise=0.0)
    _fit(other, _images(8))
    tf.train.Checkpoint(gan=other).read(path).assert_existing_objects_matched()
    for a, b in zip(_weights(plain), _weights(other), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("options", POLICIES, ids=IDS)
def test_gradients_reach_g_through_the_augmentation(options):
    """One G step from the same weights and noise: every G kernel moves,
    and differently from the plain G step."""
    ada_p = 0.9 if options.get("augment") == "ada" else None
    plain, augmented = _gan(), _gan(ada_p=ada_p, **options)
    before = [v.numpy() for v in plain.generator.trainable_variables]
    real = tf.constant(_images(8))
    for gan in (plain, augmented):
        gan._generator_step(8, real, tf.constant(0, tf.int64))
    for b, p, a in zip(
        before,
        plain.generator.trainable_variables,
        augmented.generator.trainable_variables,
        strict=True,
    ):
        assert not np.array_equal(a.numpy(), b)
        assert not np.allclose(a.numpy(), p.numpy(), rtol=0, atol=1e-7)


@pytest.mark.slow  # ~8-12 s
def test_ada_p_is_logged_and_resumes_exactly(tmp_path):
    """4 + 4 steps with a checkpoint between == 8 uninterrupted steps: p,
    r_t and every weight."""
    x = _images(64)
    whole = _gan(augment="ada", ada_p=0.3)
    logs = _fit(whole, x).history
    assert "ada_p" in logs
    np.testing.assert_allclose(logs["ada_p"][-1], whole.ada.p.numpy())
    assert whole.ada.p.numpy() != pytest.approx(0.3, abs=1e-7)  # it moved

    first = _gan(augment="ada", ada_p=0.3)
    _fit(first, x[:32])
    path = tf.train.Checkpoint(gan=first).write(str(tmp_path / "ckpt"))
    resumed = _gan(seed=5, augment="ada")
    tf.train.Checkpoint(gan=resumed).read(
        path
    ).assert_existing_objects_matched()
    assert resumed.ada.p.numpy() == first.ada.p.numpy()
    _fit(resumed, x[32:])
    assert resumed.ada.p.numpy() == whole.ada.p.numpy()
    assert resumed.ada.rt.numpy() == whole.ada.rt.numpy()
    for a, b in zip(_weights(whole), _weights(resumed), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_ada_p_follows_the_sign_of_d_on_reals():
    """r_t = E[sign D(T(real))] over the batch: p rises by N / 500k after
    every 4 D steps when r_t > 0.6 (a D biased to call everything real)."""
    gan = _gan(augment="ada", ada_p=0.5)
    logit = gan.discriminator.get_layer("logit")
    logit.bias.assign([100.0])
    gan.d_optimizer.learning_rate.assign(0.0)
    gan.g_optimizer.learning_rate.assign(0.0)
    _fit(gan, _images(32))  # 4 D steps of 8 reals: one adjustment
    assert gan.ada.rt.numpy() == pytest.approx(1.0)
    np.testing.assert_allclose(gan.ada.p.numpy(), 0.5 + 32 / 500_000)


def test_unsupported_combinations_are_errors():
    with pytest.raises(ValueError, match="unroll_steps"):
        _gan(augment="ada", unroll_steps=1)
    with pytest.raises(ValueError, match="layer gradient penalty"):
        keras.utils.set_random_seed(0)
        gan = kg.GAN(
            kg.networks.mlp_generator(4, SHAPE, (16,)),
            kg.networks.mlp_discriminator(SHAPE, (16,)),
            4,
        )
        gan.compile(
            keras.optimizers.Adam(),
            keras.optimizers.Adam(),
            penalty=kg.penalties.get("r1", layer="dense_0"),
            penalty_weight=1.0,
            instance_noise=0.1,
        )
    with pytest.raises(ValueError, match="Unknown augmentation"):
        _gan(augment="mixup")
    with pytest.raises(ValueError, match="instance_noise must be"):
        _gan(instance_noise=-1.0)


def _distributed_run(strategy, jit_compile=False, **options):
    """Four steps of batch 8 from seed 0's weights (ADA's p from 0.5),
    built and compiled under ``strategy``."""
    keras.utils.set_random_seed(0)
    g = kg.networks.mlp_generator(4, SHAPE, (16,), output_activation="tanh")
    d = kg.networks.mlp_discriminator(SHAPE, (16,))
    weights = g.get_weights(), d.get_weights()
    with strategy.scope():
        g = kg.networks.mlp_generator(4, SHAPE, (16,), output_activation="tanh")
        d = kg.networks.mlp_discriminator(SHAPE, (16,))
        g.set_weights(weights[0])
        d.set_weights(weights[1])
        gan = kg.GAN(g, d, 4, seed=0)
        gan.compile(
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            penalty="r1",
            penalty_weight=1.0,
            jit_compile=jit_compile,
            **options,
        )
        if getattr(gan, "ada", None) is not None:
            gan.ada.p.assign(0.5)
    ds = tf.data.Dataset.from_tensor_slices(_images(32)).batch(
        8, drop_remainder=True
    )
    gan.fit(ds, epochs=1, verbose=0)
    return gan


@pytest.mark.slow
@pytest.mark.parametrize("options", POLICIES, ids=IDS)
def test_mirrored_equals_one_device(mirrored_strategy, options):
    """Two replicas, each with half the batch, equal one device: the
    transform's draws are replica-consistent and ADA's r_t is the global
    batch's."""
    # One step an execution, as "auto" gives under two replicas.
    one = one_device_run(_distributed_run, steps_per_execution=1, **options)
    two = _distributed_run(mirrored_strategy, **options)
    for a, b in zip(one.weights, two.weights, strict=True):
        np.testing.assert_allclose(
            a.numpy(), b.numpy(), rtol=1e-5, atol=1e-5
        )
    if options.get("augment") == "ada":
        assert two.ada.p.numpy() == pytest.approx(one.ada.p.numpy(), abs=1e-7)
        assert two.ada.rt.numpy() == pytest.approx(one.ada.rt.numpy())
        assert one.ada.p.numpy() != 0.5


def test_the_penalty_is_taken_at_the_clean_samples_through_the_transform():
    """With augmentation the penalty's D is u -> D(T(u)) at the clean
    batch: R1 then equals R1 of augmented_discriminator at the clean
    reals (the same draw), not R1 of D at the augmented reals."""
    gan = _gan(augment="diffaugment:color")
    real = tf.constant(_images(8))
    fake = tf.constant(_images(8, seed=1))
    root, index, it = gan.rng_seed, tf.constant(0, tf.int64), tf.constant(
        0, tf.int64
    )
    real_t, _, penalized = gan.augmentation.discriminator_inputs(
        gan.discriminator, real, fake, root, index, it
    )
    seed = tf.constant([0, 0], tf.int64)
    at_clean = float(kg.penalties.r1(penalized, real, fake, seed))
    seed_t = kg.rng.stream(
        kg.rng.stream(
            kg.rng.fold_in(kg.rng.stream(root, "augment/discriminator"), 0),
            "penalty",
        ),
        "augment",
    )
    by_hand = kg.penalties.r1(
        kg.augment.augmented_discriminator(
            gan.discriminator,
            lambda u, seed: kg.augment.diff_augment(u, "color", seed),
            seed_t,
        ),
        real,
        fake,
        seed,
    )
    np.testing.assert_allclose(at_clean, float(by_hand), rtol=1e-5)
    at_augmented = float(kg.penalties.r1(gan.discriminator, real_t, fake, seed))
    assert abs(at_clean - at_augmented) > 1e-6 * abs(at_augmented)
