"""clip_metrics: the digit detector against the generator's true positions,
the evaluator on real, static, shuffled and noise clips, the shipped clip
classifier against its record, and the binary that trains it."""

import json
import os
import pathlib
import re

import numpy as np
import pytest

from helpers.binaries import run_binary
from keras_gans import clip_metrics, moving_digits
from keras_gans.evaluation import scores as score_registry

SIZE, DIGIT, FRAMES = 32, 8, 16


@pytest.fixture(scope="module")
def real():
    """100 held-out 1-digit clips (all ten classes) with their truth."""
    clips, digits, positions = moving_digits.clips_sample(
        "moving_digits", 100, 1
    )
    assert set(digits[:, 0]) == set(range(10))
    return clips, digits, positions


@pytest.fixture(scope="module")
def evaluator():
    return clip_metrics.ClipEvaluator(reference_samples=256, seed=0)


@pytest.fixture(scope="module")
def real_scores(evaluator, real):
    return evaluator(real[0])


def _true_speeds(positions):
    """Displacement magnitudes ``[n, k, T - 1]`` of the true positions."""
    return np.linalg.norm(np.diff(positions, axis=2), axis=-1)


# ---------------------------------------------------------------- detector


def test_detector_recovers_one_digits_position_and_motion(real):
    clips, _, positions = real
    found = clip_metrics.detect_digits(clips, DIGIT)
    truth = positions.transpose(0, 2, 1, 3)  # [n, T, 1, 2]
    error = np.abs(found.windows - truth).max(-1)
    assert error.max() <= 1
    assert np.mean(error == 0) > 0.5
    # The centroid of a lone digit moves exactly as the digit.
    np.testing.assert_allclose(
        np.diff(found.centres, axis=1), np.diff(truth, axis=1), atol=1e-9
    )
    np.testing.assert_allclose(
        clip_metrics.speeds(found)[..., 0],
        _true_speeds(positions)[:, 0],
        atol=1e-9,
    )
    assert np.all(found.background == 0)
    assert found.crops.shape == (100, FRAMES, 1, 8, 8, 1)


def test_detector_finds_two_digits_apart_and_follows_each():
    clips, _, positions = moving_digits.clips_sample(
        "moving_digits", 200, 2, num_digits=2
    )
    found = clip_metrics.detect_digits(clips, DIGIT, num_digits=2)
    truth = positions.transpose(0, 2, 1, 3)  # [n, T, 2, 2]
    gap = np.abs(truth[:, :, 0] - truth[:, :, 1]).max(-1)  # [n, T]
    apart = gap >= DIGIT + 2
    same = np.abs(found.windows - truth).max(-1).max(-1)
    swapped = np.abs(found.windows[:, :, ::-1] - truth).max(-1).max(-1)
    assert np.all(np.minimum(same, swapped)[apart] <= 1)
    # Clips whose digits stay apart: each track follows one digit, whose
    # displacements it recovers exactly.
    clear = apart.all(1)
    assert clear.sum() >= 10
    follows = (same[clear] <= 1).all(1) | (swapped[clear] <= 1).all(1)
    assert follows.all()
    moved = clip_metrics.speeds(found)[clear]  # [m, T - 1, 2]
    true = _true_speeds(positions[clear]).transpose(0, 2, 1)
    order_same = (same[clear] <= 1).all(1)[:, None, None]
    np.testing.assert_allclose(
        moved, np.where(order_same, true, true[..., ::-1]), atol=1e-9
    )


