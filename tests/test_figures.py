"""The paper's figure experiments: digits runs, resume, and the binaries."""

import json
import os
import pathlib
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from keras_gans import callbacks, figures

_ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_digits_dataset_is_step_indexed():
    a = list(figures.digits_dataset(8, seed=3).take(3).as_numpy_iterator())
    b = list(figures.digits_dataset(8, 3, start_step=1).take(2))
    assert a[0].shape == (8, 64) and a[0].min() >= -1 and a[0].max() <= 1
    np.testing.assert_array_equal(a[1], b[0].numpy())
    np.testing.assert_array_equal(a[2], b[1].numpy())
    assert not np.array_equal(a[0], a[1])


def test_run_digits_resumes_and_refuses_other_settings(tmp_path):
    cb = callbacks.ForgettingCallback(2, 2, batch_size=4, max_batches=2)
    gan = figures.run_digits(
        "ns_adam", tmp_path, 4, 2, [cb], batch_size=8, verbose=0
    )
    assert int(gan.g_optimizer.iterations.numpy()) == 4
    again = callbacks.ForgettingCallback(2, 2, batch_size=4, max_batches=2)
    # Same settings: nothing left to train, the state comes back.
    gan = figures.run_digits(
        "ns_adam", tmp_path, 4, 2, [again], batch_size=8, verbose=0
    )
    assert again.state.freeze_steps.numpy().tolist() == [2, 4]
    np.testing.assert_array_equal(again.frozen_fakes(), cb.frozen_fakes())
    with pytest.raises(ValueError, match="steps"):
        figures.run_digits("ns_adam", tmp_path, 8, 2, batch_size=8)
    with pytest.raises(ValueError, match="Unknown digits variant"):
        figures.run_digits("ns_rmsprop", tmp_path / "x", 4, 2)


def test_fig1_config_and_table():
    config = figures.fig1_config("r1", steps=100, every=50)
    assert config.penalty == "r1" and config.penalty_weight == 10.0
    assert config.d_optimizer.name == "sgd" and config.hidden_units == (64, 64)
    with pytest.raises(ValueError, match="Unknown Fig. 1 variant"):
        figures.fig1_config("wgan", 100, 50)
    table = figures.format_table(["a", "b"], [["x", 0.5], ["yy", None]])
    assert table.splitlines()[2].split() == ["x", "0.500"]
    assert table.splitlines()[3].split() == ["yy", "-"]


def test_paper_variants_differentiate_what_the_paper_did():
    # Table I: the logistic losses' D is a probability, so their penalties
    # differentiate sigmoid(D) (as the paper's code did); a critic's own.
    configs = [
        figures.fig1_config(name, 100, 50) for name in figures.FIG1_VARIANTS
    ] + list(figures.DIGITS_VARIANTS.values())
    penalised = [c for c in configs if c.penalty != "none"]
    assert len(penalised) == 5
    for config in penalised:
        logistic = config.loss in ("non_saturating", "minimax")
        expected = "sigmoid" if logistic else "logit"
        assert config.penalty_output == expected, config


def _run(binary, tmp_path, *flags):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    done = subprocess.run(
        [
            sys.executable,
            str(_ROOT / "bin" / binary),
            f"--workdir={tmp_path}",
            *flags,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _check_png(path):
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) > 200, path


def test_landscape_binary(tmp_path):
    out = _run(
        "landscape.py",
        tmp_path,
        "--variants=ns_adam,wgan_gp",
        "--steps=4",
        "--eval_every=2",
        "--points=3",
        "--num=11",
    )
    assert "WGAN-GP" in out and "local max" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["variant"] for r in results["summary"]] == ["ns_adam", "wgan_gp"]
    assert [r["step"] for r in results["history"]["wgan_gp"]] == [2, 4]
    _check_png(tmp_path / "landscape_summary.png")
    _check_png(tmp_path / "wgan_gp" / "landscape_0000004.png")


def test_forgetting_binary(tmp_path):
    out = _run(
        "forgetting.py",
        tmp_path,
        "--variants=ns_sgd,zero_gp_sgd",
        "--steps=6",
        "--freeze_every=2",
        "--eval_every=2",
        "--max_batches=2",
        "--batch_size=4",
    )
    assert "mean max rise" in out
    results = json.loads((tmp_path / "results.json").read_text())
    run = results["runs"]["zero_gp_sgd"]
    assert run["freeze_steps"] == [2, 4] and run["eval_steps"] == [2, 4, 6]
    assert run["scores"][0][1] is None and run["scores"][2][1] is not None
    _check_png(tmp_path / "forgetting.png")


def test_fig1_binary(tmp_path):
    out = _run(
        "fig1.py",
        tmp_path,
        "--variants=r1",
        "--steps=20",
        "--every=10",
        "--num=5",
    )
    assert "coherence" in out and "R1 lambda 10, SGD" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert [r["variant"] for r in results["runs"]] == ["r1"]
    assert len(results["runs"][0]["consecutive_cosines"]) == 1
    _check_png(tmp_path / "fig1.png")
    _check_png(tmp_path / "r1" / "fields" / "gradient_field_0000020.png")
