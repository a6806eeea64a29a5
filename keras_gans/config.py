"""Typed experiment configuration: every field named, checked, frozen.

``TrainConfig`` is what every binary builds from its flags and hands to
``train_lib.run``. Unknown fields are errors (dataclasses reject them) and
``validate`` names the field of any bad value.
"""

import dataclasses
from typing import Optional, Tuple

import keras

from keras_gans import data, losses, penalties
from keras_gans.validation import check_integer

__all__ = [
    "DATASET_DEFAULTS",
    "DATASETS",
    "NETWORKS",
    "OptimizerConfig",
    "TrainConfig",
    "OPTIMIZERS",
    "LR_SCHEDULES",
    "PRECISIONS",
    "STRATEGIES",
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
DATASETS = tuple(sorted(data.TOY_DATASETS)) + tuple(data.IMAGE_DATASETS)

_DIGITS_DEFAULTS = {
    # The paper's Table II (DCGAN): Adam 2e-4, beta 0.5/0.99, batch 64;
    # latent 100 as in DCGAN; base filters 64. Stabiliser: Table III's 0GP
    # (lambda 100 on the sigmoid, as the paper's code) with a generator EMA,
    # the best row of bin/table3.py on stacked digits.
    "latent_dim": 100,
    "batch_size": 64,
    "d_lr": 2e-4,
    "g_lr": 2e-4,
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
# keras-gans-train's per-data-set defaults, keyed by flag name: the binary
# applies them to every flag not given on the command line (none for the
# toy mixtures: TrainConfig's own defaults are theirs).
DATASET_DEFAULTS = {
    **{name: {} for name in data.TOY_DATASETS},
    "digits": _DIGITS_DEFAULTS,
    # VEEGAN/PacGAN protocol: 26,000 samples for 1000 modes.
    # 20k steps: the row of benchmarks/TABLE3.md with KL < 0.1.
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
            "eval_samples": 10_000,
        }
        for name in data.TFDS_DATASETS
    },
}


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """One player's optimizer.

    Attributes:
        name: ``sgd``, ``momentum`` (SGD with momentum) or ``adam``.
        learning_rate: step size > 0.
        beta1, beta2: Adam's moment decays (the paper: 0.5, 0.99).
        momentum: SGD momentum for ``momentum``.
    """

    name: str = "adam"
    learning_rate: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.99
    momentum: float = 0.9

    def validate(self, prefix: str):
        if self.name not in OPTIMIZERS:
            raise ValueError(
                f"{prefix}optimizer must be one of {', '.join(OPTIMIZERS)}, "
                f"got {self.name!r}."
            )
        if not self.learning_rate > 0:
            raise ValueError(
                f"{prefix}lr must be > 0, got {self.learning_rate}."
            )
        for field in ("beta1", "beta2", "momentum"):
            value = getattr(self, field)
            if not 0 <= value < 1:
                raise ValueError(f"{field} must be in [0, 1), got {value}.")

    def build(
        self, schedule="constant", decay_steps=None
    ) -> keras.optimizers.Optimizer:
        """The Keras optimizer, with the learning rate decayed to 1% of its
        value over ``decay_steps`` updates for the ``linear`` and ``cosine``
        schedules."""
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
            raise ValueError(
                f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got "
                f"{schedule!r}."
            )
        if self.name == "adam":
            return keras.optimizers.Adam(
                lr, beta_1=self.beta1, beta_2=self.beta2
            )
        momentum = self.momentum if self.name == "momentum" else 0.0
        return keras.optimizers.SGD(lr, momentum=momentum)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """A GAN experiment (``keras-gans-train``) on a toy mixture or images.

    The defaults are the stabilised set-up that ``benchmarks/mode_coverage.py``
    measured best on ring and grid; ``DATASET_DEFAULTS`` holds the image
    data sets' (the binary applies them).

    Image fields: ``network`` (``auto``: MLP for toy data, DCGAN for
    images; ``mlp`` on images is the paper's Table IV MLP with
    ``hidden_units``), ``base_filters`` (DCGAN filters at D's first layer),
    ``data_dir`` (tensorflow-datasets directory, ``""``: tfds' default),
    ``download_data`` (let tfds download; off: missing data is an error at
    once), ``classifier_path`` (digits classifier, ``""``: the shipped one)
    and ``inception_weights`` (``""``: no Inception metrics; ``imagenet``:
    Keras' cached file; or a path to the ``.h5`` file).

    Watchdog and best checkpoint (``keras_gans.run_callbacks``):
    ``watchdog`` (roll back on collapse), ``watchdog_lr_factor`` (learning
    rate factor per retry), ``watchdog_max_retries``, ``keep_best`` (a
    logged score, e.g. ``kid``: keep the best evaluation's state and export
    in ``workdir/best/``; ``""``: off) and ``early_stopping_patience``
    (evaluations without improvement of ``keep_best`` before stopping; 0:
    never). ``inception_graph``: the reference 2015-12-05 Inception graph
    (``classify_image_graph_def.pb``) for IS/FID/KID on tfds images,
    preferred to ``inception_weights``; ``reference_cache``: a directory
    caching the real data's features (``keras_gans.reference_stats``;
    ``""``: no cache).
    """

    dataset: str = "ring"
    loss: str = "non_saturating"
    penalty: str = "zero_gp"
    penalty_weight: float = 0.1
    penalty_output: str = "logit"
    lipschitz_k: float = 1.0
    real_weight: float = 1.0
    n_critic: int = 1
    ema_decay: float = 0.999
    replay_size: int = 0
    replay_fraction: float = 0.5
    unroll_steps: int = 0
    unroll_first_order: bool = False
    unroll_update: str = "optimizer"
    ewc_weight: float = 0.0
    ewc_every: int = 100
    ewc_alpha: float = 0.5
    ewc_num_batches: int = 1
    d_optimizer: OptimizerConfig = OptimizerConfig()
    g_optimizer: OptimizerConfig = OptimizerConfig()
    lr_schedule: str = "linear"
    batch_size: int = 256
    steps: int = 20000
    seed: int = 0
    latent_dim: int = 2
    hidden_units: Tuple[int, ...] = (128, 128, 128)
    # Image data (keras_gans.data.IMAGE_DATASETS): DCGAN by default, the
    # digits-classifier or Inception metrics, tfds data under data_dir.
    network: str = "auto"
    base_filters: int = 64
    data_dir: str = ""
    download_data: bool = False
    classifier_path: str = ""
    inception_weights: str = ""
    penalty_every: int = 1
    # None: chosen per workload by train_lib.auto_jit_compile (measured in
    # benchmarks/throughput.py: on CPU XLA's fused loop pays for the dense
    # networks, not tried for convolutions).
    jit_compile: Optional[bool] = None
    steps_per_execution: int = 50
    mixed_precision: str = "float32"
    strategy: str = "default"
    log_every: int = 1000
    eval_every: int = 5000
    eval_samples: int = 2500
    # -- Issue 16: collapse watchdog and best checkpoint (checked by
    # keras_gans.run_callbacks.validate).
    watchdog: bool = False
    watchdog_lr_factor: float = 0.5
    watchdog_max_retries: int = 3
    keep_best: str = ""
    early_stopping_patience: int = 0
    # -- Issue 16: reference Inception graph and reference-statistics cache.
    inception_graph: str = ""
    reference_cache: str = ""

    def validate(self) -> "TrainConfig":
        """Returns self, or raises ValueError naming the bad field."""
        if self.dataset not in DATASETS:
            raise ValueError(
                f"Unknown data set {self.dataset!r}. "
                f"Valid: {', '.join(DATASETS)}."
            )
        if self.network not in NETWORKS:
            raise ValueError(
                f"network must be one of {', '.join(NETWORKS)}, got "
                f"{self.network!r}."
            )
        if self.network == "dcgan" and not self.is_image:
            raise ValueError(
                f"network 'dcgan' needs an image data set, got "
                f"{self.dataset!r}."
            )
        check_integer("base_filters", self.base_filters, 1)
        losses.get(self.loss)
        penalties.get(self.penalty)
        if self.penalty_output not in ("logit", "sigmoid"):
            raise ValueError(
                "penalty_output must be 'logit' or 'sigmoid', got "
                f"{self.penalty_output!r}."
            )
        if not self.lipschitz_k > 0:
            raise ValueError(
                f"lipschitz_k must be > 0, got {self.lipschitz_k}."
            )
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(
                f"ema_decay must be in [0, 1) (0: off), got {self.ema_decay}."
            )
        check_integer("replay_size", self.replay_size, 0)
        if not 0.0 <= self.replay_fraction <= 1.0:
            raise ValueError(
                "replay_fraction must be in [0, 1], got "
                f"{self.replay_fraction}."
            )
        check_integer("unroll_steps", self.unroll_steps, 0)
        if not self.ewc_weight >= 0:
            raise ValueError(f"ewc_weight must be >= 0, got {self.ewc_weight}.")
        if not 0.0 < self.ewc_alpha <= 1.0:
            raise ValueError(
                f"ewc_alpha must be in (0, 1], got {self.ewc_alpha}."
            )
        if self.unroll_update not in ("optimizer", "gradient"):
            raise ValueError(
                "unroll_update must be 'optimizer' or 'gradient', got "
                f"{self.unroll_update!r}."
            )
        if not self.penalty_weight >= 0:
            raise ValueError(
                f"penalty_weight must be >= 0, got {self.penalty_weight}."
            )
        if not self.real_weight > 0:
            raise ValueError(
                f"real_weight must be > 0, got {self.real_weight}."
            )
        for field in (
            "ewc_every",
            "ewc_num_batches",
            "n_critic",
            "batch_size",
            "steps",
            "latent_dim",
            "steps_per_execution",
            "log_every",
            "eval_every",
            "eval_samples",
        ):
            check_integer(field, getattr(self, field), 1)
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}.")
        if not self.hidden_units or min(self.hidden_units) < 1:
            raise ValueError(
                f"hidden_units must be positive, got {self.hidden_units}."
            )
        if self.steps % self.log_every:
            raise ValueError(
                f"steps ({self.steps}) must be a multiple of log_every "
                f"({self.log_every}): checkpoints and logs fall every "
                "log_every steps."
            )
        if self.eval_every % self.log_every:
            raise ValueError(
                f"eval_every ({self.eval_every}) must be a multiple of "
                f"log_every ({self.log_every})."
            )
        if self.log_every % self.steps_per_execution:
            raise ValueError(
                f"log_every ({self.log_every}) must be a multiple of "
                f"steps_per_execution ({self.steps_per_execution})."
            )
        check_integer("penalty_every", self.penalty_every, 1)
        if self.jit_compile not in (None, True, False):
            raise ValueError(
                "jit_compile must be True, False or None (auto), got "
                f"{self.jit_compile!r}."
            )
        if self.mixed_precision not in PRECISIONS:
            raise ValueError(
                f"mixed_precision must be one of {', '.join(PRECISIONS)}, "
                f"got {self.mixed_precision!r}."
            )
        if self.strategy not in STRATEGIES:
            raise ValueError(
                f"strategy must be one of {', '.join(STRATEGIES)}, got "
                f"{self.strategy!r}."
            )
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got "
                f"{self.lr_schedule!r}."
            )
        self.d_optimizer.validate("d_")
        self.g_optimizer.validate("g_")
        from keras_gans import run_callbacks  # issue 16

        run_callbacks.validate(self)
        return self

    @property
    def is_image(self) -> bool:
        """Whether ``dataset`` is an image data set."""
        return self.dataset in data.IMAGE_DATASETS

    @property
    def network_name(self) -> str:
        """``mlp`` or ``dcgan``: ``network`` with ``auto`` resolved."""
        if self.network != "auto":
            return self.network
        return "dcgan" if self.is_image else "mlp"

    def penalty_options(self):
        """Keyword options of the chosen penalty (the Lipschitz target)."""
        return {"k": self.lipschitz_k} if self.penalty == "lipschitz" else {}

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values) -> "TrainConfig":
        values = dict(values)
        for key in ("d_optimizer", "g_optimizer"):
            if key in values:
                values[key] = OptimizerConfig(**values[key])
        if "hidden_units" in values:
            values["hidden_units"] = tuple(values["hidden_units"])
        return cls(**values)
