"""keras-gans-forgetting: scores of old fakes (paper Fig. 11).

Trains the paper's MLP GAN on the 8x8 digits (64-D) with GAN-NS and with
0GP lambda 100, both with constant-lr SGD 3e-4 as in Fig. 11 (see
keras_gans.experiments.figures.DIGITS_VARIANTS). Every --freeze_every steps
a batch of the generator's fakes is frozen (at most --max_batches), and every
--eval_every steps D's mean score sigmoid(D(y)) on every frozen batch is
recorded. Writes to --workdir forgetting.png (one panel per variant, one
line per frozen batch, the 0.5 line), results.json and, per variant,
VARIANT/forgetting.json, and prints how far old fakes' scores rise back
(keras_gans.diagnostics.forgetting). Running again on the same workdir
resumes, frozen batches included. --quick finishes in a few minutes.
"""

import dataclasses
import os

from typing import ClassVar, Optional, Tuple

from absl import logging

from keras_gans import cli
from keras_gans.experiments import presets
from keras_gans.settings import MAX_SEED, setting


@dataclasses.dataclass(frozen=True)
class ForgettingFlags:
    """forgetting.py's flags (``cli.define_flags``)."""

    workdir: Optional[str] = setting(
        None,
        "Output directory (default runs/forgetting[_quick]).",
    )
    variants: Tuple[str, ...] = setting(
        ("ns_sgd", "zero_gp_sgd"),
        "keras_gans.experiments.figures.DIGITS_VARIANTS.",
    )
    steps: int = setting(20000, "GAN steps per run.", lower=1)
    freeze_every: int = setting(2000, "Steps between frozen batches.", lower=1)
    eval_every: int = setting(500, "Steps between evaluations.", lower=1)
    max_batches: int = setting(8, "Frozen batches at most.", lower=1)
    batch_size: int = setting(64, "Fakes per frozen batch.", lower=1)
    seed: int = setting(0, "Seed of the runs.", lower=0, upper=MAX_SEED)
    quick: bool = setting(
        False,
        "3000 steps, freeze every 500, evaluate every 100: minutes on CPU "
        "(flags given explicitly win).",
    )

    QUICK: ClassVar[dict] = {
        "steps": 3000, "freeze_every": 500, "eval_every": 100
    }

    def validate(self):
        """The rules between the flags (before TensorFlow loads) and the
        default workdir."""
        presets.check_digits_flags(self.variants, self.steps, self.eval_every)
        return cli.default_workdir(self, "forgetting")


cli.define_flags(ForgettingFlags)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    args = cli.settings_from_flags(ForgettingFlags)
    from keras_gans import callbacks, json_io, plots
    from keras_gans.experiments import figures

    steps, freeze, every = args.steps, args.freeze_every, args.eval_every
    workdir = args.workdir
    for variant in args.variants:  # every bad flag before any training
        figures.digits_config(variant, steps, every, args.seed)
    summaries = {}
    for variant in args.variants:
        outdir = os.path.join(workdir, variant)
        try:
            cb = callbacks.ForgettingCallback(
                freeze,
                every,
                batch_size=args.batch_size,
                max_batches=args.max_batches,
                seed=args.seed,
                outdir=outdir,
                log_dir=os.path.join(outdir, "tensorboard", "forgetting"),
            )
            figures.run_digits(
                variant, outdir, steps, every, [cb], args.seed, verbose=0
            )
        except ValueError as e:
            raise cli.Failure(str(e))
        summaries[variant] = cb.summary()
        print(f"{variant}: {summaries[variant].summary()}", flush=True)
    plots.plot_forgetting(
        [
            (figures.DIGITS_VARIANTS[v].description, s)
            for v, s in summaries.items()
        ],
        os.path.join(workdir, "forgetting.png"),
        f"Digits: D's mean score on fakes frozen every {freeze} steps",
    )
    json_io.write_json(
        os.path.join(workdir, "results.json"),
        {
            "steps": steps,
            "freeze_every": freeze,
            "eval_every": every,
            "runs": {v: s.as_dict() for v, s in summaries.items()},
        },
    )
    print(figures.forgetting_table(summaries))
    print(f"Outputs in {workdir}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
