"""Online EWC on the discriminator (paper Sec. V-A; Schwarz et al., 2018)."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans.hooks.base import DiscriminatorHook
from keras_gans.validation import check_integer

__all__ = ["OnlineEWC"]


class _EWCState(tf.Module):
    """Fisher weights and anchors, one pair per D variable.

    The module exists from the callback's construction; ``build`` creates
    its variables (they need D's variables and the strategy). A checkpoint
    restored before ``build`` restores them when they are created
    (TensorFlow's deferred restoration), so no set-up order matters."""

    def __init__(self):
        super().__init__(name="online_ewc")
        self.fisher = self.anchor = self.estimates = None

    @property
    def built(self) -> bool:
        return self.estimates is not None

    def build(self, variables):
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


class OnlineEWC(keras.callbacks.Callback, DiscriminatorHook):
    """Online elastic weight consolidation of the discriminator.

    The paper (Thanh-Tung & Tran, Sec. V-A), after Kirkpatrick et al.
    (2017) and Schwarz et al. (2018): training is a sequence of tasks of
    ``every`` = tau GAN iterations. At the end of each task (GAN iterations
    tau, 2 tau, ..., before that iteration's first D step; none before the
    first task ends) estimate the diagonal empirical Fisher of D's
    adversarial loss at the current weights, the mean of *per-example*
    squared gradients::

        w_hat_j = mean_i (d l_i / d theta_j)^2,
        l_i = gamma * l_real(D(x_i)) + l_fake(D(y_i)),

    over the step's real examples ``x_i``, each paired with a fresh fake
    ``y_i`` (no penalty term). In a class-conditional GAN D sees labels:
    ``D(x_i, c_i)`` with the real label and ``D(y_i, c'_i)`` with a fake
    label drawn from the GAN's label distribution (stream ``"labels"`` of
    the estimate's seed), and for an AC-GAN ``l_i`` adds the class head's
    ``w * (CE(x_i, c_i) + CE(y_i, c'_i))``: ``l_i`` is the example's
    share of L_D without its penalty. Then ``w = alpha * w_hat + (1 - alpha) *
    w_prev`` and anchor ``theta* = theta``. Every D step adds

        ``weight * sum_j w_j (theta_j - theta*_j)^2``

    to L_D (0 before the first estimate and right after each), logged as
    the metric ``ewc``.

    Per-example gradients: every loss is a batch mean of a per-example term
    ``f(d_i)``, so ``grad l_i = c * dL/dd_i * grad d_i``; the weights ``c *
    dL/dd_i`` come from one backward pass, and the rows ``grad d_i`` from
    ``GradientTape.jacobian`` (vectorised with pfor) over chunks of the
    batch. A chunk of ``c`` examples holds ``c * num_params`` floats; chunks
    are at most ``2^24 / num_params`` examples (64 MiB), and at least
    ``num_batches`` chunks are used. The result does not depend on the
    chunking. D must treat examples independently (no BatchNorm in training
    mode), as the per-example gradient presumes. Under a ``tf.distribute``
    strategy the per-example squares are summed over replicas and divided by
    the global number of examples, so every replica holds the global
    batch's Fisher (there the estimate runs on every D step and is kept
    only when due: reductions across replicas cannot sit inside a
    ``tf.cond``).

    It is a ``training.DiscriminatorHook``: ``fit(callbacks=[ewc])``
    attaches it for the length of that ``fit``. The state (``self.state``:
    Fisher, anchors, estimate count; ``fisher`` aligned with
    ``discriminator.trainable_variables``) exists from construction, its
    variables from the first attach (under the GAN's strategy scope);
    checkpoint it with the GAN, e.g. ``callbacks.Checkpoint(gan, dir,
    ewc=ewc.state)``, before or after attaching. The estimate's fakes come
    from the stream ``"hook/ewc"``.

    Args:
        weight: lambda_EWC >= 0.
        every: GAN iterations per task (tau >= 1).
        alpha: weight of the new estimate, in (0, 1].
        num_batches: the least number of chunks the estimate's batch is
            split into (>= 1), to bound memory; the estimate is the same.
    """

    # The most per-example gradient entries one chunk holds (64 MiB).
    max_chunk_floats = 2**24
    stream_name = "ewc"
    supports_labels = True  # transform_fakes is the identity
    # The per-example Fisher (``DiscriminatorGame.loss_terms``) leaves a
    # rotation head's loss out.
    supports_rotation_head = False

    def __init__(
        self,
        weight: float,
        every: int,
        alpha: float = 0.5,
        num_batches: int = 1,
    ):
        super().__init__()
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"weight must be >= 0 and finite, got {weight!r}."
            )
        check_integer("every", every, 1)
        check_integer("num_batches", num_batches, 1)
        if not 0.0 < alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {alpha!r}.")
        self.weight = float(weight)
        self.every = int(every)
        self.alpha = float(alpha)
        self.num_batches = int(num_batches)
        self.state = _EWCState()
        self.tracker = None
        self._discriminator = None

    def attach(self, gan):
        self._discriminator = gan.discriminator
        if not self.state.built:
            with gan.distribute_strategy.scope():
                self.state.build(gan.discriminator.trainable_variables)
        if self.tracker is None:
            with gan.distribute_strategy.scope():
                self.tracker = keras.metrics.Mean(name="ewc")

    @property
    def metrics(self):
        return [] if self.tracker is None else [self.tracker]

    def penalty(self, values=None):
        """``sum_j w_j (theta_j - theta*_j)^2`` (unweighted), at D's weights
        or at ``values`` (tensors aligned with its trainable variables)."""
        if values is None:
            values = [
                v.value for v in self._discriminator.trainable_variables
            ]
        terms = [
            tf.reduce_sum(
                tf.cast(w, tf.float32) * tf.square(tf.cast(v - a, tf.float32))
            )
            for v, w, a in zip(values, self.state.fisher, self.state.anchor)
        ]
        return tf.add_n(terms)

    def regularization(self, values):
        """``weight * penalty(values)``: the term an unrolled look-ahead of
        D adds to D's loss."""
        return self.weight * self.penalty(values)

    def discriminator_loss(self, step):
        del step
        value = self.penalty()
        self.tracker.update_state(value)
        return self.weight * value

    def _chunks(self, batch, num_params):
        """``[(start, stop)]`` row ranges of the estimate's chunks; None for
        a batch of unknown size (one chunk)."""
        if batch is None:
            return None
        size = -(-batch // self.num_batches)
        size = max(1, min(size, self.max_chunk_floats // max(num_params, 1)))
        return [(i, min(i + size, batch)) for i in range(0, batch, size)]

    def fisher_estimate(self, game, real, seed, labels=None):
        """The diagonal empirical Fisher ``mean_i (d l_i / d theta)^2`` at
        D's current weights, over ``real`` (with its ``labels`` in a
        conditional GAN) and fresh fakes (see the class docstring), as
        float32 tensors aligned with D's trainable variables. ``game``:
        the GAN's ``hooks.DiscriminatorGame``."""
        variables = game.discriminator.trainable_variables
        n = tf.shape(real)[0]
        if game.num_classes is not None and labels is None:
            raise ValueError(
                "A conditional GAN's Fisher needs the real labels."
            )
        fake, fake_labels = game.draw_fakes(n, seed)
        fake = tf.cast(fake, real.dtype)
        num_params = sum(int(np.prod(v.shape)) for v in variables)
        chunks = self._chunks(real.shape[0], num_params) or [(None, None)]
        total = [tf.zeros(v.shape, tf.float32) for v in variables]
        for start, stop in chunks:
            def rows(t):
                return None if t is None else t[start:stop]

            squares = self._per_example_squares(
                game,
                rows(real),
                rows(labels),
                rows(fake),
                rows(fake_labels),
                variables,
            )
            total = [t + s for t, s in zip(total, squares)]
        count = tf.cast(n, tf.float32)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            total, count = context.all_reduce(
                tf.distribute.ReduceOp.SUM, (total, count)
            )
        return [t / count for t in total]

    @staticmethod
    def _per_example_squares(game, real, labels, fake, fake_labels, variables):
        """``sum_i (d l_i / d theta)^2`` over one chunk."""
        with tf.GradientTape() as tape:
            real_logits, fake_logits = game.logits(
                real, labels, fake, fake_labels
            )
            with tf.GradientTape() as inner:
                inner.watch([real_logits, fake_logits])
                loss = game.loss_terms(real_logits, fake_logits)
            # dL/dd_i = f'(d_i) / c for a batch mean of c terms f(d_i).
            w_real, w_fake = inner.gradient(loss, [real_logits, fake_logits])
            rows = tf.cast(tf.size(real_logits), tf.float32)
            per_example = rows * (
                tf.stop_gradient(tf.cast(w_real, tf.float32))
                * tf.cast(real_logits, tf.float32)
                + tf.stop_gradient(tf.cast(w_fake, tf.float32))
                * tf.cast(fake_logits, tf.float32)
            )
            per_example = tf.reshape(per_example, [-1])
            # AC-GAN: the class head's per-example terms of L_D.
            extra = game.classification_terms(
                real, labels, fake, fake_labels
            )
            if extra is not None:
                per_example = per_example + extra
        jacobians = tape.jacobian(
            per_example,
            variables,
            unconnected_gradients=tf.UnconnectedGradients.ZERO,
            experimental_use_pfor=True,
        )
        return [
            tf.reduce_sum(tf.square(tf.cast(j, tf.float32)), axis=0)
            for j in jacobians
        ]

    def is_due(self, step):
        """Whether this D step ends a task: the first D step of GAN
        iterations tau, 2 tau, ... (a boolean tensor)."""
        if step.critic_index != 0:
            return tf.constant(False)
        t = step.iteration
        return tf.logical_and(t > 0, tf.equal(t % self.every, 0))

    def before_discriminator_step(self, step):
        game, real, seed = step.game, step.real, step.seed
        due = self.is_due(step)

        def update(select):
            w_hat = self.fisher_estimate(game, real, seed, step.labels)
            for w, new, a, v in zip(
                self.state.fisher,
                w_hat,
                self.state.anchor,
                game.discriminator.trainable_variables,
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
            if step.critic_index != 0:
                return
            # Cross-replica reductions cannot sit in a tf.cond: estimate on
            # every iteration and keep the result only when due.
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
