"""GAN-NS against WGAN-GP against 0GP on moving digits (clips), and the
generators tried on the way to keras-gans-train's default.

Every row is keras-gans-train's ``--dataset=moving_digits`` set-up (base
16, latent 64, batch 32, Adam(1e-3, 0.5, 0.99) for both players, G EMA
0.99, 4000 generator steps, an evaluation every 2000; the first table was
measured at 2000 steps) with its G and objective named. The default G is
the bouncing sprite G (``sprite_bounce``); the rows of the 3-D
convolution G (Vondrick et al.'s, the default until it) pin
``sprite_motion=False``, and every other G pins its own settings, so a
change of the default changes no recorded row.

The objectives, on the 3-D G and on the bouncing sprite G:

- ``zero_gp`` / ``sprite_bounce``: GAN-NS + 0GP (lambda 100 on
  sigmoid(D), the paper's zero-centred gradient penalty in the critic
  loss), the default objective;
- ``gan_ns`` / ``sprite_bounce_gan_ns``: GAN-NS, no penalty;
- ``wgan_gp`` / ``sprite_bounce_wgan_gp``: WGAN-GP (Gulrajani et al.
  2017), lambda 10 on D's output, one D step per G step and the default's
  Adam (not the paper's five D steps and Adam(1e-4, 0, 0.9): every row
  gets the same updates and about the same compute).

Motion levers, all 0GP, tuned on seeds 101-103 with --first_seed=101 and
their own --results:

- ``frame_critic``: the 3-D G against a D that adds a per-frame 2-D
  critic's mean logit (``--frame_critic``, after MoCoGAN's image
  discriminator);
- ``frame_differences``: D also sees the frame-to-frame differences
  (``--frame_differences``);
- ``content_motion``: G keeps one content code for all frames and moves
  by a GRU's per-frame motion codes (``--content_motion``, MoCoGAN's
  decomposition);
- ``content_motion_frame_critic``: both of MoCoGAN's halves;
- ``sprite_motion``: G draws one sprite a clip and moves it by a GRU's
  per-frame translation (``--sprite_motion --sprite_dynamics=gru``, a
  spatial transformer), bilinear;
- ``sprite_motion_whole_pixels``: the same, moved by whole pixels with
  the bilinear gradient (``--whole_pixel_shifts``);
- ``sprite_bounce``: the whole-pixel sprite G moved at a constant
  velocity with elastic bounces (``--sprite_dynamics=bounce``): the
  default;
- ``sprite_bounce_frame_critic``: the same with D's frame critic.

Metrics (keras_gans.clip_metrics.ClipEvaluator on the final samples):
the shipped digits classifier's mean max-probability on each frame's
detected digit, digit identities covered, the frame-to-frame speed of the
detected digits against the held-out clips', and the Frechet distance of
a small 3-D classifier's clip features (the offline analogue of FVD, not
FVD). Report seeds 0..--seeds-1. Resumable (--results); --table_only
reprints.

  python benchmarks/moving_digits.py --seeds=3
"""

import json
import os
import platform
import sys

from absl import flags, logging

from keras_gans import cli, json_io
from keras_gans.experiments import presets

import jsonl_runs
import seed_stats

FLAGS = flags.FLAGS

# name -> (row label, TrainConfig overrides)
_3D = dict(sprite_motion=False)  # Vondrick et al.'s 3-D convolution G
_GRU_SPRITE = dict(
    sprite_motion=True, whole_pixel_shifts=False, sprite_dynamics="gru"
)
_BOUNCE = dict(
    sprite_motion=True, whole_pixel_shifts=True, sprite_dynamics="bounce"
)
_WGAN_GP = dict(
    loss="wasserstein",
    penalty="wgan_gp",
    penalty_weight=10.0,
    penalty_output="logit",
)
VARIANTS = {
    "gan_ns": ("GAN-NS, 3-D G", dict(penalty="none", **_3D)),
    "wgan_gp": ("WGAN-GP lambda 10 (1 D step), 3-D G", {**_WGAN_GP, **_3D}),
    "zero_gp": ("GAN-NS + 0GP lambda 100, 3-D G", dict(_3D)),
    # Motion levers (tuned on seeds 101-103):
    "frame_critic": ("0GP + frame critic", dict(frame_critic=True, **_3D)),
    "frame_differences": (
        "0GP + frame differences",
        dict(frame_differences=True, **_3D),
    ),
    "content_motion": (
        "0GP + content-motion G",
        dict(content_motion=True, **_3D),
    ),
    "content_motion_frame_critic": (
        "0GP + content-motion G + frame critic",
        dict(content_motion=True, frame_critic=True, **_3D),
    ),
    "sprite_motion": ("0GP + sprite-motion G", dict(_GRU_SPRITE)),
    "sprite_motion_whole_pixels": (
        "0GP + sprite-motion G, whole-pixel shifts",
        {**_GRU_SPRITE, "whole_pixel_shifts": True},
    ),
    "sprite_bounce": (
        "0GP + bouncing sprite G (default)",
        dict(_BOUNCE),
    ),
    "sprite_bounce_frame_critic": (
        "0GP + bouncing sprite G + frame critic",
        dict(frame_critic=True, **_BOUNCE),
    ),
    "sprite_bounce_gan_ns": (
        "GAN-NS, bouncing sprite G",
        dict(penalty="none", **_BOUNCE),
    ),
    "sprite_bounce_wgan_gp": (
        "WGAN-GP lambda 10 (1 D step), bouncing sprite G",
        {**_WGAN_GP, **_BOUNCE},
    ),
}
# Reference rows scored by the same evaluator (seed 0's): what real clips,
# noise and motionless clips get. name -> row label.
BASELINES = {
    "real": "held-out real clips (other draw)",
    "noise": "uniform noise",
    "static": "real frame 0, repeated",
}
# (column, field, scale, format width, digits)
COLUMNS = (
    ("confidence", "digit_confidence", 1.0, 5, 3),
    ("cls score", "classifier_score", 1.0, 4, 2),
    ("modes", "modes", 1.0, 4, 1),
    ("identity", "identity_consistency", 1.0, 4, 2),
    ("present %", "digits_present", 100.0, 5, 1),
    ("bg ink", "background_ink", 1.0, 5, 3),
    ("speed px/frame", "speed_fake", 1.0, 4, 2),
    ("speed W1", "speed_w1", 1.0, 4, 2),
    ("clip Frechet", "clip_frechet", 1.0, 6, 1),
)

