"""keras-gans-table3: the paper's Table III on stacked digits (or CIFAR-10).

DCGAN-NS, DCGAN with the imbalanced loss (gamma 10), DCGAN-0GP (lambda 100)
and both, plus the 0GP row with a generator EMA (keras-gans-train's image
default), over several seeds; prints
mean ± standard error of each metric. On stacked digits (default, offline):
modes covered out of 1000 and KL(mode histogram || uniform) on 26,000
samples (VEEGAN/PacGAN protocol), the digits classifier's score (per
channel, max 10) and the Frechet distance on its features. On CIFAR-10
(--dataset=cifar10, data under --data_dir, --inception_weights): Inception
Score (and FID), as in the paper.

The paper's 0GP differentiates the sigmoid output, as its code did
(penalty_output="sigmoid"), with lambda 100; batch 64, Adam 2e-4 with betas
0.5/0.99 (Table II), latent 100, no generator EMA, constant learning rate.

Each finished run is appended to --results (JSON lines) and skipped when
already there, so an interrupted table resumes; --table_only prints what
the file holds. --quick: a smoke run (tiny network, few steps, one seed,
its own results file).

  python bin/table3.py --seeds=3
  python bin/table3.py --quick
"""

import dataclasses
import json
import math
import os
import platform
import sys
import tempfile
import time

from typing import ClassVar, Optional, Tuple

from absl import logging

from keras_gans import cli, json_io
from keras_gans.settings import ConfigError, setting
from keras_gans.experiments import presets


# name -> presets.Variant (row label, TrainConfig overrides).
VARIANTS = presets.variants("table3")
_METRICS = {
    "stacked_digits": (
        ("modes", "modes /1000", 1.0),
        ("kl", "KL", 1.0),
        ("classifier_score", "class. score", 1.0),
        ("frechet_distance", "Frechet", 1.0),
    ),
    "digits": (
        ("modes", "modes /10", 1.0),
        ("kl", "KL", 1.0),
        ("classifier_score", "class. score", 1.0),
        ("frechet_distance", "Frechet", 1.0),
    ),
    "cifar10": (
        ("inception_score", "IS", 1.0),
        ("fid", "FID", 1.0),
    ),
}

_DEFAULT_PENALTY_OUTPUT = "sigmoid"


@dataclasses.dataclass(frozen=True)
class Table3Flags:
    """table3.py's flags (``cli.define_flags``)."""

    variants: Tuple[str, ...] = setting(
        tuple(VARIANTS),
        f"Subset of {list(VARIANTS)}.",
    )
    dataset: str = setting(
        "stacked_digits",
        "Data set of the table.",
        choices=lambda: list(_METRICS),
    )
    seeds: int = setting(3, "Seeds per row (0..seeds-1).", lower=1)
    steps: int = setting(10000, "Generator steps per run.", lower=1)
    base_filters: int = setting(
        64,
        "DCGAN filters at D's first layer.",
        lower=1,
    )
    penalty_output: str = setting(
        _DEFAULT_PENALTY_OUTPUT,
        "What 0GP differentiates: sigmoid (the paper's code) or logit.",
        choices=["sigmoid", "logit"],
    )
    eval_samples: Optional[int] = setting(
        None,
        "Samples per evaluation (default: 26000 stacked digits, 10000 else).",
    )
    data_dir: str = setting("", "tfds data directory (CIFAR-10).")
    inception_weights: str = setting(
        "imagenet",
        "InceptionV3 weights for CIFAR-10 ('imagenet': Keras' cached file).",
    )
    results: Optional[str] = setting(
        None,
        "JSON-lines results file (default benchmarks/table3_<dataset>.jsonl; "
        "with --quick runs/table3_quick.jsonl).",
    )
    table_only: bool = setting(False, "Only print the table of --results.")
    quick: bool = setting(
        False,
        "Smoke run: 200 steps, base_filters 8, one seed, 2600 evaluation "
        "samples (flags given explicitly win).",
    )

    QUICK: ClassVar[dict] = {
        "steps": 200, "seeds": 1, "base_filters": 8, "eval_samples": 2600
    }

    def validate(self):
        """The rules between the flags and the default results file."""
        unknown = sorted(set(self.variants) - set(VARIANTS))
        if unknown:
            raise ConfigError(
                "variants", f"unknown {unknown}; valid: {', '.join(VARIANTS)}"
            )
        return dataclasses.replace(
            self,
            results=self.results
            or (
                "runs/table3_quick.jsonl"
                if self.quick
                else f"benchmarks/table3_{self.dataset}.jsonl"
            ),
        )


