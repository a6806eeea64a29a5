"""Keras callbacks for GAN training: evaluation, checkpointing, replay."""

from keras_gans.callbacks.checkpoint import Checkpoint
from keras_gans.callbacks.ewc import OnlineEWC
from keras_gans.callbacks.image_metrics import ImageMetricsCallback
from keras_gans.callbacks.mode_coverage import ModeCoverageCallback
from keras_gans.callbacks.replay import ReplayBuffer

__all__ = [
    "Checkpoint",
    "ImageMetricsCallback",
    "ModeCoverageCallback",
    "OnlineEWC",
    "ReplayBuffer",
]
