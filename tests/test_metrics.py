import math

import numpy as np
import pytest

from keras_gans import data, metrics

RING = data.mixture("ring")


def test_perfect_samples():
    samples = np.repeat(RING.centres, 10, axis=0)
    result = metrics.mode_coverage(samples, RING)
    assert result.modes == 8 and result.num_modes == 8
    assert result.high_quality == 1.0
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)


def test_single_mode_collapse():
    samples = np.repeat(RING.centres[:1], 100, axis=0)
    result = metrics.mode_coverage(samples, RING)
    assert result.modes == 1
    assert result.reverse_kl == pytest.approx(math.log(8))


def test_three_sigma_threshold():
    direction = np.array([1.0, 0.0])
    centre = RING.centres[0]  # (1, 0)
    inside = centre + 2.9 * RING.sigma * direction
    outside = centre + 3.1 * RING.sigma * direction
    assert metrics.mode_coverage(inside[None], RING).high_quality == 1.0
    result = metrics.mode_coverage(outside[None], RING)
    assert result.high_quality == 0.0 and result.modes == 0
    # Far from every mode: low quality, yet still counted in the histogram.
    result = metrics.mode_coverage(np.zeros((4, 2)), RING)
    assert result.modes == 0 and result.high_quality == 0.0


def test_reverse_kl_of_known_histogram():
    # Half the samples on mode 0, half on mode 1: KL = log(8 / 2).
    samples = np.concatenate(
        [
            np.repeat(RING.centres[:1], 50, 0),
            np.repeat(RING.centres[1:2], 50, 0),
        ]
    )
    assert metrics.mode_coverage(samples, RING).reverse_kl == pytest.approx(
        math.log(4)
    )


def test_real_data_scores_full_marks():
    for name in ("ring", "grid"):
        mix = data.mixture(name)
        real = next(iter(data.toy_dataset(name, 2500, seed=0))).numpy()
        result = metrics.mode_coverage(real, mix)
        assert result.modes == mix.num_modes
        # A 2-D Gaussian keeps 1 - exp(-9/2) = 98.89% of its mass in 3 sigma.
        assert result.high_quality == pytest.approx(
            1 - math.exp(-4.5), abs=0.006
        )
        assert result.reverse_kl < 0.02


def test_bad_samples():
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        metrics.mode_coverage(np.zeros((3, 3)), RING)
    with pytest.raises(ValueError, match="NaN or inf"):
        metrics.mode_coverage(np.full((3, 2), np.nan), RING)


# ---------------------------------------------------------------- images


def test_classifier_score_oracles():
    balanced = np.eye(10)[np.arange(1000) % 10]  # confident, balanced
    assert metrics.classifier_score(balanced) == pytest.approx(10.0)
    one_class = np.eye(10)[np.zeros(50, int)]
    assert metrics.classifier_score(one_class) == pytest.approx(1.0)
    uniform = np.full((20, 10), 0.1)  # uninformative
    assert metrics.classifier_score(uniform) == pytest.approx(1.0)
    # Two equally likely confident classes: exp(log 2) = 2.
    two = np.eye(10)[np.arange(40) % 2]
    assert metrics.classifier_score(two) == pytest.approx(2.0)
    mean, std = metrics.inception_score(balanced, splits=10)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0)
    with pytest.raises(ValueError, match="splits must be in"):
        metrics.inception_score(balanced[:5], splits=10)


def test_mode_histogram_oracles():
    uniform = metrics.mode_histogram(np.arange(1000) % 100, 100)
    assert uniform.modes == 100 and uniform.kl == pytest.approx(0.0, abs=1e-12)
    single = metrics.mode_histogram(np.full(26, 7), 1000)
    assert single.modes == 1 and single.kl == pytest.approx(math.log(1000))
    half = metrics.mode_histogram(np.arange(10) % 5, 10)
    assert half.modes == 5 and half.kl == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="labels must be in"):
        metrics.mode_histogram([0, 10], 10)


def test_frechet_distance_oracles():
    rs = np.random.RandomState(0)
    features = rs.normal(size=(500, 6)) @ rs.normal(size=(6, 6))
    stats = metrics.gaussian_stats(features)
    assert metrics.frechet_distance(*stats, *stats) == pytest.approx(
        0.0, abs=1e-8
    )
    # Diagonal covariances: |mu1 - mu2|^2 + sum (sqrt(a) - sqrt(b))^2.
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.0])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.0])
    expected = 1 + 4 + (1 - 3) ** 2 + (2 - 1) ** 2 + 0.5**2
    got = metrics.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-10)
    # Non-commuting covariances: S1 = I, so tr((S1 S2)^1/2) = tr(S2^1/2),
    # and a rotation leaves the distance unchanged.
    rotation = np.array([[0.6, -0.8], [0.8, 0.6]])
    s2 = rotation @ np.diag([4.0, 1.0]) @ rotation.T
    got = metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), s2)
    assert got == pytest.approx(2 + 5 - 2 * (2 + 1), rel=1e-10)
    root = metrics.psd_sqrt(s2)
    np.testing.assert_allclose(root @ root, s2, atol=1e-12)
    with pytest.raises(ValueError, match="Shapes differ"):
        metrics.frechet_distance(np.zeros(2), np.eye(2), np.zeros(3), s2)


