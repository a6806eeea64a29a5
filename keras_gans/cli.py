"""What every binary shares: flags made from the config, clear failures.

- ``quiet_tensorflow()``: TensorFlow's start-up chatter (oneDNN notices,
  cuInit errors on machines without a GPU) hidden unless ``--verbosity``
  (or ``-v``) is on the command line; the package calls it on import when
  the program is one of its binaries (``keras_gans._startup``).
- ``define_config_flags()``: one flag per ``TrainConfig`` setting, with the
  setting's help, bounds and choices (``keras_gans.config.setting``);
  ``config_from_flags()`` builds the config from the data set's preset and
  the flags given. ``define_flags(cls)`` and ``settings_from_flags(cls)``
  do the same for any dataclass of settings: every binary declares its
  own flags that way, once, with its ``--quick`` values (``QUICK``) and
  its rules between flags (``validate()``).
- ``main(fn)``: runs an absl ``main`` so that every failure is one line on
  stderr, ``<binary>: error: ...``, no traceback, with a documented exit
  code (``EXIT_CODES``), so that ``--helpshort``/``--help`` list the
  binary's own flags and exit 0, and so that a float flag of the binary's
  own that is NaN or infinite is refused before anything runs.
"""

import dataclasses
import math
import os
import sys
from typing import Callable, Iterable, Optional

from keras_gans._startup import quiet_tensorflow

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CODES",
    "EXIT_DIVERGED",
    "EXIT_INTERRUPTED",
    "EXIT_IO",
    "EXIT_OK",
    "Failure",
    "check_finite_floats",
    "config_from_flags",
    "define_config_flags",
    "default_workdir",
    "define_flags",
    "flag_name",
    "main",
    "quiet_tensorflow",
    "settings_from_flags",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_DIVERGED = 3
EXIT_IO = 4
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_BAD_INPUT: "bad input: a flag, a data set, a workdir holding "
    "another run",
    EXIT_DIVERGED: "training diverged (NaN or inf); nothing exported",
    EXIT_IO: "a file or directory could not be read or written",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the same command resumes",
}


