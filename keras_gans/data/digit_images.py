"""scikit-learn's bundled 8x8 digits (offline) with their fixed held-out
split, and the digits and stacked-digits pipelines drawn from them."""

from typing import Optional, Union

import numpy as np
import tensorflow as tf

from keras_gans import rng
from keras_gans.data.catalogue import DIGITS_COUNT, DIGITS_TRAIN_SIZE
from keras_gans.data.pipeline import check_batch, first, pick, step_indexed

__all__ = [
    "DIGITS_SPLITS",
    "DIGITS_TRAIN_SIZE",
    "digits",
    "digits_dataset",
    "stacked_digits",
    "stacked_digits_sample",
]


DIGITS_SPLITS = ("train", "test", "all")
# The held-out split: a fixed permutation of the 1797 digits, last 20 %.
_DIGITS_SPLIT_SEED = 20_180_922
_DIGITS_TEST_SIZE = DIGITS_COUNT - DIGITS_TRAIN_SIZE


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
    n_test = _DIGITS_TEST_SIZE
    index = order[-n_test:] if split == "test" else order[:-n_test]
    return images[index], labels[index]


def _draw_digits(images, labels, n, seed, channels):
    """``n`` images whose ``channels`` channels are independent uniform
    draws (with replacement) from ``images [N, 8, 8, 1]``, their labels
    ``sum_c labels_c * 10**(channels - 1 - c)`` and the channels' digits
    ``[n, channels]``."""
    raw = rng.bits([n, channels], seed)
    index = tf.cast(raw % tf.constant(len(labels), tf.uint32), tf.int32)
    picked = tf.gather(images, index)  # [n, C, 8, 8, 1]
    stacked = tf.transpose(picked[..., 0], [0, 2, 3, 1])  # [n, 8, 8, C]
    digit = tf.gather(labels, index)  # [n, C]
    powers = tf.constant(
        [10 ** (channels - 1 - c) for c in range(channels)], tf.int32
    )
    return stacked, tf.reduce_sum(digit * powers, axis=1), digit


def _digits_pipeline(
    split, batch_size, seed, start_step, channels, stream, with_labels,
    examples,
):
    check_batch(batch_size)
    images, labels = first(
        digits(split), examples, f"the digits {split!r} split"
    )
    images, labels = tf.constant(images), tf.constant(labels)
    return step_indexed(
        lambda seed_i: pick(
            _draw_digits(images, labels, batch_size, seed_i, channels),
            with_labels,
        ),
        seed,
        f"{stream}/{split}",
        start_step,
    )


def digits_dataset(
    batch_size: int,
    seed: int,
    split: str = "train",
    start_step: int = 0,
    labels: bool = False,
    examples: Optional[int] = None,
) -> tf.data.Dataset:
    """Infinite pipeline of ``[batch_size, 8, 8, 1]`` digits in [-1, 1].

    Each batch is drawn uniformly with replacement from ``digits(split)``
    (its first ``examples`` images when given: the small-data case);
    batch ``i`` depends only on ``(seed, i)``, and the first batch is batch
    ``start_step`` (for resuming). ``labels``: yield ``(images, digits)``
    (int32 0..9).
    """
    return _digits_pipeline(
        split, batch_size, seed, start_step, 1, "data/digits", labels,
        examples,
    )


def stacked_digits(
    batch_size: int,
    seed: int,
    split: str = "train",
    start_step: int = 0,
    labels: Union[bool, str] = False,
    examples: Optional[int] = None,
) -> tf.data.Dataset:
    """Infinite pipeline of stacked digits ``[batch_size, 8, 8, 3]``.

    Each sample stacks three digits, drawn independently and uniformly with
    replacement from ``digits(split)`` (its first ``examples`` images when
    given), as its three channels (the
    offline analogue of stacked MNIST: 10^3 = 1000 modes, the label
    ``100 * l0 + 10 * l1 + l2``). Batch ``i`` depends only on ``(seed, i)``;
    the first batch is batch ``start_step``. ``labels``: yield ``(images,
    labels)`` (int32 0..999); ``labels="channels"``: ``(images, digits)``,
    the per-channel digits int32 ``[batch_size, 3]``.
    """
    return _digits_pipeline(
        split, batch_size, seed, start_step, 3, "data/stacked_digits", labels,
        examples,
    )


def stacked_digits_sample(
    n: int, seed: int, split: str = "test", channels: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` stacked digits and their labels as arrays (seeded).

    Args:
        n: number of samples.
        seed: integer seed.
        split: digits split the channels are drawn from (``test``: the
            held-out digits).
        channels: digits per sample (3: 1000 modes).

    Returns:
        ``(images, labels)``: float32 ``[n, 8, 8, channels]`` in [-1, 1] and
        int32 ``[n]`` in ``[0, 10**channels)``.
    """
    check_batch(n)
    images, labels = digits(split)
    x, y, _ = _draw_digits(
        tf.constant(images),
        tf.constant(labels),
        int(n),
        rng.stream(int(seed), f"data/digits_sample/{channels}/{split}"),
        int(channels),
    )
    return x.numpy(), y.numpy()
