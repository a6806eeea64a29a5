"""Export the generator as a TensorFlow SavedModel with a serving signature.

The SavedModel has one signature, ``serving_default``, taking a float32
latent batch ``latent: [None, latent_dim]`` and returning ``{"samples":
[None, *sample_shape]}``; a latent of another width, or one holding NaN
or inf, is an ``InvalidArgumentError`` saying what it must be. It loads
with plain ``tf.saved_model.load`` in a process that never imports
keras_gans (nor keras)::

    generator = tf.saved_model.load(path)
    samples = generator.signatures["serving_default"](latent=z)["samples"]

A class-conditional generator (``[z, label]`` inputs, ``keras_gans.networks``
with ``num_classes``) is exported with a second input, ``label: int32
[None]``, checked to lie in ``[0,
num_classes)`` (an ``InvalidArgumentError`` naming the range otherwise)::

    signature(latent=z, label=tf.constant([3, 1], tf.int32))["samples"]

Calling it without ``label`` is a ``TypeError`` from TensorFlow naming the
missing argument. A second signature, ``num_classes``, takes nothing and
returns ``{"num_classes": K}`` (int32).

Writing never loses a user's file: the SavedModel is written to a temporary
directory beside the target and swapped in by renames, and a target that
holds anything but an earlier export is refused (``check_target``) before
anything is written.
"""

import os
import shutil
import tempfile
import time

import keras
import tensorflow as tf

__all__ = [
    "SAVED_MODEL_ENTRIES",
    "ExportTargetError",
    "check_target",
    "copy_export",
    "export_generator",
    "load_generator",
]

# What ``export_generator`` writes: a target holding only these may be
# replaced.
SAVED_MODEL_ENTRIES = frozenset(
    {"saved_model.pb", "fingerprint.pb", "variables", "assets"}
)


class ExportTargetError(ValueError):
    """An export target that would lose a user's file if written."""


