"""One player's optimizer settings (``OptimizerConfig``) and the
learning-rate schedules."""

import dataclasses
from typing import TYPE_CHECKING, Optional

from keras_gans.settings import ConfigError, check_declared, setting

if TYPE_CHECKING:  # loaded by build(): reading a config needs no TensorFlow
    import keras

__all__ = ["LR_SCHEDULES", "OPTIMIZERS", "OptimizerConfig"]

OPTIMIZERS = ("sgd", "momentum", "adam")
LR_SCHEDULES = ("constant", "linear", "cosine")


@dataclasses.dataclass(frozen=True)
class OptimizerConfig:
    """One player's optimizer (``name``, ``learning_rate``, Adam's
    ``beta1``/``beta2``, SGD's ``momentum``)."""

    name: str = setting(
        "adam",
        "{player} optimizer: sgd, momentum (SGD with momentum) or adam.",
        choices=OPTIMIZERS,
        flag="{player}_optimizer",
    )
    learning_rate: float = setting(
        1e-3,
        "{player} learning rate.",
        lower=0.0,
        lower_open=True,
        flag="{player}_lr",
    )
    beta1: float = setting(
        0.5, "Adam beta1 (both players).", lower=0.0, upper=1.0,
        upper_open=True,
    )
    beta2: float = setting(
        0.99, "Adam beta2 (both players).", lower=0.0, upper=1.0,
        upper_open=True,
    )
    momentum: float = setting(
        0.9,
        "SGD momentum of --*_optimizer=momentum (both players).",
        lower=0.0,
        upper=1.0,
        upper_open=True,
    )
    weight_decay: float = setting(
        0.0,
        "{player} decoupled (AdamW-style) weight decay: each update also "
        "subtracts lr * decay * w from every trainable weight (0: off).",
        lower=0.0,
        flag="{player}_weight_decay",
    )

    def validate(self, prefix: str = "") -> "OptimizerConfig":
        """Returns self, or raises ConfigError naming the flag (``prefix``:
        ``d_`` or ``g_``)."""
        check_declared(self, prefix.rstrip("_") or None)
        return self

    def build(
        self, schedule: str = "constant", decay_steps: Optional[int] = None
    ) -> "keras.optimizers.Optimizer":
        """The Keras optimizer, with the learning rate decayed to 1% of its
        value over ``decay_steps`` updates for the ``linear`` and ``cosine``
        schedules (constant at 1% after them).

        ``weight_decay`` > 0 is decoupled weight decay (Loshchilov & Hutter,
        2019, "Decoupled Weight Decay Regularization"): Keras' optimizers
        apply ``w <- w - lr * weight_decay * w`` to every trainable
        variable before the gradient update, apart from the loss (Adam
        then is AdamW); 0 leaves the optimizer without it."""
        import keras

        lr = self.learning_rate
        if schedule == "linear":
            lr = keras.optimizers.schedules.PolynomialDecay(
                lr, decay_steps, end_learning_rate=0.01 * lr, power=1.0
            )
        elif schedule == "cosine":
            lr = keras.optimizers.schedules.CosineDecay(
                lr, decay_steps, alpha=0.01
            )
        elif schedule != "constant":
            raise ConfigError(
                "lr_schedule",
                f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got "
                f"{schedule!r}.",
            )
        decay = {"weight_decay": self.weight_decay} if self.weight_decay else {}
        if self.name == "adam":
            return keras.optimizers.Adam(
                lr, beta_1=self.beta1, beta_2=self.beta2, **decay
            )
        momentum = self.momentum if self.name == "momentum" else 0.0
        return keras.optimizers.SGD(lr, momentum=momentum, **decay)
