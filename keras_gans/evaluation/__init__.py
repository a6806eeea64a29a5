"""Evaluation: what the library measures about a generator and how each
score reads. ``scores`` is the registry of the logged scores (name,
direction, the evaluations that log them); the evaluators themselves are
``keras_gans.metrics`` (mode coverage, digits' image metrics),
``inception`` (IS, FID and friends on Inception features),
``feature_metrics``, ``clip_metrics`` and ``reference_stats`` until they
move here. ``runs`` (imported on use) is the evaluation of one
``train_lib.run``, chosen once for its data set's kind."""

from keras_gans.evaluation import scores

__all__ = ["scores"]
