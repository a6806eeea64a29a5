"""Dirac GAN: analytic oracles and the paper's claims."""

import dataclasses
import functools
import json

import numpy as np
import pytest

from keras_gans import networks
from keras_gans.diagnostics import bilinear as bilinear_lib
from keras_gans.diagnostics import dirac

_LINEAR = dirac.DiracConfig(discriminator="linear", clip=None)
# The hidden-D settings of the suite: n=4, lr 0.05, clip 1, 1000 steps. Its
# claims are checked as rates over SEEDS (the D's initial weights), with
# thresholds set below the rates measured over seeds 0-19 (see each test).
_HIDDEN = dirac.DiracConfig(discriminator="hidden")
SEEDS = range(10)


def _count(flags):
    return sum(bool(f) for f in flags)


def _linear_oracle(config, steps):
    """Alternating SGD(+momentum) on L_D = psi*mean(fakes) + gamma*psi^2."""
    psi, theta, v_psi, v_theta = config.psi0, config.theta0, 0.0, 0.0
    mu = config.momentum if config.variant == "momentum" else 0.0
    gamma = config.r1_weight if config.variant == "r1" else 0.0
    thetas = [theta]
    for t in range(steps):
        fakes = [theta]
        if config.variant == "old_fake":
            fakes.append(thetas[max(t - config.old_fake_delay, 0)])
        v_psi = mu * v_psi + np.mean(fakes) + 2.0 * gamma * psi
        psi -= config.d_learning_rate * v_psi
        v_theta = mu * v_theta - psi  # dL_G/dtheta = -psi'
        theta -= config.g_learning_rate * v_theta
        thetas.append(theta)
    return psi, theta


def test_linear_one_step_is_the_analytic_vector_field():
    config = dataclasses.replace(
        _LINEAR,
        psi0=0.3,
        theta0=0.7,
        steps=1,
        d_learning_rate=0.1,
        g_learning_rate=0.1,
    )
    result = dirac.run_dirac(config)
    psi1 = 0.3 - 0.1 * 0.7  # psi' = psi - lr * theta
    theta1 = 0.7 + 0.1 * psi1  # theta' = theta + lr * psi'
    assert result.psi[1] == pytest.approx(psi1, abs=1e-7)
    assert result.theta[1] == pytest.approx(theta1, abs=1e-7)
    assert result.psi[0] == pytest.approx(0.3) and result.theta[0] == 0.7


@pytest.mark.parametrize(
    "variant,extra",
    [
        ("plain", {}),
        ("r1", {"r1_weight": 2.0}),  # psi' = psi - lr (theta + 2 gamma psi)
        ("momentum", {"momentum": 0.7}),
        ("old_fake", {"old_fake_delay": 3}),
    ],
)
def test_linear_trajectory_matches_numpy_oracle(variant, extra):
    config = dataclasses.replace(
        _LINEAR,
        variant=variant,
        psi0=-0.2,
        theta0=0.9,
        steps=40,
        d_learning_rate=0.1,
        g_learning_rate=0.07,
        **extra,
    )
    result = dirac.run_dirac(config)
    psi, theta = _linear_oracle(config, 40)
    assert result.psi[-1] == pytest.approx(psi, abs=1e-5)
    assert result.theta[-1] == pytest.approx(theta, abs=1e-5)


def test_linear_plain_oscillates_and_does_not_converge():
    result = dirac.run_dirac(dataclasses.replace(_LINEAR, steps=1000))
    h = _LINEAR.d_learning_rate
    # Alternating steps conserve psi^2 + theta^2 - h psi theta exactly.
    energy = result.psi**2 + result.theta**2 - h * result.psi * result.theta
    np.testing.assert_allclose(energy, energy[0], rtol=1e-4)
    assert result.tail_max() > 0.9 * abs(_LINEAR.theta0)
    assert np.hypot(result.theta[-1], result.psi[-1]) > 0.9
    assert result.sign_changes() >= 10


def test_linear_r1_converges():
    result = dirac.run_dirac(
        dataclasses.replace(_LINEAR, variant="r1", r1_weight=1.0)
    )
    assert result.final_distance < 1e-4 and result.final_psi < 1e-4


