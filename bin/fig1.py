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

import os

from absl import flags, logging

from keras_gans import cli
from keras_gans.experiments import presets
from keras_gans.settings import MAX_SEED

FLAGS = flags.FLAGS

flags.DEFINE_string(
    "workdir", None, "Output directory (default runs/fig1[_quick])."
)
flags.DEFINE_list(
    "variants",
    ["ns_sgd", "r1", "ns_adam"],
    "keras_gans.experiments.figures.FIG1_VARIANTS.",
)
flags.DEFINE_string(
    "dataset",
    "ring_paper",
    "Toy data set (ring_paper: the paper's ring, radius 2, sigma 0.02).",
)
flags.DEFINE_integer("steps", 5000, "GAN steps per run.", lower_bound=1)
flags.DEFINE_integer("every", 500, "Steps between fields.", lower_bound=1)
flags.DEFINE_list(
    "show_steps",
    ["3000", "3500", "4000", "4500"],
    "Steps shown in fig1.png (paper Fig. 1a-d); empty: the last four.",
)
flags.DEFINE_integer("num", 21, "Arrows per axis.", lower_bound=2)
flags.DEFINE_integer(
    "seed", 0, "Seed of the runs.", lower_bound=0, upper_bound=MAX_SEED
)
flags.DEFINE_bool(
    "quick",
    False,
    "2000 steps, a field every 250: a minute or two on CPU (flags given "
    "explicitly win).",
)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    presets.check_variants("fig1", FLAGS.variants, "Fig. 1")  # no TF yet
    from keras_gans import data, json_io, plots
    from keras_gans.experiments import figures

    # --quick's values, except for the flags given explicitly.
    quick = cli.quick_values(FLAGS.quick, steps=2000, every=250)
    steps, every = quick["steps"], quick["every"]
    workdir = FLAGS.workdir or (
        "runs/fig1_quick" if FLAGS.quick else "runs/fig1"
    )
    try:
        mix = data.mixture(FLAGS.dataset)
        for variant in FLAGS.variants:
            figures.fig1_config(variant, steps, every, FLAGS.dataset)
    except ValueError as e:
        raise cli.Failure(str(e))
    try:
        show = {int(s) for s in FLAGS.show_steps}
    except ValueError:
        raise cli.Failure(f"--show_steps: integers, got {FLAGS.show_steps}")
    if FLAGS.quick and not FLAGS["show_steps"].present:
        show = {1250, 1500, 1750, 2000}
    real = data.sample_mixture(mix, 500, [FLAGS.seed, 11]).numpy()
    records, panels = [], []
    for variant in FLAGS.variants:
        record, fields = figures.fig1_run(
            variant,
            os.path.join(workdir, variant),
            steps,
            every,
            real,
            FLAGS.dataset,
            FLAGS.seed,
            FLAGS.num,
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
        f"{FLAGS.dataset}: -dL_G/dx (arrows), real (blue), generated (red)",
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
