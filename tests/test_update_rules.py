"""``training.update_rules.step`` against real ``keras.optimizers``
instances: the same weights, slots and step count after several steps of
each rule (SGD, momentum, Nesterov, Adam, AMSGrad, AdamW; with and without
decoupled weight decay; constant rates and schedules). And ``dense``: an
embedding's repeated-label gradient gets the Adam step of its summed
gradient."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans as kg
from keras_gans import networks
from keras_gans.training import update_rules

STEPS = 5


def _schedule():
    return keras.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5)


RULES = {
    "sgd": lambda: keras.optimizers.SGD(0.1),
    "sgd-decay": lambda: keras.optimizers.SGD(0.1, weight_decay=0.05),
    "momentum": lambda: keras.optimizers.SGD(0.1, momentum=0.9),
    "momentum-decay-schedule": lambda: keras.optimizers.SGD(
        _schedule(), momentum=0.9, weight_decay=0.05
    ),
    "nesterov": lambda: keras.optimizers.SGD(0.1, 0.9, nesterov=True),
    "nesterov-decay": lambda: keras.optimizers.SGD(
        0.1, 0.9, nesterov=True, weight_decay=0.05
    ),
    "adam": lambda: keras.optimizers.Adam(0.1, 0.5, 0.9),
    "adam-schedule": lambda: keras.optimizers.Adam(_schedule(), 0.5, 0.9),
    "adam-decay": lambda: keras.optimizers.Adam(0.1, weight_decay=0.05),
    "amsgrad": lambda: keras.optimizers.Adam(0.1, 0.5, 0.9, amsgrad=True),
    "amsgrad-decay-schedule": lambda: keras.optimizers.Adam(
        _schedule(), 0.5, 0.9, amsgrad=True, weight_decay=0.05
    ),
    "adamw": lambda: keras.optimizers.AdamW(0.1, weight_decay=0.05),
    "adamw-schedule": lambda: keras.optimizers.AdamW(
        _schedule(), weight_decay=0.05, beta_1=0.5, beta_2=0.9
    ),
}


def _gradients():
    """Per step, one gradient per variable; large first steps then small
    ones, so that AMSGrad's running maximum of v differs from v."""
    generator = np.random.default_rng(0)
    scales = [3.0, 2.0, 0.1, 0.05, 0.01]
    return [
        [
            tf.constant(s * generator.normal(size=shape), tf.float32)
            for shape in ((3, 2), (2,))
        ]
        for s in scales
    ]


@pytest.mark.parametrize("name", sorted(RULES))
def test_step_equals_the_keras_optimizer(name):
    init = [np.full((3, 2), 0.5, np.float32), np.array([1.0, -2.0], "f4")]
    keras_vars = [keras.Variable(v) for v in init]
    ours_vars = [keras.Variable(v) for v in init]
    reference, ours = RULES[name](), RULES[name]()
    reference.build(keras_vars)
    ours.build(ours_vars)
    update_rules.check_supported(ours, "test")
    for grads in _gradients():
        reference.apply(grads, keras_vars)
        state = update_rules.read_state(ours, ours_vars)
        values, state = update_rules.step(
            ours, ours_vars, [v.value for v in ours_vars], grads, state
        )
        update_rules.write_state(ours, ours_vars, values, state)
    assert int(ours.iterations.numpy()) == STEPS
    for a, b in zip(keras_vars, ours_vars, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7)
    for a, b in zip(reference.variables, ours.variables, strict=True):
        np.testing.assert_allclose(
            np.asarray(a.numpy(), np.float64),
            np.asarray(b.numpy(), np.float64),
            rtol=1e-6,
            atol=1e-7,
            err_msg=a.path,
        )
    # The weights moved, so the comparison is not between two no-ops.
    assert not np.allclose(keras_vars[0].numpy(), init[0])


def test_dense_sums_repeated_slices():
    slices = tf.IndexedSlices(
        tf.constant([[1.0], [2.0], [4.0]]), tf.constant([0, 2, 0]), [3, 1]
    )
    dense = update_rules.dense([slices, None, tf.ones([2])])
    np.testing.assert_array_equal(dense[0].numpy(), [[5.0], [0.0], [2.0]])
    assert dense[1] is None
    np.testing.assert_array_equal(dense[2].numpy(), [1.0, 1.0])


K, LATENT, BATCH = 10, 3, 64


@pytest.mark.parametrize("jit", [False, True])
def test_class_embeddings_get_the_adam_step_of_their_summed_gradient(jit):
    """Adam's first step moves every weight whose gradient g is nonzero by
    lr * |g| / (|g| + eps / sqrt(1 - beta_2)) (Kingma & Ba, Algorithm 1,
    from zero moments): lr to within eps, and never more. Embedding rows
    of labels that repeat in a batch of 64 with 10 classes must move so
    too; summing their slices' squares instead moves them from 0 to
    several lr."""
    lr = 1e-3
    keras.utils.set_random_seed(5)
    g = networks.mlp_generator(LATENT, (2,), (16,), num_classes=K)
    d = networks.mlp_discriminator(
        (2,), (16,), num_classes=K, conditioning="projection"
    )
    gan = kg.GAN(g, d, LATENT, seed=1, num_classes=K)
    gan.compile(
        keras.optimizers.Adam(lr, epsilon=1e-12),
        keras.optimizers.Adam(lr, epsilon=1e-12),
        loss="non_saturating",
        jit_compile=jit,
    )
    embeddings = [
        v
        for model in (g, d)
        for v in model.trainable_variables
        if "embedding" in v.path
    ]
    assert len(embeddings) == 2
    before = [v.numpy().copy() for v in embeddings]
    generator = np.random.default_rng(4)
    x = generator.normal(size=(BATCH, 2)).astype(np.float32)
    y = generator.integers(0, K, size=BATCH).astype(np.int32)
    assert np.bincount(y).max() >= 4  # labels repeat
    gan.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    for v, b in zip(embeddings, before):
        moved = np.abs(v.numpy() - b)
        touched = moved[moved > 0]
        assert touched.size > 0, v.path
        np.testing.assert_allclose(touched, lr, rtol=1e-3, err_msg=v.path)
