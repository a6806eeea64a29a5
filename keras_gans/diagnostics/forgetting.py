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

These scores move with D's scale: a penalty on ``sigmoid(D)`` or a larger
learning rate changes them without changing what D ranks above what. Given
a frozen batch of real samples, the summary also carries a scale-free
score, the **old-fake AUC** ``A_b(t) = P(D_t(x) > D_t(y)) + P(D_t(x) =
D_t(y)) / 2`` over real ``x`` and fakes ``y`` of batch ``b`` (the
Mann-Whitney statistic, the area under the ROC curve with which ``D_t``
tells the batch from real data). It is unchanged by any increasing map of
D's output (sigmoid or raw alike): 1 when every real sample outranks every
old fake, 1/2 when D cannot tell them apart, below 1/2 when it ranks the
old fakes above the reals. Its summary:

- ``mean_auc_max_drop``: mean over batches of ``A_b(t_b) - min_{t > t_b}
  A_b(t)``, how far D's hold on old fakes falls (the scale-free
  counterpart of ``mean_max_rise``);
- ``mean_old_auc``: mean of all old AUCs;
- ``fraction_auc_below_half``: fraction of old AUCs below 1/2.
"""

import dataclasses
from typing import Callable, Dict, Optional

import numpy as np
import tensorflow as tf

from keras_gans.diagnostics import scores as scores_lib

__all__ = [
    "ForgettingSummary",
    "auc",
    "mean_score",
    "raw_scores",
    "score_mean",
    "summarise",
]


def raw_scores(
    discriminator: Callable[[tf.Tensor], tf.Tensor],
    samples,
    batch_size: int = 1024,
) -> np.ndarray:
    """D's raw outputs on ``samples`` (D in inference mode), flat: one per
    sample or, for a D packing m samples, one per pack (``batch_size`` and
    the sample count then multiples of m)."""
    samples = tf.convert_to_tensor(samples, tf.float32)
    out = [
        tf.reshape(discriminator(samples[i : i + batch_size]), [-1]).numpy()
        for i in range(0, int(samples.shape[0]), batch_size)
    ]
    return np.concatenate(out) if out else np.zeros([0], np.float32)


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
    return score_mean(raw_scores(discriminator, samples, batch_size), output)


def score_mean(logits, output: str = "sigmoid") -> float:
    """The mean of ``sigmoid(logits)`` (or of ``logits``), 0 when empty."""
    logits = np.asarray(logits)
    if not logits.size:
        return 0.0
    scored = scores_lib.apply(logits, output)
    return float(np.mean(np.asarray(scored, np.float64)))


def auc(real_scores, fake_scores) -> float:
    """``P(r > f) + P(r = f) / 2`` over all pairs of a real and a fake
    score: the Mann-Whitney U statistic over ``n m``, the area under the
    ROC curve of telling the fakes from the reals by the score.

    Raises:
        ValueError: an empty side.
    """
    r = np.asarray(real_scores, np.float64).reshape(-1)
    f = np.asarray(fake_scores, np.float64).reshape(-1)
    if not (r.size and f.size):
        raise ValueError("auc needs at least one real and one fake score.")
    f = np.sort(f)
    below = np.searchsorted(f, r, side="left")  # fakes strictly below r
    ties = np.searchsorted(f, r, side="right") - below
    return float((below.sum() + 0.5 * ties.sum()) / (r.size * f.size))


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
    aucs: Optional[np.ndarray] = None
    auc_max_drop: Optional[np.ndarray] = None

    def _old(self, values=None):
        values = self.scores if values is None else values
        later = self.eval_steps[:, None] > self.freeze_steps[None, :]
        return values[later & np.isfinite(values)]

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

    @property
    def mean_auc_max_drop(self) -> float:
        """NaN without real samples (``aucs`` None) or old AUCs."""
        if self.auc_max_drop is None:
            return float("nan")
        return self._nanmean(self.auc_max_drop)

    @property
    def mean_old_auc(self) -> float:
        old = self._old(self.aucs) if self.aucs is not None else np.zeros(0)
        return float(np.mean(old)) if old.size else float("nan")

    @property
    def fraction_auc_below_half(self) -> float:
        old = self._old(self.aucs) if self.aucs is not None else np.zeros(0)
        return float(np.mean(old < 0.5)) if old.size else float("nan")

    def summary(self) -> Dict[str, Optional[float]]:
        """The four numbers, and the three AUC numbers when the history
        has AUCs, JSON-ready (NaN becomes None)."""
        values = {
            "mean_max_rise": self.mean_max_rise,
            "mean_final_rise": self.mean_final_rise,
            "fraction_above_half": self.fraction_above_half,
            "mean_old_score": self.mean_old_score,
        }
        if self.aucs is not None:
            values.update(
                mean_auc_max_drop=self.mean_auc_max_drop,
                mean_old_auc=self.mean_old_auc,
                fraction_auc_below_half=self.fraction_auc_below_half,
            )
        return {k: None if np.isnan(v) else v for k, v in values.items()}

    def as_dict(self) -> Dict[str, object]:
        """The history and the numbers, JSON-ready (NaN becomes None)."""
        return {
            "freeze_steps": self.freeze_steps.tolist(),
            "eval_steps": self.eval_steps.tolist(),
            "scores": [_plain_row(row) for row in self.scores],
            "unit": self.unit,
            **(
                {}
                if self.aucs is None
                else {"aucs": [_plain_row(row) for row in self.aucs]}
            ),
            **self.summary(),
        }


def _plain_row(row):
    return [None if np.isnan(v) else float(v) for v in row]


def _drops(freeze, steps, values, sign):
    """``(initial [B], max over old of sign * (value - initial) [B],
    last old value - initial [B])``, NaN where undefined."""
    initial = np.full(len(freeze), np.nan)
    most = np.full(len(freeze), np.nan)
    final = np.full(len(freeze), np.nan)
    for b, t_b in enumerate(freeze):
        at = np.flatnonzero(steps == t_b)
        if at.size:
            initial[b] = values[at[0], b]
        old = values[(steps > t_b) & np.isfinite(values[:, b]), b]
        if old.size and np.isfinite(initial[b]):
            most[b] = np.max(sign * (old - initial[b]))
            final[b] = old[-1] - initial[b]
    return initial, most, final


def summarise(
    freeze_steps, eval_steps, scores, output: str = "sigmoid", aucs=None
) -> ForgettingSummary:
    """Summarises a score history (see the module docstring).

    Args:
        freeze_steps: ``[B]`` freezing steps.
        eval_steps: ``[T]`` increasing evaluation steps.
        scores: ``[T, B]`` scores, NaN where a batch was not yet frozen.
        output: what the scores are (``"sigmoid"`` or ``"logit"``).
        aucs: optional ``[T, B]`` old-fake AUCs (``auc``), NaN where a
            batch was not yet frozen.

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
    initial, max_rise, final_rise = _drops(freeze, steps, scores, 1.0)
    auc_max_drop = None
    if aucs is not None:
        aucs = np.asarray(aucs, np.float64).reshape(scores.shape)
        auc_max_drop = _drops(freeze, steps, aucs, -1.0)[1]
    return ForgettingSummary(
        freeze,
        steps,
        scores,
        initial,
        max_rise,
        final_rise,
        unit=scores_lib.unit(output),
        threshold=scores_lib.threshold(output),
        aucs=aucs,
        auc_max_drop=auc_max_drop,
    )
