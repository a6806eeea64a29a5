"""Training throughput: keras_gans' step against the step a user would write.

For each workload and penalty, steps per second of:

- ``naive``: the step written the keras-io way (``NaiveGAN`` below: a
  ``train_step`` with nested tapes for the penalty, the default ``compile``,
  so one step per call and no XLA on CPU), fed from a shuffled
  ``tf.data`` pipeline over a pre-drawn array;
- ``tuned``: the same naive model compiled with ``steps_per_execution=50``,
  with or without XLA, whichever is faster in this run;
- ``ours``: ``keras_gans.GAN`` for every (``jit_compile``,
  ``steps_per_execution``) setting measured; ``compile()``, the GAN
  compiled with no speed arguments (what a user gets without knowing
  them); and ``default``, the setting ``keras-gans-train`` picks for that
  workload (``jit_compile="auto"``, 50 steps per execution).

Workloads: ``ring64`` / ``ring512`` (the paper's 2 x 64 MLPs on the ring,
batch 64 / 512, latent 2) and ``mlp784`` (the paper's Table IV MLPs,
3 x 512, latent 50, 784-D data, batch 64). One train step is one D update
and one G update (``n_critic = 1``).

Compute efficiency (``mlp784``): model FLOP/s divided by the FLOP/s of a
large float32 matmul timed in the same run. Model FLOPs count the dense
layers only (``2 * rows * fan_in * fan_out`` per forward pass), a backward
pass as twice its forward pass, and a gradient penalty as a forward and an
input-gradient pass at the penalty points plus their backward pass (six
forward passes of D): the same count for every implementation, so a faster
step shows as a higher fraction.

Timing: every model is built and warmed up (traced) first; then the
implementations of a row are timed in turn, ``--repeats`` times, each burst
about ``--seconds`` long, and the best burst counts. Interleaving and
best-of-n keep the ratios fair on a shared machine.

  python benchmarks/throughput.py                 # everything (~15 min)
  python benchmarks/throughput.py --workloads=ring64 --penalties=none,r1
"""

import dataclasses
import json
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from keras_gans import GAN, cli, data, networks, penalties  # noqa: E402
from keras_gans import train_lib  # noqa: E402

from timing import Timed, measure  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_list(
    "workloads", ["ring64", "ring512", "mlp784"], "Workloads to measure."
)
flags.DEFINE_list(
    "penalties",
    ["none", "r1", "zero_gp", "wgan_gp", "zero_gp/16"],
    "Penalties to measure; NAME/k is lazy regularisation every k D steps "
    "(ours only: the naive and tuned columns apply the penalty every step); "
    "NAME+uK unrolls G's loss K steps through D's optimizer, NAME+uKg K "
    "plain gradient steps (ours only: naive and tuned do not unroll, and "
    "the model FLOPs do not count the look-ahead).",
)
flags.DEFINE_list(
    "ours",
    ["nojit:1", "nojit:50", "jit:1", "jit:50"],
    "keras_gans settings, each jit|nojit:steps_per_execution.",
)
flags.DEFINE_integer("repeats", 3, "Timed bursts per implementation.")
flags.DEFINE_float("seconds", 1.5, "Approximate length of one burst.")
flags.DEFINE_string("output", None, "Optional JSON file for the measured rows.")

_NAIVE_SPE = 50


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str
    latent_dim: int
    data_dim: int
    hidden: tuple
    batch: int


WORKLOADS = {
    "ring64": Workload("ring64", 2, 2, (64, 64), 64),
    "ring512": Workload("ring512", 2, 2, (64, 64), 512),
    "mlp784": Workload("mlp784", 50, 784, (512, 512, 512), 64),
    # keras-gans-train's default experiment: 3 x 128, batch 256.
    "default": Workload("default", 2, 2, (128, 128, 128), 256),
}


def _loss(penalty):
    return "wasserstein" if penalty == "wgan_gp" else "non_saturating"


def _weight(penalty):
    return {"none": 0.0, "wgan_gp": 10.0}.get(penalty, 1.0)


def _networks(w: Workload):
    keras.utils.set_random_seed(0)
    out = "tanh" if w.name == "mlp784" else None
    generator = networks.mlp_generator(
        w.latent_dim, w.data_dim, w.hidden, output_activation=out
    )
    discriminator = networks.mlp_discriminator(w.data_dim, w.hidden)
    return generator, discriminator