def test_low_rank_frechet_route_equals_the_eigen_route():
    rs = np.random.RandomState(1)
    a = rs.normal(size=(7, 40))
    b = 0.5 * rs.normal(size=(9, 40)) @ rs.normal(size=(40, 40)) + 1.0
    expected = metrics.frechet_distance(
        *metrics.gaussian_stats(a), *metrics.gaussian_stats(b)
    )
    got = metrics.features_frechet_distance(a, b)  # 9 < 40: SVD route
    assert got == pytest.approx(expected, rel=1e-8)
    assert metrics.features_frechet_distance(a, a) == pytest.approx(
        0.0, abs=1e-8
    )
    with pytest.raises(ValueError, match="same D"):
        metrics.features_frechet_distance(a, b[:, :3])


@pytest.fixture(scope="module")
def digits_evaluator():
    return metrics.DigitsEvaluator()


def test_shipped_classifier_accuracy():
    model = metrics.load_digits_classifier()
    x, y = data.digits("test")
    logits = np.asarray(model(x))
    assert np.mean(logits.argmax(-1) == y) >= 0.97


def test_digits_metrics_of_real_and_collapsed_digits(digits_evaluator):
    x, _ = data.digits("test")
    real = digits_evaluator(x)
    # Near the maximum of 10 (the held-out classes are nearly balanced).
    assert real["classifier_score"] > 9.5
    assert real["modes"] == 10 and real["num_modes"] == 10
    assert real["kl"] < 0.02
    assert real["frechet_distance"] == pytest.approx(0.0, abs=1e-6)
    single = digits_evaluator(np.repeat(x[:1], 200, axis=0))
    assert single["classifier_score"] == pytest.approx(1.0, abs=1e-6)
    assert single["modes"] == 1
    assert single["kl"] == pytest.approx(math.log(10))
    assert single["frechet_distance"] > 100


def test_stacked_digits_metrics(digits_evaluator):
    images, labels = data.stacked_digits_sample(26_000, seed=0, split="test")
    result = digits_evaluator(images)
    assert result["num_modes"] == 1000 and result["modes"] == 1000
    truth = metrics.mode_histogram(labels, 1000).kl
    assert result["kl"] == pytest.approx(truth, abs=0.01)
    assert result["classifier_score"] > 9.5
    assert result["frechet_distance"] < 1.0
    with pytest.raises(ValueError, match="NaN or inf"):
        digits_evaluator(np.full((2, 8, 8, 3), np.nan, np.float32))


def test_class_accuracy_by_hand():
    predicted = np.array([0, 0, 1, 2, 2, 2, -1])
    requested = np.array([0, 1, 1, 2, 2, 0, 2])
    result = metrics.class_accuracy(predicted, requested, 4)
    # class 0: 1/2, class 1: 1/2, class 2: 2/3, class 3: not requested.
    assert result["per_class_accuracy"] == [0.5, 0.5, pytest.approx(2 / 3),
                                            None]
    assert result["class_accuracy"] == pytest.approx((0.5 + 0.5 + 2 / 3) / 3)
    assert result["accuracy"] == pytest.approx(4 / 7)
    assert result["classes"] == 3 and result["classes_hit"] == 3
    assert metrics.class_accuracy([1, 1], [0, 1], 2)["classes_hit"] == 1
    assert "per_class_accuracy" not in metrics.class_accuracy(
        [1], [1], 1000
    )
    with pytest.raises(ValueError, match="equal non-empty"):
        metrics.class_accuracy([0, 1], [0], 2)


def test_digits_class_accuracy_of_real_digits():
    images, labels = data.digits("test")
    evaluator = metrics.DigitsEvaluator()
    right = evaluator.class_accuracy(images, labels)
    assert right["class_accuracy"] >= 0.95 and right["classes"] == 10
    shuffled = np.random.default_rng(0).permutation(labels)
    assert evaluator.class_accuracy(images, shuffled)["class_accuracy"] < 0.2
    # Intra-class Frechet distance: the real digits of class k against
    # the reference digits of class k are closer than a class mix-up.
    train, train_labels = data.digits("train")
    same = evaluator.intra_class_frechet(train, train_labels)
    rolled = evaluator.intra_class_frechet(train, (train_labels + 1) % 10)
    assert len(same["per_class_frechet"]) == 10
    assert same["intra_class_frechet"] < 0.5 * rolled["intra_class_frechet"]
    stacked, joint = data.stacked_digits_sample(300, seed=0)
    assert evaluator.class_accuracy(stacked, joint)["accuracy"] >= 0.85
