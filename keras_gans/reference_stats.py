"""A cache of reference (real-data) features and their moments.

Scoring generated images against real ones needs the real images'
features (for KID and precision/recall) and their mean and covariance (for
FID); computing them means running the extractor over thousands of real
images at every evaluation set-up. ``cached_features`` stores them once in
an ``.npz`` keyed by the data set, split, extractor (with a digest of its
weights), resize and sample count: any change of key is another file (and
the stored key is checked on load, so a renamed file is not trusted); a
file that cannot be read is reported and rebuilt.
"""

import hashlib
import json
import os
import re
import sys
import zipfile
from collections.abc import Callable, Mapping

import numpy as np

__all__ = ["cache_path", "cached_features"]


def _report(message):
    print(message, file=sys.stderr)


def _canonical(key: Mapping) -> str:
    return json.dumps({k: key[k] for k in sorted(key)}, sort_keys=True)


def cache_path(cache_dir, key: Mapping) -> str:
    """The file of ``key`` in ``cache_dir``: readable fields, then a digest
    of the whole key."""
    digest = hashlib.sha256(_canonical(key).encode()).hexdigest()[:12]
    readable = "_".join(
        re.sub(r"[^A-Za-z0-9.-]+", "-", str(key[k]))[:40]
        for k in ("dataset", "split", "extractor")
        if k in key
    )
    return os.path.join(
        os.fspath(cache_dir), f"{readable or 'reference'}_{digest}.npz"
    )


def _load(path, key):
    """The cached arrays, or None with the reason logged when unusable."""
    try:
        with np.load(path, allow_pickle=False) as f:
            stored = str(f["key"])
            features, mu, sigma = f["features"], f["mu"], f["sigma"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        _report(
            f"Reference-statistics cache {path} is corrupt "
            f"({type(e).__name__}: {e}); rebuilding it."
        )
        return None
    if stored != _canonical(key):
        _report(
            f"Reference-statistics cache {path} holds another key; "
            "rebuilding it."
        )
        return None
    d = features.shape[1] if features.ndim == 2 else -1
    if mu.shape != (d,) or sigma.shape != (d, d):
        _report(
            f"Reference-statistics cache {path} is inconsistent; rebuilding it."
        )
        return None
    return features, mu, sigma


def cached_features(
    key: Mapping, compute: Callable[[], np.ndarray], cache_dir=None
) -> tuple:
    """Reference features with their moments, from the cache if possible.

    Args:
        key: what the features depend on, e.g. ``{"dataset": "cifar10",
            "split": "test", "extractor": "inception-2015-12-05-<digest>",
            "resize": "graph-bilinear-299", "samples": 10000}``.
        compute: ``() -> features [N, D]``, called on a miss.
        cache_dir: the cache directory (created if needed); None: no cache.

    Returns:
        ``(features, mu, sigma, hit)``: features ``[N, D]`` (float64), mean
        ``[D]``, covariance ``[D, D]`` (``N - 1`` normalised) and whether
        they came from the cache.
    """
    path = cache_path(cache_dir, key) if cache_dir else None
    if path and os.path.exists(path):
        loaded = _load(path, key)
        if loaded is not None:
            return (*loaded, True)
    features = np.asarray(compute(), np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(
            f"reference features must be [N >= 2, D], got {features.shape}."
        )
    mu = features.mean(axis=0)
    sigma = np.cov(features, rowvar=False).reshape(features.shape[1], -1)
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp.npz"
        np.savez(
            tmp,
            key=np.asarray(_canonical(key)),
            features=features,
            mu=mu,
            sigma=sigma,
        )
        os.replace(tmp, path)
    return features, mu, sigma, False
