"""A collapse watchdog: notice a collapsing GAN, roll it back to its last
good state with new noise and either lower learning rates or the next
remedy of a ladder, and carry on. The signals it reads and the rules that
judge them are in ``keras_gans.callbacks.collapse``."""

import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Mapping

import keras
import numpy as np
import tensorflow as tf

from keras_gans import json_io, penalties
from keras_gans.callbacks.collapse import (  # noqa: F401  (re-exported)
    Drop,
    ModeCollapse,
    Thresholds,
    image_signal,
    toy_signal,
)
from keras_gans.validation import check_integer

__all__ = ["ACTIONS", "CollapseWatchdog", "parse_ladder"]

# What a rollback changes: both learning rates (scaled by lr_factor), or
# the next remedy of the ladder (the learning rates kept).
ACTIONS = ("lower_lr", "escalate")


def parse_ladder(entries) -> tuple:
    """``(penalty name, weight)`` pairs of ``"name:weight"`` entries (a
    pair passes through), e.g. ``("zero_gp:1", "zero_gp:10")``.

    Raises:
        ValueError: a malformed entry, an unknown penalty or a weight that
            is not a finite number >= 0, named.
    """
    rungs = []
    for entry in entries:
        if isinstance(entry, str):
            name, sep, weight = entry.partition(":")
            if not sep:
                raise ValueError(
                    f"watchdog ladder entry {entry!r}: write PENALTY:WEIGHT, "
                    "e.g. zero_gp:10."
                )
            try:
                weight = float(weight)
            except ValueError:
                raise ValueError(
                    f"watchdog ladder entry {entry!r}: the weight is not a "
                    "number."
                ) from None
        else:
            name, weight = entry
        valid = [n for n in penalties.names() if n != "none"]
        if name not in valid:
            raise ValueError(
                f"watchdog ladder entry {entry!r}: unknown penalty {name!r}; "
                f"valid: {', '.join(valid)}."
            )
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"watchdog ladder entry {entry!r}: the weight must be a "
                "finite number >= 0."
            )
        rungs.append((name, float(weight)))
    return tuple(rungs)


class _ScaledSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """``base(step) * scale``: a schedule whose scale a callback owns."""

    def __init__(self, base, scale):
        super().__init__()
        self.base = base
        self.scale = scale

    def __call__(self, step):
        lr = self.base(step)
        return lr * tf.cast(self.scale, lr.dtype)

    def get_config(self):
        return {"base": keras.optimizers.schedules.serialize(self.base)}


class _WatchdogState(tf.Module):
    """What a resumed run needs to continue the watchdog identically (the
    ladder's rung only when it escalates: older checkpoints stay whole)."""

    def __init__(self, escalate=False):
        super().__init__(name="collapse_watchdog")

        def var(value, dtype, name):
            return tf.Variable(
                tf.constant(value, dtype),
                trainable=False,
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
                name=name,
            )

        self.retries = var(0, tf.int64, "retries")
        self.lr_scale = var(1.0, tf.float32, "lr_scale")
        self.noise_offset = var(0, tf.int64, "noise_offset")
        self.bad_checks = var(0, tf.int64, "bad_checks")
        self.good_step = var(-1, tf.int64, "good_step")
        if escalate:
            self.rung = var(0, tf.int64, "rung")


def _inner(optimizer):
    return getattr(optimizer, "inner_optimizer", optimizer)


