import keras
import numpy as np
import pytest

from keras_gans import networks


def _dense_params(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def test_toy_mlp_matches_paper():
    g, d = networks.toy_mlp()
    assert g.input_shape == (None, 2) and g.output_shape == (None, 2)
    assert d.input_shape == (None, 2) and d.output_shape == (None, 1)
    assert g.count_params() == _dense_params([2, 64, 64, 2])
    assert d.count_params() == _dense_params([2, 64, 64, 1])
    relus = [
        layer
        for layer in d.layers
        if getattr(layer, "activation", None) is keras.activations.relu
    ]
    assert len(relus) == 2
    assert d.layers[-1].activation is keras.activations.linear  # logits


def test_paper_mlp_784():
    g, d = networks.paper_mlp()
    assert g.input_shape == (None, 50) and g.output_shape == (None, 784)
    assert g.count_params() == _dense_params([50, 512, 512, 512, 784])
    assert d.count_params() == _dense_params([784, 512, 512, 512, 1])
    out = g(np.random.normal(size=(3, 50)).astype("float32")).numpy()
    assert np.all(np.abs(out) <= 1.0)  # tanh output


def test_image_shapes():
    g, d = networks.paper_mlp(data_shape=(28, 28, 1))
    assert g.output_shape == (None, 28, 28, 1)
    assert d(np.zeros((2, 28, 28, 1), "float32")).shape == (2, 1)


def test_dirac_linear_is_psi_times_x():
    d = networks.dirac_linear(psi=0.7)
    assert d.count_params() == 1
    x = np.array([[-2.0], [0.0], [3.0]], "float32")
    np.testing.assert_allclose(d(x).numpy(), 0.7 * x, rtol=1e-6)


def test_dirac_hidden_formula():
    d = networks.dirac_hidden(n=3, seed=1)
    psi0 = d.get_layer("psi0").kernel.numpy()  # [1, n]
    psi1 = d.get_layer("psi1").kernel.numpy()  # [n, 1]
    assert d.count_params() == 6
    assert np.all(np.abs(psi0) <= 1) and np.all(np.abs(psi1) <= 1)
    x = np.linspace(-2, 2, 9, dtype="float32")[:, None]
    h = x @ psi0
    expected = np.where(h > 0, h, 0.2 * h) @ psi1
    np.testing.assert_allclose(d(x).numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "builder,kwargs,message",
    [
        (
            networks.mlp_discriminator,
            {"input_shape": 2, "hidden_units": ()},
            "hidden_units",
        ),
        (
            networks.mlp_discriminator,
            {"input_shape": 2, "hidden_units": (0,)},
            "hidden_units",
        ),
        (
            networks.mlp_generator,
            {"latent_dim": 2, "output_shape": (0,)},
            "Invalid sample shape",
        ),
        (networks.dirac_hidden, {"n": 0}, "n >= 1"),
    ],
)
def test_bad_arguments(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)


@pytest.mark.parametrize(
    "shape,first_map",
    [
        ((8, 8, 1), (2, 2, 128)),
        ((8, 8, 3), (2, 2, 128)),
        ((28, 28, 1), (7, 7, 128)),
        ((32, 32, 3), (4, 4, 256)),
        ((64, 64, 3), (4, 4, 512)),
        ((64, 64, 1), (4, 4, 512)),
    ],
)
def test_dcgan_shapes_follow_table_ii(shape, first_map):
    generator, discriminator = networks.dcgan(16, shape, base_filters=64)
    z = np.random.RandomState(0).normal(size=(3, 16)).astype(np.float32)
    images = keras.ops.convert_to_numpy(generator(z))
    assert images.shape == (3, *shape)
    assert np.abs(images).max() <= 1.0  # tanh
    assert tuple(generator.get_layer("reshape").output.shape[1:]) == first_map
    assert discriminator(images).shape == (3, 1)
    convs = [
        layer
        for layer in discriminator.layers
        if isinstance(layer, keras.layers.Conv2D)
    ]
    # Table II: 64 filters at D's first layer, doubling; G mirrors it and
    # ends at the image's channels.
    assert [c.filters for c in convs] == [64 * 2**i for i in range(len(convs))]
    assert convs[0].kernel_size == (4, 4) and convs[0].strides == (2, 2)
    deconvs = [
        layer
        for layer in generator.layers
        if isinstance(layer, keras.layers.Conv2DTranspose)
    ]
    assert [d.filters for d in deconvs][-1] == shape[-1]
    assert len(deconvs) == len(convs)


def test_dcgan_batchnorm_in_g_only_and_d_is_per_example():
    generator, discriminator = networks.dcgan(8, (8, 8, 1), base_filters=8)
    kinds = {type(layer).__name__ for layer in generator.layers}
    assert "BatchNormalization" in kinds
    assert not any(
        isinstance(layer, keras.layers.BatchNormalization)
        for layer in discriminator.layers
    )
    # Without BatchNorm, D(x_i) does not depend on the rest of the batch
    # (also in training mode), so per-example gradient penalties are
    # well-defined.
    x = np.random.RandomState(1).uniform(-1, 1, (5, 8, 8, 1)).astype("f")
    together = keras.ops.convert_to_numpy(discriminator(x, training=True))
    alone = keras.ops.convert_to_numpy(discriminator(x[:1], training=True))
    np.testing.assert_allclose(together[:1], alone, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "shape", [(16, 16, 3), (28, 32, 1), (64, 64), (31, 31, 3)]
)
def test_dcgan_rejects_other_sizes(shape):
    with pytest.raises(ValueError, match="DCGAN builds square images of side"):
        networks.dcgan_generator(8, shape)
    with pytest.raises(ValueError, match="8, 28, 32, 64"):
        networks.dcgan_discriminator(shape)


def test_digits_classifier_outputs():
    model = networks.digits_classifier(feature_dim=16, seed=0)
    x = np.zeros((2, 8, 8, 1), np.float32)
    assert model(x).shape == (2, 10)
    assert model.get_layer("features").output.shape == (None, 16)


# ------------------------------------------------------------- conditional


def test_projection_mlp_matches_the_analytic_value_and_input_gradient():
    import tensorflow as tf

    from keras_gans import penalties

    # phi(x) = W x + b (linear hidden layer), psi(h) = v.h + c,
    # D(x, y) = psi(phi(x)) + E[y].phi(x); grad_x D = W (v + E[y]).
    rng = np.random.default_rng(0)
    d = networks.mlp_discriminator(
        4, (3,), activation="linear", num_classes=5
    )
    assert networks.is_conditional(d)
    w, b = rng.normal(size=(4, 3)), rng.normal(size=3)
    v, c = rng.normal(size=(3, 1)), rng.normal(size=1)
    e = rng.normal(size=(5, 3))
    d.get_layer("dense_0").set_weights([w, b])
    d.get_layer("logit").set_weights([v, c])
    d.get_layer("label_embedding").set_weights([e])
    x = rng.normal(size=(6, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 4, 2], np.int32)
    phi = x @ w + b
    expected = phi @ v[:, 0] + c[0] + np.sum(e[y] * phi, axis=1)
    got = d([x, y]).numpy()
    assert got.shape == (6, 1)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-5, atol=1e-5)
    grads = penalties.input_gradients(
        lambda points, training=True: d(
            [points, tf.constant(y)], training=training
        ),
        tf.constant(x),
    ).numpy()
    np.testing.assert_allclose(
        grads, (w @ (v[:, 0][:, None] + e[y].T)).T, rtol=1e-5, atol=1e-5
    )


