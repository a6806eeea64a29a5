"""Sample-quality metrics: offline image metrics, and toy mode coverage.

Mode coverage on toy mixtures (the PacGAN protocol: ``mode_coverage``,
``held_modes``) is in ``keras_gans.toy_metrics`` and re-exported here.

Image metrics (no network needed):

- *Classifier score* (the Inception Score formula of Salimans et al., 2016,
  on the project's digits classifier): ``exp(E_x KL(p(y|x) || p(y)))`` with
  ``p(y) = E_x p(y|x)`` over the evaluated set. It lies in ``[1, K]``: 1 for
  one repeated class (or uniform, uninformative predictions), ``K`` for
  confident predictions spread evenly over the ``K = 10`` classes.
- *Modes*: each sample's label is the classifier's argmax (per channel for
  stacked digits: ``100 * l0 + 10 * l1 + l2``, 1000 modes); a mode is covered
  if at least one sample has its label; ``kl = KL(histogram || uniform) =
  sum_k p_k log(p_k K)``. VEEGAN and PacGAN use 26,000 samples on stacked
  MNIST.
- *Frechet distance* (Heusel et al., 2017) between Gaussians fitted to the
  classifier's penultimate features of the samples and of the held-out
  digits: ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^{1/2})``.
- *KID, precision and recall* (``feature_metrics``: Binkowski et al.,
  2018; Kynkaanniemi et al., 2019) on the same features, each evaluated
  set against the reference (KID subsets and the precision/recall sample
  count capped at the smaller of the two sets).
- *Class-conditional accuracy* (a conditional GAN): the classifier's
  accuracy on samples generated for requested classes, per class (the
  fraction of class-k samples labelled k; stacked digits: all three
  digits right) and its mean over the requested classes
  (``class_accuracy``, ``DigitsEvaluator.class_accuracy``; ``classes_hit``:
  the classes with at least one sample classified as themselves). Chance
  is ``1 / K`` for a generator that ignores the label. The *intra-class
  Frechet distance* (``DigitsEvaluator.intra_class_frechet``) is the mean
  over the digit classes of the Frechet distance between the features of
  the samples generated for class k and of the held-out digits of class k
  (Miyato & Koyama, 2018, Sec. 5).
- *Inception Score and FID*: ``keras_gans.inception`` (the reference
  graph, or Keras' ``InceptionV3``) scores images with the functions here.
"""

import dataclasses
import hashlib
import os
from typing import Optional

import numpy as np

from keras_gans import reference_stats
from keras_gans.feature_metrics import density_coverage, kid, precision_recall
from keras_gans.toy_metrics import ModeCoverage, held_modes, mode_coverage

__all__ = [
    "DIGITS_CLASSIFIER_PATH",
    "DigitsEvaluator",
    "ModeCoverage",
    "ModeHistogram",
    "array_digest",
    "class_accuracy",
    "classifier_score",
    "density_coverage",
    "features_frechet_distance",
    "frechet_distance",
    "gaussian_stats",
    "inception_score",
    "kid",
    "held_modes",
    "load_digits_classifier",
    "mode_coverage",
    "mode_histogram",
    "precision_recall",
    "psd_sqrt",
    "reference_scores",
    "softmax",
]


# ------------------------------------------------------------------ images


@dataclasses.dataclass(frozen=True)
class ModeHistogram:
    """Result of ``mode_histogram``.

    Attributes:
        modes: number of labels with at least one sample.
        num_modes: number of possible labels K.
        kl: KL(histogram of the labels || uniform over K), in nats.
    """

    modes: int
    num_modes: int
    kl: float

    def as_dict(self):
        return dataclasses.asdict(self)


