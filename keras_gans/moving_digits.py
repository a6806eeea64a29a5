"""Moving digits: clips of digits that move and bounce, generated offline.

The generator follows Srivastava, Mansimov & Salakhutdinov, "Unsupervised
Learning of Video Representations using LSTMs" (ICML 2015), whose Moving
MNIST is made, not recorded: each digit starts at a uniform position of
the canvas, moves in a uniform direction at ``STEP_LENGTH`` (0.1) of the
canvas per frame and bounces off the edges (the velocity component is
negated and the position clamped to the edge); positions are scaled to the
``frame_size - digit_size`` canvas and truncated to pixels, the step is
taken before each frame is recorded, and overlapping digits combine by
their pixel-wise maximum.

``--dataset=moving_digits`` uses scikit-learn's 8x8 digits (offline) in
32 x 32 frames by default; ``moving_mnist_generated`` the same generator on
tfds MNIST's 28 x 28 digits in 64 x 64 frames (Srivastava et al.'s sizes).
The training clips draw their digits from the ``train`` split and the
held-out clips from the ``test`` split (for MNIST, tfds' ``train`` and
``test``), so the two never share a source digit. A clip is float32
``[frames, frame_size, frame_size, 1]`` in ``[-1, 1]`` (background -1).

Batch ``i`` of a pipeline is a pure function of ``(seed, i)`` through the
named stream ``data/moving_digits/<split>`` (``keras_gans.rng``), so a
resumed run sees the batches it would have seen. The tfds ``moving_mnist``
set (10,000 recorded test sequences of 20 frames of 64 x 64) loads through
``tfds_moving_mnist``.
"""

from typing import Optional

import numpy as np
import tensorflow as tf

from keras_gans import data, rng
from keras_gans.data.catalogue import (  # noqa: F401 - re-exported
    CLIP_DATASETS,
    MAX_DIGITS,
    check_clips as _check,
    clip_shape,
    default_frame_size as _frame_size,
)

__all__ = [
    "CLIP_DATASETS",
    "STEP_LENGTH",
    "clip_dataset",
    "clip_shape",
    "clips_sample",
    "render",
    "source_digits",
    "tfds_moving_mnist",
    "trajectories",
]

STEP_LENGTH = 0.1
def trajectories(n, frames, canvas, seed, num_digits=1):
    """Srivastava et al.'s bouncing trajectories as pixel positions.

    Args:
        n: clips.
        frames: frames per clip.
        canvas: the positions' range, ``frame_size - digit_size``.
        seed: a stateless seed (``keras_gans.rng``).
        num_digits: digits per clip.

    Returns:
        int32 ``[n, num_digits, frames, 2]``: each digit's top-left corner
        ``(row, column)`` in ``[0, canvas]`` per frame.
    """
    u = rng.uniform([3, n, num_digits], seed)  # (0, 1]
    y, x = 1.0 - u[0], 1.0 - u[1]  # [0, 1)
    theta = u[2] * (2.0 * np.pi)
    vy, vx = tf.sin(theta), tf.cos(theta)
    rows, cols = [], []
    for _ in range(int(frames)):
        y, x = y + vy * STEP_LENGTH, x + vx * STEP_LENGTH
        vy = tf.where((y <= 0.0) | (y >= 1.0), -vy, vy)
        vx = tf.where((x <= 0.0) | (x >= 1.0), -vx, vx)
        y, x = tf.clip_by_value(y, 0.0, 1.0), tf.clip_by_value(x, 0.0, 1.0)
        rows.append(y)
        cols.append(x)
    position = tf.stack([tf.stack(rows, -1), tf.stack(cols, -1)], -1)
    return tf.cast(float(canvas) * position, tf.int32)


def render(digits, positions, frame_size):
    """Pastes digits into frames.

    Args:
        digits: float ``[n, k, d, d]`` intensities in [0, 1].
        positions: int32 ``[n, k, T, 2]`` top-left corners (``trajectories``).
        frame_size: the frames' side ``S``.

    Returns:
        float32 ``[n, T, S, S, 1]`` in [-1, 1]: each pixel the maximum over
        the digits covering it (0 intensity, i.e. -1, where none does).
    """
    digits = tf.convert_to_tensor(digits, tf.float32)
    size = digits.shape[-1]
    grid = tf.range(int(frame_size), dtype=tf.int32)
    # Offsets of every frame pixel inside each digit: [n, k, T, S].
    dy = grid - positions[..., 0:1]
    dx = grid - positions[..., 1:2]
    inside_y = (dy >= 0) & (dy < size)
    inside_x = (dx >= 0) & (dx < size)
    dy = tf.clip_by_value(dy, 0, size - 1)
    dx = tf.clip_by_value(dx, 0, size - 1)
    # digits[n, k, dy[n, k, t, i], :] -> [n, k, T, S, d]
    by_row = tf.gather(digits, dy, axis=2, batch_dims=2)
    # ... then [..., dx[n, k, t, j]] -> [n, k, T, S, S]
    pasted = tf.gather(by_row, dx, axis=4, batch_dims=3)
    mask = inside_y[..., :, None] & inside_x[..., None, :]
    pasted = tf.where(mask, pasted, 0.0)
    frame = tf.reduce_max(pasted, axis=1)  # [n, T, S, S]
    return (2.0 * frame - 1.0)[..., None]


