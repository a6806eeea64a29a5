"""PacGAN's packed discriminator (Lin, Khetan, Fanti & Oh, "PacGAN: The
power of two samples in generative adversarial networks", NeurIPS 2018).

D judges ``m`` samples at once: the ``m`` samples of a pack are
concatenated on their last axis (a toy point's coordinates; an image's
or a clip's channels, as the reference code concatenates its generator's
``m`` outputs on the channel axis) and one logit scores the pack. Real
packs hold ``m`` real samples, fake packs ``m`` fakes, and the losses
average over packs. A D that sees the joint distribution of ``m`` samples
penalises a G whose samples lack diversity (the paper's mode-collapse
region analysis).

Here a batch of ``B`` rows is ``B / m`` packs of ``m`` consecutive rows
(``Pack``); the reference code draws ``m x B`` samples for ``B`` packs,
so matching it means an ``m`` times larger batch. The packed D takes and
returns what any D does, samples ``[B, ...]`` in and logits out, only
``B / m`` of them: the GAN's losses, its penalties (the gradient norm of
a pack is taken over all of its ``m`` samples,
``keras_gans.gradients``), mixed precision, distribution (each replica
packs its own rows) and XLA need nothing else.
"""

import keras
import tensorflow as tf

__all__ = ["Pack", "packed_discriminator", "packed_shape", "packing"]


def _check_m(m):
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(
            f"The packing degree (--pack) must be an integer >= 1, got {m!r}."
        )
    return m


def packed_shape(sample_shape, m: int) -> tuple:
    """The shape of a pack of ``m`` samples of ``sample_shape``: the last
    axis ``m`` times longer."""
    shape = tuple(int(s) for s in sample_shape)
    return shape[:-1] + (_check_m(m) * shape[-1],)


@keras.saving.register_keras_serializable(package="keras_gans")
class Pack(keras.layers.Layer):
    """``[B, ..., C] -> [B / m, ..., m * C]``: rows ``j m .. j m + m - 1``
    become pack ``j``, their last axes concatenated in row order.

    Raises at trace time, naming ``--pack``, when ``B`` (a replica's batch
    under a distribution strategy) is not a multiple of ``m``.
    """

    def __init__(self, m: int, **kwargs):
        super().__init__(**kwargs)
        self.m = _check_m(m)

    def call(self, x):
        m = self.m
        if m == 1:
            return x
        rest = tuple(x.shape[1:])
        batch = x.shape[0]
        message = (
            f"a batch of {{}} rows cannot be cut into packs of {m} "
            "(--pack): the batch (a replica's, under a distribution "
            "strategy) must be a multiple of the packing degree."
        )
        if batch is not None and batch % m:
            raise ValueError(message.format(batch))
        if batch is None:
            check = tf.debugging.assert_equal(
                tf.shape(x)[0] % m, 0, message=message.format("B")
            )
            with tf.control_dependencies([check]):
                x = tf.identity(x)
        rank = len(rest)
        grouped = tf.reshape(x, (-1, m) + rest)
        # [P, m, d1..dk, C] -> [P, d1..dk, m, C]: the pack's axis next to
        # the last, so that the reshape concatenates whole samples.
        order = [0] + list(range(2, rank + 1)) + [1, rank + 1]
        grouped = tf.transpose(grouped, order)
        return tf.reshape(grouped, (-1,) + rest[:-1] + (m * rest[-1],))

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        return (
            None if batch is None else batch // self.m,
            *input_shape[1:-1],
            self.m * input_shape[-1],
        )

    def get_config(self):
        return {**super().get_config(), "m": self.m}


def packed_discriminator(
    discriminator: keras.Model, m: int, name: str = None
) -> keras.Model:
    """PacGAN's D: ``samples [B, ...] -> logits [B / m, 1]``, ``Pack(m)``
    then ``discriminator``, which takes packs (its input's last axis ``m``
    times the samples').

    Raises:
        ValueError: ``discriminator`` has several inputs (a conditional
            D: packing labels is not defined), or its input's last axis is
            not a multiple of ``m``.
    """
    m = _check_m(m)
    if len(discriminator.inputs) != 1:
        raise ValueError(
            "A packed discriminator (--pack) needs a D with one input; "
            f"{discriminator.name!r} has {len(discriminator.inputs)} (a "
            "conditional D), which packing does not define."
        )
    pack_shape = tuple(discriminator.inputs[0].shape[1:])
    if pack_shape[-1] % m:
        raise ValueError(
            f"D {discriminator.name!r} takes inputs of shape {pack_shape}, "
            f"not packs of {m} samples (the last axis must be a multiple "
            f"of {m})."
        )
    sample_shape = pack_shape[:-1] + (pack_shape[-1] // m,)
    samples = keras.Input(sample_shape, name="samples")
    packs = Pack(m, name="pack")(samples)
    return keras.Model(
        samples,
        discriminator(packs),
        name=name or f"pac{m}_{discriminator.name}",
    )


def packing(discriminator) -> int:
    """The packing degree of ``discriminator``: ``m`` of its ``Pack``
    layer, 1 without one (a callable wrapping a D, such as the GAN's
    augmented or adversarial-output views, by its ``discriminator``)."""
    while not hasattr(discriminator, "layers") and hasattr(
        discriminator, "discriminator"
    ):
        discriminator = discriminator.discriminator
    layers = getattr(discriminator, "layers", ())
    degrees = [layer.m for layer in layers if isinstance(layer, Pack)]
    return degrees[0] if degrees else 1
