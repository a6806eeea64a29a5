"""Offline metrics of generated moving-digit clips.

The real clips are Srivastava, Mansimov & Salakhutdinov's bouncing digits
("Unsupervised Learning of Video Representations using LSTMs", ICML 2015),
made by ``keras_gans.moving_digits``. ``ClipEvaluator`` scores generated
clips ``[N, T, S, S, 1]`` in [-1, 1] against held-out real ones.

**The digit detector** (``detect_digits``) works frame by frame on the ink
``(x + 1) / 2`` (clipped to [0, 1]). A digit's window is the square of
side ``d`` (the data set's digit size: 8 for ``moving_digits``, 28 for
``moving_mnist_generated``) of the largest ink box-sum. Digits seldom fill
their square (scikit-learn's 8x8 digits nearly always have an empty first
column), so several windows hold the same ink; the window taken is the
rounded mean of the tied windows within ``d`` pixels of the first maximum
(for the 8x8 digits, the true corner or one pixel from it). The digit's
*position* is the ink centroid inside its window, so a lone digit's
displacements are recovered exactly. With two digits the second is the
largest box-sum once the first window's pixels are blanked; then each
digit is relocated with the other's window blanked (``REFINE_ROUNDS``
times), which separates digits that touch. Digits that overlap (windows
closer than ``d`` in both axes: about a quarter of the 2-digit frames on
32x32) cannot be told apart this way: a window then straddles the two.
Between consecutive frames the detections are matched by the assignment of
least total centroid distance, so that index ``j`` follows one digit. Each
window is cropped, resized to 8x8 by area averaging when ``d != 8``, and
read by the shipped digits classifier
(``metrics.load_digits_classifier``).

**The clip features** come from ``clip_classifier``, a small 3-D
convolutional network trained by ``train_clip_classifier`` on 1-digit
``moving_digits`` clips to name the digit and the direction of motion
(``direction_labels``), so that its penultimate ``features`` see both
appearance and motion. ``clip_frechet`` is the Frechet distance (Heusel et
al., 2017) between Gaussians fitted to its features of the generated and
of the held-out real clips: the offline analogue of the Frechet Video
Distance (Unterthiner et al., "Towards Accurate Generative Models of
Video: A New Metric & Challenges", 2018), which uses an I3D network
trained on Kinetics. It is *not* FVD, and its values are not comparable
with published FVDs. ``moving_mnist_generated``'s frames are resized
(area) for it so that the digits are 8 px, the scale it was trained at;
their motion then shrinks to about 1 px a frame against the 2.4 it was
trained on, and two-digit clips are outside its training data (one digit a
clip) too: read ``clip_frechet`` there as a comparison between runs only.
"""

import dataclasses
import itertools
import os
from typing import Optional

import numpy as np

from keras_gans import metrics, moving_digits, reference_stats

__all__ = [
    "CLIP_CLASSIFIER_PATH", "CONFIDENT", "DIRECTION_BINS", "MODE_SHARE",
    "PRESENT_FRACTION", "REFINE_ROUNDS", "ClipEvaluator", "Detections",
    "clip_classifier", "clip_classifier_accuracy", "detect_digits",
    "direction_labels", "load_clip_classifier", "speeds",
    "train_clip_classifier",
]

CLIP_CLASSIFIER_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "assets",
    "clip_classifier.keras",
)
# The motion head's classes: bins of the angle of (sum |d row|, sum |d col|)
# over the clip, in [0, 90] degrees.
DIRECTION_BINS = 6
# A crop's class counts towards ``modes`` if its top probability is at least
# CONFIDENT; a class is covered if it holds MODE_SHARE of those crops.
CONFIDENT = 0.5
MODE_SHARE = 0.01
# A digit is present in a window holding PRESENT_FRACTION of the median ink
# of the reference clips' windows.
PRESENT_FRACTION = 0.5
# Relocations of each digit with the others blanked (two digits or more).
REFINE_ROUNDS = 2
_SIDE = 8  # the side of the digits the digits classifier reads
_CHUNK = 4096  # frames per detection pass


def _check_clips(clips, what="clips", shape=None, least=1):
    """``clips`` as float32 ``[N >= least, T, S, S, 1]`` (``shape``: the
    ``[T, S, S, 1]`` required), or a ValueError naming the shape."""
    x = np.asarray(clips, np.float32)
    ok = x.ndim == 5 and x.shape[-1] == 1 and x.shape[2] == x.shape[3]
    if not ok or len(x) < least or (shape and x.shape[1:] != tuple(shape)):
        need = ", ".join(map(str, shape or ("T", "S", "S", 1)))
        more = f" with N >= {least}" if least > 1 else ""
        raise ValueError(f"{what} must have shape [N, {need}]{more}, got "
                         f"{x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{what} contain NaN or inf (did training diverge?).")
    return x


