"""Hooks: what may change a GAN's D step from outside, in one home.

- ``base``: the ``DiscriminatorHook`` protocol, the ``StepContext`` a hook
  sees of a D step and the ``DiscriminatorGame``, the capabilities the
  GAN lends it (D, G's fakes, D's logits, the objective's L_D terms);
- ``replay``: ``ReplayBuffer``, old fakes shown to D;
- ``ewc``: ``OnlineEWC``, online elastic weight consolidation of D;
- ``weight_penalty``: ``L1WeightPenalty``, L1 on D's kernels.

``ReplayBuffer`` and ``OnlineEWC`` are Keras callbacks as well (``fit``
attaches them for its length); ``keras_gans.callbacks`` exports them too,
and ``keras_gans.training`` the protocol and the L1 penalty.
"""

from keras_gans.hooks.base import (
    AttachedHooks,
    DiscriminatorGame,
    DiscriminatorHook,
    StepContext,
)
from keras_gans.hooks.ewc import OnlineEWC
from keras_gans.hooks.replay import ReplayBuffer
from keras_gans.hooks.weight_penalty import L1WeightPenalty, kernel_indices

__all__ = [
    "AttachedHooks",
    "DiscriminatorGame",
    "DiscriminatorHook",
    "L1WeightPenalty",
    "OnlineEWC",
    "ReplayBuffer",
    "StepContext",
    "kernel_indices",
]
