"""The bilinear game ``f(x, y) = x y`` (Thanh-Tung & Tran, 2020, Sec. IV):
the linear Dirac GAN (``diagnostics.dirac``) with ``x = psi``,
``y = theta``, x minimising and y maximising.

Simultaneous steps ``(x, y) <- (x - h y, y + h x)`` multiply the norm by
``sqrt(1 + h^2)`` every step (they spiral out). Alternating steps
``x <- x - h y``, ``y <- y + h x`` conserve ``E = x^2 + y^2 - h x y``
exactly, which is positive definite for ``h < 2``: they stay on a closed
orbit.

Gradients come from ``tf.GradientTape`` in float32; results come back as
NumPy arrays.
"""

import dataclasses
import functools
from typing import Dict

import numpy as np
import tensorflow as tf

__all__ = ["BILINEAR_MODES", "BilinearResult", "bilinear_game"]

BILINEAR_MODES = ("simultaneous", "alternating")


@dataclasses.dataclass(frozen=True)
class BilinearResult:
    """Trajectory of gradient play on ``f(x, y) = x y``.

    Attributes:
        mode: ``"simultaneous"`` or ``"alternating"``.
        learning_rate: the step size h.
        x: ``[steps + 1]`` trajectory of the minimising player.
        y: ``[steps + 1]`` trajectory of the maximising player.
    """

    mode: str
    learning_rate: float
    x: np.ndarray
    y: np.ndarray

    @property
    def norm(self) -> np.ndarray:
        """``[steps + 1]`` distance ``sqrt(x^2 + y^2)`` to the equilibrium."""
        return np.hypot(self.x, self.y)

    def summary(self) -> Dict[str, object]:
        """JSON-ready summary."""
        return {
            "mode": self.mode,
            "learning_rate": self.learning_rate,
            "steps": len(self.x) - 1,
            "initial_norm": float(self.norm[0]),
            "final_norm": float(self.norm[-1]),
            "max_norm": float(np.max(self.norm)),
        }


@functools.lru_cache(maxsize=None)
def _bilinear_step(alternating):
    def value(x, y):
        return x * y

    @tf.function
    def step(x, y, lr):
        with tf.GradientTape() as tape:
            tape.watch(x)
            fx = value(x, y)
        x_new = x - lr * tape.gradient(fx, x)
        if alternating:
            x = x_new
        with tf.GradientTape() as tape:
            tape.watch(y)
            fy = value(x, y)
        return x_new, y + lr * tape.gradient(fy, y)

    return step


def bilinear_game(
    mode: str,
    learning_rate: float = 0.1,
    steps: int = 100,
    x0: float = 1.0,
    y0: float = 0.0,
) -> BilinearResult:
    """Gradient descent (x) / ascent (y) on ``f(x, y) = x y``.

    Simultaneous: both players step from the same point; the norm grows by
    exactly ``sqrt(1 + h^2)`` per step. Alternating: x steps first, then y
    against the new x; ``x^2 + y^2 - h x y`` is conserved, so the play is
    bounded for ``h < 2``. Gradients come from ``tf.GradientTape``.

    Args:
        mode: ``"simultaneous"`` or ``"alternating"``.
        learning_rate: step size h of both players.
        steps: number of steps.
        x0: initial x.
        y0: initial y.

    Returns:
        A ``BilinearResult``.

    Raises:
        ValueError: an unknown mode, or a negative learning rate or steps.
    """
    if mode not in BILINEAR_MODES:
        raise ValueError(
            f"Unknown bilinear mode {mode!r}. "
            f"Valid: {', '.join(BILINEAR_MODES)}."
        )
    if learning_rate < 0 or steps < 0:
        raise ValueError("learning_rate and steps must be non-negative.")
    step = _bilinear_step(mode == "alternating")
    x = tf.constant(x0, tf.float32)
    y = tf.constant(y0, tf.float32)
    lr = tf.constant(learning_rate, tf.float32)
    xs, ys = [x0], [y0]
    for _ in range(steps):
        x, y = step(x, y, lr)
        xs.append(float(x))
        ys.append(float(y))
    return BilinearResult(
        mode,
        float(learning_rate),
        np.asarray(xs, np.float32),
        np.asarray(ys, np.float32),
    )
