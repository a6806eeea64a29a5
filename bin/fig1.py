"""keras-gans-fig1: gradient fields on the ring (paper Fig. 1).

Trains GAN-NS + SGD lr 3e-3, GAN-NS + R1 lambda 10 (same SGD) and GAN-NS +
Adam on the ring of 8 Gaussians with the paper's 2 x 64 ReLU MLPs and a 2-D
latent (keras_gans.experiments.figures.FIG1_VARIANTS, through
keras_gans.train_lib), and every --every steps draws the generator's
gradient field -dL_G/dx with
real and fake points. Writes to --workdir, per variant, the train_lib
outputs and VARIANT/fields/gradient_field_STEP.png (+ .npz, .json), and
fig1.png (rows: variants; columns: the --show_steps evaluations),
results.json, and prints per variant: the field's coherence (1: all arrows
one way, directional monotonicity), the mean cosine between consecutive
fields (1: a stable pattern) and the final mode coverage. Running again on
the same workdir resumes. --quick finishes in a few minutes.
"""

import dataclasses
import os
from typing import ClassVar, Optional, Tuple

from absl import logging

from keras_gans import cli
from keras_gans.experiments import presets
from keras_gans.settings import MAX_SEED, ConfigError, setting


@dataclasses.dataclass(frozen=True)
class Fig1Flags:
    """keras-gans-fig1's flags (``cli.define_flags``)."""

    workdir: Optional[str] = setting(
        None, "Output directory (default runs/fig1[_quick])."
    )
    variants: Tuple[str, ...] = setting(
        ("ns_sgd", "r1", "ns_adam"),
        "keras_gans.experiments.figures.FIG1_VARIANTS.",
    )
    dataset: str = setting(
        "ring_paper",
        "Toy data set (ring_paper: the paper's ring, radius 2, sigma 0.02).",
    )
    steps: int = setting(5000, "GAN steps per run.", lower=1)
    every: int = setting(500, "Steps between fields.", lower=1)
    show_steps: Tuple[str, ...] = setting(
        ("3000", "3500", "4000", "4500"),
        "Steps shown in fig1.png (paper Fig. 1a-d); empty: the last four.",
    )
    num: int = setting(21, "Arrows per axis.", lower=2)
    seed: int = setting(
        0, "Seed of the runs.", lower=0, upper=MAX_SEED
    )
    quick: bool = setting(
        False,
        "2000 steps, a field every 250: a minute or two on CPU (flags given "
        "explicitly win).",
    )

    QUICK: ClassVar[dict] = {
        "steps": 2000,
        "every": 250,
        "show_steps": ("1250", "1500", "1750", "2000"),
    }

    def validate(self):
        """The rules between the flags (before TensorFlow loads) and the
        default workdir."""
        presets.check_variants("fig1", self.variants, "Fig. 1", "--variants")
        try:
            [int(step) for step in self.show_steps]
        except ValueError:
            raise ConfigError(
                "show_steps", f"integers, got {','.join(self.show_steps)}"
            ) from None
        return cli.default_workdir(self, "fig1")


cli.define_flags(Fig1Flags)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    args = cli.settings_from_flags(Fig1Flags)
    from keras_gans import data, json_io, plots, rng
    from keras_gans.experiments import figures

    steps, every, workdir = args.steps, args.every, args.workdir
    try:
        mix = data.mixture(args.dataset)
        for variant in args.variants:
            figures.fig1_config(variant, steps, every, args.dataset)
    except ValueError as e:
        raise cli.Failure(str(e))
    show = {int(step) for step in args.show_steps}
    real = data.sample_mixture(
        mix, 500, rng.stream(args.seed, "fig1/real_points")
    ).numpy()
    records, panels = [], []
    for variant in args.variants:
        record, fields = figures.fig1_run(
            variant,
            os.path.join(workdir, variant),
            steps,
            every,
            real,
            args.dataset,
            args.seed,
            args.num,
        )
        records.append(record)
        name = figures.FIG1_VARIANTS[variant].description
        shown = [f for f in fields if f[0] in show] or fields[-4:]
        panels.append(
            [
                (field, real, fake, f"{name}, step {step}")
                for step, field, fake in shown
            ]
        )
        print(f"{variant}: coherence {record['coherence']:.2f}", flush=True)
    plots.plot_gradient_fields(
        panels,
        os.path.join(workdir, "fig1.png"),
        f"{args.dataset}: -dL_G/dx (arrows), real (blue), generated (red)",
        centres=mix.centres,
    )
    json_io.write_json(
        os.path.join(workdir, "results.json"),
        {"steps": steps, "every": every, "runs": records},
    )
    print(figures.fig1_table(records))
    print(f"Outputs in {workdir}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
