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
    """One two-CPU MirroredStrategy per process: collective ops of several
    MirroredStrategy objects in one process can collide on CPU."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
