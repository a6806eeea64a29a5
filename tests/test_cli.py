"""keras_gans.cli: --quick values, finite float flags, help exit codes."""

import math
import sys
from unittest import mock

import pytest
from absl import flags

from keras_gans import cli


def _flag_values(argv):
    values = flags.FlagValues()
    flags.DEFINE_integer("steps", 5000, "", flag_values=values)
    flags.DEFINE_integer("every", 500, "", flag_values=values)
    flags.DEFINE_bool("quick", False, "", flag_values=values)
    flags.DEFINE_float("lr", 0.1, "", lower_bound=0.0, flag_values=values)
    flags.DEFINE_float("theta", 1.0, "", flag_values=values)
    values(["prog", *argv])
    return values


def test_explicit_flags_win_over_quick():
    """settings_from_flags: with --quick each field of the class's QUICK
    takes its quick value unless its flag was given; the rules
    (validate) see the values the run will use."""
    import dataclasses
    from typing import ClassVar, Tuple

    from keras_gans.settings import ConfigError, setting

    @dataclasses.dataclass(frozen=True)
    class Quick:
        steps: int = setting(5000, "Steps.", lower=1)
        every: int = setting(500, "Every.", lower=1)
        shown: Tuple[int, ...] = setting((4000,), "Shown.")
        quick: bool = setting(False, "Quick.")

        QUICK: ClassVar[dict] = {"steps": 2000, "every": 250, "shown": (1,)}

        def validate(self):
            if self.steps % self.every:
                raise ConfigError("every", f"must divide --steps "
                                  f"({self.steps}), got {self.every}.")

    def resolved(*argv):
        values = flags.FlagValues()
        cli.define_flags(Quick, values)
        values(["prog", *argv])
        parsed = cli.settings_from_flags(Quick, values)
        return parsed.steps, parsed.every, parsed.shown

    assert resolved() == (5000, 500, (4000,))
    assert resolved("--quick") == (2000, 250, (1,))
    assert resolved("--quick", "--steps=100", "--every=50") == (100, 50, (1,))
    assert resolved("--quick", "--every=1000", "--shown=3") == (
        2000, 1000, (3,)
    )
    with pytest.raises(cli.Failure, match=r"--every: must divide --steps "
                       r"\(2000\), got 3000"):
        resolved("--quick", "--every=3000")
    assert resolved("--every=2500") == (5000, 2500, (4000,))


def test_default_workdir_is_runs_name_with_quick_suffix_unless_given():
    import dataclasses
    from typing import Optional

    @dataclasses.dataclass(frozen=True)
    class Run:
        workdir: Optional[str] = None
        quick: bool = False

    assert cli.default_workdir(Run(), "fig1").workdir == "runs/fig1"
    assert cli.default_workdir(Run(quick=True), "fig1").workdir == (
        "runs/fig1_quick"
    )
    assert cli.default_workdir(Run("mine", True), "fig1").workdir == "mine"


@pytest.mark.parametrize(
    "argv,message",
    [
        (["--theta=inf"], r"--theta=inf: must be a finite number \(see"),
        (["--theta=-inf"], "--theta=-inf: must be a finite number"),
        (["--lr=nan"], "--lr=nan: must be a finite number >= 0"),
    ],
)
def test_non_finite_float_flags_are_refused_by_name(argv, message):
    values = _flag_values(argv)
    with pytest.raises(cli.Failure, match=message) as info:
        cli.check_finite_floats(values)
    assert info.value.exit_code == cli.EXIT_BAD_INPUT
    cli.check_finite_floats(_flag_values(["--theta=-1e300", "--lr=0"]))
    assert math.isfinite(_flag_values([]).lr)


def test_help_flags_exit_zero(capsys):
    """--help and --helpshort are not bad input: exit 0 (absl exits 1)."""
    from absl import app
    from absl.testing import flagsaver

    defined_here = "helpshort" not in flags.FLAGS
    if defined_here:  # absl defines them on its first app.run only
        app._define_help_flags_called = False
        app.define_help_flags()
    try:
        for argv in (["--helpshort"], ["--help"]):
            with flagsaver.flagsaver():
                flags.FLAGS.unparse_flags()
                with mock.patch.object(sys, "argv", ["prog", *argv]):
                    with pytest.raises(SystemExit) as info:
                        cli.main(lambda argv: None)
            assert info.value.code == 0, argv
            assert "Try --helpfull" in capsys.readouterr().out
    finally:
        if defined_here:  # as found, for other tests that define them
            for name in ("help", "?", "helpshort", "helpfull", "helpxml",
                         "only_check_flags"):
                if name in flags.FLAGS:
                    delattr(flags.FLAGS, name)
            app._define_help_flags_called = False


