"""Shared machinery of the diagnostic callbacks (not public API)."""

import math
import os
from typing import Dict, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from keras_gans import json_io, rng
from keras_gans.diagnostics.scores import adversarial_critic
from keras_gans.networks.pack import packing
from keras_gans.validation import check_integer


def current_fakes(gan, n: int, seed) -> np.ndarray:
    """``n`` fakes of the *trained* generator (the one D sees, not the EMA
    copy), inference mode, from latents drawn with the stateless ``seed`` (an
    int or a shape [2] seed)."""
    z = rng.normal([int(n), gan.latent_dim], seed)
    return keras.ops.convert_to_numpy(gan.generator(z, training=False))


def gan_step(gan) -> int:
    """The GAN step: the number of generator updates so far."""
    return int(gan.g_optimizer.iterations.numpy())


class DiagnosticCallback(keras.callbacks.Callback):
    """Measures something at epoch ends every ``every`` GAN steps.

    Subclasses implement ``measure(step) -> (scalars, extra, png)`` (or
    None to skip), scoring samples with ``self.critic``, D's adversarial
    logit (``diagnostics.scores.adversarial_critic``: the first output of a
    D with a class or rotation head). Each measurement's scalars go to the
    epoch logs as ``{prefix}_{key}`` (so later callbacks, e.g. TensorBoard,
    see them), to TensorBoard under ``log_dir`` as ``{prefix}/{key}`` at the
    GAN step (``gan.g_optimizer.iterations``) with the PNG as an image, and,
    with ``extra``, to the JSON history ``outdir/{prefix}.json`` (a list of
    records, written atomically). On ``on_train_begin`` the history is cut
    back to the GAN's current step, so a resumed run continues it. A
    measurement happens only at an epoch end whose step is a multiple of
    ``every``: make ``every`` a multiple of the epoch length.
    """

    prefix = "diagnostic"
    # Whether ``measure`` reads D's score of single samples (a landscape
    # around each point, a gradient field on a grid): not defined for a
    # D that scores packs of samples (PacGAN).
    per_sample = False

    def __init__(
        self, every: int, outdir=None, log_dir=None, name: Optional[str] = None
    ):
        super().__init__()
        self.every = check_integer("every", every, 1)
        self.outdir = os.fspath(outdir) if outdir else None
        self.log_dir = os.fspath(log_dir) if log_dir else None
        if name:
            self.prefix = name
        self.history = json_io.read_json(self.json_path, [])
        self._writer = None

    @property
    def critic(self):
        """``adversarial_critic`` of the model's D."""
        return adversarial_critic(self.model.discriminator)

    @property
    def json_path(self) -> Optional[str]:
        if not self.outdir:
            return None
        return os.path.join(self.outdir, f"{self.prefix}.json")

    def png_path(self, step: int) -> Optional[str]:
        if not self.outdir:
            return None
        return os.path.join(self.outdir, f"{self.prefix}_{step:07d}.png")

    def save_arrays(self, step: int, **arrays):
        """Writes ``outdir/{prefix}_{step}.npz`` (nothing without outdir)."""
        if self.outdir:
            np.savez(
                os.path.join(self.outdir, f"{self.prefix}_{step:07d}.npz"),
                **arrays,
            )

    def on_train_begin(self, logs=None):
        self.critic  # refuses, now, a D it cannot score
        m = packing(self.model.discriminator)
        if self.per_sample and m > 1:
            raise ValueError(
                f"{type(self).__name__} reads D's score of single samples; "
                f"this D scores packs of {m} (PacGAN, --pack), which it "
                "does not define. Train without packing to see it."
            )
        step = gan_step(self.model)
        self.history = [r for r in self.history if r["step"] <= step]
        if self.outdir:
            os.makedirs(self.outdir, exist_ok=True)
        if self.log_dir and self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def measure(
        self, step: int
    ) -> Optional[Tuple[Dict[str, Optional[float]], dict, Optional[str]]]:
        raise NotImplementedError

    def on_epoch_end(self, epoch, logs=None):
        step = gan_step(self.model)
        if step % self.every:
            return
        result = self.measure(step)
        if result is None:
            return
        scalars, extra, png = result
        self.history = [r for r in self.history if r["step"] < step]
        self.history.append({"step": step, **scalars, **extra})
        if logs is not None:
            logs.update(
                {
                    f"{self.prefix}_{k}": math.nan if v is None else v
                    for k, v in scalars.items()
                }
            )
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for key, value in scalars.items():
                    if value is not None:
                        tf.summary.scalar(f"{self.prefix}/{key}", value)
                if png:
                    with open(png, "rb") as f:
                        image = tf.image.decode_png(f.read(), channels=4)
                    tf.summary.image(f"{self.prefix}/plot", image[None])
            self._writer.flush()
        self.save_history()

    def save_history(self):
        if self.json_path:
            json_io.write_json(self.json_path, self.history)
