"""keras-gans-train: train a GAN on a toy Gaussian mixture or on images.

With no flags it trains the stabilised default on the ring on CPU in about a
minute and writes samples.png, metrics.json, TensorBoard logs, checkpoints
and the exported generator to --workdir (see keras_gans.train_lib).

The flags are made from keras_gans.config.TrainConfig (one per setting);
--dataset picks the data set's preset,
keras_gans.experiments.presets.preset(NAME), and the other flags given
change it. Images (digits, stacked_digits, mnist,
cifar10, celeb_a) train a DCGAN (or --network=mlp) with latent 100, batch
64, Adam 2e-4 as in the paper's Table II, and write sample grids and image
metrics. The tfds sets need their data under --data_dir (or
--download_data).

--conditional trains a class-conditional GAN on the data set's labels
(ring, grid, digits, stacked_digits, mnist, cifar10): a projection
discriminator, or an AC-GAN class head with --conditioning=acgan; the
export then takes (latent, label), and digits runs write
samples_by_class.png (one row per class) and report class_accuracy.

Running the same command again on the same workdir resumes an interrupted
run, or trains a finished one on if --steps is larger. Any other changed
setting is refused: pass a new --workdir, or --restart to move the old run
aside to <workdir>.<timestamp>.

Exit codes: 0 success; 1 bad input (a flag, missing data, a workdir
holding another run, an export target holding other files); 3 training
diverged (NaN or inf: the last good checkpoint is kept, nothing is
exported); 4 a file or directory could not be read or written;
130 interrupted (Ctrl-C: the same command resumes).
"""

import dataclasses
import os
import sys
from typing import Optional

from absl import flags, logging

from keras_gans import cli
from keras_gans.settings import setting

FLAGS = flags.FLAGS

cli.define_config_flags()


@dataclasses.dataclass(frozen=True)
class TrainFlags:
    """train.py's flags (``cli.define_flags``)."""

    preset: Optional[str] = setting(
        None,
        "Start from a named config (keras_gans.experiments.presets.names()), "
        "e.g. r3gan: "
        "R3GAN's relativistic pairing loss + gamma/2 (R1 + R2), Adam(0, 0.99), "
        "on the ring; the other flags given change it. Default: --dataset's.",
    )
    experiment: Optional[str] = setting(
        None,
        "Run name; default <dataset>_<loss>_<penalty>.",
    )
    workdir: Optional[str] = setting(
        None,
        "Output directory; default runs/<experiment>.",
    )
    export_dir: Optional[str] = setting(
        None,
        "Generator SavedModel (absent, empty or an earlier export); default: "
        "saved_models/<name> for a workdir runs/<name>, else only "
        "<workdir>/saved_model.",
    )
    restart: bool = setting(
        False,
        "Move an existing --workdir aside to <workdir>.<timestamp> (never "
        "deleted) and start afresh.",
    )


cli.define_flags(TrainFlags)


def config_from_flags():
    """The typed config of the flags: the --dataset preset with the flags
    given applied. A bad value raises cli.Failure naming the flag."""
    return cli.config_from_flags(FLAGS, preset=FLAGS.preset)


def default_export_dir(workdir: str):
    """``saved_models/<name>`` for a workdir ``runs/<name>`` (relative),
    else None: the run's own ``<workdir>/saved_model`` is its export. One
    workdir, one export directory: two runs never share one."""
    parts = os.path.normpath(workdir).split(os.sep)
    if (
        not os.path.isabs(workdir)
        and len(parts) >= 2
        and parts[0] == "runs"
        and ".." not in parts
    ):
        return os.path.join("saved_models", *parts[1:])
    return None


def main(argv):
    del argv
    config = config_from_flags()
    if not FLAGS["verbosity"].present:
        # TF's SavedModel INFO lines, tfds' notices about missing data.
        logging.set_verbosity(logging.ERROR)
    experiment = (
        FLAGS.experiment or f"{config.dataset}_{config.loss}_{config.penalty}"
    )
    workdir = FLAGS.workdir or os.path.join("runs", experiment)
    export_dir = FLAGS.export_dir or default_export_dir(workdir)
    from keras_gans import train_lib  # heavy: TensorFlow

    try:
        result = train_lib.run(
            config, workdir, export_dir=export_dir, restart=FLAGS.restart
        )
    except train_lib.WorkdirConflictError as e:
        raise cli.Failure(
            f"--workdir {workdir} holds a run with other settings "
            f"(changed: {', '.join(map(cli.flag_name, e.fields))}); pass a "
            "new --workdir, or "
            "--restart to move the old run aside to "
            f"{workdir.rstrip(os.sep)}.<timestamp>."
        ) from None
    final = result["final"]
    if final.get("diverged"):
        good = final.get("last_good_step", 0)
        kept = (
            f"the last good checkpoint (step {good}) is kept in "
            f"{os.path.join(workdir, 'checkpoints')}"
            if good
            else "no checkpoint had been written"
        )
        sys.stderr.write(
            f"{experiment}: training diverged (NaN or inf) at step "
            f"{final['step']}; {kept}; nothing exported. Lower the learning "
            "rates or the penalty weight (with a new --workdir or "
            "--restart).\n"
        )
        return cli.EXIT_DIVERGED
    where = result["export_dir"]
    seconds = f"{result['wall_time_this_run_s']:.0f} s"
    if not config.is_toy:
        scores = ", ".join(
            f"{k} {v:.4g}"
            for k, v in final.items()
            if k not in ("step", "num_modes", "inception_score_std")
            and isinstance(v, (int, float))
        )
        print(
            f"{experiment}: {scores or 'no metrics'} at step "
            f"{final['step']} ({seconds}). Outputs (samples.png, "
            f"{'samples.gif, ' if config.is_clip else ''}grids/) in "
            f"{workdir}, generator in {where}."
        )
        return cli.EXIT_OK
    print(
        f"{experiment}: {final['modes']}/{final['num_modes']} modes, "
        f"high quality {100 * final['high_quality']:.1f}%, reverse KL "
        f"{final['reverse_kl']:.4f} at step {final['step']} ({seconds}). "
        f"Outputs in {workdir}, generator in {where}."
    )
    return cli.EXIT_OK


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
