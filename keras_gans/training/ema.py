"""The generator EMA: a shadow generator whose weights average G's.

After G update ``t`` (counted from 1) the shadow's trainable weights follow
``s <- d_t * s + (1 - d_t) * w`` with ``d_t = min(d, (1 + t) / (10 + t))``,
the warm-up of ``tf.train.ExponentialMovingAverage(num_updates=t)``, so that
a short run is not dominated by the initial weights; its non-trainable
weights (BatchNorm statistics) are copied. Sampling and export use it.
"""

import keras
import tensorflow as tf

__all__ = ["GeneratorEMA"]


class GeneratorEMA:
    """The shadow generator and its update.

    Create it under the strategy's scope. The shadow is a Keras model: the
    GAN tracks it (``gan.ema_generator``), so checkpoints carry it.

    Args:
        generator: the trained generator (functional or Sequential, so that
            ``keras.models.clone_model`` can copy it), built.
        decay: d in (0, 1).
    """

    def __init__(self, generator, decay: float):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1), got {decay!r}.")
        try:
            shadow = keras.models.clone_model(generator)
        except Exception as e:  # subclassed models without a config
            raise ValueError(
                "ema_decay needs a generator that keras.models.clone_model "
                f"can copy (functional or Sequential): {e}"
            ) from e
        shadow.set_weights(generator.get_weights())
        shadow.trainable = False
        self.shadow = shadow
        self.decay = float(decay)

    def update(self, generator, step) -> None:
        """Moves the shadow towards ``generator`` after G update ``step``."""
        t = tf.cast(step, tf.float32)
        decay = tf.minimum(self.decay, (1.0 + t) / (10.0 + t))
        for shadow, weight in zip(self.shadow.weights, generator.weights):
            if weight.trainable:
                shadow.assign(decay * shadow + (1.0 - decay) * weight)
            else:
                shadow.assign(weight)