def mode_histogram(labels, num_modes: int) -> ModeHistogram:
    """Modes covered and ``KL(p || uniform) = sum_k p_k log(p_k K)``.

    Args:
        labels: integer array ``[N]`` with values in ``[0, num_modes)``.
        num_modes: K.

    Raises:
        ValueError: empty labels or labels out of range.
    """
    labels = np.asarray(labels).reshape(-1)
    if labels.size == 0:
        raise ValueError("mode_histogram needs at least one label.")
    if labels.min() < 0 or labels.max() >= num_modes:
        raise ValueError(
            f"labels must be in [0, {num_modes}), got range "
            f"[{labels.min()}, {labels.max()}]."
        )
    p = np.bincount(labels, minlength=num_modes) / labels.size
    nz = p > 0
    return ModeHistogram(
        modes=int(np.count_nonzero(nz)),
        num_modes=int(num_modes),
        kl=float(np.sum(p[nz] * np.log(p[nz] * num_modes))),
    )


def _check_probs(probs):
    p = np.asarray(probs, np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probs must have shape [N, K], got {p.shape}.")
    if not np.all(np.isfinite(p)) or p.min() < 0:
        raise ValueError("probs must be finite and non-negative.")
    return p


def classifier_score(probs) -> float:
    """``exp(E_x KL(p(y|x) || p(y)))``, ``p(y) = E_x p(y|x)``.

    The Inception Score formula (Salimans et al., 2016) on any classifier's
    class probabilities; in ``[1, K]``.

    Args:
        probs: ``[N, K]`` rows of class probabilities (softmax outputs).
    """
    p = _check_probs(probs)
    marginal = p.mean(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - np.log(marginal)), 0.0)
    return float(np.exp(terms.sum(axis=1).mean()))


def inception_score(probs, splits: int = 10) -> tuple:
    """Inception Score as published: ``classifier_score`` on each of
    ``splits`` equal consecutive parts of ``probs``; ``(mean, std)``."""
    p = _check_probs(probs)
    if int(splits) != splits or not 1 <= splits <= len(p):
        raise ValueError(
            f"splits must be in [1, {len(p)}] (the number of samples), "
            f"got {splits}."
        )
    scores = [classifier_score(part) for part in np.array_split(p, splits)]
    return float(np.mean(scores)), float(np.std(scores))


def gaussian_stats(features) -> tuple:
    """Mean ``[D]`` and covariance ``[D, D]`` (``N - 1`` normalised, float64)
    of ``features [N, D]``, N >= 2."""
    f = np.asarray(features, np.float64)
    if f.ndim != 2 or len(f) < 2:
        raise ValueError(
            f"features must have shape [N >= 2, D], got {f.shape}."
        )
    if not np.all(np.isfinite(f)):
        raise ValueError("features contain NaN or inf.")
    return f.mean(axis=0), np.cov(f, rowvar=False).reshape(f.shape[1], -1)


