"""The experiments' named configs, as data: each family's shared base
and its rows (``Variant``: a label and its ``TrainConfig`` overrides), and
the named recipes. Families: ``fig1`` (gradient fields on the ring, paper
Fig. 1), ``digits`` (the paper's MLP on flattened digits: landscapes,
Figs 2-7, and forgetting, Fig. 11), ``table3`` (DCGAN on stacked digits,
Table III), ``mode_coverage`` (``benchmarks/mode_coverage.py``) and
``remedies`` (the baselines of ``benchmarks/remedies.py``, each remedy an
override on top); recipes: ``r3gan``. Adding a row is one entry in its
family's table; ``keras_gans.experiments.presets`` looks them up."""

import dataclasses
from typing import Any, Callable, Dict, Mapping

from keras_gans.config import OptimizerConfig, TrainConfig

__all__ = ["FAMILIES", "NAMED", "Family", "Variant"]


@dataclasses.dataclass(frozen=True)
class Variant:
    """One row of an experiment: a label and its ``TrainConfig`` overrides."""

    description: str
    overrides: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Family:
    """An experiment: the base every row shares and its rows."""

    description: str
    base: Callable[[], TrainConfig]
    variants: Mapping[str, Variant]


# ------------------------------------------------------------ Fig. 1 (ring)

_FIG1_SGD = OptimizerConfig(name="sgd", learning_rate=3e-3)
# Sec. IV-A: "reuse the ... learning rate ... replace SGD with Adam".
_FIG1_ADAM = OptimizerConfig("adam", 3e-3, beta1=0.5, beta2=0.99)


def _fig1_base() -> TrainConfig:
    # Paper Sec. III-B1: 2 x 64 ReLU MLPs, 2-D latent, constant learning
    # rate, no EMA; the binary sets steps and the logging cadence. R1
    # differentiates sigmoid(D), as the paper's Table I (D a probability)
    # and its code did, like every digits variant.
    return TrainConfig(
        dataset="ring_paper",
        loss="non_saturating",
        penalty="none",
        penalty_output="sigmoid",
        real_weight=1.0,
        n_critic=1,
        ema_decay=0.0,
        lr_schedule="constant",
        batch_size=64,
        steps=5000,
        latent_dim=2,
        hidden_units=(64, 64),
        steps_per_execution=50,
        log_every=500,
        eval_every=5000,
    )


_FIG1 = {
    "ns_sgd": Variant(
        "GAN-NS + SGD lr 3e-3",
        dict(penalty="none", d_optimizer=_FIG1_SGD, g_optimizer=_FIG1_SGD),
    ),
    "r1": Variant(
        "GAN-NS + R1 lambda 10, SGD lr 3e-3",
        dict(
            penalty="r1",
            penalty_weight=10.0,
            d_optimizer=_FIG1_SGD,
            g_optimizer=_FIG1_SGD,
        ),
    ),
    "ns_adam": Variant(
        "GAN-NS + Adam lr 3e-3 (0.5, 0.99)",
        dict(penalty="none", d_optimizer=_FIG1_ADAM, g_optimizer=_FIG1_ADAM),
    ),
}

# ------------------------------------------------- digits (Figs 2-7, Fig. 11)

_DIGITS_ADAM = OptimizerConfig("adam", 3e-4, 0.5, 0.99)
_DIGITS_SGD = OptimizerConfig(name="sgd", learning_rate=3e-4)


def _digits_base() -> TrainConfig:
    # The paper's Table IV MLP (3 x 512 ReLU, latent 50, tanh output) on
    # the 8x8 digits, batch 64, Adam(3e-4, 0.5, 0.99), constant rate.
    return TrainConfig(
        dataset="digits",
        network="mlp",
        hidden_units=(512, 512, 512),
        latent_dim=50,
        batch_size=64,
        loss="non_saturating",
        penalty="none",
        penalty_weight=0.0,
        penalty_output="logit",
        real_weight=1.0,
        n_critic=1,
        ema_decay=0.0,
        d_optimizer=_DIGITS_ADAM,
        g_optimizer=_DIGITS_ADAM,
        lr_schedule="constant",
        jit_compile=False,
        steps=10_000,
        steps_per_execution=50,
        log_every=2000,
        eval_every=2000,
        eval_samples=500,
    )


