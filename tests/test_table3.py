"""bin/table3.py (run as a subprocess: it shares flag names with train)."""

import pytest
import json
import os
import pathlib
import subprocess
import sys

BINARY = pathlib.Path(__file__).resolve().parents[1] / "bin" / "table3.py"


def _run(*args):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, str(BINARY), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_quick_table_runs_records_and_resumes(tmp_path):
    results = tmp_path / "table3.jsonl"
    # 500 samples (not --quick's 2600): the metrics' cost, not their use.
    flags = ("--quick", "--variants=ns,zero_gp", "--eval_samples=500")
    out = _run(*flags, f"--results={results}")
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert [(r["variant"], r["seed"]) for r in records] == [
        ("ns", 0),
        ("zero_gp", 0),
    ]
    for r in records:
        assert r["steps"] == 200 and r["base_filters"] == 8
        assert r["num_modes"] == 1000 and 1 <= r["modes"] <= 1000
        assert {"kl", "classifier_score", "frechet_distance"} <= set(r)
    assert "modes /1000" in out and "DCGAN-0GP, lambda=100" in out
    # Done runs are skipped: the second call trains nothing.
    again = _run(*flags, f"--results={results}")
    assert "[1/2]" not in again and len(results.read_text().splitlines()) == 2
    assert "DCGAN-NS" in again
