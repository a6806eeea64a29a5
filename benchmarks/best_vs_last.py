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

from absl import flags, logging

from keras_gans import cli, json_io
from keras_gans.experiments import presets

import jsonl_runs

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
    """keras-gans-train --dataset=stacked_digits's defaults, best kept."""
    return presets.preset(
        "stacked_digits",
        seed=seed,
        steps=FLAGS.steps,
        eval_every=FLAGS.eval_every,
        keep_best=FLAGS.monitor,
        log_every=500,
    )


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
        jobs = [
            (dict(seed=seed, steps=FLAGS.steps, monitor=FLAGS.monitor),
             config_for(seed))
            for seed in range(FLAGS.seeds)
        ]
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"seed {r['seed']}: {r['wall_time_s']:.0f} s",
            record=lambda key, result, seconds: {
                **key,
                "best": result["best"],
                "history": result["history"],
                "wall_time_s": result["wall_time_s"],
            },
        )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
