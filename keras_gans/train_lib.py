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

``run`` only orchestrates. The parts live apart: ``assembly`` builds the
strategy, the GAN, the data and the config's state callbacks;
``workdir.Workdir`` owns the files (identity, progress, checkpoints,
export, ``metrics.json``); ``evaluation.runs.for_config`` picks the
evaluation of the data set's kind once; ``run_callbacks`` builds the
watchdog and the best keeper. Their public names are re-exported here.
"""

import time
from typing import Sequence

import keras
import numpy as np

from keras_gans import assembly, distribute, rng, run_callbacks
from keras_gans.assembly import (
    build_gan,
    dtype_policy,
    make_strategy,
    training_data,
)
from keras_gans.config import TrainConfig
from keras_gans.evaluation import runs
from keras_gans.evaluation.runs import image_evaluator, real_images
from keras_gans.workdir import (
    DivergenceGuard,
    Workdir,
    WorkdirConflictError,
    check_export_dir,
    move_aside,
)

__all__ = [
    "WorkdirConflictError",
    "build_gan",
    "check_export_dir",
    "dtype_policy",
    "image_evaluator",
    "make_strategy",
    "move_aside",
    "real_images",
    "run",
    "training_data",
]


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
    chief = distribute.is_chief(strategy)
    # Checks before anything is written: the workdir and its identity, the
    # export target, the data, the evaluation's classifier or weights.
    where = Workdir(workdir, config, export_dir, restart, chief)
    # Built again after build_gan: a tfds pipeline's shuffle seed depends
    # on the global seed that build_gan sets, so this one is a check only.
    training_data(config, 0)
    evaluation = runs.for_config(config)
    where.move_old_run_aside(verbose)
    with strategy.scope():
        gan = build_gan(config)
        state_callbacks = assembly.state_callbacks(config, gan)
    trackables = assembly.trackables(gan, state_callbacks, callbacks)
    eval_seed = rng.stream_int(config.seed, "eval")
    # The watchdog and the best keeper snapshot the whole training state;
    # the watchdog's own state rides the checkpoint.
    watchdog = run_callbacks.watchdog(
        config, gan, where.path, trackables, evaluation.evaluator, eval_seed
    )
    if watchdog:
        trackables = {**trackables, "watchdog": watchdog.state}
    keeper = run_callbacks.best_keeper(config, gan, where.path, trackables)
    guard = DivergenceGuard()
    checkpoint = where.checkpoint(gan, guard, trackables)
    step = where.resume(checkpoint, verbose)
    coverage = evaluation.callback(
        where.path,
        every=config.eval_every,
        num_samples=config.eval_samples,
        seed=eval_seed,
        log_dir=where.join("tensorboard", "eval"),
    )
    progress = where.progress(step, checkpoint, keeper)
    stopped_early = where.stopped_early(step)
    if stopped_early and verbose:
        print(
            f"{where.path} stopped early at step {step} (--keep_best "
            f"{config.keep_best} stopped improving); nothing to train."
        )
    dataset = training_data(config, step)
    start = time.time()
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
                keras.callbacks.TensorBoard(where.tensorboard),
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
    final = evaluation.final(fake, reached, diverged, last)
    evaluation.plot(fake, final, diverged, reached, where.path, coverage)
    if diverged:
        final = {
            **final,
            "step": guard.step or reached,
            "last_good_step": progress.step,
        }
    elif config.conditional:
        final = {
            **final,
            **evaluation.class_scores(gan, coverage.seed, where.path),
        }
    return where.finish(
        gan,
        progress,
        step=step,
        reached=reached,
        wall=wall,
        diverged=diverged,
        final=final,
        history=coverage.history,
        best=keeper.best if keeper else None,
        watchdog_events=watchdog.events if watchdog else [],
    )
