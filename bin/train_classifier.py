"""keras-gans-train-classifier: the digits classifier behind the image
metrics.

Trains ``keras_gans.networks.digits_classifier`` (a small CNN) on
``keras_gans.data.digits("train")`` with small random shifts as
augmentation, for a fixed number of epochs (no model selection on the
held-out split), then reports its accuracy on ``digits("test")`` and saves
the model (without optimizer state) to ``--output`` (``.keras``) with a
``.json`` record of the accuracy and settings beside it. A model below
``--min_accuracy`` is not saved (exit status 1): an earlier model at
``--output`` is kept; a passing one is written beside it under a unique
temporary name and swapped in. Deterministic:
fixed seeds and TensorFlow's deterministic ops, so a rerun on the same
machine gives the same weights. About a minute on CPU.

The committed model is ``keras_gans/assets/digits_classifier.keras`` (the
package ships it; ``keras_gans.metrics.load_digits_classifier()`` loads it;
it has no other copy in the repository):

  python bin/train_classifier.py \\
      --output=keras_gans/assets/digits_classifier.keras
"""

import dataclasses
import os
import shutil

from typing import Optional

from absl import flags

from keras_gans import cli
from keras_gans.settings import MAX_SEED, setting

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class ClassifierFlags:
    """train_classifier.py's flags (``cli.define_flags``)."""

    output: str = setting(
        "runs/digits_classifier/digits_classifier.keras",
        "Where the trained model goes (.keras).",
    )
    copy_to: Optional[str] = setting(
        None,
        "Optional directory that also receives a copy.",
    )
    epochs: int = setting(60, "Training epochs.", lower=1)
    batch_size: int = setting(32, "Batch size.", lower=1)
    lr: float = setting(1e-3, "Adam learning rate (finite, > 0).", lower=1e-12)
    seed: int = setting(
        0,
        "Seed of weights, dropout and shuffling.",
        lower=0,
        upper=MAX_SEED,
    )
    min_accuracy: float = setting(
        0.97,
        "Fail (exit status 1, nothing saved) if the held-out accuracy is "
        "lower.",
        lower=0.0,
    )


cli.define_flags(ClassifierFlags)


def _shift(images, labels, seed):
    """Random shifts of up to one pixel (background -1 filled in)."""
    import tensorflow as tf

    padded = tf.pad(images + 1.0, [[0, 0], [1, 1], [1, 1], [0, 0]]) - 1.0
    crop = tf.image.stateless_random_crop(padded, tf.shape(images), seed=seed)
    return crop, labels


def train(epochs, batch_size, lr, seed):
    """Trains the classifier; returns ``(model, held-out accuracy)``."""
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gans import data, networks

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    x_train, y_train = data.digits("train")
    x_test, y_test = data.digits("test")
    counter = tf.data.Dataset.counter()
    ds = (
        tf.data.Dataset.from_tensor_slices((x_train, y_train))
        .shuffle(len(y_train), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
    )
    ds = tf.data.Dataset.zip((ds, counter)).map(
        lambda xy, i: _shift(*xy, tf.stack([tf.cast(seed, tf.int64), i]))
    )
    model = networks.digits_classifier(seed=seed)
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(ds, epochs=epochs, verbose=2)
    logits = model.predict(x_test, verbose=0)
    accuracy = float(np.mean(logits.argmax(-1) == y_test))
    clean = networks.digits_classifier(seed=seed)  # no optimizer state
    clean.set_weights(model.get_weights())
    return clean, accuracy


def main(argv):
    del argv
    if not FLAGS.output.endswith(".keras"):
        raise cli.Failure("--output must end in .keras.")
    model, accuracy = train(
        FLAGS.epochs, FLAGS.batch_size, FLAGS.lr, FLAGS.seed
    )
    from keras_gans import data

    record = {
        "test_accuracy": accuracy,
        "num_test": int(len(data.digits("test")[1])),
        "num_train": int(len(data.digits("train")[1])),
        "epochs": FLAGS.epochs,
        "batch_size": FLAGS.batch_size,
        "lr": FLAGS.lr,
        "seed": FLAGS.seed,
    }
    print(
        f"Held-out accuracy {100 * accuracy:.2f}% on "
        f"{record['num_test']} digits."
    )
    # Checked before anything is written: a failing model never replaces
    # the one at --output.
    if not accuracy >= FLAGS.min_accuracy:
        raise cli.Failure(
            f"held-out accuracy {accuracy:.4f} is below --min_accuracy="
            f"{FLAGS.min_accuracy}; the model is not saved"
            + (
                f" ({FLAGS.output} is kept)"
                if os.path.exists(FLAGS.output)
                else ""
            )
            + ". Train longer (--epochs) or lower --min_accuracy."
        )
    json_path = FLAGS.output[: -len(".keras")] + ".json"
    _save(model, record, FLAGS.output, json_path)
    if FLAGS.copy_to:
        os.makedirs(FLAGS.copy_to, exist_ok=True)
        for path in (FLAGS.output, json_path):
            shutil.copy(path, FLAGS.copy_to)
    print(f"Model in {FLAGS.output}, record in {json_path}.")


def _save(model, record, output, json_path):
    """Writes the model and its record under unique temporary names beside
    ``output``, then swaps both in (``os.replace``)."""
    from keras_gans import json_io

    # Both written before either is swapped in; the model first, as before.
    with json_io.staged(json_path, ".json") as staged_json:
        with json_io.staged(output, ".keras") as staged_model:
            model.save(staged_model)
            json_io.write_json(staged_json, record, indent=2)


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
