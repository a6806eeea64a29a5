"""A 3-D-convolution DCGAN for clips ``[T, H, W, C]``.

It follows the one-stream video GAN of Vondrick, Pirsiavash & Torralba,
"Generating Videos with Scene Dynamics" (NeurIPS 2016): G maps ``z`` by a
Dense projection to a small space-time volume, then up-samples space and
time together with stride-2 4x4x4 transposed 3-D convolutions (BatchNorm,
ReLU; ``tanh`` out); D is the mirror image, stride-2 4x4x4 3-D
convolutions with LeakyReLU(0.2) on the whole clip and a Dense logit. As in
``networks.dcgan_discriminator``, D has no BatchNorm (the per-example
gradient penalties need ``D(x_i)`` to depend on ``x_i`` alone), and the
generator's BatchNorm is ``synchronized`` (a mirrored step equals the
single-device step). Vondrick et al.'s two-stream foreground/background
split and mask are left out: the moving-digits background is constant.

The number of stride-2 layers ``n`` is the image DCGAN's for the frame
side (``networks.DCGAN_SIZES``: 32 -> 3, 64 -> 4, ...), and time is halved
with space, so ``T`` must be a multiple of ``2**n`` (16 frames of 32 x 32:
G starts from ``[2, 4, 4]``).

The generators and ``video_dcgan`` are here; D is in
``keras_gans.video_discriminator``, the shared plan and time-folding
layers in ``keras_gans.video_layers`` (both re-exported here).
"""

from typing import Tuple

import keras

from keras_gans import rng
from keras_gans.networks._checks import _check_filters as _filters
from keras_gans.networks.dcgan import _dcgan_init as _init
from keras_gans.video_discriminator import (  # noqa: F401  (re-exported)
    FRAME_CRITIC_EVERY,
    FrameDifferences,
    video_discriminator,
)
from keras_gans.video_layers import (  # noqa: F401  (re-exported)
    FoldTime,
    UnfoldTime,
    _plan,
    check_clip_shape,
)

__all__ = [
    "check_clip_shape",
    "BounceShifts",
    "SPRITE_DYNAMICS",
    "check_content_motion",
    "content_motion_generator",
    "sprite_motion_generator",
    "video_dcgan",
    "video_generator",
    "video_discriminator",
]


def video_generator(
    latent_dim: int,
    clip_shape,
    base_filters: int = 16,
    seed=None,
    name: str = "generator",
) -> keras.Model:
    """``z [B, latent_dim] -> clips [B, T, H, W, C]`` in ``[-1, 1]``.

    A Dense projection to ``[T / 2**n, s, s, base_filters * 2**(n-1)]``,
    ``n - 1`` stride-2 4x4x4 ``Conv3DTranspose`` halving the filters, each
    with BatchNorm and ReLU, and a last stride-2 one to ``C`` channels with
    ``tanh`` (``(s, n)`` from ``networks.DCGAN_SIZES[H]``).

    Raises:
        ValueError: an unsupported clip shape (see the module docstring).
    """
    (_, _, _, channels), t0, start, layers = _plan(clip_shape)
    filters = _filters(base_filters) * 2 ** (layers - 1)
    z = keras.Input((int(latent_dim),), name="latent")
    h = keras.layers.Dense(
        t0 * start * start * filters,
        use_bias=False,
        kernel_initializer=_init(seed, name, "project"),
        name="project",
    )(z)
    h = keras.layers.Reshape((t0, start, start, filters), name="reshape")(h)
    h = keras.layers.BatchNormalization(synchronized=True, name="project_bn")(h)
    h = keras.layers.ReLU(name="project_relu")(h)
    for i in range(layers - 1):
        filters //= 2
        h = keras.layers.Conv3DTranspose(
            filters,
            4,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_init(seed, name, f"deconv_{i}"),
            name=f"deconv_{i}",
        )(h)
        h = keras.layers.BatchNormalization(
            synchronized=True, name=f"deconv_{i}_bn"
        )(h)
        h = keras.layers.ReLU(name=f"deconv_{i}_relu")(h)
    h = keras.layers.Conv3DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        activation="tanh",
        kernel_initializer=_init(seed, name, "output"),
        name="output",
    )(h)
    return keras.Model(z, h, name=name)


