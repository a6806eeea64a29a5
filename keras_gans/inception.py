"""The reference Inception network of the published IS and FID numbers.

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
``InceptionV3`` (``metrics.inception_model``) is a different network with
other weights: its numbers are close to, not equal to, the published ones.
"""

import hashlib
import os

import numpy as np
import tensorflow as tf
from google.protobuf.message import DecodeError

__all__ = [
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
