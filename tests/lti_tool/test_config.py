"""Settings: embedded defaults, instance TOML file, environment; nothing read at import time."""
from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.config import ConfigError, load_settings


def test_embedded_defaults(tmp_path: Path) -> None:
    settings = load_settings({"instance_path": tmp_path}, environ={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mirco.sqlite3'}"
    assert settings.base_url == "http://127.0.0.1:5000"
    assert settings.keys_path == tmp_path / "keys"
    assert settings.lrs_enabled and not settings.demo
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings({"instance_path": tmp_path}, environ={}).secret_key == settings.secret_key


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "mirco.toml").write_text('base_url = "https://file.example"\ndemo = true\nkey_grace_days = 3\n')
    settings = load_settings({"instance_path": tmp_path}, environ={"MIRCO_DEMO": "0"})
    assert settings.base_url == "https://file.example" and settings.demo is False and settings.key_grace_days == 3
    env = {"MIRCO_DATABASE_URL": "postgresql://postgres@127.0.0.1/test", "MIRCO_COURSES_DIRS": "/a,/b"}
    settings = load_settings({"instance_path": tmp_path, "base_url": "https://override.example"}, environ=env)
    assert settings.database_url.startswith("postgresql://") and settings.courses_dirs == (Path("/a"), Path("/b"))
    assert settings.base_url == "https://override.example"


@pytest.mark.parametrize("env, fragment", [
    ({"MIRCO_DEMO": "perhaps"}, "MIRCO_DEMO"),
    ({"MIRCO_KEY_GRACE_DAYS": "week"}, "MIRCO_KEY_GRACE_DAYS"),
    ({"MIRCO_BASE_URL": "javascript:alert(1)"}, "MIRCO_BASE_URL"),
    ({"MIRCO_ROSTER_MAX_AGE_SECONDS": "-1"}, "MIRCO_ROSTER_MAX_AGE_SECONDS"),
    ({"MIRCO_ROSTER_WAIT_SECONDS": "600"}, "MIRCO_ROSTER_WAIT_SECONDS"),
    ({"MIRCO_ROSTER_WAIT_SECONDS": "soon"}, "MIRCO_ROSTER_WAIT_SECONDS"),
])
def test_bad_values_name_the_setting(tmp_path: Path, env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings({"instance_path": tmp_path}, environ=env)


def test_bad_instance_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "mirco.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_settings({"instance_path": tmp_path}, environ={})
    (tmp_path / "mirco.toml").write_text("base_url = \n")
    with pytest.raises(ConfigError, match="mirco.toml"):
        load_settings({"instance_path": tmp_path}, environ={})
