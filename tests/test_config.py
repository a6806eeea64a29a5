import dataclasses

import pytest

from keras_gans.config import OptimizerConfig, TrainConfig


def test_default_is_valid_and_round_trips():
    config = TrainConfig().validate()
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_unknown_field_is_an_error():
    with pytest.raises(TypeError, match="lamba"):
        TrainConfig.from_dict({"lamba": 10.0})


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"dataset": "rings"}, "Unknown data set 'rings'"),
        ({"loss": "ls"}, "Unknown GAN loss 'ls'"),
        ({"penalty": "gp"}, "Unknown gradient penalty 'gp'"),
        ({"penalty_weight": -1.0}, "penalty_weight must be >= 0"),
        ({"real_weight": 0.0}, "real_weight must be > 0"),
        ({"n_critic": 0}, "n_critic must be an integer >= 1"),
        ({"batch_size": 2.5}, "batch_size must be an integer >= 1"),
        ({"steps": 700}, r"steps \(700\) must be a multiple of log_every"),
        ({"eval_every": 750}, r"eval_every \(750\) must be a multiple"),
        ({"steps_per_execution": 300}, r"multiple of steps_per_execution"),
        ({"lr_schedule": "step"}, "lr_schedule must be one of"),
        ({"hidden_units": ()}, "hidden_units must be positive"),
        ({"seed": -1}, "seed must be >= 0"),
        ({"d_optimizer": OptimizerConfig(name="rmsprop")}, "d_optimizer must"),
        ({"g_optimizer": OptimizerConfig(learning_rate=0)}, "g_lr must be > 0"),
        (
            {"g_optimizer": OptimizerConfig(beta1=1.0)},
            r"beta1 must be in \[0, 1\)",
        ),
    ],
)
def test_bad_values_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TrainConfig(), **changes).validate()


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
