"""The committed `[auth]` example: what `st.login` needs, used by the sign-in tests."""

from __future__ import annotations

import tomllib

from lib.core.config import PROJECT_ROOT

EXAMPLE = tomllib.loads((PROJECT_ROOT / ".streamlit/secrets.toml.example").read_text())
AUTH = EXAMPLE["auth"]