def content_motion_generator(
    latent_dim: int,
    clip_shape,
    base_filters: int = 16,
    seed=None,
    name: str = "generator",
    motion_units: int = 16,
) -> keras.Model:
    """``z [B, latent_dim] -> clips [B, T, H, W, C]``, content and motion
    apart (MoCoGAN: Tulyakov, Liu, Yang & Kautz, "MoCoGAN: Decomposing
    Motion and Content for Video Generation", CVPR 2018).

    The first half of ``z`` is the clip's content code ``z_C``, the same
    for every frame. The second half is read as ``T`` innovations
    ``eps_t`` of ``(latent_dim / 2) / T`` numbers each; a GRU of
    ``motion_units`` units turns them into motion codes
    ``z_M(t) = GRU(eps_1, ..., eps_t)``, so frame ``t`` depends on the
    innovations up to ``t`` only. Each frame is the 2-D DCGAN generator
    (``networks.dcgan_generator``, one set of weights for all frames) of
    ``[z_C, z_M(t)]``. MoCoGAN draws ``eps_t`` afresh; here they are part
    of the one latent, so the exported generator keeps its
    ``serving_default(latent)``.

    Raises:
        ValueError: an unsupported clip shape, or a ``latent_dim`` whose
            half is not a multiple of ``T``.
    """
    from keras_gans import networks

    (frames, side, _, channels), _, _, _ = _plan(clip_shape)
    z, z_c, z_m = _content_and_motion(
        latent_dim, frames, motion_units, seed, name
    )
    content = z_c.shape[-1]
    codes = keras.layers.Concatenate(name="frame_codes")(
        [keras.layers.RepeatVector(frames, name="content")(z_c), z_m]
    )
    frame_generator = networks.dcgan_generator(
        content + int(motion_units),
        (side, side, channels),
        base_filters,
        seed=seed,
        name="frame_generator",
    )
    h = FoldTime(name="fold")(codes)
    h = frame_generator(h)
    clips = UnfoldTime(frames, name="unfold")(h)
    return keras.Model(z, clips, name=name)


