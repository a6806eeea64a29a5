"""MirroredStrategy on two logical CPUs equals one device; XLA equals no XLA.

The one-device runs without callbacks are deterministic functions of their
settings: several tests compare against the same one, so it is trained once
per test process (``single``).
"""

import functools
import inspect

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers.strategy import two_cpus

import keras_gans as kg
from keras_gans import distribute

GLOBAL_BATCH = 8
STEPS = 3


def _reference_weights(shape, latent_dim):
    keras.utils.set_random_seed(11)
    g = kg.networks.mlp_generator(latent_dim, shape, (16,))
    d = kg.networks.mlp_discriminator(shape, (16,))
    return g.get_weights(), d.get_weights()


def _data(shape, n_critic):
    rows = GLOBAL_BATCH * n_critic * STEPS
    data = np.random.default_rng(3).normal(size=(rows,) + shape)
    return data.astype(np.float32)


def train(
    strategy,
    penalty,
    n_critic=1,
    jit=False,
    shape=(2,),
    loss="non_saturating",
    ema_decay=None,
    callbacks=(),
    unroll_steps=0,
    penalty_every=1,
    real_weight=2.0,
):
    latent_dim = 3
    g_weights, d_weights = _reference_weights(shape, latent_dim)
    with strategy.scope():
        g = kg.networks.mlp_generator(latent_dim, shape, (16,))
        d = kg.networks.mlp_discriminator(shape, (16,))
        g.set_weights(g_weights)
        d.set_weights(d_weights)
        gan = kg.GAN(g, d, latent_dim, seed=4)
        gan.compile(
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            keras.optimizers.SGD(5e-2, momentum=0.9),
            loss=loss,
            penalty=penalty,
            penalty_weight=5.0,
            real_weight=real_weight,
            n_critic=n_critic,
            jit_compile=jit,
            ema_decay=ema_decay,
            unroll_steps=unroll_steps,
            penalty_every=penalty_every,
        )
    ds = tf.data.Dataset.from_tensor_slices(_data(shape, n_critic))
    history = gan.fit(
        ds.batch(GLOBAL_BATCH * n_critic, drop_remainder=True),
        epochs=1,
        verbose=0,
        callbacks=list(callbacks),
    ).history
    return [w.numpy() for w in gan.weights], history


_mirrored = two_cpus


@functools.cache
def _single(settings):
    return train(tf.distribute.get_strategy(), **dict(settings))


def single(penalty, **options):
    """``train`` on one device (no callbacks), trained once per process for
    each distinct setting (defaults filled in, so equal runs share)."""
    bound = inspect.signature(train).bind(None, penalty, **options)
    bound.apply_defaults()
    settings = dict(bound.arguments)
    del settings["strategy"]
    assert not settings["callbacks"], "runs with callbacks are not cached"
    return _single(tuple(sorted(settings.items())))


def _assert_same(a, b, tol=1e-5):
    weights_a, history_a = a
    weights_b, history_b = b
    assert len(weights_a) == len(weights_b)
    for x, y in zip(weights_a, weights_b):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)
    for key in ("d_loss", "g_loss", "penalty", "d_real", "d_fake"):
        assert history_a[key][0] == pytest.approx(
            history_b[key][0], rel=1e-4, abs=1e-5
        )


