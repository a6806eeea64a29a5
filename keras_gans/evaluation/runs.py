"""The evaluation of one ``train_lib.run``, chosen once for its data set.

``for_config(config)`` returns the evaluation of the data set's kind, so the
trainer asks the same questions of every run and never branches on the
kind itself:

- ``ToyEvaluation`` (the 2-D mixtures): mode coverage against the mixture
  (``metrics.mode_coverage``), logged by ``callbacks.ModeCoverageCallback``
  to ``mode_coverage.json``; ``samples.png`` plots real and generated
  points over the mixture's centres.
- ``ImageEvaluation`` (digits, stacked digits, tfds images and clips): the
  data set's image or clip metrics (``image_evaluator``), logged by
  ``callbacks.ImageMetricsCallback`` to ``image_metrics.json`` with a grid
  per evaluation; ``samples.png`` is the final grid beside real images
  (clips: a frames strip and ``samples.gif``).

Each builds what it needs when made, so missing data, a missing classifier
or missing Inception weights fail before anything is written.
"""

import os

import numpy as np

from keras_gans import callbacks as gan_callbacks
from keras_gans import (
    clip_metrics,
    clip_plots,
    data,
    inception,
    metrics,
    moving_digits,
    plots,
    rng,
)
from keras_gans.config import TrainConfig

__all__ = [
    "ImageEvaluation",
    "ToyEvaluation",
    "for_config",
    "image_evaluator",
    "real_images",
    "title",
]


def title(config: TrainConfig) -> str:
    """A run's one-line description for figure titles."""
    penalty = config.penalty
    if penalty != "none":
        penalty += f" (lambda={config.penalty_weight})"
    gamma = f", gamma={config.real_weight}" if config.real_weight != 1 else ""
    if config.conditional:
        gamma += f", conditional ({config.conditioning})"
    return (
        f"{config.dataset} {config.network_name}: {config.loss} + "
        f"{penalty}{gamma}"
    )


