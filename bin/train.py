"""keras-gans-train: train a GAN on a toy Gaussian mixture or on images.

With no flags it trains the stabilised default on the ring on CPU in about a
minute and writes samples.png, metrics.json, TensorBoard logs, a checkpoint
and the exported generator to --workdir (see keras_gans.train_lib). Running
the same command again on the same workdir resumes an interrupted run.

--dataset=digits|stacked_digits|mnist|cifar10|celeb_a trains a DCGAN (or
--network=mlp) on images, with the image defaults of
keras_gans.config.DATASET_DEFAULTS for every flag not given (latent 100,
batch 64, Adam 2e-4 as in the paper's Table II, ...), and writes sample
grids (samples.png, grids/) and image metrics (image_metrics.json). The
tfds sets need their data under --data_dir (or --download_data).
"""

import os

# Before TensorFlow loads: keep its C++ start-up chatter out of the way.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging

from keras_gans import losses, penalties
from keras_gans.config import (
    DATASET_DEFAULTS,
    DATASETS,
    LR_SCHEDULES,
    NETWORKS,
    OPTIMIZERS,
    PRECISIONS,
    STRATEGIES,
    OptimizerConfig,
    TrainConfig,
)

_DEFAULT = TrainConfig()
_D_OPT = _DEFAULT.d_optimizer

FLAGS = flags.FLAGS

