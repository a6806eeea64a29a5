import math

import numpy as np
import pytest

from keras_gans import data, metrics

RING = data.mixture("ring")


def test_perfect_samples():
    samples = np.repeat(RING.centres, 10, axis=0)
    result = metrics.mode_coverage(samples, RING)
    assert result.modes == 8 and result.num_modes == 8
    assert result.high_quality == 1.0
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)


def test_single_mode_collapse():
    samples = np.repeat(RING.centres[:1], 100, axis=0)
    result = metrics.mode_coverage(samples, RING)
    assert result.modes == 1
    assert result.reverse_kl == pytest.approx(math.log(8))


def test_three_sigma_threshold():
    direction = np.array([1.0, 0.0])
    centre = RING.centres[0]  # (1, 0)
    inside = centre + 2.9 * RING.sigma * direction
    outside = centre + 3.1 * RING.sigma * direction
    assert metrics.mode_coverage(inside[None], RING).high_quality == 1.0
    result = metrics.mode_coverage(outside[None], RING)
    assert result.high_quality == 0.0 and result.modes == 0
    # Far from every mode: low quality, yet still counted in the histogram.
    result = metrics.mode_coverage(np.zeros((4, 2)), RING)
    assert result.modes == 0 and result.high_quality == 0.0


def test_reverse_kl_of_known_histogram():
    # Half the samples on mode 0, half on mode 1: KL = log(8 / 2).
    samples = np.concatenate(
        [
            np.repeat(RING.centres[:1], 50, 0),
            np.repeat(RING.centres[1:2], 50, 0),
        ]
    )
    assert metrics.mode_coverage(samples, RING).reverse_kl == pytest.approx(
        math.log(4)
    )


def test_real_data_scores_full_marks():
    for name in ("ring", "grid"):
        mix = data.mixture(name)
        real = next(iter(data.toy_dataset(name, 2500, seed=0))).numpy()
        result = metrics.mode_coverage(real, mix)
        assert result.modes == mix.num_modes
        # A 2-D Gaussian keeps 1 - exp(-9/2) = 98.89% of its mass in 3 sigma.
        assert result.high_quality == pytest.approx(
            1 - math.exp(-4.5), abs=0.006
        )
        assert result.reverse_kl < 0.02


def test_bad_samples():
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        metrics.mode_coverage(np.zeros((3, 3)), RING)
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.mode_coverage(np.full((3, 2), np.nan), RING)
