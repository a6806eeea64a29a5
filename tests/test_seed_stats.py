"""benchmarks/seed_stats.py: the per-seed statistics of the benchmark
tables, against the textbook formulas and ranks worked out by hand.
(Moved from test_metrics.py with the functions.)"""

import math
import pathlib
import sys

import pytest

sys.path.insert(
    0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks")
)

import seed_stats  # noqa: E402


def test_mean_se_matches_the_textbook_formula():
    mean, se = seed_stats.mean_se([1.0, 2.0, 4.0])
    assert mean == pytest.approx(7 / 3)
    sample_var = ((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2
    assert se == pytest.approx(math.sqrt(sample_var / 3))
    one = seed_stats.mean_se([5])
    assert one[0] == 5.0 and math.isnan(one[1])


def test_spearman_against_hand_computed_ranks():
    # x ranks 1..5; y = (10, 30, 20, 50, 40) ranks (1, 3, 2, 5, 4):
    # d = (0, 1, 1, 1, 1), rho = 1 - 6 * 4 / (5 * 24) = 0.8.
    rho, p = seed_stats.spearman([1, 2, 3, 4, 5], [10, 30, 20, 50, 40])
    assert rho == pytest.approx(0.8)
    # Exact two-sided p over all 120 pairings: |rho| >= 0.8 for 16 of them
    # (sum d^2 = 0: 1 pairing, 2: 4 adjacent swaps, 4: 3 pairs of disjoint
    # adjacent swaps, and the 8 mirror images with rho <= -0.8).
    assert p == pytest.approx(16 / 120, abs=0.01)
    # Ties take the mean rank; a monotone map gives rho = 1.
    rho, _ = seed_stats.spearman([1, 2, 2, 3], [1, 5, 5, 9], permutations=10)
    assert rho == pytest.approx(1.0)
    assert math.isnan(seed_stats.spearman([1, 2, 3], [4, 4, 4])[0])
    with pytest.raises(ValueError, match="equal length >= 3"):
        seed_stats.spearman([1, 2], [1, 2])


def test_stratified_spearman_sees_only_within_group_order():
    # Within each group larger x goes with larger y, but group B sits at
    # larger x and smaller y: pooled the order reverses, within it is 1.
    x = [1, 2, 3, 11, 12, 13]
    y = [10, 11, 12, 1, 2, 3]
    groups = ["a", "a", "a", "b", "b", "b"]
    pooled, _ = seed_stats.spearman(x, y, permutations=10)
    assert pooled < 0
    rho, p = seed_stats.stratified_spearman(x, y, groups)
    assert rho == pytest.approx(1.0)
    # Of the 6 x 6 pairings within groups, 2 reach |rho| = 1 (both
    # orders kept, both reversed).
    assert p == pytest.approx(2 / 36, abs=0.01)
    # Opposite orders in the two groups cancel: centred ranks
    # (-1, 0, 1) against (-1, 0, 1) and (1, 0, -1).
    rho, _ = seed_stats.stratified_spearman(
        [1, 2, 3, 1, 2, 3], [1, 2, 3, 30, 20, 10], groups, permutations=10
    )
    assert rho == pytest.approx(0.0)
    with pytest.raises(ValueError, match="a group per value"):
        seed_stats.stratified_spearman(x, y, groups[:5])


def test_partial_spearman_is_the_partial_correlation_formula_on_ranks():
    import numpy as np

    rng = np.random.default_rng(3)
    z = rng.normal(size=40)
    x = z + rng.normal(size=40)
    y = z + 0.5 * rng.normal(size=40)
    r_xy, _ = seed_stats.spearman(x, y, permutations=10)
    r_xz, _ = seed_stats.spearman(x, z, permutations=10)
    r_yz, _ = seed_stats.spearman(y, z, permutations=10)
    expected = (r_xy - r_xz * r_yz) / math.sqrt(
        (1 - r_xz**2) * (1 - r_yz**2)
    )
    rho, p = seed_stats.partial_spearman(x, y, z, permutations=2000)
    assert rho == pytest.approx(expected, abs=1e-9)
    assert r_xy > 0.5 and abs(rho) < r_xy  # z carried most of it
    assert 0 < p <= 1


def test_holm_adjusts_step_down():
    # Sorted: 0.01 x 4 = 0.04; 0.03 x 3 = 0.09; 0.04 x 2 = 0.08, kept at
    # the running maximum 0.09; 0.5 x 1.
    adjusted = seed_stats.holm([0.01, 0.04, 0.03, 0.5])
    assert adjusted.tolist() == pytest.approx([0.04, 0.09, 0.09, 0.5])
    assert seed_stats.holm([0.6, 0.9]).tolist() == [1.0, 1.0]
