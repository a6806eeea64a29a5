"""Keras callbacks for GAN training: evaluation, checkpointing, the
collapse watchdog, and the paper's diagnostics (landscape, gradient
field, forgetting). The replay buffer and online EWC, callbacks that are
D-step hooks, live in ``keras_gans.hooks`` and are exported here too."""

from keras_gans.callbacks.best import BestCheckpoint, metric_mode
from keras_gans.callbacks.checkpoint import Checkpoint
from keras_gans.callbacks.forgetting import ForgettingCallback
from keras_gans.callbacks.gradient_field import GradientFieldCallback
from keras_gans.callbacks.image_metrics import ImageMetricsCallback
from keras_gans.callbacks.landscape import LandscapeCallback
from keras_gans.callbacks.mode_coverage import ModeCoverageCallback
from keras_gans.hooks import OnlineEWC, ReplayBuffer
from keras_gans.callbacks.collapse import (
    Drop,
    ModeCollapse,
    Thresholds,
    image_signal,
    toy_signal,
)
from keras_gans.callbacks.watchdog import CollapseWatchdog

__all__ = [
    "BestCheckpoint",
    "Checkpoint",
    "CollapseWatchdog",
    "Drop",
    "ForgettingCallback",
    "GradientFieldCallback",
    "ImageMetricsCallback",
    "LandscapeCallback",
    "ModeCollapse",
    "ModeCoverageCallback",
    "OnlineEWC",
    "ReplayBuffer",
    "Thresholds",
    "image_signal",
    "metric_mode",
    "toy_signal",
]
