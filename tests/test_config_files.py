"""Committed configuration keeps its security posture."""

import tomllib

from lib.core.config import PROJECT_ROOT


def test_streamlit_config_is_locked_down() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit/config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True  # True = cross-origin protection on
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True


def test_secrets_are_ignored_by_git() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text().split()
    for entry in (".env", ".streamlit/secrets.toml", "data/", ".venv/"):
        assert entry in ignored
