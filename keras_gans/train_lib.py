"""``run(config, workdir)``: train a GAN on a toy mixture or on images,
resumable.

What every training binary calls. The workdir receives:

- ``checkpoints/``: the full training state every ``log_every`` steps;
  running again on the same workdir resumes from the latest one (models,
  both optimizers, step counter; data and noise are functions of the seed
  and the step, so their streams resume exactly);
- ``tensorboard/``: Keras logs and the mode-coverage scalars;
- ``mode_coverage.json``: the evaluation history;
- ``metrics.json``: final mode coverage, losses, config and wall time;
- ``samples.png``: real and generated points;
- ``saved_model/``: the exported generator (also copied to ``export_dir``);
- with ``watchdog``: ``watchdog/`` (the last good snapshot) and
  ``watchdog_events.json``; with ``keep_best``: ``best/`` (state, export
  and ``best.json`` of the best evaluation; ``keras_gans.run_callbacks``).

On image data sets (``config.is_image``) the mode-coverage evaluation is
replaced by ``callbacks.ImageMetricsCallback`` (digits and stacked digits:
the digits classifier's score, modes, KL and Frechet distance; tfds sets:
Inception Score and FID when ``inception_weights`` is set, else sample
grids only): ``image_metrics.json`` holds its history, ``grids/`` a sample
grid per evaluation, and ``samples.png`` is the final grid beside real
images.
"""

import contextlib
import json
import os
import shutil
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf

from keras_gans import callbacks as gan_callbacks
from keras_gans import (
    data,
    distribute,
    export,
    json_io,
    metrics,
    networks,
    penalties,
    plots,
    run_callbacks,
)
from keras_gans.config import TrainConfig
from keras_gans.gan import GAN

__all__ = [
    "auto_jit_compile",
    "build_gan",
    "dtype_policy",
    "make_strategy",
    "run",
]

_EVAL_SEED_OFFSET = 1_000_003


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


def auto_jit_compile(discriminator) -> bool:
    """Whether XLA pays for this workload: on a GPU always; on CPU for
    discriminators made of Dense layers only (convolutions stay with
    oneDNN, unmeasured under XLA here).

    Measured on this project's 2-core CPU (benchmarks/RESULTS.md): the fused
    XLA loop beats Keras' loop without XLA for the ring MLPs at batch 64
    (2.4-2.9x) and the paper's 784-D MLP (1.3-1.4x), and in 12 of 14 dense
    rows; the exceptions are 0GP at batch 256-512 (0.86-0.95x).
    """
    if tf.config.list_logical_devices("GPU"):
        return True
    return all(
        isinstance(layer, keras.layers.Dense)
        for layer in discriminator.layers
        if layer.weights
    )


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
        gan = GAN(generator, discriminator, config.latent_dim, seed=config.seed)
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
            loss=config.loss,
            penalty=penalties.get(config.penalty, **config.penalty_options()),
            penalty_weight=config.penalty_weight,
            penalty_output=config.penalty_output,
            real_weight=config.real_weight,
            n_critic=config.n_critic,
            jit_compile=(
                auto_jit_compile(discriminator)
                if config.jit_compile is None
                else config.jit_compile
            ),
            steps_per_execution=config.steps_per_execution,
            ema_decay=config.ema_decay or None,
            unroll_steps=config.unroll_steps,
            unroll_first_order=config.unroll_first_order,
            unroll_update=config.unroll_update,
            penalty_every=config.penalty_every,
        )
    return gan


def _networks(config):
    if not config.is_image:
        return (
            networks.mlp_generator(config.latent_dim, 2, config.hidden_units),
            networks.mlp_discriminator(2, config.hidden_units),
        )
    shape = data.image_shape(config.dataset)
    if config.network_name == "dcgan":
        return networks.dcgan(
            config.latent_dim, shape, config.base_filters, seed=config.seed
        )
    return (
        networks.mlp_generator(
            config.latent_dim,
            shape,
            config.hidden_units,
            output_activation="tanh",
        ),
        networks.mlp_discriminator(shape, config.hidden_units),
    )


