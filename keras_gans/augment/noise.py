"""Instance noise (Sonderby et al., 2017; Arjovsky & Bottou, 2017) and its
annealing schedule."""

import tensorflow as tf

from keras_gans import rng

def instance_noise(x, sigma, seed):
    """Instance noise: ``x + sigma * N(0, 1)``, elementwise.

    Gaussian noise on D's inputs, real and fake alike, so the two
    distributions overlap and D cannot be perfectly confident (Sonderby et
    al., 2017, "Amortised MAP Inference for Image Super-resolution"; Arjovsky
    & Bottou, 2017). ``sigma = 0`` returns ``x`` unchanged.

    Args:
        x: a batch of any rank.
        sigma: the noise std, a float or scalar tensor >= 0 (see
            ``instance_noise_sigma`` for the annealed schedule).
        seed: shape ``[2]`` integer stateless seed.

    Returns:
        ``x`` plus the noise, same shape and dtype.

    Raises:
        ValueError: a Python ``sigma < 0``.
    """
    if isinstance(sigma, (int, float)) and sigma < 0:
        raise ValueError(f"instance noise sigma must be >= 0, got {sigma}.")
    x = tf.convert_to_tensor(x)
    noise = rng.normal(tf.shape(x), seed)
    return x + tf.cast(sigma, x.dtype) * tf.cast(noise, x.dtype)


def instance_noise_sigma(step, sigma0: float, anneal_steps: int = 0):
    """The instance-noise std at ``step``:
    ``sigma0 * max(0, 1 - step / anneal_steps)``, or ``sigma0`` throughout
    if ``anneal_steps`` is 0 (constant noise).

    Args:
        step: the training step (int or scalar tensor), from 0.
        sigma0: the initial std, >= 0.
        anneal_steps: ``T``, the step at which the noise reaches 0; 0 for
            constant noise.

    Returns:
        float32 scalar tensor.

    Raises:
        ValueError: ``sigma0 < 0`` or ``anneal_steps < 0``.
    """
    if not sigma0 >= 0:
        raise ValueError(f"instance noise sigma must be >= 0, got {sigma0}.")
    if int(anneal_steps) != anneal_steps or anneal_steps < 0:
        raise ValueError(
            f"instance noise anneal_steps must be >= 0, got {anneal_steps!r}."
        )
    sigma0 = tf.constant(sigma0, tf.float32)
    if anneal_steps == 0:
        return sigma0
    fraction = tf.cast(step, tf.float32) / float(anneal_steps)
    return sigma0 * tf.maximum(0.0, 1.0 - fraction)
