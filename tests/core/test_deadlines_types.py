"""Deadlines per request type (docs/LEGAL.md, "Deadlines per request type"): correction,
opt-out of sale/sharing and US-state appeals, with worked examples counted by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lib.cli import main
from lib.core.deadlines import (
    APPEAL_RULES,
    REQUEST_TYPES,
    RULES,
    DeadlineInputError,
    Regime,
    compute_deadline,
    rule_for,
)

D = date.fromisoformat


# --------------------------------------------------------------------------------------------
# Correction: the regime's own clock (GDPR Art. 12(3), 11 CCR §7021)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regime", "received", "country", "due", "extended"),
    [
        ("gdpr", "2026-01-31", None, "2026-03-02", "2026-04-30"),  # EU row 2: Sat 28 Feb → Mon
        ("gdpr", "2028-01-31", "DE", "2028-02-29", "2028-05-02"),  # 1 May 2028: Labour Day
        ("ccpa", "2026-03-01", None, "2026-04-15", "2026-05-30"),  # worked example 8
    ],
)
def test_correction_follows_its_regime(regime, received, country, due, extended) -> None:
    d = compute_deadline(regime, D(received), country, request_type="correction")
    assert (d.due, d.extended_due) == (D(due), D(extended))
    assert d == compute_deadline(regime, D(received), country)  # same clock as access


# --------------------------------------------------------------------------------------------
# Opt-out of sale/sharing: 15 business days under CCPA (11 CCR §7026(f))
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        # Fri 4 Dec 2026: 7-11 (5), 14-18 (10), 21-24 (14), 25 Christmas, Mon 28 (15).
        ("2026-12-04", "2026-12-28", "Christmas is not a business day"),
        # Fri 20 Nov 2026: 23-25 (3), 26 Thanksgiving, 27 (4, not a statutory CA holiday),
        # 30 Nov-4 Dec (9), 7-11 (14), Mon 14 Dec (15).
        ("2026-11-20", "2026-12-14", "Thanksgiving skipped, the day after counted"),
        # Mon 2 Mar 2026: 3-6 (4), 9-13 (9), 16-20 (14), Mon 23 Mar (15).
        ("2026-03-02", "2026-03-23", "weekends only"),
    ],
)
def test_ccpa_opt_out_is_fifteen_business_days(received, due, why) -> None:
    d = compute_deadline(Regime.CCPA, D(received), request_type="opt_out")
    assert d.due == d.strict_due == D(due), why
    assert d.extended_due is None  # §7026(f) allows no extension
    assert d.confirm_by is None
    assert d.target <= d.due


def test_opt_out_outside_california_keeps_the_regime_clock() -> None:
    received = D("2026-12-04")
    gdpr = compute_deadline(Regime.GDPR, received, "FR", request_type="opt_out")
    assert gdpr == compute_deadline(Regime.GDPR, received, "FR")
    va = compute_deadline(Regime.US_STATE, received, "US", subdivision="VA", request_type="opt_out")
    assert va.due == received + timedelta(days=45)


# --------------------------------------------------------------------------------------------
# Appeals per US state, counted from the day the appeal is received
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "due", "extended"),
    [
        ("VA", "2027-02-02", None),  # Va. Code §59.1-577(C): 60 days
        ("CO", "2027-01-18", "2027-03-19"),  # C.R.S. §6-1-1306(3): 45 days, +60
        ("CT", "2027-02-02", None),  # 60 days
        ("TX", "2027-02-02", None),  # Tex. Bus. & Com. Code §541.053: 60 days
        ("OR", "2027-01-18", None),  # ORS 646A.576(6)(d): 45 days
        ("UT", "2027-01-18", None),  # no rule of its own: the shortest known, 45 days
        (None, "2027-01-18", None),
    ],
)
def test_appeal_deadline_per_state(state, due, extended) -> None:
    d = compute_deadline(
        Regime.US_STATE, D("2026-12-04"), "US", subdivision=state, request_type="appeal"
    )
    assert d.regime is Regime.US_STATE
    assert d.due == D(due)
    assert d.extended_due == (D(extended) if extended else None)


def test_appeal_state_accepts_us_prefix_and_case() -> None:
    a = compute_deadline(
        "us_state", D("2026-12-04"), "US", subdivision="us-co", request_type="appeal"
    )
    assert a.due == D("2027-01-18")


def test_appeal_rules_cite_their_sources() -> None:
    assert set(APPEAL_RULES) == {"VA", "CO", "CT", "TX", "OR"}
    assert all(rule.sources for rule in APPEAL_RULES.values())
    assert rule_for("ccpa", "opt_out").sources.startswith("11 CCR §7026(f)")
    assert rule_for("gdpr", "correction") is RULES[Regime.GDPR]


def test_unknown_type_is_a_clear_error() -> None:
    with pytest.raises(DeadlineInputError, match="accepted: access, erasure, correction"):
        compute_deadline(Regime.GDPR, D("2026-12-04"), request_type="rectify")
    assert set(REQUEST_TYPES) >= {"correction", "opt_out", "appeal"}


# --------------------------------------------------------------------------------------------
# python -m lib deadline --type
# --------------------------------------------------------------------------------------------


def test_cli_type_option(capsys) -> None:
    base = ["deadline", "--received", "2026-12-04"]
    assert main([*base, "--regime", "ccpa", "--type", "opt_out"]) == 0
    assert main([*base, "--regime", "us_state", "--subdivision", "CO", "--type", "appeal"]) == 0
    assert (
        main(
            [*base, "--regime", "us_state", "--subdivision", "CO", "--type", "appeal", "--extended"]
        )
        == 0
    )
    assert capsys.readouterr().out.split() == ["2026-12-28", "2027-01-18", "2027-03-19"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--regime", "ccpa", "--type", "opt_out", "--extended"], "allow no extension"),
        (["--regime", "gdpr", "--type", "rectify"], "unknown request type 'rectify'"),
    ],
)
def test_cli_type_bad_input(capsys, argv, message) -> None:
    assert main(["deadline", "--received", "2026-12-04", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
