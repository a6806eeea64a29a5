"""keras_gans.json_io: atomic writes, defaults for missing files, damaged
files named."""

import os

import pytest

from keras_gans import json_io


def test_write_then_read_creates_parent_and_leaves_no_temp(tmp_path):
    path = tmp_path / "new" / "history.json"
    assert json_io.write_json(path, [{"step": 1}], indent=2) == str(path)
    assert json_io.read_json(path) == [{"step": 1}]
    assert sorted(p.name for p in path.parent.iterdir()) == ["history.json"]
    assert path.read_text().startswith("[\n  {")  # indent is honoured


def test_missing_files_give_the_default(tmp_path):
    assert json_io.read_json(tmp_path / "none.json", []) == []
    assert json_io.read_json(None, {"a": 1}) == {"a": 1}
    assert json_io.read_json_lines(tmp_path / "none.jsonl") == []


def test_json_lines_skip_blank_lines(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"seed": 0}\n\n{"seed": 1}\n')
    assert json_io.read_json_lines(path) == [{"seed": 0}, {"seed": 1}]


def test_a_damaged_file_is_named_with_its_line_and_what_to_do(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text('{"step": 4,\n')
    with pytest.raises(json_io.DamagedFileError) as info:
        json_io.read_json(path)
    message = str(info.value)
    assert str(path) in message and "line 2" in message
    assert "move it aside" in message
    # An OSError (exit status 4 in the binaries), and a ValueError for the
    # callers that catch parse errors.
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, ValueError)
    path.write_bytes(b"\xff\xfe garbage")
    with pytest.raises(json_io.DamagedFileError, match="progress.json"):
        json_io.read_json(path)


def test_a_damaged_json_lines_file_names_the_line(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"seed": 0}\n\n{"seed": 1}\n{"seed": 2, "mo\n')
    with pytest.raises(
        json_io.DamagedFileError, match=r"results.jsonl is damaged \(line 4"
    ) as info:
        json_io.read_json_lines(path)
    assert "remove that line" in str(info.value)


def test_callers_report_a_damaged_file_by_name(tmp_path):
    from keras_gans import callbacks, data

    path = tmp_path / "mode_coverage.json"
    path.write_text('[{"step": 4,')
    with pytest.raises(json_io.DamagedFileError, match="mode_coverage.json"):
        callbacks.ModeCoverageCallback(
            data.mixture("ring"), 2, json_path=path
        )


def test_the_staging_file_never_collides_with_a_users_file(tmp_path):
    """Staged under a unique name: a user's ``x.json.tmp`` survives."""
    mine = tmp_path / "x.json.tmp"
    mine.write_text("mine")
    json_io.write_json(tmp_path / "x.json", {"a": 1})
    assert mine.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "x.json",
        "x.json.tmp",
    ]
    staged = json_io.staging_path(tmp_path / "y.npz", ".npz")
    assert staged.endswith(".npz") and os.path.dirname(staged) == str(tmp_path)
    assert staged != json_io.staging_path(tmp_path / "y.npz", ".npz")
