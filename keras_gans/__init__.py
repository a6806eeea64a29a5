"""keras_gans: GANs that neither collapse nor forget, on Keras 3."""

# _startup first: it quiets TensorFlow's start-up in the binaries.
from keras_gans import (  # noqa: F401 - _startup is imported for its effect
    _startup,
    augment,
    callbacks,
    data,
    distribute,
    export,
    feature_metrics,
    inception,
    losses,
    metrics,
    networks,
    penalties,
    reference_stats,
    rng,
    sampling,
    spectral_norm,
    training,
)
from keras_gans.gan import GAN

__version__ = "0.1.0"

__all__ = [
    "GAN",
    "augment",
    "callbacks",
    "data",
    "distribute",
    "export",
    "feature_metrics",
    "inception",
    "losses",
    "metrics",
    "networks",
    "penalties",
    "reference_stats",
    "rng",
    "sampling",
    "spectral_norm",
    "training",
    "__version__",
]
