"""The training pipeline of an image data set, whatever its source."""

from typing import Optional

import tensorflow as tf

from keras_gans.data.catalogue import image_shape
from keras_gans.data.digit_images import digits_dataset, stacked_digits
from keras_gans.data.pipeline import check_batch, check_examples
from keras_gans.data.tfds_sets import tfds_images

__all__ = ["image_dataset"]


def image_dataset(
    name: str,
    batch_size: int,
    seed: int,
    start_step: int = 0,
    data_dir: Optional[str] = None,
    download: bool = False,
    shuffle_buffer: int = 10_000,
    labels: bool = False,
    examples: Optional[int] = None,
) -> tf.data.Dataset:
    """Infinite training pipeline of ``[batch_size, H, W, C]`` images.

    ``digits`` and ``stacked_digits`` are the offline step-indexed
    pipelines of ``keras_gans.data.digit_images`` (``data_dir`` is
    ignored). The tfds sets repeat the ``train`` split, shuffle it with a
    ``shuffle_buffer`` buffer seeded by ``seed`` and batch it
    (``drop_remainder``; the buffer is at most the split's
    size); resuming at ``start_step`` skips
    that many batches of the same seeded stream, so it is exact too (but
    reads through the skipped batches). ``labels``: yield ``(images,
    labels)`` batches (see the module docstring). ``examples``: train on
    only the first ``examples`` images of the ``train`` split (the
    small-data case; None: all of them).

    Raises:
        ValueError: unknown ``name``, or ``examples`` outside [1, the
            split's size].
        DataNotAvailableError: see ``tfds_images``.
    """
    image_shape(name)
    check_batch(batch_size)
    if name == "digits":
        return digits_dataset(
            batch_size, seed, start_step=start_step, labels=labels,
            examples=examples,
        )
    if name == "stacked_digits":
        return stacked_digits(
            batch_size, seed, start_step=start_step, labels=labels,
            examples=examples,
        )
    ds = tfds_images(name, "train", data_dir, download, labels=labels)
    if examples is not None:
        size = int(ds.cardinality().numpy())
        if size > 0:
            check_examples(examples, size, f"{name}'s train split")
        ds = ds.take(int(examples))
    size = int(ds.cardinality().numpy())
    if size > 0:  # no bigger buffer than the data set
        shuffle_buffer = min(shuffle_buffer, size)
    return (
        ds.repeat()
        .shuffle(shuffle_buffer, seed=int(seed), reshuffle_each_iteration=True)
        .batch(int(batch_size), drop_remainder=True)
        .skip(int(start_step))
        .prefetch(tf.data.AUTOTUNE)
    )