_DIGITS = {
    # Fig. 2 / 22 and Fig. 11a-b: constant-lr SGD 3e-4.
    "ns_sgd": Variant(
        "GAN-NS + SGD lr 3e-4",
        dict(d_optimizer=_DIGITS_SGD, g_optimizer=_DIGITS_SGD),
    ),
    # Figs 3-6: Adam(3e-4, 0.5, 0.99) (Table IV).
    "ns_adam": Variant("GAN-NS + Adam"),
    "zero_gp": Variant(
        "GAN-0GP lambda 100 + Adam",
        dict(
            penalty="zero_gp", penalty_weight=100.0, penalty_output="sigmoid"
        ),
    ),
    "r1": Variant(
        "GAN-R1 lambda 100 + Adam",
        dict(penalty="r1", penalty_weight=100.0, penalty_output="sigmoid"),
    ),
    "wgan_gp": Variant(
        "WGAN-GP lambda 10, 5 D steps + Adam",
        dict(
            loss="wasserstein",
            penalty="wgan_gp",
            penalty_weight=10.0,
            n_critic=5,
        ),
    ),
    # Fig. 11c-d: 0GP lambda 100 with the SGD of Fig. 11.
    "zero_gp_sgd": Variant(
        "GAN-0GP lambda 100 + SGD lr 3e-4",
        dict(
            penalty="zero_gp",
            penalty_weight=100.0,
            penalty_output="sigmoid",
            d_optimizer=_DIGITS_SGD,
            g_optimizer=_DIGITS_SGD,
        ),
    ),
}

# ------------------------------------------------ Table III (stacked digits)

_TABLE3_ADAM = OptimizerConfig("adam", 2e-4, beta1=0.5, beta2=0.99)


def _table3_base() -> TrainConfig:
    # Table II's DCGAN: batch 64, Adam 2e-4 (0.5, 0.99), latent 100, no EMA,
    # constant rate; 0GP on the sigmoid (the paper's code), lambda 100.
    return TrainConfig(
        dataset="stacked_digits",
        network="dcgan",
        base_filters=64,
        batch_size=64,
        latent_dim=100,
        d_optimizer=_TABLE3_ADAM,
        g_optimizer=_TABLE3_ADAM,
        lr_schedule="constant",
        loss="non_saturating",
        penalty="none",
        penalty_weight=100.0,
        penalty_output="sigmoid",
        real_weight=1.0,
        n_critic=1,
        ema_decay=0.0,
        replay_size=0,
        ewc_weight=0.0,
        unroll_steps=0,
        steps=10_000,
        log_every=500,
        eval_every=10_000,
        eval_samples=26_000,
        steps_per_execution=50,
    )


_TABLE3 = {
    "ns": Variant("DCGAN-NS", dict(penalty="none")),
    "imba": Variant(
        "DCGAN-imba, gamma=10", dict(penalty="none", real_weight=10.0)
    ),
    "zero_gp": Variant(
        "DCGAN-0GP, lambda=100", dict(penalty="zero_gp", penalty_weight=100.0)
    ),
    "zero_gp_imba": Variant(
        "DCGAN-0GP-imba, lambda=100, gamma=10",
        dict(penalty="zero_gp", penalty_weight=100.0, real_weight=10.0),
    ),
    # Not in the paper: the 0GP row plus a generator EMA (keras-gans-train's
    # image default).
    "stabilised": Variant(
        "DCGAN-0GP, lambda=100 + G EMA 0.999",
        dict(penalty="zero_gp", penalty_weight=100.0, ema_decay=0.999),
    ),
    # Issue 14's stabilisers on DCGAN-NS, each alone, settings fixed before
    # any run: DiffAugment's full policy (Zhao et al. 2020) and ADA with all
    # its ops, target 0.6 (Karras et al. 2020).
    "ns_sn": Variant(
        "DCGAN-NS + spectral norm on D",
        dict(penalty="none", spectral_norm=True),
    ),
    "ns_diffaugment": Variant(
        "DCGAN-NS + DiffAugment color,translation,cutout",
        dict(penalty="none", augment="diffaugment:color,translation,cutout"),
    ),
    "ns_ada": Variant("DCGAN-NS + ADA", dict(penalty="none", augment="ada")),
}

