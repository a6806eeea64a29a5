"""Logs the generator's gradient field on 2-D data (paper Fig. 1)."""

import os
from typing import Optional

import numpy as np

from keras_gans.callbacks._diagnostic import DiagnosticCallback, current_fakes
from keras_gans.diagnostics import gradient_field as field_lib
from keras_gans.validation import check_integer

__all__ = ["GradientFieldCallback"]


class GradientFieldCallback(DiagnosticCallback):
    """Every ``every`` GAN steps: ``-dL_G/dx`` on a grid, with real points
    and the generator's current fakes (``diagnostics.gradient_field``).

    The loss is the GAN's own (``gan.loss_fn``; a paired loss is paired
    with ``real``). Logs
    ``gradient_field_mean_norm`` and ``gradient_field_coherence``; writes
    ``outdir/gradient_field_{step}.png`` (arrows, real and fake points),
    ``outdir/gradient_field_{step}.npz`` (``x``, ``y``, ``vectors``,
    ``fake``: for figures across steps, see ``load_field``),
    ``outdir/gradient_field.json`` and the TensorBoard scalars and image.
    The fakes come from fixed latents (``seed``), so successive PNGs follow
    the same latent points; the window is fixed too (``limits``, or the
    real points' box padded by ``margin``). ``latest`` holds the last
    ``GradientField``.

    Args:
        real: ``[N, 2]`` real points drawn in each plot.
        every: GAN steps between measurements (a multiple of the epoch
            length).
        num: arrows per axis.
        num_fake: fakes drawn in each plot.
        seed: seed of the fakes' latents.
        limits: ``((x_min, x_max), (y_min, y_max))``; None: from ``real``.
        margin: padding of the automatic window, as a fraction of its side.
        centres: optional ``[K, 2]`` mode centres drawn as crosses.
        outdir: directory of the PNGs, arrays and JSON; None writes none.
        log_dir: TensorBoard directory; None writes none.
    """

    prefix = "gradient_field"
    per_sample = True

    def __init__(
        self,
        real,
        every: int,
        num: int = 21,
        num_fake: int = 500,
        seed: int = 0,
        limits=None,
        margin: float = 0.35,
        centres=None,
        outdir=None,
        log_dir=None,
    ):
        super().__init__(every, outdir, log_dir)
        self.real = np.asarray(real, np.float32)
        if self.real.ndim != 2 or self.real.shape[1] != 2:
            raise ValueError(
                f"real must be [N, 2] points, got shape {self.real.shape}."
            )
        self.num = check_integer("num", num, 2)
        self.num_fake = check_integer("num_fake", num_fake, 0)
        self.seed = int(seed)
        self.limits = limits or field_lib.field_limits(self.real, margin=margin)
        self.centres = centres
        self.latest: Optional[field_lib.GradientField] = None

    def measure(self, step):
        gan = self.model
        field = field_lib.compute_gradient_field(
            self.critic,
            gan.loss_fn,
            *self.limits,
            num=self.num,
            real=self.real,
        )
        fake = current_fakes(gan, self.num_fake, self.seed)
        self.latest = field
        self.save_arrays(
            step,
            x=field.x,
            y=field.y,
            vectors=field.vectors,
            fake=fake,
            loss=field.loss,
        )
        png = self.png_path(step)
        if png:
            from keras_gans import plots  # matplotlib: only when plotting

            plots.plot_gradient_fields(
                [[(field, self.real, fake, f"step {step}")]],
                png,
                centres=self.centres,
            )
        return field.summary(), {}, png

    @staticmethod
    def load_field(path):
        """``(GradientField, fake)`` from a ``gradient_field_{step}.npz``."""
        with np.load(os.fspath(path)) as saved:
            field = field_lib.GradientField(
                x=saved["x"],
                y=saved["y"],
                vectors=saved["vectors"],
                loss=str(saved["loss"]),
            )
            return field, saved["fake"]
