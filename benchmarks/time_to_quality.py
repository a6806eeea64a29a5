"""Time to quality: training seconds until the default experiment is good.

The default experiment is ``keras_gans.config.TrainConfig()`` (what
``keras-gans-train`` runs with no flags: the ring of 8 Gaussians, 3 x 128
MLPs, batch 256, 0GP, Adam with linear decay over ``config.steps``,
generator EMA). Every ``--eval_every`` steps the EMA generator draws
``--eval_samples`` points from one fixed latent batch (the same for every
evaluation and both rows of a seed) and ``keras_gans.metrics.mode_coverage``
scores them. The target is 8/8 modes with high quality >= ``--hq`` held at
the next ``--hold`` evaluations too; the reported time and step are those
of the first of them.

Rows:

- ``ours``: ``train_lib.build_gan(config)``, the GAN exactly as the main
  job builds and compiles it (``jit_compile`` by ``train_lib``'s rule,
  ``config.steps_per_execution`` steps per call);
- ``naive``: the keras-io style step of ``benchmarks/throughput.py``
  (``throughput.NaiveGAN``, imported, not copied) with the same algorithm:
  the same networks and initial weights, loss, penalty and weight, the
  config's optimizers and schedule, the same batch and data stream, and the
  same generator EMA (decay ``min(ema_decay, (1 + t) / (10 + t))``) added
  after its G step; a plain ``tf.function`` (``jit_compile=False``), one
  step per call.

Seconds are wall seconds of ``fit`` from its call to each evaluation,
minus the evaluations' own time: tracing and XLA compilation, which every
run pays, are counted; evaluation is not. A run that has not held the
target by ``--max_steps`` (default ``config.steps``) is "not reached";
means and standard errors are over the seeds that reached it, and the
table says how many did.

  python benchmarks/time_to_quality.py                 # 3 seeds, both rows
  python benchmarks/time_to_quality.py --seeds=100,101 --rows=ours \
      --set=steps=10000                                 # a tuning point
"""

import dataclasses
import math
import os
import sys
import time
from typing import List, Optional

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from keras_gans import cli, data, json_io, metrics  # noqa: E402
from keras_gans import networks, train_lib  # noqa: E402
from keras_gans.config import TrainConfig  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_stats  # noqa: E402
import throughput  # noqa: E402  (the naive peer step)

FLAGS = flags.FLAGS
flags.DEFINE_list(
    "seeds", ["0", "1", "2"], "Seeds per row (config.seed); tune on seeds "
    "disjoint from those you report."
)
flags.DEFINE_list(
    "set", [], "TrainConfig overrides, each key=value, nested fields dotted "
    "(e.g. steps=10000,d_optimizer.learning_rate=0.002): the experiment "
    "measured instead of the default."
)
flags.DEFINE_list("rows", ["ours", "naive"], "Rows to measure.")
flags.DEFINE_integer(
    "max_steps", None, "Step cap per run (default: config.steps).",
    lower_bound=1,
)
flags.DEFINE_integer("eval_every", 250, "Steps between evaluations.")
flags.DEFINE_integer("eval_samples", 2500, "Samples per evaluation.")
flags.DEFINE_float("hq", 0.97, "High-quality fraction to reach.")
flags.DEFINE_integer(
    "hold", 2, "Further evaluations that must also meet the target."
)
flags.DEFINE_string(
    "results_json",
    os.path.join(os.path.dirname(__file__), "time_to_quality_results.json"),
    "Where the runs and the table are written.",
)

ROWS = ("ours", "naive")


