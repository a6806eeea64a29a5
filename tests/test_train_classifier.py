"""bin/train_classifier.py (a subprocess: it is an absl binary)."""

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from keras_gans import data, metrics

BINARY = (
    pathlib.Path(__file__).resolve().parents[1] / "bin" / "train_classifier.py"
)


@pytest.mark.slow
def test_trains_saves_and_checks_accuracy(tmp_path):
    output = tmp_path / "c.keras"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    env["PYTHONPATH"] = os.pathsep.join(  # this checkout's package
        [str(BINARY.parents[1])] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    cmd = [sys.executable, str(BINARY), f"--output={output}", "--epochs=1"]
    done = subprocess.run(
        [*cmd, f"--copy_to={tmp_path / 'copy'}", "--min_accuracy=0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "c.json").read_text())
    assert record["num_test"] == 359 and record["epochs"] == 1
    assert (tmp_path / "copy" / "c.keras").is_file()
    model = metrics.load_digits_classifier(output)
    x, y = data.digits("test")
    accuracy = np.mean(np.asarray(model(x)).argmax(-1) == y)
    assert accuracy == record["test_accuracy"]
    # An accuracy below --min_accuracy is a failure, checked before anything
    # is written: the good model and its record at --output are kept, and
    # no staging file is left beside them.
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    failed = subprocess.run(  # another seed: other weights
        [*cmd, "--min_accuracy=1.01", "--seed=1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert re.fullmatch(
        r"train_classifier.py: error: held-out accuracy 0\.\d{4} is below "
        r"--min_accuracy=1.01; the model is not saved \(.*c.keras is kept\)\."
        r" Train longer \(--epochs\) or lower --min_accuracy\.",
        failed.stderr.strip().splitlines()[-1],
    ), failed.stderr[-3000:]
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    assert after == before


def test_shipped_classifier_meets_its_record():
    """The shipped model's held-out accuracy, computed here, is the one its
    record states (to the record's rounding) and at least 97 %."""
    record = json.loads(
        pathlib.Path(
            metrics.DIGITS_CLASSIFIER_PATH.replace(".keras", ".json")
        ).read_text()
    )
    model = metrics.load_digits_classifier()
    x, y = data.digits("test")
    assert len(y) == record["num_test"]
    predicted = np.asarray(model(x, training=False)).argmax(-1)
    accuracy = float(np.mean(predicted == y))
    # One test digit is 1/359 of the accuracy: equal up to float rounding.
    assert accuracy == pytest.approx(record["test_accuracy"], abs=1e-9)
    assert accuracy >= 0.97