def test_matching_keeps_each_digit_when_the_heavier_one_fades():
    """The detector finds the heavier digit first; when the first fades
    below the second the matching (least total distance) keeps tracks."""
    images, _ = moving_digits.source_digits("moving_digits", "test")
    ink = images.sum((1, 2))
    heavy, light = images[ink.argmax()], images[ink.argmin()]
    t = np.arange(FRAMES)
    a = np.stack([2 + 0 * t, 2 + t], -1)  # right, along the top
    b = np.stack([22 + 0 * t, 22 - t], -1)  # left, along the bottom
    fade = np.where(t < 8, 1.0, 0.2)[:, None, None]
    digits = np.stack([heavy * fade, np.broadcast_to(light, (FRAMES, 8, 8))])
    frames = np.zeros((FRAMES, SIZE, SIZE))
    for d, p in zip(digits, (a, b)):
        for i in range(FRAMES):
            r, c = p[i]
            frames[i, r : r + 8, c : c + 8] = np.maximum(
                frames[i, r : r + 8, c : c + 8], d[i]
            )
    clips = (2.0 * frames - 1.0)[None, ..., None]
    found = clip_metrics.detect_digits(clips, DIGIT, num_digits=2)
    first = found.windows[0, 0, 0]
    track = 0 if np.abs(first - a[0]).max() <= 1 else 1
    assert np.abs(found.windows[0, :, track] - a).max() <= 1
    assert np.abs(found.windows[0, :, 1 - track] - b).max() <= 1
    # Unmatched, the heavier window would come first in every frame.
    assert np.all(found.ink[0, :8, track] > found.ink[0, :8, 1 - track])
    assert np.all(found.ink[0, 8:, track] < found.ink[0, 8:, 1 - track])


def test_detector_resizes_larger_digits_by_area():
    """Digits 24 px wide (each 8x8 pixel a 3x3 block, so blank margins of
    3 px or more and ties over wider ranges): a window found at the true
    corner crops, area-resized to 8 x 8, the source digit."""
    images, _ = moving_digits.source_digits("moving_digits", "test")
    big = np.kron(images[:12], np.ones((3, 3)))[:, None]  # [12, 1, 24, 24]
    positions = moving_digits.trajectories(12, 5, 64 - 24, seed=3).numpy()
    clips = moving_digits.render(big, positions, 64).numpy()
    found = clip_metrics.detect_digits(clips, 24)
    truth = positions.transpose(0, 2, 1, 3)[:, :, 0]  # [12, T, 2]
    error = np.abs(found.windows[:, :, 0] - truth).max(-1)
    assert np.mean(error <= 1) > 0.5
    exact = error == 0
    assert exact.sum() >= 10
    source = np.broadcast_to(2 * images[:12, None] - 1, (12, 5, 8, 8))
    np.testing.assert_allclose(
        found.crops[:, :, 0, ..., 0][exact], source[exact], atol=1e-5
    )


def test_direction_labels_fold_the_bounces():
    t = np.arange(6)
    right = np.stack([0 * t, 3 * t], -1)
    down = np.stack([3 * t, 0 * t], -1)
    diagonal = np.stack([2 * t, 2 * t], -1)
    bounced = np.stack([2 * t, np.minimum(2 * t, 5) - np.maximum(2 * t - 5, 0)],
                       -1)  # the column bounces back at 5
    positions = np.stack([right, down, diagonal, bounced])[:, None]
    labels = np.asarray(clip_metrics.direction_labels(positions, bins=6))
    np.testing.assert_array_equal(labels, [0, 5, 3, 3])


# --------------------------------------------------------------- evaluator


def test_real_clips_score_as_real(evaluator, real, real_scores):
    _, _, positions = real
    scores = real_scores
    assert scores["digit_confidence"] >= 0.9
    assert scores["modes"] == scores["num_modes"] == 10
    assert scores["classifier_score"] > 8
    assert scores["kl"] < 0.1
    assert scores["identity_consistency"] >= 0.95
    assert scores["digits_present"] == 1.0
    assert scores["background_ink"] == 0.0
    # The detector measures a lone digit's displacements exactly: the means
    # are the true ones (about 2.4 px, STEP_LENGTH of the 24 px canvas,
    # less the bounces' clamps).
    assert scores["speed_fake"] == pytest.approx(
        _true_speeds(positions).mean(), abs=1e-9
    )
    reference = moving_digits.clips_sample("moving_digits", 256, 0)[2]
    assert scores["speed_real"] == pytest.approx(
        _true_speeds(reference).mean(), abs=1e-9
    )
    assert 2.0 < scores["speed_real"] < 2.4
    assert scores["speed_w1"] < 0.1
    # Two samples of real clips: only the Frechet distance's small-sample
    # bias (about 40 at 100 against 256 clips, 3 at 2000 against 2000).
    assert 0 <= scores["clip_frechet"] < 100
    # Every score logged with a direction is in the score registry.
    extras = {"num_modes", "speed_fake", "speed_real"}
    assert set(scores) - extras == set(score_registry.logged(["clip"]))