# ---------------------------------------------- benchmarks/mode_coverage.py

_MC_ADAM = OptimizerConfig("adam", 1e-3, beta1=0.5, beta2=0.99)
_MC_SGD = OptimizerConfig(name="sgd", learning_rate=3e-3)
_MC_WGAN_ADAM = OptimizerConfig("adam", 1e-4, 0.5, 0.9)


def _mode_coverage_base() -> TrainConfig:
    # --hidden_units ReLU MLPs for G and D, latent 2, batch 256, linear lr
    # decay to 1%. Pinned, so that changing TrainConfig's defaults changes
    # no row.
    return TrainConfig(
        dataset="ring",
        steps=20_000,
        batch_size=256,
        hidden_units=(128, 128, 128),
        d_optimizer=_MC_ADAM,
        g_optimizer=_MC_ADAM,
        lr_schedule="linear",
        loss="non_saturating",
        real_weight=1.0,
        n_critic=1,
        latent_dim=2,
        ema_decay=0.0,
        replay_size=0,
        ewc_weight=0.0,
        unroll_steps=0,
        log_every=5000,
        eval_every=20_000,
        steps_per_execution=50,
    )


_MODE_COVERAGE = {
    "ns_sgd": Variant(
        "GAN-NS + SGD lr 3e-3 (paper Fig. 1)",
        dict(
            penalty="none",
            d_optimizer=_MC_SGD,
            g_optimizer=_MC_SGD,
            lr_schedule="constant",
        ),
    ),
    "ns_adam": Variant("GAN-NS + Adam", dict(penalty="none")),
    "r1": Variant(
        "GAN-NS + R1 lambda 0.1", dict(penalty="r1", penalty_weight=0.1)
    ),
    "zero_gp": Variant(
        "GAN-NS + 0GP lambda 0.1",
        dict(penalty="zero_gp", penalty_weight=0.1),
    ),
    "wgan_gp": Variant(
        "WGAN-GP lambda 10, 5 D steps, Adam(1e-4, 0.5, 0.9)",
        dict(
            loss="wasserstein",
            penalty="wgan_gp",
            penalty_weight=10.0,
            n_critic=5,
            d_optimizer=_MC_WGAN_ADAM,
            g_optimizer=_MC_WGAN_ADAM,
        ),
    ),
    "dragan": Variant(
        "GAN-NS + DRAGAN lambda 1", dict(penalty="dragan", penalty_weight=1.0)
    ),
    "r1_ema": Variant(
        "GAN-NS + R1 lambda 0.1 + G EMA 0.999",
        dict(penalty="r1", penalty_weight=0.1, ema_decay=0.999),
    ),
    "zero_gp_ema": Variant(
        "GAN-NS + 0GP lambda 0.1 + G EMA 0.999",
        dict(penalty="zero_gp", penalty_weight=0.1, ema_decay=0.999),
    ),
    "ns_replay": Variant(
        "GAN-NS + Adam + replay (5000 old fakes, half of each batch)",
        dict(penalty="none", replay_size=5000, replay_fraction=0.5),
    ),
    "ns_ewc": Variant(
        "GAN-NS + Adam + online EWC on D (100, every 100, alpha 0.5)",
        dict(penalty="none", ewc_weight=100.0, ewc_every=100),
    ),
    "ns_unrolled5": Variant(
        "GAN-NS + Adam, unrolled 5 steps",
        dict(penalty="none", unroll_steps=5),
    ),
    "ns_unrolled10": Variant(
        "GAN-NS + Adam, unrolled 10 steps",
        dict(penalty="none", unroll_steps=10),
    ),
    "imbalanced": Variant(
        "GAN-NS imbalanced gamma 10", dict(penalty="none", real_weight=10.0)
    ),
}

