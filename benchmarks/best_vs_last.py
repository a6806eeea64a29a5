"""Best versus last checkpoint on stacked digits (keras-gans-train
--keep_best): does over-training hurt?

Each run is keras-gans-train's stacked-digits default (DCGAN, 0GP lambda
100 on the sigmoid, generator EMA 0.999, Adam 2e-4, batch 64; 26,000
samples per evaluation) with --keep_best=--monitor, evaluated every
--eval_every steps. The table compares the kept best evaluation with the
last one on every logged score (KL, Fréchet distance, KID, modes,
precision, recall). Each finished run is appended to --results (JSON
lines) and skipped when there; --table_only reprints the table.

  python benchmarks/best_vs_last.py --seeds=1 --steps=20000
"""

import dataclasses
import json
import os
import tempfile

from absl import app, flags, logging

from keras_gans import json_io
from keras_gans.config import DATASET_DEFAULTS, OptimizerConfig, TrainConfig

FLAGS = flags.FLAGS
flags.DEFINE_integer("seeds", 1, "Seeds (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer("steps", 20000, "Generator steps.", lower_bound=500)
flags.DEFINE_integer("eval_every", 2500, "Steps between evaluations.")
flags.DEFINE_string("monitor", "kid", "The kept score (--keep_best).")
flags.DEFINE_string(
    "results", "benchmarks/best_vs_last_results.jsonl", "JSON-lines results."
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")

_SCORES = ("kl", "frechet_distance", "kid", "modes", "precision", "recall")


def config_for(seed):
    defaults = {
        k: v
        for k, v in DATASET_DEFAULTS["stacked_digits"].items()
        if k not in ("d_lr", "g_lr")
    }
    adam = OptimizerConfig(
        learning_rate=DATASET_DEFAULTS["stacked_digits"]["d_lr"]
    )
    config = TrainConfig(
        dataset="stacked_digits", d_optimizer=adam, g_optimizer=adam, **defaults
    )
    return dataclasses.replace(
        config,
        seed=seed,
        steps=FLAGS.steps,
        eval_every=FLAGS.eval_every,
        keep_best=FLAGS.monitor,
        log_every=500,
    ).validate()


def table(records):
    lines = [
        f"{'steps':>6} {'seed':>4} {'kept by':<8} {'which':<5} {'step':>6} "
        + " ".join(f"{s:>16}" for s in _SCORES)
    ]
    for r in records:
        history = [h for h in r["history"] if not h.get("diverged")]
        last = history[-1]
        best = next(h for h in history if h["step"] == r["best"]["step"])
        for which, h in (("best", best), ("last", last)):
            lines.append(
                f"{r['steps']:>6} {r['seed']:>4} {r['monitor']:<8} "
                f"{which:<5} {h['step']:>6} "
                + " ".join(f"{h[s]:16.4f}" for s in _SCORES)
            )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    if not FLAGS.table_only:
        from keras_gans import train_lib

        done = {
            (r["seed"], r["steps"], r["monitor"])
            for r in json_io.read_json_lines(FLAGS.results)
        }
        for seed in range(FLAGS.seeds):
            if (seed, FLAGS.steps, FLAGS.monitor) in done:
                continue
            config = config_for(seed)
            with tempfile.TemporaryDirectory() as workdir:
                result = train_lib.run(
                    config, os.path.join(workdir, "run"), verbose=0
                )
            record = {
                "seed": seed,
                "steps": FLAGS.steps,
                "monitor": FLAGS.monitor,
                "best": result["best"],
                "history": result["history"],
                "wall_time_s": result["wall_time_s"],
            }
            with open(FLAGS.results, "a") as f:
                f.write(json.dumps(record) + "\n")
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    app.run(main)
