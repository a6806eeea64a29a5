"""Data sets: toy Gaussian mixtures (ring, grid) as seeded, infinite,
step-indexed ``tf.data`` pipelines; scikit-learn's bundled 8x8 digits and
stacked digits (offline); MNIST, CIFAR-10 and CelebA through
tensorflow-datasets.

A toy, digits or stacked-digits pipeline's batch ``i`` is a pure function of
``(seed, i)`` (stateless Philox draws, ``keras_gans.rng``), so resuming at
step ``s`` is exactly ``..._dataset(..., start_step=s)``: the data RNG state
is the step counter. Every image is float32 ``[H, W, C]`` in ``[-1, 1]``.

Labels: with ``labels=True`` a pipeline yields ``(x, label)`` batches, the
label int32 ``[batch]``: the digit (0..9) for digits, the three-digit label
``100 * l0 + 10 * l1 + l2`` (0..999) for stacked digits, the index of the
mode each sample was drawn from for the toy mixtures, the data set's
``label`` feature for MNIST and CIFAR-10 (CelebA has none); stacked
digits also give their per-channel digits (``labels="channels"``). The
samples are the same draws as without labels (the label is read from the
same random numbers), so ``labels=True`` changes nothing else.
``num_classes(name)`` is the number of classes.
"""

import dataclasses
import math
import os
from typing import Optional, Union

import numpy as np
import tensorflow as tf

from keras_gans import rng

__all__ = [
    "DIGITS_SPLITS",
    "IMAGE_DATASETS",
    "LABELLED",
    "Mixture",
    "TFDS_DATASETS",
    "TOY_DATASETS",
    "DataNotAvailableError",
    "digits",
    "digits_dataset",
    "image_dataset",
    "image_shape",
    "stacked_digits",
    "stacked_digits_sample",
    "tfds_images",
    "tfds_builder",
    "step_indexed",
    "mixture",
    "label_frequencies",
    "num_classes",
    "toy_dataset",
    "sample_mixture",
    "sample_mixture_labelled",
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
        lambda seed_i: _pick(
            sample_mixture_labelled(mix, batch_size, seed_i), labels
        ),
        seed,
        "data/" + name,
        start_step,
    )


def _pick(drawn, labels):
    """``x``, ``(x, label)`` or, ``labels="channels"``, ``(x, digits)``
    from ``drawn = (x, label[, digits])``."""
    if labels == "channels":
        return drawn[0], drawn[2]
    return (drawn[0], drawn[1]) if labels else drawn[0]


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
        (labels,) = _first(
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


def step_indexed(draw, seed, stream, start_step):
    """The infinite pipeline whose batch ``i`` is ``draw(s_i)``, ``s_i`` the
    stateless seed ``fold_in(rng.stream(seed, stream), i)``, starting at
    batch ``start_step``: a pure function of ``(seed, i)``, so resuming is
    exact."""
    base = rng.stream(int(seed), stream)
    return (
        tf.data.Dataset.counter(start=int(start_step), dtype=tf.int64)
        .map(
            lambda step: draw(rng.fold_in(base, step)),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
        .prefetch(tf.data.AUTOTUNE)
    )


DIGITS_SPLITS = ("train", "test", "all")
# The held-out split: a fixed permutation of the 1797 digits, last 20 %.
_DIGITS_TEST_FRACTION = 0.2
_DIGITS_SPLIT_SEED = 20_180_922
# scikit-learn's 1797 digits: the held-out fifth, and the rest.
_DIGITS_COUNT = 1797
_DIGITS_TEST_SIZE = int(round(_DIGITS_TEST_FRACTION * _DIGITS_COUNT))
DIGITS_TRAIN_SIZE = _DIGITS_COUNT - _DIGITS_TEST_SIZE


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


# ------------------------------------------------------------------ images

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
_CELEB_A_SIZE = 64


class DataNotAvailableError(FileNotFoundError):
    """A tensorflow-datasets data set is not prepared under its data_dir."""


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


def _check_batch(batch_size):
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")


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


def _check_examples(examples, available, what):
    """Raises ValueError unless ``examples`` is an integer in [1,
    ``available``] (``what``: the set it counts, for the message)."""
    if int(examples) != examples or not 1 <= examples <= available:
        raise ValueError(
            f"examples must be an integer in [1, {available}] (the size of "
            f"{what}), got {examples}."
        )


def _first(arrays, examples, what):
    """The first ``examples`` rows of ``arrays`` (all of them for None)."""
    if examples is None:
        return arrays
    _check_examples(examples, len(arrays[0]), what)
    return tuple(a[: int(examples)] for a in arrays)


def _digits_pipeline(
    split, batch_size, seed, start_step, channels, stream, with_labels,
    examples,
):
    _check_batch(batch_size)
    images, labels = _first(
        digits(split), examples, f"the digits {split!r} split"
    )
    images, labels = tf.constant(images), tf.constant(labels)
    return step_indexed(
        lambda seed_i: _pick(
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
    _check_batch(n)
    images, labels = digits(split)
    x, y, _ = _draw_digits(
        tf.constant(images),
        tf.constant(labels),
        int(n),
        rng.stream(int(seed), f"data/digits_sample/{channels}/{split}"),
        int(channels),
    )
    return x.numpy(), y.numpy()


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

    ``digits`` and ``stacked_digits`` are the offline step-indexed pipelines
    above (``data_dir`` is ignored). The tfds sets repeat the ``train``
    split, shuffle it with a ``shuffle_buffer`` buffer seeded by ``seed``
    and batch it (``drop_remainder``; the buffer is at most the split's
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
    _check_batch(batch_size)
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
            _check_examples(examples, size, f"{name}'s train split")
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
