"""keras-gans-vanishing: the vanishing gradient of the minimax loss, shown.

G's gradient norm against D(G(z)) for the minimax and non-saturating
losses: on the Dirac GAN against the analytic curves (minimax ~ D(G(z)),
NS ~ 1 - D(G(z))) and on the ring MLPs early in training (a fixed fresh G,
D trained towards confidence). Writes vanishing.png and results.json to
--outdir and prints the NS/minimax ratio at D(G(z)) = 0.01, 0.1, 0.5. With
no flags it takes seconds on CPU. See keras_gans.diagnostics.vanishing.
"""

import dataclasses

from absl import flags

from keras_gans import cli
from keras_gans.settings import MAX_SEED, setting
from keras_gans.diagnostics.vanishing import VanishingConfig

_DEFAULT = VanishingConfig()

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class VanishingFlags:
    """vanishing.py's flags (``cli.define_flags``)."""

    outdir: str = setting("runs/vanishing", "Output directory.")
    points: int = setting(
        _DEFAULT.points,
        "Dirac grid points of D(G(z)).",
        lower=3,
    )
    p_min: float = setting(
        _DEFAULT.p_min,
        "Smallest D(G(z)) of the Dirac grid.",
        lower=1e-12,
        upper=0.009,
    )
    ring_steps: int = setting(
        _DEFAULT.ring_steps,
        "D steps on the ring.",
        lower=1,
    )
    record_every: int = setting(
        _DEFAULT.record_every,
        "D steps between two measurements on the ring.",
        lower=1,
    )
    batch_size: int = setting(_DEFAULT.batch_size, "Ring batch size.", lower=2)
    d_lr: float = setting(
        _DEFAULT.d_learning_rate,
        "D's Adam learning rate on the ring.",
        lower=1e-12,
    )
    seed: int = setting(
        _DEFAULT.seed,
        "Seed of the ring networks and data.",
        lower=0,
        upper=MAX_SEED,
    )


cli.define_flags(VanishingFlags)


def main(argv):
    del argv
    config = VanishingConfig(
        points=FLAGS.points,
        p_min=FLAGS.p_min,
        ring_steps=FLAGS.ring_steps,
        record_every=FLAGS.record_every,
        batch_size=FLAGS.batch_size,
        d_learning_rate=FLAGS.d_lr,
        seed=FLAGS.seed,
    ).validate()
    from keras_gans.diagnostics import vanishing  # heavy: TensorFlow

    results = vanishing.run(config)
    paths = vanishing.write_outputs(FLAGS.outdir, results, config)
    print("G's gradient norm, non-saturating / minimax, at D(G(z)):")
    print(vanishing.format_table(results["tables"]))
    print(f"Outputs in {FLAGS.outdir}: {', '.join(sorted(paths))}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
