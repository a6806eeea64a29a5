"""Test set-up: two logical CPU devices, so MirroredStrategy can be tested."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
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
