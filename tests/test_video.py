"""The video DCGAN and rank-5 clips through the library: penalties on
clips equal the same penalties on the flattened vectors (an oracle that
does not depend on the clip code), D is per-example, and a clip GAN's
step is the same mirrored, with XLA and on one device; every loss and the
hooks train on clips."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from helpers.strategy import one_device_run, two_cpus
from keras_gans import losses, penalties, video_networks
from keras_gans.hooks import L1WeightPenalty

CLIP = (4, 8, 8, 1)  # the smallest clip the video DCGAN builds
BATCH = 4


def test_shapes_and_plan():
    g, d = video_networks.video_dcgan(8, (16, 32, 32, 1), 4, seed=0)
    assert g.output_shape == (None, 16, 32, 32, 1)
    assert d.output_shape == (None, 1)
    assert g.get_layer("reshape").output.shape[1:4] == (2, 4, 4)
    g, _ = video_networks.video_dcgan(8, (16, 64, 64, 1), 4, seed=0)
    assert g.output_shape == (None, 16, 64, 64, 1)
    for bad, match in (
        ((12, 32, 32, 1), "multiple of 8"),
        ((16, 30, 30, 1), "frame_size"),
        ((32, 32, 1), "clips"),
    ):
        with pytest.raises(ValueError, match=match):
            video_networks.check_clip_shape(bad)


def test_discriminator_is_per_example():
    _, d = video_networks.video_dcgan(4, CLIP, 4, seed=1)
    x = np.random.default_rng(0).uniform(-1, 1, (6,) + CLIP)
    x = x.astype(np.float32)
    whole = d(x).numpy()
    alone = np.concatenate([d(x[i : i + 1]).numpy() for i in range(6)])
    np.testing.assert_allclose(whole, alone, rtol=1e-5, atol=1e-6)


def test_frame_differences_are_the_next_frame_minus_this_one():
    x = np.random.default_rng(4).normal(size=(2,) + CLIP).astype(np.float32)
    out = video_networks.FrameDifferences()(x).numpy()
    expected = np.zeros_like(x)
    for t in range(CLIP[0] - 1):  # by hand, frame by frame
        expected[:, t] = x[:, t + 1] - x[:, t]
    np.testing.assert_array_equal(out[..., :1], x)
    np.testing.assert_allclose(out[..., 1:], expected, atol=1e-6)


def _leaky(v, slope=0.2):
    return np.where(v > 0, v, slope * v)


def _conv2d_same(frame, kernel, bias):
    """A stride-2 'same' 4x4 convolution of one [H, W, C] frame, by loops
    (TensorFlow's 'same' padding for an even kernel: 1 before, 2 after)."""
    h, w, _ = frame.shape
    padded = np.pad(frame, ((1, 2), (1, 2), (0, 0)))
    out = np.zeros((h // 2, w // 2, kernel.shape[-1]), np.float64)
    for i in range(h // 2):
        for j in range(w // 2):
            patch = padded[2 * i : 2 * i + 4, 2 * j : 2 * j + 4]
            out[i, j] = np.tensordot(patch, kernel, axes=3) + bias
    return out


def test_frame_critic_adds_the_mean_of_per_frame_2d_logits():
    LONG = (8,) + CLIP[1:]
    # Oracle: the same D without the branch (its weights copied) plus a
    # 2-D critic computed frame by frame with numpy loops, on frames 0 and
    # 4 of 8.
    plain = video_networks.video_discriminator(LONG, 4, seed=5)
    both = video_networks.video_discriminator(
        LONG, 4, seed=5, frame_critic=True
    )
    for layer in plain.layers:
        both.get_layer(layer.name).set_weights(layer.get_weights())
    x = np.random.default_rng(5).normal(size=(3,) + LONG).astype(np.float32)
    convs = [
        layer for layer in both.layers
        if layer.name.startswith("frame_conv_") and "lrelu" not in layer.name
    ]
    assert len(convs) == 2  # 8 x 8 frames: two stride-2 layers
    dense = both.get_layer("frame_logit")
    expected = plain(x).numpy()[:, 0].astype(np.float64)
    for b in range(3):
        logits = []
        for t in range(0, LONG[0], video_networks.FRAME_CRITIC_EVERY):
            h = x[b, t].astype(np.float64)
            for conv in convs:
                kernel, bias = conv.get_weights()
                h = _leaky(_conv2d_same(h, kernel, bias))
            w, c = dense.get_weights()
            logits.append(h.reshape(-1) @ w[:, 0] + c[0])
        expected[b] += np.mean(logits)
    np.testing.assert_allclose(both(x).numpy()[:, 0], expected, rtol=1e-4,
                               atol=1e-5)
    # The frame branch sees frames alone: reordering the other frames
    # changes only the video logit.
    rev = x.copy()
    rev[:, 1:] = x[:, 1:][:, ::-1]
    np.testing.assert_allclose(
        (both(rev) - plain(rev)).numpy(), (both(x) - plain(x)).numpy(),
        rtol=1e-4, atol=1e-5,
    )


@pytest.mark.parametrize(
    "options",
    [dict(frame_critic=True), dict(frame_differences=True),
     dict(frame_critic=True, frame_differences=True, spectral_norm=True)],
    ids=["frame_critic", "frame_differences", "both_sn"],
)
def test_clip_discriminator_options_are_per_example_and_xla_equal(options):
    d = video_networks.video_discriminator(CLIP, 4, seed=6, **options)
    x = np.random.default_rng(6).uniform(-1, 1, (5,) + CLIP)
    x = x.astype(np.float32)
    whole = d(x).numpy()
    alone = np.concatenate([d(x[i : i + 1]).numpy() for i in range(5)])
    np.testing.assert_allclose(whole, alone, rtol=1e-5, atol=1e-6)
    xla = tf.function(lambda v: d(v), jit_compile=True)(x).numpy()
    np.testing.assert_allclose(whole, xla, rtol=1e-4, atol=1e-5)
    assert not np.allclose(
        whole, video_networks.video_discriminator(CLIP, 4, seed=6)(x)
    )


def _flat_and_clip_discriminators():
    """The same D twice: on clips (a Flatten first) and on the flattened
    vectors."""
    size = int(np.prod(CLIP))
    dense = [keras.layers.Dense(16, activation="tanh"), keras.layers.Dense(1)]
    vec = keras.Input((size,))
    flat_d = keras.Model(vec, dense[1](dense[0](vec)))
    clip = keras.Input(CLIP)
    clip_d = keras.Model(
        clip, dense[1](dense[0](keras.layers.Flatten()(clip)))
    )
    return flat_d, clip_d


@pytest.mark.parametrize("name", penalties.names())
def test_every_penalty_on_clips_equals_it_on_flat_vectors(name):
    flat_d, clip_d = _flat_and_clip_discriminators()
    rng = np.random.default_rng(2)
    real = rng.normal(size=(BATCH,) + CLIP).astype(np.float32)
    fake = rng.normal(size=(BATCH,) + CLIP).astype(np.float32)
    seed = tf.constant([3, 4], tf.int64)
    fn = penalties.get(name)
    on_clips = float(fn(clip_d, real, fake, seed))
    on_vectors = float(
        fn(flat_d, real.reshape(BATCH, -1), fake.reshape(BATCH, -1), seed)
    )
    assert on_clips == pytest.approx(on_vectors, rel=1e-5, abs=1e-7)
    if name != "none":
        assert on_clips > 0


def _train(strategy, jit=False, loss="non_saturating", penalty="r1",
           callbacks=(), spectral_norm=False, hooks=(), networks=None,
           latent_dim=4, **options):
    keras.utils.set_random_seed(1)
    with strategy.scope():
        g, d = video_networks.video_dcgan(
            latent_dim, CLIP, 4, seed=3, spectral_norm=spectral_norm,
            **(networks or {}),
        )
        gan = kg.GAN(g, d, latent_dim, seed=4)
        for hook in hooks:
            gan.attach_hook(hook)
        gan.compile(
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            loss=loss,
            penalty=penalty,
            penalty_weight=1.0,
            jit_compile=jit,
            **options,
        )
    x = np.random.default_rng(0).uniform(-1, 1, (3 * 2 * BATCH,) + CLIP)
    ds = tf.data.Dataset.from_tensor_slices(x.astype(np.float32))
    n_critic = options.get("n_critic", 1)
    history = gan.fit(
        ds.batch(BATCH * n_critic, drop_remainder=True).take(3),
        epochs=1,
        verbose=0,
        callbacks=list(callbacks),
    ).history
    return [w.numpy() for w in gan.weights], history


def _assert_same(a, b, tol=1e-4):
    for x, y in zip(a[0], b[0], strict=True):
        np.testing.assert_allclose(x, y, rtol=tol, atol=tol)
    for key in ("d_loss", "g_loss", "penalty"):
        assert a[1][key][0] == pytest.approx(b[1][key][0], rel=1e-4, abs=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
def test_clip_gan_mirrored_and_xla_equal_single_device(jit):
    single = one_device_run(_train, penalty="wgan_gp")
    other = (
        _train(tf.distribute.get_strategy(), jit=True, penalty="wgan_gp")
        if jit
        else _train(two_cpus(), penalty="wgan_gp")
    )
    _assert_same(single, other)
    untrained = video_networks.video_dcgan(4, CLIP, 4, seed=3)[0]
    assert not np.allclose(single[0][1], untrained.get_weights()[0])


@pytest.mark.slow
@pytest.mark.parametrize("jit", [False, True], ids=["mirrored", "xla"])
@pytest.mark.parametrize(
    "generator",
    [dict(content_motion=True, frame_critic=True, frame_differences=True),
     dict(sprite_motion=True, whole_pixel_shifts=True,
          sprite_dynamics="bounce")],
    ids=["content_motion_both_d_options", "sprite_bounce_whole_pixels"],
)
def test_clip_options_mirrored_and_xla_equal_single_device(jit, generator):
    # The content-motion G (GRU, BatchNorm over frames folded into the
    # batch) with both D options at once; the sprite-motion G (the
    # bounce's reflections and learned extent, the translation's tents,
    # its straight-through gradient in the shift). The sprite G's GRU is
    # the content-motion G's.
    options = dict(penalty="zero_gp", latent_dim=8, networks=generator)
    single = one_device_run(_train, **options)
    other = (
        _train(tf.distribute.get_strategy(), jit=True, **options)
        if jit
        else _train(two_cpus(), **options)
    )
    _assert_same(single, other)


def _content_motion(latent_dim=8, clip=CLIP):
    return video_networks.content_motion_generator(
        latent_dim, clip, 4, seed=7
    )


def test_content_motion_generator_is_mocogans_decomposition():
    """MoCoGAN's G: frame t is the image generator of [z_C, z_M(t)], the
    content code the same for every frame, z_M(t) = GRU(eps_1..eps_t)."""
    g = _content_motion()  # 8 = 4 content + 4 frames x 1 innovation
    assert g.output_shape == (None,) + CLIP
    z = np.random.default_rng(8).normal(size=(3, 8)).astype(np.float32)
    clips = g(z, training=False).numpy()
    motion = g.get_layer("motion_gru")(z[:, 4:].reshape(3, 4, 1)).numpy()
    frame_g = g.get_layer("frame_generator")
    for t in range(CLIP[0]):
        codes = np.concatenate([z[:, :4], motion[:, t]], axis=1)
        np.testing.assert_allclose(
            clips[:, t], frame_g(codes, training=False).numpy(),
            rtol=1e-5, atol=1e-6,
        )
    # Causal: a new innovation at frame 2 leaves frames 0 and 1 alone.
    later = z.copy()
    later[:, 4 + 2] += 1.0
    moved = g(later, training=False).numpy()
    np.testing.assert_allclose(moved[:, :2], clips[:, :2], atol=1e-6)
    assert np.abs(moved[:, 2:] - clips[:, 2:]).max() > 1e-4
    # The content code reaches every frame.
    other = z.copy()
    other[:, 0] += 1.0
    changed = g(other, training=False).numpy()
    assert all(np.abs(changed[:, t] - clips[:, t]).max() > 1e-4
               for t in range(CLIP[0]))


def test_content_motion_latent_must_split_into_frames():
    with pytest.raises(ValueError, match="multiple of 4"):
        _content_motion(latent_dim=6)
    from keras_gans import config as config_lib

    bad = config_lib.TrainConfig(
        dataset="moving_digits", content_motion=True, latent_dim=40,
        sprite_motion=False,
    )
    with pytest.raises(config_lib.ConfigError) as e:
        bad.validate()
    assert e.value.name == "latent_dim" and "multiple of 16" in str(e.value)
    config_lib.TrainConfig(
        dataset="moving_digits", content_motion=True, sprite_motion=False
    ).validate()  # the default 64 = 32 + 16 x 2
    # On clips the sprite G is the default: the message says how to swap.
    with pytest.raises(config_lib.ConfigError, match="--nosprite_motion"):
        config_lib.TrainConfig(
            dataset="moving_digits", content_motion=True
        ).validate()
    with pytest.raises(config_lib.ConfigError) as e:
        config_lib.TrainConfig(content_motion=True).validate()
    assert e.value.name == "content_motion"


def test_every_loss_is_a_function_of_logits_alone():
    # So no loss can depend on the inputs' rank; the one path that sees
    # the inputs, the paired loss's G step on real clips, is trained below.
    import inspect

    for name in losses.names():
        fn = losses.get(name)
        params = [
            p for p in inspect.signature(fn).parameters
            if p not in ("label_smoothing",)
        ]
        assert all("logit" in p or p in ("real_weight",) for p in params), (
            name, params,
        )


@pytest.mark.slow
def test_the_paired_loss_trains_on_clips():
    weights, history = _train(
        tf.distribute.get_strategy(), loss="relativistic", penalty="r1_r2",
        n_critic=2,
    )
    assert np.isfinite(history["d_loss"][0])
    assert np.isfinite(history["g_loss"][0])
    assert all(np.all(np.isfinite(w)) for w in weights)


@pytest.mark.slow
def test_the_hooks_and_stabilisers_train_on_clips():
    # D warm-up and the lazy penalty only schedule steps (rank-free, and
    # their tf.cond copies of the clip D step cost ~40 s to trace here).
    replay = kg.callbacks.ReplayBuffer(size=6, fraction=0.5)
    ewc = kg.callbacks.OnlineEWC(weight=1.0, every=1, num_batches=2)
    weights, history = _train(
        tf.distribute.get_strategy(),
        penalty="zero_gp",
        callbacks=[replay, ewc],
        ema_decay=0.9,
        instance_noise=0.1,
        spectral_norm=True,
        hooks=[L1WeightPenalty(1e-3)],
    )
    assert replay.contents().shape == (6,) + CLIP
    assert any(np.any(f > 0) for f in ewc.fisher())
    assert all(np.all(np.isfinite(w)) for w in weights)


def _shift_by_hand(image, dy, dx):
    """Bilinear translation by (dy, dx) pixels of a [H, W] image, -1
    outside, from the definition: out[i, j] = S(i - dy, j - dx), S read
    between pixels by the four neighbours' weights."""
    h, w = image.shape
    padded = lambda r, c: (  # noqa: E731
        image[r, c] if 0 <= r < h and 0 <= c < w else -1.0
    )
    out = np.empty_like(image)
    for i in range(h):
        for j in range(w):
            y, x = i - dy, j - dx
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            fy, fx = y - y0, x - x0
            out[i, j] = (
                (1 - fy) * (1 - fx) * padded(y0, x0)
                + (1 - fy) * fx * padded(y0, x0 + 1)
                + fy * (1 - fx) * padded(y0 + 1, x0)
                + fy * fx * padded(y0 + 1, x0 + 1)
            )
    return out


def test_translate_frames_is_bilinear_translation_with_background_fill():
    rng = np.random.default_rng(11)
    sprite = rng.uniform(-1, 1, (2, 8, 8, 1)).astype(np.float32)
    shifts = np.array(  # in units of max_shift = 4 pixels
        [[[0.0, 0.0], [0.25, 0.0], [0.0, -0.5], [0.3125, 0.6]],
         [[-1.0, 1.0], [0.1, -0.9], [0.5, 0.5], [-0.125, 0.0]]],
        np.float32,
    )
    out = video_networks.TranslateFrames(4.0)([sprite, shifts]).numpy()
    assert out.shape == (2, 4, 8, 8, 1)
    for b in range(2):
        for t in range(4):
            dy, dx = 4.0 * shifts[b, t]
            np.testing.assert_allclose(
                out[b, t, ..., 0], _shift_by_hand(sprite[b, ..., 0], dy, dx),
                atol=1e-5,
            )
    np.testing.assert_allclose(out[0, 0], sprite[0], atol=1e-6)
    # An integer shift is a plain roll with -1 coming in.
    np.testing.assert_allclose(out[0, 1, 1:], sprite[0, :-1], atol=1e-6)
    np.testing.assert_allclose(out[0, 1, 0], -1.0, atol=1e-6)


def test_translate_frames_gradient_in_the_shift_is_the_image_slope():
    # d/d(dx) of S(j - dx) between pixels is -(S[j0 + 1] - S[j0]).
    sprite = tf.constant(
        np.random.default_rng(12).uniform(-1, 1, (1, 8, 8, 1)), tf.float32
    )
    shifts = tf.Variable([[[0.0, 0.3 / 4.0]]])  # dx = 0.3 px
    with tf.GradientTape() as tape:
        out = video_networks.TranslateFrames(4.0)([sprite, shifts])
        pixel = out[0, 0, 3, 5, 0]  # reads S[3, 4.7]
    grad = tape.gradient(pixel, shifts).numpy()[0, 0]
    s = sprite.numpy()[0, ..., 0]
    assert grad[0] == pytest.approx(0.0, abs=1e-6)
    assert grad[1] == pytest.approx(-4.0 * (s[3, 5] - s[3, 4]), rel=1e-4)


def test_whole_pixel_translation_is_straight_through():
    """Forward: the sprite moved by the rounded shift; backward: the
    bilinear frame's slope in the shift, the rounded move's in the
    sprite."""
    sprite = tf.constant(
        np.random.default_rng(13).uniform(-1, 1, (1, 8, 8, 1)), tf.float32
    )
    shifts = tf.Variable([[[0.6 / 4.0, 1.3 / 4.0]]])  # (0.6, 1.3) px
    layer = video_networks.TranslateFrames(4.0, whole_pixels=True)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(sprite)
        out = layer([sprite, shifts])
        pixel = out[0, 0, 3, 5, 0]
    s = sprite.numpy()[0, ..., 0]
    np.testing.assert_allclose(
        out[0, 0, ..., 0], _shift_by_hand(s, 1.0, 1.0), atol=1e-6
    )
    assert float(pixel) == pytest.approx(s[2, 4], abs=1e-6)
    # Bilinear at (3 - 0.6, 5 - 1.3) = (2.4, 3.7): slopes by hand.
    d_dy = -(0.3 * (s[3, 3] - s[2, 3]) + 0.7 * (s[3, 4] - s[2, 4]))
    d_dx = -(0.6 * (s[2, 4] - s[2, 3]) + 0.4 * (s[3, 4] - s[3, 3]))
    grad = tape.gradient(pixel, shifts).numpy()[0, 0]
    np.testing.assert_allclose(grad, [4.0 * d_dy, 4.0 * d_dx], rtol=1e-4)
    # In the sprite: the one pixel the rounded move reads.
    by_sprite = tape.gradient(pixel, sprite).numpy()[0, ..., 0]
    expected = np.zeros((8, 8))
    expected[2, 4] = 1.0
    np.testing.assert_allclose(by_sprite, expected, atol=1e-6)


def test_sprite_motion_generator_moves_one_sprite():
    g = video_networks.sprite_motion_generator(8, CLIP, 4, seed=7)
    assert g.output_shape == (None,) + CLIP
    z = np.random.default_rng(9).normal(size=(3, 8)).astype(np.float32)
    clips = g(z, training=False).numpy()
    sprite = g.get_layer("sprite_generator")(z[:, :4], training=False).numpy()
    gru = g.get_layer("motion_gru")(z[:, 4:].reshape(3, 4, 1))
    shifts = 4.0 * np.tanh(  # max shift: half the 8-pixel side
        g.get_layer("shift").kernel.numpy().T @ gru.numpy()[..., None]
        + g.get_layer("shift").bias.numpy()[:, None]
    )[..., 0]
    for b in range(3):
        for t in range(CLIP[0]):
            np.testing.assert_allclose(
                clips[b, t, ..., 0],
                _shift_by_hand(sprite[b, ..., 0], *shifts[b, t]),
                atol=2e-5,
            )
    # The innovations move the sprite but never change it: a new one at
    # frame 2 leaves frames 0 and 1 alone and frame 2 holds the same
    # pixels, moved.
    later = z.copy()
    later[:, 4 + 2] += 2.0
    moved = g(later, training=False).numpy()
    np.testing.assert_allclose(moved[:, :2], clips[:, :2], atol=1e-6)
    assert np.abs(moved[:, 2:] - clips[:, 2:]).max() > 1e-4
    with pytest.raises(ValueError, match="pick one"):
        video_networks.video_dcgan(
            8, CLIP, 4, content_motion=True, sprite_motion=True
        )


def test_sprite_motion_settings_are_checked():
    from keras_gans import config as config_lib

    config_lib.TrainConfig(
        dataset="moving_digits", sprite_motion=True
    ).validate()
    for overrides, flag in (
        (dict(sprite_motion=True), "sprite_motion"),  # not a clip data set
        (dict(dataset="moving_digits", sprite_motion=True, latent_dim=40),
         "latent_dim"),
        (dict(dataset="moving_digits", sprite_motion=True,
              content_motion=True), "sprite_motion"),
        (dict(whole_pixel_shifts=True), "whole_pixel_shifts"),  # ring
        # A clip default changed where nothing reads it.
        (dict(dataset="moving_digits", sprite_motion=False,
              whole_pixel_shifts=False), "whole_pixel_shifts"),
    ):
        with pytest.raises(config_lib.ConfigError) as e:
            config_lib.TrainConfig(**overrides).validate()
        assert e.value.name == flag


def _bounce_by_hand(start, velocity, frames):
    """A point stepped frame by frame in the track [0, 1]: past a wall it
    is mirrored back and its velocity turns (|velocity| < 1, so one
    reflection a step at most)."""
    p, v, out = np.array(start, float), np.array(velocity, float), []
    for _ in range(frames):
        p = p + v
        for k in range(2):
            if p[k] > 1.0:
                p[k], v[k] = 2.0 - p[k], -v[k]
            elif p[k] < 0.0:
                p[k], v[k] = -p[k], -v[k]
        out.append(p.copy())
    return np.array(out)


def test_bounce_shifts_are_a_constant_velocity_reflected_off_the_walls():
    sigmoid = lambda x: 1.0 / (1.0 + np.exp(-x))  # noqa: E731
    params = np.array(
        [[0.3, -1.2, 1.0, 2.0, 2.5],  # fast: bounces several times
         [-2.0, 0.5, -3.0, 0.4, -1.0],
         [1.5, 1.5, 0.0, -1.0, 0.0]],
        np.float32,
    )
    layer = video_networks.BounceShifts(16, max_speed=0.5)
    shifts = layer(params).numpy()
    assert shifts.shape == (3, 16, 2)
    extent = sigmoid(0.0)  # the learned extent starts at 0
    for b in range(3):
        heading = params[b, 2:4] / np.linalg.norm(params[b, 2:4])
        velocity = 0.5 * sigmoid(params[b, 4]) * heading
        track = _bounce_by_hand(sigmoid(params[b, :2]), velocity, 16)
        np.testing.assert_allclose(
            shifts[b], extent * (2.0 * track - 1.0), atol=1e-5
        )
    # The fast clip does bounce: its steps change sign on both axes.
    steps = np.diff(shifts[0], axis=0)
    assert (steps[:, 0] > 0).any() and (steps[:, 0] < 0).any()
    assert (steps[:, 1] > 0).any() and (steps[:, 1] < 0).any()
    # Away from the walls the speed is the clip's own.
    speed = 2.0 * extent * 0.5 * sigmoid(params[2, 4])
    assert np.linalg.norm(shifts[2, 1] - shifts[2, 0]) == pytest.approx(
        speed, rel=1e-4
    )
    # The extent is learned: its gradient flows.
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(layer(params))
    grad = tape.gradient(total, layer.extent.value)
    assert float(grad) == pytest.approx(  # d/da of a (2 r - 1), a = 1/2
        0.25 * float(total) / extent, rel=1e-4
    )


def test_bouncing_sprite_generator_moves_one_sprite_by_whole_pixels():
    g = video_networks.sprite_motion_generator(
        8, CLIP, 4, seed=7, whole_pixels=True, dynamics="bounce"
    )
    assert g.output_shape == (None,) + CLIP
    z = np.random.default_rng(10).normal(size=(3, 8)).astype(np.float32)
    clips = g(z, training=False).numpy()
    sprite = g.get_layer("sprite_generator")(z[:, :4], training=False).numpy()
    params = g.get_layer("bounce_parameters")(z[:, 4:]).numpy()
    shifts = 4.0 * g.get_layer("bounce")(params).numpy()  # half the side
    for b in range(3):
        for t in range(CLIP[0]):
            np.testing.assert_allclose(
                clips[b, t, ..., 0],
                _shift_by_hand(sprite[b, ..., 0], *np.round(shifts[b, t])),
                atol=2e-5,
            )
    with pytest.raises(ValueError, match="--sprite_dynamics"):
        video_networks.sprite_motion_generator(8, CLIP, 4, dynamics="lstm")
    from keras_gans import config as config_lib

    config_lib.TrainConfig(
        dataset="moving_digits", sprite_motion=True, sprite_dynamics="bounce"
    ).validate()
    with pytest.raises(config_lib.ConfigError) as e:
        config_lib.TrainConfig(
            dataset="moving_digits", sprite_motion=False,
            sprite_dynamics="gru",
        ).validate()
    assert e.value.name == "sprite_dynamics"
