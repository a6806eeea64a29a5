"""The main job: outputs, resume after interruption (also after SIGKILL)."""

import dataclasses
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

import tensorflow as tf

from keras_gans import callbacks, export, train_lib
from keras_gans.config import OptimizerConfig, TrainConfig

# The binary as it is in the repository (installed, it is keras_gans.bin).
BINARY = pathlib.Path(__file__).resolve().parents[1] / "bin" / "train.py"

SMALL = TrainConfig(
    steps=300,
    batch_size=32,
    log_every=100,
    eval_every=100,
    eval_samples=500,
    steps_per_execution=10,
    penalty="r1",
    lr_schedule="linear",
    d_optimizer=OptimizerConfig(name="adam", learning_rate=1e-3),
    g_optimizer=OptimizerConfig(name="momentum", learning_rate=1e-3),
)


def _state(config, workdir):
    """Every variable of the latest checkpoint in ``workdir``."""
    gan = train_lib.build_gan(config)
    callbacks.Checkpoint(gan, os.path.join(workdir, "checkpoints")).restore()
    groups = {
        "model": gan.weights,
        "d_optimizer": gan.d_optimizer.variables,
        "g_optimizer": gan.g_optimizer.variables,
    }
    return {
        f"{group}/{i}/{v.path.split('/')[-1]}": v.numpy()
        for group, variables in groups.items()
        for i, v in enumerate(variables)
    }


