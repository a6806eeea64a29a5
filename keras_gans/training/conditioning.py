"""Class-conditional training: the labels of the fakes and how D and G are
called with labels.

A conditional GAN (``GAN(..., num_classes=K)``) trains on ``(x, label)``
batches, the label an integer class index ``[B]`` in ``[0, K)``, with a
conditional generator ``G([z, y])`` and a conditional discriminator
``D([x, y])`` (``keras_gans.networks`` builds both with ``num_classes``;
any pair of two-input models works):

- **fake labels** are drawn afresh for every D step and every G step, from
  the named streams ``"labels/discriminator"`` (folded in with the D step's
  index ``iteration * n_critic + i``) and ``"labels/generator"`` (with the
  iteration), uniformly over the K classes or from given class frequencies
  (``label_distribution``; ``frequencies(labels, K)`` reads them off the
  data). A label is the inverse CDF of one ``rng.uniform`` draw, so the
  draws are equal with and without XLA and on any number of replicas;
- **D's loss** sees real samples with their own labels and fakes with the
  labels they were generated for: the objective calls D on ``[x, y]``;
- **penalties** differentiate w.r.t. x with the label held fixed: the
  penalty gets the callable ``x -> D([x, y])``. ``y`` is the real labels
  for every penalty whose points are real or built from the real batch
  (``r1``, ``dragan``, and the interpolates of ``zero_gp``, ``wgan_gp``,
  ``lipschitz``: the real sample's label, as StudioGAN does), the fake
  labels for ``r2`` (its points are the fakes). Layer penalties
  (``layer=``) need a plain Keras D and are refused;
- ``n_critic`` slices split the labels like the samples (``batch[i::k]``).

**AC-GAN** (Odena et al., 2017): a discriminator that takes x alone and
returns ``[logit, class_logits]`` (``networks`` builders with
``conditioning="acgan"``) is detected; the adversarial loss and the
penalties see its first output, and the cross-entropy of its class head,
``w * (CE(real, y) + CE(fake, y'))`` (means over the batches; Odena et
al.'s L_C) is added to L_D and ``w * CE(fake, y')`` to L_G, ``w =
classification_weight`` (``GAN.compile``). The look-ahead of an unrolled
G step is not supported with it.

Out-of-range labels are an ``InvalidArgumentError`` in the input pipeline
(``checked_batches``; arrays are checked up front) rather than in the step,
where XLA drops assertions and a GPU embedding lookup returns zeros.

The conditioning is a strategy the GAN asks rather than tests: what D and
G are called on (``discriminator_view``, ``generator_view``), the fakes'
labels (``fake_labels``), the extra terms of the losses, and which
settings, data and hooks it accepts. ``Unconditional`` is the strategy of a
GAN without labels (D and G see samples alone, through the input
augmentation when one is set); ``Conditioning`` that of a projection or
AC-GAN D with K classes; ``for_classes`` picks one.
"""

import functools
from typing import Optional, Sequence, Union

import keras
import numpy as np
import tensorflow as tf

from keras_gans import networks, penalties, rng
from keras_gans.training.unconditional import Unconditional

__all__ = [
    "Conditioning",
    "Unconditional",
    "for_classes",
    "frequencies",
    "pair",
    "penalty_view",
]


def is_layer_penalty(fn) -> bool:
    """Whether penalty ``fn`` (a ``functools.partial`` chain of
    ``penalties.get``) differentiates a layer of D (``layer=...``)."""
    while isinstance(fn, functools.partial):
        if fn.keywords.get("layer") is not None:
            return True
        fn = fn.func
    return False


def pair(x, labels):
    """``x`` as D's or G's input: ``[x, labels]``, or ``x`` when ``labels``
    is None (an unconditional GAN)."""
    return x if labels is None else [x, labels]


def frequencies(labels, num_classes: int) -> np.ndarray:
    """The class frequencies of an integer label array (for
    ``label_distribution``)."""
    labels = np.asarray(labels).reshape(-1)
    counts = np.bincount(labels, minlength=num_classes)[:num_classes]
    return counts / max(counts.sum(), 1)


