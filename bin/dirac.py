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

from absl import flags

from keras_gans import cli, losses
from keras_gans.settings import MAX_SEED
from keras_gans.diagnostics.dirac import DiracConfig

_DEFAULT = DiracConfig()

FLAGS = flags.FLAGS

flags.DEFINE_string("outdir", "runs/dirac", "Output directory.")
flags.DEFINE_enum(
    "loss", _DEFAULT.loss, losses.names(), "Loss; wasserstein is eq. 3."
)
flags.DEFINE_integer(
    "steps", _DEFAULT.steps, "Alternating (D, G) steps.", lower_bound=1
)
flags.DEFINE_float(
    "d_lr", _DEFAULT.d_learning_rate, "D learning rate.", lower_bound=0.0
)
flags.DEFINE_float(
    "g_lr", _DEFAULT.g_learning_rate, "G learning rate.", lower_bound=0.0
)
flags.DEFINE_float("theta0", _DEFAULT.theta0, "Initial fake point theta.")
flags.DEFINE_float("psi0", _DEFAULT.psi0, "Initial weight of the linear D.")
flags.DEFINE_integer(
    "hidden_units", _DEFAULT.hidden_units, "Hidden D width n.", lower_bound=1
)
flags.DEFINE_float(
    "negative_slope",
    _DEFAULT.negative_slope,
    "Leaky-ReLU slope of the hidden D.",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_integer(
    "seed",
    _DEFAULT.seed,
    "Seed of the hidden D's weights.",
    lower_bound=0,
    upper_bound=MAX_SEED,
)
flags.DEFINE_float(
    "clip",
    _DEFAULT.clip,
    "D weights clipped to [-clip, clip] after each D step; 0 turns it off.",
    lower_bound=0.0,
)
flags.DEFINE_integer(
    "old_fake_delay",
    _DEFAULT.old_fake_delay,
    "K: old_fake adds theta from K steps ago to D's fake batch.",
    lower_bound=1,
)
flags.DEFINE_float(
    "linear_r1_weight", 1.0, "R1 gamma, linear D.", lower_bound=0.0
)
flags.DEFINE_float(
    "hidden_r1_weight", 10.0, "R1 gamma, hidden D.", lower_bound=0.0
)
flags.DEFINE_float(
    "momentum",
    _DEFAULT.momentum,
    "SGD momentum of the momentum variant.",
    lower_bound=0.0,
    upper_bound=0.999999,
)
flags.DEFINE_float(
    "bilinear_lr", 0.1, "Step size on f(x, y) = x*y.", lower_bound=0.0
)
flags.DEFINE_integer(
    "bilinear_steps", 200, "Steps on f(x, y) = x*y.", lower_bound=1
)


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
