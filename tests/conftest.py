"""Test set-up: two logical CPU devices, so MirroredStrategy can be tested."""

import importlib.util
import os
import pathlib

import pytest

# TensorFlow prints its start-up notices before its log level applies; with
# several test processes they reach the terminal. It is loaded here as the
# binaries load it (keras_gans/_startup.py, by path: the package itself
# imports TensorFlow first).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One test process a core (setup.cfg): each runs its ops on one thread, so
# two processes do not fight over the two cores for tiny matrices (the
# distribute and conditioning files took 184 s instead of 207 s). Two
# inter-op threads, not one: the mirrored replicas' collectives run
# concurrently. Binaries run as subprocesses inherit both.
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "2")
# The tests check what XLA computes, not how fast its code runs: compile
# without LLVM's costly optimisation passes (JAX's setting for smoke
# tests; the XLA tests of two files took 72 s instead of 80 s). Binaries
# run as subprocesses inherit it.
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes",
)
_spec = importlib.util.spec_from_file_location(
    "_keras_gans_startup",
    pathlib.Path(__file__).resolve().parents[1] / "keras_gans" / "_startup.py",
)
_startup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_startup)
_startup.quiet_tensorflow([])

import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)


@pytest.fixture(scope="session")
def mirrored_strategy():
    """The process's one two-CPU MirroredStrategy (helpers/strategy.py)."""
    from helpers.strategy import two_cpus

    return two_cpus()


# The cases in the slow tier besides those marked in place: listed one a
# line in slow_tests.txt (``pytest -m "not slow"`` skips them).
SLOW = {
    line.strip()
    for line in open(os.path.join(os.path.dirname(__file__), "slow_tests.txt"))
    if line.strip() and not line.startswith("#")
}


def pytest_collection_modifyitems(config, items):
    found = set()
    for item in items:
        name = item.nodeid.split("/")[-1]
        if name in SLOW:
            item.add_marker(pytest.mark.slow)
            found.add(name)
    # A renamed test must not drop out of the slow list unnoticed.
    full_run = not config.getoption("keyword") and not config.args[1:]
    missing = SLOW - found
    if full_run and missing and all(a.rstrip("/").endswith("tests")
                                    for a in config.args):
        raise pytest.UsageError(
            f"conftest.SLOW names tests that do not exist: {sorted(missing)}"
        )
