"""What the data sets are: the image shapes, the labelled sets, the number
of classes and the training data's label frequencies."""

from typing import Optional

import numpy as np

from keras_gans.data.digit_images import digits
from keras_gans.data.pipeline import first
from keras_gans.data.toy import TOY_DATASETS

__all__ = [
    "IMAGE_DATASETS",
    "LABELLED",
    "TFDS_CLIP_DATASETS",
    "TFDS_DATASETS",
    "image_shape",
    "label_frequencies",
    "num_classes",
]

# name -> image shape [H, W, C] of the training pipeline.
IMAGE_DATASETS = {
    "digits": (8, 8, 1),
    "stacked_digits": (8, 8, 3),
    "mnist": (28, 28, 1),
    "cifar10": (32, 32, 3),
    "celeb_a": (64, 64, 3),
}
TFDS_DATASETS = ("mnist", "cifar10", "celeb_a")
# Recorded clips loaded through the same tfds path (keras_gans.moving_digits).
TFDS_CLIP_DATASETS = ("moving_mnist",)
# The data sets with class labels (``labels=True``, conditional training).
LABELLED = (*TOY_DATASETS, "digits", "stacked_digits", "mnist", "cifar10")


def image_shape(name: str) -> tuple:
    """``(H, W, C)`` of the image data set ``name``.

    Raises:
        ValueError: ``name`` is not an image data set.
    """
    if name not in IMAGE_DATASETS:
        raise ValueError(
            f"Unknown image data set {name!r}. "
            f"Valid: {', '.join(IMAGE_DATASETS)}."
        )
    return IMAGE_DATASETS[name]


def label_frequencies(
    name: str, examples: Optional[int] = None
) -> np.ndarray:
    """The class frequencies of the training data of ``name``: uniform for
    the toy mixtures (equal-weight modes), the ``train`` split's (its first
    ``examples`` images when given, as ``image_dataset`` trains on) for
    digits, their triple product for stacked digits (independent
    channels).

    Raises:
        ValueError: a data set without labels or a tfds set (whose
            frequencies would need a pass over the data).
    """
    k = num_classes(name)
    if name in TOY_DATASETS:
        return np.full(k, 1.0 / k)
    if name in ("digits", "stacked_digits"):
        (labels,) = first(
            digits("train")[1:], examples, "the digits 'train' split"
        )
        p = np.bincount(labels, minlength=10) / len(labels)
        if name == "digits":
            return p
        return np.einsum("i,j,k->ijk", p, p, p).reshape(-1)
    raise ValueError(
        f"The label frequencies of {name!r} are not tabulated; use uniform "
        "fake labels."
    )


def num_classes(name: str) -> int:
    """The number of label classes of data set ``name`` (toy: its modes;
    digits: 10; stacked digits: 1000; MNIST, CIFAR-10: 10).

    Raises:
        ValueError: ``name`` is unknown or has no labels (CelebA).
    """
    if name in TOY_DATASETS:
        return TOY_DATASETS[name].num_modes
    known = {"digits": 10, "stacked_digits": 1000, "mnist": 10, "cifar10": 10}
    if name in known:
        return known[name]
    if name in IMAGE_DATASETS:
        raise ValueError(
            f"The data set {name!r} has no class labels; labelled (and "
            f"conditional) training needs one of {', '.join(LABELLED)}."
        )
    raise ValueError(
        f"Unknown data set {name!r}. Valid: "
        f"{', '.join([*TOY_DATASETS, *IMAGE_DATASETS])}."
    )