def sprite_motion_generator(
    latent_dim: int,
    clip_shape,
    base_filters: int = 16,
    seed=None,
    name: str = "generator",
    motion_units: int = 16,
    whole_pixels: bool = False,
    dynamics: str = "gru",
) -> keras.Model:
    """``z [B, latent_dim] -> clips [B, T, H, W, C]``: one sprite a clip,
    moved by a learned translation per frame.

    The latent splits as in ``content_motion_generator``. The content half
    goes once through the 2-D DCGAN generator (``networks.dcgan_generator``)
    to a sprite ``S`` of one frame's size. The innovations go through a
    GRU of ``motion_units`` units and a Dense ``tanh`` to a shift
    ``d_t = (dy_t, dx_t)`` of at most half the frame's side. Frame ``t`` is
    ``S`` translated by ``d_t`` with bilinear interpolation
    (``TranslateFrames``), the background, -1, coming in at the edges;
    ``whole_pixels``: by ``d_t`` rounded, with the bilinear gradient in
    the shift (``TranslateFrames``' straight-through option).

    This is the layered, sprite-and-pose model of video: a spatial
    transformer (Jaderberg, Simonyan, Zisserman & Kavukcuoglu, "Spatial
    Transformer Networks", NeurIPS 2015) renders an appearance that
    stays put by a pose that moves, as DDPAE does for each Moving MNIST
    digit (Hsieh, Liu, Huang, Fei-Fei & Niebles, "Learning to Decompose
    and Disentangle Representations for Video Prediction", NeurIPS 2018),
    here with translation only. Unlike MoCoGAN's frame generator, the
    motion cannot redraw the stroke: what a frame holds is the sprite,
    cut at the frame's edge. It is a strong prior, right for rigid
    objects on a plain background and wrong for scenes that deform.

    ``dynamics="bounce"`` replaces the GRU by a constant velocity with
    elastic reflections (``BounceShifts``): a Dense map of the latent's
    motion half gives each clip a start, a heading and a speed, and the
    shifts follow in closed form. That is the physics-in-the-latent
    design of Jaques, Burke & Hospedales, "Physics-as-Inverse-Graphics:
    Unsupervised Physical Parameter Estimation from Video" (ICLR 2020),
    whose decoder is also a spatial transformer, reduced to a free
    bouncing point; it is also the dynamics of Srivastava et al.'s Moving
    MNIST generator (``keras_gans.moving_digits``). A G with it knows how
    the data moves; what it must learn is what moves, where it starts and
    how fast.

    Raises:
        ValueError: an unsupported clip shape, a ``latent_dim`` whose
            half is not a multiple of ``T``, or unknown ``dynamics``.
    """
    from keras_gans import networks

    if dynamics not in SPRITE_DYNAMICS:
        raise ValueError(
            f"The sprite-motion G's dynamics are one of {SPRITE_DYNAMICS}; "
            f"got {dynamics!r} (--sprite_dynamics)."
        )
    (frames, side, _, channels), _, _, _ = _plan(clip_shape)
    if dynamics == "gru":
        z, z_c, h = _content_and_motion(
            latent_dim, frames, motion_units, seed, name
        )
        shifts = keras.layers.Dense(
            2,
            activation="tanh",
            kernel_initializer=keras.initializers.GlorotUniform(
                rng.layer_seed(seed, f"init/{name}/shift")
            ),
            name="shift",
        )(h)
    else:
        z, z_c, eps = _split_latent(latent_dim, frames)
        motion = keras.layers.Flatten(name="motion_half")(eps)
        params = keras.layers.Dense(
            BounceShifts.PARAMETERS,
            kernel_initializer=keras.initializers.GlorotUniform(
                rng.layer_seed(seed, f"init/{name}/bounce_parameters")
            ),
            name="bounce_parameters",
        )(motion)
        shifts = BounceShifts(frames, name="bounce")(params)
    content = z_c.shape[-1]
    sprite = networks.dcgan_generator(
        content, (side, side, channels), base_filters, seed=seed,
        name="sprite_generator",
    )(z_c)
    clips = TranslateFrames(side / 2, whole_pixels, name="translate")(
        [sprite, shifts]
    )
    return keras.Model(z, clips, name=name)


SPRITE_DYNAMICS = ("gru", "bounce")


@keras.saving.register_keras_serializable(package="keras_gans")
class BounceShifts(keras.layers.Layer):
    """``[B, 5] -> [B, T, 2]`` shifts in ``[-1, 1]`` of a point that moves
    at a constant velocity and bounces elastically off the walls of a
    track.

    The five numbers of a clip are its start (two, through a sigmoid into
    the track ``[0, 1]^2``), its heading (two, normalised to a unit
    vector: an isotropic input gives a uniform direction) and its speed
    (one, ``max_speed`` times a sigmoid, in track lengths a frame). As in
    Srivastava et al.'s generator the step is taken before each frame, so
    frame ``t`` (from 0) holds the point at ``u = start + (t + 1) v``,
    folded back into the track by the reflection
    ``r(u) = 1 - |(u mod 2) - 1|``. The shift is ``a (2 r(u) - 1)``: the
    track is ``[-a, a]`` in units of the translation's largest shift,
    with ``a = sigmoid(extent)``, one weight learned with the rest.
    """

    PARAMETERS = 5

    def __init__(self, frames, max_speed=0.5, **kwargs):
        super().__init__(**kwargs)
        self.frames = int(frames)
        self.max_speed = float(max_speed)

    def build(self, shape):
        self.extent = self.add_weight(
            shape=(), initializer="zeros", name="extent"
        )

    def call(self, params):
        ops = keras.ops
        params = ops.cast(params, self.compute_dtype)
        start = ops.sigmoid(params[:, 0:2])
        heading = params[:, 2:4]
        heading = heading / ops.sqrt(
            ops.sum(ops.square(heading), axis=-1, keepdims=True) + 1e-12
        )
        speed = self.max_speed * ops.sigmoid(params[:, 4:5])
        steps = ops.arange(1, self.frames + 1, dtype=params.dtype)
        u = start[:, None, :] + steps[None, :, None] * (speed * heading)[
            :, None, :
        ]
        folded = 1.0 - ops.abs(ops.mod(u, 2.0) - 1.0)
        extent = ops.sigmoid(ops.cast(self.extent, params.dtype))
        return extent * (2.0 * folded - 1.0)

    def compute_output_shape(self, shape):
        return (shape[0], self.frames, 2)

    def get_config(self):
        return {
            **super().get_config(),
            "frames": self.frames,
            "max_speed": self.max_speed,
        }


