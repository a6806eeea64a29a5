"""Keras optimizers' update rules as pure functions of weights and slots.

Two parts of the GAN step need D's optimizer without letting it write:

- the unrolled generator objective (Metz et al., 2017) takes k look-ahead
  steps of D's *own* update rule on copies of D's weights and slots, and
  differentiates through them;
- lazy regularisation (Karras et al., 2020) applies the penalty as a step
  of its own, which must be skippable inside a compiled, replicated step,
  so it is computed with the rule and written with ``tf.where``.

``step`` reproduces ``keras.optimizers.SGD`` (plain, momentum, Nesterov),
``Adam`` (with or without AMSGrad) and ``AdamW`` (decoupled decay applied
before the Adam update, as Keras does) exactly: same formulas, same order,
same dtype casts. An optimizer's state is its slots, per variable, plus the
step counter ``iterations``; Adam's bias correction uses ``iterations + 1``.
Gradient clipping, gradient accumulation and the optimizer's own weight
EMA change what ``apply`` does, so optimizers with them are refused.
A ``LossScaleOptimizer`` stands for its inner optimizer.
"""

from typing import List, NamedTuple, Optional, Sequence

import keras
import tensorflow as tf

__all__ = [
    "State",
    "dense",
    "SUPPORTED",
    "check_supported",
    "inner",
    "read_state",
    "step",
    "write_state",
    "adjust_for_lazy_regularization",
    "is_adjusted",
]

SUPPORTED = "SGD (with momentum or Nesterov), Adam, AdamW"


class State(NamedTuple):
    """``slots[i]``: the tuple of slot tensors of variable ``i`` (empty for
    plain SGD; ``(m,)`` for SGD with momentum; ``(m, v)`` or ``(m, v,
    v_hat)`` for Adam); ``iterations``: the optimizer's step count."""

    slots: List[tuple]
    iterations: tf.Tensor


def dense(grads: Sequence) -> list:
    """``grads`` with every ``tf.IndexedSlices`` summed into a dense tensor.

    An embedding's gradient is an ``IndexedSlices`` holding one slice per
    *example*, so a label that repeats in the batch repeats its index.
    Keras 3's optimizers update their slots slice by slice (``scatter_add``
    of each slice's own update), so Adam's second moment of a repeated row
    receives ``sum_k g_k^2`` instead of ``(sum_k g_k)^2``, and its step is
    not the Adam step of the row's gradient ``sum_k g_k`` (Kingma & Ba,
    2015, Algorithm 1; moves from 0 to several times lr on a first step).
    Summing the slices first gives every optimizer the true gradient.
    ``None`` stays ``None``.
    """
    return [
        tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
        for g in grads
    ]


def inner(optimizer):
    """The optimizer whose rule applies (a loss-scale wrapper's inner one)."""
    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return optimizer.inner_optimizer
    return optimizer


def _kind(optimizer):
    opt = inner(optimizer)
    if isinstance(opt, keras.optimizers.Adam):  # AdamW is an Adam
        return "adam"
    if type(opt) is keras.optimizers.SGD:
        return "sgd"
    return None


def check_supported(optimizer, argument: str) -> None:
    """Raises ``ValueError`` naming ``argument`` unless ``optimizer``'s
    rule is one ``step`` implements."""
    opt = inner(optimizer)
    if _kind(opt) is None:
        raise ValueError(
            f"{argument} needs D's optimizer to be one of {SUPPORTED}; got "
            f"{type(opt).__name__}."
        )
    unsupported = [
        name
        for name in ("clipnorm", "clipvalue", "global_clipnorm")
        if getattr(opt, name, None) is not None
    ]
    if getattr(opt, "use_ema", False):
        unsupported.append("use_ema")
    if getattr(opt, "gradient_accumulation_steps", None):
        unsupported.append("gradient_accumulation_steps")
    if unsupported:
        raise ValueError(
            f"{argument} cannot follow D's optimizer with "
            f"{', '.join(unsupported)} set; remove it from D's optimizer."
        )


def _slot_variables(opt, variable):
    """The optimizer's slot variables of ``variable``, in ``State`` order."""
    index = opt._get_variable_index(variable)
    if _kind(opt) == "adam":
        parts = [opt._momentums[index], opt._velocities[index]]
        if opt.amsgrad:
            parts.append(opt._velocity_hats[index])
        return parts
    return [opt.momentums[index]] if opt.momentum != 0 else []


def read_state(optimizer, variables: Sequence) -> State:
    """The current slots of ``variables`` and the step count, as tensors."""
    opt = inner(optimizer)
    slots = [
        tuple(p.value for p in _slot_variables(opt, v)) for v in variables
    ]
    return State(slots, opt.iterations.value)


def write_state(optimizer, variables, values, state, where=None) -> None:
    """Assigns ``values`` to ``variables`` and ``state`` to the optimizer's
    slots and step count; with a boolean scalar ``where``, only where it
    holds (``tf.where``, so it can sit in a replicated step)."""
    opt = inner(optimizer)

    def assign(target, value):
        if where is not None:
            value = tf.where(where, value, target.value)
        target.assign(value)

    for variable, value in zip(variables, values):
        assign(variable, value)
    for variable, slots in zip(variables, state.slots):
        for target, value in zip(_slot_variables(opt, variable), slots):
            assign(target, value)
    assign(opt.iterations, state.iterations)


