"""Per-store local time and deadlines, cached: the generator asks for the same few thousand
(regime, day, country) deadlines hundreds of thousands of times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lib.core.deadlines import Regime, compute_deadline
from lib.core.demo.clock import EPOCH_UTC, HOUR, ONE_US
from lib.core.demo.plan import StorePlan


class Calendar:
    """Per-store local days and local wall-clock instants, and cached deadlines."""

    def __init__(self, store: StorePlan) -> None:
        self.zone = ZoneInfo(store.timezone)
        self._days: dict[int, date] = {}
        self._deadlines: dict[tuple[Regime, date, str | None, str | None], Due] = {}
        self._texts: dict[date, str] = {}
        self._closes: dict[date, tuple[int, int]] = {}

    def day(self, us: int) -> date:
        """Local calendar day of an instant (offsets here change on whole UTC hours)."""
        hour = us // HOUR
        found = self._days.get(hour)
        if found is None:
            utc = EPOCH_UTC + timedelta(hours=hour)
            found = self._days[hour] = utc.astimezone(self.zone).date()
        return found

    def at(self, day: date, hour: int) -> int:
        """The instant (µs) of a local wall-clock hour on `day`."""
        return (
            datetime(day.year, day.month, day.day, hour, tzinfo=self.zone) - EPOCH_UTC
        ) // ONE_US

    def deadline(self, regime: Regime, day: date, country: str | None, sub: str | None) -> Due:
        """compute_deadline, cached per (regime, received day, country, subdivision).

        A third of the requests meet a new key (the received day is part of it), so the misses
        matter too: the regime goes in as a `Regime` (no parsing), and the ISO texts and local
        17:00 / next-day 09:00 instants of the due dates (which repeat) are cached as well.
        """
        key = (regime, day, country, sub)
        found = self._deadlines.get(key)
        if found is None:
            d = compute_deadline(regime, day, country, subdivision=sub)
            ext = d.extended_due
            due_close, due_late = self._close(d.due)
            ext_close, ext_late = self._close(ext) if ext else (0, 0)
            found = self._deadlines[key] = Due(
                due=self._text(d.due),
                target=self._text(d.target),
                confirm_by=self._text(d.confirm_by) if d.confirm_by else None,
                extended=self._text(ext) if ext else None,
                due_close=due_close,
                due_late=due_late,
                ext_close=ext_close,
                ext_late=ext_late,
                contract=(day + timedelta(days=30)).isoformat(),
            )
        return found

    def _text(self, day: date) -> str:
        found = self._texts.get(day)
        if found is None:
            found = self._texts[day] = day.isoformat()
        return found

    def _close(self, day: date) -> tuple[int, int]:
        """Local 17:00 on `day` and 09:00 the day after, in µs."""
        found = self._closes.get(day)
        if found is None:
            found = self._closes[day] = (self.at(day, 17), self.at(day + timedelta(days=1), 9))
        return found


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline as the generator needs it: ISO dates, and local 17:00 / next-day 09:00."""

    due: str
    target: str
    confirm_by: str | None
    extended: str | None
    due_close: int
    due_late: int
    ext_close: int
    ext_late: int
    contract: str
