"""Replay of old fakes (Shrivastava et al., 2017; TF-GAN's tensor pool)."""

import keras
import numpy as np
import tensorflow as tf

from keras_gans import rng
from keras_gans.hooks.base import DiscriminatorHook
from keras_gans.validation import check_integer

__all__ = ["ReplayBuffer"]


class _ReplayState(tf.Module):
    """The buffer's variables, checkpointable with ``tf.train.Checkpoint``.

    The module exists from the buffer's construction; its variables are
    created by ``build`` (they need the sample shape and the strategy). A
    checkpoint restored before ``build`` restores them when they are
    created (TensorFlow's deferred restoration), so no set-up order
    matters."""

    def __init__(self):
        super().__init__(name="replay_buffer")
        self.samples = None
        self.count = None
        self.labels = None

    @property
    def built(self) -> bool:
        return self.samples is not None

    def build(self, size, sample_shape, dtype=tf.float32, labels=False):
        on_first = tf.VariableAggregation.ONLY_FIRST_REPLICA
        if labels:  # a conditional GAN's: each old fake keeps its label
            self.labels = tf.Variable(
                tf.zeros((size,), tf.int32),
                trainable=False,
                aggregation=on_first,
                name="labels",
            )
        self.samples = tf.Variable(
            tf.zeros((size,) + tuple(sample_shape), dtype),
            trainable=False,
            aggregation=on_first,
            name="samples",
        )
        self.count = tf.Variable(
            tf.zeros([], tf.int64),
            trainable=False,
            aggregation=on_first,
            name="count",
        )


