"""Stateless random numbers that are equal with and without XLA, on any
number of replicas, drawn from named streams.

TensorFlow's stateless samplers are not stable across compilation: under
``jit_compile=True`` XLA computes normals (and ``"auto_select"`` seeds) with
other algorithms than the TF kernels, so the same seed gives other noise and
XLA-on and XLA-off runs diverge. Only the raw Philox bit stream
(``StatelessRandomUniformFullIntV2`` with an explicit key and counter) is the
same everywhere, so this module builds everything from it: uniforms from the
top 24 bits, normals by Box-Muller. Draws for a batch go through
``distribute.replica_slice``, so N replicas together see what one device sees.

**Seeds.** A seed is an int or a shape ``[2]`` integer tensor ``[k, h]``
(an int ``s`` means ``[s, 0]``, as ``keras.random`` accepts ints). Philox
maps a 64-bit key and a 128-bit counter, two 64-bit words ``(c0, c1)`` of
which ``c0`` is the one that counts up, to one block of four 32-bit words.
A draw from ``[k, h]`` reads the blocks ``(key k; c0 = 0, 1, 2, ..., c1 =
h)``, one block per four words drawn.

**Derivation.** New seeds are derived from a parent ``[k, h]`` by reading
one block of the parent's key whose ``c0`` lies in the reserved top quarter
of the word (``c0 >= 2**62``), which no draw reaches (a draw would need
2**62 blocks, 64 EiB):

- ``stream(seed, name)``: the stream called ``name`` (``c0 = 2**63 +
  crc32(name)``). Names are the purposes of the draws (``"latent/
  discriminator"``, ``"penalty"``, ``"hook/replay"``, ``"eval"``, ...);
  two different names with the same CRC are refused, so no two names read
  one derivation block;
- ``fold_in(seed, i)``: the ``i``-th child, e.g. the seed of step ``i``
  (``c0 = 2**62 + i``, ``0 <= i < 2**62``);
- ``split_seed(seed, n)``: the children ``fold_in(seed, 0..n-1)``.

Named and indexed derivations and draws therefore read pairwise distinct
blocks of a parent, by construction; the derived seeds are Philox outputs,
so seeds derived from different blocks are independent pseudo-random
128-bit values (two of them coincide with probability 2^-128).
"""

import math
import zlib
from typing import Dict

import numpy as np
import tensorflow as tf

from keras_gans import distribute

__all__ = [
    "bits",
    "uniform",
    "normal",
    "seed_tensor",
    "stream",
    "stream_int",
    "layer_seed",
    "step_seed",
    "fold_in",
    "split_seed",
    "stream_names",
    "NAMED_BASE",
    "INDEXED_BASE",
]

_PHILOX = 1  # tf.random.Algorithm.PHILOX

# The derivation blocks: the counter word c0 of a named stream's block is
# NAMED_BASE + crc32(name), that of the i-th child INDEXED_BASE + i.
NAMED_BASE = 2**63
INDEXED_BASE = 2**62

_NAMES: Dict[int, str] = {}


def _name_id(name: str) -> int:
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"A stream name must be a non-empty str, got {name!r}."
        )
    code = zlib.crc32(name.encode("utf-8"))
    other = _NAMES.setdefault(code, name)
    if other != name:
        raise ValueError(
            f"Random stream names {other!r} and {name!r} have the same "
            "CRC-32 and would share a stream; rename one."
        )
    return code


def stream_names():
    """The stream names used so far in this process, sorted."""
    return sorted(_NAMES.values())


