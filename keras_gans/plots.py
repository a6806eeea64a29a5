"""Plots written as PNG files (matplotlib, Agg backend).

Every function draws one figure, writes it to ``path`` and returns the
path: toy samples, the Dirac GAN (``keras_gans.diagnostics.dirac``), the
output landscape, the gradient field and old-fake scores
(``keras_gans.diagnostics``).
"""

import os
from typing import TYPE_CHECKING, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from keras_gans.diagnostics.bilinear import BilinearResult
    from keras_gans.diagnostics.dirac import DiracResult
    from keras_gans.diagnostics.landscape import Landscape

__all__ = [
    "plot_samples",
    "plot_theta",
    "plot_linear_phase",
    "plot_discriminators",
    "plot_bilinear",
    "plot_landscape",
    "plot_landscape_summary",
    "plot_gradient_fields",
    "plot_forgetting",
    "plot_image_grid",
]


def plot_samples(real, fake, path, title=None, centres=None):
    """Scatter of real (blue) and generated (red) 2-D points.

    Args:
        real: array ``[N, 2]`` of real samples.
        fake: array ``[M, 2]`` of generated samples.
        path: PNG file to write.
        title: optional figure title.
        centres: optional ``[K, 2]`` mixture centres, drawn as crosses.

    Points with a NaN or inf coordinate (a diverged run's) are left out:
    they have no place on the axes.
    """
    real, fake = _finite_rows(real), _finite_rows(fake)
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
    return _save(fig, path)


def _finite_rows(points):
    points = np.asarray(points)
    return points[np.all(np.isfinite(points), axis=1)]


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(os.fspath(path))
    plt.close(fig)
    return os.fspath(path)


# ------------------------------------------------------------------ Dirac GAN


def _dirac_label(config):
    extra = {
        "old_fake": f" (K={config.old_fake_delay})",
        "r1": f" (gamma={config.r1_weight:g})",
        "momentum": f" (mu={config.momentum:g})",
    }
    return config.variant + extra.get(config.variant, "")


def plot_theta(
    results: Sequence["DiracResult"], path: str, title: Optional[str] = None
) -> str:
    """Plots theta against the step for each run, one line per run."""
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for r in results:
        ax.plot(r.theta, lw=1.2, label=_dirac_label(r.config))
    ax.axhline(0.0, color="k", lw=0.6, ls=":", label="equilibrium (0)")
    ax.set_xlabel("step")
    ax.set_ylabel("theta (fake point)")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_linear_phase(
    results: Sequence["DiracResult"], path: str, title: Optional[str] = None
) -> str:
    """Plots the linear D's runs in the (theta, psi) plane."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=120)
    for r in results:
        line = ax.plot(r.theta, r.psi, lw=1.0, label=_dirac_label(r.config))[0]
        ax.plot(r.theta[-1], r.psi[-1], "o", color=line.get_color(), ms=4)
    ax.plot(results[0].theta[0], results[0].psi[0], "k*", ms=9, label="start")
    ax.plot(0.0, 0.0, "kx", ms=8, label="equilibrium")
    ax.set_xlabel("theta (generator)")
    ax.set_ylabel("psi (discriminator)")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


def plot_discriminators(
    results: Sequence["DiracResult"],
    path: str,
    radius: float = 2.0,
    title: Optional[str] = None,
) -> str:
    """Plots each run's final D(x) with the real and fake points (Fig. 8).

    One panel per run: D on ``[-radius, radius]`` (blue line), the real
    point 0 (blue dot), the current fake (red dot) and, for ``old_fake``,
    the old fake (hollow red dot).
    """
    fig, axes = plt.subplots(
        1,
        len(results),
        figsize=(4.5 * len(results), 3.8),
        dpi=120,
        squeeze=False,
    )
    from keras_gans.diagnostics.dirac import monotonicity

    grid = np.linspace(-radius, radius, 401)
    for ax, r in zip(axes[0], results):
        c = r.config
        f = r.discriminator(grid)
        shape = monotonicity(r.discriminator, radius)
        ax.plot(grid, f, color="tab:blue", label="D(x)")
        ax.plot([0.0], [0.0], "o", color="tab:blue", label="real x0 = 0")
        theta = float(r.theta[-1])
        ax.plot(
            [theta],
            r.discriminator(np.array([theta])),
            "o",
            color="tab:red",
            label=f"fake theta = {theta:.3f}",
        )
        if c.variant == "old_fake":
            old = float(r.theta[max(c.steps - 1 - c.old_fake_delay, 0)])
            ax.plot(
                [old],
                r.discriminator(np.array([old])),
                "o",
                mfc="none",
                color="tab:red",
                label=f"old fake = {old:.3f}",
            )
        kind = "monotonic" if shape.monotonic else "not monotonic"
        ax.set_title(
            f"{_dirac_label(c)}, step {c.steps}: {kind}, "
            f"argmax {shape.argmax:.2f}",
            fontsize=9,
        )
        ax.set_xlabel("x")
        ax.set_ylabel("D(x) (logit)")
        ax.legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def plot_bilinear(
    results: Sequence["BilinearResult"], path: str, title: Optional[str] = None
) -> str:
    """Plots bilinear-game trajectories in the (x, y) plane."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5), dpi=120)
    for r in results:
        ax.plot(r.x, r.y, lw=1.0, label=f"{r.mode} (lr={r.learning_rate:g})")
    ax.plot(results[0].x[0], results[0].y[0], "k*", ms=9, label="start")
    ax.plot(0.0, 0.0, "kx", ms=8, label="equilibrium")
    ax.set_xlabel("x (minimises x*y)")
    ax.set_ylabel("y (maximises x*y)")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10)
    return _save(fig, path)


