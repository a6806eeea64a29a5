"""``run(config, workdir)``: the one trainer of every binary and benchmark.

Trains a GAN on a toy mixture or on images, resumable, with the caller's
callbacks (any callback's ``state`` rides the checkpoint). The workdir
receives:

- ``config.json``: the run's identity, written once the config, the
  workdir, the export target and the data have been checked (a failed start
  leaves the workdir as it was);
- ``checkpoints/``: the full training state every ``log_every`` steps;
  running again on the same workdir resumes from the newest readable one
  (models, both optimizers, step counter, callback state; data and noise
  are functions of the seed and the step, so their streams resume exactly);
- ``progress.json``: step, last logged losses and training time so far,
  after each checkpoint (what a rerun reports after a kill);
- ``tensorboard/``: Keras logs and the evaluation scalars;
- ``mode_coverage.json``: the evaluation history;
- ``metrics.json``: final mode coverage, losses, history, config, wall time
  over all runs, total steps and steps this run;
- ``samples.png``: real and generated points;
- ``saved_model/``: the exported generator (also written to ``export_dir``),
  not written for a diverged run;
- with ``watchdog``: ``watchdog/`` (the last good snapshot) and
  ``watchdog_events.json``; with ``keep_best``: ``best/`` (state, export
  and ``best.json`` of the best evaluation; ``keras_gans.run_callbacks``).

On image data sets (``config.is_image``) the mode-coverage evaluation is
replaced by ``callbacks.ImageMetricsCallback`` (digits and stacked digits:
the digits classifier's score, modes, KL and Frechet distance; tfds sets:
Inception Score and FID when ``inception_weights`` is set, else sample
grids only): ``image_metrics.json`` holds its history, ``grids/`` a sample
grid per evaluation, and ``samples.png`` is the final grid beside real
images. Clip data sets (``config.is_clip``: moving digits) train the video
DCGAN (``keras_gans.video_networks``) and are evaluated by
``clip_metrics.ClipEvaluator``; their grids are frames strips with an
animated GIF beside each (``samples.gif``).
"""

import contextlib
import os
import sys
import tempfile
import time
from typing import Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_gans import callbacks as gan_callbacks
from keras_gans import (
    clip_metrics,
    clip_plots,
    data,
    distribute,
    export,
    inception,
    json_io,
    losses,
    metrics,
    moving_digits,
    networks,
    penalties,
    plots,
    rng,
    run_callbacks,
    video_networks,
)
from keras_gans.config import ConfigError, TrainConfig
from keras_gans.gan import GAN
from keras_gans.training.weight_penalty import L1WeightPenalty

__all__ = [
    "WorkdirConflictError",
    "build_gan",
    "check_export_dir",
    "dtype_policy",
    "make_strategy",
    "move_aside",
    "run",
]



def make_strategy(name: str) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name`` (config.STRATEGIES).

    ``multi_worker`` reads the cluster from ``TF_CONFIG`` and must be created
    before any other TensorFlow work in the process.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "strategy=multi_worker needs the cluster in the TF_CONFIG "
                "environment variable (see tf.distribute."
                "MultiWorkerMirroredStrategy)."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}.")


