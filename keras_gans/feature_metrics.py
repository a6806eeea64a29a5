"""Sample-quality metrics on feature vectors: KID, improved precision and
recall, density and coverage.

All three take two arrays of features ``[N, D]`` (the digits classifier's
penultimate layer, Inception's pool_3, any embedding) and compare the real
and the generated distribution in that space:

- **KID** (Binkowski et al., 2018, "Demystifying MMD GANs"): the unbiased
  estimator of the squared maximum mean discrepancy with the cubic
  polynomial kernel ``k(x, y) = (x . y / D + 1)^3``, averaged over random
  subsets of a fixed size.
- **Improved precision and recall** (Kynkaanniemi et al., 2019): each
  set's manifold is the union of balls around its points, each ball's
  radius the distance to the point's k-th nearest neighbour in its own set
  (the point itself not counted); precision is the fraction of generated
  points inside the real manifold, recall the fraction of real points
  inside the generated one.
- **Density and coverage** (Naeem et al., 2020, "Reliable fidelity and
  diversity metrics"): with the same k-NN balls around the *real* points
  only, density ``= 1/(k M) sum_j sum_i 1[y_j in B(x_i)]`` (how many real
  balls hold each fake, on average, over k: 1 when the two sets are alike)
  and coverage ``= 1/N sum_i 1[exists j: y_j in B(x_i)]``.

Where a ball ends follows each method's reference code: precision and
recall count its boundary (``distance <= radius``, Kynkaanniemi et al.'s
``ManifoldEstimator``), density and coverage do not (``distance <
radius``, Naeem et al.'s ``prdc``), so that a set compared with itself has
density exactly 1 (each ball then holds its centre and the k - 1 nearer
neighbours, not the k-th on its boundary). Distances are
computed in float64 from blocks of rows and columns (at most ``block``
of each at a time: 2048 x 2048 float64 is 32 MB), so 50k x 2048 features
fit in memory; the k-NN radii are kept as running k + 1 smallest
distances per row.
"""

from collections.abc import Iterator

import numpy as np

from keras_gans.validation import check_integer

__all__ = ["density_coverage", "kid", "precision_recall"]

_BLOCK = 2048


def _features(name, x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{name} features must have shape [N, D] with N, D > 0, got "
            f"{x.shape}."
        )
    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{name} features must be numeric, got {x.dtype}.")
    if not np.all(np.isfinite(x)):
        bad = int(np.count_nonzero(~np.all(np.isfinite(x), axis=1)))
        raise ValueError(
            f"{name} features contain NaN or inf in {bad} of {len(x)} rows "
            "(did training diverge, or the feature extractor overflow?)."
        )
    return x


def _pair(real, fake):
    real, fake = _features("real", real), _features("fake", fake)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"real and fake features have different widths: {real.shape[1]} "
            f"vs {fake.shape[1]} (were they taken from the same layer?)."
        )
    return real, fake


def _check_k(k, real, fake, need_fake=True):
    k = check_integer("k", k, 1)
    sets = [("real", real)] + ([("fake", fake)] if need_fake else [])
    for name, x in sets:
        if len(x) < k + 1:
            raise ValueError(
                f"k = {k} nearest neighbours need at least k + 1 = {k + 1} "
                f"{name} samples (a point is not its own neighbour), got "
                f"{len(x)}; pass more samples or a smaller k."
            )
    return k


def _blocks(a, b, block) -> Iterator[tuple[slice, slice, np.ndarray]]:
    """``(rows, cols, d2)``: squared Euclidean distances ``a[rows]`` to
    ``b[cols]``, float64, clipped at 0, block by block."""
    na = np.einsum("ij,ij->i", a, a, dtype=np.float64)
    nb = np.einsum("ij,ij->i", b, b, dtype=np.float64)
    for i in range(0, len(a), block):
        rows = slice(i, min(i + block, len(a)))
        ai = a[rows].astype(np.float64)
        for j in range(0, len(b), block):
            cols = slice(j, min(j + block, len(b)))
            d2 = (
                na[rows, None]
                + nb[None, cols]
                - 2.0 * (ai @ b[cols].astype(np.float64).T)
            )
            yield rows, cols, np.maximum(d2, 0.0)


def _knn_radii2(x, k, block) -> np.ndarray:
    """Squared distance of each point of ``x`` to its k-th nearest
    neighbour in ``x``, itself excluded (the (k + 1)-th smallest distance,
    the smallest being its distance 0 to itself)."""
    best = np.full((len(x), k + 1), np.inf)
    for rows, cols, d2 in _blocks(x, x, block):
        merged = np.concatenate([best[rows], d2], axis=1)
        best[rows] = np.partition(merged, k, axis=1)[:, : k + 1]
    return np.sort(best, axis=1)[:, k]


def _in_balls(points, centres, radii2, block, closed=True):
    """For each point: how many balls ``(centres, radii2)`` hold it; for
    each centre: whether its ball holds any point. ``closed``: a point on
    a ball's boundary is inside it."""
    counts = np.zeros(len(points), np.int64)
    hit = np.zeros(len(centres), bool)
    inside_of = np.less_equal if closed else np.less
    for rows, cols, d2 in _blocks(points, centres, block):
        inside = inside_of(d2, radii2[None, cols])
        counts[rows] += inside.sum(axis=1)
        hit[cols] |= inside.any(axis=0)
    return counts, hit