# ------------------------------------------------------ landscape (Figs 2-7)


def _curve_colour(land, i):
    if land.local_max[i]:
        return "tab:green", f"max, width {land.width[i]:.3g}"
    if land.monotonic[i]:
        return "tab:red", "monotonic"
    return "tab:gray", "neither"


def plot_landscape(
    land: "Landscape",
    points,
    path,
    title: Optional[str] = None,
    image_shape=None,
    max_points: int = 16,
    columns: int = 4,
) -> str:
    """The paper's grid of landscape curves, each beside its real point.

    One cell per real point (the first ``max_points``): the point as an
    image when ``image_shape`` is given (e.g. ``(8, 8)`` for digits), and
    its curve ``f_i(k) = sigmoid(D(x_i + k u))`` against k, green for a
    local maximum (its width in the title), red for a monotonic curve, grey
    otherwise; the dotted line marks ``k = 0``, the real point.

    Args:
        land: a ``diagnostics.landscape.Landscape``.
        points: ``[n, ...]`` the real points it was computed on.
        path: PNG file to write.
        title: first line of the figure title (the three fractions follow).
        image_shape: shape of one point as an image; None draws curves only
            (the point's coordinates go into the cell title when it has at
            most 3).
        max_points: cells to draw.
        columns: cells per row.
    """
    points = np.asarray(points)
    n = min(len(land.curves), int(max_points))
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    images = image_shape is not None
    ratios = [1.0, 2.4] * columns if images else [1.0] * columns
    fig = plt.figure(
        figsize=((3.9 if images else 2.8) * columns, 2.2 * rows + 0.9),
        dpi=110,
    )
    grid = fig.add_gridspec(
        rows, len(ratios), width_ratios=ratios, wspace=0.35, hspace=0.75
    )
    for i in range(n):
        r, c = divmod(i, columns)
        if images:
            ax_img = fig.add_subplot(grid[r, 2 * c])
            ax_img.imshow(
                points[i].reshape(image_shape), cmap="gray_r", vmin=-1, vmax=1
            )
            ax_img.set_xticks([])
            ax_img.set_yticks([])
            ax_img.set_title(f"real #{i}", fontsize=7)
            ax = fig.add_subplot(grid[r, 2 * c + 1])
        else:
            ax = fig.add_subplot(grid[r, c])
        colour, kind = _curve_colour(land, i)
        ax.plot(land.k, land.curves[i], color=colour, lw=1.3)
        ax.axvline(0.0, color="k", lw=0.7, ls=":")
        if land.unit == "sigmoid(D)":
            ax.set_ylim(-0.05, 1.05)
        ax.set_xlim(land.k[0], land.k[-1])
        where = ""
        if not images and points[i].size <= 3:
            where = "x=(" + ", ".join(f"{v:.2f}" for v in points[i]) + "): "
        ax.set_title(where + kind, fontsize=7, color=colour)
        ax.tick_params(labelsize=6)
        if r == rows - 1:
            ax.set_xlabel("k (step along u)", fontsize=7)
        if c == 0:
            ax.set_ylabel(f"{land.unit} at x + k u", fontsize=7)
    s = land.summary()
    width = "-" if s["mean_width"] is None else f"{s['mean_width']:.3g}"
    numbers = (
        f"local maxima {np.sum(land.local_max)}/{len(land.curves)} "
        f"({100 * s['local_max']:.0f}%), mean width {width}, monotonic "
        f"{np.sum(land.monotonic)}/{len(land.curves)} "
        f"({100 * s['monotonic']:.0f}%); k in [{land.k[0]:g}, {land.k[-1]:g}]"
    )
    fig.suptitle(f"{title}\n{numbers}" if title else numbers, fontsize=9)
    fig.savefig(os.fspath(path), bbox_inches="tight")
    plt.close(fig)
    return os.fspath(path)


def plot_landscape_summary(series, path, title: Optional[str] = None) -> str:
    """The landscape numbers against the step, one line per run.

    Args:
        series: mapping run name -> list of records with ``step``,
            ``local_max``, ``mean_width`` (None when there is no maximum)
            and ``monotonic``.
        path: PNG file to write.
        title: figure title.
    """
    panels = (
        ("local_max", "fraction of real points\nthat are local maxima"),
        ("mean_width", "mean width of the maxima\n(k units)"),
        ("monotonic", "fraction of monotonic curves"),
    )
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), dpi=110)
    for name, records in series.items():
        steps = [r["step"] for r in records]
        for ax, (key, _) in zip(axes, panels):
            values = [np.nan if r[key] is None else r[key] for r in records]
            ax.plot(steps, values, "o-", ms=3, lw=1.2, label=name)
    for ax, (key, label) in zip(axes, panels):
        ax.set_xlabel("GAN step")
        ax.set_ylabel(label, fontsize=9)
        if key != "mean_width":
            ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="best")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