# ---------------------------------------------------------------- detection


@dataclasses.dataclass(frozen=True)
class Detections:
    """The ``k`` digits per frame found by ``detect_digits``; index ``j``
    follows one digit through its clip.

    Attributes:
        windows: int ``[N, T, k, 2]`` top-left ``(row, column)`` of each
            digit's ``d x d`` window.
        centres: float ``[N, T, k, 2]`` ink centroid inside the window
            (the window's centre where it holds no ink).
        ink: float ``[N, T, k]`` the window's ink, ``sum (x + 1) / 2``.
        background: float ``[N, T]`` the mean ink of the pixels outside
            every window (0 for real clips but where digits overlap).
        crops: float32 ``[N, T, k, 8, 8, 1]`` the windows in [-1, 1],
            resized to 8 x 8 by area averaging when ``d != 8``.
    """

    windows: np.ndarray
    centres: np.ndarray
    ink: np.ndarray
    background: np.ndarray
    crops: np.ndarray


def _box_sums(x, d):
    """Ink of every ``d x d`` window of frames ``x [F, S, S]``:
    ``[F, S - d + 1, S - d + 1]``, from the integral image."""
    i = np.zeros((x.shape[0], x.shape[1] + 1, x.shape[2] + 1))
    i[:, 1:, 1:] = x.cumsum(1).cumsum(2)
    return i[:, d:, d:] - i[:, :-d, d:] - i[:, d:, :-d] + i[:, :-d, :-d]