# Issue 14's stabilisers, each alone, on the two failing baselines (ns_sgd:
# low-quality samples on the ring; ns_adam: collapse on the grid). Their
# settings were fixed before any run, not tuned: one-sided smoothing 0.9
# (Salimans et al. 2016), instance noise sigma 0.1 annealed to 0 over the
# run, the L1 double backprop at the R1 rows' lambda 0.1, Keras AdamW's
# default decoupled decay 0.004.
_MC_STABILISERS = {
    "sn": ("spectral norm on D", dict(spectral_norm=True)),
    "smooth": ("one-sided label smoothing 0.9", dict(label_smoothing=0.9)),
    "noise": (
        "instance noise 0.1 annealed to 0",
        # mode_coverage.config_for stretches the anneal over --steps.
        dict(instance_noise=0.1, instance_noise_anneal_steps=1),
    ),
    "l1gp": (
        "L1 double backprop (R1, L1 norm) lambda 0.1",
        dict(penalty="r1", penalty_weight=0.1, penalty_norm="l1"),
    ),
    "dwd": ("D weight decay 0.004 (decoupled)", None),
}


def _stabiliser_rows():
    rows = {}
    for base, label, optimizer in (
        ("ns_sgd", "GAN-NS + SGD", _MC_SGD),
        ("ns_adam", "GAN-NS + Adam", _MC_ADAM),
    ):
        for name, (what, extra) in _MC_STABILISERS.items():
            if extra is None:  # the decay goes on D's own optimizer
                extra = dict(
                    d_optimizer=dataclasses.replace(
                        optimizer, weight_decay=0.004
                    )
                )
            overrides = {**_MODE_COVERAGE[base].overrides, **extra}
            rows[f"{base}_{name}"] = Variant(f"{label} + {what}", overrides)
    return rows


_MODE_COVERAGE.update(_stabiliser_rows())

# --------------------------------------------------- benchmarks/remedies.py

_REMEDIES_SGD = OptimizerConfig(name="sgd", learning_rate=3e-3)
_REMEDIES_ADAM = OptimizerConfig("adam", 1e-3, beta1=0.5, beta2=0.99)
_REMEDIES_ADAM_IMAGES = OptimizerConfig("adam", 2e-4, beta1=0.5, beta2=0.99)


def _remedies_base() -> TrainConfig:
    # GAN-NS with nothing that fights forgetting, pinned, so that changing
    # TrainConfig's defaults changes no row; the benchmark sets steps, the
    # seed, the logging cadence and the remedy.
    return TrainConfig(
        dataset="ring",
        steps=10_000,
        loss="non_saturating",
        penalty="none",
        penalty_weight=0.0,
        penalty_output="logit",
        real_weight=1.0,
        n_critic=1,
        ema_decay=0.0,
        replay_size=0,
        ewc_weight=0.0,
        unroll_steps=0,
        log_every=500,
        eval_every=10_000,
        steps_per_execution=50,
    )


def _remedies_adam_mlp(dataset):
    # The toy Adam baselines: 3 x 128 MLPs, batch 256, Adam 1e-3 decayed
    # linearly.
    return dict(
        dataset=dataset,
        hidden_units=(128, 128, 128),
        batch_size=256,
        latent_dim=2,
        d_optimizer=_REMEDIES_ADAM,
        g_optimizer=_REMEDIES_ADAM,
        lr_schedule="linear",
    )