@contextlib.contextmanager
def dtype_policy(name: str):
    """Keras' global dtype policy set to ``name`` while models are built
    (layers keep the policy they were created with), then restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _loss_scaled(config: TrainConfig, optimizer):
    if config.mixed_precision == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def build_gan(config: TrainConfig) -> GAN:
    """The compiled GAN of ``config`` (under the current strategy's scope),
    built under ``config.mixed_precision``'s dtype policy, with loss-scaled
    optimizers for ``mixed_float16``."""
    with dtype_policy(config.mixed_precision):
        return _build_gan(config)


def _build_gan(config: TrainConfig) -> GAN:
    keras.utils.set_random_seed(config.seed)
    strategy = tf.distribute.get_strategy()
    with strategy.scope():
        generator, discriminator = _networks(config)
        if config.penalty_layer:
            try:
                penalties.check_layer(discriminator, config.penalty_layer)
            except ValueError as e:
                raise ConfigError(
                    "penalty_layer", f"--penalty_layer: {e}"
                ) from None
        gan = GAN(
            generator,
            discriminator,
            config.latent_dim,
            seed=config.seed,
            **_conditioning(config),
        )
        gan.compile(
            d_optimizer=_loss_scaled(
                config,
                config.d_optimizer.build(
                    config.lr_schedule, config.steps * config.n_critic
                ),
            ),
            g_optimizer=_loss_scaled(
                config,
                config.g_optimizer.build(config.lr_schedule, config.steps),
            ),
            loss=(
                losses.get(config.loss, label_smoothing=config.label_smoothing)
                if config.label_smoothing != 1.0
                else config.loss
            ),
            penalty=penalties.get(config.penalty, **config.penalty_options()),
            penalty_weight=config.penalty_weight,
            penalty_output=config.penalty_output,
            real_weight=config.real_weight,
            n_critic=config.n_critic,
            jit_compile=(
                "auto" if config.jit_compile is None else config.jit_compile
            ),
            steps_per_execution=config.steps_per_execution,
            ema_decay=config.ema_decay or None,
            unroll_steps=config.unroll_steps,
            unroll_first_order=config.unroll_first_order,
            unroll_update=config.unroll_update,
            penalty_every=config.penalty_every,
            augment=config.augment,
            instance_noise=config.instance_noise,
            instance_noise_anneal_steps=config.instance_noise_anneal_steps,
            d_warmup_steps=config.d_warmup_steps,
            classification_weight=config.classification_weight,
        )
        if config.d_l1:
            gan.attach_hook(L1WeightPenalty(config.d_l1))
    return gan


def _num_classes(config):
    return data.num_classes(config.dataset) if config.conditional else None


def _conditioning(config):
    """The GAN's conditioning arguments (none for an unconditional run)."""
    if not config.conditional:
        return {}
    distribution = "uniform"
    if config.label_distribution == "data":
        distribution = data.label_frequencies(
            config.dataset, config.train_examples or None
        )
    return {
        "num_classes": _num_classes(config),
        "label_distribution": distribution,
    }


def _networks(config):
    sn = config.spectral_norm
    classes = _num_classes(config)
    mode = config.conditioning
    if config.is_clip:
        return video_networks.video_dcgan(
            config.latent_dim,
            config.clip_shape,
            config.base_filters,
            seed=config.seed,
            spectral_norm=sn,
            frame_critic=config.frame_critic,
            frame_differences=config.frame_differences,
            content_motion=config.content_motion,
        )
    if config.is_toy:
        return (
            networks.mlp_generator(
                config.latent_dim, 2, config.hidden_units, num_classes=classes
            ),
            networks.mlp_discriminator(
                2,
                config.hidden_units,
                spectral_norm=sn,
                num_classes=classes,
                conditioning=mode,
            ),
        )
    shape = data.image_shape(config.dataset)
    if config.network_name == "dcgan":
        return networks.dcgan(
            config.latent_dim,
            shape,
            config.base_filters,
            seed=config.seed,
            spectral_norm=sn,
            num_classes=classes,
            conditioning=mode,
        )
    return (
        networks.mlp_generator(
            config.latent_dim,
            shape,
            config.hidden_units,
            output_activation="tanh",
            num_classes=classes,
        ),
        networks.mlp_discriminator(
            shape,
            config.hidden_units,
            spectral_norm=sn,
            num_classes=classes,
            conditioning=mode,
        ),
    )


def image_evaluator(config: TrainConfig):
    """The ``images -> dict`` metrics of ``config``'s image data set.

    Digits and stacked digits: ``metrics.DigitsEvaluator`` (the classifier
    at ``classifier_path``, the shipped one by default). tfds sets:
    ``inception.InceptionEvaluator`` against the ``test`` split's first
    ``eval_samples`` images if ``inception_graph`` (the reference graph) or
    ``inception_weights`` (Keras' InceptionV3) is set, else an evaluator
    that returns no metrics. Reference features are cached under
    ``reference_cache`` when it is set.
    """
    cache = config.reference_cache or None
    if config.is_clip:
        return clip_metrics.ClipEvaluator(
            config.dataset,
            classifier=metrics.load_digits_classifier(
                config.classifier_path or None
            ),
            num_digits=config.moving_digits,
            frames=config.frames,
            frame_size=config.frame_size or None,
            seed=rng.stream_int(config.seed, "eval/reference_clips"),
            cache_dir=cache,
            data_dir=config.data_dir or None,
        )
    if config.dataset in ("digits", "stacked_digits"):
        classifier = metrics.load_digits_classifier(
            config.classifier_path or None
        )
        return metrics.DigitsEvaluator(classifier, cache_dir=cache)
    if not (config.inception_weights or config.inception_graph):
        return lambda images: {}

    def reference():
        return np.stack(
            list(
                data.tfds_images(
                    config.dataset, "test", config.data_dir or None
                )
                .take(config.eval_samples)
                .as_numpy_iterator()
            )
        )

    return inception.InceptionEvaluator(
        config.inception_weights or "imagenet",
        reference=reference,
        graph=config.inception_graph or None,
        cache_dir=cache,
        reference_key={
            "dataset": config.dataset,
            "split": "test",
            "samples": config.eval_samples,
        },
    )


def real_images(config: TrainConfig, n: int = 64) -> np.ndarray:
    """``n`` held-out real images (or clips) of ``config``'s data set."""
    if config.is_clip:
        return moving_digits.clips_sample(
            config.dataset,
            n,
            config.seed,
            frames=config.frames,
            frame_size=config.frame_size or None,
            num_digits=config.moving_digits,
            data_dir=config.data_dir or None,
        )[0]
    if config.dataset == "digits":
        return data.digits("test")[0][:n]
    if config.dataset == "stacked_digits":
        return data.stacked_digits_sample(n, config.seed)[0]
    ds = data.tfds_images(
        config.dataset, "test", config.data_dir or None, config.download_data
    )
    return np.stack(list(ds.take(n).as_numpy_iterator()))


def training_data(config: TrainConfig, step: int = 0) -> tf.data.Dataset:
    """``config``'s infinite training pipeline from batch ``step`` on
    (``batch_size * n_critic`` examples a batch; ``(x, label)`` pairs for a
    conditional run)."""
    batch = config.batch_size * config.n_critic
    if config.is_clip:
        return moving_digits.clip_dataset(
            config.dataset,
            batch,
            config.seed,
            start_step=step,
            frames=config.frames,
            frame_size=config.frame_size or None,
            num_digits=config.moving_digits,
            data_dir=config.data_dir or None,
            download=config.download_data,
        )
    if config.is_image:
        return data.image_dataset(
            config.dataset,
            batch,
            config.seed,
            start_step=step,
            data_dir=config.data_dir or None,
            download=config.download_data,
            labels=config.conditional,
            examples=config.train_examples or None,
        )
    return data.toy_dataset(
        config.dataset,
        batch,
        config.seed,
        start_step=step,
        labels=config.conditional,
    )


def _state_callbacks(config: TrainConfig, gan: GAN):
    """The replay and EWC callbacks of ``config``."""
    state_callbacks = []
    if config.replay_size and config.replay_fraction:
        state_callbacks.append(
            gan_callbacks.ReplayBuffer(
                config.replay_size, config.replay_fraction
            )
        )
    if config.ewc_weight:
        state_callbacks.append(
            gan_callbacks.OnlineEWC(
                config.ewc_weight,
                config.ewc_every,
                config.ewc_alpha,
                config.ewc_num_batches,
            )
        )
    return state_callbacks


def _trackables(gan, state_callbacks, callbacks):
    """The checkpointed state of every callback with a ``state``. Replay
    and EWC state exists from construction (variables created later are
    restored when they are created); a callback whose state is still None
    creates it in ``set_model``, called here before the restore. Names:
    ``replay`` and ``ewc`` for the config's, ``callback_<i>`` for the
    ``i``-th of the caller's."""
    named = {gan_callbacks.ReplayBuffer: "replay", gan_callbacks.OnlineEWC:
             "ewc"}
    trackables = {}
    for cb in state_callbacks:
        trackables[named[type(cb)]] = cb.state
    for i, cb in enumerate(callbacks):
        if hasattr(cb, "state"):
            if cb.state is None:
                cb.set_model(gan)
            trackables[f"callback_{i}"] = cb.state
    return trackables


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


class _DivergenceGuard(keras.callbacks.Callback):
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


class _Progress(keras.callbacks.Callback):
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


def _check_workdir(workdir):
    if os.path.exists(workdir) and not os.path.isdir(workdir):
        raise NotADirectoryError(
            20, "workdir is a file, not a directory", workdir
        )


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


def run(
    config: TrainConfig,
    workdir,
    export_dir=None,
    verbose="auto",
    callbacks: Sequence[keras.callbacks.Callback] = (),
    restart: bool = False,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
):
    """Trains (or resumes, or extends) ``config`` in ``workdir``.

    Nothing is written until the config, the workdir, the export target and
    the data have been checked, so a failed start leaves the workdir as it
    was. A workdir that holds a run with another config is refused
    (``WorkdirConflictError``), except for a larger ``steps``: the run
    trains on from its last checkpoint. The ``linear``/``cosine``
    learning-rate schedules then decay over the new ``steps`` (the rate is
    a function of the step and the total): training continues at the rate
    the longer schedule has at the old end, which is higher than the 1%
    the shorter one had reached.

    A diverged run (NaN or inf in the logs, or in the final samples) stops,
    keeps its last good checkpoint, exports nothing and returns ``final``
    with ``diverged: True`` and the step.

    Args:
        config: the experiment.
        workdir: output and checkpoint directory (created if needed).
        export_dir: where the generator SavedModel is also written
            (absent, empty or an earlier export; checked before training);
            None to keep only ``workdir/saved_model``.
        verbose: Keras ``fit`` verbosity (progress bar by default).
        callbacks: more Keras callbacks. The ``state`` of any that has one
            (e.g. ``ForgettingCallback.state``) rides the checkpoint: those
            run before it at each epoch end, the others after it.
        restart: move an existing workdir aside to ``<workdir>.<timestamp>``
            and start afresh.
        extra_callbacks: an older name for ``callbacks`` (appended to them).

    Returns:
        The dict written to ``metrics.json``.

    Raises:
        WorkdirConflictError: the workdir holds another run.
        export.ExportTargetError: the export target holds other files.
        CheckpointError: checkpoint files exist, none readable.
        ValueError, OSError: a bad config, data or path.
    """
    config.validate()
    callbacks = [*callbacks, *extra_callbacks]
    strategy = make_strategy(config.strategy)
    workdir = os.fspath(workdir)
    chief = distribute.is_chief(strategy)
    checkpoint_dir = os.path.join(workdir, "checkpoints")
    if not chief:
        # Other workers train in step with the chief but write nothing
        # shared: their outputs go to a scratch directory.
        workdir = tempfile.mkdtemp(prefix="keras_gans_worker_")
        export_dir = None
    _check_workdir(workdir)
    export_dir = check_export_dir(export_dir, workdir)
    config_path = os.path.join(workdir, "config.json")
    previous = None if restart else _previous_config(config_path)
    if previous is not None:
        changed = config.identity_differences(previous)
        if changed:
            raise WorkdirConflictError(workdir, changed)

    if not config.is_toy:
        # Missing tfds data or Inception weights: an error before training.
        training_data(config, 0)
        evaluator = image_evaluator(config)
        real = real_images(config)
    else:
        mixture = data.mixture(config.dataset)
    if restart and os.path.exists(workdir) and os.listdir(workdir):
        moved = move_aside(workdir)
        if verbose:
            print(f"Moved the old run in {workdir} aside to {moved}.")
    with strategy.scope():
        gan = build_gan(config)
        state_callbacks = _state_callbacks(config, gan)
    trackables = _trackables(gan, state_callbacks, callbacks)
    eval_seed = rng.stream_int(config.seed, "eval")
    # The watchdog and the best keeper (keras_gans.run_callbacks) snapshot
    # the whole training state; the watchdog's own state rides the
    # checkpoint.
    watchdog = run_callbacks.watchdog(
        config,
        gan,
        workdir,
        trackables,
        None if config.is_toy else evaluator,
        eval_seed,
    )
    if watchdog:
        trackables = {**trackables, "watchdog": watchdog.state}
    keeper = run_callbacks.best_keeper(config, gan, workdir, trackables)
    guard = _DivergenceGuard()
    checkpoint = gan_callbacks.Checkpoint(
        gan,
        checkpoint_dir,
        diverged=lambda: guard.step is not None,
        **trackables,
    )
    # Partial: hook state created lazily (EWC's anchors, at its first
    # estimate) is restored when it is created; a finished run that trains
    # nothing never creates it, and TensorFlow would warn about each value.
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
            f"has trained in {workdir}; pass --steps >= {step}.",
        )
    progress_path = os.path.join(workdir, "progress.json")
    earlier = json_io.read_json(progress_path, None)
    if earlier is not None and not isinstance(earlier, dict):
        raise json_io.DamagedFileError(
            f"{progress_path} is not a progress record (a JSON object); "
            "move it aside and run again.",
            progress_path,
        )
    trained = (earlier or {}).get("step", 0)
    if not step and trained > 0 and not checkpoint.candidates():
        raise gan_callbacks.checkpoint.CheckpointError(
            f"{progress_path} records {trained} steps trained, but "
            f"{checkpoint_dir} holds no checkpoint (deleted?); put the "
            "checkpoints back to resume, or restart to move the run aside "
            "and train from step 0."
        )
    if step and verbose:
        print(f"Resuming {workdir} from step {step}.")
    os.makedirs(workdir, exist_ok=True)
    json_io.write_json(config_path, config.to_dict(), indent=2)

    tb_dir = os.path.join(workdir, "tensorboard")
    evaluation = dict(
        every=config.eval_every,
        num_samples=config.eval_samples,
        seed=eval_seed,
        log_dir=os.path.join(tb_dir, "eval"),
    )
    if not config.is_toy:
        coverage = gan_callbacks.ImageMetricsCallback(
            evaluator,
            json_path=os.path.join(workdir, "image_metrics.json"),
            grid_dir=os.path.join(workdir, "grids"),
            real=real,
            title=_title(config),
            split_channels=config.dataset == "stacked_digits",
            grid_size=8 if config.is_clip else 64,
            extra_metrics=(
                (
                    lambda model: _class_scores(
                        config, model, evaluator, eval_seed
                    )
                )
                if config.conditional
                else None
            ),
            **evaluation,
        )
    else:
        coverage = gan_callbacks.ModeCoverageCallback(
            mixture,
            json_path=os.path.join(workdir, "mode_coverage.json"),
            **evaluation,
        )
    if earlier is None:  # a run of an earlier version: its metrics.json
        before = json_io.read_json(os.path.join(workdir, "metrics.json"), {})
        earlier = {
            "step": before.get("final", {}).get("step", 0),
            "losses": before.get("losses", {}),
            "wall_time_s": before.get("wall_time_s", 0.0),
        }
    if earlier.get("step", 0) > step:  # past a damaged checkpoint
        earlier = {"wall_time_s": earlier.get("wall_time_s", 0.0)}
    progress = _Progress(
        progress_path,
        step,
        float(earlier.get("wall_time_s", 0.0)),
        checkpoint,
        keeper,
    )
    dataset = training_data(config, step)
    start = time.time()
    stopped_early = earlier.get("stopped_early") and earlier["step"] == step
    if stopped_early and verbose:
        print(
            f"{workdir} stopped early at step {step} (--keep_best "
            f"{config.keep_best} stopped improving); nothing to train."
        )
    if step < config.steps and not stopped_early:
        gan.fit(
            dataset,
            initial_epoch=step // config.log_every,
            epochs=config.steps // config.log_every,
            steps_per_epoch=config.log_every,
            verbose=verbose,
            # Callbacks with a state run before the checkpoint that saves
            # it; the others after it (they see the step saved).
            callbacks=[
                coverage,
                *([keeper] if keeper else []),
                *state_callbacks,
                keras.callbacks.TensorBoard(tb_dir),
                *[cb for cb in callbacks if hasattr(cb, "state")],
                # NaN or inf stops the run (the watchdog too: it heals
                # collapse, not divergence), before the checkpoint is due.
                guard,
                *([watchdog] if watchdog else []),
                checkpoint,
                progress,
                *[cb for cb in callbacks if not hasattr(cb, "state")],
            ],
        )
    wall = time.time() - start

    reached = int(gan.g_optimizer.iterations.numpy())
    fake = gan.generate(config.eval_samples, seed=coverage.seed)
    diverged = guard.step is not None or not np.all(np.isfinite(fake))
    last = coverage.history[-1] if coverage.history else {}
    if not config.is_toy:
        final = _image_final(
            config, coverage, fake, reached, diverged, last, workdir
        )
    elif diverged:
        final = {"step": reached, "diverged": True}
    elif last.get("step") == reached and not last.get("diverged"):
        final = last  # the callback has just evaluated these samples
    else:
        final = {
            "step": reached,
            **metrics.mode_coverage(fake, mixture).as_dict(),
        }
    if diverged:
        final = {
            **final,
            "step": guard.step or reached,
            "last_good_step": progress.step,
        }
    elif config.conditional:
        final = {
            **final,
            **_conditional_final(
                config,
                gan,
                evaluator if config.is_image else mixture,
                coverage.seed,
                workdir,
            ),
        }
    if config.is_toy:
        _toy_plot(config, mixture, fake, final, diverged, reached, workdir)
    exported = None
    if not diverged:
        saved = export.export_generator(
            gan.sampling_generator,
            config.latent_dim,
            os.path.join(workdir, "saved_model"),
            num_classes=gan.num_classes,
        )
        exported = saved
        if export_dir:
            exported = export.copy_export(saved, export_dir)
    losses = progress.losses or earlier.get("losses") or {}
    total_time = float(earlier.get("wall_time_s", 0.0)) + wall
    if not diverged and reached > step:
        progress.write(reached, losses, total_time)
    result = {
        "final": final,
        "losses": losses,
        "history": coverage.history,
        "best": keeper.best if keeper else None,
        "watchdog_events": watchdog.events if watchdog else [],
        # Training time over every run of this workdir.
        "wall_time_s": total_time,
        "wall_time_this_run_s": wall,
        "total_steps": reached,
        "steps_trained_this_run": reached - step,
        "resumed_from_step": step,
        "export_dir": exported,
        "config": config.to_dict(),
    }
    json_io.write_json(os.path.join(workdir, "metrics.json"), result, indent=2)
    return result


