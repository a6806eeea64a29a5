"""D's input transform inside the step: differentiable augmentation
(DiffAugment, ADA) and instance noise (``keras_gans.augment``).

With ``T`` the transform, a D step trains D on ``T(real)`` and ``T(fake)``
(independent draws of the same family) and the G step takes G's loss on
``D(T(G(z)))`` (and, for a paired loss, on ``D(T(real))`` with a draw of
its own); every op is differentiable w.r.t. its input, so G's
gradient reaches G through ``T`` (Zhao et al., 2020; Karras et al., 2020).
``T`` is the augmentation, if any, followed by instance noise, if any
(Sonderby et al., 2017: noise on every D input, real and fake, also in G's
loss), with the std ``augment.instance_noise_sigma(iteration, sigma,
anneal_steps)``: annealed linearly to 0 over ``anneal_steps`` GAN
iterations, or constant.

Randomness (``keras_gans.rng``): D step ``index`` draws from
``fold_in(stream(root, "augment/discriminator"), index)``, split by name
into ``"real"``, ``"fake"`` and ``"penalty"``; the G step from
``fold_in(stream(root, "augment/generator"), iteration)`` (the fakes) and
its ``"real"`` stream (the reals of a paired loss). Within a draw
the augmentation and the noise have their own streams (``"augment"``,
``"instance_noise"``). So the transform is replica-consistent, equal with
and without XLA, and a restored run draws what an uninterrupted one does.

The penalty is taken on the *clean* samples, differentiating through the
transform: the penalty's discriminator is ``u -> D(T(u))`` (its own draw
of ``T``) at the un-augmented real and fake batches (and their
interpolates). This is StyleGAN2-ADA's choice (R1 w.r.t. the
non-augmented reals through the augmenting ``run_D``): the penalty then
constrains the function the loss trains, ``D o T``, at the data points,
instead of D at augmented points the data never visit. The layer gradient
penalty (``layer=``) needs D itself and is refused with a transform.

ADA: ``AdaptiveAugment``'s ``p`` is adjusted after every D step from
``r_t = E[sign(D(T(real)))]`` over the *global* real batch (summed across
replicas); ``p`` is logged as ``ada_p``. Its state is the GAN's attribute
``ada`` (checkpointed with the GAN), which exists only with ADA on, so a
GAN without augmentation has exactly the variables it had before.

With the transform off every method returns its inputs unchanged: the step
is the plain one, op for op.
"""

import math
from typing import Optional

import tensorflow as tf

from keras_gans import augment, distribute, rng
from keras_gans.validation import check_integer

__all__ = ["InputAugmentation"]


class _Transformed:
    """``u -> discriminator(transform(u))``, with D's trainable variables
    (the lazy penalty step updates them)."""

    def __init__(self, discriminator, transform):
        self.discriminator = discriminator
        self.transform = transform

    @property
    def trainable_variables(self):
        return self.discriminator.trainable_variables

    def __call__(self, points, training=True):
        return self.discriminator(self.transform(points), training=training)


