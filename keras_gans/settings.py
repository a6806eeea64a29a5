"""Declared settings: the small framework the configs are written in.

A config is a frozen dataclass whose fields are made by ``setting(...)``:
each carries its default, one line of help, its bounds or choices, its
flag name, whether its default depends on the data set and whether a run
may go on with another value. ``settings(cls)`` lists them,
``check_declared(config)`` checks every value against its declaration
and raises ``ConfigError`` naming the flag, and the command-line flags
are made from the same declarations (``keras_gans.cli``). The module
imports nothing heavy, so that flags can be declared and checked before
TensorFlow loads.
"""

import dataclasses
import math
import typing
from typing import Any, Callable, Optional, Sequence, Tuple, Union

__all__ = [
    "MAX_SEED",
    "ConfigError",
    "bounds_text",
    "check_declared",
    "choices_of",
    "field_type",
    "setting",
    "settings",
    "tuple_item",
]

# Seeds feed numpy and TensorFlow's stateless RNGs: unsigned 32 bits.
MAX_SEED = 2**32 - 1


class ConfigError(ValueError):
    """A bad setting. ``name`` is its flag name (e.g. ``d_lr``)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def setting(
    default: Any,
    help: str,
    *,
    lower: Optional[float] = None,
    upper: Optional[float] = None,
    lower_open: bool = False,
    upper_open: bool = False,
    choices: Union[Sequence[str], Callable[[], Sequence[str]], None] = None,
    flag: Optional[str] = None,
    by_dataset: bool = False,
    may_change: bool = False,
    required: bool = False,
) -> Any:
    """Declares one config field: its default, help text and bounds.

    Args:
        default: the value (for ``by_dataset`` fields: the value of data sets
            without an entry in ``DATASET_DEFAULTS``).
        help: one line for ``--helpshort``.
        lower, upper: bounds of a number (inclusive unless ``*_open``).
        lower_open, upper_open: exclude the bound.
        choices: the valid strings, or a function returning them.
        flag: the flag name if not the field's name. Inside a nested config
            (``OptimizerConfig``) ``{player}`` stands for the owner's
            ``player`` ("d" or "g"); a name without it is one flag shared by
            every owner (``--beta1`` sets both players').
        by_dataset: the default depends on the data set (``None`` until the
            config is made).
        may_change: a run in a workdir may go on with another value (e.g.
            ``steps``: a larger one trains on). Other fields are the run's
            identity: a changed value on an existing workdir is refused.
        required: a binary's flag the command line must give (absl then
            refuses a command without it).

    Returns:
        A ``dataclasses.field``.
    """
    meta = dict(
        help=help,
        lower=lower,
        upper=upper,
        lower_open=lower_open,
        upper_open=upper_open,
        choices=choices,
        flag=flag,
        by_dataset=by_dataset,
        may_change=may_change,
        required=required,
        default=default,
    )
    if by_dataset:
        return dataclasses.field(default=None, metadata=meta)
    if isinstance(default, (list, dict, set)) or dataclasses.is_dataclass(
        default
    ):
        return dataclasses.field(
            default_factory=lambda: default, metadata=meta
        )
    return dataclasses.field(default=default, metadata=meta)


def settings(cls) -> Tuple[dataclasses.Field, ...]:
    """The declared fields of a config class (``TrainConfig``,
    ``OptimizerConfig``)."""
    return tuple(f for f in dataclasses.fields(cls) if "help" in f.metadata)


def choices_of(f: dataclasses.Field) -> Optional[Tuple[str, ...]]:
    """The valid strings of a field with choices, else None."""
    choices = f.metadata.get("choices")
    if callable(choices):
        choices = choices()
    return None if choices is None else tuple(choices)


def field_type(cls, f: dataclasses.Field):
    """``(base type, optional)`` of a field: ``int``, ``float``, ``bool``,
    ``str``, ``tuple`` (of ints or strings: ``tuple_item``) or a nested
    config class."""
    hint = typing.get_type_hints(cls)[f.name]
    optional = False
    if typing.get_origin(hint) is Union:
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    if typing.get_origin(hint) in (tuple, Tuple):
        return tuple, optional
    return hint, optional


def tuple_item(cls, f: dataclasses.Field):
    """The item type of a tuple field: ``int`` (``Tuple[int, ...]``, the
    default) or ``str``."""
    hint = typing.get_type_hints(cls)[f.name]
    if typing.get_origin(hint) is Union:
        hint = [a for a in typing.get_args(hint) if a is not type(None)][0]
    args = [a for a in typing.get_args(hint) if a is not Ellipsis]
    return str if args and args[0] is str else int


def _flag_name(f, player=None):
    name = f.metadata.get("flag") or f.name
    if player is None:
        return name.replace("{player}_", "")
    return name.format(player=player)


def _check_value(cls, f, value, player=None):
    """Checks one field's value against its declaration."""
    name = _flag_name(f, player)
    meta = f.metadata
    kind, optional = field_type(cls, f)
    if value is None and optional and not meta["by_dataset"]:
        return
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, f"{name} must be True or False, got "
                              f"{value!r}.")
        return
    if kind is str:
        choices = choices_of(f)
        if not isinstance(value, str):
            raise ConfigError(name, f"{name} must be a string, got {value!r}.")
        if choices is not None and value not in choices:
            raise ConfigError(
                name,
                f"{name} must be one of {', '.join(choices)}, got {value!r}.",
            )
        return
    if kind is tuple and tuple_item(cls, f) is str:
        choices = choices_of(f)
        # Empty is valid only where the declared default is (it then means
        # "the run's default", e.g. --watchdog_ladder).
        empty_ok = f.metadata["default"] == ()
        if (not value and not empty_ok) or not all(
            isinstance(v, str) and v for v in value
        ):
            raise ConfigError(
                name, f"{name} must be non-empty strings, got {value!r}."
            )
        unknown = [v for v in value if choices and v not in choices]
        if unknown:
            raise ConfigError(
                name,
                f"{name}: unknown {unknown}; valid: {', '.join(choices)}.",
            )
        return
    if kind is tuple:
        if not value or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 1
            for v in value
        ):
            raise ConfigError(
                name, f"{name} must be positive integers, got {value!r}."
            )
        return
    if kind in (int, float):
        _check_number(name, value, kind, meta)


