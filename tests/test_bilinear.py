"""The bilinear game f(x, y) = x y: its two analytic invariants."""

import numpy as np

from keras_gans.diagnostics import bilinear


def test_bilinear_simultaneous_spirals_out():
    lr, steps = 0.1, 100
    result = bilinear.bilinear_game("simultaneous", lr, steps, x0=0.6, y0=0.8)
    expected = np.sqrt(1.0 + lr**2) ** np.arange(steps + 1)
    np.testing.assert_allclose(result.norm, expected, rtol=1e-4)
    assert result.norm[-1] > 1.6


def test_bilinear_alternating_stays_bounded():
    lr, steps = 0.1, 300
    result = bilinear.bilinear_game("alternating", lr, steps, x0=0.6, y0=0.8)
    x, y = result.x, result.y
    energy = x**2 + y**2 - lr * x * y
    np.testing.assert_allclose(energy, energy[0], rtol=1e-4)
    # E bounds the norm: (1 - h/2) r^2 <= E <= (1 + h/2) r^2.
    assert result.norm.max() <= np.sqrt(energy[0] / (1 - lr / 2)) + 1e-5
    assert result.norm.min() >= np.sqrt(energy[0] / (1 + lr / 2)) - 1e-5
    assert np.sum(np.diff(np.sign(x)) != 0) >= 8  # it goes round
