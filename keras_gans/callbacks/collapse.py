"""When is a GAN collapsed? The signals a collapse watchdog reads (a toy
mixture's modes and high-quality fraction, an image evaluator's scores)
and the rules that judge them (absolute bounds, a drop below the best
healthy check, mode collapse as defined: good samples on few modes).
``keras_gans.callbacks.watchdog`` acts on their verdict."""

from collections.abc import Callable, Mapping

import numpy as np

from keras_gans import metrics
from keras_gans.validation import check_integer

__all__ = [
    "Drop",
    "ModeCollapse",
    "Thresholds",
    "image_signal",
    "toy_signal",
]


class Thresholds:
    """A collapse rule: the state is collapsed when any watched value is
    below its minimum or above its maximum, or the signal says
    ``diverged``.

    Args:
        minimum: key -> smallest healthy value (e.g. ``{"modes": 7}``).
        maximum: key -> largest healthy value (e.g. ``{"kl": 0.5}``).
    """

    def __init__(
        self,
        minimum: Mapping[str, float] | None = None,
        maximum: Mapping[str, float] | None = None,
    ):
        self.minimum = dict(minimum or {})
        self.maximum = dict(maximum or {})
        if not self.minimum and not self.maximum:
            raise ValueError("Thresholds needs at least one bound.")

    def __call__(self, signal: Mapping[str, float], healthy=()) -> bool:
        del healthy  # absolute bounds: the history does not matter
        if signal.get("diverged"):
            return True
        for key in list(self.minimum) + list(self.maximum):
            if key not in signal:
                raise ValueError(
                    f"The watchdog's signal has no {key!r} (it has "
                    f"{sorted(signal)}); watch one of those."
                )
        return any(signal[k] < v for k, v in self.minimum.items()) or any(
            signal[k] > v for k, v in self.maximum.items()
        )

    def describe(self) -> dict:
        return {"minimum": self.minimum, "maximum": self.maximum}


class Drop:
    """A collapse rule relative to the run's own best: collapsed when
    ``signal[key]`` is worse than the best value of the earlier healthy
    checks by more than ``tolerance`` (or the signal says ``diverged``).
    The first check, with no history, is healthy.

    Args:
        key: the watched value, e.g. ``"modes"``.
        tolerance: the allowed loss (absolute, in the key's units).
        mode: ``"max"`` (larger is better) or ``"min"``.
    """

    def __init__(self, key: str, tolerance: float, mode: str = "max"):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}.")
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance}.")
        self.key, self.tolerance, self.mode = key, float(tolerance), mode

    def __call__(self, signal: Mapping[str, float], healthy=()) -> bool:
        if signal.get("diverged"):
            return True
        if self.key not in signal:
            raise ValueError(
                f"The watchdog's signal has no {self.key!r} (it has "
                f"{sorted(signal)}); watch one of those."
            )
        values = [h[self.key] for h in healthy if self.key in h]
        if not values:
            return False
        if self.mode == "max":
            return signal[self.key] < max(values) - self.tolerance
        return signal[self.key] > min(values) + self.tolerance

    def describe(self) -> dict:
        return {"key": self.key, "tolerance": self.tolerance, "mode": self.mode}


class ModeCollapse:
    """A collapse rule for toy data, from the definition of mode collapse:
    most samples are high quality but they sit on too few modes. Collapsed
    when ``signal["high_quality"] >= min_quality`` and fewer than
    ``min_fraction`` of the modes hold samples (``signal["hq_modes"]``,
    ``metrics.held_modes``: a mode counts only with a quarter of its
    uniform share in high-quality samples, so stray samples make none), or
    when the signal says ``diverged``.

    A run whose samples are mostly off the modes has not collapsed: it
    has not converged, and rolling it back cannot help. That is the
    paper's Fig. 1 rotation of GAN-NS + SGD on the ring (high-quality
    fraction 0-30 %), which the relative rules (``Drop`` on modes or
    reverse KL) read as collapse (benchmarks/WATCHDOG.md). The history of
    healthy checks is not used: the bounds are absolute.

    Args:
        num_modes: the mixture's modes K.
        min_quality: smallest high-quality fraction read as converged.
        min_fraction: fewest modes held, as a fraction of K, of a healthy
            converged run.
    """

    def __init__(
        self,
        num_modes: int,
        min_quality: float = 0.5,
        min_fraction: float = 0.8,
    ):
        self.num_modes = check_integer("num_modes", num_modes, 1)
        for name, value in (
            ("min_quality", min_quality),
            ("min_fraction", min_fraction),
        ):
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}.")
        self.min_quality = float(min_quality)
        self.min_fraction = float(min_fraction)

    def __call__(self, signal: Mapping[str, float], healthy=()) -> bool:
        del healthy  # absolute bounds
        if signal.get("diverged"):
            return True
        for key in ("high_quality", "hq_modes"):
            if key not in signal:
                raise ValueError(
                    f"The watchdog's signal has no {key!r} (it has "
                    f"{sorted(signal)}); ModeCollapse reads toy_signal's."
                )
        return (
            signal["high_quality"] >= self.min_quality
            and signal["hq_modes"] < self.min_fraction * self.num_modes
        )

    def describe(self) -> dict:
        return {
            "num_modes": self.num_modes,
            "min_quality": self.min_quality,
            "min_fraction": self.min_fraction,
        }


def toy_signal(mixture, num_samples: int = 1000, seed: int = 0) -> Callable:
    """``gan -> {modes, high_quality, reverse_kl, hq_modes}`` (or
    ``{diverged: True}``): PacGAN mode coverage of ``num_samples`` samples
    from fixed latents (``metrics.mode_coverage``) and the modes they hold
    (``metrics.held_modes``)."""

    def signal(gan):
        samples = gan.generate(num_samples, seed=seed)
        if not np.all(np.isfinite(samples)):
            return {"diverged": True}
        return {
            **metrics.mode_coverage(samples, mixture).as_dict(),
            "hq_modes": metrics.held_modes(samples, mixture),
        }

    return signal


def image_signal(evaluator, num_samples: int = 1000, seed: int = 0):
    """``gan -> evaluator(samples)`` (or ``{diverged: True}``) on
    ``num_samples`` images from fixed latents, e.g. a
    ``metrics.DigitsEvaluator`` for the mode histogram's ``modes`` and
    ``kl``."""

    def signal(gan):
        samples = gan.generate(num_samples, seed=seed)
        if not np.all(np.isfinite(samples)):
            return {"diverged": True}
        return {k: float(v) for k, v in evaluator(samples).items()}

    return signal