def _check_number(name, value, kind, meta):
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if kind is int and not (number and math.isfinite(value) and
                            int(value) == value):
        raise ConfigError(name, f"{name} must be an integer, got {value!r}.")
    if not number or not math.isfinite(value):
        raise ConfigError(
            name, f"{name} must be a finite number, got {value!r}."
        )
    lower, upper = meta["lower"], meta["upper"]
    too_low = lower is not None and (
        value <= lower if meta["lower_open"] else value < lower
    )
    too_high = upper is not None and (
        value >= upper if meta["upper_open"] else value > upper
    )
    if too_low or too_high:
        raise ConfigError(
            name, f"{name} must be in {bounds_text(meta)}, got {value!r}."
        )


def bounds_text(meta) -> str:
    """The bounds of a declared number as text, e.g. ``[0, 1)``."""
    def text(v):
        return str(v) if isinstance(v, int) else f"{v:g}"

    lo = "-inf" if meta["lower"] is None else text(meta["lower"])
    hi = "inf" if meta["upper"] is None else text(meta["upper"])
    left = "(" if meta["lower_open"] or meta["lower"] is None else "["
    right = ")" if meta["upper_open"] or meta["upper"] is None else "]"
    return f"{left}{lo}, {hi}{right}"


def check_declared(config, player=None):
    """Checks every declared field of ``config`` (nested configs too)
    against its declaration; raises ConfigError naming the flag."""
    for f in settings(type(config)):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            check_declared(value, f.metadata.get("flag") or player)
            continue
        _check_value(type(config), f, value, player)
