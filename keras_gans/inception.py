"""Inception Score, FID, KID, precision and recall on Inception features:
the reference network of the published numbers, Keras' ``InceptionV3`` and
the evaluator that scores images with either (``InceptionEvaluator``).

Salimans et al. (2016, Inception Score; ``openai/improved-gan``'s
``inception_score/model.py``) and Heusel et al. (2017, FID; the TTUR
repository's ``fid.py``) both score images with the TensorFlow graph of
2015-12-05, ``classify_image_graph_def.pb`` from
http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz,
used the same way:

- images ``[B, H, W, 3]``, float, values in [0, 255], of any size, are fed
  to the tensor ``ExpandDims:0``; the graph itself resizes them to
  299 x 299 (its own ``ResizeBilinear``, TF1 semantics) and normalises
  them, so that resize is part of the protocol and no other is applied;
- FID takes the 2048-D ``pool_3:0`` activations (``[B, 1, 1, 2048]``);
- IS takes ``softmax(pool_3 @ W)`` with ``W`` the second input of the op
  ``softmax/logits/MatMul`` (1008 classes, no bias), the way
  ``improved-gan`` rebuilds the softmax for batches.

The graph is read from a local file only (no network here); a missing or
wrong file is an error that says how to get the right one. Keras'
``InceptionV3`` (``inception_model``: ImageNet weights, 1000-way logits and
the 2048-D average-pool features) is a different network with other
weights: its numbers are close to, not equal to, the published ones.
"""

import hashlib
import os

import numpy as np
import tensorflow as tf
from google.protobuf.message import DecodeError

from keras_gans import metrics, reference_stats

__all__ = [
    "INCEPTION_WEIGHTS_FILE",
    "INCEPTION_WEIGHTS_URL",
    "InceptionEvaluator",
    "inception_model",
    "GRAPH_FILE",
    "GRAPH_URL",
    "INPUT_TENSOR",
    "LOGITS_MATMUL_OP",
    "POOL_TENSOR",
    "GraphError",
    "ReferenceInception",
    "check_images",
    "file_digest",
]

GRAPH_FILE = "classify_image_graph_def.pb"
GRAPH_URL = (
    "http://download.tensorflow.org/models/image/imagenet/"
    "inception-2015-12-05.tgz"
)
INPUT_TENSOR = "ExpandDims:0"
POOL_TENSOR = "pool_3:0"
LOGITS_MATMUL_OP = "softmax/logits/MatMul"