def test_static_clips_do_not_move(evaluator, real, real_scores):
    clips = np.repeat(real[0][:, :1], FRAMES, axis=1)
    scores = evaluator(clips)
    assert scores["speed_fake"] == 0.0
    # W1 to a point mass at 0 is the mean of the (non-negative) speeds.
    assert scores["speed_w1"] == pytest.approx(scores["speed_real"])
    assert scores["digit_confidence"] >= 0.9  # the frames are real
    assert scores["clip_frechet"] > 10 * real_scores["clip_frechet"]


def test_shuffled_frames_break_the_motion(evaluator, real, real_scores):
    order = np.random.default_rng(0).permuted(
        np.tile(np.arange(FRAMES), (len(real[0]), 1)), axis=1
    )
    clips = np.take_along_axis(real[0], order[..., None, None, None], 1)
    scores = evaluator(clips)
    assert scores["speed_fake"] > 2 * real_scores["speed_fake"]
    assert scores["speed_w1"] > 1.0
    assert scores["identity_consistency"] >= 0.95
    assert scores["clip_frechet"] > 5 * real_scores["clip_frechet"]


def test_noise_is_not_digits(evaluator, real_scores):
    rng = np.random.default_rng(0)
    noise = rng.uniform(-1, 1, (64, FRAMES, SIZE, SIZE, 1)).astype(np.float32)
    scores = evaluator(noise)
    # The classifier is over-confident on noise (module docstring), less
    # than on digits; the other scores tell noise apart plainly.
    assert scores["digit_confidence"] < real_scores["digit_confidence"] - 0.05
    assert scores["classifier_score"] < 3
    assert scores["background_ink"] == pytest.approx(0.5, abs=0.01)
    assert scores["speed_w1"] > 5
    assert scores["clip_frechet"] > 10 * real_scores["clip_frechet"]


def test_blank_clips_have_no_digits(evaluator):
    scores = evaluator(-np.ones((4, FRAMES, SIZE, SIZE, 1), np.float32))
    assert scores["digits_present"] == 0.0
    assert scores["digit_confidence"] < 0.6
    assert scores["modes"] <= 1


def test_mnist_sized_clips_without_mnist():
    """``moving_mnist_generated``'s sizes (28 px digits in 64 x 64 frames)
    with a given reference, so no tfds data: the 8x8 digits scaled by 3
    and padded to 28 px stand for MNIST's."""
    images, _ = moving_digits.source_digits("moving_digits", "test")
    big = np.pad(np.kron(images, np.ones((3, 3))), [(0, 0), (2, 2), (2, 2)])

    def clips(n, seed):
        index = np.random.default_rng(seed).integers(0, len(big), n)
        positions = moving_digits.trajectories(n, FRAMES, 64 - 28, seed)
        return moving_digits.render(big[index][:, None], positions, 64), (
            positions.numpy()
        )

    evaluator = clip_metrics.ClipEvaluator(
        "moving_mnist_generated", reference=clips(64, 1)[0]
    )
    fake, positions = clips(32, 2)
    scores = evaluator(fake)
    assert scores["speed_fake"] == pytest.approx(
        _true_speeds(positions).mean(), abs=1e-9
    )
    assert scores["digit_confidence"] > 0.9 and scores["modes"] >= 8
    static = evaluator(np.repeat(np.asarray(fake)[:, :1], FRAMES, axis=1))
    assert static["clip_frechet"] > 5 * scores["clip_frechet"]


def test_reference_features_are_cached(tmp_path, real):
    reference = real[0][:24]
    kwargs = dict(reference=reference, cache_dir=str(tmp_path))
    first = clip_metrics.ClipEvaluator(**kwargs)
    second = clip_metrics.ClipEvaluator(**kwargs)
    assert not first.cache_hit and second.cache_hit
    np.testing.assert_array_equal(
        first.reference_stats[1], second.reference_stats[1]
    )
    assert len(os.listdir(tmp_path)) == 1


