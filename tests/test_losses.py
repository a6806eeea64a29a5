import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import losses

REAL = [0.0, 1.5, -2.0, 3.0]
FAKE = [0.5, -1.0, 2.0, 0.0]


def sp(v):
    return math.log1p(math.exp(v))


def mean(values):
    return sum(values) / len(values)


# Hand-computed oracles, element by element with the math module.
EXPECTED = {
    "minimax": (
        mean([sp(-r) for r in REAL]),
        mean([sp(f) for f in FAKE]),
        -mean([sp(f) for f in FAKE]),
    ),
    "non_saturating": (
        mean([sp(-r) for r in REAL]),
        mean([sp(f) for f in FAKE]),
        mean([sp(-f) for f in FAKE]),
    ),
    "wasserstein": (-mean(REAL), mean(FAKE), -mean(FAKE)),
    "hinge": (
        mean([max(0.0, 1 - r) for r in REAL]),
        mean([max(0.0, 1 + f) for f in FAKE]),
        -mean(FAKE),
    ),
}


def test_hand_computed_literals():
    # A few entries written out by hand: sp(0) = ln 2.
    d_real, d_fake, g = losses.wasserstein(REAL, FAKE)
    assert float(d_real) == pytest.approx(-0.625)
    assert float(d_fake) == pytest.approx(0.375)
    _, d_fake, _ = losses.hinge(REAL, FAKE)
    assert float(d_fake) == pytest.approx((1.5 + 0.0 + 3.0 + 1.0) / 4)
    d_real, _, _ = losses.non_saturating([0.0] * 4, FAKE)
    assert float(d_real) == pytest.approx(math.log(2.0), rel=1e-6)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_values_match_oracle(name):
    got = losses.get(name)(tf.constant(REAL), tf.constant(FAKE))
    np.testing.assert_allclose(
        [float(v) for v in got], EXPECTED[name], rtol=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("name", losses.names())
def test_invariants(name):
    fn = losses.get(name)
    flat = fn(tf.constant(REAL), tf.constant(FAKE))
    column = fn(tf.constant(REAL)[:, None], tf.constant(FAKE)[:, None])
    half = fn(tf.constant(REAL, tf.float16), tf.constant(FAKE, tf.float16))
    for a, b, c in zip(flat, column, half):
        assert a.shape == () and a.dtype == tf.float32
        assert c.dtype == tf.float32
        assert float(a) == pytest.approx(float(b))
        assert float(a) == pytest.approx(float(c), abs=2e-3)


def test_generator_loss_ignores_real_logits():
    for name in losses.names():
        fn = losses.get(name)
        _, _, g1 = fn(tf.constant(REAL), tf.constant(FAKE))
        _, _, g2 = fn(tf.constant([9.0, 9.0, 9.0, 9.0]), tf.constant(FAKE))
        assert float(g1) == float(g2)


def test_registry():
    assert losses.names() == [
        "hinge",
        "minimax",
        "non_saturating",
        "wasserstein",
    ]
    assert losses.get(losses.hinge) is losses.hinge
    assert losses.is_logistic(losses.non_saturating)
    assert not losses.is_logistic(losses.wasserstein)
    with pytest.raises(
        ValueError, match="Unknown GAN loss 'lsgan'.*hinge, minimax"
    ):
        losses.get("lsgan")
