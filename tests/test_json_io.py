"""keras_gans.json_io: atomic writes, defaults for missing files."""

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
