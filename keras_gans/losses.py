"""Adversarial losses for GANs whose discriminator returns logits.

Every loss is a pure function with one signature::

    fn(real_logits, fake_logits) -> (d_loss_real, d_loss_fake, g_loss)

Each returned value is a scalar mean over the batch, computed in float32
(logits of any dtype are cast). The discriminator loss is
``L_D = gamma * d_loss_real + d_loss_fake`` where ``gamma`` is the
imbalanced real weight of Thanh-Tung & Tran (2020), eq. 6 (``gamma = 1`` is
the usual balanced loss); the generator minimises ``g_loss``.

Both players' terms are functions of both logits. For most losses the
generator loss happens to read the fake logits only (``g_loss`` is the same
whatever ``real_logits`` holds). A *paired* loss (``is_paired``: the
relativistic pairing loss) compares ``d_r[i]`` with ``d_f[i]``, pairs by
index: its ``g_loss`` reads the real logits too, so the caller passes D's
logits on a real batch of the fake batch's size (``keras_gans.GAN`` then
calls D on a real batch in the G step; for the other losses it does not),
and its ``L_D`` is one term, not a real and a fake part, so it has no real
weight (``gamma`` must be 1). A loss function declares itself paired with
the attribute ``paired = True``.

With ``sp = softplus``, ``d_r``/``d_f`` the logits on real/fake samples:

- minimax: ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = -sp(d_f)``
- non_saturating (GAN-NS): ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = sp(-d_f)``
- wasserstein: ``L_D = -d_r + d_f``, ``L_G = -d_f``
- hinge: ``L_D = relu(1 - d_r) + relu(1 + d_f)``, ``L_G = -d_f``
- relativistic (RpGAN, paired): ``L_D = sp(d_f - d_r)``,
  ``L_G = sp(d_r - d_f)``, the i-th real logit with the i-th fake one

``sp(-d)`` is ``-log(sigmoid(d))``, so the logistic rows are the usual
cross-entropy losses of Goodfellow et al. (2014) written on logits.

Options are keyword-only and bound by ``get(name, **options)``. The logistic
losses take ``label_smoothing=s``, one-sided label smoothing (Salimans et
al., 2016, "Improved Techniques for Training GANs", Sec. 3.4): D's real
term becomes the binary cross-entropy with target ``s`` in (0.5, 1],
``s * sp(-d_r) + (1 - s) * sp(d_r)``; the fake term and ``L_G`` are
unchanged (one-sided: smoothing the fake targets too would reward G's
samples where p_r is 0). ``s = 1`` is the plain loss.
"""

import functools
import inspect
from typing import Callable, Tuple

import tensorflow as tf

from keras_gans import registry

__all__ = [
    "LossFn",
    "minimax",
    "non_saturating",
    "wasserstein",
    "hinge",
    "relativistic",
    "get",
    "is_logistic",
    "is_paired",
    "names",
    "smoothed_real_loss",
]

LossFn = Callable[
    [tf.Tensor, tf.Tensor], Tuple[tf.Tensor, tf.Tensor, tf.Tensor]
]


def _as_float32(real_logits, fake_logits):
    return (
        tf.cast(real_logits, tf.float32),
        tf.cast(fake_logits, tf.float32),
    )


def _check_smoothing(label_smoothing):
    if not 0.5 < label_smoothing <= 1.0:
        raise ValueError(
            "label_smoothing (the real target of one-sided label smoothing) "
            f"must be in (0.5, 1], got {label_smoothing!r}."
        )


def smoothed_real_loss(real_logits, label_smoothing=1.0):
    """D's real term with target ``s``: ``mean(s sp(-d_r) + (1-s) sp(d_r))``.

    The binary cross-entropy of ``sigmoid(d_r)`` against the target ``s``
    (Salimans et al., 2016); ``s = 1`` gives ``mean(sp(-d_r))``.

    Args:
        real_logits: logits on real samples, any shape (cast to float32).
        label_smoothing: the real target ``s`` in (0.5, 1].

    Returns:
        Scalar float32 mean over the batch.

    Raises:
        ValueError: ``s`` outside (0.5, 1].
    """
    _check_smoothing(label_smoothing)
    d_r = tf.cast(real_logits, tf.float32)
    loss = tf.nn.softplus(-d_r)
    if label_smoothing != 1.0:
        s = tf.constant(label_smoothing, tf.float32)
        loss = s * loss + (1.0 - s) * tf.nn.softplus(d_r)
    return tf.reduce_mean(loss)


def minimax(real_logits, fake_logits, *, label_smoothing=1.0):
    """Original minimax GAN loss (Goodfellow et al., 2014).

    ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = -sp(d_f)`` (the generator maximises
    the discriminator's cross-entropy on fakes; its gradient saturates when
    D rejects the fakes confidently).

    Args:
        real_logits: discriminator logits on real samples, any shape.
        fake_logits: discriminator logits on generated samples, any shape.
        label_smoothing: real target ``s`` in (0.5, 1] of one-sided label
            smoothing (see ``smoothed_real_loss``); 1 for none.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    loss_fake = tf.reduce_mean(tf.nn.softplus(d_f))
    return smoothed_real_loss(d_r, label_smoothing), loss_fake, -loss_fake


def non_saturating(real_logits, fake_logits, *, label_smoothing=1.0):
    """Non-saturating GAN loss, GAN-NS (Goodfellow et al., 2014).

    ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = sp(-d_f) = -log sigmoid(d_f)``.

    Args:
        real_logits: discriminator logits on real samples, any shape.
        fake_logits: discriminator logits on generated samples, any shape.
        label_smoothing: real target ``s`` in (0.5, 1] of one-sided label
            smoothing (see ``smoothed_real_loss``); 1 for none.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    return (
        smoothed_real_loss(d_r, label_smoothing),
        tf.reduce_mean(tf.nn.softplus(d_f)),
        tf.reduce_mean(tf.nn.softplus(-d_f)),
    )


