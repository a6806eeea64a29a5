"""Gradient penalties on the discriminator, added to L_D with weight lambda.

Every penalty is a pure function with one signature::

    fn(discriminator, real, fake, seed, *, output="logit") -> scalar

``discriminator`` is any callable returning logits of shape ``[B]`` or
``[B, 1]``; ``real`` and ``fake`` are batches of equal shape and any rank;
``seed`` is a shape ``[2]`` integer tensor for the stateless draws (the
interpolation alphas), so a penalty is reproducible and identical on every
replica (see ``keras_gans.distribute.replica_slice``). The result is the
float32 mean over the batch of the per-example term, *unweighted*: the caller
adds ``lambda * fn(...)``, following Table I of Thanh-Tung & Tran (2020) (no
factor 1/2).

Conventions: the gradient is taken of the logit by default; ``output=
"sigmoid"`` differentiates ``sigmoid(logit)`` instead (what the paper's own
code did). Norms are over all non-batch axes, per example, with ``EPSILON``
inside every square root. Alphas are drawn per example from U[0, 1]. The
gradient is taken with a nested ``tf.GradientTape``, so an outer tape sees
the penalty as a function of the discriminator's weights (double backprop).

Mixed precision: under a ``mixed_float16`` policy the inner backward pass runs
in float16, where small input gradients underflow to zero. For a
discriminator wrapped as ``gradient_scaled(D, s)`` the inner gradient is
taken of ``m * D`` and divided by ``m`` in float32, ``m`` the largest power of two at most ``s / B`` (the per-
example scale of the outer pass, a batch mean; capped to float16's powers of
two, so that ``m`` itself never overflows when ``s`` grows).
``keras_gans.GAN`` wraps D with the D optimizer's dynamic loss scale (an
explicit argument of the penalty's regulariser), so an overflow
in the inner pass makes the step's gradients non-finite and the
``LossScaleOptimizer`` skips the step and lowers the scale, exactly as for an
overflow in the outer pass.

============ ============================= ==============================
name         point u                       term
============ ============================= ==============================
none         --                            0
r1           real x                        |grad D(x)|^2
r2           fake y                        |grad D(y)|^2
r1_r2        real x and fake y             (|grad D(x)|^2 + |grad D(y)|^2)/2
zero_gp      a x + (1 - a) y               |grad D(u)|^2
wgan_gp      a x + (1 - a) y               (|grad D(u)| - 1)^2
dragan       x + a (x_p - x)               (|grad D(u)| - 1)^2
lipschitz    a x + (1 - a) y               max(0, |grad D(u)| - K)^2
============ ============================= ==============================

The zero-centred penalties (``r1``, ``r2``, ``r1_r2``, ``zero_gp``) take two
more options. ``norm="l1"`` replaces the squared L2 norm by the L1 norm,
``E |grad D(u)|_1`` (sum of absolute values over all non-batch axes): the
L1-norm double backpropagation of Drucker & LeCun (1992), "Improving
generalization performance using double backpropagation". ``layer=NAME``
takes the gradient w.r.t. the output (after its activation) of D's layer
``NAME`` instead of D's input (a layer gradient penalty): D must then be a
functional or Sequential ``keras.Model`` and the points are still fed to
its input; an unknown name is a ``ValueError`` listing D's layers.

References: R1/R2, Mescheder et al. (2018); R1 + R2 together, Huang et
al. (2024), R3GAN; 0GP, Thanh-Tung et al. (2019);
WGAN-GP, Gulrajani et al. (2017); DRAGAN, Kodali et al. (2017), with
``x_p = x + 0.5 std(x) U[0, 1)`` and ``std`` the scalar standard deviation
of the real batch (over all replicas); one-sided Lipschitz penalty, Petzka
et al. (2018).
"""

import functools
import inspect
import math
import weakref
from typing import Callable

import keras
import tensorflow as tf

from keras_gans import distribute, registry, rng, spectral_norm

