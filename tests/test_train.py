"""keras-gans-train's command line: flags made from the config, and every
bad input one message with its exit code, no traceback.

The binary runs in this process (its ``run()`` with ``sys.argv`` patched
and absl's flags reset), so each case costs no TensorFlow start-up.
"""

import dataclasses
import importlib.util
import json
import os
import pathlib
import sys
from unittest import mock

import pytest
from absl import flags
from absl.testing import flagsaver

from keras_gans import cli
from keras_gans.experiments import presets
from keras_gans.config import DATASETS, OptimizerConfig, TrainConfig
from keras_gans.experiments.presets import preset

# The binary as it is in the repository (installed, it is keras_gans.bin).
_PATH = pathlib.Path(__file__).resolve().parents[1] / "bin" / "train.py"
_SPEC = importlib.util.spec_from_file_location("keras_gans_train_bin", _PATH)
train = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(train)

FLAGS = flags.FLAGS
_FAST = ["--steps=100", "--log_every=50", "--eval_every=100",
         "--eval_samples=200", "--batch_size=16"]


def run_binary(argv, capsys, help_flags=False):
    """``keras-gans-train ARGV`` in this process: (exit code, out, err)."""
    from absl import app

    with flagsaver.flagsaver():
        FLAGS.unparse_flags()
        if help_flags:  # absl defines them on its first app.run only
            app._define_help_flags_called = False
            app.define_help_flags()
        with mock.patch.object(sys, "argv", ["keras-gans-train", *argv]):
            with pytest.raises(SystemExit) as exit_info:
                train.run()
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (0 if code is None else code), captured.out, captured.err


def parse(argv):
    """The config of ``keras-gans-train ARGV``."""
    with flagsaver.flagsaver():
        FLAGS.unparse_flags()
        FLAGS(["keras-gans-train", *argv])
        return train.config_from_flags()


def _user_dir(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "saved_model.pb").write_text("an earlier export")
    (target / "NOTES.txt").write_text("keep me")
    return target


def _file(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("not a directory")
    return path


def _locked_workdir(tmp_path):
    """A workdir holding a run (its config.json) with seed 0."""
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "config.json").write_text(
        json.dumps(preset("ring", steps=100, log_every=50, eval_every=100,
                          eval_samples=200, batch_size=16).to_dict())
    )
    return workdir


