"""L1 weight regularisation of D, a ``DiscriminatorHook``.

``L1WeightPenalty(lambda)`` adds ``lambda * sum_j |w_j|`` over the
entries of D's kernels (the ``kernel`` of every Dense and convolution,
inside a spectral-norm wrapper too; biases, normalisation scales and
spectral norm's ``u`` are left out) to L_D on every D step, and to the
unrolled look-ahead's loss through ``regularization(values)``. It is a
sum, not a mean: its gradient is ``lambda * sign(w)`` per entry (0 at 0,
``tf.abs``'s subgradient), whatever the batch. Under a ``tf.distribute``
strategy the term is added on every replica and the GAN scales each
replica's L_D by ``1 / replicas`` before the gradients are summed, so the
update equals the single-device one.

Decoupled weight decay (``w <- w - lr * decay * w``, AdamW) is an option
of D's optimizer instead (``weight_decay=``; ``--d_weight_decay``).
"""

from typing import List, Optional

import numpy as np
import tensorflow as tf

from keras_gans.hooks.base import DiscriminatorHook, StepContext

__all__ = ["L1WeightPenalty", "kernel_indices"]


def kernel_indices(discriminator) -> List[int]:
    """Indices into ``discriminator.trainable_variables`` of its kernels
    (variables named ``kernel``)."""
    return [
        i
        for i, v in enumerate(discriminator.trainable_variables)
        if v.path.split("/")[-1] == "kernel"
    ]


class L1WeightPenalty(DiscriminatorHook):
    """``weight * sum |w|`` over D's kernels, added to L_D.

    Args:
        weight: lambda >= 0 (finite).

    Raises:
        ValueError: a negative or non-finite weight; on ``attach``, a D
            without kernels.
    """

    stream_name = "d_l1"

    def __init__(self, weight: float):
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(
                f"d_l1 must be a finite number >= 0, got {weight!r}."
            )
        self.weight = float(weight)
        self._indices = None

    def attach(self, gan) -> None:
        self._indices = kernel_indices(gan.discriminator)
        if not self._indices:
            raise ValueError(
                f"d_l1: discriminator {gan.discriminator.name!r} has no "
                "kernel to regularise."
            )

    def detach(self, gan) -> None:
        self._indices = None

    def _term(self, values):
        total = tf.add_n(
            [
                tf.reduce_sum(tf.abs(tf.cast(values[i], tf.float32)))
                for i in self._indices
            ]
        )
        return self.weight * total

    def discriminator_loss(self, step: StepContext) -> Optional[tf.Tensor]:
        variables = step.game.discriminator.trainable_variables
        return self._term([v.value for v in variables])

    def regularization(self, values) -> Optional[tf.Tensor]:
        return self._term(values)
