"""The discriminator's output landscape around real points (paper eq. 2).

For real points ``x_i`` and one random unit direction ``u`` (shared by all
points, reproducible from a seed)::

    f_i(k) = sigmoid(D(x_i + k u)),    k on an odd grid in [-K, K]

for the logistic losses and ``f_i(k) = D(x_i + k u)``, the critic's own
output, for wasserstein and hinge (``output="logit"``; the paper's Table IV:
"Linear for WGAN"), so that a critic's arbitrary offset cannot change the
result (``diagnostics.scores``). (Paper Sec. III-B2: ``k in [-100, 100]`` for
784-D MNIST). The grid has ``num`` points, ``num`` odd, so ``k = 0`` is its
centre ``c``. Three numbers summarise the curves (Thanh-Tung & Tran, 2020,
Sec. IV):

- **local maximum**: ``f_i(0) >= f_i(k)`` for all ``|k| <= r``, some
  ``r > 0``. On the grid: walking outward from ``k = 0`` on each side, the
  longest run over which ``f_i`` never climbs more than ``tol`` above its
  lowest value so far must fall more than ``tol`` below ``f_i(0)`` on
  *both* sides. A curve that is flat on one side (e.g. a sigmoid saturated
  at 1 over the whole half-line) is a plateau, not a maximum: D does not
  prefer the real point to its neighbours there.
- **width** of a maximum: the largest ``r`` on the grid for which ``f_i``
  falls monotonically on both sides, ``r = min(r_left, r_right)``. On each
  side the fall is that never-rising run, cut where the curve first comes
  within ``tol`` of the run's lowest value: a flat tail (a sigmoid
  saturated at 0, where D no longer tells the points apart and G gets no
  signal to move towards the real point: the paper's sharp maxima with
  flat surroundings, Fig. 7) does not widen the maximum. At most ``K``;
  NaN for a point that is not a maximum.
- **monotonic** (directional monotonicity, paper Observation 1): ``f_i``
  never falls, or never rises, by more than ``tol`` between any two grid
  points (so many small steps add up; a constant curve is monotonic). A
  local maximum falls by more than ``tol`` on both sides, so it is never
  monotonic.

``tol`` (default 1e-4, in the curves' units) absorbs float32 rounding:
sigmoids of large logits are exactly 0.0 or 1.0 in float32, so saturated
curves have exact ties, and their neighbours differ by ~1e-7.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from keras_gans.diagnostics import scores

__all__ = [
    "Landscape",
    "analyse_curves",
    "compute_landscape",
    "random_direction",
]

Discriminator = Callable[[tf.Tensor], tf.Tensor]


def random_direction(shape, seed: int) -> np.ndarray:
    """A unit vector of ``shape`` (a sample's shape), ``N(0, I)`` normalised
    over all its entries, from ``np.random.default_rng(seed)``."""
    shape = tuple(int(d) for d in np.atleast_1d(shape))
    u = np.random.default_rng(seed).standard_normal(shape)
    return (u / np.linalg.norm(u)).astype(np.float32)


def _check_grid(k):
    k = np.asarray(k, np.float64)
    num = k.size
    if k.ndim != 1 or num < 3 or num % 2 == 0:
        raise ValueError(
            f"The k grid must be 1-D with an odd number >= 3 of points "
            f"(k = 0 at its centre), got shape {k.shape}."
        )
    if k[num // 2] != 0.0 or np.any(np.diff(k) <= 0):
        raise ValueError(
            "The k grid must be increasing with k = 0 at its centre."
        )
    return k


def _check_options(radius, num, tol):
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius!r}.")
    if int(num) != num or num < 3 or num % 2 == 0:
        raise ValueError(f"num must be an odd integer >= 3, got {num!r}.")
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}.")


def _outward_fall(values, tol):
    """Steps from ``values[0]`` over which the curve falls: the run that
    never climbs more than ``tol`` above its lowest value so far, cut at
    the first point within ``tol`` of the run's lowest value (a flat tail
    is not a fall)."""
    lowest = np.minimum.accumulate(values)
    rises = values[1:] > lowest[:-1] + tol
    run = int(np.argmax(rises)) if np.any(rises) else len(values) - 1
    segment = values[: run + 1]
    return int(np.argmax(segment <= segment.min() + tol))


def _is_monotonic(values, tol):
    """No fall, or no rise, of more than ``tol`` between any two points."""
    fall = np.max(np.maximum.accumulate(values) - values)
    rise = np.max(values - np.minimum.accumulate(values))
    return bool(fall <= tol or rise <= tol)


@dataclasses.dataclass(frozen=True)
class Landscape:
    """Curves ``f_i(k)`` and their shape (see the module docstring).

    Attributes:
        k: ``[num]`` grid, ``k[num // 2] = 0``.
        direction: the unit direction ``u``, a sample's shape.
        curves: ``[n, num]`` values ``f_i(k_j)``.
        local_max: ``[n]`` bool, whether ``x_i`` is a local maximum.
        width: ``[n]`` width of each maximum (NaN where not a maximum).
        monotonic: ``[n]`` bool, whether ``f_i`` is monotonic on the grid.
        tol: the tie tolerance used.
        unit: what the curves are: ``"sigmoid(D)"`` or ``"D (raw)"``.
    """

    k: np.ndarray
    direction: np.ndarray
    curves: np.ndarray
    local_max: np.ndarray
    width: np.ndarray
    monotonic: np.ndarray
    tol: float
    unit: str = "sigmoid(D)"

    @property
    def fraction_local_max(self) -> float:
        """Fraction of real points that are local maxima."""
        return float(np.mean(self.local_max))

    @property
    def mean_width(self) -> float:
        """Mean width of the maxima; NaN when there is none."""
        if not np.any(self.local_max):
            return float("nan")
        return float(np.mean(self.width[self.local_max]))

    @property
    def fraction_monotonic(self) -> float:
        """Fraction of points whose curve is monotonic over the range."""
        return float(np.mean(self.monotonic))

    def summary(self) -> Dict[str, Optional[float]]:
        """The three numbers, JSON-ready (a NaN width becomes None)."""
        width = self.mean_width
        return {
            "local_max": self.fraction_local_max,
            "mean_width": None if np.isnan(width) else width,
            "monotonic": self.fraction_monotonic,
        }


def analyse_curves(k, curves, direction=None, tol: float = 1e-4) -> Landscape:
    """Finds the local maxima, widths and monotonic curves of ``curves``.

    Args:
        k: ``[num]`` increasing grid, ``num`` odd, ``k[num // 2] = 0``.
        curves: ``[n, num]`` values ``f_i(k_j)``.
        direction: the direction the curves were taken along (stored only).
        tol: tie tolerance >= 0; changes of at most ``tol`` count as flat.

    Returns:
        A ``Landscape``.

    Raises:
        ValueError: a bad grid, curves of the wrong shape, non-finite
            values or a negative ``tol``.
    """
    k = _check_grid(k)
    curves = np.asarray(curves, np.float64)
    if curves.ndim != 2 or curves.shape[1] != k.size:
        raise ValueError(
            f"curves must be [n, {k.size}] (one value per k), got "
            f"{curves.shape}."
        )
    if not np.all(np.isfinite(curves)):
        raise ValueError("curves contain NaN or inf (did training diverge?).")
    if not tol >= 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}.")
    c = k.size // 2
    local_max = np.zeros(len(curves), bool)
    width = np.full(len(curves), np.nan)
    monotonic = np.zeros(len(curves), bool)
    for i, f in enumerate(curves):
        monotonic[i] = _is_monotonic(f, tol)
        right = _outward_fall(f[c:], tol)
        left = _outward_fall(f[c::-1], tol)
        if f[c] - f[c + right] > tol and f[c] - f[c - left] > tol:
            local_max[i] = True
            width[i] = min(k[c + right], -k[c - left])
    return Landscape(
        k=k,
        direction=None if direction is None else np.asarray(direction),
        curves=curves,
        local_max=local_max,
        width=width,
        monotonic=monotonic,
        tol=float(tol),
    )


def compute_landscape(
    discriminator: Discriminator,
    points,
    radius: float = 20.0,
    num: int = 101,
    seed: int = 0,
    direction=None,
    tol: float = 1e-4,
    batch_size: int = 4096,
    output: str = "sigmoid",
) -> Landscape:
    """``f_i(k) = sigmoid(D(x_i + k u))`` (or ``D(x_i + k u)``) for each
    real point, analysed.

    Args:
        discriminator: a Keras model or callable mapping ``[B, *shape]`` to
            logits ``[B]`` or ``[B, 1]`` (called in inference mode).
        points: ``[n, *shape]`` real points.
        radius: K > 0; k runs over ``linspace(-K, K, num)``.
        num: grid size, odd and >= 3.
        seed: seed of ``u`` (``random_direction``) when ``direction`` is
            None.
        direction: an explicit direction (a sample's shape); normalised.
        tol: tie tolerance of ``analyse_curves``.
        batch_size: points per discriminator call.
        output: ``"sigmoid"`` for a logistic D, ``"logit"`` for a critic's
            raw output (``diagnostics.scores.for_gan`` picks it from a
            GAN's loss).

    Returns:
        A ``Landscape``.

    Raises:
        ValueError: a bad radius, grid, direction or tolerance.
    """
    points = np.asarray(points, np.float32)
    if points.ndim < 2 or len(points) == 0:
        raise ValueError(
            f"points must be [n, *sample_shape] with n >= 1, got "
            f"{points.shape}."
        )
    _check_options(radius, num, tol)
    scores.check_output(output)
    shape = points.shape[1:]
    if direction is None:
        u = random_direction(shape, seed)
    else:
        u = np.asarray(direction, np.float32).reshape(shape)
        norm = np.linalg.norm(u)
        if not norm > 0:
            raise ValueError("direction must be a non-zero vector.")
        u = u / norm
    k = np.linspace(-radius, radius, int(num))
    k[int(num) // 2] = 0.0
    probes = (
        points[:, None]
        + k.astype(np.float32).reshape((1, -1) + (1,) * len(shape)) * u
    )
    flat = probes.reshape((-1,) + shape)
    values = [
        tf.reshape(
            scores.apply(discriminator(flat[i : i + batch_size]), output),
            [-1],
        )
        for i in range(0, len(flat), batch_size)
    ]
    curves = tf.concat(values, 0).numpy().reshape(len(points), int(num))
    land = analyse_curves(k, curves, u, tol)
    return dataclasses.replace(land, unit=scores.unit(output))
