"""GAN.train_step against the Dirac GAN's analytic updates, plus fit smoke."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg


class Constant(keras.layers.Layer):
    """G(z) = theta: the Dirac generator, one parameter, ignores z."""

    def __init__(self, theta, **kwargs):
        super().__init__(**kwargs)
        self.theta0 = theta

    def build(self, input_shape):
        self.theta = self.add_weight(
            shape=(1,),
            initializer=keras.initializers.Constant(self.theta0),
            name="theta",
        )

    def call(self, z):
        return tf.zeros_like(z[:, :1]) + self.theta


def dirac_gan(theta, psi, seed=0):
    z = keras.Input((1,))
    generator = keras.Model(z, Constant(theta)(z))
    return kg.GAN(generator, kg.networks.dirac_linear(psi), 1, seed=seed)


def dirac_weights(gan):
    """``(psi, theta)``: the Dirac GAN's discriminator and generator."""
    psi = gan.discriminator.trainable_variables[0].numpy().ravel()[0]
    return float(psi), float(gan.generator.trainable_variables[0].numpy()[0])


def tiny_gan(shape=(2,), seed=0, latent_dim=3):
    keras.utils.set_random_seed(seed)
    return kg.GAN(
        kg.networks.mlp_generator(latent_dim, shape, (8,)),
        kg.networks.mlp_discriminator(shape, (8,)),
        latent_dim,
        seed=seed,
    )


def sgd(lr):
    return keras.optimizers.SGD(lr)


def real_points(x0, n=4, steps=1):
    data = np.full((n * steps, 1), x0, np.float32)
    return tf.data.Dataset.from_tensor_slices(data).batch(n)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize(
    "gamma,lam,n_critic",
    [(1.0, 0.0, 1), (3.0, 0.0, 1), (2.0, 0.5, 1), (1.0, 0.7, 3)],
)
def test_dirac_updates_match_analytic_alternating_steps(
    gamma, lam, n_critic, jit
):
    # Wasserstein Dirac GAN with real point x0: D(x) = psi x, G = theta.
    # L_D = -gamma psi x0 + psi theta + lam psi^2 (R1: grad of D is psi);
    # L_G = -psi theta.  n_critic SGD steps on psi, then one on theta.
    x0, theta, psi, lr = 0.5, 1.2, -0.4, 0.1
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr),
        sgd(lr),
        loss="wasserstein",
        penalty="r1",
        penalty_weight=lam,
        real_weight=gamma,
        n_critic=n_critic,
        jit_compile=jit,
    )
    steps = 3
    gan.fit(real_points(x0, 4 * n_critic, steps), epochs=1, verbose=0)
    for _ in range(steps):
        for _ in range(n_critic):
            psi = psi - lr * (-gamma * x0 + theta + 2 * lam * psi)
        theta = theta + lr * psi
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi, rel=1e-5)
    assert got_theta == pytest.approx(theta, rel=1e-5)
    assert int(gan.d_optimizer.iterations) == steps * n_critic
    assert int(gan.g_optimizer.iterations) == steps


def adam_rule(psi, grad, m, v, t, lr, beta_1, beta_2, eps=1e-7):
    """Adam (Kingma & Ba, 2015, Algorithm 1, with eps_hat = eps sqrt(1 -
    beta_2^t), which is Keras' placement of epsilon) for one scalar."""
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad**2
    m_hat, v_hat = m / (1 - beta_1**t), v / (1 - beta_2**t)
    eps_hat = eps * np.sqrt(1 - beta_2**t)
    return psi - lr * m_hat / (np.sqrt(v_hat) + eps_hat), m, v


@pytest.mark.parametrize("jit,spe", [(False, 1), (True, 4)])
@pytest.mark.parametrize("every,n_critic", [(3, 1), (2, 3)])
def test_lazy_penalty_matches_analytic_steps(every, n_critic, jit, spe):
    # As above, with StyleGAN2's lazy schedule: D steps on the adversarial
    # loss only, and after D steps t = 0, every, 2 every, ... a separate
    # step on every * lam * R1; D's learning rate is lr * c, c = k/(k+1).
    x0, theta, psi, lr, lam = 0.5, 1.2, -0.4, 0.1, 0.3
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr),
        sgd(lr),
        loss="wasserstein",
        penalty="r1",
        penalty_weight=lam,
        n_critic=n_critic,
        penalty_every=every,
        jit_compile=jit,
        steps_per_execution=spe,
    )
    steps = 8
    history = gan.fit(
        real_points(x0, 4 * n_critic, steps), epochs=1, verbose=0
    ).history
    lr_d = lr * every / (every + 1)
    t, penalties, updates = 0, [], 0
    for _ in range(steps):
        for _ in range(n_critic):
            psi = psi - lr_d * (-x0 + theta)
            updates += 1
            if t % every == 0:
                penalties.append(psi**2)
                psi = psi - lr_d * every * lam * 2 * psi
                updates += 1
            t += 1
        theta = theta + lr * psi
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi, rel=1e-5)
    assert got_theta == pytest.approx(theta, rel=1e-5)
    assert int(gan.d_optimizer.iterations) == updates
    # The logged penalty averages the steps where it was computed.
    assert history["penalty"][-1] == pytest.approx(np.mean(penalties), 1e-5)