def _real_array(w: Workload, n=8192):
    if w.data_dim == 2:
        seed = tf.constant([0, 1], tf.int64)
        return data.sample_mixture(data.mixture("ring"), n, seed).numpy()
    return np.random.RandomState(0).uniform(-1, 1, (n, w.data_dim))


def _array_dataset(w: Workload):
    """What a user writes: a shuffled, repeated, batched array."""
    x = _real_array(w).astype(np.float32)
    return (
        tf.data.Dataset.from_tensor_slices(x)
        .shuffle(len(x), seed=0)
        .repeat()
        .batch(w.batch, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


# --------------------------------------------------------------- naive step


class NaiveGAN(keras.Model):
    """The GAN step as the keras-io examples write it (WGAN-GP / DCGAN)."""

    def __init__(self, generator, discriminator, latent_dim, loss, penalty, w):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.loss_name = loss
        self.penalty = penalty
        self.penalty_weight = w
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    def gradient_penalty(self, real, fake):
        batch = tf.shape(real)[0]
        if self.penalty == "r1":
            points = real
        else:
            alpha = keras.random.uniform(
                (batch, 1), 0.0, 1.0, seed=self.seed_generator
            )
            points = real + alpha * (fake - real)
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(points)
            pred = self.discriminator(points, training=True)
        grads = gp_tape.gradient(pred, [points])[0]
        squared = tf.reduce_sum(tf.square(grads), axis=[1])
        if self.penalty == "wgan_gp":
            return tf.reduce_mean((tf.sqrt(squared + 1e-12) - 1.0) ** 2)
        return tf.reduce_mean(squared)

    def _d_loss(self, real_logits, fake_logits):
        if self.loss_name == "wasserstein":
            d_loss = tf.reduce_mean(fake_logits) - tf.reduce_mean(real_logits)
            return d_loss
        return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(
            tf.nn.softplus(fake_logits)
        )

    def _g_loss(self, fake_logits):
        if self.loss_name == "wasserstein":
            return -tf.reduce_mean(fake_logits)
        return tf.reduce_mean(tf.nn.softplus(-fake_logits))

    def train_step(self, real):
        batch = tf.shape(real)[0]
        z = keras.random.normal(
            (batch, self.latent_dim), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = self._d_loss(real_logits, fake_logits)
            if self.penalty != "none":
                gp = self.gradient_penalty(real, fake)
                d_loss = d_loss + self.penalty_weight * gp
        d_vars = self.discriminator.trainable_variables
        grads = tape.gradient(d_loss, d_vars)
        self.d_optimizer.apply_gradients(zip(grads, d_vars))
        z = keras.random.normal(
            (batch, self.latent_dim), seed=self.seed_generator
        )
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(
                self.generator(z, training=True), training=True
            )
            g_loss = self._g_loss(fake_logits)
        g_vars = self.generator.trainable_variables
        grads = tape.gradient(g_loss, g_vars)
        self.g_optimizer.apply_gradients(zip(grads, g_vars))
        return {"d_loss": d_loss, "g_loss": g_loss}


def _adam():
    return keras.optimizers.Adam(1e-4, beta_1=0.5, beta_2=0.99)


def _split(spec):
    """``"zero_gp/16"`` -> ``("zero_gp", 16)``."""
    name, _, every = spec.partition("+u")[0].partition("/")
    return name, int(every or 1)


def _unroll(spec):
    """``"none+u5"`` -> ``{"unroll_steps": 5}``; ``"none+u5g"`` adds
    ``unroll_update="gradient"``; ``{}`` without ``+u``."""
    _, _, unroll = spec.partition("+u")
    if not unroll:
        return {}
    options = {"unroll_steps": int(unroll.rstrip("g"))}
    if unroll.endswith("g"):
        options["unroll_update"] = "gradient"
    return options


def build_naive(w, spec, spe=1, jit=None):
    penalty, _ = _split(spec)
    generator, discriminator = _networks(w)
    model = NaiveGAN(
        generator,
        discriminator,
        w.latent_dim,
        _loss(penalty),
        penalty,
        _weight(penalty),
    )
    kwargs = {} if jit is None else dict(jit_compile=jit)
    if spe != 1:
        kwargs["steps_per_execution"] = spe
    model.compile(_adam(), _adam(), **kwargs)
    return model, _array_dataset(w)


def build_ours(w, spec, spe=None, jit=None):
    """Our GAN; ``spe`` and ``jit`` None: compiled without speed arguments."""
    penalty, every = _split(spec)
    generator, discriminator = _networks(w)
    gan = GAN(generator, discriminator, w.latent_dim, seed=0)
    speed = {}
    if jit is not None:
        speed["jit_compile"] = jit
    if spe is not None:
        speed["steps_per_execution"] = spe
    gan.compile(
        d_optimizer=_adam(),
        g_optimizer=_adam(),
        loss=_loss(penalty),
        penalty=penalties.get(penalty),
        penalty_weight=_weight(penalty),
        **speed,
        # Only passed when lazy, so the script also times older versions.
        **({"penalty_every": every} if every > 1 else {}),
        **_unroll(spec),
    )
    if w.data_dim == 2:
        dataset = data.toy_dataset("ring", w.batch, seed=0)
    else:
        dataset = _array_dataset(w)
    return gan, dataset


def default_setting(w: Workload, penalty: str):
    """``(jit_compile, steps_per_execution)`` as keras-gans-train picks
    them: XLA by the ``jit_compile="auto"`` rule, 50 steps per execution."""
    del penalty
    try:
        from keras_gans.training import auto_jit_compile
    except ImportError:  # an older version
        auto_jit_compile = getattr(train_lib, "auto_jit_compile", None)
    if auto_jit_compile is None:
        return None
    _, discriminator = _networks(w)
    return auto_jit_compile(discriminator), 50


# ------------------------------------------------------------------ timing


def matmul_gflops(n=2048, repeats=5):
    """FLOP/s of an ``n x n`` float32 matmul, best of ``repeats`` bursts."""
    a = tf.random.stateless_normal([n, n], [0, 1])
    b = tf.random.stateless_normal([n, n], [0, 2])

    @tf.function
    def chain(a, b, k=tf.constant(10)):
        c = a
        for _ in tf.range(k):
            c = tf.matmul(a, b) + c * 0.0
        return c

    chain(a, b).numpy()
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        chain(a, b).numpy()
        best = max(best, 10 * 2 * n**3 / (time.perf_counter() - start))
    return best / 1e9


def _dense_flops(sizes, rows):
    return 2 * rows * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def model_flops(w: Workload, spec: str) -> float:
    """Model FLOPs of one train step (see the module docstring); a lazy
    penalty counts as applied every step (the work it stands for)."""
    penalty, _ = _split(spec)
    f_g = _dense_flops((w.latent_dim, *w.hidden, w.data_dim), w.batch)
    f_d = _dense_flops((w.data_dim, *w.hidden, 1), w.batch)
    # D step: G forward, D forward + backward on real and fake (2 batches).
    # G step: G and D forward, D and G backward.
    flops = (f_g + 6 * f_d) + (3 * f_g + 3 * f_d)
    if penalty != "none":
        flops += 6 * f_d
    return float(flops)


def _parse_ours(specs):
    out = []
    for spec in specs:
        mode, _, spe = spec.partition(":")
        if mode not in ("jit", "nojit") or not spe.isdigit():
            raise app.UsageError(
                f"--ours entries look like jit:50 or nojit:1, got {spec!r}."
            )
        out.append((mode == "jit", int(spe)))
    return out


def _label(jit, spe):
    return f"{'xla' if jit else 'tf'}/{spe}"


def measure_row(w: Workload, penalty: str, settings, repeats, seconds):
    impls = [Timed("naive", *build_naive(w, penalty), spe=1)]
    for jit in (False, True):
        impls.append(
            Timed(
                f"tuned {_label(jit, _NAIVE_SPE)}",
                *build_naive(w, penalty, _NAIVE_SPE, jit),
                spe=_NAIVE_SPE,
            )
        )
    # Bursts sized for 50 steps an execution: compile()'s auto setting
    # (and longer bursts are only fairer to an older default of 1).
    impls.append(Timed("compile()", *build_ours(w, penalty), spe=50))
    for jit, spe in settings:
        impls.append(
            Timed(
                f"ours {_label(jit, spe)}",
                *build_ours(w, penalty, spe, jit),
                spe=spe,
            )
        )
    measure(impls, repeats, seconds)
    rates = {t.label: t.best for t in impls}
    tuned_label = max(
        (label for label in rates if label.startswith("tuned")),
        key=rates.get,
    )
    ours_label = max(
        (label for label in rates if label.startswith("ours")), key=rates.get
    )
    default = default_setting(w, penalty)
    default_label = None if default is None else f"ours {_label(*default)}"
    return dict(
        workload=w.name,
        penalty=penalty,
        rates=rates,
        naive=rates["naive"],
        tuned=rates[tuned_label],
        tuned_setting=tuned_label.split()[1],
        ours_best=rates[ours_label],
        ours_best_setting=ours_label.split()[1],
        ours_default=rates.get(default_label),
        ours_compile=rates["compile()"],
        ours_default_setting=None
        if default_label is None
        else default_label.split()[1],
        model_gflop=model_flops(w, penalty) / 1e9,
    )


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}; {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"TensorFlow {tf.__version__}; Keras {keras.__version__}"
    )


def format_table(rows, matmul):
    """The printed table: one line per (workload, penalty)."""
    lines = [
        f"{'workload':8} {'penalty':10} {'naive':>8} {'tuned':>8} "
        f"{'(setting)':>9} {'compile()':>9} {'x naive':>7} "
        f"{'ours':>8} {'(setting)':>9} "
        f"{'x naive':>7} {'x tuned':>7} {'x none':>6} {'% matmul':>8}"
    ]
    none_rate = {
        r["workload"]: r["ours_main"] for r in rows if r["penalty"] == "none"
    }
    for r in rows:
        ours = r["ours_main"]
        cost = none_rate.get(r["workload"])
        cost = f"{cost / ours:6.2f}" if cost else f"{'-':>6}"
        frac = 100 * r["model_gflop"] * ours / matmul
        lines.append(
            f"{r['workload']:8} {r['penalty']:10} {r['naive']:8.0f} "
            f"{r['tuned']:8.0f} {r['tuned_setting']:>9} "
            f"{r['ours_compile']:9.0f} {r['ours_compile'] / r['naive']:7.2f} "
            f"{ours:8.0f} "
            f"{r['ours_main_setting']:>9} {ours / r['naive']:7.2f} "
            f"{ours / r['tuned']:7.2f} {cost} {frac:7.1f}%"
        )
    lines.append(
        "steps/s, best of the bursts; 'compile()' is ours compiled with no "
        "speed arguments; 'ours' is keras-gans-train's setting where "
        "there is one, else the best measured; 'x none' is the cost of "
        "the penalised step relative to ours without a penalty; '% matmul' "
        f"is model FLOP/s over a 2048^2 float32 matmul ({matmul:.0f} GFLOP/s)."
    )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    unknown = [w for w in FLAGS.workloads if w not in WORKLOADS]
    bad_pen = []
    for spec in FLAGS.penalties:
        base, _, unroll = spec.partition("+u")
        name, _, every = base.partition("/")
        if (
            name not in penalties.names()
            or (every and not every.isdigit())
            or (unroll and not unroll.rstrip("g").isdigit())
        ):
            bad_pen.append(spec)
    if unknown or bad_pen:
        raise app.UsageError(
            f"Unknown workloads/penalties: {unknown + bad_pen}"
        )
    settings = _parse_ours(FLAGS.ours)
    print(machine(), flush=True)
    matmul = matmul_gflops()
    print(f"float32 matmul 2048^2: {matmul:.0f} GFLOP/s", flush=True)
    rows = []
    for name in FLAGS.workloads:
        w = WORKLOADS[name]
        for penalty in FLAGS.penalties:
            row = measure_row(
                w, penalty, settings, FLAGS.repeats, FLAGS.seconds
            )
            main_rate = row["ours_default"] or row["ours_best"]
            row["ours_main"] = main_rate
            row["ours_main_setting"] = (
                row["ours_default_setting"]
                if row["ours_default"]
                else row["ours_best_setting"]
            )
            rows.append(row)
            print(
                f"{name} {penalty}: "
                + ", ".join(f"{k} {v:.0f}" for k, v in row["rates"].items()),
                flush=True,
            )
    # Timed again at the end; the best of both is the machine's rate.
    matmul = max(matmul, matmul_gflops())
    print()
    print(format_table(rows, matmul))
    if FLAGS.output:
        with open(FLAGS.output, "w") as f:
            json.dump(
                dict(machine=machine(), matmul_gflops=matmul, rows=rows),
                f,
                indent=1,
            )


if __name__ == "__main__":
    cli.main(main)
