"""Cost of each stabiliser, forgetting remedy and of conditioning: ms per
training step.

The library's own step (``train_lib.build_gan`` and ``training_data`` of
the config, ``fit`` with what ``compile()`` picks: ``jit_compile="auto"``,
50 steps an execution), one D and one G update a step, for a plain set-up
and the same set-up with one option on:

- ``ring``: GAN-NS + Adam, 3 x 128 ReLU MLPs, batch 256
  (``mode_coverage/ns_adam``);
- ``digits``: DCGAN-NS on 8x8 digits, batch 64, no penalty, no EMA
  (``table3/ns`` on digits);
- ``clips``: the video DCGAN on moving digits (16 x 32 x 32 clips, base
  16, batch 32), GAN-NS, no penalty, no EMA; the objectives, the EMA and
  the motion options of ``benchmarks/moving_digits.py`` one at a time.

Every set-up is built and traced first, then all are timed in turn,
``--repeats`` bursts of about ``--seconds`` each, best burst counted
(``timing.measure``), so the ratios are fair on a shared machine.

  python benchmarks/option_cost.py
  python benchmarks/option_cost.py --setups=digits --repeats=5
"""

import dataclasses
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from absl import flags, logging  # noqa: E402

from keras_gans import cli, train_lib  # noqa: E402
from keras_gans.experiments import presets  # noqa: E402

import jsonl_runs  # noqa: E402
import timing  # noqa: E402

FLAGS = flags.FLAGS

_ADAM = presets.preset("mode_coverage/ns_adam").d_optimizer
_R1_L2 = dict(penalty="r1", penalty_weight=0.1)
# The forgetting remedies of benchmarks/remedies.py, at its sweep points.
_RPGAN = dict(loss="relativistic", penalty="r1_r2", penalty_weight=0.1)
_REPLAY = dict(replay_size=5000, replay_fraction=0.5)
_EWC = dict(ewc_weight=10.0, ewc_every=100, ewc_alpha=0.5)
# set-up -> (plain preset, preset overrides, [(option, overrides)]).
SETUPS = {
    "ring": (
        "mode_coverage/ns_adam",
        dict(dataset="ring"),
        [
            ("spectral norm", dict(spectral_norm=True)),
            ("label smoothing 0.9", dict(label_smoothing=0.9)),
            ("instance noise 0.1", dict(instance_noise=0.1)),
            ("R1 (L2) 0.1", _R1_L2),
            ("R1 L1 norm 0.1", dict(_R1_L2, penalty_norm="l1")),
            ("layer R1 (dense_1)", dict(_R1_L2, penalty_layer="dense_1")),
            (
                "D weight decay 0.004",
                dict(
                    d_optimizer=dataclasses.replace(_ADAM, weight_decay=0.004)
                ),
            ),
            ("D L1 weights 1e-4", dict(d_l1=1e-4)),
            ("RpGAN + R1 + R2 0.1", _RPGAN),
            ("LeCam 0.3", dict(lecam_weight=0.3)),
            ("PacGAN 2", dict(pack=2)),
            ("replay (5000, half)", _REPLAY),
            ("online EWC 10", _EWC),
            ("unrolled 5", dict(unroll_steps=5)),
            ("projection (25 modes)", dict(dataset="grid", conditional=True)),
            (
                "AC-GAN (25 modes)",
                dict(dataset="grid", conditional=True, conditioning="acgan"),
            ),
        ],
    ),
    "digits": (
        "table3/ns",
        dict(dataset="digits", ema_decay=0.0),
        [
            ("spectral norm", dict(spectral_norm=True)),
            (
                "DiffAugment c,t,cutout",
                dict(augment="diffaugment:color,translation,cutout"),
            ),
            ("ADA (p from 0)", dict(augment="ada")),
            ("instance noise 0.1", dict(instance_noise=0.1)),
            ("RpGAN + R1 + R2 0.1", _RPGAN),
            ("LeCam 0.3", dict(lecam_weight=0.3)),
            ("PacGAN 2", dict(pack=2)),
            (
                "balanced CR 10",
                dict(consistency_weight=10.0, consistency_fake_weight=10.0),
            ),
            (
                "SS rotation (1, 0.2)",
                dict(rotation_weight=1.0, rotation_g_weight=0.2),
            ),
            ("projection + CBN G", dict(conditional=True)),
            ("AC-GAN + CBN G", dict(conditional=True, conditioning="acgan")),
        ],
    ),
    # The clip GAN (video DCGAN, base 16, batch 32, 16 x 32 x 32 clips):
    # GAN-NS, no penalty, no EMA, the 3-D convolution G (the default G
    # until the bouncing sprite G); then the objectives of
    # benchmarks/moving_digits.py, the default's EMA and the other Gs.
    "clips": (
        "moving_digits",
        dict(penalty="none", ema_decay=0.0, sprite_motion=False),
        [
            (
                "0GP 100 (sigmoid)",
                dict(penalty="zero_gp", penalty_weight=100.0),
            ),
            (
                "WGAN-GP 10",
                dict(loss="wasserstein", penalty="wgan_gp",
                     penalty_weight=10.0, penalty_output="logit"),
            ),
            ("G EMA 0.99", dict(ema_decay=0.99)),
            (
                "default (0GP + EMA)",
                dict(penalty="zero_gp", penalty_weight=100.0,
                     ema_decay=0.99),
            ),
            ("frame critic", dict(frame_critic=True)),
            ("frame differences", dict(frame_differences=True)),
            ("content-motion G", dict(content_motion=True)),
            (
                "content-motion G + frame critic",
                dict(content_motion=True, frame_critic=True),
            ),
            (
                "sprite-motion G (GRU, bilinear)",
                dict(sprite_motion=True, whole_pixel_shifts=False,
                     sprite_dynamics="gru"),
            ),
            ("bouncing sprite G (the default G)", dict(sprite_motion=True)),
        ],
    ),
}

flags.DEFINE_list("setups", list(SETUPS), f"Subset of {list(SETUPS)}.")
flags.DEFINE_integer("repeats", 3, "Timed bursts per row.", lower_bound=1)
flags.DEFINE_float("seconds", 2.0, "Approximate length of one burst.")


def timed(label, name, overrides):
    config = presets.preset(name, **overrides)
    gan = train_lib.build_gan(config)
    return timing.Timed(
        label, gan, train_lib.training_data(config), 50
    )


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    jsonl_runs.check_names("setups", FLAGS.setups, SETUPS)
    print(
        f"ms per step, best of {FLAGS.repeats} bursts ({platform.machine()},"
        f" {os.cpu_count()} CPUs)"
    )
    width = 2 + max(
        len(label) for s in FLAGS.setups for label, _ in SETUPS[s][2]
    )
    print(f"{'set-up':<8}{'option':<{width}}{'ms/step':>9}{'x plain':>9}")
    for setup in FLAGS.setups:
        name, base, options = SETUPS[setup]
        rows = [timed("plain", name, base)] + [
            timed(label, name, {**base, **extra}) for label, extra in options
        ]
        timing.measure(rows, FLAGS.repeats, FLAGS.seconds)
        plain = 1e3 / rows[0].best
        for t in rows:
            ms = 1e3 / t.best
            print(
                f"{setup:<8}{t.label:<{width}}{ms:>9.2f}{ms / plain:>9.2f}"
            )


if __name__ == "__main__":
    cli.main(main)
