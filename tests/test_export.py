import subprocess
import sys
import textwrap

import numpy as np

from keras_gans import export, networks


def test_saved_model_loads_without_keras_gans(tmp_path):
    generator, _ = networks.toy_mlp(latent_dim=3)
    path = export.export_generator(generator, 3, tmp_path / "gen")
    z = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    expected = generator(z).numpy()
    np.save(tmp_path / "z.npy", z)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import tensorflow as tf
        m = tf.saved_model.load({str(path)!r})
        sig = m.signatures["serving_default"]
        spec = sig.structured_input_signature[1]["latent"]
        assert spec.shape.as_list() == [None, 3], spec
        assert spec.dtype == tf.float32, spec
        out = sig(latent=tf.constant(np.load({str(tmp_path / "z.npy")!r})))
        np.save({str(tmp_path / "out.npy")!r}, out["samples"].numpy())
        leaked = [m for m in sys.modules if m.startswith("keras_gans")]
        assert not leaked, leaked
        """
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, cwd=tmp_path, timeout=300
    )
    np.testing.assert_allclose(
        np.load(tmp_path / "out.npy"), expected, rtol=1e-5
    )


def test_load_generator_round_trip(tmp_path):
    generator, _ = networks.toy_mlp()
    export.export_generator(generator, 2, tmp_path / "g")
    z = np.ones((4, 2), np.float32)
    np.testing.assert_allclose(
        export.load_generator(tmp_path / "g")(z).numpy(),
        generator(z).numpy(),
        rtol=1e-6,
    )
