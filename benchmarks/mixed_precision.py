"""Mixed precision on the ring: mode coverage and the penalty, per policy.

Trains keras-gans-train's default experiment (GAN-NS + 0GP, generator EMA)
for --steps under float32, mixed_float16 (dynamic loss scaling, also for
the penalty's inner gradient) and mixed_bfloat16, for --seeds seeds, and
prints one table: PacGAN mode coverage of the final generator and the range
of the logged penalty over every --log_every steps (it must stay finite).

  python benchmarks/mixed_precision.py --steps=5000 --seeds=3
"""

import dataclasses
import math
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from absl import flags, logging  # noqa: E402

from keras_gans import cli, train_lib  # noqa: E402
from keras_gans.config import PRECISIONS, TrainConfig  # noqa: E402

import seed_stats  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_list("precisions", list(PRECISIONS), "Dtype policies.")
flags.DEFINE_integer("steps", 5000, "Generator steps per run.", lower_bound=1)
flags.DEFINE_integer("log_every", 250, "Steps between penalty readings.")
flags.DEFINE_integer("seeds", 3, "Seeds 0..seeds-1.", lower_bound=1)


class _PenaltyLog(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.values = []

    def on_epoch_end(self, epoch, logs=None):
        self.values.append(float(logs["penalty"]))


def run_one(precision, seed):
    config = dataclasses.replace(
        TrainConfig(),
        mixed_precision=precision,
        steps=FLAGS.steps,
        log_every=FLAGS.log_every,
        eval_every=FLAGS.steps,
        seed=seed,
    )
    log = _PenaltyLog()
    with tempfile.TemporaryDirectory() as workdir:
        start = time.time()
        result = train_lib.run(
            config, workdir, verbose=0, extra_callbacks=[log]
        )
    final = result["final"]
    return dict(
        modes=final.get("modes", 0),
        hq=final.get("high_quality", 0.0),
        rkl=final.get("reverse_kl", math.nan),
        penalty_min=min(log.values),
        penalty_max=max(log.values),
        finite=all(math.isfinite(v) for v in log.values),
        seconds=time.time() - start,
    )


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    print(
        f"ring, default experiment, {FLAGS.steps} steps, "
        f"{FLAGS.seeds} seeds; penalty read every {FLAGS.log_every} steps"
    )
    print(
        f"{'policy':15} {'modes':>12} {'HQ %':>12} {'reverse KL':>16} "
        f"{'penalty min..max':>22} {'finite':>6} {'s/run':>6}"
    )
    for precision in FLAGS.precisions:
        runs = [run_one(precision, seed) for seed in range(FLAGS.seeds)]
        modes = seed_stats.mean_se([r["modes"] for r in runs])
        hq = seed_stats.mean_se([100 * r["hq"] for r in runs])
        rkl = seed_stats.mean_se([r["rkl"] for r in runs])
        low = min(r["penalty_min"] for r in runs)
        high = max(r["penalty_max"] for r in runs)
        print(
            f"{precision:15} {modes[0]:5.2f} ± {modes[1]:4.2f} "
            f"{hq[0]:5.1f} ± {hq[1]:4.1f} {rkl[0]:.4f} ± {rkl[1]:.4f} "
            f"{low:10.2e}..{high:9.2e} "
            f"{str(all(r['finite'] for r in runs)):>6} "
            f"{sum(r['seconds'] for r in runs) / len(runs):6.0f}",
            flush=True,
        )


if __name__ == "__main__":
    cli.main(main)