class Failure(Exception):
    """An error a binary reports as one line with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------- the flags


def _flags():
    from absl import flags

    return flags


def define_config_flags(flag_values=None, exclude: Iterable[str] = ()) -> None:
    """Defines one absl flag per ``TrainConfig`` setting (nested optimizer
    settings as ``--d_lr``, ``--g_optimizer``, shared ``--beta1``...).

    Flags have the settings' declared defaults; a setting whose default
    depends on the data set says so in its help. Bounds and choices come
    from the declaration, so absl refuses an out-of-range value while
    parsing, naming the flag.
    """
    from keras_gans import config as config_lib

    flags = _flags()
    flag_values = flags.FLAGS if flag_values is None else flag_values
    exclude = set(exclude)
    for f in config_lib.settings(config_lib.TrainConfig):
        if f.name in exclude:
            continue
        kind, _ = config_lib.field_type(config_lib.TrainConfig, f)
        if dataclasses.is_dataclass(kind):
            player = f.metadata["flag"]
            for sub in config_lib.settings(kind):
                name = sub.metadata.get("flag") or sub.name
                if "{player}" not in name and name in flag_values:
                    continue  # shared by both players: defined once
                _define(
                    flag_values,
                    kind,
                    sub,
                    name.format(player=player),
                    sub.metadata["help"].format(player=player.upper()),
                    f.metadata["by_dataset"],
                )
            continue
        _define(
            flag_values,
            config_lib.TrainConfig,
            f,
            f.metadata.get("flag") or f.name,
            f.metadata["help"],
            f.metadata["by_dataset"],
        )


def define_flags(cls, flag_values=None, module_name=None) -> None:
    """Defines one absl flag per setting of ``cls``, a dataclass of
    ``keras_gans.settings.setting`` fields: a binary's own flags, each
    declared once there with its default, help, bounds and choices (the
    flag is the field's name, or its declared ``flag``). The flags belong
    to ``module_name`` (default: the caller's module), so that help lists
    them and ``main`` refuses a NaN or infinite float among them."""
    flags = _flags()
    flag_values = flags.FLAGS if flag_values is None else flag_values
    if module_name is None:
        module_name = sys._getframe(1).f_globals.get("__name__")
    from keras_gans import settings as settings_lib

    for f in settings_lib.settings(cls):
        _define(
            flag_values,
            cls,
            f,
            f.metadata.get("flag") or f.name,
            f.metadata["help"],
            False,
            module_name=module_name,
        )


def settings_from_flags(cls, flag_values=None):
    """The ``cls`` (see ``define_flags``) of the parsed flags, every
    setting checked against its declaration, then by ``cls.validate()``
    where it has one (the binary's rules between its settings, and the
    defaults that depend on other settings).

    A binary with a ``--quick`` smoke mode declares its values as the
    class attribute ``QUICK`` (``{field: value}``): with ``--quick``, each
    of those fields takes its QUICK value unless its flag was given on the
    command line (explicit flags win over ``--quick``).

    Raises:
        Failure: a bad value or combination, naming the flag.
    """
    from keras_gans import settings as settings_lib

    flag_values = _flags().FLAGS if flag_values is None else flag_values
    values, names = {}, {}
    for f in settings_lib.settings(cls):
        name = names[f.name] = f.metadata.get("flag") or f.name
        values[f.name] = _flag_value(cls, f, name, flag_values[name].value)
    if values.get("quick"):
        for field, value in getattr(cls, "QUICK", {}).items():
            if not flag_values[names[field]].present:
                values[field] = value
    try:
        parsed = cls(**values)
        settings_lib.check_declared(parsed)
        validate = getattr(parsed, "validate", None)
        if validate is not None:
            parsed = validate() or parsed
    except settings_lib.ConfigError as e:
        raise Failure(f"--{e.name}: {e}") from None
    return parsed


def default_workdir(settings, name: str):
    """``settings`` with its ``workdir`` defaulting to ``runs/NAME``, or
    ``runs/NAME_quick`` with ``--quick`` (a figure binary's
    ``validate()``); a workdir given is kept."""
    if settings.workdir:
        return settings
    suffix = "_quick" if settings.quick else ""
    return dataclasses.replace(settings, workdir=f"runs/{name}{suffix}")


def _flag_value(cls, f, name, value):
    """A parsed flag's value as field ``f`` of ``cls`` holds it: a list
    flag as a tuple of the field's items (ints or strings).

    Raises:
        Failure: an item of an integer list is not an integer.
    """
    from keras_gans import settings as settings_lib

    if value is None or settings_lib.field_type(cls, f)[0] is not tuple:
        return value
    item = settings_lib.tuple_item(cls, f)
    try:
        return tuple(item(v) for v in value)
    except ValueError:
        raise Failure(
            f"--{name} must be comma-separated integers, got "
            f"{','.join(value)}."
        ) from None


def _by_dataset_help(name):
    """``(per data set: ...)``: the values of a by_dataset setting."""
    from keras_gans import config as config_lib

    values = {}
    for dataset in config_lib.DATASETS:
        config = config_lib.TrainConfig(dataset=dataset)
        value = _flag_value_of(config, name)
        values.setdefault(repr(value), []).append(dataset)
    if len(values) == 1:
        return ""
    parts = [f"{'/'.join(ds)}: {v}" for v, ds in values.items()]
    return f" [per --dataset: {'; '.join(parts)}]"


def flag_name(path: str) -> str:
    """The flag of a config field path (``seed``, ``d_optimizer.learning_rate``
    -> ``--seed``, ``--d_lr``), as ``TrainConfig.differences`` names them."""
    from keras_gans import config as config_lib

    outer, _, inner = path.partition(".")
    fields = {f.name: f for f in config_lib.settings(config_lib.TrainConfig)}
    f = fields.get(outer)
    if f is None:
        return path
    if not inner:
        return "--" + (f.metadata.get("flag") or f.name)
    kind, _ = config_lib.field_type(config_lib.TrainConfig, f)
    sub = {g.name: g for g in config_lib.settings(kind)}.get(inner)
    if sub is None:
        return path
    name = sub.metadata.get("flag") or sub.name
    return "--" + name.format(player=f.metadata["flag"])


def _flag_value_of(config, flag_name):
    """The value ``config`` has for the flag ``flag_name``."""
    for path, value in _flag_items(config):
        if path == flag_name:
            return value
    raise KeyError(flag_name)


def _flag_items(config):
    """``(flag name, value)`` of every setting of a TrainConfig."""
    from keras_gans import config as config_lib

    for f in config_lib.settings(type(config)):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            player = f.metadata["flag"]
            for sub in config_lib.settings(type(value)):
                name = (sub.metadata.get("flag") or sub.name).format(
                    player=player
                )
                yield name, getattr(value, sub.name)
            continue
        yield f.metadata.get("flag") or f.name, value


def _define(flag_values, cls, f, name, help, by_dataset, module_name=None):
    from keras_gans import settings as settings_lib

    flags = _flags()
    meta = f.metadata
    kind, _ = settings_lib.field_type(cls, f)
    default = meta["default"]
    if by_dataset:
        help += _by_dataset_help(name)
    common = dict(flag_values=flag_values)
    if module_name:
        common["module_name"] = module_name
    if meta.get("required"):
        common["required"] = True
    choices = settings_lib.choices_of(f)
    if kind is tuple:
        if choices is not None:
            help += f" Any of: {', '.join(choices)}."
        flags.DEFINE_list(name, [str(v) for v in default], help, **common)
    elif choices is not None:
        flags.DEFINE_enum(name, default, list(choices), help, **common)
    elif kind is bool:
        flags.DEFINE_bool(name, default, help, **common)
    elif kind is str:
        flags.DEFINE_string(name, default, help, **common)
    elif kind is int:
        flags.DEFINE_integer(
            name,
            default,
            help,
            lower_bound=meta["lower"],
            upper_bound=meta["upper"],
            **common,
        )
    elif kind is float:
        # Open bounds and finiteness are checked by TrainConfig.validate.
        flags.DEFINE_float(
            name,
            default,
            help + f" In {settings_lib.bounds_text(meta)}.",
            lower_bound=meta["lower"],
            upper_bound=meta["upper"],
            **common,
        )
    else:  # pragma: no cover - a new field type needs a flag kind here
        raise TypeError(f"No flag kind for {f.name}: {kind}.")


def config_from_flags(flag_values=None, preset: Optional[str] = None):
    """The ``TrainConfig`` of the parsed flags: ``preset`` (default: the
    ``--dataset`` flag's data set) with every flag given on the command
    line applied, validated.

    Raises:
        Failure: a bad value or combination, naming the flag.
    """
    from keras_gans import config as config_lib

    flags = _flags()
    flag_values = flags.FLAGS if flag_values is None else flag_values
    given = {}
    nested = {}
    for f in config_lib.settings(config_lib.TrainConfig):
        kind, _ = config_lib.field_type(config_lib.TrainConfig, f)
        if dataclasses.is_dataclass(kind):
            player = f.metadata["flag"]
            for sub in config_lib.settings(kind):
                name = (sub.metadata.get("flag") or sub.name).format(
                    player=player
                )
                if name in flag_values and flag_values[name].present:
                    nested.setdefault(f.name, {})[sub.name] = flag_values[
                        name
                    ].value
            continue
        name = f.metadata.get("flag") or f.name
        if name not in flag_values or not flag_values[name].present:
            continue
        given[f.name] = _flag_value(
            config_lib.TrainConfig, f, name, flag_values[name].value
        )
    dataset = given.get("dataset", "ring")
    try:
        if preset is None or preset == dataset:
            base = config_lib.TrainConfig(dataset=dataset)
        else:
            from keras_gans.experiments import presets

            base = presets.preset(preset)
        for field_name, values in nested.items():
            given[field_name] = dataclasses.replace(
                getattr(base, field_name), **values
            )
        return dataclasses.replace(base, **given).validate()
    except config_lib.ConfigError as e:
        raise Failure(f"--{e.name}: {e} See --helpshort.") from None
    except ValueError as e:  # an unknown --preset
        raise Failure(f"--preset: {e}") from None


def _own_flags(flag_values):
    """The flags the binary itself defines (not absl's, the libraries' or
    the config flags of ``define_config_flags``, which ``TrainConfig``
    validates)."""
    for module, defined in flag_values.flags_by_module_dict().items():
        if module.split(".")[0] in _LIBRARY_FLAGS or module == __name__:
            continue
        yield from defined


def _range_text(parser) -> str:
    lower = getattr(parser, "lower_bound", None)
    upper = getattr(parser, "upper_bound", None)
    if lower is None and upper is None:
        return "a finite number"
    if upper is None:
        return f"a finite number >= {lower:g}"
    if lower is None:
        return f"a finite number <= {upper:g}"
    return f"a number in [{lower:g}, {upper:g}]"


def check_finite_floats(flag_values=None) -> None:
    """Refuses a NaN or infinite value of any float flag the binary
    defines (absl's bounds let NaN through, and an unbounded flag inf).

    Raises:
        Failure: naming the flag and its allowed range.
    """
    flags = _flags()
    flag_values = flags.FLAGS if flag_values is None else flag_values
    for flag in _own_flags(flag_values):
        if not isinstance(flag.parser, flags.FloatParser):
            continue
        value = flag.value
        if value is not None and not math.isfinite(value):
            raise Failure(
                f"--{flag.name}={value}: must be {_range_text(flag.parser)} "
                "(see --helpshort)."
            )


# ----------------------------------------------------------- running main


_LIBRARY_FLAGS = frozenset({"absl", "tensorflow", "tensorboard", "keras"})


def _adopt_key_flags():
    """Makes the binary's flags (all but those of absl and the libraries)
    key flags of the program, so that ``--helpshort`` lists them: absl
    lists those of ``sys.argv[0]``, which for a console script is the
    wrapper, not the module defining them."""
    flags = _flags()
    for module, defined in flags.FLAGS.flags_by_module_dict().items():
        if module.split(".")[0] in _LIBRARY_FLAGS:
            continue
        for flag in defined:
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)


def _help_exits_zero():
    """Makes ``--help``, ``--helpshort``, ``--helpfull`` and ``--helpxml``
    exit 0 (absl exits 1, which the binaries reserve for bad input)."""
    from absl import app

    flags = _flags()
    app.define_help_flags()
    for name in ("help", "helpshort", "helpfull", "helpxml"):
        if name not in flags.FLAGS:
            continue
        flag = flags.FLAGS[name]
        if getattr(flag, "_keras_gans_exit_zero", False):
            continue

        def parse(arg, _parse=flag.parse):
            try:
                _parse(arg)
            except SystemExit:
                sys.stdout.flush()
                raise SystemExit(EXIT_OK) from None

        flag.parse = parse
        flag._keras_gans_exit_zero = True


def main(fn: Callable, program: str = "") -> None:
    """Runs ``fn(argv)`` under ``absl.app.run`` with clear failures.

    ``Failure`` exits with its code, ``ValueError`` with 1 and ``OSError``
    (a damaged JSON file the package wrote, ``json_io.DamagedFileError``,
    included) with 4, each as one line ``<program>: error: <message>`` on
    stderr. ``fn`` returning an int exits with it. A NaN or infinite value
    of one of the binary's own float flags is refused before ``fn`` runs
    (``check_finite_floats``); the help flags exit 0.

    Args:
        fn: the binary's ``main(argv)``.
        program: the name in messages (default: ``sys.argv[0]``'s).
    """
    from absl import app

    program = program or os.path.basename(sys.argv[0])

    def guarded(argv):
        if len(argv) > 1:
            _fail(
                program,
                f"unexpected arguments {' '.join(argv[1:])}; flags are "
                "--name=value (see --helpshort).",
                EXIT_BAD_INPUT,
            )
        from keras_gans import json_io

        try:
            check_finite_floats()
            return fn(argv)
        except Failure as e:
            _fail(program, str(e), e.exit_code)
        except json_io.DamagedFileError as e:  # also a ValueError
            _fail(program, str(e), EXIT_IO)
        except (ValueError, app.UsageError) as e:
            _fail(program, str(e), EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            _fail(
                program,
                "interrupted; run the same command again to resume from the "
                "last checkpoint.",
                EXIT_INTERRUPTED,
            )
        except OSError as e:
            from keras_gans import data  # loaded by now

            if isinstance(e, data.DataNotAvailableError):
                _fail(program, str(e), EXIT_BAD_INPUT)
            _fail(program, _os_message(e), EXIT_IO)

    _adopt_key_flags()
    _help_exits_zero()
    app.run(guarded)


def _os_message(error: OSError) -> str:
    if error.filename is not None:
        return f"{error.strerror or error} ({error.filename})."
    return str(error)


def _fail(program, message, code):
    sys.stderr.write(f"{program}: error: {message}\n")
    sys.stderr.flush()
    raise SystemExit(code)
