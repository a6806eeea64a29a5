"""The discriminator's per-example input gradients and their norms.

``input_gradients(D, points)`` is the gradient of D (its logit, or
``sigmoid`` of it) w.r.t. each example of a batch, or w.r.t. the output of
one of D's layers (``layer=NAME``); ``gradient_norms`` its squared L2 or
its L1 norm over the non-batch axes. The gradient penalties
(``keras_gans.penalties``) and the diagnostics are built on them. The
inner gradient is taken with a nested ``tf.GradientTape``, so an outer
tape sees it as a function of D's weights (double backpropagation), and
spectral norm's power iteration is held constant inside it.

Mixed precision: under a ``mixed_float16`` policy the inner backward pass runs
in float16, where small input gradients underflow to zero. For a
discriminator wrapped as ``gradient_scaled(D, s)`` the inner gradient is
taken of ``m * D`` and divided by ``m`` in float32, ``m`` the largest
power of two at most ``s / B`` (the per-example scale of the outer pass, a
batch mean; capped to float16's powers of two, so that ``m`` itself never
overflows when ``s`` grows).
``keras_gans.GAN`` wraps D with the D optimizer's dynamic loss scale (an
explicit argument of the penalty's regulariser), so an overflow
in the inner pass makes the step's gradients non-finite and the
``LossScaleOptimizer`` skips the step and lowers the scale, exactly as for an
overflow in the outer pass.
"""

import math
import weakref

import keras
import tensorflow as tf

from keras_gans import spectral_norm

__all__ = [
    "NORMS",
    "OUTPUTS",
    "check_layer",
    "check_norm",
    "check_output",
    "gradient_norm_squared",
    "gradient_norms",
    "gradient_scaled",
    "input_gradients",
]

NORMS = ("l2", "l1")
OUTPUTS = ("logit", "sigmoid")


def check_output(output):
    if output not in OUTPUTS:
        raise ValueError(
            f"Unknown penalty output {output!r}. Valid: {', '.join(OUTPUTS)}."
        )


def check_norm(norm):
    if norm not in NORMS:
        raise ValueError(
            f"Unknown penalty norm {norm!r}. Valid: {', '.join(NORMS)}."
        )


_PROBES = weakref.WeakKeyDictionary()


def check_layer(discriminator, layer):
    """Checks that ``layer`` names a layer of the functional (or Sequential)
    model ``discriminator``, for the layer gradient penalty.

    Raises:
        ValueError: ``discriminator`` is not such a model, or has no layer
            ``layer`` (the message lists its layer names).
    """
    from keras.src.models.functional import Functional

    if not isinstance(discriminator, (Functional, keras.Sequential)):
        raise ValueError(
            "A layer gradient penalty (layer=...) needs D to be a functional "
            f"or Sequential keras.Model, got {type(discriminator).__name__}."
        )
    names = [item.name for item in discriminator.layers]
    if layer not in names:
        raise ValueError(
            f"D {discriminator.name!r} has no layer {layer!r} for the layer "
            f"gradient penalty; its layers: {', '.join(names)}."
        )


def _layer_probe(discriminator, layer):
    """``points -> (activation of layer, D(points))``: the same layers and
    weights as D, one forward pass (cached per D and layer)."""
    probes = _PROBES.setdefault(discriminator, {})
    if layer not in probes:
        check_layer(discriminator, layer)
        probes[layer] = keras.Model(
            discriminator.inputs,
            [discriminator.get_layer(layer).output, discriminator.outputs[0]],
        )
    return probes[layer]


class _GradientScaled:
    """A discriminator with a loss scale for the penalty's inner gradient."""

    def __init__(self, discriminator, scale):
        self.discriminator = discriminator
        self.gradient_scale = scale

    def __call__(self, x, training=True):
        return self.discriminator(x, training=training)


def gradient_scaled(discriminator, scale):
    """``discriminator`` (a callable) with its penalties' inner gradient
    loss-scaled by ``scale`` (a float or scalar tensor; None: unscaled) and
    unscaled in float32: loss scaling of the double-backprop pass under
    mixed precision (see the module docstring). The wrapper returns the
    same logits as ``discriminator``."""
    if scale is None:
        return discriminator
    return _GradientScaled(discriminator, scale)


