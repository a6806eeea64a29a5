"""Keras callbacks for GAN training: evaluation and checkpointing."""

from keras_gans.callbacks.checkpoint import Checkpoint
from keras_gans.callbacks.mode_coverage import ModeCoverageCallback

__all__ = ["Checkpoint", "ModeCoverageCallback"]