def check_target(path) -> str:
    """Returns ``path`` if an export may be written there: absent, an empty
    directory or an earlier export, in a directory that can be written.

    Raises:
        ExportTargetError: ``path`` is a file or holds other files (named).
        PermissionError: its parent cannot be written.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise ExportTargetError(
            f"export target {path} is a file; pass a directory."
        )
    if os.path.isdir(path):
        entries = set(os.listdir(path))
        foreign = sorted(entries - SAVED_MODEL_ENTRIES)
        if foreign or (entries and "saved_model.pb" not in entries):
            shown = ", ".join((foreign or sorted(entries))[:3])
            raise ExportTargetError(
                f"export target {path} holds files that are not an earlier "
                f"export ({shown}); refusing to replace them. Pass another "
                "export directory or move them away."
            )
    parent = _existing_parent(path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(
            13, f"cannot write the export target's directory {parent}", parent
        )
    return path


def _existing_parent(path):
    parent = os.path.dirname(path)
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    return parent or os.getcwd()


def _swap_in(staged, path):
    """Replaces ``path`` (absent or an earlier export) by ``staged``, a
    sibling directory, with renames; the earlier export is removed last."""
    old = None
    if os.path.exists(path):
        old = f"{path}.old-{os.getpid()}-{time.monotonic_ns()}"
        os.rename(path, old)
    os.rename(staged, path)
    if old:
        shutil.rmtree(old)


def _staging_dir(path):
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(
        prefix=f".{os.path.basename(path)}.tmp-", dir=parent
    )


def copy_export(source, path) -> str:
    """Copies the export at ``source`` to ``path`` (``check_target``
    rules), atomically. Returns ``path``."""
    path = check_target(path)
    staged = _staging_dir(path)
    try:
        target = os.path.join(staged, "export")
        shutil.copytree(os.fspath(source), target)
        _swap_in(target, path)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return path


def _num_classes(generator, num_classes):
    from keras_gans.training.conditioning import _embedding_classes

    found = _embedding_classes(generator)
    if num_classes is None:
        if len(found) != 1:
            raise ValueError(
                "Pass num_classes to export this conditional generator (its "
                "class count cannot be read off its layers)."
            )
        return found.pop()
    if found - {num_classes}:
        raise ValueError(
            f"The generator's label layers are built for {sorted(found)} "
            f"classes, not num_classes={num_classes}."
        )
    return int(num_classes)


def _require(condition, message):
    """A float32 zero that fails with ``message`` unless ``condition``.

    Added to the input it guards, the check is a data dependency of
    everything the input feeds. A control edge is not enough: Grappler
    drops a reshape it finds redundant under the signature's static shape,
    and with it the edge, so the network could run (and fail deep inside)
    before the assertion.
    """
    nan = tf.constant(float("nan"), tf.float32)
    return tf.debugging.check_numerics(
        tf.where(condition, tf.constant(0.0, tf.float32), nan), message
    )


def export_generator(
    generator, latent_dim: int, path, num_classes=None
) -> str:
    """Writes ``generator`` (inference mode) as a SavedModel at ``path``.

    Args:
        generator: a built Keras model ``[B, latent_dim] -> samples``, or a
            conditional one ``[z, label] -> samples``.
        latent_dim: size of the latent vector.
        path: output directory: absent, empty or an earlier export, which is
            replaced atomically (``check_target``).
        num_classes: a conditional generator's class count (None: read off
            its label layers).

    Returns:
        ``path`` as a string (absolute).

    Raises:
        ExportTargetError: ``path`` holds other files.
        ValueError: an unbuilt generator, or a class count that cannot be
            read or does not match.
    """
    from keras_gans.networks import is_conditional

    path = check_target(path)
    if not generator.built:
        raise ValueError("Build the generator before exporting it.")
    archive = keras.export.ExportArchive()
    archive.track(generator)
    latent_dim = int(latent_dim)
    latent_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="latent")

    def checked(latent):
        """``latent``, checked at run time to be a finite ``[N,
        latent_dim]`` batch: the signature binds inputs without checking
        their shapes (a wrong width would fail deep in the network), and a
        NaN latent would give finite-looking samples through saturating
        layers."""
        message = f"latent must be a finite float32 [N, {latent_dim}] batch."
        whole_rows = tf.equal(
            tf.size(latent), tf.shape(latent)[0] * latent_dim
        )
        return tf.debugging.check_numerics(
            latent + _require(whole_rows, message), message
        )

    if is_conditional(generator):
        classes = _num_classes(generator, num_classes)

        def serve(latent, label):
            message = f"label must lie in [0, {classes}) (num_classes)."
            latent = checked(latent)
            in_range = tf.reduce_all((label >= 0) & (label < classes))
            same_size = tf.equal(tf.shape(label)[0], tf.shape(latent)[0])
            for condition, text in (
                (in_range, message),
                (same_size, "latent and label need the same batch size."),
            ):
                label += tf.cast(_require(condition, text), label.dtype)
            samples = generator([latent, label], training=False)
            return {"samples": tf.cast(samples, tf.float32)}

        signature = [latent_spec, tf.TensorSpec([None], tf.int32, "label")]
    else:

        def serve(latent):
            # float32 whatever the generator's compute dtype (mixed
            # precision).
            samples = generator(checked(latent), training=False)
            return {"samples": tf.cast(samples, tf.float32)}

        signature = [latent_spec]

    archive.add_endpoint(
        name="serving_default", fn=serve, input_signature=signature
    )
    if len(signature) == 2:
        archive.add_endpoint(
            name="num_classes",
            fn=lambda: {"num_classes": tf.constant(classes, tf.int32)},
            input_signature=[],
        )
    staged = _staging_dir(path)
    try:
        target = os.path.join(staged, "export")
        archive.write_out(target, verbose=False)
        _swap_in(target, path)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return path


def load_generator(path):
    """Loads an exported generator: a callable ``latent -> samples``, or
    ``(latent, label) -> samples`` for a conditional one (labels ``[N]``
    or ``[N, 1]``). A latent that is not ``[N, latent_dim]``, a label of
    another shape, or a missing or unexpected label is a ValueError."""
    signature = tf.saved_model.load(os.fspath(path)).signatures[
        "serving_default"
    ]
    conditional = "label" in signature.structured_input_signature[1]

    latent_dim = signature.structured_input_signature[1]["latent"].shape[1]

    def generate(latent, label=None):
        latent = tf.convert_to_tensor(latent, tf.float32)
        if latent.shape.rank != 2 or latent.shape[1] != latent_dim:
            raise ValueError(
                f"The generator at {path} takes latents of shape [N, "
                f"{latent_dim}], got {latent.shape.as_list()}."
            )
        inputs = {"latent": latent}
        if conditional:
            if label is None:
                raise ValueError(
                    f"The generator at {path} is conditional: pass label "
                    "(int32 class indices, one per latent)."
                )
            label = tf.convert_to_tensor(label, tf.int32)
            if label.shape.rank not in (1, 2) or label.shape[1:] not in (
                [],
                [1],
            ):
                raise ValueError(
                    f"label must hold one class index per latent, shape "
                    f"[N] or [N, 1], got {label.shape.as_list()}."
                )
            inputs["label"] = tf.reshape(label, [-1])
        elif label is not None:
            raise ValueError(
                f"The generator at {path} is unconditional; it takes no "
                "label."
            )
        return signature(**inputs)["samples"]

    return generate
