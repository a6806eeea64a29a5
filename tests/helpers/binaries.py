"""A binary of bin/ run in the test's own process.

A binary started as a subprocess pays TensorFlow's start-up (about 6 s of
CPU on two cores) before it does anything; run here it pays nothing. The
binaries share flag names (--steps, --seed, ...) and absl keeps one global
FLAGS, so each call hides every flag but absl's own, loads the binary's
file afresh (which defines its flags), runs its ``run()`` with
``sys.argv`` set, and puts FLAGS back as it found it, values included.

What depends on a fresh process (one-line errors before TensorFlow loads,
help without TensorFlow, no start-up notices, the files running as
``__main__``) is checked in test_binaries.py, a subprocess per case.
"""

import contextlib
import importlib.util
import os
import pathlib
import sys
from unittest import mock

from absl import flags
from absl.testing import flagsaver

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _copied(value):
    """A FlagValues registry entry, copied one level down (its lists of
    flags by module are mutated when a flag is deleted)."""
    if isinstance(value, dict):
        return {
            k: list(v) if isinstance(v, list) else v for k, v in value.items()
        }
    if isinstance(value, (list, set)):
        return type(value)(value)
    return value


@contextlib.contextmanager
def _only_absl_flags():
    """FLAGS holding absl's own flags only, for the block; then the
    registry as it was (flagsaver, outside, restores the values)."""
    registry = flags.FLAGS.__dict__
    saved = {key: _copied(value) for key, value in registry.items()}
    for module, defined in list(flags.FLAGS.flags_by_module_dict().items()):
        if module.startswith("absl."):
            continue
        for flag in list(defined):  # deleting edits the list
            for name in (flag.name, flag.short_name):
                if name and name in flags.FLAGS:
                    delattr(flags.FLAGS, name)
    try:
        yield
    finally:
        registry.clear()
        registry.update(saved)


@contextlib.contextmanager
def _determinism_kept():
    """Some binaries turn on TensorFlow's op determinism (a process-wide
    switch): off again afterwards if it was off."""
    from tensorflow.python.framework import config

    was_on = config.is_op_determinism_enabled()
    try:
        yield
    finally:
        if not was_on and config.is_op_determinism_enabled():
            config.disable_op_determinism()


def run_binary(name, *argv, capture, cwd=None):
    """``python bin/NAME ARGV`` run in this process.

    Args:
        name: the file in bin/, e.g. ``"table3.py"``.
        *argv: its flags.
        capture: pytest's ``capsys`` (what Python writes), or ``capfd``
            where TensorFlow's own logging to the file descriptors counts.
        cwd: the working directory during the call (default: unchanged).

    Returns:
        (exit code, stdout, stderr), stdout and stderr of the call only.
    """
    path = ROOT / "bin" / name
    capture.readouterr()  # what came before is not this call's
    here = os.getcwd()
    with flagsaver.flagsaver(), _only_absl_flags(), _determinism_kept():
        flags.FLAGS.unparse_flags()
        spec = importlib.util.spec_from_file_location(
            f"keras_gans_bin_{path.stem}", path
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # defines the binary's flags
        try:
            if cwd is not None:
                os.chdir(cwd)
            with mock.patch.object(sys, "argv", [str(path), *map(str, argv)]):
                try:
                    module.run()
                    code = 0
                except SystemExit as e:
                    code = 0 if e.code is None else e.code
        finally:
            os.chdir(here)
    captured = capture.readouterr()
    return code, captured.out, captured.err