def _assert_same_state(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(
            a[key], b[key], rtol=1e-5, atol=1e-6, err_msg=key
        )


# SMALL with a replay buffer and EWC, whose state rides the checkpoint too.
REMEDIED = dataclasses.replace(
    SMALL, replay_size=64, replay_fraction=0.5, ewc_weight=1.0, ewc_every=30
)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """REMEDIED trained once (exported besides the workdir): the outputs'
    test reads it, the resume test compares with it, the changed-config
    test reruns a copy of it."""
    root = tmp_path_factory.mktemp("small")
    workdir, export_dir = root / "run", root / "export"
    result = train_lib.run(
        REMEDIED, workdir, export_dir=export_dir, verbose=0
    )
    return workdir, export_dir, result


@pytest.mark.slow
def test_run_writes_every_output(small_run):
    workdir, export_dir, result = small_run
    for name in (
        "samples.png",
        "metrics.json",
        "config.json",
        "mode_coverage.json",
    ):
        assert (workdir / name).is_file(), name
    assert (workdir / "saved_model" / "saved_model.pb").is_file()
    assert (export_dir / "saved_model.pb").is_file()
    assert any((workdir / "checkpoints").glob("ckpt-300.index"))
    events = list((workdir / "tensorboard").rglob("events.out.tfevents.*"))
    assert {p.parent.name for p in events} >= {"train", "eval"}
    saved = json.loads((workdir / "metrics.json").read_text())
    assert saved["final"]["step"] == 300
    assert set(saved["final"]) >= {"modes", "high_quality", "reverse_kl"}
    assert set(saved["losses"]) >= {"d_loss", "g_loss"}
    assert [r["step"] for r in saved["history"]] == [100, 200, 300]
    assert result["final"] == saved["final"]


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_resume_after_interruption_matches_uninterrupted(small_run, tmp_path):
    # The resumed run's history, weights, optimizer slots and replay
    # buffer are the uninterrupted run's (small_run, the same config).
    config = REMEDIED
    with pytest.raises(KeyboardInterrupt):
        train_lib.run(
            config, tmp_path / "cut", verbose=0, extra_callbacks=[_Interrupt()]
        )
    assert not (tmp_path / "cut" / "metrics.json").exists()
    resumed = train_lib.run(config, tmp_path / "cut", verbose=0)
    assert resumed["steps_trained_this_run"] == 100
    assert resumed["history"] == small_run[2]["history"]

    def buffer(workdir):
        gan = train_lib.build_gan(config)
        replay = callbacks.ReplayBuffer(64, 0.5)
        callbacks.Checkpoint(
            gan, workdir / "checkpoints", replay=replay.state
        ).restore()
        gan.attach_hook(replay)  # creates the variables: restored on creation
        return replay.contents(), _state(config, workdir)

    (ref_buffer, ref_state), (cut_buffer, cut_state) = (
        buffer(small_run[0]),
        buffer(tmp_path / "cut"),
    )
    assert ref_buffer.shape == (64, 2)
    np.testing.assert_allclose(ref_buffer, cut_buffer, rtol=1e-5, atol=1e-6)
    _assert_same_state(ref_state, cut_state)


@pytest.mark.slow
def test_changed_config_on_same_workdir_is_refused(small_run, tmp_path):
    # A copy of the finished REMEDIED run under a config that differs
    # from it in one setting.
    workdir = tmp_path / "run"
    shutil.copytree(small_run[0], workdir)
    with pytest.raises(
        train_lib.WorkdirConflictError, match=r"changed: penalty_weight\)"
    ):
        train_lib.run(
            dataclasses.replace(REMEDIED, penalty_weight=3.0),
            workdir,
            verbose=0,
        )


def test_divergence_is_reported_not_checkpointed(tmp_path):
    exploding = OptimizerConfig(name="sgd", learning_rate=1e20)
    config = dataclasses.replace(
        SMALL,
        loss="wasserstein",
        penalty="none",
        d_optimizer=exploding,
        g_optimizer=exploding,
        lr_schedule="constant",
    )
    result = train_lib.run(config, tmp_path, verbose=0)
    assert result["final"]["diverged"] is True
    assert result["final"]["step"] < 100
    assert not list((tmp_path / "checkpoints").glob("ckpt-*"))
    assert (tmp_path / "samples.png").is_file()


def test_export_dir_that_is_not_an_export_is_refused(tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an earlier export"):
        train_lib.run(SMALL, tmp_path / "run", export_dir=precious, verbose=0)
    assert (precious / "notes.txt").read_text() == "keep me"


def _checkpoint_state(workdir):
    """The checkpoint manager's state file (written last, once a checkpoint
    is whole), or None."""
    path = workdir / "checkpoints" / "checkpoint"
    return path.read_bytes() if path.exists() else None


@pytest.mark.slow
def test_binary_killed_mid_run_resumes_to_the_same_result(tmp_path):
    # One run killed twice: right after its first checkpoint, then (the
    # same command, resumed) 1.5 s after its next checkpoint (inside a
    # save, between checkpoint and progress.json, ...); the third command
    # finishes it. Its history and state equal the uninterrupted run's.
    flags = [
        "--steps=2000",
        "--log_every=100",
        "--eval_every=1000",
        "--steps_per_execution=10",
        "--batch_size=32",
        "--penalty=zero_gp",
        "--d_optimizer=momentum",
        "--g_optimizer=adam",
        "--seed=3",
    ]
    workdir = tmp_path / "killed"
    cmd = [
        sys.executable,
        str(BINARY),
        f"--workdir={workdir}",
        f"--export_dir={tmp_path / 'export'}",
        *flags,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for kill_after_s in (0.0, 1.5):
        before = _checkpoint_state(workdir)
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        deadline = time.time() + 240
        while _checkpoint_state(workdir) in (None, before):
            assert proc.poll() is None, "training ended before a checkpoint"
            assert time.time() < deadline, "no checkpoint within 240 s"
            time.sleep(0.02)
        time.sleep(kill_after_s)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (workdir / "metrics.json").exists(), (
            "run finished before the kill"
        )
    # Whether the killed runs recorded their time (progress.json follows
    # the checkpoint; a kill in between loses the time since the last
    # record).
    recorded = (workdir / "progress.json").exists()
    earlier_s = (
        json.loads((workdir / "progress.json").read_text())["wall_time_s"]
        if recorded
        else 0.0
    )
    done = subprocess.run(
        cmd, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Resuming" in done.stdout
    metrics = json.loads((workdir / "metrics.json").read_text())
    assert 0 < metrics["steps_trained_this_run"] < 2000
    assert metrics["total_steps"] == 2000
    if recorded:
        assert metrics["wall_time_s"] > metrics["wall_time_this_run_s"]
    else:
        assert metrics["wall_time_s"] == metrics["wall_time_this_run_s"]
    assert metrics["wall_time_s"] == pytest.approx(
        earlier_s + metrics["wall_time_this_run_s"]
    )

    config = TrainConfig.from_dict(
        json.loads((workdir / "config.json").read_text())
    )
    reference = train_lib.run(config, tmp_path / "reference", verbose=0)
    assert metrics["history"] == reference["history"]
    _assert_same_state(
        _state(config, workdir), _state(config, tmp_path / "reference")
    )


@pytest.mark.slow
def test_mixed_float16_lazy_penalty_run(tmp_path):
    config = dataclasses.replace(
        SMALL, mixed_precision="mixed_float16", penalty_every=4, steps=200
    )
    result = train_lib.run(config, tmp_path, verbose=0)
    assert np.isfinite(result["losses"]["penalty"])
    assert result["losses"]["penalty"] > 0
    assert not result["final"].get("diverged")
    # The global policy is back to float32 after the build.
    assert keras.config.dtype_policy().name == "float32"
    generator = export.load_generator(tmp_path / "saved_model")
    samples = generator(np.zeros((3, config.latent_dim), np.float32))
    assert samples.dtype == tf.float32


def test_multi_worker_strategy_needs_tf_config(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    config = dataclasses.replace(SMALL, strategy="multi_worker")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        train_lib.run(config, tmp_path, verbose=0)


def test_auto_jit_compile_xla_for_dense_not_conv(monkeypatch):
    from keras_gans import networks, training

    real_devices = tf.config.list_logical_devices

    def devices(kind=None):
        return [] if kind == "GPU" else real_devices(kind)

    # The CPU rule, on any host: XLA for Dense-only discriminators.
    monkeypatch.setattr(tf.config, "list_logical_devices", devices)
    small = networks.mlp_discriminator(2, (64, 64))
    assert training.auto_jit_compile(small)
    wide = networks.mlp_discriminator(784, (512, 512, 512))
    assert training.auto_jit_compile(wide)
    x = keras.Input((8, 8, 1))
    conv = keras.Model(x, keras.layers.Conv2D(1, 3)(x))
    assert not training.auto_jit_compile(conv)
    # With a GPU visible, XLA for every discriminator.
    monkeypatch.setattr(
        tf.config,
        "list_logical_devices",
        lambda kind=None: ["GPU:0"] if kind == "GPU" else real_devices(kind),
    )
    assert training.auto_jit_compile(conv)
    with pytest.raises(ValueError, match="jit_compile must be"):
        dataclasses.replace(SMALL, jit_compile="yes").validate()


_IMAGE = TrainConfig(
    dataset="stacked_digits",
    steps=4,
    batch_size=8,
    latent_dim=8,
    base_filters=4,
    log_every=2,
    eval_every=4,
    eval_samples=64,
    steps_per_execution=2,
    lr_schedule="constant",
)


@pytest.mark.parametrize(
    "overrides",
    [
        dict(loss="minimax", penalty="r1"),
        dict(dataset="digits", penalty="zero_gp", replay_size=32),
        dict(loss="wasserstein", penalty="wgan_gp", n_critic=2),
        dict(
            dataset="digits",
            loss="hinge",
            penalty="dragan",
            ewc_weight=1.0,
            ewc_every=2,
        ),
        dict(penalty="lipschitz", unroll_steps=1, real_weight=10.0),
        dict(
            dataset="digits",
            penalty="r2",
            network="mlp",
            hidden_units=(16,),
            ema_decay=0.0,
        ),
        dict(penalty="none", penalty_output="sigmoid", jit_compile=True),
        dict(
            dataset="digits",
            augment="diffaugment:translation,cutout,color",
            instance_noise=0.1,
            instance_noise_anneal_steps=4,
            spectral_norm=True,
            label_smoothing=0.9,
            d_l1=1e-4,
        ),
        dict(augment="ada", penalty="r1", penalty_norm="l1"),
    ],
    ids=[
        "minimax-r1",
        "replay",
        "wgan-gp",
        "hinge-ewc",
        "unrolled-lipschitz",
        "mlp-r2",
        "xla",
        "diffaugment-noise-sn-smoothing-l1",
        "ada",
    ],
)
def test_image_runs_with_every_loss_penalty_and_callback(tmp_path, overrides):
    config = dataclasses.replace(_IMAGE, **overrides)
    result = train_lib.run(config, tmp_path / "run", verbose=0)
    final = result["final"]
    assert final["step"] == 4
    channels = 3 if config.dataset == "stacked_digits" else 1
    assert final["num_modes"] == 10**channels
    assert {"classifier_score", "modes", "kl", "frechet_distance"} <= set(final)
    assert [r["step"] for r in result["history"]] == [4]
    workdir = tmp_path / "run"
    for name in ("samples.png", "image_metrics.json", "metrics.json"):
        assert (workdir / name).is_file(), name
    assert (workdir / "grids" / "samples_0000004.png").is_file()
    assert (workdir / "saved_model" / "saved_model.pb").is_file()


@pytest.mark.slow
def test_image_run_resumes_exactly(tmp_path):
    config = dataclasses.replace(_IMAGE, steps=6, eval_every=2)
    reference = train_lib.run(config, tmp_path / "ref", verbose=0)
    with pytest.raises(KeyboardInterrupt):
        train_lib.run(
            config, tmp_path / "cut", verbose=0, extra_callbacks=[_Interrupt()]
        )
    resumed = train_lib.run(config, tmp_path / "cut", verbose=0)
    assert resumed["steps_trained_this_run"] == 2
    assert resumed["history"] == reference["history"]
    _assert_same_state(
        _state(config, tmp_path / "ref"), _state(config, tmp_path / "cut")
    )


def test_missing_tfds_data_is_an_error_before_training(tmp_path):
    import time

    from keras_gans import data

    config = dataclasses.replace(
        _IMAGE, dataset="mnist", data_dir=str(tmp_path / "tfds")
    )
    start = time.time()
    with pytest.raises(data.DataNotAvailableError, match="tfds build mnist"):
        train_lib.run(config, tmp_path / "run", verbose=0)
    assert time.time() - start < 15
    assert not (tmp_path / "run").exists()  # a failed start writes nothing


def test_image_config_checks():
    with pytest.raises(ValueError, match="network 'dcgan' needs an image"):
        TrainConfig(network="dcgan").validate()
    with pytest.raises(ValueError, match="dataset must be one of .*'svhn'"):
        TrainConfig(dataset="svhn").validate()
    with pytest.raises(ValueError, match="network must be one of"):
        TrainConfig(dataset="digits", network="resnet").validate()
    assert TrainConfig().network_name == "mlp"
    assert TrainConfig(dataset="digits").network_name == "dcgan"


def test_tfds_image_run_on_mock_data(tmp_path):
    import tensorflow_datasets as tfds

    config = dataclasses.replace(
        _IMAGE,
        dataset="mnist",
        data_dir=str(tmp_path / "tfds"),
        download_data=True,
        steps=2,
        eval_every=2,
        eval_samples=16,
    )
    with tfds.testing.mock_data(num_examples=20):
        result = train_lib.run(config, tmp_path / "run", verbose=0)
    # No Inception weights given: sample grids only, no metrics.
    assert result["final"] == {"step": 2}
    assert (tmp_path / "run" / "grids" / "samples_0000002.png").is_file()
    assert (tmp_path / "run" / "samples.png").is_file()


def test_stabiliser_settings_reach_the_gan():
    """--spectral_norm, --label_smoothing, --penalty_norm/--penalty_layer,
    --d_weight_decay and --d_l1 change what they should in build_gan."""
    from keras_gans import losses, penalties, spectral_norm, training

    plain = train_lib.build_gan(SMALL)
    config = dataclasses.replace(
        SMALL,
        spectral_norm=True,
        label_smoothing=0.9,
        penalty_norm="l1",
        penalty_layer="dense_1",
        d_optimizer=OptimizerConfig(learning_rate=1e-3, weight_decay=0.01),
        d_l1=1e-3,
    ).validate()
    gan = train_lib.build_gan(config)
    wrapped = [
        layer.name
        for layer in gan.discriminator.layers
        if isinstance(layer, spectral_norm.SpectralNormalization)
    ]
    assert wrapped == ["dense_0", "dense_1", "dense_2", "logit"]
    assert not any(
        isinstance(layer, spectral_norm.SpectralNormalization)
        for layer in plain.discriminator.layers
    )
    # One-sided smoothing by hand: L_real = -(0.9 log s(d) + 0.1 log(1-s(d))).
    d = np.array([[2.0], [-1.0]], np.float32)
    sig = 1 / (1 + np.exp(-d))
    by_hand = np.mean(-(0.9 * np.log(sig) + 0.1 * np.log(1 - sig)))
    got = gan.objective.discriminator_terms(d, np.full_like(d, -50.0))
    np.testing.assert_allclose(float(got), by_hand, rtol=1e-5)
    assert losses.is_logistic(gan.loss_fn)
    # The penalty: r1 with the L1 norm w.r.t. dense_1's output.
    real = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    seed = tf.constant([0, 0], tf.int64)
    expected = penalties.r1(
        gan.discriminator, real, real, seed, norm="l1", layer="dense_1"
    )
    np.testing.assert_allclose(
        float(gan.penalty_fn(gan.discriminator, real, real, seed)),
        float(expected),
    )
    assert float(gan.d_optimizer.weight_decay) == pytest.approx(0.01)
    assert not gan.g_optimizer.weight_decay
    assert not plain.d_optimizer.weight_decay
    [hook] = gan.hooks
    assert isinstance(hook, training.L1WeightPenalty) and hook.weight == 1e-3
    assert plain.hooks == ()


def test_spectral_norm_wraps_the_dcgan_discriminator():
    from keras_gans import spectral_norm

    gan = train_lib.build_gan(
        dataclasses.replace(_IMAGE, spectral_norm=True).validate()
    )
    wrapped = [
        layer
        for layer in gan.discriminator.layers
        if isinstance(layer, spectral_norm.SpectralNormalization)
    ]
    assert len(wrapped) >= 3


def test_unknown_penalty_layer_is_an_error_before_training(tmp_path):
    config = dataclasses.replace(SMALL, penalty_layer="nope").validate()
    with pytest.raises(ValueError, match="penalty_layer: .*no layer 'nope'"
                       ".*its layers: sample, dense_0"):
        train_lib.run(config, tmp_path / "run", verbose=0)
    assert not (tmp_path / "run").exists()


@pytest.mark.slow  # ~20 s
def test_d_warmup_runs_once_per_run_and_is_checkpointed(tmp_path):
    config = TrainConfig(
        steps=20, batch_size=16, log_every=10, eval_every=20,
        eval_samples=100, steps_per_execution=10, d_warmup_steps=5,
        lr_schedule="constant", jit_compile=False,  # XLA: test_warmup
    )
    train_lib.run(config, tmp_path / "run", verbose=0)
    longer = dataclasses.replace(config, steps=30)
    result = train_lib.run(longer, tmp_path / "run", verbose=0)
    assert result["steps_trained_this_run"] == 10
    gan = train_lib.build_gan(longer)
    callbacks.Checkpoint(gan, tmp_path / "run" / "checkpoints").restore()
    assert int(gan.d_warmup_done.numpy()) == 5
    assert int(gan.d_optimizer.iterations.numpy()) == 5 + 30
# ------------------------------------------------------------- conditional

_COND_TOY = TrainConfig(
    conditional=True,
    steps=4,
    batch_size=16,
    hidden_units=(16,),
    log_every=2,
    eval_every=4,
    eval_samples=80,
    steps_per_execution=2,
    lr_schedule="constant",
    penalty="r1",
)


@pytest.mark.parametrize(
    "overrides",
    [
        dict(),
        dict(dataset="grid", n_critic=2, label_distribution="data"),
        dict(
            dataset="digits",
            latent_dim=8,
            base_filters=4,
            batch_size=8,
            penalty="zero_gp",
        ),
        dict(
            dataset="stacked_digits",
            network="mlp",
            latent_dim=8,
            batch_size=8,
            eval_samples=1000,
            label_distribution="data",
        ),
        dict(
            dataset="digits",
            latent_dim=8,
            base_filters=4,
            batch_size=8,
            conditioning="acgan",
            classification_weight=0.5,
        ),
        dict(conditioning="acgan", n_critic=2, replay_size=32),
        dict(
            dataset="digits",
            latent_dim=8,
            base_filters=4,
            batch_size=8,
            mixed_precision="mixed_float16",
            keep_best="class_accuracy",
        ),
    ],
    ids=[
        "ring",
        "grid-ncritic2",
        "digits-dcgan",
        "stacked-mlp",
        "digits-acgan",
        "ring-acgan-replay",
        "digits-mixed-float16",
    ],
)
def test_conditional_runs(tmp_path, overrides):
    config = dataclasses.replace(_COND_TOY, **overrides)
    result = train_lib.run(config, tmp_path / "run", verbose=0)
    final = result["final"]
    assert final["step"] == 4 and 0.0 <= final["class_accuracy"] <= 1.0
    from keras_gans import data

    classes = data.num_classes(config.dataset)
    assert final["classes"] == classes
    saved = tmp_path / "run" / "saved_model"
    load = export.load_generator(saved)
    z = np.zeros((3, config.latent_dim), np.float32)
    out = load(z, np.array([0, 1, classes - 1], np.int32)).numpy()
    assert out.shape[0] == 3 and np.all(np.isfinite(out))
    with pytest.raises(ValueError, match="conditional: pass label"):
        load(z)
    by_class = tmp_path / "run" / "samples_by_class.png"
    assert by_class.is_file() == (config.dataset == "digits")
    if config.dataset == "digits":
        assert np.isfinite(final["intra_class_frechet"])
    if config.is_image:  # the periodic evaluation measures them too
        assert "class_accuracy" in result["history"][-1]


def test_conditional_run_resumes_exactly(tmp_path):
    # EWC's estimate at iteration 3 shapes the steps after the cut at 4.
    config = dataclasses.replace(
        _COND_TOY, steps=6, replay_size=32, ewc_weight=10.0, ewc_every=3
    )
    train_lib.run(config, tmp_path / "ref", verbose=0)
    with pytest.raises(KeyboardInterrupt):
        train_lib.run(
            config, tmp_path / "cut", verbose=0, extra_callbacks=[_Interrupt()]
        )
    resumed = train_lib.run(config, tmp_path / "cut", verbose=0)
    assert resumed["resumed_from_step"] == 4
    _assert_same_state(
        _state(config, tmp_path / "ref"), _state(config, tmp_path / "cut")
    )


@pytest.mark.parametrize(
    "overrides,flag,message",
    [
        (dict(dataset="celeb_a"), "conditional", "celeb_a' has none"),
        (dict(augment="ada"), "augment", "not supported with --cond"),
        (
            dict(conditioning="acgan", unroll_steps=1),
            "unroll_steps",
            "--conditioning=acgan",
        ),
    ],
)
def test_conditional_config_errors(overrides, flag, message):
    from keras_gans.config import ConfigError

    with pytest.raises(ConfigError, match=message) as error:
        dataclasses.replace(_COND_TOY, **overrides).validate()
    assert error.value.name == flag


def test_train_examples_reaches_the_training_pipeline():
    from keras_gans import data

    config = TrainConfig(dataset="stacked_digits", train_examples=3)
    batch = next(iter(train_lib.training_data(config))).numpy()
    first = data.digits("train")[0][:3, ..., 0]
    channels = {batch[i, ..., c].tobytes() for i in range(64) for c in range(3)}
    assert channels == {im.tobytes() for im in first}
    everything = TrainConfig(dataset="stacked_digits")
    full = next(iter(train_lib.training_data(everything))).numpy()
    assert len({full[i, ..., 0].tobytes() for i in range(64)}) > 3


def test_fake_labels_follow_the_frequencies_of_the_training_subset():
    from keras_gans import data

    config = TrainConfig(
        dataset="digits",
        conditional=True,
        label_distribution="data",
        train_examples=12,
        network="mlp",
    )
    gan = train_lib.build_gan(config)
    labels = data.digits("train")[1][:12]
    expected = [np.mean(labels == c) for c in range(10)]
    np.testing.assert_allclose(
        np.asarray(gan.conditioning.probabilities), expected, rtol=1e-6
    )
