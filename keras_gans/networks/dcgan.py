"""The DCGAN (Radford et al., 2016; the paper's Table II) for square
images, class-conditional with ``num_classes`` (``networks.conditioning``),
and ``strided_convs``, the convolutional body its discriminator shares with
the video discriminators (``keras_gans.video_networks``)."""

from typing import Tuple

import keras

from keras_gans import rng
from keras_gans.networks._checks import (
    _check_classes,
    _check_filters,
    _shape,
)
from keras_gans.networks.conditioning import (
    ConditionalBatchNorm,
    _check_conditioning,
    _label_input,
    _project,
)
from keras_gans.spectral_norm import spectral_norm as _sn

__all__ = [
    "DCGAN_SIZES",
    "dcgan",
    "dcgan_discriminator",
    "dcgan_generator",
    "strided_convs",
]

# Image side -> (side of the generator's first feature map, number of
# stride-2 layers): 64 -> 4 -> 64 and 32 -> 4 -> 32 as in the DCGAN PyTorch
# example, 28 -> 7 -> 28 (MNIST), 8 -> 2 -> 8 (digits).
DCGAN_SIZES = {8: (2, 2), 28: (7, 2), 32: (4, 3), 64: (4, 4)}


def _dcgan_plan(image_shape):
    shape = _shape(image_shape)
    if len(shape) != 3 or shape[0] != shape[1] or shape[0] not in DCGAN_SIZES:
        raise ValueError(
            "DCGAN builds square images of side "
            f"{', '.join(map(str, sorted(DCGAN_SIZES)))} with any number of "
            f"channels, shape [H, W, C]; got {tuple(image_shape)!r}."
        )
    start, layers = DCGAN_SIZES[shape[0]]
    return shape, start, layers


def _sn_seed(seed, net, layer):
    """The seed of ``net``'s layer ``layer``'s power-iteration vector."""
    return rng.layer_seed(seed, f"spectral_norm/{net}/{layer}")


def _dcgan_init(seed, net, layer):
    # DCGAN (Radford et al., 2016): weights from N(0, 0.02), each layer's
    # from its own named stream.
    return keras.initializers.RandomNormal(
        0.0, 0.02, seed=rng.layer_seed(seed, f"init/{net}/{layer}")
    )


def strided_convs(
    h,
    conv,
    layers,
    filters,
    negative_slope,
    seed,
    spectral_norm,
    net,
    prefix="conv",
):
    """The DCGAN discriminator's body on ``h``: ``layers`` stride-2 'same'
    convolutions of width 4 (``conv``: ``Conv2D`` or ``Conv3D``), the
    filters doubling from ``filters``, each spectrally normalised when
    asked and followed by LeakyReLU. Layer ``i`` is named
    ``{prefix}_{i}``, its kernel drawn from the stream
    ``init/{net}/{prefix}_{i}`` of ``seed`` and its spectral norm's vector
    from ``spectral_norm/{net}/{prefix}_{i}`` (``net``: the model's
    name)."""
    for i in range(layers):
        layer = conv(
            filters,
            4,
            strides=2,
            padding="same",
            kernel_initializer=_dcgan_init(seed, net, f"{prefix}_{i}"),
            name=f"{prefix}_{i}",
        )
        h = _sn(
            layer, spectral_norm, seed=_sn_seed(seed, net, f"{prefix}_{i}")
        )(h)
        h = keras.layers.LeakyReLU(
            negative_slope=negative_slope, name=f"{prefix}_{i}_lrelu"
        )(h)
        filters *= 2
    return h


def dcgan_generator(
    latent_dim: int,
    image_shape,
    base_filters: int = 64,
    seed=None,
    name: str = "generator",
    num_classes=None,
) -> keras.Model:
    """DCGAN generator ``z [B, latent_dim] -> images [B, H, W, C]`` in
    ``[-1, 1]``.

    The DCGAN PyTorch example (the paper's Table II), mirrored from the
    discriminator: a Dense projection to an ``s x s`` map with
    ``base_filters * 2**(n-1)`` channels, then ``n - 1`` stride-2 4x4
    transposed convolutions halving the filters down to ``base_filters``,
    each followed by BatchNorm and ReLU, and a last stride-2 4x4 transposed
    convolution to ``C`` channels with ``tanh``. ``(s, n)`` is
    ``DCGAN_SIZES[H]``: 64x64 -> 4x4x512 first (base 64), 32x32 -> 4x4x256,
    28x28 -> 7x7x128, 8x8 -> 2x2x128.

    The BatchNorm layers are ``synchronized``: under a ``tf.distribute``
    strategy they normalise with the global batch's statistics, so a
    mirrored step equals the single-device step (on one device they are
    plain BatchNorm).

    Args:
        latent_dim: size of the latent vector.
        image_shape: ``(H, W, C)`` with ``H = W`` in ``DCGAN_SIZES``.
        base_filters: filters of the last hidden layer (64 in the paper).
        seed: initialiser seed (weights N(0, 0.02); each layer from its
            own stream, ``rng.layer_seed``).
        name: model name.
        num_classes: K: a conditional generator ``[z, label] -> images``
            whose batch norms are ``ConditionalBatchNorm`` (same names).

    Raises:
        ValueError: an unsupported image shape.
    """
    (side, _, channels), start, layers = _dcgan_plan(image_shape)
    base = _check_filters(base_filters)
    classes = _check_classes(num_classes)
    filters = base * 2 ** (layers - 1)
    z = keras.Input((int(latent_dim),), name="latent")
    y = _label_input() if classes is not None else None

    def norm(h, name):
        if classes is None:
            return keras.layers.BatchNormalization(
                synchronized=True, name=name
            )(h)
        return ConditionalBatchNorm(classes, name=name)([h, y])

    h = keras.layers.Dense(
        start * start * filters,
        use_bias=False,
        kernel_initializer=_dcgan_init(seed, name, "project"),
        name="project",
    )(z)
    h = keras.layers.Reshape((start, start, filters), name="reshape")(h)
    h = norm(h, "project_bn")
    h = keras.layers.ReLU(name="project_relu")(h)
    for i in range(layers - 1):
        filters //= 2
        h = keras.layers.Conv2DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_dcgan_init(seed, name, f"deconv_{i}"),
            name=f"deconv_{i}",
        )(h)
        h = norm(h, f"deconv_{i}_bn")
        h = keras.layers.ReLU(name=f"deconv_{i}_relu")(h)
    h = keras.layers.Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        activation="tanh",
        kernel_initializer=_dcgan_init(seed, name, "output"),
        name="output",
    )(h)
    return keras.Model(z if y is None else [z, y], h, name=name)


