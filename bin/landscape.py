"""keras-gans-landscape: the discriminator's landscape (paper Figs 2-7).

Trains the paper's MLP GAN (3 x 512 ReLU, latent 50, batch 64) on the 8x8
digits flattened to 64-D, one run per variant (GAN-NS + SGD, GAN-NS + Adam,
0GP lambda 100, R1 lambda 100, WGAN-GP lambda 10 with 5 D steps; see
keras_gans.experiments.figures.DIGITS_VARIANTS), and every --eval_every steps
measures f_i(k) = sigmoid(D(x_i + k u)) for --points real training digits
along one
random direction u, k in [-radius, radius]. Writes to --workdir, per variant
VARIANT/landscape_STEP.png (the curves beside the digits) and
VARIANT/landscape.json, and landscape_summary.png and results.json over all
variants, and prints the table: fraction of real points that are local
maxima, mean width of the maxima, fraction of monotonic curves. Running
again on the same workdir resumes. --quick finishes in a few minutes.
"""

import dataclasses
import os

from typing import ClassVar, Optional, Tuple

from absl import logging

from keras_gans import cli
from keras_gans.experiments import presets
from keras_gans.settings import MAX_SEED, setting

_ALL = ["ns_sgd", "ns_adam", "zero_gp", "r1", "wgan_gp"]


@dataclasses.dataclass(frozen=True)
class LandscapeFlags:
    """landscape.py's flags (``cli.define_flags``)."""

    workdir: Optional[str] = setting(
        None,
        "Output directory (default runs/landscape[_quick]).",
    )
    variants: Tuple[str, ...] = setting(
        tuple(_ALL),
        "keras_gans.experiments.figures.DIGITS_VARIANTS.",
    )
    steps: int = setting(10000, "GAN steps per run.", lower=1)
    eval_every: int = setting(2000, "Steps between landscapes.", lower=1)
    points: int = setting(64, "Real digits measured.", lower=1)
    radius: float = setting(20.0, "K: k in [-K, K].", lower=1e-9)
    num: int = setting(101, "Grid points in k (odd).", lower=3)
    tol: float = setting(
        1e-4,
        "Tie tolerance of the landscape analysis (probability units).",
        lower=0.0,
    )
    seed: int = setting(
        0,
        "Seed of the runs and of u.",
        lower=0,
        upper=MAX_SEED,
    )
    quick: bool = setting(
        False,
        "1500 steps, a landscape every 500: minutes on CPU (flags given "
        "explicitly win).",
    )

    QUICK: ClassVar[dict] = {"steps": 1500, "eval_every": 500}

    def validate(self):
        """The rules between the flags (before TensorFlow loads) and the
        default workdir."""
        presets.check_digits_flags(self.variants, self.steps, self.eval_every)
        return cli.default_workdir(self, "landscape")


cli.define_flags(LandscapeFlags)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)  # checkpoint INFO lines
    args = cli.settings_from_flags(LandscapeFlags)
    from keras_gans import callbacks, json_io, plots
    from keras_gans.experiments import figures

    steps, every, workdir = args.steps, args.eval_every, args.workdir
    for variant in args.variants:  # every bad flag before any training
        figures.digits_config(variant, steps, every, args.seed)
    points = figures.digits_points(args.points)
    results = {}
    for variant in args.variants:
        outdir = os.path.join(workdir, variant)
        cb = callbacks.LandscapeCallback(
            points,
            every,
            radius=args.radius,
            num=args.num,
            seed=args.seed,
            tol=args.tol,
            image_shape=(8, 8),
            outdir=outdir,
            log_dir=os.path.join(outdir, "tensorboard", "landscape"),
        )
        try:
            figures.run_digits(
                variant, outdir, steps, every, [cb], args.seed, verbose=0
            )
        except ValueError as e:
            raise cli.Failure(str(e))
        results[variant] = cb.history
        last = cb.history[-1]
        print(
            f"{variant}: step {last['step']}, local maxima "
            f"{last['local_max']:.2f}, monotonic {last['monotonic']:.2f}",
            flush=True,
        )
    json_io.write_json(
        os.path.join(workdir, "results.json"),
        {
            "steps": steps,
            "eval_every": every,
            "points": len(points),
            "radius": args.radius,
            "num": args.num,
            "tol": args.tol,
            "seed": args.seed,
            "summary": figures.landscape_rows(results),
            "history": results,
        },
    )
    plots.plot_landscape_summary(
        {figures.DIGITS_VARIANTS[v].description: r for v, r in results.items()},
        os.path.join(workdir, "landscape_summary.png"),
        f"Digits, {len(points)} real points, k in [-{args.radius:g}, "
        f"{args.radius:g}]",
    )
    print(figures.landscape_table(results))
    print(f"Outputs in {workdir}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
