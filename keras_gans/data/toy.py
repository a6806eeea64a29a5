"""The seeded, step-indexed pipelines of the toy Gaussian mixtures in 2-D
(ring, ring_paper, grid; ``catalogue`` defines them)."""

import tensorflow as tf

from keras_gans import rng
from keras_gans.data.catalogue import (  # noqa: F401 - re-exported
    TOY_DATASETS,
    Mixture,
    mixture,
)
from keras_gans.data.pipeline import pick, step_indexed

__all__ = [
    "TOY_DATASETS",
    "Mixture",
    "mixture",
    "sample_mixture",
    "sample_mixture_labelled",
    "toy_dataset",
]


def sample_mixture_labelled(mix: Mixture, n, seed):
    """``(samples [n, 2], modes [n] int32)``: ``n`` samples of ``mix`` from
    a stateless seed (shape ``[2]``) and the index of the mode each was
    drawn from."""
    mode_seed, noise_seed = tf.unstack(rng.split_seed(seed, 2))
    raw = rng.bits([n], mode_seed)
    modes = tf.cast(raw % mix.num_modes, tf.int32)
    centres = tf.gather(tf.constant(mix.centres), modes)
    return centres + mix.sigma * rng.normal([n, 2], noise_seed), modes


def sample_mixture(mix: Mixture, n, seed) -> tf.Tensor:
    """``n`` samples of ``mix`` from a stateless seed (shape ``[2]``)."""
    return sample_mixture_labelled(mix, n, seed)[0]


def toy_dataset(
    name: str,
    batch_size: int,
    seed: int,
    start_step: int = 0,
    labels: bool = False,
) -> tf.data.Dataset:
    """Infinite pipeline of ``[batch_size, 2]`` batches; batch ``i`` depends
    only on ``(seed, i)``, and the first batch is batch ``start_step``.

    Args:
        name: ``ring``, ``ring_paper`` or ``grid``.
        batch_size: samples per batch (> 0).
        seed: integer seed.
        start_step: index of the first batch (for resuming).
        labels: yield ``(samples, modes)``, ``modes`` the int32 index of
            each sample's mode (the same samples as without labels).
    """
    mix = mixture(name)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    return step_indexed(
        lambda seed_i: pick(
            sample_mixture_labelled(mix, batch_size, seed_i), labels
        ),
        seed,
        "data/" + name,
        start_step,
    )
