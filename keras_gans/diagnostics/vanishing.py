"""The vanishing gradient of the minimax loss, shown (Goodfellow et al.,
2014, Sec. 3: why the non-saturating loss exists).

With ``d`` the fake logit and ``D(G(z)) = sigmoid(d)``, G's losses are
``-sp(d)`` (minimax) and ``sp(-d)`` (non-saturating, GAN-NS), so

- minimax: ``|dL_G/dd| = sigmoid(d) = D(G(z))``: it vanishes as D rejects
  the fakes confidently (``D(G(z)) -> 0``), early in training;
- non-saturating: ``|dL_G/dd| = 1 - sigmoid(d) = 1 - D(G(z))``: largest
  there.

Two measurements, both through ``keras_gans.losses`` by autodiff:

- ``dirac_curves``: the Dirac GAN, ``D(x) = psi x`` with ``psi = 1``
  (``keras_gans.networks.dirac_linear``) and ``G = theta``, so ``d = theta``
  and ``|dL_G/dtheta| = |dL_G/dd|``: compared with the analytic curves.
- ``ring_curves``: the paper's ring MLPs early in training: a fixed,
  freshly initialised G, D trained with Adam on the GAN-NS D loss towards
  confidence; every few D steps the global norm of G's gradient
  ``|grad_G L_G|`` for both losses against the batch mean of ``D(G(z))``.

``ratio_table`` gives NS / minimax at ``D(G(z)) = 0.01, 0.1, 0.5``
(analytic: ``(1 - p) / p``: 99, 9, 1).
"""

import dataclasses
import json
import math
import os
from typing import Dict, List, Sequence

import numpy as np

__all__ = [
    "LEVELS",
    "VanishingConfig",
    "dirac_curves",
    "format_table",
    "ratio_table",
    "ring_curves",
    "run",
    "write_outputs",
]

LEVELS = (0.01, 0.1, 0.5)
_LOSSES = ("minimax", "non_saturating")


@dataclasses.dataclass(frozen=True)
class VanishingConfig:
    """Settings of the demo.

    Attributes:
        points: grid points of ``D(G(z))`` in [p_min, 1 - p_min] (log
            spaced below 0.5) for the Dirac curves.
        p_min: smallest ``D(G(z))`` of the grid.
        ring_steps: D steps against the fixed G on the ring.
        record_every: D steps between two measurements.
        batch_size: real and fake batch of the ring runs.
        d_learning_rate: D's Adam learning rate on the ring.
        seed: seed of the ring networks and data.
    """

    points: int = 61
    p_min: float = 1e-3
    ring_steps: int = 400
    record_every: int = 5
    batch_size: int = 256
    d_learning_rate: float = 1e-3
    seed: int = 0

    def validate(self) -> "VanishingConfig":
        """Returns self; a bad setting is a ``ValueError`` naming it."""
        checks = [
            ("points", self.points >= 3, "must be >= 3"),
            ("p_min", 0.0 < self.p_min < 0.01, "must be in (0, 0.01)"),
            ("ring_steps", self.ring_steps >= 1, "must be >= 1"),
            ("record_every", self.record_every >= 1, "must be >= 1"),
            ("batch_size", self.batch_size >= 2, "must be >= 2"),
            ("d_learning_rate", self.d_learning_rate > 0, "must be > 0"),
            ("seed", self.seed >= 0, "must be >= 0"),
        ]
        for name, ok, rule in checks:
            if not ok:
                raise ValueError(
                    f"{name}={getattr(self, name)!r}: {name} {rule}."
                )
        return self