flags.DEFINE_enum(
    "dataset",
    _DEFAULT.dataset,
    list(DATASETS),
    "Toy mixture or image data set (images: DATASET_DEFAULTS apply to the "
    "flags not given).",
)
flags.DEFINE_enum(
    "network",
    _DEFAULT.network,
    list(NETWORKS),
    "auto: MLP for toy data, DCGAN for images; mlp on images: the paper's "
    "Table IV MLP with --hidden_units.",
)
flags.DEFINE_integer(
    "base_filters",
    _DEFAULT.base_filters,
    "DCGAN filters at D's first layer (doubling; G mirrored).",
    lower_bound=1,
)
flags.DEFINE_string(
    "data_dir",
    _DEFAULT.data_dir,
    "tensorflow-datasets data directory (mnist, cifar10, celeb_a); empty: "
    "tfds' default.",
)
flags.DEFINE_bool(
    "download_data",
    _DEFAULT.download_data,
    "Let tfds download missing data (needs network); off: a missing data "
    "set is an error at once.",
)
flags.DEFINE_string(
    "classifier_path",
    _DEFAULT.classifier_path,
    "Digits classifier (.keras) for the digits metrics; empty: the "
    "shipped one.",
)
flags.DEFINE_string(
    "inception_weights",
    _DEFAULT.inception_weights,
    "InceptionV3 weights for IS/FID on tfds images: 'imagenet' (Keras' "
    "cached file) or a path to the .h5; empty: no Inception metrics.",
)
flags.DEFINE_enum("loss", _DEFAULT.loss, losses.names(), "Adversarial loss.")
flags.DEFINE_enum(
    "penalty", _DEFAULT.penalty, penalties.names(), "Gradient penalty on D."
)
flags.DEFINE_float(
    "penalty_weight",
    _DEFAULT.penalty_weight,
    "Penalty weight lambda.",
    lower_bound=0.0,
)
flags.DEFINE_enum(
    "penalty_output",
    _DEFAULT.penalty_output,
    ["logit", "sigmoid"],
    "What the penalty differentiates: D's logit or sigmoid(logit).",
)
flags.DEFINE_float(
    "lipschitz_k",
    _DEFAULT.lipschitz_k,
    "Target K of --penalty=lipschitz.",
    lower_bound=1e-12,
)
flags.DEFINE_float(
    "real_weight",
    _DEFAULT.real_weight,
    "Imbalanced real-loss weight gamma (paper eq. 6).",
    lower_bound=1e-12,
)
flags.DEFINE_float(
    "ema_decay",
    _DEFAULT.ema_decay,
    "Generator EMA decay for sampling and export (0: off).",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_integer(
    "replay_size",
    _DEFAULT.replay_size,
    "Old-fake buffer size (0: off).",
    lower_bound=0,
)
flags.DEFINE_float(
    "replay_fraction",
    _DEFAULT.replay_fraction,
    "Fraction of each D step's fakes drawn from the buffer.",
    lower_bound=0.0,
    upper_bound=1.0,
)
flags.DEFINE_integer(
    "unroll_steps",
    _DEFAULT.unroll_steps,
    "Unrolled GAN: D look-ahead steps for G's loss (0: off).",
    lower_bound=0,
)
flags.DEFINE_bool(
    "unroll_first_order",
    _DEFAULT.unroll_first_order,
    "Unrolled GAN without second-order terms.",
)
flags.DEFINE_enum(
    "unroll_update",
    _DEFAULT.unroll_update,
    ["optimizer", "gradient"],
    "Unrolled GAN look-ahead: D's own optimizer's rule (SGD, Adam, AdamW; "
    "Metz et al.) or plain gradient steps at D's learning rate.",
)
flags.DEFINE_float(
    "ewc_weight",
    _DEFAULT.ewc_weight,
    "Online EWC weight on D (0: off).",
    lower_bound=0.0,
)
flags.DEFINE_integer(
    "ewc_every",
    _DEFAULT.ewc_every,
    "GAN iterations per EWC task (a Fisher estimate and anchor at the end "
    "of each).",
    lower_bound=1,
)
flags.DEFINE_float(
    "ewc_alpha",
    _DEFAULT.ewc_alpha,
    "Weight of a new Fisher estimate.",
    lower_bound=1e-12,
    upper_bound=1.0,
)
flags.DEFINE_integer(
    "ewc_num_batches",
    _DEFAULT.ewc_num_batches,
    "Least number of chunks the Fisher estimate's batch is split into "
    "(memory only; the estimate is the same).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "n_critic", _DEFAULT.n_critic, "D updates per G update.", lower_bound=1
)
for player in ("d", "g"):
    flags.DEFINE_enum(
        f"{player}_optimizer",
        _D_OPT.name,
        list(OPTIMIZERS),
        f"{player.upper()} optimizer.",
    )
    flags.DEFINE_float(
        f"{player}_lr",
        _D_OPT.learning_rate,
        f"{player.upper()} learning rate.",
        lower_bound=1e-12,
    )
flags.DEFINE_float(
    "beta1",
    _D_OPT.beta1,
    "Adam beta1 (both players).",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_float(
    "beta2",
    _D_OPT.beta2,
    "Adam beta2 (both players).",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_float(
    "momentum",
    _D_OPT.momentum,
    "SGD momentum for --*_optimizer=momentum.",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_enum(
    "lr_schedule",
    _DEFAULT.lr_schedule,
    list(LR_SCHEDULES),
    "Learning-rate decay over the run (to 1%).",
)
flags.DEFINE_integer(
    "batch_size", _DEFAULT.batch_size, "Real samples per D step.", lower_bound=1
)
flags.DEFINE_integer("steps", _DEFAULT.steps, "Generator steps.", lower_bound=1)
flags.DEFINE_integer(
    "seed", _DEFAULT.seed, "Seed of weights, data and noise.", lower_bound=0
)
flags.DEFINE_list(
    "hidden_units",
    [str(u) for u in _DEFAULT.hidden_units],
    "Hidden layer widths of both MLPs.",
)
flags.DEFINE_integer(
    "latent_dim", _DEFAULT.latent_dim, "Latent size.", lower_bound=1
)
flags.DEFINE_bool(
    "jit_compile",
    _DEFAULT.jit_compile,
    "Compile the train step with XLA; unset: chosen per workload "
    "(train_lib.auto_jit_compile).",
)
flags.DEFINE_integer(
    "steps_per_execution",
    _DEFAULT.steps_per_execution,
    "Train steps per tf.function call (with --jit_compile, one XLA program).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "penalty_every",
    _DEFAULT.penalty_every,
    "Lazy regularisation: penalty every k-th D step, with weight k*lambda.",
    lower_bound=1,
)
flags.DEFINE_enum(
    "mixed_precision",
    _DEFAULT.mixed_precision,
    PRECISIONS,
    "Keras dtype policy (mixed_float16 adds dynamic loss scaling).",
)
flags.DEFINE_enum(
    "strategy",
    _DEFAULT.strategy,
    STRATEGIES,
    "tf.distribute strategy; multi_worker reads TF_CONFIG. XLA is not "
    "supported over several CPU replicas: pass --nojit_compile there.",
)
flags.DEFINE_integer(
    "log_every",
    _DEFAULT.log_every,
    "Steps per Keras epoch (logs, checkpoint).",
    lower_bound=1,
)
flags.DEFINE_integer(
    "eval_samples",
    _DEFAULT.eval_samples,
    "Samples per mode-coverage evaluation.",
    lower_bound=1,
)
flags.DEFINE_integer(
    "eval_every",
    _DEFAULT.eval_every,
    "Steps between mode-coverage evaluations.",
    lower_bound=1,
)
# -- Issue 16: collapse watchdog and best checkpoint.
flags.DEFINE_bool(
    "watchdog",
    _DEFAULT.watchdog,
    "Collapse watchdog: on a collapsed check (toy: modes; digits: mode "
    "histogram) roll back to the last good state, scale both learning "
    "rates by --watchdog_lr_factor, move the noise on; events in "
    "watchdog_events.json.",
)
flags.DEFINE_float(
    "watchdog_lr_factor",
    _DEFAULT.watchdog_lr_factor,
    "Learning-rate factor per watchdog retry.",
    lower_bound=1e-12,
    upper_bound=1.0,
)
flags.DEFINE_integer(
    "watchdog_max_retries",
    _DEFAULT.watchdog_max_retries,
    "Watchdog rollbacks allowed.",
    lower_bound=0,
)
flags.DEFINE_string(
    "keep_best",
    _DEFAULT.keep_best,
    "Keep the training state and export of the best evaluation of this "
    "score (e.g. kid, frechet_distance, modes) in <workdir>/best/.",
)
flags.DEFINE_integer(
    "early_stopping_patience",
    _DEFAULT.early_stopping_patience,
    "Stop after this many evaluations without improvement of --keep_best "
    "(0: never).",
    lower_bound=0,
)
flags.DEFINE_string(
    "inception_graph",
    _DEFAULT.inception_graph,
    "The reference Inception graph (classify_image_graph_def.pb from "
    "inception-2015-12-05.tgz) for IS/FID/KID on tfds images; preferred "
    "to --inception_weights.",
)
flags.DEFINE_string(
    "reference_cache",
    _DEFAULT.reference_cache,
    "Directory caching the real data's evaluation features (npz keyed by "
    "data set, split, extractor, resize); empty: no cache.",
)
# -- end issue 16.
flags.DEFINE_string(
    "experiment", None, "Run name; default <dataset>_<loss>_<penalty>."
)
flags.DEFINE_string(
    "workdir", None, "Output directory; default runs/<experiment>."
)
flags.DEFINE_string(
    "export_dir",
    None,
    "Generator SavedModel; default saved_models/<experiment>.",
)


def apply_dataset_defaults():
    """Sets the image data set's ``DATASET_DEFAULTS`` on every flag that was
    not given on the command line."""
    for name, value in DATASET_DEFAULTS[FLAGS.dataset].items():
        if not FLAGS[name].present:
            FLAGS[name].value = value


def config_from_flags() -> TrainConfig:
    """Builds the typed config; a bad combination is a usage error."""
    apply_dataset_defaults()

    def optimizer(player):
        return OptimizerConfig(
            name=FLAGS[f"{player}_optimizer"].value,
            learning_rate=FLAGS[f"{player}_lr"].value,
            beta1=FLAGS.beta1,
            beta2=FLAGS.beta2,
            momentum=FLAGS.momentum,
        )

    try:
        hidden_units = tuple(int(u) for u in FLAGS.hidden_units)
    except ValueError:
        raise app.UsageError(
            f"--hidden_units must be integers, got {FLAGS.hidden_units}."
        )
    config = TrainConfig(
        dataset=FLAGS.dataset,
        network=FLAGS.network,
        base_filters=FLAGS.base_filters,
        data_dir=FLAGS.data_dir,
        download_data=FLAGS.download_data,
        classifier_path=FLAGS.classifier_path,
        inception_weights=FLAGS.inception_weights,
        hidden_units=hidden_units,
        loss=FLAGS.loss,
        penalty=FLAGS.penalty,
        penalty_weight=FLAGS.penalty_weight,
        penalty_output=FLAGS.penalty_output,
        lipschitz_k=FLAGS.lipschitz_k,
        real_weight=FLAGS.real_weight,
        n_critic=FLAGS.n_critic,
        ema_decay=FLAGS.ema_decay,
        replay_size=FLAGS.replay_size,
        replay_fraction=FLAGS.replay_fraction,
        unroll_steps=FLAGS.unroll_steps,
        unroll_first_order=FLAGS.unroll_first_order,
        unroll_update=FLAGS.unroll_update,
        ewc_weight=FLAGS.ewc_weight,
        ewc_every=FLAGS.ewc_every,
        ewc_alpha=FLAGS.ewc_alpha,
        ewc_num_batches=FLAGS.ewc_num_batches,
        d_optimizer=optimizer("d"),
        g_optimizer=optimizer("g"),
        lr_schedule=FLAGS.lr_schedule,
        batch_size=FLAGS.batch_size,
        steps=FLAGS.steps,
        seed=FLAGS.seed,
        latent_dim=FLAGS.latent_dim,
        jit_compile=FLAGS.jit_compile,
        steps_per_execution=FLAGS.steps_per_execution,
        penalty_every=FLAGS.penalty_every,
        mixed_precision=FLAGS.mixed_precision,
        strategy=FLAGS.strategy,
        log_every=FLAGS.log_every,
        eval_every=FLAGS.eval_every,
        eval_samples=FLAGS.eval_samples,
        # Issue 16.
        watchdog=FLAGS.watchdog,
        watchdog_lr_factor=FLAGS.watchdog_lr_factor,
        watchdog_max_retries=FLAGS.watchdog_max_retries,
        keep_best=FLAGS.keep_best,
        early_stopping_patience=FLAGS.early_stopping_patience,
        inception_graph=FLAGS.inception_graph,
        reference_cache=FLAGS.reference_cache,
    )
    try:
        return config.validate()
    except ValueError as e:
        raise app.UsageError(str(e))


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    config = config_from_flags()
    logging.set_verbosity(logging.WARNING)  # TF's SavedModel INFO lines
    experiment = (
        FLAGS.experiment or f"{config.dataset}_{config.loss}_{config.penalty}"
    )
    workdir = FLAGS.workdir or f"runs/{experiment}"
    export_dir = FLAGS.export_dir or f"saved_models/{experiment}"
    from keras_gans import data, inception, train_lib  # heavy: TensorFlow
    from keras_gans.callbacks import best

    try:
        result = train_lib.run(config, workdir, export_dir=export_dir)
    except (
        data.DataNotAvailableError,
        FileNotFoundError,
        inception.GraphError,  # issue 16
        best.NotOwnedError,  # issue 16
    ) as e:
        raise app.UsageError(str(e))
    final = result["final"]
    if final.get("diverged"):
        print(
            f"{experiment}: training diverged (NaN) at step {final['step']}; "
            f"outputs in {workdir}."
        )
        return
    if config.is_image:
        scores = ", ".join(
            f"{k} {v:.4g}"
            for k, v in final.items()
            if k not in ("step", "num_modes", "inception_score_std")
        )
        print(
            f"{experiment}: {scores or 'no metrics'} at step "
            f"{final['step']} ({result['wall_time_s']:.0f} s). Outputs "
            f"(samples.png, grids/) in {workdir}, generator in {export_dir}."
        )
        return
    print(
        f"{experiment}: {final['modes']}/{final['num_modes']} modes, "
        f"high quality {100 * final['high_quality']:.1f}%, reverse KL "
        f"{final['reverse_kl']:.4f} at step {final['step']} "
        f"({result['wall_time_s']:.0f} s). Outputs in {workdir}, generator "
        f"in {export_dir}."
    )


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
