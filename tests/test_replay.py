"""ReplayBuffer: identity when off, exact contents, old fakes only."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks

SEED = tf.constant([1, 2], tf.int64)


def _step(seed=SEED):
    """A D step's hook context; the buffer reads only its seed."""
    return kg.hooks.StepContext(None, None, seed, 0, tf.constant(0))


def _gan(seed=0):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=seed)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    return gan


def _batch(value, n=2):
    return tf.constant(
        value + np.arange(n)[:, None] * 0.1 + np.zeros((n, 2)), tf.float32
    )


def _train(cbs, jit=False, model=None):
    """Weights after 5 steps of one seeded run: the whole GAN's, or those of
    ``model`` ("discriminator", "generator")."""
    gan = _gan()
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=jit,
    )
    gan.fit(
        kg.data.toy_dataset("ring", 8, seed=0),
        steps_per_epoch=5,
        verbose=0,
        callbacks=cbs,
    )
    weights = getattr(gan, model).weights if model else gan.weights
    return [w.numpy() for w in weights]


@pytest.mark.parametrize("size,fraction", [(0, 0.5), (16, 0.0)])
def test_off_is_exactly_the_identity(size, fraction):
    plain = _train([])
    replayed = _train([callbacks.ReplayBuffer(size, fraction)])
    for a, b in zip(plain, replayed, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("jit", [False, True])
def test_on_changes_training(jit):
    """Replayed fakes reach D's loss: the same seeded run without the
    buffer ends with other D weights (same jit setting on both sides)."""
    plain = _train([], jit=jit, model="discriminator")
    replayed = _train(
        [callbacks.ReplayBuffer(16, 0.5)], jit=jit, model="discriminator"
    )
    assert len(plain) == len(replayed)
    assert any(
        not np.allclose(a, b, rtol=1e-5, atol=1e-6)
        for a, b in zip(plain, replayed, strict=True)
    )


def test_contents_after_known_pushes():
    rb = callbacks.ReplayBuffer(size=5, fraction=0.5)
    _gan().attach_hook(rb)
    a, b, c = _batch(1.0), _batch(2.0), _batch(3.0)
    # Empty buffer: nothing to replay, the batch passes through.
    np.testing.assert_array_equal(rb.transform_fakes(a, _step()).numpy(), a)
    rb.transform_fakes(b, _step())
    np.testing.assert_array_equal(rb.contents(), np.concatenate([a, b]))
    # Count 4 of 5: c goes to slots 4 and (wrapping) 0.
    rb.transform_fakes(c, _step())
    np.testing.assert_array_equal(
        rb.contents(), np.stack([c[1], a[1], b[0], b[1], c[0]])
    )
    assert int(rb.state.count.numpy()) == 6


def test_replayed_fakes_are_earlier_fakes():
    rb = callbacks.ReplayBuffer(size=64, fraction=0.25)
    _gan().attach_hook(rb)
    seen = set()
    for step in range(12):
        fresh = _batch(10.0 * step, n=8)
        out = rb.transform_fakes(
            fresh, _step(tf.constant([step, 5], tf.int64))
        ).numpy()
        replayed, kept = out[:2], out[2:]
        np.testing.assert_array_equal(kept, fresh.numpy()[2:])
        if step:
            # round(0.25 * 8) = 2 rows come from earlier steps' fakes.
            assert all(tuple(r) in seen for r in replayed)
        seen |= {tuple(r) for r in fresh.numpy()}


def test_rank_4_samples():
    keras.utils.set_random_seed(0)
    gan = kg.GAN(
        kg.networks.mlp_generator(3, (4, 4, 1), (8,)),
        kg.networks.mlp_discriminator((4, 4, 1), (8,)),
        3,
        seed=0,
    )
    gan.compile(
        keras.optimizers.SGD(), keras.optimizers.SGD(), jit_compile=False
    )
    rb = callbacks.ReplayBuffer(size=10, fraction=1.0)
    data = np.random.default_rng(0).normal(size=(16, 4, 4, 1)).astype("float32")
    gan.fit(data, batch_size=4, verbose=0, callbacks=[rb])
    assert rb.contents().shape == (10, 4, 4, 1)


@pytest.mark.parametrize("attach_first", [True, False])
def test_checkpoint_restores_the_buffer(tmp_path, attach_first):
    gan = _gan()
    rb = callbacks.ReplayBuffer(size=12, fraction=0.5)
    gan.fit(
        kg.data.toy_dataset("ring", 4, seed=0),
        steps_per_epoch=4,
        verbose=0,
        callbacks=[rb],
    )
    saved = rb.contents()
    ckpt = callbacks.Checkpoint(gan, tmp_path, replay=rb.state)
    ckpt.manager.save()
    fresh_gan = _gan(seed=3)
    fresh = callbacks.ReplayBuffer(size=12, fraction=0.5)
    # No set-up order: attached before or after the restore, the buffer
    # comes back.
    if attach_first:
        fresh_gan.attach_hook(fresh)
    callbacks.Checkpoint(fresh_gan, tmp_path, replay=fresh.state).restore()
    if not attach_first:
        fresh_gan.attach_hook(fresh)
    assert len(saved) == 12
    np.testing.assert_array_equal(fresh.contents(), saved)
    assert int(fresh.state.count.numpy()) == int(rb.state.count.numpy())


def test_bad_arguments():
    with pytest.raises(ValueError, match="size must be an integer >= 0"):
        callbacks.ReplayBuffer(-1, 0.5)
    with pytest.raises(ValueError, match=r"fraction must be in \[0, 1\]"):
        callbacks.ReplayBuffer(4, 1.5)


# ------------------------------------------------------------- conditional


def _conditional_gan(num_classes=5):
    keras.utils.set_random_seed(0)
    g = kg.networks.mlp_generator(2, 2, (8,), num_classes=num_classes)
    d = kg.networks.mlp_discriminator(2, (8,), num_classes=num_classes)
    gan = kg.GAN(g, d, 2, seed=0, num_classes=num_classes)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    return gan


def test_conditional_replay_keeps_each_fakes_label():
    """Fakes encode their label and step, x = [label, step]: every fake
    the buffer hands back, old or new, still carries its own label."""
    buffer = callbacks.ReplayBuffer(12, 0.5)
    buffer.attach(_conditional_gan())
    assert buffer.state.labels is not None
    replayed = 0
    for t in range(8):
        labels = tf.constant(
            np.random.default_rng(t).integers(0, 5, 6), tf.int32
        )
        fake = tf.stack(
            [tf.cast(labels, tf.float32), tf.fill([6], float(t))], axis=1
        )
        seed = tf.constant([t, 1], tf.int64)
        mixed, mixed_labels = buffer.transform_fakes(
            [fake, labels], _step(seed)
        )
        mixed, mixed_labels = mixed.numpy(), mixed_labels.numpy()
        np.testing.assert_array_equal(mixed[:, 0], mixed_labels)
        replayed += int(np.sum(mixed[:, 1] < t))
        np.testing.assert_array_equal(buffer.contents()[:, 0],
                                      buffer.labels())
    assert replayed >= 3 * 7 - 1  # half of every batch once filled


def test_conditional_replay_state_is_checkpointed(tmp_path):
    gan = _conditional_gan()
    buffer = callbacks.ReplayBuffer(8, 0.5)
    gan.fit(
        kg.data.toy_dataset("ring", 8, seed=0, labels=True).map(
            lambda x, y: (x, y % 5)
        ),
        steps_per_epoch=3,
        verbose=0,
        callbacks=[buffer],
    )
    assert len(buffer.labels()) == 8
    path = tf.train.Checkpoint(replay=buffer.state).write(str(tmp_path / "c"))
    restored = callbacks.ReplayBuffer(8, 0.5)
    tf.train.Checkpoint(replay=restored.state).read(path)
    restored.attach(_conditional_gan())  # variables created: restored now
    np.testing.assert_array_equal(restored.labels(), buffer.labels())
    np.testing.assert_array_equal(restored.contents(), buffer.contents())
