import numpy as np
import pytest
import tensorflow as tf

from keras_gans import rng


def _draws(seed_var, step):
    s = rng.fold_in(seed_var, step)
    seeds = rng.split_seed(s, 3)
    return s, seeds, rng.normal([5, 3], seeds[0]), rng.uniform([7], seeds[1])


def test_xla_equals_no_xla_for_dynamic_seeds():
    # Seeds read from variables (as in a train step), not constants.
    seed = tf.Variable([4, 0], dtype=tf.int64)
    step = tf.Variable(7, dtype=tf.int64)
    plain = tf.function(_draws, jit_compile=False)(seed, step)
    xla = tf.function(_draws, jit_compile=True)(seed, step)
    for a, b in zip(plain, xla):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_distributions():
    seed = tf.constant([1, 2], tf.int64)
    u = rng.uniform([200_000], seed).numpy()
    z = rng.normal([200_000], seed).numpy()
    assert u.min() > 0.0 and u.max() < 1.0
    assert u.mean() == pytest.approx(0.5, abs=0.005)
    assert u.var() == pytest.approx(1 / 12, abs=0.002)
    assert z.mean() == pytest.approx(0.0, abs=0.01)
    assert z.std() == pytest.approx(1.0, abs=0.01)
    # Tail mass of a standard normal beyond 2 sigma: 4.55%.
    assert np.mean(np.abs(z) > 2) == pytest.approx(0.0455, abs=0.003)


def test_seeds_are_distinct_and_reproducible():
    seed = tf.constant([9, 9], tf.int64)
    a = rng.fold_in(seed, 1).numpy()
    assert np.array_equal(a, rng.fold_in(seed, 1).numpy())
    assert not np.array_equal(a, rng.fold_in(seed, 2).numpy())
    split = rng.split_seed(seed, 4).numpy()
    assert len({tuple(r) for r in split}) == 4
    x = rng.normal([4], split[0]).numpy()
    assert not np.array_equal(x, rng.normal([4], split[1]).numpy())
