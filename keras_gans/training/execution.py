"""How the GAN's train steps are executed, and the rule that picks the
fast path.

``train_function(gan, build_default)`` picks one of three:

- *multi-worker* (``MultiWorkerMirroredStrategy``):
  ``keras_gans.distribute.multi_worker_train_function``, the workaround for
  Keras issue 20585;
- *fused* (``jit_compile=True``, ``steps_per_execution = k > 1``, one
  replica, batches of a static shape): the ``k`` steps of one execution run
  as a single XLA program, a ``while`` loop over ``k`` batches read from
  the iterator up front, instead of ``k`` XLA launches fed one by one. Same
  steps, same numbers, much less per-step overhead for small models. A
  short last execution (the data ran out) runs only the batches it got;
- otherwise Keras' own train function.

The rules for ``GAN.compile``'s defaults, in one place
(``benchmarks/throughput.py`` measures them, ``benchmarks/RESULTS.md``):

- ``jit_compile="auto"`` (also ``keras-gans-train``'s):
  ``auto_jit_compile(discriminator)``, XLA on a GPU, and on CPU for
  discriminators made of Dense layers only (convolutions stay with oneDNN
  on CPU);
- ``steps_per_execution="auto"``: resolved at each ``fit`` by
  ``auto_steps_per_execution``. With the fused XLA loop it is
  ``AUTO_STEPS_PER_EXECUTION`` and the last execution of an epoch runs
  only the epoch's remaining steps (Keras would run past the end of the
  epoch); otherwise the largest divisor of ``steps_per_epoch`` up to
  ``AUTO_STEPS_PER_EXECUTION`` (the cap when the data sets the epoch's
  length); 1 under a multi-replica strategy (Keras' multi-step loop fails
  there on a finite distributed dataset). Per-step callbacks then run once per
  execution, as Keras documents for ``steps_per_execution``.
"""

import keras
import tensorflow as tf

from keras_gans import distribute

__all__ = [
    "AUTO_STEPS_PER_EXECUTION",
    "auto_jit_compile",
    "auto_steps_per_execution",
    "check_steps_per_execution",
    "resolve_jit_compile",
    "set_auto_steps_per_execution",
    "train_function",
]

AUTO_STEPS_PER_EXECUTION = 50


def auto_jit_compile(discriminator) -> bool:
    """Whether XLA pays for this workload on the devices visible here: on a
    GPU always; on CPU for a discriminator made of Dense layers only."""
    if tf.config.list_logical_devices("GPU"):
        return True
    if getattr(discriminator, "layers", None) is None:
        return False
    return all(
        isinstance(layer, keras.layers.Dense)
        for layer in _leaf_layers(discriminator)
        if layer.weights
    )


