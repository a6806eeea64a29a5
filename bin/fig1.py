"""keras-gans-fig1: gradient fields on the ring (paper Fig. 1).

Trains GAN-NS + SGD lr 3e-3, GAN-NS + R1 lambda 10 (same SGD) and GAN-NS +
Adam on the ring of 8 Gaussians with the paper's 2 x 64 ReLU MLPs and a 2-D
latent (keras_gans.figures.FIG1_VARIANTS, through keras_gans.train_lib),
and every --every steps draws the generator's gradient field -dL_G/dx with
real and fake points. Writes to --workdir, per variant, the train_lib
outputs and VARIANT/fields/gradient_field_STEP.png (+ .npz, .json), and
fig1.png (rows: variants; columns: the last --columns evaluations),
results.json, and prints per variant: the field's coherence (1: all arrows
one way, directional monotonicity), the mean cosine between consecutive
fields (1: a stable pattern) and the final mode coverage. Running again on
the same workdir resumes. --quick finishes in a few minutes.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging  # noqa: E402

FLAGS = flags.FLAGS

flags.DEFINE_string(
    "workdir", None, "Output directory (default runs/fig1[_quick])."
)
flags.DEFINE_list(
    "variants",
    ["ns_sgd", "r1", "ns_adam"],
    "keras_gans.figures.FIG1_VARIANTS.",
)
flags.DEFINE_string("dataset", "ring", "Toy data set.")
flags.DEFINE_integer("steps", 10000, "GAN steps per run.", lower_bound=1)
flags.DEFINE_integer("every", 500, "Steps between fields.", lower_bound=1)
flags.DEFINE_integer("columns", 4, "Fields per row of fig1.png.", lower_bound=1)
flags.DEFINE_integer("num", 21, "Arrows per axis.", lower_bound=2)
flags.DEFINE_integer("seed", 0, "Seed of the runs.", lower_bound=0)
flags.DEFINE_bool(
    "quick", False, "2000 steps, a field every 250: a minute or two on CPU."
)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)
    import numpy as np

    from keras_gans import callbacks, data, figures, plots, train_lib
    from keras_gans.diagnostics import mean_cosine

    steps, every = FLAGS.steps, FLAGS.every
    if FLAGS.quick:
        steps, every = 2000, 250
    workdir = FLAGS.workdir or (
        "runs/fig1_quick" if FLAGS.quick else "runs/fig1"
    )
    try:
        mix = data.mixture(FLAGS.dataset)
        configs = {
            v: figures.fig1_config(v, steps, every, FLAGS.dataset, FLAGS.seed)
            for v in FLAGS.variants
        }
    except ValueError as e:
        raise app.UsageError(str(e))
    real = data.sample_mixture(mix, 500, [FLAGS.seed, 11]).numpy()
    rows, panels = [], []
    for variant, config in configs.items():
        fields_dir = os.path.join(workdir, variant, "fields")
        cb = callbacks.GradientFieldCallback(
            real,
            every,
            num=FLAGS.num,
            seed=FLAGS.seed,
            centres=mix.centres,
            outdir=fields_dir,
            log_dir=os.path.join(workdir, variant, "tensorboard", "field"),
        )
        result = train_lib.run(
            config,
            os.path.join(workdir, variant),
            verbose=0,
            extra_callbacks=[cb],
        )
        loaded = [
            (
                r["step"],
                *cb.load_field(
                    os.path.join(
                        fields_dir, f"gradient_field_{r['step']:07d}.npz"
                    )
                ),
            )
            for r in cb.history
        ]
        cosines = [mean_cosine(a[1], b[1]) for a, b in zip(loaded, loaded[1:])]
        final = result["final"]
        rows.append(
            {
                "variant": variant,
                "coherence": float(
                    np.mean([r["coherence"] for r in cb.history])
                ),
                "mean_norm": float(
                    np.mean([r["mean_norm"] for r in cb.history])
                ),
                "consecutive_cosine": float(np.mean(cosines))
                if cosines
                else None,
                "modes": final.get("modes"),
                "high_quality": final.get("high_quality"),
                "history": cb.history,
                "consecutive_cosines": cosines,
            }
        )
        description = figures.FIG1_VARIANTS[variant][0]
        panels.append(
            [
                (field, real, fake, f"{description}, step {step}")
                for step, field, fake in loaded[-FLAGS.columns :]
            ]
        )
        print(f"{variant}: coherence {rows[-1]['coherence']:.2f}", flush=True)
    plots.plot_gradient_fields(
        panels,
        os.path.join(workdir, "fig1.png"),
        f"{FLAGS.dataset}: -dL_G/dx (arrows), real (blue), generated (red)",
        centres=mix.centres,
    )
    figures.write_json(
        os.path.join(workdir, "results.json"),
        {"steps": steps, "every": every, "runs": rows},
    )
    print(
        figures.format_table(
            ["variant", "coherence", "mean |v|", "cos(t, t+1)", "modes", "HQ"],
            [
                [
                    figures.FIG1_VARIANTS[r["variant"]][0],
                    r["coherence"],
                    r["mean_norm"],
                    r["consecutive_cosine"],
                    r["modes"],
                    r["high_quality"],
                ]
                for r in rows
            ],
        )
    )
    print(f"Outputs in {workdir}.")


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
