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
