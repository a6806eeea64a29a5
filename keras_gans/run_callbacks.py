"""The collapse watchdog and the best-checkpoint keeper of
``train_lib.run``, built from a ``TrainConfig``.

Kept apart from ``train_lib`` so the trainer only asks for them: the
watchdog's cheap signal and collapse rule per data set, and the keeper of
the best evaluation of ``keep_best``. (Which scores a run logs, and the
check of ``keep_best`` against them, are the config's:
``TrainConfig.logged_scores``.)
"""

import os

import numpy as np

from keras_gans import data, metrics

__all__ = [
    "best_keeper",
    "watchdog",
    "watchdog_ladder",
    "watchdog_rule",
]

# Samples of the watchdog's signal (fixed latents, cheap next to the
# evaluation's eval_samples).
WATCHDOG_SAMPLES = 1000
# The collapse rules. Toy data, "hq_modes" (the default,
# callbacks.ModeCollapse): most samples high quality (>= 50 %) but fewer
# than 80 % of the modes holding a quarter of their uniform share of them;
# absolute, so a run whose samples are off the modes (not converged, the
# SGD ring's rotation) never meets it. Measured (benchmarks/WATCHDOG.md),
# it rescues the grid's 5 of 5 collapsed seeds, as "reverse_kl" does, and
# never fires on the SGD ring, where "reverse_kl" rolled back every seed
# and left it worse. The relative rules, losing ground against the run's
# best healthy check: "reverse_kl", the reverse KL of the samples'
# nearest modes rising more than 0.25 nats above its best (mass piling
# into fewer modes, whatever the sample quality); "modes", losing more
# than 10 % of the covered modes (at least 1). Digits: more than 1 of the
# 10 classes lost; stacked digits: the mode histogram's KL to uniform over
# 1000 rising by more than 0.5 nats.
TOY_RULE = "hq_modes"
TOY_KL_TOLERANCE = 0.25
TOY_MODE_TOLERANCE = 0.1
DIGITS_MODE_TOLERANCE = 1.0
STACKED_KL_TOLERANCE = 0.5


# The escalating watchdog's default rungs (PENALTY, weight) for a run
# without a zero-centred penalty of its own: the ladders that rescued 5 of
# 5 collapsed seeds in benchmarks/WATCHDOG.md (the grid's GAN-NS + Adam
# with 0GP lambda 1, stacked digits' DCGAN-NS with lambda 10).
TOY_LADDER = (("zero_gp", 1.0), ("zero_gp", 10.0))
IMAGE_LADDER = (("zero_gp", 10.0), ("zero_gp", 100.0))
# A run that has one climbs from its own weight: 10x, then 100x.
ZERO_CENTRED = ("r1", "r2", "r1_r2", "zero_gp")
LADDER_FACTORS = (10.0, 100.0)


def watchdog_ladder(config) -> tuple:
    """The escalating watchdog's rungs, ``(penalty, weight)`` pairs:
    ``config.watchdog_ladder`` parsed, or when it is empty the default for
    the run (``TOY_LADDER`` / ``IMAGE_LADDER``, or ``LADDER_FACTORS`` times
    the run's own zero-centred penalty weight).

    Raises:
        ValueError: a malformed entry (``callbacks.watchdog.parse_ladder``).
    """
    from keras_gans.callbacks.watchdog import parse_ladder

    if config.watchdog_ladder:
        return parse_ladder(config.watchdog_ladder)
    if config.penalty in ZERO_CENTRED and config.penalty_weight > 0:
        return tuple(
            (config.penalty, f * config.penalty_weight)
            for f in LADDER_FACTORS
        )
    return IMAGE_LADDER if config.is_image else TOY_LADDER


def watchdog_rule(config):
    """The collapse rule (``callbacks.Drop``) for ``config``'s data."""
    from keras_gans import callbacks

    if not config.is_image:
        if TOY_RULE == "reverse_kl":
            return callbacks.Drop("reverse_kl", TOY_KL_TOLERANCE, mode="min")
        modes = data.mixture(config.dataset).num_modes
        if TOY_RULE == "hq_modes":
            return callbacks.ModeCollapse(modes)
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
        action=config.watchdog_action,
        ladder=watchdog_ladder(config),
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