def test_projection_dcgan_is_psi_plus_the_embedded_projection():
    d = networks.dcgan_discriminator(
        (8, 8, 1), base_filters=4, seed=0, num_classes=10
    )
    features = keras.Model(d.inputs[0], d.get_layer("flatten").output)
    x = np.random.default_rng(1).normal(size=(3, 8, 8, 1)).astype(np.float32)
    y = np.array([0, 7, 9], np.int32)
    phi = features(x).numpy()
    v, c = d.get_layer("logit").get_weights()
    (e,) = d.get_layer("label_embedding").get_weights()
    expected = phi @ v[:, 0] + c[0] + np.sum(e[y] * phi, axis=1)
    np.testing.assert_allclose(d([x, y]).numpy()[:, 0], expected, rtol=1e-4,
                               atol=1e-6)


def test_conditional_generators_depend_on_the_label():
    z = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    same = np.zeros(4, np.int32)
    other = np.full(4, 2, np.int32)
    g = networks.mlp_generator(3, (2,), (8,), num_classes=3)
    assert networks.is_conditional(g)
    assert g([z, same]).shape == (4, 2)
    assert not np.allclose(g([z, same]), g([z, other]))
    gd = networks.dcgan_generator(3, (8, 8, 1), 4, seed=0, num_classes=3)
    assert gd([z, same]).shape == (4, 8, 8, 1)
    layer = gd.get_layer("project_bn")
    assert isinstance(layer, networks.ConditionalBatchNorm)
    # Gains 1 and biases 0 at initialisation: the label does not matter yet.
    np.testing.assert_allclose(gd([z, same]), gd([z, other]), atol=1e-6)
    bias = layer.bias
    bias.embeddings.assign(np.array([[0.0], [0.0], [1.0]]) * np.ones((3, 8)))
    assert np.abs(gd([z, same]) - gd([z, other])).max() > 1e-3
    # keras.models.clone_model (the EMA's copy) rebuilds it.
    copy = keras.models.clone_model(gd)
    copy.set_weights(gd.get_weights())
    np.testing.assert_allclose(copy([z, other]), gd([z, other]), atol=1e-6)
    assert not networks.is_conditional(networks.mlp_generator(3, 2))