def psd_sqrt(matrix) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix.

    ``V diag(sqrt(max(w, 0))) V^T`` from the eigen-decomposition
    ``matrix = V diag(w) V^T`` (``numpy.linalg.eigh``; the matrix is
    symmetrised first and round-off negative eigenvalues are clipped to 0).
    """
    m = np.asarray(matrix, np.float64)
    w, v = np.linalg.eigh(0.5 * (m + m.T))
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet (2-Wasserstein) distance between two Gaussians, squared:

        ``|mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^{1/2})``.

    ``tr((S1 S2)^{1/2})`` is computed without scipy as
    ``tr((S1^{1/2} S2 S1^{1/2})^{1/2})`` (``S1 S2`` is similar to that
    symmetric PSD matrix, so the eigenvalues agree): the sum of the square
    roots of its eigenvalues (``numpy.linalg.eigvalsh``, negatives from
    round-off clipped to 0). Exact for singular covariances too.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape:
        raise ValueError(
            f"Shapes differ: means {mu1.shape} vs {mu2.shape}, covariances "
            f"{s1.shape} vs {s2.shape}."
        )
    root = psd_sqrt(s1)
    middle = root @ s2 @ root
    eig = np.linalg.eigvalsh(0.5 * (middle + middle.T))
    trace_sqrt = np.sqrt(np.clip(eig, 0.0, None)).sum()
    diff = mu1 - mu2
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt
    return float(max(value, 0.0))


def features_frechet_distance(a, b) -> float:
    """``frechet_distance`` of Gaussians fitted to features ``a [N1, D]``
    and ``b [N2, D]``.

    With fewer samples than dimensions (``max(N1, N2) < D``, e.g. a few
    images through Inception's 2048 features) the covariances are low rank
    and the D x D eigen-decompositions are wasted work: with centred
    features ``A, B`` and ``S1 = A^T A / (N1 - 1)``, ``S2 = B^T B /
    (N2 - 1)``, the non-zero eigenvalues of ``S1 S2`` are the squared
    singular values of ``A B^T / sqrt((N1 - 1)(N2 - 1))``, so
    ``tr((S1 S2)^{1/2})`` is that matrix's nuclear norm (an exact identity,
    computed from an N1 x N2 SVD). Otherwise ``gaussian_stats`` then
    ``frechet_distance``.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"features must be [N, D] with the same D, got {a.shape} and "
            f"{b.shape}."
        )
    if max(len(a), len(b)) >= a.shape[1]:
        return frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
    gaussian_stats(a), gaussian_stats(b)  # the same checks (N >= 2, finite)
    ca, cb = a - a.mean(axis=0), b - b.mean(axis=0)
    na, nb = len(a) - 1, len(b) - 1
    diff = a.mean(axis=0) - b.mean(axis=0)
    cross = np.linalg.svd(ca @ cb.T, compute_uv=False).sum()
    value = (
        diff @ diff
        + (ca**2).sum() / na
        + (cb**2).sum() / nb
        - 2.0 * cross / np.sqrt(na * nb)
    )
    return float(max(value, 0.0))


DIGITS_CLASSIFIER_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "assets",
    "digits_classifier.keras",
)


def load_digits_classifier(path: Optional[str] = None):
    """The project's digits classifier (``bin/train_classifier.py``).

    Args:
        path: a ``.keras`` file; default ``DIGITS_CLASSIFIER_PATH``, the
            model shipped inside the package (``keras_gans/assets/``).

    Returns:
        A ``keras.Model`` mapping digits ``[B, 8, 8, 1]`` in [-1, 1] to
        logits ``[B, 10]``, with a ``features`` layer (penultimate).

    Raises:
        FileNotFoundError: no file at ``path``.
    """
    return load_model(
        path or DIGITS_CLASSIFIER_PATH, "digits classifier", "train_classifier"
    )


def load_model(path, what: str, binary: str):
    """The ``.keras`` model at ``path`` (without its optimizer); a
    FileNotFoundError naming ``what`` and the ``bin/<binary>.py`` that
    trains one when there is no file."""
    import keras

    path = os.fspath(path)
    if not os.path.exists(path):
        command = "keras-gans-" + binary.replace("_", "-")
        raise FileNotFoundError(
            f"No {what} at {path}. Train one with `python bin/{binary}.py "
            f"--output=PATH` ({command} when installed) and pass its path."
        )
    return keras.saving.load_model(path, compile=False)


