"""``GAN``: a ``keras.Model`` that trains a generator against a discriminator.

One ``train_step`` runs ``n_critic`` discriminator updates, each on a fresh
real batch, then one generator update, with the adversarial loss, gradient
penalty and imbalanced real weight of Thanh-Tung & Tran (2020)::

    L_D = gamma * L_real + L_fake + lambda * penalty      (eq. 6, Table I)

It trains with plain ``model.fit`` and the standard Keras callbacks, and is
exact under ``tf.distribute``: losses are scaled to the global batch and all
randomness is drawn replica-consistently (``keras_gans.distribute``).
"""

import random
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute, losses, penalties, rng, update_rules
from keras_gans.validation import check_integer

__all__ = ["GAN"]

_HOOK_SEED_BLOCK = 1_000_003


def _check_finite_array(array, what="real data"):
    array = np.asarray(array)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"The {what} contains {bad} NaN or inf value(s); clean or filter "
            "it before training."
        )


def _check_finite_settings(d_optimizer, g_optimizer, **weights):
    """NaN or inf weights and learning rates are refused before training
    (a NaN rate would train to all-NaN losses without an error)."""
    players = (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer))
    for name, opt in players:
        lr = opt.learning_rate
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            lr = lr(0)
        if not np.all(np.isfinite(np.asarray(lr, np.float64))):
            raise ValueError(
                f"{name}'s learning rate must be finite, got {float(lr)}."
            )
    for name, value in weights.items():
        if not np.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}.")


def _all_layers(model):
    for layer in getattr(model, "layers", ()):
        yield layer
        yield from _all_layers(layer)


def _assert_finite(*batch):
    def check(tensor):
        if not tensor.dtype.is_floating:
            return tensor
        return tf.debugging.assert_all_finite(
            tensor, "The real data contains NaN or inf values."
        )

    checked = tf.nest.map_structure(check, batch)
    return checked[0] if len(checked) == 1 else checked


