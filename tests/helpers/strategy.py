"""The one two-CPU MirroredStrategy of a test process: collective ops of
several MirroredStrategy objects in one process can collide on CPU."""

import functools

import tensorflow as tf


@functools.lru_cache(maxsize=None)
def two_cpus() -> tf.distribute.MirroredStrategy:
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


_ONE_DEVICE_RUNS = {}


def one_device_run(train, **options):
    """``train(tf.distribute.get_strategy(), **options)``, run once a test
    process: the one-device reference that a mirrored case and an XLA
    case of the same settings both compare with (the callers only read
    it)."""
    key = (train.__module__, train.__qualname__, repr(sorted(options.items())))
    if key not in _ONE_DEVICE_RUNS:
        _ONE_DEVICE_RUNS[key] = train(tf.distribute.get_strategy(), **options)
    return _ONE_DEVICE_RUNS[key]
