"""Stateless random numbers that are equal with and without XLA, on any
number of replicas.

TensorFlow's stateless samplers are not stable across compilation: under
``jit_compile=True`` XLA computes normals (and ``"auto_select"`` seeds) with
other algorithms than the TF kernels, so the same seed gives other noise and
XLA-on and XLA-off runs diverge. Only the raw Philox bit stream
(``StatelessRandomUniformFullIntV2`` with an explicit key and counter) is the
same everywhere, so this module builds everything from it: uniforms from the
top 24 bits, normals by Box-Muller. Draws for a batch go through
``distribute.replica_slice``, so N replicas together see what one device sees.

A seed is a shape ``[2]`` integer tensor: the Philox key and one word of
its 128-bit counter; the other word is 0 for ``bits``/``split_seed`` and
the folded-in value for ``fold_in``, so ``fold_in(s, i)`` equals
``split_seed(s, n)[i]``: derive seeds from a parent by one of the two, not
both.
"""

import math

import tensorflow as tf

from keras_gans import distribute

__all__ = ["bits", "uniform", "normal", "fold_in", "split_seed"]

_PHILOX = 1  # tf.random.Algorithm.PHILOX


def _key_counter(seed, high=None):
    seed = tf.bitcast(tf.cast(seed, tf.int64), tf.uint64)
    high = (
        tf.zeros([], tf.uint64)
        if high is None
        else tf.bitcast(tf.cast(high, tf.int64), tf.uint64)
    )
    return seed[:1], tf.stack([high, seed[1]])


def bits(shape, seed, dtype=tf.uint32, high=None):
    """Raw Philox bits of ``shape`` (a single device draw, no slicing)."""
    key, counter = _key_counter(seed, high)
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=shape, key=key, counter=counter, alg=_PHILOX, dtype=dtype
    )


def _unit(raw):
    """uint32 bits -> float32 in (0, 1]: the top 24 bits plus half an ulp
    (the largest value rounds to 1.0 in float32, probability 2^-24)."""
    top = tf.cast(tf.bitwise.right_shift(raw, 8), tf.float32)
    return (top + 0.5) * (1.0 / 2**24)


def _uniform(shape, seed):
    return _unit(bits(shape, seed))


def _normal(shape, seed):
    raw = bits(tf.concat([[2], tf.reshape(shape, [-1])], 0), seed)
    u1, u2 = _unit(raw[0]), _unit(raw[1])
    return tf.sqrt(-2.0 * tf.math.log(u1)) * tf.cos((2.0 * math.pi) * u2)


def uniform(local_shape, seed):
    """U(0, 1] float32 of ``local_shape``, replica-consistent."""
    return distribute.replica_slice(_uniform, local_shape, seed)


def normal(local_shape, seed):
    """N(0, 1) float32 of ``local_shape``, replica-consistent."""
    return distribute.replica_slice(_normal, local_shape, seed)


def fold_in(seed, data):
    """A new seed from ``seed`` and an integer ``data`` (e.g. a step count)."""
    return bits([2], seed, tf.int64, high=data)


def split_seed(seed, num):
    """``num`` independent seeds, shape ``[num, 2]``, derived from ``seed``."""
    return bits([num, 2], seed, tf.int64)
