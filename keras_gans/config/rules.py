"""The rules between settings, each written once: what ``TrainConfig.
validate`` checks after every field's own bounds and choices.

A rule that fails raises ``ConfigError`` naming the flag to change and
how; the command line prints that one line.
"""

import inspect

import keras_gans as kg  # its modules load on first use (TensorFlow)
from keras_gans.config.defaults import DATASET_DEFAULTS
from keras_gans.data import catalogue
from keras_gans.settings import ConfigError, check_declared, settings

__all__ = ["check"]


def check(config) -> None:
    """Raises ConfigError naming the flag of the first rule ``config``
    breaks (its fields' own bounds and choices first)."""
    check_declared(config)
    if config.network == "dcgan" and config.is_toy:
        raise ConfigError(
            "network",
            f"network 'dcgan' needs an image or clip data set, got "
            f"{config.dataset!r}.",
        )
    if config.is_clip:
        _check_clip(config)
    if config.train_examples and not config.is_image:
        raise ConfigError(
            "train_examples",
            f"train_examples is for image data sets; dataset "
            f"{config.dataset!r} is drawn without end (use 0).",
        )
    if config.train_examples and config.dataset in ("digits", "stacked_digits"):
        available = catalogue.DIGITS_TRAIN_SIZE
        if config.train_examples > available:
            raise ConfigError(
                "train_examples",
                f"train_examples={config.train_examples} is more than the "
                f"{available} digits of the train split.",
            )
    _check_unused(config)
    if config.conditional:
        if config.dataset not in catalogue.LABELLED:
            raise ConfigError(
                "conditional",
                f"--conditional needs a data set with labels "
                f"({', '.join(catalogue.LABELLED)}); {config.dataset!r} has "
                "none.",
            )
        if config.conditioning == "acgan" and config.unroll_steps:
            raise ConfigError(
                "unroll_steps",
                "--unroll_steps cannot be combined with "
                "--conditioning=acgan; use --conditioning=projection.",
            )
        for name, off in (
            ("augment", "none"),
            ("instance_noise", 0.0),
            ("d_warmup_steps", 0),
        ):
            if getattr(config, name) != off:
                raise ConfigError(
                    name,
                    f"--{name} is not supported with --conditional yet; "
                    "drop one of the two.",
                )
    for name, divisor, reason in (
        ("steps", "log_every", "checkpoints and logs fall every "
         "log_every steps"),
        ("eval_every", "log_every", "evaluations fall at epoch ends"),
        ("log_every", "steps_per_execution", "an epoch is a whole "
         "number of executions"),
    ):
        value, by = getattr(config, name), getattr(config, divisor)
        if value % by:
            raise ConfigError(
                name,
                f"{name} ({value}) must be a multiple of {divisor} "
                f"({by}): {reason}.",
            )
    _check_stabilisers(config)
    _check_watchdog_and_best(config)
    if config.pack > 1:
        _check_pack(config)
    if config.rotation_weight:
        _check_rotation(config)


def _check_rotation(config):
    """SS-GAN: images (square: a quarter turn keeps the shape), and none
    of the settings the rotation loss does not compose with yet."""
    if not config.is_image:
        raise ConfigError(
            "rotation_weight",
            f"--rotation_weight rotates images; dataset {config.dataset!r} "
            "is not an image data set.",
        )
    for name, on in (
        ("conditional", config.conditional),
        ("unroll_steps", config.unroll_steps > 0),
        ("ewc_weight", config.ewc_weight > 0),
        ("pack", config.pack > 1),
        ("penalty_layer", bool(config.penalty_layer)),
    ):
        if on:
            raise ConfigError(
                "rotation_weight",
                f"--rotation_weight cannot be combined with --{name} yet; "
                "drop one of the two.",
            )


def _check_pack(config):
    """PacGAN: toy points and images, a batch that is whole packs, and the
    settings that score single samples refused by name."""
    if config.is_clip:
        raise ConfigError(
            "pack",
            "--pack packs toy points and images; clips are not supported "
            f"yet (dataset {config.dataset!r}).",
        )
    if config.batch_size % config.pack:
        raise ConfigError(
            "pack",
            f"--pack={config.pack} must divide --batch_size "
            f"({config.batch_size}): each D step cuts its batch into packs.",
        )
    for name, on, what in (
        ("conditional", config.conditional, "a conditional D's labels"),
        ("ewc_weight", config.ewc_weight > 0, "EWC's per-example Fisher"),
        ("penalty_layer", bool(config.penalty_layer),
         "the layer gradient penalty (its layer is inside the packed D)"),
    ):
        if on:
            raise ConfigError(
                "pack",
                f"--pack cannot be combined with --{name} yet: {what} "
                "belongs to single samples, not packs; drop one of the two.",
            )


