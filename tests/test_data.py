import math

import numpy as np
import pytest
import tensorflow as tf

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


def test_stacked_digits_are_three_digits_and_resume_exactly():
    first = [b.numpy() for b in data.stacked_digits(16, seed=2).take(4)]
    resumed = [
        b.numpy() for b in data.stacked_digits(16, seed=2, start_step=2).take(2)
    ]
    assert first[0].shape == (16, 8, 8, 3) and first[0].dtype == np.float32
    np.testing.assert_array_equal(resumed[0], first[2])
    np.testing.assert_array_equal(resumed[1], first[3])
    assert not np.array_equal(first[0], first[1])
    other = next(iter(data.stacked_digits(16, seed=3))).numpy()
    assert not np.array_equal(other, first[0])
    # Every channel is one of the training digits.
    train = {x.tobytes() for x in data.digits("train")[0][..., 0]}
    for image in first[0]:
        for c in range(3):
            assert np.ascontiguousarray(image[..., c]).tobytes() in train


def test_stacked_digits_sample_labels_and_balance():
    images, labels = data.stacked_digits_sample(26_000, seed=0, split="train")
    assert images.shape == (26_000, 8, 8, 3) and labels.dtype == np.int32
    assert images.min() == -1.0 and images.max() == 1.0
    assert len(np.unique(labels)) == 1000
    # Each channel's digit: label 100 * l0 + 10 * l1 + l2; each channel is
    # a uniform draw from the training digits, so its digits follow their
    # class frequencies.
    train_x, train_y = data.digits("train")
    expected = 26_000 * np.bincount(train_y, minlength=10) / len(train_y)
    for digit in (labels // 100, labels // 10 % 10, labels % 10):
        counts = np.bincount(digit, minlength=10)
        assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))
    lookup = {x.tobytes(): y for x, y in zip(train_x[..., 0], train_y)}
    for image, label in zip(images[:50], labels[:50]):
        digits = [
            lookup[np.ascontiguousarray(image[..., c]).tobytes()]
            for c in range(3)
        ]
        assert label == 100 * digits[0] + 10 * digits[1] + digits[2]