@pytest.mark.parametrize("jit", [False, True])
def test_lazy_penalty_under_adam_matches_analytic_steps(jit):
    # Adam on D with StyleGAN2's adjustment: lr c, beta ** c; the separate
    # regularisation steps advance Adam's step count and moments.
    x0, theta, psi, lr, lam, k = 0.5, 1.2, -0.4, 0.05, 0.3, 2
    b1, b2 = 0.5, 0.99
    gan = dirac_gan(theta, psi)
    d_opt = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2)
    gan.compile(
        d_opt,
        sgd(0.1),
        loss="wasserstein",
        penalty="r1",
        penalty_weight=lam,
        penalty_every=k,
        jit_compile=jit,
    )
    steps = 5
    gan.fit(real_points(x0, 4, steps), epochs=1, verbose=0)
    c = k / (k + 1)
    lr_c, b1_c, b2_c = lr * c, b1**c, b2**c
    m = v = 0.0
    t = 0
    for step in range(steps):
        t += 1
        psi, m, v = adam_rule(psi, theta - x0, m, v, t, lr_c, b1_c, b2_c)
        if step % k == 0:
            t += 1
            grad = k * lam * 2 * psi
            psi, m, v = adam_rule(psi, grad, m, v, t, lr_c, b1_c, b2_c)
        theta = theta + 0.1 * psi
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi, rel=1e-5)
    assert got_theta == pytest.approx(theta, rel=1e-5)
    assert int(d_opt.iterations) == t
    assert d_opt.beta_1 == pytest.approx(b1_c)
    # A second compile adjusts from the originals, not twice.
    gan.compile(
        d_opt,
        sgd(0.1),
        loss="wasserstein",
        penalty="r1",
        penalty_weight=lam,
        penalty_every=k,
        jit_compile=jit,
    )
    assert d_opt.beta_1 == pytest.approx(b1_c)
    assert float(d_opt.learning_rate) == pytest.approx(lr_c)
    gan.compile(d_opt, sgd(0.1), loss="wasserstein", jit_compile=jit)
    assert d_opt.beta_1 == pytest.approx(b1)
    assert float(d_opt.learning_rate) == pytest.approx(lr)


def test_bad_penalty_every():
    gan = tiny_gan()
    with pytest.raises(ValueError, match="penalty_every"):
        gan.compile(sgd(0.1), sgd(0.1), penalty="r1", penalty_every=0)


@pytest.mark.parametrize("batches", [12, 10])
def test_fused_xla_loop_equals_keras_loop(batches):
    # jit_compile with steps_per_execution k > 1 runs k steps as one XLA
    # program; the result must equal Keras' own loop step for step, also
    # when the data runs out in the middle of an execution (10 = 4 + 4 + 2).
    x = np.random.RandomState(0).normal(size=(8 * batches, 2))
    dataset = tf.data.Dataset.from_tensor_slices(x.astype(np.float32))
    dataset = dataset.batch(8, drop_remainder=True)
    weights = []
    for jit, spe in [(False, 1), (True, 4)]:
        gan = tiny_gan()
        gan.compile(
            keras.optimizers.Adam(1e-2),
            keras.optimizers.Adam(1e-2),
            penalty="zero_gp",
            penalty_weight=1.0,
            ema_decay=0.9,
            jit_compile=jit,
            steps_per_execution=spe,
        )
        history = gan.fit(dataset, epochs=2, verbose=0).history
        assert getattr(gan.train_function, "fused_steps", 1) == spe
        if spe > 1:  # traced once for all executions and both epochs
            assert gan.train_function.tracing_count() == 1
        assert int(gan.g_optimizer.iterations) == 2 * batches
        weights.append((gan.ema_generator.get_weights(), history))
    for a, b in zip(weights[0][0], weights[1][0], strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)
    for key in ("d_loss", "g_loss", "penalty"):
        np.testing.assert_allclose(
            weights[0][1][key], weights[1][1][key], rtol=1e-4
        )


