"""Class-conditional against unconditional GANs with the same budget.

On digits and stacked digits: the library's image GAN (keras-gans-train's
default for the data set: DCGAN, 0GP lambda 100, G EMA 0.999) without
labels, with a projection discriminator and conditional batch norm in G
(Miyato & Koyama 2018), and as an AC-GAN (Odena et al. 2017; class head
weight --classification_weight's default). On the grid: GAN-NS + Adam
(benchmarks/mode_coverage.py's collapsing set-up) with and without the
mode index as the label. Metrics (keras_gans.metrics): modes and KL of the
label histogram (images) or modes, high-quality fraction and reverse KL
(grid); the Frechet distance on the digits classifier's features against
the held-out digits; for conditional runs the mean per-class accuracy of
samples drawn for each class (classes requested equally) and, on digits,
the intra-class Frechet distance. Resumable (--results); --table_only
reprints.

  python benchmarks/conditional.py --seeds=3
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

# name -> (row label, TrainConfig overrides)
VARIANTS = {
    "unconditional": ("unconditional", {}),
    "projection": (
        "projection D + conditional G",
        dict(conditional=True, conditioning="projection"),
    ),
    "acgan": ("AC-GAN", dict(conditional=True, conditioning="acgan")),
}
DATASETS = ("digits", "stacked_digits", "grid")

flags.DEFINE_list("datasets", list(DATASETS), f"Subset of {DATASETS}.")
flags.DEFINE_list("variants", list(VARIANTS), f"Subset of {list(VARIANTS)}.")
flags.DEFINE_integer("seeds", 3, "Seeds per cell (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer(
    "image_steps", 5000, "Generator steps of an image run (x 500).",
    lower_bound=500,
)
flags.DEFINE_integer(
    "grid_steps", 10000, "Generator steps of a grid run (x 500).",
    lower_bound=500,
)
flags.DEFINE_string(
    "results", "benchmarks/conditional_results.jsonl", "JSON-lines results."
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")


def config_for(dataset, variant, seed, steps):
    overrides = dict(seed=seed, steps=steps, log_every=500, eval_every=steps)
    overrides.update(VARIANTS[variant][1])
    if dataset == "grid":
        return presets.preset(
            "mode_coverage/ns_adam", dataset="grid", **overrides
        )
    return presets.preset(dataset, **overrides)


def _cell(rs, field, width, digits, scale=1.0):
    values = [r[field] * scale for r in rs if r.get(field) is not None]
    if not values:
        return f"{'-':>{2 * width + 1}}"
    m, s = seed_stats.mean_se(values)
    return f"{m:{width}.{digits}f} ± {s:{width - 2}.{digits}f}"


def table(records):
    lines = [
        f"{'data':<14} {'variant':<29} {'steps':>5} {'n':>2} "
        f"{'modes':>15} {'KL / rKL':>15} {'HQ %':>11} {'Frechet':>15} "
        f"{'class acc %':>11} {'intra FD':>13} {'time s':>6}"
    ]
    order = {v: i for i, v in enumerate(VARIANTS)}
    groups = jsonl_runs.cells(records, ("dataset", "steps", "variant"))
    for (dataset, steps, variant), rs in sorted(
        groups.items(),
        key=lambda kv: (DATASETS.index(kv[0][0]), kv[0][1], order[kv[0][2]]),
    ):
        kl = "reverse_kl" if dataset == "grid" else "kl"
        t, _ = seed_stats.mean_se([r["wall_time_s"] for r in rs])
        lines.append(
            f"{dataset:<14} {VARIANTS[variant][0]:<29} {steps:>5} "
            f"{len(rs):>2} {_cell(rs, 'modes', 7, 1)} {_cell(rs, kl, 6, 3)} "
            f"{_cell(rs, 'high_quality', 4, 1, 100)} "
            f"{_cell(rs, 'frechet_distance', 6, 2)} "
            f"{_cell(rs, 'class_accuracy', 4, 1, 100)} "
            f"{_cell(rs, 'intra_class_frechet', 5, 2)} {t:6.0f}"
        )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    jsonl_runs.check_names("variants", FLAGS.variants, VARIANTS)
    jsonl_runs.check_names("datasets", FLAGS.datasets, DATASETS)
    for name in ("image_steps", "grid_steps"):
        if getattr(FLAGS, name) % 500:
            raise app.UsageError(f"--{name} must be a multiple of 500.")
    if not FLAGS.table_only:
        jobs = []
        for dataset in FLAGS.datasets:
            steps = FLAGS.grid_steps if dataset == "grid" else FLAGS.image_steps
            for variant in FLAGS.variants:
                for seed in range(FLAGS.seeds):
                    key = dict(dataset=dataset, variant=variant, seed=seed,
                               steps=steps)
                    jobs.append(
                        (key, config_for(dataset, variant, seed, steps))
                    )
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"{r['dataset']} {r['variant']} seed {r['seed']}: "
            f"{r['modes']} modes, class accuracy "
            f"{100 * r.get('class_accuracy', float('nan')):.1f}%, "
            f"{r['wall_time_s']:.0f} s",
        )
    print(
        f"Conditional vs unconditional ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]})"
    )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
