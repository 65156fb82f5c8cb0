"""Legal deadlines for data-subject requests: the one place in Privacy Desk that knows them.

Pure Python (standard library + the ``holidays`` package); imports nothing from ``lib``.
The law is summarised, with its sources, in ``docs/LEGAL.md`` ("the reference"); section
numbers below (§1 … §7a) point there. Where the reference marks a point [unverified] or lists
it as uncertain (§7), this module picks the *conservative* reading, i.e. the *earlier* date,
and says so where it does.

Entry points:

* :func:`compute_deadline` — (regime, receipt date, country, pauses) → :class:`Deadline`
  with the legal due date, the strict (no pause) due date, the extended due date, the CCPA
  receipt-confirmation date and the internal target. Results are cached (about 0.3 µs per
  cached call, about 10 µs uncached).
* :meth:`Deadline.state` / :meth:`Deadline.days_left` — where a request stands today.
* :func:`regime_for` — which regime a customer's country/state falls under.
* :func:`rule_for` / :data:`TYPE_RULES` / :data:`APPEAL_RULES` — the rule of a request type
  where it differs from its regime's (CCPA opt-out: 15 business days; appeals per US state);
  ``compute_deadline(..., request_type=...)`` applies it.
* :func:`can_extend`, :func:`parse_regime`, :func:`parse_country`.
* :data:`RULES` / :data:`EXTENSION_RULES` / :data:`REGIME_LABELS` — the rules as data.

Judgement calls (all also documented where they are applied):

1. EU GDPR ``due`` ignores identity/clarification pauses (``due == strict_due``): the EU pause
   rule rests on a secondary summary of EDPB 01/2022 and a DPA case report (§4, §7.1), a late
   or disproportionate ID request does not stop the clock, and the reference says to alert on
   the strict date. UK GDPR applies pauses: the clock stop is codified in Art. 12A (§1, §4).
2. Extensions (EU/UK) run three months from the *receipt* date (ICO: "three months from the
   original start date"), not two months from the rolled first due date (§7.3) — never later.
3. CCPA: due = receipt + 45 (Gov. Code §6800 counting, worked example 8), rolled past Sundays
   and California holidays only; a plain Saturday is not rolled (§7.4, [unverified]). A
   Saturday that *is* a holiday (e.g. 4 July) rolls: §6800 excludes a holiday as last day.
   The ``holidays`` US-CA calendar is trimmed to Gov. Code §§6700-6701 by removing entries
   only (see ``_ca_statutory``), so a date can only get earlier. The §7021 reading "day of
   receipt is day 1" would give receipt + 44 (the reference's internal date); ``due`` keeps
   + 45 as worked example 8 requires, and ``target`` (≤ ``strict_due``) gives the margin.
4. US states, LGPD, PIPEDA and Shopify: calendar days, no roll at all (earlier date). Iowa
   (90 days in statute) is mapped to the 45-day ``us_state`` regime (earlier date).
5. ``target`` is capped at ``strict_due``: an internal target after the legal deadline is
   meaningless (e.g. LGPD's 15 calendar days vs. 15 working days).
6. The holiday calendar is the one of the ``country``/``subdivision`` passed in (regional
   holidays included when a subdivision is given); pass no subdivision for the national
   calendar only, which is never later. UK GDPR without a country uses GB with no nation,
   i.e. only the bank holidays common to England, Wales, Scotland and Northern Ireland.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import holidays

__all__ = [
    "APPEAL_RULES",
    "EU_EEA_COUNTRIES",
    "EXTENSION_RULES",
    "ISO_COUNTRIES",
    "MAX_RECEIVED",
    "MIN_RECEIVED",
    "REGIMES",
    "REGIME_LABELS",
    "REQUEST_TYPES",
    "RULES",
    "TYPE_RULES",
    "US_STATE_LAW_STATES",
    "Deadline",
    "DeadlineInputError",
    "DeadlineState",
    "ExtensionRule",
    "Regime",
    "RegimeRule",
    "Roll",
    "add_months",
    "can_extend",
    "compute_deadline",
    "parse_country",
    "parse_regime",
    "regime_for",
    "rule_for",
]


class Regime(StrEnum):
    GDPR = "gdpr"
    UK_GDPR = "uk_gdpr"
    CCPA = "ccpa"
    US_STATE = "us_state"
    LGPD = "lgpd"
    PIPEDA = "pipeda"
    SHOPIFY = "shopify"


class DeadlineState(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    MISSED = "missed"


class Roll(StrEnum):
    """How a due date falling on a non-working day moves."""

    WORKING_DAY = "working_day"
    """Saturday, Sunday or a public holiday of the country → next working day (Reg. 1182/71
    Art. 3(4))."""
    CA_HOLIDAY = "ca_holiday"
    """Sunday or a California holiday → next day that is neither (Gov. Code §§6700, 6800);
    a plain Saturday stays (conservative, [unverified])."""
    NONE = "none"
    """Calendar days, no roll (conservative where the reference is silent)."""


class DeadlineInputError(ValueError):
    """Bad regime, country, date or number; the message lists what is accepted."""


REGIMES: tuple[Regime, ...] = tuple(Regime)

ONE_DAY = timedelta(days=1)
MIN_RECEIVED = date(1900, 1, 1)
MAX_RECEIVED = date(2199, 12, 31)
_MAX_DAYS = 3650  # upper bound for paused_days / target_working_days (sanity check)


# --------------------------------------------------------------------------------------------
# Rules as data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExtensionRule:
    """One extension of the first period (every regime here allows at most one)."""

    extra: int
    """Length of the extension, in the regime's unit (months or days)."""
    unit: Literal["months", "days"]
    total: int
    """First period + extension, counted from receipt (3 months, 90 days, ...)."""
    notice_before_due: bool = True
    """Notice (with reasons) must reach the subject before the first due date."""
    reason_required: bool = True
    times: int = 1
    note: str = ""


