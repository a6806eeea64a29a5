"""``GAN``: a ``keras.Model`` that trains a generator against a discriminator.

One ``train_step`` runs ``n_critic`` discriminator updates, each on a fresh
real batch, then one generator update, with the adversarial loss, gradient
penalty and imbalanced real weight of Thanh-Tung & Tran (2020)::

    L_D = gamma * L_real + L_fake + lambda * penalty      (eq. 6, Table I)

The parts it is made of live in ``keras_gans.training``: the adversarial
objective, the penalty regulariser (lazy schedule), the unrolled G
objective, the generator EMA, the augmentation of D's inputs (DiffAugment,
ADA, instance noise), the D warm-up, class conditioning, the
``DiscriminatorHook`` protocol and the execution strategies. It trains
with plain ``model.fit`` and the standard Keras callbacks, and is exact
under ``tf.distribute``: losses are scaled to the global batch and all
randomness is drawn replica-consistently from named streams
(``keras_gans.rng``).
"""

import random
from typing import Optional

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute, rng, validation
from keras_gans.hooks.base import (
    AttachedHooks,
    DiscriminatorGame,
    DiscriminatorHook,
)
from keras_gans.training import conditioning, execution, rotation, step
from keras_gans.training.augmentation import InputAugmentation
from keras_gans.training.consistency import ConsistencyRegularizer
from keras_gans.training.ema import GeneratorEMA
from keras_gans.training.lecam import LeCamRegularizer
from keras_gans.training.objective import AdversarialObjective, row_independent
from keras_gans.training.regularizer import GradientPenalty
from keras_gans.training.unrolled import UnrolledObjective
from keras_gans.training.warmup import DiscriminatorWarmup
from keras_gans.validation import check_integer

__all__ = ["GAN"]


