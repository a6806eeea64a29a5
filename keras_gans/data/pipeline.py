"""What every step-indexed pipeline shares: batch ``i`` drawn from the
stateless seed ``fold_in(stream(seed, name), i)`` (``step_indexed``), and
the checks of a batch size and of a number of examples."""

from typing import Optional

import tensorflow as tf

from keras_gans import rng

__all__ = ["check_batch", "check_examples", "first", "pick", "step_indexed"]


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


def pick(drawn, labels):
    """``x``, ``(x, label)`` or, ``labels="channels"``, ``(x, digits)``
    from ``drawn = (x, label[, digits])``."""
    if labels == "channels":
        return drawn[0], drawn[2]
    return (drawn[0], drawn[1]) if labels else drawn[0]


def check_batch(batch_size):
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")


def check_examples(examples, available, what):
    """Raises ValueError unless ``examples`` is an integer in [1,
    ``available``] (``what``: the set it counts, for the message)."""
    if int(examples) != examples or not 1 <= examples <= available:
        raise ValueError(
            f"examples must be an integer in [1, {available}] (the size of "
            f"{what}), got {examples}."
        )


def first(arrays, examples: Optional[int], what):
    """The first ``examples`` rows of ``arrays`` (all of them for None)."""
    if examples is None:
        return arrays
    check_examples(examples, len(arrays[0]), what)
    return tuple(a[: int(examples)] for a in arrays)
