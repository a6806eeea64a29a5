"""bin/table3.py, run in this process (tests/helpers/binaries.py; its
start-up checks are in test_binaries.py)."""

import json

import pytest

from helpers.binaries import run_binary


def _run(*args, capture):
    code, out, err = run_binary("table3.py", *args, capture=capture)
    assert code == 0, err[-3000:]
    return out


@pytest.mark.slow
def test_quick_table_runs_records_and_resumes(tmp_path, capsys):
    results = tmp_path / "table3.jsonl"
    # 500 samples (not --quick's 2600): the metrics' cost, not their use.
    flags = ("--quick", "--variants=ns,zero_gp", "--eval_samples=500")
    out = _run(*flags, f"--results={results}", capture=capsys)
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
    again = _run(*flags, f"--results={results}", capture=capsys)
    assert "[1/2]" not in again and len(results.read_text().splitlines()) == 2
    assert "DCGAN-NS" in again


@pytest.mark.slow
def test_penalty_output_is_part_of_a_rows_key_and_explicit_flags_win(
    tmp_path, capsys
):
    """A line written before penalty_output was recorded reads as the
    default (sigmoid): that run is done; --penalty_output=logit is another
    run, trained. --quick with --steps: the explicit steps are run."""
    results = tmp_path / "table3.jsonl"
    old = {
        "variant": "zero_gp",
        "dataset": "stacked_digits",
        "seed": 0,
        "steps": 4,
        "base_filters": 8,
        "modes": 3.0,
        "num_modes": 1000,
        "kl": 5.0,
        "classifier_score": 1.0,
        "frechet_distance": 9.0,
        "wall_time_s": 1.0,
    }
    results.write_text(json.dumps(old) + "\n")
    flags = (
        "--quick",
        "--steps=4",
        "--variants=zero_gp",
        "--eval_samples=100",
        f"--results={results}",
    )
    out = _run(*flags, capture=capsys)
    assert "[1/1]" not in out  # the old line is the sigmoid run
    assert len(results.read_text().splitlines()) == 1
    out = _run(*flags, "--penalty_output=logit", capture=capsys)
    assert "[1/1] zero_gp seed 0" in out
    records = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(records) == 2
    new = records[1]
    assert new["penalty_output"] == "logit"
    assert (new["steps"], new["base_filters"], new["seed"]) == (4, 8, 0)
    # Two rows, one per penalty_output.
    rows = [line for line in out.splitlines() if "DCGAN-0GP" in line]
    assert len(rows) == 2 and sum("(d logit)" in r for r in rows) == 1
