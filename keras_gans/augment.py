"""Differentiable augmentation of D's inputs: DiffAugment, ADA, instance
noise.

Every augmentation here is a pure function of the images and an explicit
stateless seed (a shape ``[2]`` integer tensor). All randomness comes from
``keras_gans.rng`` (``rng.uniform``, ``rng.normal``, ``rng.split_seed``), so
an augmentation is reproducible, identical with and without XLA, and exact
under ``tf.distribute``: N replicas together draw what one device draws for
the global batch. Each op is differentiable w.r.t. its input (gathers,
masks and affine maps), so G's gradient reaches the fake through it.

DiffAugment (Zhao et al., 2020, "Differentiable Augmentation for
Data-Efficient GAN Training", reference code ``DiffAugment_tf.py`` of
mit-han-lab/data-efficient-gans), on NHWC images, per example:

- ``color``: brightness ``x + (b - 0.5)``, ``b ~ U(0, 1)``; saturation
  ``(x - mean_c x) * s + mean_c x``, ``s ~ U(0, 2)``, ``mean_c`` the mean
  over channels of each pixel; contrast ``(x - mean x) * c + mean x``,
  ``c ~ U(0.5, 1.5)``, ``mean`` over the whole image (in that order).
- ``translation``: an integer shift ``(t_y, t_x)``, each uniform in
  ``[-s, s]``, ``s = size // 8``; ``out[i, j] = x[i + t_y, j + t_x]``, 0
  where that falls outside the image (zero padding).
- ``cutout``: a ``(H // 2) x (W // 2)`` square set to 0; its centre
  ``(o_y, o_x)`` is uniform in ``[0, H + (1 - (H // 2) % 2))`` (likewise
  x), it covers rows ``[o_y - (H // 2) // 2, o_y - (H // 2) // 2 + H // 2)``
  clipped to the image.

The ops run in the order the policy lists them (the paper's is
``color,translation,cutout``). Op ``k`` of ``DIFFAUGMENT_OPS`` draws from
``rng.split_seed(seed, len(DIFFAUGMENT_OPS))[k]``, so an op draws the same
numbers whatever else the policy holds.

ADA (Karras et al., 2020, "Training Generative Adversarial Networks with
Limited Data"): ``AdaptiveAugment`` holds the probability ``p`` with which
each op of a reduced, differentiable pipeline is applied to each example,
and adapts it from ``r_t = E[sign(D(real))]`` (see its docstring).

Which samples a penalty sees: differentiate through the augmentation at the
clean samples, i.e. pass ``augmented_discriminator(D, fn, seed)`` (the map
``u -> D(T(u))``) to the penalty with the clean real/fake batches. That is
what StyleGAN2-ADA does (its ``run_D`` augments inside D and R1 is taken
w.r.t. the un-augmented reals): the penalty then constrains the function
the loss trains, ``D o T``, at the data points.

Instance noise (Sonderby et al., 2017; Arjovsky & Bottou, 2017):
``instance_noise(x, sigma, seed) = x + sigma * N(0, 1)``, with
``instance_noise_sigma(step, sigma0, anneal_steps)`` the linear schedule
``sigma0 * max(0, 1 - step / anneal_steps)`` (constant if
``anneal_steps`` is 0).
"""

from typing import NamedTuple, Sequence, Tuple

import tensorflow as tf

from keras_gans import rng

__all__ = [
    "ADA_OPS",
    "DIFFAUGMENT_OPS",
    "AdaptiveAugment",
    "Policy",
    "augmented_discriminator",
    "brightness",
    "color",
    "contrast",
    "cutout",
    "cutout_boxes",
    "diff_augment",
    "instance_noise",
    "instance_noise_sigma",
    "parse_policy",
    "saturation",
    "translation",
    "translation_shifts",
]

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
    return tf.shape(x)[0]


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


def instance_noise(x, sigma, seed):
    """Instance noise: ``x + sigma * N(0, 1)``, elementwise.

    Gaussian noise on D's inputs, real and fake alike, so the two
    distributions overlap and D cannot be perfectly confident (Sonderby et
    al., 2017, "Amortised MAP Inference for Image Super-resolution"; Arjovsky
    & Bottou, 2017). ``sigma = 0`` returns ``x`` unchanged.

    Args:
        x: a batch of any rank.
        sigma: the noise std, a float or scalar tensor >= 0 (see
            ``instance_noise_sigma`` for the annealed schedule).
        seed: shape ``[2]`` integer stateless seed.

    Returns:
        ``x`` plus the noise, same shape and dtype.

    Raises:
        ValueError: a Python ``sigma < 0``.
    """
    if isinstance(sigma, (int, float)) and sigma < 0:
        raise ValueError(f"instance noise sigma must be >= 0, got {sigma}.")
    x = tf.convert_to_tensor(x)
    noise = rng.normal(tf.shape(x), seed)
    return x + tf.cast(sigma, x.dtype) * tf.cast(noise, x.dtype)


def instance_noise_sigma(step, sigma0: float, anneal_steps: int = 0):
    """The instance-noise std at ``step``:
    ``sigma0 * max(0, 1 - step / anneal_steps)``, or ``sigma0`` throughout
    if ``anneal_steps`` is 0 (constant noise).

    Args:
        step: the training step (int or scalar tensor), from 0.
        sigma0: the initial std, >= 0.
        anneal_steps: ``T``, the step at which the noise reaches 0; 0 for
            constant noise.

    Returns:
        float32 scalar tensor.

    Raises:
        ValueError: ``sigma0 < 0`` or ``anneal_steps < 0``.
    """
    if not sigma0 >= 0:
        raise ValueError(f"instance noise sigma must be >= 0, got {sigma0}.")
    if int(anneal_steps) != anneal_steps or anneal_steps < 0:
        raise ValueError(
            f"instance noise anneal_steps must be >= 0, got {anneal_steps!r}."
        )
    sigma0 = tf.constant(sigma0, tf.float32)
    if anneal_steps == 0:
        return sigma0
    fraction = tf.cast(step, tf.float32) / float(anneal_steps)
    return sigma0 * tf.maximum(0.0, 1.0 - fraction)