def seed_tensor(seed):
    """``seed`` as a shape ``[2]`` int64 tensor: an int ``s`` (or a scalar
    tensor) is ``[s, 0]``; a pair is taken as it is."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return tf.constant([int(seed), 0], tf.int64)
    seed = tf.convert_to_tensor(seed)
    if not seed.dtype.is_integer:
        raise ValueError(f"A seed must be an integer, got {seed.dtype.name}.")
    seed = tf.cast(seed, tf.int64)
    if seed.shape.rank == 0:
        return tf.stack([seed, tf.zeros([], tf.int64)])
    if seed.shape.rank != 1 or seed.shape[0] not in (None, 2):
        raise ValueError(
            f"A seed is an int or a shape [2] tensor, got shape {seed.shape}."
        )
    return seed


def _uint64(value):
    return tf.bitcast(tf.cast(value, tf.int64), tf.uint64)


def _philox(shape, seed, c0, dtype):
    # The seed's words by one unstack, not two strided slices: the same
    # bits from a smaller graph (10 ops and 3 constants a draw, not 16 and
    # 9; an augmented GAN's step traces about a hundred draws).
    key, high = tf.unstack(_uint64(seed_tensor(seed)), num=2)
    return tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=shape,
        key=tf.stack([key]),
        counter=tf.stack([c0, high]),
        alg=_PHILOX,
        dtype=dtype,
    )


def bits(shape, seed, dtype=tf.uint32):
    """Raw Philox bits of ``shape`` (a single device draw, no slicing)."""
    return _philox(shape, seed, tf.zeros([], tf.uint64), dtype)


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
    return distribute.replica_slice(_uniform, local_shape, seed_tensor(seed))


def normal(local_shape, seed):
    """N(0, 1) float32 of ``local_shape``, replica-consistent."""
    return distribute.replica_slice(_normal, local_shape, seed_tensor(seed))


def stream(seed, name: str):
    """The seed of the stream called ``name`` of ``seed`` (see the module
    docstring): different names give seeds from different Philox blocks.

    Args:
        seed: an int or a shape ``[2]`` integer tensor.
        name: the stream's purpose, e.g. ``"latent/generator"``.

    Returns:
        A shape ``[2]`` int64 tensor.
    """
    c0 = tf.constant(NAMED_BASE + _name_id(name), tf.uint64)
    return _philox([2], seed, c0, tf.int64)


def stream_int(seed: int, name: str) -> int:
    """``stream(seed, name)`` as a Python int (its key word, in [0, 2^63)),
    for code that takes int seeds (evaluation callbacks, samplers)."""
    return int(stream(seed, name)[0].numpy()) & (2**63 - 1)


def layer_seed(seed, name: str):
    """The int seed of a Keras initializer or layer (its weights' draw),
    from the stream ``name`` of ``seed``; ``None`` (unseeded) stays
    ``None``.

    Names say what is drawn, e.g. ``"init/discriminator/conv_0"`` or
    ``"spectral_norm/discriminator/logit"``, so each layer's draw has its
    own stream and no two layers share one through an offset arithmetic
    (``seed + i`` of one network is ``seed + j`` of another). The value is
    in ``[0, 2**31)``: Keras' TensorFlow backend casts int seeds to int32.
    """
    if seed is None:
        return None
    return stream_int(seed, name) % 2**31


def fold_in(seed, data):
    """The ``data``-th child of ``seed`` (``data`` an integer or integer
    tensor in [0, 2^62), e.g. a step count)."""
    c0 = tf.constant(INDEXED_BASE, tf.uint64) + _uint64(data)
    return _philox([2], seed, c0, tf.int64)


def step_seed(seed, name: str, index):
    """The seed of step ``index`` of the stream ``name`` of ``seed``:
    ``fold_in(stream(seed, name), index)``."""
    return fold_in(stream(seed, name), index)


def split_seed(seed, num):
    """``num`` independent seeds, shape ``[num, 2]``: the children
    ``fold_in(seed, 0)``, ..., ``fold_in(seed, num - 1)``."""
    # One int64 pair is one Philox block, so the blocks INDEXED_BASE + i,
    # read in one call, are the children 0..num-1.
    return _philox(
        [int(num), 2], seed, tf.constant(INDEXED_BASE, tf.uint64), tf.int64
    )
