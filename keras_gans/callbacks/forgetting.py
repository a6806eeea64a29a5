"""Tracks D's scores on frozen old fakes (paper Fig. 11)."""

import math
import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans import rng
from keras_gans.callbacks._diagnostic import (
    DiagnosticCallback,
    current_fakes,
    gan_step,
)
from keras_gans.diagnostics import forgetting as forgetting_lib
from keras_gans.diagnostics import scores
from keras_gans.validation import check_integer

__all__ = ["ForgettingCallback"]


class _ForgettingState(tf.Module):
    """Frozen fakes and the score history, checkpointable."""

    def __init__(self, max_batches, batch_size, sample_shape, reals=None):
        super().__init__(name="forgetting")
        on_first = tf.VariableAggregation.ONLY_FIRST_REPLICA

        def variable(value, name, shape=None):
            return tf.Variable(
                value,
                shape=shape,
                trainable=False,
                aggregation=on_first,
                name=name,
            )

        self.fakes = variable(
            tf.zeros((max_batches, batch_size) + tuple(sample_shape)), "fakes"
        )
        self.freeze_steps = variable(
            tf.fill([max_batches], tf.constant(-1, tf.int64)), "freeze_steps"
        )
        self.count = variable(tf.zeros([], tf.int64), "count")
        # Grow by one row per evaluation (shape [None, ...]).
        self.eval_steps = variable(
            tf.zeros([0], tf.int64), "eval_steps", tf.TensorShape([None])
        )
        self.scores = variable(
            tf.zeros([0, max_batches]),
            "scores",
            tf.TensorShape([None, max_batches]),
        )
        # With real samples: the old-fake AUCs, a row per evaluation (the
        # variables exist only then, so checkpoints without them load).
        if reals is not None:
            self.reals = variable(tf.constant(reals, tf.float32), "reals")
            self.aucs = variable(
                tf.zeros([0, max_batches]),
                "aucs",
                tf.TensorShape([None, max_batches]),
            )


