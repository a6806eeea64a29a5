"""keras_gans: GANs that neither collapse nor forget, on Keras 3.

The submodules and ``GAN`` load on first use (``keras_gans.losses``,
``keras_gans.diagnostics``, ``from keras_gans import GAN``), so that a
binary's flags can be parsed, and its help printed, before TensorFlow
loads. ``__all__`` lists the public ones.
"""

import importlib

# _startup first: it quiets TensorFlow's start-up in the binaries.
from keras_gans import _startup  # noqa: F401 - imported for its effect

__version__ = "0.1.0"

_SUBMODULES = (
    "augment",
    "callbacks",
    "clip_metrics",
    "data",
    "diagnostics",
    "distribute",
    "evaluation",
    "experiments",
    "export",
    "feature_metrics",
    "hooks",
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
)

__all__ = ["GAN", *_SUBMODULES, "__version__"]


def _attribute(package: str, name: str, exports: dict):
    """``package.name`` loaded on first use: a name of ``exports`` (name ->
    the submodule that defines it) or any submodule. The ``__getattr__``
    of this package and of ``diagnostics``."""
    if name in exports:
        module = importlib.import_module(f"{package}.{exports[name]}")
        return getattr(module, name)
    if not name.startswith("__"):
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{package}.{name}":
                raise
    raise AttributeError(f"module {package!r} has no attribute {name!r}")


def __getattr__(name):
    return _attribute(__name__, name, {"GAN": "gan"})


def __dir__():
    return sorted({*globals(), *__all__})
