"""keras-gans-sample: samples of a run's checkpoint or an export, to an
npz or PNGs, never overwriting anything."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

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
def test_cli(digits_run, tmp_path):
    workdir, _ = digits_run
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = tmp_path / "pngs"
    done = subprocess.run(
        [
            sys.executable,
            str(BINARY),
            f"--export_dir={workdir / 'saved_model'}",
            "--num_samples=5",
            f"--output={out}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(os.listdir(out)) == 5
    again = subprocess.run(
        [sys.executable, str(BINARY), f"--run={tmp_path}", "--output=x.npz"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert again.returncode != 0
    assert "Traceback" not in again.stderr
    assert "no config.json" in again.stderr


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
