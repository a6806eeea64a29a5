"""keras_gans: GANs that neither collapse nor forget, on Keras 3."""

# _startup first: it quiets TensorFlow's start-up in the binaries.
from keras_gans import (  # noqa: F401 - _startup is imported for its effect
    _startup,
    augment,
    callbacks,
    clip_metrics,
    data,
    distribute,
    evaluation,
    export,
    feature_metrics,
    inception,
    losses,
    metrics,
    moving_digits,
    networks,
    penalties,
    reference_stats,
    rng,
    sampling,
    spectral_norm,
    training,
    video_networks,
)
from keras_gans.gan import GAN

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "augment",
    "callbacks",
    "clip_metrics",
    "data",
    "distribute",
    "evaluation",
    "export",
    "feature_metrics",
    "inception",
    "losses",
    "metrics",
    "moving_digits",
    "networks",
    "penalties",
    "reference_stats",
    "rng",
    "sampling",
    "spectral_norm",
    "training",
    "video_networks",
    "__version__",
]
