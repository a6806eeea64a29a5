"""Pictures of clips ``[N, T, H, W, 1]`` in [-1, 1]: a frames strip (PNG,
one clip a row, time left to right) and an animated GIF (real clips beside
generated ones, playing together)."""

import os

import numpy as np

from keras_gans import json_io

__all__ = [
    "clip_rows",
    "plot_clip_strip",
    "save_clip_gif",
    "write_clip_figures",
]


def _check(clips, what):
    clips = np.asarray(clips)
    if clips.ndim != 5 or clips.shape[-1] != 1 or not len(clips):
        raise ValueError(
            f"{what} must be clips [N, T, H, W, 1], got {clips.shape}."
        )
    return np.nan_to_num(clips)


def clip_rows(clips) -> np.ndarray:
    """Each clip as one image of its frames side by side, ``[N, H, T * W,
    1]`` with a 1-pixel white line between frames (for TensorBoard)."""
    clips = _check(clips, "clips")
    n, t, h, w, c = clips.shape
    line = np.ones((n, t, h, 1, c), clips.dtype)
    framed = np.concatenate([clips, line], axis=3)
    row = np.transpose(framed, (0, 2, 1, 3, 4)).reshape(n, h, t * (w + 1), c)
    return row[:, :, :-1]


def plot_clip_strip(fake, path, title=None, real=None, clips=8):
    """A PNG of ``clips`` generated clips, one a row with its frames left to
    right, beside as many real ones (left panel) if given."""
    fake = _check(fake, "fake")[:clips]
    t, h, w = fake.shape[1:4]
    real = None if real is None else _check(real, "real")[:clips]
    from keras_gans import plots  # matplotlib: only when plotting

    return plots.plot_image_grid(
        fake.reshape(-1, h, w, 1),
        path,
        title=title,
        real=None if real is None else real.reshape(-1, h, w, 1),
        columns=t,
    )


def _tile(clips, columns, scale):
    """Frames ``[T, rows * (H + 1) * scale, columns * (W + 1) * scale]``
    (uint8) of a mosaic of ``clips``."""
    n, t, h, w, _ = clips.shape
    rows = -(-n // columns)
    canvas = np.full((t, rows * (h + 1), columns * (w + 1)), 255, np.uint8)
    pixels = np.clip(np.round((clips[..., 0] + 1.0) * 127.5), 0, 255)
    for i in range(n):
        r, c = divmod(i, columns)
        y, x = r * (h + 1), c * (w + 1)
        canvas[:, y : y + h, x : x + w] = pixels[i]
    return canvas.repeat(scale, axis=1).repeat(scale, axis=2)


def save_clip_gif(fake, path, real=None, clips=8, columns=4, scale=4,
                  frame_ms=125):
    """An animated GIF (looping) of ``clips`` generated clips in a mosaic of
    ``columns``, real clips on the left when given, each pixel drawn
    ``scale`` x ``scale``; staged and swapped in, so an interrupted write
    leaves no half file. Returns ``path``."""
    from PIL import Image

    fake = _check(fake, "fake")[:clips]
    frames = _tile(fake, columns, scale)
    if real is not None:
        real = _check(real, "real")[:clips]
        if real.shape[1:] != fake.shape[1:]:
            raise ValueError(
                f"real clips {real.shape[1:]} and fake clips "
                f"{fake.shape[1:]} differ in shape."
            )
        left = _tile(real, columns, scale)
        height = max(left.shape[1], frames.shape[1])
        left, frames = (
            np.pad(x, ((0, 0), (0, height - x.shape[1]), (0, 0)),
                   constant_values=255)
            for x in (left, frames)
        )
        gap = np.full((len(frames), height, 4 * scale), 128, np.uint8)
        frames = np.concatenate([left, gap, frames], axis=2)
    images = [Image.fromarray(f, mode="L") for f in frames]
    with json_io.staged(path, ".gif") as tmp:
        images[0].save(
            tmp,
            format="GIF",
            save_all=True,
            append_images=images[1:],
            duration=int(frame_ms),
            loop=0,
        )
    return path


def write_clip_figures(fake, png_path, title=None, real=None, clips=8):
    """``plot_clip_strip`` to ``png_path`` and ``save_clip_gif`` beside it
    (same name, ``.gif``). Returns the two paths."""
    gif_path = os.path.splitext(png_path)[0] + ".gif"
    plot_clip_strip(fake, png_path, title=title, real=real, clips=clips)
    save_clip_gif(fake, gif_path, real=real, clips=clips)
    return png_path, gif_path
