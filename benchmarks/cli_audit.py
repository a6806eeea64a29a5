"""The binaries tried as a new user would: bad flags, damaged files,
interrupted and diverged runs, reruns. Each case runs the installed
console script in a scratch directory and is judged by what a user sees:

- ``ok``: the expected behaviour (exit code, files kept or written);
- ``clear``: a refusal in one stderr line ``<binary>: error: ...`` naming
  the flag or file, with the documented exit code;
- ``traceback``: a Python traceback reached the user;
- ``unclear``: any other failure (several lines, wrong exit code, a
  message naming neither flag nor file);
- ``lost``: a user's file deleted or overwritten, or a silently wrong
  result.

Prints one row per case and the counts.

  python benchmarks/cli_audit.py [--keep]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

_ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")

# A small ring run: 200 steps, checkpoints at 100 and 200.
_RUN = [
    "--steps=200", "--log_every=100", "--eval_every=100",
    "--eval_samples=200", "--batch_size=16", "--steps_per_execution=50",
]


def _bin(name, *args, cwd):
    started = time.time()
    done = subprocess.run(
        [name, *args], cwd=cwd, env=_ENV, capture_output=True, text=True,
        timeout=600,
    )
    return done, time.time() - started


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


def _refusal(done, code, *words):
    """``clear`` if exit ``code`` with one stderr line naming ``words``."""
    if "Traceback" in done.stderr:
        return "traceback"
    lines = _lines(done.stderr)
    if (
        done.returncode == code
        and len(lines) == 1
        and "error:" in lines[0]
        and all(w in lines[0] for w in words)
    ):
        return "clear"
    return "unclear"


def _finite_checkpoints(workdir):
    import tensorflow as tf

    for index in sorted(os.listdir(os.path.join(workdir, "checkpoints"))):
        if not index.endswith(".index"):
            continue
        reader = tf.train.load_checkpoint(
            os.path.join(workdir, "checkpoints", index[: -len(".index")])
        )
        for name, _ in tf.train.list_variables(
            os.path.join(workdir, "checkpoints", index[: -len(".index")])
        ):
            value = np.asarray(reader.get_tensor(name))
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                return False
    return True


def cases(root):
    """``(name, verdict, note)`` for each case, in order."""
    base = os.path.join(root, "base")
    done, seconds = _bin(
        "keras-gans-train", *_RUN, f"--workdir={base}", "--export_dir=",
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    yield "train: a 200-step ring run", "ok", f"{seconds:.0f} s"

    def copy(name):
        target = os.path.join(root, name)
        shutil.copytree(base, target)
        return target

    # --- help on every binary
    for name in (
        "keras-gans-train", "keras-gans-dirac", "keras-gans-fig1",
        "keras-gans-landscape", "keras-gans-forgetting", "keras-gans-table3",
        "keras-gans-train-classifier", "keras-gans-sample",
        "keras-gans-vanishing",
    ):
        done, _ = _bin(name, "--helpshort", cwd=root)
        good = done.returncode == 0 and "--" in done.stdout + done.stderr
        yield f"{name} --helpshort", "ok" if good else "unclear", (
            f"exit {done.returncode}"
        )

    # --- flags that would be ignored or are not finite
    for args, flag in (
        (["--conditioning=acgan"], "--conditioning"),
        (["--ewc_every=50"], "--ewc_every"),
        (["--inception_weights=imagenet"], "--inception_weights"),
    ):
        done, _ = _bin(
            "keras-gans-train", *args, f"--workdir={root}/x", cwd=root
        )
        yield f"train {' '.join(args)}", _refusal(done, 1, flag), ""
    for args, flag in (
        (["--theta0=inf"], "--theta0"), (["--d_lr=nan"], "--d_lr"),
    ):
        done, _ = _bin(
            "keras-gans-dirac", *args, f"--outdir={root}/dirac", cwd=root
        )
        yield f"dirac {' '.join(args)}", _refusal(done, 1, flag), ""
    done, seconds = _bin(
        "keras-gans-train-classifier", "--lr=nan",
        f"--output={root}/c/c.keras", cwd=root,
    )
    verdict = _refusal(done, 1, "--lr")
    yield "train-classifier --lr=nan", verdict, f"{seconds:.0f} s"

    # --- --quick does not override explicit flags
    fig1 = os.path.join(root, "fig1")
    done, _ = _bin(
        "keras-gans-fig1", "--quick", "--steps=100", "--every=50",
        f"--workdir={fig1}", cwd=root,
    )
    steps = None
    if done.returncode == 0:
        steps = json.load(open(os.path.join(fig1, "results.json"))).get(
            "steps"
        )
    yield "fig1 --quick --steps=100 --every=50", (
        "ok" if steps == 100 else "lost"
    ), f"steps {steps}, exit {done.returncode}"

    # --- sample
    out = os.path.join(root, "out")
    os.makedirs(out)
    with open(os.path.join(out, "x.tmp.npz"), "w") as f:
        f.write("mine")
    done, _ = _bin(
        "keras-gans-sample", f"--run={base}", "--num_samples=10",
        f"--output={out}/x.npz", cwd=root,
    )
    kept = open(os.path.join(out, "x.tmp.npz")).read() == "mine"
    yield "sample --output=x.npz beside a user's x.tmp.npz", (
        "ok" if kept and done.returncode == 0 else "lost"
    ), f"exit {done.returncode}"

    run = copy("garbage_state")
    with open(os.path.join(run, "checkpoints", "checkpoint"), "w") as f:
        f.write("garbage")
    done, _ = _bin(
        "keras-gans-sample", f"--run={run}", "--num_samples=10",
        f"--output={root}/g.npz", cwd=root,
    )
    good = done.returncode == 0 and os.path.exists(f"{root}/g.npz")
    yield "sample: garbage checkpoint state file", (
        "ok" if good else _refusal(done, 4)
    ), f"exit {done.returncode}"

    run = copy("damaged")
    for name in os.listdir(os.path.join(run, "checkpoints")):
        if name.endswith(".index"):
            open(os.path.join(run, "checkpoints", name), "wb").close()
    done, _ = _bin(
        "keras-gans-sample", f"--run={run}", "--num_samples=10",
        f"--output={root}/d.npz", cwd=root,
    )
    yield "sample: every checkpoint damaged", _refusal(
        done, 4, "checkpoint"
    ), ""

    export = os.path.join(root, "export")
    shutil.copytree(os.path.join(base, "saved_model"), export)
    with open(os.path.join(export, "saved_model.pb"), "wb") as f:
        f.write(b"not a model")
    done, _ = _bin(
        "keras-gans-sample", f"--export_dir={export}", "--num_samples=10",
        f"--output={root}/e.npz", cwd=root,
    )
    yield "sample: corrupt saved_model.pb", _refusal(
        done, 4, "saved_model"
    ), ""

    done, _ = _bin(
        "keras-gans-sample", f"--run={base}", "--num_samples=10",
        f"--output={base}/config.json/x.npz", cwd=root,
    )
    yield "sample: output under a file", _refusal(done, 4), ""

    # --- damaged run files
    for name, content in (
        ("progress.json", "{not json"),
        ("mode_coverage.json", "{not json"),
        ("config.json", "{not json"),
    ):
        run = copy(f"bad_{name}")
        with open(os.path.join(run, name), "w") as f:
            f.write(content)
        done, _ = _bin(
            "keras-gans-train", *_RUN, f"--workdir={run}", "--export_dir=",
            cwd=root,
        )
        yield f"train: damaged {name}", _refusal(done, 4, name), ""

    # --- deleted checkpoints of a finished run
    run = copy("deleted")
    shutil.rmtree(os.path.join(run, "checkpoints"))
    done, _ = _bin(
        "keras-gans-train", *_RUN, f"--workdir={run}", "--export_dir=",
        cwd=root,
    )
    yield "train: checkpoints/ deleted", _refusal(
        done, 4, "progress.json"
    ), ""

    # --- early stopping: the stop step is kept, the rerun trains nothing
    still = ["--d_lr=1e-30", "--g_lr=1e-30", "--steps=400"]
    early = os.path.join(root, "early")
    args = [
        *_RUN[1:], *still, "--keep_best=reverse_kl",
        "--early_stopping_patience=1", f"--workdir={early}", "--export_dir=",
    ]
    first, _ = _bin("keras-gans-train", *args, cwd=root)
    again, _ = _bin("keras-gans-train", *args, cwd=root)
    metrics = json.load(open(os.path.join(early, "metrics.json")))
    good = (
        first.returncode == again.returncode == 0
        and metrics["steps_trained_this_run"] == 0
        and metrics["total_steps"] == 200
        and metrics["losses"]
    )
    yield "train --keep_best --early_stopping_patience=1, twice", (
        "ok" if good else "lost"
    ), f"rerun trained {metrics['steps_trained_this_run']} steps"

    # --- divergence under the watchdog
    diverge = os.path.join(root, "diverge")
    done, _ = _bin(
        "keras-gans-train", *_RUN[1:], "--steps=400", "--watchdog",
        "--d_lr=1e20", "--g_lr=1e20", f"--workdir={diverge}",
        "--export_dir=", cwd=root,
    )
    finite = (
        not os.path.isdir(os.path.join(diverge, "checkpoints"))
        or _finite_checkpoints(diverge)
    )
    verdict = "ok" if done.returncode == 3 and finite else "lost"
    yield "train --watchdog on a diverging run", verdict, (
        f"exit {done.returncode}, checkpoints finite: {finite}"
    )


def main(argv):
    keep = "--keep" in argv
    root = tempfile.mkdtemp(prefix="keras_gans_audit_")
    counts = {}
    started = time.time()
    try:
        print(f"{'case':<58} {'verdict':<9} note")
        for name, verdict, note in cases(root):
            counts[verdict] = counts.get(verdict, 0) + 1
            print(f"{name:<58} {verdict:<9} {note}", flush=True)
    finally:
        if keep:
            print(f"Scratch directory kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    total = sum(counts.values())
    print(
        f"{total} cases in {time.time() - started:.0f} s: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    )
    return 0 if set(counts) <= {"ok", "clear"} else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
