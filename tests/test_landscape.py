"""Landscape (paper eq. 2): analytic oracles, edge cases, the callback."""

import json

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks, data
from keras_gans.diagnostics import (
    analyse_curves,
    compute_landscape,
    random_direction,
)

_X0 = np.array([0.3, -0.2, 0.5], np.float32)


def _bump(x, b=0.0):
    """D(x) = -r^2 + b r^4, r = |x - x0|: a maximum at x0 of width
    1/sqrt(2b) along every line (the curve falls until r^2 = 1/(2b))."""
    r2 = tf.reduce_sum(tf.square(x - _X0), axis=-1)
    return -r2 + b * r2**2


def _as_model(fn):
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Lambda(fn)(inputs))


@pytest.mark.parametrize("wrap", [lambda f: f, _as_model])
def test_quadratic_peak_is_a_local_max_falling_over_the_range(wrap):
    land = compute_landscape(
        wrap(_bump), _X0[None], radius=4.0, num=81, seed=3, tol=0.0
    )
    assert land.local_max.tolist() == [True]
    assert land.monotonic.tolist() == [False]
    # sigmoid(-k^2) falls on both sides over the whole range: width K.
    assert land.width[0] == pytest.approx(4.0)
    np.testing.assert_allclose(
        land.curves[0], 1 / (1 + np.exp(land.k**2)), atol=1e-6
    )
    assert land.summary() == {
        "local_max": 1.0,
        "mean_width": pytest.approx(4.0),
        "monotonic": 0.0,
    }


def test_saturated_tail_does_not_widen_the_maximum():
    tol = 1e-4
    land = compute_landscape(_bump, _X0[None], radius=4.0, num=81, tol=tol)
    # The fall ends where sigmoid(-k^2) is within tol of its value at K.
    f = 1 / (1 + np.exp(land.k**2))
    expected = land.k[40:][np.argmax(f[40:] <= f[-1] + tol)]
    assert 2.9 < expected < 3.2
    assert land.local_max[0] and land.width[0] == pytest.approx(expected)
    sharp = analyse_curves(
        np.linspace(-3, 3, 7), [[0, 0, 0.5, 0.9, 0.5, 0, 0]], tol=tol
    )
    assert sharp.width.tolist() == [2.0]  # not 3: the zeros are flat


@pytest.mark.parametrize("b,width", [(1 / 8, 2.0), (1 / 2, 1.0)])
def test_quartic_bump_has_the_analytic_width(b, width):
    points = np.stack([_X0, _X0])
    land = compute_landscape(
        lambda x: _bump(x, b), points, radius=5.0, num=201, seed=0
    )
    spacing = land.k[1] - land.k[0]
    assert land.local_max.all() and not land.monotonic.any()
    assert abs(land.mean_width - width) <= spacing
    assert land.width[0] < 5.0  # strictly inside the range


def test_linear_d_is_monotonic_with_no_maxima():
    d = keras.layers.Dense(1)
    d.build((None, 3))
    d.set_weights([np.array([[1.0], [-2.0], [0.5]]), np.array([0.1])])
    points = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    land = compute_landscape(d, points, radius=3.0, num=31, seed=1)
    assert land.monotonic.all() and not land.local_max.any()
    assert np.isnan(land.mean_width) and land.summary()["mean_width"] is None
    # All curves rise or all fall: the sign of w . u.
    slope = np.sign(np.array([1.0, -2.0, 0.5]) @ land.direction)
    assert np.all(np.sign(land.curves[:, -1] - land.curves[:, 0]) == slope)


def test_ties_plateaus_and_tolerance():
    k = np.linspace(-2, 2, 5)
    curves = np.array(
        [
            [0.1, 0.5, 0.9, 0.5, 0.1],  # peak, width 2
            [1.0, 1.0, 1.0, 1.0, 1.0],  # saturated: flat, monotonic
            [0.2, 0.9, 0.9, 0.9, 0.2],  # flat top, then falls: max, width 2
            [0.9, 0.9, 0.9, 0.5, 0.1],  # plateau on the left: not a max
            [0.5, 0.8, 0.9, 0.92, 0.1],  # rises to the right: not a max
            [0.2, 0.6, 0.9, 0.90005, 0.3],  # a rise within tol is a tie
            [0.95, 0.6, 0.9, 0.7, 0.99],  # narrow max, width 1
        ]
    )
    land = analyse_curves(k, curves, tol=1e-4)
    assert land.local_max.tolist() == [1, 0, 1, 0, 0, 1, 1]
    np.testing.assert_array_equal(
        land.width, [2.0, np.nan, 2.0, np.nan, np.nan, 2.0, 1.0]
    )
    assert land.monotonic.tolist() == [0, 1, 0, 1, 0, 0, 0]
    strict = analyse_curves(k, curves[5:6], tol=0.0)
    assert strict.local_max.tolist() == [False]