def _leaf_layers(model):
    """The layers of ``model``, nested models (a packed D's inner D)
    opened."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaf_layers(layer)
        else:
            yield layer


def resolve_jit_compile(jit_compile, discriminator, strategy) -> bool:
    """``jit_compile`` as a bool: ``"auto"`` by ``auto_jit_compile``, off
    where TensorFlow cannot compile (several CPU replicas)."""
    if jit_compile == "auto":
        if not distribute.jit_compile_supported(strategy):
            return False
        return auto_jit_compile(discriminator)
    if not isinstance(jit_compile, bool):
        raise ValueError(
            f"jit_compile must be True, False or 'auto', got {jit_compile!r}."
        )
    distribute.check_jit_compile(jit_compile, strategy)
    return jit_compile


def check_steps_per_execution(value):
    """``value`` if it is ``"auto"`` or an integer >= 1, else ValueError."""
    if value == "auto":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            "steps_per_execution must be an integer >= 1 or 'auto', got "
            f"{value!r}."
        )
    return value


def auto_steps_per_execution(
    steps_per_epoch=None, strategy=None, fused=False
) -> int:
    """Steps per execution for ``steps_per_execution="auto"``: the cap
    ``AUTO_STEPS_PER_EXECUTION`` for the fused XLA loop (``fused``, which
    cuts an epoch's last execution short) or when the data sets the
    epoch's length (``steps_per_epoch=None``); else the largest divisor of
    ``steps_per_epoch`` up to the cap; 1 under a strategy with several
    replicas."""
    strategy = strategy or tf.distribute.get_strategy()
    if strategy.num_replicas_in_sync > 1:
        return 1
    cap = AUTO_STEPS_PER_EXECUTION
    if steps_per_epoch is None or fused:
        return cap
    steps = int(steps_per_epoch)
    return max(k for k in range(1, min(cap, steps) + 1) if steps % k == 0)


class EpochCursor:
    """Where the fused loop is in an epoch of ``steps`` steps (None: the
    data sets the epoch's length)."""

    def __init__(self, steps=None):
        self.steps = steps
        self.position = 0

    def limit(self, k: int) -> int:
        """Steps the next execution of ``k`` may run."""
        return k if not self.steps else min(k, self.steps - self.position)

    def advance(self, count: int) -> None:
        if self.steps:
            self.position = (self.position + count) % self.steps


def _fuses(model, steps_per_execution) -> bool:
    strategy = model.distribute_strategy
    return (
        model.jit_compile
        and steps_per_execution > 1
        and not model.run_eagerly
        and strategy.num_replicas_in_sync == 1
        and not isinstance(strategy, tf.distribute.MirroredStrategy)
        and not distribute.is_multi_worker(strategy)
    )


def set_auto_steps_per_execution(model, steps_per_epoch=None) -> None:
    """Sets ``model.steps_per_execution`` by ``auto_steps_per_execution``
    (before a ``fit``), dropping its train function when that changes;
    with the fused loop, the epoch length its executions keep to."""
    fused = _fuses(model, AUTO_STEPS_PER_EXECUTION)
    steps = auto_steps_per_execution(
        steps_per_epoch, model.distribute_strategy, fused
    )
    model._fused_epoch = EpochCursor(
        int(steps_per_epoch) if fused and steps_per_epoch else None
    )
    if steps != model.steps_per_execution:
        model.steps_per_execution = steps
        model.train_function = None


def train_function(gan, build_default):
    """The train function for ``gan``; ``build_default()`` builds Keras'
    own (``keras.Model.make_train_function``) and returns it."""
    strategy = gan.distribute_strategy
    if distribute.is_multi_worker(strategy):
        return distribute.multi_worker_train_function(gan, gan.logs)
    default = build_default()
    if _fuses(gan, gan.steps_per_execution):
        return _fused(gan, default)
    return default


def _zeros(spec):
    return tf.nest.map_structure(lambda s: tf.zeros(s.shape, s.dtype), spec)


def _static(spec):
    return all(s.shape.is_fully_defined() for s in tf.nest.flatten(spec))


def _fused(gan, fallback):
    k = gan.steps_per_execution

    def run_steps(stacked, count):
        def body(i):
            gan.train_step(tf.nest.map_structure(lambda t: t[i], stacked))
            return (i + 1,)

        tf.while_loop(lambda i: i < count, body, (tf.constant(0),))
        return gan.logs()

    # Plain Python loops and explicit tf ops: nothing for AutoGraph to do.
    run_steps = tf.function(
        run_steps, jit_compile=True, reduce_retracing=True, autograph=False
    )

    @tf.function(reduce_retracing=True, autograph=False)
    def pull_and_run(iterator, limit):
        spec = iterator.element_spec
        optionals = [
            tf.cond(
                i < limit,
                iterator.get_next_as_optional,
                lambda: tf.experimental.Optional.empty(spec),
            )
            for i in range(k)
        ]
        batches = [
            tf.cond(opt.has_value(), opt.get_value, lambda: _zeros(spec))
            for opt in optionals
        ]
        count = tf.add_n(
            [tf.cast(opt.has_value(), tf.int32) for opt in optionals]
        )
        stacked = tf.nest.map_structure(
            lambda *parts: tf.stack(parts), *batches
        )
        return count, run_steps(stacked, count)

    def function(iterator):
        if not isinstance(iterator, tf.data.Iterator) or not _static(
            iterator.element_spec
        ):
            return fallback(iterator)
        # An epoch of ``steps_per_epoch="auto"`` (set by GAN.fit): its last
        # execution runs only the epoch's remaining steps.
        epoch = getattr(gan, "_fused_epoch", None) or EpochCursor()
        count, logs = pull_and_run(
            iterator, tf.constant(epoch.limit(k), tf.int32)
        )
        count = int(count)
        if count == 0:
            epoch.position = 0
            raise StopIteration
        epoch.advance(count)
        return logs

    function.fused_steps = k
    function.tracing_count = pull_and_run.experimental_get_tracing_count
    return function