flags.DEFINE_list(
    "variants",
    ["sprite_bounce_gan_ns", "sprite_bounce_wgan_gp", "sprite_bounce"],
    f"Subset of {list(VARIANTS)}.",
)
flags.DEFINE_integer("seeds", 3, "Seeds per row (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer(
    "first_seed", 0, "First seed (tuning used 101).", lower_bound=0
)
flags.DEFINE_integer(
    "steps", 0, "Generator steps (0: the data set's default).", lower_bound=0
)
flags.DEFINE_string(
    "results", "benchmarks/moving_digits_results.jsonl", "JSON-lines results."
)
flags.DEFINE_string(
    "workdirs", "", "Keep every run's workdir (GIFs, grids) under this "
    "directory; empty: temporary ones."
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")


def config_for(variant, seed, steps):
    overrides = dict(seed=seed, **VARIANTS[variant][1])
    if steps:
        overrides["steps"] = steps
    return presets.preset("moving_digits", **overrides)


def _cell(rs, field, scale, width, digits):
    values = [r[field] * scale for r in rs if r.get(field) is not None]
    if not values:
        return f"{'-':>{2 * width + 3}}"
    m, s = seed_stats.mean_se(values)
    if len(values) == 1:  # a reference row: no standard error
        return f"{m:{width}.{digits}f}{'':>{width + 2}}"
    return f"{m:{width}.{digits}f} ± {s:{width - 1}.{digits}f}"


def table(records):
    head = " ".join(f"{c[0]:>{2 * c[3] + 3}}" for c in COLUMNS)
    lines = [
        f"{'variant':<34} {'steps':>5} {'n':>2} {head} {'time s':>6} "
        f"{'diverged':>8}"
    ]
    labels = {**{k: v[0] for k, v in VARIANTS.items()}, **BASELINES}
    order = {v: i for i, v in enumerate(labels)}
    groups = jsonl_runs.cells(records, ("steps", "variant"))
    for (steps, variant), rs in sorted(
        groups.items(), key=lambda kv: (kv[0][0] == 0, order[kv[0][1]])
    ):
        t, _ = seed_stats.mean_se([r["wall_time_s"] for r in rs])
        cells = " ".join(_cell(rs, *c[1:]) for c in COLUMNS)
        diverged = sum(bool(r.get("diverged")) for r in rs)
        lines.append(
            f"{labels[variant]:<34} {steps:>5} {len(rs):>2} {cells} "
            f"{t:6.0f} {diverged:>8}"
        )
    return "\n".join(lines)


def score_baselines(results):
    """Appends the BASELINES rows missing from ``results`` (steps 0)."""
    import time

    import numpy as np

    from keras_gans import moving_digits, train_lib

    done = jsonl_runs.done_keys(results, ("variant", "steps"))
    missing = [b for b in BASELINES if (b, 0) not in done]
    if not missing:
        return
    config = presets.preset("moving_digits", seed=0)
    evaluator = train_lib.image_evaluator(config)
    n = config.eval_samples
    real = moving_digits.clips_sample("moving_digits", n, 12345)[0]
    clips = {
        "real": real,
        "noise": np.random.default_rng(0).uniform(-1, 1, real.shape),
        "static": np.repeat(real[:, :1], real.shape[1], axis=1),
    }
    for name in missing:
        start = time.time()
        scores = evaluator(clips[name].astype(np.float32))
        line = dict(variant=name, seed=0, steps=0, **scores,
                    wall_time_s=time.time() - start)
        with open(results, "a") as f:
            f.write(json.dumps(line) + "\n")


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    jsonl_runs.check_names("variants", FLAGS.variants, VARIANTS)
    if not FLAGS.table_only:
        jobs = []
        # Seed-major, so that an interrupted study leaves balanced rows.
        for seed in range(FLAGS.first_seed, FLAGS.first_seed + FLAGS.seeds):
            for variant in FLAGS.variants:
                config = config_for(variant, seed, FLAGS.steps)
                key = dict(variant=variant, seed=seed, steps=config.steps)
                jobs.append((key, config))
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"{r['variant']} seed {r['seed']}: confidence "
            f"{r.get('digit_confidence', float('nan')):.3f}, "
            f"{r.get('modes', 0)} modes, speed "
            f"{r.get('speed_fake', float('nan')):.2f} px/frame, "
            f"{r['wall_time_s']:.0f} s",
            workdir_root=FLAGS.workdirs or None,
        )
        score_baselines(FLAGS.results)
    print(
        f"Moving digits: GAN-NS vs WGAN-GP vs 0GP ({platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]})"
    )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
