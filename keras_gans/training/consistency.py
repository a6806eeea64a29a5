"""Consistency regularisation of D on images: CR (Zhang, Zhang, Odena &
Lee, "Consistency Regularization for Generative Adversarial Networks",
ICLR 2020) and balanced CR (Zhao, Singh, Zhang, Lee, Luong & Odena,
"Improved Consistency Regularization for GANs", AAAI 2021).

Each D step adds

    lambda_real * mean_i (D(x_i) - D(T(x_i)))^2
        + lambda_fake * mean_j (D(G(z_j)) - D(T(G(z_j))))^2

to L_D, ``T`` a random augmentation drawn per example: CR is
``lambda_fake = 0``, bCR both weights (the papers use 10 and 10). D is
penalised for being sensitive to ``T``; the gradient flows through both
logits, as in the papers' ``||D(x) - D(T(x))||^2``. ``T`` is one of the
library's DiffAugment policies (``augment.diff_augment``, differentiable;
default ``translation``, the closest of its ops to the papers' flip and
shift). ``D(x)`` is the logit D's loss already computed on the step's
inputs (after the input augmentation, if any); ``D(T(x))`` is one more D
call on each batch.

Randomness: D step ``index`` draws ``T`` from
``fold_in(stream(root, "consistency"), index)``, split into ``"real"`` and
``"fake"``: replica-consistent, equal with and without XLA, and a resumed
run draws what an uninterrupted one does. Images only (``[B, H, W, C]``),
and not with a class-conditional D yet.
"""

import numpy as np
import tensorflow as tf

from keras_gans import augment, rng

__all__ = ["ConsistencyRegularizer"]


class ConsistencyRegularizer:
    """The (balanced) consistency term of L_D.

    Args:
        weight: lambda_real >= 0 (0 with ``fake_weight`` 0: off).
        fake_weight: lambda_fake >= 0 (> 0: balanced CR).
        policy: the DiffAugment policy of ``T`` (``augment.parse_policy``
            or a bare op list, e.g. ``"translation,cutout"``).

    Raises:
        ValueError: a negative or non-finite weight, a policy that is not
            DiffAugment's.
    """

    def __init__(self, weight=0.0, fake_weight=0.0, policy="translation"):
        for name, value in (
            ("consistency_weight", weight),
            ("consistency_fake_weight", fake_weight),
        ):
            if not (np.isfinite(value) and value >= 0):
                raise ValueError(
                    f"{name} must be >= 0 and finite, got {value!r}."
                )
        self.weight = float(weight)
        self.fake_weight = float(fake_weight)
        self.policy = augment.parse_policy(
            policy if ":" in policy else f"diffaugment:{policy}"
        )
        if self.policy.kind != "diffaugment":
            raise ValueError(
                "The consistency transform is a DiffAugment policy (e.g. "
                f"'translation' or 'translation,cutout'); got {policy!r}."
            )

    @property
    def active(self) -> bool:
        return self.weight > 0 or self.fake_weight > 0

    def check(self, gan, unroll_steps=0) -> None:
        """Raises ValueError if active on a GAN it is not built for: a
        class-conditional one, one with a look-ahead, or one whose samples
        are not images."""
        if not self.active:
            return
        reason = None
        if gan.num_classes is not None:
            reason = "a class-conditional GAN"
        elif unroll_steps:
            reason = "unroll_steps > 0 (the look-ahead leaves it out)"
        elif gan.generator.built and len(gan.sample_shape) != 3:
            reason = f"samples of shape {gan.sample_shape} (not images)"
        if reason:
            raise ValueError(
                f"Consistency regularisation is for unconditional image "
                f"GANs; it cannot be combined with {reason} yet."
            )

    def term(self, critic, real_in, fake_in, real_logits, fake_logits, seed):
        """``(the weighted term, the unweighted real part, the unweighted
        fake part)``, float32 scalars; ``critic`` is what gave the
        logits (``seed``: this D step's ``"consistency"`` seed)."""
        seeds = {
            name: rng.stream(seed, name) for name in ("real", "fake")
        }
        parts = {}
        for name, inputs, logits, weight in (
            ("real", real_in, real_logits, self.weight),
            ("fake", fake_in, fake_logits, self.fake_weight),
        ):
            if not weight:
                parts[name] = tf.zeros([], tf.float32)
                continue
            moved = augment.diff_augment(inputs, self.policy, seeds[name])
            other = critic(moved, training=True)
            gap = tf.cast(logits, tf.float32) - tf.cast(other, tf.float32)
            parts[name] = tf.reduce_mean(tf.square(gap))
        total = (
            self.weight * parts["real"] + self.fake_weight * parts["fake"]
        )
        return total, parts["real"], parts["fake"]
