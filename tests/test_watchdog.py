"""The collapse watchdog: a run forced to collapse (learning rates raised at
a step) is rolled back and recovers; kill-and-resume in the middle of a
retry gives the uninterrupted run."""

import gc
import json
import os
import tempfile

import keras
import numpy as np
import pytest

import keras_gans as kg
from keras_gans import callbacks, data

EPOCH = 100  # steps per epoch; the watchdog checks every epoch
BUMP_STEP = 400  # where the learning rates are raised to 0.5
# Ring mode coverage of this tiny run: reverse KL falls from 1.4 to ~0.7
# by step 400; after the bump every sample sits in one mode (log 8 = 2.08).
RULE = callbacks.Thresholds(maximum={"reverse_kl": 1.5})


def _gan(lr=1e-3):
    keras.utils.set_random_seed(0)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    gan.compile(
        keras.optimizers.Adam(lr),
        keras.optimizers.Adam(lr),
        jit_compile=False,
        steps_per_execution=10,
    )
    return gan


class _Bump(keras.callbacks.Callback):
    """Raises both learning rates to 0.5 at BUMP_STEP (a forced collapse)."""

    def __init__(self, gan):
        super().__init__()
        self.gan = gan

    def on_epoch_begin(self, epoch, logs=None):
        if int(self.gan.g_optimizer.iterations.numpy()) == BUMP_STEP:
            self.gan.d_optimizer.learning_rate = 0.5
            self.gan.g_optimizer.learning_rate = 0.5


def _signal():
    return callbacks.toy_signal(data.mixture("ring"), num_samples=500, seed=1)


def _fit(gan, extra, start_epoch, epochs):
    step = int(gan.g_optimizer.iterations.numpy())
    gan.fit(
        data.toy_dataset("ring", 64, seed=0, start_step=step),
        steps_per_epoch=EPOCH,
        initial_epoch=start_epoch,
        epochs=epochs,
        verbose=0,
        callbacks=[_Bump(gan), *extra],
    )


def _watchdog(gan, tmp_path, name, **options):
    return callbacks.CollapseWatchdog(
        gan,
        _signal(),
        RULE,
        directory=tmp_path / name / "snapshots",
        every=EPOCH,
        lr_factor=0.5,
        max_retries=2,
        json_path=tmp_path / name / "events.json",
        log_dir=tmp_path / name / "tb",
        verbose=False,
        **options,
    )


def _weights(gan):
    return [np.asarray(w) for w in gan.weights]


def test_forced_collapse_is_rolled_back_and_recovers(tmp_path):
    # Without the watchdog the bump collapses the run for good.
    plain = _gan()
    _fit(plain, [], 0, 8)
    assert RULE(_signal()(plain))

    gan = _gan()
    wd = _watchdog(gan, tmp_path, "a")
    _fit(gan, [wd], 0, 8)
    events = json.loads((tmp_path / "a" / "events.json").read_text())
    assert [e["event"] for e in events] == ["rollback"]
    event = events[0]
    assert event["step"] == BUMP_STEP + EPOCH
    assert event["restored_step"] == BUMP_STEP
    assert event["signal"]["reverse_kl"] > 1.5
    # Learning rates: the bump's 0.5 is gone, the base 1e-3 is halved.
    np.testing.assert_allclose(event["learning_rates"], [5e-4, 5e-4])
    np.testing.assert_allclose(wd.learning_rates(), [5e-4, 5e-4])
    assert event["noise_offset"] == 1
    assert list(np.asarray(gan.rng_seed)) == [0, 1]
    # The step counters went on (the retry spends the step budget).
    assert int(gan.g_optimizer.iterations.numpy()) == 8 * EPOCH
    assert not RULE(_signal()(gan))
    assert list((tmp_path / "a" / "tb").glob("events.out.tfevents.*"))


def test_resume_in_the_middle_of_a_retry_equals_the_uninterrupted_run(
    tmp_path,
):
    whole = _gan()
    _fit(whole, [_watchdog(whole, tmp_path, "whole")], 0, 8)

    # Interrupted at step 600, one epoch after the rollback at 500.
    first = _gan()
    wd = _watchdog(first, tmp_path, "resumed")
    saver = callbacks.Checkpoint(first, tmp_path / "ckpt", watchdog=wd.state)
    _fit(first, [wd, saver], 0, 6)
    assert int(wd.state.retries.numpy()) == 1

    again = _gan()
    wd2 = _watchdog(again, tmp_path, "resumed")
    saver2 = callbacks.Checkpoint(again, tmp_path / "ckpt", watchdog=wd2.state)
    assert saver2.restore() == 6 * EPOCH
    assert int(wd2.state.retries.numpy()) == 1
    _fit(again, [wd2, saver2], 6, 8)

    for a, b in zip(_weights(whole), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)
    events = [
        json.loads((tmp_path / name / "events.json").read_text())
        for name in ("whole", "resumed")
    ]
    assert events[0] == events[1]


