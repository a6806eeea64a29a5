"""keras-gans-dirac: the Dirac GAN and the bilinear game (paper Sec. IV).

Runs the 1-D Dirac GAN with a linear D and with an n-hidden-unit Leaky-ReLU
D, each with the variants plain, old_fake, r1 and momentum, and gradient
play on f(x, y) = x*y with simultaneous and alternating steps. Writes to
--outdir: theta_linear.png, theta_hidden.png, phase_linear.png, hidden_d.png
(the hidden D at the end, plain vs old_fake, like paper Fig. 8),
bilinear.png and results.json, and prints the final distance to equilibrium
per run. With no flags it takes seconds on CPU. See
keras_gans.diagnostics.dirac for the game and the conventions.
"""

import dataclasses

from absl import flags

from keras_gans import cli, losses
from keras_gans.settings import MAX_SEED, setting
from keras_gans.diagnostics.dirac import DiracConfig

_DEFAULT = DiracConfig()

FLAGS = flags.FLAGS


@dataclasses.dataclass(frozen=True)
class DiracFlags:
    """dirac.py's flags (``cli.define_flags``)."""

    outdir: str = setting("runs/dirac", "Output directory.")
    loss: str = setting(
        _DEFAULT.loss,
        "Loss; wasserstein is eq. 3.",
        choices=lambda: losses.names(),
    )
    steps: int = setting(_DEFAULT.steps, "Alternating (D, G) steps.", lower=1)
    d_lr: float = setting(
        _DEFAULT.d_learning_rate,
        "D learning rate.",
        lower=0.0,
    )
    g_lr: float = setting(
        _DEFAULT.g_learning_rate,
        "G learning rate.",
        lower=0.0,
    )
    theta0: float = setting(_DEFAULT.theta0, "Initial fake point theta.")
    psi0: float = setting(_DEFAULT.psi0, "Initial weight of the linear D.")
    hidden_units: int = setting(
        _DEFAULT.hidden_units,
        "Hidden D width n.",
        lower=1,
    )
    negative_slope: float = setting(
        _DEFAULT.negative_slope,
        "Leaky-ReLU slope of the hidden D.",
        lower=0.0,
        upper=0.999999,
    )
    seed: int = setting(
        _DEFAULT.seed,
        "Seed of the hidden D's weights.",
        lower=0,
        upper=MAX_SEED,
    )
    clip: float = setting(
        _DEFAULT.clip,
        "D weights clipped to [-clip, clip] after each D step; 0 turns it off.",
        lower=0.0,
    )
    old_fake_delay: int = setting(
        _DEFAULT.old_fake_delay,
        "K: old_fake adds theta from K steps ago to D's fake batch.",
        lower=1,
    )
    linear_r1_weight: float = setting(1.0, "R1 gamma, linear D.", lower=0.0)
    hidden_r1_weight: float = setting(10.0, "R1 gamma, hidden D.", lower=0.0)
    momentum: float = setting(
        _DEFAULT.momentum,
        "SGD momentum of the momentum variant.",
        lower=0.0,
        upper=0.999999,
    )
    bilinear_lr: float = setting(0.1, "Step size on f(x, y) = x*y.", lower=0.0)
    bilinear_steps: int = setting(200, "Steps on f(x, y) = x*y.", lower=1)


cli.define_flags(DiracFlags)


def config_from_flags() -> DiracConfig:
    """The shared Dirac settings; a bad value is a usage error."""
    config = DiracConfig(
        loss=FLAGS.loss,
        steps=FLAGS.steps,
        d_learning_rate=FLAGS.d_lr,
        g_learning_rate=FLAGS.g_lr,
        theta0=FLAGS.theta0,
        psi0=FLAGS.psi0,
        hidden_units=FLAGS.hidden_units,
        negative_slope=FLAGS.negative_slope,
        seed=FLAGS.seed,
        clip=FLAGS.clip or None,
        old_fake_delay=FLAGS.old_fake_delay,
        momentum=FLAGS.momentum,
    )
    return config.validate()


def main(argv):
    del argv
    base = config_from_flags()
    from keras_gans.diagnostics import bilinear as bilinear_lib  # TF
    from keras_gans.diagnostics import dirac

    results = dirac.run_suite(
        dirac.default_suite(
            base,
            linear_r1_weight=FLAGS.linear_r1_weight,
            hidden_r1_weight=FLAGS.hidden_r1_weight,
        )
    )
    bilinear = [
        bilinear_lib.bilinear_game(
            mode, FLAGS.bilinear_lr, FLAGS.bilinear_steps
        )
        for mode in bilinear_lib.BILINEAR_MODES
    ]
    paths = dirac.write_outputs(FLAGS.outdir, results, bilinear)
    print(f"Dirac GAN, {base.steps} steps, theta0={base.theta0:g}:")
    print(dirac.format_table(results))
    for b in bilinear:
        s = b.summary()
        print(
            f"x*y {s['mode']:<12} lr={s['learning_rate']:g}: norm "
            f"{s['initial_norm']:.3f} -> {s['final_norm']:.3f} "
            f"(max {s['max_norm']:.3f}) after {s['steps']} steps"
        )
    print(f"Outputs in {FLAGS.outdir}: {', '.join(sorted(paths))}.")


def run():
    """Console-script entry point."""
    cli.main(main)


if __name__ == "__main__":
    run()
