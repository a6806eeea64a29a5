"""What the clip networks share: the space-time plan of the video DCGAN
(how many stride-2 layers a frame size takes, and the frame counts that
halve evenly with them) and the layers that fold time into the batch and
back, so that a 2-D network can read frames one by one."""

import keras

from keras_gans.networks.dcgan import DCGAN_SIZES

__all__ = ["FoldTime", "UnfoldTime", "check_clip_shape"]


def _plan(clip_shape):
    shape = tuple(int(s) for s in clip_shape)
    if len(shape) != 4 or shape[1] != shape[2] or shape[1] not in DCGAN_SIZES:
        raise ValueError(
            "The video DCGAN builds clips [T, H, W, C] of square frames of "
            f"side {', '.join(map(str, sorted(DCGAN_SIZES)))}; got "
            f"{tuple(clip_shape)!r} (--frame_size)."
        )
    start, layers = DCGAN_SIZES[shape[1]]
    if shape[0] % 2**layers:
        raise ValueError(
            f"The video DCGAN halves time with space {layers} times for "
            f"{shape[1]} x {shape[2]} frames, so the number of frames must "
            f"be a multiple of {2**layers}; got {shape[0]} (--frames)."
        )
    return shape, shape[0] // 2**layers, start, layers


def check_clip_shape(clip_shape) -> tuple:
    """``clip_shape`` as a tuple if the video DCGAN builds it; else a
    ValueError saying what it needs."""
    return _plan(clip_shape)[0]


@keras.saving.register_keras_serializable(package="keras_gans")
class FoldTime(keras.layers.Layer):
    """``[B, T, ...] -> [B T', ...]``: every ``every``-th frame (``T'`` of
    them, from the first) an example."""

    def __init__(self, every=1, **kwargs):
        super().__init__(**kwargs)
        self.every = int(every)

    def call(self, x):
        x = x[:, :: self.every]
        return keras.ops.reshape(x, (-1,) + tuple(x.shape[2:]))

    def compute_output_shape(self, shape):
        return (None,) + tuple(shape[2:])

    def get_config(self):
        return {**super().get_config(), "every": self.every}


@keras.saving.register_keras_serializable(package="keras_gans")
class UnfoldTime(keras.layers.Layer):
    """``[B T, ...] -> [B, T, ...]``, the inverse of ``FoldTime``."""

    def __init__(self, frames, **kwargs):
        super().__init__(**kwargs)
        self.frames = int(frames)

    def call(self, x):
        return keras.ops.reshape(x, (-1, self.frames) + tuple(x.shape[1:]))

    def compute_output_shape(self, shape):
        return (None, self.frames) + tuple(shape[1:])

    def get_config(self):
        return {**super().get_config(), "frames": self.frames}