def test_retry_limit_and_lr_schedule(tmp_path):
    # Healthy at the first check, then always "collapsed": rollbacks to
    # step 2 until the limit, then one gave_up event; a schedule is
    # scaled, not replaced.
    schedule = keras.optimizers.schedules.PolynomialDecay(1e-3, 1000, 1e-5)
    keras.utils.set_random_seed(0)
    gan = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    gan.compile(
        keras.optimizers.Adam(schedule),
        keras.optimizers.Adam(1e-3),
        jit_compile=False,
    )
    wd = callbacks.CollapseWatchdog(
        gan,
        lambda g: {"x": float(int(g.g_optimizer.iterations.numpy()) <= 2)},
        callbacks.Thresholds(minimum={"x": 1.0}),
        every=2,
        lr_factor=0.1,
        max_retries=2,
        verbose=False,
    )
    gan.fit(
        data.toy_dataset("ring", 16, seed=0),
        steps_per_epoch=2,
        epochs=5,
        verbose=0,
        callbacks=[wd],
    )
    events = [(e["event"], e.get("restored_step")) for e in wd.events]
    assert events == [("rollback", 2), ("rollback", 2), ("gave_up", None)]
    d_lr, g_lr = wd.learning_rates()
    assert g_lr == pytest.approx(1e-5)
    assert d_lr == pytest.approx(0.01 * float(schedule(10)), rel=1e-5)


def test_drop_rule_is_relative_to_the_best_healthy_check():
    rule = callbacks.Drop("modes", 2.5)
    assert not rule({"modes": 3.0})  # no history: healthy
    healthy = [{"modes": 20.0}, {"modes": 18.0}]
    assert not rule({"modes": 18.0}, healthy)  # 20 - 2.5 = 17.5
    assert rule({"modes": 17.0}, healthy)
    assert rule({"diverged": True}, healthy)
    kl = callbacks.Drop("kl", 0.5, mode="min")
    assert kl({"kl": 1.6}, [{"kl": 1.0}, {"kl": 2.0}])
    assert not kl({"kl": 1.5}, [{"kl": 1.0}])


def _at_modes(mix, counts, off=0):
    """Samples placed by hand: ``counts[k]`` exactly on centre ``k`` (high
    quality) and ``off`` at the origin, a radius from every centre of the
    ring, far beyond 3 sigma (low quality)."""
    points = [np.repeat(mix.centres[k][None], n, 0) for k, n in
              enumerate(counts)]
    return np.concatenate(points + [np.zeros((off, 2), np.float32)])


def test_held_modes_need_a_quarter_of_their_share_in_high_quality_samples():
    mix = data.mixture("ring")
    assert np.linalg.norm(mix.centres, axis=1).min() > 3 * mix.sigma
    # N = 200, K = 8: a uniform share is 25 samples, a quarter of it 6.25.
    x = _at_modes(mix, [100, 30, 6, 1, 0, 0, 0, 0], off=63)
    assert kg.metrics.held_modes(x, mix) == 2  # 6 < 6.25: a stray mode
    assert kg.metrics.mode_coverage(x, mix).modes == 4  # one sample is enough
    assert kg.metrics.held_modes(x, mix, share=0.2) == 3  # 6 >= 5
    assert kg.metrics.held_modes(_at_modes(mix, [25] * 8), mix) == 8
    with pytest.raises(ValueError, match="share"):
        kg.metrics.held_modes(x, mix, share=0.0)


class _Samples:
    """A stand-in GAN whose generate returns given samples."""

    def __init__(self, x):
        self.x = x

    def generate(self, n, seed=None):
        return self.x


