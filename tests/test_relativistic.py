"""The relativistic pairing loss (RpGAN) and R3GAN's r1_r2 in the GAN step,
against steps written out by hand: G's loss reads D on the real batch
(paired by index), plain, with n_critic, conditional and augmented; and the
refusals."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import augment, networks, rng
from keras_gans.config import ConfigError, TrainConfig
from keras_gans.training import conditioning

LATENT = 3
BATCH = 8
K = 4
D_LR, G_LR = 0.1, 0.05
softplus = tf.math.softplus


def _nets(num_classes=None, mode="projection", seed=11):
    keras.utils.set_random_seed(seed)
    return (
        networks.mlp_generator(LATENT, (2,), (8,), num_classes=num_classes),
        networks.mlp_discriminator(
            (2,), (8,), num_classes=num_classes,
            **({"conditioning": mode} if num_classes else {}),
        ),
    )


def _copies(g, d, **kwargs):
    g_ref, d_ref = _nets(**kwargs)
    g_ref.set_weights(g.get_weights())
    d_ref.set_weights(d.get_weights())
    return g_ref, d_ref


def _data(n_critic=1, seed=3):
    gen = np.random.default_rng(seed)
    x = gen.normal(size=(BATCH * n_critic, 2)).astype(np.float32)
    y = gen.integers(0, K, size=BATCH * n_critic).astype(np.int32)
    return x, y


def _sgd_step(loss_fn, variables, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, variables)
    for v, g in zip(variables, grads, strict=True):
        v.assign_sub(lr * tf.convert_to_tensor(g))


def _squared_grad(d, x):
    """Per-example |grad_x D(x)|^2 (D a callable on x)."""
    x = tf.constant(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        total = tf.reduce_sum(d(x))
    return tf.reduce_sum(inner.gradient(total, x) ** 2, axis=1)


def _flat(logits):
    return tf.reshape(logits, [-1])


def _assert_same_weights(gan, g_ref, d_ref):
    for a, b in zip(
        gan.discriminator.get_weights(), d_ref.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for a, b in zip(
        gan.generator.get_weights(), g_ref.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _latent(root, stream, index):
    return rng.normal(
        [BATCH, LATENT], rng.fold_in(rng.stream(root, stream), index)
    )


@pytest.mark.parametrize("jit", [False, True])
def test_step_equals_the_hand_made_step(jit):
    """n_critic = 2 D steps on the strided slices, each L_D = mean_i
    sp(D(f_i) - D(r_i)) + lambda (R1 + R2) / 2; then L_G = mean_i
    sp(D(r_i) - D(G(z_i))) with r the last D step's real slice."""
    n_critic, weight = 2, 3.0
    g, d = _nets()
    g_ref, d_ref = _copies(g, d)
    gan = kg.GAN(g, d, LATENT, seed=7)
    gan.compile(
        keras.optimizers.SGD(D_LR),
        keras.optimizers.SGD(G_LR),
        loss="relativistic",
        penalty="r1_r2",
        penalty_weight=weight,
        n_critic=n_critic,
        jit_compile=jit,
    )
    x, _ = _data(n_critic)
    gan.fit(x, batch_size=BATCH * n_critic, epochs=1, verbose=0,
            shuffle=False)

    root = tf.constant([7, 0], tf.int64)
    for i in range(n_critic):
        real = x[i::n_critic]
        fake = g_ref(_latent(root, "latent/discriminator", i), training=True)

        def d_loss():
            pairs = softplus(_flat(d_ref(fake)) - _flat(d_ref(real)))
            r1 = tf.reduce_mean(_squared_grad(d_ref, real))
            r2 = tf.reduce_mean(_squared_grad(d_ref, fake))
            return tf.reduce_mean(pairs) + weight * (r1 + r2) / 2

        _sgd_step(d_loss, d_ref.trainable_variables, D_LR)
    real = x[n_critic - 1::n_critic]
    z = _latent(root, "latent/generator", 0)

    def g_loss():
        fake_logits = _flat(d_ref(g_ref(z, training=True)))
        return tf.reduce_mean(softplus(_flat(d_ref(real)) - fake_logits))

    _sgd_step(g_loss, g_ref.trainable_variables, G_LR)
    _assert_same_weights(gan, g_ref, d_ref)


def test_conditional_step_equals_the_hand_made_step():
    """Projection D: D's pairs and G's pairs see the real batch with its own
    labels and the fakes with theirs; r1_r2 takes R1 with the real labels
    and R2 with the fake labels."""
    weight = 2.0
    g, d = _nets(num_classes=K)
    g_ref, d_ref = _copies(g, d, num_classes=K)
    gan = kg.GAN(g, d, LATENT, seed=5, num_classes=K)
    gan.compile(
        keras.optimizers.SGD(D_LR),
        keras.optimizers.SGD(G_LR),
        loss="relativistic",
        penalty="r1_r2",
        penalty_weight=weight,
        jit_compile=False,
    )
    x, y = _data()
    gan.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)

    cond = conditioning.Conditioning(K)
    root = tf.constant([5, 0], tf.int64)
    x, labels = tf.constant(x), tf.constant(y)
    fake_y = cond.sample(
        BATCH, rng.fold_in(rng.stream(root, "labels/discriminator"), 0)
    )
    fake = g_ref([_latent(root, "latent/discriminator", 0), fake_y])

    def d_loss():
        pairs = softplus(
            _flat(d_ref([fake, fake_y])) - _flat(d_ref([x, labels]))
        )
        r1 = tf.reduce_mean(_squared_grad(lambda u: d_ref([u, labels]), x))
        r2 = tf.reduce_mean(
            _squared_grad(lambda u: d_ref([u, fake_y]), fake)
        )
        return tf.reduce_mean(pairs) + weight * (r1 + r2) / 2

    _sgd_step(d_loss, d_ref.trainable_variables, D_LR)
    fake_y = cond.sample(
        BATCH, rng.fold_in(rng.stream(root, "labels/generator"), 0)
    )
    z = _latent(root, "latent/generator", 0)

    def g_loss():
        fake_logits = _flat(d_ref([g_ref([z, fake_y]), fake_y]))
        real_logits = _flat(d_ref([x, labels]))
        return tf.reduce_mean(softplus(real_logits - fake_logits))

    _sgd_step(g_loss, g_ref.trainable_variables, G_LR)
    _assert_same_weights(gan, g_ref, d_ref)