def _inner_scale(scale, batch):
    """The inner pass's loss scale: the largest power of two at most
    ``scale / batch`` (what the outer pass, a batch mean times ``scale``,
    puts on each example), within float16's powers of two [2^-14, 2^15].
    It never overflows float16 itself, it can overflow the inner gradient
    only where the outer one is as large, and dividing by it is exact."""
    per_example = tf.cast(scale, tf.float32) / tf.cast(batch, tf.float32)
    exponent = tf.clip_by_value(
        tf.floor(tf.math.log(per_example) / math.log(2.0)), -14.0, 15.0
    )
    return tf.pow(2.0, exponent)


def input_gradients(discriminator, points, output="logit", layer=None):
    """Per-example gradient of D at ``points``, float32.

    Args:
        discriminator: callable returning logits, ``[B]`` or ``[B, 1]``.
        points: a batch ``[B, ...]`` of any rank.
        output: ``"logit"`` differentiates the logit, ``"sigmoid"`` the
            probability ``sigmoid(logit)``.
        layer: None for the gradient w.r.t. ``points``; else the name of a
            layer of D (a functional ``keras.Model``): the gradient w.r.t.
            that layer's output when D is fed ``points``.

    Returns:
        float32 tensor, the shape of ``points`` (or of the layer's output).

    Raises:
        ValueError: D's output does not depend on its input (or the layer),
            or ``layer`` is not a layer of D.
    """
    return _gradients(discriminator, points, output, layer)[0]


def _gradients(discriminator, points, output, layer):
    """``input_gradients`` and the number of D's scores (its output rows:
    ``B``, or ``B / m`` for a packed D)."""
    check_output(output)
    points = tf.convert_to_tensor(points)
    scale = getattr(discriminator, "gradient_scale", None)
    model = (
        discriminator.discriminator
        if isinstance(discriminator, _GradientScaled)
        else discriminator
    )
    probe = None if layer is None else _layer_probe(model, layer)
    with tf.GradientTape() as tape:
        tape.watch(points)
        # Spectral norm's power iteration is a constant here: u is neither
        # updated nor differentiated by the inner pass.
        with spectral_norm.frozen():
            if probe is None:
                target = points
                scores = discriminator(points, training=True)
            else:
                target, scores = probe(points, training=True)
        if output == "sigmoid":
            scores = tf.sigmoid(scores)
        rows = tf.shape(scores)[0]
        # Examples are independent, so d(sum)/du_i = dD(u_i)/du_i (not so
        # for batch-coupled layers such as BatchNorm in training mode).
        total = tf.reduce_sum(scores)
        if scale is not None:
            scale = _inner_scale(scale, rows)
            total = tf.cast(scale, total.dtype) * total
    grads = tape.gradient(total, target)
    if grads is None:
        raise ValueError(
            "The discriminator's output does not depend on its input; no "
            "gradient penalty can be computed."
        )
    grads = tf.cast(grads, tf.float32)
    if scale is not None:
        grads = grads / tf.cast(scale, tf.float32)
    return grads, rows


def gradient_norm_squared(discriminator, points, output="logit"):
    """Per-example squared norm of the gradient of D at ``points``.

    Args:
        discriminator: callable returning logits, ``[B]`` or ``[B, 1]``.
        points: a batch ``[B, ...]`` of any rank.
        output: ``"logit"`` differentiates the logit, ``"sigmoid"`` the
            probability ``sigmoid(logit)``.

    Returns:
        float32 tensor ``[B]``: ``sum over non-batch axes of (dD/du)^2``.
    """
    return gradient_norms(discriminator, points, output)


def gradient_norms(
    discriminator, points, output="logit", norm="l2", layer=None
):
    """Per-example ``|grad|^2`` (``norm="l2"``) or ``|grad|_1``
    (``norm="l1"``) of D's gradient, over all non-batch axes.

    Args:
        discriminator: callable returning logits, ``[B]`` or ``[B, 1]``.
        points: a batch ``[B, ...]`` of any rank.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.
        norm: ``"l2"`` for the squared L2 norm, ``"l1"`` for the L1 norm.
        layer: see ``input_gradients``.

    Returns:
        float32 tensor ``[B]`` (``[B / m]`` for a D packing ``m`` samples).
    """
    check_norm(norm)
    grads, rows = _gradients(discriminator, points, output, layer)
    # One norm per score: per example, or per pack of a packed D (PacGAN,
    # keras_gans.networks.pack), whose m consecutive rows are one input.
    flat = tf.reshape(grads, [rows, -1])
    if norm == "l1":
        return tf.reduce_sum(tf.abs(flat), axis=1)
    return tf.reduce_sum(tf.square(flat), axis=1)