class _Evaluation:
    """What both kinds share: the final scores of a run and the balanced
    samples of its class-conditional scores."""

    # The metrics a callback would hand the watchdog; None: it makes its own.
    evaluator = None

    def __init__(self, config: TrainConfig):
        self.config = config

    def score(self, fake) -> dict:
        raise NotImplementedError

    def final(self, fake, reached, diverged, last) -> dict:
        """The run's final scores at step ``reached``: the callback's
        ``last`` evaluation when it is of this step, else a new one."""
        if diverged:
            return {"step": reached, "diverged": True}
        if last.get("step") == reached and not last.get("diverged"):
            return last  # the callback has just evaluated these samples
        return {"step": reached, **self.score(fake)}

    def _balanced(self, gan, seed):
        k = gan.num_classes
        n = max(self.config.eval_samples // k, 1) * k
        requested = np.tile(np.arange(k, dtype=np.int32), n // k)
        return gan.generate(n, seed=seed, labels=requested), requested


class ToyEvaluation(_Evaluation):
    """Mode coverage of a 2-D mixture."""

    def __init__(self, config: TrainConfig):
        super().__init__(config)
        self.mixture = data.mixture(config.dataset)

    def callback(self, workdir, **evaluation):
        return gan_callbacks.ModeCoverageCallback(
            self.mixture,
            json_path=os.path.join(workdir, "mode_coverage.json"),
            **evaluation,
        )

    def score(self, fake) -> dict:
        return metrics.mode_coverage(fake, self.mixture).as_dict()

    def class_scores(self, gan, seed, workdir=None) -> dict:
        """Class-conditional accuracy (``metrics.class_accuracy``) on
        ``eval_samples`` samples with balanced requested labels, a sample's
        class being its nearest mode when within 3 sigma of it (else no
        class); ``classes_hit`` is the per-class mode coverage."""
        samples, requested = self._balanced(gan, seed)
        mixture = self.mixture
        distance = np.linalg.norm(
            samples[:, None] - mixture.centres[None], axis=-1
        )
        nearest = distance.argmin(-1)
        good = distance.min(-1) <= 3 * mixture.sigma
        return metrics.class_accuracy(
            np.where(good, nearest, -1), requested, gan.num_classes
        )

    def plot(self, fake, final, diverged, reached, workdir, callback):
        """``samples.png``: real and generated points, the centres."""
        config = self.config
        real = data.sample_mixture(
            self.mixture,
            config.eval_samples,
            rng.stream(config.seed, "plot/real"),
        ).numpy()
        summary = (
            "diverged (NaN)"
            if diverged
            else f"{final['modes']}/{final['num_modes']} modes, "
            f"HQ {100 * final['high_quality']:.1f}%"
        )
        plots.plot_samples(
            real,
            fake,
            os.path.join(workdir, "samples.png"),
            title=(
                f"{config.dataset}: {config.loss} + {config.penalty} "
                f"(lambda={config.penalty_weight})\nstep {reached}: "
                f"{summary}"
            ),
            centres=self.mixture.centres,
        )


class ImageEvaluation(_Evaluation):
    """The image (or clip) metrics of the data set, against held-out data."""

    def __init__(self, config: TrainConfig):
        super().__init__(config)
        self.evaluator = image_evaluator(config)
        self.real = real_images(config)

    def callback(self, workdir, **evaluation):
        config = self.config
        return gan_callbacks.ImageMetricsCallback(
            self.evaluator,
            json_path=os.path.join(workdir, "image_metrics.json"),
            grid_dir=os.path.join(workdir, "grids"),
            real=self.real,
            title=title(config),
            split_channels=config.dataset == "stacked_digits",
            grid_size=8 if config.is_clip else 64,
            extra_metrics=(
                (
                    lambda model: self.class_scores(
                        model, evaluation["seed"]
                    )
                )
                if config.conditional
                else None
            ),
            **evaluation,
        )

    def score(self, fake) -> dict:
        return self.evaluator(fake)

    def class_scores(self, gan, seed, workdir=None) -> dict:
        """Digits and stacked digits: class-conditional accuracy with the
        digits classifier's label on balanced requested labels; digits
        also get the intra-class Frechet distance and, with ``workdir``,
        ``samples_by_class.png`` (a row of ten samples per class). Other
        image data: none."""
        if not isinstance(self.evaluator, metrics.DigitsEvaluator):
            return {}
        config = self.config
        samples, requested = self._balanced(gan, seed)
        result = self.evaluator.class_accuracy(samples, requested)
        if config.dataset != "digits":
            return result
        result.update(self.evaluator.intra_class_frechet(samples, requested))
        if workdir is not None:
            rows = np.repeat(np.arange(gan.num_classes, dtype=np.int32), 10)
            plots.plot_image_grid(
                gan.generate(len(rows), seed=seed, labels=rows),
                os.path.join(workdir, "samples_by_class.png"),
                title=f"{title(config)}: one row per class (0-9), "
                f"class accuracy {100 * result['class_accuracy']:.1f}%",
                columns=10,
            )
        return result

    def plot(self, fake, final, diverged, reached, workdir, callback):
        """``samples.png``: the final grid (clips: frames strip and
        ``samples.gif``) beside real images, titled with the scores."""
        config = self.config
        summary = (
            "diverged (NaN)"
            if diverged
            else ", ".join(
                f"{k} {v:.4g}"
                for k, v in final.items()
                if k not in ("step", "num_modes", "inception_score_std")
            )
        )
        path = os.path.join(workdir, "samples.png")
        heading = f"{title(config)}\nstep {reached}: {summary}"
        fake = np.nan_to_num(fake[: callback.grid_size])
        if config.is_clip:  # samples.png (a frames strip) and samples.gif
            clip_plots.write_clip_figures(
                fake, path, title=heading, real=callback.real,
                clips=callback.grid_size,
            )
            return
        plots.plot_image_grid(
            fake,
            path,
            title=heading,
            real=callback.real,
            split_channels=callback.split_channels,
        )


def for_config(config: TrainConfig) -> _Evaluation:
    """The evaluation of ``config``'s data set (built now: a missing
    classifier, data or Inception weights fail here)."""
    return ToyEvaluation(config) if config.is_toy else ImageEvaluation(config)


def image_evaluator(config: TrainConfig):
    """The ``images -> dict`` metrics of ``config``'s image data set.

    Clips: ``clip_metrics.ClipEvaluator`` against held-out clips. Digits and
    stacked digits: ``metrics.DigitsEvaluator`` (the classifier at
    ``classifier_path``, the shipped one by default). tfds sets:
    ``inception.InceptionEvaluator`` against the ``test`` split's first
    ``eval_samples`` images if ``inception_graph`` (the reference graph) or
    ``inception_weights`` (Keras' InceptionV3) is set, else an evaluator
    that returns no metrics. Reference features are cached under
    ``reference_cache`` when it is set.
    """
    cache = config.reference_cache or None
    if config.is_clip:
        return clip_metrics.ClipEvaluator(
            config.dataset,
            classifier=metrics.load_digits_classifier(
                config.classifier_path or None
            ),
            num_digits=config.moving_digits,
            frames=config.frames,
            frame_size=config.frame_size or None,
            seed=rng.stream_int(config.seed, "eval/reference_clips"),
            cache_dir=cache,
            data_dir=config.data_dir or None,
        )
    if config.dataset in ("digits", "stacked_digits"):
        classifier = metrics.load_digits_classifier(
            config.classifier_path or None
        )
        return metrics.DigitsEvaluator(classifier, cache_dir=cache)
    if not (config.inception_weights or config.inception_graph):
        return lambda images: {}

    def reference():
        return np.stack(
            list(
                data.tfds_images(
                    config.dataset, "test", config.data_dir or None
                )
                .take(config.eval_samples)
                .as_numpy_iterator()
            )
        )

    return inception.InceptionEvaluator(
        config.inception_weights or "imagenet",
        reference=reference,
        graph=config.inception_graph or None,
        cache_dir=cache,
        reference_key={
            "dataset": config.dataset,
            "split": "test",
            "samples": config.eval_samples,
        },
    )


def real_images(config: TrainConfig, n: int = 64) -> np.ndarray:
    """``n`` held-out real images (or clips) of ``config``'s data set."""
    if config.is_clip:
        return moving_digits.clips_sample(
            config.dataset,
            n,
            config.seed,
            frames=config.frames,
            frame_size=config.frame_size or None,
            num_digits=config.moving_digits,
            data_dir=config.data_dir or None,
        )[0]
    if config.dataset == "digits":
        return data.digits("test")[0][:n]
    if config.dataset == "stacked_digits":
        return data.stacked_digits_sample(n, config.seed)[0]
    ds = data.tfds_images(
        config.dataset, "test", config.data_dir or None, config.download_data
    )
    return np.stack(list(ds.take(n).as_numpy_iterator()))
