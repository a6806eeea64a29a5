"""Penalties against closed forms for linear and quadratic discriminators."""

import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import penalties

SEED = tf.constant([3, 7], tf.int64)
SHAPES = [(6, 3), (4, 2, 3, 2)]  # rank 2 and rank 4


class Linear:
    """D(x) = w . x + b over all non-batch axes; remembers its inputs."""

    def __init__(self, w, b=0.3):
        self.w = tf.Variable(tf.constant(w, tf.float32))
        self.b = b
        self.inputs = []

    def __call__(self, x, training=False):
        self.inputs.append(x)
        axes = list(range(1, x.shape.rank))
        return tf.reduce_sum(x * self.w, axis=axes)[:, None] + self.b


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    real = tf.constant(rng.normal(size=shape), tf.float32)
    fake = tf.constant(rng.normal(size=shape) + 2.0, tf.float32)
    return real, fake


def _weights(shape, scale):
    rng = np.random.default_rng(42)
    w = rng.normal(size=shape[1:])
    return (scale * w / np.linalg.norm(w)).astype(np.float32)


def closed_form(name, norm, k=1.0):
    return {
        "none": 0.0,
        "r1": norm**2,
        "r2": norm**2,
        "r1_r2": norm**2,  # (|w|^2 + |w|^2) / 2
        "zero_gp": norm**2,
        "wgan_gp": (norm - 1.0) ** 2,
        "dragan": (norm - 1.0) ** 2,
        "lipschitz": max(0.0, norm - k) ** 2,
    }[name]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", penalties.names())
@pytest.mark.parametrize("norm", [0.4, 2.5])
def test_linear_discriminator_closed_form(name, shape, norm):
    real, fake = _data(shape)
    d = Linear(_weights(shape, norm))
    value = penalties.get(name)(d, real, fake, SEED)
    assert value.shape == () and value.dtype == tf.float32
    assert float(value) == pytest.approx(
        closed_form(name, norm), rel=1e-5, abs=1e-6
    )


@pytest.mark.parametrize("k", [0.5, 3.0])
def test_lipschitz_target(k):
    real, fake = _data((5, 4))
    d = Linear(_weights((5, 4), 2.0))
    value = penalties.get("lipschitz", k=k)(d, real, fake, SEED)
    assert float(value) == pytest.approx(max(0.0, 2.0 - k) ** 2, rel=1e-5)


@pytest.mark.parametrize("name", ["r1", "zero_gp", "wgan_gp", "lipschitz"])
def test_sigmoid_output_closed_form(name):
    # real == fake makes every interpolate equal to x, whatever the alphas:
    # grad sigmoid(D)(x) = s (1 - s) w with s = sigmoid(w.x + b).
    real, _ = _data((8, 3))
    w = _weights((8, 3), 1.7)
    d = Linear(w)
    s = 1.0 / (1.0 + np.exp(-(real.numpy() @ w + 0.3)))
    norms = s * (1 - s) * 1.7
    per_example = {
        "r1": norms**2,
        "zero_gp": norms**2,
        "wgan_gp": (norms - 1.0) ** 2,
        "lipschitz": np.maximum(norms - 1.0, 0.0) ** 2,
    }[name]
    value = penalties.get(name, output="sigmoid")(d, real, real, SEED)
    assert float(value) == pytest.approx(per_example.mean(), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name", ["zero_gp", "wgan_gp", "lipschitz"])
def test_interpolates_use_one_uniform_alpha_per_example(name):
    shape = (64, 2, 3)
    real, fake = _data(shape)
    d = Linear(_weights(shape, 1.0))
    penalties.get(name)(d, real, fake, SEED)
    u = d.inputs[-1].numpy()
    alpha = (u - fake.numpy()) / (real.numpy() - fake.numpy())
    per_example = alpha.reshape(64, -1)
    np.testing.assert_allclose(
        per_example, per_example[:, :1].repeat(6, axis=1), atol=1e-4
    )
    assert per_example.min() >= 0.0 and per_example.max() <= 1.0
    # 64 draws from U[0, 1]: spread over the interval, not clustered.
    assert per_example[:, 0].std() > 0.2


def test_dragan_perturbs_within_half_std():
    shape = (128, 3)
    real, fake = _data(shape)
    d = Linear(_weights(shape, 1.0))
    penalties.dragan(d, real, fake, SEED)
    offset = d.inputs[-1].numpy() - real.numpy()
    half_std = 0.5 * real.numpy().std()
    assert offset.min() >= 0.0 and offset.max() <= half_std + 1e-6
    assert offset.max() > 0.5 * half_std


def test_zero_gp_expectation_for_quadratic_discriminator():
    # D(u) = |u|^2 / 2 has grad u; with x = 1, y = 0: |grad|^2 = d alpha^2,
    # whose mean over U[0, 1] is d / 3.
    def d(u, training=False):
        return 0.5 * tf.reduce_sum(tf.square(u), axis=[1, 2, 3])

    shape = (4000, 2, 2, 1)
    value = penalties.zero_gp(d, tf.ones(shape), tf.zeros(shape), SEED)
    assert float(value) == pytest.approx(4.0 / 3.0, rel=0.05)


@pytest.mark.parametrize("name", ["zero_gp", "wgan_gp", "dragan", "lipschitz"])
def test_seeded_and_reproducible(name):
    def d(u, training=False):
        return 0.5 * tf.reduce_sum(tf.square(u), axis=1)

    real, fake = _data((16, 3))
    fn = penalties.get(name)
    a = fn(d, real, fake, SEED)
    b = fn(d, real, fake, SEED)
    c = fn(d, real, fake, tf.constant([4, 7], tf.int64))
    assert float(a) == float(b)
    assert float(a) != float(c)


def test_double_backprop_matches_analytic_weight_gradient():
    real, fake = _data((6, 3))
    w = _weights((6, 3), 2.0)
    d = Linear(w)
    with tf.GradientTape(persistent=True) as tape:
        r1 = penalties.r1(d, real, fake, SEED)
        gp = penalties.wgan_gp(d, real, fake, SEED)
    np.testing.assert_allclose(tape.gradient(r1, d.w), 2 * w, rtol=1e-5)
    norm = np.linalg.norm(w)
    np.testing.assert_allclose(
        tape.gradient(gp, d.w), 2 * (norm - 1) * w / norm, rtol=1e-5
    )


@pytest.mark.parametrize("name", ["wgan_gp", "dragan", "lipschitz"])
def test_zero_gradient_is_finite(name):
    # sqrt(0) has an infinite derivative; epsilon inside the root keeps the
    # penalty and its weight gradient finite for a flat discriminator.
    real, fake = _data((4, 3))
    d = Linear(np.zeros(3, np.float32))
    with tf.GradientTape() as tape:
        value = penalties.get(name)(d, real, fake, SEED)
    grad = tape.gradient(value, d.w)
    expected = 0.0 if name == "lipschitz" else 1.0
    assert float(value) == pytest.approx(expected, abs=1e-5)
    assert np.all(np.isfinite(grad.numpy()))


def test_keras_discriminator():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    w = model.layers[0].kernel.numpy()[:, 0]
    real, fake = _data((5, 3))
    value = penalties.r1(model, real, fake, SEED)
    assert float(value) == pytest.approx(float(w @ w), rel=1e-5)


def test_registry_errors():
    assert penalties.names() == [
        "dragan",
        "lipschitz",
        "none",
        "r1",
        "r1_r2",
        "r2",
        "wgan_gp",
        "zero_gp",
    ]
    with pytest.raises(
        ValueError, match="Unknown gradient penalty 'gp'.*dragan"
    ):
        penalties.get("gp")
    with pytest.raises(ValueError, match="takes no option.*'k'"):
        penalties.get("r1", k=2.0)
    with pytest.raises(ValueError, match="k > 0"):
        penalties.get("lipschitz", k=0.0)
    with pytest.raises(ValueError, match="Unknown penalty output 'prob'"):
        penalties.get("r1", output="prob")
    assert math.isclose(float(penalties.none(None, None, None, None)), 0.0)


@pytest.mark.parametrize("name", penalties.names())
def test_int_seed_is_the_pair_seed(name):
    # As keras.random accepts an int seed: int s is the seed [s, 0].
    def d(u, training=False):
        return 0.5 * tf.reduce_sum(tf.square(u), axis=1)

    real, fake = _data((8, 3))
    fn = penalties.get(name)
    as_int = float(fn(d, real, fake, 5))
    assert as_int == float(fn(d, real, fake, tf.constant([5, 0], tf.int64)))
    assert np.isfinite(as_int)
ZERO_CENTRED = ["r1", "r2", "r1_r2", "zero_gp"]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ZERO_CENTRED)
def test_l1_norm_on_a_linear_discriminator(name, shape):
    # grad D = w everywhere: E |grad|_1 = |w|_1, computed by hand.
    real, fake = _data(shape)
    w = _weights(shape, 1.7)
    value = penalties.get(name, norm="l1")(Linear(w), real, fake, SEED)
    assert value.shape == () and value.dtype == tf.float32
    assert float(value) == pytest.approx(np.abs(w).sum(), rel=1e-5)


def test_l1_norm_of_the_sigmoid():
    # d sigmoid(D)/dx = s (1 - s) w, s = sigmoid(w . x + b), per example.
    real, fake = _data((6, 3))
    w = _weights((6, 3), 1.3)
    value = penalties.get("r1", norm="l1", output="sigmoid")(
        Linear(w), real, fake, SEED
    )
    s = 1.0 / (1.0 + np.exp(-(real.numpy() @ w + 0.3)))
    expected = np.mean(s * (1.0 - s)) * np.abs(w).sum()
    assert float(value) == pytest.approx(expected, rel=1e-5)


