"""Checkpoint a GAN's whole training state at every epoch end."""

import os
import shutil
import tempfile

import keras
import tensorflow as tf

from keras_gans import distribute

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

    Under ``MultiWorkerMirroredStrategy`` every worker saves (saving may
    need all workers), but only the chief writes to ``directory``; the
    others write to a temporary directory that is deleted after each save.
    Every worker restores from ``directory``, which must therefore be on a
    file system all workers see.

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
        if distribute.is_chief(self.gan.distribute_strategy):
            self.manager.save(checkpoint_number=self.restored_step)
            return
        scratch = tempfile.mkdtemp(prefix="keras_gans_worker_ckpt_")
        try:
            tf.train.CheckpointManager(
                self.checkpoint, scratch, max_to_keep=1
            ).save(checkpoint_number=self.restored_step)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
