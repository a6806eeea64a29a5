"""Mode coverage on toy mixtures (re-exported by ``keras_gans.metrics``).

It follows the PacGAN protocol (Lin et al., 2018; also VEEGAN): each
sample is assigned to its nearest centre; it is *high quality* if it lies
within 3 sigma of that centre; a mode is *covered* if at least one
high-quality sample is assigned to it; the *reverse KL* is
``KL(p_g || uniform) = sum_k p_k log(p_k K)`` where ``p_k`` is the fraction
of samples whose nearest centre is mode ``k``. The protocol uses 2500
samples. ``held_modes`` is stricter: a mode counts only with a quarter of
its uniform share of the samples as high-quality samples.
"""

import dataclasses

import numpy as np

from keras_gans.data import Mixture

__all__ = ["ModeCoverage", "held_modes", "mode_coverage"]


@dataclasses.dataclass(frozen=True)
class ModeCoverage:
    """Result of ``mode_coverage``.

    Attributes:
        modes: number of covered modes.
        num_modes: number of modes of the mixture.
        high_quality: fraction of samples within 3 sigma of their nearest
            centre, in [0, 1].
        reverse_kl: KL(histogram of the samples' nearest modes || uniform),
            in nats.
    """

    modes: int
    num_modes: int
    high_quality: float
    reverse_kl: float

    def as_dict(self):
        return dataclasses.asdict(self)


def mode_coverage(
    samples, mix: Mixture, threshold: float = 3.0
) -> ModeCoverage:
    """PacGAN mode coverage of 2-D ``samples`` against ``mix``.

    Args:
        samples: array ``[N, 2]``.
        mix: the real mixture (centres and sigma).
        threshold: high quality within ``threshold * sigma`` of a centre.

    Raises:
        ValueError: samples are not ``[N, 2]`` with N > 0, or not finite.
    """
    nearest, good = _nearest_modes(samples, mix, threshold)
    covered = np.bincount(nearest[good], minlength=mix.num_modes)
    p = np.bincount(nearest, minlength=mix.num_modes) / len(nearest)
    nz = p > 0
    kl = float(np.sum(p[nz] * np.log(p[nz] * mix.num_modes)))
    return ModeCoverage(
        modes=int(np.count_nonzero(covered)),
        num_modes=mix.num_modes,
        high_quality=float(good.mean()),
        reverse_kl=kl,
    )


def _nearest_modes(samples, mix: Mixture, threshold: float):
    """Each sample's nearest centre ``[N]`` and whether it is high quality
    (within ``threshold * sigma`` of it) ``[N]``."""
    x = np.asarray(samples, np.float64)
    if x.ndim != 2 or x.shape[1] != 2 or len(x) == 0:
        raise ValueError(f"samples must have shape [N, 2], got {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples contain NaN or inf (did training diverge?).")
    d2 = ((x[:, None, :] - mix.centres[None].astype(np.float64)) ** 2).sum(-1)
    nearest = d2.argmin(axis=1)
    good = np.sqrt(d2.min(axis=1)) <= threshold * mix.sigma
    return nearest, good


def held_modes(
    samples, mix: Mixture, share: float = 0.25, threshold: float = 3.0
) -> int:
    """The modes that hold at least ``share`` of a uniform share of the
    samples as high-quality samples: mode ``k`` counts when at least
    ``share * N / K`` of the ``N`` samples lie within ``threshold * sigma``
    of centre ``k``. Unlike ``mode_coverage``'s ``modes`` (one
    high-quality sample is enough), a few stray samples do not make a
    mode; used by the collapse watchdog's ``hq_modes`` rule.

    Raises:
        ValueError: as ``mode_coverage``, or ``share`` not in (0, 1].
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], got {share}.")
    nearest, good = _nearest_modes(samples, mix, threshold)
    counts = np.bincount(nearest[good], minlength=mix.num_modes)
    return int(np.count_nonzero(counts >= share * len(nearest) / mix.num_modes))
