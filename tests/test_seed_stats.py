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
