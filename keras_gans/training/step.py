"""One GAN iteration of ``GAN.train_step``: ``n_critic`` D updates, then
one G update, each composed of the GAN's parts (objective, regularizer,
conditioning, augmentation, unrolling, EMA, hooks).

The functions take the ``keras_gans.GAN`` whose state they update (its
networks, optimizers, trackers and seed); ``GAN.train_step`` and the D
warm-up call them. Every random draw comes from a named stream of the
GAN's seed (``GAN._seed``), folded in with the D step's index
``iteration * n_critic + critic_index`` or with the iteration.
"""

import keras
import tensorflow as tf

from keras_gans import distribute, rng, validation
from keras_gans.hooks.base import DiscriminatorGame
from keras_gans.training import conditioning, update_rules

__all__ = [
    "discriminator_game",
    "discriminator_step",
    "draw_fake_labels",
    "generator_step",
    "train_step",
]


# Not converted by AutoGraph (nor is anything it calls): the step is
# written with explicit tf.cond / tf.where, and converting it and its
# ~200 callees cost ~6 s of every run's start (half a short run).
@tf.autograph.experimental.do_not_convert
def train_step(gan, data):
    """``n_critic`` D steps on the strided slices of the real batch, then
    one G step; returns ``gan.logs()``."""
    real, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    if not real.dtype.is_floating:
        raise ValueError(
            f"Real data must be floating point, got {real.dtype.name}; "
            "scale it (e.g. images to [-1, 1]) before training."
        )
    validation.check_sample_shape(real.shape, gan.sample_shape)
    iteration = tf.cast(gan.g_optimizer.iterations, tf.int64)
    batches = gan.objective.split(real)
    labels = gan.conditioning.labels_of(labels, real.shape[0])
    label_batches = (
        [None] * len(batches)
        if labels is None
        else gan.objective.split(labels)
    )
    for i, (real_i, labels_i) in enumerate(zip(batches, label_batches)):
        discriminator_step(gan, real_i, iteration, i, labels_i)
    generator_step(
        gan, tf.shape(batches[0])[0], batches[-1], iteration,
        label_batches[-1],
    )
    return gan.logs()


def draw_fake_labels(gan, n, stream, index, root=None):
    """The fakes' labels from ``stream`` (None: unconditional)."""
    return gan.conditioning.fake_labels(
        n, lambda: gan._seed(stream, index, root)
    )


@tf.autograph.experimental.do_not_convert  # see train_step
def discriminator_step(
    gan, real, iteration, critic_index, labels=None, root=None
):
    """One D update, D step ``iteration * n_critic + critic_index``
    (``labels``: the real batch's, for a conditional GAN), its noise
    from the streams of ``root`` (default: the model's seed)."""
    index = iteration * gan.objective.n_critic + critic_index
    root = gan.rng_seed if root is None else root
    batch = tf.shape(real)[0]
    fake_labels = draw_fake_labels(
        gan, batch, "labels/discriminator", index, root
    )
    fake = gan.generator(
        conditioning.pair(
            gan.latent(
                batch, gan._seed("latent/discriminator", index, root)
            ),
            fake_labels,
        ),
        training=True,
    )
    hooks = gan._hooks.contexts(
        gan, real, index, critic_index, iteration, root, labels
    )
    for hook, step in hooks:
        hook.before_discriminator_step(step)
        fake, fake_labels = gan.conditioning.transform_fakes(
            hook, step, fake, fake_labels
        )
    critic, real_in, fake_in, penalized, clean_real, clean_fake = (
        gan.conditioning.discriminator_view(
            gan.discriminator,
            gan.augmentation,
            real,
            labels,
            fake,
            fake_labels,
            root,
            index,
            iteration,
        )
    )
    penalty_seed = gan._seed("penalty", index, root)
    optimizer = gan.d_optimizer
    loss_scale = getattr(optimizer, "dynamic_scale", None)
    d_vars = gan.discriminator.trainable_variables
    with tf.GradientTape() as tape:
        d_loss, real_logits, fake_logits = (
            gan.objective.discriminator_loss(
                critic, real_in, fake_in, gan._stack_batches
            )
        )
        term = gan.conditioning.discriminator_term(
            gan.discriminator, real, labels, fake, fake_labels
        )
        if term is not None:
            d_loss = d_loss + term
        if gan.lecam.active:
            term, lecam = gan.lecam.term(real_logits, fake_logits)
            d_loss = d_loss + term
            gan.lecam_tracker.update_state(lecam)
        if gan.consistency.active:
            term, on_real, on_fake = gan.consistency.term(
                critic, real_in, fake_in, real_logits, fake_logits,
                gan._seed("consistency", index, root),
            )
            d_loss = d_loss + term
            gan.consistency_tracker.update_state(on_real + on_fake)
        for hook, step in hooks:
            term = hook.discriminator_loss(step)
            if term is not None:
                d_loss = d_loss + term
        term, penalty = gan.regularizer.in_step_term(
            penalized, clean_real, clean_fake, penalty_seed, loss_scale
        )
        unpenalised, d_loss = d_loss, d_loss + term
        scaled = optimizer.scale_loss(distribute.scale_loss(d_loss))
    optimizer.apply(
        update_rules.dense(tape.gradient(scaled, d_vars)), d_vars
    )
    applied = tf.constant(True)
    if gan.regularizer.lazy:
        penalty, applied = gan.regularizer.lazy_step(
            penalized,
            optimizer,
            clean_real,
            clean_fake,
            penalty_seed,
            index,
        )
    elif loss_scale is not None:
        # A penalty whose loss-scaled inner gradient overflowed is inf;
        # the LossScaleOptimizer has just skipped that step (and lowered
        # the scale), so it is not logged either. The unscaled terms
        # stay finite, and a real divergence still shows in them.
        applied = tf.math.is_finite(penalty)
        d_loss = tf.where(applied, d_loss, unpenalised)
        penalty = tf.where(applied, penalty, tf.zeros_like(penalty))
    gan.d_loss_tracker.update_state(d_loss)
    gan.penalty_tracker.update_state(
        penalty, sample_weight=tf.cast(applied, tf.float32)
    )
    gan.d_real_tracker.update_state(gan.objective.score(real_logits))
    gan.d_fake_tracker.update_state(gan.objective.score(fake_logits))
    gan.augmentation.after_discriminator_step(real_logits)


