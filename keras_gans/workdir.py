"""A run's directory: its identity, progress, checkpoints and export.

``Workdir`` is the piece of ``train_lib.run`` that owns the files: it
checks the directory, the export target and the identity of a run already
there before anything is written (``Workdir(...)``), moves an old run aside
on restart, restores the newest readable checkpoint and the progress record
(``resume``), keeps ``progress.json`` current (``progress``), exports the
generator and writes ``metrics.json`` (``finish``). Nothing here deletes a
file: a restart renames the old run to ``<workdir>.<UTC timestamp>``.
"""

import os
import sys
import tempfile
import time
from typing import Optional

import keras
import numpy as np

from keras_gans import callbacks as gan_callbacks
from keras_gans import export, json_io
from keras_gans.config import ConfigError, TrainConfig

__all__ = [
    "DivergenceGuard",
    "Progress",
    "Workdir",
    "WorkdirConflictError",
    "check_export_dir",
    "move_aside",
]


class WorkdirConflictError(ValueError):
    """The workdir holds a run whose config differs from the one given.

    Attributes:
        workdir: the directory.
        fields: the differing field names.
    """

    def __init__(self, workdir, fields, detail=""):
        self.workdir, self.fields = workdir, tuple(fields)
        super().__init__(
            f"workdir {workdir} holds a run with other settings "
            f"(changed: {', '.join(self.fields)}{detail}); pass a new workdir, "
            "or restart to move the old run aside."
        )


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first NaN or inf in the logs and records the
    step: the checkpoint of that epoch is then not written, so the last
    good one is kept."""

    def __init__(self):
        super().__init__()
        self.step = None

    def on_train_batch_end(self, batch, logs=None):
        if self.step is not None:
            return
        for value in (logs or {}).values():
            try:
                finite = np.all(np.isfinite(np.asarray(value, np.float64)))
            except (TypeError, ValueError):
                continue
            if not finite:
                break
        else:
            return
        self.step = int(self.model.g_optimizer.iterations.numpy())
        self.model.stop_training = True


class Progress(keras.callbacks.Callback):
    """Writes ``progress.json`` after each checkpoint: the step, the last
    logged losses and the training time so far (all runs together), so a
    rerun or a resumed run reports them even after a kill."""

    def __init__(self, path, step, previous_time, checkpoint, keeper=None):
        super().__init__()
        self.path, self.step = path, step
        self.previous_time, self.losses = previous_time, {}
        self.checkpoint, self.keeper = checkpoint, keeper
        self.start = time.time()

    @property
    def total_time(self):
        return self.previous_time + time.time() - self.start

    def on_epoch_end(self, epoch, logs=None):
        step = int(self.model.g_optimizer.iterations.numpy())
        if self.checkpoint.saved_step != step:  # diverged: not saved
            return
        self.step = step
        self.losses = _losses(logs or {})
        self.write(step, self.losses, self.total_time)

    def write(self, step, losses, wall_time_s):
        """Writes ``progress.json`` for ``step``; marked ``stopped_early``
        when early stopping ended training there (a rerun of the same
        command then trains nothing)."""
        record = {"step": step, "losses": losses, "wall_time_s": wall_time_s}
        if getattr(self.keeper, "stopped_step", None) == step:
            record["stopped_early"] = True
        json_io.write_json(self.path, record)


_LOSS_KEYS = ("d_loss", "g_loss", "penalty", "d_real", "d_fake", "ada_p")


def _losses(logs):
    return {
        k: float(np.asarray(v).reshape(-1)[-1])
        for k, v in logs.items()
        if k in _LOSS_KEYS
    }


def _same_path(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def check_export_dir(export_dir, workdir) -> Optional[str]:
    """The export directory to write besides ``workdir/saved_model``: None
    if it is that directory; refused if it is the workdir, holds it, or
    holds foreign files (``export.check_target``)."""
    if export_dir is None:
        return None
    export_dir = os.fspath(export_dir)
    if _same_path(export_dir, os.path.join(workdir, "saved_model")):
        return None
    real_export, real_work = (
        os.path.realpath(export_dir),
        os.path.realpath(workdir),
    )
    if os.path.commonpath([real_export, real_work]) == real_export:
        raise export.ExportTargetError(
            f"export_dir {export_dir} is or contains the workdir {workdir}; "
            "pass a directory outside it."
        )
    if os.path.commonpath([real_export, real_work]) == real_work:
        raise export.ExportTargetError(
            f"export_dir {export_dir} is inside the workdir {workdir}; pass "
            f"{os.path.join(workdir, 'saved_model')} (the run's own export) "
            "or a directory outside the workdir."
        )
    return export.check_target(export_dir)


def _previous_config(config_path):
    if not os.path.exists(config_path):
        return None
    try:
        return TrainConfig.from_dict(json_io.read_json(config_path))
    except json_io.DamagedFileError:
        raise  # names the file and line already (exit 4)
    except (ValueError, TypeError) as e:
        raise ValueError(
            f"{config_path} is damaged or from another version ({e}); "
            "restore it, or restart to move the old run aside."
        ) from None


def move_aside(workdir) -> str:
    """Renames ``workdir`` to ``<workdir>.<UTC timestamp>`` (never deletes
    it); returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    target = f"{workdir.rstrip(os.sep)}.{stamp}"
    n = 1
    while os.path.exists(target):
        n += 1
        target = f"{workdir.rstrip(os.sep)}.{stamp}-{n}"
    os.rename(workdir, target)
    return target


