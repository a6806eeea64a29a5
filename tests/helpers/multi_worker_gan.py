"""One process of the multi-worker equality test (tests/test_multi_worker.py).

With ``TF_CONFIG`` set it trains under ``MultiWorkerMirroredStrategy``;
without, on the default strategy. It trains a tiny GAN on a fixed global
batch stream from its start (0, or the checkpoint's step) to ``--stop`` steps
(resuming from, and saving to, ``--checkpoints`` when given) and writes every
weight to ``--out``. ``--stop=4,8`` trains on in the same process, writing
``--out`` (a pattern with ``{stop}``) at each stop.
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gans as kg  # noqa: E402

GLOBAL_BATCH = 8
STEPS_PER_EPOCH = 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--stop", required=True, help="STOP[,STOP...]")
    parser.add_argument("--checkpoints", default=None)
    parser.add_argument("--penalty", default="r1")
    args = parser.parse_args()

    if "TF_CONFIG" in os.environ:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    else:
        strategy = tf.distribute.get_strategy()
    keras.utils.set_random_seed(11)
    with strategy.scope():
        gan = kg.GAN(
            kg.networks.mlp_generator(3, 2, (16,)),
            kg.networks.mlp_discriminator(2, (16,)),
            3,
            seed=4,
        )
        gan.compile(
            keras.optimizers.Adam(1e-2, beta_1=0.5),
            keras.optimizers.SGD(5e-2, momentum=0.9),
            penalty=args.penalty,
            penalty_weight=5.0,
            real_weight=2.0,
            ema_decay=0.5,
            jit_compile=False,
            steps_per_execution=2,
        )
        gan.build((None, 2))
    callbacks, start = [], 0
    if args.checkpoints:
        checkpoint = kg.callbacks.Checkpoint(gan, args.checkpoints)
        start = checkpoint.restore()
        callbacks.append(checkpoint)
    d_loss = []
    for stop in [int(s) for s in args.stop.split(",")]:
        # Batch i of the stream depends only on i, as with keras_gans.data.
        stream = tf.data.Dataset.counter(start).map(
            lambda i: tf.random.stateless_normal([GLOBAL_BATCH, 2], [i, 3])
        )
        history = gan.fit(
            stream,
            initial_epoch=start // STEPS_PER_EPOCH,
            epochs=stop // STEPS_PER_EPOCH,
            steps_per_epoch=STEPS_PER_EPOCH,
            verbose=0,
            callbacks=callbacks,
        ).history
        d_loss += history["d_loss"]
        start = stop
        np.savez(
            args.out.format(stop=stop),
            step=int(gan.g_optimizer.iterations.numpy()),
            d_loss=np.array(d_loss),
            **{f"w{i}": w.numpy() for i, w in enumerate(gan.weights)},
        )

if __name__ == "__main__":
    main()