def test_n_critic_steps_use_strided_slices():
    # Wasserstein Dirac GAN, real rows 0..11 in one batch, n_critic = 3:
    # D step i sees rows i, i + 3, i + 6, i + 9 (mean i + 4.5), so
    # psi <- psi - lr (-(i + 4.5) + theta); a contiguous split (means 1.5,
    # 5.5, 9.5) or a reused slice would give other values.
    theta, psi, lr = 0.3, 0.2, 0.01
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr), sgd(lr), loss="wasserstein", n_critic=3, jit_compile=False
    )
    rows = np.arange(12, dtype=np.float32)[:, None]
    gan.fit(tf.data.Dataset.from_tensors(rows), verbose=0)
    for i in range(3):
        psi = psi - lr * (-(i + 4.5) + theta)
    theta = theta + lr * psi
    got = gan.discriminator.trainable_variables[0].numpy().ravel()[0]
    assert float(got) == pytest.approx(psi, rel=1e-6)
    got = gan.generator.trainable_variables[0].numpy()[0]
    assert float(got) == pytest.approx(theta, rel=1e-6)


def test_d_step_noise_index_runs_on_across_iterations():
    """D step i of iteration t draws its latents from index t * n_critic + i
    of the "latent/discriminator" stream: with n_critic = 2 over two
    iterations the four D steps use indices 0, 1, 2, 3 (t + i would reuse
    index 1). G's rate is 0, so D's updates are the whole story."""
    n_critic, batch, lr, latent_dim = 2, 4, 0.1, 3
    gan = tiny_gan(seed=5)
    g0, d0 = gan.generator.get_weights(), gan.discriminator.get_weights()
    gan.compile(sgd(lr), sgd(0.0), n_critic=n_critic, jit_compile=False)
    x = np.random.default_rng(1).normal(size=(2 * n_critic * batch, 2))
    x = x.astype(np.float32)
    gan.fit(x, batch_size=n_critic * batch, shuffle=False, verbose=0)

    reference = tiny_gan(seed=5)
    reference.generator.set_weights(g0)
    reference.discriminator.set_weights(d0)
    d = reference.discriminator
    root = tf.constant([5, 0], tf.int64)
    for t in range(2):
        rows = x[t * n_critic * batch : (t + 1) * n_critic * batch]
        for i in range(n_critic):
            index = t * n_critic + i
            z = kg.rng.normal(
                [batch, latent_dim],
                kg.rng.step_seed(root, "latent/discriminator", index),
            )
            fake = reference.generator(z, training=True)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(
                    tf.math.softplus(-d(rows[i::n_critic], training=True))
                ) + tf.reduce_mean(tf.math.softplus(d(fake, training=True)))
            grads = tape.gradient(loss, d.trainable_variables)
            for v, g in zip(d.trainable_variables, grads, strict=True):
                v.assign_sub(lr * g)
    for a, b in zip(
        gan.discriminator.get_weights(), d.get_weights(), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_bound_penalty_output_is_kept_and_conflicts_are_errors():
    sigmoid_r1 = kg.penalties.get("r1", output="sigmoid")
    gan = compiled(penalty=sigmoid_r1, penalty_weight=1.0)
    assert gan.penalty_fn.keywords["output"] == "sigmoid"
    with pytest.raises(ValueError, match="already differentiates 'sigmoid'"):
        compiled(penalty=sigmoid_r1, penalty_output="logit")


@pytest.mark.parametrize("jit", [False, True])
def test_generator_ema_follows_the_trajectory(jit, tmp_path):
    # Wasserstein Dirac GAN: theta_t from the analytic alternating steps,
    # ema_t = d_t ema_{t-1} + (1 - d_t) theta_t with ema_0 = theta_0 and
    # d_t = min(d, (1 + t) / (10 + t)).
    x0, theta, psi, lr, decay = 0.5, 1.2, -0.4, 0.1, 0.7
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr), sgd(lr), loss="wasserstein", ema_decay=decay, jit_compile=jit
    )
    steps = 4
    gan.fit(real_points(x0, 4, steps), epochs=1, verbose=0)
    ema = theta
    for t in range(1, steps + 1):
        psi = psi - lr * (-x0 + theta)
        theta = theta + lr * psi
        d_t = min(decay, (1 + t) / (10 + t))  # warm-up
        ema = d_t * ema + (1 - d_t) * theta
    assert float(gan.generator.weights[0].numpy()[0]) == pytest.approx(
        theta, rel=1e-5
    )
    assert float(gan.ema_generator.weights[0].numpy()[0]) == pytest.approx(
        ema, rel=1e-5
    )
    assert gan.sampling_generator is gan.ema_generator
    np.testing.assert_allclose(
        gan.generate(3, seed=0), np.full((3, 1), ema), rtol=1e-5
    )
    # The shadow weights travel with a checkpoint.
    path = tf.train.Checkpoint(gan=gan).save(str(tmp_path / "ckpt"))
    fresh = dirac_gan(0.0, 0.0)
    fresh.compile(
        sgd(lr), sgd(lr), loss="wasserstein", ema_decay=decay, jit_compile=False
    )
    tf.train.Checkpoint(gan=fresh).restore(
        path
    ).assert_existing_objects_matched()
    assert float(fresh.ema_generator.weights[0].numpy()[0]) == pytest.approx(
        ema, rel=1e-6
    )