# --------------------------------------------------- gradient field (Fig. 1)


def plot_gradient_fields(
    panels, path, title: Optional[str] = None, centres=None
) -> str:
    """Gradient fields ``-dL_G/dx`` with real and fake points (paper Fig. 1).

    Args:
        panels: rows of cells; each cell a tuple ``(field, real, fake,
            label)``: a ``diagnostics.gradient_field.GradientField``,
            ``[N, 2]`` real and ``[M, 2]`` generated points, and the cell
            title. Arrow lengths are to scale within a cell (matplotlib
            autoscaling), not across cells; the cell title gives the mean
            arrow length and the coherence.
        path: PNG file to write.
        title: figure title.
        centres: optional ``[K, 2]`` mixture centres, drawn as crosses.
    """
    rows = [list(row) for row in panels]
    ncols = max(len(row) for row in rows)
    fig, axes = plt.subplots(
        len(rows),
        ncols,
        figsize=(3.6 * ncols, 3.7 * len(rows) + 0.5),
        dpi=110,
        squeeze=False,
    )
    for r, row in enumerate(rows):
        for c in range(ncols):
            ax = axes[r, c]
            if c >= len(row):
                ax.axis("off")
                continue
            field, real, fake, label = row[c]
            xx, yy = np.meshgrid(field.x, field.y)
            ax.quiver(
                xx,
                yy,
                field.vectors[..., 0],
                field.vectors[..., 1],
                color="0.25",
                width=0.004,
                label="-dL_G/dx",
            )
            real, fake = np.asarray(real), np.asarray(fake)
            if centres is not None:
                ax.scatter(
                    centres[:, 0],
                    centres[:, 1],
                    marker="x",
                    c="0.5",
                    s=25,
                    lw=0.8,
                    zorder=2,
                    label="mode centres",
                )
            ax.scatter(
                real[:, 0],
                real[:, 1],
                s=3,
                c="tab:blue",
                alpha=0.6,
                zorder=3,
                label="real",
            )
            ax.scatter(
                fake[:, 0],
                fake[:, 1],
                s=3,
                c="tab:red",
                alpha=0.6,
                zorder=4,
                label="generated",
            )
            ax.set_xlim(field.x[0], field.x[-1])
            ax.set_ylim(field.y[0], field.y[-1])
            ax.set_aspect("equal")
            ax.set_title(
                f"{label}\nmean |v| {field.mean_norm:.3g}, coherence "
                f"{field.coherence:.2f}",
                fontsize=8,
            )
            ax.tick_params(labelsize=7)
            ax.set_xlabel("x1", fontsize=8)
            ax.set_ylabel("x2", fontsize=8)
    axes[0, 0].legend(fontsize=6, loc="lower left", markerscale=2)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


# ------------------------------------------------- old-fake scores (Fig. 11)


def plot_forgetting(panels, path, title: Optional[str] = None) -> str:
    """D's mean score on each frozen fake batch against the step (Fig. 11).

    Args:
        panels: sequence of ``(label, summary)``, one subplot each, with a
            ``diagnostics.forgetting.ForgettingSummary``: one line per
            frozen batch from the step it was frozen (dot) on, and the 0.5
            line above which old fakes are taken for real.
        path: PNG file to write.
        title: figure title.
    """
    panels = list(panels)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(6 * len(panels), 4.2), dpi=110, squeeze=False
    )
    for ax, (label, summary) in zip(axes[0], panels):
        count = len(summary.freeze_steps)
        colours = plt.cm.viridis(np.linspace(0, 0.9, max(count, 1)))
        for b, t_b in enumerate(summary.freeze_steps):
            keep = (summary.eval_steps >= t_b) & np.isfinite(
                summary.scores[:, b]
            )
            steps, scores = summary.eval_steps[keep], summary.scores[keep, b]
            ax.plot(
                steps,
                scores,
                lw=1.2,
                color=colours[b],
                label=f"frozen at {t_b}",
            )
            if len(steps) and steps[0] == t_b:
                ax.plot(steps[:1], scores[:1], "o", ms=4, color=colours[b])
        line = summary.threshold
        ax.axhline(line, color="k", lw=0.8, ls="--", label=f"{line:g}")
        if summary.unit == "sigmoid(D)":
            ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("GAN step")
        ax.set_ylabel(f"mean {summary.unit} on the batch")
        s = summary.summary()

        def fmt(v):
            return "-" if v is None else f"{v:.2f}"

        ax.set_title(
            f"{label}\nmean max rise {fmt(s['mean_max_rise'])}, old scores "
            f"> {line:g}: {fmt(s['fraction_above_half'])}",
            fontsize=9,
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left", ncol=2)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


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
    return _save(fig, path)