def _class_scores(config, gan, evaluator, seed):
    """The class-conditional scores of ``_conditional_final``, no plot."""
    return _conditional_final(config, gan, evaluator, seed, None)


def _conditional_final(config, gan, evaluator, seed, workdir):
    """A conditional run's class-conditional accuracy (``metrics.
    class_accuracy``) on ``eval_samples`` samples with balanced requested
    labels: the digits classifier's label for digits and stacked digits,
    the nearest mode of a high-quality sample (within 3 sigma; else no
    class) for the toy mixtures (``classes_hit``: the per-class mode
    coverage). Digits also get the intra-class Frechet distance and
    ``samples_by_class.png``, one row of ten samples per class."""
    k = gan.num_classes
    n = max(config.eval_samples // k, 1) * k
    requested = np.tile(np.arange(k, dtype=np.int32), n // k)
    samples = gan.generate(n, seed=seed, labels=requested)
    if isinstance(evaluator, data.Mixture):
        distance = np.linalg.norm(
            samples[:, None] - evaluator.centres[None], axis=-1
        )
        nearest = distance.argmin(-1)
        good = distance.min(-1) <= 3 * evaluator.sigma
        result = metrics.class_accuracy(
            np.where(good, nearest, -1), requested, k
        )
    elif isinstance(evaluator, metrics.DigitsEvaluator):
        result = evaluator.class_accuracy(samples, requested)
        if config.dataset == "digits":
            result.update(evaluator.intra_class_frechet(samples, requested))
    else:
        return {}
    if config.dataset == "digits" and workdir is not None:
        rows = np.repeat(np.arange(k, dtype=np.int32), 10)
        plots.plot_image_grid(
            gan.generate(len(rows), seed=seed, labels=rows),
            os.path.join(workdir, "samples_by_class.png"),
            title=f"{_title(config)}: one row per class (0-9), "
            f"class accuracy {100 * result['class_accuracy']:.1f}%",
            columns=10,
        )
    return result


def _toy_plot(config, mixture, fake, final, diverged, reached, workdir):
    real = data.sample_mixture(
        mixture, config.eval_samples, rng.stream(config.seed, "plot/real")
    ).numpy()
    summary = (
        "diverged (NaN)"
        if diverged
        else f"{final['modes']}/{final['num_modes']} modes, "
        f"HQ {100 * final['high_quality']:.1f}%"
    )
    plots.plot_samples(
        real,
        fake,
        os.path.join(workdir, "samples.png"),
        title=(
            f"{config.dataset}: {config.loss} + {config.penalty} "
            f"(lambda={config.penalty_weight})\nstep {reached}: {summary}"
        ),
        centres=mixture.centres,
    )


def _title(config):
    penalty = config.penalty
    if penalty != "none":
        penalty += f" (lambda={config.penalty_weight})"
    gamma = f", gamma={config.real_weight}" if config.real_weight != 1 else ""
    if config.conditional:
        gamma += f", conditional ({config.conditioning})"
    return (
        f"{config.dataset} {config.network_name}: {config.loss} + "
        f"{penalty}{gamma}"
    )


def _image_final(config, callback, fake, reached, diverged, last, workdir):
    """Final image metrics (reused from the callback if it has just
    evaluated this step) and ``samples.png``."""
    if diverged:
        final = {"step": reached, "diverged": True}
    elif last.get("step") == reached and not last.get("diverged"):
        final = last
    else:
        final = {"step": reached, **callback.evaluator(fake)}
    metrics_only = {k: v for k, v in final.items() if k != "step"}
    summary = (
        "diverged (NaN)"
        if diverged
        else ", ".join(
            f"{k} {v:.4g}"
            for k, v in metrics_only.items()
            if k not in ("num_modes", "inception_score_std")
        )
    )
    path = os.path.join(workdir, "samples.png")
    title = f"{_title(config)}\nstep {reached}: {summary}"
    fake = np.nan_to_num(fake[: callback.grid_size])
    if config.is_clip:  # samples.png (a frames strip) and samples.gif
        clip_plots.write_clip_figures(
            fake, path, title=title, real=callback.real,
            clips=callback.grid_size,
        )
        return final
    plots.plot_image_grid(
        fake,
        path,
        title=title,
        real=callback.real,
        split_channels=callback.split_channels,
    )
    return final
