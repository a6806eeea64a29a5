"""Checkpoint a GAN's whole training state at every epoch end."""

import glob
import os
import re
import shutil
import tempfile
from typing import Callable, List, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from keras_gans import distribute

__all__ = ["Checkpoint", "CheckpointError"]


class CheckpointError(OSError):
    """No checkpoint of a directory that holds checkpoint files could be
    read."""


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

    ``restore`` never silently starts over while checkpoint files exist: a
    damaged newest checkpoint (truncated data, empty or missing index, a
    lost ``checkpoint`` state file) is recorded in ``damaged`` by file name
    and the newest intact one is restored; if none can be read it raises
    ``CheckpointError`` naming the files.

    Args:
        gan: the ``keras_gans.GAN``.
        directory: where checkpoints are written.
        max_to_keep: how many to keep.
        diverged: ``() -> bool``, True when the epoch's training has
            diverged (a divergence guard's verdict): nothing is written
            then. A state with NaN or inf anywhere is never written either.
        trackables: more objects to checkpoint with the GAN (name -> object).
    """

    def __init__(
        self,
        gan,
        directory,
        max_to_keep=2,
        diverged: Optional[Callable[[], bool]] = None,
        **trackables,
    ):
        super().__init__()
        self._diverged = diverged or (lambda: False)
        self.checkpoint = tf.train.Checkpoint(gan=gan, **trackables)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, os.fspath(directory), max_to_keep=max_to_keep
        )
        self.gan = gan
        # (checkpoint prefix, what is wrong) of the damaged ones skipped by
        # the last restore, newest first.
        self.damaged: List[Tuple[str, str]] = []
        # The step of the last checkpoint this callback wrote (None: none).
        self.saved_step: Optional[int] = None

    def restore(self, partial: bool = False) -> int:
        """Restores the newest readable checkpoint if any; returns the step
        reached (0 with no checkpoint files).

        Args:
            partial: the checkpoint may hold more than this ``Checkpoint``
                tracks (a run's callback state, when only the GAN is
                wanted, as for sampling): restore what is tracked, without
                TensorFlow's warnings about the values left unrestored.

        Raises:
            CheckpointError: checkpoint files exist but none can be read.
        """
        self.damaged = []
        candidates = self.candidates()
        for prefix in candidates:
            problem = _missing_files(prefix)
            if problem is None:
                try:
                    status = self.checkpoint.restore(prefix)
                    status.assert_existing_objects_matched()
                    if partial:
                        status.expect_partial()
                    return self.restored_step
                # Damage shows as OpError, ValueError, AssertionError, even
                # IndexError (a truncated data file): any failure counts.
                except Exception as e:  # noqa: BLE001 - reported below
                    name = os.path.basename(prefix)
                    problem = (
                        f"{name}.index / {name}.data-* cannot be read "
                        f"({_first_line(e)})"
                    )
            self.damaged.append((prefix, problem))
        if candidates:
            raise CheckpointError(
                f"No readable checkpoint in {self.directory}: "
                + "; ".join(f"{p}: {why}" for p, why in self.damaged)
                + ". Move the run aside to start over (keras-gans-train "
                "--restart does)."
            )
        return self.restored_step

    @property
    def directory(self) -> str:
        """Where the checkpoints are."""
        return self.manager.directory

    def candidates(self) -> List[str]:
        """Checkpoint prefixes in ``directory``, newest first: those of the
        ``checkpoint`` state file and any ``ckpt-N`` files beside it."""
        found = {}
        for path in glob.glob(os.path.join(self.directory, "ckpt-*")):
            match = re.fullmatch(r"(ckpt-(\d+))\..*", os.path.basename(path))
            if match:
                prefix = os.path.join(self.directory, match.group(1))
                found[prefix] = int(match.group(2))
        for prefix in self.manager.checkpoints:
            number = re.search(r"(\d+)$", prefix)
            found.setdefault(prefix, int(number.group(1)) if number else -1)
        return sorted(found, key=found.get, reverse=True)

    @property
    def restored_step(self) -> int:
        return int(self.gan.g_optimizer.iterations.numpy())

    def state_is_finite(self) -> bool:
        """Whether every floating-point weight of the GAN (both networks,
        the EMA generator, the optimizers' slots) is finite."""
        for variable in (*self.gan.weights, *self._optimizer_variables()):
            value = np.asarray(variable.numpy())
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                return False
        return True

    def _optimizer_variables(self):
        return [
            v
            for opt in (self.gan.d_optimizer, self.gan.g_optimizer)
            for v in opt.variables
        ]

    def on_epoch_end(self, epoch, logs=None):
        # A diverged state (NaN or inf anywhere) is never written: the last
        # good checkpoint stays the newest. Any other stop (early stopping)
        # is checkpointed, so the step it stopped at is resumable.
        if self._diverged() or not self.state_is_finite():
            return
        self.saved_step = self.restored_step
        if distribute.is_chief(self.gan.distribute_strategy):
            self.manager.save(checkpoint_number=self.saved_step)
            return
        scratch = tempfile.mkdtemp(prefix="keras_gans_worker_ckpt_")
        try:
            tf.train.CheckpointManager(
                self.checkpoint, scratch, max_to_keep=1
            ).save(checkpoint_number=self.restored_step)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def _missing_files(prefix):
    """Why the files of checkpoint ``prefix`` cannot be read (a missing or
    empty index or data file), else None."""
    index = prefix + ".index"
    if not os.path.exists(index):
        return f"{os.path.basename(index)} is missing"
    if os.path.getsize(index) == 0:
        return f"{os.path.basename(index)} is empty"
    shards = glob.glob(prefix + ".data-*")
    if not shards:
        return f"{os.path.basename(prefix)}.data-* is missing"
    for shard in shards:
        if os.path.getsize(shard) == 0:
            return f"{os.path.basename(shard)} is empty"
    return None


def _first_line(error):
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
