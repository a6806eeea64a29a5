"""Data sets: toy Gaussian mixtures (ring, grid) as seeded, infinite,
step-indexed ``tf.data`` pipelines; scikit-learn's bundled 8x8 digits and
stacked digits (offline); MNIST, CIFAR-10 and CelebA through
tensorflow-datasets.

A toy, digits or stacked-digits pipeline's batch ``i`` is a pure function of
``(seed, i)`` (stateless Philox draws, ``keras_gans.rng``), so resuming at
step ``s`` is exactly ``..._dataset(..., start_step=s)``: the data RNG state
is the step counter. Every image is float32 ``[H, W, C]`` in ``[-1, 1]``.

Labels: with ``labels=True`` a pipeline yields ``(x, label)`` batches, the
label int32 ``[batch]``: the digit (0..9) for digits, the three-digit label
``100 * l0 + 10 * l1 + l2`` (0..999) for stacked digits, the index of the
mode each sample was drawn from for the toy mixtures, the data set's
``label`` feature for MNIST and CIFAR-10 (CelebA has none); stacked
digits also give their per-channel digits (``labels="channels"``). The
samples are the same draws as without labels (the label is read from the
same random numbers), so ``labels=True`` changes nothing else.
``num_classes(name)`` is the number of classes.

The package's modules: ``toy`` (the mixtures), ``digit_images`` (digits,
stacked digits), ``tfds_sets`` (tensorflow-datasets), ``images`` (an
image set's training pipeline), ``catalogue`` (shapes, classes, label
frequencies) and ``pipeline`` (what the step-indexed pipelines share);
every public name is importable from ``keras_gans.data``.
"""

import keras_gans

# Public name -> the module that defines it. The modules load on first use:
# ``catalogue`` (the data sets' facts) without TensorFlow, so that a
# config and a binary's flags are checked before TensorFlow starts.
_EXPORTS = {
    **dict.fromkeys(
        (
            "CLIP_DATASETS",
            "DIGITS_TRAIN_SIZE",
            "IMAGE_DATASETS",
            "LABELLED",
            "Mixture",
            "TFDS_CLIP_DATASETS",
            "TFDS_DATASETS",
            "TOY_DATASETS",
            "image_shape",
            "label_frequencies",
            "mixture",
            "num_classes",
        ),
        "catalogue",
    ),
    **dict.fromkeys(
        (
            "DIGITS_SPLITS",
            "digits",
            "digits_dataset",
            "stacked_digits",
            "stacked_digits_sample",
        ),
        "digit_images",
    ),
    "image_dataset": "images",
    "step_indexed": "pipeline",
    **dict.fromkeys(
        ("DataNotAvailableError", "tfds_builder", "tfds_images"), "tfds_sets"
    ),
    **dict.fromkeys(
        ("sample_mixture", "sample_mixture_labelled", "toy_dataset"), "toy"
    ),
}

__all__ = [
    "CLIP_DATASETS",
    "DIGITS_SPLITS",
    "DIGITS_TRAIN_SIZE",
    "TFDS_CLIP_DATASETS",
    "IMAGE_DATASETS",
    "LABELLED",
    "Mixture",
    "TFDS_DATASETS",
    "TOY_DATASETS",
    "DataNotAvailableError",
    "digits",
    "digits_dataset",
    "image_dataset",
    "image_shape",
    "stacked_digits",
    "stacked_digits_sample",
    "tfds_images",
    "tfds_builder",
    "step_indexed",
    "mixture",
    "label_frequencies",
    "num_classes",
    "toy_dataset",
    "sample_mixture",
    "sample_mixture_labelled",
]


def __getattr__(name):
    return keras_gans._attribute(__name__, name, _EXPORTS)


def __dir__():
    return sorted({*globals(), *__all__})
