"""Keep the training state and the exported generator of the best
evaluation so far, and stop early when evaluations stop improving."""

import math
import os
import shutil

import keras
import tensorflow as tf

from keras_gans import distribute, export, json_io
from keras_gans.evaluation import scores
from keras_gans.validation import check_integer

__all__ = ["BestCheckpoint", "NotOwnedError", "metric_mode"]

_MARKER = "best.json"


class NotOwnedError(ValueError):
    """A directory that BestCheckpoint did not write."""


def metric_mode(monitor: str) -> str:
    """``"min"`` or ``"max"`` for a logged score (``val_kid`` or ``kid``),
    from the score registry (``keras_gans.evaluation.scores``).

    Raises:
        ValueError: a name of unknown direction.
    """
    return scores.direction(monitor)


class BestCheckpoint(keras.callbacks.Callback):
    """Keeps the state of the best evaluation of ``monitor`` in a directory
    it owns.

    At each epoch end whose logs hold ``val_`` scores (an evaluation
    callback placed before this one has run), it reads ``monitor``; on a
    strict improvement it writes the whole training state (the GAN with
    both optimizers, plus ``trackables``) to ``directory/checkpoint/`` and
    the exported generator (``export.export_generator`` of
    ``gan.sampling_generator``) to ``directory/saved_model/``, replacing
    the previous best, and records every evaluation in
    ``directory/best.json`` (so a resumed run knows the best so far and
    the evaluations since). With ``patience`` it stops training after that
    many evaluations without improvement.

    ``directory`` must be new, empty, or one this callback wrote (it holds
    ``best.json``); nothing else is ever deleted. Place it after the
    evaluation callback and before a collapse watchdog (so it keeps the
    state that was evaluated). An early stop, like ``TerminateOnNaN``,
    leaves that epoch out of ``callbacks.Checkpoint``: the run's checkpoint
    is one epoch behind, and the best state is in ``directory``.

    Args:
        gan: the ``keras_gans.GAN``.
        monitor: a logged score, e.g. ``"val_kid"``.
        directory: the best-state directory.
        mode: ``"min"``, ``"max"``, or None for ``metric_mode(monitor)``.
        patience: evaluations without improvement before stopping (0: never
            stop).
        export: also export the generator.
        trackables: more state to checkpoint with the GAN.

    Raises:
        ValueError: (at construction) an unknown mode or a directory that
            is not ours; (in training) an evaluation that does not log
            ``monitor``, with the names it does log.
    """

    def __init__(
        self,
        gan,
        monitor: str,
        directory,
        mode: str | None = None,
        patience: int = 0,
        export: bool = True,
        trackables=None,
    ):
        super().__init__()
        self.gan = gan
        if not monitor.startswith("val_"):
            monitor = f"val_{monitor}"
        self.monitor = monitor
        self.mode = mode or metric_mode(self.monitor)
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
        self.patience = check_integer("patience", patience, 0)
        self.export = bool(export)
        # The step at which it stopped training early (None: it has not).
        self.stopped_step = None
        self.directory = os.fspath(directory)
        marker = os.path.join(self.directory, _MARKER)
        if (
            os.path.isdir(self.directory)
            and os.listdir(self.directory)
            and not os.path.exists(marker)
        ):
            raise NotOwnedError(
                f"Best-checkpoint directory {self.directory} exists, is not "
                f"empty and holds no {_MARKER}: it was not written by "
                "BestCheckpoint; choose a new directory."
            )
        self.record = json_io.read_json(marker, None) or {
            "monitor": self.monitor,
            "mode": self.mode,
            "best": None,
            "evaluations": [],
        }
        if self.record["monitor"] != self.monitor:
            raise NotOwnedError(
                f"{self.directory} keeps the best {self.record['monitor']}, "
                f"not {self.monitor}; choose a new directory."
            )
        self._checkpoint = tf.train.Checkpoint(
            gan=gan, **dict(trackables or {})
        )
        self._manager = tf.train.CheckpointManager(
            self._checkpoint,
            os.path.join(self.directory, "checkpoint"),
            max_to_keep=1,
            checkpoint_name="best",
        )

    @property
    def best(self) -> dict | None:
        """``{"step", "value"}`` of the best evaluation, or None."""
        return self.record["best"]

    def restore(self, partial: bool = False) -> int:
        """Restores the best training state into the GAN (and trackables);
        returns its step. ``partial``: as ``Checkpoint.restore``'s (the
        checkpoint may hold more than is restored; no warnings about it).

        Raises:
            FileNotFoundError: nothing was kept yet.
        """
        latest = self._manager.latest_checkpoint
        if not latest:
            raise FileNotFoundError(
                f"No best checkpoint in {self.directory} yet."
            )
        status = self._checkpoint.restore(latest)
        status.assert_existing_objects_matched()
        if partial:
            status.expect_partial()
        return int(self.gan.g_optimizer.iterations.numpy())

    def on_train_begin(self, logs=None):
        step = int(self.gan.g_optimizer.iterations.numpy())
        evaluations = [
            e for e in self.record["evaluations"] if e["step"] <= step
        ]
        self.record["evaluations"] = evaluations
        best = self.record["best"]
        if best is not None and best["step"] > step:
            self.record["best"] = self._best_of(evaluations)

    def _better(self, a, b):
        return a < b if self.mode == "min" else a > b

    def _best_of(self, evaluations):
        best = None
        for e in evaluations:
            if best is None or self._better(e["value"], best["value"]):
                best = e
        return best

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        logged = sorted(k for k in logs if k.startswith("val_"))
        if not logged:
            return
        if self.monitor not in logs:
            raise ValueError(
                f"BestCheckpoint monitors {self.monitor!r}, which no "
                f"callback logs; the evaluation logged {logged}."
            )
        value = float(logs[self.monitor])
        step = int(self.gan.g_optimizer.iterations.numpy())
        entry = {"step": step, "value": value}
        self.record["evaluations"].append(entry)
        best = self.record["best"]
        improved = math.isfinite(value) and (
            best is None or self._better(value, best["value"])
        )
        if improved:
            self.record["best"] = entry
        if distribute.is_chief(self.gan.distribute_strategy):
            if improved:
                self._save(step)
            json_io.write_json(
                os.path.join(self.directory, _MARKER), self.record, indent=1
            )
        if self.patience and not improved:
            best_step = (self.best or {"step": -1})["step"]
            since = [
                e for e in self.record["evaluations"] if e["step"] > best_step
            ]
            if len(since) >= self.patience:
                print(
                    f"Early stopping at step {step}: {self.monitor} has not "
                    f"improved for {len(since)} evaluations (best "
                    f"{self.record['best']})."
                )
                self.model.stop_training = True
                self.stopped_step = step

    def _save(self, step):
        self._manager.save(checkpoint_number=step)
        if self.export:
            target = os.path.join(self.directory, "saved_model")
            tmp = target + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            export.export_generator(
                self.gan.sampling_generator, self.gan.latent_dim, tmp
            )
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