def test_mode_collapse_rule_is_good_samples_on_too_few_modes():
    mix = data.mixture("ring")
    rule = callbacks.ModeCollapse(mix.num_modes)
    signal = callbacks.toy_signal(mix)
    # Mode collapse: 90 % high quality, on 2 of 8 modes.
    collapsed = signal(_Samples(_at_modes(mix, [120, 60], off=20)))
    assert collapsed["hq_modes"] == 2 and collapsed["high_quality"] == 0.9
    assert rule(collapsed)
    # Not converged (the SGD ring's rotation): samples off the modes, a few
    # on some. Not collapse, whatever the history.
    rotating = signal(_Samples(_at_modes(mix, [40, 30], off=130)))
    assert rotating["high_quality"] == 0.35
    assert not rule(rotating, [{"high_quality": 0.9, "hq_modes": 8.0}])
    # Healthy: 7 of 8 modes held is at least 80 % of 8 (6.4).
    healthy = signal(_Samples(_at_modes(mix, [30] * 7 + [2], off=10)))
    assert healthy["hq_modes"] == 7 and not rule(healthy)
    assert rule({"diverged": True})
    with pytest.raises(ValueError, match="no 'hq_modes'"):
        rule({"high_quality": 1.0, "modes": 8})
    with pytest.raises(ValueError, match="min_quality"):
        callbacks.ModeCollapse(8, min_quality=1.5)


def test_the_toy_default_rule_is_mode_collapse_with_the_data_sets_modes():
    from keras_gans import run_callbacks
    from keras_gans.config import TrainConfig

    for dataset, modes in (("ring", 8), ("grid", 25)):
        rule = run_callbacks.watchdog_rule(TrainConfig(dataset=dataset))
        assert isinstance(rule, callbacks.ModeCollapse)
        assert rule.describe() == {
            "num_modes": modes, "min_quality": 0.5, "min_fraction": 0.8
        }


def test_bad_watchdog_settings():
    gan = _gan()
    with pytest.raises(ValueError, match="signal has no 'modes'"):
        callbacks.Thresholds(minimum={"modes": 1})({"kl": 0.0})
    with pytest.raises(ValueError, match="lr_factor"):
        callbacks.CollapseWatchdog(gan, _signal(), RULE, lr_factor=0)
    uncompiled = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    with pytest.raises(ValueError, match="Compile the GAN"):
        callbacks.CollapseWatchdog(uncompiled, _signal(), RULE)


