"""Spectral normalisation: unit spectral norm by SVD, the paper's gradient,
u checkpointed and constant in penalties, XLA == eager, mirrored == single.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans import networks, penalties
from keras_gans.spectral_norm import SpectralNormalization, frozen


def _builders():
    return {
        "mlp": lambda: networks.mlp_discriminator(
            (3,), (16, 8), spectral_norm=True
        ),
        "dcgan": lambda: networks.dcgan_discriminator(
            (8, 8, 1), 4, seed=1, spectral_norm=True
        ),
        "dirac_hidden": lambda: networks.dirac_hidden(
            4, seed=1, spectral_norm=True
        ),
    }


def _input(d, batch=4, seed=0):
    shape = (batch,) + tuple(d.input_shape[1:])
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _sn_layers(d):
    return [x for x in d.layers if isinstance(x, SpectralNormalization)]


def _u(d):
    return [x.vector_u.numpy().copy() for x in _sn_layers(d)]


@pytest.mark.parametrize("builder", sorted(_builders()))
def test_largest_singular_value_is_one(builder):
    keras.utils.set_random_seed(0)
    d = _builders()[builder]()
    expected = {"mlp": 3, "dcgan": 3, "dirac_hidden": 2}[builder]
    assert len(_sn_layers(d)) == expected
    x = _input(d)
    for _ in range(50):  # power iterations, one per training call
        d(x, training=True)
    for layer in _sn_layers(d):
        kernel = np.asarray(layer.normalized_kernel()[0])
        # What the method normalises: a [k, k, c_in, c_out] conv kernel as
        # the [k*k*c_in, c_out] matrix, a Dense kernel as it is.
        matrix = kernel.reshape(-1, kernel.shape[-1])
        top = np.linalg.svd(matrix, compute_uv=False)[0]
        assert abs(top - 1.0) < 1e-2, (layer.name, top)
        raw = layer.layer.kernel.numpy().reshape(matrix.shape)
        sigma = np.linalg.svd(raw, compute_uv=False)[0]
        np.testing.assert_allclose(matrix, raw / sigma, rtol=1e-2, atol=1e-6)


def test_transposed_conv_is_normalised_on_its_output_axis():
    """Conv2DTranspose's kernel is [k, k, c_out, c_in]: the matrix whose
    top singular value becomes 1 is [k*k*c_in, c_out], output channels as
    columns, as for a forward conv's [k, k, c_in, c_out]."""
    keras.utils.set_random_seed(0)
    layer = SpectralNormalization(keras.layers.Conv2DTranspose(3, 3, 2))
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 5)).astype("f4")
    for _ in range(50):
        y = layer(x, training=True)
    assert tuple(y.shape) == (2, 9, 9, 3)
    assert tuple(layer.vector_u.shape) == (3,)
    kernel = np.asarray(layer.normalized_kernel()[0])
    assert kernel.shape == (3, 3, 3, 5)
    matrix = np.swapaxes(kernel, -1, -2).reshape(-1, 3)
    assert abs(np.linalg.svd(matrix, compute_uv=False)[0] - 1.0) < 1e-2
    raw = np.swapaxes(layer.layer.kernel.numpy(), -1, -2).reshape(-1, 3)
    sigma = np.linalg.svd(raw, compute_uv=False)[0]
    np.testing.assert_allclose(matrix, raw / sigma, rtol=1e-2, atol=1e-6)


def test_layers_keep_names_and_u_is_a_non_trainable_weight():
    d = networks.mlp_discriminator((3,), (16,), spectral_norm=True)
    assert [x.name for x in d.layers] == ["sample", "dense_0", "logit"]
    u = [w for w in d.non_trainable_weights if "vector_u" in w.path]
    ids = {id(w) for w in d.weights}
    assert len(u) == 2 and all(id(w) in ids for w in u)
    assert not any("vector_u" in w.path for w in d.trainable_weights)


def test_gradient_is_the_papers():
    """d/dW of sum(x W / sigma) with u, v constant (Miyato et al. eq. 12):
    (G - (G . W_SN) v u^T) / sigma, G = x^T 1, sigma = v^T W u."""
    keras.utils.set_random_seed(1)
    layer = SpectralNormalization(keras.layers.Dense(3, use_bias=False))
    x = np.random.default_rng(0).normal(size=(6, 5)).astype(np.float32)
    layer(x, training=True)
    u = layer.vector_u.numpy()
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(layer(x, training=False))
    grad = tape.gradient(out, layer.layer.kernel).numpy()
    w = layer.layer.kernel.numpy()
    v = w @ u / np.linalg.norm(w @ u)
    sigma = v @ w @ u
    g = x.T @ np.ones((6, 3), np.float32)
    expected = (g - np.sum(g * w / sigma) * np.outer(v, u)) / sigma
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-5)


def test_training_calls_update_u_and_others_do_not():
    d = _builders()["mlp"]()
    x = _input(d)
    before = _u(d)
    d(x, training=False)
    for a, b in zip(before, _u(d)):
        np.testing.assert_array_equal(a, b)
    with frozen():
        d(x, training=True)
    for a, b in zip(before, _u(d)):
        np.testing.assert_array_equal(a, b)
    d(x, training=True)
    assert all(not np.array_equal(a, b) for a, b in zip(before, _u(d)))


