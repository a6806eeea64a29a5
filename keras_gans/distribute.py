"""Helpers that keep a train step exact under ``tf.distribute``.

Keras sums gradients over replicas, so each replica scales its loss to the
global batch (``scale_loss``). Random draws are made replica-consistent
(``replica_slice``, used by ``keras_gans.rng``): every replica draws the
tensor for the *global* batch from the same stateless seed and keeps its own
rows, so a run on N replicas sees exactly the noise a single device sees for
the same global batch.
``tf.distribute`` splits a global batch into contiguous row blocks in replica
order, and the slicing here follows the same layout.

All helpers also work with no strategy (one replica, id 0).
"""

import tensorflow as tf

__all__ = [
    "num_replicas",
    "replica_id",
    "scale_loss",
    "replica_slice",
    "cross_replica_sum",
    "check_jit_compile",
    "jit_compile_supported",
    "is_chief",
    "is_multi_worker",
    "multi_worker_train_function",
]


def num_replicas() -> int:
    """Replicas in sync, as seen from here: N inside a replica function of
    an N-replica strategy, 1 with no strategy and in cross-replica context
    (e.g. eager code under ``strategy.scope()``, which runs once)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return 1
    return context.num_replicas_in_sync


def replica_id():
    """Index of the current replica (0 outside a replica context)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return 0
    return context.replica_id_in_sync_group


def scale_loss(loss):
    """Scales a per-replica mean loss so that summed gradients are global.

    Args:
        loss: scalar mean over this replica's share of the global batch.

    Returns:
        ``loss / num_replicas()``.
    """
    n = num_replicas()
    if n == 1:
        return loss
    return loss * tf.cast(1.0 / n, loss.dtype)


def replica_slice(sample, local_shape, seed):
    """Draws a random tensor for the global batch and keeps this replica's rows.

    Args:
        sample: a stateless sampler ``sample(shape, seed) -> Tensor``, e.g.
            ``keras_gans.rng.normal``.
        local_shape: the shape this replica needs (a list of ints and
            scalar tensors, or a shape tensor); its first entry is the
            per-replica batch size.
        seed: a shape ``[2]`` integer seed, equal on every replica.

    Returns:
        A tensor of ``local_shape``: rows ``[r * b, (r + 1) * b)`` of the
        global draw, where ``r`` is this replica's id and ``b`` the local
        batch size.
    """
    n = num_replicas()
    if n == 1:
        return sample(local_shape, seed=seed)
    rank = (
        len(local_shape)
        if isinstance(local_shape, (list, tuple))
        else int(local_shape.shape[0])
    )
    dims = [local_shape[i] for i in range(rank)]
    local_batch = dims[0]
    global_shape = [local_batch * n] + dims[1:]
    full = sample(global_shape, seed=seed)
    start = replica_id() * local_batch
    return full[start : start + local_batch]


def cross_replica_sum(value):
    """Sums ``value`` over replicas from inside a replica (identity if one)."""
    context = tf.distribute.get_replica_context()
    if context is None or num_replicas() == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)


def jit_compile_supported(strategy=None) -> bool:
    """Whether TensorFlow can compile a step of ``strategy`` with XLA: not
    for several replicas that are all CPU devices (see
    ``check_jit_compile``)."""
    strategy = strategy or tf.distribute.get_strategy()
    if strategy.num_replicas_in_sync == 1:
        return True
    devices = strategy.extended.worker_devices
    return not all(
        "CPU" in tf.DeviceSpec.from_string(d).device_type for d in devices
    )


def check_jit_compile(jit_compile: bool, strategy=None):
    """Rejects XLA for a multi-replica strategy whose devices are all CPUs.

    TensorFlow's XLA compiles every replica's step for the first CPU device,
    so a step over several (logical) CPU devices fails reading variables
    that live on the others. XLA with MirroredStrategy works on GPUs.

    Args:
        jit_compile: the model's setting.
        strategy: the model's strategy (default: the current one).

    Raises:
        ValueError: ``jit_compile`` is True under such a strategy.
    """
    strategy = strategy or tf.distribute.get_strategy()
    if jit_compile and not jit_compile_supported(strategy):
        devices = strategy.extended.worker_devices
        raise ValueError(
            "jit_compile=True is not supported by TensorFlow for a "
            f"{type(strategy).__name__} over several CPU devices {devices}: "
            "XLA places every replica on the first CPU. Use "
            "jit_compile=False there (XLA with MirroredStrategy works on GPUs)."
        )


def is_multi_worker(strategy=None) -> bool:
    """Whether ``strategy`` (default: the current one) is a
    ``MultiWorkerMirroredStrategy``."""
    strategy = strategy or tf.distribute.get_strategy()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def is_chief(strategy=None) -> bool:
    """Whether this process writes shared outputs (checkpoints, exports,
    plots): always, except under ``MultiWorkerMirroredStrategy``, where the
    chief is task ``chief`` or, with none, ``worker`` 0."""
    strategy = strategy or tf.distribute.get_strategy()
    if not is_multi_worker(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return (
        resolver.task_type == "worker" and resolver.task_id == 0
    ) and not has_chief


def multi_worker_train_function(model, logs_fn):
    """A ``fit`` train function for ``MultiWorkerMirroredStrategy``.

    Keras' own train function fails under this strategy (keras issue
    20585): it reduces every scalar log with ``strategy.reduce(MEAN, v,
    axis=0)``, which a rank-0 value does not have. This one runs
    ``steps_per_execution`` steps of ``model.train_step`` through
    ``strategy.run`` in one ``tf.function``, then reads ``logs_fn()`` (the
    metric results) once per replica and reduces each with ``axis=None``
    (the mean over replicas). The data must outlast the run (a repeated
    dataset and ``steps_per_epoch``, as Keras requires for multi-worker
    training); running out raises ``StopIteration`` for ``fit`` to end the
    epoch.

    Args:
        model: a compiled Keras model with a ``train_step`` (the GAN).
        logs_fn: a replica function returning the logs dict.

    Returns:
        ``function(iterator) -> logs``.
    """
    strategy = model.distribute_strategy
    step_fn = model.train_step
    if model.jit_compile:
        step_fn = tf.function(step_fn, jit_compile=True, reduce_retracing=True)
    k = int(model.steps_per_execution)

    def reduce(value):
        return strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)

    @tf.function(reduce_retracing=True)
    def run_steps(iterator):
        for _ in tf.range(k):
            strategy.run(step_fn, args=(next(iterator),))
        return tf.nest.map_structure(reduce, strategy.run(logs_fn))

    def function(iterator):
        try:
            return run_steps(iterator)
        except tf.errors.OutOfRangeError:
            raise StopIteration from None

    return function
