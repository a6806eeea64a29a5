"""The paper's figure experiments: digits runs, resume, and the binaries."""

import json

import matplotlib.image
import numpy as np
import pytest

from helpers.binaries import run_binary
from keras_gans import callbacks
from keras_gans.experiments import figures, presets


@pytest.mark.slow
def test_run_digits_resumes_trains_on_and_refuses_other_settings(tmp_path):
    cb = callbacks.ForgettingCallback(2, 2, batch_size=4, max_batches=3)
    result = figures.run_digits(
        "ns_adam", tmp_path, 4, 2, [cb], batch_size=8, verbose=0
    )
    assert result["final"]["step"] == 4
    again = callbacks.ForgettingCallback(2, 2, batch_size=4, max_batches=3)
    # Same settings: nothing left to train, the state comes back from the
    # run's checkpoint (train_lib collects every callback's state).
    result = figures.run_digits(
        "ns_adam", tmp_path, 4, 2, [again], batch_size=8, verbose=0
    )
    assert result["steps_trained_this_run"] == 0
    assert again.state.freeze_steps.numpy().tolist() == [2, 4, -1]
    np.testing.assert_array_equal(again.frozen_fakes(), cb.frozen_fakes())
    # More steps: trains on.
    more = callbacks.ForgettingCallback(2, 2, batch_size=4, max_batches=3)
    result = figures.run_digits(
        "ns_adam", tmp_path, 6, 2, [more], batch_size=8, verbose=0
    )
    assert result["steps_trained_this_run"] == 2
    assert more.state.freeze_steps.numpy().tolist() == [2, 4, 6]
    with pytest.raises(ValueError, match="changed: batch_size"):
        figures.run_digits("ns_adam", tmp_path, 6, 2, batch_size=16)
    with pytest.raises(ValueError, match="Unknown digits variant"):
        figures.run_digits("ns_rmsprop", tmp_path / "x", 4, 2)


def test_digits_variants_are_the_papers_mlp():
    config = figures.digits_config("wgan_gp", steps=100, log_every=50)
    assert config.network == "mlp" and config.hidden_units == (512,) * 3
    assert config.latent_dim == 50 and config.n_critic == 5
    assert figures.digits_points(3).shape == (3, 8, 8, 1)


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
        presets.preset(f"{family}/{name}")
        for family in ("fig1", "digits")
        for name in presets.variants(family)
    ]
    penalised = [c for c in configs if c.penalty != "none"]
    assert len(penalised) == 5
    for config in penalised:
        logistic = config.loss in ("non_saturating", "minimax")
        expected = "sigmoid" if logistic else "logit"
        assert config.penalty_output == expected, config


def _run(binary, tmp_path, capsys, *flags):
    """The binary in this process (helpers/binaries.py): its stdout."""
    code, out, err = run_binary(
        binary, f"--workdir={tmp_path}", *flags, capture=capsys
    )
    assert code == 0, err[-3000:]
    return out


def _check_png(path):
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and min(image.shape[:2]) > 200, path


# The binary tests pass --quick with explicit sizes: the explicit flags win
# (--quick alone would train thousands of steps).


@pytest.mark.slow
def test_landscape_binary(tmp_path, capsys):
    out = _run(
        "landscape.py",
        tmp_path,
        capsys,
        "--quick",
        "--variants=ns_adam,wgan_gp",
        "--steps=4",
        "--eval_every=2",
        "--points=3",
        "--num=11",
    )
    assert "WGAN-GP" in out and "local max" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert (results["steps"], results["eval_every"]) == (4, 2)
    assert [r["variant"] for r in results["summary"]] == ["ns_adam", "wgan_gp"]
    assert [r["step"] for r in results["history"]["wgan_gp"]] == [2, 4]
    _check_png(tmp_path / "landscape_summary.png")
    _check_png(tmp_path / "wgan_gp" / "landscape_0000004.png")


@pytest.mark.slow
def test_forgetting_binary(tmp_path, capsys):
    out = _run(
        "forgetting.py",
        tmp_path,
        capsys,
        "--quick",
        "--variants=zero_gp_sgd",
        "--steps=6",
        "--freeze_every=2",
        "--eval_every=2",
        "--max_batches=2",
        "--batch_size=4",
    )
    assert "mean max rise" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert (
        results["steps"],
        results["freeze_every"],
        results["eval_every"],
    ) == (6, 2, 2)
    assert list(results["runs"]) == ["zero_gp_sgd"]
    run = results["runs"]["zero_gp_sgd"]
    assert run["freeze_steps"] == [2, 4] and run["eval_steps"] == [2, 4, 6]
    assert run["scores"][0][1] is None and run["scores"][2][1] is not None
    _check_png(tmp_path / "forgetting.png")


@pytest.mark.slow
def test_fig1_binary(tmp_path, capsys):
    out = _run(
        "fig1.py",
        tmp_path,
        capsys,
        "--quick",
        "--variants=r1",
        "--steps=20",
        "--every=10",
        "--num=5",
    )
    assert "coherence" in out and "R1 lambda 10, SGD" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert (results["steps"], results["every"]) == (20, 10)
    assert [r["variant"] for r in results["runs"]] == ["r1"]
    assert len(results["runs"][0]["consecutive_cosines"]) == 1
    _check_png(tmp_path / "fig1.png")
    _check_png(tmp_path / "r1" / "fields" / "gradient_field_0000020.png")
