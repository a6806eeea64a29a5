"""The vanishing-gradient demo: Dirac curves against the analytic ones, the
ring measurement, the binary's files and its bad-flag line."""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from helpers.binaries import run_binary
from keras_gans.diagnostics import vanishing

_ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_dirac_curves_match_the_analytic_ones():
    p = np.concatenate([np.geomspace(1e-3, 0.5, 20), [0.7, 0.9, 0.99]])
    curves = vanishing.dirac_curves(p)
    # Minimax: |dL_G/dd| = sigmoid(d) = D(G(z)); NS: 1 - D(G(z)).
    np.testing.assert_allclose(curves["minimax"], p, atol=1e-5)
    np.testing.assert_allclose(curves["non_saturating"], 1 - p, atol=1e-5)


def test_dirac_ratio_table_is_one_minus_p_over_p():
    table = vanishing.ratio_table(vanishing.dirac_curves(vanishing.LEVELS))
    ratios = [row["ratio"] for row in table]
    np.testing.assert_allclose(ratios, [99.0, 9.0, 1.0], rtol=1e-3)


def test_ring_minimax_gradient_vanishes_relative_to_ns():
    config = vanishing.VanishingConfig(
        ring_steps=150, record_every=10, batch_size=128
    )
    curves = vanishing.ring_curves(config)
    assert curves["p"][0] > 0.3 and curves["p"][-1] < 0.1
    ratio = curves["non_saturating"] / curves["minimax"]
    # As D grows confident, NS keeps a larger gradient than minimax.
    assert ratio[-1] > 3.0 and ratio[-1] > 2 * ratio[0]


def test_bad_settings_name_the_setting():
    with pytest.raises(ValueError, match="points"):
        vanishing.VanishingConfig(points=1).validate()
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        vanishing.dirac_curves([0.0, 0.5])


def _run(*flags, cwd):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = str(_ROOT)
    return subprocess.run(
        [sys.executable, str(_ROOT / "bin" / "vanishing.py"), *flags],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


@pytest.mark.slow
def test_binary_writes_its_files(tmp_path, capsys):
    # In this process (helpers/binaries.py): no start-up to pay.
    code, out, err = run_binary(
        "vanishing.py", "--outdir=out", "--ring_steps=20", "--points=9",
        capture=capsys, cwd=tmp_path,
    )
    assert code == 0, err[-2000:]
    assert (tmp_path / "out" / "vanishing.png").stat().st_size > 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert [r["level"] for r in results["tables"]["dirac"]] == [0.01, 0.1, 0.5]
    assert "NS/minimax" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    "flags,message",
    [(["--points=1"], "flag --points=1"), (["--d_lr=-1"], "flag --d_lr=-1")],
)
def test_bad_flags_are_one_line(tmp_path, flags, message):
    done = _run(*flags, cwd=tmp_path)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr
    assert not (tmp_path / "runs").exists()
