"""The reference Inception loader on a GraphDef built here with the
reference graph's tensor names, and the reference-statistics cache."""

import numpy as np
import pytest
import tensorflow as tf

from keras_gans import inception, metrics, reference_stats

SIDE, WIDTH, CLASSES = 6, 4, 5
_RS = np.random.RandomState(0)
CONV = _RS.normal(size=(3, WIDTH)).astype(np.float32)
SOFTMAX_W = _RS.normal(size=(WIDTH, CLASSES)).astype(np.float32)


def _tiny_graph(path, names=True):
    """A stand-in for classify_image_graph_def.pb: input ``ExpandDims``
    (batch 1, as in the original), the graph's own bilinear resize to
    SIDE x SIDE, ``(x - 128) / 128``, a 1x1 convolution, ``pool_3`` (a
    spatial mean, [B, 1, 1, WIDTH]) and ``softmax/logits/MatMul``."""
    graph = tf.Graph()
    with graph.as_default():
        jpeg = tf.compat.v1.placeholder(tf.float32, [None, None, 3], "Decode")
        x = tf.expand_dims(jpeg, 0, name="ExpandDims" if names else "E")
        x = tf.compat.v1.image.resize_bilinear(x, [SIDE, SIDE])
        x = (x - 128.0) / 128.0
        x = tf.nn.conv2d(x, CONV.reshape(1, 1, 3, WIDTH), 1, "VALID")
        pool = tf.reduce_mean(x, [1, 2], keepdims=True, name="pool_3")
        flat = tf.reshape(pool, [1, WIDTH])
        logits = tf.matmul(
            flat, tf.constant(SOFTMAX_W), name="softmax/logits/MatMul"
        )
        tf.nn.softmax(logits, name="softmax")
    path.write_bytes(graph.as_graph_def().SerializeToString())
    return str(path)


def _oracle(images):
    """pool_3 and logits written out in numpy (images already SIDE x SIDE,
    so the graph's resize is the identity)."""
    x255 = (images + 1.0) * 127.5
    if x255.shape[-1] == 1:
        x255 = np.repeat(x255, 3, axis=-1)
    features = (((x255 - 128.0) / 128.0) @ CONV).mean(axis=(1, 2))
    return features, features @ SOFTMAX_W


