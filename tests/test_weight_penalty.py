"""L1 weight regularisation of D (training.L1WeightPenalty): the term and
its gradient by hand, in the D step's loss, and in the look-ahead."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import training


def _gan(hook=None, seed=0):
    keras.utils.set_random_seed(seed)
    gan = kg.GAN(
        kg.networks.mlp_generator(4, 2, (8,)),
        kg.networks.mlp_discriminator(2, (8,)),
        4,
        seed=seed,
    )
    gan.compile(
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1),
        penalty="none",
        jit_compile=False,
    )
    if hook is not None:
        gan.attach_hook(hook)
    return gan


def _by_hand(gan, weight):
    return weight * sum(
        np.abs(v.numpy()).sum()
        for v in gan.discriminator.trainable_variables
        if v.path.endswith("kernel")
    )


def test_term_and_gradient_by_hand():
    hook = training.L1WeightPenalty(0.3)
    gan = _gan(hook)
    d_vars = gan.discriminator.trainable_variables
    kernels = kg.hooks.kernel_indices(gan.discriminator)
    assert [d_vars[i].path.split("/")[-1] for i in kernels] == ["kernel"] * 2
    assert len(d_vars) == 4  # two kernels, two biases
    with tf.GradientTape() as tape:
        term = hook.regularization([v.value for v in d_vars])
    grads = tape.gradient(term, d_vars)
    np.testing.assert_allclose(float(term), _by_hand(gan, 0.3), rtol=1e-6)
    for i, (v, g) in enumerate(zip(d_vars, grads)):
        if i in kernels:
            np.testing.assert_allclose(g.numpy(), 0.3 * np.sign(v.numpy()))
        else:
            assert g is None  # biases are not regularised


def test_the_d_step_adds_the_term_and_its_gradient():
    """Same seed with and without the hook: d_loss differs by lambda *
    sum |w| at the step's weights, and the SGD update by lr * lambda *
    sign(w) on the kernels only."""
    real = kg.data.sample_mixture(
        kg.data.mixture("ring"), 16, tf.constant([0, 1], tf.int64)
    )
    plain, with_l1 = _gan(), _gan(training.L1WeightPenalty(0.5))
    term = _by_hand(with_l1, 0.5)
    signs = [np.sign(v.numpy()) for v in with_l1.discriminator.weights]
    logs = {}
    for name, gan in (("plain", plain), ("l1", with_l1)):
        gan.discriminator.trainable = True
        gan._discriminator_step(real, tf.constant(0, tf.int64), 0)
        logs[name] = float(gan.d_loss_tracker.result())
    np.testing.assert_allclose(logs["l1"] - logs["plain"], term, rtol=1e-5)
    paths = [v.path for v in with_l1.discriminator.weights]
    for path, a, b, s in zip(
        paths, plain.discriminator.weights, with_l1.discriminator.weights,
        signs,
    ):
        expected = -0.1 * 0.5 * s if path.endswith("kernel") else 0.0
        np.testing.assert_allclose(
            b.numpy() - a.numpy(), expected, atol=1e-6, err_msg=path
        )


def test_bad_weight_is_an_error():
    for bad in (-0.1, float("nan")):
        with pytest.raises(ValueError, match="d_l1 must be"):
            training.L1WeightPenalty(bad)
