"""The sections of ``TrainConfig`` that say how a run goes rather than
what it trains: the optimizers and the run's length and seed, the
execution (devices, XLA, precision), the evaluation, and the collapse
watchdog with the best checkpoint. ``config.sections`` lists every
section in order (``SECTIONS``); the sections of what is trained are
there.
"""

import dataclasses
from typing import Optional, Tuple

from keras_gans.config.optimizer import LR_SCHEDULES, OptimizerConfig
from keras_gans.settings import MAX_SEED, setting

__all__ = [
    "EvaluationSettings",
    "ExecutionSettings",
    "OptimizationSettings",
    "PRECISIONS",
    "STRATEGIES",
    "WatchdogSettings",
]

# Keras dtype policies: float32, or float16 / bfloat16 compute with float32
# variables (float16 with dynamic loss scaling).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
# default: one device; mirrored: MirroredStrategy over the local GPUs (or
# the CPU); multi_worker: MultiWorkerMirroredStrategy from TF_CONFIG.
STRATEGIES = ("default", "mirrored", "multi_worker")


@dataclasses.dataclass(frozen=True)
class OptimizationSettings:
    """Both players' optimizers, the schedule, the batch, the length and the
    seed."""

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


@dataclasses.dataclass(frozen=True)
class ExecutionSettings:
    """How the step runs: XLA, steps per execution, precision, strategy
    (``training.execution``, ``keras_gans.distribute``)."""

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

    def compile_args(self) -> dict:
        """``GAN.compile``'s execution arguments."""
        return dict(
            jit_compile=(
                "auto" if self.jit_compile is None else self.jit_compile
            ),
            steps_per_execution=self.steps_per_execution,
        )


@dataclasses.dataclass(frozen=True)
class EvaluationSettings:
    """Logging and evaluation (``keras_gans.evaluation``)."""

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


@dataclasses.dataclass(frozen=True)
class WatchdogSettings:
    """The collapse watchdog and the best checkpoint
    (``keras_gans.run_callbacks``)."""

    watchdog: bool = setting(
        False,
        "On collapse, roll back to the last good state and retry with "
        "lower learning rates or a stronger remedy (--watchdog_action).",
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
    watchdog_action: str = setting(
        "lower_lr",
        "What a watchdog rollback changes: lower_lr (both learning rates "
        "times --watchdog_lr_factor) or escalate (the next remedy of "
        "--watchdog_ladder, the learning rates kept).",
        choices=("lower_lr", "escalate"),
    )
    watchdog_ladder: Tuple[str, ...] = setting(
        (),
        "With --watchdog_action=escalate: the remedies switched on at "
        "successive rollbacks, PENALTY:WEIGHT each; empty: 10x then 100x "
        "the run's own zero-centred penalty, or without one zero_gp:1,"
        "zero_gp:10 on toy data and zero_gp:10,zero_gp:100 on images.",
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
