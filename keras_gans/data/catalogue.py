"""What the data sets are: the toy mixtures, the image shapes, the clip
sets' sizes, the labelled sets, the number of classes and the training
data's label frequencies.

Facts only, without TensorFlow (it loads when ``label_frequencies`` reads
the digits): the configs and the binaries' flag checks read them before
TensorFlow starts.
"""

import dataclasses
import math
from typing import Optional

import numpy as np

__all__ = [
    "CLIP_DATASETS",
    "DIGITS_COUNT",
    "DIGITS_TRAIN_SIZE",
    "IMAGE_DATASETS",
    "LABELLED",
    "TFDS_CLIP_DATASETS",
    "TFDS_DATASETS",
    "TOY_DATASETS",
    "MAX_DIGITS",
    "Mixture",
    "check_clips",
    "clip_shape",
    "default_frame_size",
    "image_shape",
    "label_frequencies",
    "mixture",
    "num_classes",
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


# scikit-learn's 1797 digits (data.digit_images splits off a held-out
# fifth by a fixed permutation; the rest is the train split).
DIGITS_COUNT = 1797
DIGITS_TEST_FRACTION = 0.2
DIGITS_TRAIN_SIZE = DIGITS_COUNT - int(
    round(DIGITS_TEST_FRACTION * DIGITS_COUNT)
)

# name -> (default frame size, digit size, tfds source or None)
CLIP_DATASETS = {
    "moving_digits": (32, 8, None),
    "moving_mnist_generated": (64, 28, "mnist"),
}
MAX_DIGITS = 2


def check_clips(name, frames, frame_size, num_digits):
    if name not in CLIP_DATASETS:
        raise ValueError(
            f"Unknown clip data set {name!r}. "
            f"Valid: {', '.join(CLIP_DATASETS)}."
        )
    digit = CLIP_DATASETS[name][1]
    if int(frames) != frames or frames < 2:
        raise ValueError(
            f"frames must be an integer >= 2 (--frames), got {frames}."
        )
    if int(frame_size) != frame_size or frame_size <= digit:
        raise ValueError(
            f"frame_size must be an integer above the digits' size "
            f"({digit} for {name}; --frame_size), got {frame_size}."
        )
    if num_digits not in range(1, MAX_DIGITS + 1):
        raise ValueError(
            f"num_digits (--moving_digits) must be 1 or 2, got {num_digits}."
        )


def default_frame_size(name, frame_size):
    """``frame_size``, or the data set's default when None (0 for an
    unknown name, which ``check_clips`` then names)."""
    return frame_size or CLIP_DATASETS.get(name, (0,))[0]


def clip_shape(name: str, frames: int = 16, frame_size: Optional[int] = None):
    """``(T, H, W, 1)`` of the clips of ``name`` (``frame_size`` None: the
    data set's default)."""
    frame_size = default_frame_size(name, frame_size)
    check_clips(name, frames, frame_size, 1)
    return (int(frames), int(frame_size), int(frame_size), 1)

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
        from keras_gans.data.digit_images import digits  # TensorFlow
        from keras_gans.data.pipeline import first

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
