"""keras-gans-sample: write N samples of a trained generator to an .npz or
a folder of PNGs, to score them with other tools (clean-fid,
torch-fidelity, pytorch-fid).

  keras-gans-sample --run=runs/cifar10_x --num_samples=50000 \
      --output=samples/                    # latest checkpoint -> PNGs
  keras-gans-sample --run=runs/x --which=best --output=best.npz
  keras-gans-sample --export_dir=saved_models/x --output=x.npz

Samples are the sampling generator's (the EMA generator when the run has
one) on latents N(0, I) from --seed. Images in [-1, 1] become 8-bit PNGs;
the .npz holds the float32 array ``samples`` as generated. Nothing
existing is overwritten.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import app, flags, logging

FLAGS = flags.FLAGS

flags.DEFINE_string("run", None, "Workdir of a keras-gans-train run.")
flags.DEFINE_enum(
    "which",
    "latest",
    ["latest", "best"],
    "With --run: the latest checkpoint or the --keep_best one.",
)
flags.DEFINE_string(
    "export_dir", None, "An exported generator (SavedModel) instead."
)
flags.DEFINE_integer("num_samples", 10_000, "How many samples.", lower_bound=1)
flags.DEFINE_integer("seed", 0, "Seed of the latents.", lower_bound=0)
flags.DEFINE_integer(
    "batch_size", 1000, "Latents per generator call.", lower_bound=1
)
flags.DEFINE_string(
    "output", None, "FILE.npz, or a new folder for PNGs.", required=True
)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    logging.set_verbosity(logging.WARNING)
    from keras_gans import sampling

    try:
        source = sampling.load_source(FLAGS.run, FLAGS.export_dir, FLAGS.which)
        samples = sampling.sample(
            source, FLAGS.num_samples, FLAGS.seed, FLAGS.batch_size
        )
        path = sampling.write_samples(
            samples,
            FLAGS.output,
            sampling.sample_labels(source, FLAGS.num_samples),
        )
    except (ValueError, FileNotFoundError, FileExistsError) as e:
        raise app.UsageError(str(e))
    print(
        f"Wrote {len(samples)} samples {samples.shape[1:]} from the "
        f"{source.description} to {path}."
    )


def run():
    """Console-script entry point."""
    app.run(main)


if __name__ == "__main__":
    run()
