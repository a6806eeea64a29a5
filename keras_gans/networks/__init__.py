"""Network builders: the paper's MLPs, DCGAN, and the Dirac GAN
discriminators.

Every builder returns a built functional ``keras.Model``. Discriminators
return logits of shape ``[B, 1]`` (no output activation: losses and
penalties work on logits).

- ``mlp``: the MLP generator and discriminator, the paper's toy and Table
  IV pairs, and the Dirac GAN discriminators;
- ``dcgan``: the DCGAN for square images and ``strided_convs``, the
  discriminator body it shares with ``keras_gans.video_networks``;
- ``conditioning``: what ``num_classes`` does to the builders (projection
  and AC-GAN discriminators, ``ConditionalBatchNorm``), and the checks of a
  model's conditioning;
- ``classifier``: the digits classifier of the image metrics;
- ``spectral``: ``spectral_normalize``, spectral normalisation of a built
  model;
- ``pack``: PacGAN's packed discriminator (``Pack``,
  ``packed_discriminator``);
- ``rotation``: SS-GAN's rotation head (``with_rotation_head``).

The names below are imported from those modules; ``networks.X`` is the
usual way to reach them. Importing the package registers
``ConditionalBatchNorm`` for loading saved models.
"""

from keras_gans.networks.classifier import digits_classifier
from keras_gans.networks.conditioning import (
    CONDITIONINGS,
    ConditionalBatchNorm,
    discriminator_conditioning,
    is_conditional,
)
from keras_gans.networks.dcgan import (
    DCGAN_SIZES,
    dcgan,
    dcgan_discriminator,
    dcgan_generator,
    strided_convs,  # noqa: F401 - networks.strided_convs, not in __all__
)
from keras_gans.networks.mlp import (
    dirac_hidden,
    dirac_linear,
    mlp_discriminator,
    mlp_generator,
    paper_mlp,
    toy_mlp,
)
from keras_gans.networks.pack import (
    Pack,
    packed_discriminator,
    packed_shape,
    packing,
)
from keras_gans.networks.rotation import has_rotation_head, with_rotation_head
from keras_gans.networks.spectral import spectral_normalize

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
    "Pack",
    "packed_discriminator",
    "packed_shape",
    "packing",
    "has_rotation_head",
    "with_rotation_head",
]
