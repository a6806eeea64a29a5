"""Samples from a trained generator, for scoring elsewhere (clean-fid,
torch-fidelity, pytorch-fid): loading a generator from a run's checkpoint
or from an export, and writing samples as an ``.npz`` or a folder of PNGs.

A class-conditional generator (``--conditional`` runs) is sampled with
balanced labels, sample ``i`` of class ``i mod K``; the ``.npz`` then also
holds them (array ``labels``).
"""

import os
from collections.abc import Callable

import numpy as np

__all__ = [
    "OutputExistsError",
    "SampleSource",
    "load_source",
    "sample",
    "sample_labels",
    "write_samples",
]


class OutputExistsError(FileExistsError):
    """``write_samples``' target exists (it never overwrites)."""


class SampleSource:
    """A generator to sample from.

    Attributes:
        generate: ``latents [B, latent_dim] float32 -> samples``, or
            ``(latents, labels int32 [B]) -> samples`` for a conditional
            generator.
        latent_dim: the latent size.
        description: where it came from (for messages).
        num_classes: K for a conditional generator, else None.
    """

    def __init__(
        self,
        generate: Callable,
        latent_dim: int,
        description: str,
        num_classes=None,
    ):
        self.generate = generate
        self.latent_dim = int(latent_dim)
        self.description = description
        self.num_classes = None if num_classes is None else int(num_classes)
        # (checkpoint, what is wrong) of damaged checkpoints passed over.
        self.skipped = []


def _from_export(path) -> SampleSource:
    import tensorflow as tf

    path = os.fspath(path)
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise FileNotFoundError(
            f"--export_dir={path}: no saved_model.pb there; pass a directory "
            "written by keras-gans-train (saved_models/<experiment> or "
            "<workdir>/saved_model)."
        )
    signatures = tf.saved_model.load(path).signatures
    signature = signatures["serving_default"]
    specs = signature.structured_input_signature[1]
    spec = specs["latent"]
    classes = None
    if "label" in specs:
        classes = int(signatures["num_classes"]()["num_classes"].numpy())

    def generate(latent, labels=None):
        inputs = {"latent": tf.convert_to_tensor(latent, tf.float32)}
        if classes is not None:
            inputs["label"] = tf.convert_to_tensor(labels, tf.int32)
        return signature(**inputs)["samples"].numpy()

    return SampleSource(generate, spec.shape[-1], f"export {path}", classes)