def precision_recall(real, fake, k: int = 3, block: int = _BLOCK) -> tuple:
    """Improved precision and recall (Kynkaanniemi et al., 2019).

    ``precision = 1/M sum_j 1[exists i: |y_j - x_i| <= r_k(x_i)]`` and
    ``recall = 1/N sum_i 1[exists j: |x_i - y_j| <= r_k(y_j)]``, where
    ``r_k(p)`` is the distance from ``p`` to its k-th nearest neighbour in
    its own set, ``p`` excluded. Identical sets give (1, 1); sets farther
    apart than every radius give (0, 0). The paper uses k = 3.

    Args:
        real: real features ``[N, D]``.
        fake: generated features ``[M, D]``.
        k: the neighbour defining each ball's radius.
        block: rows and columns per distance block (memory).

    Returns:
        ``(precision, recall)``, floats in [0, 1].

    Raises:
        ValueError: bad shapes, different widths, NaN/inf, or fewer than
            ``k + 1`` samples in either set.
    """
    real, fake = _pair(real, fake)
    k = _check_k(k, real, fake)
    real_r2 = _knn_radii2(real, k, block)
    fake_r2 = _knn_radii2(fake, k, block)
    in_real, _ = _in_balls(fake, real, real_r2, block)
    in_fake, _ = _in_balls(real, fake, fake_r2, block)
    return float(np.mean(in_real > 0)), float(np.mean(in_fake > 0))


def density_coverage(real, fake, k: int = 5, block: int = _BLOCK) -> tuple:
    """Density and coverage (Naeem et al., 2020).

    With ``B_i`` the open ball around real ``x_i`` of radius its k-th
    nearest real neighbour's distance (``x_i`` excluded; open as in the
    authors' ``prdc`` code, ``distance < radius``):
    ``density = 1/(k M) sum_j sum_i 1[y_j in B_i]`` (unbounded above; about
    1 when the fakes are distributed like the reals) and ``coverage = 1/N
    sum_i 1[exists j: y_j in B_i]`` in [0, 1]. The paper uses k = 5.

    Args:
        real: real features ``[N, D]``, N >= k + 1.
        fake: generated features ``[M, D]``.
        k: the neighbour defining each ball's radius.
        block: rows and columns per distance block (memory).

    Returns:
        ``(density, coverage)``.

    Raises:
        ValueError: bad shapes, different widths, NaN/inf, or fewer than
            ``k + 1`` real samples.
    """
    real, fake = _pair(real, fake)
    k = _check_k(k, real, fake, need_fake=False)
    real_r2 = _knn_radii2(real, k, block)
    counts, hit = _in_balls(fake, real, real_r2, block, closed=False)
    return float(counts.sum() / (k * len(fake))), float(hit.mean())


def _cubic_kernel(a, b) -> np.ndarray:
    """``(a . b / D + 1)^3`` for all pairs (computed in place, the cube as
    ``t * t * t``)."""
    t = a @ b.T
    t /= a.shape[1]
    t += 1.0
    t *= t * t
    return t


def _mmd2_unbiased(x, y) -> float:
    kxx = _cubic_kernel(x, x)
    kyy = _cubic_kernel(y, y)
    kxy = _cubic_kernel(x, y)
    m, n = len(x), len(y)
    sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    syy = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(sxx + syy - 2.0 * kxy.mean())


def kid(
    real,
    fake,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple:
    """Kernel Inception Distance (Binkowski et al., 2018), on any features.

    For each of ``subsets`` draws, ``subset_size`` real rows ``x`` and as
    many fake rows ``y`` are chosen without replacement and the unbiased
    squared MMD with the kernel ``k(a, b) = (a . b / D + 1)^3`` is taken:

        ``1/(m(m-1)) sum_{i != j} k(x_i, x_j)
        + 1/(m(m-1)) sum_{i != j} k(y_i, y_j)
        - 2/m^2 sum_{i, j} k(x_i, y_j)``.

    Unbiased, so it can be (slightly) negative for alike sets. The
    published protocol uses 100 subsets of 1000.

    Args:
        real: real features ``[N, D]``, N >= subset_size.
        fake: generated features ``[M, D]``, M >= subset_size.
        subsets: number of subsets (>= 1).
        subset_size: rows per subset (>= 2).
        seed: seed of the subset draws.

    Returns:
        ``(mean, std)`` over the subsets.

    Raises:
        ValueError: bad shapes, different widths, NaN/inf, or fewer samples
            than ``subset_size`` in either set.
    """
    real, fake = _pair(real, fake)
    checks = (("subsets", subsets, 1), ("subset_size", subset_size, 2))
    for name, value, low in checks:
        if isinstance(value, bool) or int(value) != value or value < low:
            raise ValueError(
                f"{name} must be an integer >= {low}, got {value!r}."
            )
    m = int(subset_size)
    for name, x in (("real", real), ("fake", fake)):
        if len(x) < m:
            raise ValueError(
                f"KID subset_size = {m} is larger than the {len(x)} {name} "
                f"samples; pass at least {m} {name} samples or a smaller "
                "subset_size."
            )
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(int(subsets)):
        x = real[rng.choice(len(real), m, replace=False)].astype(np.float64)
        y = fake[rng.choice(len(fake), m, replace=False)].astype(np.float64)
        values.append(_mmd2_unbiased(x, y))
    return float(np.mean(values)), float(np.std(values))