def test_bad_ema_decay():
    with pytest.raises(ValueError, match="ema_decay must be in \\(0, 1\\)"):
        compiled(ema_decay=1.0)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("k", [0, 1, 2])
@pytest.mark.parametrize("first_order", [False, True])
def test_unrolled_generator_step_matches_analytic(k, first_order, jit):
    # Wasserstein Dirac GAN, real point x0. dL_D/dpsi = theta - x0, so k
    # look-ahead steps give psi_k = psi' - k lr (theta - x0), psi' being
    # D after its real update. L_G = -psi_k theta:
    #   full:        dL_G/dtheta = -psi' + k lr (2 theta - x0)
    #   first order: dL_G/dtheta = -psi_k  (psi_k treated as a constant)
    x0, theta, psi, lr = 0.5, 1.2, -0.4, 0.1
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr),
        sgd(lr),
        loss="wasserstein",
        unroll_steps=k,
        unroll_first_order=first_order,
        jit_compile=jit,
    )
    gan.fit(real_points(x0, 4, 1), epochs=1, verbose=0)
    psi1 = psi - lr * (theta - x0)
    if first_order:
        grad = -(psi1 - k * lr * (theta - x0))
    else:
        grad = -psi1 + k * lr * (2 * theta - x0)
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi1, rel=1e-6)  # look-ahead wrote nothing
    assert got_theta == pytest.approx(theta - lr * grad, rel=1e-6)


def _unrolled_dirac(d_opt, k, first_order, jit, **options):
    x0, theta, psi, lr_g = 0.5, 1.2, -0.4, 0.1
    gan = dirac_gan(theta, psi)
    gan.compile(
        d_opt,
        sgd(lr_g),
        loss="wasserstein",
        unroll_steps=k,
        unroll_first_order=first_order,
        jit_compile=jit,
        **options,
    )
    gan.fit(real_points(x0, 4, 1), epochs=1, verbose=0)
    return gan, (x0, theta, psi, lr_g)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("first_order", [False, True])
