"""D warm-up: ``steps`` D-only updates before the first G update (the
seed notes' "train the discriminator on real data first").

``GAN.fit`` runs the warm-up steps that are still due before Keras'
loop: each is one ordinary D step (D's loss on a real batch and fresh
fakes, the penalty, the attached hooks, the augmentation) on the first
strided slice of one batch of ``fit``'s data (``batch[0::n_critic]``),
numbered as D step 0 of iteration ``k`` (k = 0, 1, ...) but drawn from
the streams of the root ``rng.stream(model seed, "warmup")``, so its
noise is not the training steps' noise. G is not updated, and
``g_optimizer.iterations`` (the run's step) does not move; D's optimizer
counts the warm-up updates.

The number done is the variable ``gan.d_warmup_done``, checkpointed with
the GAN, so a resumed run does not redo them; it exists only when
``steps > 0`` (a GAN without warm-up has the variables it had before).
"""

from typing import Optional

import keras
import tensorflow as tf

from keras_gans import rng
from keras_gans.validation import check_integer

__all__ = ["DiscriminatorWarmup"]


class DiscriminatorWarmup:
    """The warm-up schedule and its counter.

    Args:
        steps: D-only steps before the first G step (>= 0).
        counter: an existing counter to keep (a recompiled GAN keeps the
            number done); None creates one when ``steps > 0``.
    """

    def __init__(
        self, steps: int = 0, counter: Optional[keras.Variable] = None
    ):
        self.steps = check_integer("d_warmup_steps", steps, 0)
        self.counter = counter if self.steps else None

    def configure(self, gan) -> None:
        """Creates the counter (under the GAN's strategy scope)."""
        if self.steps and self.counter is None:
            with gan.distribute_strategy.scope():
                self.counter = keras.Variable(
                    0, dtype="int64", trainable=False, name="d_warmup_done"
                )

    @property
    def remaining(self) -> int:
        if not self.steps:
            return 0
        return max(0, self.steps - int(self.counter.numpy()))

    def run(self, gan, x, batch_size=None) -> int:
        """Runs the warm-up steps still due on batches of ``x`` (a
        ``tf.data.Dataset`` of batches, repeated if shorter, or arrays,
        batched by ``batch_size``). Returns the number run.

        Raises:
            ValueError: ``x`` is neither (e.g. a distributed dataset).
        """
        remaining = self.remaining
        if not remaining:
            return 0
        if not isinstance(x, tf.data.Dataset):
            if x is None or isinstance(x, tf.distribute.DistributedDataset):
                raise ValueError(
                    "d_warmup_steps > 0 needs fit's data as a tf.data.Dataset "
                    "or arrays."
                )
            x = tf.data.Dataset.from_tensor_slices(x).batch(batch_size or 32)
        if not gan.built:  # optimizers' slots are created outside the step
            first = keras.utils.unpack_x_y_sample_weight(next(iter(x)))[0]
            gan.build(tuple(first.shape))
        strategy = gan.distribute_strategy
        batches = strategy.experimental_distribute_dataset(
            x.repeat().take(remaining)
        )

        def step(batch, k):
            real, _, _ = keras.utils.unpack_x_y_sample_weight(batch)
            real = gan.objective.split(real)[0]
            root = rng.stream(gan.rng_seed, "warmup")
            gan._discriminator_step(real, k, 0, root=root)

        @tf.function(jit_compile=bool(gan.jit_compile))
        def replicated(batch, k):
            strategy.run(step, args=(batch, k))

        done = int(self.counter.numpy())
        for batch in batches:
            replicated(batch, tf.constant(done, tf.int64))
            done += 1
            self.counter.assign(done)
        return remaining