def test_conditional_batch_norm_is_the_class_affine_of_the_batch_norm():
    layer = networks.ConditionalBatchNorm(3, epsilon=1e-3)
    h = np.random.default_rng(3).normal(size=(6, 2, 2, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2], np.int32)
    layer([h, y])
    gain = np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32)
    bias = np.random.default_rng(5).normal(size=(3, 4)).astype(np.float32)
    layer.gain.embeddings.assign(gain)
    layer.bias.embeddings.assign(bias)
    out = layer([h, y], training=True).numpy()
    mean, var = h.mean((0, 1, 2)), h.var((0, 1, 2))
    normed = (h - mean) / np.sqrt(var + 1e-3)
    expected = normed * gain[y][:, None, None] + bias[y][:, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("num_classes", [1, 2.5, True])
def test_bad_num_classes(num_classes):
    with pytest.raises(ValueError, match="num_classes must be an integer"):
        networks.mlp_discriminator(2, num_classes=num_classes)


def test_acgan_discriminators_return_a_class_head_on_phi():
    for d in (
        networks.mlp_discriminator(
            (8, 8, 1), (6,), num_classes=10, conditioning="acgan"
        ),
        networks.dcgan_discriminator(
            (8, 8, 1), 2, seed=0, num_classes=10, conditioning="acgan"
        ),
    ):
        assert networks.discriminator_conditioning(d) == "acgan"
        assert not networks.is_conditional(d)  # it takes x alone
        x = np.random.default_rng(0).normal(size=(3, 8, 8, 1))
        logit, classes = d(x.astype(np.float32))
        assert logit.shape == (3, 1) and classes.shape == (3, 10)
        head = d.get_layer("class_logits")
        phi = keras.Model(d.inputs[0], head.input)(x.astype(np.float32))
        kernel, bias = head.get_weights()
        np.testing.assert_allclose(
            classes, phi.numpy() @ kernel + bias, rtol=1e-5, atol=1e-6
        )
    plain = networks.mlp_discriminator(2)
    assert networks.discriminator_conditioning(plain) is None
    projection = networks.mlp_discriminator(2, num_classes=3)
    assert networks.discriminator_conditioning(projection) == "projection"


def _kernel_heads(model, n=16):
    """The first ``n`` values of each kernel of ``model`` (nested models
    too), by layer path."""
    heads = {}
    for weight in model.weights:
        if "kernel" in weight.path:
            heads[weight.path] = np.ravel(keras.ops.convert_to_numpy(weight))[
                :n
            ]
    return heads


@pytest.mark.parametrize(
    "build",
    [
        lambda seed: networks.dcgan(16, (8, 8, 1), 8, seed),
        lambda seed: (
            networks.dirac_hidden(4, seed=seed),
            networks.dirac_hidden(4, seed=seed, name="other"),
        ),
    ],
    ids=["dcgan", "dirac_hidden"],
)
def test_each_layer_of_each_seed_draws_its_own_weights(build):
    # Every layer draws from its own named stream (rng.layer_seed), so no
    # kernel of a run with seed 0 or 1 starts like another kernel of either
    # run. With seed + offset arithmetic, seed 0's layer i + 1 was seed 1's
    # layer i: consecutive seeds shared their layers' first draws.
    heads = {}
    for seed in (0, 1):
        for model in build(seed):
            for path, head in _kernel_heads(model).items():
                heads[(seed, model.name, path)] = head
    keys = sorted(heads)
    assert len(keys) >= 8
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            n = min(len(heads[a]), len(heads[b]))
            assert not np.allclose(heads[a][:n], heads[b][:n]), (a, b)
    # and a seed still fixes the weights
    again = {
        (0, m.name, p): h
        for m in build(0)
        for p, h in _kernel_heads(m).items()
    }
    for key, head in again.items():
        np.testing.assert_array_equal(head, heads[key])