def test_unrolled_through_adam_matches_analytic(k, first_order, jit):
    # D on Adam. Its real step from zero slots with g = theta - x0 gives
    # m0, v0 and psi'. The look-ahead continues Adam (steps 2..k+1) with the
    # same constant g, so m_j = b1^j m0 + (1 - b1^j) g, v_j likewise with
    # g^2, and psi_k = psi' - sum_j a_j m_j / (sqrt(v_j) + eps). G's loss
    # -psi_k theta has dL_G/dtheta = -psi_k - theta dpsi_k/dg (full; g
    # depends on theta with dg/dtheta = 1) or -psi_k (first order).
    lr, b1, b2, eps = 0.05, 0.5, 0.99, 1e-7
    d_opt = keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps)
    gan, (x0, theta, psi, lr_g) = _unrolled_dirac(d_opt, k, first_order, jit)
    g = theta - x0
    psi1, m0, v0 = adam_rule(psi, g, 0.0, 0.0, 1, lr, b1, b2, eps)
    psi_k, dpsi_dg = psi1, 0.0
    for j in range(1, k + 1):
        t = j + 1
        m = b1**j * m0 + (1 - b1**j) * g
        v = b2**j * v0 + (1 - b2**j) * g**2
        dm, dv = 1 - b1**j, 2 * g * (1 - b2**j)
        a = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        s = np.sqrt(v)
        psi_k -= a * m / (s + eps)
        dpsi_dg -= a * (dm / (s + eps) - m * dv / (2 * s * (s + eps) ** 2))
    grad = -psi_k if first_order else -psi_k - theta * dpsi_dg
    got_psi, got_theta = dirac_weights(gan)
    assert got_theta == pytest.approx(theta - lr_g * grad, rel=1e-5)
    # D's weights and slots are those of its one real step.
    assert got_psi == pytest.approx(psi1, rel=1e-6)
    assert float(d_opt._momentums[0].numpy().ravel()[0]) == pytest.approx(m0)
    assert float(d_opt._velocities[0].numpy().ravel()[0]) == pytest.approx(v0)
    assert int(d_opt.iterations) == 1
    # Through Adam the look-ahead is not the plain-gradient one.
    plain, _ = _unrolled_dirac(
        keras.optimizers.Adam(lr, beta_1=b1, beta_2=b2, epsilon=eps),
        k,
        first_order,
        jit,
        unroll_update="gradient",
    )
    assert abs(dirac_weights(plain)[1] - got_theta) > 1e-3


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("first_order", [False, True])
def test_unrolled_through_sgd_momentum_matches_analytic(
    k, first_order, nesterov
):
    # SGD with momentum mu (Keras' form): m <- mu m - lr g, then psi <- psi
    # + m, or psi <- psi + mu m - lr g with Nesterov. g = theta - x0 is
    # constant, so dpsi_k/dg is a sum of the -lr coefficients.
    lr, mu = 0.1, 0.9
    d_opt = keras.optimizers.SGD(lr, momentum=mu, nesterov=nesterov)
    gan, (x0, theta, psi, lr_g) = _unrolled_dirac(d_opt, k, first_order, False)
    g = theta - x0

    def update(psi, m, dpsi, dm):
        m, dm = mu * m - lr * g, mu * dm - lr
        if nesterov:
            return psi + mu * m - lr * g, m, dpsi + mu * dm - lr, dm
        return psi + m, m, dpsi + dm, dm

    psi1, m0, _, _ = update(psi, 0.0, 0.0, 0.0)
    psi_k, m, dpsi, dm = psi1, m0, 0.0, 0.0
    for _ in range(k):
        psi_k, m, dpsi, dm = update(psi_k, m, dpsi, dm)
    grad = -psi_k if first_order else -psi_k - theta * dpsi
    got_psi, got_theta = dirac_weights(gan)
    assert got_theta == pytest.approx(theta - lr_g * grad, rel=1e-5)
    assert got_psi == pytest.approx(psi1, rel=1e-6)
    assert float(d_opt.momentums[0].numpy().ravel()[0]) == pytest.approx(m0)


def test_unrolled_look_ahead_includes_the_penalty():
    # With R1 (lam psi^2) the look-ahead gradient is g + 2 lam psi_j, so
    # psi_k = r^k psi' - lr g S_k, r = 1 - 2 lam lr, S_k = sum_{j<k} r^j,
    # and the full dL_G/dtheta = -psi_k + theta lr S_k.
    x0, theta, psi, lr, lam, k = 0.5, 1.2, -0.4, 0.1, 0.7, 2
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr),
        sgd(lr),
        loss="wasserstein",
        penalty="r1",
        penalty_weight=lam,
        unroll_steps=k,
        jit_compile=False,
    )
    gan.fit(real_points(x0, 4, 1), epochs=1, verbose=0)
    g = theta - x0
    psi1 = psi - lr * (g + 2 * lam * psi)
    r = 1 - 2 * lam * lr
    s_k = sum(r**j for j in range(k))
    psi_k = r**k * psi1 - lr * g * s_k
    grad = -psi_k + theta * lr * s_k
    assert dirac_weights(gan)[1] == pytest.approx(theta - lr * grad, rel=1e-5)


@pytest.mark.parametrize(
    "options,message",
    [
        (
            {"d_optimizer": keras.optimizers.RMSprop(0.1), "unroll_steps": 1},
            "unroll_steps > 0 needs D's optimizer to be one of SGD",
        ),
        (
            {
                "d_optimizer": keras.optimizers.Adam(0.1, clipnorm=1.0),
                "unroll_steps": 1,
            },
            "clipnorm",
        ),
        (
            {
                "d_optimizer": keras.optimizers.Adagrad(0.1),
                "penalty": "r1",
                "penalty_every": 4,
            },
            "penalty_every > 1 needs D's optimizer to be one of SGD",
        ),
        ({"unroll_update": "adam"}, "unroll_update must be"),
    ],
)
def test_unsupported_look_ahead_and_lazy_set_ups(options, message):
    d_opt = options.pop("d_optimizer", sgd(0.1))
    with pytest.raises(ValueError, match=message):
        tiny_gan().compile(d_opt, sgd(0.1), **options)


