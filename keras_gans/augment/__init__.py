"""Differentiable augmentation of D's inputs: DiffAugment, ADA, instance
noise.

Every augmentation here is a pure function of the images and an explicit
stateless seed (a shape ``[2]`` integer tensor). All randomness comes from
``keras_gans.rng`` (``rng.uniform``, ``rng.normal``, ``rng.split_seed``), so
an augmentation is reproducible, identical with and without XLA, and exact
under ``tf.distribute``: N replicas together draw what one device draws for
the global batch. Each op is differentiable w.r.t. its input (gathers,
masks and affine maps), so G's gradient reaches the fake through it.

DiffAugment (Zhao et al., 2020, "Differentiable Augmentation for
Data-Efficient GAN Training", reference code ``DiffAugment_tf.py`` of
mit-han-lab/data-efficient-gans), on NHWC images, per example:

- ``color``: brightness ``x + (b - 0.5)``, ``b ~ U(0, 1)``; saturation
  ``(x - mean_c x) * s + mean_c x``, ``s ~ U(0, 2)``, ``mean_c`` the mean
  over channels of each pixel; contrast ``(x - mean x) * c + mean x``,
  ``c ~ U(0.5, 1.5)``, ``mean`` over the whole image (in that order).
- ``translation``: an integer shift ``(t_y, t_x)``, each uniform in
  ``[-s, s]``, ``s = size // 8``; ``out[i, j] = x[i + t_y, j + t_x]``, 0
  where that falls outside the image (zero padding).
- ``cutout``: a ``(H // 2) x (W // 2)`` square set to 0; its centre
  ``(o_y, o_x)`` is uniform in ``[0, H + (1 - (H // 2) % 2))`` (likewise
  x), it covers rows ``[o_y - (H // 2) // 2, o_y - (H // 2) // 2 + H // 2)``
  clipped to the image.

The ops run in the order the policy lists them (the paper's is
``color,translation,cutout``). Op ``k`` of ``DIFFAUGMENT_OPS`` draws from
``rng.split_seed(seed, len(DIFFAUGMENT_OPS))[k]``, so an op draws the same
numbers whatever else the policy holds.

ADA (Karras et al., 2020, "Training Generative Adversarial Networks with
Limited Data"): ``AdaptiveAugment`` holds the probability ``p`` with which
each op of a reduced, differentiable pipeline is applied to each example,
and adapts it from ``r_t = E[sign(D(real))]`` (see its docstring).

Which samples a penalty sees: differentiate through the augmentation at the
clean samples, i.e. pass ``augmented_discriminator(D, fn, seed)`` (the map
``u -> D(T(u))``) to the penalty with the clean real/fake batches. That is
what StyleGAN2-ADA does (its ``run_D`` augments inside D and R1 is taken
w.r.t. the un-augmented reals): the penalty then constrains the function
the loss trains, ``D o T``, at the data points.

Instance noise (Sonderby et al., 2017; Arjovsky & Bottou, 2017):
``instance_noise(x, sigma, seed) = x + sigma * N(0, 1)``, with
``instance_noise_sigma(step, sigma0, anneal_steps)`` the linear schedule
``sigma0 * max(0, 1 - step / anneal_steps)`` (constant if
``anneal_steps`` is 0).

The package's modules: ``diffaugment`` (the per-example ops, DiffAugment,
the policy spec of both kinds, ``augmented_discriminator``), ``ada``
(``AdaptiveAugment``) and ``noise`` (instance noise and its schedule);
every public name is importable from ``keras_gans.augment``.
"""

from keras_gans.augment.ada import AdaptiveAugment
from keras_gans.augment.diffaugment import (
    ADA_OPS,
    DIFFAUGMENT_OPS,
    Policy,
    augmented_discriminator,
    brightness,
    color,
    contrast,
    cutout,
    cutout_boxes,
    diff_augment,
    parse_policy,
    saturation,
    translation,
    translation_shifts,
)
from keras_gans.augment.noise import instance_noise, instance_noise_sigma

__all__ = [
    "ADA_OPS",
    "DIFFAUGMENT_OPS",
    "AdaptiveAugment",
    "Policy",
    "augmented_discriminator",
    "brightness",
    "color",
    "contrast",
    "cutout",
    "cutout_boxes",
    "diff_augment",
    "instance_noise",
    "instance_noise_sigma",
    "parse_policy",
    "saturation",
    "translation",
    "translation_shifts",
]
