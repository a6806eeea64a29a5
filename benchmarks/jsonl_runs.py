"""Resumable benchmark runs: each finished run is one JSON line.

``run_missing(jobs, results)`` trains every job whose key is not yet in
the ``results`` file and appends ``{**key, **final metrics, wall_time_s}``
for it, so an interrupted benchmark resumes where it stopped and several
processes may share one file. ``check_names`` is the one check of a
list flag's names. Used by the benchmarks that train one
``train_lib.run`` per line (``remedies.py``, which trains its own way,
uses ``check_names`` only).
"""

import json
import os
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


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def done_keys(results, fields, key_of=None):
    """The keys of the runs ``results`` already holds: ``key_of(line)``, by
    default the line's ``fields`` values (lists as tuples)."""
    key_of = key_of or (lambda r: tuple(_hashable(r.get(f)) for f in fields))
    return {key_of(r) for r in json_io.read_json_lines(results)}


def run_missing(
    jobs, results, summary, record=None, key_of=None, workdir_root=None
):
    """Runs the ``(key dict, TrainConfig)`` jobs missing from ``results``.

    ``summary(line)`` is the progress line printed after each run.
    ``record(key, result, seconds)`` makes the JSON line of a finished run
    from ``train_lib.run``'s result and its wall time (default: the key, the
    final metrics and ``wall_time_s``). ``key_of(line)`` reads a stored
    line's key, for files with lines from before a key field existed.
    ``workdir_root``: keep each run's workdir (samples, GIFs, metrics) in
    ``workdir_root/<key values joined by _>`` instead of a temporary one.
    """
    from keras_gans import train_lib

    if record is None:
        def record(key, result, seconds):
            return {**key, **result["final"], "wall_time_s": seconds}

    fields = tuple(jobs[0][0]) if jobs else ()
    done = done_keys(results, fields, key_of)
    for i, (key, config) in enumerate(jobs):
        if tuple(_hashable(key[f]) for f in fields) in done:
            continue
        start = time.time()
        if workdir_root:
            name = "_".join(str(key[f]) for f in fields)
            result = train_lib.run(
                config, os.path.join(workdir_root, name), verbose=0
            )
        else:
            with tempfile.TemporaryDirectory() as workdir:
                result = train_lib.run(
                    config, os.path.join(workdir, "run"), verbose=0
                )
        line = record(key, result, time.time() - start)
        with open(results, "a") as f:
            f.write(json.dumps(line) + "\n")
        print(f"[{i + 1}/{len(jobs)}] {summary(line)}", flush=True)


def cells(records, fields):
    """``records`` grouped by their ``fields`` values, in first-seen order."""
    groups = {}
    for r in records:
        groups.setdefault(tuple(r.get(f) for f in fields), []).append(r)
    return groups
