"""`python -m lib COMMAND` as a user runs it: a fresh process from the project root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from lib.core.config import PROJECT_ROOT


def run_lib(
    *args: str,
    env: Mapping[str, str] | None = None,
    database_url: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the command with `env` (default: this process's) and `database_url` if given; the
    caller checks the exit code and the captured output."""
    environment = dict(os.environ if env is None else env)
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
