import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_gans import export, networks


def _conditional_generator():
    generator = networks.dcgan_generator(3, (8, 8, 1), 2, seed=0, num_classes=4)
    # Class-dependent gains and biases, so the label matters.
    for layer in generator.layers:
        if isinstance(layer, networks.ConditionalBatchNorm):
            shape = layer.bias.embeddings.shape
            layer.bias.embeddings.assign(
                np.random.default_rng(0).normal(size=shape)
            )
    return generator


@pytest.fixture(scope="module")
def fresh_process(tmp_path_factory):
    """An unconditional and a conditional export, each read back by one
    fresh process without keras_gans (one TensorFlow start-up for both):
    its checks run in that process, its samples come back in .npy files."""
    tmp_path = tmp_path_factory.mktemp("fresh_process")
    generator, _ = networks.toy_mlp(latent_dim=3)
    path = export.export_generator(generator, 3, tmp_path / "gen")
    z = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    plain = {"generator": generator, "z": z, "expected": generator(z).numpy()}
    np.save(tmp_path / "z.npy", z)

    c_generator = _conditional_generator()
    c_path = export.export_generator(c_generator, 3, tmp_path / "c_gen")
    c_z = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 1], np.int32)
    conditional = {
        "generator": c_generator,
        "path": c_path,
        "z": c_z,
        "y": y,
        "expected": c_generator([c_z, y], training=False).numpy(),
    }
    np.save(tmp_path / "c_z.npy", c_z)
    np.save(tmp_path / "y.npy", y)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import tensorflow as tf

        # The unconditional export.
        m = tf.saved_model.load({str(path)!r})
        sig = m.signatures["serving_default"]
        spec = sig.structured_input_signature[1]["latent"]
        assert spec.shape.as_list() == [None, 3], spec
        assert spec.dtype == tf.float32, spec
        out = sig(latent=tf.constant(np.load({str(tmp_path / "z.npy")!r})))
        np.save({str(tmp_path / "out.npy")!r}, out["samples"].numpy())

        # The conditional export.
        m = tf.saved_model.load({str(c_path)!r})
        sig = m.signatures["serving_default"]
        specs = sig.structured_input_signature[1]
        assert specs["latent"].shape.as_list() == [None, 3], specs
        assert specs["latent"].dtype == tf.float32, specs
        assert specs["label"].shape.as_list() == [None], specs
        assert specs["label"].dtype == tf.int32, specs
        z = tf.constant(np.load({str(tmp_path / "c_z.npy")!r}))
        y = tf.constant(np.load({str(tmp_path / "y.npy")!r}))
        out = sig(latent=z, label=y)["samples"].numpy()
        again = sig(latent=z, label=y)["samples"].numpy()
        assert np.array_equal(out, again)  # deterministic
        np.save({str(tmp_path / "c_out.npy")!r}, out)
        try:
            sig(latent=z)
        except TypeError as e:
            assert "label" in str(e), e
        else:
            raise AssertionError("no error without a label")
        try:
            sig(latent=z, label=tf.constant([0, 1, 2, 3, 4], tf.int32))
        except tf.errors.InvalidArgumentError as e:
            assert "label must lie in [0, 4)" in str(e), e
        else:
            raise AssertionError("no error for label 4")
        try:
            sig(latent=z, label=y[:-1])
        except tf.errors.InvalidArgumentError as e:
            assert "latent and label need the same batch size" in str(e), e
        else:
            raise AssertionError("no error for one label too few")

        leaked = [m for m in sys.modules if m.startswith("keras_gans")]
        assert not leaked, leaked
        """
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=tmp_path, timeout=300
    )
    plain["out"] = np.load(tmp_path / "out.npy")
    conditional["out"] = np.load(tmp_path / "c_out.npy")
    return plain, conditional


def test_saved_model_loads_without_keras_gans(fresh_process):
    plain, _ = fresh_process
    np.testing.assert_allclose(plain["out"], plain["expected"], rtol=1e-5)


def test_load_generator_round_trip(tmp_path):
    generator, _ = networks.toy_mlp()
    export.export_generator(generator, 2, tmp_path / "g")
    z = np.ones((4, 2), np.float32)
    np.testing.assert_allclose(
        export.load_generator(tmp_path / "g")(z).numpy(),
        generator(z).numpy(),
        rtol=1e-6,
    )


def test_conditional_saved_model_takes_latent_and_label(fresh_process):
    _, conditional = fresh_process
    generator, path = conditional["generator"], conditional["path"]
    z, y, expected = conditional["z"], conditional["y"], conditional["expected"]
    out = conditional["out"]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    other = generator([z, (y + 1) % 4], training=False).numpy()
    assert np.abs(other - expected).max() > 1e-3  # the label matters
    load = export.load_generator(path)
    np.testing.assert_allclose(load(z, y).numpy(), expected, atol=1e-6)
    with pytest.raises(ValueError, match="conditional: pass label"):
        load(z)


def test_conditional_export_class_count_is_checked(tmp_path):
    generator = networks.mlp_generator(2, 2, (4,), num_classes=3)
    with pytest.raises(ValueError, match="not num_classes=5"):
        export.export_generator(generator, 2, tmp_path / "g", num_classes=5)


def test_bad_latents_and_labels_are_named(tmp_path):
    """The signature binds inputs without checking shapes: a latent of the
    wrong width fails with a message naming it, not deep in the network;
    a NaN latent is refused, not turned into finite-looking samples. The
    Python loader names the shapes it takes and takes [N, 1] labels."""
    import tensorflow as tf

    generator, _ = networks.toy_mlp(latent_dim=3)
    path = export.export_generator(generator, 3, tmp_path / "gen")
    signature = tf.saved_model.load(path).signatures["serving_default"]
    message = r"latent must be a finite float32 \[N, 3\] batch"
    for latent in (np.zeros((4, 2), "f4"), np.full((4, 3), np.nan, "f4")):
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            signature(latent=tf.constant(latent))
    load = export.load_generator(path)
    for latent in (np.zeros(3, "f4"), np.zeros((4, 2), "f4")):
        with pytest.raises(ValueError, match=r"latents of shape \[N, 3\]"):
            load(latent)

    conditional = networks.mlp_generator(3, (2,), (8,), num_classes=4)
    path = export.export_generator(conditional, 3, tmp_path / "cond")
    load = export.load_generator(path)
    z = np.random.default_rng(0).normal(size=(3, 3)).astype("f4")
    np.testing.assert_allclose(
        load(z, np.array([[0], [3], [1]])), load(z, np.array([0, 3, 1]))
    )
    with pytest.raises(ValueError, match=r"shape \[N\] or \[N, 1\]"):
        load(z, np.zeros((3, 2), "i4"))
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        load(np.full((3, 3), np.inf, "f4"), np.array([0, 1, 2]))
