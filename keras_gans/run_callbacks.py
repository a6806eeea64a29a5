"""The collapse watchdog and the best-checkpoint keeper of
``train_lib.run``, built from a ``TrainConfig``.

Kept apart from ``train_lib`` so the trainer only asks for them: which
scores each data set's evaluation logs, the watchdog's cheap signal and
collapse rule per data set, and the check of ``keep_best`` /
``early_stopping_patience`` against them.
"""

import os

import numpy as np

from keras_gans import data, metrics
from keras_gans.evaluation import scores

__all__ = [
    "best_keeper",
    "evaluations",
    "logged_scores",
    "validate",
    "watchdog",
    "watchdog_rule",
]

# Samples of the watchdog's signal (fixed latents, cheap next to the
# evaluation's eval_samples).
WATCHDOG_SAMPLES = 1000
# Collapse = losing ground relative to the run's best healthy check. Toy
# data ("reverse_kl", the default): the reverse KL of the samples' nearest
# modes rising more than 0.25 nats above its best (mass piling into fewer
# modes, whatever the sample quality); "modes": losing more than 10% of the
# covered modes (at least 1; ring: 2 of 8, grid: 3 of 25), which needs
# high-quality samples and so is noisy early in training. Digits: more
# than 1 of the 10 classes lost; stacked digits: the mode histogram's KL
# to uniform over 1000 rising by more than 0.5 nats.
TOY_RULE = "reverse_kl"
TOY_KL_TOLERANCE = 0.25
TOY_MODE_TOLERANCE = 0.1
DIGITS_MODE_TOLERANCE = 1.0
STACKED_KL_TOLERANCE = 0.5


def evaluations(config) -> tuple:
    """The evaluations (``evaluation.scores.EVALUATIONS``) whose scores
    ``config``'s evaluation callback logs."""
    if config.is_toy:
        return ("toy",)
    if config.is_clip:
        return ("clip",)
    if config.dataset in ("digits", "stacked_digits"):
        kinds = (config.dataset,)
        if getattr(config, "conditional", False):
            kinds += ("conditional",)
            if config.dataset == "digits":
                kinds += ("conditional_digits",)
        return kinds
    if config.inception_weights or config.inception_graph:
        return ("inception",)
    return ()


def logged_scores(config) -> tuple:
    """The scores (without ``val_``) that ``config``'s evaluation callback
    logs."""
    return scores.logged(evaluations(config))


def validate(config) -> None:
    """Checks the watchdog / keep-best fields of ``config`` against each
    other and the data set (their bounds are checked by the config).

    Raises:
        config.ConfigError: naming the field and the fix.
    """
    from keras_gans.config import ConfigError

    if (
        config.watchdog
        and config.is_image
        and config.dataset not in ("digits", "stacked_digits")
    ):
        raise ConfigError(
            "watchdog",
            f"watchdog has no collapse signal for {config.dataset!r} (it "
            "needs the digits classifier's mode histogram): use it on the "
            "toy mixtures, digits or stacked_digits.",
        )
    if config.early_stopping_patience and not config.keep_best:
        raise ConfigError(
            "early_stopping_patience",
            "early_stopping_patience needs keep_best=METRIC (the score "
            "whose evaluations it counts).",
        )
    if config.keep_best:
        name = config.keep_best.removeprefix("val_")
        scores = logged_scores(config)
        if name not in scores:
            raise ConfigError(
                "keep_best",
                f"keep_best={config.keep_best!r}: the evaluation of "
                f"{config.dataset!r} logs no such score; it logs "
                f"{', '.join(scores) or 'none (set inception_weights)'}.",
            )


def watchdog_rule(config):
    """The collapse rule (``callbacks.Drop``) for ``config``'s data."""
    from keras_gans import callbacks

    if not config.is_image:
        if TOY_RULE == "reverse_kl":
            return callbacks.Drop("reverse_kl", TOY_KL_TOLERANCE, mode="min")
        modes = data.mixture(config.dataset).num_modes
        return callbacks.Drop("modes", max(1.0, TOY_MODE_TOLERANCE * modes))
    if config.dataset == "digits":
        return callbacks.Drop("modes", DIGITS_MODE_TOLERANCE)
    return callbacks.Drop("kl", STACKED_KL_TOLERANCE, mode="min")


def _mode_histogram_signal(evaluator, seed):
    """The digits classifier's mode histogram of fixed-latent samples."""

    def signal(gan):
        x = gan.generate(WATCHDOG_SAMPLES, seed=seed)
        if not np.all(np.isfinite(x)):
            return {"diverged": True}
        n, channels = len(x), x.shape[-1]
        per_channel = np.transpose(x, (0, 3, 1, 2)).reshape(-1, 8, 8, 1)
        _, logits = evaluator.features_and_logits(per_channel)
        digit = logits.argmax(-1).reshape(n, channels)
        label = (digit * 10 ** np.arange(channels - 1, -1, -1)).sum(-1)
        hist = metrics.mode_histogram(label, 10**channels)
        return {"modes": float(hist.modes), "kl": hist.kl}

    return signal


def watchdog(config, gan, workdir, trackables, evaluator=None, seed=0):
    """The run's ``callbacks.CollapseWatchdog`` (None when off): checks at
    every ``log_every`` steps, snapshots in ``workdir/watchdog/``, events
    in ``workdir/watchdog_events.json`` and TensorBoard."""
    if not config.watchdog:
        return None
    from keras_gans import callbacks

    if config.is_image:
        signal = _mode_histogram_signal(evaluator, seed)
    else:
        signal = callbacks.toy_signal(
            data.mixture(config.dataset), WATCHDOG_SAMPLES, seed
        )
    return callbacks.CollapseWatchdog(
        gan,
        signal,
        watchdog_rule(config),
        directory=os.path.join(workdir, "watchdog"),
        every=config.log_every,
        lr_factor=config.watchdog_lr_factor,
        max_retries=config.watchdog_max_retries,
        trackables=trackables,
        json_path=os.path.join(workdir, "watchdog_events.json"),
        log_dir=os.path.join(workdir, "tensorboard", "watchdog"),
    )


def best_keeper(config, gan, workdir, trackables):
    """The run's ``callbacks.BestCheckpoint`` of ``keep_best`` in
    ``workdir/best/`` (None when off)."""
    if not config.keep_best:
        return None
    from keras_gans import callbacks

    return callbacks.BestCheckpoint(
        gan,
        config.keep_best,
        os.path.join(workdir, "best"),
        patience=config.early_stopping_patience,
        trackables=trackables,
    )