__all__ = [
    "EPSILON",
    "PenaltyFn",
    "none",
    "r1",
    "r2",
    "r1_r2",
    "zero_gp",
    "wgan_gp",
    "dragan",
    "lipschitz",
    "NORMS",
    "check_layer",
    "gradient_norm_squared",
    "gradient_norms",
    "gradient_scaled",
    "input_gradients",
    "get",
    "parts",
    "names",
    "synchronizes_replicas",
]

EPSILON = 1e-12
NORMS = ("l2", "l1")
_OUTPUTS = ("logit", "sigmoid")
_POSITIONAL = ("discriminator", "real", "fake", "seed")

PenaltyFn = Callable[..., tf.Tensor]


def _check_output(output):
    if output not in _OUTPUTS:
        raise ValueError(
            f"Unknown penalty output {output!r}. Valid: {', '.join(_OUTPUTS)}."
        )


def _check_norm(norm):
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
    _check_output(output)
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
        # Examples are independent, so d(sum)/du_i = dD(u_i)/du_i (not so
        # for batch-coupled layers such as BatchNorm in training mode).
        total = tf.reduce_sum(scores)
        if scale is not None:
            scale = _inner_scale(scale, tf.shape(points)[0])
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
    return grads


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
        float32 tensor ``[B]``.
    """
    _check_norm(norm)
    grads = input_gradients(discriminator, points, output, layer)
    flat = tf.reshape(grads, [tf.shape(grads)[0], -1])
    if norm == "l1":
        return tf.reduce_sum(tf.abs(flat), axis=1)
    return tf.reduce_sum(tf.square(flat), axis=1)


def _norm(squared):
    return tf.sqrt(squared + EPSILON)


def _per_example_uniform(batch, rank, dtype, seed):
    """U[0, 1] per example, shaped to broadcast against a batch of ``rank``."""
    alpha = rng.uniform([batch], seed)
    return tf.cast(tf.reshape(alpha, [-1] + [1] * (rank - 1)), dtype)


def _interpolate(real, fake, seed):
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    if not real.shape.is_compatible_with(fake.shape):
        raise ValueError(
            f"real and fake batches differ in shape: {real.shape} vs "
            f"{fake.shape}."
        )
    alpha = _per_example_uniform(
        tf.shape(real)[0], real.shape.rank, real.dtype, seed
    )
    return alpha * real + (1.0 - alpha) * fake


def none(discriminator, real, fake, seed, *, output="logit"):
    """The null penalty: always 0 (no gradient is computed)."""
    del discriminator, real, fake, seed
    _check_output(output)
    return tf.constant(0.0, tf.float32)


def r1(
    discriminator, real, fake, seed, *, output="logit", norm="l2", layer=None
):
    """R1 (Mescheder et al., 2018): ``E_x |grad D(x)|^2`` on real data.

    Zero-centred, on real samples. Weighted ``lambda * E[...]`` (no 1/2, as in
    Thanh-Tung & Tran's Table I; Mescheder et al. use gamma/2).

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: unused (same signature as every penalty).
        seed: unused.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.
        norm: ``"l2"`` (``|g|^2``) or ``"l1"`` (``|g|_1``, Drucker & LeCun).
        layer: None, or a layer of D whose output is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    del fake, seed
    return tf.reduce_mean(
        gradient_norms(discriminator, real, output, norm, layer)
    )


def r2(
    discriminator, real, fake, seed, *, output="logit", norm="l2", layer=None
):
    """R2 (Mescheder et al., 2018): ``E_y |grad D(y)|^2`` on fake data.

    Args:
        discriminator: callable returning logits.
        real: unused.
        fake: generated batch, any rank.
        seed: unused.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.
        norm: ``"l2"`` (``|g|^2``) or ``"l1"`` (``|g|_1``, Drucker & LeCun).
        layer: None, or a layer of D whose output is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    del real, seed
    return tf.reduce_mean(
        gradient_norms(discriminator, fake, output, norm, layer)
    )


def r1_r2(
    discriminator, real, fake, seed, *, output="logit", norm="l2", layer=None
):
    """R1 and R2 together, as R3GAN regularises D (Huang et al., 2024, "The
    GAN is dead; long live the GAN! A Modern GAN Baseline"):
    ``(R1 + R2) / 2 = (E_x |grad D(x)|^2 + E_y |grad D(y)|^2) / 2``.

    R3GAN adds ``gamma/2 (R1 + R2)`` to L_D, with R1 and R2 the expected
    squared gradient norms (no 1/2 inside), which are this module's ``r1``
    and ``r2``. The caller adds ``lambda * r1_r2`` (``penalty_weight``
    lambda, no 1/2, as for every penalty here), so with ``lambda = gamma``
    the term is exactly R3GAN's ``gamma/2 (R1 + R2)``: the 1/2 lives in
    this function. With a conditional D, R1 holds the real labels and R2
    the fake ones (``parts``).

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: generated batch, any rank.
        seed: unused.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.
        norm: ``"l2"`` (``|g|^2``) or ``"l1"`` (``|g|_1``, Drucker & LeCun).
        layer: None, or a layer of D whose output is differentiated.

    Returns:
        Scalar float32: the mean of the two batch means.
    """
    options = dict(output=output, norm=norm, layer=layer)
    return sum(
        weight * part(discriminator, real, fake, seed, **options)
        for weight, part in _R1_R2_PARTS
    )


# r1_r2's weighted parts, for the penalty itself and for ``parts``.
_R1_R2_PARTS = ((0.5, r1), (0.5, r2))


def zero_gp(
    discriminator, real, fake, seed, *, output="logit", norm="l2", layer=None
):
    """0GP (Thanh-Tung et al., 2019): ``E_u |grad D(u)|^2``.

    ``u = a x + (1 - a) y`` with per-example ``a ~ U[0, 1]``: zero-centred,
    on the segments between real and fake samples.

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: generated batch, same shape as ``real``.
        seed: shape ``[2]`` int seed for the alphas.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.
        norm: ``"l2"`` (``|g|^2``) or ``"l1"`` (``|g|_1``, Drucker & LeCun).
        layer: None, or a layer of D whose output is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    u = _interpolate(real, fake, seed)
    return tf.reduce_mean(gradient_norms(discriminator, u, output, norm, layer))


def wgan_gp(discriminator, real, fake, seed, *, output="logit"):
    """WGAN-GP, 1GP (Gulrajani et al., 2017): ``E_u (|grad D(u)| - 1)^2``.

    ``u = a x + (1 - a) y``, per-example ``a ~ U[0, 1]``; the norm is
    ``sqrt(|g|^2 + EPSILON)``.

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: generated batch, same shape as ``real``.
        seed: shape ``[2]`` int seed for the alphas.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    u = _interpolate(real, fake, seed)
    norm = _norm(gradient_norm_squared(discriminator, u, output))
    return tf.reduce_mean(tf.square(norm - 1.0))


def dragan(discriminator, real, fake, seed, *, output="logit"):
    """DRAGAN (Kodali et al., 2017): ``E_u (|grad D(u)| - 1)^2`` near data.

    ``x_p = x + 0.5 std(x) U[0, 1)`` elementwise, ``u = x + a (x_p - x)`` with
    per-example ``a ~ U[0, 1]``; ``std(x)`` is the standard deviation of all
    entries of the (global) real batch.

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: unused.
        seed: shape ``[2]`` int seed for the perturbation and the alphas.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    del fake
    real = tf.convert_to_tensor(real)
    x = tf.cast(real, tf.float32)
    moments = distribute.cross_replica_sum(
        tf.stack(
            [
                tf.reduce_sum(x),
                tf.reduce_sum(tf.square(x)),
                tf.cast(tf.size(x), tf.float32),
            ]
        )
    )
    mean = moments[0] / moments[2]
    std = tf.sqrt(tf.maximum(moments[1] / moments[2] - mean**2, 0.0) + EPSILON)
    noise_seed, alpha_seed = tf.unstack(rng.split_seed(seed, 2))
    noise = rng.uniform(tf.shape(real), noise_seed)
    perturbed = real + tf.cast(0.5 * std * noise, real.dtype)
    alpha = _per_example_uniform(
        tf.shape(real)[0], real.shape.rank, real.dtype, alpha_seed
    )
    u = real + alpha * (perturbed - real)
    norm = _norm(gradient_norm_squared(discriminator, u, output))
    return tf.reduce_mean(tf.square(norm - 1.0))


def lipschitz(discriminator, real, fake, seed, *, k=1.0, output="logit"):
    """One-sided Lipschitz penalty (Petzka et al., 2018), target ``K``.

    ``E_u max(0, |grad D(u)| - K)^2`` at ``u = a x + (1 - a) y``,
    per-example ``a ~ U[0, 1]``: only slopes steeper than ``K`` are penalised.

    Args:
        discriminator: callable returning logits.
        real: real batch, any rank.
        fake: generated batch, same shape as ``real``.
        seed: shape ``[2]`` int seed for the alphas.
        k: the Lipschitz target K > 0.
        output: ``"logit"`` or ``"sigmoid"``: what is differentiated.

    Returns:
        Scalar float32 mean over the batch.
    """
    if not k > 0:
        raise ValueError(f"lipschitz penalty needs k > 0, got k={k}.")
    u = _interpolate(real, fake, seed)
    norm = _norm(gradient_norm_squared(discriminator, u, output))
    return tf.reduce_mean(tf.square(tf.nn.relu(norm - k)))


_REGISTRY = {
    "none": none,
    "r1": r1,
    "r2": r2,
    "r1_r2": r1_r2,
    "zero_gp": zero_gp,
    "wgan_gp": wgan_gp,
    "dragan": dragan,
    "lipschitz": lipschitz,
}


def names():
    """The registered penalty names, sorted."""
    return sorted(_REGISTRY)


def get(name, **options):
    """Returns the penalty registered under ``name``, with ``options`` bound.

    Args:
        name: a registered name (see ``names()``) or a callable, returned
            unchanged (with ``options`` bound, if any).
        **options: keyword options of that penalty, e.g. ``k=2.0`` for
            ``lipschitz`` or ``output="sigmoid"``.

    Raises:
        ValueError: ``name`` is not a registered penalty, or an option is not
            one the penalty takes.
    """
    fn = registry.lookup(name, _REGISTRY, "gradient penalty")
    if not options:
        return fn
    unknown = registry.unknown_options(fn, options)
    if unknown:
        params = inspect.signature(fn).parameters
        raise ValueError(
            f"Penalty {name!r} takes no option(s) {unknown}; its options: "
            f"{[p for p in params if p not in _POSITIONAL]}."
        )
    if "output" in options:
        _check_output(options["output"])
    bound = getattr(fn, "keywords", {}).get("output")
    if bound is not None and options.get("output", bound) != bound:
        raise ValueError(
            f"Penalty already differentiates {bound!r}; cannot rebind "
            f"output={options['output']!r}."
        )
    if "norm" in options:
        _check_norm(options["norm"])
    if options.get("layer") is not None and not isinstance(
        options["layer"], str
    ):
        raise ValueError(
            f"Penalty layer must be a layer name, got {options['layer']!r}."
        )
    if "k" in options and not options["k"] > 0:
        raise ValueError(
            f"lipschitz penalty needs k > 0, got k={options['k']}."
        )
    return functools.partial(fn, **options)


def synchronizes_replicas(fn) -> bool:
    """Whether penalty ``fn`` (a registered one, possibly with options
    bound) communicates across replicas: ``dragan``'s batch std does."""
    return registry.unwrap(fn) is dragan


def parts(fn):
    """``[(weight, penalty)]`` whose weighted sum is penalty ``fn`` (options
    bound carried over): ``r1_r2`` is ``[(1/2, r1), (1/2, r2)]``, every
    other penalty ``[(1, fn)]``. A conditional GAN takes each part with its
    own labels held fixed (R1: the real labels, R2: the fake ones)."""
    if registry.unwrap(fn) is not r1_r2:
        return [(1.0, fn)]
    options = {}
    while isinstance(fn, functools.partial):
        options = {**fn.keywords, **options}
        fn = fn.func
    return [
        (weight, functools.partial(part, **options))
        for weight, part in _R1_R2_PARTS
    ]
