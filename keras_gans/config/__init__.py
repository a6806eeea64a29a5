"""Typed experiment configuration: every setting declared once.

``TrainConfig`` is what every binary builds and hands to ``train_lib.run``.
Each field is declared in one place, with its default, bounds and help
text (``setting``, from the small framework in ``keras_gans.settings``);
from that declaration come

- the validation (``TrainConfig.validate``: bounds, choices, finiteness,
  integers; the rules between fields are ``config.rules``),
- the command-line flags of ``keras-gans-train`` (``keras_gans.cli``),
- the per-data-set defaults: a field declared with ``by_dataset=True`` left
  unset (``None``) takes the value of ``DATASET_DEFAULTS[dataset]``, or its
  declared default, when the config is made. So
  ``TrainConfig(dataset="stacked_digits")`` is the stacked-digits preset,
  never the ring's latent 2 and batch 256.

The settings are declared in sections (``config.sections``: data, model,
objective, stabilisers, conditional, remedies, optimization, execution,
evaluation, watchdog), one frozen dataclass each, which ``TrainConfig``
joins; ``config.section(name)`` hands one section's values to the part
that reads them. The per-data-set values are in ``config.defaults``, the
rules between settings in ``config.rules``, one player's optimizer in
``config.optimizer``.

Adding a setting is one ``setting(...)`` line in its section, e.g.::

    keep_best: bool = setting(
        False, "Export the best evaluation's generator.", may_change=True
    )

and its use where it acts (``train_lib``). Its flag (``--keep_best``),
help, bounds and choices check, ``config.json`` entry and the refusal of a
changed value on an existing workdir (unless ``may_change``) follow; if data
sets differ on it, declare it ``by_dataset=True`` and add the values to
``DATASET_DEFAULTS``. Named variants of the paper's experiments are in
``keras_gans.experiments.presets``; ``presets.preset(name)`` returns any
of them, or a data set's defaults.

Unknown fields are errors (dataclasses reject them) and ``validate`` names
the flag of any bad value.
"""

from keras_gans.config.defaults import DATASET_DEFAULTS
from keras_gans.config.optimizer import (
    LR_SCHEDULES,
    OPTIMIZERS,
    OptimizerConfig,
)
from keras_gans.config.sections import (
    DATASETS,
    NETWORKS,
    PRECISIONS,
    SECTIONS,
    STRATEGIES,
)
from keras_gans.config.train import TrainConfig
from keras_gans.settings import (  # noqa: F401 - re-exported
    MAX_SEED,
    ConfigError,
    bounds_text,
    check_declared,
    choices_of,
    field_type,
    setting,
    settings,
)

__all__ = [
    "DATASETS",
    "DATASET_DEFAULTS",
    "LR_SCHEDULES",
    "MAX_SEED",
    "NETWORKS",
    "OPTIMIZERS",
    "PRECISIONS",
    "SECTIONS",
    "STRATEGIES",
    "ConfigError",
    "OptimizerConfig",
    "TrainConfig",
    "setting",
    "settings",
]