def array_digest(*arrays) -> str:
    """SHA-256 (first 16 hex digits) of arrays' shapes and bytes."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


def softmax(logits):
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class DigitsEvaluator:
    """Offline image metrics of 8x8 digits and stacked digits.

    ``evaluator(images)`` labels each channel of ``images [N, 8, 8, C]``
    (in [-1, 1]) with the digits classifier and returns a dict with
    ``classifier_score`` (mean over channels of the per-channel score),
    ``modes`` and ``num_modes`` (``10**C``) and ``kl`` (the joint label of a
    sample is its channels' digits read as a base-10 number), and
    ``frechet_distance`` (mean over channels of the Frechet distance between
    the channel's penultimate features and those of the reference digits),
    and ``kid``, ``precision``, ``recall`` on the same features (means over
    channels).

    Args:
        classifier: a model as returned by ``load_digits_classifier``
            (default: the shipped one).
        reference: reference digits ``[M, 8, 8, 1]`` for the Frechet
            distance; default the held-out split ``data.digits("test")``.
        batch_size: classifier batch size.
        kid_subsets: KID subsets (of ``min(1000, M, N)`` rows).
        k: the neighbour of precision and recall.
        cache_dir: a ``reference_stats`` cache directory for the reference
            features (keyed by the classifier's weights and the reference
            digits); None: no cache.
    """

    def __init__(
        self,
        classifier=None,
        reference=None,
        batch_size=4096,
        kid_subsets=100,
        k=3,
        cache_dir=None,
    ):
        import keras

        from keras_gans import data

        model = (
            classifier if classifier is not None else (load_digits_classifier())
        )
        self.classifier = model
        self._heads = keras.Model(
            model.input, [model.get_layer("features").output, model.output]
        )
        self.batch_size = int(batch_size)
        if reference is None:
            reference = data.digits("test")[0]
        reference = np.asarray(reference, np.float32)
        key = {
            "dataset": "digits-reference",
            "split": array_digest(reference),
            "extractor": "digits-classifier-"
            + array_digest(*model.get_weights()),
            "resize": "none",
            "samples": len(reference),
        }
        features, mu, sigma, self.cache_hit = reference_stats.cached_features(
            key, lambda: self.features_and_logits(reference)[0], cache_dir
        )
        self.reference_features = features
        self.reference_stats = (mu, sigma)
        self.kid_subsets = int(kid_subsets)
        self.k = int(k)

    def features_and_logits(self, digits) -> tuple:
        """Penultimate features ``[N, F]`` and logits ``[N, 10]`` of
        ``digits [N, 8, 8, 1]``."""
        x = np.asarray(digits, np.float32)
        if x.ndim != 4 or x.shape[1:] != (8, 8, 1):
            raise ValueError(f"digits must be [N, 8, 8, 1], got {x.shape}.")
        features, logits = [], []
        for start in range(0, len(x), self.batch_size):
            f, z = self._heads(x[start : start + self.batch_size])
            features.append(np.asarray(f))
            logits.append(np.asarray(z, np.float64))
        features, logits = np.concatenate(features), np.concatenate(logits)
        return np.asarray(features), np.asarray(logits, np.float64)

    def labels(self, images) -> np.ndarray:
        """The classifier's label of each of ``images [N, 8, 8, C]``: the
        channels' digits read as a base-10 number (int64 ``[N]``)."""
        x = np.asarray(images, np.float32)
        if x.ndim != 4 or x.shape[1:3] != (8, 8):
            raise ValueError(f"images must be [N, 8, 8, C], got {x.shape}.")
        n, channels = len(x), x.shape[-1]
        per_channel = np.transpose(x, (0, 3, 1, 2)).reshape(-1, 8, 8, 1)
        digit = self.features_and_logits(per_channel)[1].argmax(-1)
        digit = digit.reshape(n, channels)
        return (digit * 10 ** np.arange(channels - 1, -1, -1)).sum(-1)

    def class_accuracy(self, images, requested) -> dict:
        """``class_accuracy(self.labels(images), requested, 10**C)``."""
        x = np.asarray(images)
        return class_accuracy(
            self.labels(x), requested, 10 ** int(x.shape[-1])
        )

    def intra_class_frechet(self, images, requested, reference=None) -> dict:
        """Per-class Frechet distances of single digits ``images [N, 8, 8,
        1]`` generated for classes ``requested [N]`` against the reference
        digits of the same class (default: the held-out ``digits("test")``
        with their labels); classes with fewer than two samples on either
        side are skipped.

        Returns:
            ``intra_class_frechet`` (the mean) and
            ``per_class_frechet`` (a list of 10, None where skipped).
        """
        from keras_gans import data

        real, real_labels = reference if reference is not None else (
            data.digits("test")
        )
        requested = np.asarray(requested).reshape(-1)
        fake = self.features_and_logits(images)[0]
        real = self.features_and_logits(real)[0]
        per_class = []
        for k in range(10):
            a, b = fake[requested == k], real[np.asarray(real_labels) == k]
            if len(a) < 2 or len(b) < 2:
                per_class.append(None)
                continue
            per_class.append(
                frechet_distance(*gaussian_stats(a), *gaussian_stats(b))
            )
        present = [d for d in per_class if d is not None]
        return {
            "intra_class_frechet": float(np.mean(present))
            if present
            else float("nan"),
            "per_class_frechet": per_class,
        }

    def __call__(self, images) -> dict:
        x = np.asarray(images, np.float32)
        if x.ndim != 4 or x.shape[1:3] != (8, 8) or len(x) == 0:
            raise ValueError(f"images must be [N, 8, 8, C], got {x.shape}.")
        if not np.all(np.isfinite(x)):
            raise ValueError(
                "images contain NaN or inf (did training diverge?)."
            )
        n, channels = len(x), x.shape[-1]
        per_channel = np.transpose(x, (0, 3, 1, 2)).reshape(-1, 8, 8, 1)
        features, logits = self.features_and_logits(per_channel)
        probs = softmax(logits).reshape(n, channels, -1)
        digit = logits.argmax(-1).reshape(n, channels)
        label = (digit * 10 ** np.arange(channels - 1, -1, -1)).sum(-1)
        hist = mode_histogram(label, 10**channels)
        features = features.reshape(n, channels, -1)
        scores, distances, feature_scores = [], [], []
        for c in range(channels):
            scores.append(classifier_score(probs[:, c]))
            distances.append(
                frechet_distance(
                    *gaussian_stats(features[:, c]), *self.reference_stats
                )
            )
            feature_scores.append(
                reference_scores(
                    features[:, c],
                    self.reference_features,
                    self.kid_subsets,
                    self.k,
                )
            )
        return {
            "classifier_score": float(np.mean(scores)),
            **hist.as_dict(),
            "frechet_distance": float(np.mean(distances)),
            **{
                key: float(np.mean([r[key] for r in feature_scores]))
                for key in feature_scores[0]
            },
        }


def class_accuracy(predicted, requested, num_classes: int) -> dict:
    """How often samples generated for class k are classified as k.

    Args:
        predicted: a classifier's labels of the samples, ``[N]``.
        requested: the classes the samples were generated for, ``[N]``.
        num_classes: K.

    Returns:
        ``class_accuracy``: the mean over the requested classes of the
        per-class accuracy; ``accuracy``: over all samples; ``classes``:
        the number of classes requested; ``classes_hit``: those with at
        least one sample classified as requested; with K <= 100 also
        ``per_class_accuracy`` (a list of K, None for a class not
        requested).
    """
    predicted = np.asarray(predicted).reshape(-1)
    requested = np.asarray(requested).reshape(-1)
    if predicted.shape != requested.shape or not len(requested):
        raise ValueError(
            f"predicted and requested labels must be two equal non-empty "
            f"[N] arrays, got {predicted.shape} and {requested.shape}."
        )
    hits = predicted == requested
    per_class = [
        float(hits[requested == k].mean()) if np.any(requested == k) else None
        for k in range(int(num_classes))
    ]
    present = [a for a in per_class if a is not None]
    result = {
        "class_accuracy": float(np.mean(present)),
        "accuracy": float(hits.mean()),
        "classes": len(present),
        "classes_hit": int(sum(a > 0 for a in present)),
    }
    if num_classes <= 100:
        result["per_class_accuracy"] = per_class
    return result


def reference_scores(fake, real, kid_subsets, k) -> dict:
    """KID, precision and recall of features ``fake`` against ``real``:
    KID on ``kid_subsets`` subsets of ``min(1000, len(fake), len(real))``
    rows; precision and recall on the first ``min(len(fake), len(real))``
    fakes (equal set sizes, as Kynkaanniemi et al.), skipped (absent)
    when there are fewer than ``k + 1``."""
    n = min(len(fake), len(real))
    result = {}
    if n >= 2:
        result["kid"] = kid(real, fake, kid_subsets, min(1000, n))[0]
    if n >= k + 1:
        result["precision"], result["recall"] = precision_recall(
            real, fake[:n], k
        )
    return result
