"""Every binary, as a user runs it (a fresh process): one line per error,
its exit code, no traceback, no TensorFlow start-up noise, and
``--helpshort`` listing the binary's own flags.

The bad-input table of keras-gans-train runs in-process in test_train.py;
these are the start-up-dependent checks, a few per binary (slow tier).
"""

import os
import pathlib
import re
import subprocess
import sys

import pytest

_ROOT = pathlib.Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(binary, *flags, cwd):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(  # this checkout's package
        [str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    return subprocess.run(
        [sys.executable, str(_ROOT / "bin" / binary), *flags],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


@pytest.mark.parametrize(
    "binary,flags,code,message",
    [
        (
            "train.py",
            [
                "--d_lr=1e30",
                "--g_lr=1e30",
                "--steps=100",
                "--log_every=50",
                "--eval_every=100",
                "--eval_samples=200",
                "--workdir=runs/diverged",
                "--nojit_compile",  # the message, not XLA's compile
            ],
            3,
            r"training diverged \(NaN or inf\) at step \d+; .*nothing "
            "exported",
        ),
        ("fig1.py", ["--variants=r2"], 1, "Unknown Fig. 1 variant 'r2'"),
        (
            "landscape.py",
            ["--variants=ns_adam,nope", "--workdir=runs/x"],
            1,
            "Unknown digits variant 'nope'",
        ),
        # Flag errors come before TensorFlow loads in most binaries (see
        # _LIGHT below), --variants among them: cheap to start.
        ("landscape.py", ["--seed=1e20"], 1, "flag --seed=1e20"),
        # Non-finite floats: absl's bounds let NaN (and, unbounded, inf)
        # through; cli.main refuses them by name before anything runs.
        (
            "dirac.py",
            ["--theta0=inf"],
            1,
            r"^dirac.py: error: --theta0=inf: must be a finite number",
        ),
        (
            "landscape.py",
            ["--radius=nan"],
            1,
            r"^landscape.py: error: --radius=nan: must be a finite number "
            r">= 1e-09",
        ),
        (
            "train_classifier.py",
            ["--lr=nan"],
            1,
            r"^train_classifier.py: error: --lr=nan: must be a finite "
            r"number >= 1e-12",
        ),
        ("table3.py", ["--variants=zz"], 1, "--variants: unknown"),
    ],
)
def test_failure_is_one_line(tmp_path, binary, flags, code, message):
    done = _run(binary, *flags, cwd=tmp_path)
    assert done.returncode == code, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert re.search(message, done.stderr), done.stderr
    lines = done.stderr.strip().splitlines()
    # Ours, or absl's flag error with its one-line hint; no TF start-up.
    assert len(lines) <= 2, done.stderr
    assert not (tmp_path / "saved_models").exists()
    if code == 3:
        assert not (tmp_path / "runs" / "diverged" / "saved_model").exists()
    elif binary != "train.py":
        assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "binary,help_flag,names",
    [
        ("forgetting.py", "--helpshort", ("--freeze_every", "--variants")),
        ("landscape.py", "--help", ("--radius", "--points", "--tol")),
    ],
)
def test_help_lists_own_flags_and_exits_0(tmp_path, binary, help_flag, names):
    """(keras-gans-train's, in-process, in test_train.py; keras-gans-sample's
    in test_sample.py.) Help is not bad input: exit status 0."""
    done = _run(binary, help_flag, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout + done.stderr
    for name in (*names, "--seed"):
        assert name in text, name


def test_a_damaged_results_file_is_one_line_naming_it(tmp_path):
    """A benchmark's JSON-lines results with a torn line: exit 4, the file
    and the line named (json_io), no traceback (cli.main). (Benchmarks
    keep TensorFlow's start-up notices: only the last line is ours.)"""
    results = tmp_path / "r.jsonl"
    results.write_text('{"seed": 0}\n{"seed": 1, "mo')
    done = _run(
        "../benchmarks/mode_coverage.py",
        "--table_only",
        f"--results={results}",
        cwd=tmp_path,
    )
    assert done.returncode == 4, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()[-1:]
    assert lines[0].startswith(
        f"mode_coverage.py: error: {results} is damaged (line 2"
    ), lines[0]


def test_import_keras_gans_loads_no_plotting_module():
    """keras_gans.plots (matplotlib's figures) loads when a figure is
    drawn, not with the package; and the package's submodules (TensorFlow
    with them) load on first use. (Keras itself imports matplotlib when it
    is installed.)"""
    code = (
        "import sys, keras_gans\n"
        "print('tensorflow' in sys.modules)\n"
        "keras_gans.losses, keras_gans.diagnostics.DiracConfig\n"
        "keras_gans.config.TrainConfig, keras_gans.GAN\n"
        "print('keras_gans.plots' in sys.modules)\n"
        "print(callable(keras_gans.plots.plot_samples))\n"
        "import keras_gans.train_lib, keras_gans.hooks, keras_gans.cli\n"
        "print('keras_gans.experiments' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # ... and the library and the run never import the experiments layer.
    assert done.stdout.strip().splitlines()[-4:] == [
        "False", "False", "True", "False"
    ], done.stdout
    # Not a module: an AttributeError, as for any module.
    code = "import keras_gans\nprint(hasattr(keras_gans, 'nope'))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        timeout=300,
    )
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_every_package_is_installed():
    """setup.cfg lists every package of the source tree (a non-editable
    install ships only those: a package split off a module and not listed
    imports here and fails there)."""
    import configparser
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1]
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {
        ".".join(p.parent.relative_to(root).parts)
        for p in (root / "keras_gans").rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)


# The binaries whose flags need nothing heavy to be declared.
_LIGHT = (
    "fig1.py",
    "forgetting.py",
    "landscape.py",
    "sample.py",
    "table3.py",
    "train.py",
    "train_classifier.py",
    "train_clip_classifier.py",
    "vanishing.py",
)


@pytest.mark.parametrize(
    "binary,flags,code",
    [
        *[(binary, ["--helpshort"], 0) for binary in _LIGHT],
        # A refused --variants entry: the presets' table, read without it.
        ("fig1.py", ["--variants=r1,r2"], 1),
        ("landscape.py", ["--variants=nope"], 1),
        ("forgetting.py", ["--variants=ns_adam,nope"], 1),
        ("table3.py", ["--variants=zz"], 1),
    ],
)
def test_help_does_not_load_tensorflow(tmp_path, binary, flags, code):
    """Help (and a refused flag) come before TensorFlow loads: the binary
    runs as its own ``__main__`` (argv[0] its path, so the start-up treats
    it as the binary) and after its exit TensorFlow is not among the
    loaded modules."""
    path = str(_ROOT / "bin" / binary)
    code_text = (
        "import runpy, sys\n"
        f"sys.argv = [{path!r}, *{flags!r}]\n"
        "try:\n"
        "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "print('exit', code, 'cli', 'keras_gans.cli' in sys.modules,\n"
        "      'tensorflow', 'tensorflow' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(_ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    done = subprocess.run(
        [sys.executable, "-c", code_text], capture_output=True, text=True,
        timeout=300, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    if code == 0:
        assert "--seed" in done.stdout or "--output" in done.stdout
    else:
        assert "variant" in done.stderr, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"exit {code} cli True tensorflow False", last


def test_every_binary_is_known_to_the_quiet_start_up():
    """_startup quiets TensorFlow for the files of bin/ it lists: all."""
    from keras_gans import _startup

    files = {p.stem for p in (_ROOT / "bin").glob("*.py")} - {"__init__"}
    assert set(_startup._BINARIES) == files
