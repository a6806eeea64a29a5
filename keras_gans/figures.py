"""The paper's figure experiments: their variants and a resumable digits run.

What ``bin/fig1.py``, ``bin/landscape.py`` and ``bin/forgetting.py`` share
(Thanh-Tung & Tran, 2020):

- ``FIG1_VARIANTS``: the ring runs of Fig. 1, as ``TrainConfig`` overrides
  for ``train_lib.run`` (2 x 64 ReLU MLPs, 2-D latent, paper Sec. III-B1).
- ``DIGITS_VARIANTS``: the landscape (Figs 2-7) and forgetting (Fig. 11)
  runs on 8x8 digits flattened to 64-D, with the paper's MLP (Table IV:
  3 x 512 ReLU, latent 50, batch 64) and its optimiser settings.
- ``run_digits``: trains one digits variant with ``GAN.fit`` in a workdir,
  with diagnostic callbacks, checkpointing every epoch and resuming from
  the latest checkpoint (callback state included).

The paper trained 100k-200k iterations on MNIST (784-D); the binaries run
far fewer on digits so that they fit on a CPU, which matters most for the
slow constant-learning-rate SGD runs.
"""

import dataclasses
import json
import math
import os
from typing import Dict, Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

from keras_gans import callbacks as gan_callbacks
from keras_gans import data, networks, penalties, rng
from keras_gans.config import OptimizerConfig, TrainConfig
from keras_gans.diagnostics import gradient_field as field_lib
from keras_gans.gan import GAN
from keras_gans.validation import check_integer

__all__ = [
    "DIGITS_VARIANTS",
    "FIG1_VARIANTS",
    "DigitsVariant",
    "build_digits_gan",
    "digits_dataset",
    "digits_points",
    "fig1_config",
    "fig1_run",
    "fig1_table",
    "forgetting_table",
    "format_table",
    "landscape_rows",
    "landscape_table",
    "run_digits",
]

# ------------------------------------------------------------ Fig. 1 (ring)

_FIG1_SGD = OptimizerConfig(name="sgd", learning_rate=3e-3)
# Sec. IV-A: "reuse the ... learning rate ... replace SGD with Adam".
_FIG1_ADAM = OptimizerConfig("adam", 3e-3, beta1=0.5, beta2=0.99)

FIG1_VARIANTS: Dict[str, Tuple[str, dict]] = {
    "ns_sgd": (
        "GAN-NS + SGD lr 3e-3",
        dict(penalty="none", d_optimizer=_FIG1_SGD, g_optimizer=_FIG1_SGD),
    ),
    "r1": (
        "GAN-NS + R1 lambda 10, SGD lr 3e-3",
        dict(
            penalty="r1",
            penalty_weight=10.0,
            d_optimizer=_FIG1_SGD,
            g_optimizer=_FIG1_SGD,
        ),
    ),
    "ns_adam": (
        "GAN-NS + Adam lr 3e-3 (0.5, 0.99)",
        dict(penalty="none", d_optimizer=_FIG1_ADAM, g_optimizer=_FIG1_ADAM),
    ),
}


def fig1_config(
    variant: str,
    steps: int,
    every: int,
    dataset: str = "ring",
    seed: int = 0,
    batch_size: int = 64,
) -> TrainConfig:
    """The ``TrainConfig`` of a Fig. 1 variant: paper networks (2 x 64),
    2-D latent, constant learning rate, no EMA; checkpoints and logs every
    ``every`` steps, mode coverage at the end.

    Raises:
        ValueError: an unknown variant or an invalid config.
    """
    if variant not in FIG1_VARIANTS:
        raise ValueError(
            f"Unknown Fig. 1 variant {variant!r}. "
            f"Valid: {', '.join(FIG1_VARIANTS)}."
        )
    # R1 differentiates sigmoid(D), as the paper's Table I (D a
    # probability) and its code did, like every digits variant.
    base = TrainConfig(
        dataset=dataset,
        loss="non_saturating",
        penalty_output="sigmoid",
        real_weight=1.0,
        n_critic=1,
        ema_decay=0.0,
        lr_schedule="constant",
        batch_size=batch_size,
        steps=steps,
        seed=seed,
        latent_dim=2,
        hidden_units=(64, 64),
        steps_per_execution=min(50, every),
        log_every=every,
        eval_every=steps,
    )
    return dataclasses.replace(base, **FIG1_VARIANTS[variant][1]).validate()


