"""OnlineEWC against closed forms and finite differences."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks

SEED = tf.constant([4, 2], tf.int64)


def _step(gan, real, seed=SEED):
    """The hook's view of a first D step at the GAN's current iteration."""
    iteration = tf.cast(gan.g_optimizer.iterations, tf.int64)
    return kg.hooks.StepContext(
        gan.discriminator_game(), real, seed, 0, iteration
    )
FAKE_POINT = np.array([0.3, -0.7], np.float32)


class Constant(keras.layers.Layer):
    """G(z) = a point that starts at FAKE_POINT: fakes are known exactly
    until G trains (a G with a weight, so that GAN iterations count)."""

    def build(self, input_shape):
        self.point = self.add_weight(
            shape=(2,),
            initializer=keras.initializers.Constant(FAKE_POINT),
            name="point",
        )

    def call(self, z):
        return tf.zeros_like(z[:, :2]) + self.point


def linear_gan(loss="wasserstein", real_weight=1.0):
    keras.utils.set_random_seed(0)
    z = keras.Input((2,))
    generator = keras.Model(z, Constant()(z))
    x = keras.Input((2,))
    discriminator = keras.Model(x, keras.layers.Dense(1)(x))
    gan = kg.GAN(generator, discriminator, 2, seed=0)
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss=loss,
        real_weight=real_weight,
        jit_compile=False,
    )
    return gan


def _per_example_fisher(loss, gamma, w, b, real):
    """mean_i (d l_i / d(w, b))^2 for l_i = gamma l_real(D(x_i)) +
    l_fake(D(y)), D(x) = w.x + b, all fakes at FAKE_POINT: by hand, from
    the derivatives of the per-example terms (Kirkpatrick et al.'s
    empirical Fisher; the paper's Sec. V-A)."""

    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    d_real = real @ w + b
    d_fake = FAKE_POINT @ w + b
    if loss == "wasserstein":  # -d_r + d_f
        f_real, f_fake = -np.ones_like(d_real), np.ones_like(d_real)
    else:  # softplus(-d_r) + softplus(d_f)
        f_real = -sigmoid(-d_real)
        f_fake = np.full_like(d_real, sigmoid(d_fake))
    grad_w = (gamma * f_real)[:, None] * real + f_fake[:, None] * FAKE_POINT
    grad_b = gamma * f_real + f_fake
    return np.mean(grad_w**2, axis=0), np.mean(grad_b**2)


def _at_iteration(gan, iteration):
    gan.g_optimizer.iterations.assign(iteration)


def test_penalty_closed_form_and_zero_after_anchoring():
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=3.0, every=5)
    gan.attach_hook(ewc)
    kernel, bias = gan.discriminator.trainable_variables
    fisher = [np.array([[2.0], [0.5]], np.float32), np.array([4.0], np.float32)]
    anchor = [
        np.array([[1.0], [-1.0]], np.float32),
        np.array([0.5], np.float32),
    ]
    for var, value in zip(ewc.state.fisher + ewc.state.anchor, fisher + anchor):
        var.assign(value)
    kernel.assign([[0.0], [1.0]])
    bias.assign([0.0])
    # 2 (0 - 1)^2 + 0.5 (1 + 1)^2 + 4 (0 - 0.5)^2 = 2 + 2 + 1 = 5
    assert float(ewc.penalty()) == pytest.approx(5.0)
    assert float(ewc.discriminator_loss(None)) == pytest.approx(15.0)
    real = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    _at_iteration(gan, 4)  # not the end of a task: nothing changes
    ewc.before_discriminator_step(_step(gan, real))
    assert float(ewc.penalty()) == pytest.approx(5.0)
    _at_iteration(gan, 5)  # the end of the first task
    ewc.before_discriminator_step(_step(gan, real))
    assert float(ewc.penalty()) == 0.0
    np.testing.assert_array_equal(ewc.state.anchor[0].numpy(), kernel.numpy())


@pytest.mark.parametrize(
    "num_batches,max_floats", [(1, 2**24), (3, 2**24), (1, 7)]
)
@pytest.mark.parametrize("loss", ["wasserstein", "non_saturating"])
def test_fisher_is_the_per_example_empirical_fisher(
    loss, num_batches, max_floats
):
    gan = linear_gan(loss, real_weight=2.0)
    ewc = callbacks.OnlineEWC(
        weight=1.0, every=1, alpha=0.25, num_batches=num_batches
    )
    # 3 parameters: a budget of 7 floats makes chunks of 2 examples.
    ewc.max_chunk_floats = max_floats
    gan.attach_hook(ewc)
    kernel, bias = gan.discriminator.trainable_variables
    kernel.assign([[0.8], [-0.3]])
    bias.assign([0.2])
    real = np.random.default_rng(1).normal(size=(9, 2)).astype(np.float32)
    w, b = kernel.numpy()[:, 0], float(bias.numpy()[0])
    expected_w, expected_b = _per_example_fisher(loss, 2.0, w, b, real)
    _at_iteration(gan, 1)
    ewc.before_discriminator_step(_step(gan, tf.constant(real)))
    fisher_w, fisher_b = ewc.fisher()
    # First estimate: w = alpha * w_hat + (1 - alpha) * 0.
    np.testing.assert_allclose(fisher_w[:, 0], 0.25 * expected_w, rtol=1e-5)
    np.testing.assert_allclose(fisher_b, [0.25 * expected_b], rtol=1e-5)
    # A second estimate mixes: w = alpha w_hat + (1 - alpha) w_prev.
    ewc.before_discriminator_step(_step(gan, tf.constant(real)))
    np.testing.assert_allclose(
        ewc.fisher()[0][:, 0],
        0.25 * expected_w + 0.75 * 0.25 * expected_w,
        rtol=1e-5,
    )


