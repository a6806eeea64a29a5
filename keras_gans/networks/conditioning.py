"""The builders' class conditioning (``num_classes=K``).

Class-conditional networks take two inputs, ``[x, label]``, the label an
int32 class index ``[B]`` in ``[0, K)``:

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

import keras

__all__ = [
    "CONDITIONINGS",
    "ConditionalBatchNorm",
    "discriminator_conditioning",
    "is_conditional",
]

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
    returning ``[logit, class_logits]``, None otherwise (a D returning
    ``[logit, rotation_logits]`` included)."""
    if is_conditional(model):
        return "projection"
    outputs = getattr(model, "outputs", None) or []
    if len(outputs) == 2 and outputs[1].shape[-1] and outputs[1].shape[-1] > 1:
        # A rotation head (networks.rotation) is not a class head.
        layers = getattr(model, "layers", None) or []
        if not any(layer.name == "rotation_logits" for layer in layers):
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