def _embedding_classes(model):
    """The class counts a model's label layers were built for."""
    found = set()
    for layer in getattr(model, "layers", ()):
        if isinstance(layer, networks.ConditionalBatchNorm):
            found.add(layer.num_classes)
        elif layer.name == "label_embedding" and isinstance(
            layer, keras.layers.Embedding
        ):
            found.add(int(layer.input_dim))
    return found


class Conditioning:
    """The labels of a conditional GAN.

    Args:
        num_classes: K >= 2.
        label_distribution: ``"uniform"`` or K class frequencies (>= 0, not
            all 0; normalised), the distribution of the fake labels.
    """

    def __init__(
        self,
        num_classes: int,
        label_distribution: Union[str, Sequence[float]] = "uniform",
    ):
        if (
            isinstance(num_classes, bool)
            or not isinstance(num_classes, (int, np.integer))
            or num_classes < 2
        ):
            raise ValueError(
                f"num_classes must be an integer >= 2, got {num_classes!r}."
            )
        self.num_classes = int(num_classes)
        if isinstance(label_distribution, str):
            if label_distribution != "uniform":
                raise ValueError(
                    "label_distribution must be 'uniform' or the "
                    f"{num_classes} class frequencies, got "
                    f"{label_distribution!r}."
                )
            probs = np.full(self.num_classes, 1.0 / self.num_classes)
        else:
            probs = np.asarray(label_distribution, np.float64).reshape(-1)
            if (
                probs.shape != (self.num_classes,)
                or not np.all(np.isfinite(probs))
                or np.any(probs < 0)
                or probs.sum() <= 0
            ):
                raise ValueError(
                    f"label_distribution must hold {self.num_classes} "
                    "finite frequencies >= 0, not all 0; got shape "
                    f"{probs.shape}."
                )
            probs = probs / probs.sum()
        self.probabilities = probs
        self.mode = "projection"
        self.classification_weight = 1.0
        # Label k is drawn where cdf[k-1] < u <= cdf[k], u in (0, 1].
        self._edges = np.cumsum(probs)[:-1].astype(np.float32)

    # ------------------------------------------------------------ checks

    def check_networks(self, generator, discriminator) -> None:
        """Both networks take ``[x, label]``, with K classes where their
        label layers say."""
        self.mode = networks.discriminator_conditioning(discriminator)
        for role, model in (
            ("generator", generator),
            ("discriminator", discriminator),
        ):
            if role == "discriminator" and self.mode == "acgan":
                classes = discriminator.outputs[1].shape[-1]
                if classes != self.num_classes:
                    raise ValueError(
                        f"The discriminator's class head has {classes} "
                        f"classes, but the GAN has num_classes="
                        f"{self.num_classes}."
                    )
                continue
            if not networks.is_conditional(model):
                raise ValueError(
                    f"num_classes={self.num_classes} needs a conditional "
                    f"{role} taking [x, label] (an int label input; or, "
                    "for D, an AC-GAN D returning [logit, class_logits]), e.g. "
                    f"from keras_gans.networks with num_classes="
                    f"{self.num_classes}; got inputs "
                    f"{getattr(model, 'inputs', None)}."
                )
            other = sorted(_embedding_classes(model) - {self.num_classes})
            if other:
                raise ValueError(
                    f"The {role}'s label layers are built for {other[0]} "
                    f"classes, but the GAN has num_classes="
                    f"{self.num_classes}."
                )

    def configure(self, classification_weight, unroll_steps) -> None:
        """Sets the AC-GAN weight (``compile``) and refuses an unrolled G
        step with an AC-GAN D."""
        weight = float(classification_weight)
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(
                "classification_weight must be finite and >= 0, got "
                f"{classification_weight!r}."
            )
        if self.mode == "acgan" and unroll_steps:
            raise ValueError(
                "unroll_steps > 0 is not supported with an AC-GAN "
                "discriminator; use a projection discriminator."
            )
        self.classification_weight = weight

    def check_penalty(self, fn) -> None:
        """Refuses a layer penalty (it needs a plain Keras D)."""
        if is_layer_penalty(fn):
            raise ValueError(
                "A layer gradient penalty (layer=...) cannot be used "
                "with a conditional GAN; use the input gradient."
            )

    def labels_of(self, labels, rows):
        """The real batch's labels, checked statically: int32 ``[B]``.

        Raises:
            ValueError: no labels, float labels, or a shape other than
                ``[B]`` or ``[B, 1]`` (e.g. one-hot labels).
        """
        if labels is None:
            raise ValueError(
                f"A conditional GAN (num_classes={self.num_classes}) trains "
                "on (x, label) batches; the data has no labels (e.g. pass "
                "labels=True to the keras_gans.data pipelines)."
            )
        labels = tf.convert_to_tensor(labels)
        if not labels.dtype.is_integer:
            raise ValueError(
                f"Labels must be integer class indices in [0, "
                f"{self.num_classes}), got {labels.dtype.name} labels."
            )
        if labels.shape.rank == 2 and labels.shape[1] == 1:
            labels = labels[:, 0]
        if labels.shape.rank != 1:
            raise ValueError(
                f"Labels must be class indices of shape [batch] (not "
                f"one-hot), got shape {labels.shape}."
            )
        if (
            labels.shape[0] is not None
            and rows is not None
            and labels.shape[0] != rows
        ):
            raise ValueError(
                f"{labels.shape[0]} labels for a batch of {rows} samples."
            )
        return tf.cast(labels, tf.int32)

    def check_array(self, labels) -> None:
        """Raises ValueError for labels (an array) that are not integers in
        ``[0, K)``."""
        labels = np.asarray(labels)
        if labels.dtype.kind not in "iu":
            raise ValueError(
                f"Labels must be integer class indices in [0, "
                f"{self.num_classes}), got {labels.dtype} labels."
            )
        bad = (labels < 0) | (labels >= self.num_classes)
        if np.any(bad):
            raise ValueError(
                f"{int(bad.sum())} label(s) outside [0, {self.num_classes}) "
                f"(e.g. {labels[bad].reshape(-1)[0]}); num_classes is "
                f"{self.num_classes}."
            )

    def checked_batches(self, dataset: tf.data.Dataset) -> tf.data.Dataset:
        """``dataset`` of ``(x, label, ...)`` batches whose integer labels
        are checked to lie in ``[0, K)`` in the input pipeline."""
        k = self.num_classes

        def check(*batch):
            if len(batch) < 2 or not batch[1].dtype.is_integer:
                return batch  # named by the train step (labels_of)
            label = batch[1]
            message = f"Labels must lie in [0, {k}) (num_classes={k})."
            with tf.control_dependencies(
                [
                    tf.debugging.assert_non_negative(label, message=message),
                    tf.debugging.assert_less(
                        label, tf.cast(k, label.dtype), message=message
                    ),
                ]
            ):
                label = tf.identity(label)
            return (batch[0], label, *batch[2:])

        return dataset.map(
            check, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )

    def check_input_transforms(self, augmentation, d_warmup_steps) -> None:
        """Refuses D's input augmentation, instance noise and the D
        warm-up, which do not route labels yet."""
        if augmentation.active or d_warmup_steps:
            raise ValueError(
                "augment, instance_noise and d_warmup_steps are not supported "
                "with a conditional GAN (num_classes set) yet."
            )

    def check_hook(self, hook) -> None:
        """Refuses a ``DiscriminatorHook`` that sees no labels."""
        if not hook.supports_labels:
            raise ValueError(
                f"{type(hook).__name__} cannot be used with a conditional "
                "GAN (num_classes set): it sees no labels (its "
                "supports_labels is False)."
            )

    def check_fit_data(self, x, args, kwargs) -> None:
        """Nothing before the data's own checks (``labels_of`` names
        missing labels in the step)."""

    def check_fit_arrays(self, x, args, kwargs) -> None:
        """The labels of array data (``y``, or ``x = (samples, labels)``)
        are integers in ``[0, K)``."""
        labels = args[0] if args else kwargs.get("y")
        if isinstance(x, (tuple, list)) and len(x) > 1:
            labels = x[1]
        if labels is not None:
            self.check_array(labels)

    # ------------------------------------------------------------- draws

    def from_uniform(self, u):
        """Labels (int32) from uniforms in (0, 1] by the inverse CDF."""
        edges = tf.constant(self._edges)
        above = tf.cast(u[..., None] > edges, tf.int32)
        return tf.reduce_sum(above, axis=-1)

    def sample(self, n, seed):
        """``n`` fake labels (this replica's share, replica-consistent)."""
        return self.from_uniform(rng.uniform([n], seed))

    def fake_labels(self, n, seed_fn):
        """``n`` fake labels drawn from the seed ``seed_fn()``."""
        return self.sample(n, seed_fn())

    def sample_labels(self, n, seed, labels, sample_seed):
        """The labels ``GAN.generate`` feeds its generator: ``labels``
        checked (an int for all ``n``, or ``n`` class indices); or, for
        None, draws from the fake-label distribution (with an int ``seed``:
        its stream ``"labels/sample"``; else the ``keras.random``
        ``sample_seed``)."""
        if labels is None:
            if seed is None:
                u = keras.random.uniform((n,), seed=sample_seed)
                u = tf.maximum(u, np.float32(2**-24))  # (0, 1]
            else:
                u = rng.uniform([n], rng.stream(int(seed), "labels/sample"))
            return self.from_uniform(u)
        labels = np.asarray(labels)
        if labels.size == 0:
            labels = labels.astype(np.int32)
        if labels.ndim == 0:
            labels = np.full(n, labels)
        if labels.shape != (n,):
            raise ValueError(
                f"labels must be {n} class indices (shape [{n}]), got shape "
                f"{labels.shape}."
            )
        self.check_array(labels)
        return tf.constant(labels.astype(np.int32))

    # ------------------------------------------------------------- calls

    @staticmethod
    def bind(discriminator, labels):
        """``x -> D([x, labels])``, the label held fixed (for penalties)."""

        def conditioned(x, training=True):
            return discriminator([x, labels], training=training)

        return conditioned

    def critic(self, discriminator, real, labels, fake, fake_labels):
        """``(D', real', fake')``: what the adversarial loss and the
        penalties call, and on what. Projection: D on ``[x, y]``;
        AC-GAN: D's first output on x."""
        if self.mode == "acgan":
            return AdversarialOutput(discriminator), real, fake
        return discriminator, [real, labels], [fake, fake_labels]

    @staticmethod
    def transform_fakes(hook, step, fake, fake_labels):
        """A hook's transform of the fakes with their labels."""
        return hook.transform_fakes([fake, fake_labels], step)

    def discriminator_view(self, discriminator, augmentation, real, labels,
                           fake, fake_labels, root, index, iteration):
        """``(critic, real_in, fake_in, penalized, clean_real, clean_fake)``
        of a D step: the critic on the labelled batches, and the penalty on
        the same (no input augmentation)."""
        critic, real_in, fake_in = self.critic(
            discriminator, real, labels, fake, fake_labels
        )
        return critic, real_in, fake_in, critic, real_in, fake_in

    @staticmethod
    def _cross_entropies(logits, labels):
        """The per-example softmax cross-entropies ``[n]`` (float32)."""
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels, tf.cast(logits, tf.float32)
        )

    def _cross_entropy(self, logits, labels):
        return tf.reduce_mean(self._cross_entropies(logits, labels))

    def _class_losses(self, discriminator, real, labels, fake, fake_labels):
        """AC-GAN's per-example ``(CE(x_i, y_i), CE(x'_i, y'_i))``, D's
        class head on the real and the fake batch in one call."""
        both = tf.concat([real, tf.cast(fake, real.dtype)], 0)
        classes = discriminator(both, training=True)[1]
        real_classes, fake_classes = tf.split(classes, 2, axis=0)
        return (
            self._cross_entropies(real_classes, labels),
            self._cross_entropies(fake_classes, fake_labels),
        )

    def _has_class_term(self):
        return self.mode == "acgan" and bool(self.classification_weight)

    def discriminator_term(self, discriminator, real, labels, fake,
                           fake_labels):
        """AC-GAN's ``w * (CE(real, y) + CE(fake, y'))`` for L_D; None for
        a projection D."""
        if not self._has_class_term():
            return None
        real_ce, fake_ce = self._class_losses(
            discriminator, real, labels, fake, fake_labels
        )
        return self.classification_weight * (
            tf.reduce_mean(real_ce) + tf.reduce_mean(fake_ce)
        )

    def classification_terms(self, discriminator, real, labels, fake,
                             fake_labels):
        """AC-GAN's per-example ``w * (CE(x_i, y_i) + CE(x'_i, y'_i))``
        (``[n]``, pairs of equal-sized batches; ``discriminator_term`` is
        their mean) for per-example gradients (EWC's Fisher); None for a
        projection D."""
        if not self._has_class_term():
            return None
        real_ce, fake_ce = self._class_losses(
            discriminator, real, labels, fake, fake_labels
        )
        return self.classification_weight * (real_ce + fake_ce)

    def generator_logits(self, discriminator, fake, fake_labels):
        """``(D's adversarial logits on the fakes, the extra term of L_G
        or None)``: AC-GAN adds ``w * CE(fake, y')``."""
        if self.mode != "acgan":
            return discriminator([fake, fake_labels], training=True), None
        logits, classes = discriminator(fake, training=True)
        return logits, self.classification_weight * self._cross_entropy(
            classes, fake_labels
        )

    def generator_view(self, discriminator, augmentation, rng_seed, fake,
                       fake_labels, real, labels, iteration, with_real):
        """``(fake_logits, real_logits or None, extra term or None)`` of a
        G step: D's adversarial logits on the labelled fakes (and reals,
        for a paired loss), and AC-GAN's class term."""
        fake_logits, extra = self.generator_logits(
            discriminator, fake, fake_labels
        )
        real_logits = None
        if with_real:  # D's adversarial view of the labelled reals
            critic, real_in, _ = self.critic(
                discriminator, real, labels, fake, fake_labels
            )
            real_logits = critic(real_in, training=True)
        return fake_logits, real_logits, extra

    def generator_spec(self, latent_dim: int):
        """Symbolic inputs of a conditional G (for its output shape)."""
        return [
            keras.KerasTensor((None, int(latent_dim))),
            keras.KerasTensor((None,), dtype="int32"),
        ]