def _check_watchdog_and_best(config):
    """The watchdog's data set and ladder, and keep_best / early stopping
    against the scores the run's evaluation logs."""
    if config.watchdog and config.watchdog_action == "escalate":
        try:
            ladder = kg.run_callbacks.watchdog_ladder(config)
        except ValueError as e:
            raise ConfigError("watchdog_ladder", f"--watchdog_ladder: {e}")
        for name, weight in ladder:
            # A rung must add to the run's own penalty, not weaken it (the
            # image data sets already train with 0GP lambda 100).
            if name == config.penalty and weight <= config.penalty_weight:
                raise ConfigError(
                    "watchdog_ladder",
                    f"--watchdog_ladder: the rung {name}:{weight:g} is no "
                    f"stronger than the run's own penalty ({config.penalty}, "
                    f"--penalty_weight={config.penalty_weight:g}); give rungs "
                    f"above it, e.g. {name}:{10 * config.penalty_weight:g}.",
                )
        if config.penalty_every > 1:
            raise ConfigError(
                "watchdog_action",
                "--watchdog_action=escalate swaps the penalty, which "
                "--penalty_every > 1 does not allow; use lower_lr.",
            )
    if (
        config.watchdog
        and config.is_image
        and config.dataset not in ("digits", "stacked_digits")
    ):
        raise ConfigError(
            "watchdog",
            f"watchdog has no collapse signal for {config.dataset!r} (it "
            "needs the digits classifier's mode histogram): use it on "
            "the toy mixtures, digits or stacked_digits.",
        )
    if config.early_stopping_patience and not config.keep_best:
        raise ConfigError(
            "early_stopping_patience",
            "early_stopping_patience needs keep_best=METRIC (the score "
            "whose evaluations it counts).",
        )
    if config.keep_best:
        logged = config.logged_scores
        if config.keep_best.removeprefix("val_") not in logged:
            raise ConfigError(
                "keep_best",
                f"keep_best={config.keep_best!r}: the evaluation of "
                f"{config.dataset!r} logs no such score; it logs "
                f"{', '.join(logged) or 'none (set inception_weights)'}.",
            )


def _check_unused(config):
    """A setting changed from its default where nothing reads it is
    refused: the run would silently ignore it."""
    # A data set's own default is not a change (the clips' sprite G).
    dataset = DATASET_DEFAULTS.get(config.dataset, {})
    defaults = {
        f.name: dataset.get(f.name, f.metadata["default"])
        for f in settings(type(config))
    }
    tfds = config.dataset in catalogue.TFDS_DATASETS
    for name, needs, active in (
        ("moving_digits", "a clip data set", config.is_clip),
        ("frames", "a clip data set", config.is_clip),
        ("frame_size", "a clip data set", config.is_clip),
        ("frame_critic", "a clip data set", config.is_clip),
        ("frame_differences", "a clip data set", config.is_clip),
        ("content_motion", "a clip data set", config.is_clip),
        ("sprite_motion", "a clip data set", config.is_clip),
        ("whole_pixel_shifts", "--sprite_motion", config.sprite_motion),
        ("sprite_dynamics", "--sprite_motion", config.sprite_motion),
        ("conditioning", "--conditional", config.conditional),
        (
            "consistency_augment",
            "--consistency_weight or --consistency_fake_weight > 0",
            config.consistency_weight > 0
            or config.consistency_fake_weight > 0,
        ),
        ("ewc_every", "--ewc_weight > 0", config.ewc_weight > 0),
        ("ewc_alpha", "--ewc_weight > 0", config.ewc_weight > 0),
        ("ewc_num_batches", "--ewc_weight > 0", config.ewc_weight > 0),
        (
            "rotation_g_weight",
            "--rotation_weight > 0",
            config.rotation_weight > 0,
        ),
        ("watchdog_action", "--watchdog", config.watchdog),
        (
            "watchdog_ladder",
            "--watchdog_action=escalate",
            config.watchdog and config.watchdog_action == "escalate",
        ),
        ("inception_weights", "a tfds image data set", tfds),
        ("inception_graph", "a tfds image data set", tfds),
    ):
        value = getattr(config, name)
        if not active and value != defaults[name]:
            raise ConfigError(
                name,
                f"--{name}={value} acts only with {needs} (dataset "
                f"{config.dataset!r}); drop it, or add what it needs.",
            )


