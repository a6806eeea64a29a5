"""MNIST, CIFAR-10 and CelebA (and the recorded moving MNIST) through
tensorflow-datasets: prepared data only, unless a download is asked for,
with a clear error naming the fix otherwise."""

import os
from typing import Optional

import tensorflow as tf

from keras_gans.data.catalogue import (
    IMAGE_DATASETS,
    TFDS_CLIP_DATASETS,
    TFDS_DATASETS,
    num_classes,
)

__all__ = ["DataNotAvailableError", "tfds_builder", "tfds_images"]

# The side CelebA is resized to: its training shape.
_CELEB_A_SIZE = IMAGE_DATASETS["celeb_a"][0]


class DataNotAvailableError(FileNotFoundError):
    """A tensorflow-datasets data set is not prepared under its data_dir."""


def tfds_builder(name, data_dir, download):
    """The prepared tfds builder of ``name``; ``DataNotAvailableError``,
    with how to supply the data, when it is not prepared and ``download``
    is off."""
    import tensorflow_datasets as tfds

    if name not in (*TFDS_DATASETS, *TFDS_CLIP_DATASETS):
        raise ValueError(
            f"Unknown tfds data set {name!r}. "
            f"Valid: {', '.join((*TFDS_DATASETS, *TFDS_CLIP_DATASETS))}."
        )
    data_dir = os.path.expanduser(os.fspath(data_dir)) if data_dir else None
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        if not download:
            where = data_dir or os.fspath(builder.data_dir_root)
            raise DataNotAvailableError(
                f"The tensorflow-datasets data set {name!r} is not prepared "
                f"under {where} (looked for {builder.data_dir}), and no "
                "download was asked for. On a machine with network access "
                f"run `tfds build {name} --data_dir=DIR` (or "
                f"`tfds.builder({name!r}, data_dir=DIR)"
                ".download_and_prepare()`), copy DIR here and pass "
                "--data_dir=DIR (data_dir=DIR in Python); or pass "
                "--download_data (download=True) where the network is "
                "reachable."
            )
        builder.download_and_prepare()
    return builder


def _to_unit_range(image, name):
    """uint8 image -> float32 in [-1, 1]; CelebA centre-cropped to a square
    (178 x 178 of 218 x 178) and resized to 64 x 64 (area averaging)."""
    image = tf.cast(image, tf.float32)
    if name == "celeb_a":
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        side = tf.minimum(height, width)
        image = tf.image.crop_to_bounding_box(
            image, (height - side) // 2, (width - side) // 2, side, side
        )
        image = tf.image.resize(
            image, [_CELEB_A_SIZE, _CELEB_A_SIZE], method="area"
        )
    return image / 127.5 - 1.0


def tfds_images(
    name: str,
    split: str = "train",
    data_dir: Optional[str] = None,
    download: bool = False,
    labels: bool = False,
) -> tf.data.Dataset:
    """A tfds image data set as a finite pipeline of single images.

    Images are float32 ``IMAGE_DATASETS[name]`` in [-1, 1] (pixels ``/ 127.5
    - 1``), in the data set's stored order; labels are dropped unless
    ``labels`` (then ``(image, label)`` pairs, the int32 ``label`` feature;
    MNIST and CIFAR-10 only).

    Args:
        name: ``mnist``, ``cifar10`` or ``celeb_a``.
        split: a tfds split (``train``, ``test``, ...).
        data_dir: the tfds data directory (default: tfds' own,
            ``~/tensorflow_datasets`` or ``$TFDS_DATA_DIR``).
        download: download and prepare the data if it is not there. Off by
            default, so that a machine without network fails at once.

    Raises:
        DataNotAvailableError: the data is not prepared under ``data_dir``
            and ``download`` is False (raised within seconds, no network
            access is attempted); the message says how to supply it.
        ValueError: unknown ``name``.
    """
    if labels:
        num_classes(name)  # CelebA: a ValueError naming the problem
    builder = tfds_builder(name, data_dir, download)
    ds = builder.as_dataset(split=split, shuffle_files=False)

    def convert(example):
        image = _to_unit_range(example["image"], name)
        if labels:
            return image, tf.cast(example["label"], tf.int32)
        return image

    return ds.map(
        convert,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
