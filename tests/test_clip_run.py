"""A tiny moving-digits run end to end: train, evaluate, GIFs, export
(``[N, T, H, W, 1]``, loadable without keras_gans), resume, and the clip
settings' refusals."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_gans import config as config_lib
from keras_gans import sampling, train_lib
from keras_gans.config import TrainConfig

TINY = dict(
    dataset="moving_digits",
    frames=8,
    base_filters=2,
    latent_dim=16,  # the default sprite G: 8 content + 8 frames x 1
    batch_size=4,
    steps=4,
    log_every=2,
    eval_every=4,
    eval_samples=16,
    steps_per_execution=2,
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("clips") / "run"
    result = train_lib.run(TrainConfig(**TINY), workdir, verbose=0)
    return workdir, result


@pytest.mark.slow
def test_a_clip_run_evaluates_draws_and_exports(finished):
    workdir, result = finished
    final = result["final"]
    assert final["step"] == 4 and not final.get("diverged")
    for key in ("digit_confidence", "modes", "speed_w1", "clip_frechet"):
        assert np.isfinite(final[key]), key
    for name in ("samples.png", "samples.gif", "grids/samples_0000004.png",
                 "grids/samples_0000004.gif", "saved_model"):
        assert os.path.exists(workdir / name), name
    from PIL import Image

    gif = Image.open(workdir / "samples.gif")
    assert gif.n_frames == 8  # one GIF frame per clip frame
    # The export gives clips and loads without keras_gans.
    z = np.random.default_rng(0).normal(size=(3, 16)).astype(np.float32)
    np.save(workdir / "z.npy", z)
    script = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import tensorflow as tf
        m = tf.saved_model.load({str(workdir / "saved_model")!r})
        out = m.signatures["serving_default"](
            latent=tf.constant(np.load({str(workdir / "z.npy")!r}))
        )["samples"].numpy()
        np.save({str(workdir / "out.npy")!r}, out)
        assert not [m for m in sys.modules if m.startswith("keras_gans")]
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=300)
    out = np.load(workdir / "out.npy")
    assert out.shape == (3, 8, 32, 32, 1)
    assert out.min() >= -1 and out.max() <= 1


@pytest.mark.slow
def test_a_finished_clip_run_trains_nothing_again(finished):
    workdir, result = finished
    again = train_lib.run(TrainConfig(**TINY), workdir, verbose=0)
    assert again["steps_trained_this_run"] == 0
    assert again["final"] == result["final"]


def test_sample_writes_a_gif_of_clips_and_refuses_pngs(tmp_path):
    clips = np.random.default_rng(0).uniform(-1, 1, (5, 4, 8, 8, 1))
    path = sampling.write_samples(clips, tmp_path / "c.gif")
    from PIL import Image

    assert Image.open(path).n_frames == 4
    with pytest.raises(sampling.OutputExistsError):
        sampling.write_samples(clips, path)
    with pytest.raises(ValueError, match="FILE.gif for clips"):
        sampling.write_samples(clips, tmp_path / "pngs")
    with pytest.raises(ValueError, match="A GIF needs clips"):
        sampling.write_samples(clips[:, 0], tmp_path / "i.gif")
    many = np.zeros((sampling.MAX_GIF_CLIPS + 1, 2, 8, 8, 1))
    with pytest.raises(ValueError, match="--num_samples <= 64"):
        sampling.write_samples(many, tmp_path / "many.gif")
    assert not os.path.exists(tmp_path / "many.gif")


@pytest.mark.parametrize(
    "overrides,flag",
    [
        (dict(frames=12), "frames"),
        (dict(frame_size=30), "frame_size"),
        (dict(frame_size=8), "frame_size"),
        (dict(moving_digits=3), "moving_digits"),
        (dict(network="mlp"), "network"),
        (dict(watchdog=True), "watchdog"),
        (dict(conditional=True), "conditional"),
        (dict(augment="diffaugment:color"), "augment"),
        (dict(dataset="ring", frames=8), "frames"),
        (dict(dataset="digits", frame_critic=True), "frame_critic"),
        (dict(dataset="ring", frame_differences=True), "frame_differences"),
    ],
)
def test_clip_settings_are_refused_naming_the_flag(overrides, flag):
    with pytest.raises(config_lib.ConfigError) as e:
        TrainConfig(**{"dataset": "moving_digits", **overrides}).validate()
    assert e.value.name == flag


def test_the_default_clip_run_is_the_measured_preset():
    c = TrainConfig(dataset="moving_digits").validate()
    assert c.clip_shape == (16, 32, 32, 1)
    assert c.network_name == "dcgan" and c.penalty == "zero_gp"
    # The bouncing sprite G (benchmarks/MOVING_DIGITS.md).
    assert c.sprite_motion and c.whole_pixel_shifts
    assert c.sprite_dynamics == "bounce" and not c.content_motion
