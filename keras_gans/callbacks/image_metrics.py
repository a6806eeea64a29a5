"""Logs image-quality metrics of an image GAN every N steps, with sample
grids."""

import os

import keras
import numpy as np
import tensorflow as tf

from keras_gans import clip_plots, json_io

__all__ = ["ImageMetricsCallback"]


class ImageMetricsCallback(keras.callbacks.Callback):
    """Evaluates ``evaluator`` on generated images every ``every`` steps.

    At each epoch end whose GAN step (``g_optimizer.iterations``) is a
    multiple of ``every``, it draws ``num_samples`` images with a fixed seed
    (the same latents every time) and calls ``evaluator(images)``, a
    function returning a dict of scalars (``metrics.DigitsEvaluator``:
    classifier score, modes, KL, Frechet distance;
    ``inception.InceptionEvaluator``: IS, FID, KID, precision, recall). The
    scalars go to the epoch logs with a ``val_`` prefix (``val_kid``,
    ``val_frechet_distance``, ...; so later callbacks see them:
    TensorBoard, ``keras.callbacks.ModelCheckpoint(monitor="val_kid",
    mode="min", save_best_only=True)``, ``EarlyStopping``; Keras cannot
    guess the direction of these names, so pass ``mode``), to a
    TensorBoard writer under ``log_dir`` at the GAN step (``image_metrics/
    <name>``, with the first ``grid_size`` samples as an image summary), and
    to the JSON history ``json_path`` (a list of records). On construction
    the existing JSON is reloaded, keeping only records up to the GAN's
    current step at the start of training, so a resumed run continues the
    same history. With ``grid_dir`` each evaluation also writes
    ``grid_dir/samples_<step>.png`` (``real`` beside the samples if given).
    Clips ``[N, T, H, W, 1]`` get a frames strip (one clip a row) as that
    PNG, an animated ``samples_<step>.gif`` beside it, and strips in
    TensorBoard (``keras_gans.clip_plots``).
    Non-finite samples are recorded as ``{"step": s, "diverged": true}``.

    Args:
        evaluator: ``images -> dict`` of floats.
        every: evaluate when the step count is a multiple of this.
        num_samples: samples per evaluation.
        seed: seed of the evaluation latents.
        json_path: optional JSON history file.
        log_dir: optional TensorBoard directory.
        grid_dir: optional directory of sample-grid PNGs.
        grid_size: images in each grid and image summary.
        real: optional real images shown beside the grid.
        title: optional grid title prefix (e.g. the experiment).
        split_channels: draw channels as grey images side by side (see
            ``plots.plot_image_grid``; for stacked digits).
        extra_metrics: optional ``gan -> dict``, more scores measured at
            each evaluation (its scalars are logged with the others; e.g.
            a conditional GAN's class accuracy).
    """

    def __init__(
        self,
        evaluator,
        every,
        num_samples=10_000,
        seed=0,
        json_path=None,
        log_dir=None,
        grid_dir=None,
        grid_size=64,
        real=None,
        title=None,
        split_channels=False,
        extra_metrics=None,
    ):
        super().__init__()
        self.extra_metrics = extra_metrics
        if int(every) != every or every < 1:
            raise ValueError(f"every must be >= 1, got {every}.")
        if int(num_samples) != num_samples or num_samples < 2:
            raise ValueError(f"num_samples must be >= 2, got {num_samples}.")
        self.evaluator = evaluator
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.seed = int(seed)
        self.json_path = os.fspath(json_path) if json_path else None
        self.log_dir = os.fspath(log_dir) if log_dir else None
        self.grid_dir = os.fspath(grid_dir) if grid_dir else None
        self.grid_size = int(grid_size)
        self.real = None if real is None else np.asarray(real)[:grid_size]
        self.title = title
        self.split_channels = bool(split_channels)
        self.history = json_io.read_json(self.json_path, [])
        self._writer = None

    def on_train_begin(self, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        self.history = [r for r in self.history if r["step"] <= step]
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)

    def grid_path(self, step):
        return os.path.join(self.grid_dir, f"samples_{step:07d}.png")

    def write_grid(self, samples, step, result=None):
        """Writes the sample grid of ``step``; returns its path."""
        os.makedirs(self.grid_dir, exist_ok=True)
        summary = ""
        if result:
            summary = ", ".join(
                f"{k} {v:.4g}"
                for k, v in result.items()
                if k not in ("num_modes", "inception_score_std")
            )
        title = f"step {step}" + (f": {summary}" if summary else "")
        if self.title:
            title = f"{self.title}\n{title}"
        if np.ndim(samples) == 5:
            return clip_plots.write_clip_figures(
                samples[: self.grid_size],
                self.grid_path(step),
                title=title,
                real=self.real,
                clips=self.grid_size,
            )[0]
        from keras_gans import plots  # matplotlib: only when plotting

        return plots.plot_image_grid(
            samples[: self.grid_size],
            self.grid_path(step),
            title=title,
            real=self.real,
            split_channels=self.split_channels,
        )

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if step % self.every:
            return
        samples = np.asarray(
            self.model.generate(self.num_samples, seed=self.seed)
        )
        if not np.all(np.isfinite(samples)):
            self.history.append({"step": step, "diverged": True})
            self._save()
            return
        result = {k: float(v) for k, v in self.evaluator(samples).items()}
        if self.extra_metrics is not None:
            result.update(
                {
                    k: float(v)
                    for k, v in self.extra_metrics(self.model).items()
                    if isinstance(v, (int, float, np.number))
                }
            )
        self.history.append({"step": step, **result})
        if logs is not None:
            logs.update(
                {f"val_{k}": v for k, v in result.items() if k != "num_modes"}
            )
        if self.grid_dir:
            self.write_grid(samples, step, result)
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for key, value in result.items():
                    tf.summary.scalar(f"image_metrics/{key}", value)
                grid = samples[: min(self.grid_size, 16)]
                if grid.ndim == 5:  # clips: one strip of frames each
                    grid = clip_plots.clip_rows(grid)
                    if self.real is not None:
                        tf.summary.image(
                            "real",
                            np.clip(
                                (clip_plots.clip_rows(self.real) + 1) / 2,
                                0.0,
                                1.0,
                            ),
                            max_outputs=len(self.real),
                        )
                tf.summary.image(
                    "samples",
                    np.clip((grid + 1.0) / 2.0, 0.0, 1.0),
                    max_outputs=len(grid),
                )
            self._writer.flush()
        self._save()

    def _save(self):
        if self.json_path:
            json_io.write_json(self.json_path, self.history)
