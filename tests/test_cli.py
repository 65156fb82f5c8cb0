"""The command contract: `python -m lib deadline`, `audit verify`, `settings`, errors."""

from __future__ import annotations

import pytest

from lib.cli import main
from tests.helpers.cli import run_lib

# Worked examples of docs/LEGAL.md §6 (weekend roll only: no country).
WORKED = [
    ("gdpr", "2026-03-01", None, "2026-04-01", "2026-06-01"),
    ("gdpr", "2026-01-31", None, "2026-03-02", "2026-04-30"),
    ("gdpr", "2028-01-31", None, "2028-02-29", "2028-05-01"),
    ("gdpr", "2026-03-31", None, "2026-04-30", "2026-06-30"),
    ("gdpr", "2026-05-28", None, "2026-06-29", "2026-08-28"),
    ("gdpr", "2026-02-28", None, "2026-03-30", "2026-05-28"),
    ("gdpr", "2026-01-31", "DE", "2026-03-02", "2026-04-30"),
    ("gdpr", "2028-01-31", "DE", "2028-02-29", "2028-05-02"),
    ("ccpa", "2026-03-01", None, "2026-04-15", "2026-05-30"),
]


@pytest.mark.parametrize(("regime", "received", "country", "due", "extended"), WORKED)
def test_deadline_reproduces_the_worked_examples(
    capsys, regime, received, country, due, extended
) -> None:
    argv = ["deadline", "--regime", regime, "--received", received]
    if country:
        argv += ["--country", country]
    assert main(argv) == 0
    assert main([*argv, "--extended"]) == 0
    assert capsys.readouterr().out.split() == [due, extended]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--regime", "gdpr", "--received", "31/01/2026"], "is not a date; use YYYY-MM-DD"),
        (["--regime", "mars", "--received", "2026-01-31"], "gdpr"),
        (["--regime", "gdpr", "--received", "2026-01-31", "--country", "XX"], "country"),
        (["--regime", "lgpd", "--received", "2026-01-31", "--extended"], "no extension"),
    ],
)
def test_deadline_bad_input_is_one_line_and_exit_2(capsys, argv, message) -> None:
    assert main(["deadline", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_the_command_runs_as_a_module() -> None:
    result = run_lib(
        "deadline",
        "--regime",
        "gdpr",
        "--received",
        "2026-01-31",
        "--country",
        "DE",
        database_url="sqlite:///unused.db",
    )
    assert (result.returncode, result.stdout) == (0, "2026-03-02\n")


def test_unreachable_database_is_one_line_not_a_traceback() -> None:
    result = run_lib("audit", "verify", database_url="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the database")
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_settings_commands_round_trip(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_lib("migrate", database_url=url).returncode == 0
    assert run_lib("settings", "set", "guest_support", "off", database_url=url).stdout == (
        "guest_support = false\n"
    )
    assert run_lib("settings", "get", "guest_support", database_url=url).stdout == "False\n"
    listing = run_lib("settings", "list", database_url=url).stdout
    assert "guest_support" in listing and "Support guest visitors" in listing
    bad = run_lib("settings", "set", "download_max", "99", database_url=url)
    assert bad.returncode == 2 and "takes 1 to 20" in bad.stderr
    assert run_lib("audit", "verify", database_url=url).returncode == 0
