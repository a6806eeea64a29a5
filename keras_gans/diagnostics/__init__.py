"""Diagnostics: instruments that show why GANs forget and collapse.

- ``dirac``: the Dirac GAN (paper Sec. IV);
- ``bilinear``: gradient play on ``f(x, y) = x y``, the linear Dirac GAN;
- ``landscape``: D's output along a random line through real points
  (paper eq. 2, Figs 2-7);
- ``gradient_field``: ``-dL_G/dx`` on 2-D data (paper Fig. 1);
- ``forgetting``: D's scores on frozen old fakes (paper Fig. 11);
- ``vanishing``: the minimax loss's vanishing G gradient (import the module);
- ``scores``: what they read off D: ``sigmoid(D)``, or a critic's raw
  output.

Their plots live in ``keras_gans.plots``; the callbacks that run them during
``fit`` in ``keras_gans.callbacks``. The names below load with their
module on first use, so that ``diagnostics.vanishing`` (numpy only) does
not pull in TensorFlow.
"""

from keras_gans import _attribute

# name -> the module of this package that defines it.
_EXPORTS = {
    "BILINEAR_MODES": "bilinear",
    "DISCRIMINATORS": "dirac",
    "VARIANTS": "dirac",
    "BilinearResult": "bilinear",
    "DiracConfig": "dirac",
    "DiracResult": "dirac",
    "Monotonicity": "dirac",
    "bilinear_game": "bilinear",
    "default_suite": "dirac",
    "discriminator_output": "dirac",
    "format_table": "dirac",
    "initial_weights": "dirac",
    "monotonicity": "dirac",
    "optimal_hidden_weights": "dirac",
    "run_dirac": "dirac",
    "run_suite": "dirac",
    "write_outputs": "dirac",
    "ForgettingSummary": "forgetting",
    "mean_score": "forgetting",
    "summarise": "forgetting",
    "GradientField": "gradient_field",
    "compute_gradient_field": "gradient_field",
    "field_limits": "gradient_field",
    "mean_cosine": "gradient_field",
    "Landscape": "landscape",
    "analyse_curves": "landscape",
    "compute_landscape": "landscape",
    "random_direction": "landscape",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):  # the names above and the submodules, on first use
    return _attribute(__name__, name, _EXPORTS)


def __dir__():
    return sorted({*globals(), *_EXPORTS})
