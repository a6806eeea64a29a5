"""The toy Gaussian mixtures in 2-D (ring, ring_paper, grid) and their
seeded, step-indexed pipelines."""

import dataclasses
import math

import numpy as np
import tensorflow as tf

from keras_gans import rng
from keras_gans.data.pipeline import pick, step_indexed

__all__ = [
    "TOY_DATASETS",
    "Mixture",
    "mixture",
    "sample_mixture",
    "sample_mixture_labelled",
    "toy_dataset",
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