def check_images(images) -> np.ndarray:
    """``images`` as float32 ``[N, H, W, 1 or 3]``, N >= 1, all finite;
    else ``ValueError`` saying what is wrong."""
    x = np.asarray(images, np.float32)
    if x.ndim != 4 or x.shape[-1] not in (1, 3) or len(x) == 0:
        raise ValueError(f"images must be [N, H, W, 1 or 3], got {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("images contain NaN or inf.")
    return x


class GraphError(ValueError):
    """The file given as the Inception graph is not the reference graph."""


def _how_to_get():
    return (
        f"On a machine with network access download {GRAPH_URL}, extract "
        f"{GRAPH_FILE} from it (tar xzf inception-2015-12-05.tgz "
        f"{GRAPH_FILE}), copy it here and pass its path "
        "(--inception_graph=PATH)."
    )


def file_digest(path, chunk: int = 1 << 20) -> str:
    """SHA-256 (hex, first 16 digits) of a file's bytes: the identity of an
    extractor's weights in cache keys."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()[:16]


class ReferenceInception:
    """The 2015-12-05 Inception graph, batched: pool_3 features and logits.

    Args:
        path: the ``classify_image_graph_def.pb`` file.
        batch_size: images per call.

    Raises:
        FileNotFoundError: no file at ``path`` (the message says where to
            get it).
        GraphError: (a ValueError) the file is not a GraphDef, or lacks
            ``ExpandDims:0``, ``pool_3:0`` or ``softmax/logits/MatMul``.
    """

    def __init__(self, path, batch_size: int = 50):
        path = os.path.expanduser(os.fspath(path))
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"No Inception graph at {path}. {_how_to_get()}"
            )
        graph_def = tf.compat.v1.GraphDef()
        try:
            with open(path, "rb") as f:
                graph_def.ParseFromString(f.read())
        except (DecodeError, RuntimeWarning, ValueError) as e:
            raise GraphError(
                f"{path} is not a TensorFlow GraphDef ({e}). Expected "
                f"{GRAPH_FILE} of the 2015-12-05 Inception. {_how_to_get()}"
            ) from e
        names = {node.name for node in graph_def.node}
        for tensor in (INPUT_TENSOR, POOL_TENSOR, LOGITS_MATMUL_OP + ":0"):
            if tensor.split(":")[0] not in names:
                raise GraphError(
                    f"{path} has no {tensor.split(':')[0]!r} node: it is not "
                    f"the reference Inception graph ({GRAPH_FILE}, "
                    f"2015-12-05). {_how_to_get()}"
                )
        self.path = path
        self.batch_size = int(batch_size)
        self.digest = file_digest(path)

        def imported(images):
            # The original graph fixes the batch at 1 behind ExpandDims;
            # mapping a [None, None, None, 3] input there lets every
            # downstream shape take the real batch.
            pool, matmul = tf.compat.v1.import_graph_def(
                graph_def,
                input_map={INPUT_TENSOR: images},
                return_elements=[POOL_TENSOR, LOGITS_MATMUL_OP],
                name="reference_inception",
            )
            features = tf.reshape(pool, [tf.shape(images)[0], -1])
            weights = matmul.inputs[1]
            return features, tf.matmul(features, weights)

        self._run = tf.compat.v1.wrap_function(
            imported, [tf.TensorSpec([None, None, None, 3], tf.float32)]
        )

    @property
    def name(self) -> str:
        """The extractor's identity for cache keys."""
        return f"inception-2015-12-05-{self.digest}"

    def features_and_logits(self, images) -> tuple:
        """``(pool_3 features [N, 2048], logits [N, 1008])`` of images
        ``[N, H, W, 1 or 3]`` in [-1, 1] (mapped to [0, 255]; grey images
        repeated to three channels)."""
        x = check_images(images)
        features, logits = [], []
        for start in range(0, len(x), self.batch_size):
            batch = (x[start : start + self.batch_size] + 1.0) * 127.5
            if batch.shape[-1] == 1:
                batch = np.repeat(batch, 3, axis=-1)
            f, z = self._run(tf.constant(batch))
            features.append(f.numpy().astype(np.float64))
            logits.append(z.numpy().astype(np.float64))
        return np.concatenate(features), np.concatenate(logits)


INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/"
    "inception_v3/" + INCEPTION_WEIGHTS_FILE
)


def _weights_digest(weights) -> str:
    if weights == "imagenet":
        weights = _keras_cache_file(INCEPTION_WEIGHTS_FILE)
    weights = os.path.expanduser(os.fspath(weights))
    return file_digest(weights) if os.path.exists(weights) else "missing"


def _keras_cache_file(name):
    home = os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras"))
    return os.path.join(home, "models", name)


def inception_model(weights="imagenet", image_size: int = 299):
    """Keras' InceptionV3 with two outputs: the 2048-D average-pool features
    and the 1000-way logits.

    Args:
        weights: ``"imagenet"`` (the file Keras caches as
            ``~/.keras/models/{INCEPTION_WEIGHTS_FILE}``; it is never
            downloaded here), a path to that ``.h5`` file (with top), or
            None for random weights (tests only).
        image_size: input side (>= 75; 299 for the published protocol).

    Raises:
        FileNotFoundError: the weights file is not there; the message says
            where to get it and how to pass it. No network access is tried.
    """
    import keras

    if int(image_size) != image_size or image_size < 75:
        raise ValueError(f"image_size must be >= 75, got {image_size}.")
    if weights == "imagenet":
        weights = _keras_cache_file(INCEPTION_WEIGHTS_FILE)
        hint = "Keras' cache"
    else:
        hint = "the given path"
    if weights is not None:
        weights = os.path.expanduser(os.fspath(weights))
        if not os.path.exists(weights):
            raise FileNotFoundError(
                f"InceptionV3 ImageNet weights not found at {weights} "
                f"({hint}); they are not downloaded here. On a machine with "
                f"network access fetch {INCEPTION_WEIGHTS_URL}, copy it here "
                "and pass its path (weights=PATH, --inception_weights=PATH) "
                f"or put it at {_keras_cache_file(INCEPTION_WEIGHTS_FILE)}."
            )
    base = keras.applications.InceptionV3(
        include_top=True,
        weights=weights,
        input_shape=(int(image_size), int(image_size), 3),
        classifier_activation=None,
    )
    return keras.Model(
        base.input, [base.get_layer("avg_pool").output, base.output]
    )


