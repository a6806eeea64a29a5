"""What the diagnostics read off the discriminator: sigmoid(D) or D itself.

The paper's landscape (eq. 2) and old-fake scores are probabilities,
``sigmoid(D(x))``, for the logistic losses, and the critic's own output for
WGAN ("Linear for WGAN", Table IV): a critic's values have no sigmoid scale,
and through a sigmoid its landscape would depend on its arbitrary offset
(``b - |k|`` saturates for large ``b``). The hinge loss's D is a critic too.
"""

from typing import Optional

import tensorflow as tf

from keras_gans import losses

__all__ = ["OUTPUTS", "apply", "check_output", "for_gan", "unit", "threshold"]

OUTPUTS = ("sigmoid", "logit")


def check_output(output: str) -> str:
    """Returns ``output`` or raises ``ValueError`` listing the valid ones."""
    if output not in OUTPUTS:
        raise ValueError(
            f"Unknown score output {output!r}. Valid: {', '.join(OUTPUTS)}."
        )
    return output


def for_gan(gan, output: Optional[str] = None) -> str:
    """``output`` if given, else the GAN's own: ``"sigmoid"`` for the
    logistic losses, ``"logit"`` (D's raw output) for wasserstein and
    hinge."""
    if output is not None:
        return check_output(output)
    loss_fn = getattr(gan, "loss_fn", None)
    if loss_fn is None or losses.is_logistic(loss_fn):
        return "sigmoid"
    return "logit"


def apply(logits, output: str) -> tf.Tensor:
    """float32 ``sigmoid(logits)`` or ``logits``."""
    logits = tf.cast(logits, tf.float32)
    return tf.sigmoid(logits) if check_output(output) == "sigmoid" else logits


def unit(output: str) -> str:
    """The unit's name for plots and JSON."""
    return "sigmoid(D)" if check_output(output) == "sigmoid" else "D (raw)"


def threshold(output: str) -> float:
    """The score above which D takes a sample for real: 0.5 or 0."""
    return 0.5 if check_output(output) == "sigmoid" else 0.0
