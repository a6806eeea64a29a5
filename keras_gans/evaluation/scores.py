"""The registry of the scores the library's evaluations log.

Each score has one entry: its name (as logged, without Keras' ``val_``
prefix), its direction (``"max"``: larger is better) and the evaluations
that log it. The best-checkpoint keeper reads directions from it,
``keep_best`` is checked against what a run's evaluation logs, and the
error messages list the names from it, so a score is declared once.

Evaluations (``EVALUATIONS``):

- ``toy``: mode coverage of a Gaussian mixture (``metrics.mode_coverage``);
- ``digits`` and ``stacked_digits``: the digits classifier's image metrics
  (``metrics.DigitsEvaluator``), with ``conditional`` adding the class
  accuracy of a class-conditional GAN and ``conditional_digits`` the
  intra-class Frechet distance (8x8 digits only);
- ``clip``: the moving-digit clips' scores (``clip_metrics.ClipEvaluator``);
- ``inception``: Inception Score, FID, KID, precision and recall on
  Inception features (``inception.InceptionEvaluator``).

``density`` and ``coverage`` (``feature_metrics.density_coverage``) have a
direction but no evaluation of ours logs them: a user who logs them may
monitor them.
"""

import dataclasses
from typing import Iterable, Tuple

__all__ = ["EVALUATIONS", "SCORES", "Score", "direction", "logged", "names"]

EVALUATIONS = (
    "toy",
    "digits",
    "stacked_digits",
    "conditional",
    "conditional_digits",
    "clip",
    "inception",
)


@dataclasses.dataclass(frozen=True)
class Score:
    """One logged score.

    Attributes:
        name: the logged name, without ``val_``.
        direction: ``"max"`` if larger is better, else ``"min"``.
        logged_by: the evaluations (``EVALUATIONS``) that log it.
    """

    name: str
    direction: str
    logged_by: Tuple[str, ...] = ()


_DIGITS = ("digits", "stacked_digits")
_FEATURES = (*_DIGITS, "inception")

# In the order the logs and messages list them.
SCORES: Tuple[Score, ...] = (
    Score("modes", "max", ("toy", *_DIGITS, "clip")),
    Score("high_quality", "max", ("toy",)),
    Score("reverse_kl", "min", ("toy",)),
    Score("digit_confidence", "max", ("clip",)),
    Score("classifier_score", "max", (*_DIGITS, "clip")),
    Score("kl", "min", (*_DIGITS, "clip")),
    Score("frechet_distance", "min", _DIGITS),
    Score("inception_score", "max", ("inception",)),
    Score("fid", "min", ("inception",)),
    Score("kid", "min", _FEATURES),
    Score("precision", "max", _FEATURES),
    Score("recall", "max", _FEATURES),
    Score("density", "max"),
    Score("coverage", "max"),
    Score("class_accuracy", "max", ("conditional",)),
    Score("accuracy", "max", ("conditional",)),
    Score("classes_hit", "max", ("conditional",)),
    Score("intra_class_frechet", "min", ("conditional_digits",)),
    Score("identity_consistency", "max", ("clip",)),
    Score("digits_present", "max", ("clip",)),
    Score("background_ink", "min", ("clip",)),
    Score("speed_w1", "min", ("clip",)),
    Score("clip_frechet", "min", ("clip",)),
)
_BY_NAME = {s.name: s for s in SCORES}


def names() -> Tuple[str, ...]:
    """Every registered score's name."""
    return tuple(_BY_NAME)


def direction(monitor: str) -> str:
    """``"min"`` or ``"max"`` for a logged score (``val_kid`` or ``kid``).

    Raises:
        ValueError: a name of unknown direction, listing the known ones.
    """
    score = _BY_NAME.get(monitor.removeprefix("val_"))
    if score is None:
        raise ValueError(
            f"No known direction for {monitor!r}; pass mode='min' or 'max' "
            f"(known: {', '.join(sorted(_BY_NAME))})."
        )
    return score.direction


def logged(evaluations: Iterable[str]) -> Tuple[str, ...]:
    """The scores that the given evaluations log together, in registry
    order.

    Raises:
        ValueError: an unknown evaluation.
    """
    evaluations = set(evaluations)
    unknown = evaluations - set(EVALUATIONS)
    if unknown:
        raise ValueError(
            f"Unknown evaluation(s) {sorted(unknown)}; valid: "
            f"{', '.join(EVALUATIONS)}."
        )
    return tuple(
        s.name for s in SCORES if evaluations.intersection(s.logged_by)
    )
