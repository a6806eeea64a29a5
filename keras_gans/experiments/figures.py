"""The paper's figure experiments: their configs, runs and tables.

What ``bin/fig1.py``, ``bin/landscape.py`` and ``bin/forgetting.py`` share
(Thanh-Tung & Tran, 2020). The variants are presets
(``keras_gans.experiments.presets``: ``fig1/VARIANT`` and
``digits/VARIANT``) and every run goes through the one trainer,
``train_lib.run``, with the figure's
diagnostic callback (its state rides the run's checkpoint):

- ``fig1_config`` / ``fig1_run``: the ring runs of Fig. 1 (2 x 64 ReLU
  MLPs, 2-D latent, paper Sec. III-B1) with a ``GradientFieldCallback``.
- ``digits_config`` / ``run_digits``: the landscape (Figs 2-7) and
  forgetting (Fig. 11) runs on the 8x8 digits with the paper's MLP (Table
  IV: 3 x 512 ReLU, latent 50, batch 64) and its optimiser settings.

The paper trained 100k-200k iterations on MNIST (784-D); the binaries run
far fewer on digits so that they fit on a CPU, which matters most for the
slow constant-learning-rate SGD runs.
"""

import math
import os
from typing import Dict, Mapping, Optional, Sequence, Tuple

import keras
import numpy as np

from keras_gans import callbacks as gan_callbacks
from keras_gans import data
from keras_gans.experiments import presets
from keras_gans.config import TrainConfig
from keras_gans.diagnostics import gradient_field as field_lib
from keras_gans.validation import check_integer

__all__ = [
    "DIGITS_VARIANTS",
    "FIG1_VARIANTS",
    "digits_config",
    "digits_points",
    "fig1_config",
    "fig1_run",
    "fig1_table",
    "forgetting_table",
    "format_table",
    "landscape_rows",
    "landscape_table",
    "mean_se",
    "run_digits",
]

# name -> presets.Variant (description, TrainConfig overrides).
FIG1_VARIANTS: Mapping[str, presets.Variant] = presets.variants("fig1")
DIGITS_VARIANTS: Mapping[str, presets.Variant] = presets.variants("digits")


def fig1_config(
    variant: str,
    steps: int,
    every: int,
    dataset: str = "ring_paper",
    seed: int = 0,
    batch_size: int = 64,
) -> TrainConfig:
    """The ``fig1/VARIANT`` preset for ``steps`` steps, checkpoints and logs
    every ``every`` steps, mode coverage at the end.

    Raises:
        ValueError: an unknown variant or an invalid config.
    """
    presets.check_variants("fig1", [variant], "Fig. 1")
    return presets.preset(
        f"fig1/{variant}",
        dataset=dataset,
        seed=seed,
        batch_size=batch_size,
        steps=steps,
        log_every=every,
        eval_every=steps,
        steps_per_execution=math.gcd(every, 50),
    )


def digits_config(
    variant: str,
    steps: int,
    log_every: int,
    seed: int = 0,
    batch_size: int = 64,
) -> TrainConfig:
    """The ``digits/VARIANT`` preset for ``steps`` steps, an epoch (the
    diagnostics' and checkpoints' cadence) every ``log_every`` steps.

    Raises:
        ValueError: an unknown variant or an invalid config.
    """
    presets.check_variants("digits", [variant], "digits")
    steps = check_integer("steps", steps, 1)
    log_every = check_integer("log_every", log_every, 1)
    return presets.preset(
        f"digits/{variant}",
        seed=seed,
        batch_size=batch_size,
        steps=steps,
        log_every=log_every,
        # Every epoch, not at ``steps``: a larger ``steps`` then trains a
        # finished run on (the cadence is part of the run's identity).
        eval_every=log_every,
        steps_per_execution=math.gcd(log_every, 50),
    )


def digits_points(n: Optional[int] = None, split: str = "train") -> np.ndarray:
    """The first ``n`` (None: all) digits of ``split``: ``[n, 8, 8, 1]`` in
    [-1, 1], the training data's shape."""
    images, _ = data.digits(split)
    if n is not None:
        images = images[: check_integer("n", n, 1)]
    return images


def run_digits(
    variant: str,
    workdir,
    steps: int,
    log_every: int,
    diagnostics: Sequence[keras.callbacks.Callback] = (),
    seed: int = 0,
    batch_size: int = 64,
    verbose="auto",
) -> dict:
    """Trains (or resumes) a digits variant in ``workdir`` with
    ``train_lib.run``; returns its ``metrics.json`` dict.

    Every ``log_every`` steps (one epoch) the diagnostic callbacks run and
    the checkpoint saves the GAN with every callback's ``state`` (e.g.
    ``ForgettingCallback.state``); running again on the same workdir
    resumes. A different setting on an existing workdir is refused
    (``train_lib.WorkdirConflictError``), a larger ``steps`` trains on.

    Raises:
        ValueError: an unknown variant, bad step counts, or a workdir that
            holds another run.
    """
    from keras_gans import train_lib  # train_lib imports this package

    config = digits_config(variant, steps, log_every, seed, batch_size)
    return train_lib.run(
        config, workdir, verbose=verbose, callbacks=list(diagnostics)
    )


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


def mean_se(values) -> tuple:
    """``(mean, standard error of the mean)`` of per-seed results, the way
    every table here reports them; the error is NaN for one value."""
    values = np.asarray(values, np.float64)
    if values.size < 2:
        return float(values.mean()), float("nan")
    return float(values.mean()), float(
        values.std(ddof=1) / np.sqrt(values.size)
    )


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
    return _describe(variant, FIG1_VARIANTS)


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
    dataset: str = "ring_paper",
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
    result = train_lib.run(config, workdir, verbose=0, callbacks=[cb])
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
