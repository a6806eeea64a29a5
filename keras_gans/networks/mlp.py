"""Dense networks: the MLP generator and discriminator (with ``num_classes``
as ``networks.conditioning`` describes), the paper's pairs for 2-D data
(Sec. III-B1) and MNIST (Table IV), and the Dirac GAN discriminators
(Sec. IV)."""

import math
from typing import Sequence, Tuple

import keras

from keras_gans import rng
from keras_gans.networks._checks import _check_classes, _check_units, _shape
from keras_gans.networks.conditioning import (
    _check_conditioning,
    _label_input,
    _project,
)
from keras_gans.spectral_norm import spectral_norm as _sn

__all__ = [
    "dirac_hidden",
    "dirac_linear",
    "mlp_discriminator",
    "mlp_generator",
    "paper_mlp",
    "toy_mlp",
]


def mlp_generator(
    latent_dim: int,
    output_shape,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    output_activation=None,
    name: str = "generator",
    num_classes=None,
    embedding_dim=None,
) -> keras.Model:
    """MLP generator ``z [B, latent_dim] -> x [B, *output_shape]``.

    Args:
        latent_dim: size of the latent vector.
        output_shape: sample shape, an int or tuple (``(2,)`` for toy data,
            ``(28, 28, 1)`` for images: the last Dense is reshaped).
        hidden_units: width of each hidden layer.
        activation: hidden activation.
        output_activation: e.g. ``"tanh"`` for data in [-1, 1]; linear if
            None.
        name: model name.
        num_classes: K: a conditional generator ``[z, label] -> x``, the
            label's embedding (``embedding_dim``, default ``latent_dim``
            wide) concatenated to z.
        embedding_dim: width of the label embedding.
    """
    out_shape = _shape(output_shape)
    classes = _check_classes(num_classes)
    z = keras.Input((int(latent_dim),), name="latent")
    h = z
    if classes is not None:
        y = _label_input()
        embed = keras.layers.Embedding(
            classes, int(embedding_dim or latent_dim), name="label_embedding"
        )(y)
        h = keras.layers.Concatenate(name="latent_and_label")([z, embed])
    for i, units in enumerate(_check_units(hidden_units)):
        h = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(
            h
        )
    h = keras.layers.Dense(
        math.prod(out_shape), activation=output_activation, name="output"
    )(h)
    if len(out_shape) > 1:
        h = keras.layers.Reshape(out_shape, name="reshape")(h)
    return keras.Model(z if classes is None else [z, y], h, name=name)


def mlp_discriminator(
    input_shape,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    name: str = "discriminator",
    spectral_norm: bool = False,
    num_classes=None,
    conditioning: str = "projection",
) -> keras.Model:
    """MLP discriminator ``x [B, *input_shape] -> logit [B, 1]``.

    Inputs of rank > 1 are flattened first.

    Args:
        input_shape: sample shape, an int or tuple.
        hidden_units: width of each hidden layer.
        activation: hidden activation.
        name: model name.
        spectral_norm: wrap every Dense (hidden and logit) in
            ``keras_gans.spectral_norm.SpectralNormalization`` (Miyato et
            al., 2018); the layers keep their names.
        num_classes: K: a projection discriminator ``[x, label] -> logit``
            with ``phi`` the last hidden layer (``networks.conditioning``).
        conditioning: ``"projection"`` or ``"acgan"`` (``x -> [logit,
            class_logits]``), with ``num_classes``.
    """
    in_shape = _shape(input_shape)
    classes = _check_classes(num_classes)
    mode = _check_conditioning(conditioning, classes)
    x = keras.Input(in_shape, name="sample")
    y = _label_input() if mode == "projection" else None
    h = keras.layers.Flatten(name="flatten")(x) if len(in_shape) > 1 else x
    for i, units in enumerate(_check_units(hidden_units)):
        dense = keras.layers.Dense(
            units, activation=activation, name=f"dense_{i}"
        )
        h = _sn(dense, spectral_norm)(h)
    logit = _project(
        h,
        y,
        classes,
        _sn(keras.layers.Dense(1, name="logit"), spectral_norm),
        mode,
    )
    return keras.Model(x if y is None else [x, y], logit, name=name)


def toy_mlp(
    latent_dim: int = 2, data_dim: int = 2
) -> Tuple[keras.Model, keras.Model]:
    """The paper's 2-D networks (Sec. III-B1): G and D with 2 x 64 ReLU.

    The paper's latent is a 2-D standard normal.

    Returns:
        ``(generator, discriminator)``.
    """
    return (
        mlp_generator(latent_dim, data_dim, (64, 64)),
        mlp_discriminator(data_dim, (64, 64)),
    )


def paper_mlp(
    latent_dim: int = 50, data_shape=(784,), output_activation="tanh"
) -> Tuple[keras.Model, keras.Model]:
    """The paper's Table IV networks: 3 x 512 ReLU, latent 50.

    For 784-D data (flattened MNIST; pass ``(28, 28, 1)`` to get images).
    The generator ends in ``tanh`` for data scaled to [-1, 1].

    Returns:
        ``(generator, discriminator)``.
    """
    return (
        mlp_generator(
            latent_dim,
            data_shape,
            (512,) * 3,
            output_activation=output_activation,
        ),
        mlp_discriminator(data_shape, (512,) * 3),
    )


def dirac_linear(psi: float = 1.0, name="dirac_linear") -> keras.Model:
    """The Dirac GAN discriminator ``D(x) = psi * x``: one weight, no bias.

    Args:
        psi: initial value of the single weight.
    """
    x = keras.Input((1,), name="sample")
    out = keras.layers.Dense(
        1,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(psi),
        name="psi",
    )(x)
    return keras.Model(x, out, name=name)


def dirac_hidden(
    n: int = 2,
    negative_slope: float = 0.2,
    seed=None,
    name="dirac_hidden",
    spectral_norm: bool = False,
) -> keras.Model:
    """The high-capacity Dirac discriminator ``D(x) = Psi1^T lrelu(Psi0 x)``.

    One hidden layer of ``n`` Leaky-ReLU units, no biases (paper Sec. IV,
    Fig. 8), weights initialised U[-1, 1].

    Args:
        n: number of hidden units.
        negative_slope: Leaky-ReLU slope for negative inputs.
        seed: initialiser seed (also of the power-iteration vectors).
        name: model name.
        spectral_norm: wrap ``psi0`` and ``psi1`` in
            ``keras_gans.spectral_norm.SpectralNormalization`` (Miyato et
            al., 2018); the layers keep their names.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"dirac_hidden needs n >= 1 hidden units, got {n!r}.")

    def init(layer):
        return keras.initializers.RandomUniform(
            -1.0, 1.0, seed=rng.layer_seed(seed, f"init/{name}/{layer}")
        )

    def sn(layer):
        return _sn(
            layer,
            spectral_norm,
            seed=rng.layer_seed(seed, f"spectral_norm/{name}/{layer.name}"),
        )

    x = keras.Input((1,), name="sample")
    h = sn(
        keras.layers.Dense(
            int(n), use_bias=False, kernel_initializer=init("psi0"), name="psi0"
        )
    )(x)
    h = keras.layers.LeakyReLU(negative_slope=negative_slope, name="lrelu")(h)
    out = sn(
        keras.layers.Dense(
            1, use_bias=False, kernel_initializer=init("psi1"), name="psi1"
        )
    )(h)
    return keras.Model(x, out, name=name)
