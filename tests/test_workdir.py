"""keras_gans.workdir: the checks a run's directory makes before anything
is written, and the renaming of an old run on restart (the whole run's
resume, fallback and export behaviour is tested through ``train_lib.run``
in test_run_safety.py and test_train_lib.py)."""

import dataclasses
import json
import os

import pytest

from keras_gans import json_io, workdir
from keras_gans.experiments.presets import preset

CONFIG = preset("ring", steps=200, log_every=100, eval_every=100)


def _listing(root):
    return sorted(
        os.path.relpath(os.path.join(d, f), root)
        for d, _, files in os.walk(root)
        for f in files
    )


def test_a_file_is_refused_as_workdir(tmp_path):
    path = tmp_path / "run"
    path.write_text("mine")
    with pytest.raises(NotADirectoryError):
        workdir.Workdir(path, CONFIG)
    assert path.read_text() == "mine"


def test_another_run_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    json_io.write_json(path / "config.json", CONFIG.to_dict(), indent=2)
    before = _listing(path), (path / "config.json").read_text()
    other = dataclasses.replace(CONFIG, penalty_weight=3.0, seed=5)
    with pytest.raises(workdir.WorkdirConflictError) as error:
        workdir.Workdir(path, other)
    assert set(error.value.fields) == {"penalty_weight", "seed"}
    assert "penalty_weight" in str(error.value)
    assert (_listing(path), (path / "config.json").read_text()) == before


def test_same_run_longer_is_accepted_and_restart_skips_the_check(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    json_io.write_json(path / "config.json", CONFIG.to_dict(), indent=2)
    longer = dataclasses.replace(CONFIG, steps=400)
    assert workdir.Workdir(path, longer).path == os.fspath(path)
    other = dataclasses.replace(CONFIG, seed=5)
    workdir.Workdir(path, other, restart=True)  # checked by moving aside


def test_restart_moves_the_old_run_aside_and_keeps_its_files(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    (path / "notes.txt").write_text("keep me")
    where = workdir.Workdir(path, CONFIG, restart=True)
    where.move_old_run_aside(verbose=0)
    assert not path.exists()
    (moved,) = [p for p in tmp_path.iterdir() if p.name.startswith("run.")]
    assert (moved / "notes.txt").read_text() == "keep me"


def test_restart_of_an_empty_or_absent_workdir_moves_nothing(tmp_path):
    path = tmp_path / "run"
    workdir.Workdir(path, CONFIG, restart=True).move_old_run_aside(0)
    path.mkdir()
    workdir.Workdir(path, CONFIG, restart=True).move_old_run_aside(0)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_a_worker_that_is_not_the_chief_writes_to_a_scratch_directory(
    tmp_path,
):
    path = tmp_path / "run"
    where = workdir.Workdir(
        path, CONFIG, export_dir=tmp_path / "export", chief=False
    )
    assert os.path.commonpath([where.path, os.fspath(tmp_path)]) != (
        os.fspath(tmp_path)
    )
    assert where.export_dir is None
    # The checkpoints are still the chief's: workers restore from them.
    assert where.checkpoint_dir == os.path.join(path, "checkpoints")
    os.rmdir(where.path)


def test_damaged_config_is_named(tmp_path):
    path = tmp_path / "run"
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"no_such_field": 1}))
    with pytest.raises(ValueError, match="config.json is damaged"):
        workdir.Workdir(path, CONFIG)
