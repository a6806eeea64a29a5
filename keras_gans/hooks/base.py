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

What a hook sees of a D step is a ``StepContext``: the step's real batch,
labels, seed and indices, and a ``DiscriminatorGame``, the capabilities
the GAN lends its hooks (D, G's fakes as the D step draws them, D's
logits through the conditioning, the objective's terms of L_D), not the
GAN itself. ``attach(gan)`` still gets the GAN: a hook creates its state
there, under the GAN's strategy scope.

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

import contextlib
import dataclasses
from typing import Any, Callable, List, Optional

import tensorflow as tf

from keras_gans import rng

__all__ = [
    "AttachedHooks",
    "DiscriminatorGame",
    "DiscriminatorHook",
    "StepContext",
]


@dataclasses.dataclass(frozen=True)
class DiscriminatorGame:
    """The capabilities a GAN lends its hooks (``GAN.discriminator_game``).

    Attributes:
        discriminator: D; L_D updates its ``trainable_variables``.
        num_classes: the classes of a class-conditional GAN, else None.
        draw_fakes: ``(n, seed) -> (fakes, fake_labels)``: ``n`` fakes of
            G in training mode, the latents drawn with ``seed`` and the
            labels (None without conditioning) from its ``"labels"``
            stream.
        logits: ``(real, labels, fake, fake_labels) -> (real_logits,
            fake_logits)``: D's logits through the conditioning (a
            projection D sees the labels), in training mode.
        loss_terms: ``(real_logits, fake_logits) -> L_D``'s adversarial
            terms, a batch mean (the objective's, gamma included).
        classification_terms: ``(real, labels, fake, fake_labels) ->``
            the AC-GAN class head's per-example terms of L_D, or None.
    """

    discriminator: Any
    num_classes: Optional[int]
    draw_fakes: Callable
    logits: Callable
    loss_terms: Callable
    classification_terms: Callable


@dataclasses.dataclass(frozen=True)
class StepContext:
    """What a hook sees of one D step.

    Attributes:
        game: the ``DiscriminatorGame`` (None where a hook needs none of
            it, e.g. in a test of a buffer that reads only the seed).
        real: the step's real batch (this replica's share).
        seed: the hook's stateless seed for this D step (shape ``[2]``).
        critic_index: the D step's index within the GAN iteration, a
            Python int in ``[0, n_critic)``.
        iteration: the GAN iteration (G updates so far), an int64 tensor.
        labels: the real batch's labels (int32 ``[n]``) in a
            class-conditional GAN, else None.
    """

    game: Optional[DiscriminatorGame]
    real: tf.Tensor
    seed: tf.Tensor
    critic_index: int
    iteration: tf.Tensor
    labels: Optional[tf.Tensor] = None


class DiscriminatorHook:
    """Base class of the hooks a GAN's D step calls (no-op defaults).

    Attributes:
        stream_name: the name of the hook's random stream (unique among
            the hooks attached to one GAN).
        supports_labels: whether the hook can be attached to a
            class-conditional GAN; its ``transform_fakes`` then takes and
            returns ``[fakes, labels]`` (the labels the fakes stand for).
        supports_rotation_head: whether the hook can be attached to a GAN
            whose D has a rotation head (``training.rotation``): False for
            a hook whose terms would leave the head out.
    """

    stream_name = "hook"
    supports_labels = False
    supports_rotation_head = True

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
        del step  # a real body: AutoGraph cannot convert a bare docstring

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


class AttachedHooks:
    """The hooks attached to one GAN, in call order (a plain container: the
    GAN does not track hooks for checkpoints; their owners do)."""

    def __init__(self):
        self._hooks: List[DiscriminatorHook] = []

    def __iter__(self):
        return iter(tuple(self._hooks))

    def __len__(self):
        return len(self._hooks)

    def __contains__(self, hook):
        return any(h is hook for h in self._hooks)

    def attach(self, gan, hook) -> bool:
        """Attaches ``hook`` (calling ``hook.attach(gan)``); False if it
        was attached already."""
        if not isinstance(hook, DiscriminatorHook):
            raise TypeError(
                f"{hook!r} is not a keras_gans.training.DiscriminatorHook."
            )
        if hook in self:
            return False
        if any(h.stream_name == hook.stream_name for h in self._hooks):
            raise ValueError(
                f"Another attached hook uses the random stream name "
                f"{hook.stream_name!r}; give each hook its own stream_name."
            )
        hook.attach(gan)
        self._hooks.append(hook)
        return True

    def detach(self, gan, hook) -> bool:
        """Detaches ``hook`` (its state stays with it); False if it was not
        attached."""
        if hook not in self:
            return False
        self._hooks = [h for h in self._hooks if h is not hook]
        hook.detach(gan)
        return True

    @contextlib.contextmanager
    def borrowed(self, gan, callbacks):
        """Attaches the hooks among ``callbacks`` (a list or a Keras
        ``CallbackList``) that are not attached yet, and detaches them on
        exit, also when the block raises."""
        listed = getattr(callbacks, "callbacks", callbacks) or []
        borrowed = [
            cb
            for cb in listed
            if isinstance(cb, DiscriminatorHook) and cb not in self
        ]
        for hook in borrowed:
            gan.attach_hook(hook)
        try:
            yield
        finally:
            for hook in borrowed:
                gan.detach_hook(hook)

    @property
    def metrics(self) -> list:
        return [m for h in self._hooks for m in h.metrics]

    def contexts(
        self, gan, real, index, critic_index, iteration, root=None,
        labels=None,
    ):
        """``[(hook, StepContext)]`` for D step ``index`` (``labels``: the
        real batch's, conditional GAN); each hook's seed is the stream
        ``"hook/<stream_name>"`` of ``root`` (default: the GAN's seed)
        folded in with ``index``."""
        root = gan.rng_seed if root is None else root
        game = gan.discriminator_game() if self._hooks else None
        return [
            (
                hook,
                StepContext(
                    game=game,
                    real=real,
                    seed=rng.step_seed(root, "hook/" + hook.stream_name, index),
                    critic_index=critic_index,
                    iteration=iteration,
                    labels=labels,
                ),
            )
            for hook in self._hooks
        ]
