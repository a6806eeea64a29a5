"""Logs PacGAN mode coverage of a toy-mixture GAN every N steps."""

import os

import keras
import tensorflow as tf

from keras_gans import json_io, metrics
from keras_gans.evaluation import scores

__all__ = ["ModeCoverageCallback"]

# The scores it logs and writes to TensorBoard (the registry's toy ones).
_LOGGED = scores.logged(["toy"])


class ModeCoverageCallback(keras.callbacks.Callback):
    """Evaluates ``metrics.mode_coverage`` at epoch ends every ``every`` steps.

    Each evaluation draws ``num_samples`` samples with a fixed seed (the
    same latents every time), and writes ``modes``, ``high_quality`` and
    ``reverse_kl`` to the epoch logs as ``val_modes``, ``val_high_quality``
    and ``val_reverse_kl`` (so later callbacks see them: TensorBoard, and
    ``keras.callbacks.ModelCheckpoint(monitor="val_modes", mode="max",
    save_best_only=True)`` or ``EarlyStopping``; epochs without an
    evaluation log none), to a TensorBoard writer under ``log_dir`` at the
    GAN's step, and to the JSON file ``json_path`` (a list of records). On
    construction the existing JSON is reloaded, keeping only records up to
    the GAN's current step, so a resumed run continues the same history.

    Args:
        mixture: the real ``keras_gans.data.Mixture``.
        every: evaluate when the step count is a multiple of this.
        num_samples: samples per evaluation (2500 in the protocol).
        seed: seed of the evaluation latents.
        json_path: optional JSON history file.
        log_dir: optional TensorBoard directory.
    """

    def __init__(
        self,
        mixture,
        every,
        num_samples=2500,
        seed=0,
        json_path=None,
        log_dir=None,
    ):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}.")
        self.mixture = mixture
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.json_path = os.fspath(json_path) if json_path else None
        self.log_dir = os.fspath(log_dir) if log_dir else None
        self.history = json_io.read_json(self.json_path, [])
        self._writer = None

    def on_train_begin(self, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        self.history = [r for r in self.history if r["step"] <= step]
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def evaluate(self):
        samples = self.model.generate(self.num_samples, seed=self.seed)
        return metrics.mode_coverage(samples, self.mixture)

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step % self.every:
            return
        try:
            result = self.evaluate().as_dict()
        except ValueError:  # non-finite samples: the run diverged
            self.history.append({"step": step, "diverged": True})
            self._save()
            return
        record = {"step": step, **result}
        self.history.append(record)
        if logs is not None:
            logs.update({f"val_{k}": result[k] for k in _LOGGED})
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for key in _LOGGED:
                    tf.summary.scalar(f"mode_coverage/{key}", result[key])
            self._writer.flush()
        self._save()

    def _save(self):
        if self.json_path:
            json_io.write_json(self.json_path, self.history)