class NaiveEMAGAN(throughput.NaiveGAN):
    """``throughput.NaiveGAN`` plus the generator EMA the default experiment
    samples from, written as a user would: a cloned shadow generator
    averaged after each G step, with the same warm-up as ``GAN``."""

    def __init__(self, *args, ema_decay: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.ema_decay = ema_decay
        self.ema_generator = keras.models.clone_model(self.generator)
        self.ema_generator.set_weights(self.generator.get_weights())
        self.ema_generator.trainable = False

    def train_step(self, real):
        logs = super().train_step(real)
        t = tf.cast(self.g_optimizer.iterations, tf.float32)
        decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
        for shadow, weight in zip(
            self.ema_generator.weights, self.generator.weights, strict=True
        ):
            shadow.assign(decay * shadow + (1.0 - decay) * weight)
        return logs


def _check_naive_supports(config: TrainConfig):
    """The naive step implements the default experiment's algorithm only."""
    expected = dict(
        dataset="ring", loss="non_saturating", penalty="zero_gp",
        penalty_output="logit", penalty_every=1, real_weight=1.0,
        n_critic=1, unroll_steps=0, replay_size=0, ewc_weight=0.0,
        mixed_precision="float32", strategy="default",
    )
    for key, value in expected.items():
        if getattr(config, key) != value:
            raise app.UsageError(
                f"The naive row implements the default experiment; config."
                f"{key} is {getattr(config, key)!r}, not {value!r}."
            )
    if not config.ema_decay:
        raise app.UsageError("The default experiment has an EMA generator.")


def build_ours(config: TrainConfig):
    """The default experiment's GAN and its EMA generator."""
    gan = train_lib.build_gan(config)
    return gan, gan.sampling_generator


def build_naive(config: TrainConfig):
    """The naive peer with the same networks, initial weights, optimizers."""
    _check_naive_supports(config)
    keras.utils.set_random_seed(config.seed)  # as train_lib.build_gan
    generator = networks.mlp_generator(
        config.latent_dim, 2, config.hidden_units
    )
    discriminator = networks.mlp_discriminator(2, config.hidden_units)
    model = NaiveEMAGAN(
        generator,
        discriminator,
        config.latent_dim,
        config.loss,
        config.penalty,
        config.penalty_weight,
        ema_decay=config.ema_decay,
    )
    model.compile(
        config.d_optimizer.build(config.lr_schedule, config.steps),
        config.g_optimizer.build(config.lr_schedule, config.steps),
        jit_compile=False,
    )
    return model, model.ema_generator


class _Evaluate(keras.callbacks.Callback):
    """Evaluates at each epoch end (one epoch = ``eval_every`` steps) and
    stops once the target has held ``hold`` more times. Evaluation time is
    subtracted from the training seconds."""

    def __init__(self, sampler, z, mixture, hq, hold, eval_every):
        super().__init__()
        self.sampler, self.z, self.mixture = sampler, z, mixture
        self.hq, self.hold, self.eval_every = hq, hold, eval_every
        self.start = None
        self.eval_seconds = 0.0
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        train_s = time.perf_counter() - self.start - self.eval_seconds
        t0 = time.perf_counter()
        fake = keras.ops.convert_to_numpy(self.sampler(self.z, training=False))
        try:
            cov = metrics.mode_coverage(fake, self.mixture)
            modes, hq = cov.modes, cov.high_quality
        except ValueError:  # NaN samples: a diverged run
            modes, hq = 0, float("nan")
        good = modes == self.mixture.num_modes and hq >= self.hq
        self.history.append(
            dict(
                step=(epoch + 1) * self.eval_every,
                train_seconds=train_s,
                modes=modes,
                high_quality=hq,
                good=bool(good),
            )
        )
        if self.reached() is not None:
            self.model.stop_training = True
        self.eval_seconds += time.perf_counter() - t0

    def reached(self) -> Optional[dict]:
        """The first evaluation that met the target and held it."""
        n = self.hold + 1
        for i in range(len(self.history) - n + 1):
            if all(h["good"] for h in self.history[i : i + n]):
                return self.history[i]
        return None


def experiment(seed: int = 0) -> TrainConfig:
    """The default experiment with the ``--set`` overrides, at ``seed``."""
    config = TrainConfig(seed=seed)
    for item in FLAGS.set:
        key, sep, value = item.partition("=")
        config = _replace(config, key.split("."), value, item) if sep else None
        if config is None:
            raise app.UsageError(
                f"--set entries are TrainConfig key=value, got {item!r}."
            )
    config.validate()
    return config


def _replace(config, path, value, item):
    """``config`` with the field at ``path`` (e.g. ``["d_optimizer",
    "learning_rate"]``) set to ``value``, parsed as the field's type."""
    name = path[0]
    if not dataclasses.is_dataclass(config) or not hasattr(config, name):
        raise app.UsageError(f"--set: no TrainConfig field for {item!r}.")
    current = getattr(config, name)
    if len(path) > 1:
        new = _replace(current, path[1:], value, item)
    else:
        kind = type(current) if current is not None else str
        new = value.lower() in ("1", "true") if kind is bool else kind(value)
    return dataclasses.replace(config, **{name: new})


def run_one(row: str, seed: int, max_steps: int) -> dict:
    config = experiment(seed)
    mixture = data.mixture(config.dataset)
    model, sampler = (build_ours if row == "ours" else build_naive)(config)
    dataset = data.toy_dataset(
        config.dataset, config.batch_size * config.n_critic, config.seed
    )
    # One fixed latent batch for every evaluation of both rows of a seed.
    z = tf.random.stateless_normal(
        [FLAGS.eval_samples, config.latent_dim],
        tf.constant([seed, 1], tf.int64),
    )
    callback = _Evaluate(
        sampler, z, mixture, FLAGS.hq, FLAGS.hold, FLAGS.eval_every
    )
    callback.start = time.perf_counter()
    model.fit(
        dataset,
        epochs=max_steps // FLAGS.eval_every,
        steps_per_epoch=FLAGS.eval_every,
        callbacks=[callback],
        verbose=0,
    )
    hit = callback.reached()
    first, last = callback.history[0], callback.history[-1]
    later_steps = last["step"] - first["step"]
    later_s = last["train_seconds"] - first["train_seconds"]
    return dict(
        row=row,
        seed=seed,
        reached=hit is not None,
        step=hit["step"] if hit else None,
        seconds=hit["train_seconds"] if hit else None,
        steps_trained=last["step"],
        seconds_trained=last["train_seconds"],
        # Up to the first evaluation: tracing (and XLA compilation) included.
        first_chunk_seconds=first["train_seconds"],
        steps_per_second=later_steps / later_s if later_s > 0 else None,
        jit_compile=bool(getattr(model, "jit_compile", False)),
        steps_per_execution=int(getattr(model, "steps_per_execution", 1)),
        history=callback.history,
    )


def _mean_se(values: List[float]):
    """seed_stats.mean_se, with None (JSON null) for what is not there: the
    mean of no runs, the error of one."""
    if not values:
        return None, None
    mean, se = seed_stats.mean_se(values)
    return mean, None if math.isnan(se) else se


def _fmt(mean, se, digits):
    if mean is None:
        return "not reached"
    if se is None:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {se:.{digits}f}"


def summarise(runs: List[dict], rows) -> List[dict]:
    table = []
    for row in rows:
        mine = [r for r in runs if r["row"] == row]
        hit = [r for r in mine if r["reached"]]
        s_mean, s_se = _mean_se([r["seconds"] for r in hit])
        n_mean, n_se = _mean_se([r["step"] for r in hit])
        f_mean, f_se = _mean_se([r["first_chunk_seconds"] for r in mine])
        r_mean, r_se = _mean_se(
            [r["steps_per_second"] for r in mine if r["steps_per_second"]]
        )
        table.append(
            dict(
                row=row,
                seeds=[r["seed"] for r in mine],
                reached=len(hit),
                runs=len(mine),
                seconds_mean=s_mean,
                seconds_se=s_se,
                steps_mean=n_mean,
                steps_se=n_se,
                first_chunk_mean=f_mean,
                first_chunk_se=f_se,
                steps_per_second_mean=r_mean,
                steps_per_second_se=r_se,
                per_seed=[
                    (r["seed"], r["step"], r["seconds"]) for r in mine
                ],
                setting=(
                    f"{'xla' if mine[0]['jit_compile'] else 'tf'}/"
                    f"{mine[0]['steps_per_execution']}"
                    if mine
                    else None
                ),
            )
        )
    return table


def format_table(table, max_steps) -> str:
    lines = [
        f"{'row':6} {'setting':8} {'reached':>8} {'seconds':>16} "
        f"{'steps':>18} {'first chunk s':>13} {'steps/s':>10}  "
        "per seed (seed: step, s)"
    ]
    for t in table:
        rate = _fmt(t["steps_per_second_mean"], t["steps_per_second_se"], 0)
        per_seed = "; ".join(
            f"{seed}: {step}, {sec:.1f}" if step else f"{seed}: not reached"
            for seed, step, sec in t["per_seed"]
        )
        lines.append(
            f"{t['row']:6} {t['setting'] or '-':8} "
            f"{t['reached']:>3}/{t['runs']:<4} "
            f"{_fmt(t['seconds_mean'], t['seconds_se'], 1):>16} "
            f"{_fmt(t['steps_mean'], t['steps_se'], 0):>18} "
            f"{_fmt(t['first_chunk_mean'], t['first_chunk_se'], 1):>13} "
            f"{rate:>10}"
            f"  {per_seed}"
        )
    lines.append(
        "training seconds (evaluation excluded, tracing included) and steps "
        "to 8/8 modes with HQ >= "
        f"{100 * FLAGS.hq:.0f}% held for {FLAGS.hold} more evaluations "
        f"(every {FLAGS.eval_every} steps, cap {max_steps}); mean ± s.e. "
        "over the seeds that reached it. 'first chunk s': seconds to the "
        f"first evaluation ({FLAGS.eval_every} steps, tracing and XLA "
        "compilation included); 'steps/s': training rate after it."
    )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    bad = [r for r in FLAGS.rows if r not in ROWS]
    if bad:
        raise app.UsageError(f"Unknown rows {bad}; valid: {ROWS}.")
    seeds = [int(s) for s in FLAGS.seeds]
    max_steps = FLAGS.max_steps or experiment().steps
    if max_steps % FLAGS.eval_every:
        raise app.UsageError("--max_steps must be a multiple of --eval_every.")
    print(throughput.machine(), flush=True)
    load_before = os.getloadavg()
    runs = []
    for seed in seeds:
        for row in FLAGS.rows:
            r = run_one(row, seed, max_steps)
            runs.append(r)
            print(
                f"{row} seed {seed}: "
                + (
                    f"step {r['step']}, {r['seconds']:.1f} s"
                    if r["reached"]
                    else f"not reached in {r['steps_trained']} steps"
                )
                + f" (trained {r['steps_trained']} steps in "
                f"{r['seconds_trained']:.1f} s)",
                flush=True,
            )
    table = summarise(runs, FLAGS.rows)
    print()
    print(format_table(table, max_steps))
    json_io.write_json(
        FLAGS.results_json,
        dict(
            machine=throughput.machine(),
            command=" ".join(sys.argv),
            max_steps=max_steps,
            eval_every=FLAGS.eval_every,
            eval_samples=FLAGS.eval_samples,
            hq=FLAGS.hq,
            hold=FLAGS.hold,
            # The machine is shared: 1-minute load averages around the run.
            load_average_before=load_before[0],
            load_average_after=os.getloadavg()[0],
            config=experiment().to_dict(),
            seeds=seeds,
            table=table,
            runs=runs,
        ),
        indent=1,
    )


if __name__ == "__main__":
    cli.main(main)
