"""Data sets: toy Gaussian mixtures (ring, grid) as seeded, infinite,
step-indexed ``tf.data`` pipelines, and scikit-learn's bundled 8x8 digits.

A toy pipeline's batch ``i`` is a pure function of ``(seed, i)`` (stateless
Philox draws, ``keras_gans.rng``), so resuming at step ``s`` is exactly
``toy_dataset(..., start_step=s)``: the data RNG state is the step counter.
"""

import dataclasses
import math

import numpy as np
import tensorflow as tf

from keras_gans import rng

__all__ = [
    "DIGITS_SPLITS",
    "Mixture",
    "TOY_DATASETS",
    "digits",
    "mixture",
    "toy_dataset",
    "sample_mixture",
]


@dataclasses.dataclass(frozen=True)
class Mixture:
    """An equal-weight isotropic Gaussian mixture in 2-D.

    Attributes:
        name: data set name.
        centres: float32 array ``[K, 2]``.
        sigma: standard deviation of every component.
    """

    name: str
    centres: np.ndarray
    sigma: float

    @property
    def num_modes(self) -> int:
        return len(self.centres)


def _ring(radius, sigma, name, modes=8):
    angles = 2 * math.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return Mixture(name, centres.astype(np.float32), sigma)


def _grid(sigma=0.05):
    ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    centres = np.stack(np.meshgrid(ticks, ticks, indexing="ij"), -1).reshape(
        -1, 2
    )
    return Mixture("grid", centres.astype(np.float32), sigma)


TOY_DATASETS = {
    # PacGAN protocol: 8 modes at 2 pi i / 8 on the unit circle.
    "ring": _ring(1.0, 0.01, "ring"),
    # Thanh-Tung & Tran's variant (radius 2, sigma 0.02).
    "ring_paper": _ring(2.0, 0.02, "ring_paper"),
    # 25 modes on {-4, -2, 0, 2, 4}^2.
    "grid": _grid(0.05),
}


def mixture(name: str) -> Mixture:
    """The toy mixture called ``name``.

    Raises:
        ValueError: ``name`` is not a toy data set.
    """
    if name not in TOY_DATASETS:
        raise ValueError(
            f"Unknown toy data set {name!r}. "
            f"Valid: {', '.join(sorted(TOY_DATASETS))}."
        )
    return TOY_DATASETS[name]


def sample_mixture(mix: Mixture, n, seed) -> tf.Tensor:
    """``n`` samples of ``mix`` from a stateless seed (shape ``[2]``)."""
    mode_seed, noise_seed = tf.unstack(rng.split_seed(seed, 2))
    raw = rng.bits([n], mode_seed)
    modes = tf.cast(raw % mix.num_modes, tf.int32)
    centres = tf.gather(tf.constant(mix.centres), modes)
    return centres + mix.sigma * rng.normal([n, 2], noise_seed)


def toy_dataset(
    name: str, batch_size: int, seed: int, start_step: int = 0
) -> tf.data.Dataset:
    """Infinite pipeline of ``[batch_size, 2]`` batches; batch ``i`` depends
    only on ``(seed, i)``, and the first batch is batch ``start_step``.

    Args:
        name: ``ring``, ``ring_paper`` or ``grid``.
        batch_size: samples per batch (> 0).
        seed: integer seed.
        start_step: index of the first batch (for resuming).
    """
    mix = mixture(name)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    base = tf.constant([int(seed), 0x5EED], tf.int64)

    def batch(step):
        return sample_mixture(mix, batch_size, rng.fold_in(base, step))

    return (
        tf.data.Dataset.counter(start=int(start_step), dtype=tf.int64)
        .map(batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


DIGITS_SPLITS = ("train", "test", "all")
# The held-out split: a fixed permutation of the 1797 digits, last 20 %.
_DIGITS_TEST_FRACTION = 0.2
_DIGITS_SPLIT_SEED = 20_180_922


def digits(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits (offline).

    The 1797 images are split once, by a fixed permutation, into ``train``
    (80 %) and ``test`` (20 %, held out for classifiers and Frechet
    distances); ``all`` is every image in the original order.

    Args:
        split: ``train``, ``test`` or ``all``.

    Returns:
        ``(images, labels)``: float32 ``[n, 8, 8, 1]`` in ``[-1, 1]`` (pixel
        values 0..16 mapped linearly) and int32 ``[n]`` classes 0..9.

    Raises:
        ValueError: unknown ``split``.
    """
    if split not in DIGITS_SPLITS:
        raise ValueError(
            f"Unknown digits split {split!r}. "
            f"Valid: {', '.join(DIGITS_SPLITS)}."
        )
    from sklearn import datasets as sk_datasets

    bunch = sk_datasets.load_digits()
    images = (bunch.images.astype(np.float32) / 8.0 - 1.0)[..., None]
    labels = bunch.target.astype(np.int32)
    if split == "all":
        return images, labels
    order = np.random.RandomState(_DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = int(round(_DIGITS_TEST_FRACTION * len(labels)))
    index = order[-n_test:] if split == "test" else order[:-n_test]
    return images[index], labels[index]