# ------------------------------------------------- digits (Figs 2-7, Fig. 11)


@dataclasses.dataclass(frozen=True)
class DigitsVariant:
    """One GAN set-up of the paper's MLP experiments.

    Attributes:
        description: for tables and plot titles.
        loss: a ``keras_gans.losses`` name.
        penalty: a ``keras_gans.penalties`` name.
        penalty_weight: lambda.
        penalty_output: ``"sigmoid"`` (the paper's code differentiated
            D's sigmoid output) or ``"logit"`` (WGAN-GP's critic).
        n_critic: D steps per G step.
        optimizer: both players' optimizer.
    """

    description: str
    loss: str = "non_saturating"
    penalty: str = "none"
    penalty_weight: float = 0.0
    penalty_output: str = "logit"
    n_critic: int = 1
    optimizer: OptimizerConfig = OptimizerConfig("adam", 3e-4, 0.5, 0.99)


_SGD = OptimizerConfig(name="sgd", learning_rate=3e-4)

DIGITS_VARIANTS: Dict[str, DigitsVariant] = {
    # Fig. 2 / 22 and Fig. 11a-b: constant-lr SGD 3e-4.
    "ns_sgd": DigitsVariant("GAN-NS + SGD lr 3e-4", optimizer=_SGD),
    # Figs 3-6: Adam(3e-4, 0.5, 0.99) (Table IV).
    "ns_adam": DigitsVariant("GAN-NS + Adam"),
    "zero_gp": DigitsVariant(
        "GAN-0GP lambda 100 + Adam",
        penalty="zero_gp",
        penalty_weight=100.0,
        penalty_output="sigmoid",
    ),
    "r1": DigitsVariant(
        "GAN-R1 lambda 100 + Adam",
        penalty="r1",
        penalty_weight=100.0,
        penalty_output="sigmoid",
    ),
    "wgan_gp": DigitsVariant(
        "WGAN-GP lambda 10, 5 D steps + Adam",
        loss="wasserstein",
        penalty="wgan_gp",
        penalty_weight=10.0,
        n_critic=5,
    ),
    # Fig. 11c-d: 0GP lambda 100 with the SGD of Fig. 11.
    "zero_gp_sgd": DigitsVariant(
        "GAN-0GP lambda 100 + SGD lr 3e-4",
        penalty="zero_gp",
        penalty_weight=100.0,
        penalty_output="sigmoid",
        optimizer=_SGD,
    ),
}

_DIGITS_DIM = 64
_LATENT_DIM = 50


def _variant(name):
    if name not in DIGITS_VARIANTS:
        raise ValueError(
            f"Unknown digits variant {name!r}. "
            f"Valid: {', '.join(DIGITS_VARIANTS)}."
        )
    return DIGITS_VARIANTS[name]


def digits_points(n: Optional[int] = None, split: str = "train") -> np.ndarray:
    """The first ``n`` (None: all) digits of ``split``, flattened:
    ``[n, 64]``."""
    images, _ = data.digits(split)
    if n is not None:
        images = images[: check_integer("n", n, 1)]
    return images.reshape(-1, _DIGITS_DIM)


