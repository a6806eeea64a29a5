"""DiffAugment (Zhao et al., 2020) and the per-example ops ADA shares.

The ops, their draws and the policy spec (``parse_policy``) are described
in the docstring of ``keras_gans.augment``.
"""

from typing import NamedTuple, Tuple

import tensorflow as tf

from keras_gans import rng

DIFFAUGMENT_OPS = ("color", "translation", "cutout")
ADA_OPS = ("xflip", "rotate90", "xint", "brightness", "contrast", "saturation")
_KINDS = ("none", "diffaugment", "ada")


def _check_images(x, what):
    x = tf.convert_to_tensor(x)
    if x.shape.rank != 4:
        raise ValueError(
            f"{what} augments NHWC images [B, H, W, C]; got a tensor of rank "
            f"{x.shape.rank} (shape {x.shape}). Augmentation makes no sense "
            "for non-image data such as the 2-D toy mixtures."
        )
    return x


def _per_example(values, dtype):
    """``[B]`` -> ``[B, 1, 1, 1]`` in ``dtype``."""
    return tf.cast(tf.reshape(values, [-1, 1, 1, 1]), dtype)


def _randint(u, n):
    """U(0, 1] floats -> integers uniform in ``[0, n)`` (int32)."""
    n = tf.cast(n, tf.float32)
    return tf.cast(tf.minimum(tf.floor(u * n), n - 1.0), tf.int32)


def _batch(x):
    """The batch size: static where the trace knows it (a Python int adds
    no graph ops), else ``tf.shape(x)[0]``."""
    size = x.shape[0]
    return tf.shape(x)[0] if size is None else int(size)


def brightness(x, seed):
    """DiffAugment brightness: ``x + (b - 0.5)``, ``b ~ U(0, 1)`` per
    example."""
    x = _check_images(x, "brightness")
    b = rng.uniform([_batch(x)], seed)
    return x + _per_example(b - 0.5, x.dtype)


def saturation(x, seed):
    """DiffAugment saturation: ``(x - m) * s + m``, ``m`` the channel mean
    of each pixel, ``s ~ U(0, 2)`` per example."""
    x = _check_images(x, "saturation")
    s = 2.0 * rng.uniform([_batch(x)], seed)
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    return (x - mean) * _per_example(s, x.dtype) + mean


def contrast(x, seed):
    """DiffAugment contrast: ``(x - m) * c + m``, ``m`` the mean of the
    image, ``c ~ U(0.5, 1.5)`` per example."""
    x = _check_images(x, "contrast")
    c = rng.uniform([_batch(x)], seed) + 0.5
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * _per_example(c, x.dtype) + mean


def color(x, seed):
    """DiffAugment ``color``: brightness, saturation, contrast, each with
    its own seed from ``rng.split_seed(seed, 3)``."""
    seeds = rng.split_seed(seed, 3)
    x = brightness(x, seeds[0])
    x = saturation(x, seeds[1])
    return contrast(x, seeds[2])


def _shift_axis(x, shift, axis, mode):
    """``out[..., i, ...] = x[..., i + shift_b, ...]`` along ``axis`` (1 or
    2) per example ``b``; outside the image 0 (``"zeros"``) or the mirror
    image (``"reflect"``, for ``|shift| < size``)."""
    size = tf.shape(x)[axis]
    index = tf.range(size)[None, :] + shift[:, None]  # [B, size]
    if mode == "zeros":
        padding = [[0, 0]] * 4
        padding[axis] = [1, 1]
        x = tf.pad(x, padding)
        index = tf.clip_by_value(index + 1, 0, size + 1)
    else:
        index = tf.abs(index)
        index = (size - 1) - tf.abs((size - 1) - index)
    return tf.gather(x, index, axis=axis, batch_dims=1)


def translation_shifts(x, seed, ratio=0.125):
    """The integer shifts ``translation`` draws: ``(t_y, t_x)``, each
    ``[B]`` int32, uniform in ``[-s, s]``, ``s = floor(size * ratio)``."""
    x = _check_images(x, "translation")
    u = rng.uniform([_batch(x), 2], seed)
    limit = [
        tf.cast(tf.floor(tf.cast(tf.shape(x)[a], tf.float32) * ratio), tf.int32)
        for a in (1, 2)
    ]
    return tuple(_randint(u[:, k], 2 * limit[k] + 1) - limit[k] for k in (0, 1))


def translation(x, seed, ratio: float = 0.125):
    """DiffAugment translation by up to ``ratio`` of the size, zero padded.

    ``out[b, i, j] = x[b, i + t_y, j + t_x]`` (0 outside the image), the
    shifts from ``translation_shifts(x, seed, ratio)``.
    """
    x = _check_images(x, "translation")
    shift_y, shift_x = translation_shifts(x, seed, ratio)
    x = _shift_axis(x, shift_x, 2, "zeros")
    return _shift_axis(x, shift_y, 1, "zeros")


