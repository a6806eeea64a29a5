"""Gradient field -dL_G/dx: analytic oracles and the callback."""

import dataclasses
import json

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import callbacks, data
from keras_gans.diagnostics import (
    compute_gradient_field,
    field_limits,
    mean_cosine,
)

_X0 = np.array([0.5, -0.25])


def _quadratic(x):
    """D(x) = 1 - |x - x0|^2, dD/dx = -2 (x - x0)."""
    return 1.0 - tf.reduce_sum(tf.square(x - _X0), axis=-1, keepdims=True)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("loss", ["non_saturating", "wasserstein", "hinge"])
def test_quadratic_d_matches_the_analytic_field(loss):
    field = compute_gradient_field(
        _quadratic, loss, xlim=(-1, 2), ylim=(-2, 1), num=7
    )
    points = field.points
    d = 1.0 - np.sum((points - _X0) ** 2, axis=1)
    grad_d = -2.0 * (points - _X0)
    # non_saturating: L_G = softplus(-D), -dL_G/dx = sigmoid(-D) dD/dx.
    weight = _sigmoid(-d) if loss == "non_saturating" else np.ones_like(d)
    expected = weight[:, None] * grad_d
    np.testing.assert_allclose(
        field.vectors.reshape(-1, 2), expected, rtol=1e-5, atol=1e-6
    )
    # vectors[j, i] sits at (x[i], y[j]).
    assert field.points[8].tolist() == [field.x[1], field.y[1]]
    assert field.loss == loss


def test_linear_d_gives_a_coherent_field_and_a_peak_does_not():
    d = keras.layers.Dense(1)
    d.build((None, 2))
    d.set_weights([np.array([[2.0], [-1.0]]), np.array([0.3])])
    field = compute_gradient_field(d, "non_saturating", num=9)
    assert field.coherence == pytest.approx(1.0, abs=1e-6)
    unit = field.vectors / field.norms[..., None]
    np.testing.assert_allclose(
        unit.reshape(-1, 2),
        np.tile([2.0, -1.0] / np.sqrt(5.0), (81, 1)),
        rtol=1e-5,
    )
    # Arrows point to x0 from all sides: they cancel out.
    peak = compute_gradient_field(
        _quadratic, "wasserstein", xlim=(-0.5, 1.5), ylim=(-1.25, 0.75)
    )
    assert peak.coherence < 1e-5
    assert field.summary().keys() == {"mean_norm", "coherence"}


def test_constant_d_has_zero_field():
    field = compute_gradient_field(
        lambda x: tf.zeros([tf.shape(x)[0], 1]), "non_saturating", num=3
    )
    assert field.mean_norm == 0.0 and field.coherence == 0.0


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="Unknown GAN loss"):
        compute_gradient_field(_quadratic, "wgan")
    with pytest.raises(ValueError, match="num"):
        compute_gradient_field(_quadratic, num=1)
    with pytest.raises(ValueError, match="Empty window"):
        compute_gradient_field(_quadratic, xlim=(1, 1))
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        callbacks.GradientFieldCallback(np.zeros((3, 3)), every=1)


def test_field_limits_is_a_padded_square():
    (x0, x1), (y0, y1) = field_limits([[0, 0], [2, 1]], margin=0.5)
    assert (x0, x1) == pytest.approx((-1.0, 3.0))
    assert (y0, y1) == pytest.approx((-1.5, 2.5))


def test_callback_inside_fit(tmp_path):
    keras.utils.set_random_seed(0)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    gan.compile(
        keras.optimizers.Adam(1e-3),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    mix = data.mixture("ring")
    real = data.sample_mixture(mix, 200, [0, 1]).numpy()
    cb = callbacks.GradientFieldCallback(
        real,
        every=3,
        num=11,
        num_fake=50,
        centres=mix.centres,
        outdir=tmp_path,
        log_dir=tmp_path / "tb",
    )
    history = gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=3,
        epochs=2,
        verbose=0,
        callbacks=[cb],
    ).history
    records = json.loads((tmp_path / "gradient_field.json").read_text())
    assert [r["step"] for r in records] == [3, 6]
    assert history["gradient_field_coherence"] == [
        r["coherence"] for r in records
    ]
    field, fake = cb.load_field(tmp_path / "gradient_field_0000006.npz")
    expected = compute_gradient_field(
        gan.discriminator, "non_saturating", *cb.limits, num=11
    )
    np.testing.assert_allclose(field.vectors, expected.vectors, rtol=1e-5)
    assert fake.shape == (50, 2) and field.loss == "non_saturating"
    image = matplotlib.image.imread(tmp_path / "gradient_field_0000006.png")
    assert image.ndim == 3 and min(image.shape[:2]) > 200
    assert list((tmp_path / "tb").glob("events.out.tfevents.*"))


def test_mean_cosine_between_fields():
    a = compute_gradient_field(_quadratic, "wasserstein", num=5)
    flipped = dataclasses.replace(a, vectors=-a.vectors)
    assert mean_cosine(a, a) == pytest.approx(1.0)
    assert mean_cosine(a, flipped) == pytest.approx(-1.0)
    other = compute_gradient_field(_quadratic, "wasserstein", num=6)
    with pytest.raises(ValueError, match="grids"):
        mean_cosine(a, other)
