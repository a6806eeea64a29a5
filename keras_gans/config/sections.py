"""The settings of ``TrainConfig``, declared once, in sections.

Here the sections of what a run trains (data, model, objective,
stabilisers, conditional, remedies); those of how it runs are in
``config.run_sections``.

Each section is a frozen dataclass of ``setting`` fields (``keras_gans.
settings``) for one part of a run; ``TrainConfig`` is all of them, and
``TrainConfig.section(name)`` hands one section's values to the part that
reads them. ``SECTIONS`` lists them in the order of the flags' help and of
``config.json``. The per-data-set values of the fields declared
``by_dataset`` are in ``config.defaults``; the rules between fields of
different sections in ``config.rules``.
"""

import dataclasses
from typing import Tuple

import keras_gans as kg  # its modules load on first use (TensorFlow)
from keras_gans import registry
from keras_gans.data import catalogue
from keras_gans.config.run_sections import (
    PRECISIONS,
    STRATEGIES,
    EvaluationSettings,
    ExecutionSettings,
    OptimizationSettings,
    WatchdogSettings,
)
from keras_gans.settings import setting

__all__ = [
    "DATASETS",
    "NETWORKS",
    "PRECISIONS",
    "SECTIONS",
    "STRATEGIES",
]

# ``auto``: the MLP for toy data, DCGAN for images.
NETWORKS = ("auto", "mlp", "dcgan")
DATASETS = (
    tuple(sorted(catalogue.TOY_DATASETS))
    + tuple(catalogue.IMAGE_DATASETS)
    + tuple(catalogue.CLIP_DATASETS)
)


