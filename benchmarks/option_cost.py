"""Per-step cost of the issue-14 options on one D step (GAN-NS + R1, Adam),
plain vs option, with and without XLA. Run: python benchmarks/option_cost.py
(a rough microbenchmark: CPU timings on a shared machine are noisy)."""

import time

import keras
import numpy as np
import tensorflow as tf

from keras_gans import augment, losses, networks, penalties

SEED = tf.constant([1, 2], tf.int64)


def bench(build, x, extra=None, jit=False, steps=60):
    d = build()
    opt = keras.optimizers.Adam(1e-4)
    opt.build(d.trainable_weights)

    @tf.function(jit_compile=jit)
    def step(x):
        with tf.GradientTape() as tape:
            xin = extra(x, SEED) if extra else x
            real, fake = d(xin, training=True), d(xin * 0.5, training=True)
            lr, lf, _ = losses.non_saturating(real, fake)
            loss = lr + lf + 10.0 * penalties.r1(d, x, x, SEED)
        grads = tape.gradient(loss, d.trainable_weights)
        opt.apply(grads, d.trainable_weights)

    step(x)
    step(x)
    start = time.perf_counter()
    for _ in range(steps):
        step(x)
    return (time.perf_counter() - start) / steps * 1e3


def main():
    ring = tf.constant(np.random.randn(256, 2).astype("float32"))
    img = np.random.rand(64, 8, 8, 1).astype("float32") * 2 - 1
    img = tf.constant(img)

    def mlp(sn=False):
        return networks.mlp_discriminator(2, spectral_norm=sn)

    def dcgan(sn=False):
        return networks.dcgan_discriminator(
            (8, 8, 1), 64, seed=0, spectral_norm=sn
        )

    def diffaugment(x, s):
        return augment.diff_augment(
            x, "diffaugment:color,translation,cutout", s
        )

    ada = augment.AdaptiveAugment(initial_p=0.5)
    rows = []
    for jit in (False, True):
        base = bench(mlp, ring, jit=jit)
        sn = bench(lambda: mlp(True), ring, jit=jit)
        rows.append(("ring MLP D + SN", jit, base, sn))
        base = bench(dcgan, img, jit=jit)
        rows.append(
            ("digits DCGAN D + SN", jit, base,
             bench(lambda: dcgan(True), img, jit=jit))
        )
        rows.append(
            ("digits + DiffAugment", jit, base,
             bench(dcgan, img, extra=diffaugment, jit=jit))
        )
        rows.append(
            ("digits + ADA p=0.5", jit, base,
             bench(dcgan, img, extra=ada.apply, jit=jit))
        )
    print(f"{'D step (ms)':<24}{'xla':>6}{'plain':>9}{'option':>9}{'ratio':>7}")
    for name, jit, a, b in rows:
        print(f"{name:<24}{str(jit):>6}{a:>9.2f}{b:>9.2f}{b / a:>7.2f}")


if __name__ == "__main__":
    main()
