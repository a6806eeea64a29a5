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

The gradients and their norms are ``keras_gans.gradients``' (also the
mixed-precision loss scale of the inner pass, ``gradient_scaled``).

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
from typing import Callable

import tensorflow as tf

from keras_gans import distribute, registry, rng
from keras_gans.networks.pack import packing
from keras_gans.gradients import (
    NORMS,
    check_layer,
    check_norm,
    check_output,
    gradient_norm_squared,
    gradient_norms,
    gradient_scaled,
    input_gradients,
)

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
_POSITIONAL = ("discriminator", "real", "fake", "seed")

PenaltyFn = Callable[..., tf.Tensor]


def _norm(squared):
    return tf.sqrt(squared + EPSILON)


def _per_example_uniform(batch, rank, dtype, seed, pack=1):
    """U[0, 1] per example, shaped to broadcast against a batch of ``rank``;
    one draw per pack of ``pack`` consecutive rows for a packed D (PacGAN:
    a pack's interpolate lies on the segment between a real and a fake
    pack)."""
    if pack == 1:
        alpha = rng.uniform([batch], seed)
    else:
        alpha = tf.repeat(rng.uniform([batch // pack], seed), pack)
    return tf.cast(tf.reshape(alpha, [-1] + [1] * (rank - 1)), dtype)


def _interpolate(real, fake, seed, pack=1):
    real = tf.convert_to_tensor(real)
    fake = tf.cast(fake, real.dtype)
    if not real.shape.is_compatible_with(fake.shape):
        raise ValueError(
            f"real and fake batches differ in shape: {real.shape} vs "
            f"{fake.shape}."
        )
    alpha = _per_example_uniform(
        tf.shape(real)[0], real.shape.rank, real.dtype, seed, pack
    )
    return alpha * real + (1.0 - alpha) * fake


def none(discriminator, real, fake, seed, *, output="logit"):
    """The null penalty: always 0 (no gradient is computed)."""
    del discriminator, real, fake, seed
    check_output(output)
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
    u = _interpolate(real, fake, seed, packing(discriminator))
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
    u = _interpolate(real, fake, seed, packing(discriminator))
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
        tf.shape(real)[0], real.shape.rank, real.dtype, alpha_seed,
        packing(discriminator),
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
    u = _interpolate(real, fake, seed, packing(discriminator))
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


registry.check_names(_REGISTRY, registry.PENALTY_NAMES, "penalty")


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
        check_output(options["output"])
    bound = getattr(fn, "keywords", {}).get("output")
    if bound is not None and options.get("output", bound) != bound:
        raise ValueError(
            f"Penalty already differentiates {bound!r}; cannot rebind "
            f"output={options['output']!r}."
        )
    if "norm" in options:
        check_norm(options["norm"])
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