def test_loader_matches_the_graph_written_out(tmp_path):
    net = inception.ReferenceInception(_tiny_graph(tmp_path / "g.pb"), 3)
    images = _RS.uniform(-1, 1, (7, SIDE, SIDE, 3)).astype(np.float32)
    features, logits = net.features_and_logits(images)
    want_f, want_z = _oracle(images)
    np.testing.assert_allclose(features, want_f, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(logits, want_z, rtol=1e-5, atol=1e-5)
    grey = images[..., :1]
    np.testing.assert_allclose(
        net.features_and_logits(grey)[0], _oracle(grey)[0], atol=1e-5
    )
    # Any input size: the graph resizes (a 3x3 constant image stays
    # constant), so the features equal those of the SIDE x SIDE image.
    flat = np.full((2, 3, 3, 3), 0.25, np.float32)
    big = np.full((2, SIDE, SIDE, 3), 0.25, np.float32)
    np.testing.assert_allclose(
        net.features_and_logits(flat)[0], _oracle(big)[0], atol=1e-5
    )


def test_evaluator_on_the_reference_graph(tmp_path):
    graph = _tiny_graph(tmp_path / "g.pb")
    ref = _RS.uniform(-1, 1, (12, SIDE, SIDE, 3)).astype(np.float32)
    ev = inception.InceptionEvaluator(reference=ref, graph=graph, splits=2)
    assert ev.extractor.startswith("inception-2015-12-05-")
    result = ev(ref)
    assert result["fid"] == pytest.approx(0.0, abs=1e-6)
    assert result["precision"] == 1.0 and result["recall"] == 1.0
    probs = np.exp(_oracle(ref)[1])
    probs /= probs.sum(1, keepdims=True)
    assert result["inception_score"] == pytest.approx(
        metrics.inception_score(probs, 2)[0], rel=1e-5
    )


def test_missing_and_wrong_graphs(tmp_path):
    with pytest.raises(FileNotFoundError, match="inception-2015-12-05.tgz"):
        inception.ReferenceInception(tmp_path / "nope.pb")
    junk = tmp_path / "junk.pb"
    junk.write_bytes(b"\x00\xffnot a graph" * 10)
    with pytest.raises(ValueError, match="not a TensorFlow GraphDef"):
        inception.ReferenceInception(junk)
    other = _tiny_graph(tmp_path / "other.pb", names=False)
    with pytest.raises(ValueError, match="no 'ExpandDims' node"):
        inception.ReferenceInception(other)


def test_cache_hit_key_change_and_corrupt_file(tmp_path, capsys):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(12.0).reshape(4, 3) ** 1.5

    key = {"dataset": "d", "split": "test", "extractor": "e", "samples": 4}
    f, mu, sigma, hit = reference_stats.cached_features(key, compute, tmp_path)
    assert not hit and len(calls) == 1
    np.testing.assert_allclose(mu, compute().mean(0))
    np.testing.assert_allclose(sigma, np.cov(compute(), rowvar=False))
    calls.clear()
    f2, _, _, hit = reference_stats.cached_features(key, compute, tmp_path)
    assert hit and not calls
    np.testing.assert_array_equal(f, f2)
    # Any key change is another entry, computed afresh.
    for change in ({"split": "train"}, {"extractor": "e2"}, {"resize": "r"}):
        _, _, _, hit = reference_stats.cached_features(
            {**key, **change}, compute, tmp_path
        )
        assert not hit
    assert len(calls) == 3
    # A corrupt file is reported and rebuilt.
    path = reference_stats.cache_path(tmp_path, key)
    with open(path, "r+b") as fh:
        fh.truncate(40)
    calls.clear()
    f3, _, _, hit = reference_stats.cached_features(key, compute, tmp_path)
    assert not hit and calls == [1]
    assert "corrupt" in capsys.readouterr().err
    np.testing.assert_array_equal(f3, f)
    assert reference_stats.cached_features(key, compute, tmp_path)[3]


def test_digits_evaluator_uses_the_cache(tmp_path):
    first = metrics.DigitsEvaluator(kid_subsets=2, cache_dir=tmp_path)
    second = metrics.DigitsEvaluator(kid_subsets=2, cache_dir=tmp_path)
    assert not first.cache_hit and second.cache_hit
    np.testing.assert_array_equal(
        first.reference_features, second.reference_features
    )
    assert len(list(tmp_path.glob("*.npz"))) == 1


@pytest.mark.slow
def test_inception_path_with_random_weights():
    rs = np.random.RandomState(0)
    images = rs.uniform(-1, 1, (4, 8, 8, 1)).astype(np.float32)
    evaluator = inception.InceptionEvaluator(
        weights=None, reference=images, image_size=75, splits=2, batch_size=2
    )
    features, logits = evaluator.features_and_logits(images)
    assert features.shape == (4, 2048) and logits.shape == (4, 1000)
    result = evaluator(images)
    assert 1.0 <= result["inception_score"] <= 2.0 + 1e-9  # <= split size
    assert result["fid"] == pytest.approx(0.0, abs=1e-3)
    other = evaluator(rs.uniform(-1, 1, (4, 8, 8, 3)).astype(np.float32))
    assert other["fid"] > 0


def test_missing_inception_weights_error(tmp_path, monkeypatch):
    import time

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    start = time.time()
    with pytest.raises(FileNotFoundError) as error:
        inception.inception_model("imagenet")
    assert time.time() - start < 5
    message = str(error.value)
    assert inception.INCEPTION_WEIGHTS_URL in message
    assert "--inception_weights=PATH" in message
    with pytest.raises(FileNotFoundError, match="the given path"):
        inception.inception_model(str(tmp_path / "nope.h5"))
    with pytest.raises(ValueError, match="image_size must be >= 75"):
        inception.inception_model(None, image_size=32)