def test_its_own_snapshot_directory_goes_with_it(tmp_path, monkeypatch):
    """Without a directory the watchdog snapshots into a temporary one of
    its own: removed when it is dropped, trained or not; a refused
    watchdog makes none."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gan = _gan()
    wd = callbacks.CollapseWatchdog(gan, _signal(), RULE, verbose=False)
    own = wd.directory
    assert os.path.dirname(own) == str(tmp_path) and os.path.isdir(own)
    del wd
    gc.collect()
    assert os.listdir(tmp_path) == []
    uncompiled = kg.GAN(*kg.networks.toy_mlp(), latent_dim=2, seed=0)
    with pytest.raises(ValueError, match="Compile the GAN"):
        callbacks.CollapseWatchdog(uncompiled, _signal(), RULE)
    assert os.listdir(tmp_path) == []


LADDER = ("zero_gp:1", "r1:10")


def _penalty(gan):
    from keras_gans import registry

    reg = gan.regularizer
    return registry.unwrap(reg.fn).__name__, reg.weight


def test_escalation_switches_on_the_next_remedy_and_resumes_exactly(tmp_path):
    """--watchdog_action=escalate: the rollback restores the good state
    (its learning rates with it) and switches on the ladder's first rung,
    a gradient penalty, instead of lowering the learning rates; the rung
    rides the checkpoint, so a run resumed after the rollback goes on with
    the remedy and ends where the uninterrupted one does."""
    whole = _gan()
    assert _penalty(whole)[0] == "none"
    wd = _watchdog(whole, tmp_path, "whole", action="escalate", ladder=LADDER)
    _fit(whole, [wd], 0, 8)
    events = json.loads((tmp_path / "whole" / "events.json").read_text())
    assert [(e["event"], e.get("remedy")) for e in events] == [
        ("rollback", "zero_gp:1")
    ]
    assert events[0]["restored_step"] == BUMP_STEP
    np.testing.assert_allclose(events[0]["learning_rates"], [1e-3, 1e-3])
    assert _penalty(whole) == ("zero_gp", 1.0)
    assert int(wd.state.rung.numpy()) == 1
    assert whole.history.history["penalty"][-1] > 0

    first = _gan()
    wd = _watchdog(first, tmp_path, "resumed", action="escalate",
                   ladder=LADDER)
    saver = callbacks.Checkpoint(first, tmp_path / "ckpt", watchdog=wd.state)
    _fit(first, [wd, saver], 0, 6)
    again = _gan()
    wd2 = _watchdog(again, tmp_path, "resumed", action="escalate",
                    ladder=LADDER)
    saver2 = callbacks.Checkpoint(again, tmp_path / "ckpt", watchdog=wd2.state)
    assert saver2.restore() == 6 * EPOCH
    assert _penalty(again)[0] == "none"  # until training begins
    _fit(again, [wd2, saver2], 6, 8)
    assert _penalty(again) == ("zero_gp", 1.0)
    for a, b in zip(_weights(whole), _weights(again), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_ladder_is_read_and_checked():
    assert callbacks.watchdog.parse_ladder(["zero_gp:1", ("r1", 10)]) == (
        ("zero_gp", 1.0), ("r1", 10.0)
    )
    for bad, message in (
        (["zero_gp"], "PENALTY:WEIGHT"),
        (["zero_gp:x"], "not a number"),
        (["nope:1"], "unknown penalty 'nope'"),
        (["none:1"], "unknown penalty 'none'"),
        (["r1:-1"], ">= 0"),
    ):
        with pytest.raises(ValueError, match=message):
            callbacks.watchdog.parse_ladder(bad)
    gan = _gan()
    with pytest.raises(ValueError, match="needs a ladder"):
        callbacks.CollapseWatchdog(gan, _signal(), RULE, action="escalate")
    with pytest.raises(ValueError, match="Unknown watchdog action"):
        callbacks.CollapseWatchdog(gan, _signal(), RULE, action="pray")



@pytest.mark.parametrize(
    "overrides,flag,message",
    [
        (dict(watchdog_action="escalate"), "watchdog_action", "--watchdog"),
        (dict(watchdog=True, watchdog_ladder=("r1:1",)), "watchdog_ladder",
         "escalate"),
        (dict(watchdog=True, watchdog_action="escalate",
              watchdog_ladder=("r1",)), "watchdog_ladder", "PENALTY:WEIGHT"),
        (dict(watchdog=True, watchdog_action="escalate", penalty_every=2),
         "watchdog_action", "penalty_every"),
        # The ring trains with 0GP lambda 0.1: a rung of 0.1 adds nothing.
        (dict(watchdog=True, watchdog_action="escalate",
              watchdog_ladder=("zero_gp:0.1", "zero_gp:10")),
         "watchdog_ladder", r"no stronger .*e\.g\. zero_gp:1\."),
    ],
)
def test_escalation_settings_are_checked_by_name(overrides, flag, message):
    import dataclasses

    from keras_gans.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match=message) as e:
        dataclasses.replace(TrainConfig(), **overrides).validate()
    assert e.value.name == flag
    with pytest.raises(ConfigError, match="zero_gp:1 is no stronger"):
        TrainConfig(
            dataset="digits", watchdog=True, watchdog_action="escalate",
            watchdog_ladder=("zero_gp:1",),
        ).validate()


def test_default_ladder_climbs_from_the_runs_own_penalty():
    from keras_gans.config import TrainConfig
    from keras_gans.run_callbacks import watchdog_ladder

    def ladder(**overrides):
        config = TrainConfig(
            watchdog=True, watchdog_action="escalate", **overrides
        ).validate()
        assert config.watchdog_ladder == overrides.get(
            "watchdog_ladder", ()  # empty: the run's default
        )
        return watchdog_ladder(config)

    # The ring trains with 0GP lambda 0.1; digits with lambda 100.
    assert ladder() == (("zero_gp", 1.0), ("zero_gp", 10.0))
    assert ladder(dataset="digits") == (
        ("zero_gp", 1000.0), ("zero_gp", 10000.0)
    )
    assert ladder(penalty="r1", penalty_weight=2.0) == (
        ("r1", 20.0), ("r1", 200.0)
    )
    # Without a zero-centred penalty: the rungs WATCHDOG.md measured.
    assert ladder(dataset="grid", penalty="none") == (
        ("zero_gp", 1.0), ("zero_gp", 10.0)
    )
    assert ladder(dataset="stacked_digits", penalty="none") == (
        ("zero_gp", 10.0), ("zero_gp", 100.0)
    )
    assert ladder(dataset="grid", penalty="wgan_gp") == (
        ("zero_gp", 1.0), ("zero_gp", 10.0)
    )
    assert ladder(watchdog_ladder=("r1:5",)) == (("r1", 5.0),)