def test_penalty_inner_gradient_holds_u_constant():
    d = _builders()["mlp"]()
    x = _input(d)
    d(x, training=True)
    before = _u(d)
    u_vars = [x.vector_u for x in _sn_layers(d)]
    seed = tf.constant([1, 2], tf.int64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([v.value for v in u_vars])
        penalty = penalties.r1(d, x, x, seed)
        loss = penalty + tf.reduce_mean(d(x, training=False))
    for a, b in zip(before, _u(d)):
        np.testing.assert_array_equal(a, b)
    assert all(g is None for g in tape.gradient(penalty, u_vars))
    assert all(g is None for g in tape.gradient(loss, u_vars))
    kernels = [w for w in d.trainable_weights if "kernel" in w.path]
    grads = tape.gradient(penalty, kernels)
    assert len(kernels) == 3 and all(g is not None for g in grads)


@pytest.mark.parametrize("builder", ["mlp", "dcgan"])
def test_checkpoint_round_trip_is_exact(builder, tmp_path):
    keras.utils.set_random_seed(2)
    d = _builders()[builder]()
    x = _input(d)
    for _ in range(3):
        d(x, training=True)
    path = tf.train.Checkpoint(model=d).write(str(tmp_path / "ckpt"))
    keras.utils.set_random_seed(3)
    fresh = _builders()[builder]()
    assert not all(np.array_equal(a, b) for a, b in zip(_u(d), _u(fresh)))
    tf.train.Checkpoint(model=fresh).read(path).assert_consumed()
    for a, b in zip(_u(d), _u(fresh)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(d(x), fresh(x))
    np.testing.assert_array_equal(
        d(x, training=True), fresh(x, training=True)
    )
    for a, b in zip(_u(d), _u(fresh)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("builder", sorted(_builders()))
def test_xla_equals_eager_in_training_mode(builder):
    keras.utils.set_random_seed(4)
    eager = _builders()[builder]()
    xla = _builders()[builder]()
    xla.set_weights(eager.get_weights())
    x = _input(eager)
    step = tf.function(lambda x: xla(x, training=True), jit_compile=True)
    for _ in range(3):
        np.testing.assert_allclose(
            step(x), eager(x, training=True), rtol=1e-5, atol=1e-6
        )
    for a, b in zip(_u(eager), _u(xla)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _train(strategy, weights, data, steps=3):
    with strategy.scope():
        d = networks.mlp_discriminator((3,), (16, 8), spectral_norm=True)
        d.set_weights(weights)
        optimizer = keras.optimizers.SGD(0.1, momentum=0.5)
        optimizer.build(d.trainable_weights)

    def replica_step(x):
        with tf.GradientTape() as tape:
            logits = d(x, training=True)
            loss = tf.reduce_mean(tf.nn.softplus(-logits))
            loss = loss / strategy.num_replicas_in_sync
        grads = tape.gradient(loss, d.trainable_weights)
        optimizer.apply(grads, d.trainable_weights)

    @tf.function
    def step(x):
        strategy.run(replica_step, (x,))

    ds = tf.data.Dataset.from_tensor_slices(data[: 8 * steps]).batch(8)
    for x in strategy.experimental_distribute_dataset(ds):
        step(x)
    return [w.numpy() for w in d.weights]


def test_mirrored_equals_single_device(mirrored_strategy):
    assert mirrored_strategy.num_replicas_in_sync == 2
    keras.utils.set_random_seed(5)
    weights = _builders()["mlp"]().get_weights()
    data = np.random.default_rng(6).normal(size=(24, 3)).astype(np.float32)
    single = _train(tf.distribute.get_strategy(), weights, data)
    mirrored = _train(mirrored_strategy, weights, data)
    assert not np.allclose(single[0], weights[0])  # u moved
    for a, b in zip(single, mirrored):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_layer_without_kernel_is_a_clear_error():
    with pytest.raises(ValueError, match="no kernel"):
        SpectralNormalization(keras.layers.ReLU())(np.ones((1, 2)))
    built = keras.layers.BatchNormalization()
    built.build((None, 2))
    with pytest.raises(ValueError, match="no kernel"):
        SpectralNormalization(built)
    with pytest.raises(ValueError, match="power_iterations"):
        SpectralNormalization(keras.layers.Dense(1), power_iterations=0)


def test_spectral_normalize_a_user_model():
    plain = networks.mlp_discriminator((3,), (8,))
    sn = networks.spectral_normalize(plain)
    assert [x.name for x in sn.layers] == [x.name for x in plain.layers]
    assert len(_sn_layers(sn)) == 2
    np.testing.assert_array_equal(
        sn.get_layer("dense_0").layer.kernel.numpy(),
        plain.get_layer("dense_0").kernel.numpy(),
    )
    x = keras.Input((3,))
    no_kernel = keras.Model(x, keras.layers.ReLU(name="relu")(x))
    with pytest.raises(ValueError, match=r"no layer with a kernel.*relu"):
        networks.spectral_normalize(no_kernel)
    with pytest.raises(ValueError, match="already spectrally normalised"):
        networks.spectral_normalize(sn)
