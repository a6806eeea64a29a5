"""Moving digits: Srivastava et al.'s bouncing trajectories and rendering
against a by-hand reimplementation, the split by source digit, resuming,
and the tfds moving_mnist loader on mock data."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import data, rng
from keras_gans import moving_digits as md


def _reference_trajectory(y, x, theta, frames, canvas):
    """Srivastava et al.'s GetRandomTrajectory for one digit, by hand: a
    step of 0.1 along (sin, cos) theta, then bounce (negate and clamp),
    record, and scale to the canvas at the end."""
    vy, vx = np.sin(theta), np.cos(theta)
    out = []
    for _ in range(frames):
        y, x = y + vy * 0.1, x + vx * 0.1
        if y <= 0:
            y, vy = 0.0, -vy
        if y >= 1:
            y, vy = 1.0, -vy
        if x <= 0:
            x, vx = 0.0, -vx
        if x >= 1:
            x, vx = 1.0, -vx
        out.append((y, x))
    return (canvas * np.asarray(out, np.float32)).astype(np.int32)


def test_trajectories_follow_the_reference_generator():
    seed = tf.constant([5, 9], tf.int64)
    n, k, frames, canvas = 50, 2, 30, 24
    got = md.trajectories(n, frames, canvas, seed, num_digits=k).numpy()
    u = rng.uniform([3, n, k], seed).numpy().astype(np.float64)
    assert got.shape == (n, k, frames, 2)
    mismatched = 0
    for i in range(n):
        for j in range(k):
            want = _reference_trajectory(
                1 - u[0, i, j], 1 - u[1, i, j], u[2, i, j] * 2 * np.pi,
                frames, canvas,
            )
            # float32 against float64 may truncate to the next pixel.
            diff = np.abs(got[i, j] - want)
            assert diff.max() <= 1
            mismatched += int(diff.max() > 0)
    assert mismatched <= n * k // 10
    assert got.min() == 0 and got.max() == canvas  # the walls are reached


def test_render_pastes_with_the_maximum_where_digits_overlap():
    d = np.zeros((1, 2, 3, 3), np.float32)
    d[0, 0] = 0.5
    d[0, 1, 1, 1] = 1.0
    positions = np.array([[[[0, 0]], [[1, 1]]]], np.int32)  # [1, 2, 1, 2]
    frame = md.render(d, positions, 5).numpy()[0, 0, :, :, 0]
    want = np.full((5, 5), 0.0)
    want[0:3, 0:3] = 0.5
    want[2, 2] = 1.0  # digit 2's bright pixel over digit 1
    np.testing.assert_array_equal(frame, 2 * want - 1)


def test_clips_hold_their_source_digits_at_their_positions():
    clips, digits, positions = md.clips_sample("moving_digits", 6, 3)
    images, labels = md.source_digits("moving_digits", "test")
    assert clips.shape == (6, 16, 32, 32, 1) and digits.shape == (6, 1)
    for c in range(6):
        for t in (0, 7, 15):
            r, col = positions[c, 0, t]
            patch = (clips[c, t, r : r + 8, col : col + 8, 0] + 1) / 2
            same = np.all(np.abs(images - patch) < 1e-6, axis=(1, 2))
            assert same.any() and digits[c, 0] in labels[same]
        # Nothing outside the digit.
        outside = clips[c, 0].copy()
        r, col = positions[c, 0, 0]
        outside[r : r + 8, col : col + 8] = -1
        assert np.all(outside == -1)


def test_the_splits_share_no_source_digit():
    train, _ = md.source_digits("moving_digits", "train")
    test, _ = md.source_digits("moving_digits", "test")
    flat = lambda x: {row.tobytes() for row in x.reshape(len(x), -1)}  # noqa: E731
    # sklearn's digits hold a few exact duplicates; the split is by image.
    assert len(flat(train) & flat(test)) <= 5
    clips, _, positions = md.clips_sample("moving_digits", 20, 0, "train")
    for c in range(20):
        r, col = positions[c, 0, 0]
        patch = ((clips[c, 0, r : r + 8, col : col + 8, 0] + 1) / 2)
        assert patch.astype(np.float32).tobytes() in flat(train)


def test_pipeline_resumes_exactly_and_depends_only_on_the_seed():
    a = iter(md.clip_dataset("moving_digits", 4, 7, num_digits=2))
    next(a)
    second = next(a).numpy()
    resumed = next(iter(
        md.clip_dataset("moving_digits", 4, 7, start_step=1, num_digits=2)
    )).numpy()
    np.testing.assert_array_equal(second, resumed)
    other = next(iter(md.clip_dataset("moving_digits", 4, 8))).numpy()
    assert not np.array_equal(other, second)
    x, y = next(iter(md.clip_dataset("moving_digits", 4, 7, labels=True,
                                     num_digits=2)))
    assert x.shape == (4, 16, 32, 32, 1) and y.shape == (4, 2)


def test_speed_is_srivastavas_step_length():
    _, _, positions = md.clips_sample("moving_digits", 200, 1)
    step = np.linalg.norm(np.diff(positions, axis=2), axis=-1)
    # 0.1 of the 24-pixel canvas a frame, less at bounces, +-1 px rounding.
    assert np.median(step) == pytest.approx(2.4, abs=0.5)
    assert step.max() <= 2.4 * np.sqrt(2) + 1.5


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(frames=1), "frames must be"),
        (dict(frame_size=8), "frame_size must be"),
        (dict(num_digits=3), "must be 1 or 2"),
        (dict(batch_size=0), "batch_size"),
    ],
)
def test_bad_sizes_are_clear_errors(kwargs, match):
    args = {**dict(name="moving_digits", batch_size=2, seed=0), **kwargs}
    with pytest.raises(ValueError, match=match):
        md.clip_dataset(**args)


def test_generated_mnist_needs_its_tfds_data(tmp_path):
    with pytest.raises(data.DataNotAvailableError, match="tfds build mnist"):
        md.clip_dataset("moving_mnist_generated", 2, 0, data_dir=tmp_path)
    with pytest.raises(
        data.DataNotAvailableError, match="tfds build moving_mnist"
    ):
        md.tfds_moving_mnist(data_dir=tmp_path)


def test_generated_mnist_on_mock_mnist(tmp_path):
    import tensorflow_datasets as tfds

    # Mocked tfds: download_and_prepare is a no-op and as_dataset yields
    # random uint8 images of the real feature spec.
    with tfds.testing.mock_data(num_examples=12):
        clips, digits, _ = md.clips_sample(
            "moving_mnist_generated", 3, 0, frames=4, data_dir=tmp_path,
            download=True,
        )
    assert clips.shape == (3, 4, 64, 64, 1)
    assert clips.min() >= -1 and clips.max() <= 1
    assert digits.shape == (3, 1)


def test_recorded_moving_mnist_loads_through_tfds_on_mock_data(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=3):
        clips = list(
            md.tfds_moving_mnist(data_dir=tmp_path, download=True)
            .as_numpy_iterator()
        )
    assert len(clips) == 3
    assert clips[0].shape == (20, 64, 64, 1) and clips[0].dtype == np.float32
    assert clips[0].min() >= -1 and clips[0].max() <= 1
