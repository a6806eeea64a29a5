"""Diagnostics: instruments that show why GANs forget and collapse.

- ``dirac``: the Dirac GAN and the bilinear game (paper Sec. IV);
- ``landscape``: D's output along a random line through real points
  (paper eq. 2, Figs 2-7);
- ``gradient_field``: ``-dL_G/dx`` on 2-D data (paper Fig. 1);
- ``forgetting``: D's scores on frozen old fakes (paper Fig. 11);
- ``vanishing``: the minimax loss's vanishing G gradient (import the module);
- ``scores``: what they read off D: ``sigmoid(D)``, or a critic's raw
  output.

Their plots live in ``keras_gans.plots``; the callbacks that run them during
``fit`` in ``keras_gans.callbacks``.
"""

from keras_gans.diagnostics.dirac import (
    BILINEAR_MODES,
    DISCRIMINATORS,
    VARIANTS,
    BilinearResult,
    DiracConfig,
    DiracResult,
    Monotonicity,
    bilinear_game,
    default_suite,
    discriminator_output,
    format_table,
    initial_weights,
    monotonicity,
    optimal_hidden_weights,
    run_dirac,
    run_suite,
    write_outputs,
)
from keras_gans.diagnostics.forgetting import (
    ForgettingSummary,
    mean_score,
    summarise,
)
from keras_gans.diagnostics.gradient_field import (
    GradientField,
    compute_gradient_field,
    field_limits,
    mean_cosine,
)
from keras_gans.diagnostics.landscape import (
    Landscape,
    analyse_curves,
    compute_landscape,
    random_direction,
)

__all__ = [
    "BILINEAR_MODES",
    "DISCRIMINATORS",
    "VARIANTS",
    "BilinearResult",
    "DiracConfig",
    "DiracResult",
    "ForgettingSummary",
    "GradientField",
    "Landscape",
    "Monotonicity",
    "analyse_curves",
    "bilinear_game",
    "default_suite",
    "discriminator_output",
    "field_limits",
    "format_table",
    "compute_gradient_field",
    "initial_weights",
    "compute_landscape",
    "mean_cosine",
    "mean_score",
    "monotonicity",
    "optimal_hidden_weights",
    "random_direction",
    "run_dirac",
    "run_suite",
    "summarise",
    "write_outputs",
]
