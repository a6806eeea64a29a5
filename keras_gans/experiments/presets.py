"""Named configs: the data sets' defaults and the paper's variants.

Every named set-up of the project is a ``TrainConfig`` made here, by
``preset(name, **overrides)``:

- a data set's name (``"ring"``, ``"stacked_digits"``, ...): its defaults
  (``config.DATASET_DEFAULTS``), what ``keras-gans-train --dataset=NAME``
  runs;
- ``"FAMILY/VARIANT"``: one row of an experiment's table, the family's
  shared base with the variant's overrides. Families: ``fig1`` (gradient
  fields on the ring, paper Fig. 1), ``digits`` (the paper's MLP on
  flattened digits: landscapes, Figs 2-7, and forgetting, Fig. 11),
  ``table3`` (DCGAN on stacked digits, Table III), ``mode_coverage``
  (``benchmarks/mode_coverage.py``) and ``remedies`` (the failing baselines
  of ``benchmarks/remedies.py``, each remedy an override on top);
- a named recipe (``NAMED``): ``"r3gan"``, R3GAN's objective on the ring
  (``keras-gans-train --preset=r3gan``).

A variant is a ``Variant(description, overrides)``; the families' tables
and the recipes are data in ``keras_gans.experiments.families``, looked up
here.
"""

import dataclasses
from typing import Mapping, Tuple

from keras_gans.config import DATASETS, ConfigError, TrainConfig
from keras_gans.experiments.families import FAMILIES, NAMED, Family, Variant

__all__ = [
    "FAMILIES",
    "NAMED",
    "Family",
    "Variant",
    "check_variants",
    "describe",
    "names",
    "preset",
    "variants",
]


def names() -> Tuple[str, ...]:
    """Every preset name: the data sets, the named recipes, then
    ``family/variant``."""
    return tuple(DATASETS) + tuple(NAMED) + tuple(
        f"{family}/{v}" for family, f in FAMILIES.items() for v in f.variants
    )


def variants(family: str) -> Mapping[str, Variant]:
    """The rows of ``family`` (name -> ``Variant``)."""
    if family not in FAMILIES:
        raise ValueError(
            f"Unknown preset family {family!r}. Valid: "
            f"{', '.join(FAMILIES)}."
        )
    return FAMILIES[family].variants


def check_variants(family: str, names, label: str, flag: str = "") -> None:
    """Raises ValueError naming the first of ``names`` that is not a row of
    ``family``, and the valid ones (``label`` names the family; ``flag``,
    e.g. ``"--variants"``, starts the message). Needs no TensorFlow: the
    figure binaries check ``--variants`` before it loads."""
    for variant in names:
        if variant not in variants(family):
            raise ValueError(
                f"{flag + ': ' if flag else ''}Unknown {label} variant "
                f"{variant!r}. Valid: {', '.join(variants(family))}."
            )


def check_digits_flags(variants, steps: int, every: int) -> None:
    """The flags of a binary that trains ``digits/*`` runs for ``steps``
    steps with diagnostics every ``every`` (landscape, forgetting): every
    variant known (ValueError naming ``--variants``), and ``every``
    dividing ``steps`` (ConfigError naming ``eval_every``), since a
    ``digits/*`` run (``figures.digits_config``) evaluates and checkpoints
    at those epochs and ends on one. Needs no TensorFlow (the binaries
    check it before it loads)."""
    check_variants("digits", variants, "digits", "--variants")
    if steps % every:
        raise ConfigError(
            "eval_every", f"must divide --steps ({steps}), got {every}."
        )


def describe(name: str) -> str:
    """The label of a ``family/variant`` or named preset (a data set: its
    name)."""
    if name in NAMED:
        return NAMED[name].description
    if "/" not in name:
        return name
    family, variant = name.split("/", 1)
    table = variants(family)
    return table[variant].description if variant in table else variant


def preset(name: str, **overrides) -> TrainConfig:
    """The config called ``name`` with ``overrides``, validated.

    Args:
        name: a data set (its defaults), a named recipe (``NAMED``) or
            ``family/variant``.
        **overrides: ``TrainConfig`` fields to change. A data set preset
            with overrides is made in one go, so the data set's defaults
            fill every field not overridden.

    Raises:
        ValueError: an unknown name (the valid ones listed) or an invalid
            config (``ConfigError`` naming the flag).
    """
    if name in DATASETS:
        return TrainConfig(dataset=name, **overrides).validate()
    if name in NAMED:
        return TrainConfig(
            **{**NAMED[name].overrides, **overrides}
        ).validate()
    family, _, variant = name.partition("/")
    table = variants(family)
    if variant not in table:
        raise ValueError(
            f"Unknown {family} variant {variant!r}. Valid: "
            f"{', '.join(table)}."
        )
    config = dataclasses.replace(
        FAMILIES[family].base(), **table[variant].overrides
    )
    return dataclasses.replace(config, **overrides).validate()
