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
    def resolved(*argv):
        values = _flag_values(argv)
        return cli.quick_values(
            values.quick, values, steps=2000, every=250
        )

    assert resolved() == {"steps": 5000, "every": 500}
    assert resolved("--quick") == {"steps": 2000, "every": 250}
    assert resolved("--quick", "--steps=100", "--every=50") == {
        "steps": 100,
        "every": 50,
    }
    assert resolved("--quick", "--every=5000") == {"steps": 2000, "every": 5000}


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