class GAN(keras.Model):
    """A GAN trained with ``fit``: ``n_critic`` D steps, then one G step.

    Conventions: the discriminator returns *logits* (``[B]`` or ``[B, 1]``);
    penalties differentiate the logit unless ``penalty_output="sigmoid"``;
    weights follow the paper's Table I (``lambda * E[...]``, no 1/2).

    Data: ``fit`` takes batches of real samples (a ``tf.data.Dataset`` or an
    array; ``(x, y)`` pairs use ``x`` only). With ``n_critic = k`` each batch
    must hold ``k * b`` samples: the D steps use the strided slices
    ``batch[i::k]`` (disjoint, so each is a fresh real batch) and the G step
    draws ``b`` latents. With a paired loss (``loss="relativistic"``) the G
    step also calls D on the last D step's real slice (with its labels,
    through a draw of its own of the augmentation), paired by index with
    the ``b`` fakes; with the other losses G's loss reads D on the fakes
    only. Latent noise is N(0, I) from the named streams
    ``"latent/discriminator"`` (folded in with the D step's index
    ``iteration * n_critic + i``) and ``"latent/generator"`` (with the
    iteration ``g_optimizer.iterations``) of the model's seed, so a
    restored checkpoint resumes the exact noise stream. Under a
    ``tf.distribute`` strategy use batches of a fixed size
    (``drop_remainder=True``) divisible by the number of replicas (and by
    ``n_critic`` per replica).

    Logged metrics: ``d_loss`` (L_D with the weighted penalty), ``g_loss``,
    ``penalty`` (unweighted), ``d_real``/``d_fake`` (mean D score on real and
    fake samples: probabilities for the logistic losses, logits otherwise),
    the metrics of attached hooks, and ``loss = d_loss + g_loss`` for
    callbacks that watch ``loss``.

    Calling the model on a batch, ``gan(x)``, returns D's logits on it.

    Class-conditional training (``num_classes=K``): G and D take ``[x,
    label]`` (``keras_gans.networks`` builders with ``num_classes``),
    ``fit`` takes ``(x, label)`` batches with int labels in ``[0, K)``, the
    fakes' labels are drawn per D and G step from the streams
    ``"labels/discriminator"`` and ``"labels/generator"`` (uniform or
    ``label_distribution``), penalties differentiate w.r.t. x with the
    label held fixed, and ``generate(n, labels=...)`` samples given
    classes; an AC-GAN D (``[logit, class_logits]`` from x) adds its class
    cross-entropy (``compile(classification_weight=...)``); see
    ``keras_gans.training.conditioning``. Replay keeps each old fake's
    label; online EWC is refused for a conditional GAN.

    Args:
        generator: model mapping ``[B, latent_dim]`` to samples.
        discriminator: model mapping samples to logits.
        latent_dim: size of the latent vector.
        seed: integer seed in [0, 2^63) of the training noise; random if
            None (it is stored in a variable, so checkpoints carry it).
        num_classes: K >= 2 for a class-conditional GAN; None (default):
            unconditional (labels in the data are ignored).
        label_distribution: ``"uniform"`` or the K class frequencies of
            the fake labels (e.g. ``training.conditioning.frequencies(
            labels, K)`` for the data's).
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim,
        seed=None,
        num_classes=None,
        label_distribution="uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(latent_dim, (int, np.integer)) or latent_dim < 1:
            raise ValueError(
                f"latent_dim must be a positive integer, got {latent_dim!r}."
            )
        if seed is None:
            seed = random.randrange(2**31)
        validation.check_seed("seed", seed)
        # The conditioning strategy (training.conditioning): what D and G
        # see, the fakes' labels, the settings and data it accepts.
        self.conditioning = conditioning.for_classes(
            num_classes, label_distribution, generator, discriminator
        )
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.seed = int(seed)
        # [seed, stream epoch]: the watchdog moves the noise onto new
        # streams by changing the second word.
        self.rng_seed = keras.Variable(
            np.array([self.seed, 0], np.int64),
            dtype="int64",
            trainable=False,
            name="rng_seed",
        )
        self._sample_seed = keras.random.SeedGenerator(
            rng.stream_int(self.seed, "sample")
        )
        self._hooks = AttachedHooks()
        self._ema = None
        self.ema_generator = None
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.lecam_tracker = keras.metrics.Mean(name="lecam")
        self.consistency_tracker = keras.metrics.Mean(name="consistency")
        if generator.built:
            validation.check_networks_fit(self.sample_shape, discriminator)
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
        jit_compile="auto",
        steps_per_execution="auto",
        ema_decay: Optional[float] = None,
        unroll_steps: int = 0,
        unroll_first_order: bool = False,
        penalty_every: int = 1,
        unroll_update: str = "optimizer",
        augment="none",
        instance_noise: float = 0.0,
        instance_noise_anneal_steps: int = 0,
        d_warmup_steps: int = 0,
        classification_weight: float = 1.0,
        lecam_weight: float = 0.0,
        consistency_weight: float = 0.0,
        consistency_fake_weight: float = 0.0,
        consistency_augment: str = "translation",
        rotation_weight: float = 0.0,
        rotation_g_weight: float = 0.2,
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
            real_weight: gamma > 0, the weight of L_real (paper eq. 6);
                1 with a paired loss (``relativistic``), refused otherwise.
            n_critic: D updates per G update, an integer >= 1.
            penalty_output: ``"logit"`` or ``"sigmoid"``: what the penalty
                differentiates; None keeps the penalty's own setting.
            jit_compile: ``"auto"`` (the default: the measured-fast choice
                for this discriminator and device,
                ``training.execution.auto_jit_compile``), True or False.
            steps_per_execution: ``"auto"`` (the default: at each ``fit``
                the largest divisor of ``steps_per_epoch`` up to 50, or 50
                when the data sets the epoch's length,
                ``training.execution.auto_steps_per_execution``) or train
                steps per ``tf.function`` call; with XLA, more than 1 runs
                the steps as one fused XLA loop. Per-step callbacks run
                once per execution.
            ema_decay: if set, in (0, 1): keep a shadow generator
                (``training.GeneratorEMA``) that ``generate`` and export
                use. Compile under the strategy's scope.
            unroll_steps: k >= 0 look-ahead D steps for G's loss (Unrolled
                GAN, Metz et al., 2017; ``training.UnrolledObjective``).
            unroll_first_order: skip the second-order terms.
            unroll_update: ``"optimizer"`` (D's own rule; SGD, Adam or
                AdamW) or ``"gradient"`` (plain gradient steps).
            penalty_every: lazy regularisation in StyleGAN2's form
                (``training.GradientPenalty``): k > 1 regularises in a
                separate update every k D steps and adjusts D's optimizer's
                learning rate and decay rates by ``c = k / (k + 1)``. 1 (the
                default) adds the penalty to every D step.
            augment: differentiable augmentation of D's inputs, real and
                fake, in D's and G's losses (``training.InputAugmentation``;
                the penalty is taken at the clean samples through it):
                ``"none"``, ``"diffaugment:OPS"`` (DiffAugment) or
                ``"ada"``/``"ada:OPS"`` (ADA; ``p`` is the checkpointed
                ``gan.ada.p``, logged as ``ada_p``). Compile under the
                strategy's scope.
            instance_noise: std sigma >= 0 of Gaussian noise on D's inputs
                (0: off).
            instance_noise_anneal_steps: GAN iterations over which sigma
                falls linearly to 0 (0: constant).
            d_warmup_steps: D-only steps that ``fit`` runs before the first
                G step (``training.DiscriminatorWarmup``); the number done,
                ``gan.d_warmup_done``, is checkpointed.
            classification_weight: w >= 0, the weight of an AC-GAN
                discriminator's class cross-entropy in L_D and L_G
                (``training.conditioning``).
            lecam_weight: lambda >= 0 of the LeCam regularisation of D's
                outputs towards EMA anchors (``training.LeCamRegularizer``;
                Tseng et al. 2021); 0: off. The anchors,
                ``gan.lecam_anchors``, are checkpointed.
            consistency_weight: lambda_real >= 0 of consistency
                regularisation on images (CR, Zhang et al. 2020;
                ``training.ConsistencyRegularizer``); 0: off.
            consistency_fake_weight: lambda_fake >= 0, the same on the
                fakes (balanced CR, Zhao et al. 2021); 0: off.
            consistency_augment: the DiffAugment ops of its transform.
            rotation_weight: beta of SS-GAN's rotation loss of D on real
                images (Chen et al. 2019; ``training.rotation``), > 0 for a
                D with a rotation head (``networks.with_rotation_head``),
                0 for any other.
            rotation_g_weight: alpha >= 0, G's rotation loss on its fakes.
            **kwargs: passed to ``keras.Model.compile``.

        Raises:
            ValueError: an unknown name, a negative or non-finite weight or
                learning rate, ``n_critic < 1``, the same optimizer object
                for D and G, or a setting D's optimizer cannot follow.
        """
        validation.check_optimizers(d_optimizer, g_optimizer)
        strategy = self.distribute_strategy
        self.conditioning = rotation.strategy(
            self, rotation_weight, rotation_g_weight
        )
        self.objective = AdversarialObjective(loss, real_weight, n_critic)
        self.regularizer = GradientPenalty(
            penalty, penalty_weight, penalty_output, penalty_every
        )
        self.conditioning.check_penalty(self.regularizer.fn)
        self.conditioning.configure(classification_weight, unroll_steps)
        self.unrolled = UnrolledObjective(
            unroll_steps, unroll_first_order, unroll_update
        )
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {ema_decay!r}.")
        self.unrolled.configure(d_optimizer)
        self.augmentation = InputAugmentation(
            augment,
            instance_noise,
            instance_noise_anneal_steps,
            ada=getattr(self, "ada", None),
        )
        self.augmentation.check(self)
        self.conditioning.check_input_transforms(
            self.augmentation, d_warmup_steps
        )
        if self.augmentation.ada is not None:
            self.ada = self.augmentation.ada  # checkpointed; only with ADA
        self.warmup = DiscriminatorWarmup(
            d_warmup_steps, getattr(self, "d_warmup_done", None)
        )
        self.warmup.configure(self)
        if self.warmup.counter is not None:
            self.d_warmup_done = self.warmup.counter  # only with a warm-up
        self.regularizer.configure(d_optimizer, strategy)
        self.lecam = LeCamRegularizer(lecam_weight)
        self.lecam.configure(
            self, getattr(self, "lecam_anchors", None), unroll_steps
        )
        self.consistency = ConsistencyRegularizer(
            consistency_weight, consistency_fake_weight, consistency_augment
        )
        self.consistency.check(self, unroll_steps)
        if self.lecam.active:
            self.lecam_anchors = self.lecam.state  # checkpointed
        self._stack_batches = row_independent(self.discriminator)
        self._auto_steps = (
            execution.check_steps_per_execution(steps_per_execution) == "auto"
        )
        self._fused_epoch = None  # set per fit with the auto steps
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        # ``optimizer`` is G's: callbacks such as TensorBoard count steps with
        # ``model.optimizer.iterations``, one per train_step.
        super().compile(
            optimizer=g_optimizer,
            jit_compile=execution.resolve_jit_compile(
                jit_compile, self.discriminator, strategy
            ),
            steps_per_execution=1 if self._auto_steps else steps_per_execution,
            **kwargs,
        )
        self._build_optimizers()
        if ema_decay is None:
            self._ema = self.ema_generator = None
        elif self._ema is None:
            if not self.generator.built:
                self.generator.build((None, self.latent_dim))
            self._ema = GeneratorEMA(self.generator, ema_decay)
            self.ema_generator = self._ema.shadow
        else:
            self._ema.decay = float(ema_decay)

    # Settings read by callbacks and diagnostics.
    loss_fn = property(lambda self: self.objective.loss_fn)
    real_weight = property(lambda self: self.objective.real_weight)
    n_critic = property(lambda self: self.objective.n_critic)
    penalty_fn = property(lambda self: self.regularizer.fn)
    penalty_weight = property(lambda self: self.regularizer.weight)
    ema_decay = property(lambda self: self._ema and self._ema.decay)
    num_classes = property(lambda self: self.conditioning.num_classes)

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
        validation.check_sample_shape(input_shape, self.sample_shape)
        if getattr(self, "d_optimizer", None) is not None:
            self._build_optimizers()
        self.built = True

    @property
    def sample_shape(self):
        """The generator's output shape without the batch axis."""
        inputs = self.conditioning.generator_spec(self.latent_dim)
        return tuple(self.generator.compute_output_spec(inputs).shape[1:])

    def call(self, inputs, training=False):
        return self.discriminator(inputs, training=training)

    # ------------------------------------------------------------------ hooks

    @property
    def hooks(self):
        """The attached ``DiscriminatorHook`` objects, in call order."""
        return tuple(self._hooks)

    def replace_penalty(self, penalty, penalty_weight: float) -> None:
        """Swaps D's gradient penalty and weight (same output), e.g. the
        collapse watchdog's escalation; rebuilds the train function. Not
        under ``penalty_every > 1`` (its optimizer adjustment)."""
        if self.regularizer.lazy:
            raise ValueError("No penalty swap under penalty_every > 1.")
        new = GradientPenalty(penalty, penalty_weight, self.regularizer.output)
        self.conditioning.check_penalty(new.fn)
        self.regularizer = new
        self.make_train_function(force=True)

    def attach_hook(self, hook: DiscriminatorHook) -> None:
        """Attaches ``hook`` to every D step until ``detach_hook`` (``fit``
        attaches the hooks among its callbacks itself). The train function
        is rebuilt on the next ``fit``. Attaching it twice does nothing."""
        if isinstance(hook, DiscriminatorHook):
            self.conditioning.check_hook(hook)
        if self._hooks.attach(self, hook):
            self.train_function = None

    def detach_hook(self, hook: DiscriminatorHook) -> None:
        """Detaches ``hook``; its state stays with it."""
        if self._hooks.detach(self, hook):
            self.train_function = None

    def discriminator_game(self) -> DiscriminatorGame:
        """What this GAN lends its hooks at a D step
        (``training.step.discriminator_game``)."""
        return step.discriminator_game(self)

    @property
    def metrics(self):
        return [
            self.d_loss_tracker,
            self.g_loss_tracker,
            self.penalty_tracker,
            self.d_real_tracker,
            self.d_fake_tracker,
            *self._regularizer_metrics(),
            *self._hooks.metrics,
        ]

    def _regularizer_metrics(self):
        extra = []
        lecam = getattr(self, "lecam", None)
        if lecam and lecam.active:
            extra.append(self.lecam_tracker)
        consistency = getattr(self, "consistency", None)
        if consistency and consistency.active:
            extra.append(self.consistency_tracker)
        return extra

    # ---------------------------------------------------------------- training

    def fit(self, x=None, *args, callbacks=None, **kwargs):
        """``keras.Model.fit``, with the ``DiscriminatorHook`` callbacks
        (replay, EWC) attached for its length, the D warm-up steps still
        due (``compile(d_warmup_steps=...)``) run first, and real data with
        NaN or inf rejected.

        Arrays are checked up front; a ``tf.data.Dataset`` is checked batch by
        batch in the input pipeline (outside the compiled step), raising
        ``InvalidArgumentError`` at the first bad batch.
        """
        if getattr(self, "d_optimizer", None) is None:
            raise ValueError(
                "Call compile(d_optimizer, g_optimizer, ...) before fit."
            )
        self.conditioning.check_fit_data(x, args, kwargs)
        if isinstance(x, tf.data.Dataset):
            x = self.conditioning.checked_batches(x)
            x = validation.finite_batches(x)
            # A dataset is already in order; Keras only warns about shuffle.
            kwargs.setdefault("shuffle", False)
        elif x is not None and not isinstance(
            x, tf.distribute.DistributedDataset
        ):
            tf.nest.map_structure(validation.check_finite_array, x)
            self.conditioning.check_fit_arrays(x, args, kwargs)
        if getattr(self, "_auto_steps", False):
            execution.set_auto_steps_per_execution(
                self, kwargs.get("steps_per_epoch")
            )
        with self._hooks.borrowed(self, callbacks):
            self.warmup.run(self, x, kwargs.get("batch_size"))
            return super().fit(x, *args, callbacks=callbacks, **kwargs)

    def make_train_function(self, force=False):
        """Keras' train function, the fused XLA loop or the multi-worker
        one (``training.execution.train_function``)."""
        if self.train_function is not None and not force:
            return self.train_function

        def keras_default():
            super(GAN, self).make_train_function(force=True)
            return self.train_function

        self.train_function = execution.train_function(self, keras_default)
        return self.train_function

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if distribute.is_multi_worker(self.distribute_strategy):
            # Keras reduces a PerReplica batch eagerly here, which fails
            # under MultiWorkerMirroredStrategy (keras issue 20585). The GAN
            # needs no symbolic build beyond ``build``, done on first use.
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def _seed(self, stream, index, root=None):
        """The seed of step ``index`` of the named stream of ``root``
        (default: the model's seed)."""
        root = self.rng_seed if root is None else root
        return rng.step_seed(root, stream, index)

    def latent(self, batch, seed):
        """``[batch, latent_dim]`` N(0, I) latents from ``seed``."""
        return rng.normal([batch, self.latent_dim], seed)

    # Not converted by AutoGraph (nor is anything it calls): the step is
    # written with explicit tf.cond / tf.where, and converting it and its
    # ~200 callees cost ~6 s of every run's start (half a short run).
    @tf.autograph.experimental.do_not_convert
    def train_step(self, data):
        """One GAN iteration (``training.step.train_step``)."""
        return step.train_step(self, data)

    @tf.autograph.experimental.do_not_convert  # see train_step
    def _discriminator_step(self, *args, **kwargs):
        """One D update (``training.step.discriminator_step``)."""
        step.discriminator_step(self, *args, **kwargs)

    @tf.autograph.experimental.do_not_convert  # see train_step
    def _generator_step(self, *args, **kwargs):
        """One G update (``training.step.generator_step``)."""
        step.generator_step(self, *args, **kwargs)

    def logs(self):
        """The metric results, plus ``loss = d_loss + g_loss`` (not a
        quality measure: callbacks watching ``loss``, such as
        TerminateOnNaN, see a NaN in either player's loss)."""
        logs = {m.name: m.result() for m in self.metrics}
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        logs.update(self.augmentation.logs())
        return logs

    # ---------------------------------------------------------------- sampling

    @property
    def sampling_generator(self):
        """The generator used by ``generate`` and export: the EMA shadow
        generator when ``ema_decay`` is set, else the trained one."""
        if self.ema_generator is not None:
            return self.ema_generator
        return self.generator

    def generate(
        self,
        n: int,
        seed: Optional[int] = None,
        batch_size: int = 1024,
        labels=None,
    ):
        """Draws ``n`` samples from the sampling generator (inference mode).

        Args:
            n: number of samples.
            seed: an int gives reproducible samples (latents
                ``rng.normal([n, latent_dim], seed)``); None advances the
                model's own sampling seed.
            batch_size: latents per generator call.
            labels: a conditional GAN's classes, int ``[n]`` in ``[0, K)``
                (or one int for all); None draws them from the fake-label
                distribution (with ``seed``: from its stream
                ``"labels/sample"``).

        Returns:
            A numpy array ``[n, *sample_shape]``.

        Raises:
            ValueError: labels for an unconditional GAN, or labels that are
                not ``n`` integers in ``[0, K)``.
        """
        n = check_integer("n", n, 0)
        if seed is not None:
            seed = validation.check_seed("seed", seed)
        if seed is None:
            z = keras.random.normal(
                (n, self.latent_dim), seed=self._sample_seed
            )
        else:
            z = self.latent(n, int(seed))
        labels = self.conditioning.sample_labels(
            n, seed, labels, self._sample_seed
        )
        chunks = [
            keras.ops.convert_to_numpy(
                self.sampling_generator(
                    conditioning.pair(
                        z[i : i + batch_size],
                        None if labels is None else labels[i : i + batch_size],
                    ),
                    training=False,
                )
            ).astype(np.float32)
            for i in range(0, n, batch_size)
        ]
        if not chunks:
            return np.zeros((0,) + self.sample_shape, np.float32)
        return np.concatenate(chunks, axis=0)

    def get_config(self):
        raise NotImplementedError(
            "GAN is saved as weights (save_weights / checkpoints) and its "
            "generator as a SavedModel; it has no serialisable config."
        )
