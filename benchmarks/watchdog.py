"""Rescue benchmark of the collapse watchdog (keras-gans-train --watchdog).

--action picks what a rollback changes: lower_lr (both learning rates
halved, the watchdog's default) or escalate (the next remedy of
--watchdog_ladder, the config's default zero_gp:1, then zero_gp:10, the
learning rates kept); records from before --action are lower_lr.

The failing toy baselines of benchmarks/MODE_COVERAGE.md (ring GAN-NS + SGD
lr 3e-3; grid GAN-NS + Adam), each seed trained with and without the
watchdog (checks every 1000 steps with 1000 samples; lr factor 0.5; 3
retries) under a toy collapse rule (--toy_rule, keras_gans.run_callbacks):
"reverse_kl" (the default: the nearest-mode histogram's reverse KL rising
more than 0.25 nats above the run's best healthy check) or "modes" (more
than 10% of the modes lost). The table gives final
modes / HQ / reverse KL (PacGAN protocol, 2500 samples, mean ± s.e. over
seeds), how many seeds end collapsed (fewer than 80% of the modes: ring
< 7, grid < 20), how many of the seeds that end collapsed without it end healthy
with it ("rescued"), mean rollbacks, and wall time. Each finished run is
appended to --results (JSON lines) and skipped when there, so an
interrupted benchmark resumes; --table_only reprints the table.

  python benchmarks/watchdog.py --seeds=3
  python benchmarks/watchdog.py --seeds=5 --baselines=grid_ns_adam \
      --action=escalate
  python benchmarks/watchdog.py --table_only
"""

import platform

from absl import flags, logging

from keras_gans import cli, json_io
from keras_gans.experiments import presets

import jsonl_runs
import seed_stats

FLAGS = flags.FLAGS

# name -> (data set, description, the benchmarks/mode_coverage.py preset
# whose set-up it runs).
BASELINES = {
    "ring_ns_sgd": (
        "ring",
        "ring GAN-NS + SGD lr 3e-3",
        "mode_coverage/ns_sgd",
    ),
    "grid_ns_adam": ("grid", "grid GAN-NS + Adam", "mode_coverage/ns_adam"),
    # benchmarks/remedies.py's DCGAN-NS on stacked digits (2-10 of 1000
    # modes at 5000 steps there); checked every 500 steps.
    "stacked_dcgan": (
        "stacked_digits",
        "stacked digits DCGAN-NS",
        "remedies/stacked_dcgan",
    ),
}

flags.DEFINE_list("baselines", list(BASELINES), "Subset of the baselines.")
flags.DEFINE_integer("seeds", 3, "Seeds per cell (0..seeds-1).", lower_bound=1)
flags.DEFINE_integer(
    "steps", 20000, "Generator steps per run.", lower_bound=1000
)
flags.DEFINE_string(
    "results", "benchmarks/watchdog_results.jsonl", "JSON-lines results."
)
flags.DEFINE_enum(
    "toy_rule",
    "hq_modes",
    ["hq_modes", "reverse_kl", "modes"],
    "The watchdog's toy collapse rule (keras_gans.run_callbacks.TOY_RULE).",
)
flags.DEFINE_enum(
    "action",
    "lower_lr",
    ["lower_lr", "escalate"],
    "What a rollback changes (keras-gans-train --watchdog_action).",
)
flags.DEFINE_integer(
    "image_steps", 5000, "Generator steps per stacked-digits run.",
    lower_bound=1000,
)
flags.DEFINE_list(
    "ladder",
    [],
    "With --action=escalate: the ladder (PENALTY:WEIGHT entries); empty: "
    "the run's default (run_callbacks.watchdog_ladder: zero_gp:1,zero_gp:10 "
    "on these toy baselines, zero_gp:10,zero_gp:100 on stacked digits).",
)
flags.DEFINE_bool("table_only", False, "Only print the table of --results.")


def config_for(baseline, seed, steps, watchdog, action="lower_lr",
               ladder=()):
    dataset, _, preset = BASELINES[baseline]
    stacked = dataset == "stacked_digits"
    every = 500 if stacked else 1000
    escalate = {"steps_per_execution": 50} if stacked else {}
    if watchdog:
        escalate["watchdog_action"] = action
        if action == "escalate" and ladder:
            escalate["watchdog_ladder"] = tuple(ladder)
    return presets.preset(
        preset,
        dataset=dataset,
        seed=seed,
        steps=steps,
        log_every=every,
        eval_every=steps,
        watchdog=watchdog,
        watchdog_lr_factor=0.5,
        watchdog_max_retries=3,
        **escalate,
    )


# A run "ends collapsed" when it covers fewer than 80% of the modes.
_MIN_MODES = {"ring": 7, "grid": 20, "stacked_digits": 800}


def _collapsed(record):
    dataset = BASELINES[record["baseline"]][0]
    return record["diverged"] or record["modes"] < _MIN_MODES[dataset]


