"""Scores of old fakes: does D remember what it has rejected? (Fig. 11)

Every ``M`` steps a batch of the generator's current fakes is frozen; as
training goes on, D's mean score ``s_b(t) = mean_j sigmoid(D_t(y_bj))`` on
each frozen batch ``b`` is recorded (paper Sec. V, Fig. 11). A D that
remembers keeps old fakes below 0.5; a D that forgets lets their scores
drift back up towards "real" (DESIGN: forgetting = old fakes drifting back
above 0.5). For a critic (wasserstein, hinge) the score is D's raw output
and the line between fake and real is 0 (``output="logit"``, see
``diagnostics.scores``).

For batch ``b`` frozen at step ``t_b``, ``s_b(t_b)`` is its score when it
was the current fake batch (the *initial* score); the evaluations at
``t > t_b`` are its *old* scores. The summary:

- ``mean_max_rise``: mean over batches of ``max_{t > t_b} s_b(t) -
  s_b(t_b)``, how far old fakes' scores rise back (the headline number);
- ``mean_final_rise``: mean over batches of ``s_b(T) - s_b(t_b)`` at the
  last evaluation ``T``;
- ``fraction_above_half``: fraction of all old scores above 0.5 (above 0
  for a critic's raw output);
- ``mean_old_score``: mean of all old scores.

Batches with no old score yet are left out; with none at all the numbers
are NaN.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from keras_gans.diagnostics import scores as scores_lib

__all__ = ["ForgettingSummary", "mean_score", "summarise"]


def mean_score(
    discriminator: Callable[[tf.Tensor], tf.Tensor],
    samples,
    batch_size: int = 1024,
    output: str = "sigmoid",
) -> float:
    """``mean sigmoid(D(x))`` (or ``mean D(x)`` with ``output="logit"``)
    over ``samples`` (D in inference mode): the mean of D's scores, one
    per sample or, for a D packing m samples, one per pack (``batch_size``
    and the sample count then multiples of m)."""
    samples = tf.convert_to_tensor(samples, tf.float32)
    total, count = 0.0, 0
    for i in range(0, int(samples.shape[0]), batch_size):
        logits = discriminator(samples[i : i + batch_size])
        total += float(tf.reduce_sum(scores_lib.apply(logits, output)))
        count += int(tf.size(logits))  # B, or B / m packs (PacGAN)
    return total / max(count, 1)


@dataclasses.dataclass(frozen=True)
class ForgettingSummary:
    """Old-fake score drift; see the module docstring.

    Attributes:
        freeze_steps: ``[B]`` step at which each batch was frozen.
        eval_steps: ``[T]`` steps of the evaluations.
        scores: ``[T, B]`` mean score of batch ``b`` at evaluation ``t``
            (NaN before the batch was frozen).
        initial: ``[B]`` score at the freezing step (NaN if not evaluated
            then).
        max_rise: ``[B]`` ``max`` old score minus initial (NaN if none).
        final_rise: ``[B]`` last old score minus initial (NaN if none).
        unit: what the scores are: ``"sigmoid(D)"`` or ``"D (raw)"``.
        threshold: the score above which D takes a sample for real.
    """

    freeze_steps: np.ndarray
    eval_steps: np.ndarray
    scores: np.ndarray
    initial: np.ndarray
    max_rise: np.ndarray
    final_rise: np.ndarray
    unit: str = "sigmoid(D)"
    threshold: float = 0.5

    def _old(self):
        later = self.eval_steps[:, None] > self.freeze_steps[None, :]
        return self.scores[later & np.isfinite(self.scores)]

    @property
    def fraction_above_half(self) -> float:
        old = self._old()
        if not old.size:
            return float("nan")
        return float(np.mean(old > self.threshold))

    @property
    def mean_old_score(self) -> float:
        old = self._old()
        return float(np.mean(old)) if old.size else float("nan")

    @staticmethod
    def _nanmean(values):
        values = values[np.isfinite(values)]
        return float(np.mean(values)) if values.size else float("nan")

    @property
    def mean_max_rise(self) -> float:
        return self._nanmean(self.max_rise)

    @property
    def mean_final_rise(self) -> float:
        return self._nanmean(self.final_rise)

    def summary(self) -> Dict[str, Optional[float]]:
        """The four numbers, JSON-ready (NaN becomes None)."""
        values = {
            "mean_max_rise": self.mean_max_rise,
            "mean_final_rise": self.mean_final_rise,
            "fraction_above_half": self.fraction_above_half,
            "mean_old_score": self.mean_old_score,
        }
        return {k: None if np.isnan(v) else v for k, v in values.items()}

    def as_dict(self) -> Dict[str, object]:
        """The history and the numbers, JSON-ready (NaN becomes None)."""
        return {
            "freeze_steps": self.freeze_steps.tolist(),
            "eval_steps": self.eval_steps.tolist(),
            "scores": [
                [None if np.isnan(v) else float(v) for v in row]
                for row in self.scores
            ],
            "unit": self.unit,
            **self.summary(),
        }


def summarise(
    freeze_steps, eval_steps, scores, output: str = "sigmoid"
) -> ForgettingSummary:
    """Summarises a score history (see the module docstring).

    Args:
        freeze_steps: ``[B]`` freezing steps.
        eval_steps: ``[T]`` increasing evaluation steps.
        scores: ``[T, B]`` scores, NaN where a batch was not yet frozen.
        output: what the scores are (``"sigmoid"`` or ``"logit"``).

    Returns:
        A ``ForgettingSummary``.

    Raises:
        ValueError: mismatched shapes or unsorted evaluation steps.
    """
    freeze = np.asarray(freeze_steps, np.int64).reshape(-1)
    steps = np.asarray(eval_steps, np.int64).reshape(-1)
    scores = np.asarray(scores, np.float64).reshape(len(steps), len(freeze))
    if np.any(np.diff(steps) <= 0):
        raise ValueError("eval_steps must be strictly increasing.")
    initial = np.full(len(freeze), np.nan)
    max_rise = np.full(len(freeze), np.nan)
    final_rise = np.full(len(freeze), np.nan)
    for b, t_b in enumerate(freeze):
        at = np.flatnonzero(steps == t_b)
        if at.size:
            initial[b] = scores[at[0], b]
        old = scores[(steps > t_b) & np.isfinite(scores[:, b]), b]
        if old.size and np.isfinite(initial[b]):
            max_rise[b] = old.max() - initial[b]
            final_rise[b] = old[-1] - initial[b]
    return ForgettingSummary(
        freeze,
        steps,
        scores,
        initial,
        max_rise,
        final_rise,
        unit=scores_lib.unit(output),
        threshold=scores_lib.threshold(output),
    )
