"""Plots written as PNG files (matplotlib, Agg backend)."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_samples", "plot_image_grid"]


def plot_samples(real, fake, path, title=None, centres=None):
    """Scatter of real (blue) and generated (red) 2-D points.

    Args:
        real: array ``[N, 2]`` of real samples.
        fake: array ``[M, 2]`` of generated samples.
        path: PNG file to write.
        title: optional figure title.
        centres: optional ``[K, 2]`` mixture centres, drawn as crosses.
    """
    real, fake = np.asarray(real), np.asarray(fake)
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=120)
    ax.scatter(
        real[:, 0], real[:, 1], s=4, c="tab:blue", alpha=0.5, label="real"
    )
    ax.scatter(
        fake[:, 0], fake[:, 1], s=4, c="tab:red", alpha=0.5, label="generated"
    )
    if centres is not None:
        ax.scatter(
            centres[:, 0],
            centres[:, 1],
            marker="x",
            c="k",
            s=30,
            label="mode centres",
        )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8, markerscale=2)
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(os.fspath(path))
    plt.close(fig)
    return path


def _mosaic(images, columns):
    """``[N, H, W, C]`` in [-1, 1] -> one ``[rows*(H+1)-1, ...]`` image in
    [0, 1] with one-pixel white separators (empty cells white)."""
    x = np.clip((np.asarray(images, np.float32) + 1.0) / 2.0, 0.0, 1.0)
    n, h, w, c = x.shape
    rows = -(-n // columns)
    out = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1, c), np.float32)
    for i in range(n):
        r, k = divmod(i, columns)
        out[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = x[i]
    return out[..., 0] if c == 1 else out


def _side_by_side(images):
    """``[N, H, W, C]`` -> ``[N, H, C*W + C-1, 1]``: the channels as grey
    images in a row, one mid-grey column between them."""
    x = np.asarray(images, np.float32)
    gap = np.zeros(x.shape[:2] + (1,), np.float32)
    parts = []
    for c in range(x.shape[-1]):
        parts += [x[..., c], gap] if c < x.shape[-1] - 1 else [x[..., c]]
    return np.concatenate(parts, axis=2)[..., None]


def plot_image_grid(
    fake, path, title=None, real=None, columns=None, split_channels=False
):
    """A grid of generated images, with real images beside them if given.

    Images are ``[N, H, W, C]`` in [-1, 1] (C = 1: grey, ink white on
    black; C = 3: RGB), white lines between images.

    Args:
        fake: generated images.
        path: PNG file to write.
        title: optional figure title.
        real: optional real images, drawn in a left panel.
        columns: images per row (default: a square grid).
        split_channels: draw each image's channels as grey images side by
            side (stacked digits: the three digits, left to right).
    """
    fake = np.asarray(fake)
    if fake.ndim != 4 or fake.shape[-1] not in (1, 3) or not len(fake):
        raise ValueError(f"images must be [N, H, W, 1 or 3], got {fake.shape}.")
    panels = [("generated", fake)]
    if real is not None:
        panels.insert(0, ("real", np.asarray(real)))
    if split_channels:
        panels = [(label, _side_by_side(x)) for label, x in panels]
    height, width = panels[0][1].shape[1:3]
    # A roughly square mosaic.
    columns = columns or max(1, round(np.sqrt(len(fake) * height / width)))
    mosaics = [
        (label, _mosaic(np.nan_to_num(x), columns)) for label, x in panels
    ]
    aspect = mosaics[-1][1].shape[1] / mosaics[-1][1].shape[0]
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(5.4 * min(aspect, 2.0) * len(panels), 6.0),
        dpi=120,
    )
    axes = np.atleast_1d(axes)
    for ax, (label, mosaic), (_, images) in zip(axes, mosaics, panels):
        ax.imshow(
            mosaic, cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest"
        )
        ax.set_title(f"{label} ({len(images)})", fontsize=9)
        ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(os.fspath(path))
    plt.close(fig)
    return path
