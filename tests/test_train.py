"""keras-gans-train's flags: bad values are usage errors naming the flag."""

import importlib.util
import pathlib

import pytest
from absl import app, flags
from absl.testing import flagsaver

from keras_gans.config import TrainConfig

# The binary as it is in the repository (installed, it is keras_gans.bin).
_PATH = pathlib.Path(__file__).resolve().parents[1] / "bin" / "train.py"
_SPEC = importlib.util.spec_from_file_location("keras_gans_train_bin", _PATH)
train = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(train)


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--steps=0"], "flag --steps=0"),
        (["--penalty=gp"], "flag --penalty=gp"),
        (["--d_lr=-1"], "flag --d_lr=-1"),
        (["--g_optimizer=rmsprop"], "flag --g_optimizer=rmsprop"),
        (["--penalty_weight=-3"], "flag --penalty_weight=-3"),
        (["--n_critic=0"], "flag --n_critic=0"),
    ],
)
def test_bad_flag_values(argv, message):
    with flagsaver.flagsaver():
        with pytest.raises(flags.IllegalFlagValueError, match=message):
            flags.FLAGS(["keras-gans-train", *argv])


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--steps=700"], "steps \\(700\\) must be a multiple of log_every"),
        (["--hidden_units=64,x"], "--hidden_units must be integers"),
    ],
)
def test_inconsistent_flags_are_usage_errors(argv, message):
    with flagsaver.flagsaver():
        flags.FLAGS(["keras-gans-train", *argv])
        with pytest.raises(app.UsageError, match=message):
            train.config_from_flags()


def test_flags_reach_the_config():
    with flagsaver.flagsaver():
        flags.FLAGS(
            [
                "keras-gans-train",
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
            ]
        )
        config = train.config_from_flags()
    assert config.dataset == "grid" and config.penalty == "wgan_gp"
    assert config.n_critic == 5 and config.real_weight == 10.0
    assert config.d_optimizer.name == "momentum"
    assert config.g_optimizer.learning_rate == 0.0002
    assert config.g_optimizer.beta2 == 0.9
    assert config.hidden_units == (128, 128, 128)
    assert config.jit_compile is True


def test_image_dataset_defaults_apply_to_flags_not_given():
    from keras_gans.config import DATASET_DEFAULTS

    with flagsaver.flagsaver():
        flags.FLAGS(
            [
                "keras-gans-train",
                "--dataset=stacked_digits",
                "--steps=2000",
                "--penalty=r1",
            ]
        )
        config = train.config_from_flags()
    defaults = DATASET_DEFAULTS["stacked_digits"]
    assert config.steps == 2000  # given: kept
    assert config.penalty == "r1"
    assert config.latent_dim == defaults["latent_dim"] == 100
    assert config.batch_size == 64 and config.eval_samples == 26_000
    assert config.d_optimizer.learning_rate == 2e-4
    assert config.g_optimizer.learning_rate == 2e-4
    assert config.network_name == "dcgan"
    with flagsaver.flagsaver():
        flags.FLAGS(["keras-gans-train"])
        assert train.config_from_flags() == TrainConfig()  # ring unchanged


def test_image_flags_reach_the_config():
    with flagsaver.flagsaver():
        flags.FLAGS(
            [
                "keras-gans-train",
                "--dataset=cifar10",
                "--data_dir=/data/tfds",
                "--network=mlp",
                "--base_filters=32",
                "--inception_weights=/w/inception.h5",
                "--latent_dim=50",
            ]
        )
        config = train.config_from_flags()
    assert config.dataset == "cifar10" and config.network == "mlp"
    assert config.data_dir == "/data/tfds" and config.base_filters == 32
    assert config.inception_weights == "/w/inception.h5"
    assert config.latent_dim == 50 and not config.download_data
