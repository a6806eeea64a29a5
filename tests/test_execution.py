"""The execution rules behind compile()'s defaults."""

import keras
import numpy as np
import pytest

import keras_gans as kg
from keras_gans.training import execution


@pytest.mark.parametrize(
    "steps_per_epoch,expected",
    [(None, 50), (3, 3), (100, 50), (120, 40), (53, 1), (7, 7), (1, 1)],
)
def test_auto_steps_divide_the_epoch(steps_per_epoch, expected):
    assert execution.auto_steps_per_execution(steps_per_epoch) == expected
    # The fused loop keeps 50 and cuts an epoch's last execution instead.
    assert execution.auto_steps_per_execution(steps_per_epoch, fused=True) == 50


def _gan():
    keras.utils.set_random_seed(0)
    gan = kg.GAN(
        kg.networks.mlp_generator(2, 2, (8,)),
        kg.networks.mlp_discriminator(2, (8,)),
        2,
        seed=0,
    )
    return gan


@pytest.mark.parametrize("steps_per_epoch", [3, 100, 53])
def test_default_compile_trains_exactly_the_steps_asked(steps_per_epoch):
    gan = _gan()
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    gan.fit(
        kg.data.toy_dataset("ring", 8, seed=0),
        steps_per_epoch=steps_per_epoch,
        epochs=2,
        verbose=0,
    )
    assert int(gan.g_optimizer.iterations.numpy()) == 2 * steps_per_epoch
    # Dense networks on this host: the fused XLA loop, 50 steps an
    # execution, the last of each epoch cut to the epoch.
    assert gan.jit_compile == kg.training.auto_jit_compile(gan.discriminator)
    if gan.jit_compile:
        assert gan.steps_per_execution == 50
        assert gan.train_function.fused_steps == 50
        # Another epoch length: no new trace of the loop.
        traces = gan.train_function.tracing_count()
        gan.fit(
            kg.data.toy_dataset("ring", 8, seed=0),
            steps_per_epoch=7,
            verbose=0,
        )
        assert gan.train_function.tracing_count() == traces
        assert int(gan.g_optimizer.iterations.numpy()) == (
            2 * steps_per_epoch + 7
        )


def test_default_compile_equals_the_explicit_fast_setting():
    def trained(**speed):
        gan = _gan()
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), **speed)
        gan.fit(
            kg.data.toy_dataset("ring", 8, seed=0),
            steps_per_epoch=10,
            verbose=0,
        )
        return gan.get_weights()

    jit = kg.training.auto_jit_compile(kg.networks.mlp_discriminator(2, (8,)))
    auto = trained()
    explicit = trained(jit_compile=jit, steps_per_execution=10)
    plain = trained(jit_compile=False, steps_per_execution=1)
    for a, b, c in zip(auto, explicit, plain, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


def test_bad_steps_per_execution():
    gan = _gan()
    for bad in (0, 2.5, "fast", True):
        with pytest.raises(ValueError, match="steps_per_execution must be"):
            gan.compile(
                keras.optimizers.Adam(),
                keras.optimizers.Adam(),
                steps_per_execution=bad,
            )


def test_auto_steps_is_one_under_several_replicas(mirrored_strategy):
    assert execution.auto_steps_per_execution(None, mirrored_strategy) == 1