@pytest.mark.parametrize("jit", [False, True])
def test_tasks_count_gan_iterations_with_n_critic(jit):
    gan = linear_gan()
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss="wasserstein",
        n_critic=2,
        jit_compile=jit,
    )
    ewc = callbacks.OnlineEWC(weight=1.0, every=2)
    data = np.random.default_rng(2).normal(size=(40, 2)).astype(np.float32)
    history = gan.fit(data, batch_size=8, verbose=0, callbacks=[ewc]).history
    # 5 GAN iterations (10 D steps): tasks end at iterations 2 and 4, at the
    # first D step of each; none at iteration 0.
    assert int(gan.g_optimizer.iterations) == 5
    assert int(ewc.state.estimates.numpy()) == 2
    assert "ewc" in history and history["ewc"][0] > 0.0


def test_no_anchor_before_the_first_task_ends():
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=1.0, every=10)
    data = np.random.default_rng(2).normal(size=(36, 2)).astype(np.float32)
    history = gan.fit(data, batch_size=4, verbose=0, callbacks=[ewc]).history
    assert int(ewc.state.estimates.numpy()) == 0
    assert history["ewc"][0] == 0.0
    assert all(np.all(f == 0) for f in ewc.fisher())


def test_ewc_pulls_weights_toward_the_anchor():
    def drift(weight):
        gan = linear_gan()
        ewc = callbacks.OnlineEWC(weight=weight, every=2)
        data = np.random.default_rng(3).normal(size=(48, 2)).astype(np.float32)
        gan.fit(data[:8], batch_size=4, verbose=0, callbacks=[ewc])
        start = gan.discriminator.get_weights()  # the first anchor
        gan.fit(data[8:], batch_size=4, verbose=0, callbacks=[ewc])
        end = gan.discriminator.get_weights()
        return sum(float(np.sum((a - b) ** 2)) for a, b in zip(start, end))

    # Stiff enough to hold, small enough for SGD(0.1) to stay stable.
    assert drift(5.0) < 0.5 * drift(0.0)


@pytest.mark.parametrize("attach_first", [True, False])
def test_checkpoint_restores_fisher_and_anchor(tmp_path, attach_first):
    gan = linear_gan()
    ewc = callbacks.OnlineEWC(weight=1.0, every=2)
    data = np.random.default_rng(4).normal(size=(28, 2)).astype(np.float32)
    gan.fit(data, batch_size=4, verbose=0, callbacks=[ewc])
    callbacks.Checkpoint(gan, tmp_path, ewc=ewc.state).manager.save()
    fresh_gan = linear_gan()
    fresh = callbacks.OnlineEWC(weight=1.0, every=2)
    # No set-up order: attached (variables created) before or after the
    # restore, the state comes back.
    if attach_first:
        fresh_gan.attach_hook(fresh)
    callbacks.Checkpoint(fresh_gan, tmp_path, ewc=fresh.state).restore()
    if not attach_first:
        fresh_gan.attach_hook(fresh)
    assert len(fresh.state.fisher) == len(ewc.state.fisher) == 2
    for a, b in zip(
        ewc.state.fisher + ewc.state.anchor,
        fresh.state.fisher + fresh.state.anchor,
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(fresh.state.estimates.numpy()) == 3


def test_bad_arguments():
    with pytest.raises(ValueError, match="weight must be >= 0"):
        callbacks.OnlineEWC(-1.0, 10)
    with pytest.raises(ValueError, match="weight must be >= 0 and finite"):
        callbacks.OnlineEWC(float("inf"), 10)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        callbacks.OnlineEWC(1.0, 0)
    with pytest.raises(ValueError, match=r"alpha must be in \(0, 1\]"):
        callbacks.OnlineEWC(1.0, 10, alpha=0.0)


def test_resumed_run_equals_the_uninterrupted_one(tmp_path):
    data = np.random.default_rng(5).normal(size=(40, 2)).astype(np.float32)

    def fit(gan, ewc, rows):
        gan.fit(
            data[rows],
            batch_size=4,
            shuffle=False,
            verbose=0,
            callbacks=[ewc],
        )

    whole, whole_ewc = linear_gan(), callbacks.OnlineEWC(1.0, every=3)
    fit(whole, whole_ewc, slice(0, 40))
    first, first_ewc = linear_gan(), callbacks.OnlineEWC(1.0, every=3)
    fit(first, first_ewc, slice(0, 16))  # 4 iterations: one estimate
    callbacks.Checkpoint(first, tmp_path, ewc=first_ewc.state).manager.save()
    second, second_ewc = linear_gan(), callbacks.OnlineEWC(1.0, every=3)
    # Restored before anything is attached: the next fit creates and fills
    # the state.
    callbacks.Checkpoint(second, tmp_path, ewc=second_ewc.state).restore()
    fit(second, second_ewc, slice(16, 40))
    assert int(second_ewc.state.estimates.numpy()) == 3  # iterations 3, 6, 9
    for a, b in zip(
        whole.get_weights() + whole_ewc.fisher(),
        second.get_weights() + second_ewc.fisher(),
    ):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
