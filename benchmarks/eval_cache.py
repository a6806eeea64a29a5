"""Evaluation cost with and without the reference-statistics cache.

For each extractor, the seconds to set up the evaluator (the reference
features: computed, computed and written to the cache, read from the
cache) and the seconds of one evaluation of generated images:

- the digits classifier (``metrics.DigitsEvaluator``) against the 359
  held-out digits, evaluating --digits_samples stacked-digit images;
- Inception (``inception.InceptionEvaluator``) at 299 x 299 against
  --inception_reference CIFAR-shaped images, evaluating as many. The
  network is Keras' InceptionV3 with random weights (no ImageNet weights or
  reference graph here): the same computation as with real weights.

  python benchmarks/eval_cache.py
"""

import tempfile
import time

import numpy as np
from absl import flags

from keras_gans import cli, data, inception, metrics

FLAGS = flags.FLAGS
flags.DEFINE_integer("digits_samples", 26_000, "Stacked digits evaluated.")
flags.DEFINE_integer(
    "inception_reference", 200, "Reference (and evaluated) images."
)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def _row(name, make, images, n_ref):
    with tempfile.TemporaryDirectory() as cache:
        _, plain = _timed(lambda: make(None))
        _, miss = _timed(lambda: make(cache))
        evaluator, hit = _timed(lambda: make(cache))
        assert evaluator.cache_hit
        _, evaluation = _timed(lambda: evaluator(images))
    return (
        f"{name:<36} {n_ref:>6} {len(images):>7} {plain:9.2f} {miss:9.2f} "
        f"{hit:9.2f} {evaluation:8.2f}"
    )


def main(argv):
    del argv
    rows = [
        (f"{'extractor':<36} {'ref N':>6} {'eval N':>7} {'no cache':>9} "
        f"{'miss':>9} {'hit':>9} {'eval s':>8}"),
    ]
    classifier = metrics.load_digits_classifier()
    stacked = data.stacked_digits_sample(FLAGS.digits_samples, seed=0)[0]
    rows.append(
        _row(
            "digits classifier (stacked digits)",
            lambda cache: metrics.DigitsEvaluator(classifier, cache_dir=cache),
            stacked,
            len(data.digits("test")[0]),
        )
    )
    n = FLAGS.inception_reference
    rs = np.random.RandomState(0)
    reference = rs.uniform(-1, 1, (n, 32, 32, 3)).astype(np.float32)
    fake = rs.uniform(-1, 1, (n, 32, 32, 3)).astype(np.float32)
    rows.append(
        _row(
            "InceptionV3 299 (random weights)",
            lambda cache: inception.InceptionEvaluator(
                None,
                reference=reference,
                splits=2,
                cache_dir=cache,
                reference_key={"dataset": "random", "samples": n},
            ),
            fake,
            n,
        )
    )
    print(
        "Seconds: evaluator set-up (reference features) without cache, "
        "with a cold cache (compute + write), with a warm cache (read); "
        "one evaluation of the generated images."
    )
    print("\n".join(rows))


if __name__ == "__main__":
    cli.main(main)