def _becomes_monotonic(theta0, seed):
    """Prop. 1 / Fig. 8f on one seed: D trained alone on the fake theta0."""
    config = dataclasses.replace(
        _HIDDEN,
        theta0=theta0,
        seed=seed,
        g_learning_rate=0.0,
        steps=300,
        d_learning_rate=0.1,
        hidden_units=2,
    )
    result = dirac.run_dirac(config)
    assert np.all(result.theta == theta0)  # G frozen: not part of the rate
    shape = dirac.monotonicity(result.discriminator, radius=2.0)
    # Its margin D(0) - D(theta) is positive, at most Prop. 1's optimum.
    best = dirac.optimal_hidden_weights(theta0, 2)
    optimum = -dirac.discriminator_output(best, [theta0])[0]
    margin = -result.discriminator(np.array([theta0]))[0]
    return (
        shape.monotonic
        and shape.argmax_at_boundary
        and shape.direction == -np.sign(theta0)  # falls towards the fake
        and shape.argmax == pytest.approx(-2.0 * np.sign(theta0))
        and 0.0 < margin <= optimum + 1e-6
    )


@pytest.mark.parametrize("theta0", [1.0, -0.5])
def test_hidden_d_on_current_fake_becomes_monotonic(theta0):
    """Prop. 1 / Fig. 8f: D trained alone on one fake becomes monotonic,
    falling towards the fake. Measured: 20 of 20 seeds for each theta0."""
    best = dirac.optimal_hidden_weights(theta0, 2)
    assert dirac.monotonicity(
        lambda x: dirac.discriminator_output(best, x)
    ).monotonic
    assert _count(_becomes_monotonic(theta0, s) for s in SEEDS) >= 9


@functools.lru_cache(maxsize=None)
def _hidden(seed, variant="plain"):
    """One run of the suite's hidden-D settings (shared by the tests)."""
    extra = {"r1_weight": 10.0} if variant == "r1" else {}
    return dirac.run_dirac(
        dataclasses.replace(_HIDDEN, seed=seed, variant=variant, **extra)
    )


def _converges(result):
    """max |theta| over the last 20 % < 0.1 and |theta_T| < 0.05."""
    return result.tail_max() < 0.1 and result.final_distance < 0.05


def test_hidden_plain_monotonic_d_keeps_g_oscillating():
    """Fig. 8a-e: a D that stays monotonic drives G round and round.

    At these settings plain training is seed-dependent. Measured over seeds
    0-19: D stayed monotonic (every 50 steps) on 3 seeds (0, 7, 16), and on
    each of them G oscillated (max |theta| over the last 20 % > 0.5) with D
    flipping side; theta converged (< 0.1) on 15 seeds, each with a D that
    was not monotonic at some point. The test checks both implications on
    every seed and that the monotonic case occurs (2 of seeds 0-9)."""
    monotonic_seeds = 0
    for seed in SEEDS:
        result = _hidden(seed)
        shapes = [
            dirac.monotonicity(lambda x, s=s: result.discriminator(x, s))
            for s in range(0, _HIDDEN.steps + 1, 50)
        ]
        monotonic = all(s.monotonic and s.argmax_at_boundary for s in shapes)
        if monotonic:
            monotonic_seeds += 1
            assert result.tail_max() > 0.5, seed
            assert {s.argmax for s in shapes} == {-2.0, 2.0}, seed  # flips
        if result.tail_max() < 0.1:
            assert not monotonic, seed
    assert monotonic_seeds >= 1


def test_hidden_r1_converges_more_often_than_plain():
    """R1 (gamma 10) against plain, seed by seed. Converged runs, measured
    over seeds 0-19: plain 15, R1 17; over seeds 0-9: plain 6, R1 8 (R1
    with weight 0, i.e. plain, fails the first check)."""
    plain = [_converges(_hidden(seed)) for seed in SEEDS]
    r1 = [_converges(_hidden(seed, "r1")) for seed in SEEDS]
    assert _count(r1) >= 7 and _count(r1) >= _count(plain)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="not supported at these settings: the old fake (K 10) cures 1 "
    "of the 4 seeds in 0-9 where plain fails (seed 7; 2 of 5 in 0-19) and "
    "converges on 5 seeds of 0-9 to plain's 6; K 1, 3, 30, 100 cure none",
)
def test_hidden_old_fake_cures_plain_failures():
    """Fig. 8g-j's claim as a rate: an old fake in D's batch makes G
    converge on most seeds where plain training does not. It is a strict
    xfail: if a change makes the claim hold, this test says so."""
    failing = [seed for seed in SEEDS if not _converges(_hidden(seed))]
    cured = [seed for seed in failing if _converges(_hidden(seed, "old_fake"))]
    assert failing and len(cured) >= 0.75 * len(failing)


