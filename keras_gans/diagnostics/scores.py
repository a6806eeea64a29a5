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

__all__ = [
    "OUTPUTS",
    "adversarial_critic",
    "apply",
    "check_output",
    "for_gan",
    "unit",
    "threshold",
]

OUTPUTS = ("sigmoid", "logit")


def adversarial_critic(discriminator):
    """D's adversarial logit as a callable of samples alone (inference
    mode): D itself, or, for a D with one input and two outputs (an AC-GAN
    class head, SS-GAN's rotation head from ``networks.with_rotation_head``),
    its first output, the logit the adversarial loss reads (as
    ``training.conditioning.AdversarialOutput`` does for the losses).

    Raises:
        ValueError: D takes several inputs (class labels: a projection D),
            so it has no score of samples alone, or has more than two
            outputs.
    """
    inputs = getattr(discriminator, "inputs", None) or []
    outputs = getattr(discriminator, "outputs", None) or []
    if len(inputs) > 1:
        raise ValueError(
            f"The diagnostics read D's score of samples alone; D "
            f"{discriminator.name!r} takes {len(inputs)} inputs (class "
            "labels: a projection D), so it has none. Measure an "
            "unconditional or AC-GAN D."
        )
    if len(outputs) > 2:
        raise ValueError(
            f"The diagnostics read D's adversarial logit, its first of at "
            f"most 2 outputs; D {discriminator.name!r} has {len(outputs)}."
        )
    if len(outputs) < 2:
        return discriminator

    def first_output(x):
        return discriminator(x, training=False)[0]

    return first_output


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
