"""Network builders: the paper's MLPs and the Dirac GAN discriminators.

Every builder returns a built functional ``keras.Model``. Discriminators
return logits of shape ``[B, 1]`` (no output activation: losses and
penalties work on logits).
"""

import math
from typing import Sequence, Tuple

import keras

__all__ = [
    "mlp_generator",
    "mlp_discriminator",
    "toy_mlp",
    "paper_mlp",
    "dirac_linear",
    "dirac_hidden",
]


def _check_units(hidden_units):
    units = tuple(hidden_units)
    if not units or any(int(u) != u or u < 1 for u in units):
        raise ValueError(
            f"hidden_units must be positive integers, got {hidden_units!r}."
        )
    return units


def _shape(shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if not shape or any(int(d) != d or d < 1 for d in shape):
        raise ValueError(f"Invalid sample shape {shape!r}.")
    return shape


def mlp_generator(
    latent_dim: int,
    output_shape,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    output_activation=None,
    name: str = "generator",
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
    """
    out_shape = _shape(output_shape)
    z = keras.Input((int(latent_dim),), name="latent")
    h = z
    for i, units in enumerate(_check_units(hidden_units)):
        h = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(
            h
        )
    h = keras.layers.Dense(
        math.prod(out_shape), activation=output_activation, name="output"
    )(h)
    if len(out_shape) > 1:
        h = keras.layers.Reshape(out_shape, name="reshape")(h)
    return keras.Model(z, h, name=name)


def mlp_discriminator(
    input_shape,
    hidden_units: Sequence[int] = (64, 64),
    activation: str = "relu",
    name: str = "discriminator",
) -> keras.Model:
    """MLP discriminator ``x [B, *input_shape] -> logit [B, 1]``.

    Inputs of rank > 1 are flattened first.
    """
    in_shape = _shape(input_shape)
    x = keras.Input(in_shape, name="sample")
    h = keras.layers.Flatten(name="flatten")(x) if len(in_shape) > 1 else x
    for i, units in enumerate(_check_units(hidden_units)):
        h = keras.layers.Dense(units, activation=activation, name=f"dense_{i}")(
            h
        )
    logit = keras.layers.Dense(1, name="logit")(h)
    return keras.Model(x, logit, name=name)


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
    n: int = 2, negative_slope: float = 0.2, seed=None, name="dirac_hidden"
) -> keras.Model:
    """The high-capacity Dirac discriminator ``D(x) = Psi1^T lrelu(Psi0 x)``.

    One hidden layer of ``n`` Leaky-ReLU units, no biases (paper Sec. IV,
    Fig. 8), weights initialised U[-1, 1].

    Args:
        n: number of hidden units.
        negative_slope: Leaky-ReLU slope for negative inputs.
        seed: initialiser seed.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"dirac_hidden needs n >= 1 hidden units, got {n!r}.")

    def init(offset):
        layer_seed = None if seed is None else seed + offset
        return keras.initializers.RandomUniform(-1.0, 1.0, seed=layer_seed)

    x = keras.Input((1,), name="sample")
    h = keras.layers.Dense(
        int(n), use_bias=False, kernel_initializer=init(0), name="psi0"
    )(x)
    h = keras.layers.LeakyReLU(negative_slope=negative_slope, name="lrelu")(h)
    out = keras.layers.Dense(
        1, use_bias=False, kernel_initializer=init(1), name="psi1"
    )(h)
    return keras.Model(x, out, name=name)
