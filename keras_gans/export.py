"""Export the generator as a TensorFlow SavedModel with a serving signature.

The SavedModel has one signature, ``serving_default``, taking a float32
latent batch ``latent: [None, latent_dim]`` and returning ``{"samples":
[None, *sample_shape]}``. It loads with plain ``tf.saved_model.load`` in a
process that never imports keras_gans (nor keras)::

    generator = tf.saved_model.load(path)
    samples = generator.signatures["serving_default"](latent=z)["samples"]
"""

import os

import keras
import tensorflow as tf

__all__ = ["export_generator", "load_generator"]


def export_generator(generator, latent_dim: int, path) -> str:
    """Writes ``generator`` (inference mode) as a SavedModel at ``path``.

    Args:
        generator: a built Keras model ``[B, latent_dim] -> samples``.
        latent_dim: size of the latent vector.
        path: output directory (replaced if it exists).

    Returns:
        ``path`` as a string.
    """
    path = os.fspath(path)
    if not generator.built:
        raise ValueError("Build the generator before exporting it.")
    archive = keras.export.ExportArchive()
    archive.track(generator)

    def serve(latent):
        # float32 whatever the generator's compute dtype (mixed precision).
        samples = generator(latent, training=False)
        return {"samples": tf.cast(samples, tf.float32)}

    archive.add_endpoint(
        name="serving_default",
        fn=serve,
        input_signature=[
            tf.TensorSpec([None, int(latent_dim)], tf.float32, name="latent")
        ],
    )
    archive.write_out(path, verbose=False)
    return path


def load_generator(path):
    """Loads an exported generator: a callable ``latent -> samples``."""
    signature = tf.saved_model.load(os.fspath(path)).signatures[
        "serving_default"
    ]

    def generate(latent):
        return signature(latent=tf.convert_to_tensor(latent, tf.float32))[
            "samples"
        ]

    return generate
