"""Resumable benchmark runs: each finished run is one JSON line.

``run_missing(jobs, results)`` trains every job whose key is not yet in
the ``results`` file and appends ``{**key, **final metrics, wall_time_s}``
for it, so an interrupted benchmark resumes where it stopped and several
processes may share one file. Used by ``small_data.py`` and
``conditional.py``.
"""

import json
import tempfile
import time

from absl import app

from keras_gans import json_io


def check_names(flag, given, valid):
    """A one-line usage error naming ``--flag`` if ``given`` has a name
    outside ``valid``."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise app.UsageError(
            f"--{flag}: unknown {unknown}; valid: {', '.join(valid)}"
        )


def done_keys(results, fields):
    """The ``fields`` tuples of the runs ``results`` already holds."""
    return {
        tuple(r.get(f) for f in fields)
        for r in json_io.read_json_lines(results)
    }


def run_missing(jobs, results, summary):
    """Runs the ``(key dict, TrainConfig)`` jobs missing from ``results``.

    ``summary(record)`` is the progress line printed after each run.
    """
    from keras_gans import train_lib

    fields = tuple(jobs[0][0]) if jobs else ()
    done = done_keys(results, fields)
    for i, (key, config) in enumerate(jobs):
        if tuple(key[f] for f in fields) in done:
            continue
        start = time.time()
        with tempfile.TemporaryDirectory() as workdir:
            result = train_lib.run(config, workdir, verbose=0)
        record = {**key, **result["final"], "wall_time_s": time.time() - start}
        with open(results, "a") as f:
            f.write(json.dumps(record) + "\n")
        print(f"[{i + 1}/{len(jobs)}] {summary(record)}", flush=True)


def cells(records, fields):
    """``records`` grouped by their ``fields`` values, in first-seen order."""
    groups = {}
    for r in records:
        groups.setdefault(tuple(r.get(f) for f in fields), []).append(r)
    return groups