def dcgan_discriminator(
    image_shape,
    base_filters: int = 64,
    negative_slope: float = 0.2,
    seed=None,
    name: str = "discriminator",
    spectral_norm: bool = False,
    num_classes=None,
    conditioning: str = "projection",
) -> keras.Model:
    """DCGAN discriminator ``images [B, H, W, C] -> logits [B, 1]``.

    ``n`` stride-2 4x4 convolutions with ``base_filters`` filters at the
    first layer (64 in the paper's Table II), doubling at each layer, each
    followed by LeakyReLU(0.2), then a Dense logit on the flattened last map
    (for 64x64 and 32x32 images: the DCGAN example's last 4x4 "valid"
    convolution). ``n`` is ``DCGAN_SIZES[H][1]``.

    There is no BatchNorm in D (DCGAN has it): BatchNorm mixes the examples
    of a batch, so ``D(x_i)`` would depend on the other ``x_j`` and the
    per-example gradient norms of the penalties (R1, 0GP, WGAN-GP, ...)
    would not be defined per example.

    Args:
        image_shape: ``(H, W, C)`` with ``H = W`` in ``DCGAN_SIZES``.
        base_filters: filters of the first convolution.
        negative_slope: LeakyReLU slope.
        seed: initialiser seed (weights N(0, 0.02); also of the
            power-iteration vectors).
        name: model name.
        spectral_norm: wrap every convolution and the logit Dense in
            ``keras_gans.spectral_norm.SpectralNormalization`` (Miyato et
            al., 2018: each ``[4, 4, c_in, c_out]`` kernel is normalised as
            the ``[16 c_in, c_out]`` matrix); the layers keep their names.
        num_classes: K: a projection discriminator ``[images, label] ->
            logit``, ``phi`` the flattened last feature map.
        conditioning: ``"projection"`` or ``"acgan"`` (``images ->
            [logit, class_logits]``), with ``num_classes``.

    Raises:
        ValueError: an unsupported image shape.
    """
    shape, _, layers = _dcgan_plan(image_shape)
    filters = _check_filters(base_filters)
    classes = _check_classes(num_classes)
    mode = _check_conditioning(conditioning, classes)
    x = keras.Input(shape, name="image")
    y = _label_input() if mode == "projection" else None
    h = strided_convs(
        x,
        keras.layers.Conv2D,
        layers,
        filters,
        negative_slope,
        seed,
        spectral_norm,
        name,
    )
    h = keras.layers.Flatten(name="flatten")(h)
    logit = keras.layers.Dense(
        1, kernel_initializer=_dcgan_init(seed, name, "logit"), name="logit"
    )
    logit = _sn(logit, spectral_norm, seed=_sn_seed(seed, name, "logit"))
    logit = _project(h, y, classes, logit, mode)
    return keras.Model(x if y is None else [x, y], logit, name=name)


def dcgan(
    latent_dim: int = 100,
    image_shape=(64, 64, 3),
    base_filters: int = 64,
    seed=None,
    spectral_norm: bool = False,
    num_classes=None,
    conditioning: str = "projection",
) -> Tuple[keras.Model, keras.Model]:
    """The paper's Table II DCGAN pair for ``image_shape``.

    ``spectral_norm`` and ``conditioning`` are passed to the
    discriminator; ``num_classes`` to both (a conditional pair).

    Returns:
        ``(generator, discriminator)``; see ``dcgan_generator`` and
        ``dcgan_discriminator``.
    """
    return (
        dcgan_generator(
            latent_dim,
            image_shape,
            base_filters,
            seed=seed,
            num_classes=num_classes,
        ),
        dcgan_discriminator(
            image_shape,
            base_filters,
            seed=seed,
            spectral_norm=spectral_norm,
            num_classes=num_classes,
            conditioning=conditioning,
        ),
    )
