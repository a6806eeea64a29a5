"""ADA (Karras et al., 2020): ``AdaptiveAugment``, the adaptive
augmentation probability and its reduced differentiable pipeline (see the
docstring of ``keras_gans.augment``)."""

from typing import Sequence

import tensorflow as tf

from keras_gans import rng
from keras_gans.augment.diffaugment import (
    ADA_OPS,
    _batch,
    _check_images,
    _per_example,
    _randint,
    _shift_axis,
    parse_policy,
)

def _rotate90(x, k):
    """Rotates each square image ``x[b]`` by ``k[b] * 90`` degrees (counter-
    clockwise), ``k`` in {0, 1, 2, 3}."""
    flipped = tf.reverse(x, [2])
    rotations = [
        x,
        tf.transpose(flipped, [0, 2, 1, 3]),
        tf.reverse(x, [1, 2]),
        tf.reverse(tf.transpose(x, [0, 2, 1, 3]), [2]),
    ]
    out = rotations[0]
    for j in (1, 2, 3):
        out = tf.where(_per_example(tf.equal(k, j), tf.bool), rotations[j], out)
    return out


class AdaptiveAugment(tf.Module):
    """ADA (Karras et al., 2020): augment with probability ``p``, adapted
    from the overfitting heuristic ``r_t = E[sign(D(real))]``.

    The rule (StyleGAN2-ADA's ``training_loop.py``): every ``interval``
    calls of ``update`` (D steps),
    ``p <- p + sign(r_t - target) * N / (ada_kimg * 1000)`` with ``r_t`` the
    mean sign of D's real logits over the ``N`` real images seen since the
    last adjustment (``N = batch * interval``). Defaults are the paper's:
    ``target = 0.6``, ``interval = 4``, ``ada_kimg = 500`` (``p`` can go from
    0 to 1 in 500k images). ``p`` is clipped to [0, 1] (the reference clips
    at 0 only; each op fires with probability ``min(p, 1)`` there too).

    ``apply(x, seed)`` runs a reduced, differentiable subset of the ADA
    pipeline, each op applied to each example with probability ``p``, in
    this order (ADA's magnitudes):

    - ``xflip``: horizontal flip with probability 1/2;
    - ``rotate90``: rotation by ``k * 90`` degrees, ``k`` uniform in 0..3
      (square images only);
    - ``xint``: integer translation, each axis uniform in
      ``[-0.125, 0.125] * size`` rounded, reflect padding;
    - ``brightness``: ``x + b``, ``b ~ N(0, 0.2)``;
    - ``contrast``: ``x * c``, ``c = 2^N(0, 0.5)`` (about 0, data centred);
    - ``saturation``: ``m + s (x - m)``, ``m`` the channel mean of each
      pixel, ``s = 2^N(0, 1)``.

    ADA's non-integer geometry (scale, rotation, anisotropy, fractional
    translation: resampling filters) and luma flip / hue are left out.

    State (``p``, the running sign sum, the image and call counts, the last
    ``r_t``) is non-trainable ``tf.Variable``s, so a ``tf.train.Checkpoint``
    holding this module resumes ``p`` exactly. Under ``tf.distribute`` the
    variables have ``ONLY_FIRST_REPLICA`` aggregation: pass ``update`` the
    *global* mean sign (e.g. via ``distribute.cross_replica_sum``) and the
    global batch, equal on every replica.

    Args:
        target: the ``r_t`` target (0.6).
        interval: D steps between adjustments (4).
        ada_kimg: thousands of images for ``p`` to move by 1 (500).
        initial_p: ``p`` at the start.
        ops: the pipeline's ops, a subset of ``ADA_OPS``.
        name: module name.

    Raises:
        ValueError: a bad option or an unknown op.
    """

    def __init__(
        self,
        target: float = 0.6,
        interval: int = 4,
        ada_kimg: float = 500.0,
        initial_p: float = 0.0,
        ops: Sequence[str] = ADA_OPS,
        name=None,
    ):
        super().__init__(name=name)
        if not -1.0 <= target <= 1.0:
            raise ValueError(f"ADA target must be in [-1, 1], got {target}.")
        if int(interval) != interval or interval < 1:
            raise ValueError(f"ADA interval must be >= 1, got {interval!r}.")
        if not ada_kimg > 0:
            raise ValueError(f"ada_kimg must be > 0, got {ada_kimg}.")
        if not 0.0 <= initial_p <= 1.0:
            raise ValueError(f"initial_p must be in [0, 1], got {initial_p}.")
        self.ops = parse_policy("ada:" + ",".join(ops)).ops
        self.target = float(target)
        self.interval = int(interval)
        self.ada_kimg = float(ada_kimg)

        def variable(value, dtype, name):
            return tf.Variable(
                value,
                dtype=dtype,
                trainable=False,
                name=name,
                synchronization=tf.VariableSynchronization.ON_WRITE,
                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA,
            )

        self.p = variable(initial_p, tf.float32, "p")
        self.rt = variable(0.0, tf.float32, "rt")
        self._sign_sum = variable(0.0, tf.float32, "sign_sum")
        self._images = variable(0, tf.int64, "images")
        self._calls = variable(0, tf.int64, "calls")

    def step_size(self, images) -> float:
        """How far one adjustment moves ``p`` after ``images`` images."""
        return images / (self.ada_kimg * 1000.0)

    def update(self, sign_mean_real, batch_size):
        """Accumulates ``E[sign(D(real))]`` of one D step; every
        ``interval`` calls adjusts ``p`` (see the class docstring).

        Args:
            sign_mean_real: scalar mean of ``sign(D(x))`` over the real
                batch of this step (global).
            batch_size: the (global) number of real images it averages.

        Returns:
            ``p`` after this call.
        """
        batch = tf.cast(batch_size, tf.int64)
        self._sign_sum.assign_add(
            tf.cast(sign_mean_real, tf.float32) * tf.cast(batch, tf.float32)
        )
        self._images.assign_add(batch)
        self._calls.assign_add(1)

        # Written without tf.cond: inside a replicated step the ON_WRITE
        # variables' assignments synchronise (merge_call), which a cond
        # branch cannot hold.
        due = tf.equal(self._calls % self.interval, 0)
        images = tf.cast(self._images, tf.float32)
        rt = self._sign_sum / tf.maximum(images, 1.0)
        step = tf.sign(rt - self.target) * images / (self.ada_kimg * 1000.0)
        self.p.assign(
            tf.where(due, tf.clip_by_value(self.p + step, 0.0, 1.0), self.p)
        )
        self.rt.assign(tf.where(due, rt, self.rt))
        self._sign_sum.assign(tf.where(due, 0.0, self._sign_sum))
        self._images.assign(
            tf.where(due, tf.zeros_like(self._images), self._images)
        )
        return tf.identity(self.p)

    def apply(self, x, seed, p=None):
        """Augments each example with each op of ``self.ops`` with
        probability ``p`` (default: ``self.p``).

        Args:
            x: float images ``[B, H, W, C]``.
            seed: shape ``[2]`` integer stateless seed.
            p: optional probability overriding ``self.p`` (for tests).

        Returns:
            The augmented batch, same shape and dtype.
        """
        x = _check_images(x, "ADA")
        if "rotate90" in self.ops and x.shape[1] != x.shape[2]:
            raise ValueError(
                f"ADA rotate90 needs square images, got shape {x.shape}."
            )
        p = self.p if p is None else p
        p = tf.cast(p, tf.float32)
        batch = _batch(x)
        seeds = rng.split_seed(seed, len(ADA_OPS))
        for op in self.ops:
            enable_seed, param_seed = tf.unstack(
                rng.split_seed(seeds[ADA_OPS.index(op)], 2)
            )
            enabled = rng.uniform([batch], enable_seed) < p
            augmented = getattr(self, f"_{op}")(x, param_seed)
            x = tf.where(_per_example(enabled, tf.bool), augmented, x)
        return x

    @staticmethod
    def _xflip(x, seed):
        flip = rng.uniform([_batch(x)], seed) < 0.5
        return tf.where(_per_example(flip, tf.bool), tf.reverse(x, [2]), x)

    @staticmethod
    def _rotate90(x, seed):
        return _rotate90(x, _randint(rng.uniform([_batch(x)], seed), 4))

    @staticmethod
    def _xint(x, seed):
        u = rng.uniform([_batch(x), 2], seed)
        for k, axis in enumerate((2, 1)):
            size = tf.cast(tf.shape(x)[axis], tf.float32)
            shift = tf.round((2.0 * u[:, k] - 1.0) * 0.125 * size)
            x = _shift_axis(x, tf.cast(shift, tf.int32), axis, "reflect")
        return x

    @staticmethod
    def _brightness(x, seed):
        b = 0.2 * rng.normal([_batch(x)], seed)
        return x + _per_example(b, x.dtype)

    @staticmethod
    def _contrast(x, seed):
        c = tf.pow(2.0, 0.5 * rng.normal([_batch(x)], seed))
        return x * _per_example(c, x.dtype)

    @staticmethod
    def _saturation(x, seed):
        s = tf.pow(2.0, rng.normal([_batch(x)], seed))
        mean = tf.reduce_mean(x, axis=3, keepdims=True)
        return mean + _per_example(s, x.dtype) * (x - mean)