class InceptionEvaluator:
    """Inception Score, FID, KID, precision and recall on Inception
    features.

    With ``graph`` (a path to ``classify_image_graph_def.pb``) the network
    is the reference 2015-12-05 Inception graph of the published numbers
    (``inception.ReferenceInception``: images mapped to [0, 255] and
    resized by the graph itself). Otherwise it is Keras' InceptionV3, a
    labelled non-reference option: images ``[N, H, W, C]`` in [-1, 1]
    (InceptionV3's own input range) are resized bilinearly to
    ``image_size``. Grey images are repeated to three channels.
    ``evaluator(images)`` returns ``inception_score``,
    ``inception_score_std`` (over ``splits``) and, with a reference,
    ``fid``, ``kid``, ``precision`` and ``recall`` on the pool features.

    Args:
        weights: see ``inception_model``.
        reference: reference images for FID (e.g. the CIFAR-10 test set),
            a function returning them (called only on a cache miss), or
            None for IS only.
        image_size: Inception input side (Keras' network only).
        splits: IS splits (10 in the published protocol).
        batch_size: Inception batch size.
        graph: path of the reference graph; None: Keras' InceptionV3.
        cache_dir: a ``reference_stats`` cache directory; None: no cache.
        reference_key: what identifies ``reference`` in the cache, e.g.
            ``{"dataset": "cifar10", "split": "test", "samples": 10000}``
            (the extractor and resize are added); needed with
            ``cache_dir``.
    """

    def __init__(
        self,
        weights="imagenet",
        reference=None,
        image_size=299,
        splits=10,
        batch_size=64,
        graph=None,
        cache_dir=None,
        reference_key=None,
    ):
        self.image_size = int(image_size)
        self.splits = int(splits)
        self.batch_size = int(batch_size)
        if graph:
            self.model = ReferenceInception(graph, batch_size)
            self.extractor = self.model.name
            self.resize = "graph-resize-bilinear-299"
        else:
            self.model = inception_model(weights, image_size)
            self.extractor = "keras-inception-v3-" + (
                "random" if weights is None else _weights_digest(weights)
            )
            self.resize = f"tf-image-resize-bilinear-{self.image_size}"
        self.reference_features = None
        self.cache_hit = False
        if reference is not None:
            if cache_dir and not reference_key:
                raise ValueError("cache_dir needs a reference_key.")

            def compute():
                images = reference() if callable(reference) else reference
                return self.features_and_logits(images)[0]

            key = {
                **dict(reference_key or {}),
                "extractor": self.extractor,
                "resize": self.resize,
            }
            features, _, _, self.cache_hit = reference_stats.cached_features(
                key, compute, cache_dir
            )
            self.reference_features = features

    def features_and_logits(self, images) -> tuple:
        """Pool features ``[N, 2048]`` and logits (``[N, 1000]`` for
        Keras' network, ``[N, 1008]`` for the reference graph)."""
        if not hasattr(self.model, "input"):  # the reference graph
            return self.model.features_and_logits(images)

        x = check_images(images)
        features, logits = [], []
        for start in range(0, len(x), self.batch_size):
            batch = tf.image.resize(
                x[start : start + self.batch_size],
                [self.image_size, self.image_size],
                method="bilinear",
            )
            if batch.shape[-1] == 1:
                batch = tf.repeat(batch, 3, axis=-1)
            f, z = self.model(batch, training=False)
            features.append(np.asarray(f))
            logits.append(np.asarray(z, np.float64))
        return np.concatenate(features), np.concatenate(logits)

    def __call__(self, images) -> dict:
        features, logits = self.features_and_logits(images)
        mean, std = metrics.inception_score(
            metrics.softmax(logits), min(self.splits, len(logits))
        )
        result = {"inception_score": mean, "inception_score_std": std}
        if self.reference_features is not None:
            result["fid"] = metrics.features_frechet_distance(
                features, self.reference_features
            )
            result.update(
                metrics.reference_scores(
                    features, self.reference_features, 100, 3
                )
            )
        return result
