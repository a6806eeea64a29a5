"""Network builders: the paper's MLPs, DCGAN, and the Dirac GAN
discriminators.

Every builder returns a built functional ``keras.Model``. Discriminators
return logits of shape ``[B, 1]`` (no output activation: losses and
penalties work on logits).

Class-conditional networks (``num_classes=K``) take two inputs, ``[x,
label]``, the label an int32 class index ``[B]`` in ``[0, K)``:

- the MLP and DCGAN discriminators become projection discriminators
  (Miyato & Koyama, 2018, "cGANs with Projection Discriminator")::

      D(x, y) = psi(phi(x)) + <embed(y), phi(x)>,

  ``phi`` the features before the logit (the last hidden layer's output;
  DCGAN: the flattened last feature map), ``psi`` the unconditional logit
  Dense and ``embed`` a ``K x dim(phi)`` embedding (layer
  ``label_embedding``; initialised N(0, 0.02));
- the MLP generator concatenates a label embedding (layer
  ``label_embedding``) to z; the DCGAN generator's batch norms become
  ``ConditionalBatchNorm`` (de Vries et al., 2017; Miyato & Koyama, 2018):
  normalise without affine parameters, then a class-dependent gain
  ``gamma[y]`` (initialised 1) and bias ``beta[y]`` (initialised 0).

An auxiliary-classifier discriminator (``conditioning="acgan"``; Odena et
al., 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs")
takes ``x`` alone and returns ``[logit [B, 1], class_logits [B, K]]``, the
class head (layer ``class_logits``) a Dense on the same features ``phi``.

Labels outside ``[0, K)`` are an error on CPU (the embedding lookup) and
zeros on a GPU; ``keras_gans.GAN`` and the export check them first.
"""

import math
from typing import Sequence, Tuple

import keras

from keras_gans.spectral_norm import spectral_norm as _sn