def wasserstein(real_logits, fake_logits):
    """Wasserstein critic loss (Arjovsky et al., 2017).

    ``L_D = -d_r + d_f``, ``L_G = -d_f``. Pair it with a Lipschitz constraint
    such as the ``wgan_gp`` penalty.

    Args:
        real_logits: critic outputs on real samples, any shape.
        fake_logits: critic outputs on generated samples, any shape.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    mean_fake = tf.reduce_mean(d_f)
    return -tf.reduce_mean(d_r), mean_fake, -mean_fake


def hinge(real_logits, fake_logits):
    """Hinge loss (Lim & Ye, 2017; Miyato et al., 2018).

    ``L_D = relu(1 - d_r) + relu(1 + d_f)``, ``L_G = -d_f``.

    Args:
        real_logits: discriminator outputs on real samples, any shape.
        fake_logits: discriminator outputs on generated samples, any shape.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    return (
        tf.reduce_mean(tf.nn.relu(1.0 - d_r)),
        tf.reduce_mean(tf.nn.relu(1.0 + d_f)),
        -tf.reduce_mean(d_f),
    )


def relativistic(real_logits, fake_logits):
    """Relativistic pairing loss, RpGAN (Jolicoeur-Martineau, 2019, "The
    relativistic discriminator: a key element missing from standard GAN";
    Huang et al., 2024, "The GAN is dead; long live the GAN! A Modern GAN
    Baseline", R3GAN).

    ``L_D = mean_i sp(d_f[i] - d_r[i])``, ``L_G = mean_i sp(d_r[i] -
    d_f[i])``: each fake is compared with the real sample of the same index
    (pairs by index, so both batches must hold as many logits). D's loss is
    one paired term: it is returned whole as ``d_loss_real`` with
    ``d_loss_fake = 0``, and a real weight ``gamma`` other than 1 has no
    meaning with it (``keras_gans.GAN`` refuses one). Only logit
    differences matter (adding a constant to D changes neither loss), so
    D's scores are reported as raw logits, not as probabilities.

    Args:
        real_logits: D's logits on real samples, ``[B]`` or ``[B, 1]``.
        fake_logits: D's logits on generated samples, the same size.

    Returns:
        ``(L_D, 0, L_G)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    d_r, d_f = tf.reshape(d_r, [-1]), tf.reshape(d_f, [-1])
    return (
        tf.reduce_mean(tf.nn.softplus(d_f - d_r)),
        tf.constant(0.0, tf.float32),
        tf.reduce_mean(tf.nn.softplus(d_r - d_f)),
    )


relativistic.paired = True

# Losses whose logits are read as log-odds: their D scores are reported as
# probabilities, sigmoid(logit).
_LOGISTIC = (minimax, non_saturating)

_REGISTRY = {
    "minimax": minimax,
    "non_saturating": non_saturating,
    "wasserstein": wasserstein,
    "hinge": hinge,
    "relativistic": relativistic,
}


registry.check_names(_REGISTRY, registry.LOSS_NAMES, "loss")


def names():
    """The registered loss names, sorted."""
    return sorted(_REGISTRY)


def get(name, **options):
    """Returns the loss registered under ``name``, with ``options`` bound.

    Args:
        name: a registered name (see ``names()``) or a callable, returned
            unchanged (with ``options`` bound, if any).
        **options: keyword options of that loss, e.g. ``label_smoothing=0.9``
            for ``minimax`` and ``non_saturating``.

    Raises:
        ValueError: ``name`` is not a registered loss, an option is not one
            the loss takes (e.g. ``label_smoothing`` with ``wasserstein`` or
            ``hinge``), or ``label_smoothing`` is outside (0.5, 1].
    """
    fn = registry.lookup(name, _REGISTRY, "GAN loss")
    if not options:
        return fn
    unknown = registry.unknown_options(fn, options)
    if unknown:
        params = inspect.signature(fn).parameters
        hint = (
            " (one-sided label smoothing is for the logistic losses: "
            f"{', '.join(n for n, f in _REGISTRY.items() if f in _LOGISTIC)})"
            if "label_smoothing" in unknown
            else ""
        )
        raise ValueError(
            f"Loss {name!r} takes no option(s) {unknown}{hint}; its options: "
            f"{[p for p in params if p not in ('real_logits', 'fake_logits')]}."
        )
    if "label_smoothing" in options:
        _check_smoothing(options["label_smoothing"])
    return functools.partial(fn, **options)


def is_logistic(loss_fn):
    """Whether ``loss_fn`` reads logits as log-odds (minimax, GAN-NS), with
    or without options bound."""
    return registry.unwrap(loss_fn) in _LOGISTIC


def is_paired(loss_fn) -> bool:
    """Whether ``loss_fn`` (with or without options bound) pairs real and
    fake logits by index (``paired = True``, e.g. ``relativistic``): its
    generator loss then reads the real logits, and its D loss takes no real
    weight."""
    return bool(getattr(registry.unwrap(loss_fn), "paired", False))
