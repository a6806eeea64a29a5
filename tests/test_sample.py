"""keras-gans-sample: samples of a run's checkpoint or an export, to an
npz or PNGs, never overwriting anything."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from helpers.binaries import run_binary
from keras_gans import sampling, train_lib
from keras_gans.config import TrainConfig

BINARY = pathlib.Path(__file__).resolve().parents[1] / "bin" / "sample.py"


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run") / "w"
    config = TrainConfig(
        dataset="digits",
        steps=20,
        log_every=10,
        eval_every=20,
        eval_samples=50,
        steps_per_execution=10,
        batch_size=16,
        latent_dim=4,
        base_filters=4,
        ema_decay=0.0,
        jit_compile=False,
        keep_best="modes",
    )
    train_lib.run(config, workdir, verbose=0)
    return workdir, config


def test_checkpoint_export_and_best_give_the_same_generator(digits_run):
    workdir, config = digits_run
    latest = sampling.load_source(run=workdir)
    exported = sampling.load_source(export_dir=workdir / "saved_model")
    best = sampling.load_source(run=workdir, which="best")  # step 20: only
    assert latest.latent_dim == exported.latent_dim == config.latent_dim
    a = sampling.sample(latest, 7, seed=3, batch_size=3)
    b = sampling.sample(exported, 7, seed=3)
    c = sampling.sample(best, 7, seed=3)
    assert a.shape == (7, 8, 8, 1)
    np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(a, c, atol=1e-5)
    z = sampling.sample(exported, 2, seed=4)
    assert not np.allclose(z, b[:2])  # the seed matters


def test_write_npz_and_pngs_never_overwrite(tmp_path):
    x = np.linspace(-1, 1, 2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    npz = sampling.write_samples(x, tmp_path / "s.npz")
    np.testing.assert_array_equal(np.load(npz)["samples"], x)
    with pytest.raises(FileExistsError, match="--output=.*exists"):
        sampling.write_samples(x, tmp_path / "s.npz")
    folder = sampling.write_samples(x, tmp_path / "pngs")
    names = sorted(os.listdir(folder))
    assert names == ["000000.png", "000001.png"]
    png = tf.io.decode_png(tf.io.read_file(os.path.join(folder, names[1])))
    want = np.clip(np.round((x[1] + 1) * 127.5), 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(png.numpy(), want)
    with pytest.raises(FileExistsError, match="not an empty folder"):
        sampling.write_samples(x, tmp_path / "pngs")
    with pytest.raises(ValueError, match="write an .npz"):
        sampling.write_samples(np.zeros((3, 2)), tmp_path / "toy")
    with pytest.raises(ValueError, match="exactly one"):
        sampling.load_source()
    with pytest.raises(FileNotFoundError, match="no config.json"):
        sampling.load_source(run=tmp_path)


@pytest.mark.slow
def test_cli(digits_run, tmp_path, capfd):
    # In this process (helpers/binaries.py); the checks that need a fresh
    # process (no warnings, one-line errors) run the binary below.
    workdir, _ = digits_run
    out = tmp_path / "pngs"
    code, _, err = run_binary(
        "sample.py",
        f"--export_dir={workdir / 'saved_model'}",
        "--num_samples=5",
        f"--output={out}",
        capture=capfd,
    )
    assert code == 0, err
    assert len(os.listdir(out)) == 5
    code, _, err = run_binary(
        "sample.py", f"--run={tmp_path}", "--output=x.npz", capture=capfd,
        cwd=tmp_path,
    )
    assert code != 0
    assert "Traceback" not in err
    assert "no config.json" in err


def test_conditional_run_and_export_sample_balanced_labels(tmp_path):
    config = TrainConfig(
        conditional=True,
        steps=4,
        log_every=2,
        eval_every=4,
        eval_samples=40,
        steps_per_execution=2,
        batch_size=16,
        hidden_units=(8,),
        jit_compile=False,
    )
    workdir = tmp_path / "w"
    train_lib.run(config, workdir, verbose=0)
    from_run = sampling.load_source(run=workdir)
    from_export = sampling.load_source(export_dir=workdir / "saved_model")
    assert from_run.num_classes == from_export.num_classes == 8
    a = sampling.sample(from_run, 20, seed=3, batch_size=7)
    b = sampling.sample(from_export, 20, seed=3)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    labels = sampling.sample_labels(from_run, 20)
    np.testing.assert_array_equal(labels, np.arange(20) % 8)
    path = sampling.write_samples(a, str(tmp_path / "s.npz"), labels)
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["labels"], labels)
        assert saved["samples"].shape == (20, 2)


def test_npz_staging_never_touches_a_users_file(tmp_path):
    """The .npz is staged under a unique name: the user's x.tmp.npz (the
    fixed staging name once used) survives, and nothing else is left."""
    mine = tmp_path / "x.tmp.npz"
    mine.write_bytes(b"the user's own file")
    x = np.ones((3, 2), np.float32)
    sampling.write_samples(x, tmp_path / "x.npz")
    assert mine.read_bytes() == b"the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.npz", "x.tmp.npz"]
    np.testing.assert_array_equal(np.load(tmp_path / "x.npz")["samples"], x)


@pytest.fixture(scope="module")
def hooks_run(tmp_path_factory):
    """A ring run with replay and EWC: its checkpoints hold the hooks'
    state besides the GAN."""
    workdir = tmp_path_factory.mktemp("hooks") / "w"
    config = TrainConfig(
        steps=4,
        log_every=2,
        eval_every=4,
        eval_samples=40,
        steps_per_execution=2,
        batch_size=16,
        hidden_units=(8,),
        jit_compile=False,
        replay_size=32,
        ewc_weight=1.0,
    )
    train_lib.run(config, workdir, verbose=0)
    return workdir


def _copy(workdir, tmp_path):
    import shutil

    target = tmp_path / "run"
    shutil.copytree(workdir, target)
    return target


def test_a_garbage_checkpoint_state_file_does_not_hide_the_checkpoints(
    hooks_run, tmp_path
):
    """Training finds checkpoints by their files; sampling does too."""
    run = _copy(hooks_run, tmp_path)
    (run / "checkpoints" / "checkpoint").write_text("garbage ::: {\n")
    source = sampling.load_source(run=run)
    assert source.description.endswith("step 4")
    expected = sampling.sample(sampling.load_source(run=hooks_run), 3)
    np.testing.assert_array_equal(sampling.sample(source, 3), expected)


def _sample(*flags, cwd):
    root = str(BINARY.parents[1])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    return subprocess.run(
        [sys.executable, str(BINARY), *flags],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _nan_checkpoint(run):
    """A newer checkpoint of ``run`` whose generator weights are NaN."""
    from keras_gans import callbacks

    config = TrainConfig.from_dict(
        __import__("json").loads((run / "config.json").read_text())
    )
    gan = train_lib.build_gan(config)
    saver = callbacks.Checkpoint(gan, run / "checkpoints")
    step = saver.restore()
    for v in gan.generator.weights + gan.sampling_generator.weights:
        v.assign(np.full(v.shape, np.nan, np.float32))
    saver.manager.save(checkpoint_number=step + 1)


def test_cli_with_hooks_prints_no_restore_warnings(hooks_run, tmp_path):
    done = _sample(
        f"--run={hooks_run}", "--num_samples=5", "--output=x.npz", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr
    assert "step 4" in done.stdout
    assert np.load(tmp_path / "x.npz")["samples"].shape == (5, 2)


@pytest.mark.parametrize(
    "case", ["checkpoints_damaged", "saved_model_corrupt", "output_unwritable",
             "nan_samples"]
)
def test_cli_failure_is_one_line(hooks_run, tmp_path, case, capfd):
    """In this process (helpers.binaries; capfd holds TensorFlow's own
    logging too): the start-up's quiet is test_cli_with_hooks'."""
    run = _copy(hooks_run, tmp_path)
    source = f"--run={run}"
    output = tmp_path / "out.npz"
    if case == "checkpoints_damaged":
        for data_file in (run / "checkpoints").glob("*.data-*"):
            data_file.write_bytes(b"")
        code, message = 4, "No readable checkpoint in .*ckpt-4.*ckpt-2"
    elif case == "saved_model_corrupt":
        (run / "saved_model" / "saved_model.pb").write_bytes(b"garbage")
        source = f"--export_dir={run / 'saved_model'}"
        code, message = 4, "--export_dir=.*: the SavedModel cannot be read"
    elif case == "output_unwritable":
        (tmp_path / "a_file").write_text("not a directory")
        output = tmp_path / "a_file" / "out.npz"
        code, message = 4, "--output=.*cannot be written"
    else:
        _nan_checkpoint(run)
        code, message = 3, "5 of 5 samples .* hold NaN or inf"
    returncode, _, stderr = run_binary(
        "sample.py", source, "--num_samples=5", f"--output={output}",
        capture=capfd, cwd=tmp_path,
    )
    assert returncode == code, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sample.py: error: "), stderr
    assert re.search(message, lines[0]), lines[0]
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "run"] == (
        ["a_file"] if case == "output_unwritable" else []
    )


def test_cli_helpshort_lists_its_flags_and_exits_0(tmp_path):
    done = _sample("--helpshort", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("--run", "--export_dir", "--which", "--num_samples",
                 "--output", "--seed"):
        assert name in done.stdout, name
