"""Plots written as PNG files (matplotlib, Agg backend)."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

__all__ = ["plot_samples"]


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
