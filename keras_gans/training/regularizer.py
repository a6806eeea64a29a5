"""The gradient-penalty regulariser of D: ``lambda * penalty`` in L_D, on
every D step or lazily (StyleGAN2).

Lazy regularisation (Karras et al., 2020, "Analyzing and Improving the
Image Quality of StyleGAN", Appendix B): with ``k = every > 1`` the D steps
minimise the adversarial loss alone, and after every k-th D step (D steps
0, k, 2k, ... counted as ``iteration * n_critic + i``) a separate update of
D's optimizer minimises ``k * lambda * penalty``. D's optimizer's learning
rate becomes ``lr * c`` and its decay rates (Adam's betas, SGD's momentum)
``beta ** c``, ``c = k / (k + 1)``: the k + 1 updates of a period then move
the weights as far, and average the moments over as long, as k updates
did, and the penalty keeps its average pull under Adam's normalisation.

Mixed precision: the caller passes the D optimizer's dynamic loss scale
explicitly (``loss_scale``); the penalty's inner gradient is scaled by it
(``penalties.gradient_scaled``).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute, penalties
from keras_gans.training import conditioning, update_rules
from keras_gans.validation import check_integer

__all__ = ["GradientPenalty"]


class GradientPenalty:
    """``lambda * penalty`` of ``keras_gans.penalties``, with its schedule.

    Args:
        penalty: a name in ``penalties.names()`` or a penalty function.
        weight: lambda >= 0.
        output: ``"logit"``/``"sigmoid"``: what the penalty differentiates;
            None keeps the penalty's own setting.
        every: 1 (every D step) or k > 1 (lazy, see the module docstring).
    """

    def __init__(self, penalty="none", weight=0.0, output=None, every=1):
        if not np.isfinite(weight):
            raise ValueError(f"penalty_weight must be finite, got {weight!r}.")
        if not weight >= 0:
            raise ValueError(f"penalty_weight must be >= 0, got {weight!r}.")
        options = {} if output is None else {"output": output}
        self.output = output
        self.fn = penalties.get(penalty, **options)
        self.active = penalty not in ("none", penalties.none)
        self.weight = float(weight)
        self.every = check_integer("penalty_every", every, 1)

    @property
    def lazy(self) -> bool:
        return self.every > 1

    def configure(self, d_optimizer, strategy) -> None:
        """Checks the schedule against D's optimizer and the strategy, and
        adjusts the optimizer for a lazy schedule (also undoing an earlier
        adjustment when the schedule is no longer lazy)."""
        if self.lazy:
            update_rules.check_supported(d_optimizer, "penalty_every > 1")
            if (
                penalties.synchronizes_replicas(self.fn)
                and strategy.num_replicas_in_sync > 1
            ):
                raise ValueError(
                    "penalty_every > 1 cannot be used with the dragan penalty "
                    "under a multi-replica strategy: its cross-replica batch "
                    "std would sit inside the lazy step's tf.cond, which "
                    "tf.distribute does not support. Use penalty_every=1."
                )
        if self.lazy or update_rules.is_adjusted(d_optimizer):
            update_rules.adjust_for_lazy_regularization(
                d_optimizer,
                self.every / (self.every + 1) if self.lazy else None,
            )

    def value(self, discriminator, real, fake, seed, loss_scale=None):
        """The unweighted penalty (float32; 0 for ``none``), its inner
        gradient loss-scaled by ``loss_scale`` (None: unscaled). Labelled
        batches ``[x, y]`` (a conditional GAN) are penalised w.r.t. x with
        the label held fixed (``conditioning.penalty_view``), each of
        ``penalties.parts`` with its own labels (``r1_r2``)."""
        if not self.active:
            return tf.constant(0.0)
        if not isinstance(real, (list, tuple)):
            scaled = penalties.gradient_scaled(discriminator, loss_scale)
            return tf.cast(self.fn(scaled, real, fake, seed), tf.float32)
        total = None
        for weight, part in penalties.parts(self.fn):
            critic, x_real, x_fake = conditioning.penalty_view(
                part, discriminator, real, fake
            )
            scaled = penalties.gradient_scaled(critic, loss_scale)
            term = tf.cast(part(scaled, x_real, x_fake, seed), tf.float32)
            term = term if weight == 1.0 else weight * term
            total = term if total is None else total + term
        return total

    def in_step_term(self, discriminator, real, fake, seed, loss_scale=None):
        """``(lambda * penalty, penalty)`` for the D step's loss; zeros when
        lazy (the penalty then has its own update, ``lazy_step``)."""
        if self.lazy or not self.active:
            zero = tf.constant(0.0)
            return zero, zero
        penalty = self.value(discriminator, real, fake, seed, loss_scale)
        return self.weight * penalty, penalty

    def lazy_step(self, discriminator, optimizer, real, fake, seed, index):
        """StyleGAN2's separate update after D steps ``0, k, 2k, ...``: one
        step of D's optimizer on ``k * lambda * penalty``, computed only
        when due (``tf.cond``) and written with ``update_rules`` and
        ``tf.where``, so that it can be skipped inside a replicated step,
        where ``optimizer.apply`` cannot sit in a ``tf.cond``.

        Returns:
            ``(penalty, applied)``: the unweighted penalty (0 when not due)
            and whether the update was applied.
        """
        k = self.every
        d_vars = discriminator.trainable_variables
        due = tf.equal(index % k, 0)
        scale = getattr(optimizer, "dynamic_scale", None)
        loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)

        def compute():
            with tf.GradientTape() as tape:
                penalty = self.value(discriminator, real, fake, seed, scale)
                loss = k * self.weight * penalty
                scaled = optimizer.scale_loss(distribute.scale_loss(loss))
            grads = tape.gradient(scaled, d_vars)
            return penalty, [
                tf.zeros_like(v.value)
                if g is None
                # Embedding gradients are IndexedSlices: densify for the cond.
                else tf.cast(tf.convert_to_tensor(g), v.dtype)
                for g, v in zip(grads, d_vars)
            ]

        def skip():
            return tf.constant(0.0), [tf.zeros_like(v.value) for v in d_vars]

        penalty, grads = tf.cond(due, compute, skip)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # Per-replica losses are scaled to the global batch: sum.
            grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
        if loss_scaled:
            scale = tf.cast(optimizer.dynamic_scale, tf.float32)
            grads = [g / tf.cast(scale, g.dtype) for g in grads]
            finite = tf.reduce_all(
                [tf.reduce_all(tf.math.is_finite(g)) for g in grads]
            )
            # An overflow skips the regularisation step and halves the loss
            # scale, as the LossScaleOptimizer does for its own steps.
            optimizer.dynamic_scale.assign(
                tf.where(
                    tf.logical_or(finite, tf.logical_not(due)),
                    optimizer.dynamic_scale,
                    optimizer.dynamic_scale / 2,
                )
            )
            due = tf.logical_and(due, finite)
            grads = [tf.where(finite, g, tf.zeros_like(g)) for g in grads]
            penalty = tf.where(finite, penalty, tf.zeros_like(penalty))
        state = update_rules.read_state(optimizer, d_vars)
        values, state = update_rules.step(
            optimizer, d_vars, [v.value for v in d_vars], grads, state
        )
        update_rules.write_state(optimizer, d_vars, values, state, where=due)
        return penalty, due