class ForgettingCallback(DiagnosticCallback):
    """Freezes a batch of fakes every ``freeze_every`` GAN steps and logs
    D's mean score ``mean sigmoid(D(y))`` on every frozen batch every
    ``every`` steps (``diagnostics.forgetting``).

    At an epoch end whose step ``t`` is a multiple of ``every``: if ``t``
    is also a multiple of ``freeze_every`` and fewer than ``max_batches``
    batches are frozen, ``batch_size`` fakes of the current (trained, not
    EMA) generator are frozen, from latents seeded by ``(seed, batch
    index)``; then every frozen batch is scored. Logs
    ``forgetting_mean_max_rise``, ``forgetting_mean_final_rise``,
    ``forgetting_fraction_above_half`` and ``forgetting_mean_old_score``
    (NaN until some batch has an old score); given ``reals``, also the
    scale-free old-fake AUC of every batch (``diagnostics.forgetting.auc``
    of D's raw scores on ``reals`` against the batch) and its summary,
    ``forgetting_mean_auc_max_drop``, ``forgetting_mean_old_auc`` and
    ``forgetting_fraction_auc_below_half``; and, to TensorBoard,
    ``forgetting/batch_{b}`` too; writes ``outdir/forgetting.png`` (the
    curves so far, redrawn each time), ``outdir/forgetting.json`` and the
    TensorBoard image.

    The frozen fakes and the whole score history live in ``self.state``
    (``tf.Variable``\\ s, created by ``set_model``), which is the source of
    truth: checkpoint it with the GAN, e.g. ``callbacks.Checkpoint(gan,
    dir, forgetting=cb.state)``, calling ``cb.set_model(gan)`` before the
    restore, and list this callback before the ``Checkpoint`` callback so
    that the checkpoint of step ``t`` holds the evaluation of step ``t``.
    A resumed run then continues the same curves on the same fakes.

    Args:
        freeze_every: GAN steps between frozen batches (a multiple of
            ``every``).
        every: GAN steps between evaluations (a multiple of the epoch
            length).
        batch_size: fakes per frozen batch.
        max_batches: how many batches are frozen at most.
        seed: seed of the frozen batches' latents.
        outdir: directory of the PNG and JSON; None writes none.
        log_dir: TensorBoard directory; None writes none.
        output: ``"sigmoid"`` or ``"logit"``: the score is ``sigmoid(D)``
            or D's raw output; None takes the GAN's own (sigmoid for the
            logistic losses, raw for wasserstein and hinge, see
            ``diagnostics.scores``). The JSON records the unit.
        reals: optional real samples ``[n, *shape]`` (for a packing D, n
            a multiple of its m), kept in ``state`` with the fakes: D's
            scores on them are the AUCs' other side.
    """

    prefix = "forgetting"

    def __init__(
        self,
        freeze_every: int,
        every: int,
        batch_size: int = 64,
        max_batches: int = 10,
        seed: int = 0,
        outdir=None,
        log_dir=None,
        output=None,
        reals=None,
    ):
        super().__init__(every, outdir, log_dir)
        if reals is not None:
            reals = np.asarray(reals, np.float32)
            if reals.ndim < 2 or not len(reals):
                raise ValueError(
                    "reals must be a non-empty batch [n, *shape]; got shape "
                    f"{reals.shape}."
                )
        self.reals = reals
        self.output = None if output is None else scores.check_output(output)
        self.freeze_every = check_integer("freeze_every", freeze_every, 1)
        if self.freeze_every % self.every:
            raise ValueError(
                f"freeze_every ({freeze_every}) must be a multiple of every "
                f"({every})."
            )
        self.batch_size = check_integer("batch_size", batch_size, 1)
        self.max_batches = check_integer("max_batches", max_batches, 1)
        self.seed = int(seed)
        self.state = None

    def png_path(self, step):
        if not self.outdir:
            return None
        return os.path.join(self.outdir, "forgetting.png")

    def set_model(self, model):
        super().set_model(model)
        if self.state is None:
            shape = model.generator.compute_output_spec(
                keras.KerasTensor((None, model.latent_dim))
            ).shape[1:]
            if self.reals is not None and self.reals.shape[1:] != tuple(
                shape
            ):
                raise ValueError(
                    f"reals have samples of shape {self.reals.shape[1:]}, "
                    f"the generator's are {tuple(shape)}."
                )
            with model.distribute_strategy.scope():
                self.state = _ForgettingState(
                    self.max_batches, self.batch_size, shape, self.reals
                )

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        # Evaluations past the current step (a state newer than the model)
        # are dropped, as the JSON history is.
        keep = self.state.eval_steps.numpy() <= gan_step(self.model)
        if not np.all(keep):
            for rows in self._rows():
                rows.assign(rows.numpy()[keep])

    def _rows(self):
        """The state's per-evaluation variables."""
        rows = [self.state.eval_steps, self.state.scores]
        return rows + ([self.state.aucs] if self.reals is not None else [])

    def summary(self) -> forgetting_lib.ForgettingSummary:
        """The score history so far (frozen batches only)."""
        count = int(self.state.count.numpy())
        return forgetting_lib.summarise(
            self.state.freeze_steps.numpy()[:count],
            self.state.eval_steps.numpy(),
            self.state.scores.numpy()[:, :count],
            output=scores.for_gan(self.model, self.output),
            aucs=(
                None
                if self.reals is None
                else self.state.aucs.numpy()[:, :count]
            ),
        )

    def frozen_fakes(self) -> np.ndarray:
        """``[count, batch_size, *shape]`` the frozen batches."""
        return self.state.fakes.numpy()[: int(self.state.count.numpy())]

    def measure(self, step):
        state, gan = self.state, self.model
        count = int(state.count.numpy())
        if step % self.freeze_every == 0 and count < self.max_batches:
            fakes = current_fakes(
                gan,
                self.batch_size,
                rng.step_seed(self.seed, "forgetting/frozen", count),
            )
            state.fakes[count].assign(fakes)
            state.freeze_steps[count].assign(step)
            count += 1
            state.count.assign(count)
        if count == 0:
            return None
        output = scores.for_gan(gan, self.output)
        row = np.full(self.max_batches, np.nan, np.float32)
        auc_row = np.full(self.max_batches, np.nan, np.float32)
        real = None
        if self.reals is not None:
            real = forgetting_lib.raw_scores(self.critic, state.reals)
        for b in range(count):
            fake = forgetting_lib.raw_scores(self.critic, state.fakes[b])
            row[b] = forgetting_lib.score_mean(fake, output)
            if real is not None:
                auc_row[b] = forgetting_lib.auc(real, fake)
        steps = state.eval_steps.numpy()
        keep = steps < step  # a repeated step replaces its row
        state.eval_steps.assign(np.append(steps[keep], step))
        state.scores.assign(
            np.concatenate([state.scores.numpy()[keep], row[None]], 0)
        )
        if real is not None:
            state.aucs.assign(
                np.concatenate([state.aucs.numpy()[keep], auc_row[None]], 0)
            )
        summary = self.summary()
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for b in range(count):
                    tf.summary.scalar(f"forgetting/batch_{b}", row[b])
        png = self.png_path(step)
        if png:
            from keras_gans import plots  # matplotlib: only when plotting

            plots.plot_forgetting(
                [(f"step {step}", summary)],
                png,
                title="D's mean score on frozen fakes",
            )
        extra = {
            "unit": summary.unit,
            "scores": [None if math.isnan(v) else float(v) for v in row],
            "freeze_steps": summary.freeze_steps.tolist(),
        }
        if real is not None:
            extra["aucs"] = [
                None if math.isnan(v) else float(v) for v in auc_row
            ]
        return summary.summary(), extra, png
