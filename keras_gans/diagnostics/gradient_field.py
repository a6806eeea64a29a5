"""The generator's gradient field on 2-D data (paper Fig. 1).

At each point ``x`` of a regular grid, the vector ``v(x) = -dL_G/dx``: the
direction in which a fake sample at ``x`` moves under a small generator
step, if D is held fixed. ``L_G(x)`` is the per-sample generator loss of
``keras_gans.losses`` on D's logit at ``x`` (non_saturating:
``L_G = softplus(-D(x))``, so ``v = sigmoid(-D(x)) dD/dx``; wasserstein and
hinge: ``v = dD/dx``). D is called in inference mode.

Two numbers summarise a field:

- ``mean_norm``: the mean of ``|v|`` over the grid (how strongly fakes are
  pushed; a saturated D gives vanishing arrows).
- ``mean_cosine(a, b)`` (two fields on one grid): the mean cosine between
  their arrows, 1 when the pattern has not changed; the paper's
  non-convergent GAN-NS + SGD turns its arrows as the fakes move.
- ``coherence``: ``|mean_x v(x)/|v(x)||`` over the grid points with
  ``|v| > 0``, in [0, 1]. 1: all arrows point the same way (the loss is
  directionally monotonic over the whole window, paper Observation 1);
  near 0: arrows point in many directions, e.g. towards several real
  points that are local maxima of D.
"""

import dataclasses
from typing import Callable, Dict, Sequence, Tuple

import numpy as np
import tensorflow as tf

from keras_gans import losses

__all__ = [
    "GradientField",
    "compute_gradient_field",
    "field_limits",
    "mean_cosine",
]


@dataclasses.dataclass(frozen=True)
class GradientField:
    """``v = -dL_G/dx`` on a grid.

    Attributes:
        x: ``[nx]`` grid abscissae.
        y: ``[ny]`` grid ordinates.
        vectors: ``[ny, nx, 2]``; ``vectors[j, i]`` is ``v`` at
            ``(x[i], y[j])``.
        loss: the loss name (a function's ``__name__``).
    """

    x: np.ndarray
    y: np.ndarray
    vectors: np.ndarray
    loss: str

    @property
    def points(self) -> np.ndarray:
        """``[ny * nx, 2]`` grid points, row-major like ``vectors``."""
        xx, yy = np.meshgrid(self.x, self.y)
        return np.stack([xx.ravel(), yy.ravel()], axis=1)

    @property
    def norms(self) -> np.ndarray:
        """``[ny, nx]`` arrow lengths ``|v|``."""
        return np.linalg.norm(self.vectors, axis=-1)

    @property
    def mean_norm(self) -> float:
        return float(np.mean(self.norms))

    @property
    def coherence(self) -> float:
        """``|mean of unit arrows|`` (0 when every arrow is zero)."""
        norms = self.norms.ravel()
        keep = norms > 0
        if not np.any(keep):
            return 0.0
        unit = self.vectors.reshape(-1, 2)[keep] / norms[keep, None]
        return float(np.linalg.norm(unit.mean(axis=0)))

    def summary(self) -> Dict[str, float]:
        return {"mean_norm": self.mean_norm, "coherence": self.coherence}


def field_limits(
    *point_sets, margin: float = 0.25
) -> Tuple[Tuple[float, float], Tuple[float, float]]:
    """A square window around all finite points, padded by ``margin`` of its
    side: ``((x_min, x_max), (y_min, y_max))``."""
    finite = [
        p[np.all(np.isfinite(p), axis=1)]
        for p in (np.asarray(s, np.float64).reshape(-1, 2) for s in point_sets)
    ]
    allp = np.concatenate(finite) if finite else np.zeros((0, 2))
    if len(allp) == 0:
        return (-1.0, 1.0), (-1.0, 1.0)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2, 1e-3)
    half *= 1 + 2 * margin
    return (
        (float(centre[0] - half), float(centre[0] + half)),
        (float(centre[1] - half), float(centre[1] + half)),
    )


