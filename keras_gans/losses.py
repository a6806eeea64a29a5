"""Adversarial losses for GANs whose discriminator returns logits.

Every loss is a pure function with one signature::

    fn(real_logits, fake_logits) -> (d_loss_real, d_loss_fake, g_loss)

Each returned value is a scalar mean over the batch, computed in float32
(logits of any dtype are cast). The discriminator loss is
``L_D = gamma * d_loss_real + d_loss_fake`` where ``gamma`` is the
imbalanced real weight of Thanh-Tung & Tran (2020), eq. 6 (``gamma = 1`` is
the usual balanced loss); the generator minimises ``g_loss``. The generator
loss depends on the fake logits only.

With ``sp = softplus``, ``d_r``/``d_f`` the logits on real/fake samples:

- minimax: ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = -sp(d_f)``
- non_saturating (GAN-NS): ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = sp(-d_f)``
- wasserstein: ``L_D = -d_r + d_f``, ``L_G = -d_f``
- hinge: ``L_D = relu(1 - d_r) + relu(1 + d_f)``, ``L_G = -d_f``

``sp(-d)`` is ``-log(sigmoid(d))``, so the logistic rows are the usual
cross-entropy losses of Goodfellow et al. (2014) written on logits.
"""

from typing import Callable, Tuple

import tensorflow as tf

__all__ = [
    "LossFn",
    "minimax",
    "non_saturating",
    "wasserstein",
    "hinge",
    "get",
    "is_logistic",
    "names",
]

LossFn = Callable[
    [tf.Tensor, tf.Tensor], Tuple[tf.Tensor, tf.Tensor, tf.Tensor]
]


def _as_float32(real_logits, fake_logits):
    return (
        tf.cast(real_logits, tf.float32),
        tf.cast(fake_logits, tf.float32),
    )


def minimax(real_logits, fake_logits):
    """Original minimax GAN loss (Goodfellow et al., 2014).

    ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = -sp(d_f)`` (the generator maximises
    the discriminator's cross-entropy on fakes; its gradient saturates when
    D rejects the fakes confidently).

    Args:
        real_logits: discriminator logits on real samples, any shape.
        fake_logits: discriminator logits on generated samples, any shape.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    loss_fake = tf.reduce_mean(tf.nn.softplus(d_f))
    return tf.reduce_mean(tf.nn.softplus(-d_r)), loss_fake, -loss_fake


def non_saturating(real_logits, fake_logits):
    """Non-saturating GAN loss, GAN-NS (Goodfellow et al., 2014).

    ``L_D = sp(-d_r) + sp(d_f)``, ``L_G = sp(-d_f) = -log sigmoid(d_f)``.

    Args:
        real_logits: discriminator logits on real samples, any shape.
        fake_logits: discriminator logits on generated samples, any shape.

    Returns:
        ``(d_loss_real, d_loss_fake, g_loss)``, scalar float32 means.
    """
    d_r, d_f = _as_float32(real_logits, fake_logits)
    return (
        tf.reduce_mean(tf.nn.softplus(-d_r)),
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


# Losses whose logits are read as log-odds: their D scores are reported as
# probabilities, sigmoid(logit).
_LOGISTIC = (minimax, non_saturating)

_REGISTRY = {
    "minimax": minimax,
    "non_saturating": non_saturating,
    "wasserstein": wasserstein,
    "hinge": hinge,
}


def names():
    """The registered loss names, sorted."""
    return sorted(_REGISTRY)


def get(name):
    """Returns the loss function registered under ``name``.

    Args:
        name: a registered name (see ``names()``) or a callable, which is
            returned unchanged.

    Raises:
        ValueError: ``name`` is not a registered loss.
    """
    if callable(name):
        return name
    if name not in _REGISTRY:
        raise ValueError(
            f"Unknown GAN loss {name!r}. Valid names: {', '.join(names())}."
        )
    return _REGISTRY[name]


def is_logistic(loss_fn):
    """Whether ``loss_fn`` reads logits as log-odds (minimax, GAN-NS)."""
    return loss_fn in _LOGISTIC
