"""Logs the discriminator's output landscape around real points."""

from typing import Optional

import numpy as np

from keras_gans.callbacks._diagnostic import DiagnosticCallback
from keras_gans.diagnostics import landscape as landscape_lib
from keras_gans.diagnostics import scores

__all__ = ["LandscapeCallback"]


class LandscapeCallback(DiagnosticCallback):
    """Every ``every`` GAN steps: ``diagnostics.landscape`` on fixed real
    points along one fixed direction (paper eq. 2, Figs 2-7).

    Logs ``landscape_local_max`` (fraction of the points that are local
    maxima of D), ``landscape_mean_width`` (NaN when there is none) and
    ``landscape_monotonic`` (fraction of monotonic curves); writes
    ``outdir/landscape_{step}.png`` (the grid of curves beside the points),
    ``outdir/landscape_{step}.npz`` (``k``, ``direction``, ``curves``),
    ``outdir/landscape.json`` (the numbers, plus which points are maxima and
    their widths) and the TensorBoard scalars and image. ``latest`` holds
    the last ``Landscape``. The direction ``u`` is a function of ``seed``,
    so a resumed run uses the same one; the callback has no other state.

    Args:
        points: ``[n, *sample_shape]`` real points (e.g. 16 training
            images).
        every: GAN steps between measurements (a multiple of the epoch
            length).
        radius: K; ``k`` runs over ``linspace(-K, K, num)``.
        num: grid size, odd.
        seed: seed of the direction ``u``.
        tol: tie tolerance (see ``diagnostics.landscape``).
        image_shape: shape of a point as an image for the PNG (e.g.
            ``(8, 8)``); None for curves only.
        max_points: how many points the PNG shows.
        outdir: directory of the PNGs and JSON; None writes none.
        log_dir: TensorBoard directory; None writes none.
        output: ``"sigmoid"`` or ``"logit"``: the curves are
            ``sigmoid(D)`` or D's raw output; None takes the GAN's own
            (sigmoid for the logistic losses, raw for wasserstein and
            hinge, see ``diagnostics.scores``). The JSON records the unit.
    """

    prefix = "landscape"
    per_sample = True

    def __init__(
        self,
        points,
        every: int,
        radius: float = 20.0,
        num: int = 101,
        seed: int = 0,
        tol: float = 1e-4,
        image_shape=None,
        max_points: int = 16,
        outdir=None,
        log_dir=None,
        output=None,
    ):
        super().__init__(every, outdir, log_dir)
        self.output = None if output is None else scores.check_output(output)
        self.points = np.asarray(points, np.float32)
        self.direction = landscape_lib.random_direction(
            self.points.shape[1:], seed
        )
        landscape_lib._check_options(radius, num, tol)  # fail now
        self.radius = float(radius)
        self.num = int(num)
        self.tol = float(tol)
        self.image_shape = image_shape
        self.max_points = int(max_points)
        self.latest: Optional[landscape_lib.Landscape] = None

    def measure(self, step):
        land = landscape_lib.compute_landscape(
            self.critic,
            self.points,
            radius=self.radius,
            num=self.num,
            direction=self.direction,
            tol=self.tol,
            output=scores.for_gan(self.model, self.output),
        )
        self.latest = land
        self.save_arrays(
            step, k=land.k, direction=land.direction, curves=land.curves
        )
        png = self.png_path(step)
        if png:
            from keras_gans import plots  # matplotlib: only when plotting

            plots.plot_landscape(
                land,
                self.points,
                png,
                title=f"Landscape at step {step}",
                image_shape=self.image_shape,
                max_points=self.max_points,
            )
        extra = {
            "unit": land.unit,
            "is_local_max": land.local_max.tolist(),
            "width": [None if np.isnan(w) else float(w) for w in land.width],
        }
        return land.summary(), extra, png
