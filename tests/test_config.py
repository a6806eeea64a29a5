import dataclasses

import keras
import numpy as np
import pytest

from keras_gans.experiments import presets
from keras_gans.experiments.presets import preset
from keras_gans.config import (
    ConfigError,
    OptimizerConfig,
    TrainConfig,
)


def test_default_is_valid_and_round_trips():
    config = TrainConfig().validate()
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_unknown_field_is_an_error():
    with pytest.raises(TypeError, match="lamba"):
        TrainConfig.from_dict({"lamba": 10.0})


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"dataset": "rings"}, "dataset must be one of .*got 'rings'"),
        ({"loss": "ls"}, "loss must be one of .*got 'ls'"),
        ({"penalty": "gp"}, "penalty must be one of .*got 'gp'"),
        ({"penalty_weight": -1.0}, r"penalty_weight must be in \[0, inf\)"),
        (
            {"penalty_weight": float("inf")},
            "penalty_weight must be a finite number",
        ),
        ({"real_weight": 0.0}, r"real_weight must be in \(0, inf\)"),
        ({"real_weight": float("nan")}, "real_weight must be a finite number"),
        ({"n_critic": 0}, r"n_critic must be in \[1, inf\)"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"seed": 2**32}, r"seed must be in \[0, 4294967295\]"),
        ({"steps": 700}, r"steps \(700\) must be a multiple of log_every"),
        ({"eval_every": 750}, r"eval_every \(750\) must be a multiple"),
        ({"steps_per_execution": 300}, r"multiple of steps_per_execution"),
        ({"lr_schedule": "step"}, "lr_schedule must be one of"),
        ({"hidden_units": ()}, "hidden_units must be positive"),
        ({"seed": -1}, r"seed must be in \[0, "),
        ({"d_optimizer": OptimizerConfig(name="rmsprop")}, "d_optimizer must"),
        ({"g_optimizer": OptimizerConfig(learning_rate=0)}, r"g_lr must be in"),
        (
            {"d_optimizer": OptimizerConfig(learning_rate=float("nan"))},
            "d_lr must be a finite number",
        ),
        (
            {"g_optimizer": OptimizerConfig(beta1=1.0)},
            r"beta1 must be in \[0, 1\)",
        ),
    ],
)
def test_bad_values_name_the_field(changes, message):
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(TrainConfig(), **changes).validate()


def test_train_examples_is_for_image_data_within_the_split():
    with pytest.raises(ConfigError, match="train_examples is for image"):
        TrainConfig(train_examples=100).validate()
    with pytest.raises(ConfigError, match="more than the 1438 digits"):
        TrainConfig(dataset="digits", train_examples=1439).validate()
    TrainConfig(dataset="stacked_digits", train_examples=1438).validate()


def test_data_set_defaults_apply_from_python():
    """TrainConfig(dataset=...) gets the data set's defaults, never the
    ring's; given fields win."""
    stacked = TrainConfig(dataset="stacked_digits")
    assert stacked.latent_dim == 100 and stacked.batch_size == 64
    assert stacked.d_optimizer.learning_rate == 2e-4
    assert stacked.eval_samples == 26_000
    assert TrainConfig(dataset="stacked_digits", latent_dim=8).latent_dim == 8
    assert TrainConfig().latent_dim == 2 and TrainConfig().batch_size == 256
    assert preset("stacked_digits") == stacked
    assert TrainConfig.from_dict(stacked.to_dict()) == stacked


@pytest.mark.parametrize("name", presets.names())
def test_every_preset_is_valid(name):
    config = preset(name)
    assert config.validate() is config
    assert presets.describe(name)


def test_unknown_preset_lists_the_names():
    with pytest.raises(ValueError, match="Valid: fig1, digits"):
        preset("fig2/r1")
    with pytest.raises(ValueError, match="Valid: ns_sgd, r1, ns_adam"):
        preset("fig1/r2")


def test_differences_name_nested_fields():
    a = preset("ring")
    b = preset("ring", seed=3, g_optimizer=OptimizerConfig(learning_rate=1))
    assert a.differences(b) == ("g_optimizer.learning_rate", "seed")


@pytest.mark.parametrize("schedule", ["constant", "linear", "cosine"])
def test_optimizer_schedules(schedule):
    opt = OptimizerConfig(name="momentum", learning_rate=0.1).build(
        schedule, decay_steps=100
    )
    assert float(opt.momentum) == pytest.approx(0.9)
    lr = opt.learning_rate
    if schedule == "constant":
        assert float(lr) == pytest.approx(0.1)
    else:
        opt.iterations.assign(100)
        assert float(opt.learning_rate) == pytest.approx(0.001)


def test_identity_differences_leave_out_what_may_change():
    a = preset("ring")
    b = preset("ring", steps=40_000, seed=1)
    assert a.differences(b) == ("steps", "seed")
    assert a.identity_differences(b) == ("seed",)


