"""Test set-up: two logical CPU devices, so MirroredStrategy can be tested."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)


@pytest.fixture(scope="session")
def mirrored_strategy():
    """The process's one two-CPU MirroredStrategy (helpers/strategy.py)."""
    from helpers.strategy import two_cpus

    return two_cpus()


# Parametrized cases and tests that each take several seconds on 2 cores,
# in the slow tier (the full suite runs them; ``pytest -m "not slow"``
# skips them). Each family keeps a cheaper case in the fast tier.
SLOW = {
    "test_augment.py::test_xla_equals_eager[ada_all]",
    "test_dirac.py::test_hidden_plain_monotonic_d_keeps_g_oscillating",
    "test_distribute.py::test_unrolled_mirrored_and_xla_equal_single_device",
    "test_distribute.py::test_online_ewc_mirrored_and_xla_equal_single_device"
    "[True]",
    "test_distribute.py::test_mirrored_equals_single_device[zero_gp-2]",
    "test_distribute.py::test_mirrored_equals_single_device[dragan-1]",
    "test_distribute.py::test_mirrored_equals_single_device[wgan_gp-1]",
    "test_distribute.py::test_mirrored_lazy_penalty_equals_single_device"
    "[zero_gp]",
    "test_distribute.py::test_xla_equals_no_xla[dragan-shape4-minimax]",
    "test_ewc.py::test_ewc_pulls_weights_toward_the_anchor",
    "test_export.py::test_saved_model_loads_without_keras_gans",
    "test_gan.py::test_fused_xla_loop_equals_keras_loop[12]",
    "test_gan.py::test_unrolled_through_adam_matches_analytic[True-2-True]",
    "test_gan.py::test_unrolled_through_adam_matches_analytic[True-1-True]",
    "test_metrics.py::test_stacked_digits_metrics",
    "test_mixed_precision.py::test_mixed_precision_fit_is_finite"
    "[mixed_float16-zero_gp-True]",
    "test_mixed_precision.py::test_mixed_precision_fit_is_finite"
    "[mixed_bfloat16-r1-True]",
    "test_replay.py::test_on_changes_training[True]",
    "test_run_safety.py::test_diverged_run_keeps_last_good_checkpoint_and_"
    "exports_nothing",
    "test_run_safety.py::test_export_dir_is_rewritten_on_rerun",
    "test_sample.py::test_checkpoint_export_and_best_give_the_same_generator",
    "test_train_lib.py::test_divergence_is_reported_not_checkpointed",
    "test_watchdog.py::test_resume_in_the_middle_of_a_retry_equals_the_"
    "uninterrupted_run",
    "test_watchdog.py::test_forced_collapse_is_rolled_back_and_recovers",
}
SLOW |= {
    f"test_train_lib.py::test_image_runs_with_every_loss_penalty_and_"
    f"callback[{case}]"
    for case in ("minimax-r1", "wgan-gp", "hinge-ewc", "unrolled-lipschitz",
                 "xla")
}


def pytest_collection_modifyitems(config, items):
    found = set()
    for item in items:
        name = item.nodeid.split("/")[-1]
        if name in SLOW:
            item.add_marker(pytest.mark.slow)
            found.add(name)
    # A renamed test must not drop out of the slow list unnoticed.
    full_run = not config.getoption("keyword") and not config.args[1:]
    missing = SLOW - found
    if full_run and missing and all(a.rstrip("/").endswith("tests")
                                    for a in config.args):
        raise pytest.UsageError(
            f"conftest.SLOW names tests that do not exist: {sorted(missing)}"
        )