def _check_stabilisers(config):
    losses = kg.losses
    if config.real_weight != 1.0 and losses.is_paired(
        losses.get(config.loss)
    ):
        raise ConfigError(
            "real_weight",
            f"real_weight (gamma, now {config.real_weight:g}) must be 1 "
            f"with --loss={config.loss}: a paired loss has no real term "
            "to weight.",
        )
    if config.label_smoothing != 1.0 and not losses.is_logistic(
        losses.get(config.loss)
    ):
        raise ConfigError(
            "label_smoothing",
            "label_smoothing (one-sided label smoothing) is for the "
            "logistic losses (minimax, non_saturating), got loss "
            f"{config.loss!r}; use --label_smoothing=1 with it.",
        )
    try:
        policy = kg.augment.parse_policy(config.augment)
    except ValueError as e:
        raise ConfigError("augment", f"augment: {e}") from None
    if policy.kind != "none" and not config.is_image:
        raise ConfigError(
            "augment",
            f"augment ({config.augment!r}) augments images; dataset "
            f"{config.dataset!r} is not an image data set.",
        )
    if config.consistency_weight or config.consistency_fake_weight:
        if not config.is_image:
            raise ConfigError(
                "consistency_weight",
                f"consistency regularisation transforms images; dataset "
                f"{config.dataset!r} is not an image data set.",
            )
        for name, on, why in (
            ("conditional", config.conditional, "--conditional"),
            ("unroll_steps", config.unroll_steps, "--unroll_steps"),
        ):
            if on:
                raise ConfigError(
                    "consistency_weight",
                    f"--consistency_weight cannot be combined with {why} "
                    "yet; drop one of the two.",
                )
    try:
        kg.augment.parse_policy(f"diffaugment:{config.consistency_augment}")
    except ValueError as e:
        raise ConfigError(
            "consistency_augment", f"consistency_augment: {e}"
        ) from None
    if config.lecam_weight and config.unroll_steps:
        raise ConfigError(
            "lecam_weight",
            "--lecam_weight cannot be combined with --unroll_steps yet (the "
            "look-ahead's D loss would leave the term out); drop one of the "
            "two.",
        )
    transform = policy.kind != "none" or config.instance_noise > 0
    if transform and config.unroll_steps:
        raise ConfigError(
            "unroll_steps",
            "unroll_steps > 0 cannot be combined with --augment or "
            "--instance_noise (the look-ahead sees clean inputs).",
        )
    if transform and config.penalty_layer:
        raise ConfigError(
            "penalty_layer",
            "penalty_layer (the layer gradient penalty) cannot be "
            "combined with --augment or --instance_noise.",
        )
    zero_centred = "norm" in inspect.signature(
        kg.penalties.get(config.penalty)
    ).parameters
    for name, value, off in (
        ("penalty_norm", config.penalty_norm, "l2"),
        ("penalty_layer", config.penalty_layer, ""),
    ):
        if value != off and not zero_centred:
            raise ConfigError(
                name,
                f"{name} ({value!r}) applies to the zero-centred "
                f"penalties (r1, r2, r1_r2, zero_gp), got penalty "
                f"{config.penalty!r}.",
            )


def _check_clip(config):
    if config.network == "mlp":
        raise ConfigError(
            "network",
            f"network 'mlp' is not built for clips ({config.dataset!r}); "
            "use --network=auto (the video DCGAN).",
        )
    if config.watchdog:
        raise ConfigError(
            "watchdog",
            f"--watchdog has no collapse signal for clips "
            f"({config.dataset!r}) yet; drop it.",
        )
    try:
        kg.video_networks.check_clip_shape(config.clip_shape)
    except ValueError as e:  # frames or frame_size
        raise ConfigError(
            "frame_size" if "--frame_size" in str(e) else "frames",
            str(e),
        ) from None
    if config.content_motion and config.sprite_motion:
        raise ConfigError(
            "sprite_motion",
            "--sprite_motion and --content_motion are two generators; "
            "pick one (on clips the sprite G is the default: "
            "--content_motion needs --nosprite_motion).",
        )
    if config.content_motion or config.sprite_motion:
        try:
            kg.video_networks.check_content_motion(
                config.latent_dim, config.frames
            )
        except ValueError as e:
            raise ConfigError("latent_dim", str(e)) from None
