"""Typed experiment configuration: every setting declared once.

``TrainConfig`` is what every binary builds and hands to ``train_lib.run``.
Each field is declared in one place, with its default, bounds and help
text (``setting``, from the small framework in ``keras_gans.settings``);
from that declaration come

- the validation (``TrainConfig.validate``: bounds, choices, finiteness,
  integers; the few cross-field rules are written out below),
- the command-line flags of ``keras-gans-train`` (``keras_gans.cli``),
- the per-data-set defaults: a field declared with ``by_dataset=True`` left
  unset (``None``) takes the value of ``DATASET_DEFAULTS[dataset]``, or its
  declared default, when the config is made. So
  ``TrainConfig(dataset="stacked_digits")`` is the stacked-digits preset,
  never the ring's latent 2 and batch 256.

Adding a setting is one ``setting(...)`` line in ``TrainConfig``, e.g.::

    keep_best: bool = setting(
        False, "Export the best evaluation's generator.", may_change=True
    )

and its use where it acts (``train_lib``). Its flag (``--keep_best``),
help, bounds and choices check, ``config.json`` entry and the refusal of a
changed value on an existing workdir (unless ``may_change``) follow; if data
sets differ on it, declare it ``by_dataset=True`` and add the values to
``DATASET_DEFAULTS``. Named variants of the paper's experiments are in
``keras_gans.presets``; ``presets.preset(name)`` returns any of them, or a
data set's defaults.

Unknown fields are errors (dataclasses reject them) and ``validate`` names
the flag of any bad value.
"""

import dataclasses
import inspect
from typing import Any, Dict, Optional, Tuple

import keras

from keras_gans import (
    augment,
    data,
    losses,
    moving_digits,
    penalties,
    video_networks,
)
from keras_gans.evaluation import scores
from keras_gans.settings import (  # noqa: F401 - re-exported
    MAX_SEED,
    ConfigError,
    bounds_text,
    check_declared,
    choices_of,
    field_type,
    setting,
    settings,
)

__all__ = [
    "DATASETS",
    "DATASET_DEFAULTS",
    "LR_SCHEDULES",
    "MAX_SEED",
    "NETWORKS",
    "OPTIMIZERS",
    "PRECISIONS",
    "STRATEGIES",
    "ConfigError",
    "OptimizerConfig",
    "TrainConfig",
    "setting",
    "settings",
]

# Keras dtype policies: float32, or float16 / bfloat16 compute with float32
# variables (float16 with dynamic loss scaling).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# default: one device; mirrored: MirroredStrategy over the local GPUs (or
# the CPU); multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG.
STRATEGIES = ("default", "mirrored", "multi_worker")
OPTIMIZERS = ("sgd", "momentum", "adam")
LR_SCHEDULES = ("constant", "linear", "cosine")
# ``auto``: the MLP for toy data, DCGAN for images.
NETWORKS = ("auto", "mlp", "dcgan")
DATASETS = (
    tuple(sorted(data.TOY_DATASETS))
    + tuple(data.IMAGE_DATASETS)
    + tuple(moving_digits.CLIP_DATASETS)
)
@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """One player's optimizer (``name``, ``learning_rate``, Adam's
    ``beta1``/``beta2``, SGD's ``momentum``)."""

    name: str = setting(
        "adam",
        "{player} optimizer: sgd, momentum (SGD with momentum) or adam.",
        choices=OPTIMIZERS,
        flag="{player}_optimizer",
    )
    learning_rate: float = setting(
        1e-3,
        "{player} learning rate.",
        lower=0.0,
        lower_open=True,
        flag="{player}_lr",
    )
    beta1: float = setting(
        0.5, "Adam beta1 (both players).", lower=0.0, upper=1.0,
        upper_open=True,
    )
    beta2: float = setting(
        0.99, "Adam beta2 (both players).", lower=0.0, upper=1.0,
        upper_open=True,
    )
    momentum: float = setting(
        0.9,
        "SGD momentum of --*_optimizer=momentum (both players).",
        lower=0.0,
        upper=1.0,
        upper_open=True,
    )
    weight_decay: float = setting(
        0.0,
        "{player} decoupled (AdamW-style) weight decay: each update also "
        "subtracts lr * decay * w from every trainable weight (0: off).",
        lower=0.0,
        flag="{player}_weight_decay",
    )

    def validate(self, prefix: str = "") -> "OptimizerConfig":
        """Returns self, or raises ConfigError naming the flag (``prefix``:
        ``d_`` or ``g_``)."""
        check_declared(self, prefix.rstrip("_") or None)
        return self

    def build(
        self, schedule: str = "constant", decay_steps: Optional[int] = None
    ) -> keras.optimizers.Optimizer:
        """The Keras optimizer, with the learning rate decayed to 1% of its
        value over ``decay_steps`` updates for the ``linear`` and ``cosine``
        schedules (constant at 1% after them).

        ``weight_decay`` > 0 is decoupled weight decay (Loshchilov & Hutter,
        2019, "Decoupled Weight Decay Regularization"): Keras' optimizers
        apply ``w <- w - lr * weight_decay * w`` to every trainable
        variable before the gradient update, apart from the loss (Adam
        then is AdamW); 0 leaves the optimizer without it."""
        lr = self.learning_rate
        if schedule == "linear":
            lr = keras.optimizers.schedules.PolynomialDecay(
                lr, decay_steps, end_learning_rate=0.01 * lr, power=1.0
            )
        elif schedule == "cosine":
            lr = keras.optimizers.schedules.CosineDecay(
                lr, decay_steps, alpha=0.01
            )
        elif schedule != "constant":
            raise ConfigError(
                "lr_schedule",
                f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got "
                f"{schedule!r}.",
            )
        decay = {"weight_decay": self.weight_decay} if self.weight_decay else {}
        if self.name == "adam":
            return keras.optimizers.Adam(
                lr, beta_1=self.beta1, beta_2=self.beta2, **decay
            )
        momentum = self.momentum if self.name == "momentum" else 0.0
        return keras.optimizers.SGD(lr, momentum=momentum, **decay)