def image_evaluator(config: TrainConfig):
    """The ``images -> dict`` metrics of ``config``'s image data set.

    Digits and stacked digits: ``metrics.DigitsEvaluator`` (the classifier
    at ``classifier_path``, the shipped one by default). tfds sets:
    ``metrics.InceptionEvaluator`` against the ``test`` split's first
    ``eval_samples`` images if ``inception_graph`` (the reference graph) or
    ``inception_weights`` (Keras' InceptionV3) is set, else an evaluator
    that returns no metrics. Reference features are cached under
    ``reference_cache`` when it is set.
    """
    cache = config.reference_cache or None  # issue 16
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

    return metrics.InceptionEvaluator(
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
    """``n`` held-out real images of ``config``'s image data set."""
    if config.dataset == "digits":
        return data.digits("test")[0][:n]
    if config.dataset == "stacked_digits":
        return data.stacked_digits_sample(n, config.seed)[0]
    ds = data.tfds_images(
        config.dataset, "test", config.data_dir or None, config.download_data
    )
    return np.stack(list(ds.take(n).as_numpy_iterator()))


def _training_data(config, step):
    batch = config.batch_size * config.n_critic
    if config.is_image:
        return data.image_dataset(
            config.dataset,
            batch,
            config.seed,
            start_step=step,
            data_dir=config.data_dir or None,
            download=config.download_data,
        )
    return data.toy_dataset(config.dataset, batch, config.seed, start_step=step)


def _check_export_dir(export_dir):
    """Only an earlier export (or an empty directory) may be replaced."""
    if os.path.exists(export_dir) and os.listdir(export_dir):
        if not os.path.exists(os.path.join(export_dir, "saved_model.pb")):
            raise ValueError(
                f"export_dir {export_dir} exists and is not a SavedModel; "
                "refusing to replace it."
            )


def _replace_export(saved, export_dir):
    _check_export_dir(export_dir)
    if os.path.exists(export_dir):
        shutil.rmtree(export_dir)
    shutil.copytree(saved, export_dir)


def _state_callbacks(config: TrainConfig, gan: GAN):
    """The replay and EWC callbacks of ``config``, with their checkpointed
    state (created now, so that a restore finds it)."""
    state_callbacks, trackables = [], {}
    if config.replay_size and config.replay_fraction:
        replay = gan_callbacks.ReplayBuffer(
            config.replay_size, config.replay_fraction
        )
        replay.set_model(gan)  # creates the buffer before any restore
        state_callbacks.append(replay)
        trackables["replay"] = replay.state
    if config.ewc_weight:
        ewc = gan_callbacks.OnlineEWC(
            config.ewc_weight,
            config.ewc_every,
            config.ewc_alpha,
            config.ewc_num_batches,
        )
        ewc.set_model(gan)  # creates the Fisher and anchors before a restore
        state_callbacks.append(ewc)
        trackables["ewc"] = ewc.state
    return state_callbacks, trackables


def run(
    config: TrainConfig,
    workdir,
    export_dir=None,
    verbose="auto",
    extra_callbacks=(),
):
    """Trains (or resumes) ``config`` in ``workdir`` and writes its outputs.

    Args:
        config: the experiment.
        workdir: output and checkpoint directory (created if needed).
        export_dir: where the generator SavedModel is also copied; None to
            keep only ``workdir/saved_model``.
        verbose: Keras ``fit`` verbosity (progress bar by default).
        extra_callbacks: more Keras callbacks.

    Returns:
        The dict written to ``metrics.json``.
    """
    config.validate()
    strategy = make_strategy(config.strategy)
    checkpoint_dir = os.path.join(os.fspath(workdir), "checkpoints")
    if not distribute.is_chief(strategy):
        # Other workers train in step with the chief but write nothing
        # shared: their outputs go to a scratch directory.
        workdir = tempfile.mkdtemp(prefix="keras_gans_worker_")
        export_dir = None
    if export_dir:
        _check_export_dir(os.fspath(export_dir))
    workdir = os.fspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    config_path = os.path.join(workdir, "config.json")
    if os.path.exists(config_path):
        with open(config_path) as f:
            previous = TrainConfig.from_dict(json.load(f))
        if previous != config:
            changed = sorted(
                k
                for k, v in config.to_dict().items()
                if previous.to_dict()[k] != v
            )
            raise ValueError(
                f"{workdir} holds a run with a different config (fields "
                f"{changed} differ); use a new workdir to change them."
            )
    json_io.write_json(config_path, config.to_dict(), indent=2)

    if config.is_image:
        # Missing tfds data or Inception weights: an error before training.
        _training_data(config, 0)
        evaluator = image_evaluator(config)
        real = real_images(config)
    else:
        mixture = data.mixture(config.dataset)
    with strategy.scope():
        gan = build_gan(config)
        state_callbacks, trackables = _state_callbacks(config, gan)
    # Issue 16: watchdog and best keeper (their state rides the checkpoint).
    watchdog = run_callbacks.watchdog(
        config,
        gan,
        workdir,
        trackables,
        evaluator if config.is_image else None,
        config.seed + _EVAL_SEED_OFFSET,
    )
    if watchdog:
        trackables = {**trackables, "watchdog": watchdog.state}
    keeper = run_callbacks.best_keeper(config, gan, workdir, trackables)
    checkpoint = gan_callbacks.Checkpoint(gan, checkpoint_dir, **trackables)
    step = checkpoint.restore()
    if step and verbose:
        print(f"Resuming {workdir} from step {step}.")
    tb_dir = os.path.join(workdir, "tensorboard")
    evaluation = dict(
        every=config.eval_every,
        num_samples=config.eval_samples,
        seed=config.seed + _EVAL_SEED_OFFSET,
        log_dir=os.path.join(tb_dir, "eval"),
    )
    if config.is_image:
        coverage = gan_callbacks.ImageMetricsCallback(
            evaluator,
            json_path=os.path.join(workdir, "image_metrics.json"),
            grid_dir=os.path.join(workdir, "grids"),
            real=real,
            title=_title(config),
            split_channels=config.dataset == "stacked_digits",
            **evaluation,
        )
    else:
        coverage = gan_callbacks.ModeCoverageCallback(
            mixture,
            json_path=os.path.join(workdir, "mode_coverage.json"),
            **evaluation,
        )
    dataset = _training_data(config, step)
    start = time.time()
    history = {}
    if step < config.steps:
        history = gan.fit(
            dataset,
            initial_epoch=step // config.log_every,
            epochs=config.steps // config.log_every,
            steps_per_epoch=config.log_every,
            verbose=verbose,
            callbacks=[
                coverage,
                *([keeper] if keeper else []),
                *state_callbacks,
                keras.callbacks.TensorBoard(tb_dir),
                # The watchdog rolls a NaN run back instead.
                watchdog or keras.callbacks.TerminateOnNaN(),
                checkpoint,
                *extra_callbacks,
            ],
        ).history
    wall = time.time() - start

    reached = int(gan.g_optimizer.iterations.numpy())
    fake = gan.generate(config.eval_samples, seed=coverage.seed)
    diverged = not np.all(np.isfinite(fake))
    last = coverage.history[-1] if coverage.history else {}
    if config.is_image:
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
    if not config.is_image:
        _toy_plot(config, mixture, fake, final, diverged, reached, workdir)
    saved = export.export_generator(
        gan.sampling_generator,
        config.latent_dim,
        os.path.join(workdir, "saved_model"),
    )
    if export_dir:
        _replace_export(saved, os.fspath(export_dir))
    result = {
        "final": final,
        "losses": {
            k: float(v[-1])
            for k, v in history.items()
            if k in ("d_loss", "g_loss", "penalty", "d_real", "d_fake")
        },
        "history": coverage.history,
        "best": keeper.best if keeper else None,
        "watchdog_events": watchdog.events if watchdog else [],
        "wall_time_s": wall,
        "steps_trained_this_run": reached - step,
        "config": config.to_dict(),
    }
    json_io.write_json(os.path.join(workdir, "metrics.json"), result, indent=2)
    return result


def _toy_plot(config, mixture, fake, final, diverged, reached, workdir):
    real = data.sample_mixture(
        mixture, config.eval_samples, tf.constant([config.seed, 7], tf.int64)
    ).numpy()
    summary = (
        "diverged (NaN)"
        if diverged
        else f"{final['modes']}/{final['num_modes']} modes, "
        f"HQ {100 * final['high_quality']:.1f}%"
    )
    plots.plot_samples(
        real,
        np.nan_to_num(fake) if diverged else fake,
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
    plots.plot_image_grid(
        np.nan_to_num(fake[: callback.grid_size]),
        os.path.join(workdir, "samples.png"),
        title=f"{_title(config)}\nstep {reached}: {summary}",
        real=callback.real,
        split_channels=callback.split_channels,
    )
    return final