class ReplayBuffer(keras.callbacks.Callback, DiscriminatorHook):
    """Shows D old fakes: each D step, a fraction of the fake batch is
    replaced by samples from a buffer of past fakes.

    On every D step, with ``B`` the global batch and ``m = round(fraction *
    B)``: once the buffer holds anything, the first ``m`` fakes of the
    global batch are replaced by buffer entries drawn uniformly with
    replacement from the filled part; then the step's fresh fakes are pushed:
    appended while the buffer is filling, afterwards they overwrite a run of
    consecutive entries (cyclically) starting at a uniformly random slot, so
    that no two fakes of one step race for one slot. A global batch larger
    than the buffer pushes its first ``size`` fakes. ``size=0`` or
    ``fraction=0`` leaves every batch untouched. The draws come from the
    step's stateless seed, and the buffer is updated from the global batch
    on every replica, so a MirroredStrategy run equals a single-device run.

    It is a ``training.DiscriminatorHook``: ``fit(callbacks=[buffer])``
    attaches it for the length of that ``fit``; a ``fit`` without it leaves
    the buffer untouched. The state (``self.state``: the samples and the
    push count) exists from construction; its variables are created when
    the buffer is first attached (under the GAN's strategy scope), or at
    construction when ``sample_shape`` is given (under the current
    strategy's scope). Checkpoint it with the GAN, e.g.
    ``callbacks.Checkpoint(gan, dir, replay=buffer.state)``, before or after
    attaching: a restore before the variables exist fills them when they
    are created. Draws come from the stream ``"hook/replay"``.

    With a conditional GAN (``num_classes``) each stored fake keeps the
    label it was generated for (``state.labels``), and a replayed fake
    comes back with its own label: ``transform_fakes`` then takes and
    returns ``[fakes, labels]``. A buffer keeps the kind it was first
    attached to (with or without labels).

    Args:
        size: number of stored fakes (>= 0).
        fraction: fraction of each fake batch taken from the buffer, in
            [0, 1].
        sample_shape: the shape of one sample; None: the generator's, read
            when attached.
    """

    stream_name = "replay"
    supports_labels = True

    def __init__(self, size: int, fraction: float, sample_shape=None):
        super().__init__()
        check_integer("size", size, 0)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be in [0, 1], got {fraction!r}.")
        self.size = int(size)
        self.fraction = float(fraction)
        self.state = _ReplayState()
        if sample_shape is not None and self.active:
            self.state.build(self.size, tuple(sample_shape))

    @property
    def active(self) -> bool:
        """Whether the buffer changes anything (size and fraction > 0)."""
        return bool(self.size and self.fraction)

    def attach(self, gan):
        conditional = getattr(gan, "num_classes", None) is not None
        if self.active and not self.state.built:
            with gan.distribute_strategy.scope():
                self.state.build(
                    self.size, gan.sample_shape, labels=conditional
                )
        elif self.active and conditional != (self.state.labels is not None):
            raise ValueError(
                "This ReplayBuffer was built "
                + ("with" if self.state.labels is not None else "without")
                + " labels; use a new buffer for a "
                + ("conditional" if conditional else "unconditional")
                + " GAN."
            )

    def contents(self) -> np.ndarray:
        """The filled part of the buffer, as numpy."""
        if not self.state.built:
            return np.zeros((0,))
        filled = min(int(self.state.count.numpy()), self.size)
        return self.state.samples.numpy()[:filled]

    def labels(self) -> np.ndarray:
        """The labels of ``contents()`` (a conditional GAN's buffer)."""
        if self.state.labels is None:
            return np.zeros((0,), np.int32)
        filled = min(int(self.state.count.numpy()), self.size)
        return self.state.labels.numpy()[:filled]

    def transform_fakes(self, fake, step):
        """Mixes buffer entries into ``fake`` and pushes ``fake`` (a
        conditional GAN's ``[fakes, labels]`` pair: with their labels)."""
        if not self.active:
            return fake
        if isinstance(fake, (list, tuple)):
            fake, labels = fake
            mixed, labels = self._transform(fake, step, labels)
            return [mixed, labels]
        return self._transform(fake, step)[0]

    def _transform(self, fake, step, fake_labels=None):
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context else 1
        local = tf.shape(fake)[0]
        everything = fake
        all_labels = fake_labels
        if replicas > 1:
            everything = context.all_gather(fake, axis=0)
            if fake_labels is not None:
                all_labels = context.all_gather(fake_labels, axis=0)
        total = tf.shape(everything)[0]
        samples, count = self.state.samples, self.state.count
        filled = tf.cast(tf.minimum(count, self.size), tf.int32)
        take_seed = rng.stream(step.seed, "replay/take")
        push_seed = rng.stream(step.seed, "replay/push")

        m = tf.cast(
            tf.round(self.fraction * tf.cast(total, tf.float32)), tf.int32
        )
        m = tf.where(filled > 0, m, 0)
        picks = tf.cast(
            rng.bits([total], take_seed)
            % tf.cast(tf.maximum(filled, 1), tf.uint32),
            tf.int32,
        )
        old = tf.gather(samples, picks)
        use_old = tf.range(total) < m
        mask = tf.reshape(use_old, [-1] + [1] * (fake.shape.rank - 1))
        mixed = tf.where(mask, tf.cast(old, fake.dtype), everything)
        mixed_labels = None
        if fake_labels is not None:
            old_labels = tf.gather(self.state.labels, picks)
            mixed_labels = tf.where(use_old, old_labels, all_labels)

        # Push. Slots (base + i) mod size are distinct (no write races), with
        # base = count while filling and a random slot once full.
        pushed = everything
        if pushed.shape[0] is not None and pushed.shape[0] > self.size:
            pushed = pushed[: self.size]
        n_push = tf.shape(pushed)[0]
        offset = tf.cast(
            rng.bits([], push_seed) % np.uint32(self.size), tf.int64
        )
        base = tf.where(count < self.size, count, offset)
        slots = (base + tf.range(tf.cast(n_push, tf.int64))) % self.size
        # A whole-buffer assign: MirroredVariables take no scatter updates in
        # a replica context (a copy of the buffer per D step; cheap for toy
        # data, worth a cross-replica scatter for large image buffers).
        samples.assign(
            tf.tensor_scatter_nd_update(
                samples.read_value(),
                slots[:, None],
                tf.cast(tf.stop_gradient(pushed), tf.float32),
            )
        )
        if fake_labels is not None:
            self.state.labels.assign(
                tf.tensor_scatter_nd_update(
                    self.state.labels.read_value(),
                    slots[:, None],
                    all_labels[:n_push],
                )
            )
        count.assign_add(tf.cast(n_push, tf.int64))

        if replicas > 1:
            start = context.replica_id_in_sync_group * local
            mixed = mixed[start : start + local]
            if mixed_labels is not None:
                mixed_labels = mixed_labels[start : start + local]
        return mixed, mixed_labels
