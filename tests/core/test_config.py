"""The one settings object: environment parsing and defaults."""

import pytest
from pydantic import ValidationError

from lib.core.config import DEFAULT_DATABASE_URL, Config, ConfigError, load_config


def test_defaults_without_environment() -> None:
    config = load_config({})
    assert config.database_url == DEFAULT_DATABASE_URL
    assert config.uses_sqlite and config.demo_mode
    assert config.intake_port == 8000


def test_environment_values_are_typed() -> None:
    config = load_config(
        {
            "INTAKE_PORT": "9100",
            "SHOPIFY_SHOP": "x.myshopify.com",
            "DATABASE_URL": "postgresql://u@h/d",
        }
    )
    assert config.intake_port == 9100
    assert not config.demo_mode and not config.uses_sqlite


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="INTAKE_PORT='eighty' is not a valid"):
        load_config({"INTAKE_PORT": "eighty"})


def test_every_setting_is_documented_in_env_example() -> None:
    from lib.core.config import PROJECT_ROOT

    example = (PROJECT_ROOT / ".env.example").read_text()
    for name in Config.model_fields:
        assert f"\n{name.upper()}=" in example, name


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("DASHBOARD_PORT", "70000", "port number"),
        ("RATE_LIMIT_IP_PER_HOUR", "-1", "must not be negative"),
        ("TRUSTED_PROXY_HOPS", "-2", "must not be negative"),
        ("REQUEST_TIMEOUT_SECONDS", "0", "above 0"),
        ("STORE_TIMEZONE", "Mars/Olympus_Mons", "IANA time zone"),
        ("DATABASE_URL", "mysql://u@h/d", "sqlite"),
        ("LOG_LEVEL", "loud", "DEBUG, INFO"),
    ],
)
def test_invalid_values_are_refused_naming_the_variable(
    variable: str, value: str, reason: str
) -> None:
    with pytest.raises(
        ConfigError, match=f"^{variable}={value!r} is not a valid value: .*{reason}"
    ):
        load_config({variable: value})


def test_names_are_case_insensitive_and_empty_values_mean_the_default() -> None:
    config = load_config({"intake_port": "9001", "TOKEN_SECRET": "", "LOG_LEVEL": "debug"})
    assert config.intake_port == 9001 and config.log_level == "DEBUG"
    assert config.token_secret == Config().token_secret


def test_config_is_frozen_and_replace_validates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_PORT", "9999")
    config = Config()  # the constructor never reads the environment: only load_config does
    assert config.intake_port == 8000
    with pytest.raises(ValidationError):
        config.intake_port = 1  # type: ignore[misc]
    assert config.replace(intake_port=9100).intake_port == 9100
    with pytest.raises(ValidationError, match="intake_port"):
        config.replace(intake_port=0)
    with pytest.raises(ValidationError, match="no_such_setting"):
        config.replace(no_such_setting=1)
