"""The parts a GAN's train step is made of, one concern each.

- ``objective``: the adversarial loss, gamma and the ``n_critic`` split;
- ``regularizer``: the gradient penalty and its lazy schedule;
- ``unrolled``: the unrolled generator objective;
- ``ema``: the generator EMA;
- ``lecam``: LeCam regularisation of D's outputs (Tseng et al. 2021);
- ``consistency``: (balanced) consistency regularisation of D on images;
- ``augmentation``: DiffAugment / ADA / instance noise of D's inputs;
- ``warmup``: D-only steps before the first G step;
- ``conditioning``: the conditioning strategy, ``Conditioning``
  (class-conditional training: fake labels, D and G on ``[x, label]``,
  penalties with the label held fixed) or ``Unconditional``
  (``unconditional``: samples alone, through the input augmentation);
- ``execution``: the fused XLA loop, the multi-worker train function and
  the ``jit_compile="auto"`` rule;
- ``update_rules``: optimizers' update rules as pure functions (the lazy
  step and the look-ahead use them).

The hooks a D step calls (the protocol, replay, EWC, the L1 weight
penalty) live in ``keras_gans.hooks``; ``DiscriminatorHook``,
``StepContext`` and ``L1WeightPenalty`` are exported here as well.
"""

from keras_gans.hooks import DiscriminatorHook, L1WeightPenalty, StepContext
from keras_gans.training import conditioning, execution, update_rules
from keras_gans.training.augmentation import InputAugmentation
from keras_gans.training.conditioning import Conditioning, Unconditional
from keras_gans.training.consistency import ConsistencyRegularizer
from keras_gans.training.ema import GeneratorEMA
from keras_gans.training.lecam import LeCamRegularizer
from keras_gans.training.execution import auto_jit_compile
from keras_gans.training.objective import AdversarialObjective
from keras_gans.training.regularizer import GradientPenalty
from keras_gans.training.rotation import SelfSupervised
from keras_gans.training.unrolled import UnrolledObjective
from keras_gans.training.warmup import DiscriminatorWarmup

__all__ = [
    "AdversarialObjective",
    "Conditioning",
    "ConsistencyRegularizer",
    "DiscriminatorHook",
    "DiscriminatorWarmup",
    "GeneratorEMA",
    "GradientPenalty",
    "InputAugmentation",
    "LeCamRegularizer",
    "L1WeightPenalty",
    "SelfSupervised",
    "StepContext",
    "Unconditional",
    "UnrolledObjective",
    "auto_jit_compile",
    "conditioning",
    "execution",
    "update_rules",
]