class AdversarialOutput:
    """The first output of a two-output D (AC-GAN's class head, SS-GAN's
    rotation head: ``training.rotation``), its adversarial logit, as a
    discriminator callable: what the losses and the penalties call."""

    def __init__(self, discriminator):
        self.discriminator = discriminator

    @property
    def trainable_variables(self):
        return self.discriminator.trainable_variables

    def __call__(self, x, training=True):
        return self.discriminator(x, training=training)[0]


def penalty_view(fn, discriminator, real, fake):
    """``(D_y, x_real, x_fake)`` for penalty ``fn`` on the labelled batches
    ``real = [x, y]`` and ``fake = [x', y']``: D with the real labels held
    fixed (``Conditioning.bind``), or the fake labels for ``r2``."""
    (x_real, y_real), (x_fake, y_fake) = real, fake
    base = fn
    while isinstance(base, functools.partial):
        base = base.func
    labels = y_fake if base is penalties.r2 else y_real
    return Conditioning.bind(discriminator, labels), x_real, x_fake


def for_classes(
    num_classes: Optional[int],
    label_distribution="uniform",
    generator=None,
    discriminator=None,
):
    """The conditioning strategy for ``num_classes``: ``Conditioning`` for
    K classes, ``Unconditional`` for None (checked against the networks
    when they are given)."""
    if num_classes is None:
        if not (
            isinstance(label_distribution, str)
            and label_distribution == "uniform"
        ):
            raise ValueError("label_distribution needs num_classes.")
        strategy = Unconditional()
    else:
        strategy = Conditioning(num_classes, label_distribution)
    if generator is not None:
        strategy.check_networks(generator, discriminator)
    return strategy
