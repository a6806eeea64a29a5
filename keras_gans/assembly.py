"""From a ``TrainConfig`` to the parts of a run.

``train_lib.run`` assembles every run from these: the ``tf.distribute``
strategy (``make_strategy``), the compiled GAN with the config's networks,
conditioning, objective, stabilisers and hooks (``build_gan``, under the
config's dtype policy), the training pipeline from any step on
(``training_data``), the replay and EWC callbacks the config asks for
(``state_callbacks``) and the checkpointed state of every callback that has
one (``trackables``). Benchmarks and tests build the same parts with the
same functions, so what they measure is what a run trains.
"""

import contextlib
import os

import keras
import tensorflow as tf

from keras_gans import callbacks as gan_callbacks
from keras_gans import (
    data,
    moving_digits,
    networks,
    penalties,
    video_networks,
)
from keras_gans.config import ConfigError, TrainConfig
from keras_gans.gan import GAN
from keras_gans.hooks import L1WeightPenalty

__all__ = [
    "build_gan",
    "dtype_policy",
    "make_strategy",
    "state_callbacks",
    "trackables",
    "training_data",
]


def make_strategy(name: str) -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name`` (config.STRATEGIES).

    ``multi_worker`` reads the cluster from ``TF_CONFIG`` and must be created
    before any other TensorFlow work in the process.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError(
                "strategy=multi_worker needs the cluster in the TF_CONFIG "
                "environment variable (see tf.distribute."
                "MultiWorkerMirroredStrategy)."
            )
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}.")


