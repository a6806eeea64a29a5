import numpy as np
import pytest
import tensorflow as tf

from keras_gans import rng


def _draws(seed_var, step):
    s = rng.fold_in(seed_var, step)
    seeds = rng.split_seed(s, 3)
    return s, seeds, rng.normal([5, 3], seeds[0]), rng.uniform([7], seeds[1])


def test_xla_equals_no_xla_for_dynamic_seeds():
    # Seeds read from variables (as in a train step), not constants.
    seed = tf.Variable([4, 0], dtype=tf.int64)
    step = tf.Variable(7, dtype=tf.int64)
    plain = tf.function(_draws, jit_compile=False)(seed, step)
    xla = tf.function(_draws, jit_compile=True)(seed, step)
    for a, b in zip(plain, xla):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


def test_distributions():
    seed = tf.constant([1, 2], tf.int64)
    u = rng.uniform([200_000], seed).numpy()
    z = rng.normal([200_000], seed).numpy()
    assert u.min() > 0.0 and u.max() < 1.0
    assert u.mean() == pytest.approx(0.5, abs=0.005)
    assert u.var() == pytest.approx(1 / 12, abs=0.002)
    assert z.mean() == pytest.approx(0.0, abs=0.01)
    assert z.std() == pytest.approx(1.0, abs=0.01)
    # Tail mass of a standard normal beyond 2 sigma: 4.55%.
    assert np.mean(np.abs(z) > 2) == pytest.approx(0.0455, abs=0.003)


def test_seeds_are_distinct_and_reproducible():
    seed = tf.constant([9, 9], tf.int64)
    a = rng.fold_in(seed, 1).numpy()
    assert np.array_equal(a, rng.fold_in(seed, 1).numpy())
    assert not np.array_equal(a, rng.fold_in(seed, 2).numpy())
    split = rng.split_seed(seed, 4).numpy()
    assert len({tuple(r) for r in split}) == 4
    x = rng.normal([4], split[0]).numpy()
    assert not np.array_equal(x, rng.normal([4], split[1]).numpy())


NAMES = [
    "latent/discriminator",
    "latent/generator",
    "penalty",
    "unroll",
    "hook/replay",
    "hook/ewc",
    "eval",
    "sample",
]


def _blocks(seed, count):
    """The Philox blocks (key, c0, c1) a draw of ``count`` blocks from
    ``seed`` reads (see the rng module docstring)."""
    k, h = (int(v) for v in np.asarray(seed))
    return {(k, j, h) for j in range(count)}


def test_named_streams_never_share_a_philox_block():
    for root in (0, 1, 12345, tf.constant([7, 3], tf.int64)):
        seeds = [rng.stream(root, name).numpy() for name in NAMES]
        # Children of one step of each stream, as the train step derives.
        seeds += [
            rng.fold_in(rng.stream(root, name), i).numpy()
            for name in NAMES
            for i in range(4)
        ]
        blocks = [_blocks(s, 64) for s in seeds]
        for i in range(len(blocks)):
            for j in range(i + 1, len(blocks)):
                assert not blocks[i] & blocks[j]


def test_derivation_reads_blocks_no_draw_reaches():
    seed = tf.constant([5, 9], tf.int64)
    # A derived seed is the block at c0 = base + id of the parent's key.
    k = tf.bitcast(seed, tf.uint64)
    raw = tf.raw_ops.StatelessRandomUniformFullIntV2(
        shape=[2],
        key=k[:1],
        counter=tf.stack([tf.constant(rng.INDEXED_BASE + 3, tf.uint64), k[1]]),
        alg=1,
        dtype=tf.int64,
    )
    np.testing.assert_array_equal(raw.numpy(), rng.fold_in(seed, 3).numpy())
    # Draws read c0 = 0, 1, ...: a draw reaching 2^62 would be 64 EiB.
    assert rng.INDEXED_BASE == 2**62 and rng.NAMED_BASE == 2**63
    # The old scheme's collision: a child equal to a block of the draw.
    draw = rng.bits([8], seed, tf.int64).numpy().reshape(-1, 2)
    assert not any(
        np.array_equal(row, rng.fold_in(seed, i).numpy())
        for i, row in enumerate(draw)
    )


def test_stream_names_with_one_crc_are_refused(monkeypatch):
    monkeypatch.setattr(rng, "_NAMES", {})
    monkeypatch.setattr(rng.zlib, "crc32", lambda b: 1)
    rng.stream(0, "a")
    with pytest.raises(ValueError, match="same CRC-32"):
        rng.stream(0, "b")


def test_split_seed_is_the_children():
    seed = tf.constant([3, 4], tf.int64)
    np.testing.assert_array_equal(
        rng.split_seed(seed, 5).numpy(),
        np.stack([rng.fold_in(seed, i).numpy() for i in range(5)]),
    )


def test_int_seeds_are_pairs():
    np.testing.assert_array_equal(
        rng.normal([4], 7).numpy(), rng.normal([4], [7, 0]).numpy()
    )
    assert rng.stream_int(7, "eval") == rng.stream_int(7, "eval")
    assert rng.stream_int(7, "eval") != rng.stream_int(8, "eval")
    with pytest.raises(ValueError, match="shape"):
        rng.seed_tensor([1, 2, 3])
