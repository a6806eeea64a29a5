"""Checkpoint a GAN's whole training state at every epoch end."""

import os

import keras
import tensorflow as tf

__all__ = ["Checkpoint"]


class Checkpoint(keras.callbacks.Callback):
    """Saves and restores a ``tf.train.Checkpoint`` of the GAN.

    The checkpoint holds both networks, both optimizers (slots and step
    counters) and the GAN's RNG seed; since all training noise is a function
    of (seed, step), restoring it restores the noise stream too. Call
    ``restore()`` before ``fit`` and resume with ``initial_epoch =
    restored_step // steps_per_epoch``. Nothing is saved at the end of an
    epoch in which training was stopped (e.g. by ``TerminateOnNaN``), so a
    diverged state never replaces the last good checkpoint.

    Args:
        gan: the ``keras_gans.GAN``.
        directory: where checkpoints are written.
        max_to_keep: how many to keep.
        trackables: more objects to checkpoint with the GAN (name -> object).
    """

    def __init__(self, gan, directory, max_to_keep=2, **trackables):
        super().__init__()
        self.checkpoint = tf.train.Checkpoint(gan=gan, **trackables)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.fspath(directory), max_to_keep=max_to_keep
        )
        self.gan = gan

    def restore(self) -> int:
        """Restores the latest checkpoint if any; returns the step reached."""
        latest = self.manager.latest_checkpoint
        if latest:
            self.checkpoint.restore(latest).assert_existing_objects_matched()
        return self.restored_step

    @property
    def restored_step(self) -> int:
        return int(self.gan.g_optimizer.iterations.numpy())

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:
            return
        self.manager.save(checkpoint_number=self.restored_step)
