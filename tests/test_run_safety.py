"""Nothing a user owns is lost: export targets, damaged checkpoints,
reruns and extensions of a finished run, divergence, restart.

One short run (``finished``) is trained once per module and copied for
each fault, so most faults cost a restore, not a training run; of the
checks that train again, the fallback resume is in the quick tier (the
quick tier's one resume part-way through a run), the extension against an
uninterrupted run and restart in the slow tier.
"""

import dataclasses
import json
import os
import shutil

import keras
import numpy as np
import pytest

from keras_gans import callbacks, export, networks, train_lib
from keras_gans.config import OptimizerConfig
from keras_gans.experiments.presets import preset

# Constant learning rate: a run extended from 200 to 300 steps is the
# 300-step run. Without XLA: these checks are about the workdir, and the
# default's fused XLA loop costs a compile of several seconds a run (its
# resume is checked in test_train_lib, its maths in test_gan).
CONFIG = preset(
    "ring",
    steps=200,
    batch_size=16,
    log_every=100,
    eval_every=100,
    eval_samples=200,
    steps_per_execution=50,
    lr_schedule="constant",
    hidden_units=(16, 16),
    jit_compile=False,
)


def _weights(config, workdir):
    gan = train_lib.build_gan(config)
    checkpoint = callbacks.Checkpoint(gan, os.path.join(workdir, "checkpoints"))
    step = checkpoint.restore()
    return step, checkpoint.damaged, [w.numpy() for w in gan.weights]


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished 200-step run (checkpoints at 100 and 200)."""
    workdir = tmp_path_factory.mktemp("finished") / "run"
    result = train_lib.run(CONFIG, workdir, verbose=0)
    return workdir, result


def _copy(finished, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(finished[0], workdir)
    return workdir


# --------------------------------------------------------------- export


def test_export_refuses_a_target_with_user_files(tmp_path):
    generator, _ = networks.toy_mlp()
    target = tmp_path / "target"
    export.export_generator(generator, 2, target)
    (target / "NOTES.txt").write_text("mine")
    with pytest.raises(export.ExportTargetError, match="NOTES.txt"):
        export.export_generator(generator, 2, target)
    assert (target / "NOTES.txt").read_text() == "mine"
    assert (target / "saved_model.pb").is_file()


def test_export_replaces_an_earlier_export_atomically(tmp_path):
    generator, _ = networks.toy_mlp()
    target = tmp_path / "target"
    export.export_generator(generator, 2, target)
    first = (target / "saved_model.pb").stat().st_mtime_ns
    export.export_generator(generator, 2, target)
    assert (target / "saved_model.pb").stat().st_mtime_ns >= first
    # No staging or old copies left beside the target.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]
    copy = export.copy_export(target, tmp_path / "copy")
    assert os.path.isfile(os.path.join(copy, "saved_model.pb"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "target"]


def test_export_target_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(export.ExportTargetError, match="is a file"):
        export.check_target(path)


def test_export_dir_and_workdir(tmp_path):
    workdir = tmp_path / "w"
    own = train_lib.check_export_dir(workdir / "saved_model", str(workdir))
    assert own is None  # the run's own export: written once
    with pytest.raises(export.ExportTargetError, match="contains the workdir"):
        train_lib.check_export_dir(tmp_path, str(workdir))
    with pytest.raises(export.ExportTargetError, match="inside the workdir"):
        train_lib.check_export_dir(workdir / "checkpoints", str(workdir))


def test_export_dir_is_rewritten_on_rerun(finished, tmp_path):
    workdir = _copy(finished, tmp_path)
    export_dir = tmp_path / "export"
    result = train_lib.run(CONFIG, workdir, export_dir=export_dir, verbose=0)
    assert result["export_dir"] == str(export_dir)
    assert (export_dir / "saved_model.pb").is_file()
    # The workdir's own export as --export_dir: fine on a rerun (it used to
    # delete the run's model, then fail on every rerun).
    result = train_lib.run(
        CONFIG, workdir, export_dir=workdir / "saved_model", verbose=0
    )
    assert (workdir / "saved_model" / "saved_model.pb").is_file()


# ---------------------------------------------------------- checkpoints


def _break(workdir, how):
    ckpt = workdir / "checkpoints"
    data = next(ckpt.glob("ckpt-200.data-*"))
    if how == "truncated_data":
        data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    elif how == "empty_data":
        data.write_bytes(b"")
    elif how == "empty_index":
        (ckpt / "ckpt-200.index").write_bytes(b"")
    elif how == "missing_index":
        (ckpt / "ckpt-200.index").unlink()
    elif how == "missing_state":
        (ckpt / "checkpoint").unlink()


@pytest.mark.parametrize(
    "how,step,damaged",
    [
        ("truncated_data", 100, "ckpt-200.index / ckpt-200.data-"),
        ("empty_data", 100, "ckpt-200.data-00000-of-00001 is empty"),
        ("empty_index", 100, "ckpt-200.index is empty"),
        ("missing_index", 100, "ckpt-200.index is missing"),
        ("missing_state", 200, None),  # the files are found without it
    ],
)
def test_damaged_newest_checkpoint_falls_back(
    finished, tmp_path, how, step, damaged
):
    workdir = _copy(finished, tmp_path)
    _break(workdir, how)
    restored, reported, _ = _weights(CONFIG, workdir)
    assert restored == step  # never 0 while checkpoint files exist
    if damaged:
        assert reported and damaged in reported[0][1], reported
        assert reported[0][0].endswith("ckpt-200")


def test_fallback_run_trains_on_to_the_same_state(finished, tmp_path):
    """In the quick tier: the one quick run that resumes a run part-way
    (from step 100 of 200), so a resume that restarted from epoch 0 fails
    here too."""
    workdir = _copy(finished, tmp_path)
    _break(workdir, "truncated_data")
    result = train_lib.run(CONFIG, workdir, verbose=0)
    assert result["resumed_from_step"] == 100
    assert result["steps_trained_this_run"] == 100
    assert result["total_steps"] == 200
    assert [r["step"] for r in result["history"]] == [100, 200]
    _, _, reference = _weights(CONFIG, finished[0])
    _, _, resumed = _weights(CONFIG, workdir)
    for a, b in zip(reference, resumed):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_no_readable_checkpoint_is_an_error_not_a_restart(
    finished, tmp_path
):
    workdir = _copy(finished, tmp_path)
    for index in (workdir / "checkpoints").glob("*.index"):
        index.write_bytes(b"")
    before = json.loads((workdir / "metrics.json").read_text())
    with pytest.raises(callbacks.checkpoint.CheckpointError, match="empty"):
        train_lib.run(CONFIG, workdir, verbose=0)
    assert json.loads((workdir / "metrics.json").read_text()) == before


# ------------------------------------------------ rerun and extension


def test_rerun_of_a_finished_run_keeps_its_metrics(finished, tmp_path):
    workdir = _copy(finished, tmp_path)
    first = finished[1]
    again = train_lib.run(CONFIG, workdir, verbose=0)
    assert again["steps_trained_this_run"] == 0
    assert again["total_steps"] == 200
    assert again["losses"] == first["losses"] and again["losses"]
    assert again["wall_time_s"] >= first["wall_time_s"] > 1.0
    assert again["final"] == first["final"]
    assert again["history"] == first["history"]
    # Also after a kill between the last checkpoint and metrics.json.
    (workdir / "metrics.json").unlink()
    again = train_lib.run(CONFIG, workdir, verbose=0)
    assert again["losses"] == first["losses"]
    assert again["wall_time_s"] >= first["wall_time_s"]


@pytest.mark.slow
def test_larger_steps_trains_on_to_the_longer_run(finished, tmp_path):
    workdir = _copy(finished, tmp_path)
    longer = dataclasses.replace(CONFIG, steps=300, eval_every=100)
    extended = train_lib.run(longer, workdir, verbose=0)
    assert extended["resumed_from_step"] == 200
    assert extended["steps_trained_this_run"] == 100
    assert extended["total_steps"] == 300
    assert extended["wall_time_s"] > finished[1]["wall_time_s"]
    assert json.loads((workdir / "config.json").read_text())["steps"] == 300
    reference = train_lib.run(longer, tmp_path / "reference", verbose=0)
    assert extended["history"] == reference["history"]
    _, _, a = _weights(longer, workdir)
    _, _, b = _weights(longer, tmp_path / "reference")
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="below the 300 steps"):
        train_lib.run(CONFIG, workdir, verbose=0)


@pytest.mark.slow
def test_other_change_is_refused_and_restart_moves_aside(finished, tmp_path):
    workdir = _copy(finished, tmp_path)
    other = dataclasses.replace(
        CONFIG, seed=1, d_optimizer=OptimizerConfig(learning_rate=2e-3)
    )
    with pytest.raises(
        train_lib.WorkdirConflictError,
        match=r"changed: d_optimizer.learning_rate, seed",
    ):
        train_lib.run(other, workdir, verbose=0)
    before = sorted(p.name for p in workdir.iterdir())
    result = train_lib.run(
        dataclasses.replace(other, steps=100), workdir, restart=True,
        verbose=0,
    )
    assert result["total_steps"] == 100
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("run.")]
    assert len(aside) == 1
    assert sorted(p.name for p in aside[0].iterdir()) == before
    assert json.loads((workdir / "config.json").read_text())["seed"] == 1


# ------------------------------------------------------------ divergence


class _Poison(keras.callbacks.Callback):
    """Turns D's weights to NaN at the first batch after ``step``."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_begin(self, batch, logs=None):
        if int(self.model.g_optimizer.iterations.numpy()) >= self.step:
            for w in self.model.discriminator.weights:
                w.assign(w * np.nan)
            self.step = float("inf")


