"""Fair timing of ``fit`` on a shared machine (throughput.py, option_cost.py).

Every model is warmed up (traced) and sized to bursts of about ``seconds``
first; then the models are timed in turn, ``repeats`` times, and each
keeps its best burst: interleaving and best-of-n keep the ratios fair when
other jobs share the CPU.
"""

import dataclasses
import time
from typing import List

import keras
import tensorflow as tf


@dataclasses.dataclass
class Timed:
    label: str
    model: keras.Model
    dataset: tf.data.Dataset
    spe: int
    steps: int = 0
    best: float = 0.0

    def run(self, steps):
        steps = max(self.spe, steps - steps % self.spe)
        start = time.perf_counter()
        self.model.fit(self.dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        return steps / (time.perf_counter() - start)


def _warm(t: Timed, seconds: float):
    t.run(2 * t.spe)  # trace
    rate = t.run(4 * t.spe)
    t.steps = int(max(t.spe, min(20000, rate * seconds)))


def measure(impls: List[Timed], repeats: int, seconds: float):
    for t in impls:
        _warm(t, seconds)
    for _ in range(repeats):
        for t in impls:
            t.best = max(t.best, t.run(t.steps))