cli.define_flags(Table3Flags)


def config_for(variant, seed, args):
    """The pinned config of one run of ``args`` (``Table3Flags``): the
    ``table3/VARIANT`` preset."""
    steps = args.steps
    eval_samples = args.eval_samples or (
        26_000 if args.dataset == "stacked_digits" else 10_000
    )
    log_every = math.gcd(steps, 500)
    return presets.preset(
        f"table3/{variant}",
        dataset=args.dataset,
        base_filters=args.base_filters,
        seed=seed,
        steps=steps,
        penalty_output=args.penalty_output,
        log_every=log_every,
        eval_every=steps,
        eval_samples=eval_samples,
        steps_per_execution=math.gcd(log_every, 50),
        data_dir=args.data_dir,
        inception_weights=(
            args.inception_weights if args.dataset == "cifar10" else ""
        ),
    )


def run_key(record):
    """What makes a run of the table distinct: variant, seed, steps,
    filters and ``penalty_output`` (a line written before it was recorded
    has the default, ``sigmoid``, the only value used then)."""
    return (
        record["variant"],
        record["seed"],
        record["steps"],
        record["base_filters"],
        record.get("penalty_output", _DEFAULT_PENALTY_OUTPUT),
    )


def table(records, dataset):
    """The printed table of ``records`` for ``dataset``."""
    from keras_gans.experiments import figures  # TensorFlow

    columns = _METRICS[dataset]
    cells = {}
    for r in records:
        if r["dataset"] == dataset:
            variant, _, steps, filters, output = run_key(r)
            cells.setdefault((steps, filters, variant, output), []).append(r)
    header = f"{'variant':<38} {'steps':>6} {'filt':>4} {'n':>2}"
    for _, label, _ in columns:
        header += f" {label:>17}"
    lines = [header + f" {'time s':>7}"]
    order = {v: i for i, v in enumerate(VARIANTS)}
    for (steps, filters, variant, output), rs in sorted(
        cells.items(),
        key=lambda kv: (kv[0][:2], order.get(kv[0][2], 99), kv[0][3]),
    ):
        ok = [r for r in rs if not r.get("diverged")]
        label = presets.describe(f"table3/{variant}")
        if output != _DEFAULT_PENALTY_OUTPUT:
            label += f" (d {output})"
        line = f"{label:<38} {steps:>6} "
        line += f"{filters:>4} {len(rs):>2}"
        for key, _, _ in columns:
            values = [r[key] for r in ok if key in r]
            if values:
                m, s = figures.mean_se(values)
                line += f" {m:8.3f} ± {s:6.3f}"
            else:
                line += f" {'-':>17}"
        t, _ = figures.mean_se([r["wall_time_s"] for r in rs])
        diverged = len(rs) - len(ok)
        lines.append(
            line
            + f" {t:7.0f}"
            + (f"  ({diverged} diverged)" if diverged else "")
        )
    return "\n".join(lines)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    args = cli.settings_from_flags(Table3Flags)
    steps, seeds, filters = args.steps, args.seeds, args.base_filters
    results = args.results
    if not args.table_only:
        from keras_gans import train_lib

        os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)
        done = {
            run_key(r)
            for r in json_io.read_json_lines(results)
            if r["dataset"] == args.dataset
        }
        runs = [(v, s) for v in args.variants for s in range(seeds)]
        for i, (variant, seed) in enumerate(runs):
            key = (variant, seed, steps, filters, args.penalty_output)
            if key in done:
                continue
            config = config_for(variant, seed, args)
            start = time.time()
            with tempfile.TemporaryDirectory() as workdir:
                result = train_lib.run(config, workdir, verbose=0)
            record = {
                "variant": variant,
                "dataset": args.dataset,
                "seed": seed,
                "steps": steps,
                "base_filters": filters,
                "penalty_output": args.penalty_output,
                **result["final"],
                "wall_time_s": time.time() - start,
            }
            with open(results, "a") as f:
                f.write(json.dumps(record) + "\n")
            shown = ", ".join(
                f"{k} {record[k]:.4g}"
                for k, _, _ in _METRICS[args.dataset]
                if k in record
            )
            print(
                f"[{i + 1}/{len(runs)}] {variant} seed {seed}: "
                f"{shown or 'diverged'}, {record['wall_time_s']:.0f} s",
                flush=True,
            )
    print(
        f"Table III on {args.dataset} (mean ± s.e. over seeds; {results}); "
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}"
    )
    print(table(json_io.read_json_lines(results), args.dataset))


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
