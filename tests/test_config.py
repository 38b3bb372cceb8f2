"""Settings: types and ranges checked where a Config is made, and the CLI's usage errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from newsdedup.cli import main
from newsdedup.config import Config


@pytest.mark.parametrize("settings, named", [
    ({"threshold": "0.8"}, "threshold must be a number, not str '0.8'"),
    ({"num_perm": True}, "num_perm must be an integer, not bool True"),
    ({"num_perm": 128.0}, "num_perm must be an integer, not float 128.0"),
    ({"coverage": None}, "coverage must be a number, not NoneType None"),
    ({"out": 3}, "out must be a string, not int 3"),
])
def test_a_setting_of_the_wrong_type_is_a_type_error_naming_it(settings, named):
    with pytest.raises(TypeError, match="invalid configuration") as caught:
        Config(**settings)
    assert named in str(caught.value)


def test_an_integer_is_a_number_and_becomes_a_float():
    config = Config(threshold=1, coverage_ratio=85)
    assert (config.threshold, config.coverage_ratio) == (1.0, 85.0)
    assert isinstance(config.threshold, float) and config.as_dict() == Config(threshold=1.0).as_dict()


def test_every_wrong_type_is_named_at_once():
    with pytest.raises(TypeError) as caught:
        Config(threshold="high", num_perm="many")
    assert "threshold must be a number" in str(caught.value) and "num_perm must be an integer" in str(caught.value)


def test_out_of_range_values_stay_value_errors():
    with pytest.raises(ValueError, match="threshold must be in"):
        Config(threshold=2.0)


def _run(tmp_path, toml: str):
    config = tmp_path / "settings.toml"
    config.write_text(toml)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("A short story.")
    return config, CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--config", str(config), "--quiet",
                                             "--out", str(tmp_path / "out")])


def test_a_toml_setting_of_the_wrong_type_is_a_usage_error(tmp_path):
    config, res = _run(tmp_path, 'threshold = "high"\n')
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert str(config) in res.output and "threshold must be a number, not str 'high'" in res.output
    assert "Traceback" not in res.output


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path):
    config, res = _run(tmp_path, "workers = 1\nthreshold = = 0.5\n")
    assert res.exit_code == 2, res.output
    assert str(config) in res.output and "line 2" in res.output


def test_an_unknown_toml_setting_is_a_usage_error(tmp_path):
    config, res = _run(tmp_path, "treshold = 0.5\n")
    assert res.exit_code == 2 and "unknown setting(s): treshold" in res.output


def test_from_toml_names_the_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[newsdedup]\nnum_perm = 12.5\n")
    with pytest.raises(TypeError, match=f"{path}: invalid configuration: num_perm must be an integer"):
        Config.from_toml(path)