def test_small_steps_add_up():
    # Every step (5e-4) is below tol, the peak (5e-3) is not.
    k = np.linspace(-1, 1, 21)
    land = analyse_curves(k, [0.5 - 0.005 * np.abs(k), 0.005 * k], tol=1e-3)
    assert land.local_max.tolist() == [True, False]
    assert land.monotonic.tolist() == [False, True]
    # The fall ends within tol of its bottom: at |k| = 0.8, not 1.
    assert land.width[0] == pytest.approx(0.8)


def test_direction_is_a_reproducible_unit_vector():
    u = random_direction((8, 8, 1), seed=4)
    assert u.shape == (8, 8, 1)
    assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_array_equal(u, random_direction((8, 8, 1), 4))
    assert not np.allclose(u, random_direction((8, 8, 1), 5))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"num": 10}, "odd"),
        ({"radius": 0.0}, "radius"),
        ({"tol": -1.0}, "tol"),
        ({"direction": np.zeros(3)}, "non-zero"),
    ],
)
def test_bad_options_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        compute_landscape(_bump, _X0[None], **kwargs)


def test_bad_curves_raise():
    with pytest.raises(ValueError, match="odd"):
        analyse_curves(np.linspace(-1, 1, 4), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="NaN"):
        analyse_curves(np.linspace(-1, 1, 3), [[0.0, np.nan, 0.0]])
    with pytest.raises(ValueError, match="points"):
        compute_landscape(_bump, np.zeros((0, 3)))


def test_callback_logs_numbers_png_json_and_tensorboard(tmp_path):
    keras.utils.set_random_seed(0)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    real = data.sample_mixture(data.mixture("ring"), 6, [0, 1]).numpy()
    cb = callbacks.LandscapeCallback(
        real,
        every=4,
        radius=2.0,
        num=21,
        seed=2,
        outdir=tmp_path / "out",
        log_dir=tmp_path / "tb",
    )
    history = gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=2,
        epochs=4,
        verbose=0,
        callbacks=[cb],
    ).history
    records = json.loads((tmp_path / "out" / "landscape.json").read_text())
    assert [r["step"] for r in records] == [4, 8]
    expected = compute_landscape(
        gan.discriminator, real, radius=2.0, num=21, seed=2
    ).summary()
    assert records[-1]["local_max"] == expected["local_max"]
    assert records[-1]["monotonic"] == expected["monotonic"]
    assert history["landscape_local_max"] == [r["local_max"] for r in records]
    assert len(records[-1]["is_local_max"]) == 6
    image = matplotlib.image.imread(tmp_path / "out" / "landscape_0000008.png")
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def _critic(offset):
    """A critic b - |x - x0|_1 along the grid: a maximum at x0 of width K
    whatever its offset b (a critic's offset is arbitrary)."""

    def critic(x):
        return offset - tf.reduce_sum(tf.abs(x - _X0), axis=-1)

    return critic


def test_critic_landscape_does_not_depend_on_the_critic_offset():
    summaries = []
    for offset in (0.0, 5.0, 10.0, 30.0):
        land = compute_landscape(
            _critic(offset), _X0[None], radius=20.0, num=101, output="logit"
        )
        assert land.unit == "D (raw)"
        # D's own values along the line: b - |k| |u|_1.
        expected = offset - np.abs(land.k) * np.sum(np.abs(land.direction))
        np.testing.assert_allclose(land.curves[0], expected, atol=1e-4)
        summaries.append(land.summary())
    assert summaries[0] == {
        "local_max": 1.0,
        "mean_width": pytest.approx(20.0),
        "monotonic": 0.0,
    }
    assert all(s == summaries[0] for s in summaries)
    # Through a sigmoid the same critic's answer moves with its offset.
    through_sigmoid = [
        compute_landscape(_critic(b), _X0[None], radius=20.0).summary()
        for b in (0.0, 30.0)
    ]
    assert through_sigmoid[0] != through_sigmoid[1]


@pytest.mark.parametrize(
    "loss,output",
    [
        ("non_saturating", "sigmoid"),
        ("minimax", "sigmoid"),
        ("wasserstein", "logit"),
        ("hinge", "logit"),
    ],
)
def test_diagnostics_read_the_gan_s_own_output(loss, output):
    gan = kg.GAN(
        kg.networks.mlp_generator(2, 2, (4,)),
        kg.networks.mlp_discriminator(2, (4,)),
        2,
        seed=0,
    )
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        loss=loss,
        jit_compile=False,
    )
    assert kg.diagnostics.scores.for_gan(gan) == output
    assert kg.diagnostics.scores.for_gan(gan, "sigmoid") == "sigmoid"
    with pytest.raises(ValueError, match="Valid: sigmoid, logit"):
        kg.diagnostics.scores.for_gan(gan, "probability")
