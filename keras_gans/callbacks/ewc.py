"""Online EWC on the discriminator (paper Sec. V-A; Schwarz et al., 2018)."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import rng
from keras_gans.validation import check_integer

__all__ = ["OnlineEWC"]


class _EWCState(tf.Module):
    """Fisher weights and anchors, one pair per D variable."""

    def __init__(self, variables):
        super().__init__(name="online_ewc")
        on_first = tf.VariableAggregation.ONLY_FIRST_REPLICA

        def like(v, name, init):
            return tf.Variable(
                init(v), trainable=False, aggregation=on_first, name=name
            )

        self.fisher = [
            like(v, f"fisher_{i}", lambda v: tf.zeros(v.shape, v.dtype))
            for i, v in enumerate(variables)
        ]
        self.anchor = [
            like(v, f"anchor_{i}", lambda v: tf.identity(v.value))
            for i, v in enumerate(variables)
        ]
        self.estimates = tf.Variable(
            tf.zeros([], tf.int64),
            trainable=False,
            aggregation=on_first,
            name="estimates",
        )


class OnlineEWC(keras.callbacks.Callback):
    """Online elastic weight consolidation of the discriminator.

    Every ``every`` D iterations (D optimizer steps 0, every, 2 every, ...),
    before that D update: estimate the diagonal Fisher of the adversarial
    L_D (``gamma L_real + L_fake``, no penalties) at the current D weights as
    the mean of squared gradients over ``num_batches`` batches (the step's
    real batch split into ``num_batches`` strided parts ``real[j::k]``, each
    with fresh fakes),
    ``w_hat``; update ``w = alpha * w_hat + (1 - alpha) * w_prev``; anchor
    ``theta* = theta``. Every D step adds

        ``weight * sum_i w_i (theta_i - theta*_i)^2``

    to L_D (0 right after anchoring), logged as the metric ``ewc``. Under
    MirroredStrategy the batch gradients are averaged over replicas before
    squaring, so every replica holds the Fisher of the global batch (there
    the estimate runs on every D step and is kept only when due: reductions
    across replicas cannot sit inside a ``tf.cond``).

    The state (``self.state``: Fisher, anchors, estimate count) is created
    by ``set_model``; checkpoint it with the GAN, e.g.
    ``callbacks.Checkpoint(gan, dir, ewc=ewc.state)``.

    Args:
        weight: lambda_EWC >= 0.
        every: iterations between Fisher estimates (tau >= 1).
        alpha: weight of the new estimate, in (0, 1].
        num_batches: batches per estimate (>= 1); the per-replica real batch
            must be divisible by it.
    """

    def __init__(
        self,
        weight: float,
        every: int,
        alpha: float = 0.5,
        num_batches: int = 1,
    ):
        super().__init__()
        if not weight >= 0:
            raise ValueError(f"weight must be >= 0, got {weight!r}.")
        check_integer("every", every, 1)
        check_integer("num_batches", num_batches, 1)
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}.")
        self.weight = float(weight)
        self.every = int(every)
        self.alpha = float(alpha)
        self.num_batches = int(num_batches)
        self.state = None
        self.tracker = None
        self._gan = None

    def set_model(self, model):
        super().set_model(model)
        if self.state is None:
            with model.distribute_strategy.scope():
                self.state = _EWCState(model.discriminator.trainable_variables)
                self.tracker = keras.metrics.Mean(name="ewc")
        self._gan = model
        model.add_discriminator_hook(self)

    def penalty(self):
        """``sum_i w_i (theta_i - theta*_i)^2`` (unweighted)."""
        variables = self._gan.discriminator.trainable_variables
        terms = [
            tf.reduce_sum(
                tf.cast(w, tf.float32)
                * tf.square(tf.cast(v.value - a, tf.float32))
            )
            for v, w, a in zip(variables, self.state.fisher, self.state.anchor)
        ]
        return tf.add_n(terms)

    def discriminator_loss(self):
        value = self.penalty()
        self.tracker.update_state(value)
        return self.weight * value

    def fisher_estimate(self, gan, real, seed):
        """Mean over ``num_batches`` of squared global-batch gradients of
        the adversarial L_D at the current D weights."""
        variables = gan.discriminator.trainable_variables
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        # Strided parts (rows j, j + k, ...), as for n_critic: the union of
        # the replicas' part j is the single-device part j.
        k = self.num_batches
        grouped = tf.reshape(real, tf.concat([[-1, k], tf.shape(real)[1:]], 0))
        parts = [grouped[:, j] for j in range(k)]
        seeds = rng.split_seed(seed, self.num_batches)
        total = [tf.zeros(v.shape, tf.float32) for v in variables]
        for j, part in enumerate(parts):
            part_seed = seeds[j]
            fake = gan.generator(
                gan._latent(tf.shape(part)[0], part_seed), training=True
            )
            with tf.GradientTape() as tape:
                loss, _, _ = gan.adversarial_d_loss(part, fake)
            grads = tape.gradient(loss, variables)
            grads = [
                tf.zeros(v.shape, tf.float32)
                if g is None
                else tf.cast(g, tf.float32)
                for g, v in zip(grads, variables)
            ]
            if replicas > 1:
                grads = context.all_reduce(tf.distribute.ReduceOp.MEAN, grads)
            total = [t + tf.square(g) for t, g in zip(total, grads)]
        return [t / self.num_batches for t in total]

    def before_discriminator_step(self, gan, real, seed):
        due = tf.equal(gan.d_optimizer.iterations % self.every, 0)

        def update(select):
            w_hat = self.fisher_estimate(gan, real, seed)
            for w, new, a, v in zip(
                self.state.fisher,
                w_hat,
                self.state.anchor,
                gan.discriminator.trainable_variables,
            ):
                # w_prev starts at 0: the first estimate gives alpha w_hat.
                mixed = self.alpha * new + (1.0 - self.alpha) * tf.cast(
                    w, tf.float32
                )
                w.assign(select(tf.cast(mixed, w.dtype), w.value()))
                a.assign(select(v.value, a.value()))
            one = tf.constant(1, tf.int64)
            self.state.estimates.assign_add(select(one, one - 1))
            return tf.constant(True)

        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # Cross-replica reductions cannot sit in a tf.cond: estimate on
            # every D step and keep the result only when due.
            update(lambda yes, no: tf.where(due, yes, no))
        else:
            tf.cond(
                due,
                lambda: update(lambda yes, no: yes),
                lambda: tf.constant(False),
            )

    def fisher(self):
        """The current Fisher weights, as numpy arrays."""
        return [np.asarray(w.numpy()) for w in self.state.fisher]
