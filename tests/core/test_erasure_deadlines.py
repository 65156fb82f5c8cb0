"""Erasure requests are due like their regime's: GDPR one month + two (Art. 12(3)), CCPA 45 + 45
days (11 CCR §7021); docs/LEGAL.md "Deadlines per request type"."""

from __future__ import annotations

from datetime import date

from lib.core.deadlines import compute_deadline, rule_for


def test_gdpr_erasure_is_one_month_extendable_by_two() -> None:
    deadline = compute_deadline("gdpr", date(2026, 3, 10), "FR", request_type="erasure")
    assert deadline.due == date(2026, 4, 10)  # a Friday
    assert deadline.extended_due == date(2026, 6, 10)
    assert "12(3)" in rule_for("gdpr", "erasure").sources


def test_ccpa_erasure_is_45_days_extendable_by_45() -> None:
    deadline = compute_deadline("ccpa", date(2026, 3, 10), "US", request_type="erasure")
    assert deadline.due == date(2026, 4, 24)
    assert deadline.extended_due == date(2026, 6, 8)
    assert "7021" in rule_for("ccpa", "erasure").sources


def test_an_erasure_is_due_when_an_access_request_of_the_same_day_is() -> None:
    for regime, country in (("gdpr", "DE"), ("uk_gdpr", "GB"), ("ccpa", "US")):
        access = compute_deadline(regime, date(2026, 12, 23), country)
        erasure = compute_deadline(regime, date(2026, 12, 23), country, request_type="erasure")
        assert (erasure.due, erasure.extended_due) == (access.due, access.extended_due)