_REMEDIES = {
    "ring_sgd": Variant(
        "ring, GAN-NS + SGD lr 3e-3 (Fig. 1: 2 x 64, batch 64)",
        dict(
            dataset="ring",
            hidden_units=(64, 64),
            batch_size=64,
            latent_dim=2,
            d_optimizer=_REMEDIES_SGD,
            g_optimizer=_REMEDIES_SGD,
            lr_schedule="constant",
        ),
    ),
    # Converges (MODE_COVERAGE.md: 8 modes, HQ 98.8 % at 20k steps), so
    # "modes" counts high-quality samples; the remedies that collapse it
    # give the study its spread.
    "ring_adam": Variant(
        "ring, GAN-NS + Adam 1e-3 (3 x 128, batch 256)",
        _remedies_adam_mlp("ring"),
    ),
    "grid_adam": Variant(
        "grid, GAN-NS + Adam 1e-3 (3 x 128, batch 256)",
        _remedies_adam_mlp("grid"),
    ),
    "stacked_dcgan": Variant(
        "stacked digits, DCGAN-NS + Adam 2e-4 (batch 64)",
        dict(
            dataset="stacked_digits",
            network="dcgan",
            base_filters=64,
            batch_size=64,
            latent_dim=100,
            d_optimizer=_REMEDIES_ADAM_IMAGES,
            g_optimizer=_REMEDIES_ADAM_IMAGES,
            lr_schedule="constant",
            eval_samples=26_000,
        ),
    ),
}

# ------------------------------------------------------------ named recipes

# R3GAN (Huang et al., 2024, "The GAN is dead; long live the GAN! A Modern
# GAN Baseline"): the relativistic pairing loss with R1 + R2, gamma/2 (R1 +
# R2) = penalty_weight * r1_r2, and Adam with beta_1 = 0, beta_2 = 0.99. On
# the ring's defaults otherwise (3 x 128 MLPs, batch 256, lr 1e-3 decayed
# linearly, G EMA 0.999). gamma 0.1 picked from 0.1, 1, 10 on seeds 1, 2
# (--steps=3000): 8/8 modes for all six runs, high-quality samples 94.6 /
# 93.4 % (gamma 0.1), 92.6 / 82.8 % (1), 86.7 / 86.1 % (10), reverse KL
# <= 0.0031. R3GAN's burn-in schedules are not used.
_R3GAN_ADAM = OptimizerConfig("adam", 1e-3, beta1=0.0, beta2=0.99)
NAMED: Dict[str, Variant] = {
    "r3gan": Variant(
        "R3GAN on the ring: relativistic pairing loss + gamma/2 (R1 + R2), "
        "gamma 0.1, Adam(1e-3, 0, 0.99)",
        dict(
            dataset="ring",
            loss="relativistic",
            penalty="r1_r2",
            penalty_weight=0.1,
            penalty_output="logit",
            real_weight=1.0,
            d_optimizer=_R3GAN_ADAM,
            g_optimizer=_R3GAN_ADAM,
        ),
    ),
}

FAMILIES: Dict[str, Family] = {
    "fig1": Family("Gradient fields on the ring (Fig. 1)", _fig1_base, _FIG1),
    "digits": Family(
        "The paper's MLP on digits (Figs 2-7, 11)", _digits_base, _DIGITS
    ),
    "table3": Family("DCGAN on stacked digits (Table III)", _table3_base,
                     _TABLE3),
    "mode_coverage": Family(
        "Stabilisers on toy mixtures (benchmarks/mode_coverage.py)",
        _mode_coverage_base,
        _MODE_COVERAGE,
    ),
    "remedies": Family(
        "Forgetting remedies on failing set-ups (benchmarks/remedies.py)",
        _remedies_base,
        _REMEDIES,
    ),
}