@pytest.mark.parametrize(
    "changes,name,message",
    [
        ({"label_smoothing": 0.5}, "label_smoothing", r"in \(0.5, 1\]"),
        ({"label_smoothing": 1.1}, "label_smoothing", r"in \(0.5, 1\]"),
        (
            {"label_smoothing": 0.9, "loss": "hinge"},
            "label_smoothing",
            "logistic losses .*got loss 'hinge'",
        ),
        ({"penalty_norm": "l3"}, "penalty_norm", "must be one of l2, l1"),
        (
            {"penalty_norm": "l1", "penalty": "wgan_gp"},
            "penalty_norm",
            "zero-centred penalties .*'wgan_gp'",
        ),
        (
            {"penalty_layer": "dense_0", "penalty": "dragan"},
            "penalty_layer",
            "zero-centred",
        ),
        ({"d_l1": -0.1}, "d_l1", r"d_l1 must be in \[0, inf\)"),
        (
            {"augment": "mixup", "dataset": "digits"},
            "augment",
            "Unknown augmentation 'mixup'. Valid: none, ada",
        ),
        (
            {"augment": "diffaugment:color,blur", "dataset": "digits"},
            "augment",
            r"unknown op\(s\) \['blur'\]",
        ),
        ({"augment": "ada"}, "augment", "'ring' is not an image data set"),
        ({"instance_noise": -0.1}, "instance_noise", r"in \[0, inf\)"),
        (
            {"instance_noise_anneal_steps": -1},
            "instance_noise_anneal_steps",
            r"in \[0, inf\)",
        ),
        (
            {"instance_noise": 0.1, "unroll_steps": 2},
            "unroll_steps",
            "cannot be combined with --augment or --instance_noise",
        ),
        (
            {"d_optimizer": OptimizerConfig(weight_decay=-1.0)},
            "d_weight_decay",
            r"d_weight_decay must be in \[0, inf\)",
        ),
    ],
)
def test_bad_stabiliser_settings_name_the_flag(changes, name, message):
    with pytest.raises(ConfigError, match=message) as info:
        dataclasses.replace(TrainConfig(), **changes).validate()
    assert info.value.name == name


@pytest.mark.parametrize(
    "changes,name,needs",
    [
        ({"conditioning": "acgan"}, "conditioning", "--conditional"),
        ({"ewc_every": 50}, "ewc_every", "--ewc_weight > 0"),
        ({"ewc_alpha": 0.9}, "ewc_alpha", "--ewc_weight > 0"),
        ({"inception_weights": "imagenet"}, "inception_weights", "a tfds"),
        (
            {"dataset": "digits", "inception_graph": "g.pb"},
            "inception_graph",
            "a tfds",
        ),
    ],
)
def test_settings_that_would_be_ignored_are_refused(changes, name, needs):
    with pytest.raises(ConfigError, match=f"acts only with {needs}") as info:
        dataclasses.replace(TrainConfig(), **changes).validate()
    assert info.value.name == name
    # With what they need, they are taken.
    enabling = {
        "conditioning": {"conditional": True},
        "ewc_every": {"ewc_weight": 1.0},
        "ewc_alpha": {"ewc_weight": 1.0},
        "inception_weights": {"dataset": "mnist"},
        "inception_graph": {"dataset": "mnist"},
    }[name]
    dataclasses.replace(TrainConfig(), **{**changes, **enabling}).validate()


def test_penalty_options_carry_norm_and_layer():
    config = TrainConfig(penalty="r1", penalty_norm="l1",
                         penalty_layer="dense_0").validate()
    assert config.penalty_options() == {"norm": "l1", "layer": "dense_0"}
    assert TrainConfig().penalty_options() == {}


@pytest.mark.parametrize("name", ["adam", "sgd", "momentum"])
def test_decoupled_weight_decay_shrinks_by_lr_times_decay(name):
    """With a zero gradient the update is the decay alone: w - lr*wd*w."""
    opt = OptimizerConfig(name=name, learning_rate=0.01,
                          weight_decay=0.5).build()
    w0 = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    w = keras.Variable(w0, name="kernel")
    opt.apply([np.zeros_like(w0)], [w])
    np.testing.assert_allclose(w.numpy(), w0 - 0.01 * 0.5 * w0, rtol=1e-7)
    plain = OptimizerConfig(name=name).build()
    assert not plain.weight_decay


def test_a_config_json_from_before_the_stabilisers_is_the_same_run():
    """A workdir's config.json written before these settings existed loads
    with them off and is not another run."""
    new = ("spectral_norm", "label_smoothing", "penalty_norm",
           "penalty_layer", "d_l1", "augment", "instance_noise",
           "instance_noise_anneal_steps", "d_warmup_steps")
    old = TrainConfig().to_dict()
    for key in new:
        del old[key]
    for player in ("d_optimizer", "g_optimizer"):
        del old[player]["weight_decay"]
    loaded = TrainConfig.from_dict(old)
    assert loaded == TrainConfig()
    assert not loaded.identity_differences(TrainConfig())


def test_sections_join_into_the_config_and_hand_compile_its_arguments():
    import dataclasses
    import inspect

    import keras_gans as kg
    from keras_gans.config import SECTIONS

    # Every field belongs to exactly one section, in the flags' order.
    names = [f.name for _, kind in SECTIONS for f in dataclasses.fields(kind)]
    assert names == [f.name for f in dataclasses.fields(TrainConfig)]
    config = TrainConfig(
        dataset="digits", n_critic=2, penalty="lipschitz", lipschitz_k=2.0,
        ema_decay=0.0, jit_compile=None, unroll_steps=1, d_warmup_steps=3,
        label_smoothing=0.9,
    ).validate()
    objective = config.section("objective")
    assert objective.n_critic == 2 and objective.lipschitz_k == 2.0
    with pytest.raises(ValueError, match="Unknown section 'optimizers'"):
        config.section("optimizers")
    # compile_args covers every GAN.compile argument but the optimizers.
    args = config.compile_args()
    wanted = set(inspect.signature(kg.GAN.compile).parameters) - {
        "self", "d_optimizer", "g_optimizer", "kwargs"
    }
    assert set(args) == wanted
    assert args["n_critic"] == 2 and args["d_warmup_steps"] == 3
    assert args["ema_decay"] is None and args["jit_compile"] == "auto"
    assert args["unroll_steps"] == 1 and args["penalty_weight"] == 100.0
    assert callable(args["loss"]) and args["penalty"].keywords == {"k": 2.0}