def test_cli_main_reports_a_damaged_file_in_one_line_exit_4(
    tmp_path, capsys
):
    from absl.testing import flagsaver

    from keras_gans import json_io

    path = tmp_path / "progress.json"
    path.write_text("{oops")
    with flagsaver.flagsaver():
        flags.FLAGS.unparse_flags()
        with mock.patch.object(sys, "argv", ["keras-gans-x"]):
            with pytest.raises(SystemExit) as info:
                cli.main(lambda argv: json_io.read_json(path))
    assert info.value.code == cli.EXIT_IO
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("keras-gans-x: error: ")
    assert f"{path} is damaged (line 1, column 2" in err[0]


def _declared():
    import dataclasses
    from typing import Optional, Tuple

    from keras_gans.settings import setting

    @dataclasses.dataclass(frozen=True)
    class Declared:
        steps: int = setting(10, "Steps.", lower=1)
        rate: float = setting(0.5, "A rate.", lower=0.0, upper=1.0)
        mode: str = setting("a", "A mode.", choices=("a", "b"))
        names: Tuple[str, ...] = setting(("x",), "Names.", choices=("x", "y"))
        sizes: Tuple[int, ...] = setting((8, 8), "Sizes.")
        out: Optional[str] = setting(None, "Output.", required=True)
        quick: bool = setting(False, "Quick.")

        def validate(self):
            if self.quick and self.steps > 100:
                from keras_gans.settings import ConfigError

                raise ConfigError("steps", "--quick takes at most 100 steps.")
            return self

    return Declared


def test_a_binary_declares_each_flag_once_in_a_settings_class():
    """define_flags: one absl flag per setting (default, bounds, choices,
    lists, required), owned by the caller's module; settings_from_flags
    builds the class back, checking declarations and validate()."""
    declared = _declared()
    values = flags.FlagValues()
    cli.define_flags(declared, values)
    owned = values.flags_by_module_dict()[__name__]
    assert {f.name for f in owned} == {
        "steps", "rate", "mode", "names", "sizes", "out", "quick"
    }
    with pytest.raises(flags.IllegalFlagValueError):
        values(["prog", "--out=o", "--rate=2"])
    with pytest.raises(flags.IllegalFlagValueError):
        values(["prog", "--out=o", "--mode=c"])
    values.unparse_flags()
    with pytest.raises(flags.IllegalFlagValueError, match="--out"):
        values(["prog"])  # required
    values.unparse_flags()
    values(["prog", "--out=o", "--names=y,x", "--sizes=4,2"])
    parsed = cli.settings_from_flags(declared, values)
    assert parsed == declared(
        steps=10, rate=0.5, mode="a", names=("y", "x"), sizes=(4, 2),
        out="o", quick=False,
    )
    values.unparse_flags()
    values(["prog", "--out=o", "--names=x,z"])
    with pytest.raises(cli.Failure, match=r"--names: .*unknown \['z'\]"):
        cli.settings_from_flags(declared, values)
    values.unparse_flags()
    values(["prog", "--out=o", "--sizes=4,b"])
    with pytest.raises(
        cli.Failure, match="--sizes must be comma-separated integers"
    ):
        cli.settings_from_flags(declared, values)
    values.unparse_flags()
    values(["prog", "--out=o", "--quick", "--steps=500"])
    with pytest.raises(cli.Failure, match="--steps: --quick takes"):
        cli.settings_from_flags(declared, values)


def test_no_binary_hand_writes_a_flag():
    """Every file of bin/ declares its flags as settings (a dataclass and
    cli.define_flags) or takes TrainConfig's (cli.define_config_flags):
    no absl DEFINE call of its own."""
    import ast
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "bin"
    for path in sorted(root.glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        defines = [
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr.startswith("DEFINE")
        ]
        assert not defines, (path.name, defines)
        called = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
        }
        assert called & {"define_flags", "define_config_flags"}, path.name


def test_train_list_flags_keep_their_item_type():
    """keras-gans-train's list settings: --hidden_units integers (a
    non-integer named), --watchdog_ladder strings (PENALTY:WEIGHT)."""
    values = flags.FlagValues()
    cli.define_config_flags(values)
    values([
        "prog", "--watchdog", "--watchdog_action=escalate",
        "--watchdog_ladder=zero_gp:1,r1:10", "--hidden_units=8,4",
    ])
    config = cli.config_from_flags(values)
    assert config.watchdog_ladder == ("zero_gp:1", "r1:10")
    assert config.hidden_units == (8, 4)
    values.unparse_flags()
    values(["prog", "--hidden_units=8,x"])
    with pytest.raises(
        cli.Failure, match="--hidden_units must be comma-separated integers"
    ):
        cli.config_from_flags(values)