# The paper's Table II (DCGAN): Adam 2e-4, beta 0.5/0.99, batch 64; latent
# 100 as in DCGAN. Stabiliser: Table III's 0GP (lambda 100 on the sigmoid,
# as the paper's code) with a generator EMA, the best row of bin/table3.py
# on stacked digits.
_IMAGE_ADAM = OptimizerConfig("adam", 2e-4, beta1=0.5, beta2=0.99)
_DIGITS_DEFAULTS = {
    "latent_dim": 100,
    "batch_size": 64,
    "d_optimizer": _IMAGE_ADAM,
    "g_optimizer": _IMAGE_ADAM,
    "lr_schedule": "constant",
    "penalty": "zero_gp",
    "penalty_weight": 100.0,
    "penalty_output": "sigmoid",
    "ema_decay": 0.999,
    "steps": 10_000,
    "log_every": 500,
    "eval_every": 2500,
    "eval_samples": 10_000,
}
# Per data set: the fields (declared with by_dataset=True) whose values
# differ from their declared defaults. The toy mixtures use the declared
# defaults (the stabilised set-up benchmarks/mode_coverage.py measured best),
# but for the ring (the main job), whose length was tuned for time to
# quality (benchmarks/TIME_TO_QUALITY.md, tuning seeds 100-102).
# Adam 1e-3 and a G EMA of 0.99: on tuning seed 101 the images' Adam 2e-4
# with EMA 0.999 still drew identical blurs at step 1000 and shapeless
# blobs at 2000, and 5e-4 with lambda 10 did no better. 4000 steps: the
# first length at which seed 101 drew digits the classifier reads with
# mean confidence >= 0.8 (0.813 at 3000, 0.809 at 4000, while the motion
# scores kept improving); about 11 minutes on a 2-core CPU
# (benchmarks/MOVING_DIGITS.md).
_CLIP_ADAM = OptimizerConfig("adam", 1e-3, beta1=0.5, beta2=0.99)
_CLIP_DEFAULTS = {
    "base_filters": 16,
    "latent_dim": 64,
    "batch_size": 32,
    "d_optimizer": _CLIP_ADAM,
    "g_optimizer": _CLIP_ADAM,
    "ema_decay": 0.99,
    "steps": 4000,
    "log_every": 250,
    "eval_every": 2000,
    "eval_samples": 1000,
}
DATASET_DEFAULTS: Dict[str, Dict[str, Any]] = {
    **{name: {} for name in data.TOY_DATASETS},
    "ring": {"steps": 10_000, "eval_every": 2000},
    "digits": _DIGITS_DEFAULTS,
    # VEEGAN/PacGAN protocol: 26,000 samples for 1000 modes. 20k steps:
    # the row of benchmarks/TABLE3.md with KL < 0.1.
    "stacked_digits": {
        **_DIGITS_DEFAULTS,
        "steps": 20_000,
        "eval_every": 5000,
        "eval_samples": 26_000,
    },
    **{
        name: {
            **_DIGITS_DEFAULTS,
            "steps": 50_000,
            "log_every": 1000,
            "eval_every": 5000,
        }
        for name in data.TFDS_DATASETS
    },
    # Clips: the video DCGAN (keras_gans.video_networks) at base 16, the
    # seed's gradient penalty in the critic loss (0GP, lambda 100 on the
    # sigmoid, as on the images); sized so the default run is under 15
    # minutes on a 2-core CPU (benchmarks/MOVING_DIGITS.md).
    **{
        name: {
            **_DIGITS_DEFAULTS,
            **_CLIP_DEFAULTS,
        }
        for name in moving_digits.CLIP_DATASETS
    },
}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """A GAN experiment (``keras-gans-train``) on a toy mixture or images.

    Fields declared ``by_dataset`` and not given take the data set's value
    (``DATASET_DEFAULTS``) when the config is made. ``dataclasses.replace``
    keeps the values of the config it copies; for another data set's
    defaults use ``preset(name, **overrides)``.
    """

    # Data.
    dataset: str = setting(
        "ring",
        "Toy mixture or image data set; the per-data-set defaults of "
        "keras_gans.config.DATASET_DEFAULTS apply to the flags not given.",
        choices=DATASETS,
    )
    train_examples: int = setting(
        0,
        "Image data sets: train on only the first N images of the train "
        "split (the small-data case, e.g. 100); 0: all of them.",
        lower=0,
    )
    moving_digits: int = setting(
        1,
        "Clip data sets (moving_digits, moving_mnist_generated): digits "
        "per clip, 1 or 2.",
        lower=1,
        upper=moving_digits.MAX_DIGITS,
    )
    frames: int = setting(
        16,
        "Clip data sets: frames per clip (a multiple of 2**n, n the video "
        "DCGAN's stride-2 layers: 8 for 32 x 32 frames, 16 for 64 x 64).",
        lower=2,
    )
    frame_size: int = setting(
        0,
        "Clip data sets: the frames' side; 0: the data set's (32 for "
        "moving_digits, 64 for moving_mnist_generated).",
        lower=0,
    )
    frame_critic: bool = setting(
        False,
        "Clip data sets: D adds a 2-D critic's mean logit on frames 0, 4, "
        "8, ... to its video logit (MoCoGAN's image discriminator, folded "
        "into one D).",
    )
    content_motion: bool = setting(
        False,
        "Clip data sets: G keeps one content code for all frames and "
        "moves by per-frame motion codes from a GRU (MoCoGAN's "
        "decomposition); half of --latent_dim must be a multiple of "
        "--frames.",
    )
    sprite_motion: bool = setting(
        False,
        "Clip data sets: G draws one sprite a clip and moves it by a "
        "per-frame translation from a GRU (a spatial transformer); half "
        "of --latent_dim must be a multiple of --frames.",
    )
    whole_pixel_shifts: bool = setting(
        False,
        "--sprite_motion: move the sprite by whole pixels (crisp frames), "
        "with the bilinear move's gradient in the shift (straight-through).",
    )
    frame_differences: bool = setting(
        False,
        "Clip data sets: D also sees the frame-to-frame differences as "
        "extra channels.",
    )
    data_dir: str = setting(
        "",
        "tensorflow-datasets data directory (mnist, cifar10, celeb_a); "
        "empty: tfds' default.",
    )
    download_data: bool = setting(
        False,
        "Let tfds download missing data (needs network); off: a missing "
        "data set is an error at once.",
    )
    # Model.
    network: str = setting(
        "auto",
        "auto: MLP for toy data, DCGAN for images; mlp on images: the "
        "paper's Table IV MLP with --hidden_units.",
        choices=NETWORKS,
    )
    hidden_units: Tuple[int, ...] = setting(
        (128, 128, 128), "Hidden layer widths of both MLPs."
    )
    base_filters: int = setting(
        64,
        "DCGAN filters at D's first layer (doubling; G mirrored).",
        lower=1,
        by_dataset=True,
    )
    latent_dim: int = setting(2, "Latent size.", lower=1, by_dataset=True)
    # Objective and penalty.
    loss: str = setting(
        "non_saturating",
        "Adversarial loss (relativistic: RpGAN's pairing loss, R3GAN; needs "
        "--real_weight=1).",
        choices=losses.names,
    )
    penalty: str = setting(
        "zero_gp",
        "Gradient penalty on D (r1_r2: (R1 + R2)/2, R3GAN's gamma/2 (R1 + "
        "R2) with gamma = --penalty_weight).",
        choices=penalties.names,
        by_dataset=True,
    )
    penalty_weight: float = setting(
        0.1, "Penalty weight lambda.", lower=0.0, by_dataset=True
    )
    penalty_output: str = setting(
        "logit",
        "What the penalty differentiates: D's logit or sigmoid(logit).",
        choices=("logit", "sigmoid"),
        by_dataset=True,
    )
    penalty_every: int = setting(
        1,
        "Lazy regularisation: penalty every k-th D step, with weight "
        "k*lambda.",
        lower=1,
    )
    lipschitz_k: float = setting(
        1.0, "Target K of --penalty=lipschitz.", lower=0.0, lower_open=True
    )
    penalty_norm: str = setting(
        "l2",
        "Norm of the zero-centred penalties (r1, r2, r1_r2, zero_gp): l2 "
        "(squared L2) or l1 (L1-norm double backpropagation, Drucker & "
        "LeCun).",
        choices=("l2", "l1"),
    )
    penalty_layer: str = setting(
        "",
        "Layer gradient penalty: take r1/r2/r1_r2/zero_gp's gradient w.r.t. "
        "the output of D's layer NAME instead of its input; empty: the "
        "input.",
    )
    label_smoothing: float = setting(
        1.0,
        "One-sided label smoothing: the real target of the logistic losses "
        "(minimax, non_saturating), e.g. 0.9; 1: off.",
        lower=0.5,
        upper=1.0,
        lower_open=True,
    )
    real_weight: float = setting(
        1.0,
        "Imbalanced real-loss weight gamma (paper eq. 6).",
        lower=0.0,
        lower_open=True,
    )
    n_critic: int = setting(1, "D updates per G update.", lower=1)
    # Stabilisers (issue 14).
    spectral_norm: bool = setting(
        False,
        "Spectral normalisation (Miyato et al. 2018) of every D layer with "
        "a kernel (mlp and dcgan discriminators).",
    )
    d_l1: float = setting(
        0.0,
        "L1 weight regularisation of D: lambda * sum |w| over D's kernels "
        "added to L_D (0: off).",
        lower=0.0,
    )
    augment: str = setting(
        "none",
        "Differentiable augmentation of D's inputs (image data sets): none, "
        "diffaugment:OPS (any of color,translation,cutout) or ada "
        "(ada:OPS for a subset of xflip,rotate90,xint,brightness,contrast,"
        "saturation).",
    )
    instance_noise: float = setting(
        0.0,
        "Instance noise: std of Gaussian noise on every D input, real and "
        "fake (0: off).",
        lower=0.0,
    )
    instance_noise_anneal_steps: int = setting(
        0,
        "Steps over which --instance_noise falls linearly to 0 (0: "
        "constant).",
        lower=0,
    )
    d_warmup_steps: int = setting(
        0,
        "D-only steps on real and fake before the first G step (counted in "
        "the checkpoint: a resumed run does not redo them).",
        lower=0,
    )
    # Class-conditional GANs (issue 15).
    conditional: bool = setting(
        False,
        "Class-conditional GAN on the data set's labels: projection D, "
        "label-embedding (MLP) or conditional-batch-norm (DCGAN) G.",
    )
    conditioning: str = setting(
        "projection",
        "With --conditional: a projection discriminator D(x, y) (Miyato & "
        "Koyama 2018) or an AC-GAN class head on D(x) (Odena et al. 2017).",
        choices=("projection", "acgan"),
    )
    classification_weight: float = setting(
        1.0,
        "AC-GAN: weight of the class cross-entropy in L_D and L_G.",
        lower=0.0,
    )
    label_distribution: str = setting(
        "uniform",
        "Fake labels of a conditional GAN: uniform over the classes, or "
        "the training data's class frequencies.",
        choices=("uniform", "data"),
    )
    # Remedies.
    ema_decay: float = setting(
        0.999,
        "Generator EMA decay for sampling and export (0: off).",
        lower=0.0,
        upper=1.0,
        upper_open=True,
        by_dataset=True,
    )
    replay_size: int = setting(0, "Old-fake buffer size (0: off).", lower=0)
    replay_fraction: float = setting(
        0.5,
        "Fraction of each D step's fakes drawn from the buffer.",
        lower=0.0,
        upper=1.0,
    )
    unroll_steps: int = setting(
        0, "Unrolled GAN: D look-ahead steps for G's loss (0: off).", lower=0
    )
    unroll_first_order: bool = setting(
        False, "Unrolled GAN without second-order terms."
    )
    unroll_update: str = setting(
        "optimizer",
        "Unrolled GAN look-ahead: D's own optimizer's rule (SGD, Adam, "
        "AdamW; Metz et al.) or plain gradient steps at D's learning rate.",
        choices=("optimizer", "gradient"),
    )
    ewc_weight: float = setting(
        0.0, "Online EWC weight on D (0: off).", lower=0.0
    )
    ewc_every: int = setting(
        100,
        "GAN iterations per EWC task (a Fisher estimate and anchor at the "
        "end of each).",
        lower=1,
    )
    ewc_alpha: float = setting(
        0.5,
        "Weight of a new Fisher estimate.",
        lower=0.0,
        upper=1.0,
        lower_open=True,
    )
    ewc_num_batches: int = setting(
        1,
        "Least number of chunks the Fisher estimate's batch is split into "
        "(memory only; the estimate is the same).",
        lower=1,
    )
    # Optimizers.
    d_optimizer: OptimizerConfig = setting(
        OptimizerConfig(), "D's optimizer.", flag="d", by_dataset=True
    )
    g_optimizer: OptimizerConfig = setting(
        OptimizerConfig(), "G's optimizer.", flag="g", by_dataset=True
    )
    lr_schedule: str = setting(
        "linear",
        "Learning-rate decay over --steps (to 1%): constant, linear or "
        "cosine.",
        choices=LR_SCHEDULES,
        by_dataset=True,
    )
    batch_size: int = setting(
        256, "Real samples per D step.", lower=1, by_dataset=True
    )
    steps: int = setting(
        20000,
        "Generator steps; a larger value on a finished run trains on.",
        lower=1,
        by_dataset=True,
        may_change=True,
    )
    seed: int = setting(
        0, "Seed of weights, data and noise.", lower=0, upper=MAX_SEED
    )
    # Execution.
    # None: chosen per workload by training.execution.auto_jit_compile
    # (measured in benchmarks/throughput.py: on CPU XLA's fused loop pays
    # for the dense networks, not tried for convolutions).
    jit_compile: Optional[bool] = setting(
        None,
        "Compile the train step with XLA; unset: chosen per workload "
        "(training.execution.auto_jit_compile).",
    )
    steps_per_execution: int = setting(
        50,
        "Train steps per tf.function call (with --jit_compile, one XLA "
        "program).",
        lower=1,
    )
    mixed_precision: str = setting(
        "float32",
        "Keras dtype policy (mixed_float16 adds dynamic loss scaling).",
        choices=PRECISIONS,
    )
    strategy: str = setting(
        "default",
        "tf.distribute strategy; multi_worker reads TF_CONFIG. XLA is not "
        "supported over several CPU replicas: pass --nojit_compile there.",
        choices=STRATEGIES,
    )
    # Logging and evaluation.
    log_every: int = setting(
        1000,
        "Steps per Keras epoch (logs, checkpoint).",
        lower=1,
        by_dataset=True,
    )
    eval_every: int = setting(
        5000, "Steps between evaluations.", lower=1, by_dataset=True
    )
    eval_samples: int = setting(
        2500, "Samples per evaluation.", lower=1, by_dataset=True
    )
    classifier_path: str = setting(
        "",
        "Digits classifier (.keras) for the digits metrics; empty: the "
        "shipped one.",
    )
    inception_weights: str = setting(
        "",
        "InceptionV3 weights for IS/FID on tfds images: 'imagenet' (Keras' "
        "cached file) or a path to the .h5; empty: no Inception metrics.",
    )
    inception_graph: str = setting(
        "",
        "The reference 2015-12-05 Inception graph "
        "(classify_image_graph_def.pb) for IS/FID/KID on tfds images, "
        "preferred to --inception_weights; empty: not used.",
    )
    reference_cache: str = setting(
        "",
        "Directory caching the real data's features and moments "
        "(keras_gans.reference_stats); empty: no cache.",
        may_change=True,
    )
    # Collapse watchdog and best checkpoint (keras_gans.run_callbacks).
    watchdog: bool = setting(
        False,
        "On collapse, roll back to the last good state, scale both learning "
        "rates by --watchdog_lr_factor and retry.",
    )
    watchdog_lr_factor: float = setting(
        0.5,
        "Learning-rate factor per watchdog retry.",
        lower=0.0,
        upper=1.0,
        lower_open=True,
    )
    watchdog_max_retries: int = setting(
        3, "Watchdog rollbacks before it gives up.", lower=0
    )
    keep_best: str = setting(
        "",
        "A logged score (e.g. kid, modes): keep the best evaluation's "
        "training state and export in workdir/best/; empty: off.",
    )
    early_stopping_patience: int = setting(
        0,
        "Evaluations without improvement of --keep_best before training "
        "stops; 0: never.",
        lower=0,
        may_change=True,
    )

    def __post_init__(self):
        defaults = DATASET_DEFAULTS.get(self.dataset, {})
        for f in settings(type(self)):
            if f.metadata["by_dataset"] and getattr(self, f.name) is None:
                value = defaults.get(f.name, f.metadata["default"])
                object.__setattr__(self, f.name, value)
        if isinstance(self.hidden_units, list):
            object.__setattr__(self, "hidden_units", tuple(self.hidden_units))

    def validate(self) -> "TrainConfig":
        """Returns self, or raises ConfigError naming the bad flag."""
        check_declared(self)
        if self.network == "dcgan" and self.is_toy:
            raise ConfigError(
                "network",
                f"network 'dcgan' needs an image or clip data set, got "
                f"{self.dataset!r}.",
            )
        if self.is_clip:
            self._check_clip()
        if self.train_examples and not self.is_image:
            raise ConfigError(
                "train_examples",
                f"train_examples is for image data sets; dataset "
                f"{self.dataset!r} is drawn without end (use 0).",
            )
        if self.train_examples and self.dataset in ("digits", "stacked_digits"):
            available = data.DIGITS_TRAIN_SIZE
            if self.train_examples > available:
                raise ConfigError(
                    "train_examples",
                    f"train_examples={self.train_examples} is more than the "
                    f"{available} digits of the train split.",
                )
        self._check_unused()
        if self.conditional:
            if self.dataset not in data.LABELLED:
                raise ConfigError(
                    "conditional",
                    f"--conditional needs a data set with labels "
                    f"({', '.join(data.LABELLED)}); {self.dataset!r} has "
                    "none.",
                )
            if self.conditioning == "acgan" and self.unroll_steps:
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
                if getattr(self, name) != off:
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
            value, by = getattr(self, name), getattr(self, divisor)
            if value % by:
                raise ConfigError(
                    name,
                    f"{name} ({value}) must be a multiple of {divisor} "
                    f"({by}): {reason}.",
                )
        self._check_stabilisers()
        self._check_watchdog_and_best()
        return self

    def _check_watchdog_and_best(self):
        """The watchdog's data set, and keep_best / early stopping against
        the scores the run's evaluation logs."""
        if (
            self.watchdog
            and self.is_image
            and self.dataset not in ("digits", "stacked_digits")
        ):
            raise ConfigError(
                "watchdog",
                f"watchdog has no collapse signal for {self.dataset!r} (it "
                "needs the digits classifier's mode histogram): use it on "
                "the toy mixtures, digits or stacked_digits.",
            )
        if self.early_stopping_patience and not self.keep_best:
            raise ConfigError(
                "early_stopping_patience",
                "early_stopping_patience needs keep_best=METRIC (the score "
                "whose evaluations it counts).",
            )
        if self.keep_best:
            logged = self.logged_scores
            if self.keep_best.removeprefix("val_") not in logged:
                raise ConfigError(
                    "keep_best",
                    f"keep_best={self.keep_best!r}: the evaluation of "
                    f"{self.dataset!r} logs no such score; it logs "
                    f"{', '.join(logged) or 'none (set inception_weights)'}.",
                )

    def _check_unused(self):
        """A setting changed from its default where nothing reads it is
        refused: the run would silently ignore it."""
        defaults = {
            f.name: f.metadata["default"] for f in settings(TrainConfig)
        }
        tfds = self.dataset in data.TFDS_DATASETS
        for name, needs, active in (
            ("moving_digits", "a clip data set", self.is_clip),
            ("frames", "a clip data set", self.is_clip),
            ("frame_size", "a clip data set", self.is_clip),
            ("frame_critic", "a clip data set", self.is_clip),
            ("frame_differences", "a clip data set", self.is_clip),
            ("content_motion", "a clip data set", self.is_clip),
            ("sprite_motion", "a clip data set", self.is_clip),
            ("whole_pixel_shifts", "--sprite_motion", self.sprite_motion),
            ("conditioning", "--conditional", self.conditional),
            ("ewc_every", "--ewc_weight > 0", self.ewc_weight > 0),
            ("ewc_alpha", "--ewc_weight > 0", self.ewc_weight > 0),
            ("ewc_num_batches", "--ewc_weight > 0", self.ewc_weight > 0),
            ("inception_weights", "a tfds image data set", tfds),
            ("inception_graph", "a tfds image data set", tfds),
        ):
            value = getattr(self, name)
            if not active and value != defaults[name]:
                raise ConfigError(
                    name,
                    f"--{name}={value} acts only with {needs} (dataset "
                    f"{self.dataset!r}); drop it, or add what it needs.",
                )

    def _check_stabilisers(self):
        if self.real_weight != 1.0 and losses.is_paired(losses.get(self.loss)):
            raise ConfigError(
                "real_weight",
                f"real_weight (gamma, now {self.real_weight:g}) must be 1 "
                f"with --loss={self.loss}: a paired loss has no real term "
                "to weight.",
            )
        if self.label_smoothing != 1.0 and not losses.is_logistic(
            losses.get(self.loss)
        ):
            raise ConfigError(
                "label_smoothing",
                "label_smoothing (one-sided label smoothing) is for the "
                "logistic losses (minimax, non_saturating), got loss "
                f"{self.loss!r}; use --label_smoothing=1 with it.",
            )
        try:
            policy = augment.parse_policy(self.augment)
        except ValueError as e:
            raise ConfigError("augment", f"augment: {e}") from None
        if policy.kind != "none" and not self.is_image:
            raise ConfigError(
                "augment",
                f"augment ({self.augment!r}) augments images; dataset "
                f"{self.dataset!r} is not an image data set.",
            )
        transform = policy.kind != "none" or self.instance_noise > 0
        if transform and self.unroll_steps:
            raise ConfigError(
                "unroll_steps",
                "unroll_steps > 0 cannot be combined with --augment or "
                "--instance_noise (the look-ahead sees clean inputs).",
            )
        if transform and self.penalty_layer:
            raise ConfigError(
                "penalty_layer",
                "penalty_layer (the layer gradient penalty) cannot be "
                "combined with --augment or --instance_noise.",
            )
        zero_centred = "norm" in inspect.signature(
            penalties.get(self.penalty)
        ).parameters
        for name, value, off in (
            ("penalty_norm", self.penalty_norm, "l2"),
            ("penalty_layer", self.penalty_layer, ""),
        ):
            if value != off and not zero_centred:
                raise ConfigError(
                    name,
                    f"{name} ({value!r}) applies to the zero-centred "
                    f"penalties (r1, r2, r1_r2, zero_gp), got penalty "
                    f"{self.penalty!r}.",
                )

    def _check_clip(self):
        if self.network == "mlp":
            raise ConfigError(
                "network",
                f"network 'mlp' is not built for clips ({self.dataset!r}); "
                "use --network=auto (the video DCGAN).",
            )
        if self.watchdog:
            raise ConfigError(
                "watchdog",
                f"--watchdog has no collapse signal for clips "
                f"({self.dataset!r}) yet; drop it.",
            )
        try:
            video_networks.check_clip_shape(self.clip_shape)
        except ValueError as e:  # frames or frame_size
            raise ConfigError(
                "frame_size" if "--frame_size" in str(e) else "frames",
                str(e),
            ) from None
        if self.content_motion and self.sprite_motion:
            raise ConfigError(
                "sprite_motion",
                "--sprite_motion and --content_motion are two generators; "
                "pick one.",
            )
        if self.content_motion or self.sprite_motion:
            try:
                video_networks.check_content_motion(
                    self.latent_dim, self.frames
                )
            except ValueError as e:
                raise ConfigError("latent_dim", str(e)) from None

    @property
    def is_image(self) -> bool:
        """Whether ``dataset`` is an image data set."""
        return self.dataset in data.IMAGE_DATASETS

    @property
    def is_clip(self) -> bool:
        """Whether ``dataset`` is a clip data set (``[T, H, W, 1]``)."""
        return self.dataset in moving_digits.CLIP_DATASETS

    @property
    def is_toy(self) -> bool:
        """Whether ``dataset`` is a toy mixture of points."""
        return self.dataset in data.TOY_DATASETS

    @property
    def evaluations(self) -> tuple:
        """The evaluations (``evaluation.scores.EVALUATIONS``) whose scores
        the run's evaluation callback logs."""
        if self.is_toy:
            return ("toy",)
        if self.is_clip:
            return ("clip",)
        if self.dataset in ("digits", "stacked_digits"):
            kinds = (self.dataset,)
            if self.conditional:
                kinds += ("conditional",)
                if self.dataset == "digits":
                    kinds += ("conditional_digits",)
            return kinds
        if self.inception_weights or self.inception_graph:
            return ("inception",)
        return ()

    @property
    def logged_scores(self) -> tuple:
        """The scores (without ``val_``) the run's evaluation logs."""
        return scores.logged(self.evaluations)

    @property
    def clip_shape(self) -> tuple:
        """``(T, H, W, 1)`` of a clip data set's clips."""
        return moving_digits.clip_shape(
            self.dataset, self.frames, self.frame_size or None
        )

    @property
    def network_name(self) -> str:
        """``mlp`` or ``dcgan``: ``network`` with ``auto`` resolved."""
        if self.network != "auto":
            return self.network
        return "mlp" if self.is_toy else "dcgan"

    def penalty_options(self) -> dict:
        """Keyword options of the chosen penalty: the Lipschitz target, the
        norm and the layer (those not at their defaults)."""
        options = {}
        if self.penalty == "lipschitz":
            options["k"] = self.lipschitz_k
        if self.penalty_norm != "l2":
            options["norm"] = self.penalty_norm
        if self.penalty_layer:
            options["layer"] = self.penalty_layer
        return options

    def to_dict(self) -> dict:
        """The config as JSON-ready nested dicts."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values) -> "TrainConfig":
        """The inverse of ``to_dict``; an unknown key is a TypeError."""
        values = dict(values)
        for key in ("d_optimizer", "g_optimizer"):
            if isinstance(values.get(key), dict):
                values[key] = OptimizerConfig(**values[key])
        if "hidden_units" in values:
            values["hidden_units"] = tuple(values["hidden_units"])
        return cls(**values)

    def differences(self, other: "TrainConfig") -> Tuple[str, ...]:
        """Names of the fields whose values differ from ``other``'s
        (``d_optimizer.learning_rate`` style for nested ones)."""
        mine, theirs = self.to_dict(), other.to_dict()
        changed = []
        for key, value in mine.items():
            if isinstance(value, dict):
                changed += [
                    f"{key}.{k}"
                    for k, v in value.items()
                    if theirs[key].get(k) != v
                ]
            elif theirs[key] != value:
                changed.append(key)
        return tuple(changed)

    def identity_differences(self, other: "TrainConfig") -> Tuple[str, ...]:
        """``differences`` without the fields declared ``may_change``: what
        makes ``other``'s workdir another run."""
        free = {
            f.name for f in settings(type(self)) if f.metadata["may_change"]
        }
        return tuple(
            d for d in self.differences(other) if d.split(".")[0] not in free
        )
