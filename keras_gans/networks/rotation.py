"""The rotation head of a self-supervised GAN's discriminator (Chen, Zhai,
Ritter, Lucic & Houlsby, "Self-Supervised GANs via Auxiliary Rotation
Loss", CVPR 2019).

D gets a second output: four logits that say by how many quarter turns
(0, 90, 180 or 270 degrees) its input image was rotated, a linear layer on
the features D's adversarial logit reads (the reference code,
google/compare_gan ``gans/ssgan.py``: a linear ``score_classify`` layer on
D's final features, spectrally normalised when D is). The losses that use
it are ``keras_gans.training.rotation``'s.
"""

import keras

from keras_gans import rng
from keras_gans.spectral_norm import SpectralNormalization, spectral_norm

__all__ = ["ROTATIONS", "has_rotation_head", "with_rotation_head"]

ROTATIONS = 4
HEAD = "rotation_logits"


def has_rotation_head(model) -> bool:
    """Whether ``model`` returns ``[logit, rotation_logits]`` (built by
    ``with_rotation_head``)."""
    outputs = getattr(model, "outputs", None) or []
    layers = getattr(model, "layers", None) or []
    return len(outputs) == 2 and any(layer.name == HEAD for layer in layers)


def with_rotation_head(
    discriminator: keras.Model, seed=None, logit_layer: str = "logit"
) -> keras.Model:
    """``images -> [logit, rotation_logits [B, 4]]``: ``discriminator``'s
    layers (shared, not copied) and a linear rotation head on the input of
    its ``logit_layer``. The head is spectrally normalised when that layer
    is.

    Raises:
        ValueError: ``discriminator`` has several inputs or outputs (a
            conditional D), no layer ``logit_layer``, or already a head.
    """
    if has_rotation_head(discriminator):
        raise ValueError(
            f"D {discriminator.name!r} already has a rotation head."
        )
    if len(discriminator.inputs) != 1 or len(discriminator.outputs) != 1:
        raise ValueError(
            "A rotation head needs a D with one input and one output (an "
            f"unconditional D); {discriminator.name!r} has "
            f"{len(discriminator.inputs)} and {len(discriminator.outputs)}."
        )
    names = [layer.name for layer in discriminator.layers]
    if logit_layer not in names:
        raise ValueError(
            f"D {discriminator.name!r} has no layer {logit_layer!r} whose "
            f"input the rotation head would read; its layers: "
            f"{', '.join(names)}."
        )
    logit = discriminator.get_layer(logit_layer)
    features = logit.input
    if len(features.shape) != 2:
        raise ValueError(
            f"The input of D's {logit_layer!r} layer must be flat features "
            f"[B, F] for the rotation head, got shape {features.shape}."
        )
    net = discriminator.name
    head = keras.layers.Dense(
        ROTATIONS,
        kernel_initializer=keras.initializers.GlorotUniform(
            seed=rng.layer_seed(seed, f"init/{net}/{HEAD}")
        ),
        name=HEAD,
    )
    normalised = isinstance(logit, SpectralNormalization)
    head = spectral_norm(
        head,
        normalised,
        seed=rng.layer_seed(seed, f"spectral_norm/{net}/{HEAD}"),
    )
    return keras.Model(
        discriminator.inputs[0],
        [discriminator.outputs[0], head(features)],
        name=discriminator.name,
    )