__all__ = [
    "ConditionalBatchNorm",
    "DCGAN_SIZES",
    "CONDITIONINGS",
    "discriminator_conditioning",
    "is_conditional",
    "dcgan",
    "dcgan_discriminator",
    "dcgan_generator",
    "digits_classifier",
    "mlp_generator",
    "mlp_discriminator",
    "toy_mlp",
    "paper_mlp",
    "dirac_linear",
    "dirac_hidden",
    "spectral_normalize",
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


def _check_classes(num_classes):
    if num_classes is None:
        return None
    if (
        isinstance(num_classes, bool)
        or int(num_classes) != num_classes
        or num_classes < 2
    ):
        raise ValueError(
            f"num_classes must be an integer >= 2, got {num_classes!r}."
        )
    return int(num_classes)


CONDITIONINGS = ("projection", "acgan")


def _check_conditioning(conditioning, classes):
    if conditioning not in CONDITIONINGS:
        raise ValueError(
            f"Unknown conditioning {conditioning!r}. Valid: "
            f"{', '.join(CONDITIONINGS)}."
        )
    return conditioning if classes is not None else None


def discriminator_conditioning(model):
    """``"projection"`` for a D taking ``[x, label]``, ``"acgan"`` for a D
    returning ``[logit, class_logits]``, None otherwise."""
    if is_conditional(model):
        return "projection"
    outputs = getattr(model, "outputs", None) or []
    if len(outputs) == 2 and outputs[1].shape[-1] and outputs[1].shape[-1] > 1:
        return "acgan"
    return None


def _label_input():
    return keras.Input((), dtype="int32", name="label")


def is_conditional(model) -> bool:
    """Whether ``model`` takes ``[x, label]`` (two inputs, the second an
    integer tensor), as the ``num_classes`` builders make."""
    inputs = getattr(model, "inputs", None) or []
    return len(inputs) == 2 and "int" in str(inputs[1].dtype)


def _project(h, y, num_classes, logit_layer, mode="projection"):
    """``psi(h) + <embed(y), h>`` (the projection discriminator's logit),
    or ``[psi(h), class_logits(h)]`` for AC-GAN."""
    logit = logit_layer(h)
    if num_classes is None:
        return logit
    if mode == "acgan":
        return [
            logit,
            keras.layers.Dense(num_classes, name="class_logits")(h),
        ]
    embed = keras.layers.Embedding(
        num_classes,
        h.shape[-1],
        embeddings_initializer=keras.initializers.RandomNormal(0.0, 0.02),
        name="label_embedding",
    )(y)
    inner = keras.layers.Dot(axes=1, name="projection")([embed, h])
    return keras.layers.Add(name="logit_projected")([logit, inner])


@keras.saving.register_keras_serializable(package="keras_gans")
class ConditionalBatchNorm(keras.layers.Layer):
    """Conditional batch normalisation: ``[h, label] -> gamma[label] *
    BN(h) + beta[label]``, ``BN`` a batch norm without its own scale and
    offset (``synchronized``: global-batch statistics under a strategy),
    ``gamma`` and ``beta`` ``num_classes x channels`` embeddings
    initialised to 1 and 0 (de Vries et al., 2017, "Modulating early visual
    processing by language"; Miyato & Koyama, 2018). Channels last.

    Args:
        num_classes: K >= 2.
        momentum, epsilon: of the batch norm.
    """

    def __init__(self, num_classes, momentum=0.99, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.norm = keras.layers.BatchNormalization(
            momentum=momentum,
            epsilon=epsilon,
            center=False,
            scale=False,
            synchronized=True,
            name="norm",
        )
        self.gain = self.bias = None

    def build(self, input_shape):
        shape, _ = input_shape
        channels = shape[-1]
        self.norm.build(shape)
        self.gain = keras.layers.Embedding(
            self.num_classes,
            channels,
            embeddings_initializer="ones",
            name="gain",
        )
        self.bias = keras.layers.Embedding(
            self.num_classes,
            channels,
            embeddings_initializer="zeros",
            name="bias",
        )
        self.gain.build((None,))
        self.bias.build((None,))
        self.built = True

    def call(self, inputs, training=None):
        h, label = inputs
        normed = self.norm(h, training=training)
        broadcast = (-1,) + (1,) * (len(h.shape) - 2) + (h.shape[-1],)
        gain = keras.ops.reshape(self.gain(label), broadcast)
        bias = keras.ops.reshape(self.bias(label), broadcast)
        return normed * keras.ops.cast(gain, normed.dtype) + keras.ops.cast(
            bias, normed.dtype
        )

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
        }


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
            with ``phi`` the last hidden layer (module docstring).
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

    def init(offset):
        layer_seed = None if seed is None else seed + offset
        return keras.initializers.RandomUniform(-1.0, 1.0, seed=layer_seed)

    def sn(layer, offset):
        return _sn(
            layer,
            spectral_norm,
            seed=None if seed is None else seed + offset,
        )

    x = keras.Input((1,), name="sample")
    h = sn(
        keras.layers.Dense(
            int(n), use_bias=False, kernel_initializer=init(0), name="psi0"
        ),
        0,
    )(x)
    h = keras.layers.LeakyReLU(negative_slope=negative_slope, name="lrelu")(h)
    out = sn(
        keras.layers.Dense(
            1, use_bias=False, kernel_initializer=init(1), name="psi1"
        ),
        1,
    )(h)
    return keras.Model(x, out, name=name)


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


def _offset(seed, offset):
    return None if seed is None else seed + offset


def _dcgan_init(seed, offset):
    # DCGAN (Radford et al., 2016): weights from N(0, 0.02).
    return keras.initializers.RandomNormal(
        0.0, 0.02, seed=None if seed is None else seed + offset
    )


def strided_convs(
    h,
    conv,
    layers,
    filters,
    negative_slope,
    seed,
    spectral_norm,
    init_offset,
    sn_offset,
    prefix="conv",
):
    """The DCGAN discriminator's body on ``h``: ``layers`` stride-2 'same'
    convolutions of width 4 (``conv``: ``Conv2D`` or ``Conv3D``), the
    filters doubling from ``filters``, each spectrally normalised when
    asked and followed by LeakyReLU. Layer ``i`` is named
    ``{prefix}_{i}``, its kernel drawn with seed ``seed + init_offset + i``
    and its spectral norm's vector with ``seed + sn_offset + i``."""
    for i in range(layers):
        layer = conv(
            filters,
            4,
            strides=2,
            padding="same",
            kernel_initializer=_dcgan_init(seed, init_offset + i),
            name=f"{prefix}_{i}",
        )
        h = _sn(layer, spectral_norm, seed=_offset(seed, sn_offset + i))(h)
        h = keras.layers.LeakyReLU(
            negative_slope=negative_slope, name=f"{prefix}_{i}_lrelu"
        )(h)
        filters *= 2
    return h


def _check_filters(base_filters):
    if int(base_filters) != base_filters or base_filters < 1:
        raise ValueError(f"base_filters must be >= 1, got {base_filters!r}.")
    return int(base_filters)


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
        seed: initialiser seed (weights N(0, 0.02)).
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
        kernel_initializer=_dcgan_init(seed, 0),
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
            kernel_initializer=_dcgan_init(seed, i + 1),
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
        kernel_initializer=_dcgan_init(seed, layers),
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
        init_offset=100,
        sn_offset=100,
    )
    h = keras.layers.Flatten(name="flatten")(h)
    logit = keras.layers.Dense(
        1, kernel_initializer=_dcgan_init(seed, 200), name="logit"
    )
    logit = _project(
        h, y, classes, _sn(logit, spectral_norm, seed=_offset(seed, 200)), mode
    )
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


