"""Per-seed statistics the benchmark tables share: the mean and its
standard error (``keras_gans.experiments.figures.mean_se``, which the installed
``keras-gans-table3`` uses too), and Spearman's rank correlation with a
permutation p-value. They summarise studies; the core library does not
use them."""

import numpy as np

from keras_gans.experiments.figures import mean_se

__all__ = ["mean_se", "spearman"]


def _average_ranks(values):
    """Ranks 1..n, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(x, y, permutations: int = 20000, seed: int = 0) -> tuple:
    """Spearman's rank correlation and its two-sided permutation p-value.

    ``rho`` is Pearson's correlation of the average ranks (ties share
    their mean rank). The p-value is the fraction of random pairings of
    ``y`` with ``x`` whose ``|rho|`` is at least the observed one, counting
    the observed pairing: ``(1 + hits) / (1 + permutations)``, exact in
    expectation for any sample size and without a distributional
    assumption.

    Args:
        x, y: equal-length sequences of at least 3 finite values.
        permutations: random pairings drawn.
        seed: seed of the pairings.

    Returns:
        ``(rho, p_value)``; ``rho`` is NaN (and p 1) when either sequence is
        constant.

    Raises:
        ValueError: unequal lengths, fewer than 3 values, or a non-finite
            value.
    """
    x = np.asarray(x, np.float64).ravel()
    y = np.asarray(y, np.float64).ravel()
    if len(x) != len(y) or len(x) < 3:
        raise ValueError(
            "spearman needs two sequences of equal length >= 3, got "
            f"{len(x)} and {len(y)}."
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("spearman: the values must be finite.")
    rx, ry = _average_ranks(x), _average_ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    norm = np.sqrt(np.sum(rx**2) * np.sum(ry**2))
    if norm == 0:
        return float("nan"), 1.0
    rho = float(np.sum(rx * ry) / norm)
    rng = np.random.default_rng(seed)
    shuffled = np.array([rng.permutation(ry) for _ in range(permutations)])
    null = np.abs(shuffled @ rx / norm)
    hits = int(np.sum(null >= abs(rho) - 1e-12))
    return rho, (1 + hits) / (1 + permutations)
