"""bin/train_classifier.py, run in this process (helpers/binaries.py)."""

import json
import pathlib
import re

import numpy as np
import pytest

from helpers.binaries import run_binary
from keras_gans import data, metrics


@pytest.mark.slow
def test_trains_saves_and_checks_accuracy(tmp_path, capsys):
    output = tmp_path / "c.keras"
    cmd = ["train_classifier.py", f"--output={output}", "--epochs=1"]
    code, _, err = run_binary(
        *cmd, f"--copy_to={tmp_path / 'copy'}", "--min_accuracy=0",
        capture=capsys,
    )
    assert code == 0, err[-3000:]
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
    code, _, err = run_binary(  # another seed: other weights
        *cmd, "--min_accuracy=1.01", "--seed=1", capture=capsys
    )
    assert code == 1, err[-3000:]
    assert re.fullmatch(
        r"train_classifier.py: error: held-out accuracy 0\.\d{4} is below "
        r"--min_accuracy=1.01; the model is not saved \(.*c.keras is kept\)\."
        r" Train longer \(--epochs\) or lower --min_accuracy\.",
        err.strip().splitlines()[-1],
    ), err[-3000:]
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
