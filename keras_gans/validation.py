"""Argument and data checks shared by the library's constructors, the GAN
and the configs."""

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "check_integer",
    "check_optimizers",
    "check_sample_shape",
    "check_finite_array",
    "finite_batches",
]


def check_integer(name: str, value, minimum: int) -> int:
    """Returns ``int(value)``, or raises ValueError naming ``name``.

    Booleans and non-integral numbers are rejected, as are values below
    ``minimum``.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer))
        and int(value) == value
        and value >= minimum
    )
    if not ok:
        raise ValueError(
            f"{name} must be an integer >= {minimum}, got {value!r}."
        )
    return int(value)


def check_optimizers(d_optimizer, g_optimizer) -> None:
    """Two distinct Keras optimizers with finite learning rates, or a
    ValueError naming the one at fault (a NaN rate would train to all-NaN
    losses without an error; a shared optimizer would mix D's and G's
    slots)."""
    players = (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer))
    for name, opt in players:
        if not isinstance(opt, keras.optimizers.Optimizer):
            raise ValueError(
                f"{name} must be a keras.optimizers.Optimizer, got {opt!r}."
            )
    if d_optimizer is g_optimizer:
        raise ValueError(
            "d_optimizer and g_optimizer must be two optimizer objects; "
            "one shared optimizer would mix D's and G's slots."
        )
    for name, opt in players:
        lr = opt.learning_rate
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            lr = lr(0)
        if not np.all(np.isfinite(np.asarray(lr, np.float64))):
            raise ValueError(
                f"{name}'s learning rate must be finite, got {float(lr)}."
            )


def check_sample_shape(real_shape, sample_shape) -> None:
    """The data's sample shape (``real_shape`` without its batch axis)
    equals the generator's, or a ValueError saying both."""
    real, fake = tuple(real_shape[1:]), tuple(sample_shape)
    if real != fake:
        raise ValueError(
            f"The generator's output shape {fake} does not match the data's "
            f"sample shape {real}."
        )


def check_finite_array(array, what="real data") -> None:
    """Raises ValueError if a float array holds NaN or inf."""
    array = np.asarray(array)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"The {what} contains {bad} NaN or inf value(s); clean or filter "
            "it before training."
        )


def _assert_finite(*batch):
    def check(tensor):
        if not tensor.dtype.is_floating:
            return tensor
        return tf.debugging.assert_all_finite(
            tensor, "The real data contains NaN or inf values."
        )

    checked = tf.nest.map_structure(check, batch)
    return checked[0] if len(checked) == 1 else checked


def finite_batches(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """``dataset`` whose batches are checked for NaN or inf in the input
    pipeline (``InvalidArgumentError`` at the first bad batch), prefetched
    so that the check runs ahead of the train step."""
    return dataset.map(
        _assert_finite, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    ).prefetch(tf.data.AUTOTUNE)
