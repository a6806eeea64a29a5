"""Mixed precision: loss scaling that keeps double-backprop penalties right."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg


@pytest.fixture
def policy():
    previous = keras.config.dtype_policy()

    def set_policy(name):
        keras.config.set_dtype_policy(name)

    yield set_policy
    keras.config.set_dtype_policy(previous)


def _deep_linear(weight, depth, width=4, dim=3):
    """D(x) = 1^T W_d ... W_1 x with every entry ``weight``: its input
    gradient has every entry ``weight^depth * width^(depth-1)``."""
    x = keras.Input((dim,))
    h = x
    for i in range(depth - 1):
        h = keras.layers.Dense(
            width, use_bias=False, kernel_initializer="ones", name=f"d{i}"
        )(h)
    out = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")(h)
    model = keras.Model(x, out)
    model.set_weights([w * weight for w in model.get_weights()])
    return model


def test_inner_gradient_scaling_prevents_float16_underflow(policy):
    policy("mixed_float16")
    depth, width, dim, weight = 3, 4, 3, 1e-3
    d = _deep_linear(weight, depth, width, dim)
    g = weight**depth * width ** (depth - 1)  # 1.6e-8: below float16 range
    exact = dim * g**2
    x = tf.random.stateless_normal([5, dim], [0, 1])
    # Unscaled, the float16 backward pass loses the gradient ...
    unscaled = float(kg.penalties.r1(d, x, x, None))
    assert abs(unscaled - exact) > 0.5 * exact
    # ... scaled by a loss scale it is exact to float16 precision.
    scaled_d = kg.penalties.gradient_scaled(d, 2.0**15)
    scaled = float(kg.penalties.r1(scaled_d, x, x, None))
    assert scaled == pytest.approx(exact, rel=2e-2)


def test_gradient_scale_is_a_no_op_in_float32():
    d = _deep_linear(0.5, 2)
    x = tf.ones([2, 3])
    plain = float(kg.penalties.zero_gp(d, x, 2 * x, [0, 1]))
    scaled_d = kg.penalties.gradient_scaled(d, 1024.0)
    scaled = float(kg.penalties.zero_gp(scaled_d, x, 2 * x, [0, 1]))
    # grad = 0.5^2 * 4 per input entry, 3 entries.
    assert plain == pytest.approx(3 * 1.0**2, rel=1e-6)
    assert scaled == pytest.approx(plain, rel=1e-6)


@pytest.mark.parametrize(
    "name,penalty,jit",
    [
        ("mixed_float16", "r1", False),
        ("mixed_float16", "zero_gp", True),
        ("mixed_float16", "wgan_gp", False),
        ("mixed_bfloat16", "r1", True),
        ("mixed_bfloat16", "zero_gp", False),
    ],
)
def test_mixed_precision_fit_is_finite(policy, name, penalty, jit):
    policy(name)
    keras.utils.set_random_seed(0)
    gan = kg.GAN(
        kg.networks.mlp_generator(2, 2, (16, 16)),
        kg.networks.mlp_discriminator(2, (16, 16)),
        2,
        seed=0,
    )
    make = (
        keras.optimizers.LossScaleOptimizer
        if name == "mixed_float16"
        else lambda opt: opt
    )
    gan.compile(
        make(keras.optimizers.Adam(1e-3)),
        make(keras.optimizers.Adam(1e-3)),
        penalty=penalty,
        penalty_weight=1.0,
        ema_decay=0.9,
        jit_compile=jit,
        steps_per_execution=5 if jit else 1,
    )
    history = gan.fit(
        kg.data.toy_dataset("ring", 32, seed=0),
        epochs=3,
        steps_per_epoch=5,
        verbose=0,
    ).history
    assert gan.discriminator.layers[1].compute_dtype != "float32"
    assert all(w.dtype == "float32" for w in gan.trainable_weights)
    for key in ("d_loss", "g_loss", "penalty"):
        assert np.all(np.isfinite(history[key])), key
    assert min(history["penalty"]) > 0
    samples = gan.generate(16, seed=1)
    assert samples.dtype == np.float32 and np.all(np.isfinite(samples))


def test_inner_overflow_skips_the_step_and_lowers_the_scale(policy):
    # D(x) = 300 * sum(x): the loss-scaled inner gradient 300 * 2^15
    # overflows float16, so the first D steps are skipped while the scale
    # falls; nothing non-finite reaches the logs (TerminateOnNaN stays
    # quiet) and the penalty logged afterwards is exact: 2 * 300^2.
    policy("mixed_float16")
    z = keras.Input((1,))
    x = keras.Input((2,))
    generator = keras.Model(z, keras.layers.Dense(2)(z))
    logit = keras.layers.Dense(
        1,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(300.0),
    )(x)
    gan = kg.GAN(generator, keras.Model(x, logit), 1, seed=0)
    d_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.0))
    gan.compile(
        d_opt,
        keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.0)),
        penalty="r1",
        penalty_weight=1.0,
        jit_compile=False,
    )
    history = gan.fit(
        np.ones((64, 2), np.float32),
        batch_size=8,
        epochs=2,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    ).history
    assert not gan.stop_training and len(history["d_loss"]) == 2
    assert float(d_opt.dynamic_scale) < 2.0**15 / 8
    assert np.all(np.isfinite(history["d_loss"]))
    assert history["penalty"][-1] == pytest.approx(2 * 300.0**2, rel=1e-2)


@pytest.mark.parametrize("penalty_every", [1, 2])
def test_no_d_step_is_skipped_at_a_scale_doubling(policy, penalty_every):
    # The scale doubles every 2 good steps, from 2^15 through 2^16 (past
    # float16's largest finite value) to 2^17. The penalty's inner scale
    # must not turn into inf there: every D step is applied. (Later, at
    # 2^19, this D's outer pass overflows for real, penalty or not.)
    policy("mixed_float16")
    keras.utils.set_random_seed(0)
    gan = kg.GAN(
        kg.networks.mlp_generator(2, 2, (16,)),
        kg.networks.mlp_discriminator(2, (16,)),
        2,
        seed=0,
    )
    d_opt = keras.optimizers.LossScaleOptimizer(
        keras.optimizers.Adam(1e-3), dynamic_growth_steps=2
    )
    gan.compile(
        d_opt,
        keras.optimizers.Adam(1e-3),
        penalty="r1",
        penalty_weight=1.0,
        penalty_every=penalty_every,
        jit_compile=False,
    )
    steps = 4
    gan.fit(
        kg.data.toy_dataset("ring", 32, seed=0),
        steps_per_epoch=steps,
        verbose=0,
    )
    lazy_steps = (steps + penalty_every - 1) // penalty_every
    extra = lazy_steps if penalty_every > 1 else 0
    assert int(d_opt.inner_optimizer.iterations) == steps + extra
    assert float(d_opt.dynamic_scale) >= 2.0**17