def _two_layer(v, w):
    """D(x) = v . (W x): a functional model with the hidden layer 'hidden'."""
    import keras

    x = keras.Input((w.shape[0],), name="sample")
    hidden = keras.layers.Dense(w.shape[1], use_bias=False, name="hidden")
    out = keras.layers.Dense(1, use_bias=False, name="out")
    model = keras.Model(x, out(hidden(x)), name="two_layer")
    hidden.set_weights([w])
    out.set_weights([v[:, None]])
    return model


@pytest.mark.parametrize("name", ZERO_CENTRED)
@pytest.mark.parametrize("norm", ["l2", "l1"])
def test_layer_penalty_on_a_two_layer_linear_discriminator(name, norm):
    # The gradient w.r.t. the hidden activation h = W x is v for every x.
    rng = np.random.default_rng(5)
    v = rng.normal(size=4).astype(np.float32)
    w = rng.normal(size=(3, 4)).astype(np.float32)
    real, fake = _data((6, 3))
    d = _two_layer(v, w)
    value = penalties.get(name, layer="hidden", norm=norm)(d, real, fake, SEED)
    expected = np.sum(v**2) if norm == "l2" else np.sum(np.abs(v))
    assert float(value) == pytest.approx(expected, rel=1e-5)
    # The input gradient is W v instead: the layer option changed the point.
    plain = penalties.get(name, norm=norm)(d, real, fake, SEED)
    wv = w @ v
    expected_input = np.sum(wv**2) if norm == "l2" else np.sum(np.abs(wv))
    assert float(plain) == pytest.approx(expected_input, rel=1e-5)


def test_layer_penalty_double_backprop_gives_the_analytic_weight_gradient():
    # P = |v|^2, so dP/dv = 2 v and dP/dW = 0 (P does not depend on W).
    rng = np.random.default_rng(6)
    v = rng.normal(size=4).astype(np.float32)
    w = rng.normal(size=(3, 4)).astype(np.float32)
    real, fake = _data((6, 3))
    d = _two_layer(v, w)
    with tf.GradientTape() as tape:
        value = penalties.get("r1", layer="hidden")(d, real, fake, SEED)
    grad_w, grad_v = tape.gradient(value, d.trainable_weights)
    np.testing.assert_allclose(grad_v.numpy()[:, 0], 2 * v, rtol=1e-5)
    assert grad_w is None or np.allclose(grad_w.numpy(), 0.0)


def test_layer_and_norm_errors():
    real, fake = _data((6, 3))
    d = _two_layer(np.ones(4, np.float32), np.ones((3, 4), np.float32))
    with pytest.raises(
        ValueError, match="no layer 'hidden_1'.*sample, hidden, out"
    ):
        penalties.get("r1", layer="hidden_1")(d, real, fake, SEED)
    with pytest.raises(ValueError, match="functional or Sequential"):
        penalties.get("r1", layer="hidden")(
            Linear(np.ones(3, np.float32)), real, fake, SEED
        )
    with pytest.raises(ValueError, match="Valid: l2, l1"):
        penalties.get("r1", norm="l3")
    with pytest.raises(ValueError, match="takes no option"):
        penalties.get("wgan_gp", norm="l1")
    with pytest.raises(ValueError, match="layer name"):
        penalties.get("r2", layer=3)
    penalties.check_layer(d, "hidden")


@pytest.mark.parametrize("norm", ["l2", "l1"])
@pytest.mark.parametrize("output", ["logit", "sigmoid"])
def test_r1_r2_is_half_of_r1_plus_r2_by_hand(norm, output):
    """R3GAN's gamma/2 (R1 + R2) with R_i = E |grad D|^2: lambda * r1_r2
    with lambda = gamma. D(u) = 0.5 |u|^2 + 0.3 has grad D(u) = u (logit)
    and sigmoid(D(u)) (1 - sigmoid(D(u))) u (sigmoid), so R1 and R2
    differ and each is written out by hand."""

    def d(u, training=False):
        return 0.5 * tf.reduce_sum(tf.square(u), axis=1) + 0.3

    real, fake = _data((6, 3))

    def by_hand(x):
        x = x.numpy().astype(np.float64)
        g = x
        if output == "sigmoid":
            s = 1 / (1 + np.exp(-(0.5 * np.sum(x**2, 1) + 0.3)))
            g = (s * (1 - s))[:, None] * x
        per = np.sum(g**2, 1) if norm == "l2" else np.sum(np.abs(g), 1)
        return per.mean()

    r1_hand, r2_hand = by_hand(real), by_hand(fake)
    assert abs(r1_hand - r2_hand) > 0.1 * r1_hand  # the test can tell them
    value = penalties.get("r1_r2", norm=norm, output=output)(
        d, real, fake, SEED
    )
    assert float(value) == pytest.approx((r1_hand + r2_hand) / 2, rel=1e-5)


def test_r1_r2_parts_carry_the_options():
    parts = penalties.parts(penalties.get("r1_r2", norm="l1"))
    assert [w for w, _ in parts] == [0.5, 0.5]
    assert [p.func for _, p in parts] == [penalties.r1, penalties.r2]
    assert all(p.keywords == {"norm": "l1"} for _, p in parts)
    assert penalties.parts(penalties.r1) == [(1.0, penalties.r1)]