class InputAugmentation:
    """The transform ``T`` of D's inputs.

    Args:
        policy: an ``augment.parse_policy`` spec (``"none"``,
            ``"diffaugment:translation,cutout,color"``, ``"ada"``,
            ``"ada:xflip,rotate90"``) or a parsed ``augment.Policy``.
        instance_noise: the noise std sigma >= 0 (0: off).
        instance_noise_anneal_steps: GAN iterations over which sigma falls
            linearly to 0; 0 keeps it constant.
        ada: an ``augment.AdaptiveAugment`` to keep (a recompiled GAN keeps
            its ``p``); None creates one when the policy is ADA.

    Raises:
        ValueError: an unknown policy, a negative or non-finite sigma, a
            negative anneal length.
    """

    def __init__(
        self,
        policy="none",
        instance_noise: float = 0.0,
        instance_noise_anneal_steps: int = 0,
        ada: Optional[augment.AdaptiveAugment] = None,
    ):
        if not isinstance(policy, augment.Policy):
            policy = augment.parse_policy(policy)
        self.policy = policy
        if not math.isfinite(instance_noise) or instance_noise < 0:
            raise ValueError(
                "instance_noise must be a finite number >= 0, got "
                f"{instance_noise!r}."
            )
        self.noise = float(instance_noise)
        self.anneal_steps = check_integer(
            "instance_noise_anneal_steps", instance_noise_anneal_steps, 0
        )
        if policy.kind == "ada":
            if ada is None or tuple(ada.ops) != policy.ops:
                ada = augment.AdaptiveAugment(ops=policy.ops, name="ada")
        else:
            ada = None
        self.ada = ada

    @property
    def active(self) -> bool:
        return self.policy.kind != "none" or self.noise > 0

    def check(self, gan) -> None:
        """Refuses the combinations the transform does not support."""
        if not self.active:
            return
        if gan.unrolled.steps:
            raise ValueError(
                "Augmentation and instance noise are not supported with "
                "unroll_steps > 0 (the look-ahead sees D's clean inputs)."
            )
        layer = getattr(gan.penalty_fn, "keywords", {}).get("layer")
        if layer is not None:
            raise ValueError(
                "The layer gradient penalty (layer=...) cannot be used with "
                "augmentation or instance noise: the penalty differentiates "
                "D o T, not D."
            )

    def _transform(self, x, seed, iteration):
        kind = self.policy.kind
        if kind == "diffaugment":
            x = augment.diff_augment(
                x, self.policy, rng.stream(seed, "augment")
            )
        elif kind == "ada":
            x = self.ada.apply(x, rng.stream(seed, "augment"))
        if self.noise:
            sigma = augment.instance_noise_sigma(
                iteration, self.noise, self.anneal_steps
            )
            x = augment.instance_noise(
                x, sigma, rng.stream(seed, "instance_noise")
            )
        return x

    def discriminator_inputs(
        self, discriminator, real, fake, root, index, iteration
    ):
        """``(T(real), T(fake), penalty's D)`` of D step ``index``: the
        batches D's loss sees, and the callable the penalty differentiates
        at the clean batches (``discriminator`` itself when off)."""
        if not self.active:
            return real, fake, discriminator
        seed = rng.step_seed(root, "augment/discriminator", index)
        real_t = self._transform(real, rng.stream(seed, "real"), iteration)
        fake_t = self._transform(fake, rng.stream(seed, "fake"), iteration)
        penalty_seed = rng.stream(seed, "penalty")
        penalized = _Transformed(
            discriminator,
            lambda u: self._transform(u, penalty_seed, iteration),
        )
        return real_t, fake_t, penalized

    def generator_input(self, fake, root, iteration):
        """``T(fake)`` for G's loss at GAN iteration ``iteration``."""
        if not self.active:
            return fake
        seed = rng.step_seed(root, "augment/generator", iteration)
        return self._transform(fake, seed, iteration)

    def generator_real_input(self, real, root, iteration):
        """``T(real)`` for a paired G loss (relativistic) at GAN iteration
        ``iteration``: a draw of the same family as a D step's, from the
        ``"real"`` stream of the G step's seed (independent of the fakes'
        draw), so G's loss sees real samples as D's loss does."""
        if not self.active:
            return real
        seed = rng.step_seed(root, "augment/generator", iteration)
        return self._transform(real, rng.stream(seed, "real"), iteration)

    def after_discriminator_step(self, real_logits) -> None:
        """ADA: adjusts ``p`` from the step's real logits (global mean
        sign over the replicas' batches)."""
        if self.ada is None:
            return
        signs = tf.sign(tf.cast(tf.reshape(real_logits, [-1]), tf.float32))
        total = distribute.cross_replica_sum(tf.reduce_sum(signs))
        count = distribute.cross_replica_sum(
            tf.cast(tf.size(signs), tf.float32)
        )
        self.ada.update(total / count, tf.cast(count, tf.int64))

    def logs(self) -> dict:
        """``{"ada_p": p}`` with ADA, else nothing."""
        return {} if self.ada is None else {"ada_p": tf.identity(self.ada.p)}
