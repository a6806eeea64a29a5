"""Per-seed statistics the benchmark tables share: the mean and its
standard error (``keras_gans.experiments.figures.mean_se``, which the installed
``keras-gans-table3`` uses too), Spearman's rank correlation with a
permutation p-value, pooled, within groups (stratified) and partial, and
Holm's correction for several tests. They summarise studies; the core
library does not use them."""

import numpy as np

from keras_gans.experiments.figures import mean_se

__all__ = [
    "holm",
    "mean_se",
    "partial_spearman",
    "spearman",
    "stratified_spearman",
]


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
    return _permuted(rx, ry, [np.arange(len(x))], permutations, seed)


def _check(*columns):
    arrays = [np.asarray(c, np.float64).ravel() for c in columns]
    if len({len(a) for a in arrays}) != 1 or len(arrays[0]) < 3:
        raise ValueError(
            "need sequences of equal length >= 3, got lengths "
            f"{[len(a) for a in arrays]}."
        )
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise ValueError("the values must be finite.")
    return arrays


def _permuted(rx, ry, blocks, permutations, seed):
    """``(r, p)``: the correlation ``sum(rx ry) / norm`` and the share of
    permutations of ``ry`` inside each block (index arrays) with ``|r|``
    at least the observed one, the observed pairing counted."""
    norm = np.sqrt(np.sum(rx**2) * np.sum(ry**2))
    if norm == 0:
        return float("nan"), 1.0
    r = float(np.sum(rx * ry) / norm)
    rng = np.random.default_rng(seed)
    shuffled = np.tile(ry, (permutations, 1))
    for block in blocks:
        for row in shuffled:
            row[block] = rng.permutation(row[block])
    null = np.abs(shuffled @ rx / norm)
    hits = int(np.sum(null >= abs(r) - 1e-12))
    return r, (1 + hits) / (1 + permutations)


def stratified_spearman(
    x, y, groups, permutations: int = 20000, seed: int = 0
) -> tuple:
    """Spearman's correlation within groups, and its permutation p-value.

    Within each group (e.g. one set-up's seeds) ``x`` and ``y`` are
    ranked and their ranks centred on the group's mean; ``rho`` is the
    correlation of these centred ranks pooled over the groups, so a
    difference between groups' levels contributes nothing, only whether
    within a group larger ``x`` goes with larger ``y``. The null pairs
    ``y`` with ``x`` at random inside each group (a stratified permutation
    test), ``p = (1 + hits) / (1 + permutations)``.

    Args:
        x, y: equal-length sequences of finite values.
        groups: a label per value; groups of one value add nothing.

    Returns:
        ``(rho, p)``; NaN and 1 when no group varies in both.
    """
    x, y = _check(x, y)
    labels = np.asarray(groups).ravel()
    if len(labels) != len(x):
        raise ValueError(
            f"need a group per value: {len(labels)} groups, {len(x)} values."
        )
    rx, ry = np.zeros_like(x), np.zeros_like(y)
    blocks = []
    for label in np.unique(labels):
        block = np.flatnonzero(labels == label)
        blocks.append(block)
        for values, ranks in ((x, rx), (y, ry)):
            r = _average_ranks(values[block])
            ranks[block] = r - r.mean()
    return _permuted(rx, ry, blocks, permutations, seed)


def partial_spearman(
    x, y, z, permutations: int = 20000, seed: int = 0
) -> tuple:
    """Spearman's partial correlation of ``x`` and ``y`` given ``z``, and
    its permutation p-value.

    The ranks of ``x`` and of ``y`` are each regressed on the ranks of
    ``z`` (least squares with an intercept); ``rho`` is the correlation of
    the two residuals, what is left of the rank association once ``z``'s
    linear share is taken out. The null permutes the residuals of ``y``
    (Freedman & Lane 1983).

    Returns:
        ``(rho, p)``; NaN and 1 when a residual is constant.
    """
    x, y, z = _check(x, y, z)
    rz = _average_ranks(z)
    design = np.stack([np.ones_like(rz), rz], 1)

    def residual(values):
        r = _average_ranks(values)
        coef, *_ = np.linalg.lstsq(design, r, rcond=None)
        return r - design @ coef

    rx, ry = residual(x), residual(y)
    return _permuted(rx, ry, [np.arange(len(x))], permutations, seed)


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values for a family of tests (Holm
    1979): sorted ascending, the k-th smallest (from 0) becomes the
    running maximum of ``min(1, (m - k) p_(k))``. Rejecting where the
    adjusted value is below alpha controls the family-wise error rate at
    alpha."""
    p = np.asarray(p_values, np.float64).ravel()
    order = np.argsort(p, kind="mergesort")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        adjusted[i] = running
    return adjusted