def test_monotonicity_on_known_functions():
    peak = dirac.monotonicity(lambda x: -np.abs(x), radius=3.0)
    assert not peak.monotonic and peak.direction == 0
    assert peak.argmax == 0.0 and not peak.argmax_at_boundary
    line = dirac.monotonicity(lambda x: 2.0 * x, radius=3.0)
    assert line.monotonic and line.direction == 1 and line.argmax == 3.0
    down = dirac.monotonicity(lambda x: -np.maximum(x, 0.2 * x))
    assert down.monotonic and down.direction == -1 and down.argmax == -2.0
    flat = dirac.monotonicity(np.zeros_like)
    assert flat.monotonic and flat.direction == 0


def test_discriminators_match_the_keras_builders():
    x = np.linspace(-2, 2, 9, dtype=np.float32)
    config = dataclasses.replace(_HIDDEN, hidden_units=3, seed=5)
    weights = dirac.initial_weights(config)
    model = networks.dirac_hidden(3, negative_slope=config.negative_slope)
    model.set_weights(weights)
    np.testing.assert_allclose(
        dirac.discriminator_output(weights, x, config.negative_slope),
        model(x[:, None]).numpy()[:, 0],
        rtol=1e-6,
    )
    linear = networks.dirac_linear(psi=0.4)
    np.testing.assert_allclose(
        dirac.discriminator_output([np.full((1, 1), 0.4)], x),
        linear(x[:, None]).numpy()[:, 0],
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "field,value",
    [
        ("discriminator", "cubic"),
        ("variant", "replay"),
        ("loss", "hinged"),
        ("steps", 0),
        ("clip", 0.0),
        ("old_fake_delay", 0),
        ("momentum", 1.0),
    ],
)
def test_invalid_config_raises(field, value):
    with pytest.raises(ValueError, match=field):
        dirac.run_dirac(dataclasses.replace(_LINEAR, **{field: value}))


def test_write_outputs(tmp_path):
    base = dataclasses.replace(_HIDDEN, steps=20)
    results = dirac.run_suite(dirac.default_suite(base))
    bilinear = [
        bilinear_lib.bilinear_game(m, 0.1, 20)
        for m in bilinear_lib.BILINEAR_MODES
    ]
    paths = dirac.write_outputs(str(tmp_path), results, bilinear)
    for name in (
        "theta_linear",
        "theta_hidden",
        "phase_linear",
        "hidden_d",
        "bilinear",
    ):
        with open(paths[name], "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(paths["results"]) as f:
        saved = json.load(f)
    assert len(saved["dirac"]) == len(dirac.DISCRIMINATORS) * len(
        dirac.VARIANTS
    )
    assert saved["dirac"][0]["final_abs_theta"] == results[0].final_distance
    table = dirac.format_table(results)
    assert table.count("\n") == len(results) + 1 and "old_fake" in table


def test_binary_writes_plots_and_table(tmp_path, capsys):
    import json

    from helpers.binaries import run_binary

    code, out, err = run_binary(
        "dirac.py", f"--outdir={tmp_path}", capture=capsys
    )
    assert code == 0, err[-2000:]
    assert "simultaneous" in out
    for name in (
        "theta_linear.png",
        "theta_hidden.png",
        "hidden_d.png",
        "bilinear.png",
        "results.json",
    ):
        assert (tmp_path / name).is_file(), name
    results = json.loads((tmp_path / "results.json").read_text())
    final = {
        (r["config"]["discriminator"], r["config"]["variant"]): r[
            "final_abs_theta"
        ]
        for r in results["dirac"]
    }
    assert final[("linear", "r1")] < 1e-3
    assert final[("linear", "plain")] > 0.5
    assert final[("hidden", "old_fake")] < 0.1
    assert final[("hidden", "plain")] > 0.3


def test_many_games_in_a_row_print_no_retracing_warning(caplog):
    """Each game structure traces once and a run is one call, so several
    variants in a row (as the binary runs them) trip TensorFlow's
    frequent-retracing heuristic; run_dirac keeps that warning out."""
    import logging

    with caplog.at_level(logging.WARNING):
        for variant in ("plain", "old_fake", "r1", "momentum"):
            for discriminator in ("linear", "hidden"):
                dirac.run_dirac(
                    dataclasses.replace(
                        _HIDDEN, variant=variant, steps=5,
                        discriminator=discriminator, hidden_units=3,
                    )
                )
    assert not [r for r in caplog.records if "retracing" in r.getMessage()]
