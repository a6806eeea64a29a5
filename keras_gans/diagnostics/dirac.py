"""The Dirac GAN (Thanh-Tung & Tran, 2020, Sec. IV).

**Dirac GAN** (Mescheder et al., 2018). The real distribution is a point
mass at ``x0 = 0``, the generator a point mass at ``theta`` (its only
parameter). With the paper's eq. 3 (the ``wasserstein`` row of
``keras_gans.losses``)::

    L_D = -D(0) + D(theta),        L_G = -D(theta)

Two discriminators, both without biases (so ``D(0) = 0`` always):

- ``linear``: ``D(x) = psi * x``, one weight ``psi``
  (``networks.dirac_linear``). L_D = psi * theta, L_G = -psi * theta: the
  game is the bilinear game (``diagnostics.bilinear``), its unique
  equilibrium ``psi = theta = 0``.
- ``hidden``: ``D(x) = Psi1^T lrelu(Psi0 x)`` with ``n`` Leaky-ReLU units
  (``networks.dirac_hidden``). It is piecewise linear with one kink at 0:
  slope ``s+`` for ``x > 0`` and ``s-`` for ``x < 0``, so it has its maximum
  at 0 iff ``s+ <= 0 <= s-`` and is monotonic otherwise. Proposition 1: the
  D that is optimal for the current fake alone is monotonic,
  ``D*(x) = -1^T lrelu(sign(theta) x 1)``.

Training is alternating gradient descent: one D step, then one G step
against the updated D. Both players use SGD, with momentum ``mu`` in the
``momentum`` variant: ``v <- mu v + grad``, ``w <- w - lr v`` (the PyTorch
convention; equal to Keras' for a constant learning rate). After every D
step the D weights are clipped to ``[-clip, clip]``: the paper's parameter
box ``psi, Psi0, Psi1 in [-1, 1]``, without which Prop. 1 has no optimum
and the Wasserstein loss drives the weights to infinity. The variants:

- ``plain``: D's fake batch is the current fake ``theta_t`` only.
- ``old_fake``: D's fake batch is ``[theta_t, theta_{t-K}]`` (K =
  ``old_fake_delay``; ``theta_{t-K} = theta_0`` while ``t < K``), the fake
  term averaged over the two; G's loss is on the current fake only.
- ``r1``: ``L_D + gamma * D'(0)^2`` (``penalties.r1``; weighting
  ``lambda * E[...]``, no 1/2, as in the paper's Table I). For the hidden D,
  TensorFlow differentiates Leaky-ReLU at 0 with slope ``alpha``, so the
  penalty is ``gamma * alpha^2 (sum_i Psi1_i Psi0_i)^2``: it pushes
  ``s+ = -s-``, and needs a larger gamma than the linear D.
- ``momentum``: SGD with momentum ``mu`` for both players.

The bilinear game this D's linear case reduces to is in
``keras_gans.diagnostics.bilinear``.

All computation is float32 TensorFlow with ``tf.GradientTape``; results
come back as NumPy arrays.
"""

import dataclasses
import functools
import json
import logging
import math
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from keras_gans import losses, penalties
from keras_gans.diagnostics.bilinear import BilinearResult

__all__ = [
    "DISCRIMINATORS",
    "VARIANTS",
    "DiracConfig",
    "DiracResult",
    "run_dirac",
    "initial_weights",
    "discriminator_output",
    "optimal_hidden_weights",
    "Monotonicity",
    "monotonicity",
    "default_suite",
    "run_suite",
    "format_table",
    "write_outputs",
]

DISCRIMINATORS = ("linear", "hidden")
VARIANTS = ("plain", "old_fake", "r1", "momentum")

_REAL = ((0.0,),)  # the real point x0 = 0, as a [1, 1] batch