def test_bad_shapes_are_refused(evaluator, real):
    clips = real[0]
    for bad in (clips[0], clips[:, :8], clips[:, :, :16, :16], clips[:1]):
        with pytest.raises(ValueError, match=r"\[N, 16, 32, 32, 1\]"):
            evaluator(bad)
    with pytest.raises(ValueError, match="NaN"):
        evaluator(np.full_like(clips[:2], np.nan))
    with pytest.raises(ValueError, match=r"\[N, T, S, S, 1\]"):
        clip_metrics.detect_digits(clips[..., 0], DIGIT)
    with pytest.raises(ValueError, match="digit_size"):
        clip_metrics.detect_digits(clips[:1], SIZE)
    with pytest.raises(ValueError, match="Unknown clip data set"):
        clip_metrics.ClipEvaluator(name="nope")
    with pytest.raises(ValueError, match="num_digits"):
        clip_metrics.ClipEvaluator(num_digits=3)
    with pytest.raises(ValueError, match=r"reference clips must have shape"):
        clip_metrics.ClipEvaluator(reference=clips[:4, :8])


# --------------------------------------------------------- clip classifier


def test_clip_classifier_takes_any_length_and_size():
    model = clip_metrics.clip_classifier(seed=0)
    for shape in ((2, 5, 20, 20, 1), (1, 16, 32, 32, 1)):
        digit, direction = model(np.zeros(shape, np.float32))
        assert digit.shape == (shape[0], 10)
        assert direction.shape == (shape[0], clip_metrics.DIRECTION_BINS)
    assert model.get_layer("features").output.shape[-1] == 64


def test_shipped_clip_classifier_meets_its_record():
    record = json.loads(
        pathlib.Path(
            clip_metrics.CLIP_CLASSIFIER_PATH.replace(".keras", ".json")
        ).read_text()
    )
    model = clip_metrics.load_clip_classifier()
    accuracy = clip_metrics.clip_classifier_accuracy(
        model, record["num_test"], record["test_seed"], record["test_frames"]
    )
    # One clip is 1/num_test of an accuracy: equal up to float rounding.
    for key in ("digit_accuracy", "direction_accuracy"):
        assert accuracy[key] == pytest.approx(record[key], abs=1e-9)
    assert accuracy["digit_accuracy"] >= 0.9
    assert os.path.getsize(clip_metrics.CLIP_CLASSIFIER_PATH) < 1 << 20


def test_missing_clip_classifier_says_how_to_train_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="train_clip_classifier.py"):
        clip_metrics.load_clip_classifier(tmp_path / "none.keras")


@pytest.mark.slow
def test_binary_trains_saves_and_checks_accuracy(tmp_path, capsys):
    # In this process (helpers/binaries.py): no start-up to pay.
    output = tmp_path / "c.keras"
    cmd = [
        "train_clip_classifier.py", f"--output={output}", "--steps=2",
        "--batch_size=4", "--test_samples=20",
    ]
    code, _, err = run_binary(*cmd, "--min_accuracy=0", capture=capsys)
    assert code == 0, err[-3000:]
    record = json.loads((tmp_path / "c.json").read_text())
    assert record["num_test"] == 20 and record["steps"] == 2
    model = clip_metrics.load_clip_classifier(output)
    accuracy = clip_metrics.clip_classifier_accuracy(
        model, 20, record["test_seed"], record["test_frames"]
    )
    assert accuracy["digit_accuracy"] == record["digit_accuracy"]
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code, _, err = run_binary(
        *cmd, "--min_accuracy=1.01", "--seed=1", capture=capsys
    )
    assert code == 1, err[-3000:]
    assert re.fullmatch(
        r"train_clip_classifier.py: error: held-out digit accuracy 0\.\d{4} "
        r"is below --min_accuracy=1.01; the model is not saved \(.*c.keras "
        r"is kept\)\. Train longer \(--steps\) or lower --min_accuracy\.",
        err.strip().splitlines()[-1],
    ), err[-3000:]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
