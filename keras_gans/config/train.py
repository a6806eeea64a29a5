"""``TrainConfig``: a GAN experiment, every section of settings in one
frozen dataclass (``config.sections``), with the per-data-set defaults
(``config.defaults``) and the rules between settings (``config.rules``)."""

import dataclasses
from typing import Tuple

from keras_gans.data import catalogue
from keras_gans.config import rules
from keras_gans.config.defaults import DATASET_DEFAULTS
from keras_gans.config.optimizer import OptimizerConfig
from keras_gans.config.sections import SECTIONS
from keras_gans.config.sections import (
    ConditionalSettings,
    DataSettings,
    EvaluationSettings,
    ExecutionSettings,
    ModelSettings,
    ObjectiveSettings,
    OptimizationSettings,
    RemediesSettings,
    StabilisersSettings,
    WatchdogSettings,
)
from keras_gans.evaluation import scores
from keras_gans.settings import field_type, settings

__all__ = ["TrainConfig"]


# A dataclass takes its bases' fields from the last base to the first, so
# the sections are listed in reverse: the fields then come in SECTIONS'
# order (data first), as the flags' help and config.json list them.
@dataclasses.dataclass(frozen=True)
class TrainConfig(
    WatchdogSettings,
    EvaluationSettings,
    ExecutionSettings,
    OptimizationSettings,
    RemediesSettings,
    ConditionalSettings,
    StabilisersSettings,
    ObjectiveSettings,
    ModelSettings,
    DataSettings,
):
    """A GAN experiment (``keras-gans-train``) on a toy mixture, images or
    clips.

    Fields declared ``by_dataset`` and not given take the data set's value
    (``DATASET_DEFAULTS``) when the config is made. ``dataclasses.replace``
    keeps the values of the config it copies; for another data set's
    defaults use ``preset(name, **overrides)``.
    """

    def __post_init__(self):
        defaults = DATASET_DEFAULTS.get(self.dataset, {})
        for f in settings(type(self)):
            if f.metadata["by_dataset"] and getattr(self, f.name) is None:
                value = defaults.get(f.name, f.metadata["default"])
                object.__setattr__(self, f.name, value)
        if isinstance(self.hidden_units, list):
            object.__setattr__(self, "hidden_units", tuple(self.hidden_units))

    def validate(self) -> "TrainConfig":
        """Returns self, or raises ConfigError naming the bad flag
        (``config.rules``)."""
        rules.check(self)
        return self

    def compile_args(self) -> dict:
        """``GAN.compile``'s arguments but the optimizers: each section's
        ``compile_args`` (objective, stabilisers, conditional, remedies,
        execution)."""
        args = {}
        for name in (
            "objective", "stabilisers", "conditional", "remedies", "execution"
        ):
            args.update(self.section(name).compile_args())
        return args

    def section(self, name: str):
        """The values of section ``name`` (``config.sections.SECTIONS``:
        data, model, objective, ...) as that section's frozen dataclass."""
        kinds = dict(SECTIONS)
        if name not in kinds:
            raise ValueError(
                f"Unknown section {name!r}; valid: {', '.join(kinds)}."
            )
        kind = kinds[name]
        return kind(
            **{f.name: getattr(self, f.name) for f in dataclasses.fields(kind)}
        )

    @property
    def is_image(self) -> bool:
        """Whether ``dataset`` is an image data set."""
        return self.dataset in catalogue.IMAGE_DATASETS

    @property
    def is_clip(self) -> bool:
        """Whether ``dataset`` is a clip data set (``[T, H, W, 1]``)."""
        return self.dataset in catalogue.CLIP_DATASETS

    @property
    def is_toy(self) -> bool:
        """Whether ``dataset`` is a toy mixture of points."""
        return self.dataset in catalogue.TOY_DATASETS

    @property
    def evaluations(self) -> tuple:
        """The evaluations (``evaluation.scores.EVALUATIONS``) whose scores
        the run's evaluation callback logs."""
        if self.is_toy:
            return ("toy",)
        if self.is_clip:
            return ("clip",)
        if self.dataset in ("digits", "stacked_digits"):
            kinds = (self.dataset,)
            if self.conditional:
                kinds += ("conditional",)
                if self.dataset == "digits":
                    kinds += ("conditional_digits",)
            return kinds
        if self.inception_weights or self.inception_graph:
            return ("inception",)
        return ()

    @property
    def logged_scores(self) -> tuple:
        """The scores (without ``val_``) the run's evaluation logs."""
        return scores.logged(self.evaluations)

    @property
    def clip_shape(self) -> tuple:
        """``(T, H, W, 1)`` of a clip data set's clips."""
        return catalogue.clip_shape(
            self.dataset, self.frames, self.frame_size or None
        )

    @property
    def network_name(self) -> str:
        """``mlp`` or ``dcgan``: ``network`` with ``auto`` resolved."""
        if self.network != "auto":
            return self.network
        return "mlp" if self.is_toy else "dcgan"

    def to_dict(self) -> dict:
        """The config as JSON-ready nested dicts."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values) -> "TrainConfig":
        """The inverse of ``to_dict``; an unknown key is a TypeError."""
        values = dict(values)
        for key in ("d_optimizer", "g_optimizer"):
            if isinstance(values.get(key), dict):
                values[key] = OptimizerConfig(**values[key])
        for f in settings(cls):  # JSON keeps tuples as lists
            if f.name in values and field_type(cls, f)[0] is tuple:
                values[f.name] = tuple(values[f.name])
        return cls(**values)

    def differences(self, other: "TrainConfig") -> Tuple[str, ...]:
        """Names of the fields whose values differ from ``other``'s
        (``d_optimizer.learning_rate`` style for nested ones)."""
        mine, theirs = self.to_dict(), other.to_dict()
        changed = []
        for key, value in mine.items():
            if isinstance(value, dict):
                changed += [
                    f"{key}.{k}"
                    for k, v in value.items()
                    if theirs[key].get(k) != v
                ]
            elif theirs[key] != value:
                changed.append(key)
        return tuple(changed)

    def identity_differences(self, other: "TrainConfig") -> Tuple[str, ...]:
        """``differences`` without the fields declared ``may_change``: what
        makes ``other``'s workdir another run."""
        free = {
            f.name for f in settings(type(self)) if f.metadata["may_change"]
        }
        return tuple(
            d for d in self.differences(other) if d.split(".")[0] not in free
        )