def test_diverged_run_keeps_last_good_checkpoint_and_exports_nothing(
    finished, tmp_path
):
    workdir = _copy(finished, tmp_path)
    shutil.rmtree(workdir / "saved_model")
    export_dir = tmp_path / "export"
    # Extended to 400 steps, D's weights turn NaN after step 200: the last
    # good checkpoint is 200's.
    result = train_lib.run(
        dataclasses.replace(CONFIG, steps=400),
        workdir,
        export_dir=export_dir,
        verbose=0,
        callbacks=[_Poison(200)],
    )
    final = result["final"]
    assert final["diverged"] is True
    assert 200 < final["step"] <= 300 and final["last_good_step"] == 200
    assert result["export_dir"] is None
    assert not export_dir.exists() and not (workdir / "saved_model").exists()
    indexes = sorted(p.name for p in (workdir / "checkpoints").glob("*.index"))
    assert indexes == ["ckpt-100.index", "ckpt-200.index"]
    saved = json.loads((workdir / "metrics.json").read_text())
    assert saved["final"]["diverged"] is True
    assert saved["total_steps"] == final["step"]


# ------------------------------------------------------- compile's checks


@pytest.mark.parametrize(
    "options,message",
    [
        ({"d_lr": float("nan")}, "d_optimizer's learning rate must be finite"),
        ({"g_lr": float("inf")}, "g_optimizer's learning rate must be finite"),
        ({"penalty_weight": float("inf")}, "penalty_weight must be finite"),
        ({"real_weight": float("nan")}, "real_weight must be finite"),
    ],
)
def test_compile_refuses_nan_and_inf(options, message):
    from keras_gans import GAN

    generator, discriminator = networks.toy_mlp()
    gan = GAN(generator, discriminator, 2)
    d_lr, g_lr = options.pop("d_lr", 1e-3), options.pop("g_lr", 1e-3)
    with pytest.raises(ValueError, match=message):
        gan.compile(
            d_optimizer=keras.optimizers.Adam(d_lr),
            g_optimizer=keras.optimizers.Adam(g_lr),
            jit_compile=False,
            **options,
        )


