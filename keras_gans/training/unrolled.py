"""The unrolled generator objective (Metz et al., 2017, "Unrolled
Generative Adversarial Networks").

G's loss is taken against D after ``steps`` look-ahead updates on the
current real batch and G's fakes, differentiated through the updates. Each
update applies D's own optimizer's rule (``update_rules.step``, from copies
of its current slots and step count; or ``psi - lr * grad`` with
``update="gradient"``) to D's whole loss: ``gamma L_real + L_fake + lambda
* penalty`` (on every look-ahead step, not lazily) plus the
``regularization`` of every attached hook (e.g. online EWC). D runs through
``stateless_call``, so its variables and the optimizer's slots are never
written. Under a strategy the look-ahead gradients are averaged over
replicas (the global batch's gradient). A paired G loss (relativistic)
reads the look-ahead D on the real batch as well as on the fakes.
"""

import tensorflow as tf

from keras_gans import rng
from keras_gans.training import update_rules
from keras_gans.validation import check_integer

__all__ = ["UnrolledObjective"]

_UPDATES = ("optimizer", "gradient")


class UnrolledObjective:
    """D's look-ahead for G's loss.

    Args:
        steps: k >= 0 look-ahead updates (0: the usual step).
        first_order: treat the look-ahead gradients as constants.
        update: ``"optimizer"`` (D's own rule, as Metz et al.) or
            ``"gradient"`` (plain gradient steps at D's learning rate).
    """

    def __init__(self, steps=0, first_order=False, update="optimizer"):
        self.steps = check_integer("unroll_steps", steps, 0)
        if update not in _UPDATES:
            raise ValueError(
                f"unroll_update must be 'optimizer' or 'gradient', got "
                f"{update!r}."
            )
        self.first_order = bool(first_order)
        self.update = update

    def configure(self, d_optimizer) -> None:
        if self.steps and self.update == "optimizer":
            update_rules.check_supported(d_optimizer, "unroll_steps > 0")

    def logits(self, gan, real, fake, seed, with_real=False):
        """``(real_logits, fake_logits)`` of D after the look-ahead updates
        (``gan`` supplies D, its optimizer, the objective, the penalty and
        the hooks): its logits on ``real`` (for a paired G loss; None
        unless ``with_real``) and on ``fake``, both differentiable through
        the look-ahead."""
        d = gan.discriminator
        d_vars = d.trainable_variables
        values = [v.value for v in d_vars]
        fixed = [v.value for v in d.non_trainable_variables]
        through_optimizer = self.update == "optimizer"
        if through_optimizer:
            state = update_rules.read_state(gan.d_optimizer, d_vars)
        else:
            lr = tf.cast(gan.d_optimizer.learning_rate, tf.float32)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1

        def at(params):
            def discriminator(x, training=True):
                return d.stateless_call(params, fixed, x, training=training)[0]

            return discriminator

        for j in range(self.steps):
            with tf.GradientTape() as tape:
                tape.watch(values)
                lookahead = at(values)
                loss = gan.objective.discriminator_terms(
                    lookahead(real), lookahead(fake)
                )
                penalty = gan.regularizer
                if penalty.active:
                    loss = loss + penalty.weight * penalty.value(
                        lookahead, real, fake, rng.fold_in(seed, j)
                    )
                for hook in gan.hooks:
                    term = hook.regularization(values)
                    if term is not None:
                        loss = loss + term
            grads = tape.gradient(loss, values)
            grads = [
                tf.zeros_like(v) if g is None else tf.convert_to_tensor(g)
                for g, v in zip(grads, values)
            ]
            if replicas > 1:
                grads = context.all_reduce(tf.distribute.ReduceOp.MEAN, grads)
            if self.first_order:
                grads = [tf.stop_gradient(g) for g in grads]
            if through_optimizer:
                values, state = update_rules.step(
                    gan.d_optimizer, d_vars, values, grads, state
                )
            else:
                values = [
                    v - tf.cast(lr, v.dtype) * g for v, g in zip(values, grads)
                ]
        lookahead = at(values)
        return (lookahead(real) if with_real else None), lookahead(fake)
