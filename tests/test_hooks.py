"""The DiscriminatorHook protocol: callbacks borrow the step and give it
back; their state and the EMA restore in any set-up order."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks, training


def _compile(gan, ema_decay=None, n_critic=1):
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        keras.optimizers.Adam(1e-3, beta_1=0.5),
        penalty="r1",
        penalty_weight=1.0,
        n_critic=n_critic,
        ema_decay=ema_decay,
        jit_compile=False,
    )


def small_gan(seed=0, ema_decay=None, n_critic=1, compile_now=True):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(
        kg.networks.mlp_generator(4, 2, (16,)),
        kg.networks.mlp_discriminator(2, (16,)),
        4,
        seed=seed,
    )
    if compile_now:
        _compile(gan, ema_decay, n_critic)
    return gan


small_gan.compile = _compile


def _ring(batch=8):
    return kg.data.toy_dataset("ring", batch, seed=0)


def test_fit_without_the_callback_leaves_the_buffer_untouched():
    gan = small_gan()
    buffer = callbacks.ReplayBuffer(size=64, fraction=0.5)
    gan.fit(_ring(), steps_per_epoch=3, verbose=0, callbacks=[buffer])
    pushed = int(buffer.state.count.numpy())
    assert pushed == 3 * 8 and gan.hooks == ()
    before = buffer.contents().copy()
    gan.fit(_ring(), steps_per_epoch=3, verbose=0)
    assert int(buffer.state.count.numpy()) == pushed
    np.testing.assert_array_equal(buffer.contents(), before)
    # With it again, it is used again.
    gan.fit(_ring(), steps_per_epoch=1, verbose=0, callbacks=[buffer])
    assert int(buffer.state.count.numpy()) == pushed + 8


def test_a_failed_fit_detaches_its_hooks():
    gan = small_gan()
    buffer = callbacks.ReplayBuffer(size=16, fraction=0.5)

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        gan.fit(
            _ring(), steps_per_epoch=3, verbose=0, callbacks=[buffer, Stop()]
        )
    assert gan.hooks == ()


def test_the_step_calls_a_hook_with_its_own_stream():
    seen = []

    class Record(training.DiscriminatorHook):
        stream_name = "record"

        def transform_fakes(self, fake, step):
            seen.append((step.critic_index, step.seed))
            return fake

    gan = small_gan(n_critic=2)
    hook = Record()
    gan.attach_hook(hook)
    gan.fit(_ring(16), steps_per_epoch=1, verbose=0)
    assert [i for i, _ in seen] == [0, 1]
    gan.detach_hook(hook)
    with pytest.raises(TypeError, match="DiscriminatorHook"):
        gan.attach_hook(object())
    twin = Record()
    gan.attach_hook(hook)
    with pytest.raises(ValueError, match="stream name 'record'"):
        gan.attach_hook(twin)


def test_a_hook_sees_the_game_not_the_gan():
    """The step context lends D, G's fakes, D's logits and L_D's terms;
    each checked against the parts by hand (the non-saturating loss with
    gamma = 1: softplus(-d_r) + softplus(d_f), batch means)."""
    seen = []

    class Record(kg.hooks.DiscriminatorHook):
        stream_name = "record"

        def before_discriminator_step(self, step):
            seen.append(step)

    gan = small_gan()
    gan.attach_hook(Record())
    gan.fit(_ring(8), steps_per_epoch=1, verbose=0)
    (step,) = seen
    assert not hasattr(step, "gan") and step.labels is None
    game = step.game
    assert game.discriminator is gan.discriminator and game.num_classes is None
    seed = tf.constant([3, 1], tf.int64)
    fake, labels = game.draw_fakes(5, seed)
    assert labels is None
    z = kg.rng.normal([5, 4], seed)  # the latent: N(0, 1) from the seed
    np.testing.assert_allclose(
        fake, gan.generator(z, training=True), rtol=1e-6, atol=1e-6
    )
    real = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    r, f = game.logits(real, None, fake, None)
    np.testing.assert_allclose(r, gan.discriminator(real), rtol=1e-6)
    np.testing.assert_allclose(f, gan.discriminator(fake), rtol=1e-6)
    softplus = lambda v: np.logaddexp(0.0, v)  # noqa: E731
    expected = softplus(-r.numpy()).mean() + softplus(f.numpy()).mean()
    assert float(game.loss_terms(r, f)) == pytest.approx(expected, rel=1e-6)
    assert game.classification_terms(real, None, fake, None) is None


def test_a_hook_changes_training_and_detaching_restores_the_plain_step():
    class Shift(training.DiscriminatorHook):
        def transform_fakes(self, fake, step):
            return fake + 1.0

    def weights(hooks):
        gan = small_gan(seed=3)
        for hook in hooks:
            gan.attach_hook(hook)
        gan.fit(_ring(), steps_per_epoch=2, verbose=0)
        return gan.discriminator.get_weights()

    plain, shifted = weights([]), weights([Shift()])
    assert len(plain) == len(shifted)
    assert any(not np.array_equal(a, b) for a, b in zip(plain, shifted))
    gan = small_gan(seed=3)
    shift = Shift()
    gan.attach_hook(shift)
    gan.detach_hook(shift)
    gan.fit(_ring(), steps_per_epoch=2, verbose=0)
    for a, b in zip(plain, gan.discriminator.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("restore_first", [True, False])
def test_ema_and_optimizers_restore_in_any_order(tmp_path, restore_first):
    gan = small_gan(ema_decay=0.9)
    gan.fit(_ring(), steps_per_epoch=4, verbose=0)
    path = callbacks.Checkpoint(gan, tmp_path).manager.save()
    fresh = small_gan(seed=5, compile_now=False)
    if restore_first:
        # Before compile creates the optimizers and the shadow generator:
        # they are restored when they are created.
        status = tf.train.Checkpoint(gan=fresh).restore(path)
        small_gan.compile(fresh, ema_decay=0.9)
        fresh.build((None, 2))
        status.assert_existing_objects_matched()
    else:
        small_gan.compile(fresh, ema_decay=0.9)
        callbacks.Checkpoint(fresh, tmp_path).restore()
    assert int(fresh.g_optimizer.iterations.numpy()) == 4
    shadow, restored = gan.ema_generator.weights, fresh.ema_generator.weights
    assert len(shadow) == len(restored) > 0
    for a, b in zip(shadow, restored):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(
        fresh.ema_generator.weights[0].numpy(),
        fresh.generator.weights[0].numpy(),
    )