@keras.saving.register_keras_serializable(package="keras_gans")
class TranslateFrames(keras.layers.Layer):
    """``([B, H, W, C] sprite, [B, T, 2] shifts in [-1, 1]) ->
    [B, T, H, W, C]``: frame ``t`` is the sprite moved down by
    ``max_shift * shifts[:, t, 0]`` and right by
    ``max_shift * shifts[:, t, 1]`` pixels, bilinear between pixels, with
    -1 (the background of images in ``[-1, 1]``) where the moved sprite
    does not reach.

    Bilinear translation is separable: with the tent
    ``K_d[i, j] = max(0, 1 - |i - j - d|)`` (output row ``i`` takes
    source row ``j``), frame ``t`` is ``K_dy (S + 1) K_dx^T - 1``, two
    small matrix products, differentiable in ``S`` and in ``d`` (the
    tent's slope) alike.

    ``whole_pixels``: the frame is the sprite moved by the shift rounded
    to whole pixels (crisp, as digits pasted at integer positions are),
    with the bilinear frame's gradient in the shift, a straight-through
    estimator (Bengio, Leonard & Courville 2013): forward ``B(S,
    round(d))``, backward ``dB(S, d)/dd`` in the shift and the exact
    ``dB(S, round(d))/dS`` in the sprite.
    """

    def __init__(self, max_shift, whole_pixels=False, **kwargs):
        super().__init__(**kwargs)
        self.max_shift = float(max_shift)
        self.whole_pixels = bool(whole_pixels)

    def _tents(self, shift, size):
        ops = keras.ops
        idx = ops.arange(size, dtype=shift.dtype)
        gap = idx[:, None] - idx[None, :]  # i - j
        return ops.relu(1.0 - ops.abs(gap - shift[..., None, None]))

    def _moved(self, sprite, shifts):
        ops = keras.ops
        rows = self._tents(shifts[..., 0], sprite.shape[1])  # [B, T, H, H]
        cols = self._tents(shifts[..., 1], sprite.shape[2])  # [B, T, W, W]
        moved = ops.einsum("btij,bjwc->btiwc", rows, sprite + 1.0)
        return ops.einsum("btiwc,btkw->btikc", moved, cols) - 1.0

    def call(self, inputs):
        ops = keras.ops
        sprite, shifts = inputs
        shifts = ops.cast(shifts, sprite.dtype) * self.max_shift
        if not self.whole_pixels:
            return self._moved(sprite, shifts)
        # Forward: the sprite moved by whole pixels (its gradient in the
        # sprite exact); backward in the shift: the bilinear frame's.
        crisp = self._moved(sprite, ops.stop_gradient(ops.round(shifts)))
        smooth = self._moved(ops.stop_gradient(sprite), shifts)
        return crisp + (smooth - ops.stop_gradient(smooth))

    def compute_output_shape(self, shapes):
        sprite, shifts = shapes
        return (sprite[0], shifts[1]) + tuple(sprite[1:])

    def get_config(self):
        return {
            **super().get_config(),
            "max_shift": self.max_shift,
            "whole_pixels": self.whole_pixels,
        }