def cutout_boxes(x, seed, ratio=0.5):
    """The squares ``cutout`` zeroes: ``(top, left, height, width)``, each
    ``[B]`` int32 (``top``/``left`` may be negative: the box is clipped)."""
    x = _check_images(x, "cutout")
    u = rng.uniform([_batch(x), 2], seed)
    corners = []
    sizes = []
    for k, axis in enumerate((1, 2)):
        size = tf.shape(x)[axis]
        cut = tf.cast(
            tf.floor(tf.cast(size, tf.float32) * ratio), tf.int32
        )
        centre = _randint(u[:, k], size + (1 - cut % 2))
        corners.append(centre - cut // 2)
        sizes.append(tf.fill([_batch(x)], cut))
    return corners[0], corners[1], sizes[0], sizes[1]


def cutout(x, seed, ratio: float = 0.5):
    """DiffAugment cutout: a square of ``ratio`` of the size set to 0.

    The square is ``cutout_boxes(x, seed, ratio)``, clipped to the image.
    """
    x = _check_images(x, "cutout")
    top, left, height, width = cutout_boxes(x, seed, ratio)
    rows = tf.range(tf.shape(x)[1])[None, :]
    cols = tf.range(tf.shape(x)[2])[None, :]
    in_rows = (rows >= top[:, None]) & (rows < (top + height)[:, None])
    in_cols = (cols >= left[:, None]) & (cols < (left + width)[:, None])
    inside = in_rows[:, :, None] & in_cols[:, None, :]
    mask = 1.0 - tf.cast(inside, x.dtype)
    return x * mask[..., None]


_DIFFAUGMENT_FNS = {
    "color": color,
    "translation": translation,
    "cutout": cutout,
}


class Policy(NamedTuple):
    """A parsed augmentation policy: ``kind`` in ``none``, ``diffaugment``,
    ``ada``, and its ops in order."""

    kind: str
    ops: Tuple[str, ...]


def _valid():
    return (
        "none, ada, ada:<ops>, diffaugment:<ops>; DiffAugment ops: "
        f"{', '.join(DIFFAUGMENT_OPS)}; ADA ops: {', '.join(ADA_OPS)}"
    )


def parse_policy(spec: str) -> Policy:
    """Parses an augmentation spec.

    ``"none"`` (or ``""``): no augmentation. ``"diffaugment:OPS"``: the
    comma-separated DiffAugment ops, e.g. ``"diffaugment:translation,
    cutout,color"``, applied in that order. ``"ada"``: ADA with all of
    ``ADA_OPS``; ``"ada:OPS"`` a subset (applied in ``ADA_OPS`` order).

    Raises:
        ValueError: an unknown kind or op, a repeated op, or no ops; the
            message lists the valid names.
    """
    spec = (spec or "none").strip()
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _KINDS:
        raise ValueError(
            f"Unknown augmentation {spec!r}. Valid: {_valid()}."
        )
    ops = tuple(op.strip() for op in rest.split(",") if op.strip())
    if kind == "none":
        if rest:
            raise ValueError(f"Augmentation 'none' takes no ops, got {spec!r}.")
        return Policy("none", ())
    valid = DIFFAUGMENT_OPS if kind == "diffaugment" else ADA_OPS
    if kind == "ada" and not rest:
        return Policy("ada", ADA_OPS)
    unknown = [op for op in ops if op not in valid]
    if unknown or not ops or len(set(ops)) != len(ops):
        problem = (
            f"unknown op(s) {unknown}"
            if unknown
            else "no ops" if not ops else "a repeated op"
        )
        raise ValueError(
            f"Augmentation {spec!r} has {problem}. Valid: {_valid()}."
        )
    if kind == "ada":
        ops = tuple(op for op in ADA_OPS if op in ops)
    return Policy(kind, ops)


def _ops(policy):
    if isinstance(policy, Policy):
        if policy.kind not in ("none", "diffaugment"):
            raise ValueError(
                f"diff_augment takes a DiffAugment policy, got {policy}."
            )
        return policy.ops
    if isinstance(policy, str):
        parsed = parse_policy(
            policy if ":" in policy or policy == "none" else
            f"diffaugment:{policy}"
        )
        return _ops(parsed)
    return _ops(Policy("diffaugment", tuple(policy)))


def diff_augment(x, policy, seed):
    """DiffAugment (Zhao et al., 2020) of a batch of NHWC images.

    Args:
        x: float images ``[B, H, W, C]``.
        policy: a ``Policy``, a spec for ``parse_policy``
            (``"diffaugment:translation,cutout,color"``), the bare op list
            (``"color,translation"``) or a sequence of op names.
        seed: shape ``[2]`` integer stateless seed.

    Returns:
        The augmented batch, same shape and dtype.

    Raises:
        ValueError: an unknown op, or ``x`` not of rank 4.
    """
    ops = _ops(policy)
    if not ops:
        return tf.convert_to_tensor(x)
    x = _check_images(x, "DiffAugment")
    seeds = rng.split_seed(seed, len(DIFFAUGMENT_OPS))
    for op in ops:
        x = _DIFFAUGMENT_FNS[op](x, seeds[DIFFAUGMENT_OPS.index(op)])
    return x


def augmented_discriminator(discriminator, augment_fn, seed):
    """The callable ``u -> discriminator(augment_fn(u, seed))``.

    Pass it to a penalty with the clean batches to differentiate through
    the augmentation (see the module docstring), e.g.
    ``augmented_discriminator(d, functools.partial(diff_augment,
    policy=...), seed)`` or ``(d, ada.apply, seed)``.
    """

    def call(points, training=False):
        return discriminator(augment_fn(points, seed=seed), training=training)

    return call