@dataclasses.dataclass(frozen=True)
class DataSettings:
    """What the GAN learns: the data set, its size and, for clips, their
    shape and the clip networks' options (``keras_gans.data``,
    ``keras_gans.moving_digits``, ``video_networks``; read by
    ``assembly.training_data`` and ``assembly.build_gan``)."""

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
        upper=catalogue.MAX_DIGITS,
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
        "per-frame translation (a spatial transformer; --sprite_dynamics); "
        "half of --latent_dim must be a multiple of --frames. "
        "--nosprite_motion: the 3-D convolution G (or --content_motion).",
        by_dataset=True,
    )
    whole_pixel_shifts: bool = setting(
        False,
        "--sprite_motion: move the sprite by whole pixels (crisp frames), "
        "with the bilinear move's gradient in the shift (straight-through).",
        by_dataset=True,
    )
    sprite_dynamics: str = setting(
        "gru",
        "--sprite_motion: how the sprite moves: gru (a learned shift per "
        "frame) or bounce (constant velocity, elastic bounces off the "
        "frame's walls; start, heading and speed from the latent).",
        choices=("gru", "bounce"),
        by_dataset=True,
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


@dataclasses.dataclass(frozen=True)
class ModelSettings:
    """The networks' family and size (``keras_gans.networks``)."""

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
    pack: int = setting(
        1,
        "PacGAN (Lin et al. 2018): D scores packs of this many samples, "
        "concatenated on the last axis (toy coordinates, image channels); "
        "a batch of B rows is B/pack packs. 1: no packing.",
        lower=1,
    )


@dataclasses.dataclass(frozen=True)
class ObjectiveSettings:
    """The adversarial loss and the gradient penalty
    (``GAN.compile``'s ``loss``, ``penalty*``, ``real_weight``,
    ``n_critic``)."""

    loss: str = setting(
        "non_saturating",
        "Adversarial loss (relativistic: RpGAN's pairing loss, R3GAN; needs "
        "--real_weight=1).",
        choices=registry.LOSS_NAMES,
    )
    penalty: str = setting(
        "zero_gp",
        "Gradient penalty on D (r1_r2: (R1 + R2)/2, R3GAN's gamma/2 (R1 + "
        "R2) with gamma = --penalty_weight).",
        choices=registry.PENALTY_NAMES,
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

    def compile_args(self) -> dict:
        """``GAN.compile``'s objective arguments."""
        return dict(
            loss=(
                kg.losses.get(self.loss, label_smoothing=self.label_smoothing)
                if self.label_smoothing != 1.0
                else self.loss
            ),
            penalty=kg.penalties.get(self.penalty, **self.penalty_options()),
            penalty_weight=self.penalty_weight,
            penalty_output=self.penalty_output,
            real_weight=self.real_weight,
            n_critic=self.n_critic,
            penalty_every=self.penalty_every,
        )


@dataclasses.dataclass(frozen=True)
class StabilisersSettings:
    """What makes D's job smoother: spectral norm, L1 on D's weights,
    augmentation, instance noise, consistency, a D warm-up, SS-GAN's
    rotation loss."""

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
    consistency_weight: float = setting(
        0.0,
        "Consistency regularisation (CR, Zhang et al. 2020; images): "
        "lambda of (D(x) - D(T(x)))^2 on the reals, T "
        "--consistency_augment (0: off).",
        lower=0.0,
    )
    consistency_fake_weight: float = setting(
        0.0,
        "Balanced CR (Zhao et al. 2021): lambda of the same term on the "
        "fakes (0: off).",
        lower=0.0,
    )
    consistency_augment: str = setting(
        "translation",
        "The consistency transform T: DiffAugment ops (translation, "
        "cutout, color), comma-separated.",
    )
    d_warmup_steps: int = setting(
        0,
        "D-only steps on real and fake before the first G step (counted in "
        "the checkpoint: a resumed run does not redo them).",
        lower=0,
    )
    rotation_weight: float = setting(
        0.0,
        "SS-GAN (Chen et al. 2019; images): beta of D's rotation loss on "
        "real images, D given a 4-way rotation head (0: off; the paper's "
        "1).",
        lower=0.0,
    )
    rotation_g_weight: float = setting(
        0.2,
        "SS-GAN: alpha of G's rotation loss on its fakes, with "
        "--rotation_weight (the paper's 0.2).",
        lower=0.0,
    )

    def compile_args(self) -> dict:
        """``GAN.compile``'s input-transform and warm-up arguments
        (spectral norm is the networks', the L1 penalty a hook)."""
        return dict(
            augment=self.augment,
            instance_noise=self.instance_noise,
            instance_noise_anneal_steps=self.instance_noise_anneal_steps,
            d_warmup_steps=self.d_warmup_steps,
            consistency_weight=self.consistency_weight,
            consistency_fake_weight=self.consistency_fake_weight,
            consistency_augment=self.consistency_augment,
            rotation_weight=self.rotation_weight,
            rotation_g_weight=self.rotation_g_weight,
        )


@dataclasses.dataclass(frozen=True)
class ConditionalSettings:
    """Class-conditional training (``training.conditioning``)."""

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

    def compile_args(self) -> dict:
        """``GAN.compile``'s conditional argument."""
        return dict(classification_weight=self.classification_weight)


@dataclasses.dataclass(frozen=True)
class RemediesSettings:
    """Remedies against collapse and forgetting: G EMA, replay, unrolling,
    online EWC (``keras_gans.hooks``, ``training``)."""

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
    lecam_weight: float = setting(
        0.0,
        "LeCam regularisation (Tseng et al. 2021): lambda of D's outputs "
        "pulled towards EMA anchors of its past real and fake outputs "
        "(0: off).",
        lower=0.0,
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

    def compile_args(self) -> dict:
        """``GAN.compile``'s EMA, LeCam and unrolling arguments (replay and
        EWC are callbacks)."""
        return dict(
            ema_decay=self.ema_decay or None,
            lecam_weight=self.lecam_weight,
            unroll_steps=self.unroll_steps,
            unroll_first_order=self.unroll_first_order,
            unroll_update=self.unroll_update,
        )


# (name, section), in the order of the flags and of config.json.
SECTIONS = (
    ("data", DataSettings),
    ("model", ModelSettings),
    ("objective", ObjectiveSettings),
    ("stabilisers", StabilisersSettings),
    ("conditional", ConditionalSettings),
    ("remedies", RemediesSettings),
    ("optimization", OptimizationSettings),
    ("execution", ExecutionSettings),
    ("evaluation", EvaluationSettings),
    ("watchdog", WatchdogSettings),
)