def _split_latent(latent_dim, frames):
    """``(z, z_C, eps)``: the latent input, its content half and its
    motion half as ``[B, T, k]`` per-frame innovations."""
    latent_dim = int(latent_dim)
    content = check_content_motion(latent_dim, frames)
    z = keras.Input((latent_dim,), name="latent")
    z_c, eps = SplitLatent(content, frames, name="split_latent")(z)
    return z, z_c, eps


def _content_and_motion(latent_dim, frames, motion_units, seed, net):
    """``(z, z_C, z_M)`` of the content-motion and sprite-motion Gs: the
    latent input, its content half and the GRU's motion codes
    ``[B, T, motion_units]`` of its per-frame innovations."""
    z, z_c, eps = _split_latent(latent_dim, frames)
    z_m = keras.layers.GRU(
        int(motion_units),
        return_sequences=True,
        kernel_initializer=keras.initializers.GlorotUniform(
            rng.layer_seed(seed, f"init/{net}/motion_gru")
        ),
        recurrent_initializer=keras.initializers.Orthogonal(
            seed=rng.layer_seed(seed, f"init/{net}/motion_gru/recurrent")
        ),
        name="motion_gru",
    )(eps)
    return z, z_c, z_m


def check_content_motion(latent_dim: int, frames: int) -> int:
    """The content code's size, ``latent_dim // 2``, if the rest splits
    into ``frames`` per-frame innovations; else a ValueError saying so."""
    content = int(latent_dim) // 2
    if content < 1 or (int(latent_dim) - content) % int(frames):
        raise ValueError(
            f"The content-motion and sprite-motion generators split the "
            f"latent in half, the "
            f"second half into {frames} per-frame innovations, so half of "
            f"--latent_dim must be a positive multiple of {frames} "
            f"(--frames); got {latent_dim}."
        )
    return content


@keras.saving.register_keras_serializable(package="keras_gans")
class SplitLatent(keras.layers.Layer):
    """``z -> (z[:, :content], z[:, content:] as [B, T, rest / T])``."""

    def __init__(self, content, frames, **kwargs):
        super().__init__(**kwargs)
        self.content, self.frames = int(content), int(frames)

    def call(self, z):
        rest = z.shape[-1] - self.content
        eps = keras.ops.reshape(
            z[:, self.content :], (-1, self.frames, rest // self.frames)
        )
        return z[:, : self.content], eps

    def compute_output_shape(self, shape):
        rest = shape[-1] - self.content
        return (
            (shape[0], self.content),
            (shape[0], self.frames, rest // self.frames),
        )

    def get_config(self):
        return {
            **super().get_config(),
            "content": self.content,
            "frames": self.frames,
        }


def video_dcgan(
    latent_dim: int,
    clip_shape,
    base_filters: int = 16,
    seed=None,
    spectral_norm: bool = False,
    frame_critic: bool = False,
    frame_differences: bool = False,
    content_motion: bool = False,
    sprite_motion: bool = False,
    whole_pixel_shifts: bool = False,
    sprite_dynamics: str = "gru",
) -> Tuple[keras.Model, keras.Model]:
    """``(generator, video_discriminator)`` for ``clip_shape``: G the
    3-D ``video_generator``, ``content_motion_generator`` with
    ``content_motion`` or ``sprite_motion_generator`` with
    ``sprite_motion`` (not both; ``whole_pixel_shifts`` and
    ``sprite_dynamics``: its ``whole_pixels`` and ``dynamics``)."""
    if content_motion and sprite_motion:
        raise ValueError(
            "The content-motion and sprite-motion generators are two "
            "generators; pick one."
        )
    if sprite_motion:
        generator = sprite_motion_generator(
            latent_dim, clip_shape, base_filters, seed=seed,
            whole_pixels=whole_pixel_shifts, dynamics=sprite_dynamics,
        )
    else:
        make_g = (
            content_motion_generator if content_motion else video_generator
        )
        generator = make_g(latent_dim, clip_shape, base_filters, seed=seed)
    return (
        generator,
        video_discriminator(
            clip_shape,
            base_filters,
            seed=seed,
            spectral_norm=spectral_norm,
            frame_critic=frame_critic,
            frame_differences=frame_differences,
        ),
    )
