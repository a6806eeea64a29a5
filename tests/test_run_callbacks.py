"""keras-gans-train's --watchdog, --keep_best and --early_stopping_patience:
config checks, CLI errors and a short real run."""

import dataclasses
import json

import numpy as np
import pytest

from keras_gans import data, export, metrics, rng, train_lib
from keras_gans.config import OptimizerConfig, TrainConfig

SMALL = TrainConfig(
    steps=400,
    batch_size=64,
    log_every=100,
    eval_every=100,
    eval_samples=500,
    steps_per_execution=10,
    penalty="none",
    lr_schedule="constant",
    d_optimizer=OptimizerConfig(name="adam", learning_rate=1e-3),
    g_optimizer=OptimizerConfig(name="adam", learning_rate=1e-3),
    jit_compile=False,
)


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"keep_best": "kid"}, "keep_best='kid'.*logs no such score.*modes"),
        (
            {"keep_best": "val_fid", "dataset": "digits"},
            "frechet_distance",
        ),
        ({"early_stopping_patience": 2}, "needs keep_best"),
        ({"watchdog": True, "dataset": "mnist"}, "watchdog has no collapse"),
        ({"watchdog_lr_factor": 0.0}, "watchdog_lr_factor must be in"),
        ({"watchdog_max_retries": -1}, "watchdog_max_retries must be"),
    ],
)
def test_bad_combinations_name_the_field(fields, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**fields).validate()
    TrainConfig(
        keep_best="val_reverse_kl", early_stopping_patience=3, watchdog=True
    ).validate()


@pytest.mark.slow
def test_run_with_watchdog_and_keep_best(tmp_path):
    config = dataclasses.replace(SMALL, watchdog=True, keep_best="reverse_kl")
    workdir = tmp_path / "run"
    result = train_lib.run(config, workdir, verbose=0)
    history = [r["reverse_kl"] for r in result["history"]]
    best = json.loads((workdir / "best" / "best.json").read_text())
    assert best["best"]["value"] == min(history)
    assert result["best"] == best["best"]
    assert (workdir / "best" / "saved_model" / "saved_model.pb").is_file()
    assert list((workdir / "best" / "checkpoint").glob("best-*.index"))
    # The best export is the generator of the best step: its samples from
    # the evaluation's latents score the best value.
    # The evaluation's latents: the seed's "eval" stream.
    latents = rng.normal(
        [config.eval_samples, 2], rng.stream_int(config.seed, "eval")
    )
    samples = export.load_generator(workdir / "best" / "saved_model")(latents)
    coverage = metrics.mode_coverage(np.asarray(samples), data.mixture("ring"))
    assert coverage.reverse_kl == pytest.approx(best["best"]["value"], 1e-4)
    assert (workdir / "watchdog").is_dir()
    assert isinstance(result["watchdog_events"], list)


def test_missing_inception_graph_says_how_to_get_it(tmp_path):
    config = TrainConfig(
        dataset="mnist", inception_graph=str(tmp_path / "none.pb")
    )
    with pytest.raises(FileNotFoundError, match="inception-2015-12-05.tgz"):
        train_lib.image_evaluator(config)


@pytest.mark.slow
def test_cli_error_is_one_message_and_a_failing_exit_code(tmp_path, capfd):
    # The binary in this process (helpers/binaries.py).
    from helpers.binaries import run_binary

    code, _, err = run_binary(
        "train.py", "--keep_best=kid", capture=capfd, cwd=tmp_path
    )
    assert code != 0
    assert "Traceback" not in err
    assert "keep_best='kid'" in err