@contextlib.contextmanager
def dtype_policy(name: str):
    """Keras' global dtype policy set to ``name`` while models are built
    (layers keep the policy they were created with), then restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _loss_scaled(config: TrainConfig, optimizer):
    if config.mixed_precision == "mixed_float16":
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def build_gan(config: TrainConfig) -> GAN:
    """The compiled GAN of ``config`` (under the current strategy's scope),
    built under ``config.mixed_precision``'s dtype policy, with loss-scaled
    optimizers for ``mixed_float16``."""
    with dtype_policy(config.mixed_precision):
        return _build_gan(config)


def _build_gan(config: TrainConfig) -> GAN:
    keras.utils.set_random_seed(config.seed)
    strategy = tf.distribute.get_strategy()
    with strategy.scope():
        generator, discriminator = _networks(config)
        if config.penalty_layer:
            try:
                penalties.check_layer(discriminator, config.penalty_layer)
            except ValueError as e:
                raise ConfigError(
                    "penalty_layer", f"--penalty_layer: {e}"
                ) from None
        gan = GAN(
            generator,
            discriminator,
            config.latent_dim,
            seed=config.seed,
            **_conditioning(config),
        )
        gan.compile(
            d_optimizer=_loss_scaled(
                config,
                config.d_optimizer.build(
                    config.lr_schedule, config.steps * config.n_critic
                ),
            ),
            g_optimizer=_loss_scaled(
                config,
                config.g_optimizer.build(config.lr_schedule, config.steps),
            ),
            **config.compile_args(),
        )
        if config.d_l1:
            gan.attach_hook(L1WeightPenalty(config.d_l1))
    return gan


def _num_classes(config):
    return data.num_classes(config.dataset) if config.conditional else None


def _conditioning(config):
    """The GAN's conditioning arguments (none for an unconditional run)."""
    if not config.conditional:
        return {}
    distribution = "uniform"
    if config.label_distribution == "data":
        distribution = data.label_frequencies(
            config.dataset, config.train_examples or None
        )
    return {
        "num_classes": _num_classes(config),
        "label_distribution": distribution,
    }


def _networks(config):
    """G and D of ``config``; D packed (PacGAN) when ``config.pack > 1``:
    built for packs of ``pack`` samples, behind ``networks.Pack``; with a
    rotation head (SS-GAN) when ``config.rotation_weight > 0``."""
    generator, discriminator = _unpacked_networks(config)
    if config.rotation_weight:
        discriminator = networks.with_rotation_head(
            discriminator, seed=config.seed
        )
    if config.pack == 1:
        return generator, discriminator
    return generator, networks.packed_discriminator(
        discriminator, config.pack, name="discriminator"
    )


def _unpacked_networks(config):
    sn = config.spectral_norm
    classes = _num_classes(config)
    mode = config.conditioning
    if config.is_clip:
        return video_networks.video_dcgan(
            config.latent_dim,
            config.clip_shape,
            config.base_filters,
            seed=config.seed,
            spectral_norm=sn,
            frame_critic=config.frame_critic,
            frame_differences=config.frame_differences,
            content_motion=config.content_motion,
            sprite_motion=config.sprite_motion,
            whole_pixel_shifts=config.whole_pixel_shifts,
            sprite_dynamics=config.sprite_dynamics,
        )
    if config.is_toy:
        return (
            networks.mlp_generator(
                config.latent_dim, 2, config.hidden_units, num_classes=classes
            ),
            networks.mlp_discriminator(
                networks.packed_shape((2,), config.pack),
                config.hidden_units,
                spectral_norm=sn,
                num_classes=classes,
                conditioning=mode,
            ),
        )
    shape = data.image_shape(config.dataset)
    d_shape = networks.packed_shape(shape, config.pack)
    if config.network_name == "dcgan":
        return (
            networks.dcgan_generator(
                config.latent_dim,
                shape,
                config.base_filters,
                seed=config.seed,
                num_classes=classes,
            ),
            networks.dcgan_discriminator(
                d_shape,
                config.base_filters,
                seed=config.seed,
                spectral_norm=sn,
                num_classes=classes,
                conditioning=mode,
            ),
        )
    return (
        networks.mlp_generator(
            config.latent_dim,
            shape,
            config.hidden_units,
            output_activation="tanh",
            num_classes=classes,
        ),
        networks.mlp_discriminator(
            d_shape,
            config.hidden_units,
            spectral_norm=sn,
            num_classes=classes,
            conditioning=mode,
        ),
    )


def training_data(config: TrainConfig, step: int = 0) -> tf.data.Dataset:
    """``config``'s infinite training pipeline from batch ``step`` on
    (``batch_size * n_critic`` examples a batch; ``(x, label)`` pairs for a
    conditional run)."""
    batch = config.batch_size * config.n_critic
    if config.is_clip:
        return moving_digits.clip_dataset(
            config.dataset,
            batch,
            config.seed,
            start_step=step,
            frames=config.frames,
            frame_size=config.frame_size or None,
            num_digits=config.moving_digits,
            data_dir=config.data_dir or None,
            download=config.download_data,
        )
    if config.is_image:
        return data.image_dataset(
            config.dataset,
            batch,
            config.seed,
            start_step=step,
            data_dir=config.data_dir or None,
            download=config.download_data,
            labels=config.conditional,
            examples=config.train_examples or None,
        )
    return data.toy_dataset(
        config.dataset,
        batch,
        config.seed,
        start_step=step,
        labels=config.conditional,
    )


def state_callbacks(config: TrainConfig, gan: GAN):
    """The replay and EWC callbacks of ``config`` (their state rides the
    checkpoint)."""
    made = []
    if config.replay_size and config.replay_fraction:
        made.append(
            gan_callbacks.ReplayBuffer(
                config.replay_size, config.replay_fraction
            )
        )
    if config.ewc_weight:
        made.append(
            gan_callbacks.OnlineEWC(
                config.ewc_weight,
                config.ewc_every,
                config.ewc_alpha,
                config.ewc_num_batches,
            )
        )
    return made


def trackables(gan, config_callbacks, callbacks):
    """The checkpointed state of every callback with a ``state``: the
    config's (``config_callbacks``, from ``state_callbacks``) and the
    caller's (``callbacks``). Replay and EWC state exists from
    construction (variables created later are restored when they are
    created); a callback whose state is still None creates it in
    ``set_model``, called here before the restore. Names:
    ``replay`` and ``ewc`` for the config's, ``callback_<i>`` for the
    ``i``-th of the caller's."""
    named = {gan_callbacks.ReplayBuffer: "replay", gan_callbacks.OnlineEWC:
             "ewc"}
    found = {}
    for cb in config_callbacks:
        found[named[type(cb)]] = cb.state
    for i, cb in enumerate(callbacks):
        if hasattr(cb, "state"):
            if cb.state is None:
                cb.set_model(gan)
            found[f"callback_{i}"] = cb.state
    return found
