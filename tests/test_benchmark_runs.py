"""benchmarks/jsonl_runs.py: the resumable JSON-lines runs every training
benchmark shares (train_lib.run replaced by a recorder: the bookkeeping,
not the training, is under test)."""

import json
import pathlib
import sys

import pytest
from absl import app

_BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(_BENCHMARKS))

import jsonl_runs  # noqa: E402

from keras_gans import train_lib  # noqa: E402


@pytest.fixture
def trained(monkeypatch):
    """The configs train_lib.run was called with, in order; each "run"
    returns final metrics naming its config."""
    calls = []

    def fake_run(config, workdir, verbose=1):
        calls.append((config, workdir))
        return {"final": {"trained": config}, "wall_time_s": 1.5}

    monkeypatch.setattr(train_lib, "run", fake_run)
    return calls


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_runs_only_the_missing_jobs_and_appends_them(tmp_path, trained, capsys):
    results = tmp_path / "r.jsonl"
    results.write_text(json.dumps({"seed": 0, "units": [4, 4], "x": 1}) + "\n")
    jobs = [(dict(seed=s, units=[4, 4]), f"config{s}") for s in range(3)]
    jsonl_runs.run_missing(jobs, str(results), lambda r: f"seed {r['seed']}")
    assert [c for c, _ in trained] == ["config1", "config2"]
    lines = _lines(results)
    assert [r["seed"] for r in lines] == [0, 1, 2]
    assert lines[2]["trained"] == "config2" and lines[2]["units"] == [4, 4]
    assert lines[2]["wall_time_s"] >= 0
    assert "[3/3] seed 2" in capsys.readouterr().out
    # A second call finds everything done.
    jsonl_runs.run_missing(jobs, str(results), str)
    assert len(trained) == 2 and len(_lines(results)) == 3


def test_record_and_key_of_shape_lines(tmp_path, trained):
    results = tmp_path / "r.jsonl"
    # An older line without the "rule" field counts as rule "a".
    results.write_text(json.dumps({"seed": 0}) + "\n")
    jobs = [(dict(seed=0, rule=r), r) for r in ("a", "b")]
    jsonl_runs.run_missing(
        jobs,
        str(results),
        str,
        record=lambda key, result, seconds: {
            **key, "wall": result["wall_time_s"]
        },
        key_of=lambda line: (line["seed"], line.get("rule", "a")),
    )
    assert [c for c, _ in trained] == ["b"]
    assert _lines(results)[1] == {"seed": 0, "rule": "b", "wall": 1.5}


def test_check_names_is_one_usage_error():
    jsonl_runs.check_names("variants", ["a"], ["a", "b"])
    with pytest.raises(app.UsageError, match=r"--variants: unknown \['z'\]"):
        jsonl_runs.check_names("variants", ["a", "z"], ["a", "b"])


# Checks of benchmarks/remedies.py, each run in one fresh interpreter
# (remedies_checks): the script defines absl flags (--steps, ...) that the
# library's flag table in this process already holds.
_REMEDIES_CHECKS = {
    # A sweep point whose settings equal an earlier one's is that row
    # (momentum 0.5 on an Adam baseline with beta_1 = 0.5 is the
    # baseline) and is not run again.
    "no_row_twice": """
        alias = remedies.alias
        assert alias("grid_adam", "momentum", {"momentum": 0.5}) == (
            "none", {})
        assert alias("stacked_dcgan", "momentum", {"momentum": 0.5}) == (
            "none", {})
        for baseline, point in (
            ("grid_adam", {"momentum": 0.9}),
            ("ring_sgd", {"momentum": 0.5}),  # SGD: momentum changes it
        ):
            assert alias(baseline, "momentum", point) == ("momentum", point)
    """,
    "valid_rows": """
        for baseline in remedies.BASELINES:
            declared = remedies._declared(baseline)
            names = {name for name, _ in declared}
            toy = baseline != "stacked_dcgan"
            # Rotation and consistency need images; the rest apply
            # everywhere.
            assert ("rotation" in names) == (not toy), baseline
            assert ("consistency" in names) == (not toy), baseline
            assert {"relativistic", "lecam", "pack"} <= names
            for _, point in declared:
                remedies.config_for(baseline, point, 0, 1000).validate()
    """,
    # A packing D's run records its scores and no landscape (one point's
    # landscape is not defined for a D that scores packs); the study's
    # first PacGAN run failed on it.
    "packed_run": """
        import math
        record = remedies.train_one(
            "ring_adam", "pack", {"pack": 2}, 0, "tune", 100)
        assert record["landscape_local_max"] is None
        assert "packing" in record["landscape_unit"]
        assert math.isfinite(record["forgetting_auc_max_drop"])
        assert record["modes"] is not None
    """,
    # A remedy with a fixed weight on a baseline (FIXED: the grid's
    # positive controls) has no tuning runs there; elsewhere it is swept.
    "fixed_not_tuned": """
        remedies.FLAGS(["remedies", "--phase=tune",
                        "--baselines=grid_adam,ring_adam"])
        runs = remedies.plan([])
        tuned = {(b, v) for b, v, _, _, _ in runs}
        for control in ("r1", "zero_gp"):
            assert ("grid_adam", control) not in tuned, control
            assert ("ring_adam", control) in tuned, control
        assert ("grid_adam", "replay") in tuned
        remedies.FLAGS.unparse_flags()
    """,
}


@pytest.fixture(scope="module")
def remedies_checks():
    """Each of _REMEDIES_CHECKS run in one fresh interpreter: name -> None
    when it passed, else its traceback."""
    import os
    import subprocess
    import textwrap

    lines = ["import json, traceback", "import remedies", "results = {}"]
    for name, check in _REMEDIES_CHECKS.items():
        lines += ["try:", textwrap.indent(textwrap.dedent(check), "    "),
                  f"    results[{name!r}] = None",
                  "except Exception:",
                  f"    results[{name!r}] = traceback.format_exc()"]
    lines.append("print(json.dumps(results))")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(_BENCHMARKS)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)], capture_output=True,
        text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_remedies_study_runs_no_row_twice(remedies_checks):
    """benchmarks/remedies.py: a sweep point whose settings equal an
    earlier one's is that row and is not run again."""
    assert remedies_checks["no_row_twice"] is None, remedies_checks[
        "no_row_twice"]


def test_every_remedies_row_is_a_valid_run_where_it_applies(remedies_checks):
    assert remedies_checks["valid_rows"] is None, remedies_checks[
        "valid_rows"]


def test_a_packed_remedies_run_records_no_landscape(remedies_checks):
    assert remedies_checks["packed_run"] is None, remedies_checks[
        "packed_run"]


def test_fixed_remedies_are_not_tuned(remedies_checks):
    assert remedies_checks["fixed_not_tuned"] is None, remedies_checks[
        "fixed_not_tuned"]
