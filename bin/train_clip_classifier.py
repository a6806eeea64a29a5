"""keras-gans-train-clip-classifier: the clip classifier behind the clip
metrics.

Trains ``keras_gans.clip_metrics.clip_classifier`` (a small 3-D CNN) with
``clip_metrics.train_clip_classifier`` on 1-digit ``moving_digits`` clips
of the ``train`` split's digits, to name each clip's digit and its
direction of motion, for a fixed number of steps (no model selection on
held-out clips); then reports its accuracies on held-out clips (the
``test`` split's digits, ``clip_metrics.clip_classifier_accuracy``) and
saves the model (without optimizer state) to ``--output`` (``.keras``)
with a ``.json`` record of the accuracies and settings beside it. A model
whose held-out digit accuracy is below ``--min_accuracy`` is not saved
(exit status 1): an earlier model at ``--output`` is kept; a passing one
is written beside it under a unique temporary name and swapped in.
Deterministic: fixed seeds and TensorFlow's deterministic ops, so a rerun
on the same machine gives the same weights. About five minutes on two
CPU cores shared with other work (2500 steps at 0.1 s).

The committed model is ``keras_gans/assets/clip_classifier.keras``
(``keras_gans.clip_metrics.load_clip_classifier()`` loads it):

  python bin/train_clip_classifier.py \\
      --output=keras_gans/assets/clip_classifier.keras
"""

import dataclasses
import os

from absl import flags

from keras_gans import cli
from keras_gans.settings import MAX_SEED, setting

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class ClipClassifierFlags:
    """train_clip_classifier.py's flags (``cli.define_flags``)."""

    output: str = setting(
        "runs/clip_classifier/clip_classifier.keras",
        "Where the trained model goes (.keras).",
    )
    steps: int = setting(2500, "Training steps.", lower=1)
    batch_size: int = setting(32, "Clips per step.", lower=1)
    frames: int = setting(8, "Frames of the training clips.", lower=2)
    width: int = setting(16, "Filters of the first convolution.", lower=1)
    lr: float = setting(
        2e-3,
        "Adam's peak learning rate, decayed to 0 by a cosine (finite, > 0).",
        lower=1e-12,
    )
    seed: int = setting(
        0,
        "Seed of the weights and the training clips.",
        lower=0,
        upper=MAX_SEED,
    )
    test_samples: int = setting(1000, "Held-out clips evaluated.", lower=1)
    test_frames: int = setting(16, "Frames of the held-out clips.", lower=2)
    min_accuracy: float = setting(
        0.9,
        "Fail (exit status 1, nothing saved) if the held-out digit accuracy is "
        "lower.",
        lower=0.0,
    )


cli.define_flags(ClipClassifierFlags)

# The held-out clips' seed (moving_digits.clips_sample, split "test"),
# fixed so that every model is measured on the same clips.
TEST_SEED = 0


def main(argv):
    del argv
    if not FLAGS.output.endswith(".keras"):
        raise cli.Failure("--output must end in .keras.")
    from keras_gans import clip_metrics

    model = clip_metrics.train_clip_classifier(
        steps=FLAGS.steps,
        batch_size=FLAGS.batch_size,
        seed=FLAGS.seed,
        frames=FLAGS.frames,
        lr=FLAGS.lr,
        width=FLAGS.width,
        verbose=2,
    )
    accuracy = clip_metrics.clip_classifier_accuracy(
        model, FLAGS.test_samples, TEST_SEED, FLAGS.test_frames
    )
    record = {
        **accuracy,
        "test_seed": TEST_SEED,
        "test_frames": FLAGS.test_frames,
        "direction_bins": clip_metrics.DIRECTION_BINS,
        "steps": FLAGS.steps,
        "batch_size": FLAGS.batch_size,
        "frames": FLAGS.frames,
        "width": FLAGS.width,
        "lr": FLAGS.lr,
        "seed": FLAGS.seed,
    }
    print(
        f"Held-out accuracy: digit {100 * accuracy['digit_accuracy']:.2f}%, "
        f"direction {100 * accuracy['direction_accuracy']:.2f}% on "
        f"{record['num_test']} clips."
    )
    # Checked before anything is written: a failing model never replaces
    # the one at --output.
    if not accuracy["digit_accuracy"] >= FLAGS.min_accuracy:
        raise cli.Failure(
            f"held-out digit accuracy {accuracy['digit_accuracy']:.4f} is "
            f"below --min_accuracy={FLAGS.min_accuracy}; the model is not "
            "saved"
            + (
                f" ({FLAGS.output} is kept)"
                if os.path.exists(FLAGS.output)
                else ""
            )
            + ". Train longer (--steps) or lower --min_accuracy."
        )
    json_path = FLAGS.output[: -len(".keras")] + ".json"
    from keras_gans import json_io

    with json_io.staged(json_path, ".json") as staged_json:
        with json_io.staged(FLAGS.output, ".keras") as staged_model:
            model.save(staged_model)
            json_io.write_json(staged_json, record, indent=2)
    print(f"Model in {FLAGS.output}, record in {json_path}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
