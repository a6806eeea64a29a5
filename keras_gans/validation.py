"""Argument and data checks shared by the library's constructors, the GAN
and the configs."""

from typing import Optional

import keras
import numpy as np
import tensorflow as tf

__all__ = [
    "SEED_MAX",
    "check_integer",
    "check_networks_fit",
    "check_seed",
    "check_optimizers",
    "check_sample_shape",
    "check_finite_array",
    "finite_batches",
]


def check_integer(
    name: str, value, minimum: int, maximum: Optional[int] = None
) -> int:
    """Returns ``int(value)``, or raises ValueError naming ``name``.

    Booleans, non-integral or non-finite numbers are rejected, as are
    values below ``minimum`` or above ``maximum``.
    """
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.integer, np.floating))
        and (isinstance(value, (int, np.integer)) or np.isfinite(value))
        and int(value) == value
        and value >= minimum
        and (maximum is None or value <= maximum)
    )
    if not ok:
        bound = (
            f">= {minimum}"
            if maximum is None
            else f"in [{minimum}, {_power_of_two(maximum + 1)})"
        )
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}.")
    return int(value)


def _power_of_two(n: int) -> str:
    """``"2^k"`` for a power of two, else the number."""
    return f"2^{n.bit_length() - 1}" if n > 1 and n & (n - 1) == 0 else str(n)


SEED_MAX = 2**63 - 1  # seeds are int64 words


def check_seed(name: str, seed) -> int:
    """An int64 seed in ``[0, 2^63)``, or a ValueError naming ``name``."""
    return check_integer(name, seed, 0, SEED_MAX)


def check_networks_fit(generator_shape, discriminator) -> None:
    """The generator's sample shape fits the discriminator's (first) input
    where that is known (a functional or built Sequential model), or a
    ValueError saying both: caught at construction, not as a graph error
    at the first step."""
    try:
        inputs = discriminator.inputs
    except (AttributeError, ValueError):
        return
    if not inputs:
        return
    expected = tuple(inputs[0].shape[1:])
    got = tuple(generator_shape)
    if len(expected) != len(got) or any(
        e is not None and e != g for e, g in zip(expected, got)
    ):
        raise ValueError(
            f"The generator's output shape {got} does not fit the "
            f"discriminator's input shape {expected}; build G to output "
            "what D takes."
        )


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