def test_bad_unroll_steps():
    with pytest.raises(
        ValueError, match="unroll_steps must be an integer >= 0"
    ):
        compiled(unroll_steps=-1)


def test_non_saturating_dirac_step_and_scores():
    # GAN-NS: dL_D/dpsi = -x0 s(-psi x0) + theta s(psi theta) with s=sigmoid.
    x0, theta, psi, lr = 1.0, -0.5, 0.3, 0.2
    gan = dirac_gan(theta, psi)
    gan.compile(sgd(lr), sgd(lr), loss="non_saturating", jit_compile=False)
    history = gan.fit(real_points(x0), epochs=1, verbose=0).history

    def s(v):
        return 1 / (1 + np.exp(-v))

    d_real, d_fake = s(psi * x0), s(psi * theta)
    psi1 = psi - lr * (-x0 * s(-psi * x0) + theta * s(psi * theta))
    # L_G = sp(-psi theta): dL_G/dtheta = -psi s(-psi theta).
    theta1 = theta + lr * psi1 * s(-psi1 * theta)
    assert history["d_real"][0] == pytest.approx(d_real, rel=1e-5)
    assert history["d_fake"][0] == pytest.approx(d_fake, rel=1e-5)
    assert float(
        gan.discriminator.weights[0].numpy().ravel()[0]
    ) == pytest.approx(psi1, rel=1e-5)
    assert float(gan.generator.weights[0].numpy()[0]) == pytest.approx(
        theta1, rel=1e-5
    )


@pytest.mark.parametrize(
    "loss,penalty",
    list(itertools.product(kg.losses.names(), kg.penalties.names())),
)
def test_one_fit_step_every_loss_and_penalty(loss, penalty):
    gan = tiny_gan()
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        loss=loss,
        # A tiny K so that the one-sided penalty is active from the start.
        penalty=kg.penalties.get(
            penalty, **({"k": 1e-3} if penalty == "lipschitz" else {})
        ),
        penalty_weight=1.0,
        jit_compile=False,
    )
    models = (gan.generator, gan.discriminator)
    before = [[w.numpy().copy() for w in m.trainable_weights] for m in models]
    data = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    history = gan.fit(data, batch_size=8, epochs=1, verbose=0).history
    assert set(history) >= {"d_loss", "g_loss", "penalty", "d_real", "d_fake"}
    assert all(np.isfinite(v[0]) for v in history.values())
    if penalty == "none":
        assert history["penalty"][0] == 0.0
    else:
        assert history["penalty"][0] > 0.0
    # Both players moved (single biases may get an exactly zero gradient,
    # e.g. D's logit bias under hinge/wasserstein with balanced batches).
    for model, old in zip(models, before, strict=True):
        assert any(
            not np.allclose(a, b.numpy())
            for a, b in zip(old, model.trainable_weights, strict=True)
        ), model.name


def test_images_and_n_critic_split():
    gan = tiny_gan(shape=(4, 4, 1))
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        penalty="zero_gp",
        penalty_weight=10.0,
        n_critic=2,
        jit_compile=True,
    )
    data = (
        np.random.default_rng(0).uniform(-1, 1, (32, 4, 4, 1)).astype("float32")
    )
    ds = tf.data.Dataset.from_tensor_slices(data).batch(16, drop_remainder=True)
    gan.fit(ds, epochs=2, verbose=0)
    assert int(gan.d_optimizer.iterations) == 8
    assert int(gan.g_optimizer.iterations) == 4
    assert gan.generate(5, seed=1).shape == (5, 4, 4, 1)


def test_generate_is_seeded():
    gan = tiny_gan()
    a, b = gan.generate(7, seed=3), gan.generate(7, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gan.generate(7, seed=4))
    assert not np.array_equal(gan.generate(7), gan.generate(7))
    assert gan.generate(2500, batch_size=1000).shape == (2500, 2)
    assert gan.generate(0).shape == (0, 2)


# ------------------------------------------------------------------ bad input


def compiled(gan=None, **kwargs):
    gan = gan or tiny_gan()
    kwargs.setdefault("jit_compile", False)
    gan.compile(keras.optimizers.SGD(), keras.optimizers.SGD(), **kwargs)
    return gan


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"loss": "lsgan"}, "Unknown GAN loss 'lsgan'. Valid names: hinge"),
        (
            {"penalty": "gp"},
            "Unknown gradient penalty 'gp'. Valid names: dragan",
        ),
        ({"penalty_weight": -1.0}, "penalty_weight must be >= 0, got -1.0"),
        ({"real_weight": -2.0}, "real_weight must be > 0, got -2.0"),
        ({"n_critic": 0}, "n_critic must be an integer >= 1, got 0"),
        ({"n_critic": 1.5}, "n_critic must be an integer >= 1, got 1.5"),
        ({"jit_compile": "yes"}, "jit_compile must be True, False or"),
        ({"penalty_output": "prob"}, "Unknown penalty output 'prob'"),
    ],
)
def test_bad_compile_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        compiled(**kwargs)


def test_shared_optimizer_rejected():
    opt = keras.optimizers.SGD()
    with pytest.raises(ValueError, match="two optimizer objects"):
        tiny_gan().compile(opt, opt, jit_compile=False)


def test_bad_latent_dim():
    with pytest.raises(
        ValueError, match="latent_dim must be a positive integer"
    ):
        kg.GAN(*kg.networks.toy_mlp(), latent_dim=0)


def test_generator_that_does_not_fit_the_discriminator_is_named():
    with pytest.raises(
        ValueError,
        match=r"output shape \(2,\) does not fit the discriminator's "
        r"input shape \(3,\)",
    ):
        kg.GAN(
            kg.networks.mlp_generator(3, (2,), (8,)),
            kg.networks.mlp_discriminator((3,), (8,)),
            3,
        )


@pytest.mark.parametrize("seed", [1.5, 2**70, -1, float("nan"), True])
def test_bad_seeds_are_named(seed):
    message = r"seed must be an integer in \[0, 2\^63\)"
    with pytest.raises(ValueError, match=message):
        kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=seed)
    with pytest.raises(ValueError, match=message):
        tiny_gan().generate(5, seed=seed)


def test_generate_takes_the_largest_seed():
    gan = tiny_gan()
    a = gan.generate(3, seed=2**63 - 1)
    np.testing.assert_array_equal(a, gan.generate(3, seed=2**63 - 1))


def test_fit_before_compile_says_so():
    with pytest.raises(ValueError, match=r"Call compile\(d_optimizer"):
        tiny_gan().fit(np.zeros((8, 2), np.float32), verbose=0)


def test_labels_given_to_an_unconditional_gan_are_an_error():
    x = np.zeros((8, 2), np.float32)
    y = np.zeros(8, np.int32)
    gan = compiled()
    for args, kwargs in (
        ((x, y), {}),
        ((x,), {"y": y}),
        ((tf.data.Dataset.from_tensor_slices((x, y)).batch(4),), {}),
    ):
        with pytest.raises(ValueError, match="did you mean.*num_classes"):
            gan.fit(*args, verbose=0, **kwargs)
    assert int(gan.g_optimizer.iterations) == 0


def test_generator_shape_mismatch_named_before_training():
    gan = compiled(tiny_gan(shape=(3,)))
    data = np.zeros((8, 2), np.float32)
    with pytest.raises(
        ValueError,
        match=r"output shape \(3,\) does not match the data's sample "
        r"shape \(2,\)",
    ):
        gan.fit(data, batch_size=4, verbose=0)


def test_nan_array_rejected_up_front():
    data = np.zeros((8, 2), np.float32)
    data[5, 1] = np.nan
    data[6, 0] = np.inf
    with pytest.raises(ValueError, match="contains 2 NaN or inf"):
        compiled().fit(data, batch_size=4, verbose=0)


def test_nan_dataset_rejected_at_first_step():
    data = np.zeros((8, 2), np.float32)
    data[1, 1] = np.nan
    gan = compiled(jit_compile=True)
    ds = tf.data.Dataset.from_tensor_slices(data).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match="NaN or inf"):
        gan.fit(ds, verbose=0)
    assert int(gan.g_optimizer.iterations) == 0


def test_integer_data_rejected():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((8, 2), np.int32)).batch(4)
    with pytest.raises(ValueError, match="must be floating point, got int32"):
        compiled().fit(ds, verbose=0)


def test_batch_not_divisible_by_n_critic():
    ds = tf.data.Dataset.from_tensor_slices(np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="multiple of 3 samples"):
        compiled(n_critic=3).fit(ds.batch(5, drop_remainder=True), verbose=0)


# ------------------------------------------------------------------ callbacks


def _data(n=32):
    return np.random.default_rng(1).normal(size=(n, 2)).astype(np.float32)


def test_standard_callbacks(tmp_path):
    gan = compiled(penalty="r1", penalty_weight=1.0)
    callbacks = [
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.ModelCheckpoint(
            str(tmp_path / "ckpt.weights.h5"), save_weights_only=True
        ),
        keras.callbacks.TerminateOnNaN(),
    ]
    gan.fit(_data(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert any((tmp_path / "tb" / "train").iterdir())
    restored = compiled(tiny_gan(seed=9), penalty="r1", penalty_weight=1.0)
    restored.build((None, 2))
    restored.load_weights(str(tmp_path / "ckpt.weights.h5"))
    for a, b in zip(gan.weights, restored.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    for opt in ("d_optimizer", "g_optimizer"):
        for a, b in zip(
            getattr(gan, opt).variables,
            getattr(restored, opt).variables,
            strict=True,
        ):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_terminate_on_nan():
    gan = tiny_gan()
    gan.compile(sgd(1e25), sgd(1e25), loss="wasserstein", jit_compile=False)
    history = gan.fit(
        _data(),
        batch_size=4,
        epochs=5,
        verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN()],
    )
    assert len(history.history["d_loss"]) < 5


class Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_backup_and_restore_resumes_exactly(tmp_path):
    def run(callbacks):
        gan = compiled(
            tiny_gan(seed=5), penalty="zero_gp", penalty_weight=1.0, n_critic=2
        )
        ds = tf.data.Dataset.from_tensor_slices(_data()).batch(8)
        gan.fit(ds, epochs=4, verbose=0, callbacks=callbacks)
        return gan

    reference = run([])
    backup = keras.callbacks.BackupAndRestore(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        run([backup, Interrupt()])
    resumed = run([keras.callbacks.BackupAndRestore(str(tmp_path))])
    assert int(resumed.g_optimizer.iterations) == 16
    for a, b in zip(reference.weights, resumed.weights, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("first_order", [False, True])
def test_unrolled_look_ahead_includes_the_ewc_term(first_order):
    # Wasserstein Dirac GAN with an EWC term lam F (psi - a)^2 on D (Fisher
    # F and anchor a set by hand; no estimate within the run). D's real
    # step and each look-ahead step follow g + 2 lam F (psi - a), g = theta
    # - x0; one look-ahead step: psi_1 = psi' - lr (g + 2 lam F (psi' - a)),
    # dpsi_1/dtheta = -lr, so dL_G/dtheta = -psi_1 + theta lr (full).
    x0, theta, psi, lr = 0.5, 1.2, -0.4, 0.1
    lam, fisher, anchor = 2.0, 1.5, 0.3
    gan = dirac_gan(theta, psi)
    gan.compile(
        sgd(lr),
        sgd(lr),
        loss="wasserstein",
        unroll_steps=1,
        unroll_first_order=first_order,
        jit_compile=False,
    )
    ewc = kg.callbacks.OnlineEWC(weight=lam, every=1000)
    gan.attach_hook(ewc)
    ewc.state.fisher[0].assign([[fisher]])
    ewc.state.anchor[0].assign([[anchor]])
    gan.fit(real_points(x0, 4, 1), epochs=1, verbose=0, callbacks=[ewc])
    g = theta - x0
    psi1 = psi - lr * (g + 2 * lam * fisher * (psi - anchor))
    psi_k = psi1 - lr * (g + 2 * lam * fisher * (psi1 - anchor))
    grad = -psi_k if first_order else -psi_k + theta * lr
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi1, rel=1e-6)
    assert got_theta == pytest.approx(theta - lr * grad, rel=1e-5)


def test_unrolled_through_adamw_applies_the_decoupled_decay():
    # AdamW as Keras applies it: psi <- psi - psi wd lr, then Adam's step.
    # First order, k = 1: dL_G/dtheta = -psi_1.
    lr, b1, b2, eps, wd = 0.05, 0.5, 0.99, 1e-7, 0.3
    d_opt = keras.optimizers.AdamW(
        lr, weight_decay=wd, beta_1=b1, beta_2=b2, epsilon=eps
    )
    gan, (x0, theta, psi, lr_g) = _unrolled_dirac(d_opt, 1, True, False)
    g = theta - x0
    psi1, m0, v0 = adam_rule(psi * (1 - wd * lr), g, 0.0, 0.0, 1, lr, b1, b2)
    psi_k, _, _ = adam_rule(psi1 * (1 - wd * lr), g, m0, v0, 2, lr, b1, b2)
    got_psi, got_theta = dirac_weights(gan)
    assert got_psi == pytest.approx(psi1, rel=1e-6)
    assert got_theta == pytest.approx(theta + lr_g * psi_k, rel=1e-5)
