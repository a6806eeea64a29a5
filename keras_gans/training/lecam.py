"""LeCam regularisation of D's outputs (Tseng, Jiang, Liu, Yang & Yang,
"Regularizing Generative Adversarial Networks under Limited Data", CVPR
2021).

Each D step adds ``weight * R_LC`` to L_D, with

    R_LC = mean_i relu(D(x_i) - alpha_F)^2 + mean_j relu(alpha_R - D(G(z_j)))^2

where ``alpha_R`` and ``alpha_F`` are exponential moving averages of D's
mean logit on the real and the fake batches (constants in the gradient).
D's real outputs are pulled down towards its past fake outputs and its
fake outputs up towards its past real ones, only where they have moved
past them. This follows the authors' reference code (google/lecam-gan,
``stylegan2/lecam_loss.py``): the one-sided ``relu`` form, anchors from
the batch means with decay 0.99, zero-debiased (after ``t`` updates the
anchor is ``biased / (1 - decay^t)``, so the first step's anchor is that
step's mean), updated with the step's own means before the term is taken.

Under a ``tf.distribute`` strategy the means are of the global batch (an
all-reduce), so every replica holds the same anchors; the term itself is
a per-replica mean, scaled like the rest of L_D. The anchors live in one
non-trainable variable ``[biased real, biased fake, updates]`` that the
GAN tracks (``gan.lecam_anchors``), so checkpoints carry it.
"""

import keras
import numpy as np
import tensorflow as tf

__all__ = ["DECAY", "LeCamRegularizer"]

# The reference code's anchor decay.
DECAY = 0.99


class LeCamRegularizer:
    """The LeCam term and its anchors.

    Args:
        weight: lambda >= 0 (finite); 0 is off (no variable, no term).
        decay: the anchors' EMA decay in (0, 1).
    """

    def __init__(self, weight: float = 0.0, decay: float = DECAY):
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"lecam_weight must be >= 0 and finite, got {weight!r}."
            )
        if not 0.0 < decay < 1.0:
            raise ValueError(f"LeCam decay must be in (0, 1), got {decay!r}.")
        self.weight = float(weight)
        self.decay = float(decay)
        self.state = None

    @property
    def active(self) -> bool:
        return self.weight > 0

    def configure(self, gan, state=None, unroll_steps=0) -> None:
        """Creates the anchors' variable under the GAN's strategy scope,
        or keeps ``state`` (a variable from an earlier compile).

        Raises:
            ValueError: active with ``unroll_steps > 0``.
        """
        if not self.active:
            self.state = None
            return
        if unroll_steps:
            raise ValueError(
                "lecam_weight > 0 cannot be combined with unroll_steps > 0 "
                "yet (the look-ahead's D loss would leave the term out)."
            )
        if state is None:
            with gan.distribute_strategy.scope():
                state = keras.Variable(
                    np.zeros(3, np.float32),
                    trainable=False,
                    name="lecam_anchors",
                    aggregation="only_first_replica",
                )
        self.state = state

    def _debiased(self, state):
        biased, count = state[:2], state[2]
        scale = tf.where(count > 0, 1.0 - tf.pow(self.decay, count), 1.0)
        anchors = biased / scale
        return anchors[0], anchors[1]

    def anchors(self):
        """``(alpha_R, alpha_F)``, zero-debiased (0 before any update)."""
        return self._debiased(tf.convert_to_tensor(self.state))

    def term(self, real_logits, fake_logits):
        """Updates the anchors with this step's mean logits and returns
        ``(weight * R_LC, R_LC)`` (float32 scalars)."""
        real = tf.cast(real_logits, tf.float32)
        fake = tf.cast(fake_logits, tf.float32)
        means = tf.stop_gradient(
            tf.stack([tf.reduce_mean(real), tf.reduce_mean(fake)])
        )
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            means = context.all_reduce(tf.distribute.ReduceOp.MEAN, means)
        old = tf.convert_to_tensor(self.state)
        biased = self.decay * old[:2] + (1.0 - self.decay) * means
        new = tf.concat([biased, old[2:] + 1.0], 0)
        self.state.assign(new)
        alpha_real, alpha_fake = self._debiased(new)
        value = tf.reduce_mean(
            tf.square(tf.nn.relu(real - alpha_fake))
        ) + tf.reduce_mean(tf.square(tf.nn.relu(alpha_real - fake)))
        return self.weight * value, value
