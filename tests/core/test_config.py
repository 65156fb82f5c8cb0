"""The one settings object: environment parsing and defaults."""

import pytest

from lib.core.config import DEFAULT_DATABASE_URL, load_config


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
    from dataclasses import fields

    from lib.core.config import PROJECT_ROOT, Config

    example = (PROJECT_ROOT / ".env.example").read_text()
    for field in fields(Config):
        assert f"\n{field.name.upper()}=" in example, field.name