def test_mirrored_is_two_replicas_with_their_own_halves():
    """The mirrored runs below really are distributed: two replicas in sync,
    each on its own device, each with its own half of the global batch (so
    the loss scaling and gradient sums are exercised, not skipped)."""
    strategy = _mirrored()
    assert strategy.num_replicas_in_sync == 2
    rows = np.arange(2 * GLOBAL_BATCH, dtype=np.float32).reshape(-1, 2)
    dataset = strategy.experimental_distribute_dataset(
        tf.data.Dataset.from_tensor_slices(rows).batch(GLOBAL_BATCH)
    )

    def step(x):
        context = tf.distribute.get_replica_context()
        return context.replica_id_in_sync_group, x, tf.reduce_sum(x)

    outputs = strategy.run(step, args=(next(iter(dataset)),))
    ids, parts, sums = (
        strategy.experimental_local_results(t) for t in outputs
    )
    assert [int(i) for i in ids] == [0, 1]
    assert len({t.device for t in parts}) == 2
    assert [len(p) for p in parts] == [GLOBAL_BATCH // 2] * 2
    np.testing.assert_array_equal(np.concatenate(parts), rows)
    assert float(sums[0]) != float(sums[1])  # a per-replica value
    total = strategy.reduce(tf.distribute.ReduceOp.SUM, outputs[2], axis=None)
    assert float(total) == rows.sum()


@pytest.mark.parametrize(
    "penalty,n_critic",
    [("none", 1), ("r1", 1), ("zero_gp", 2), ("wgan_gp", 1), ("dragan", 1)],
)
def test_mirrored_equals_single_device(penalty, n_critic):
    mirrored = train(_mirrored(), penalty, n_critic)
    _assert_same(single(penalty, n_critic=n_critic), mirrored)


@pytest.mark.parametrize("penalty", ["r1", "zero_gp"])
def test_mirrored_lazy_penalty_equals_single_device(penalty):
    mirrored = train(_mirrored(), penalty, penalty_every=2)
    _assert_same(single(penalty, penalty_every=2), mirrored)


def test_mirrored_lazy_dragan_is_a_clear_error():
    # DRAGAN's cross-replica batch std cannot sit inside the lazy tf.cond.
    with pytest.raises(ValueError, match="penalty_every > 1 cannot"):
        train(_mirrored(), "dragan", penalty_every=2)
    single("dragan", penalty_every=2)


def test_mirrored_with_ema_equals_single_device():
    one = single("r1", ema_decay=0.5)
    mirrored = train(_mirrored(), "r1", ema_decay=0.5)
    _assert_same(one, mirrored)
    assert len(one[0]) > 8  # the shadow generator's weights are compared


def test_mirrored_with_replay_equals_single_device():
    buffers = []

    def run(strategy):
        buffers.append(kg.callbacks.ReplayBuffer(size=12, fraction=0.5))
        return train(strategy, "zero_gp", callbacks=[buffers[-1]])

    _assert_same(run(tf.distribute.get_strategy()), run(_mirrored()))
    np.testing.assert_allclose(
        buffers[0].contents(), buffers[1].contents(), rtol=1e-5, atol=1e-6
    )
    assert buffers[0].contents().shape == (12, 2)


def _ewc_run(strategy, jit):
    ewc = kg.callbacks.OnlineEWC(weight=2.0, every=2, num_batches=2)
    return train(strategy, "r1", jit=jit, callbacks=[ewc]), ewc


@functools.cache
def _ewc_single():
    """The one-device EWC run both cases compare with (trained once)."""
    return _ewc_run(tf.distribute.get_strategy(), False)


@pytest.mark.parametrize("jit", [False, True])
def test_online_ewc_mirrored_and_xla_equal_single_device(jit):
    (single, ewc_single) = _ewc_single()
    other = (
        _ewc_run(tf.distribute.get_strategy(), True)
        if jit
        else _ewc_run(_mirrored(), False)
    )
    _assert_same(single, other[0])
    for a, b in zip(
        ewc_single.fisher(), other[1].fisher(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert any(np.any(f > 0) for f in ewc_single.fisher())


def test_unrolled_mirrored_and_xla_equal_single_device():
    unrolled = single("r1", unroll_steps=2)
    _assert_same(unrolled, train(_mirrored(), "r1", unroll_steps=2))
    _assert_same(
        unrolled,
        train(tf.distribute.get_strategy(), "r1", jit=True, unroll_steps=2),
    )
    plain = single("r1")
    assert not np.allclose(plain[0][1], unrolled[0][1])


@pytest.mark.parametrize(
    "n_critic,unroll_steps", [(1, 0), (2, 0), (1, 2)],
    ids=["plain", "ncritic2", "unrolled2"],
)
def test_relativistic_r1_r2_mirrored_and_xla_equal_single_device(
    n_critic, unroll_steps
):
    """RpGAN + (R1 + R2)/2: G's loss pairs each replica's fakes with its
    own real rows, scaled to the global batch like every loss."""
    def run(strategy, jit=False):
        return train(
            strategy, "r1_r2", n_critic, jit=jit, loss="relativistic",
            real_weight=1.0, unroll_steps=unroll_steps,
        )

    single = run(tf.distribute.get_strategy())
    _assert_same(single, run(_mirrored()))
    _assert_same(single, run(tf.distribute.get_strategy(), jit=True))
    plain = train(
        tf.distribute.get_strategy(), "r1_r2", n_critic,
        real_weight=1.0, unroll_steps=unroll_steps,
    )
    assert not all(  # GAN-NS moves the weights elsewhere
        np.allclose(a, b) for a, b in zip(plain[0], single[0])
    )


def test_xla_over_several_cpus_is_a_clear_error():
    # TensorFlow's XLA puts every replica on CPU:0 and then fails reading
    # variables on CPU:1; the GAN says so at compile time instead.
    with pytest.raises(ValueError, match="jit_compile=True is not supported"):
        train(_mirrored(), "none", jit=True)


@pytest.mark.parametrize(
    "penalty,shape,loss",
    [
        ("none", (2,), "non_saturating"),
        ("r1", (4, 4, 1), "hinge"),
        ("zero_gp", (2,), "non_saturating"),
        ("wgan_gp", (3, 2), "wasserstein"),
        ("dragan", (2,), "minimax"),
        ("lipschitz", (2,), "wasserstein"),
    ],
)
def test_xla_equals_no_xla(penalty, shape, loss):
    strategy = tf.distribute.get_strategy()
    _assert_same(
        single(penalty, jit=False, shape=shape, loss=loss),
        train(strategy, penalty, jit=True, shape=shape, loss=loss),
    )


def test_replica_draws_rebuild_the_single_device_draw():
    seed = tf.constant([5, 6], tf.int64)
    full = kg.rng.normal([6, 2], seed).numpy()
    strategy = _mirrored()

    @tf.function
    def draw():
        return strategy.run(lambda: kg.rng.normal([3, 2], seed))

    parts = strategy.experimental_local_results(draw())
    np.testing.assert_array_equal(
        np.concatenate([p.numpy() for p in parts]), full
    )


def test_scale_loss_divides_by_replicas():
    strategy = _mirrored()

    @tf.function
    def scaled():
        return strategy.run(lambda: distribute.scale_loss(tf.constant(4.0)))

    values = strategy.experimental_local_results(scaled())
    assert [float(v) for v in values] == [2.0, 2.0]
    assert float(distribute.scale_loss(tf.constant(4.0))) == 4.0


def test_cross_replica_draws_equal_single_device_draws():
    # Eager code under strategy.scope() runs once: it must draw what a
    # single device draws (toy data, evaluation latents).
    seed = tf.constant([2, 9], tf.int64)
    plain = kg.rng.normal([5, 2], seed).numpy()
    batch = next(iter(kg.data.toy_dataset("ring", 8, seed=1))).numpy()
    with _mirrored().scope():
        np.testing.assert_array_equal(
            kg.rng.normal([5, 2], seed).numpy(), plain
        )
        scoped = next(iter(kg.data.toy_dataset("ring", 8, seed=1))).numpy()
    np.testing.assert_array_equal(scoped, batch)


def _dcgan_run(strategy, jit):
    keras.utils.set_random_seed(1)
    with strategy.scope():
        g, d = kg.networks.dcgan(4, (8, 8, 1), base_filters=4, seed=3)
        gan = kg.GAN(g, d, 4, seed=4)
        gan.compile(
            keras.optimizers.Adam(1e-2),
            keras.optimizers.Adam(1e-2),
            penalty="r1",
            penalty_weight=1.0,
            jit_compile=jit,
        )
    x = np.random.default_rng(0).uniform(-1, 1, (24, 8, 8, 1))
    ds = tf.data.Dataset.from_tensor_slices(x.astype(np.float32))
    history = gan.fit(
        ds.batch(GLOBAL_BATCH, drop_remainder=True), epochs=1, verbose=0
    ).history
    return [w.numpy() for w in gan.weights], history


@functools.cache
def _dcgan_single():
    """The one-device DCGAN run both cases compare with (trained once)."""
    return _dcgan_run(tf.distribute.get_strategy(), False)


@pytest.mark.slow
@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_dcgan_batchnorm_is_exact_under_mirrored_and_xla(jit):
    # G's BatchNorm is synchronized: under MirroredStrategy it normalises
    # with the global batch's statistics, as one device does.
    other = (
        _dcgan_run(tf.distribute.get_strategy(), True)
        if jit
        else _dcgan_run(_mirrored(), False)
    )
    _assert_same(_dcgan_single(), other, tol=1e-4)
