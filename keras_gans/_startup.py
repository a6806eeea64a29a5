"""Quiet TensorFlow start-up for the project's binaries.

TensorFlow logs its start-up notices (oneDNN, CPU features, cuInit on
machines without a GPU) before its log level applies, so they are hidden by
sending the process's C-level stderr to /dev/null while it loads. When the
program is one of the package's binaries (``keras-gans-*`` or a file of the
repository's ``bin/``) and ``--verbosity``/``-v`` is not on the command
line, importing the package arms this for the first ``import tensorflow``,
wherever it happens: a binary parses its flags, prints its help or refuses
a bad flag without loading TensorFlow at all, and loads it quietly when its
work starts. A library user's process is left alone.
"""

import contextlib
import importlib.abc
import importlib.machinery
import os
import sys
from typing import Iterable, Optional

__all__ = ["is_binary", "quiet_on_import", "quiet_tensorflow"]

# The modules of bin/ (installed as keras_gans.bin).
_BINARIES = (
    "dirac",
    "fig1",
    "forgetting",
    "landscape",
    "sample",
    "table3",
    "train",
    "train_classifier",
    "train_clip_classifier",
    "vanishing",
)


def is_binary(argv0: str) -> bool:
    """Whether ``argv0`` is one of the project's binaries: a console script
    ``keras-gans-*``, or one of their files in a ``bin/`` directory (a
    checkout's ``bin/`` runs with the installed package, which may live
    elsewhere, so the directory is matched by name)."""
    name = os.path.basename(argv0)
    if name.startswith("keras-gans-"):
        return True
    stem, ext = os.path.splitext(name)
    directory = os.path.basename(os.path.dirname(os.path.abspath(argv0)))
    return ext == ".py" and stem in _BINARIES and directory == "bin"


def _verbose_requested(argv: Iterable[str]) -> bool:
    return any(
        a == "-v" or a.startswith(("--verbosity", "-v=")) for a in argv
    )


@contextlib.contextmanager
def _silenced_stderr():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


class _QuietLoader(importlib.abc.Loader):
    """Runs TensorFlow's own loader with C-level stderr silenced, then its
    cuInit (``list_physical_devices``) too; the rest of the loader's API is
    the wrapped one's."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        with _silenced_stderr():
            self._loader.exec_module(module)
            module.config.list_physical_devices()

    def __getattr__(self, name):
        return getattr(self._loader, name)


class _QuietFinder(importlib.abc.MetaPathFinder):
    """Finds ``tensorflow`` (once) and hands it the quiet loader."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_on_import(argv: Optional[Iterable[str]] = None) -> bool:
    """Arms the quiet start-up for the first ``import tensorflow`` unless
    ``argv`` (default ``sys.argv``) asks for ``--verbosity``, or TensorFlow
    is loaded already. A failing import raises its error as usual.

    Returns:
        Whether the next ``import tensorflow`` loads it quietly.
    """
    argv = list(sys.argv if argv is None else argv)
    if _verbose_requested(argv) or "tensorflow" in sys.modules:
        return False
    if not any(isinstance(f, _QuietFinder) for f in sys.meta_path):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        sys.meta_path.insert(0, _QuietFinder())
    return True


def quiet_tensorflow(argv: Optional[Iterable[str]] = None) -> None:
    """Loads TensorFlow now, without its start-up notices, unless ``argv``
    (default ``sys.argv``) asks for ``--verbosity`` (``quiet_on_import``,
    then the import)."""
    if quiet_on_import(argv):
        import tensorflow  # noqa: F401


if sys.argv and is_binary(sys.argv[0]):
    quiet_on_import()