def test_digits_dataset_and_image_dataset():
    batch = next(iter(data.image_dataset("digits", 32, seed=0))).numpy()
    assert batch.shape == (32, 8, 8, 1)
    again = next(iter(data.digits_dataset(32, seed=0))).numpy()
    np.testing.assert_array_equal(batch, again)
    assert data.image_shape("celeb_a") == (64, 64, 3)
    with pytest.raises(ValueError, match="Unknown image data set 'svhn'"):
        data.image_dataset("svhn", 8, seed=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        data.stacked_digits(0, seed=0)


def test_train_examples_draws_only_the_first_images():
    train, labels = data.digits("train")
    first = {train[i].tobytes() for i in range(5)}
    assert len(first) == 5  # five distinct images to tell apart
    small = next(iter(data.image_dataset("digits", 256, 0, examples=5)))
    assert {im.tobytes() for im in small.numpy()} == first  # all 5, only
    stacked, digit = next(
        iter(data.stacked_digits(256, 0, labels="channels", examples=5))
    )
    channels = {
        stacked.numpy()[i, ..., c].tobytes()
        for i in range(256) for c in range(3)
    }
    assert channels == {train[i, ..., 0].tobytes() for i in range(5)}
    assert set(np.unique(digit.numpy())) <= set(labels[:5])
    # The same stream as the full set's pipeline, just fewer images.
    np.testing.assert_array_equal(
        next(iter(data.digits_dataset(8, 3, examples=len(train)))).numpy(),
        next(iter(data.digits_dataset(8, 3))).numpy(),
    )
    for bad in (0, len(train) + 1, 2.5):
        with pytest.raises(ValueError, match="examples must be an integer"):
            data.digits_dataset(8, 0, examples=bad)


def test_train_examples_takes_the_first_tfds_images(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        first = np.stack(
            list(
                data.tfds_images("mnist", "train", str(tmp_path), True)
                .take(2)
                .as_numpy_iterator()
            )
        )
        batch = next(
            iter(
                data.image_dataset(
                    "mnist", 8, 0, data_dir=str(tmp_path), download=True,
                    examples=2,
                )
            )
        ).numpy()
        with pytest.raises(ValueError, match=r"\[1, 6\]"):
            data.image_dataset(
                "mnist", 8, 0, data_dir=str(tmp_path), download=True,
                examples=7,
            )
    assert {im.tobytes() for im in batch} == {im.tobytes() for im in first}


@pytest.mark.parametrize(
    "name,shape", [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3))]
)
def test_tfds_pipeline_on_mock_data(name, shape, tmp_path):
    import tensorflow_datasets as tfds

    # Mocked tfds: download_and_prepare is a no-op and as_dataset yields
    # random uint8 images of the real feature spec.
    with tfds.testing.mock_data(num_examples=6):
        ds = data.image_dataset(
            name,
            4,
            seed=0,
            data_dir=str(tmp_path),
            download=True,
            shuffle_buffer=8,
        )
        batches = [b.numpy() for b in ds.take(3)]
        resumed = next(
            iter(
                data.image_dataset(
                    name,
                    4,
                    seed=0,
                    start_step=2,
                    data_dir=str(tmp_path),
                    download=True,
                    shuffle_buffer=8,
                )
            )
        ).numpy()
        single = next(
            iter(data.tfds_images(name, "test", str(tmp_path), True))
        ).numpy()
    assert batches[0].shape == (4, *shape) and batches[0].dtype == np.float32
    assert all(-1.0 <= b.min() and b.max() <= 1.0 for b in batches)
    assert batches[0].std() > 0.3  # random pixels spread over [-1, 1]
    np.testing.assert_array_equal(resumed, batches[2])
    assert single.shape == shape


def test_celeb_a_is_centre_cropped_and_resized(tmp_path):
    import tensorflow as tf
    import tensorflow_datasets as tfds

    # A 218 x 178 image: the 178 x 178 centre is 1, the 20-row bands above
    # and below are 0 (they must be cropped away).
    image = np.zeros((218, 178, 3), np.uint8)
    image[20:198] = 255

    def as_dataset(self, *args, **kwargs):
        return tf.data.Dataset.from_tensors({"image": image})

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        out = next(
            iter(data.tfds_images("celeb_a", "train", str(tmp_path), True))
        ).numpy()
    assert out.shape == (64, 64, 3)
    np.testing.assert_allclose(out, 1.0, atol=1e-5)


def test_missing_tfds_data_fails_fast_and_says_how_to_supply_it(tmp_path):
    import time

    start = time.time()
    with pytest.raises(data.DataNotAvailableError) as error:
        data.image_dataset("cifar10", 8, seed=0, data_dir=str(tmp_path))
    assert time.time() - start < 10
    message = str(error.value)
    assert "'cifar10' is not prepared" in message
    assert "tfds build cifar10 --data_dir=DIR" in message
    assert "--data_dir=DIR" in message and "download=True" in message
    assert not any(tmp_path.iterdir())  # nothing was written


# ------------------------------------------------------------------ labels


def _first(ds, n=3):
    return [tf.nest.map_structure(lambda t: t.numpy(), b) for b in ds.take(n)]


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_toy_labels_are_the_modes_and_leave_samples_unchanged(name):
    mix = data.mixture(name)
    plain = _first(data.toy_dataset(name, 64, seed=3))
    labelled = _first(data.toy_dataset(name, 64, seed=3, labels=True))
    resumed = _first(
        data.toy_dataset(name, 64, seed=3, start_step=2, labels=True), 1
    )[0]
    for x, (xl, y) in zip(plain, labelled, strict=True):
        np.testing.assert_array_equal(x, xl)  # bit-identical draws
        assert y.dtype == np.int32 and y.shape == (64,)
        nearest = np.argmin(
            ((xl[:, None] - mix.centres[None]) ** 2).sum(-1), axis=1
        )
        np.testing.assert_array_equal(y, nearest)  # sigma << spacing
    np.testing.assert_array_equal(resumed[0], labelled[2][0])
    np.testing.assert_array_equal(resumed[1], labelled[2][1])
    assert data.num_classes(name) == mix.num_modes