def digits_classifier(
    num_classes: int = 10,
    feature_dim: int = 64,
    dropout: float = 0.3,
    seed=None,
    name: str = "digits_classifier",
) -> keras.Model:
    """Small CNN ``digits [B, 8, 8, 1] in [-1, 1] -> logits [B, classes]``.

    conv 3x3 32 -> conv 3x3 64 -> max-pool 2 -> conv 3x3 128 -> flatten ->
    dropout -> Dense ``feature_dim`` ReLU (layer ``features``: the
    penultimate features of the Frechet distance) -> dropout -> Dense
    ``num_classes`` (layer ``logits``). All ReLU, "same" padding.
    """
    init = keras.initializers.GlorotUniform
    x = keras.Input((8, 8, 1), name="image")
    h = x
    for i, filters in enumerate((32, 64)):
        h = keras.layers.Conv2D(
            filters,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=init(None if seed is None else seed + i),
            name=f"conv_{i}",
        )(h)
    h = keras.layers.MaxPooling2D(2, name="pool")(h)
    h = keras.layers.Conv2D(
        128,
        3,
        padding="same",
        activation="relu",
        kernel_initializer=init(None if seed is None else seed + 2),
        name="conv_2",
    )(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dropout(dropout, seed=seed, name="dropout_0")(h)
    h = keras.layers.Dense(
        int(feature_dim),
        activation="relu",
        kernel_initializer=init(None if seed is None else seed + 3),
        name="features",
    )(h)
    h = keras.layers.Dropout(dropout, seed=seed, name="dropout_1")(h)
    logits = keras.layers.Dense(
        int(num_classes),
        kernel_initializer=init(None if seed is None else seed + 4),
        name="logits",
    )(h)
    return keras.Model(x, logits, name=name)


def spectral_normalize(model: keras.Model, **options) -> keras.Model:
    """A copy of a functional or Sequential ``model`` with every layer that
    has a kernel (Dense, convolutions) spectrally normalised.

    The copy has the same layer names and starts from the same weights (plus
    each layer's power-iteration vector ``u``); ``model`` is unchanged. For
    the builders, pass ``spectral_norm=True`` instead.

    Args:
        model: a functional or Sequential ``keras.Model``, built.
        **options: ``SpectralNormalization`` options (``power_iterations``,
            ``epsilon``, ``seed``).

    Raises:
        ValueError: a subclassed model, a nested model, a layer already
            normalised, or no layer with a kernel to normalise.
    """
    from keras_gans.spectral_norm import SpectralNormalization

    from keras.src.models.functional import Functional

    if not isinstance(model, (Functional, keras.Sequential)):
        raise ValueError(
            "spectral_normalize needs a functional or Sequential "
            f"keras.Model (a subclassed model's layers cannot be rewrapped), "
            f"got {type(model).__name__}."
        )
    wrapped = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            raise ValueError(
                f"Cannot spectrally normalise nested model {layer.name!r}; "
                "normalise it first and nest the result."
            )
        if isinstance(layer, SpectralNormalization):
            raise ValueError(
                f"Layer {layer.name!r} is already spectrally normalised."
            )
        if isinstance(getattr(layer, "kernel", None), keras.Variable):
            wrapped.append(layer.name)
    if not wrapped:
        raise ValueError(
            f"Model {model.name!r} has no layer with a kernel to spectrally "
            f"normalise; its layers: {[layer.name for layer in model.layers]}."
        )

    def clone(layer):
        copy = layer.__class__.from_config(layer.get_config())
        if layer.name in wrapped:
            return _sn(copy, True, **options)
        return copy

    copy = keras.models.clone_model(model, clone_function=clone)
    for layer in model.layers:
        target = copy.get_layer(layer.name)
        if isinstance(target, SpectralNormalization):
            target = target.layer
        if layer.weights:
            target.set_weights(layer.get_weights())
    return copy
