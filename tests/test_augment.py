"""DiffAugment, ADA and instance noise: shapes, seeds, gradients, by-hand
translation and cutout, XLA == eager, ADA's rule and checkpoint."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import augment, rng

SEED = tf.constant([3, 7], tf.int64)
OTHER = tf.constant([4, 7], tf.int64)
OPS = ("color", "translation", "cutout")


def _images(shape=(4, 8, 8, 3), seed=0):
    x = np.random.default_rng(seed).uniform(-1, 1, size=shape)
    return tf.constant(x.astype(np.float32))


def _ada(p=0.5, **kwargs):
    return augment.AdaptiveAugment(initial_p=p, **kwargs)


def _all():
    """Every op as ``name -> fn(x, seed)``: DiffAugment ops and each ADA op
    alone at p = 1."""
    fns = {
        op: (lambda x, s, op=op: augment.diff_augment(x, [op], s))
        for op in OPS
    }
    for op in augment.ADA_OPS:
        ada = _ada(1.0, ops=[op])
        fns[f"ada_{op}"] = ada.apply
    fns["diffaugment_all"] = lambda x, s: augment.diff_augment(
        x, "diffaugment:color,translation,cutout", s
    )
    fns["ada_all"] = _ada(0.7).apply
    return fns


@pytest.mark.parametrize("name", sorted(_all()))
def test_shape_kept_reproducible_and_seed_dependent(name):
    fn = _all()[name]
    x = _images()
    a, b, c = fn(x, SEED), fn(x, SEED), fn(x, OTHER)
    assert a.shape == x.shape and a.dtype == x.dtype
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", sorted(_all()))
def test_gradient_reaches_the_input(name):
    fn = _all()[name]
    x = _images()
    weights = np.random.default_rng(1).normal(size=x.shape)
    weights = tf.constant(weights, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(fn(x, SEED) * weights)
    grad = tape.gradient(out, x)
    assert grad is not None
    grad = grad.numpy()
    assert np.all(np.isfinite(grad)) and np.any(grad != 0)


@pytest.mark.parametrize("name", sorted(_all()))
def test_xla_equals_eager(name):
    fn = _all()[name]
    x = _images()
    compiled = tf.function(fn, jit_compile=True)
    eager = fn(x, SEED).numpy()
    xla = compiled(x, SEED).numpy()
    exact = ("translation", "cutout", "ada_xflip", "ada_rotate90", "ada_xint")
    if name in exact:
        # Uniform draws (Philox bits), gathers and masks: bit for bit.
        np.testing.assert_array_equal(xla, eager)
    else:
        # Float reductions (the means) and rng.normal's log/cos differ in
        # the last ulp under XLA (rng's own test allows 1e-6 for normals).
        np.testing.assert_allclose(xla, eager, rtol=1e-6, atol=1e-6)


def _op_seed(op):
    return rng.split_seed(SEED, len(augment.DIFFAUGMENT_OPS))[
        augment.DIFFAUGMENT_OPS.index(op)
    ]


def test_translation_by_hand():
    batch, size = 6, 8
    x = np.arange(batch * size * size, dtype=np.float32) + 1.0
    x = x.reshape(batch, size, size, 1)
    out = augment.diff_augment(x, "diffaugment:translation", SEED).numpy()
    # The documented draws: U(0, 1] per example and axis, s = 8 // 8 = 1,
    # shift = floor(u * 3) - 1 in {-1, 0, 1}.
    u = rng.uniform([batch, 2], _op_seed("translation")).numpy()
    shifts = np.minimum(np.floor(u * 3), 2).astype(int) - 1
    assert len({tuple(s) for s in shifts}) > 1
    expected = np.zeros_like(x)
    for b in range(batch):
        ty, tx = shifts[b]
        for i in range(size):
            for j in range(size):
                if 0 <= i + ty < size and 0 <= j + tx < size:
                    expected[b, i, j] = x[b, i + ty, j + tx]
    np.testing.assert_array_equal(out, expected)


def test_cutout_by_hand():
    batch, size = 6, 8
    x = np.ones((batch, size, size, 2), np.float32)
    out = augment.diff_augment(x, "diffaugment:cutout", SEED).numpy()
    # Square of side 4; centres floor(u * (8 + 1)) in 0..8 (4 is even);
    # the square starts 2 before the centre and is clipped to the image.
    u = rng.uniform([batch, 2], _op_seed("cutout")).numpy()
    centres = np.minimum(np.floor(u * 9), 8).astype(int)
    expected = np.ones_like(x)
    for b in range(batch):
        top, left = centres[b] - 2
        expected[b, max(top, 0) : top + 4, max(left, 0) : left + 4] = 0.0
    np.testing.assert_array_equal(out, expected)
    assert np.all((out == 0).sum(axis=(1, 2, 3)) <= 16 * 2)


def test_color_by_hand():
    x = _images((3, 4, 4, 3)).numpy()
    out = augment.diff_augment(x, ["color"], SEED).numpy()
    seeds = rng.split_seed(_op_seed("color"), 3)
    b, s, c = (rng.uniform([3], seeds[k]).numpy() for k in range(3))
    y = x + (b - 0.5)[:, None, None, None]
    m = y.mean(axis=3, keepdims=True)
    y = (y - m) * (2 * s)[:, None, None, None] + m
    m = y.mean(axis=(1, 2, 3), keepdims=True)
    y = (y - m) * (c + 0.5)[:, None, None, None] + m
    np.testing.assert_allclose(out, y, rtol=1e-5, atol=1e-6)


def test_ada_ops_at_p_zero_are_identity_and_rotate90_is_numpys():
    x = _images()
    np.testing.assert_array_equal(_ada(0.0).apply(x, SEED), x)
    out = _ada(1.0, ops=["rotate90"]).apply(x, SEED).numpy()
    assert all(
        any(np.array_equal(out[b], np.rot90(x[b], k)) for k in range(4))
        for b in range(4)
    )


def test_ada_probability_is_per_example():
    x = _images((400, 8, 8, 1))
    out = _ada(0.3, ops=["brightness"]).apply(x, SEED).numpy()
    changed = np.any(out != x.numpy(), axis=(1, 2, 3)).mean()
    assert 0.2 < changed < 0.4


def test_ada_rule_rises_and_falls_by_the_documented_step():
    ada = _ada(0.5, interval=2, ada_kimg=10)
    step = 2 * 16 / (10 * 1000)  # batch * interval / (ada_kimg * 1000)
    ada.update(0.9, 16)
    assert float(ada.p) == 0.5  # only every interval-th call
    ada.update(0.7, 16)
    np.testing.assert_allclose(float(ada.p), 0.5 + step, rtol=1e-6)
    np.testing.assert_allclose(float(ada.rt), 0.8, rtol=1e-6)
    ada.update(0.2, 16)
    ada.update(0.4, 16)
    np.testing.assert_allclose(float(ada.p), 0.5, rtol=1e-6)
    ada.update(0.6, 16)
    ada.update(0.6, 16)  # r_t == target: no change
    np.testing.assert_allclose(float(ada.p), 0.5, rtol=1e-6)


def test_ada_p_is_clipped_and_defaults_are_the_papers():
    ada = augment.AdaptiveAugment()
    assert (ada.target, ada.interval, ada.ada_kimg) == (0.6, 4, 500.0)
    assert ada.step_size(500_000) == 1.0
    low = _ada(0.0, interval=1)
    low.update(-1.0, 64)
    assert float(low.p) == 0.0
    high = _ada(1.0, interval=1)
    high.update(1.0, 64)
    assert float(high.p) == 1.0


def test_ada_update_in_a_tf_function():
    ada = _ada(0.5, interval=1, ada_kimg=1)
    update = tf.function(lambda r: ada.update(r, 100))
    update(tf.constant(1.0))
    np.testing.assert_allclose(float(ada.p), 0.6, rtol=1e-6)


def test_ada_state_round_trips_through_a_checkpoint(tmp_path):
    ada = _ada(0.25, interval=3)
    for r in (0.9, 0.8, 0.7, 0.95):
        ada.update(r, 8)
    path = tf.train.Checkpoint(ada=ada).write(str(tmp_path / "ckpt"))
    fresh = _ada(0.0, interval=3)
    tf.train.Checkpoint(ada=fresh).read(path).assert_consumed()
    for v, w in zip(ada.variables, fresh.variables):
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    saved = float(ada.p)
    assert saved > 0.25
    for r in (0.9, 0.9):  # completes the second interval: p rises again
        ada.update(r, 8)
        fresh.update(r, 8)
    assert float(ada.p) == float(fresh.p) > saved


def test_policies_parse_and_bad_names_are_listed():
    assert augment.parse_policy("diffaugment:translation,cutout,color") == (
        "diffaugment",
        ("translation", "cutout", "color"),
    )
    assert augment.parse_policy("ada").ops == augment.ADA_OPS
    assert augment.parse_policy("ada:saturation,xflip").ops == (
        "xflip",
        "saturation",
    )
    assert augment.parse_policy("none") == ("none", ())
    with pytest.raises(ValueError, match=r"\['zoom'\].*translation, cutout"):
        augment.parse_policy("diffaugment:translation,zoom")
    with pytest.raises(ValueError, match="Valid: none, ada"):
        augment.parse_policy("randaugment")
    with pytest.raises(ValueError, match="rotate90"):
        augment.parse_policy("ada:cutout")
    with pytest.raises(ValueError, match="no ops"):
        augment.parse_policy("diffaugment:")
    with pytest.raises(ValueError, match="unknown op"):
        augment.AdaptiveAugment(ops=["hue"])


def test_non_image_data_is_a_clear_error():
    toy = tf.zeros([8, 2])
    for op in OPS:
        with pytest.raises(ValueError, match="non-image data"):
            augment.diff_augment(toy, [op], SEED)
    with pytest.raises(ValueError, match="non-image data"):
        _ada().apply(toy, SEED)


def test_augmented_discriminator_differentiates_through_the_augmentation():
    x = _images((2, 8, 8, 1))
    d = augment.augmented_discriminator(
        lambda u, training=False: tf.reduce_sum(u, axis=[1, 2, 3]),
        lambda u, seed: augment.diff_augment(u, ["cutout"], seed),
        SEED,
    )
    with tf.GradientTape() as tape:
        tape.watch(x)
        out = tf.reduce_sum(d(x, training=True))
    grad = tape.gradient(out, x).numpy()
    mask = augment.diff_augment(np.ones(x.shape, np.float32), ["cutout"], SEED)
    np.testing.assert_array_equal(grad, mask)


def test_instance_noise_std_and_schedule():
    x = tf.zeros([200, 50])
    noisy = augment.instance_noise(x, 0.3, SEED).numpy()
    assert abs(noisy.std() - 0.3) < 0.01 and abs(noisy.mean()) < 0.01
    np.testing.assert_array_equal(augment.instance_noise(x, 0.0, SEED), x)
    np.testing.assert_array_equal(
        noisy, augment.instance_noise(x, 0.3, SEED).numpy()
    )
    sigma = augment.instance_noise_sigma
    for step, expected in [(0, 0.2), (250, 0.15), (500, 0.1), (1000, 0.0),
                           (2000, 0.0)]:
        np.testing.assert_allclose(float(sigma(step, 0.2, 1000)), expected,
                                   atol=1e-7)
    assert float(sigma(10**6, 0.2)) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        sigma(0, -0.1, 10)
    with pytest.raises(ValueError, match="anneal_steps"):
        sigma(0, 0.1, -1)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        augment.instance_noise(x, -1.0, SEED)


@pytest.mark.parametrize("name", ["diffaugment_all", "ada_all"])
def test_mirrored_equals_single_device(name, mirrored_strategy):
    fn = _all()[name]
    x = _images((8, 8, 8, 3))
    single = fn(x, SEED).numpy()
    ds = tf.data.Dataset.from_tensor_slices(x).batch(8)
    batch = next(iter(mirrored_strategy.experimental_distribute_dataset(ds)))
    out = mirrored_strategy.run(tf.function(lambda b: fn(b, SEED)), (batch,))
    parts = mirrored_strategy.experimental_local_results(out)
    assert len(parts) == 2
    np.testing.assert_allclose(
        np.concatenate([p.numpy() for p in parts]), single, atol=1e-6
    )