def test_digits_labels_match_the_images_and_resume():
    images, labels = data.digits("train")
    plain = _first(data.digits_dataset(16, seed=1))
    labelled = _first(data.image_dataset("digits", 16, 1, labels=True))
    resumed = _first(
        data.digits_dataset(16, seed=1, start_step=1, labels=True), 1
    )[0]
    flat = images.reshape(len(images), -1)
    for x, (xl, y) in zip(plain, labelled, strict=True):
        np.testing.assert_array_equal(x, xl)
        assert y.dtype == np.int32 and set(y) <= set(range(10))
        for image, label in zip(xl, y, strict=True):
            match = np.all(flat == image.reshape(-1), axis=1)
            assert label in labels[match]
    np.testing.assert_array_equal(resumed[1], labelled[1][1])
    assert data.num_classes("digits") == 10


def test_stacked_digits_labels_are_the_three_digits():
    images, labels = data.digits("train")
    flat = images.reshape(len(images), -1)
    x0 = _first(data.stacked_digits(8, seed=2), 1)[0]
    x, y = _first(data.stacked_digits(8, seed=2, labels=True), 1)[0]
    np.testing.assert_array_equal(x0, x)
    assert y.dtype == np.int32 and 0 <= y.min() and y.max() < 1000
    for sample, label in zip(x, y, strict=True):
        for c, digit in enumerate((label // 100, label // 10 % 10, label % 10)):
            match = np.all(flat == sample[..., c].reshape(-1), axis=1)
            assert digit in labels[match]
    assert data.num_classes("stacked_digits") == 1000
    x2, digits = _first(
        data.stacked_digits(8, seed=2, labels="channels"), 1
    )[0]
    np.testing.assert_array_equal(x2, x)
    assert digits.shape == (8, 3) and digits.dtype == np.int32
    np.testing.assert_array_equal(digits @ np.array([100, 10, 1]), y)


def test_label_frequencies_are_those_of_the_training_digits():
    labels = data.digits("train")[1]
    counts = np.array([np.sum(labels == c) for c in range(10)])
    np.testing.assert_allclose(
        data.label_frequencies("digits"), counts / len(labels)
    )
    # --train_examples: the first N images are all the GAN trains on.
    first = np.array([np.sum(labels[:30] == c) for c in range(10)]) / 30
    np.testing.assert_allclose(data.label_frequencies("digits", 30), first)
    stacked = data.label_frequencies("stacked_digits", 30)
    assert stacked.shape == (1000,)
    assert stacked[100 * 3 + 10 * 0 + 7] == pytest.approx(
        first[3] * first[0] * first[7]
    )
    np.testing.assert_allclose(data.label_frequencies("grid"), 1 / 25)
    with pytest.raises(ValueError, match=r"\[1, 1438\].*got 5000"):
        data.label_frequencies("digits", 5000)


def test_unlabelled_data_sets_are_named():
    with pytest.raises(ValueError, match="celeb_a.*no class labels"):
        data.num_classes("celeb_a")
    with pytest.raises(ValueError, match="Unknown data set"):
        data.num_classes("nope")


def test_tfds_labels_on_mock_data(tmp_path):
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        x, y = next(
            iter(
                data.image_dataset(
                    "mnist",
                    4,
                    seed=0,
                    data_dir=str(tmp_path),
                    download=True,
                    shuffle_buffer=8,
                    labels=True,
                )
            )
        )
    assert x.shape == (4, 28, 28, 1) and y.dtype == tf.int32
    assert y.shape == (4,) and 0 <= int(tf.reduce_min(y))
    assert int(tf.reduce_max(y)) < 10
