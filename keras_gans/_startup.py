"""Quiet TensorFlow start-up for the project's binaries.

TensorFlow logs its start-up notices (oneDNN, CPU features, cuInit on
machines without a GPU) before its log level applies, so they are hidden by
sending the process's C-level stderr to /dev/null while it loads. The
package does this on import only when the program is one of its binaries
(``keras-gans-*`` or a file of the repository's ``bin/``) and
``--verbosity``/``-v`` is not on the command line; a library user's process
is left alone.
"""

import contextlib
import os
import sys
from typing import Iterable, Optional

__all__ = ["is_binary", "quiet_tensorflow"]

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


def quiet_tensorflow(argv: Optional[Iterable[str]] = None) -> None:
    """Loads TensorFlow without its start-up notices unless ``argv``
    (default ``sys.argv``) asks for ``--verbosity``. A failing import shows
    its error as usual."""
    argv = list(sys.argv if argv is None else argv)
    if _verbose_requested(argv) or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    failed = False
    with _silenced_stderr():
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()  # cuInit, once, now
        except Exception:  # noqa: BLE001 - shown below, with stderr back
            failed = True
    if failed:
        import tensorflow  # noqa: F401


if sys.argv and is_binary(sys.argv[0]):
    quiet_tensorflow()