def digits_dataset(
    batch_size: int, seed: int, start_step: int = 0
) -> tf.data.Dataset:
    """Infinite batches of flattened training digits ``[batch_size, 64]``,
    drawn uniformly with replacement; batch ``i`` is a function of
    ``(seed, i)`` only, so a resumed run starts at ``start_step``."""
    images = tf.constant(digits_points())
    n = tf.constant(images.shape[0], tf.uint32)
    base = tf.constant([int(seed), 0xD161], tf.int64)

    def batch(step):
        index = rng.bits([batch_size], rng.fold_in(base, step)) % n
        return tf.gather(images, tf.cast(index, tf.int32))

    return (
        tf.data.Dataset.counter(start=int(start_step), dtype=tf.int64)
        .map(batch, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def build_digits_gan(
    variant: str, seed: int = 0, steps_per_execution: int = 1
) -> GAN:
    """The compiled GAN of a digits variant: ``networks.paper_mlp(50,
    (64,))`` (tanh output), seeded weights and noise."""
    v = _variant(variant)
    keras.utils.set_random_seed(seed)
    with tf.distribute.get_strategy().scope():
        generator, discriminator = networks.paper_mlp(
            _LATENT_DIM, (_DIGITS_DIM,)
        )
        gan = GAN(generator, discriminator, _LATENT_DIM, seed=seed)
        gan.compile(
            d_optimizer=v.optimizer.build(),
            g_optimizer=v.optimizer.build(),
            loss=v.loss,
            penalty=penalties.get(v.penalty),
            penalty_weight=v.penalty_weight,
            penalty_output=v.penalty_output,
            n_critic=v.n_critic,
            jit_compile=False,
            steps_per_execution=steps_per_execution,
        )
    return gan


def run_digits(
    variant: str,
    workdir,
    steps: int,
    log_every: int,
    diagnostics: Sequence[keras.callbacks.Callback] = (),
    seed: int = 0,
    batch_size: int = 64,
    verbose="auto",
) -> GAN:
    """Trains (or resumes) a digits variant in ``workdir``; returns the GAN.

    Every ``log_every`` steps (one epoch) the diagnostic callbacks run, then
    ``workdir/checkpoints`` gets the GAN and every callback's ``state``
    (e.g. ``ForgettingCallback.state``); running again on the same workdir
    resumes from there. ``workdir/run.json`` records the run's settings; a
    different setting on an existing workdir is an error. TensorBoard logs
    go to ``workdir/tensorboard``.

    Args:
        variant: a ``DIGITS_VARIANTS`` name.
        workdir: output and checkpoint directory.
        steps: GAN steps in all (a multiple of ``log_every``).
        log_every: epoch length in GAN steps.
        diagnostics: callbacks run before each checkpoint.
        seed: weights, noise and data seed.
        batch_size: real samples per D step.
        verbose: Keras ``fit`` verbosity.

    Raises:
        ValueError: an unknown variant, bad step counts, or a workdir that
            holds another run.
    """
    v = _variant(variant)
    steps = check_integer("steps", steps, 1)
    log_every = check_integer("log_every", log_every, 1)
    if steps % log_every:
        raise ValueError(
            f"steps ({steps}) must be a multiple of log_every ({log_every})."
        )
    workdir = os.fspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    settings = {
        "variant": variant,
        **dataclasses.asdict(v),
        "steps": steps,
        "log_every": log_every,
        "seed": seed,
        "batch_size": batch_size,
    }
    _check_settings(os.path.join(workdir, "run.json"), settings)
    gan = build_digits_gan(variant, seed, math.gcd(log_every, 50))
    trackables = {}
    for i, cb in enumerate(diagnostics):
        if hasattr(cb, "state"):
            cb.set_model(gan)  # creates the state before the restore
            trackables[f"callback_{i}"] = cb.state
    checkpoint = gan_callbacks.Checkpoint(
        gan, os.path.join(workdir, "checkpoints"), **trackables
    )
    step = checkpoint.restore()
    if step < steps:
        gan.fit(
            digits_dataset(batch_size * v.n_critic, seed, start_step=step),
            initial_epoch=step // log_every,
            epochs=steps // log_every,
            steps_per_epoch=log_every,
            verbose=verbose,
            callbacks=[
                *diagnostics,
                keras.callbacks.TensorBoard(
                    os.path.join(workdir, "tensorboard")
                ),
                keras.callbacks.TerminateOnNaN(),
                checkpoint,
            ],
        )
    return gan


def _check_settings(path, settings):
    settings = json.loads(json.dumps(settings))
    if os.path.exists(path):
        with open(path) as f:
            previous = json.load(f)
        if previous != settings:
            changed = sorted(
                k
                for k in settings
                if k not in previous or previous[k] != settings[k]
            )
            raise ValueError(
                f"{os.path.dirname(path)} holds a run with other settings "
                f"({changed} differ); use a new workdir."
            )
    with open(path, "w") as f:
        json.dump(settings, f, indent=2)


def format_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A plain-text table; floats with 3 decimals, None as ``-``."""

    def cell(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return "-"
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = [list(header)] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths))
        )
        for r in cells
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _mean(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def landscape_rows(results: Dict[str, list]) -> list:
    """Per run: the landscape numbers at the last measurement and their
    means over all measurements.

    Args:
        results: run name -> ``LandscapeCallback.history``.
    """
    rows = []
    for name, history in results.items():
        last = history[-1]
        rows.append(
            {
                "variant": name,
                "step": last["step"],
                "local_max": last["local_max"],
                "mean_width": last["mean_width"],
                "monotonic": last["monotonic"],
                "local_max_all_steps": _mean([r["local_max"] for r in history]),
                "mean_width_all_steps": _mean(
                    [r["mean_width"] for r in history]
                ),
                "monotonic_all_steps": _mean([r["monotonic"] for r in history]),
            }
        )
    return rows


def landscape_table(results: Dict[str, list]) -> str:
    """``landscape_rows`` as a printed table."""
    header = [
        "variant",
        "step",
        "local max",
        "width",
        "monotonic",
        "local max (all)",
        "width (all)",
        "monotonic (all)",
    ]
    rows = [
        [
            _describe(r["variant"], DIGITS_VARIANTS),
            r["step"],
            r["local_max"],
            r["mean_width"],
            r["monotonic"],
            r["local_max_all_steps"],
            r["mean_width_all_steps"],
            r["monotonic_all_steps"],
        ]
        for r in landscape_rows(results)
    ]
    return format_table(header, rows)


def _describe(variant, table):
    return table[variant].description if variant in table else variant


def _describe_fig1(variant):
    return FIG1_VARIANTS[variant][0] if variant in FIG1_VARIANTS else variant


def forgetting_table(summaries: Dict[str, "object"]) -> str:
    """A table of ``ForgettingSummary`` numbers, one row per run."""
    keys = (
        "mean_max_rise",
        "mean_final_rise",
        "fraction_above_half",
        "mean_old_score",
    )
    return format_table(
        [
            "variant",
            "mean max rise",
            "mean final rise",
            "old > 0.5",
            "mean old score",
        ],
        [
            [_describe(v, DIGITS_VARIANTS)] + [s.summary()[k] for k in keys]
            for v, s in summaries.items()
        ],
    )


def fig1_run(
    variant: str,
    workdir,
    steps: int,
    every: int,
    real,
    dataset: str = "ring",
    seed: int = 0,
    num: int = 21,
) -> Tuple[dict, list]:
    """Trains (or resumes) a Fig. 1 variant with ``train_lib.run`` and a
    ``GradientFieldCallback``; fields go to ``workdir/fields``.

    Returns:
        ``(record, fields)``: the record holds the field numbers over
        training (mean coherence and arrow length, the mean cosine between
        consecutive fields, each step's numbers) and the final mode
        coverage; ``fields`` is ``[(step, GradientField, fake)]``.
    """
    from keras_gans import train_lib  # train_lib imports this package

    config = fig1_config(variant, steps, every, dataset, seed)
    fields_dir = os.path.join(os.fspath(workdir), "fields")
    cb = gan_callbacks.GradientFieldCallback(
        real,
        every,
        num=num,
        seed=seed,
        centres=data.mixture(dataset).centres,
        outdir=fields_dir,
        log_dir=os.path.join(os.fspath(workdir), "tensorboard", "field"),
    )
    result = train_lib.run(config, workdir, verbose=0, extra_callbacks=[cb])
    fields = [
        (
            r["step"],
            *cb.load_field(
                os.path.join(fields_dir, f"gradient_field_{r['step']:07d}.npz")
            ),
        )
        for r in cb.history
    ]
    cosines = [
        field_lib.mean_cosine(a[1], b[1]) for a, b in zip(fields, fields[1:])
    ]
    final = result["final"]
    record = {
        "variant": variant,
        "coherence": _mean([r["coherence"] for r in cb.history]),
        "mean_norm": _mean([r["mean_norm"] for r in cb.history]),
        "consecutive_cosine": _mean(cosines),
        "modes": final["modes"] if "modes" in final else None,
        "high_quality": final["high_quality"] if "modes" in final else None,
        "history": cb.history,
        "consecutive_cosines": cosines,
    }
    return record, fields


def fig1_table(records: Sequence[dict]) -> str:
    """The ``fig1_run`` records as a table."""
    return format_table(
        ["variant", "coherence", "mean |v|", "cos(t, t+1)", "modes", "HQ"],
        [
            [
                _describe_fig1(r["variant"]),
                r["coherence"],
                r["mean_norm"],
                r["consecutive_cosine"],
                r["modes"],
                r["high_quality"],
            ]
            for r in records
        ],
    )