def _flat_logits(discriminator, x):
    """D's logits on ``x`` as float32 ``[B]``."""
    return tf.reshape(tf.cast(discriminator(x), tf.float32), [-1])


def compute_gradient_field(
    discriminator: Callable[[tf.Tensor], tf.Tensor],
    loss="non_saturating",
    xlim: Sequence[float] = (-2.0, 2.0),
    ylim: Sequence[float] = (-2.0, 2.0),
    num: int = 21,
    real=None,
) -> GradientField:
    """``-dL_G/dx`` of ``discriminator`` on a ``num x num`` grid.

    For a paired loss (``losses.is_paired``: relativistic) G's loss at a
    fake x reads real logits too; the field is then ``-d/dx mean_j
    L_G(D(r_j), D(x))`` over the real points ``real`` (a fake at x paired
    with a random real point).

    Args:
        discriminator: a Keras model or callable mapping ``[B, 2]`` to
            logits ``[B]`` or ``[B, 1]``.
        loss: a ``keras_gans.losses`` name or loss function; its generator
            loss is used.
        xlim: ``(x_min, x_max)`` of the grid.
        ylim: ``(y_min, y_max)``.
        num: grid points per axis, >= 2.
        real: ``[M, 2]`` real points, needed (only) for a paired loss.

    Returns:
        A ``GradientField``.

    Raises:
        ValueError: an unknown loss, ``num < 2``, an empty window, or a
            paired loss without ``real``.
    """
    loss_fn = losses.get(loss)
    paired = losses.is_paired(loss_fn)
    if paired and real is None:
        raise ValueError(
            "A paired loss (relativistic) needs the real points (real=) for "
            "its generator's gradient field."
        )
    if int(num) != num or num < 2:
        raise ValueError(f"num must be an integer >= 2, got {num!r}.")
    if not (xlim[1] > xlim[0] and ylim[1] > ylim[0]):
        raise ValueError(f"Empty window: xlim={xlim}, ylim={ylim}.")
    x = np.linspace(xlim[0], xlim[1], int(num))
    y = np.linspace(ylim[0], ylim[1], int(num))
    xx, yy = np.meshgrid(x, y)
    points = tf.constant(np.stack([xx.ravel(), yy.ravel()], 1), tf.float32)
    n = int(points.shape[0])
    with tf.GradientTape() as tape:
        tape.watch(points)
        logits = _flat_logits(discriminator, points)
        # L_G is a batch mean of per-sample terms: n * mean has the
        # per-sample gradients.
        if paired:
            real_logits = _flat_logits(
                discriminator, tf.constant(real, tf.float32)
            )
            m = tf.shape(real_logits)[0]
            # Every grid point paired with every real point: n * the mean
            # over the n * m pairs is sum_i mean_j L_G(d_r_j, D(x_i)).
            g_loss = n * loss_fn(
                tf.tile(real_logits, [n]), tf.repeat(logits, m)
            )[2]
        else:
            g_loss = n * loss_fn(logits, logits)[2]
    grads = tape.gradient(g_loss, points)
    if grads is None:  # D does not depend on its input
        grads = tf.zeros_like(points)
    vectors = -grads.numpy().reshape(int(num), int(num), 2)
    name = loss if isinstance(loss, str) else getattr(loss, "__name__", "")
    return GradientField(x=x, y=y, vectors=vectors, loss=name)


def mean_cosine(a: GradientField, b: GradientField) -> float:
    """Mean cosine between the arrows of two fields on the same grid, over
    the points where both arrows are non-zero (NaN if there is none).

    Raises:
        ValueError: the grids differ.
    """
    if not (np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)):
        raise ValueError("The two fields are on different grids.")
    va, vb = a.vectors.reshape(-1, 2), b.vectors.reshape(-1, 2)
    na, nb = np.linalg.norm(va, axis=1), np.linalg.norm(vb, axis=1)
    keep = (na > 0) & (nb > 0)
    if not np.any(keep):
        return float("nan")
    cos = np.sum(va[keep] * vb[keep], axis=1) / (na[keep] * nb[keep])
    return float(np.mean(cos))