def _rule(r):
    """The cell of a record: "-" without the watchdog, else its rule and
    action ("modes" before --toy_rule, "lower_lr" before --action)."""
    if not r["watchdog"]:
        return "-"
    return f"{r.get('rule', 'modes')}/{r.get('action', 'lower_lr')}"


def table(records):
    cells = {}
    for r in records:
        key = (r["baseline"], r["steps"], _rule(r))
        cells.setdefault(key, []).append(r)
    header = (
        f"{'baseline':<27} {'watchdog':<19} {'steps':>6} {'n':>2} "
        f"{'modes':>13} {'HQ %':>13} {'(reverse) KL':>15} {'collapsed':>9} "
        f"{'rescued':>7} {'rollbacks':>9} {'time s':>7}"
    )
    lines = [header]
    for (baseline, steps, rule), rs in sorted(cells.items()):
        m, ms = seed_stats.mean_se([r["modes"] for r in rs])
        h, hs = seed_stats.mean_se([100 * r["high_quality"] for r in rs])
        # Stacked digits: the mode histogram's KL to uniform (no HQ).
        stacked = BASELINES[baseline][0] == "stacked_digits"
        k, ks = seed_stats.mean_se(
            [r["kl"] if stacked else r["reverse_kl"] for r in rs]
        )
        t, _ = seed_stats.mean_se([r["wall_time_s"] for r in rs])
        rollbacks, _ = seed_stats.mean_se([r["rollbacks"] for r in rs])
        collapsed = sum(_collapsed(r) for r in rs)
        rescued = "-"
        if rule != "-":
            without = {
                r["seed"]: _collapsed(r)
                for r in cells.get((baseline, steps, "-"), [])
            }
            failing = [r for r in rs if without.get(r["seed"])]
            rescued = (
                f"{sum(not _collapsed(r) for r in failing)}/{len(failing)}"
            )
        lines.append(
            f"{BASELINES[baseline][1]:<27} "
            f"{rule if rule != '-' else 'off':<19} "
            f"{steps:>6} {len(rs):>2} {m:6.2f} ± {ms:4.2f} "
            f"{h:6.1f} ± {hs:4.1f} {k:7.4f} ± {ks:5.4f} "
            f"{collapsed:>5}/{len(rs):<3} {rescued:>7} {rollbacks:9.2f} "
            f"{t:7.1f}"
        )
    return "\n".join(lines)


def _steps(baseline):
    stacked = BASELINES[baseline][0] == "stacked_digits"
    return FLAGS.image_steps if stacked else FLAGS.steps


def _rule_of(baseline):
    """The collapse rule's name: --toy_rule, or the stacked digits' one
    (the mode histogram's KL, keras_gans.run_callbacks)."""
    stacked = BASELINES[baseline][0] == "stacked_digits"
    return "kl" if stacked else FLAGS.toy_rule


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    jsonl_runs.check_names("baselines", FLAGS.baselines, BASELINES)
    if not FLAGS.table_only:
        from keras_gans import run_callbacks

        run_callbacks.TOY_RULE = FLAGS.toy_rule

        def record(key, result, seconds):
            final = result["final"]
            watchdog = key["rule"] != "-"
            return {
                "baseline": key["baseline"],
                "seed": key["seed"],
                "steps": key["steps"],
                "watchdog": watchdog,
                "rule": key["rule"],
                "action": key["action"],
                "modes": final.get("modes", 0),
                "high_quality": final.get("high_quality", 0.0),
                "reverse_kl": final.get("reverse_kl", float("nan")),
                "kl": final.get("kl"),
                "ladder": list(FLAGS.ladder),
                "diverged": bool(final.get("diverged")),
                "rollbacks": sum(
                    e["event"] == "rollback" for e in result["watchdog_events"]
                ),
                "events": result["watchdog_events"],
                "wall_time_s": result["wall_time_s"],
                "total_s": seconds,
                "machine": platform.node(),
            }

        jobs = [
            (
                dict(baseline=baseline, seed=seed, steps=_steps(baseline),
                     rule=_rule_of(baseline) if watchdog else "-",
                     action=FLAGS.action if watchdog else "-"),
                config_for(
                    baseline, seed, _steps(baseline), watchdog,
                    FLAGS.action, FLAGS.ladder,
                ),
            )
            for baseline in FLAGS.baselines
            for seed in range(FLAGS.seeds)
            for watchdog in (False, True)
        ]
        jsonl_runs.run_missing(
            jobs,
            FLAGS.results,
            lambda r: f"{r['baseline']} seed {r['seed']} watchdog "
            f"{_rule(r)}: {r['modes']} modes, HQ "
            f"{r['high_quality']:.3f}, {r['rollbacks']} rollbacks",
            record=record,
            # Lines from before --toy_rule used the "modes" rule, from
            # before --action lower_lr.
            key_of=lambda r: (
                r["baseline"], r["seed"], r["steps"],
                r.get("rule", "modes") if r["watchdog"] else "-",
                r.get("action", "lower_lr") if r["watchdog"] else "-",
            ),
        )
    print(table(json_io.read_json_lines(FLAGS.results)))


if __name__ == "__main__":
    cli.main(main)