@dataclasses.dataclass(frozen=True)
class DiracConfig:
    """One Dirac GAN run. See the module docstring for the game.

    Attributes:
        discriminator: ``"linear"`` or ``"hidden"``.
        variant: one of ``VARIANTS``.
        loss: a ``keras_gans.losses`` name; ``"wasserstein"`` is eq. 3.
        steps: number of (D step, G step) pairs.
        d_learning_rate: D's SGD learning rate.
        g_learning_rate: G's SGD learning rate (0 freezes theta: D is then
            trained alone on a fixed fake, as in paper Fig. 8f).
        theta0: initial fake point.
        psi0: initial weight of the linear D.
        hidden_units: n, the hidden D's width.
        negative_slope: Leaky-ReLU slope alpha of the hidden D.
        seed: seed of the hidden D's U[-1, 1] initial weights.
        clip: D weights are clipped to ``[-clip, clip]`` after each D step;
            None turns clipping off.
        old_fake_delay: K of the ``old_fake`` variant (fake batch
            ``[theta_t, theta_{t-K}]``).
        r1_weight: gamma of the ``r1`` variant.
        momentum: mu of the ``momentum`` variant (both players).
    """

    discriminator: str = "linear"
    variant: str = "plain"
    loss: str = "wasserstein"
    steps: int = 1000
    d_learning_rate: float = 0.05
    g_learning_rate: float = 0.05
    theta0: float = 1.0
    psi0: float = 0.0
    hidden_units: int = 4
    negative_slope: float = 0.2
    seed: int = 7
    clip: Optional[float] = 1.0
    old_fake_delay: int = 10
    r1_weight: float = 1.0
    momentum: float = 0.5

    def validate(self) -> "DiracConfig":
        """Returns self; raises ValueError on an invalid field."""
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(
                f"Unknown Dirac discriminator {self.discriminator!r}. "
                f"Valid: {', '.join(DISCRIMINATORS)}."
            )
        if self.variant not in VARIANTS:
            raise ValueError(
                f"Unknown Dirac variant {self.variant!r}. "
                f"Valid: {', '.join(VARIANTS)}."
            )
        losses.get(self.loss)
        checks = [
            ("steps", self.steps >= 1),
            ("d_learning_rate", self.d_learning_rate >= 0),
            ("g_learning_rate", self.g_learning_rate >= 0),
            (
                "hidden_units",
                int(self.hidden_units) == self.hidden_units
                and self.hidden_units >= 1,
            ),
            ("negative_slope", 0 <= self.negative_slope < 1),
            ("clip", self.clip is None or self.clip > 0),
            ("old_fake_delay", self.old_fake_delay >= 1),
            ("r1_weight", self.r1_weight >= 0),
            ("momentum", 0 <= self.momentum < 1),
        ]
        for name, ok in checks:
            if not ok:
                raise ValueError(
                    f"Invalid DiracConfig.{name}: {getattr(self, name)!r}."
                )
        return self


def initial_weights(config: DiracConfig) -> List[np.ndarray]:
    """The D's initial weights, shaped like the Keras kernels.

    Linear: ``[psi]`` of shape ``[1, 1]`` holding ``config.psi0``. Hidden:
    ``[Psi0 [1, n], Psi1 [n, 1]]`` drawn U[-1, 1] (the distribution of
    ``networks.dirac_hidden``) from ``np.random.default_rng(config.seed)``.
    """
    if config.discriminator == "linear":
        return [np.full((1, 1), config.psi0, np.float32)]
    n = int(config.hidden_units)
    rng = np.random.default_rng(config.seed)
    psi0 = rng.uniform(-1.0, 1.0, (1, n)).astype(np.float32)
    psi1 = rng.uniform(-1.0, 1.0, (n, 1)).astype(np.float32)
    return [psi0, psi1]


def _forward(weights, x, negative_slope):
    if len(weights) == 1:
        return tf.matmul(x, weights[0])
    h = tf.nn.leaky_relu(tf.matmul(x, weights[0]), alpha=negative_slope)
    return tf.matmul(h, weights[1])


def discriminator_output(
    weights: Sequence[np.ndarray],
    x: np.ndarray,
    negative_slope: float = 0.2,
) -> np.ndarray:
    """Evaluates a Dirac discriminator on points ``x``.

    Args:
        weights: ``[psi]`` (linear, ``D(x) = psi x``) or ``[Psi0, Psi1]``
            (hidden, ``D(x) = Psi1^T lrelu(Psi0 x)``), Keras kernel shapes.
        x: points, any shape.
        negative_slope: Leaky-ReLU slope of the hidden D.

    Returns:
        float32 array of D's logits, the shape of ``x``.
    """
    x = np.asarray(x, np.float32)
    w = [tf.constant(np.asarray(a, np.float32)) for a in weights]
    out = _forward(w, tf.reshape(x, [-1, 1]), negative_slope)
    return out.numpy().reshape(x.shape)