@dataclass(frozen=True, slots=True)
class RegimeRule:
    regime: Regime
    label: str
    unit: Literal["months", "days", "business_days"]
    """``business_days``: weekdays that are not holidays of the calendar (CCPA: US-CA)."""
    period: int
    roll: Roll
    extension: ExtensionRule | None
    """``None``: the regime allows no extension (``Deadline.extended_due`` is ``None``)."""
    pauses: bool
    """``paused_days`` push ``due`` (UK clock stop); otherwise they are ignored."""
    confirm_business_days: int | None
    """Receipt confirmation due N business days after receipt (CCPA), else ``None``."""
    default_country: str | None
    """Holiday calendar used when the caller gives no country."""
    sources: str


RULES: Mapping[Regime, RegimeRule] = MappingProxyType(
    {
        Regime.GDPR: RegimeRule(
            regime=Regime.GDPR,
            label="EU/EEA GDPR",
            unit="months",
            period=1,
            roll=Roll.WORKING_DAY,
            extension=ExtensionRule(
                extra=2,
                unit="months",
                total=3,
                note="Only if necessary (complexity, number of requests); reasons to the "
                "subject within the first month. Counted from receipt.",
            ),
            pauses=False,
            confirm_business_days=None,
            default_country=None,
            sources="GDPR Art. 12(3)-(4); Reg. 1182/71 Art. 3; EDPB 01/2022",
        ),
        Regime.UK_GDPR: RegimeRule(
            regime=Regime.UK_GDPR,
            label="UK GDPR",
            unit="months",
            period=1,
            roll=Roll.WORKING_DAY,
            extension=ExtensionRule(
                extra=2,
                unit="months",
                total=3,
                note="Only if necessary; notice with reasons inside the first period. "
                "ICO: three months from the original start date.",
            ),
            pauses=True,
            confirm_business_days=None,
            default_country="GB",
            sources="UK GDPR Art. 12, Art. 12A (DUAA 2025); DPA 2018 s.54; ICO guidance",
        ),
        Regime.CCPA: RegimeRule(
            regime=Regime.CCPA,
            label="California CCPA/CPRA",
            unit="days",
            period=45,
            roll=Roll.CA_HOLIDAY,
            extension=ExtensionRule(
                extra=45,
                unit="days",
                total=90,
                note="Once, 90 days in total; notice with explanation inside the first 45.",
            ),
            pauses=False,
            confirm_business_days=10,
            default_country="US",
            sources="11 CCR §7021; Civ. Code §1798.130; Gov. Code §§6700, 6800",
        ),
        Regime.US_STATE: RegimeRule(
            regime=Regime.US_STATE,
            label="US state privacy law (45 days)",
            unit="days",
            period=45,
            roll=Roll.NONE,
            extension=ExtensionRule(
                extra=45,
                unit="days",
                total=90,
                note="Once where reasonably necessary, notice with reason inside the first "
                "45 days (VA, CO; other states [unverified]).",
            ),
            pauses=False,
            confirm_business_days=None,
            default_country=None,
            sources="Va. Code §59.1-577(B); C.R.S. §6-1-1306; state tracker [S]",
        ),
        Regime.LGPD: RegimeRule(
            regime=Regime.LGPD,
            label="Brazil LGPD",
            unit="days",
            period=15,
            roll=Roll.NONE,
            extension=None,
            pauses=False,
            confirm_business_days=None,
            default_country=None,
            sources="LGPD (Lei 13.709/2018) Art. 19",
        ),
        Regime.PIPEDA: RegimeRule(
            regime=Regime.PIPEDA,
            label="Canada PIPEDA",
            unit="days",
            period=30,
            roll=Roll.NONE,
            extension=ExtensionRule(
                extra=30,
                unit="days",
                total=60,
                note="Up to 30 more days, notice to the individual within the first 30.",
            ),
            pauses=False,
            confirm_business_days=None,
            default_country=None,
            sources="PIPEDA s.8(3)-(4)",
        ),
        Regime.SHOPIFY: RegimeRule(
            regime=Regime.SHOPIFY,
            label="Shopify compliance webhook",
            unit="days",
            period=30,
            roll=Roll.NONE,
            extension=None,
            pauses=False,
            confirm_business_days=None,
            default_country=None,
            sources="shopify.dev privacy-law compliance (30 days [S])",
        ),
    }
)

