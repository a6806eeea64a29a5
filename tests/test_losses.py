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
    # Pairs by index: the i-th real logit with the i-th fake one.
    "relativistic": (
        mean([sp(f - r) for r, f in zip(REAL, FAKE)]),
        0.0,
        mean([sp(r - f) for r, f in zip(REAL, FAKE)]),
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


def test_generator_loss_reads_real_logits_only_for_a_paired_loss():
    for name in losses.names():
        fn = losses.get(name)
        _, _, g1 = fn(tf.constant(REAL), tf.constant(FAKE))
        _, _, g2 = fn(tf.constant([9.0, 9.0, 9.0, 9.0]), tf.constant(FAKE))
        assert losses.is_paired(fn) == (name == "relativistic")
        assert (float(g1) != float(g2)) == losses.is_paired(fn), name


def test_relativistic_by_hand():
    """d_r = [0, 1], d_f = [2, -1]: L_D = (sp(2) + sp(-2)) / 2 and L_G =
    (sp(-2) + sp(2)) / 2; with d_f = [2, 0] the two differ: L_D = (sp(2)
    + sp(-1)) / 2, L_G = (sp(-2) + sp(1)) / 2. sp(v) = ln(1 + e^v)."""
    sp2, sp1 = math.log(1 + math.e**2), math.log(1 + math.e)
    spm2, spm1 = math.log(1 + math.e**-2), math.log(1 + math.e**-1)
    d_loss, zero, g_loss = losses.get("relativistic")([0.0, 1.0], [2.0, -1.0])
    assert float(d_loss) == pytest.approx((sp2 + spm2) / 2, rel=1e-6)
    assert float(g_loss) == pytest.approx((spm2 + sp2) / 2, rel=1e-6)
    assert float(zero) == 0.0
    d_loss, _, g_loss = losses.relativistic([[0.0], [1.0]], [[2.0], [0.0]])
    assert float(d_loss) == pytest.approx((sp2 + spm1) / 2, rel=1e-6)
    assert float(g_loss) == pytest.approx((spm2 + sp1) / 2, rel=1e-6)
    # Pairs by index: another pairing of the same logits gives another loss.
    d_swapped, _, _ = losses.relativistic([1.0, 0.0], [2.0, 0.0])
    assert float(d_swapped) == pytest.approx((sp1 + math.log(2)) / 2, rel=1e-6)


def test_relativistic_takes_no_label_smoothing():
    with pytest.raises(ValueError, match="takes no option"):
        losses.get("relativistic", label_smoothing=0.9)
    assert not losses.is_logistic(losses.relativistic)


def test_registry():
    assert losses.names() == [
        "hinge",
        "minimax",
        "non_saturating",
        "relativistic",
        "wasserstein",
    ]
    assert losses.get(losses.hinge) is losses.hinge
    assert losses.is_logistic(losses.non_saturating)
    assert not losses.is_logistic(losses.wasserstein)
    with pytest.raises(
        ValueError, match="Unknown GAN loss 'lsgan'.*hinge, minimax"
    ):
        losses.get("lsgan")


@pytest.mark.parametrize("name", ["minimax", "non_saturating"])
@pytest.mark.parametrize("s", [0.9, 0.75, 1.0])
def test_one_sided_label_smoothing_by_hand(name, s):
    d_real, d_fake, g = losses.get(name, label_smoothing=s)(REAL, FAKE)
    # Binary cross-entropy with target s, element by element.
    expected_real = mean([s * sp(-r) + (1 - s) * sp(r) for r in REAL])
    np.testing.assert_allclose(float(d_real), expected_real, rtol=1e-6)
    # One-sided: the fake term and G's loss are untouched.
    np.testing.assert_allclose(float(d_fake), EXPECTED[name][1], rtol=1e-6)
    np.testing.assert_allclose(float(g), EXPECTED[name][2], rtol=1e-6)
    assert losses.is_logistic(losses.get(name, label_smoothing=s))


def test_label_smoothing_value_at_zero_logit_and_its_minimum():
    # d_r = 0: -log(1/2) whatever s; the minimum over d_r is at
    # sigmoid(d_r) = s (a smoothed D is not pushed to infinite logits).
    s = 0.9
    fn = losses.get("non_saturating", label_smoothing=s)
    np.testing.assert_allclose(float(fn([0.0], [0.0])[0]), math.log(2.0))
    logit = math.log(s / (1 - s))
    x = tf.Variable([logit])
    with tf.GradientTape() as tape:
        loss = fn(x, [0.0])[0]
    np.testing.assert_allclose(float(tape.gradient(loss, x)[0]), 0.0,
                               atol=1e-6)


@pytest.mark.parametrize("s", [0.5, 0.3, 1.01, -1.0])
def test_label_smoothing_outside_range_is_an_error(s):
    with pytest.raises(ValueError, match=r"label_smoothing .* \(0.5, 1\]"):
        losses.get("non_saturating", label_smoothing=s)


@pytest.mark.parametrize("name", ["wasserstein", "hinge"])
def test_label_smoothing_with_a_non_logistic_loss_is_an_error(name):
    with pytest.raises(
        ValueError, match="label smoothing is for the logistic losses"
    ):
        losses.get(name, label_smoothing=0.9)
    with pytest.raises(ValueError, match="takes no option"):
        losses.get(name, smoothing=0.9)