def _damaged_config(tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    (workdir / "config.json").write_text("{ not json")
    return workdir


def _garbage_checkpoints(tmp_path):
    workdir = tmp_path / "run"
    (workdir / "checkpoints").mkdir(parents=True)
    (workdir / "checkpoints" / "ckpt-50.index").write_bytes(b"")
    (workdir / "checkpoints" / "ckpt-50.data-00000-of-00001").write_bytes(
        b"\0" * 10
    )
    return workdir


# (flags, set-up returning a path for {path}, exit code, message regex).
# Every case must fail before anything is trained or written.
BAD_INPUTS = [
    (["--steps=0"], None, 1, "flag --steps=0"),
    (["--penalty=gp"], None, 1, "flag --penalty=gp"),
    (["--d_lr=nan"], None, 1, "--d_lr: d_lr must be a finite number"),
    (["--g_lr=inf"], None, 1, "--g_lr: g_lr must be a finite number"),
    (["--d_lr=0"], None, 1, r"--d_lr: d_lr must be in \(0, inf\)"),
    (["--penalty_weight=inf"], None, 1, "--penalty_weight: .* finite"),
    (["--real_weight=nan"], None, 1, "--real_weight: .* finite"),
    (["--seed=-1"], None, 1, "flag --seed=-1"),
    (["--seed=4294967296"], None, 1, "flag --seed=4294967296"),
    (["--seed=1e20"], None, 1, "flag --seed=1e20"),
    (["--ema_decay=1"], None, 1, "--ema_decay: .*in \\[0, 1\\)"),
    (["--steps=700"], None, 1, r"--steps: steps \(700\) must be a multiple"),
    (["--hidden_units=64,x"], None, 1, "--hidden_units must be comma"),
    (["--network=dcgan"], None, 1,
     "--network: .*needs an image or clip data set"),
    (["--keep_best=fid"], None, 1, "--keep_best: .*logs no such score"),
    (["--unroll_update=adam"], None, 1, "--unroll_update"),
    (["--label_smoothing=0.5"], None, 1, r"--label_smoothing: .*\(0.5, 1\]"),
    (["--label_smoothing=1.5"], None, 1, "flag --label_smoothing=1.5"),
    (
        ["--label_smoothing=0.9", "--loss=wasserstein"],
        None,
        1,
        "--label_smoothing: .*logistic losses",
    ),
    (["--penalty_norm=l3"], None, 1, "flag --penalty_norm=l3"),
    (
        ["--penalty_norm=l1", "--penalty=wgan_gp"],
        None,
        1,
        "--penalty_norm: .*zero-centred",
    ),
    (["--d_weight_decay=-0.1"], None, 1, "flag --d_weight_decay=-0.1"),
    (["--d_l1=-1"], None, 1, "flag --d_l1=-1"),
    (["--d_warmup_steps=-2"], None, 1, "flag --d_warmup_steps=-2"),
    (["--instance_noise=-0.5"], None, 1, "flag --instance_noise=-0.5"),
    (
        ["--dataset=digits", "--augment=diffaugment:zoom"],
        None,
        1,
        r"--augment: .*unknown op\(s\) \['zoom'\]. Valid: .*color, "
        "translation, cutout",
    ),
    (["--augment=ada"], None, 1, "--augment: .*not an image data set"),
    (
        ["--penalty=r1", "--penalty_layer=dense_9"],
        None,
        1,
        "--penalty_layer: .*no layer 'dense_9'.*its layers: sample, "
        "dense_0, dense_1, dense_2, logit",
    ),
    (["extra"], None, 1, "unexpected arguments extra"),
    (["--stpes=10"], None, 1, "Unknown command line flag 'stpes'"),
    (["--workdir={path}"], _file, 4, "workdir is a file.*a_file"),
    (["--export_dir={path}"], _file, 1, "export target .*a_file is a file"),
    (
        ["--export_dir={path}"],
        _user_dir,
        1,
        "holds files that are not an earlier export \\(NOTES.txt\\)",
    ),
    (
        ["--workdir={path}", "--export_dir={path}"],
        lambda p: p / "w",
        1,
        "export_dir .* is or contains the workdir",
    ),
    (
        ["--workdir={path}", "--export_dir={path}/checkpoints"],
        lambda p: p / "w",
        1,
        "is inside the workdir .*/saved_model",
    ),
    (
        ["--workdir={path}", "--seed=5", *_FAST],
        _locked_workdir,
        1,
        r"--workdir .* holds a run with other settings \(changed: --seed\); "
        r"pass a new --workdir, or --restart .*run\.<timestamp>",
    ),
    (
        ["--workdir={path}", *_FAST],
        _damaged_config,
        4,  # a damaged file the package wrote
        r"config.json is damaged \(line 1, column 3",
    ),
    (
        ["--strategy=multi_worker", "--workdir={path}"],
        lambda p: p / "w",
        1,
        "TF_CONFIG",
    ),
    (
        ["--dataset=mnist", "--workdir={path}", "--data_dir={path}/tfds"],
        lambda p: p / "w",
        1,
        "mnist",
    ),
    (
        ["--workdir={path}", *_FAST],
        _garbage_checkpoints,
        4,
        "No readable checkpoint .*ckpt-50.index is empty",
    ),
    (
        ["--dataset=celeb_a", "--conditional", "--workdir={path}"],
        lambda p: p / "w",
        1,
        "--conditional needs a data set with labels .*'celeb_a' has none",
    ),
    (
        ["--conditional", "--augment=ada", "--workdir={path}"],
        lambda p: p / "w",
        1,
        "--augment is not supported with --conditional yet",
    ),
]


@pytest.mark.parametrize(
    "argv,setup,code,message",
    BAD_INPUTS,
    ids=[" ".join(case[0]) + f"-{i}" for i, case in enumerate(BAD_INPUTS)],
)
def test_bad_input_is_one_clear_message(
    tmp_path, capsys, monkeypatch, argv, setup, code, message
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    path = setup(tmp_path) if setup else tmp_path / "unused"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    user = {
        p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
    }
    got, out, err = run_binary([a.format(path=path) for a in argv], capsys)
    assert got == code, err
    assert "Traceback" not in err + out
    import re

    assert re.search(message, err), err
    assert len(err.strip().splitlines()) <= 2, err  # absl adds one hint
    # Nothing written, nothing lost.
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    for p, content in user.items():
        assert p.read_bytes() == content


def test_helpshort_lists_the_binarys_flags(capsys):
    code, out, err = run_binary(["--helpshort"], capsys, help_flags=True)
    assert code == 0  # help is not bad input
    text = out + err
    for name in ("--dataset", "--d_lr", "--beta1", "--penalty_weight",
                 "--workdir", "--export_dir", "--[no]restart", "--seed"):
        assert name in text, name


@pytest.mark.parametrize("dataset", DATASETS)
def test_dataset_flag_alone_is_the_preset(dataset):
    assert parse([f"--dataset={dataset}"]) == preset(dataset)
    assert preset(dataset) == TrainConfig(dataset=dataset)


def test_no_flags_is_the_ring_default():
    assert parse([]) == TrainConfig() == preset("ring")


def test_another_binary_run_in_this_process_leaves_these_flags(capfd):
    """helpers/binaries.py runs bin/dirac.py (its own --steps, --seed, ...)
    in this process: it parses its flags, and this binary's flags, their
    values and their parsed state are as before."""
    from helpers.binaries import run_binary

    with flagsaver.flagsaver():
        FLAGS.unparse_flags()
        FLAGS(["keras-gans-train", "--steps=300"])
        steps = FLAGS["steps"]
        code, _, err = run_binary("dirac.py", "--steps=0", capture=capfd)
        assert code == 1 and "--steps=0" in err, err  # dirac's own bound
        assert FLAGS["steps"] is steps and FLAGS.is_parsed()
        assert FLAGS.steps == 300 and steps.present
        assert "old_fake_delay" not in FLAGS  # dirac's are gone
    assert parse([]) == TrainConfig()


def test_flags_given_change_the_preset():
    config = parse(
        ["--dataset=stacked_digits", "--steps=2000", "--penalty=r1",
         "--g_lr=0.001", "--beta2=0.9"]
    )
    expected = preset(
        "stacked_digits",
        steps=2000,
        penalty="r1",
        g_optimizer=dataclasses.replace(
            preset("stacked_digits").g_optimizer, learning_rate=0.001,
            beta2=0.9,
        ),
        d_optimizer=dataclasses.replace(
            preset("stacked_digits").d_optimizer, beta2=0.9
        ),
    )
    assert config == expected
    assert config.latent_dim == 100 and config.eval_samples == 26_000


def test_flags_reach_the_config():
    config = parse(
        [
            "--dataset=grid",
            "--penalty=wgan_gp",
            "--loss=wasserstein",
            "--n_critic=5",
            "--real_weight=10",
            "--d_optimizer=momentum",
            "--g_lr=0.0002",
            "--beta2=0.9",
            "--hidden_units=128,128,128",
            "--jit_compile",
            "--data_dir=/data/tfds",
        ]
    )
    assert config.dataset == "grid" and config.penalty == "wgan_gp"
    assert config.n_critic == 5 and config.real_weight == 10.0
    assert config.d_optimizer.name == "momentum"
    assert config.g_optimizer.learning_rate == 0.0002
    assert config.g_optimizer.beta2 == config.d_optimizer.beta2 == 0.9
    assert config.hidden_units == (128, 128, 128)
    assert config.jit_compile is True
    assert config.data_dir == "/data/tfds"
    # Inception scores tfds images only (elsewhere the flag is refused).
    config = parse(["--dataset=mnist", "--inception_weights=/w/i.h5"])
    assert config.inception_weights == "/w/i.h5"


def test_stabiliser_flags_reach_the_config():
    config = parse(
        ["--spectral_norm", "--label_smoothing=0.9", "--penalty=r2",
         "--penalty_norm=l1", "--penalty_layer=dense_1",
         "--d_weight_decay=0.01", "--d_l1=1e-4"]
    )
    assert config.spectral_norm and config.label_smoothing == 0.9
    assert config.penalty_options() == {"norm": "l1", "layer": "dense_1"}
    assert config.d_optimizer.weight_decay == 0.01
    assert config.g_optimizer.weight_decay == 0.0
    assert config.d_l1 == 1e-4
    config = parse(
        ["--dataset=digits", "--augment=diffaugment:translation,cutout,color",
         "--instance_noise=0.1", "--instance_noise_anneal_steps=500"]
    )
    assert config.augment == "diffaugment:translation,cutout,color"
    assert config.instance_noise == 0.1
    assert config.instance_noise_anneal_steps == 500


def test_every_setting_has_a_flag():
    """A new TrainConfig field gets its flag without touching the binary."""
    names = set(FLAGS)
    for f in dataclasses.fields(TrainConfig):
        if f.name in ("d_optimizer", "g_optimizer"):
            continue
        assert f.name in names, f.name
    for player in "dg":
        assert {f"{player}_lr", f"{player}_optimizer"} <= names
    assert isinstance(preset("ring").d_optimizer, OptimizerConfig)


def test_default_export_dir_is_derived_from_the_workdir():
    assert train.default_export_dir("runs/ring_x") == os.path.join(
        "saved_models", "ring_x"
    )
    assert train.default_export_dir("runs/a/b") == os.path.join(
        "saved_models", "a", "b"
    )
    assert train.default_export_dir("/tmp/elsewhere") is None
    assert train.default_export_dir("mine") is None
    assert train.default_export_dir("runs/../x") is None


def test_changed_fields_are_named_by_their_flags():
    assert cli.flag_name("seed") == "--seed"
    assert cli.flag_name("d_optimizer.learning_rate") == "--d_lr"
    assert cli.flag_name("g_optimizer.name") == "--g_optimizer"
    assert cli.flag_name("g_optimizer.beta1") == "--beta1"


def test_exit_codes_are_documented():
    assert set(cli.EXIT_CODES) == {0, 1, 3, 4, 130}
    for code in cli.EXIT_CODES:
        assert f"{code} " in train.__doc__


def test_presets_module_names_data_sets_first():
    assert presets.names()[: len(DATASETS)] == DATASETS


# keras-gans-train's flags before they were generated from the config:
# users' scripts use them, so every one must keep working.
_FLAGS_OF_USERS_SCRIPTS = """
base_filters batch_size beta1 beta2 classifier_path d_lr d_optimizer
data_dir dataset download_data ema_decay eval_every eval_samples ewc_alpha
ewc_every ewc_num_batches ewc_weight experiment export_dir g_lr g_optimizer
hidden_units inception_weights jit_compile latent_dim lipschitz_k log_every
loss lr_schedule mixed_precision momentum n_critic network penalty
penalty_every penalty_output penalty_weight real_weight replay_fraction
replay_size seed steps steps_per_execution strategy unroll_first_order
unroll_steps workdir
""".split()


def test_every_earlier_flag_name_still_works():
    missing = sorted(set(_FLAGS_OF_USERS_SCRIPTS) - set(FLAGS))
    assert not missing


def test_binaries_are_recognised_wherever_the_package_is_installed():
    from keras_gans import _startup

    assert _startup.is_binary("/usr/local/bin/keras-gans-train")
    # A checkout's bin/ with the package installed elsewhere (CI's case).
    assert _startup.is_binary("/tmp/clone/bin/table3.py")
    assert _startup.is_binary("bin/train_classifier.py")
    assert not _startup.is_binary("/home/user/bin/my_script.py")
    assert not _startup.is_binary("/tmp/clone/tools/train.py")
    assert not _startup.is_binary("python")


def test_preset_flag_starts_from_r3gan():
    """--preset=r3gan: relativistic + r1_r2 (gamma/2 (R1 + R2) with gamma =
    --penalty_weight), Adam(0, 0.99) for both players, on the ring; other
    flags change it; an unknown preset and a real weight are one line."""
    config = parse(["--preset=r3gan", "--penalty_weight=3", "--seed=2"])
    assert config == preset("r3gan", penalty_weight=3.0, seed=2)
    assert (config.dataset, config.loss, config.penalty) == (
        "ring", "relativistic", "r1_r2"
    )
    for opt in (config.d_optimizer, config.g_optimizer):
        assert (opt.name, opt.beta1, opt.beta2) == ("adam", 0.0, 0.99)
    assert "relativistic" in presets.describe("r3gan")
    with pytest.raises(cli.Failure, match="--preset: Unknown"):
        parse(["--preset=r4gan"])
    with pytest.raises(cli.Failure, match="--real_weight") as info:
        parse(["--preset=r3gan", "--real_weight=10"])
    assert "\n" not in str(info.value)
