"""keras_gans.plots on the inputs a failed run hands it."""

import numpy as np

from keras_gans import plots


def test_samples_of_a_diverged_run_draw_only_their_finite_points(
    tmp_path, monkeypatch
):
    # A diverged run's samples mix NaN, +inf and -inf: before, the run
    # died drawing them (matplotlib's axes cannot hold +-1.8e308).
    saved = {}
    save = plots._save
    monkeypatch.setattr(
        plots, "_save", lambda fig, path: saved.setdefault("fig", fig)
        and save(fig, path)
    )
    real = np.random.default_rng(0).normal(size=(50, 2))
    fake = np.array(
        [[0.5, 1.0], [np.inf, 0.0], [-np.inf, -np.inf], [np.nan, 1.0],
         [-1.0, 2.0]]
    )
    path = plots.plot_samples(real, fake, tmp_path / "s.png", title="t",
                              centres=np.zeros((8, 2)))
    assert (tmp_path / "s.png").stat().st_size > 0 and path.endswith("s.png")
    real_dots, fake_dots, _ = saved["fig"].axes[0].collections
    assert len(real_dots.get_offsets()) == 50
    np.testing.assert_array_equal(
        fake_dots.get_offsets(), [[0.5, 1.0], [-1.0, 2.0]]
    )
