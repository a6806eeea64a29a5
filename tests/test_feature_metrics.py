"""KID, precision/recall and density/coverage against oracles computed from
the papers' definitions (hand values and brute-force loops)."""

import itertools

import numpy as np
import pytest

from keras_gans import metrics


def _brute_radius(x, i, k):
    d = sorted(np.linalg.norm(x[i] - x[j]) for j in range(len(x)) if j != i)
    return d[k - 1]


def _brute_pr(real, fake, k):
    """Kynkaanniemi et al. 2019, written out with loops."""
    rr = [_brute_radius(real, i, k) for i in range(len(real))]
    fr = [_brute_radius(fake, j, k) for j in range(len(fake))]
    precision = np.mean(
        [
            any(np.linalg.norm(y - x) <= r for x, r in zip(real, rr))
            for y in fake
        ]
    )
    recall = np.mean(
        [
            any(np.linalg.norm(x - y) <= r for y, r in zip(fake, fr))
            for x in real
        ]
    )
    return precision, recall


def _brute_dc(real, fake, k):
    """Naeem et al. 2020, written out with loops; open balls (``<``), as
    in the authors' ``prdc.compute_prdc``."""
    rr = [_brute_radius(real, i, k) for i in range(len(real))]
    inside = np.array(
        [[np.linalg.norm(y - x) < r for x, r in zip(real, rr)] for y in fake]
    )
    return inside.sum() / (k * len(fake)), inside.any(axis=0).mean()


def _brute_kid(x, y):
    """Unbiased MMD^2 with (a.b/d + 1)^3 (Binkowski et al. 2018), loops."""
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2))
    xy = sum(k(a, b) for a in x for b in y)
    return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2 * xy / (m * n)


def test_kid_hand_value():
    # k(a, b) = (ab + 1)^3 in 1-D. XX: k(0, 1) = 1; YY: k(1, 2) = 27;
    # XY: k(0,1) + k(0,2) + k(1,1) + k(1,2) = 1 + 1 + 8 + 27 = 37.
    # MMD^2 = 2/2 + 54/2 - 2 * 37/4 = 9.5.
    mean, std = metrics.kid([[0.0], [1.0]], [[1.0], [2.0]], 3, 2)
    assert mean == pytest.approx(9.5)
    assert std == pytest.approx(0.0)


def test_kid_matches_brute_force_and_subsets_average():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(7, 3))
    fake = rng.normal(0.5, 1.0, size=(7, 3))
    # One subset of every row: the whole-set estimator.
    mean, _ = metrics.kid(real, fake, subsets=1, subset_size=7)
    assert mean == pytest.approx(_brute_kid(real, fake))
    # Subsets: the mean of the per-subset estimates, reproducible by seed.
    a = metrics.kid(real, fake, subsets=5, subset_size=4, seed=3)
    assert a == metrics.kid(real, fake, subsets=5, subset_size=4, seed=3)
    assert a[1] > 0


def test_kid_is_near_zero_for_one_distribution_and_large_for_two():
    rng = np.random.default_rng(1)
    same = metrics.kid(
        rng.normal(size=(400, 8)), rng.normal(size=(400, 8)), 10, 200
    )[0]
    far = metrics.kid(
        rng.normal(size=(400, 8)), rng.normal(3.0, 1, (400, 8)), 10, 200
    )[0]
    assert abs(same) < 0.05 < far


def test_precision_recall_hand_value():
    # Reals 0, 1, 3 with k = 1: radii 1, 1, 2. Fakes 0.5, 10, 9: radii
    # 8.5, 1, 1. Precision: only 0.5 is in a real ball -> 1/3. Recall:
    # 0, 1 and 3 are all within 8.5 of 0.5 -> 1.
    real = np.array([[0.0], [1.0], [3.0]])
    fake = np.array([[0.5], [10.0], [9.0]])
    p, r = metrics.precision_recall(real, fake, k=1)
    assert p == pytest.approx(1 / 3)
    assert r == pytest.approx(1.0)


def test_density_coverage_hand_value():
    # Real balls (k = 1): 0 +- 1, 1 +- 1, 3 +- 2. Fake 0.5 is in the first
    # two, 10 and 9 in none: density 2 / (1 * 3); coverage 2 of 3 balls.
    real = np.array([[0.0], [1.0], [3.0]])
    fake = np.array([[0.5], [10.0], [9.0]])
    d, c = metrics.density_coverage(real, fake, k=1)
    assert d == pytest.approx(2 / 3)
    assert c == pytest.approx(2 / 3)
    # A fake on a boundary: 2 is at distance exactly 1 from real 1 (radius
    # 1) and inside 3's ball (radius 2). Naeem et al.'s balls are open:
    # one ball holds it (density 1 / 1, coverage 1 of 3). Improved
    # precision's balls are closed (Kynkaanniemi et al.'s ``<=``): 2 is
    # inside, and 0 and 3 are within 2's radius (1) of fakes 2 and 2.5.
    d, c = metrics.density_coverage(real, np.array([[2.0]]), k=1)
    assert (d, c) == (pytest.approx(1.0), pytest.approx(1 / 3))
    p, _ = metrics.precision_recall(real, np.array([[2.0], [2.5]]), k=1)
    assert p == 1.0


@pytest.mark.parametrize("block", [2, 5, 2048])
def test_knn_metrics_match_brute_force_in_any_block_size(block):
    rng = np.random.default_rng(2)
    real = rng.normal(size=(13, 2))
    fake = rng.normal(0.7, 1.3, size=(11, 2))
    assert metrics.precision_recall(real, fake, 3, block) == pytest.approx(
        _brute_pr(real, fake, 3)
    )
    assert metrics.density_coverage(real, fake, 2, block) == pytest.approx(
        _brute_dc(real, fake, 2)
    )


def test_identical_sets_and_far_sets():
    x = np.random.default_rng(3).normal(size=(50, 4))
    assert metrics.precision_recall(x, x) == (1.0, 1.0)
    # Each ball holds its centre and its k - 1 nearer neighbours: density
    # exactly 1 (closed balls would count the k-th too: (k + 1) / k).
    assert metrics.density_coverage(x, x) == (1.0, 1.0)
    far = x + 100.0
    assert metrics.precision_recall(x, far) == (0.0, 0.0)
    assert metrics.density_coverage(x, far) == (0.0, 0.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda a, b: metrics.precision_recall(a, b, k=float("nan")), "k must"),
        (lambda a, b: metrics.density_coverage(a, b, k=float("inf")), "k must"),
        (lambda a, b: metrics.precision_recall(a, b, k=2.5), "k must"),
        (lambda a, b: metrics.kid(a, b[:, :3]), "different widths"),
        (lambda a, b: metrics.precision_recall(a, b[:, :2]), "widths"),
        (lambda a, b: metrics.kid(a, b, subset_size=11), "subset_size = 11"),
        (
            lambda a, b: metrics.precision_recall(a, b[:3], k=3),
            r"k \+ 1 = 4 fake",
        ),
        (lambda a, b: metrics.density_coverage(a[:5], b, k=5), "6 real"),
        (lambda a, b: metrics.kid(a, np.where(b > 0, np.nan, b)), "NaN"),
        (lambda a, b: metrics.precision_recall(a[0], b), r"\[N, D\]"),
    ],
)
def test_bad_input_names_the_problem(call, message):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    with pytest.raises(ValueError, match=message):
        call(a, b)
