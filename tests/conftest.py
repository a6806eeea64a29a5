"""Test set-up: two logical CPU devices, so MirroredStrategy can be tested."""

import gc
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

# Python's cyclic garbage collector: a test process holds TensorFlow's and
# Keras' modules (about a million objects) plus every traced graph of its
# earlier tests, and each full collection walked them all (0.4-1 s a time,
# 16 of them in the first 280 fast tests, 17 s of a 126 s run on a shared
# core). Freezing what is alive after the imports takes those objects out
# of every collection, and rarer collections of the older generations walk
# the tests' own garbage less often (the same 280 tests: 10 full
# collections, 2.8 s, 111 s in all; peak memory 2.04 GB against 1.92).
# Garbage is still collected, only in larger batches.
import keras  # noqa: E402,F401  (every test uses it: frozen with the rest)

gc.collect()
gc.freeze()
gc.set_threshold(20000, 50, 50)


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