class Workdir:
    """The directory of one run of ``config``.

    Construction only checks (nothing is written): the path is a directory
    or absent, the export target is acceptable (``check_export_dir``) and a
    ``config.json`` already there describes the same run
    (``WorkdirConflictError`` otherwise; a larger ``steps`` is the same
    run, extended). A worker that is not the chief writes into a scratch
    directory and exports nothing.

    Attributes:
        path: the directory.
        export_dir: the second export target, or None.
        tensorboard: ``path/tensorboard``.
        earlier: the progress record of the runs before this one (step,
            losses, wall_time_s; set by ``resume``).
    """

    def __init__(self, path, config: TrainConfig, export_dir=None,
                 restart=False, chief=True):
        path = os.fspath(path)
        self.checkpoint_dir = os.path.join(path, "checkpoints")
        if not chief:
            # Other workers train in step with the chief but write nothing
            # shared: their outputs go to a scratch directory.
            path = tempfile.mkdtemp(prefix="keras_gans_worker_")
            export_dir = None
        if os.path.exists(path) and not os.path.isdir(path):
            raise NotADirectoryError(
                20, "workdir is a file, not a directory", path
            )
        self.path, self.config, self.restart = path, config, restart
        self.export_dir = check_export_dir(export_dir, path)
        self.tensorboard = os.path.join(path, "tensorboard")
        self._config_path = os.path.join(path, "config.json")
        self._progress_path = os.path.join(path, "progress.json")
        self.earlier = {}
        previous = None if restart else _previous_config(self._config_path)
        if previous is not None:
            changed = config.identity_differences(previous)
            if changed:
                raise WorkdirConflictError(path, changed)

    def join(self, *names) -> str:
        return os.path.join(self.path, *names)

    def move_old_run_aside(self, verbose):
        """On restart, renames a non-empty workdir aside (``move_aside``)."""
        if self.restart and os.path.exists(self.path) and os.listdir(
            self.path
        ):
            moved = move_aside(self.path)
            if verbose:
                print(f"Moved the old run in {self.path} aside to {moved}.")

    def checkpoint(self, gan, guard, trackables):
        """The run's ``callbacks.Checkpoint`` under ``checkpoints/``; it
        writes nothing once ``guard`` has seen a divergence."""
        return gan_callbacks.Checkpoint(
            gan,
            self.checkpoint_dir,
            diverged=lambda: guard.step is not None,
            **trackables,
        )

    def resume(self, checkpoint, verbose) -> int:
        """Restores the newest readable checkpoint and the progress record,
        writes ``config.json`` and returns the step to train from.

        Raises:
            ConfigError: the run has trained past ``config.steps``.
            DamagedFileError: ``progress.json`` is not a progress record.
            CheckpointError: progress is recorded but no checkpoint is left.
        """
        config = self.config
        # Partial: hook state created lazily (EWC's anchors, at its first
        # estimate) is restored when it is created; a finished run that
        # trains nothing never creates it, and TensorFlow would warn about
        # each value.
        step = checkpoint.restore(partial=True)
        for prefix, problem in checkpoint.damaged:
            print(
                f"Damaged checkpoint {prefix}: {problem}; skipped.",
                file=sys.stderr,
            )
        if step > config.steps:
            raise ConfigError(
                "steps",
                f"steps ({config.steps}) is below the {step} steps this run "
                f"has trained in {self.path}; pass --steps >= {step}.",
            )
        earlier = json_io.read_json(self._progress_path, None)
        if earlier is not None and not isinstance(earlier, dict):
            raise json_io.DamagedFileError(
                f"{self._progress_path} is not a progress record (a JSON "
                "object); move it aside and run again.",
                self._progress_path,
            )
        trained = (earlier or {}).get("step", 0)
        if not step and trained > 0 and not checkpoint.candidates():
            raise gan_callbacks.checkpoint.CheckpointError(
                f"{self._progress_path} records {trained} steps trained, but "
                f"{self.checkpoint_dir} holds no checkpoint (deleted?); put "
                "the checkpoints back to resume, or restart to move the run "
                "aside and train from step 0."
            )
        if step and verbose:
            print(f"Resuming {self.path} from step {step}.")
        os.makedirs(self.path, exist_ok=True)
        json_io.write_json(self._config_path, config.to_dict(), indent=2)
        if earlier is None:  # a run of an earlier version: its metrics.json
            before = json_io.read_json(self.join("metrics.json"), {})
            earlier = {
                "step": before.get("final", {}).get("step", 0),
                "losses": before.get("losses", {}),
                "wall_time_s": before.get("wall_time_s", 0.0),
            }
        if earlier.get("step", 0) > step:  # past a damaged checkpoint
            earlier = {"wall_time_s": earlier.get("wall_time_s", 0.0)}
        self.earlier = earlier
        return step

    @property
    def previous_time(self) -> float:
        """Training time of the runs before this one, seconds."""
        return float(self.earlier.get("wall_time_s", 0.0))

    def stopped_early(self, step) -> bool:
        """Whether early stopping ended the earlier run at ``step``."""
        return bool(
            self.earlier.get("stopped_early")
            and self.earlier["step"] == step
        )

    def progress(self, step, checkpoint, keeper=None) -> Progress:
        """The callback that keeps ``progress.json`` current."""
        return Progress(
            self._progress_path, step, self.previous_time, checkpoint, keeper
        )

    def finish(self, gan, progress, *, step, reached, wall, diverged,
               final, history, best=None, watchdog_events=()):
        """Exports the generator (unless ``diverged``) to ``saved_model/``
        and ``export_dir``, brings ``progress.json`` to ``reached`` and
        writes ``metrics.json`` (returned): ``final``, the losses, the
        evaluation ``history``, the ``best`` evaluation, the watchdog's
        events, the times, the steps, the export and the config."""
        config = self.config
        exported = None
        if not diverged:
            saved = export.export_generator(
                gan.sampling_generator,
                config.latent_dim,
                self.join("saved_model"),
                num_classes=gan.num_classes,
            )
            exported = saved
            if self.export_dir:
                exported = export.copy_export(saved, self.export_dir)
        losses = progress.losses or self.earlier.get("losses") or {}
        total_time = self.previous_time + wall
        if not diverged and reached > step:
            progress.write(reached, losses, total_time)
        record = {
            "final": final,
            "losses": losses,
            "history": history,
            "best": best,
            "watchdog_events": list(watchdog_events),
            # Training time over every run of this workdir.
            "wall_time_s": total_time,
            "wall_time_this_run_s": wall,
            "total_steps": reached,
            "steps_trained_this_run": reached - step,
            "resumed_from_step": step,
            "export_dir": exported,
            "config": config.to_dict(),
        }
        json_io.write_json(self.join("metrics.json"), record, indent=2)
        return record