def optimal_hidden_weights(theta: float, n: int) -> List[np.ndarray]:
    """Proposition 1's optimum of eq. 3 for one fake at ``theta != 0``.

    ``Psi0* = sign(theta) 1``, ``Psi1* = -1`` on the box ``[-1, 1]``, so
    ``D*(x) = -1^T lrelu(sign(theta) x 1)``: a monotonic function.
    """
    sign = 1.0 if theta > 0 else -1.0
    return [
        np.full((1, n), sign, np.float32),
        np.full((n, 1), -1.0, np.float32),
    ]


def _step(loss_name, use_old, use_r1, negative_slope):
    """One alternating (D, G) step of a game structure, as a function of
    the state and the hyperparameters (traced inside ``_run_fn``)."""
    loss_fn = losses.get(loss_name)
    real = tf.constant(_REAL, tf.float32)

    def critic(weights):
        def fn(x, training=False):
            del training
            return _forward(weights, x, negative_slope)

        return fn

    def step(
        weights, d_vel, theta, g_vel, theta_old, d_lr, g_lr, mu, gamma, clip
    ):
        fake = tf.reshape(theta, [1, 1])
        batch = fake
        if use_old:
            batch = tf.concat([fake, tf.reshape(theta_old, [1, 1])], 0)
        with tf.GradientTape() as tape:
            tape.watch(weights)
            d = critic(weights)
            loss_real, loss_fake, _ = loss_fn(d(real), d(batch))
            d_loss = loss_real + loss_fake
            if use_r1:
                d_loss += gamma * penalties.r1(d, real, fake, None)
        grads = tape.gradient(d_loss, weights)
        d_vel = [mu * v + g for v, g in zip(d_vel, grads)]
        weights = [
            tf.clip_by_value(w - d_lr * v, -clip, clip)
            for w, v in zip(weights, d_vel)
        ]
        with tf.GradientTape() as tape:
            tape.watch(theta)
            d = critic(weights)
            g_loss = loss_fn(d(real), d(tf.reshape(theta, [1, 1])))[2]
        g_vel = mu * g_vel + tape.gradient(g_loss, theta)
        return weights, d_vel, theta - g_lr * g_vel, g_vel

    return step


@functools.lru_cache(maxsize=None)
def _run_fn(loss_name, use_old, use_r1, negative_slope):
    """A whole run in one graph, traced once per game structure: the
    steps in a loop, the trajectory in TensorArrays (a Python loop of
    per-step calls spent ~1 ms a step on the calls and copies)."""
    step = _step(loss_name, use_old, use_r1, negative_slope)

    @tf.function
    def run(weights, theta, steps, delay, d_lr, g_lr, mu, gamma, clip):
        thetas = tf.TensorArray(
            tf.float32, size=steps + 1, clear_after_read=False
        ).write(0, theta)
        history = [
            tf.TensorArray(tf.float32, size=steps + 1).write(0, w)
            for w in weights
        ]
        d_vel = [tf.zeros_like(w) for w in weights]
        g_vel = tf.zeros([], tf.float32)
        for t in tf.range(steps):
            old = thetas.read(tf.maximum(t - delay, 0))
            weights, d_vel, theta, g_vel = step(
                weights, d_vel, theta, g_vel, old, d_lr, g_lr, mu, gamma, clip
            )
            thetas = thetas.write(t + 1, theta)
            history = [h.write(t + 1, w) for h, w in zip(history, weights)]
        return thetas.stack(), [h.stack() for h in history]

    return run


@dataclasses.dataclass(frozen=True)
class DiracResult:
    """Trajectory of one Dirac GAN run.

    Attributes:
        config: the run's config.
        theta: ``[steps + 1]`` fake point after each step (index 0: start).
        weights: D's weights after each step, one array per kernel,
            ``[steps + 1, *kernel_shape]``.
    """

    config: DiracConfig
    theta: np.ndarray
    weights: Tuple[np.ndarray, ...]

    @property
    def psi(self) -> Optional[np.ndarray]:
        """``[steps + 1]`` trajectory of the linear D's psi; else None."""
        if self.config.discriminator != "linear":
            return None
        return self.weights[0][:, 0, 0]

    @property
    def final_distance(self) -> float:
        """``|theta_T|``: the generator's distance to equilibrium."""
        return float(abs(self.theta[-1]))

    @property
    def final_psi(self) -> Optional[float]:
        """``|psi_T|`` for the linear D (its equilibrium is 0); else None."""
        psi = self.psi
        return None if psi is None else float(abs(psi[-1]))

    def tail_max(self, fraction: float = 0.2) -> float:
        """``max |theta|`` over the last ``fraction`` of the steps."""
        tail = max(1, round(fraction * self.config.steps))
        return float(np.max(np.abs(self.theta[-tail:])))

    def sign_changes(self) -> int:
        """How often theta changes sign (exact zeros skipped)."""
        signs = np.sign(self.theta)
        signs = signs[signs != 0]
        return int(np.sum(signs[1:] != signs[:-1]))

    def final_weights(self, step: int = -1) -> List[np.ndarray]:
        """D's kernels after ``step`` (default: the last)."""
        return [w[step] for w in self.weights]

    def discriminator(self, x: np.ndarray, step: int = -1) -> np.ndarray:
        """D's logits at points ``x`` after ``step`` (default: the last)."""
        return discriminator_output(
            self.final_weights(step), x, self.config.negative_slope
        )

    def summary(self) -> Dict[str, object]:
        """JSON-ready summary: config and distances to equilibrium."""
        return {
            "config": dataclasses.asdict(self.config),
            "final_abs_theta": self.final_distance,
            "final_abs_psi": self.final_psi,
            "tail_max_abs_theta": self.tail_max(),
            "sign_changes": self.sign_changes(),
        }