class CollapseWatchdog(keras.callbacks.Callback):
    """Rolls a collapsing GAN back to its last good state and retries.

    Every ``every`` GAN steps (at epoch ends; ``g_optimizer.iterations``)
    it computes ``signal(gan)`` (a dict of floats, cheap: e.g.
    ``toy_signal``'s modes and high-quality fraction, or ``image_signal``
    with the digits classifier's mode histogram) and asks
    ``collapsed(signal, healthy)``, ``healthy`` being the signals of the
    earlier healthy checks (``Thresholds(minimum={"modes": 7})``: absolute
    bounds; ``Drop("modes", 2)``: more than 2 modes below the best healthy
    check). A healthy check saves the
    whole training state (the GAN with both optimizers, plus
    ``trackables`` such as the replay buffer or EWC state) as the *good
    snapshot* in ``directory``. After ``patience`` collapsed checks in a
    row, with retries left, it:

    1. restores the good snapshot, keeping the step counters where they
       are (the retry spends the run's step budget; data, which is a
       function of the step, flows on);
    2. with ``action="lower_lr"`` multiplies the learning rates of both
       optimizers by ``lr_factor`` (compounding over retries; a schedule
       keeps its shape, scaled); with ``action="escalate"`` switches on the
       next rung of ``ladder`` instead, a gradient penalty and its weight
       (``GAN.replace_penalty``; the learning rates are kept), so that the
       retry runs with a stronger remedy (measured, a lower learning rate
       alone rescued no collapsed run: benchmarks/REMEDIES.md);
    3. moves the training noise onto a new stream (the second word of
       ``gan.rng_seed`` becomes the retry count);

    and logs the event (console, the JSON list ``json_path``, TensorBoard
    under ``log_dir``). Before the first healthy check there is nothing to
    roll back to and collapsed checks are ignored (a run still warming up
    is not collapsing). When the retries are spent it logs ``gave_up``
    once and leaves the run alone.

    ``state`` (retries, learning-rate scale, noise offset, collapsed checks
    in a row, the good snapshot's step) is a ``tf.Module``: checkpoint it
    with the run (``callbacks.Checkpoint(gan, dir, watchdog=wd.state)``)
    and a resumed run continues exactly as an uninterrupted one. Create
    the watchdog after ``gan.compile``, before restoring a checkpoint and
    before ``fit``: it installs the learning-rate scale in the optimizers
    and reads their base learning rates. It deletes only the snapshot
    files it writes (and, with ``directory=None``, its temporary
    directory).

    Args:
        gan: the compiled ``keras_gans.GAN``.
        signal: ``gan -> dict`` of the watched values.
        collapsed: ``(signal, healthy signals) -> bool``.
        directory: where the good snapshot is kept (a directory owned by
            the watchdog); None: a temporary directory, deleted at the end
            of training (no resume then).
        every: steps between checks (a multiple of the epoch length).
        lr_factor: learning-rate factor per retry, in (0, 1].
        max_retries: rollbacks allowed.
        patience: collapsed checks in a row before a rollback.
        trackables: more state to snapshot and restore with the GAN.
        json_path: optional JSON list of events.
        log_dir: optional TensorBoard directory.
        verbose: print events.
        action: ``"lower_lr"`` or ``"escalate"`` (see above).
        ladder: with ``escalate``, the remedies in order: ``(penalty,
            weight)`` pairs or ``"penalty:weight"`` strings
            (``parse_ladder``); the retries stop at its end.
    """

    def __init__(
        self,
        gan,
        signal: Callable,
        collapsed: Callable,
        directory=None,
        every: int = 1000,
        lr_factor: float = 0.5,
        max_retries: int = 3,
        patience: int = 1,
        trackables: Mapping | None = None,
        json_path=None,
        log_dir=None,
        verbose: bool = True,
        action: str = "lower_lr",
        ladder=(),
    ):
        super().__init__()
        if action not in ACTIONS:
            raise ValueError(
                f"Unknown watchdog action {action!r}. Valid: "
                f"{', '.join(ACTIONS)}."
            )
        self.action = action
        self.ladder = parse_ladder(ladder)
        if action == "escalate":
            if not self.ladder:
                raise ValueError(
                    "The escalating watchdog needs a ladder of remedies, "
                    "e.g. ('zero_gp:1', 'zero_gp:10')."
                )
            if getattr(gan, "regularizer", None) is not None and (
                gan.regularizer.lazy
            ):
                raise ValueError(
                    "The escalating watchdog swaps the penalty, which "
                    "penalty_every > 1 does not allow; use lower_lr."
                )
        self.gan = gan
        self.signal = signal
        self.collapsed = collapsed
        self.every = check_integer("every", every, 1)
        self.max_retries = check_integer("max_retries", max_retries, 0)
        self.patience = check_integer("patience", patience, 1)
        if not 0.0 < lr_factor <= 1.0:
            raise ValueError(f"lr_factor must be in (0, 1], got {lr_factor}.")
        self.lr_factor = float(lr_factor)
        self.verbose = bool(verbose)
        if getattr(gan, "g_optimizer", None) is None:
            raise ValueError("Compile the GAN before creating the watchdog.")
        self._owns_directory = directory is None
        self.directory = (
            tempfile.mkdtemp(prefix="keras_gans_watchdog_")
            if directory is None
            else os.fspath(directory)
        )
        if self._owns_directory:
            # Its own snapshots go with it, trained or not (a watchdog made
            # and dropped, or a process that ends mid-fit, leaves no
            # directory behind in the system's temporary folder).
            weakref.finalize(self, shutil.rmtree, self.directory, True)
        self.json_path = os.fspath(json_path) if json_path else None
        self.log_dir = os.fspath(log_dir) if log_dir else None
        with gan.distribute_strategy.scope():
            self.state = _WatchdogState(action == "escalate")
        self._snapshot = tf.train.Checkpoint(gan=gan, **dict(trackables or {}))
        self._manager = tf.train.CheckpointManager(
            self._snapshot,
            self.directory,
            max_to_keep=1,
            checkpoint_name="good",
        )
        self._base_lr = {}
        for opt in self._optimizers():
            self._install_scale(opt)
        self.events = json_io.read_json(self.json_path, [])
        self.healthy = []
        self._writer = None

    # ------------------------------------------------------------ learning

    def _optimizers(self):
        return [_inner(self.gan.d_optimizer), _inner(self.gan.g_optimizer)]

    def _install_scale(self, opt):
        lr = opt._learning_rate
        if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
            if not isinstance(lr, _ScaledSchedule):
                opt.learning_rate = _ScaledSchedule(lr, self.state.lr_scale)
        elif isinstance(lr, keras.Variable):
            self._base_lr[id(opt)] = float(keras.ops.convert_to_numpy(lr))
        else:
            raise TypeError(
                "The watchdog scales a learning-rate variable or a "
                f"LearningRateSchedule, got {type(lr).__name__}."
            )

    def _apply_lr_scale(self):
        scale = float(self.state.lr_scale.numpy())
        for opt in self._optimizers():
            if id(opt) in self._base_lr:
                opt._learning_rate.assign(self._base_lr[id(opt)] * scale)

    def learning_rates(self) -> list:
        """The current learning rates of D's and G's optimizers."""
        return [
            float(keras.ops.convert_to_numpy(opt.learning_rate))
            for opt in self._optimizers()
        ]

    # -------------------------------------------------------------- events

    @property
    def _healthy_path(self):
        return os.path.join(self.directory, "healthy_signals.json")

    def on_train_begin(self, logs=None):
        step = self._step()
        self.events = [e for e in self.events if e["step"] <= step]
        self.healthy = [
            h
            for h in json_io.read_json(self._healthy_path, [])
            if h["step"] <= step
        ]
        if self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        self._apply_rung()  # a resumed run goes on with its remedy

    def _apply_rung(self):
        """Switches the GAN to the ladder's current rung (none at 0)."""
        rung = int(self.state.rung.numpy()) if self.action == "escalate" else 0
        if rung:
            self.gan.replace_penalty(*self.ladder[rung - 1])

    @property
    def _retry_limit(self):
        if self.action == "escalate":
            return min(self.max_retries, len(self.ladder))
        return self.max_retries

    def on_train_end(self, logs=None):
        if self._owns_directory:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _step(self):
        return int(self.gan.g_optimizer.iterations.numpy())

    def _log(self, event):
        self.events.append(event)
        if self.json_path:
            json_io.write_json(self.json_path, self.events)
        if self.verbose:
            details = ", ".join(
                f"{k} {v}" for k, v in event.items() if k not in ("step",)
            )
            print(f"Watchdog at step {event['step']}: {details}")
        if self._writer is not None:
            with self._writer.as_default(step=event["step"]):
                tf.summary.scalar("watchdog/retries", event["retries"])
                tf.summary.scalar("watchdog/lr_scale", event["lr_scale"])
                tf.summary.text("watchdog/event", str(event))
            self._writer.flush()

    # --------------------------------------------------------------- check

    def on_epoch_end(self, epoch, logs=None):
        step = self._step()
        if step % self.every or self.model.stop_training:
            # Training is ending (a divergence guard before this callback,
            # or early stopping): a NaN state is not a collapse to roll
            # back, and no snapshot is taken of it.
            return
        signal = self.signal(self.gan)
        healthy = [h["signal"] for h in self.healthy]
        if not self.collapsed(signal, healthy):
            self.state.bad_checks.assign(0)
            self._manager.save(checkpoint_number=step)
            self.state.good_step.assign(step)
            self.healthy.append({"step": step, "signal": _plain(signal)})
            json_io.write_json(self._healthy_path, self.healthy)
            return
        if not self._manager.latest_checkpoint:
            return
        self.state.bad_checks.assign_add(1)
        if int(self.state.bad_checks.numpy()) < self.patience:
            return
        retries = int(self.state.retries.numpy())
        base = {"step": step, "signal": _plain(signal)}
        if retries >= self._retry_limit:
            if not any(e["event"] == "gave_up" for e in self.events):
                self._log(
                    {
                        **base,
                        "event": "gave_up",
                        "retries": retries,
                        "lr_scale": float(self.state.lr_scale.numpy()),
                    }
                )
            return
        self.rollback(base)

    def rollback(self, event=None):
        """Restores the good snapshot, scales the learning rates and moves
        the noise stream on; logs ``event`` with the details."""
        gan = self.gan
        latest = self._manager.latest_checkpoint
        if not latest:
            raise ValueError("No good snapshot to roll back to yet.")
        counters = [
            (opt.iterations, int(opt.iterations.numpy()))
            for opt in (gan.d_optimizer, gan.g_optimizer)
        ]
        self._snapshot.restore(latest).assert_existing_objects_matched()
        restored = int(self.state.good_step.numpy())
        for variable, value in counters:
            variable.assign(value)
        self.state.retries.assign_add(1)
        remedy = {}
        if self.action == "escalate":
            self.state.rung.assign_add(1)
            self._apply_rung()
            name, weight = self.ladder[int(self.state.rung.numpy()) - 1]
            remedy = {"remedy": f"{name}:{weight:g}"}
        else:
            self.state.lr_scale.assign(self.state.lr_scale * self.lr_factor)
        self.state.noise_offset.assign(self.state.retries)
        gan.rng_seed.assign(
            np.array([gan.seed, int(self.state.noise_offset.numpy())])
        )
        self.state.bad_checks.assign(0)
        self._apply_lr_scale()
        self._log(
            {
                "step": counters[1][1],
                **(event or {}),
                "event": "rollback",
                **remedy,
                "restored_step": restored,
                "retries": int(self.state.retries.numpy()),
                "lr_scale": float(self.state.lr_scale.numpy()),
                "learning_rates": self.learning_rates(),
                "noise_offset": int(self.state.noise_offset.numpy()),
            }
        )


def _plain(signal):
    return {
        k: (bool(v) if isinstance(v, (bool, np.bool_)) else float(v))
        for k, v in signal.items()
    }