REGIME_LABELS: Mapping[Regime, str] = MappingProxyType({r: RULES[r].label for r in REGIMES})
EXTENSION_RULES: Mapping[Regime, ExtensionRule | None] = MappingProxyType(
    {r: RULES[r].extension for r in REGIMES}
)


# --------------------------------------------------------------------------------------------
# Rules per request type (docs/LEGAL.md, "Deadlines per request type")
# --------------------------------------------------------------------------------------------

REQUEST_TYPES: tuple[str, ...] = ("access", "erasure", "correction", "opt_out", "appeal")
"""The request types with a legal clock (``lib.core.enums.RequestType`` values; core's enums
are not imported here so that this module stays a leaf)."""

TYPE_RULES: Mapping[tuple[str, Regime], RegimeRule] = MappingProxyType(
    {
        ("opt_out", Regime.CCPA): RegimeRule(
            regime=Regime.CCPA,
            label="California CCPA/CPRA opt-out of sale/sharing",
            unit="business_days",
            period=15,
            roll=Roll.NONE,
            extension=None,
            pauses=False,
            confirm_business_days=None,
            default_country="US",
            sources="11 CCR §7026(f) (as soon as feasibly possible, at most 15 business days)",
        ),
    }
)
"""(type, regime) → the rule where it is not the regime's own. Correction and erasure follow
their regime: GDPR Art. 12(3) (one month, +2) and 11 CCR §7021 (45 days, +45)."""


def _appeal(state: str, label: str, days: int, extra: int | None, sources: str) -> RegimeRule:
    extension = (
        ExtensionRule(
            extra=extra,
            unit="days",
            total=days + extra,
            note="Once where reasonably necessary, with the reasons, inside the first period.",
        )
        if extra
        else None
    )
    return RegimeRule(
        regime=Regime.US_STATE,
        label=f"{label} appeal",
        unit="days",
        period=days,
        roll=Roll.NONE,
        extension=extension,
        pauses=False,
        confirm_business_days=None,
        default_country="US",
        sources=sources,
    )


APPEAL_RULES: Mapping[str, RegimeRule] = MappingProxyType(
    {
        "VA": _appeal("VA", "Virginia VCDPA", 60, None, "Va. Code §59.1-577(C)"),
        "CO": _appeal("CO", "Colorado CPA", 45, 60, "C.R.S. §6-1-1306(3)"),
        "CT": _appeal("CT", "Connecticut CTDPA", 60, None, "Conn. Gen. Stat. §42-518(d)"),
        "TX": _appeal("TX", "Texas TDPSA", 60, None, "Tex. Bus. & Com. Code §541.053"),
        "OR": _appeal("OR", "Oregon OCPA", 45, None, "ORS 646A.576(6)(d)"),
    }
)
"""US state → the appeal rule (decide within N days of receiving the appeal). Another state, or
none, gets :data:`DEFAULT_APPEAL` (45 days, no extension: the shortest period above)."""

DEFAULT_APPEAL = _appeal(
    "", "US state (shortest known period)", 45, None, "Colorado and Oregon: 45 days"
)


def rule_for(
    regime: Regime | str, request_type: str = "access", state: str | None = None
) -> RegimeRule:
    """The rule a request of ``request_type`` under ``regime`` (US ``state``) is due by.

    Unknown types raise :class:`DeadlineInputError` listing :data:`REQUEST_TYPES`.
    """
    regime = parse_regime(regime)
    kind = request_type.strip().lower() if isinstance(request_type, str) else request_type
    if kind not in REQUEST_TYPES:
        raise DeadlineInputError(
            f"unknown request type {request_type!r}; accepted: {', '.join(REQUEST_TYPES)}"
        )
    if kind == "appeal":
        code = _normalise_subdivision("US", state)
        return APPEAL_RULES.get(code or "", DEFAULT_APPEAL)
    return TYPE_RULES.get((kind, regime), RULES[regime])


# --------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------

_ISO_ALPHA2 = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS XK YE YT ZA ZM ZW
"""
ISO_COUNTRIES: frozenset[str] = frozenset(_ISO_ALPHA2.split())
"""ISO 3166-1 alpha-2 codes (249 assigned) plus XK (Kosovo, user-assigned but universal)."""

_COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType({"UK": "GB", "EL": "GR"})

_EU_EEA = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"  # EU 27
    " IS LI NO"  # EEA
)
EU_EEA_COUNTRIES: frozenset[str] = frozenset(_EU_EEA.split())
"""27 EU member states + the EEA states Iceland, Liechtenstein, Norway."""

_US_STATES_45 = "VA CO CT UT TX FL OR MT NE DE NH NJ TN MN MD IN KY RI IA"
US_STATE_LAW_STATES: frozenset[str] = frozenset(_US_STATES_45.split())
"""US states mapped to :attr:`Regime.US_STATE` (45 days, +45). Iowa's statute gives 90 days
(reference §1); 45 is the earlier, conservative date."""


def parse_regime(value: Regime | str) -> Regime:
    """``"GDPR"``, ``" uk-gdpr "``, ``Regime.CCPA`` … → :class:`Regime`.

    Case-insensitive; ``-`` and spaces count as ``_``. Raises :class:`DeadlineInputError`
    listing the accepted values otherwise.
    """
    if isinstance(value, Regime):
        return value
    if isinstance(value, str):
        key = value.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return Regime(key)
        except ValueError:
            pass
    accepted = ", ".join(r.value for r in REGIMES)
    raise DeadlineInputError(f"unknown regime {value!r}; accepted: {accepted}")


def parse_country(value: str | None) -> str | None:
    """Normalise a country to an upper-case ISO 3166-1 alpha-2 code; ``None``/blank → ``None``.

    Accepts any case and surrounding blanks, and the aliases UK → GB, EL → GR. Raises
    :class:`DeadlineInputError` listing the accepted codes otherwise. A valid code need not
    have a holiday calendar: such countries roll over weekends only.
    """
    if value is None:
        return None
    if isinstance(value, str):
        code = value.strip().upper()
        if not code:
            return None
        code = _COUNTRY_ALIASES.get(code, code)
        if code in ISO_COUNTRIES:
            return code
    accepted = ", ".join(sorted(ISO_COUNTRIES))
    raise DeadlineInputError(
        f"unknown country {value!r}; expected an ISO 3166-1 alpha-2 code "
        f"(aliases: UK=GB, EL=GR) or empty; accepted: {accepted}"
    )


def _normalise_subdivision(country: str | None, subdivision: str | None) -> str | None:
    """``" us-ca "`` / ``"CA"`` → ``"CA"``; blank → ``None``. Not validated (see below)."""
    if subdivision is None:
        return None
    if not isinstance(subdivision, str):
        raise DeadlineInputError(
            f"subdivision must be a string such as 'CA' or 'US-CA', got {subdivision!r}"
        )
    code = subdivision.strip().upper()
    if country and code.startswith(country + "-"):
        code = code[len(country) + 1 :]
    return code or None


def regime_for(
    country: str | None, subdivision: str | None = None, default: Regime | str = Regime.GDPR
) -> Regime:
    """The regime for a customer in ``country`` (ISO alpha-2) / ``subdivision`` (US state).

    ====================================  ===========
    EU 27 + IS, LI, NO                    gdpr
    GB                                    uk_gdpr
    US + CA                               ccpa
    US + VA CO CT UT TX FL OR MT NE DE …  us_state
    BR                                    lgpd
    CA (Canada)                           pipeda
    anything else, unknown, None          ``default``
    ====================================  ===========

    Crown dependencies (JE, GG, IM) have their own data-protection laws and fall to
    ``default``; only GB maps to UK GDPR. Lenient by design: an unrecognised country never
    raises here (intake data is messy); only a bad ``default`` does.
    """
    fallback = parse_regime(default)
    try:
        code = parse_country(country)
    except DeadlineInputError:
        return fallback
    if code is None:
        return fallback
    if code in EU_EEA_COUNTRIES:
        return Regime.GDPR
    if code == "GB":
        return Regime.UK_GDPR
    if code == "BR":
        return Regime.LGPD
    if code == "CA":
        return Regime.PIPEDA
    if code == "US":
        try:
            state = _normalise_subdivision("US", subdivision)
        except DeadlineInputError:
            return fallback
        if state == "CA":
            return Regime.CCPA
        if state in US_STATE_LAW_STATES:
            return Regime.US_STATE
    return fallback


# --------------------------------------------------------------------------------------------
# Calendars
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _supported() -> Mapping[str, frozenset[str]]:
    return MappingProxyType(
        {
            code: frozenset(subdivs)
            for code, subdivs in holidays.list_supported_countries().items()
            if len(code) == 2
        }
    )


def _calendar_subdivision(country: str | None, subdivision: str | None) -> str | None:
    """The subdivision to ask ``holidays`` for: ``None`` when it does not know it.

    An unknown subdivision falls back to the national calendar (fewer holidays, so never a
    later date) instead of failing: ``holidays`` does not know every ISO 3166-2 code.
    """
    if country is None or subdivision is None:
        return None
    return subdivision if subdivision in _supported().get(country, frozenset()) else None


@lru_cache(maxsize=8192)
def _holidays(country: str | None, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of ``country`` (and ``subdivision``) in ``year``; cached.

    Country ``None`` or not supported by ``holidays`` → empty (weekends only).
    US-CA: see :func:`_ca_statutory`.
    """
    if country is None or country not in _supported():
        return frozenset()
    try:
        cal = holidays.country_holidays(country, subdiv=subdivision, years=year)
    except NotImplementedError:  # defensive: subdivision list changed under us
        cal = holidays.country_holidays(country, years=year)
    if country == "US" and subdivision == "CA":
        return frozenset(day for day, name in cal.items() if _ca_statutory(day, name))
    return frozenset(cal)


_CA_NOT_STATUTORY = frozenset({"Susan B. Anthony Day", "Day After Thanksgiving"})


def _ca_statutory(day: date, names: str) -> bool:
    """Keep a ``holidays`` US-CA entry for CCPA rolls only if California law makes it a holiday.

    The package lists the state-employee calendar, which is not Gov. Code §§6700-6701. Only
    entries that would give a *later* date than the statute are removed (never any added):

    * Susan B. Anthony Day (15 Feb) and the Day After Thanksgiving: not in §6700's list.
    * Friday "(observed)" days for a Saturday holiday: §6701 moves only Sunday holidays (to
      Monday) and 11 November on a Saturday (to Friday 10 November, kept).

    Holidays in §6700 that the package lacks (Lincoln Day, Admission Day, Native American Day,
    Columbus Day, ...) are not added, so a CCPA date may be a day early, never late.
    """
    for raw in names.split(";"):
        name = raw.strip()
        if name in _CA_NOT_STATUTORY:
            continue
        if name.endswith("(observed)") and day.weekday() == 4 and (day.month, day.day) != (11, 10):
            continue
        return True
    return False


def _is_working_day(day: date, country: str | None, subdivision: str | None) -> bool:
    return day.weekday() < 5 and day not in _holidays(country, subdivision, day.year)