def step(
    optimizer,
    variables: Sequence,
    values: Sequence[tf.Tensor],
    grads: Sequence[tf.Tensor],
    state: State,
    learning_rate: Optional[tf.Tensor] = None,
):
    """One update of ``optimizer``'s rule, as a pure function.

    Args:
        optimizer: the Keras optimizer whose rule and hyperparameters apply.
        variables: the variables ``values`` stand for (for AdamW's
            ``exclude_from_weight_decay``).
        values: the current weights (tensors).
        grads: their gradients.
        state: slots and step count (``read_state`` or a previous ``step``).
        learning_rate: the rate to use; None reads the optimizer's current
            one (its schedule at ``state.iterations``).

    Returns:
        ``(new_values, new_state)``; differentiable in ``values`` and
        ``grads``.
    """
    opt = inner(optimizer)
    kind = _kind(opt)
    if learning_rate is None:
        schedule = opt._learning_rate
        if isinstance(
            schedule, keras.optimizers.schedules.LearningRateSchedule
        ):
            learning_rate = schedule(state.iterations)
        else:
            learning_rate = opt.learning_rate
    new_values, new_slots = [], []
    local_step = state.iterations + 1
    for variable, value, grad, slots in zip(
        variables, values, grads, state.slots
    ):
        dtype = value.dtype
        lr = tf.cast(learning_rate, dtype)
        grad = tf.cast(grad, dtype)
        # Decoupled weight decay (Loshchilov & Hutter, 2019) comes before
        # the rule's own update for every optimizer, at the step's rate, as
        # in Keras' ``BaseOptimizer._apply_weight_decay``.
        decay = getattr(opt, "weight_decay", None)
        if decay is not None and opt._use_weight_decay(variable):
            value = value - value * tf.cast(decay, dtype) * lr
        if kind == "adam":
            t = tf.cast(local_step, dtype)
            beta_1 = tf.cast(opt.beta_1, dtype)
            beta_2 = tf.cast(opt.beta_2, dtype)
            alpha = lr * tf.sqrt(1 - beta_2**t) / (1 - beta_1**t)
            m, v = slots[0], slots[1]
            # ``1 - beta`` in Python floats, as Keras computes it (the
            # float32 difference is 4e-5 off for beta_2 = 0.999).
            m = m + (grad - m) * (1 - opt.beta_1)
            v = v + (tf.square(grad) - v) * (1 - opt.beta_2)
            slot = (m, v)
            if opt.amsgrad:
                v_hat = tf.maximum(slots[2], v)
                slot, v = (m, v, v_hat), v_hat
            value = value - (m * alpha) / (_sqrt(v) + opt.epsilon)
        elif slots:
            momentum = tf.cast(opt.momentum, dtype)
            m = slots[0] * momentum - grad * lr
            if opt.nesterov:
                value = value + (m * momentum - grad * lr)
            else:
                value = value + m
            slot = (m,)
        else:
            value = value - grad * lr
            slot = ()
        new_values.append(value)
        new_slots.append(slot)
    return new_values, State(new_slots, local_step)


class _Scaled(keras.optimizers.schedules.LearningRateSchedule):
    """A schedule times a constant."""

    def __init__(self, schedule, factor):
        self.schedule = schedule
        self.factor = factor

    def __call__(self, step):
        return self.schedule(step) * self.factor

    def get_config(self):
        return {"schedule": self.schedule, "factor": self.factor}


def adjust_for_lazy_regularization(optimizer, c: Optional[float]) -> None:
    """Sets ``optimizer``'s hyperparameters to StyleGAN2's lazy form: the
    learning rate times ``c`` and each decay rate to the power ``c`` (Adam's
    beta_1 and beta_2, SGD's momentum), ``c = k / (k + 1)``; None restores
    the originals. The originals are remembered on the optimizer, so a
    second ``compile`` adjusts from them again, never twice."""
    opt = inner(optimizer)
    original = getattr(opt, "_keras_gans_lazy_original", None)
    if original is not None:
        schedule, rates = original
        for name, value in rates.items():
            setattr(opt, name, value)
        _set_learning_rate(opt, schedule)
        opt._keras_gans_lazy_original = None
    if c is None:
        return
    names = ("beta_1", "beta_2") if _kind(opt) == "adam" else ("momentum",)
    schedule = opt._learning_rate
    if isinstance(schedule, keras.Variable):
        schedule = float(schedule.numpy())
    opt._keras_gans_lazy_original = (
        schedule,
        {name: getattr(opt, name) for name in names},
    )
    for name in names:
        setattr(opt, name, getattr(opt, name) ** c)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        _set_learning_rate(opt, _Scaled(schedule, c))
    elif callable(schedule):
        _set_learning_rate(opt, lambda: schedule() * c)
    else:
        _set_learning_rate(opt, schedule * c)


def is_adjusted(optimizer) -> bool:
    """Whether ``adjust_for_lazy_regularization`` has changed ``optimizer``."""
    original = getattr(inner(optimizer), "_keras_gans_lazy_original", None)
    return original is not None


def _set_learning_rate(opt, value):
    if isinstance(opt._learning_rate, keras.Variable) and not callable(value):
        opt._learning_rate.assign(value)
    else:
        opt._learning_rate = value


def _sqrt(v):
    """``sqrt(v)`` whose derivative at ``v = 0`` is 0 instead of inf: an
    unrolled look-ahead differentiates Adam's step, and a weight whose
    gradient is exactly 0 (a dead unit) would otherwise give inf * 0 = NaN
    (seen under XLA with the relativistic loss). Values are unchanged."""
    positive = v > 0
    return tf.where(positive, tf.sqrt(tf.where(positive, v, tf.ones_like(v))),
                    tf.zeros_like(v))