class GAN(keras.Model):
    """A GAN trained with ``fit``: ``n_critic`` D steps, then one G step.

    Conventions: the discriminator returns *logits* (``[B]`` or ``[B, 1]``);
    penalties differentiate the logit unless ``penalty_output="sigmoid"``;
    weights follow the paper's Table I (``lambda * E[...]``, no 1/2).

    Data: ``fit`` takes batches of real samples (a ``tf.data.Dataset`` or an
    array; ``(x, y)`` pairs use ``x`` only). With ``n_critic = k`` each batch
    must hold ``k * b`` samples: the D steps use the strided slices
    ``batch[i::k]`` (disjoint, so each is a fresh real batch) and the G step
    draws ``b`` latents. Latent noise is N(0, I), drawn from a stateless seed
    derived from the model's seed and the step counter
    (``g_optimizer.iterations``), so a restored checkpoint resumes the exact
    noise stream. Under a ``tf.distribute`` strategy use batches of a fixed
    size (``drop_remainder=True``) divisible by the number of replicas (and
    by ``n_critic`` per replica): the replica-consistent noise assumes equal
    shares of the global batch.

    Logged metrics: ``d_loss`` (L_D with the weighted penalty), ``g_loss``,
    ``penalty`` (unweighted), ``d_real``/``d_fake`` (mean D score on real and
    fake samples: probabilities for the logistic losses, logits otherwise)
    and ``loss = d_loss + g_loss`` for callbacks that watch ``loss``.

    Calling the model on a batch, ``gan(x)``, returns D's logits on it.

    Args:
        generator: model mapping ``[B, latent_dim]`` to samples.
        discriminator: model mapping samples to logits.
        latent_dim: size of the latent vector.
        seed: integer seed of the training noise; random if None (it is
            stored in a variable, so checkpoints carry it).
    """

    def __init__(
        self, generator, discriminator, latent_dim, seed=None, **kwargs
    ):
        super().__init__(**kwargs)
        if not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
            raise ValueError(
                f"latent_dim must be a positive integer, got {latent_dim!r}."
            )
        if seed is None:
            seed = random.randrange(2**31)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.ema_generator = None
        self.ema_decay = None
        self.discriminator_hooks = []
        self.critic_step = 0
        self.seed = int(seed)
        self.rng_seed = keras.Variable(
            np.array([self.seed, 0], np.int64),
            dtype="int64",
            trainable=False,
            name="rng_seed",
        )
        self._sample_seed = keras.random.SeedGenerator(self.seed + 1)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        # With both networks built there is nothing left to create; otherwise
        # ``build(data_shape)`` (called by fit on the first batch) builds them.
        self.built = generator.built and discriminator.built

    # ------------------------------------------------------------------ set-up

    def compile(
        self,
        d_optimizer,
        g_optimizer,
        loss="non_saturating",
        penalty="none",
        penalty_weight: float = 0.0,
        real_weight: float = 1.0,
        n_critic: int = 1,
        penalty_output: Optional[str] = None,
        jit_compile: bool = False,
        steps_per_execution: int = 1,
        ema_decay: Optional[float] = None,
        unroll_steps: int = 0,
        unroll_first_order: bool = False,
        penalty_every: int = 1,
        unroll_update: str = "optimizer",
        **kwargs,
    ):
        """Configures training.

        Args:
            d_optimizer: ``keras.optimizers.Optimizer`` for D.
            g_optimizer: ``keras.optimizers.Optimizer`` for G (a different
                object from ``d_optimizer``).
            loss: a name in ``keras_gans.losses.names()`` or a loss function.
            penalty: a name in ``keras_gans.penalties.names()`` or a penalty
                function (``keras_gans.penalties.get(name, **options)`` binds
                options such as the ``lipschitz`` target ``k``).
            penalty_weight: lambda >= 0.
            real_weight: gamma > 0, the weight of L_real (paper eq. 6; the
                paper uses gamma >= 1).
            n_critic: D updates per G update, an integer >= 1.
            penalty_output: ``"logit"`` or ``"sigmoid"``: what the penalty
                differentiates; None keeps the penalty's own setting (the
                logit, unless bound with ``penalties.get(name, output=...)``).
            jit_compile: whether the step is compiled with XLA. Always pass
                it explicitly: Keras' ``"auto"`` turns XLA off on CPU.
            steps_per_execution: train steps per ``tf.function`` call.
            ema_decay: if set, in (0, 1): keep a shadow generator whose
                weights follow ``s <- d_t * s + (1 - d_t) * w`` after G update
                ``t`` (counted from 1), ``d_t = min(d, (1 + t) / (10 + t))``
                (non-trainable weights are copied); ``generate`` and export
                use it. Compile under the strategy's scope.
            unroll_steps: k >= 0 look-ahead D steps for G's loss (Unrolled
                GAN, Metz et al., 2017): G's loss is taken against D after k
                look-ahead updates on the current real batch and G's fakes,
                differentiated through the updates. Each update is D's own
                optimizer's rule (same class and hyperparameters, continuing
                from its current slots and step count, see
                ``keras_gans.update_rules``) on D's whole loss: adversarial,
                ``lambda * penalty`` (on every look-ahead step, not lazily)
                and the EWC term of an ``OnlineEWC`` callback. D's weights
                and slots are untouched. 0 is the usual step.
            unroll_first_order: skip the second-order terms (the look-ahead
                gradients are treated as constants).
            unroll_update: ``"optimizer"`` (the default: D's own rule, as
                Metz et al.; SGD, Adam or AdamW) or ``"gradient"`` (plain
                gradient steps ``psi - lr * grad`` at D's learning rate, the
                form in which the look-ahead ignores D's momentum and Adam's
                normalisation).
            penalty_every: lazy regularisation in StyleGAN2's form (Karras
                et al., 2020, Appendix B): with ``k = penalty_every > 1`` the
                D steps minimise the adversarial loss alone, and after every
                k-th D step (D steps 0, k, 2k, ... counted as ``iteration *
                n_critic + i``) a separate update of D's optimizer minimises
                ``k * lambda * penalty``. ``compile`` sets D's optimizer's
                learning rate to ``lr * c`` and its decay rates (Adam's
                betas, SGD's momentum) to ``beta ** c``, ``c = k / (k +
                1)``: the k + 1 updates of a period then move the weights
                as far, and average the moments over as long, as k updates
                did, and the penalty keeps its average pull under Adam's
                normalisation (folding ``k * lambda * penalty`` into one
                Adam step would be normalised away). SGD, Adam and AdamW
                are supported. 1 (the default) adds the penalty to every D
                step and leaves the optimizer as it is. The logged
                ``penalty`` averages the steps where it was computed. Under
                a multi-replica strategy the penalty must not synchronise
                replicas (``dragan`` does, and is refused).
            **kwargs: passed to ``keras.Model.compile``.

        Raises:
            ValueError: an unknown name, a negative weight, ``n_critic < 1``,
                or the same optimizer object for D and G.
        """
        for name, opt in (
            ("d_optimizer", d_optimizer),
            ("g_optimizer", g_optimizer),
        ):
            if not isinstance(opt, keras.optimizers.Optimizer):
                raise ValueError(
                    f"{name} must be a keras.optimizers.Optimizer, got {opt!r}."
                )
        if d_optimizer is g_optimizer:
            raise ValueError(
                "d_optimizer and g_optimizer must be two optimizer objects; "
                "one shared optimizer would mix D's and G's slots."
            )
        _check_finite_settings(
            d_optimizer,
            g_optimizer,
            penalty_weight=penalty_weight,
            real_weight=real_weight,
        )
        if not penalty_weight >= 0:
            raise ValueError(
                f"penalty_weight must be >= 0, got {penalty_weight!r}."
            )
        if not real_weight > 0:
            raise ValueError(f"real_weight must be > 0, got {real_weight!r}.")
        check_integer("n_critic", n_critic, 1)
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {ema_decay!r}.")
        check_integer("unroll_steps", unroll_steps, 0)
        check_integer("penalty_every", penalty_every, 1)
        if unroll_update not in ("optimizer", "gradient"):
            raise ValueError(
                f"unroll_update must be 'optimizer' or 'gradient', got "
                f"{unroll_update!r}."
            )
        if unroll_steps and unroll_update == "optimizer":
            update_rules.check_supported(d_optimizer, "unroll_steps > 0")
        if penalty_every > 1:
            update_rules.check_supported(d_optimizer, "penalty_every > 1")
        if not isinstance(jit_compile, bool):
            raise ValueError(
                f"jit_compile must be True or False, got {jit_compile!r}."
            )
        distribute.check_jit_compile(jit_compile, self.distribute_strategy)
        self.loss_fn = losses.get(loss)
        options = {} if penalty_output is None else {"output": penalty_output}
        self.penalty_fn = penalties.get(penalty, **options)
        self.penalty_is_none = penalty in ("none", penalties.none)
        self.penalty_weight = float(penalty_weight)
        self.real_weight = float(real_weight)
        self.n_critic = int(n_critic)
        self.penalty_every = int(penalty_every)
        if (
            self.penalty_every > 1
            and penalties.synchronizes_replicas(self.penalty_fn)
            and self.distribute_strategy.num_replicas_in_sync > 1
        ):
            raise ValueError(
                "penalty_every > 1 cannot be used with the dragan penalty "
                "under a multi-replica strategy: its cross-replica batch std "
                "would sit inside the lazy step's tf.cond, which "
                "tf.distribute does not support. Use penalty_every=1."
            )
        self.unroll_steps = int(unroll_steps)
        self.unroll_first_order = bool(unroll_first_order)
        self.unroll_update = unroll_update
        if self.penalty_every > 1 or update_rules.is_adjusted(d_optimizer):
            update_rules.adjust_for_lazy_regularization(
                d_optimizer,
                self.penalty_every / (self.penalty_every + 1)
                if self.penalty_every > 1
                else None,
            )
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # ``optimizer`` is G's: callbacks such as TensorBoard count steps with
        # ``model.optimizer.iterations``, one per train_step.
        super().compile(
            optimizer=g_optimizer,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            **kwargs,
        )
        self._build_optimizers()
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        if self.ema_decay is None:
            self.ema_generator = None
        elif self.ema_generator is None:
            self.ema_generator = self._clone_generator()

    def _clone_generator(self):
        if not self.generator.built:
            self.generator.build((None, self.latent_dim))
        try:
            shadow = keras.models.clone_model(self.generator)
        except Exception as e:  # subclassed models without a config
            raise ValueError(
                "ema_decay needs a generator that keras.models.clone_model "
                f"can copy (functional or Sequential): {e}"
            ) from e
        shadow.set_weights(self.generator.get_weights())
        shadow.trainable = False
        return shadow

    def _update_ema(self):
        # Warm-up as in tf.train.ExponentialMovingAverage(num_updates): a
        # short run is not dominated by the initial weights.
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for shadow, weight in zip(
            self.ema_generator.weights, self.generator.weights
        ):
            if weight.trainable:
                shadow.assign(decay * shadow + (1.0 - decay) * weight)
            else:
                shadow.assign(weight)

    def _build_optimizers(self):
        if self.generator.built and self.discriminator.built:
            if not self.d_optimizer.built:
                self.d_optimizer.build(self.discriminator.trainable_variables)
            if not self.g_optimizer.built:
                self.g_optimizer.build(self.generator.trainable_variables)

    def build(self, input_shape):
        if not self.discriminator.built:
            self.discriminator.build(input_shape)
        if not self.generator.built:
            self.generator.build((None, self.latent_dim))
        fake = self.generator.compute_output_spec(
            keras.KerasTensor((None, self.latent_dim))
        )
        self._check_sample_shape(tuple(input_shape), tuple(fake.shape))
        if getattr(self, "d_optimizer", None) is not None:
            self._build_optimizers()
        self.built = True

    def _check_sample_shape(self, real_shape, fake_shape):
        if tuple(real_shape[1:]) != tuple(fake_shape[1:]):
            raise ValueError(
                f"The generator's output shape {tuple(fake_shape[1:])} does "
                f"not match the data's sample shape {tuple(real_shape[1:])}."
            )

    def call(self, inputs, training=False):
        return self.discriminator(inputs, training=training)

    @property
    def metrics(self):
        hooks = [
            h.tracker
            for h in self.discriminator_hooks
            if getattr(h, "tracker", None) is not None
        ]
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.penalty_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            *hooks,
        ]

    # ---------------------------------------------------------------- training

    def fit(self, x=None, *args, **kwargs):
        """``keras.Model.fit`` that first rejects real data with NaN or inf.

        Arrays are checked up front; a ``tf.data.Dataset`` is checked batch by
        batch in the input pipeline (outside the compiled step), raising
        ``InvalidArgumentError`` at the first bad batch.
        """
        if isinstance(x, tf.data.Dataset):
            x = x.map(_assert_finite)
            # A dataset is already in order; Keras only warns about shuffle.
            kwargs.setdefault("shuffle", False)
        elif x is not None and not isinstance(
            x, tf.distribute.DistributedDataset
        ):
            tf.nest.map_structure(_check_finite_array, x)
        return super().fit(x, *args, **kwargs)

    def _latent(self, batch, seed):
        return rng.normal([batch, self.latent_dim], seed)

    def _score(self, logits):
        logits = tf.cast(logits, tf.float32)
        if losses.is_logistic(self.loss_fn):
            return tf.reduce_mean(tf.sigmoid(logits))
        return tf.reduce_mean(logits)

    def adversarial_d_loss(self, real, fake):
        """``gamma * L_real + L_fake`` on one real and one fake batch (no
        penalty), with the logits: ``(loss, real_logits, fake_logits)``."""
        if self._row_independent_discriminator():
            # One call on [real; fake]: the same logits, half the launches
            # and twice the rows per matmul.
            logits = self.discriminator(
                tf.concat([real, tf.cast(fake, real.dtype)], 0), training=True
            )
            real_logits, fake_logits = tf.split(logits, 2, axis=0)
        else:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
        loss_real, loss_fake, _ = self.loss_fn(real_logits, fake_logits)
        return (
            self.real_weight * loss_real + loss_fake,
            real_logits,
            fake_logits,
        )

    def _row_independent_discriminator(self):
        """Whether D treats the rows of a batch independently (no batch
        statistics), so that one call on two batches equals two calls."""
        coupled = (
            keras.layers.BatchNormalization,
            keras.layers.UnitNormalization,
        )
        return isinstance(self.discriminator, keras.Model) and not any(
            isinstance(layer, coupled)
            for layer in _all_layers(self.discriminator)
        )

    def _penalty(self, real, fake, seed):
        """``lambda * penalty`` and the unweighted penalty, with the inner
        gradient loss-scaled like the outer one under mixed precision."""
        if self.penalty_is_none:
            return tf.constant(0.0), tf.constant(0.0)
        scale = getattr(self.d_optimizer, "dynamic_scale", None)
        with penalties.gradient_scale(scale):
            penalty = tf.cast(
                self.penalty_fn(self.discriminator, real, fake, seed),
                tf.float32,
            )
        return self.penalty_weight * penalty, penalty

    def _discriminator_step(self, real, noise_seed, penalty_seed, index):
        """One D update; ``index`` is the D step's number (a tensor),
        ``iteration * n_critic + i``."""
        batch = tf.shape(real)[0]
        fake = self.generator(self._latent(batch, noise_seed), training=True)
        for j, hook in enumerate(self.discriminator_hooks):
            # Block 1_000_003 + j of the noise seed's Philox stream: far past
            # the blocks the latent draw uses.
            hook_seed = rng.fold_in(noise_seed, _HOOK_SEED_BLOCK + j)
            if hasattr(hook, "before_discriminator_step"):
                hook.before_discriminator_step(self, real, hook_seed)
            if hasattr(hook, "transform_fakes"):
                fake = hook.transform_fakes(fake, hook_seed)
        lazy = self.penalty_every > 1
        d_vars = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            d_loss, real_logits, fake_logits = self.adversarial_d_loss(
                real, fake
            )
            for hook in self.discriminator_hooks:
                if hasattr(hook, "discriminator_loss"):
                    d_loss = d_loss + hook.discriminator_loss()
            if lazy:
                term = penalty = tf.constant(0.0)
            else:
                term, penalty = self._penalty(real, fake, penalty_seed)
            unpenalised, d_loss = d_loss, d_loss + term
            scaled = self.d_optimizer.scale_loss(distribute.scale_loss(d_loss))
        grads = tape.gradient(scaled, d_vars)
        self.d_optimizer.apply(grads, d_vars)
        applied = tf.constant(True)
        if lazy:
            penalty, applied = self._lazy_penalty_step(
                real, fake, penalty_seed, index
            )
        elif isinstance(
            self.d_optimizer, keras.optimizers.LossScaleOptimizer
        ):
            # A penalty whose loss-scaled inner gradient overflowed is inf;
            # the LossScaleOptimizer has just skipped that step (and lowered
            # the scale), so it is not logged either. The unscaled terms
            # stay finite, and a real divergence still shows in them.
            usable = tf.math.is_finite(penalty)
            applied = usable
            d_loss = tf.where(usable, d_loss, unpenalised)
            penalty = tf.where(usable, penalty, tf.zeros_like(penalty))
        self.d_loss_tracker.update_state(d_loss)
        self.penalty_tracker.update_state(
            penalty, sample_weight=tf.cast(applied, tf.float32)
        )
        self.d_real_tracker.update_state(self._score(real_logits))
        self.d_fake_tracker.update_state(self._score(fake_logits))

    def _lazy_penalty_step(self, real, fake, seed, index):
        """StyleGAN2's separate regularisation update of D, after D steps
        ``0, k, 2k, ...``: one step of D's optimizer (hyperparameters
        adjusted by ``compile``) on ``k * lambda * penalty``. It is computed
        only when due (``tf.cond``); the update is written with
        ``update_rules`` and ``tf.where``, so that it can be skipped inside
        a replicated step, where ``optimizer.apply`` cannot sit in a
        ``tf.cond``. Returns ``(penalty, applied)``."""
        k = self.penalty_every
        d_vars = self.discriminator.trainable_variables
        due = tf.equal(index % k, 0)
        loss_scaled = isinstance(
            self.d_optimizer, keras.optimizers.LossScaleOptimizer
        )

        def compute():
            with tf.GradientTape() as tape:
                _, penalty = self._penalty(real, fake, seed)
                loss = k * self.penalty_weight * penalty
                scaled = self.d_optimizer.scale_loss(
                    distribute.scale_loss(loss)
                )
            grads = tape.gradient(scaled, d_vars)
            return penalty, [
                tf.zeros_like(v.value) if g is None else tf.cast(g, v.dtype)
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
            scale = tf.cast(self.d_optimizer.dynamic_scale, tf.float32)
            grads = [g / tf.cast(scale, g.dtype) for g in grads]
            finite = tf.reduce_all(
                [tf.reduce_all(tf.math.is_finite(g)) for g in grads]
            )
            # An overflow skips the regularisation step and halves the loss
            # scale, as the LossScaleOptimizer does for its own steps.
            self.d_optimizer.dynamic_scale.assign(
                tf.where(
                    tf.logical_or(finite, tf.logical_not(due)),
                    self.d_optimizer.dynamic_scale,
                    self.d_optimizer.dynamic_scale / 2,
                )
            )
            due = tf.logical_and(due, finite)
            grads = [tf.where(finite, g, tf.zeros_like(g)) for g in grads]
            penalty = tf.where(finite, penalty, tf.zeros_like(penalty))
        state = update_rules.read_state(self.d_optimizer, d_vars)
        values, state = update_rules.step(
            self.d_optimizer, d_vars, [v.value for v in d_vars], grads, state
        )
        update_rules.write_state(
            self.d_optimizer, d_vars, values, state, where=due
        )
        return penalty, due

    def _unrolled_logits(self, real, fake, seed):
        """D's logits on ``fake`` after ``unroll_steps`` look-ahead updates.

        Each look-ahead update applies D's optimizer's rule
        (``update_rules.step``, from copies of its current slots and step
        count; or ``psi - lr * grad`` with ``unroll_update="gradient"``) to
        D's whole loss on ``(real, fake)``: ``gamma L_real + L_fake + lambda
        * penalty`` plus the EWC term of a hook that has one. D runs through
        ``stateless_call``, so its variables and the optimizer's slots are
        never written. Gradients of the result flow through the updates (to
        G via ``fake``) unless ``unroll_first_order``. Under a strategy the
        look-ahead gradients are averaged over replicas (the global batch's
        gradient).
        """
        d = self.discriminator
        d_vars = d.trainable_variables
        values = [v.value for v in d_vars]
        fixed = [v.value for v in d.non_trainable_variables]
        through_optimizer = self.unroll_update == "optimizer"
        if through_optimizer:
            state = update_rules.read_state(self.d_optimizer, d_vars)
        else:
            lr = tf.cast(self.d_optimizer.learning_rate, tf.float32)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        seeds = rng.split_seed(seed, self.unroll_steps)

        def at(params):
            def discriminator(x, training=True):
                return d.stateless_call(params, fixed, x, training=training)[0]

            return discriminator

        for j in range(self.unroll_steps):
            with tf.GradientTape() as tape:
                tape.watch(values)
                lookahead = at(values)
                loss_real, loss_fake, _ = self.loss_fn(
                    lookahead(real), lookahead(fake)
                )
                loss = self.real_weight * loss_real + loss_fake
                if not self.penalty_is_none:
                    loss = loss + self.penalty_weight * tf.cast(
                        self.penalty_fn(lookahead, real, fake, seeds[j]),
                        tf.float32,
                    )
                for hook in self.discriminator_hooks:
                    if hasattr(hook, "regularization"):
                        loss = loss + hook.regularization(values)
            grads = tape.gradient(loss, values)
            grads = [
                tf.zeros_like(v) if g is None else g
                for g, v in zip(grads, values)
            ]
            if replicas > 1:
                grads = context.all_reduce(tf.distribute.ReduceOp.MEAN, grads)
            if self.unroll_first_order:
                grads = [tf.stop_gradient(g) for g in grads]
            if through_optimizer:
                values, state = update_rules.step(
                    self.d_optimizer, d_vars, values, grads, state
                )
            else:
                values = [
                    v - tf.cast(lr, v.dtype) * g for v, g in zip(values, grads)
                ]
        return at(values)(fake)

    def _generator_step(self, batch, noise_seed, real, unroll_seed):
        g_vars = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake = self.generator(
                self._latent(batch, noise_seed), training=True
            )
            if self.unroll_steps:
                fake_logits = self._unrolled_logits(real, fake, unroll_seed)
            else:
                fake_logits = self.discriminator(fake, training=True)
            # L_G depends on the fake logits only.
            _, _, g_loss = self.loss_fn(fake_logits, fake_logits)
            scaled = self.g_optimizer.scale_loss(distribute.scale_loss(g_loss))
        grads = tape.gradient(scaled, g_vars)
        self.g_optimizer.apply(grads, g_vars)
        if self.ema_decay is not None:
            self._update_ema()
        self.g_loss_tracker.update_state(g_loss)

    def _split_critic_batches(self, real):
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

    def train_step(self, data):
        real, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        if not real.dtype.is_floating:
            raise ValueError(
                f"Real data must be floating point, got {real.dtype.name}; "
                "scale it (e.g. images to [-1, 1]) before training."
            )
        fake_shape = self.generator.compute_output_spec(
            keras.KerasTensor((None, self.latent_dim))
        ).shape
        self._check_sample_shape(tuple(real.shape), tuple(fake_shape))
        iteration = self.g_optimizer.iterations
        step_seed = rng.fold_in(self.rng_seed, iteration)
        # The first 2 n_critic + 1 seeds are a prefix of the stream, the same
        # for any count; the last one is the look-ahead's.
        k = self.n_critic
        seeds = rng.split_seed(step_seed, 2 * k + 2)
        batches = self._split_critic_batches(real)
        for i, real_i in enumerate(batches):
            # The D step's index within the iteration, for hooks (a Python
            # int while the step is traced).
            self.critic_step = i
            self._discriminator_step(
                real_i,
                seeds[2 * i],
                seeds[2 * i + 1],
                tf.cast(iteration, tf.int64) * k + i,
            )
        self._generator_step(
            tf.shape(batches[0])[0], seeds[2 * k], batches[-1], seeds[2 * k + 1]
        )
        return self._logs()

    def _logs(self):
        logs = {m.name: m.result() for m in self.metrics}
        # Not a quality measure: the sum of both players' losses, so that
        # callbacks watching ``loss`` (TerminateOnNaN) see a NaN in either.
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        return logs

    # ------------------------------------------------------- train function

    def make_train_function(self, force=False):
        """Keras' train function, or one of two of our own:

        - *fused* (``jit_compile=True``, ``steps_per_execution = k > 1``, no
          distribution strategy, batches of a static shape): the ``k`` steps
          of one execution run as a single XLA program, a ``while`` loop over
          ``k`` batches read from the iterator up front, instead of ``k``
          XLA launches fed one by one. Same steps, same numbers; much less
          per-step overhead for small models (see
          ``benchmarks/throughput.py``). A short last execution (the data
          ran out) runs only the batches it got.
        - *multi-worker* (``MultiWorkerMirroredStrategy``): see
          ``keras_gans.distribute.multi_worker_train_function``, the
          workaround for Keras issue 20585.
        """
        if self.train_function is not None and not force:
            return self.train_function
        strategy = self.distribute_strategy
        if distribute.is_multi_worker(strategy):
            self.train_function = distribute.multi_worker_train_function(
                self, self._logs
            )
            return self.train_function
        super().make_train_function(force=True)
        fuse = (
            self.jit_compile
            and self.steps_per_execution > 1
            and not self.run_eagerly
            and strategy.num_replicas_in_sync == 1
            and not isinstance(strategy, tf.distribute.MirroredStrategy)
        )
        if fuse:
            self.train_function = self._fused_train_function(
                self.train_function
            )
        return self.train_function

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if distribute.is_multi_worker(self.distribute_strategy):
            # Keras 3.15 reduces a PerReplica batch eagerly here, which fails
            # under MultiWorkerMirroredStrategy (keras issue 20585). The GAN
            # needs no symbolic build beyond ``build``, done on first use.
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def _fused_train_function(self, fallback):
        k = self.steps_per_execution

        def run_steps(stacked, count):
            def body(i):
                self.train_step(tf.nest.map_structure(lambda t: t[i], stacked))
                return (i + 1,)

            tf.while_loop(lambda i: i < count, body, (tf.constant(0),))
            return self._logs()

        run_steps = tf.function(
            run_steps, jit_compile=True, reduce_retracing=True
        )

        def zeros(spec):
            return tf.nest.map_structure(
                lambda s: tf.zeros(s.shape, s.dtype), spec
            )

        @tf.function(reduce_retracing=True)
        def pull_and_run(iterator):
            spec = iterator.element_spec
            optionals = [iterator.get_next_as_optional() for _ in range(k)]
            batches = [
                tf.cond(
                    opt.has_value(),
                    opt.get_value,
                    lambda: zeros(spec),
                )
                for opt in optionals
            ]
            count = tf.add_n(
                [tf.cast(opt.has_value(), tf.int32) for opt in optionals]
            )
            stacked = tf.nest.map_structure(
                lambda *parts: tf.stack(parts), *batches
            )
            return count, run_steps(stacked, count)

        def static(spec):
            return all(
                s.shape.is_fully_defined() for s in tf.nest.flatten(spec)
            )

        def function(iterator):
            if not isinstance(iterator, tf.data.Iterator) or not static(
                iterator.element_spec
            ):
                return fallback(iterator)
            count, logs = pull_and_run(iterator)
            if int(count) == 0:
                raise StopIteration
            return logs

        function.fused_steps = k
        function.tracing_count = pull_and_run.experimental_get_tracing_count
        return function

    def add_discriminator_hook(self, hook):
        """Registers a hook on every D step (e.g. ``callbacks.ReplayBuffer``,
        ``callbacks.OnlineEWC``). It may define, all traced into the step:

        - ``before_discriminator_step(gan, real, seed)``, before the update;
        - ``transform_fakes(fake, seed) -> fake``, on D's fake batch;
        - ``discriminator_loss() -> scalar``, added to L_D in D's tape;
        - ``tracker``, a ``keras.metrics.Metric`` logged with the others.

        The train function is rebuilt on the next ``fit`` so that it
        includes the hook. Adding the same hook twice does nothing.
        """
        if any(h is hook for h in self.discriminator_hooks):
            return
        self.discriminator_hooks.append(hook)
        self.train_function = None

    # ---------------------------------------------------------------- sampling

    @property
    def sampling_generator(self):
        """The generator used by ``generate`` and export: the EMA shadow
        generator when ``ema_decay`` is set, else the trained one."""
        if self.ema_generator is not None:
            return self.ema_generator
        return self.generator

    def generate(
        self, n: int, seed: Optional[int] = None, batch_size: int = 1024
    ):
        """Draws ``n`` samples from the generator (inference mode).

        Args:
            n: number of samples.
            seed: an int gives reproducible samples; None advances the
                model's own sampling seed.
            batch_size: latents per generator call.

        Returns:
            A numpy array ``[n, *sample_shape]``.
        """
        n = check_integer("n", n, 0)
        if seed is None:
            z = keras.random.normal(
                (n, self.latent_dim), seed=self._sample_seed
            )
        else:
            z = rng.normal([n, self.latent_dim], [int(seed), 0])
        chunks = [
            keras.ops.convert_to_numpy(
                self.sampling_generator(z[i : i + batch_size], training=False)
            ).astype(np.float32)
            for i in range(0, n, batch_size)
        ]
        if not chunks:
            shape = self.generator.compute_output_spec(
                keras.KerasTensor((None, self.latent_dim))
            ).shape
            return np.zeros((0,) + tuple(shape[1:]), np.float32)
        return np.concatenate(chunks, axis=0)

    def get_config(self):
        raise NotImplementedError(
            "GAN is saved as weights (save_weights / checkpoints) and its "
            "generator as a SavedModel; it has no serialisable config."
        )