def _from_run(workdir, which) -> SampleSource:
    from keras_gans import callbacks, json_io, train_lib
    from keras_gans.config import TrainConfig

    workdir = os.fspath(workdir)
    config_path = os.path.join(workdir, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(
            f"--run={workdir}: no config.json there; pass the --workdir of "
            "a keras-gans-train run."
        )
    try:
        config = TrainConfig.from_dict(json_io.read_json(config_path))
    except json_io.DamagedFileError:
        raise
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(
            f"--run={workdir}: {config_path} is not a keras-gans-train "
            f"config ({e}); pass the --workdir of a keras-gans-train run."
        ) from None
    gan = train_lib.build_gan(config)
    if which == "best":
        best_dir = os.path.join(workdir, "best")
        if not os.path.isfile(os.path.join(best_dir, "best.json")):
            raise FileNotFoundError(
                f"--run={workdir} kept no best checkpoint (train with "
                "--keep_best=METRIC, or use --which=latest)."
            )
        monitor = json_io.read_json(os.path.join(best_dir, "best.json"))[
            "monitor"
        ]
        step = callbacks.BestCheckpoint(gan, monitor, best_dir).restore(
            partial=True
        )
        damaged = []
    else:
        # The checkpoint files as training finds them (a lost or garbage
        # ``checkpoint`` state file does not hide them), newest intact
        # first; a run's callback state (replay buffer, EWC) is not needed.
        saver = callbacks.Checkpoint(gan, os.path.join(workdir, "checkpoints"))
        if not saver.candidates():
            raise FileNotFoundError(
                f"--run={workdir} has no checkpoint in checkpoints/ yet."
            )
        step = saver.restore(partial=True)
        damaged = saver.damaged
    generator = gan.sampling_generator

    def generate(latent, labels=None):
        import tensorflow as tf

        inputs = tf.convert_to_tensor(latent, tf.float32)
        if labels is not None:
            inputs = [inputs, tf.convert_to_tensor(labels, tf.int32)]
        return np.asarray(generator(inputs, training=False), np.float32)

    source = SampleSource(
        generate,
        config.latent_dim,
        f"{which} checkpoint of {workdir}, step {step}",
        gan.num_classes,
    )
    source.skipped = list(damaged)
    return source


def load_source(run=None, export_dir=None, which: str = "latest"):
    """The generator of a run's checkpoint (``run``: its workdir; ``which``:
    ``latest`` or ``best``) or of an export (``export_dir``).

    Raises:
        ValueError: not exactly one of ``run`` / ``export_dir``, or a bad
            ``which``.
        FileNotFoundError: nothing to load there (the message says what
            to pass).
    """
    if bool(run) == bool(export_dir):
        raise ValueError("Pass exactly one of --run and --export_dir.")
    if which not in ("latest", "best"):
        raise ValueError(f"--which must be latest or best, got {which!r}.")
    return _from_run(run, which) if run else _from_export(export_dir)


def sample(source: SampleSource, n: int, seed: int = 0, batch_size=1000):
    """``n`` samples from latents ``N(0, I)`` drawn from ``seed`` (the
    project's Philox stream, ``rng.normal``), in batches; a conditional
    source's sample ``i`` is of class ``i mod K`` (``sample_labels``)."""
    from keras_gans import rng

    import tensorflow as tf

    latents = rng.normal([int(n), source.latent_dim], [int(seed), 0]).numpy()
    labels = sample_labels(source, n)

    def part(i):
        z = latents[i : i + batch_size]
        if labels is None:
            return source.generate(z)
        return source.generate(z, tf.constant(labels[i : i + batch_size]))

    parts = [
        np.asarray(part(i), np.float32) for i in range(0, int(n), batch_size)
    ]
    return np.concatenate(parts)


def sample_labels(source: SampleSource, n: int):
    """The labels ``sample`` uses: ``i mod K`` (int32 ``[n]``), or None
    for an unconditional source."""
    if source.num_classes is None:
        return None
    return (np.arange(int(n)) % source.num_classes).astype(np.int32)


# The most clips write_samples puts in one GIF mosaic.
MAX_GIF_CLIPS = 64


def write_samples(samples, output, labels=None) -> str:
    """Writes ``samples`` to ``output``: a ``.npz`` file (array
    ``samples``, the generator's own range, and ``labels`` if given), a
    ``.gif`` of clips ``[N, T, H, W, 1]`` (``clip_plots.save_clip_gif``,
    all ``N`` clips in a mosaic) or, for any other path, a new
    folder of PNGs ``000000.png, ...`` (images ``[N, H, W, 1 or 3]`` in
    [-1, 1] mapped to 0..255). Never replaces an existing file or writes
    into a non-empty folder.

    Raises:
        OutputExistsError: ``output`` exists (and, for a folder, is not
            empty); a ``FileExistsError``.
        ValueError: PNGs of samples that are not images.
    """
    import tensorflow as tf

    output = os.fspath(output)
    x = np.asarray(samples, np.float32)
    if output.endswith(".npz"):
        if os.path.exists(output):
            raise OutputExistsError(
                f"--output={output} exists; choose a new file (nothing is "
                "overwritten)."
            )
        from keras_gans import json_io

        # Staged under a unique name beside the target (never a fixed
        # name such as x.tmp.npz, which may be the user's own file).
        extra = {} if labels is None else {"labels": np.asarray(labels)}
        with json_io.staged(output, ".npz") as tmp, open(tmp, "wb") as f:
            np.savez(f, samples=x, **extra)
        return output
    if output.endswith(".gif"):
        from keras_gans import clip_plots

        if os.path.exists(output):
            raise OutputExistsError(
                f"--output={output} exists; choose a new file (nothing is "
                "overwritten)."
            )
        if x.ndim != 5:
            raise ValueError(
                f"A GIF needs clips [N, T, H, W, 1], got samples of shape "
                f"{x.shape}; write PNGs or an .npz instead."
            )
        if len(x) > MAX_GIF_CLIPS:
            raise ValueError(
                f"A GIF shows at most {MAX_GIF_CLIPS} clips (a mosaic of "
                f"{len(x)} would be unwatchable and huge); pass "
                f"--num_samples <= {MAX_GIF_CLIPS}, or write an .npz."
            )
        columns = max(1, int(np.ceil(np.sqrt(len(x)))))
        return clip_plots.save_clip_gif(
            x, output, clips=len(x), columns=columns
        )
    if x.ndim != 4 or x.shape[-1] not in (1, 3):
        raise ValueError(
            f"PNGs need images [N, H, W, 1 or 3], got samples of shape "
            f"{x.shape}; write an .npz instead (--output=FILE.npz"
            f"{', or FILE.gif for clips' if x.ndim == 5 else ''})."
        )
    if os.path.exists(output) and (
        not os.path.isdir(output) or os.listdir(output)
    ):
        raise OutputExistsError(
            f"--output={output} exists and is not an empty folder; choose a "
            "new folder (nothing is overwritten)."
        )
    os.makedirs(output, exist_ok=True)
    pixels = np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8)
    width = max(6, len(str(len(x) - 1)))
    for i, image in enumerate(pixels):
        tf.io.write_file(
            os.path.join(output, f"{i:0{width}d}.png"),
            tf.io.encode_png(image),
        )
    return output
