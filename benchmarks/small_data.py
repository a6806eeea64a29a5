"""Small data: does augmentation help a digits GAN trained on few images?

The library's digits GAN (keras-gans-train --dataset=digits: DCGAN, 0GP
lambda 100 on sigmoid(D), G EMA 0.999, Adam 2e-4) trained on only the
first N images of the training split (--train_examples), without
augmentation, with DiffAugment (color, translation, cutout; Zhao et al.
2020) and with ADA (all ops, target r_t 0.6; Karras et al. 2020). Metrics on
10,000 samples against the held-out digits, with the project's digits
classifier: Frechet distance on its features, modes (of 10) and KL of the
label histogram, precision and recall (k = 3). Runs append to --results and
are skipped when already there (resumable); --table_only reprints.

  python benchmarks/small_data.py --seeds=3 --steps=5000
"""

import os
import platform
import sys

from absl import app, flags, logging

from keras_gans import cli, json_io
from keras_gans.experiments import presets

import jsonl_runs
import seed_stats

FLAGS = flags.FLAGS

# name -> (row label, --augment)
VARIANTS = {
    "none": ("no augmentation", "none"),
    "diffaugment": (
        "DiffAugment color,translation,cutout",
        "diffaugment:color,translation,cutout",
    ),
    "ada": ("ADA (all ops, target 0.6)", "ada"),
}

flags.DEFINE_list("examples", ["100", "500"], "Training-set sizes.")
flags.DEFINE_list("variants", list(VARIANTS), f"Subset of {list(VARIANTS)}.")
flags.DEFINE_integer("seeds", 3, "Seeds per cell (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer(
    "steps", 5000, "Generator steps per run (a multiple of 500).",
    lower_bound=500,
)
flags.DEFINE_string(
    "results", "benchmarks/small_data_results.jsonl", "JSON-lines results."
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")



def config_for(examples, variant, seed, steps):
    return presets.preset(
        "digits",
        seed=seed,
        steps=steps,
        train_examples=examples,
        augment=VARIANTS[variant][1],
        log_every=500,
        eval_every=steps,
    )


def table(records):
    lines = [
        f"{'N':>5} {'variant':<37} {'steps':>5} {'n':>2} {'Frechet':>15} "
        f"{'modes /10':>12} {'KL':>15} {'precision':>13} {'recall':>13} "
        f"{'time s':>6}"
    ]
    order = {v: i for i, v in enumerate(VARIANTS)}
    groups = jsonl_runs.cells(records, ("examples", "steps", "variant"))
    for (n, steps, variant), rs in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]])
    ):
        def cell(field, width, digits):
            m, s = seed_stats.mean_se([r[field] for r in rs])
            return f"{m:{width}.{digits}f} ± {s:{width - 2}.{digits}f}"

        t, _ = seed_stats.mean_se([r["wall_time_s"] for r in rs])
        lines.append(
            f"{n:>5} {VARIANTS[variant][0]:<37} {steps:>5} {len(rs):>2} "
            f"{cell('frechet_distance', 7, 2)} {cell('modes', 5, 1)} "
            f"{cell('kl', 6, 3)} {cell('precision', 5, 3)} "
            f"{cell('recall', 5, 3)} {t:6.0f}"
        )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    jsonl_runs.check_names("variants", FLAGS.variants, VARIANTS)
    try:
        sizes = [int(n) for n in FLAGS.examples]
    except ValueError:
        raise app.UsageError(
            f"--examples must be integers, got {FLAGS.examples}"
        ) from None
    if FLAGS.steps % 500:
        raise app.UsageError(f"--steps must be a multiple of 500, got "
                             f"{FLAGS.steps}")
    if not FLAGS.table_only:
        jobs = []
        for n in sizes:
            for variant in FLAGS.variants:
                for seed in range(FLAGS.seeds):
                    key = dict(examples=n, variant=variant, seed=seed,
                               steps=FLAGS.steps)
                    try:
                        config = config_for(n, variant, seed, FLAGS.steps)
                        config.validate()
                    except ValueError as e:
                        raise app.UsageError(f"--examples={n}: {e}") from None
                    jobs.append((key, config))
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"N={r['examples']} {r['variant']} seed {r['seed']}: "
            f"FD {r['frechet_distance']:.2f}, {r['modes']} modes, "
            f"{r['wall_time_s']:.0f} s",
        )
    print(
        f"Small-data digits ({platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]})"
    )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
