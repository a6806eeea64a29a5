import math

import numpy as np
import pytest

from keras_gans import data


def test_ring_centres():
    mix = data.mixture("ring")
    assert mix.num_modes == 8 and mix.sigma == 0.01
    angles = np.arctan2(mix.centres[:, 1], mix.centres[:, 0]) % (2 * math.pi)
    np.testing.assert_allclose(
        np.sort(angles), 2 * math.pi * np.arange(8) / 8, atol=1e-6
    )
    np.testing.assert_allclose(
        np.linalg.norm(mix.centres, axis=1), 1.0, rtol=1e-6
    )
    paper = data.mixture("ring_paper")
    assert paper.sigma == 0.02
    np.testing.assert_allclose(
        np.linalg.norm(paper.centres, axis=1), 2.0, rtol=1e-6
    )


def test_grid_centres():
    mix = data.mixture("grid")
    assert mix.num_modes == 25 and mix.sigma == 0.05
    assert {tuple(c) for c in mix.centres} == {
        (x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)
    }


@pytest.mark.parametrize("name", ["ring", "grid", "ring_paper"])
def test_samples_follow_the_mixture(name):
    mix = data.mixture(name)
    batch = next(iter(data.toy_dataset(name, 20000, seed=1))).numpy()
    assert batch.shape == (20000, 2)
    d2 = ((batch[:, None] - mix.centres[None]) ** 2).sum(-1)
    nearest = d2.argmin(1)
    offsets = batch - mix.centres[nearest]
    assert offsets.std() == pytest.approx(mix.sigma, rel=0.05)
    counts = np.bincount(nearest, minlength=mix.num_modes)
    expected = 20000 / mix.num_modes
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


def test_seeded_infinite_and_resumable():
    stream = data.toy_dataset("ring", 8, seed=3)
    first = [b.numpy() for b in stream.take(5)]
    again = [b.numpy() for b in data.toy_dataset("ring", 8, seed=3).take(5)]
    resumed = [
        b.numpy()
        for b in data.toy_dataset("ring", 8, seed=3, start_step=3).take(2)
    ]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(resumed[0], first[3])
    np.testing.assert_array_equal(resumed[1], first[4])
    other = next(iter(data.toy_dataset("ring", 8, seed=4))).numpy()
    assert not np.array_equal(other, first[0])
    assert not np.array_equal(first[0], first[1])
    assert len(list(stream.take(1000))) == 1000


def test_bad_names():
    with pytest.raises(
        ValueError, match="Unknown toy data set 'rings'. Valid: grid, ring"
    ):
        data.mixture("rings")
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        data.toy_dataset("ring", 0, seed=0)


def test_digits_splits_are_disjoint_and_scaled():
    train_x, train_y = data.digits("train")
    test_x, test_y = data.digits("test")
    all_x, all_y = data.digits("all")
    assert train_x.shape == (1438, 8, 8, 1) and test_x.shape == (359, 8, 8, 1)
    assert all_x.shape == (1797, 8, 8, 1) and train_x.dtype == np.float32
    assert all_x.min() == -1.0 and all_x.max() == 1.0
    assert set(np.unique(train_y)) == set(range(10)) == set(np.unique(test_y))
    # Every image lands in exactly one split.
    rows = {x.tobytes() + bytes([y]) for x, y in zip(all_x, all_y)}
    split = [x.tobytes() + bytes([y]) for x, y in zip(train_x, train_y)]
    split += [x.tobytes() + bytes([y]) for x, y in zip(test_x, test_y)]
    assert len(split) == 1797 and set(split) == rows
    with pytest.raises(ValueError, match="Valid: train, test, all"):
        data.digits("valid")
