"""The ``DiscriminatorHook`` protocol: what a D step lets others change.

The GAN's D step calls every attached hook, in the order attached, at
three points, all traced into the compiled step:

1. ``before_discriminator_step(step)`` before the update (e.g. online EWC
   estimates its Fisher at the end of a task);
2. ``transform_fakes(fake, step) -> fake`` on D's fake batch (e.g. replay
   mixes old fakes in);
3. ``discriminator_loss(step) -> scalar or None``, added to L_D inside D's
   tape (e.g. the EWC term).

An unrolled look-ahead of D (``unroll_steps > 0``) also adds
``regularization(values)``, the hook's term at trial weights ``values``.
The defaults do nothing, so a hook overrides only what it changes.

Randomness: ``step.seed`` is drawn from the hook's own stream,
``rng.stream(model seed, "hook/" + hook.stream_name)``, folded in with the
D step's index, so hooks never share random numbers with the step or with
each other (two attached hooks must have different stream names).

Callbacks that change training (``callbacks.ReplayBuffer``,
``callbacks.OnlineEWC``) are hooks: ``GAN.fit`` attaches each one passed
in ``callbacks=`` for the length of that ``fit`` and detaches it at the
end, also when ``fit`` raises, so a later ``fit`` without the callback
runs without it. ``attach(gan)`` is where a hook creates its variables
(under the GAN's strategy scope) if its constructor could not.
"""

import dataclasses
from typing import Any, List, Optional

import tensorflow as tf

__all__ = ["DiscriminatorHook", "StepContext"]


@dataclasses.dataclass(frozen=True)
class StepContext:
    """What a hook sees of one D step.

    Attributes:
        gan: the ``keras_gans.GAN``.
        real: the step's real batch (this replica's share).
        seed: the hook's stateless seed for this D step (shape ``[2]``).
        critic_index: the D step's index within the GAN iteration, a
            Python int in ``[0, n_critic)``.
        iteration: the GAN iteration (G updates so far), an int64 tensor.
    """

    gan: Any
    real: tf.Tensor
    seed: tf.Tensor
    critic_index: int
    iteration: tf.Tensor


class DiscriminatorHook:
    """Base class of the hooks a GAN's D step calls (no-op defaults).

    Attributes:
        stream_name: the name of the hook's random stream (unique among
            the hooks attached to one GAN).
        supports_labels: whether the hook can be attached to a
            class-conditional GAN; its ``transform_fakes`` then takes and
            returns ``[fakes, labels]`` (the labels the fakes stand for).
    """

    stream_name = "hook"
    supports_labels = False

    def attach(self, gan) -> None:
        """Called when the hook is attached to ``gan``: create state that
        needs the GAN (under ``gan.distribute_strategy.scope()``)."""

    def detach(self, gan) -> None:
        """Called when the hook is detached from ``gan``."""

    @property
    def metrics(self) -> List[Any]:
        """``keras.metrics.Metric`` objects logged with the GAN's."""
        return []

    def before_discriminator_step(self, step: StepContext) -> None:
        """Runs before the D update."""

    def transform_fakes(self, fake, step: StepContext):
        """Returns the fake batch D trains on (by default ``fake``)."""
        del step
        return fake

    def discriminator_loss(self, step: StepContext) -> Optional[tf.Tensor]:
        """A term added to L_D (None: nothing)."""
        del step
        return None

    def regularization(self, values) -> Optional[tf.Tensor]:
        """The hook's term of L_D at trial D weights ``values`` (aligned
        with ``discriminator.trainable_variables``), for a look-ahead of D;
        None: nothing."""
        del values
        return None