def source_digits(name, split, data_dir=None, download=False):
    """``(intensities [N, d, d] in [0, 1], labels [N])`` of the digits that
    ``name``'s clips of ``split`` (``train`` or ``test``) are made of."""
    _check(name, 2, _frame_size(name, None), 1)
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    source = CLIP_DATASETS[name][2]
    if source is None:
        images, labels = data.digits(split)
    else:
        pairs = data.tfds_images(source, split, data_dir, download, labels=True)
        images, labels = [], []
        for image, label in pairs.as_numpy_iterator():
            images.append(image)
            labels.append(label)
        images, labels = np.stack(images), np.asarray(labels, np.int32)
    return (images[..., 0] + 1.0) / 2.0, labels


def _draw(digits, labels, n, seed, frames, frame_size, num_digits):
    """``(clips, digit labels [n, k])`` of one batch (see ``render``)."""
    pick, motion = tf.unstack(rng.split_seed(seed, 2))
    raw = rng.bits([n, num_digits], pick)
    index = tf.cast(raw % tf.constant(len(labels), tf.uint32), tf.int32)
    canvas = int(frame_size) - int(digits.shape[-1])
    positions = trajectories(n, frames, canvas, motion, num_digits)
    clips = render(tf.gather(digits, index), positions, frame_size)
    return clips, tf.gather(labels, index), positions


def clip_dataset(
    name: str,
    batch_size: int,
    seed: int,
    split: str = "train",
    start_step: int = 0,
    frames: int = 16,
    frame_size: Optional[int] = None,
    num_digits: int = 1,
    data_dir: Optional[str] = None,
    download: bool = False,
    labels: bool = False,
) -> tf.data.Dataset:
    """Infinite pipeline of ``[batch_size, T, S, S, 1]`` moving-digit clips.

    Batch ``i`` depends only on ``(seed, i)``; the first batch is batch
    ``start_step``. ``labels``: yield ``(clips, digits)``, the int32
    ``[batch_size, num_digits]`` source digits' classes.

    Raises:
        ValueError: an unknown name, bad sizes or split.
        data.DataNotAvailableError: ``moving_mnist_generated`` without
            tfds MNIST under ``data_dir``.
    """
    frame_size = _frame_size(name, frame_size)
    _check(name, frames, frame_size, num_digits)
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    images, classes = source_digits(name, split, data_dir, download)
    images, classes = tf.constant(images), tf.constant(classes)

    def draw(seed_i):
        clips, digit, _ = _draw(
            images, classes, int(batch_size), seed_i, frames, frame_size,
            num_digits,
        )
        return (clips, digit) if labels else clips

    return data.step_indexed(
        draw, seed, f"data/{name}/{split}", start_step
    )


def clips_sample(
    name: str,
    n: int,
    seed: int,
    split: str = "test",
    frames: int = 16,
    frame_size: Optional[int] = None,
    num_digits: int = 1,
    data_dir: Optional[str] = None,
    download: bool = False,
):
    """``n`` clips as arrays (held-out digits by default).

    Returns:
        ``(clips [n, T, S, S, 1], digits [n, k], positions [n, k, T, 2])``.
    """
    frame_size = _frame_size(name, frame_size)
    _check(name, frames, frame_size, num_digits)
    images, classes = source_digits(name, split, data_dir, download)
    clips, digit, positions = _draw(
        tf.constant(images),
        tf.constant(classes),
        int(n),
        rng.stream(int(seed), f"data/{name}_sample/{split}"),
        frames,
        frame_size,
        num_digits,
    )
    return clips.numpy(), digit.numpy(), positions.numpy()


def tfds_moving_mnist(
    split: str = "test",
    data_dir: Optional[str] = None,
    download: bool = False,
) -> tf.data.Dataset:
    """tfds' recorded ``moving_mnist`` (Srivastava et al.'s 10,000 test
    sequences, 20 frames of 64 x 64) as a finite pipeline of float32
    ``[20, 64, 64, 1]`` clips in [-1, 1].

    Raises:
        data.DataNotAvailableError: not prepared under ``data_dir`` (and
            ``download`` off); the message says how to supply it.
    """
    builder = data.tfds_builder("moving_mnist", data_dir, download)
    ds = builder.as_dataset(split=split, shuffle_files=False)
    return ds.map(
        lambda example: tf.cast(example["image_sequence"], tf.float32)
        / 127.5
        - 1.0,
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )
