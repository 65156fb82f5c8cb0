"""The one table of labels covers every code staff may read, and its helpers write for people."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import pytest

from lib.core.deadlines import DeadlineState, Regime
from lib.core.enums import (
    Channel,
    EventKind,
    JobStatus,
    MailStatus,
    RejectionCode,
    RequestType,
    StaffMedium,
    Status,
)
from lib.dashboard import labels

VOCABULARIES: dict[str, type[StrEnum]] = {
    "status": Status,
    "type": RequestType,
    "channel": Channel,
    "regime": Regime,
    "rejection": RejectionCode,
    "event": EventKind,
    "job": JobStatus,
    "mail": MailStatus,
    "deadline": DeadlineState,
    "medium": StaffMedium,
}


@pytest.mark.parametrize("vocabulary", list(VOCABULARIES))
def test_every_code_of_every_enum_has_a_label(vocabulary: str) -> None:
    codes = {member.value for member in VOCABULARIES[vocabulary]}
    assert codes <= set(labels.LABELS[vocabulary]), codes - set(labels.LABELS[vocabulary])
    for code in codes:
        text = labels.label(vocabulary, code)
        assert "_" not in text and text[0].isupper()


def test_codes_from_the_issue_read_as_words() -> None:
    assert labels.words("logged_in") == "Storefront, logged in"
    assert labels.words("ready_for_review") == "Ready for review"
    assert labels.label("regime", "us_state") != "us_state"
    assert labels.label("type", "opt_out") == "Opt-out of sale or sharing"
    assert labels.label("column", "complied_in_whole_or_part") == (
        "Complied with in whole or in part"
    )
    assert labels.label("status", None) == "–"


def test_plurals_percentages_and_dates() -> None:
    assert labels.plural(1, "request") == "1 request"
    assert labels.plural(1024, "request") == "1,024 requests"
    assert labels.percent(0.3009) == "30 %"
    assert labels.percent(None) == "–"
    at = datetime(2025, 12, 4, 18, 52, tzinfo=UTC)
    assert labels.when(at, UTC) == "4 Dec 2025 18:52"


def test_audit_details_are_sentences_not_dicts() -> None:
    text = labels.details({"paused_days": 3, "due": "2027-01-02", "manual": True,
                           "template": "verify"})  # fmt: skip
    assert text == "Paused days 3; Due 2 Jan 2027; Manual yes; Template verify"
    assert labels.details(None) == ""


def test_timeline_events_read_as_sentences() -> None:
    from lib.dashboard.detail import event_sentence

    verified = event_sentence("customer", "transition", "pending_verification", "verified", None,
                              channel="guest")  # fmt: skip
    assert verified == "the customer verified the request by email link"
    assert event_sentence(
        "customer", "transition", "received", "verified", None, channel="logged_in"
    ) == ("the customer verified the request by logging in to the shop")
    assert event_sentence("dpo@shop.example", "paused", None, None, "Asked for the order") == (
        "dpo@shop.example stopped the clock: Asked for the order"
    )
    assert event_sentence("customer", "download", None, None, float("nan")) == (
        "the customer downloaded the package"  # a NULL reason reads as NaN from pandas
    )
    assert event_sentence("system", "transition", "in_progress", "ready_for_review", None) == (
        "the export finished: the package is ready for review"
    )