def _grid(config):
    low = np.geomspace(config.p_min, 0.5, config.points // 2 + 1)
    high = 1.0 - low[::-1][1:]
    return np.concatenate([low, high])


def dirac_curves(probabilities: Sequence[float]) -> Dict[str, np.ndarray]:
    """``|dL_G/dtheta|`` of the Dirac GAN at ``D(G(z)) = p``, both losses.

    Args:
        probabilities: values of ``D(G(z))`` in (0, 1).

    Returns:
        ``{"p", "minimax", "non_saturating", "analytic_minimax",
        "analytic_non_saturating"}``, float64 arrays like ``p``.
    """
    import tensorflow as tf

    from keras_gans import losses, networks

    p = np.asarray(probabilities, np.float64)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError("D(G(z)) values must lie in (0, 1).")
    d = networks.dirac_linear(psi=1.0)
    theta = tf.Variable(np.log(p / (1 - p))[:, None], dtype=tf.float32)
    real = tf.zeros([len(p), 1])
    out = {"p": p}
    for name in _LOSSES:
        with tf.GradientTape() as tape:
            _, _, g_loss = losses.get(name)(d(real), d(theta))
        # The loss is a batch mean of independent terms: times N, the
        # gradient on theta_i is that of example i's own loss.
        grad = tape.gradient(g_loss, theta).numpy()[:, 0] * len(p)
        out[name] = np.abs(grad).astype(np.float64)
    out["analytic_minimax"] = p
    out["analytic_non_saturating"] = 1.0 - p
    return out


def ring_curves(config: VanishingConfig) -> Dict[str, np.ndarray]:
    """G's gradient norm on the ring as D grows confident against a fixed G.

    Returns:
        ``{"step", "p", "minimax", "non_saturating"}``: per measurement the
        D step, the mean ``D(G(z))`` over a fixed fake batch and
        ``|grad_G L_G|`` (global norm over G's weights) for each loss.
    """
    import keras
    import tensorflow as tf

    from keras_gans import data, losses, networks, rng

    config.validate()
    keras.utils.set_random_seed(config.seed)
    g, d = networks.toy_mlp()
    optimizer = keras.optimizers.Adam(config.d_learning_rate, beta_1=0.5)
    mix = data.mixture("ring")
    z_fixed = rng.normal(
        [config.batch_size, 2], rng.stream(config.seed, "vanishing/latent")
    )
    fakes = g(z_fixed)

    @tf.function
    def d_step(real):
        with tf.GradientTape() as tape:
            loss_real, loss_fake, _ = losses.non_saturating(
                d(real, training=True), d(fakes, training=True)
            )
            loss = loss_real + loss_fake
        grads = tape.gradient(loss, d.trainable_weights)
        optimizer.apply(grads, d.trainable_weights)

    @tf.function
    def measure():
        norms = []
        for name in _LOSSES:
            with tf.GradientTape() as tape:
                fake_logits = d(g(z_fixed), training=False)
                _, _, g_loss = losses.get(name)(fake_logits, fake_logits)
            grads = tape.gradient(g_loss, g.trainable_weights)
            norms.append(tf.linalg.global_norm(grads))
        p = tf.reduce_mean(tf.sigmoid(d(fakes, training=False)))
        return p, norms

    rows = {"step": [], "p": [], "minimax": [], "non_saturating": []}
    for step in range(config.ring_steps + 1):
        if step % config.record_every == 0:
            p, norms = measure()
            rows["step"].append(step)
            rows["p"].append(float(p))
            for name, norm in zip(_LOSSES, norms):
                rows[name].append(float(norm))
        if step < config.ring_steps:
            real = data.sample_mixture(
                mix,
                config.batch_size,
                seed=rng.step_seed(config.seed, "vanishing/real", step),
            )
            d_step(real)
    return {k: np.asarray(v, np.float64) for k, v in rows.items()}


def ratio_table(curves, levels: Sequence[float] = LEVELS) -> List[dict]:
    """NS / minimax gradient norm at each ``D(G(z))`` level.

    For each level the measurement with the nearest ``D(G(z))`` (in log)
    is used, and its own ``D(G(z))`` reported; a level further than a
    factor 1.5 from every measurement gives None.
    """
    p = np.asarray(curves["p"])
    table = []
    for level in levels:
        distance = np.abs(np.log(p) - math.log(level))
        i = int(np.argmin(distance))
        if distance[i] > math.log(1.5):
            table.append({"level": level, "p": None, "ratio": None})
            continue
        mm, ns = curves["minimax"][i], curves["non_saturating"][i]
        table.append(
            {
                "level": level,
                "p": float(p[i]),
                "minimax": float(mm),
                "non_saturating": float(ns),
                "ratio": float(ns / mm) if mm > 0 else math.inf,
            }
        )
    return table


def format_table(tables: Dict[str, List[dict]]) -> str:
    """The printed table: one row per (setting, level)."""
    lines = [
        f"{'setting':<14}{'D(G(z))':>10}{'measured':>11}{'|g| minimax':>13}"
        f"{'|g| NS':>11}{'NS/minimax':>12}"
    ]
    for setting, rows in tables.items():
        for row in rows:
            if row["ratio"] is None:
                lines.append(
                    f"{setting:<14}{row['level']:>10g}{'not reached':>11}"
                )
                continue
            lines.append(
                f"{setting:<14}{row['level']:>10g}{row['p']:>11.4g}"
                f"{row['minimax']:>13.4g}{row['non_saturating']:>11.4g}"
                f"{row['ratio']:>12.4g}"
            )
    return "\n".join(lines)


def run(config: VanishingConfig) -> dict:
    """Both measurements and their ratio tables."""
    config.validate()
    dirac = dirac_curves(_grid(config))
    at_levels = dirac_curves(LEVELS)
    ring = ring_curves(config)
    return {
        "dirac": dirac,
        "ring": ring,
        "tables": {
            "dirac": ratio_table(at_levels),
            "dirac_analytic": ratio_table(
                {
                    "p": at_levels["p"],
                    "minimax": at_levels["analytic_minimax"],
                    "non_saturating": at_levels["analytic_non_saturating"],
                }
            ),
            "ring": ratio_table(ring),
        },
    }


def write_outputs(outdir: str, results: dict, config: VanishingConfig):
    """Writes ``vanishing.png`` and ``results.json`` to ``outdir``.

    Returns:
        Mapping from output name to its path.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(outdir, exist_ok=True)
    dirac, ring = results["dirac"], results["ring"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for name, colour in zip(_LOSSES, ("tab:red", "tab:blue")):
        left.plot(dirac["p"], dirac[name], color=colour, label=f"{name}")
        left.plot(
            dirac["p"],
            dirac[f"analytic_{name}"],
            "k--",
            linewidth=0.8,
            label="analytic" if name == "minimax" else None,
        )
        right.plot(
            ring["p"], ring[name], "o-", color=colour, ms=3, label=name
        )
    left.set_title("Dirac GAN: |dL_G/dtheta| vs D(G(z))", fontsize=9)
    right.set_title(
        "Ring MLPs, fixed early G: |grad_G L_G| as D learns", fontsize=9
    )
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_xlabel("D(G(z))")
        ax.legend(fontsize=8)
    left.set_ylabel("gradient norm")
    right.set_yscale("log")
    fig.tight_layout()
    paths = {"plot": os.path.join(outdir, "vanishing.png")}
    fig.savefig(paths["plot"])
    plt.close(fig)
    paths["results"] = os.path.join(outdir, "results.json")
    with open(paths["results"], "w") as f:
        json.dump(
            {
                "config": dataclasses.asdict(config),
                "tables": results["tables"],
                "dirac": {k: v.tolist() for k, v in dirac.items()},
                "ring": {k: v.tolist() for k, v in ring.items()},
            },
            f,
            indent=2,
        )
    return paths