def test_acgan_relativistic_trains():
    """AC-GAN: the pairs are on D's adversarial head (the class head adds
    its cross-entropy as for every loss); a step runs and moves both."""
    g, d = _nets(num_classes=K, mode="acgan")
    before = [w.copy() for w in g.get_weights() + d.get_weights()]
    gan = kg.GAN(g, d, LATENT, seed=5, num_classes=K)
    gan.compile(
        keras.optimizers.SGD(D_LR),
        keras.optimizers.SGD(G_LR),
        loss="relativistic",
        penalty="r1_r2",
        penalty_weight=1.0,
        jit_compile=False,
    )
    x, y = _data()
    logs = gan.fit(x, y, batch_size=BATCH, epochs=1, verbose=0).history
    assert all(np.isfinite(v[0]) for v in logs.values())
    g_after, d_after = g.get_weights(), d.get_weights()
    n = len(g_after)
    assert any(not np.allclose(a, b) for a, b in zip(before[:n], g_after))
    assert any(not np.allclose(a, b) for a, b in zip(before[n:], d_after))


def test_instance_noise_step_equals_the_hand_made_step():
    """With instance noise, G's pairs see D(T(real)) with the G step's own
    draw (the ``"real"`` stream of its seed), as the D step sees T(real)."""
    sigma = 0.3
    g, d = _nets()
    g_ref, d_ref = _copies(g, d)
    gan = kg.GAN(g, d, LATENT, seed=9)
    gan.compile(
        keras.optimizers.SGD(D_LR),
        keras.optimizers.SGD(G_LR),
        loss="relativistic",
        instance_noise=sigma,
        jit_compile=False,
    )
    x, _ = _data()
    gan.fit(x, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)

    root = tf.constant([9, 0], tf.int64)

    def noisy(u, seed):
        return augment.instance_noise(
            u, sigma, rng.stream(seed, "instance_noise")
        )

    seed = rng.step_seed(root, "augment/discriminator", 0)
    fake = g_ref(_latent(root, "latent/discriminator", 0))
    real_t = noisy(x, rng.stream(seed, "real"))
    fake_t = noisy(fake, rng.stream(seed, "fake"))
    _sgd_step(
        lambda: tf.reduce_mean(
            softplus(_flat(d_ref(fake_t)) - _flat(d_ref(real_t)))
        ),
        d_ref.trainable_variables,
        D_LR,
    )
    seed = rng.step_seed(root, "augment/generator", 0)
    z = _latent(root, "latent/generator", 0)
    real_t = noisy(x, rng.stream(seed, "real"))

    def g_loss():
        fake_logits = _flat(d_ref(noisy(g_ref(z), seed)))
        return tf.reduce_mean(softplus(_flat(d_ref(real_t)) - fake_logits))

    _sgd_step(g_loss, g_ref.trainable_variables, G_LR)
    _assert_same_weights(gan, g_ref, d_ref)


def test_paired_loss_refuses_a_real_weight():
    g, d = _nets()
    gan = kg.GAN(g, d, LATENT, seed=1)
    with pytest.raises(ValueError) as info:
        gan.compile(
            keras.optimizers.SGD(0.1),
            keras.optimizers.SGD(0.1),
            loss="relativistic",
            real_weight=2.0,
        )
    message = str(info.value)
    assert "real_weight" in message and "relativistic" in message
    assert "\n" not in message
    with pytest.raises(ConfigError, match="real_weight") as info:
        TrainConfig(loss="relativistic", real_weight=10.0).validate()
    assert info.value.name == "real_weight" and "\n" not in str(info.value)
    TrainConfig(loss="relativistic", penalty="r1_r2").validate()


def test_gradient_field_of_a_paired_loss_needs_the_real_points():
    from keras_gans.diagnostics import gradient_field

    _, d = _nets()
    with pytest.raises(ValueError, match="needs the real points"):
        gradient_field.compute_gradient_field(d, "relativistic", num=3)
    real = np.array([[0.5, -0.2], [1.0, 0.3]], np.float32)
    field = gradient_field.compute_gradient_field(
        d, "relativistic", num=3, real=real
    )
    # -d/dx mean_j sp(D(r_j) - D(x)) = mean_j sigmoid(D(r_j) - D(x)) grad D
    points = tf.constant([[field.x[0], field.y[0]]], tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(points)
        at = _flat(d(points))[0]
    grad = tape.gradient(at, points)[0].numpy()
    weight = tf.reduce_mean(tf.sigmoid(_flat(d(real)) - at)).numpy()
    np.testing.assert_allclose(
        field.vectors[0, 0], weight * grad, rtol=1e-5, atol=1e-7
    )