def run_dirac(config: DiracConfig) -> DiracResult:
    """Trains a Dirac GAN with alternating steps (D, then G).

    Args:
        config: the run (validated here).

    Returns:
        The trajectory of theta and of D's weights.

    Raises:
        ValueError: an invalid config.
    """
    config.validate()
    run = _run_fn(
        config.loss,
        config.variant == "old_fake",
        config.variant == "r1",
        float(config.negative_slope),
    )
    scalar = functools.partial(tf.constant, dtype=tf.float32)
    mu = config.momentum if config.variant == "momentum" else 0.0
    # Each game structure (and D's shapes) traces once, a run a call:
    # TensorFlow's "frequent retracing" warning counts the closures as one
    # function and would print for every variant of the binary.
    tf_logger = tf.get_logger()
    level = tf_logger.level
    tf_logger.setLevel(logging.ERROR)
    try:
        thetas, history = run(
            [tf.constant(w) for w in initial_weights(config)],
            scalar(config.theta0),
            tf.constant(config.steps, tf.int32),
            tf.constant(config.old_fake_delay, tf.int32),
            scalar(config.d_learning_rate),
            scalar(config.g_learning_rate),
            scalar(mu),
            scalar(config.r1_weight),
            scalar(math.inf if config.clip is None else config.clip),
        )
    finally:
        tf_logger.setLevel(level)
    return DiracResult(
        config, thetas.numpy(), tuple(h.numpy() for h in history)
    )


@dataclasses.dataclass(frozen=True)
class Monotonicity:
    """Shape of a 1-D function on a grid over ``[-radius, radius]``.

    Attributes:
        monotonic: no sign change of the successive differences
            (differences within ``tol`` count as flat).
        direction: +1 non-decreasing, -1 non-increasing, 0 flat or not
            monotonic.
        argmax: the grid point where the function is largest.
        argmax_at_boundary: whether that point is ``-radius`` or ``radius``.
    """

    monotonic: bool
    direction: int
    argmax: float
    argmax_at_boundary: bool


def monotonicity(
    fn: Callable[[np.ndarray], np.ndarray],
    radius: float = 2.0,
    num: int = 401,
    tol: float = 1e-6,
) -> Monotonicity:
    """Whether a 1-D discriminator is monotonic on ``[-radius, radius]``.

    Evaluates ``fn`` on ``num`` evenly spaced points (an odd ``num``
    includes 0) and checks the signs of the successive differences.

    Args:
        fn: maps a 1-D array of points to their scores, same length.
        radius: half-width R of the interval.
        num: grid size, at least 3.
        tol: differences with ``|diff| <= tol`` count as flat.

    Returns:
        A ``Monotonicity``.

    Raises:
        ValueError: ``num < 3`` or ``radius <= 0``.
    """
    if num < 3 or radius <= 0:
        raise ValueError(f"Need num >= 3 and radius > 0, got {num}, {radius}.")
    grid = np.linspace(-radius, radius, num)
    values = np.asarray(fn(grid), np.float64).reshape(-1)
    diffs = np.diff(values)
    up, down = np.any(diffs > tol), np.any(diffs < -tol)
    direction = 0 if up == down else (1 if up else -1)
    i = int(np.argmax(values))
    return Monotonicity(
        monotonic=not (up and down),
        direction=direction,
        argmax=float(grid[i]),
        argmax_at_boundary=i in (0, num - 1),
    )


