"""The self-supervised rotation loss of SS-GAN (Chen, Zhai, Ritter, Lucic
& Houlsby, "Self-Supervised GANs via Auxiliary Rotation Loss", CVPR 2019),
whose stated motive is the discriminator's forgetting: a D that must also
tell how far real images were rotated keeps features that do not drift
with G's distribution.

With ``Q_D(r | x)`` the softmax of D's rotation head
(``networks.with_rotation_head``) and ``x^r`` image ``x`` turned by ``r``
quarter turns (``tf.image.rot90``, counter-clockwise), ``r`` uniform over
{0, 1, 2, 3}:

    L_D = L_D,adv - beta  E_{x ~ data}  E_r log Q_D(r | x^r)
    L_G = L_G,adv - alpha E_{x ~ G}     E_r log Q_D(r | x^r)

D learns the rotations of real images only; G is rewarded for fakes
whose rotations D can tell. The expectation over ``r`` is exact here:
every image of the batch is seen in all four rotations (the reference
code, google/compare_gan ``gans/ssgan.py``, rotates a configurable
slice of the batch; its defaults, beta = 1 and alpha = 0.2, are the
paper's and ours). The adversarial loss and the penalties read D's first
output on the unrotated batches, as there.

``SelfSupervised`` is the GAN's strategy (``training.unconditional``'s
questions, answered for a D with a rotation head): what D's adversarial
output is, the D and G terms, and what does not compose yet (class
labels, unrolling, EWC's per-example Fisher).
"""

import numpy as np
import tensorflow as tf

from keras_gans.hooks.base import DiscriminatorHook
from keras_gans.networks.rotation import ROTATIONS, has_rotation_head
from keras_gans.training.conditioning import (
    AdversarialOutput,
    is_layer_penalty,
)
from keras_gans.training.unconditional import Unconditional

__all__ = ["SelfSupervised", "rotated", "rotation_loss", "strategy"]


def rotated(images):
    """``([x^0; x^1; x^2; x^3], r)``: the batch ``[B, H, W, C]`` in each
    of the four rotations, stacked rotation by rotation, and the labels
    ``r`` (int32 ``[4 B]``: B zeros, B ones, ...)."""
    batch = tf.shape(images)[0]
    turns = tf.concat(
        [tf.image.rot90(images, k) for k in range(ROTATIONS)], 0
    )
    labels = tf.repeat(tf.range(ROTATIONS, dtype=tf.int32), batch)
    return turns, labels


def rotation_loss(discriminator, images):
    """``-E_x E_r log Q_D(r | x^r)`` over ``images`` (float32), D's second
    output its rotation logits."""
    turns, labels = rotated(images)
    logits = discriminator(turns, training=True)[1]
    return tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels, tf.cast(logits, tf.float32)
        )
    )


def _check_weight(name, value):
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}.")
    return float(value)


class SelfSupervised(Unconditional):
    """An unconditional GAN whose D has a rotation head.

    Args:
        d_weight: beta > 0, the weight of D's rotation loss on real
            images (the head learns only from it).
        g_weight: alpha >= 0, the weight of G's rotation loss on its
            fakes.
    """

    def __init__(self, d_weight: float = 1.0, g_weight: float = 0.2):
        self.d_weight = _check_weight("rotation_weight", d_weight)
        self.g_weight = _check_weight("rotation_g_weight", g_weight)
        if self.d_weight == 0:
            raise ValueError(
                "D has a rotation head: rotation_weight (beta) must be > 0 "
                "(the head learns only from D's rotation loss; Chen et al. "
                "use 1), or build D without the head."
            )

    def check_networks(self, generator, discriminator) -> None:
        if not has_rotation_head(discriminator):
            raise ValueError(
                "rotation_weight > 0 needs D with a rotation head "
                "(keras_gans.networks.with_rotation_head)."
            )

    def configure(self, classification_weight, unroll_steps) -> None:
        if unroll_steps:
            raise ValueError(
                "unroll_steps > 0 cannot be combined with the rotation loss "
                "yet (the look-ahead D would not see the head); drop one."
            )

    def check_penalty(self, fn) -> None:
        """Refuses a layer penalty (its probe reads a one-output D)."""
        if is_layer_penalty(fn):
            raise ValueError(
                "A layer gradient penalty (layer=...) cannot be combined "
                "with the rotation loss yet; use the input gradient."
            )

    def check_hook(self, hook) -> None:
        if not getattr(hook, "supports_rotation_head", True):
            raise ValueError(
                f"{type(hook).__name__} cannot be combined with the rotation "
                "loss yet (its terms leave D's rotation head out)."
            )

    def critic(self, discriminator, real, labels, fake, fake_labels):
        return AdversarialOutput(discriminator), real, fake

    def discriminator_view(self, discriminator, augmentation, real, labels,
                           fake, fake_labels, root, index, iteration):
        return Unconditional.discriminator_view(
            AdversarialOutput(discriminator), augmentation, real, labels,
            fake, fake_labels, root, index, iteration,
        )

    def discriminator_term(self, discriminator, real, labels, fake,
                           fake_labels):
        """``beta * -E_x E_r log Q_D(r | x^r)`` on the real batch."""
        return self.d_weight * rotation_loss(discriminator, real)

    def generator_view(self, discriminator, augmentation, rng_seed, fake,
                       fake_labels, real, labels, iteration, with_real):
        """D's adversarial view of the fakes (and reals), and
        ``alpha * -E_x E_r log Q_D(r | G(z)^r)``."""
        fake_logits, real_logits, _ = Unconditional.generator_view(
            AdversarialOutput(discriminator), augmentation, rng_seed,
            fake, fake_labels, real, labels, iteration, with_real,
        )
        extra = None
        if self.g_weight:
            extra = self.g_weight * rotation_loss(discriminator, fake)
        return fake_logits, real_logits, extra


def strategy(gan, d_weight: float, g_weight: float):
    """The strategy ``gan.compile`` settles on: for an unconditional GAN,
    ``SelfSupervised`` when D has a rotation head or a rotation weight is
    given (each needs the other, which it checks), else ``Unconditional``;
    a conditional GAN keeps its own and refuses the rotation loss. The
    attached hooks are checked against it."""
    rotation = bool(d_weight) or has_rotation_head(gan.discriminator)
    if gan.num_classes is not None:
        if rotation:
            raise ValueError(
                "The rotation loss cannot be combined with a conditional "
                "GAN (num_classes set) yet."
            )
        return gan.conditioning
    chosen = SelfSupervised(d_weight, g_weight) if rotation else Unconditional()
    chosen.check_networks(gan.generator, gan.discriminator)
    for hook in gan.hooks:
        if isinstance(hook, DiscriminatorHook):
            chosen.check_hook(hook)
    return chosen