def generator_step(gan, batch, real, iteration, labels=None):
    g_vars = gan.generator.trainable_variables
    fake_labels = draw_fake_labels(gan, batch, "labels/generator", iteration)
    extra = real_logits = None
    # A paired loss (relativistic) reads D on the real batch too; for
    # every other loss D sees only the fakes, as before.
    with_real = gan.objective.needs_real_logits
    with tf.GradientTape() as tape:
        fake = gan.generator(
            conditioning.pair(
                gan.latent(
                    batch, gan._seed("latent/generator", iteration)
                ),
                fake_labels,
            ),
            training=True,
        )
        if gan.unrolled.steps:
            real_logits, fake_logits = gan.unrolled.logits(
                gan,
                conditioning.pair(real, labels),
                conditioning.pair(fake, fake_labels),
                gan._seed("unroll", iteration),
                with_real=with_real,
            )
        else:
            fake_logits, real_logits, extra = (
                gan.conditioning.generator_view(
                    gan.discriminator,
                    gan.augmentation,
                    gan.rng_seed,
                    fake,
                    fake_labels,
                    real,
                    labels,
                    iteration,
                    with_real,
                )
            )
        g_loss = gan.objective.generator_loss(fake_logits, real_logits)
        if extra is not None:
            g_loss = g_loss + extra
        scaled = gan.g_optimizer.scale_loss(distribute.scale_loss(g_loss))
    gan.g_optimizer.apply(
        update_rules.dense(tape.gradient(scaled, g_vars)), g_vars
    )
    if gan._ema is not None:
        gan._ema.update(gan.generator, gan.g_optimizer.iterations)
    gan.g_loss_tracker.update_state(g_loss)


def discriminator_game(gan) -> DiscriminatorGame:
    """What ``gan`` lends its hooks at a D step, instead of itself: D,
    G's fakes, D's logits through the conditioning and the objective's
    L_D terms (``hooks.DiscriminatorGame``)."""
    cond = gan.conditioning

    def draw_fakes(n, seed):
        labels = cond.fake_labels(n, lambda: rng.stream(seed, "labels"))
        fake = gan.generator(
            conditioning.pair(gan.latent(n, seed), labels), training=True
        )
        return fake, labels

    def logits(real, labels, fake, fake_labels):
        critic, real_in, fake_in = cond.critic(
            gan.discriminator, real, labels, fake, fake_labels
        )
        return (
            critic(real_in, training=True),
            critic(fake_in, training=True),
        )

    def classification_terms(real, labels, fake, fake_labels):
        return cond.classification_terms(
            gan.discriminator, real, labels, fake, fake_labels
        )

    return DiscriminatorGame(
        discriminator=gan.discriminator,
        num_classes=gan.num_classes,
        draw_fakes=draw_fakes,
        logits=logits,
        loss_terms=gan.objective.discriminator_terms,
        classification_terms=classification_terms,
    )
