"""Mode-coverage benchmark: stabilisers x {ring, grid} x seeds, one table.

PacGAN protocol (keras_gans.metrics): modes covered, high-quality fraction
and reverse KL on 2500 samples, mean +- standard error over seeds, plus the
wall time of each run. Each finished run is appended to --results (JSON
lines) and skipped if it is already there, so an interrupted benchmark
resumes, and several processes (e.g. one per data set) can share the file;
--table_only prints the table of what the file holds.

  python benchmarks/mode_coverage.py --seeds=5
  python benchmarks/mode_coverage.py --datasets=grid --variants=r1,zero_gp
"""

import dataclasses
import os
import platform
import sys

from absl import app, flags, logging

from keras_gans import cli, json_io
from keras_gans.experiments import presets

import jsonl_runs
import seed_stats

FLAGS = flags.FLAGS

# name -> presets.Variant (description, TrainConfig overrides of the
# mode_coverage base: --hidden_units ReLU MLPs for G and D, latent 2, batch
# 256, --steps G steps, linear lr decay to 1%, none for the paper's
# constant-lr SGD set-up).
VARIANTS = presets.variants("mode_coverage")

flags.DEFINE_list(
    "variants", list(VARIANTS), f"Subset of {', '.join(VARIANTS)}."
)
flags.DEFINE_list("datasets", ["ring", "grid"], "Toy data sets.")
flags.DEFINE_integer("seeds", 5, "Seeds per cell (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer(
    "steps", 20000, "Generator steps per run (x 200).", lower_bound=1000
)
flags.DEFINE_list(
    "hidden_units",
    ["128", "128", "128"],
    "Hidden widths of both MLPs (the paper's ring networks: 64,64).",
)
flags.DEFINE_string(
    "results",
    "benchmarks/mode_coverage_results.jsonl",
    "JSON-lines results file.",
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")


def config_for(variant, dataset, seed, steps, hidden_units):
    """The ``mode_coverage/VARIANT`` preset of one run (an annealed
    instance noise falls to 0 over the run's ``steps``)."""
    config = presets.preset(
        f"mode_coverage/{variant}",
        dataset=dataset,
        seed=seed,
        steps=steps,
        hidden_units=tuple(hidden_units),
        log_every=steps // 4,
        eval_every=steps,
    )
    if config.instance_noise_anneal_steps:
        config = dataclasses.replace(config, instance_noise_anneal_steps=steps)
    return config


def _hidden(record):
    return "x".join(str(u) for u in record.get("hidden_units", (64, 64)))


def table(records):
    cells = {}
    for r in records:
        key = (r["dataset"], _hidden(r), r["steps"], r["variant"])
        cells.setdefault(key, []).append(r)
    lines = [
        f"{'variant':<60} {'MLP':<11} {'steps':>6} {'data':<5} {'n':>2} "
        f"{'modes':>13} {'HQ %':>13} {'reverse KL':>15} {'time s':>7}",
    ]
    order = {v: i for i, v in enumerate(VARIANTS)}
    for (dataset, hidden, steps, variant), rs in sorted(
        cells.items(),
        key=lambda kv: (kv[0][0] != "ring", kv[0][:3], order.get(kv[0][3], 99)),
    ):
        m, ms = seed_stats.mean_se([r["modes"] for r in rs])
        h, hs = seed_stats.mean_se([100 * r["high_quality"] for r in rs])
        k, ks = seed_stats.mean_se([r["reverse_kl"] for r in rs])
        t, _ = seed_stats.mean_se([r["wall_time_s"] for r in rs])
        name = presets.describe(f"mode_coverage/{variant}")
        lines.append(
            f"{name:<60} {hidden:<11} {steps:>6} {dataset:<5} {len(rs):>2} "
            f"{m:6.2f} ± {ms:4.2f} {h:6.1f} ± {hs:4.1f} "
            f"{k:7.4f} ± {ks:5.4f} {t:7.1f}"
        )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # TF's SavedModel INFO lines
    jsonl_runs.check_names("variants", FLAGS.variants, VARIANTS)
    if FLAGS.steps % 200:
        # Four logs a run, each a whole number of 50-step executions.
        raise app.UsageError("--steps must be a multiple of 200.")
    if not FLAGS.table_only:
        hidden = [int(u) for u in FLAGS.hidden_units]
        jobs = [
            (
                dict(variant=v, dataset=d, seed=s, steps=FLAGS.steps,
                     hidden_units=hidden),
                config_for(v, d, s, FLAGS.steps, hidden),
            )
            for d in FLAGS.datasets
            for v in FLAGS.variants
            for s in range(FLAGS.seeds)
        ]
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"{r['variant']} {r['dataset']} seed {r['seed']}: "
            f"{r['modes']} modes, HQ {100 * r['high_quality']:.1f}%, "
            f"rKL {r['reverse_kl']:.4f}, {r['wall_time_s']:.0f} s",
            # Lines from before --hidden_units ran the paper's 64 x 64.
            key_of=lambda r: (
                r["variant"], r["dataset"], r["seed"], r["steps"],
                tuple(r.get("hidden_units", (64, 64))),
            ),
        )
    print(
        f"Mode coverage, PacGAN protocol (2500 samples); machine: "
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
