"""The adversarial objective: the loss, the imbalanced real weight and the
``n_critic`` split of a real batch into D steps.

Thanh-Tung & Tran (2020), eq. 6::

    L_D = gamma * L_real + L_fake,      L_G from the same loss,

with ``(L_real, L_fake, L_G)`` from ``keras_gans.losses`` on D's logits.
A paired loss (``losses.is_paired``, the relativistic pairing loss) has no
real weight (gamma must be 1), and its ``L_G`` needs D's logits on a real
batch: ``needs_real_logits`` tells the G step to compute them.
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import losses, registry
from keras_gans.validation import check_integer

__all__ = ["AdversarialObjective", "row_independent"]

_BATCH_COUPLED = (
    keras.layers.BatchNormalization,
    keras.layers.UnitNormalization,
)


def _all_layers(model):
    for layer in getattr(model, "layers", ()):
        yield layer
        yield from _all_layers(layer)


def row_independent(discriminator) -> bool:
    """Whether ``discriminator`` treats the rows of a batch independently
    (a Keras model without batch statistics), so that one call on two
    batches stacked equals two calls."""
    return isinstance(discriminator, keras.Model) and not any(
        isinstance(layer, _BATCH_COUPLED)
        for layer in _all_layers(discriminator)
    )


def _name(loss) -> str:
    return loss if isinstance(loss, str) else getattr(
        registry.unwrap(loss), "__name__", repr(loss)
    )


class AdversarialObjective:
    """``gamma * L_real + L_fake`` for D and ``L_G`` for G.

    Args:
        loss: a name in ``keras_gans.losses.names()`` or a loss function.
        real_weight: gamma > 0 (paper eq. 6 uses gamma >= 1); 1 for a
            paired loss.
        n_critic: D updates per G update (>= 1); each D step takes a strided
            slice ``batch[i::n_critic]`` of the real batch.
    """

    def __init__(self, loss="non_saturating", real_weight=1.0, n_critic=1):
        if not np.isfinite(real_weight):
            raise ValueError(
                f"real_weight must be finite, got {real_weight!r}."
            )
        if not real_weight > 0:
            raise ValueError(f"real_weight must be > 0, got {real_weight!r}.")
        self.loss_fn = losses.get(loss)
        self.paired = losses.is_paired(self.loss_fn)
        if self.paired and real_weight != 1:
            raise ValueError(
                f"real_weight (gamma, now {real_weight!r}) must be 1 with the "
                f"paired loss {_name(loss)!r}: it pairs real and fake logits "
                "in one term, so there is no real term to weight."
            )
        self.real_weight = float(real_weight)
        self.n_critic = check_integer("n_critic", n_critic, 1)
        self.logistic = losses.is_logistic(self.loss_fn)

    def discriminator_terms(self, real_logits, fake_logits):
        """``gamma * L_real + L_fake`` from the logits."""
        loss_real, loss_fake, _ = self.loss_fn(real_logits, fake_logits)
        return self.real_weight * loss_real + loss_fake

    def discriminator_loss(self, discriminator, real, fake, stacked=False):
        """``(gamma * L_real + L_fake, real_logits, fake_logits)`` of
        ``discriminator`` (a callable) on one real and one fake batch.

        With ``stacked`` D is called once on ``[real; fake]`` (the same
        logits for a row-independent D, with half the launches and twice
        the rows per matmul). ``real`` and ``fake`` may be labelled
        batches ``[x, y]`` (a conditional D), stacked part by part."""
        if stacked:
            logits = discriminator(
                tf.nest.map_structure(
                    lambda r, f: tf.concat([r, tf.cast(f, r.dtype)], 0),
                    real,
                    fake,
                ),
                training=True,
            )
            real_logits, fake_logits = tf.split(logits, 2, axis=0)
        else:
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
        return (
            self.discriminator_terms(real_logits, fake_logits),
            real_logits,
            fake_logits,
        )

    @property
    def needs_real_logits(self) -> bool:
        """Whether ``L_G`` reads D's logits on real samples (a paired
        loss): only then does the G step call D on its real batch."""
        return self.paired

    def generator_loss(self, fake_logits, real_logits=None):
        """``L_G``: of the fake logits, and for a paired loss also of the
        real logits (pairs by index; required then, ignored otherwise)."""
        if not self.paired:
            return self.loss_fn(fake_logits, fake_logits)[2]
        if real_logits is None:
            raise ValueError(
                "The paired loss needs D's logits on a real batch for L_G."
            )
        return self.loss_fn(real_logits, fake_logits)[2]

    def score(self, logits):
        """D's mean score: a probability for the logistic losses, the raw
        critic value otherwise."""
        logits = tf.cast(logits, tf.float32)
        if self.logistic:
            return tf.reduce_mean(tf.sigmoid(logits))
        return tf.reduce_mean(logits)

    def split(self, real):
        """The ``n_critic`` real batches of one GAN iteration: the strided
        slices ``real[i::n_critic]`` (disjoint)."""
        k = self.n_critic
        if k == 1:
            return [real]
        rows = real.shape[0]
        if rows is not None and rows % k:
            raise ValueError(
                f"With n_critic={k} each real batch must hold a multiple of "
                f"{k} samples (one slice per D step); got {rows}."
            )
        if rows is None:  # a partial last batch: named, not a reshape error
            tf.debugging.assert_equal(
                tf.shape(real)[0] % k,
                0,
                message=f"With n_critic={k} each real batch must hold a "
                f"multiple of {k} samples (one slice per D step); drop the "
                "remainder (Dataset.batch(..., drop_remainder=True)).",
            )
        grouped = tf.reshape(real, tf.concat([[-1, k], tf.shape(real)[1:]], 0))
        return [grouped[:, i] for i in range(k)]