def _roll_working_day(day: date, country: str | None, subdivision: str | None) -> date:
    """Saturday, Sunday or public holiday → next working day (Reg. 1182/71 Art. 3(4))."""
    while not _is_working_day(day, country, subdivision):
        day += ONE_DAY
    return day


def _roll_ca(day: date) -> date:
    """Sunday or California holiday → next day that is neither. A plain Saturday stays."""
    while day.weekday() == 6 or day in _holidays("US", "CA", day.year):
        day += ONE_DAY
    return day


def _add_working_days(start: date, n: int, country: str | None, subdivision: str | None) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    year = day.year
    hols = _holidays(country, subdivision, year)
    while n > 0:
        day += ONE_DAY
        if day.year != year:
            year = day.year
            hols = _holidays(country, subdivision, year)
        if day.weekday() < 5 and day not in hols:
            n -= 1
    return day


def add_months(day: date, months: int) -> date:
    """Reg. 1182/71 Art. 3(2)(c): same date ``months`` later, else the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------------------------
# Deadline
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    """All the dates of one request. Build with :func:`compute_deadline`."""

    regime: Regime
    received: date
    country: str | None
    """ISO 3166-1 alpha-2 of the holiday calendar used, upper-case (US for CCPA, GB by
    default for UK GDPR); ``None`` = weekends only."""
    due: date
    """Legal due date; UK clock-stop pauses applied; never the extension."""
    strict_due: date
    """``due`` without pauses — alert on this one."""
    extended_due: date | None
    """Due date if extended; ``None`` when the regime allows no extension."""
    confirm_by: date | None
    """CCPA receipt confirmation (10 business days); ``None`` elsewhere."""
    target: date
    """Internal target: N working days after receipt, never after ``strict_due``."""

    def effective_due(self, extended: bool) -> date:
        """``extended_due`` if ``extended`` and the regime allows it, else ``due``."""
        if extended and self.extended_due is not None:
            return self.extended_due
        return self.due

    def days_left(self, today: date, *, extended: bool = False) -> int:
        """Calendar days from ``today`` to the effective due date; negative = overdue."""
        return (self.effective_due(extended) - today).days

    def state(
        self,
        today: date,
        *,
        extended: bool = False,
        responded_on: date | None = None,
        due_soon_days: int = 7,
    ) -> DeadlineState:
        """MET/MISSED once responded; else OVERDUE, DUE_SOON (≤ ``due_soon_days`` left) or
        ON_TRACK. The due date itself counts as due soon, the day after as overdue."""
        due = self.effective_due(extended)
        if responded_on is not None:
            return DeadlineState.MET if responded_on <= due else DeadlineState.MISSED
        left = (due - today).days
        if left < 0:
            return DeadlineState.OVERDUE
        if left <= due_soon_days:
            return DeadlineState.DUE_SOON
        return DeadlineState.ON_TRACK


def can_extend(deadline: Deadline, today: date) -> bool:
    """The regime allows an extension and ``today`` is on or before the first due date.

    The notice with reasons must reach the subject inside the first period (reference §3),
    so the "extend" action is only valid up to and including ``deadline.due``.
    """
    return deadline.extended_due is not None and today <= deadline.due


def _check_int(name: str, value: object, maximum: int = _MAX_DAYS) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise DeadlineInputError(f"{name} must be an integer from 0 to {maximum}, got {value!r}")
    return value


def _check_received(received: object) -> date:
    if isinstance(received, datetime) or not isinstance(received, date):
        raise DeadlineInputError(
            f"received must be a datetime.date from {MIN_RECEIVED} to {MAX_RECEIVED} "
            f"(a datetime must first be converted to the local calendar date), "
            f"got {received!r}"
        )
    if not MIN_RECEIVED <= received <= MAX_RECEIVED:
        raise DeadlineInputError(
            f"received must be from {MIN_RECEIVED} to {MAX_RECEIVED}, got {received}"
        )
    return received


def compute_deadline(
    regime: Regime | str,
    received: date,
    country: str | None = None,
    *,
    subdivision: str | None = None,
    paused_days: int = 0,
    target_working_days: int = 15,
    request_type: str = "access",
) -> Deadline:
    """All deadline dates of a request received on ``received`` (the calendar date of receipt).

    ``request_type`` picks :func:`rule_for`'s rule: ``opt_out`` under CCPA is 15 business days
    (US-CA calendar, no extension); ``appeal`` is the US state's (``subdivision``) appeal
    period; every other type is its regime's rule below.

    * ``gdpr``/``uk_gdpr``: one month (Reg. 1182/71 Art. 3: same date next month, else the
      last day of that month); a Saturday, Sunday or public holiday of ``country``
      (``subdivision``) moves it to the next working day. Extension: three months from
      receipt, rolled the same way. UK: ``paused_days`` (total clock-stop length) are added
      to the raw date before the roll, for ``due`` and ``extended_due``; ``strict_due``
      ignores them. EU: ``due`` ignores pauses too (see the module docstring, point 1).
      UK calendar: GB (holidays common to all UK nations) unless given.
    * ``ccpa``: receipt + 45 / + 90, rolled past Sundays and California holidays (not plain
      Saturdays); ``confirm_by`` = 10 business days; calendar always US-CA.
    * ``us_state`` 45 / 90, ``pipeda`` 30 / 60, ``lgpd`` 15, ``shopify`` 30: calendar days,
      no roll; ``extended_due`` is ``None`` for lgpd and shopify.
    * ``target``: ``target_working_days`` working days after receipt (weekends and the
      calendar's holidays skipped), capped at ``strict_due``.

    A country without a ``holidays`` calendar (or ``None``) rolls over weekends only; an
    unknown subdivision falls back to the national calendar. A non-ISO country, unknown
    regime, non-``date`` receipt or negative count raises :class:`DeadlineInputError`.
    Results are cached (identical arguments → the same frozen object).
    """
    return _compute(
        regime, received, country, subdivision, paused_days, target_working_days, request_type
    )


@lru_cache(maxsize=32768)
def _compute(
    regime_value: Regime | str,
    received_value: date,
    country_value: str | None,
    subdivision_value: str | None,
    paused_value: int,
    target_value: int,
    request_type: str,
) -> Deadline:
    regime = parse_regime(regime_value)
    received = _check_received(received_value)
    paused_days = _check_int("paused_days", paused_value)
    target_days = _check_int("target_working_days", target_value)
    rule = rule_for(regime, request_type, subdivision_value)

    if regime is Regime.CCPA:
        country: str | None = "US"
        subdivision: str | None = "CA"
        parse_country(country_value)  # still reject garbage
    else:
        country = parse_country(country_value) or rule.default_country
        subdivision = _calendar_subdivision(
            country, _normalise_subdivision(country, subdivision_value)
        )

    ext = rule.extension
    confirm_by: date | None = None
    if rule.unit == "months":
        raw_due = add_months(received, rule.period)
        raw_ext = add_months(received, ext.total) if ext is not None else None
    elif rule.unit == "business_days":
        raw_due = _add_working_days(received, rule.period, country, subdivision)
        raw_ext = None
    else:
        raw_due = received + timedelta(days=rule.period)
        raw_ext = received + timedelta(days=ext.total) if ext is not None else None
    pause = timedelta(days=paused_days if rule.pauses else 0)

    if rule.roll is Roll.WORKING_DAY:
        strict_due = _roll_working_day(raw_due, country, subdivision)
        due = _roll_working_day(raw_due + pause, country, subdivision) if pause else strict_due
        extended_due = (
            _roll_working_day(raw_ext + pause, country, subdivision)
            if raw_ext is not None
            else None
        )
    elif rule.roll is Roll.CA_HOLIDAY:
        strict_due = due = _roll_ca(raw_due)
        extended_due = _roll_ca(raw_ext) if raw_ext is not None else None
    else:
        strict_due = due = raw_due
        extended_due = raw_ext

    if rule.confirm_business_days is not None:
        confirm_by = _add_working_days(received, rule.confirm_business_days, "US", "CA")

    target = min(_add_working_days(received, target_days, country, subdivision), strict_due)
    return Deadline(
        regime=rule.regime,
        received=received,
        country=country,
        due=due,
        strict_due=strict_due,
        extended_due=extended_due,
        confirm_by=confirm_by,
        target=target,
    )
