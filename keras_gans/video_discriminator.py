"""The clip discriminator of the video DCGAN (Vondrick et al., 2016; see
``keras_gans.video_networks``): stride-2 3-D convolutions on the whole
clip, optionally beside a 2-D critic of single frames and on the clip's
frame differences."""

import keras

from keras_gans.networks._checks import _check_filters as _filters
from keras_gans.networks.dcgan import _dcgan_init as _init
from keras_gans.networks.dcgan import _sn_seed
from keras_gans.networks.dcgan import strided_convs
from keras_gans.spectral_norm import spectral_norm as _sn
from keras_gans.video_layers import FoldTime, UnfoldTime, _plan

__all__ = ["FRAME_CRITIC_EVERY", "FrameDifferences", "video_discriminator"]


def video_discriminator(
    clip_shape,
    base_filters: int = 16,
    negative_slope: float = 0.2,
    seed=None,
    name: str = "discriminator",
    spectral_norm: bool = False,
    frame_critic: bool = False,
    frame_differences: bool = False,
) -> keras.Model:
    """``clips [B, T, H, W, C] -> logits [B, 1]``.

    ``n`` stride-2 4x4x4 ``Conv3D`` with ``base_filters`` filters first,
    doubling, each with LeakyReLU, then a Dense logit on the flattened last
    volume. ``spectral_norm``: every convolution and the logit normalised
    (``keras_gans.spectral_norm``; a ``[4, 4, 4, c_in, c_out]`` kernel as
    the ``[64 c_in, c_out]`` matrix).

    Two options give D more to see (both keep ``D(x_i)`` a function of
    ``x_i`` alone):

    - ``frame_critic``: a per-frame branch, ``n`` stride-2 4x4 2-D
      convolutions applied to frames ``0, 4, 8, ...`` alone
      (``FRAME_CRITIC_EVERY``) and a Dense logit per frame; the clip's
      logit adds the mean of those frame logits to the video logit. It
      follows MoCoGAN's image discriminator (Tulyakov et al., "MoCoGAN:
      Decomposing Motion and Content for Video Generation", CVPR 2018),
      which judges single frames beside the video discriminator, folded
      here into one logit so that every loss and penalty applies
      unchanged.
    - ``frame_differences``: the clip enters with ``C`` more channels, the
      frame-to-frame differences ``x[t + 1] - x[t]`` (zero after the last
      frame), the temporal derivative that two-stream video models feed
      their motion pathway (Simonyan & Zisserman 2014 use optical flow).

    Raises:
        ValueError: an unsupported clip shape.
    """
    shape, _, _, layers = _plan(clip_shape)
    filters = _filters(base_filters)
    x = keras.Input(shape, name="clip")
    h = (
        FrameDifferences(name="frame_differences")(x)
        if frame_differences
        else x
    )
    h = strided_convs(
        h,
        keras.layers.Conv3D,
        layers,
        filters,
        negative_slope,
        seed,
        spectral_norm,
        name,
    )
    h = keras.layers.Flatten(name="flatten")(h)
    logit = keras.layers.Dense(
        1, kernel_initializer=_init(seed, name, "logit"), name="logit"
    )
    logit = _sn(logit, spectral_norm, seed=_sn_seed(seed, name, "logit"))
    out = logit(h)
    if frame_critic:
        out = keras.layers.Add(name="video_plus_frames")(
            [
                out,
                _frame_logits(
                    x,
                    base_filters,
                    negative_slope,
                    seed,
                    spectral_norm,
                    layers,
                    name,
                ),
            ]
        )
    return keras.Model(x, out, name=name)


# The frame critic judges frames 0, 4, 8, ...: on all 16 frames of a
# 32 x 32 clip it costs what the video D costs (410 ms a step against 147
# without it, on this project's 2-core CPU); MoCoGAN's image discriminator
# sees one frame a clip.
FRAME_CRITIC_EVERY = 4


def _frame_logits(
    x, base_filters, negative_slope, seed, spectral_norm, layers, net
):
    """The mean of a 2-D critic's logit on every ``FRAME_CRITIC_EVERY``-th
    frame ([B, 1]), the frames folded into the batch."""
    frames = -(-int(x.shape[1]) // FRAME_CRITIC_EVERY)
    filters = _filters(base_filters)
    h = FoldTime(FRAME_CRITIC_EVERY, name="frame_fold")(x)
    h = strided_convs(
        h,
        keras.layers.Conv2D,
        layers,
        filters,
        negative_slope,
        seed,
        spectral_norm,
        net,
        prefix="frame_conv",
    )
    h = keras.layers.Flatten(name="frame_flatten")(h)
    logit = keras.layers.Dense(
        1,
        kernel_initializer=_init(seed, net, "frame_logit"),
        name="frame_logit",
    )
    h = _sn(logit, spectral_norm, seed=_sn_seed(seed, net, "frame_logit"))(h)
    h = UnfoldTime(frames, name="frame_unfold")(h)
    return keras.layers.GlobalAveragePooling1D(name="frame_mean")(h)


@keras.saving.register_keras_serializable(package="keras_gans")
class FrameDifferences(keras.layers.Layer):
    """``[B, T, H, W, C] -> [B, T, H, W, 2C]``: the clip, then
    ``x[t + 1] - x[t]`` for each frame (zeros after the last)."""

    def call(self, x):
        diff = x[:, 1:] - x[:, :-1]
        diff = keras.ops.concatenate(
            [diff, keras.ops.zeros_like(x[:, :1])], axis=1
        )
        return keras.ops.concatenate([x, diff], axis=-1)

    def compute_output_shape(self, shape):
        return tuple(shape[:-1]) + (2 * shape[-1],)