def default_suite(
    base: Optional[DiracConfig] = None,
    linear_r1_weight: float = 1.0,
    hidden_r1_weight: float = 10.0,
) -> List[DiracConfig]:
    """Every (discriminator, variant) pair, sharing the fields of ``base``.

    The R1 weight differs per D: ``D'(0)^2`` is ``psi^2`` for the linear D
    but ``alpha^2 (sum_i Psi1_i Psi0_i)^2`` for the hidden one (module
    docstring), so the hidden D needs a larger gamma for the same pull.

    Args:
        base: shared settings; ``DiracConfig()`` if None. Its
            ``discriminator``, ``variant`` and ``r1_weight`` are replaced.
        linear_r1_weight: gamma of the linear D's ``r1`` run.
        hidden_r1_weight: gamma of the hidden D's ``r1`` run.
    """
    base = base or DiracConfig()
    weights = {"linear": linear_r1_weight, "hidden": hidden_r1_weight}
    return [
        dataclasses.replace(
            base, discriminator=d, variant=v, r1_weight=weights[d]
        ).validate()
        for d in DISCRIMINATORS
        for v in VARIANTS
    ]


def run_suite(configs: Sequence[DiracConfig]) -> List[DiracResult]:
    """Runs ``run_dirac`` on each config, in order."""
    return [run_dirac(c) for c in configs]


def format_table(results: Sequence[DiracResult]) -> str:
    """A plain-text table of the distance to equilibrium per run."""
    header = (
        f"{'D':<7}{'variant':<10}{'|theta_T|':>11}{'|psi_T|':>10}"
        f"{'max|theta| last 20%':>21}{'sign changes':>14}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        psi = "-" if r.final_psi is None else f"{r.final_psi:.4f}"
        lines.append(
            f"{r.config.discriminator:<7}{r.config.variant:<10}"
            f"{r.final_distance:>11.4f}{psi:>10}{r.tail_max():>21.4f}"
            f"{r.sign_changes():>14d}"
        )
    return "\n".join(lines)


def write_outputs(
    outdir: str,
    results: Sequence[DiracResult],
    bilinear: Sequence[BilinearResult],
) -> Dict[str, str]:
    """Writes the plots and ``results.json`` to ``outdir``.

    Files: ``theta_linear.png``, ``theta_hidden.png`` (theta per variant),
    ``phase_linear.png`` (linear D in the (theta, psi) plane),
    ``hidden_d.png`` (hidden D at the end, plain vs old_fake, paper Fig. 8),
    ``bilinear.png`` and ``results.json``.

    Returns:
        Mapping from output name to its path.
    """
    from keras_gans import plots  # matplotlib: only when plotting

    os.makedirs(outdir, exist_ok=True)
    paths = {}
    by_d = {
        d: [r for r in results if r.config.discriminator == d]
        for d in DISCRIMINATORS
    }
    for d, runs in by_d.items():
        if not runs:
            continue
        c = runs[0].config
        detail = f", n={c.hidden_units}" if d == "hidden" else ""
        paths[f"theta_{d}"] = plots.plot_theta(
            runs,
            os.path.join(outdir, f"theta_{d}.png"),
            f"Dirac GAN, {d} D{detail}: theta over steps "
            f"(loss {c.loss}, lr {c.d_learning_rate:g}/"
            f"{c.g_learning_rate:g})",
        )
    if by_d["linear"]:
        paths["phase_linear"] = plots.plot_linear_phase(
            by_d["linear"],
            os.path.join(outdir, "phase_linear.png"),
            "Dirac GAN, linear D: (theta, psi), dots at the last step",
        )
    figure8 = [
        r for r in by_d["hidden"] if r.config.variant in ("plain", "old_fake")
    ]
    if figure8:
        paths["hidden_d"] = plots.plot_discriminators(
            figure8,
            os.path.join(outdir, "hidden_d.png"),
            title=f"Hidden D (n={figure8[0].config.hidden_units}) at the end",
        )
    if bilinear:
        paths["bilinear"] = plots.plot_bilinear(
            bilinear,
            os.path.join(outdir, "bilinear.png"),
            f"f(x, y) = x*y, {len(bilinear[0].x) - 1} steps",
        )
    paths["results"] = os.path.join(outdir, "results.json")
    with open(paths["results"], "w") as f:
        json.dump(
            {
                "dirac": [r.summary() for r in results],
                "bilinear": [b.summary() for b in bilinear],
            },
            f,
            indent=2,
        )
    return paths