def test_deleted_checkpoints_of_a_finished_run_are_an_error(
    finished, tmp_path
):
    workdir = _copy(finished, tmp_path)
    shutil.rmtree(workdir / "checkpoints")
    before = json.loads((workdir / "metrics.json").read_text())
    with pytest.raises(
        callbacks.checkpoint.CheckpointError,
        match="progress.json records 200 steps.*holds no checkpoint",
    ):
        train_lib.run(CONFIG, workdir, verbose=0)
    assert json.loads((workdir / "metrics.json").read_text()) == before
    assert not (workdir / "checkpoints").exists()


def test_watchdog_run_that_diverges_stops_with_a_finite_last_checkpoint(
    tmp_path,
):
    """The divergence guard stays on under the watchdog: NaN at step 100
    stops the run; no checkpoint holds NaN; nothing is exported."""
    config = dataclasses.replace(CONFIG, watchdog=True, steps=300)
    workdir = tmp_path / "run"
    result = train_lib.run(
        config, workdir, verbose=0, callbacks=[_Poison(100)]
    )
    final = result["final"]
    assert final["diverged"] is True and final["last_good_step"] == 100
    assert 100 < final["step"] <= 200
    assert result["export_dir"] is None
    assert not (workdir / "saved_model").exists()
    indexes = sorted(p.name for p in (workdir / "checkpoints").glob("*.index"))
    assert indexes == ["ckpt-100.index"]
    step, _, weights = _weights(config, workdir)
    assert step == 100 and all(np.all(np.isfinite(w)) for w in weights)
    progress = json.loads((workdir / "progress.json").read_text())
    assert progress["step"] == 100


def test_early_stopped_run_is_checkpointed_and_its_rerun_trains_nothing(
    tmp_path,
):
    """--keep_best with patience 1 on a GAN whose rates are ~0: evaluation
    200 does not improve on 100, so training stops at 200. That step is
    checkpointed, and the same command again trains nothing and keeps the
    losses."""
    still = OptimizerConfig(name="adam", learning_rate=1e-30)
    config = dataclasses.replace(
        CONFIG,
        steps=400,
        keep_best="reverse_kl",
        early_stopping_patience=1,
        d_optimizer=still,
        g_optimizer=still,
    )
    workdir = tmp_path / "run"
    first = train_lib.run(config, workdir, verbose=0)
    assert first["total_steps"] == 200
    indexes = sorted(p.name for p in (workdir / "checkpoints").glob("*.index"))
    assert indexes == ["ckpt-100.index", "ckpt-200.index"]
    progress = json.loads((workdir / "progress.json").read_text())
    assert progress["step"] == 200 and progress["stopped_early"] is True
    again = train_lib.run(config, workdir, verbose=0)
    assert again["steps_trained_this_run"] == 0
    assert again["total_steps"] == 200
    assert again["losses"] == first["losses"] and again["losses"]
    assert again["final"] == first["final"]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("config.json", "{not json", r"config.json.*line 1"),
        ("progress.json", "[1]", "progress.json is not a progress record"),
    ],
)
def test_damaged_run_files_are_named(
    finished, tmp_path, name, content, message
):
    from keras_gans import json_io

    workdir = _copy(finished, tmp_path)
    (workdir / name).write_text(content)
    with pytest.raises(json_io.DamagedFileError, match=message):
        train_lib.run(CONFIG, workdir, verbose=0)
