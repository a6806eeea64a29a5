"""The conditioning strategy of a GAN without labels (see
``training.conditioning``, whose ``Conditioning`` answers the same
questions for a labelled GAN)."""

import keras
import tensorflow as tf

from keras_gans import networks

__all__ = ["Unconditional"]


class Unconditional:
    """The strategy of a GAN without labels: D and G see the samples alone,
    D's inputs pass through the GAN's input augmentation (DiffAugment, ADA,
    instance noise; ``training.augmentation``), and no fake labels are
    drawn. Every method answers what ``Conditioning`` answers for a
    labelled GAN."""

    num_classes = None

    def check_networks(self, generator, discriminator) -> None:
        """Neither network may take labels."""
        if networks.is_conditional(generator) or (
            networks.discriminator_conditioning(discriminator)
        ):
            raise ValueError(
                "The generator or discriminator takes [x, label]; pass "
                "num_classes to GAN for class-conditional training."
            )

    def configure(self, classification_weight, unroll_steps) -> None:
        """Nothing to configure: there is no class head."""

    def check_penalty(self, fn) -> None:
        """Every penalty applies."""

    def check_input_transforms(self, augmentation, d_warmup_steps) -> None:
        """Augmentation, instance noise and the D warm-up all apply."""

    def check_hook(self, hook) -> None:
        """Every hook applies."""

    def check_fit_data(self, x, args, kwargs) -> None:
        """Refuses ``(x, label)`` data: the labels would be dropped."""
        if _has_labels(x, args, kwargs):
            raise ValueError(
                "The data holds (x, label) pairs but this GAN is "
                "unconditional and would drop the labels: did you mean "
                "GAN(..., num_classes=K)? Otherwise pass the samples alone."
            )

    def check_fit_arrays(self, x, args, kwargs) -> None:
        """No labels to check."""

    def checked_batches(self, dataset):
        return dataset

    def labels_of(self, labels, rows):
        return None

    def fake_labels(self, n, seed_fn):
        """No fake labels (``seed_fn`` is not called: nothing is drawn)."""
        return None

    def sample_labels(self, n, seed, labels, sample_seed):
        """``GAN.generate``'s labels: none, and none may be given."""
        if labels is not None:
            raise ValueError(
                "labels given to an unconditional GAN (num_classes is None)."
            )
        return None

    @staticmethod
    def transform_fakes(hook, step, fake, fake_labels):
        return hook.transform_fakes(fake, step), None

    @staticmethod
    def discriminator_view(discriminator, augmentation, real, labels, fake,
                           fake_labels, root, index, iteration):
        """``(critic, real_in, fake_in, penalized, clean_real, clean_fake)``
        of a D step: D on the augmented batches, the penalty through the
        augmentation at the clean ones."""
        real_in, fake_in, penalized = augmentation.discriminator_inputs(
            discriminator, real, fake, root, index, iteration
        )
        return discriminator, real_in, fake_in, penalized, real, fake

    def discriminator_term(self, discriminator, real, labels, fake,
                           fake_labels):
        return None

    def classification_terms(self, discriminator, real, labels, fake,
                             fake_labels):
        return None

    def critic(self, discriminator, real, labels, fake, fake_labels):
        return discriminator, real, fake

    @staticmethod
    def generator_view(discriminator, augmentation, rng_seed, fake,
                       fake_labels, real, labels, iteration, with_real):
        """``(fake_logits, real_logits or None, extra term or None)`` of a
        G step: D on the augmented fakes (and reals, for a paired loss)."""
        fake_logits = discriminator(
            augmentation.generator_input(fake, rng_seed, iteration),
            training=True,
        )
        real_logits = None
        if with_real:
            real_logits = discriminator(
                augmentation.generator_real_input(real, rng_seed, iteration),
                training=True,
            )
        return fake_logits, real_logits, None

    def generator_spec(self, latent_dim: int):
        """Symbolic input of G (for its output shape)."""
        return keras.KerasTensor((None, int(latent_dim)))


def _has_labels(x, args, kwargs) -> bool:
    """Whether ``fit``'s data carries a second element (labels): ``y``,
    an ``(x, y)`` tuple, or a dataset of such tuples."""
    if (args and args[0] is not None) or kwargs.get("y") is not None:
        return True
    if isinstance(x, tf.data.Dataset):
        spec = x.element_spec
        return isinstance(spec, tuple) and len(spec) > 1 and spec[1] is not None
    return isinstance(x, tuple) and len(x) > 1 and x[1] is not None
