"""The one two-CPU MirroredStrategy of a test process: collective ops of
several MirroredStrategy objects in one process can collide on CPU."""

import functools

import tensorflow as tf


@functools.lru_cache(maxsize=None)
def two_cpus() -> tf.distribute.MirroredStrategy:
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
