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
existing is overwritten, and samples holding NaN or inf are not written
(exit status 3). --run finds the checkpoint files as training does (the
newest intact one; a damaged one is named and skipped).
"""

import dataclasses
import sys
from typing import Optional

import numpy as np
from absl import flags, logging

from keras_gans import cli
from keras_gans.settings import setting

FLAGS = flags.FLAGS

@dataclasses.dataclass(frozen=True)
class SampleFlags:
    """sample.py's flags (``cli.define_flags``)."""

    run: Optional[str] = setting(None, "Workdir of a keras-gans-train run.")
    which: str = setting(
        "latest",
        "With --run: the latest checkpoint or the --keep_best one.",
        choices=("latest", "best"),
    )
    export_dir: Optional[str] = setting(
        None, "An exported generator (SavedModel) instead."
    )
    num_samples: int = setting(10_000, "How many samples.", lower=1)
    seed: int = setting(0, "Seed of the latents.", lower=0)
    batch_size: int = setting(1000, "Latents per generator call.", lower=1)
    output: Optional[str] = setting(
        None,
        "FILE.npz, FILE.gif (clips), or a new folder for PNGs.",
        required=True,
    )


cli.define_flags(SampleFlags)


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    from keras_gans import json_io, sampling
    from keras_gans.callbacks.checkpoint import CheckpointError

    try:
        source = sampling.load_source(FLAGS.run, FLAGS.export_dir, FLAGS.which)
    except json_io.DamagedFileError:
        raise  # exit 4, naming the file
    except (ValueError, FileNotFoundError) as e:
        raise cli.Failure(str(e)) from None
    except CheckpointError as e:
        raise cli.Failure(f"--run={FLAGS.run}: {e}", cli.EXIT_IO) from None
    except Exception as e:  # noqa: BLE001 - TensorFlow's load errors
        if FLAGS.export_dir is None:
            raise
        raise cli.Failure(
            f"--export_dir={FLAGS.export_dir}: the SavedModel cannot be "
            f"read ({_first_line(e)}); export it again (keras-gans-train "
            "--export_dir=...) or pass another.",
            cli.EXIT_IO,
        ) from None
    for prefix, problem in source.skipped:
        print(
            f"Damaged checkpoint {prefix}: {problem}; skipped.",
            file=sys.stderr,
        )
    samples = sampling.sample(
        source, FLAGS.num_samples, FLAGS.seed, FLAGS.batch_size
    )
    bad = int(np.sum(~np.isfinite(samples.reshape(len(samples), -1)).all(1)))
    if bad:
        raise cli.Failure(
            f"{bad} of {len(samples)} samples of the {source.description} "
            "hold NaN or inf (the generator diverged); nothing written. "
            "Sample an earlier or the best checkpoint (--which=best) or "
            "another export.",
            cli.EXIT_DIVERGED,
        )
    try:
        path = sampling.write_samples(
            samples,
            FLAGS.output,
            sampling.sample_labels(source, FLAGS.num_samples),
        )
    except (ValueError, sampling.OutputExistsError) as e:
        raise cli.Failure(str(e)) from None
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        raise cli.Failure(
            f"--output={FLAGS.output}: cannot be written: "
            f"{e.strerror or e}{where}; choose a writable path.",
            cli.EXIT_IO,
        ) from None
    print(
        f"Wrote {len(samples)} samples {samples.shape[1:]} from the "
        f"{source.description} to {path}."
    )


def _first_line(error):
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