def _best_window(x, d):
    """Top-left ``[F, 2]`` of each frame's heaviest window: the rounded mean
    of the windows tied with the maximum within ``d`` of the first one."""
    sums = _box_sums(x, d)
    f, p = sums.shape[:2]
    first, top = sums.reshape(f, -1).argmax(1), sums.reshape(f, -1).max(1)
    rows, cols = np.arange(p)[None, :, None], np.arange(p)[None, None, :]
    tied = (
        (sums >= (top - 1e-6 * (1.0 + np.abs(top)))[:, None, None])
        & (np.abs(rows - (first // p)[:, None, None]) < d)
        & (np.abs(cols - (first % p)[:, None, None]) < d)
    )
    mean = [(tied * g).sum((1, 2)) / tied.sum((1, 2)) for g in (rows, cols)]
    return np.floor(np.stack(mean, -1) + 0.5).astype(np.int64)


def _window_index(windows, d):
    """Fancy indices of the ``[F, d, d]`` windows at ``windows [F, 2]``."""
    offsets = np.arange(d)
    return (
        np.arange(len(windows))[:, None, None],
        (windows[:, 0, None] + offsets)[:, :, None],
        (windows[:, 1, None] + offsets)[:, None, :],
    )


def _blanked(x, windows, d):
    x = x.copy()
    for w in windows:
        x[_window_index(w, d)] = 0.0
    return x


def _locate(ink, d, k):
    """Windows ``[F, k, 2]`` of ``k`` digits in frames ``ink [F, S, S]``."""
    windows = []
    for _ in range(k):
        windows.append(_best_window(_blanked(ink, windows, d), d))
    for _ in range(REFINE_ROUNDS if k > 1 else 0):
        for j in range(k):
            others = windows[:j] + windows[j + 1 :]
            windows[j] = _best_window(_blanked(ink, others, d), d)
    return np.stack(windows, 1)


def _detect(chunk, d, k):
    """``Detections``' fields of frames ``chunk [F, S, S]``, unmatched."""
    import tensorflow as tf

    ink = np.clip((chunk.astype(np.float64) + 1.0) / 2.0, 0.0, 1.0)
    windows = _locate(ink, d, k)  # [F, k, 2]
    each = [windows[:, j] for j in range(k)]
    outside = _blanked(np.ones_like(ink), each, d).sum((1, 2))
    background = _blanked(ink, each, d).sum((1, 2)) / np.maximum(outside, 1)
    inside = np.stack([ink[_window_index(w, d)] for w in each], 1)
    mass = inside.sum((2, 3))  # [F, k]
    weights = inside / np.where(mass > 0, mass, 1.0)[..., None, None]
    marginals = (weights.sum(3), weights.sum(2))  # over rows, columns
    centre = np.stack([(m * np.arange(d)).sum(2) for m in marginals], -1)
    centre = np.where((mass > 0)[..., None], centre, (d - 1) / 2.0)
    crops = np.stack([chunk[_window_index(w, d)] for w in each], 1)[..., None]
    if d != _SIDE:
        crops = tf.image.resize(crops.reshape(-1, d, d, 1), [_SIDE] * 2, "area")
        crops = crops.numpy().reshape(len(chunk), k, _SIDE, _SIDE, 1)
    return windows, centre + windows, mass, background, crops


def detect_digits(clips, digit_size: int, num_digits: int = 1) -> Detections:
    """Finds ``num_digits`` digits in every frame (see the module docstring).

    Args:
        clips: ``[N, T, S, S, 1]`` in [-1, 1] (background -1).
        digit_size: the digits' side ``d`` (``S > d``).
        num_digits: digits per frame.

    Returns:
        ``Detections``, digits matched between consecutive frames.

    Raises:
        ValueError: clips not ``[N, T, S, S, 1]`` with ``S > digit_size``.
    """
    x = _check_clips(clips)
    n, t, s = x.shape[:3]
    d, k = int(digit_size), int(num_digits)
    if not 0 < d < s or k < 1:
        raise ValueError(
            f"digit_size must be in [1, {s}) (the frames are {s} x {s}) and "
            f"num_digits >= 1, got {digit_size} and {num_digits}."
        )
    frames = x.reshape(n * t, s, s)
    parts = [
        _detect(frames[i : i + _CHUNK], d, k)
        for i in range(0, len(frames), _CHUNK)
    ]
    windows, centres, ink, background, crops = (
        np.concatenate(field).reshape(n, t, *field[0].shape[1:])
        for field in zip(*parts)
    )
    # Each frame's detections in the order (of the k! orders) nearest, in
    # total centroid distance, to the previous frame's.
    orders = np.array(list(itertools.permutations(range(k))))
    rows = np.arange(n)[:, None]
    for i in range(1, t if k > 1 else 0):
        gaps = centres[:, i - 1, None] - centres[:, i][:, orders]
        best = orders[np.linalg.norm(gaps, axis=-1).sum(-1).argmin(1)]
        for a in (windows, centres, ink, crops):
            a[:, i] = a[:, i][rows, best]
    return Detections(
        windows, centres, ink, background, crops.astype(np.float32)
    )


def speeds(detections: Detections) -> np.ndarray:
    """Frame-to-frame displacement magnitudes of each detected digit's
    centroid, in pixels: ``[N, T - 1, k]``."""
    return np.linalg.norm(np.diff(detections.centres, axis=1), axis=-1)


# --------------------------------------------------------- clip classifier


def direction_labels(positions, bins: int = DIRECTION_BINS):
    """The motion classes of clips from their digits' positions.

    The bounces of Srivastava et al.'s generator negate a velocity
    component, so a clip's direction up to those reflections is the angle
    of ``(sum_t |row_{t+1} - row_t|, sum_t |col_{t+1} - col_t|)`` of its
    first digit, in ``[0, pi / 2]``; the class is its bin of ``bins``
    equal bins (0: horizontal, ``bins - 1``: vertical).

    ``positions``: int ``[n, k, T >= 2, 2]`` (``moving_digits.
    clips_sample``'s or ``trajectories``'). Returns an int32 ``[n]`` tensor.
    """
    import tensorflow as tf

    p = tf.cast(tf.convert_to_tensor(positions)[:, 0], tf.float32)
    path = tf.reduce_sum(tf.abs(p[:, 1:] - p[:, :-1]), axis=1)  # [n, 2]
    angle = tf.atan2(path[:, 0], path[:, 1])
    index = tf.cast(tf.floor(angle / (np.pi / 2) * bins), tf.int32)
    return tf.clip_by_value(index, 0, int(bins) - 1)


def clip_classifier(
    frames: Optional[int] = None, frame_size: Optional[int] = None,
    seed: int = 0, width: int = 16, feature_dim: int = 64,
    direction_bins: int = DIRECTION_BINS, name: str = "clip_classifier",
):
    """Small 3-D CNN ``clips [B, T, S, S, 1] in [-1, 1] -> (digit logits
    [B, 10], direction logits [B, direction_bins])``.

    Spatial 1x3x3 convs of ``width`` and ``2 width`` filters (the second
    of stride 1x2x2), then spatio-temporal 3x3x3 convs of ``2 width``
    (stride 1x2x2) and ``2 width`` filters (a factorised "(2+1)-D" stack:
    appearance first, then motion), all ReLU and "same" padding; global
    max pooling over time and space, so any ``T`` and ``S`` do (max, not
    average: the digit fills little of the frame; measured, it learns the
    digit several times faster); Dense ``feature_dim`` ReLU (``features``,
    those of ``clip_frechet``); heads Dense ``digit`` (10) and Dense
    ``direction`` (``direction_labels``).
    """
    import keras

    # Layer seeds ``seed + i``, not named streams: the shipped clip
    # classifier is this recipe (as networks.digits_classifier's).
    def init(i):
        return keras.initializers.GlorotUniform(seed + i)

    x = keras.Input((frames, frame_size, frame_size, 1), name="clip")
    layers = [(width, (1, 3, 3), 1), (2 * width, (1, 3, 3), (1, 2, 2)),
              (2 * width, 3, (1, 2, 2)), (2 * width, 3, 1)]
    h = x
    for i, (filters, kernel, strides) in enumerate(layers):
        h = keras.layers.Conv3D(
            filters, kernel, strides, "same", activation="relu",
            kernel_initializer=init(i), name=f"conv_{i}",
        )(h)
    h = keras.layers.GlobalMaxPooling3D(name="pool")(h)
    h = keras.layers.Dense(
        int(feature_dim), "relu", kernel_initializer=init(4), name="features"
    )(h)
    heads = [
        keras.layers.Dense(units, kernel_initializer=init(5 + i), name=head)(h)
        for i, (head, units) in enumerate(
            [("digit", 10), ("direction", int(direction_bins))]
        )
    ]
    return keras.Model(x, heads, name=name)


def load_clip_classifier(path: Optional[str] = None):
    """The shipped clip classifier (``bin/train_clip_classifier.py``), or
    the ``.keras`` file at ``path``.

    Raises:
        FileNotFoundError: no file at ``path``.
    """
    return metrics.load_model(
        path or CLIP_CLASSIFIER_PATH, "clip classifier",
        "train_clip_classifier",
    )


def _predict(model, x, batch_size):
    """``model``'s outputs on ``x`` in batches, as numpy (a list of them
    for a model with several outputs)."""
    out = [
        model(x[i : i + batch_size], training=False)
        for i in range(0, len(x), batch_size)
    ]
    if isinstance(out[0], (list, tuple)):
        return [np.concatenate(head) for head in zip(*out)]
    return np.concatenate(out)


def clip_classifier_accuracy(
    model, samples: int = 1000, seed: int = 0, frames: int = 16
) -> dict:
    """Held-out accuracies of a clip classifier on ``samples`` 1-digit
    ``moving_digits`` clips of the ``test`` split's digits (never seen in
    training; ``moving_digits.clips_sample`` with ``seed``): the keys
    ``digit_accuracy``, ``direction_accuracy`` and ``num_test``."""
    clips, digits, positions = moving_digits.clips_sample(
        "moving_digits", int(samples), int(seed), "test", int(frames)
    )
    digit, direction = _predict(model, clips, 100)
    truth = np.asarray(direction_labels(positions, direction.shape[-1]))
    return {
        "digit_accuracy": float(np.mean(digit.argmax(-1) == digits[:, 0])),
        "direction_accuracy": float(np.mean(direction.argmax(-1) == truth)),
        "num_test": int(samples),
    }


def train_clip_classifier(
    steps: int = 2500, batch_size: int = 32, seed: int = 0, frames: int = 8,
    lr: float = 2e-3, width: int = 16, direction_bins: int = DIRECTION_BINS,
    verbose: int = 0,
):
    """Trains ``clip_classifier`` on 1-digit ``moving_digits`` clips.

    Batch ``i`` is ``batch_size`` clips of ``frames`` frames made from the
    ``train`` split's digits by Srivastava et al.'s generator
    (``moving_digits.trajectories`` and ``render``), a pure function of
    ``(seed, i)``; the labels are each clip's digit class and
    ``direction_labels``. Adam at ``lr`` with a cosine decay to 0 over
    ``steps``, on the sum of the two heads' cross entropies. Weights,
    draws and ops are deterministic (this enables TensorFlow's op
    determinism for the process), so a rerun on the same machine gives
    the same weights. Being fully convolutional, the network is trained
    on short clips and applies to any length.

    Returns:
        The trained model, without optimizer state.
    """
    import keras
    import tensorflow as tf

    from keras_gans import data, rng

    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    name = "moving_digits"
    frame_size, size, _ = moving_digits.CLIP_DATASETS[name]
    images, classes = moving_digits.source_digits(name, "train")
    images, classes = tf.constant(images), tf.constant(classes)
    n = int(batch_size)

    def draw(seed_i):
        pick, motion = tf.unstack(rng.split_seed(seed_i, 2))
        raw = rng.bits([n], pick) % tf.constant(len(classes), tf.uint32)
        index = tf.cast(raw, tf.int32)
        positions = moving_digits.trajectories(
            n, frames, frame_size - size, motion
        )
        clips = moving_digits.render(
            tf.gather(images, index)[:, None], positions, frame_size
        )
        digit = tf.gather(classes, index)
        return clips, (digit, direction_labels(positions, direction_bins))

    ds = data.step_indexed(draw, int(seed), f"clip_classifier/{name}/train", 0)
    options = dict(seed=int(seed), width=width, direction_bins=direction_bins)
    model = clip_classifier(**options)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    schedule = keras.optimizers.schedules.CosineDecay(lr, int(steps))
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=[loss, loss])
    model.fit(ds, epochs=1, steps_per_epoch=int(steps), verbose=verbose)
    clean = clip_classifier(**options)
    clean.set_weights(model.get_weights())
    return clean


# ---------------------------------------------------------------- evaluator


class ClipEvaluator:
    """Offline metrics of generated moving-digit clips against held-out real
    ones (see the module docstring).

    ``evaluator(clips [N >= 2, frames, S, S, 1])`` returns a dict of:

    - ``digit_confidence`` (higher is better, in [0, 1]): the mean over the
      detected crops of the digits classifier's top probability; about
      0.998 for held-out real clips. The classifier is over-confident off
      its data (uniform noise scores about 0.89, a moving Gaussian blob
      0.94): read it with ``modes``, ``classifier_score`` and
      ``background_ink``, which those fail.
    - ``classifier_score`` (higher, in [1, 10]): ``metrics.
      classifier_score`` of the crops' class probabilities.
    - ``modes`` (higher, of ``num_modes`` = 10): the classes of at least
      ``MODE_SHARE`` of the crops whose top probability is ``CONFIDENT``
      or more; ``kl`` (lower): ``KL(all crops' classes || uniform)``.
    - ``identity_consistency`` (higher, in [0.1, 1]): the mean over the
      tracked digits of the share of frames whose crop has the digit's
      most frequent class (a digit that morphs scores low).
    - ``digits_present`` (higher, in [0, 1]): the share of detected windows
      holding at least ``PRESENT_FRACTION`` of the reference windows'
      median ink (digits that fade out score low).
    - ``background_ink`` (lower, in [0, 1]): the mean ink ``(x + 1) / 2``
      of the pixels outside the detected windows; 0 for real clips (but
      where two digits overlap), 0.5 for uniform noise.
    - ``speed_fake`` and ``speed_real``: the mean frame-to-frame
      displacement in pixels (``speeds``) of the detected digits of the
      generated and of the reference clips (about 2.3 on 32 x 32 frames:
      ``STEP_LENGTH`` of the 24-pixel canvas, less the bounces);
      ``speed_w1`` (lower, >= 0): the 1-D Wasserstein distance between the
      two sets of displacements (``scipy.stats.wasserstein_distance``).
    - ``clip_frechet`` (lower, >= 0): the Frechet distance between the
      clip classifier's features of the generated and the reference clips;
      the offline analogue of FVD, not FVD.

    Args:
        name, num_digits (1 or 2), frames, frame_size (None: the data
            set's default): the clips (``moving_digits.clips_sample``).
        classifier, clip_classifier: the networks (None: the shipped ones).
        reference: real clips ``[M >= 2, frames, S, S, 1]``; None:
            ``reference_samples`` held-out clips (``clips_sample`` of the
            ``test`` split with ``seed``).
        cache_dir: a ``reference_stats`` cache directory for the reference
            clips' features; None: no cache.
        data_dir: tfds data directory (``moving_mnist_generated``).
        batch_size: clips per batch of the clip classifier (16 times as
            many crops per batch of the digits classifier).

    Raises:
        ValueError: an unknown data set, bad sizes or reference clips of
            another shape.
        data.DataNotAvailableError: ``moving_mnist_generated`` without
            tfds MNIST under ``data_dir``.
    """

    def __init__(
        self, name: str = "moving_digits", num_digits: int = 1,
        frames: int = 16, frame_size: Optional[int] = None, classifier=None,
        clip_classifier=None, reference=None, reference_samples: int = 2000,
        seed: int = 0, cache_dir=None, data_dir=None, batch_size: int = 256,
    ):
        import keras

        from keras_gans.metrics import load_digits_classifier

        self.shape = moving_digits.clip_shape(name, frames, frame_size)
        if num_digits not in (1, 2):
            raise ValueError(f"num_digits must be 1 or 2, got {num_digits}.")
        self.num_digits = int(num_digits)
        self.digit_size = moving_digits.CLIP_DATASETS[name][1]
        self.batch_size = int(batch_size)
        if classifier is None:
            classifier = load_digits_classifier()
        if clip_classifier is None:
            clip_classifier = load_clip_classifier()
        self.classifier = classifier
        model = self.clip_classifier = clip_classifier
        self._features = keras.Model(
            model.input, model.get_layer("features").output
        )
        size = self.shape[1]
        self._resize = None
        if self.digit_size != _SIDE:
            self._resize = int(round(size * _SIDE / self.digit_size))
        split = f"test-seed{int(seed)}"
        if reference is None:
            reference = moving_digits.clips_sample(
                name, int(reference_samples), int(seed), "test", frames,
                size, self.num_digits, data_dir,
            )[0]
        else:
            split = None
        reference = _check_clips(reference, "reference clips", self.shape, 2)
        found = detect_digits(reference, self.digit_size, self.num_digits)
        self.reference_speeds = speeds(found).ravel()
        self.typical_ink = float(np.median(found.ink))
        key = {
            "dataset": f"{name}-clips-{self.num_digits}digit",
            "split": split or metrics.array_digest(reference),
            "extractor": "clip-classifier-"
            + metrics.array_digest(*model.get_weights()),
            "resize": f"area-{self._resize}" if self._resize else "none",
            "samples": len(reference),
            "shape": list(self.shape),
        }
        features, mu, sigma, self.cache_hit = reference_stats.cached_features(
            key, lambda: self.features(reference), cache_dir
        )
        self.reference_features = features
        self.reference_stats = (mu, sigma)

    def features(self, clips) -> np.ndarray:
        """The clip classifier's ``features [N, F]`` of ``clips``."""
        import tensorflow as tf

        x = _check_clips(clips)
        if self._resize:
            n, t, s = x.shape[:3]
            size = [self._resize] * 2
            x = tf.image.resize(x.reshape(n * t, s, s, 1), size, "area")
            x = x.numpy().reshape(n, t, *size, 1)
        return _predict(self._features, x, self.batch_size).astype(np.float64)

    def __call__(self, clips) -> dict:
        from scipy.stats import wasserstein_distance

        x = _check_clips(clips, "clips", self.shape, least=2)
        found = detect_digits(x, self.digit_size, self.num_digits)
        crops = found.crops.reshape(-1, _SIDE, _SIDE, 1)
        logits = _predict(self.classifier, crops, 16 * self.batch_size)
        probs = metrics.softmax(np.asarray(logits, np.float64))
        top, label = probs.max(-1), probs.argmax(-1)
        confident = label[top >= CONFIDENT]
        share = np.bincount(confident, minlength=10) / max(len(confident), 1)
        per_digit = label.reshape(x.shape[0], x.shape[1], -1)  # [N, T, k]
        counts = np.stack([(per_digit == c).sum(1) for c in range(10)], -1)
        fake_speeds = speeds(found).ravel()
        fake_stats = metrics.gaussian_stats(self.features(x))
        present = found.ink >= PRESENT_FRACTION * self.typical_ink
        w1 = wasserstein_distance(fake_speeds, self.reference_speeds)
        return {
            "digit_confidence": float(top.mean()),
            "classifier_score": metrics.classifier_score(probs),
            "modes": int(np.count_nonzero(share >= MODE_SHARE)),
            "num_modes": 10,
            "kl": metrics.mode_histogram(label, 10).kl,
            "identity_consistency": float(counts.max(-1).mean() / x.shape[1]),
            "digits_present": float(np.mean(present)),
            "background_ink": float(found.background.mean()),
            "speed_fake": float(fake_speeds.mean()),
            "speed_real": float(self.reference_speeds.mean()),
            "speed_w1": float(w1),
            "clip_frechet": metrics.frechet_distance(
                *fake_stats, *self.reference_stats
            ),
        }
